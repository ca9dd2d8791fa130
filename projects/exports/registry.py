"""The exporters by identifier, as URLs, buttons and ``export_forms --format`` name them."""

from __future__ import annotations

from projects.exports.archive import ArchiveExporter
from projects.exports.base import FormExporter, YearExporter
from projects.exports.excel import SummaryExporter
from projects.exports.pdf import PdfExporter
from projects.exports.word import DocxExporter

# One form.
FORM_EXPORTERS: dict[str, FormExporter] = {
    exporter.identifier: exporter for exporter in (DocxExporter(), PdfExporter())
}
# Many forms (a year, or the list's current filter).
LIST_EXPORTERS: dict[str, YearExporter] = {
    exporter.identifier: exporter for exporter in (SummaryExporter(), ArchiveExporter())
}
