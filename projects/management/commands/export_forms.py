"""export_forms: every form of a year, as JSON, the Excel summary, Word, PDF or one ZIP.

--format json   the interchange JSON selfeval/1 (to stdout without --out)
--format xlsx   the Excel summary (汇总 / 指标明细 / 检查结果)
--format docx   every form as .docx: a ZIP of them, or, when --out is an existing
                folder, one file per form written into it
--format pdf    the same with PDFs (rendered in a recycled worker process)
--format zip    everything: Word and PDF of every form plus the summary, in one ZIP
--format paper-xlsx  every form in the paper layout: one workbook with a sheet per
                form, or, when --out is an existing folder, one workbook per form
--format report the year's 绩效自评情况报告 (.docx) from the stored summaries, of every
                主管部门 (--department narrows it to one, by name)

The formats are the exporters of ``projects.exports.registry``: each year exporter
writes its file with ``write``; a form exporter writes a folder or, through the
ZIP exporter, one archive, unless a year exporter of the same name writes the file.
The report (``registry.REPORT_EXPORTER``) reads the year as an administrator does.
"""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.exports.archive import ArchiveExporter, member_name
from projects.exports.base import YearExporter
from projects.exports.jsondoc import JsonExporter
from projects.exports.pdf import PdfExporter, print_html
from projects.exports.pdf_engine import PdfRenderError, pdfs_in_worker
from projects.exports.registry import FORM_EXPORTERS, REPORT_EXPORTER, YEAR_EXPORTERS
from projects.exports.report import every_form_reader, year_report
from projects.exports.report_charts import ChartFontMissing
from projects.exports.sheet import sheets_for
from projects.models import Department, Evaluation

# The formats are the exporters': a year exporter writes one file; a form exporter's
# format writes one file per form into a folder, or a ZIP of them (a name in both
# registries, paper-xlsx, is offered once).
FORMATS = list(dict.fromkeys([*YEAR_EXPORTERS, *FORM_EXPORTERS, REPORT_EXPORTER.identifier]))
TO_STDOUT = JsonExporter.identifier  # the one format that may go to standard output
# On the server, outside any request: PDFs (≈0.4 s each) may use every core.
PDF_WORKERS = os.cpu_count() or 1


class Command(BaseCommand):
    help = "导出某年度的全部自评表：JSON 交换格式、Excel 汇总表、Word、PDF 或全部打包（ZIP）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度，如 2023")
        parser.add_argument("--format", default=TO_STDOUT, choices=FORMATS, help="导出格式")
        parser.add_argument(
            "--out",
            type=Path,
            help="输出文件（json 不指定时写到标准输出）；docx/pdf 指向已有文件夹时逐表写入该文件夹",
        )
        parser.add_argument(
            "--department", default="", help="仅 report：只统计该主管部门（填写部门名称）"
        )

    def handle(
        self, *args, year: int, format: str, out: Path | None, department: str = "", **options
    ) -> None:
        evaluations = Evaluation.objects.filter(year=year)
        title = f"{year}年度"
        if department and format != REPORT_EXPORTER.identifier:
            raise CommandError("--department 只用于 --format report")
        if out is None:
            if format != TO_STDOUT:
                raise CommandError(f"--format {format} 需要 --out 指定输出文件")
            chunks = YEAR_EXPORTERS[format].stream(evaluations, title=title)
            sys.stdout.write(b"".join(chunks).decode())
            return
        if format == REPORT_EXPORTER.identifier:
            self._report(year, department, out)
            return
        try:
            if format in FORM_EXPORTERS and out.is_dir():
                written = self._folder(evaluations, format, out)
            else:
                with out.open("wb") as handle:
                    written = self._exporter(format).write(evaluations, handle, title=title)
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror}") from None
        self.stderr.write(f"已导出 {written} 张自评表到 {out}")

    def _report(self, year: int, department: str, out: Path) -> None:
        """The year's report of every form (or of one 主管部门, named)."""
        department_id = None
        if department:
            found = Department.objects.filter(name=department.strip(), parent__isnull=True).first()
            if found is None:
                raise CommandError(f"没有名为“{department}”的主管部门")
            department_id = found.pk
        if not Evaluation.objects.filter(year=year).exists():
            raise CommandError(f"没有 {year} 年度的自评表，未生成报告")
        report = year_report(every_form_reader(), year, department_id=department_id)
        try:
            with out.open("wb") as handle:
                written = REPORT_EXPORTER.write(report, handle)
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror}") from None
        except ChartFontMissing as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"已生成 {year} 年度绩效自评情况报告（{written} 张自评表）到 {out}")

    @staticmethod
    def _exporter(format: str) -> YearExporter:
        """The year exporter of ``format``, or for a form format the ZIP of every form in
        it; a ZIP renders its PDFs with every core."""
        if format not in YEAR_EXPORTERS:
            return ArchiveExporter((format,), pdf_workers=PDF_WORKERS)
        exporter = YEAR_EXPORTERS[format]
        if isinstance(exporter, ArchiveExporter):
            return ArchiveExporter(exporter.kinds, pdf_workers=PDF_WORKERS)
        return exporter

    def _folder(self, evaluations, format: str, out: Path) -> int:
        """One file per form, named like the ZIP's members."""
        exporter = FORM_EXPORTERS[format]
        width = max(3, len(str(evaluations.count())))
        names = []

        def named_sheets():
            for number, sheet in enumerate(sheets_for(evaluations, history=True), start=1):
                names.append(out / member_name(number, width, sheet, exporter.extension))
                yield sheet

        if not isinstance(exporter, PdfExporter):
            for sheet in named_sheets():
                names[-1].write_bytes(exporter.render(sheet).read_all())
            return len(names)
        # PDFs are rendered in worker processes, several at a time.
        failed = 0
        htmls = (print_html(sheet) for sheet in named_sheets())
        for index, outcome in enumerate(pdfs_in_worker(htmls, workers=PDF_WORKERS)):
            if isinstance(outcome, PdfRenderError):
                failed += 1
                self.stderr.write(f"{names[index].name}：{outcome}")
                continue
            names[index].write_bytes(outcome)
        if failed:
            raise CommandError(f"{failed} 张自评表的 PDF 未能生成（见上）")
        return len(names)
