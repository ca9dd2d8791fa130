"""The exporters by identifier, as URLs, buttons and ``export_forms --format`` name them."""

from __future__ import annotations

from projects.exports.archive import ArchiveExporter
from projects.exports.base import FormExporter, YearExporter
from projects.exports.excel import SummaryExporter
from projects.exports.jsondoc import JsonExporter
from projects.exports.paper_xlsx import PaperWorkbookExporter, PaperXlsxExporter
from projects.exports.pdf import PdfExporter
from projects.exports.report import ReportExporter
from projects.exports.word import DocxExporter

_JSON, _SUMMARY, _ARCHIVE = JsonExporter(), SummaryExporter(), ArchiveExporter()

# One form.
FORM_EXPORTERS: dict[str, FormExporter] = {
    exporter.identifier: exporter
    for exporter in (DocxExporter(), PdfExporter(), PaperXlsxExporter())
}
# Many forms: every year exporter (``export_forms --format``, the jobs) ... The paper
# workbook shares its form exporter's identifier: the same layout, one sheet per form.
YEAR_EXPORTERS: dict[str, YearExporter] = {
    exporter.identifier: exporter
    for exporter in (_JSON, _SUMMARY, _ARCHIVE, PaperWorkbookExporter())
}
# ... and those the list page offers for its current filter (not the JSON: it is
# built whole in memory).
LIST_EXPORTERS: dict[str, YearExporter] = {
    exporter.identifier: exporter for exporter in (_SUMMARY, _ARCHIVE)
}
# The year's report reads a scope (a user, a year, a 主管部门), not a queryset of forms:
# its 未开始 looks at the year before. ``export_forms --format report`` and the
# dashboard's button use it; it is in neither dict above.
REPORT_EXPORTER = ReportExporter()
