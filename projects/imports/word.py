"""Word (.docx) forms: the paper 项目支出绩效自评表 as people fill it in Word.

python-docx opens the package (after ``safety.check_package``); the body is then
read as WordprocessingML directly, in document order. python-docx's own table
view repeats a merged cell once per grid column, loses ``gridBefore`` and does not
see nested tables, so each row's ``w:tc`` elements are
read once and ``gridSpan``/``vMerge``/``hMerge``/``gridBefore`` interpreted here:
every cell is read exactly once, a vertically merged cell's continuation carries
the text of the cell above it, and nested tables follow the row that holds them.
Content controls (``w:sdt``) and custom XML wrappers are looked through.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from projects.imports.base import ImportFailure, Source, check_forms, read_source
from projects.imports.safety import WORD, check_package
from projects.imports.table import Cell, FormReader, Paragraph, Row
from projects.imports.taxonomy import TaxonomyMap
from projects.interchange import FormData
from projects.text import clean_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
P, TBL, TR, TC = f"{W}p", f"{W}tbl", f"{W}tr", f"{W}tc"
WRAPPERS = {f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag"}
# Subtrees whose text is not the paragraph's own: deleted revisions, text boxes
# (a drawing's text is not the cell's), the fallback copy of alternate content.
SKIPPED = {
    f"{W}del",
    f"{W}moveFrom",
    f"{W}txbxContent",
    f"{W}instrText",
    f"{W}delText",
    f"{MC}Fallback",
    TBL,
}
MAX_SPAN = 64  # a gridSpan beyond this is damage, not a layout
OWN_AUTHOR = "selfeval"  # projects.exports.word writes this into the core properties


class DocxImporter:
    identifier = "docx"
    verbose_name = "Word"
    extensions = (".docx",)

    def __init__(self, taxonomy: TaxonomyMap | None = None) -> None:
        self._taxonomy = taxonomy

    def parse(self, source: Source, *, filename: str | None = None) -> list[FormData]:
        data, name = read_source(source, filename)
        try:
            check_package(data, WORD)
            body, own_export = _open(data)
            reader = FormReader(self._taxonomy or TaxonomyMap.from_db(), own_export=own_export)
            if body is not None:
                for block in DocxBlocks().blocks(body):
                    reader.feed(block)
            return check_forms(reader.forms(), name)
        except ImportFailure as failure:
            raise failure.in_file(name) from None


def _open(data: bytes):
    """The document body and whether we wrote the file, or ImportFailure."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        own_export = (document.core_properties.author or "") == OWN_AUTHOR
    except Exception:  # python-docx/lxml/zipfile raise many types on a damaged package
        raise ImportFailure("文件已损坏，无法作为 Word 文档打开") from None
    return body, own_export


def _children(element) -> Iterator:
    """Child elements, looking through content controls and custom XML wrappers."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions
        if tag in WRAPPERS:
            yield from _children(child)
        else:
            yield child


def paragraph_text(paragraph) -> str:
    """The text of one w:p: runs, tabs, line breaks; without deleted text or text boxes."""
    parts: list[str] = []
    stack = [iter(paragraph)]
    while stack:
        element = next(stack[-1], None)
        if element is None:
            stack.pop()
            continue
        tag = element.tag
        if not isinstance(tag, str) or tag in SKIPPED:
            continue
        if tag == f"{W}t":
            parts.append(element.text or "")
        elif tag == f"{W}tab":
            parts.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
        elif tag == f"{W}noBreakHyphen":
            parts.append("-")
        else:
            stack.append(iter(element))
    return clean_text("".join(parts))


def _int_attr(element, name: str, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(f"{W}{name}", default))
    except (TypeError, ValueError):
        return default


class DocxBlocks:
    """The body as Paragraph and Row blocks, in document order; tables numbered from 1."""

    def __init__(self) -> None:
        self.tables = 0
        self.paragraphs = 0

    def blocks(self, body) -> Iterator[Paragraph | Row]:
        for element in _children(body):
            if element.tag == P:
                self.paragraphs += 1
                yield Paragraph(paragraph_text(element), f"第{self.paragraphs}段")
            elif element.tag == TBL:
                yield from self._table(element)

    def _table(self, table) -> Iterator[Paragraph | Row]:
        self.tables += 1
        number = self.tables
        above: list[Cell] = []
        row_number = 0
        for tr in _children(table):
            if tr.tag != TR:
                continue
            row_number += 1
            cells, nested = self._cells(tr, above)
            yield Row(cells, f"第{number}个表格第{row_number}行")
            for inner in nested:
                yield from self._table(inner)
            above = cells

    def _cells(self, tr, above: list[Cell]) -> tuple[list[Cell], list]:
        properties = tr.find(f"{W}trPr")
        column = max(_int_attr(_find(properties, "gridBefore"), "val", 0), 0)
        cells: list[Cell] = []
        nested = []
        for tc in _children(tr):
            if tc.tag != TC:
                continue
            tc_properties = tc.find(f"{W}tcPr")
            span = min(max(_int_attr(_find(tc_properties, "gridSpan"), "val", 1), 1), MAX_SPAN)
            h_merge = _find(tc_properties, "hMerge")
            if h_merge is not None and h_merge.get(f"{W}val") != "restart" and cells:
                cells[-1].span += span  # Word 97's horizontal merge: part of the cell before
                column += span
                continue
            paragraphs = []
            for child in _children(tc):
                if child.tag == P:
                    paragraphs.append(paragraph_text(child))
                elif child.tag == TBL:
                    nested.append(child)
            cell = Cell("\n".join(paragraphs), column, span)
            v_merge = _find(tc_properties, "vMerge")
            if v_merge is not None and v_merge.get(f"{W}val") != "restart":
                origin = next((c for c in above if c.col <= column < c.col + c.span), None)
                if origin is not None:
                    cell.text, cell.continued = origin.text, True
            cells.append(cell)
            column += span
        return cells, nested


def _find(properties, name: str):
    return None if properties is None else properties.find(f"{W}{name}")
