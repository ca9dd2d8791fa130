"""export_forms: every form of a year, as JSON, the Excel summary, Word, PDF or one ZIP.

--format json   the interchange JSON selfeval/1 (to stdout without --out)
--format xlsx   the Excel summary (汇总 / 指标明细 / 检查结果)
--format docx   every form as .docx: a ZIP of them, or, when --out is an existing
                folder, one file per form written into it
--format pdf    the same with PDFs (rendered in a recycled worker process)
--format zip    everything: Word and PDF of every form plus the summary, in one ZIP
"""

import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.exports.archive import ArchiveExporter, member_name, write_stream
from projects.exports.excel import SummaryExporter
from projects.exports.pdf import print_html
from projects.exports.pdf_engine import PdfRenderError, pdfs_in_worker
from projects.exports.sheet import sheets_for
from projects.exports.word import DocxExporter
from projects.interchange import FORMAT, evaluation_to_dict
from projects.models import Evaluation
from projects.selectors import evaluation_results, with_rows

FORMATS = ["json", "xlsx", "docx", "pdf", "zip"]
# On the server, outside any request: PDFs (≈0.4 s each) may use every core.
PDF_WORKERS = os.cpu_count() or 1


class Command(BaseCommand):
    help = "导出某年度的全部自评表：JSON 交换格式、Excel 汇总表、Word、PDF 或全部打包（ZIP）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年度，如 2023")
        parser.add_argument("--format", default="json", choices=FORMATS, help="导出格式")
        parser.add_argument(
            "--out",
            type=Path,
            help="输出文件（json 不指定时写到标准输出）；docx/pdf 指向已有文件夹时逐表写入该文件夹",
        )

    def handle(self, *args, year: int, format: str, out: Path | None, **options) -> None:
        if format == "json":
            self._json(year, out)
            return
        if out is None:
            raise CommandError(f"--format {format} 需要 --out 指定输出文件")
        evaluations = Evaluation.objects.filter(year=year)
        title = f"{year}年度"
        try:
            if format in ("docx", "pdf") and out.is_dir():
                written = self._folder(evaluations, format, out)
            elif format == "xlsx":
                with out.open("wb") as handle:
                    written = SummaryExporter().write(evaluations, handle)
            else:
                kinds = {"docx": ("docx",), "pdf": ("pdf",)}.get(format, ("xlsx", "docx", "pdf"))
                with out.open("wb") as handle:
                    exporter = ArchiveExporter(kinds, pdf_workers=PDF_WORKERS)
                    write_stream(exporter.stream(evaluations, title=title), handle)
                written = evaluations.count()
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror}") from None
        self.stderr.write(f"已导出 {written} 张自评表到 {out}")

    def _folder(self, evaluations, format: str, out: Path) -> int:
        """One .docx or .pdf per form, named like the ZIP's members."""
        width = max(3, len(str(evaluations.count())))
        names = []

        def named_sheets():
            for number, sheet in enumerate(sheets_for(evaluations, history=True), start=1):
                names.append(out / member_name(number, width, sheet, format))
                yield sheet

        if format == "docx":
            word = DocxExporter()
            for sheet in named_sheets():
                names[-1].write_bytes(word.render(sheet).content)
            return len(names)
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

    def _json(self, year: int, out: Path | None) -> None:
        evaluations = with_rows(
            Evaluation.objects.select_related(
                "project", "project__department", "project__implementing_unit"
            ).filter(year=year)
        ).order_by("pk")
        document = {
            "format": FORMAT,
            "forms": [evaluation_to_dict(e, r) for e, r in evaluation_results(evaluations)],
        }
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if out is None:
            sys.stdout.write(text)
            return
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror}") from None
        self.stderr.write(f"已导出 {len(document['forms'])} 张自评表到 {out}")
