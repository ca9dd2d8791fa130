"""HTML → PDF with WeasyPrint, strictly: a missing glyph or font is an error, never boxes.

This module imports neither Django nor the models, so that a worker process can
import it on its own and render PDFs from HTML strings (WeasyPrint keeps the memory
of big renders and does not give it back; the worker is recycled instead).

- Every WeasyPrint warning during a render is captured by a handler on the
  ``weasyprint`` logger. A missing glyph (".notdef glyph rendered …"), a font that
  cannot be loaded or a blocked URL raises ``PdfRenderError``; anything else (an
  ignored CSS declaration) is logged again on our logger.
- After the render, the fonts actually embedded are checked: Chinese text must
  have been set in Noto CJK (Debian ``fonts-noto-cjk``).
- The URL fetcher refuses everything except ``data:`` URLs: rendering never reads a
  local file or the network, whatever the HTML says.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from functools import cache

logger = logging.getLogger(__name__)

CJK_FONT_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Warnings that mean text will not show as written: these fail the render.
_FATAL = re.compile(r"glyph|font|fetch|url|uri", re.IGNORECASE)


class PdfRenderError(RuntimeError):
    """WeasyPrint could not render the text as written; the message is Chinese."""


_capture = threading.local()


class _CaptureHandler(logging.Handler):
    """Collects the weasyprint records of the render running in this thread."""

    def emit(self, record: logging.LogRecord) -> None:
        records = getattr(_capture, "records", None)
        if records is not None:
            records.append(record)


@cache
def _weasyprint():
    """Import WeasyPrint once (≈0.7 s) and attach the capturing handler to its logger."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    logging.getLogger("weasyprint").addHandler(_CaptureHandler(logging.WARNING))

    class DataOnlyFetcher(URLFetcher):
        """Refuses every URL but data:; WeasyPrint logs the refusal, which fails the render."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), timeout=1)

        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                raise ValueError(f"导出 PDF 时不允许读取外部资源：{url[:200]}")
            return super().fetch(url, headers)

    if not harfbuzz_subset_available():
        logger.warning(
            "libharfbuzz-subset0 未安装：WeasyPrint 将改用 fontTools 子集化，"
            "每页中文 PDF 需要数秒。请安装 Debian 软件包 libharfbuzz-subset0。"
        )
    return weasyprint, DataOnlyFetcher


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint subsets fonts with HarfBuzz (fast) rather than fontTools (slow)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    # WeasyPrint uses HarfBuzz-Subset only from 4.1.0 on (weasyprint/pdf/fonts.py).
    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def html_to_pdf(html: str) -> bytes:
    """Render an HTML string (no external resources) to PDF bytes, strictly."""
    weasyprint, fetcher = _weasyprint()
    _capture.records = []
    try:
        document = weasyprint.HTML(string=html, url_fetcher=fetcher()).render()
        pdf = document.write_pdf()
        records = _capture.records
    except Exception as exc:
        raise PdfRenderError(f"PDF 生成失败：{exc}") from exc
    finally:
        _capture.records = None

    fatal = []
    for record in records:
        message = record.getMessage()
        if record.levelno >= logging.ERROR or _FATAL.search(message):
            fatal.append(message)
        else:
            logger.warning("WeasyPrint: %s", message)
    if fatal:
        raise PdfRenderError("PDF 中有文字无法正确显示：" + "；".join(fatal[:5]))
    families = {font.family for font in document.fonts.values()}
    if _CJK.search(html) and not families.intersection(CJK_FONT_FAMILIES):
        raise PdfRenderError(
            f"PDF 未使用中文字体 {' / '.join(CJK_FONT_FAMILIES)}（实际：{', '.join(sorted(families))}），"
            "请安装 Debian 软件包 fonts-noto-cjk"
        )
    return pdf


def html_to_pdf_in_worker(html: str) -> bytes:
    """The worker process's task; module-level so that it pickles."""
    return html_to_pdf(html)


def _outcome(future) -> bytes | PdfRenderError:
    error = future.exception()
    if isinstance(error, PdfRenderError):
        return error
    return future.result()  # raises anything else (a crashed worker) as it is


def pdfs_in_worker(
    htmls: Iterator[str], *, workers: int = 1, per_child: int = 50, ahead: int = 4
) -> Iterator[bytes | PdfRenderError]:
    """Render many HTML strings in recycled worker processes, in order, a few ahead.

    Yields each PDF, or the ``PdfRenderError`` of a form that could not be rendered
    (the caller decides; one bad form should not cut off a year's archive). At most
    ``ahead`` renders are in flight, so memory stays flat however many forms there
    are; each worker is replaced after ``per_child`` PDFs.
    """
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # never fork a threaded web worker
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, max_tasks_per_child=per_child
    )
    try:
        pending: deque = deque()
        for html in htmls:
            pending.append(pool.submit(html_to_pdf_in_worker, html))
            if len(pending) >= max(ahead, workers):
                yield _outcome(pending.popleft())
        while pending:
            yield _outcome(pending.popleft())
    finally:
        # Also when the download is abandoned half-way: drop what was not started.
        pool.shutdown(wait=True, cancel_futures=True)
