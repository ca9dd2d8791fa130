"""Importing filled forms from Word, Excel and JSON files.

One small interface per format (``base.Importer``)::

    importer = importer_for("2023年度自评表.docx")
    forms = importer.parse(path_or_bytes, filename="2023年度自评表.docx")  # list[FormData]

``parse`` only reads: it returns validated plain values and raises nothing but
``ImportFailure`` (a Chinese message naming the file, the table row or cell, and
what is wrong); ``parse_file`` picks the importer by the file name. Before a
library opens an Office file, ``safety`` checks the zip (bombs, macros, DTDs).
``preview.preview_file`` (``preview_upload`` for an uploaded file) says what
importing would do and writes nothing; the upload page keeps that preview in the
session (``batches``) until the confirmation, which writes with
``services.evaluations_import`` (all or nothing per file), as the bulk import job
(``jobs.runners``) and ``manage.py import_forms`` do.
"""

from __future__ import annotations

from pathlib import PurePath

from projects.imports.base import Importer, ImportFailure, Source, form_data_to_dict
from projects.imports.excel import XlsxImporter
from projects.imports.jsondoc import JsonImporter
from projects.imports.taxonomy import TaxonomyMap
from projects.imports.word import DocxImporter
from projects.interchange import FormData

SUPPORTED_EXTENSIONS = (".docx", ".xlsx", ".json")
# Files people will try, with the reason they are refused.
REFUSED_EXTENSIONS = {
    ".docm": "是启用宏的 Word 文件（.docm），出于安全原因不能导入；请另存为 .docx",
    ".dotm": "是启用宏的 Word 模板（.dotm），出于安全原因不能导入；请另存为 .docx",
    ".xlsm": "是启用宏的 Excel 文件（.xlsm），出于安全原因不能导入；请另存为 .xlsx",
    ".xltm": "是启用宏的 Excel 模板（.xltm），出于安全原因不能导入；请另存为 .xlsx",
    ".doc": "是旧版 Word 97-2003 文件（.doc），请在 Word 中另存为 .docx 后再导入",
    ".xls": "是旧版 Excel 97-2003 文件（.xls），请在 Excel 中另存为 .xlsx 后再导入",
    ".wps": "是 WPS 文字文件（.wps），请另存为 .docx 后再导入",
    ".et": "是 WPS 表格文件（.et），请另存为 .xlsx 后再导入",
}

__all__ = [
    "REFUSED_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "DocxImporter",
    "ImportFailure",
    "Importer",
    "JsonImporter",
    "TaxonomyMap",
    "XlsxImporter",
    "form_data_to_dict",
    "importer_for",
    "parse_file",
]


def importer_for(filename: str, *, taxonomy: TaxonomyMap | None = None) -> Importer:
    """The importer for a file name's extension, or ImportFailure saying why not."""
    extension = PurePath(filename).suffix.lower()
    if extension == ".docx":
        return DocxImporter(taxonomy)
    if extension == ".xlsx":
        return XlsxImporter(taxonomy)
    if extension == ".json":
        return JsonImporter()
    if extension in REFUSED_EXTENSIONS:
        raise ImportFailure(REFUSED_EXTENSIONS[extension], filename=filename)
    shown = f"「{extension}」" if extension else "（没有扩展名）"
    raise ImportFailure(
        f"不支持的文件类型{shown}，请上传 .docx、.xlsx 或 .json 文件", filename=filename
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
