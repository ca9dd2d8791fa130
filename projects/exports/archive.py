"""A ZIP of many forms: every form as .docx and .pdf, plus the Excel summary, streamed.

``zipfile`` writes into a sink that cannot seek (it then uses data descriptors and
ZIP64 where needed), and the generator hands out what was written after each
entry, so memory holds a handful of files, never the archive. PDFs are rendered in
recycled worker processes (pdf_engine.pdfs_in_worker) a few forms ahead of the
archive, while this process builds the .docx files.

One pass over the forms feeds all three: each form's sheet goes into the .docx,
the PDF worker and the summary workbook (which spools its rows to disk), so the
download flows from the first form on and the summary, written last, costs no
second round of loading and scoring.

Layout (the number is the form's 序号 in the summary)::

    2023年度/Word/001_通州区发展和改革委员会_帮扶专项资金.docx
    2023年度/PDF/001_通州区发展和改革委员会_帮扶专项资金.pdf
    2023年度/2023年度_汇总表.xlsx
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
import zipfile
from collections import deque
from collections.abc import Iterator
from typing import IO

from django.db.models import QuerySet

from projects.exports.base import Keep, Rendered, safe_filename
from projects.exports.excel import SummaryExporter, SummaryWorkbook, level1_names
from projects.exports.pdf import print_html
from projects.exports.pdf_engine import PdfRenderError, pdfs_in_worker
from projects.exports.sheet import Sheet, sheets_for
from projects.exports.word import DocxExporter
from projects.models import Evaluation

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/zip"
KINDS = ("xlsx", "docx", "pdf")


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that keeps what was written until drained."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    # .docx, .pdf and .xlsx are compressed already: store them.
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def member_name(number: int, width: int, sheet: Sheet, extension: str) -> str:
    name = safe_filename(f"{sheet.department}_{sheet.project_name}")
    return f"{number:0{width}d}_{name}.{extension}"


class ArchiveExporter:
    identifier = "zip"
    verbose_name = "全部打包（ZIP）"
    content_type = CONTENT_TYPE
    extension = "zip"

    def __init__(self, kinds: tuple[str, ...] = KINDS, *, pdf_workers: int = 1) -> None:
        assert set(kinds) <= set(KINDS), kinds
        self.kinds = kinds
        self.pdf_workers = pdf_workers

    def filename(self, title: str) -> str:
        suffix = {("docx",): "_Word", ("pdf",): "_PDF"}.get(self.kinds, "")
        return f"{safe_filename(title)}_绩效自评表{suffix}.{self.extension}"

    def render(
        self, evaluations: QuerySet[Evaluation], *, title: str, keep: Keep = None
    ) -> Rendered:
        stream = self.stream(evaluations, title=title, keep=keep)
        return Rendered(self.filename(title), self.content_type, stream)

    def write(
        self, evaluations: QuerySet[Evaluation], target: IO[bytes], *, title: str, keep: Keep = None
    ) -> int:
        """Write the ZIP into an open binary file; return the number of forms in it."""
        count = 0

        def counted(sheet: Sheet) -> bool:
            nonlocal count
            if keep is not None and not keep(sheet):
                return False
            count += 1
            return True

        write_stream(self.stream(evaluations, title=title, keep=counted), target)
        return count

    def stream(
        self, evaluations: QuerySet[Evaluation], *, title: str, keep: Keep = None
    ) -> Iterator[bytes]:
        folder = safe_filename(title)
        count = evaluations.count()
        width = max(3, len(str(count)))
        sink = _Sink()
        summary = SummaryWorkbook(level1_names()) if "xlsx" in self.kinds else None
        with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
            yield from self._forms(archive, sink, evaluations, folder, width, keep, summary)
            if summary is not None:
                yield from self._summary(archive, sink, summary, folder, title)
        yield sink.drain()  # the central directory

    def _summary(self, archive, sink, summary: SummaryWorkbook, folder: str, title: str):
        with tempfile.TemporaryFile(prefix="selfeval-zip-") as handle:
            summary.save(handle)
            handle.seek(0)
            name = f"{folder}/{SummaryExporter().filename(title)}"
            with archive.open(_entry(name), "w", force_zip64=True) as member:
                while chunk := handle.read(1 << 20):
                    member.write(chunk)
                    yield sink.drain()
        yield sink.drain()

    def _forms(self, archive, sink, evaluations, folder: str, width: int, keep: Keep, summary):
        word = DocxExporter()
        pdf_names: deque[str] = deque()

        def htmls() -> Iterator[str]:
            # Runs as the PDF workers ask for more work: the summary rows and the
            # .docx are written here, the HTML goes to a worker, the PDF comes back
            # below in the same order.
            for number, sheet in enumerate(
                sheets_for(evaluations, keep=keep, history=True), start=1
            ):
                if summary is not None:
                    summary.add(sheet)
                if "docx" in self.kinds:
                    name = member_name(number, width, sheet, "docx")
                    archive.writestr(_entry(f"{folder}/Word/{name}"), word.render(sheet).content)
                if "pdf" in self.kinds:
                    pdf_names.append(f"{folder}/PDF/{member_name(number, width, sheet, 'pdf')}")
                    yield print_html(sheet)
                else:
                    yield ""

        if "pdf" not in self.kinds:
            for _ in htmls():
                yield sink.drain()
            return
        for outcome in pdfs_in_worker(htmls(), workers=self.pdf_workers):
            name = pdf_names.popleft()
            if isinstance(outcome, PdfRenderError):
                # The archive is already on its way to the user: name the failure
                # inside it rather than cut it off.
                logger.error("PDF 导出失败：%s：%s", name, outcome)
                archive.writestr(_entry(f"{name}.错误.txt"), f"{outcome}\n".encode())
            else:
                archive.writestr(_entry(name), outcome)
            yield sink.drain()


def write_stream(chunks: Iterator[bytes], target) -> int:
    """Copy a stream to an open binary file; return the bytes written."""
    written = 0
    for chunk in chunks:
        target.write(chunk)
        written += len(chunk)
    return written
