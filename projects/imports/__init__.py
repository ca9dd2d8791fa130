"""Importing filled forms from Word, Excel, PDF and JSON files.

One small interface per format (``base.Importer``)::

    importer = importer_for("2023年度自评表.docx")
    forms = importer.parse(path_or_bytes, filename="2023年度自评表.docx")  # list[FormData]

``parse`` only reads: it returns validated plain values and raises nothing but
``ImportFailure`` (a Chinese message naming the file, the table row or cell, and
what is wrong); ``parse_file`` picks the importer by the file name. Before a
library opens an Office file, ``safety`` checks the zip (bombs, macros, DTDs).
Old and WPS formats (.doc/.wps/.xls/.et) are converted by LibreOffice first
(``convert``); a PDF with a text layer has its tables read by pdfplumber (``pdf``).
``preview.preview_file`` (``preview_upload`` for an uploaded file) says what
importing would do and writes nothing; the upload page keeps that preview in the
session (``batches``) until the confirmation, which writes with
``services.evaluations_import`` (all or nothing per file), as the bulk import job
(``jobs.runners``) and ``manage.py import_forms`` do.
"""

from __future__ import annotations

from pathlib import PurePath

from projects.imports.base import Importer, ImportFailure, Source, form_data_to_dict
from projects.imports.convert import DocImporter, XlsImporter
from projects.imports.excel import XlsxImporter
from projects.imports.jsondoc import JsonImporter
from projects.imports.pdf import PdfImporter
from projects.imports.taxonomy import TaxonomyMap
from projects.imports.word import DocxImporter
from projects.interchange import FormData

SUPPORTED_EXTENSIONS = (".docx", ".xlsx", ".doc", ".xls", ".wps", ".et", ".pdf", ".json")
# Files people will try, with the reason they are refused.
REFUSED_EXTENSIONS = {
    ".docm": "是启用宏的 Word 文件（.docm），出于安全原因不能导入；请另存为 .docx",
    ".dotm": "是启用宏的 Word 模板（.dotm），出于安全原因不能导入；请另存为 .docx",
    ".xlsm": "是启用宏的 Excel 文件（.xlsm），出于安全原因不能导入；请另存为 .xlsx",
    ".xltm": "是启用宏的 Excel 模板（.xltm），出于安全原因不能导入；请另存为 .xlsx",
}
_IMPORTERS: dict[str, type] = {
    ".docx": DocxImporter,
    ".xlsx": XlsxImporter,
    ".doc": DocImporter,
    ".wps": DocImporter,
    ".xls": XlsImporter,
    ".et": XlsImporter,
    ".pdf": PdfImporter,
}

__all__ = [
    "REFUSED_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "DocImporter",
    "DocxImporter",
    "ImportFailure",
    "Importer",
    "JsonImporter",
    "PdfImporter",
    "TaxonomyMap",
    "XlsImporter",
    "XlsxImporter",
    "form_data_to_dict",
    "importer_for",
    "parse_file",
]


def importer_for(filename: str, *, taxonomy: TaxonomyMap | None = None) -> Importer:
    """The importer for a file name's extension, or ImportFailure saying why not."""
    extension = PurePath(filename).suffix.lower()
    if extension in _IMPORTERS:
        return _IMPORTERS[extension](taxonomy)
    if extension == ".json":
        return JsonImporter()
    if extension in REFUSED_EXTENSIONS:
        raise ImportFailure(REFUSED_EXTENSIONS[extension], filename=filename)
    shown = f"「{extension}」" if extension else "（没有扩展名）"
    raise ImportFailure(
        f"不支持的文件类型{shown}，请上传 Word（.docx/.doc/.wps）、Excel（.xlsx/.xls/.et）、"
        "PDF 或 .json 文件",
        filename=filename,
    )


def parse_file(
    source: Source, *, filename: str | None = None, taxonomy: TaxonomyMap | None = None
) -> list[FormData]:
    """Parse one file with the importer its name calls for (bytes need a ``filename``)."""
    if filename is None:
        if isinstance(source, bytes | bytearray | memoryview):
            raise TypeError("parse_file(bytes) needs a filename")
        filename = PurePath(source).name
    return importer_for(filename, taxonomy=taxonomy).parse(source, filename=filename)
