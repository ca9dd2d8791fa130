"""The form as PDF: the print template rendered by WeasyPrint (see pdf_engine for the rules).

The HTML is ``templates/projects/evaluation_print.html``, which includes the same
``_evaluation_table.html`` partial the browser's read-only view shows.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from projects.exports.base import Rendered, form_filename
from projects.exports.pdf_engine import html_to_pdf
from projects.exports.sheet import Sheet
from projects.text import clean_text

CONTENT_TYPE = "application/pdf"
PRINT_TEMPLATE = "projects/evaluation_print.html"
TABLE_CSS = "css/evaluation_table.css"


@cache
def table_css() -> str:
    """The table's stylesheet, inlined: WeasyPrint may not fetch files (see pdf_engine)."""
    path = finders.find(TABLE_CSS)
    if path is None:
        raise FileNotFoundError(f"static file {TABLE_CSS} not found")
    return Path(path).read_text(encoding="utf-8")


def print_html(sheet: Sheet) -> str:
    """The standalone HTML page of one form that WeasyPrint renders."""
    # The CSS is our own static file, not user input. User text stored before input was
    # cleaned may hold what no HTML parser or PDF takes (U+0001, U+FFFE): dropped here.
    html = render_to_string(PRINT_TEMPLATE, {"sheet": sheet, "sheet_css": mark_safe(table_css())})
    return clean_text(html)


class PdfExporter:
    identifier = "pdf"
    verbose_name = "PDF"
    content_type = CONTENT_TYPE
    extension = "pdf"

    def render(self, sheet: Sheet) -> Rendered:
        return Rendered(
            form_filename(sheet, self.extension), self.content_type, html_to_pdf(print_html(sheet))
        )
