"""PDF forms with a text layer: the tables of a printed or published 自评表.

A PDF has no tables, only characters and ruling lines at positions; pdfplumber
(on pdfminer.six) finds the tables from the lines (``page.find_tables()``), which
is not something to write by hand. Each page becomes blocks for ``FormReader``,
in page order by their top coordinate:

- the text outside the tables, line by line: a line that reaches the right edge of
  the page's text and is followed closely by the next is wrapped, and the two make
  one ``Paragraph`` (our own export's 注 under the table runs over two lines);
- each table row as a ``Row`` whose ``Cell.col`` is the column index in the table
  (pdfplumber's columns are the distinct left edges of its cells). pdfplumber
  gives ``None`` where a merged cell covers the grid: a ``None`` covered by a cell
  from a row above is that cell's continuation (``continued``, carrying its text),
  one covered by a cell to its left widens that cell's ``span``.

Inside a cell the wrapped lines are joined without a space where either side is a
CJK character (a PDF cannot tell a wrap from a paragraph break), with one elsewhere.
Our own PDF export (``projects.exports.pdf``) names its author in the metadata, as
the Word export does, so its notes are read back the same way. A PDF without any
text (a scan) is refused, as is one over ``IMPORT_PDF_MAX_PAGES`` pages. pdfminer
raises many exception types on damaged files: each becomes an ``ImportFailure``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings

from projects.imports.base import ImportFailure, Source, check_forms, read_source
from projects.imports.table import Cell, FormReader, Paragraph, Row
from projects.imports.taxonomy import TaxonomyMap
from projects.imports.word import OWN_AUTHOR
from projects.interchange import FormData
from projects.text import clean_text

MAGIC = b"%PDF-"
MAGIC_WITHIN = 1024  # readers accept the header anywhere in the first 1 KB
DEFAULT_MAX_PAGES = 50
SCANNED = "PDF 中没有文字层（可能是扫描件），无法读取表格；请上传 Word 或 Excel 原件"
DAMAGED = "PDF 文件已损坏或格式异常，无法读取；请上传 Word 或 Excel 原件，或重新导出 PDF"
ENCRYPTED = "PDF 设置了密码或加密，无法读取；请上传未加密的 PDF，或 Word、Excel 原件"
NO_TABLE = "PDF 中没有找到带框线的表格，无法读取自评表；请上传 Word 或 Excel 原件"
MAX_TABLE_CELLS = 5000  # a form's table has a few hundred; more is not a form


def max_pages() -> int:
    return int(getattr(settings, "IMPORT_PDF_MAX_PAGES", DEFAULT_MAX_PAGES))


class PdfImporter:
    identifier = "pdf"
    verbose_name = "PDF"
    extensions = (".pdf",)

    def __init__(self, taxonomy: TaxonomyMap | None = None) -> None:
        self._taxonomy = taxonomy

    def parse(self, source: Source, *, filename: str | None = None) -> list[FormData]:
        data, name = read_source(source, filename)
        try:
            blocks, own_export = pdf_blocks(data)
            reader = FormReader(self._taxonomy or TaxonomyMap.from_db(), own_export=own_export)
            for block in blocks:
                reader.feed(block)
            return check_forms(reader.forms(), name)
        except ImportFailure as failure:
            raise failure.in_file(name) from None


def pdf_blocks(data: bytes) -> tuple[list[Paragraph | Row], bool]:
    """Every page's paragraphs and table rows, in order, and whether we wrote the file."""
    if data[:MAGIC_WITHIN].find(MAGIC) < 0:
        raise ImportFailure("文件扩展名是 .pdf，但内容不是 PDF 文件（可能是改了扩展名的其他文件）")
    import pdfplumber

    blocks: list[Paragraph | Row] = []
    any_text = False
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            own_export = str(pdf.metadata.get("Author") or "") == OWN_AUTHOR
            pages = pdf.pages
            limit = max_pages()
            if len(pages) > limit:
                raise ImportFailure(
                    f"PDF 共 {len(pages)} 页，超过上限 {limit} 页；请只上传自评表所在的页"
                )
            for number, page in enumerate(pages, start=1):
                page_blocks, has_text = PageBlocks(page, number).blocks()
                blocks.extend(page_blocks)
                any_text = any_text or has_text
                page.close()  # drop the page's parsed objects: a long PDF stays small
    except ImportFailure:
        raise
    except Exception as exc:  # pdfminer/pdfplumber raise many types on a damaged file
        raise ImportFailure(ENCRYPTED if _is_encryption(exc) else DAMAGED) from None
    if not any_text:
        raise ImportFailure(SCANNED)
    if not any(isinstance(block, Row) for block in blocks):
        raise ImportFailure(NO_TABLE)
    return blocks, own_export


def _is_encryption(exc: BaseException) -> bool:
    """Whether pdfminer failed for a password or an encryption it cannot undo."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    seen: BaseException | None = exc
    for _ in range(10):  # pdfplumber wraps pdfminer's error in its own
        if seen is None:
            break
        if isinstance(seen, PDFPasswordIncorrect | PDFEncryptionError):
            return True
        if seen.args and isinstance(seen.args[0], BaseException):
            seen = seen.args[0]
        else:
            seen = seen.__cause__ or seen.__context__
    return False


@dataclass
class _Placed:
    top: float
    blocks: list[Paragraph | Row]


class PageBlocks:
    """One page as Paragraph and Row blocks, by their top coordinate."""

    def __init__(self, page, number: int) -> None:
        self.page = page.dedupe_chars()  # some PDFs print bold text twice
        self.number = number

    def blocks(self) -> tuple[list[Paragraph | Row], bool]:
        """The page's blocks, and whether it has any text at all."""
        chars = self.page.chars
        tables = self._tables()
        placed = [
            _Placed(table.bbox[1], list(self._rows(table, index, chars)))
            for index, table in enumerate(tables, start=1)
        ]
        boxes = [_overflowing(table.bbox) for table in tables]
        outside = self.page.filter(
            lambda obj: (
                obj.get("object_type") != "char" or not any(_inside(obj, box) for box in boxes)
            )
        )
        lines = [
            line
            for line in outside.extract_text_lines(return_chars=False)
            if clean_text(line["text"]).strip()
        ]
        right = max([line["x1"] for line in lines] + [t.bbox[2] for t in tables], default=0)
        for first, group in _paragraphs(lines, right):
            text = ""
            for line in group:
                part = clean_text(line["text"]).strip()
                text += _joiner(text[-1:], part[:1]) + part if text else part
            where = f"第{self.number}页第{first}行文字"
            placed.append(_Placed(group[0]["top"], [Paragraph(text, where)]))
        placed.sort(key=lambda item: item.top)  # stable: a table before a line at its top
        return [block for item in placed for block in item.blocks], bool(chars)

    def _tables(self) -> list:
        """The page's tables, their cells closed at the table's top and bottom.

        A cell that runs on over a page break (the 绩效指标 label, an 一级指标) is
        drawn without its bottom (or top) border: a first pass finds the tables,
        and lines along their edges close such cells in the second.
        """
        tables = self.page.find_tables()
        if not tables:
            return []
        edges = sorted({table.bbox[1] for table in tables} | {table.bbox[3] for table in tables})
        return self.page.find_tables({"explicit_horizontal_lines": edges})

    def _rows(self, table, number: int, chars: list[dict]):
        if len(table.cells) > MAX_TABLE_CELLS:
            raise ImportFailure(
                f"第{self.number}页第{number}个表格有 {len(table.cells)} 个单元格"
                f"（上限 {MAX_TABLE_CELLS}），不是自评表"
            )
        columns = sorted({cell[0] for cell in table.cells})
        tops = sorted({cell[1] for cell in table.cells})
        grid = _Grid(table.cells, columns, tops, chars)
        for row_index, row in enumerate(table.rows):
            cells: list[Cell] = []
            column = 0
            while column < len(columns):
                bbox = row.cells[column]
                if bbox is not None:
                    span = grid.span(bbox, column)
                    cells.append(Cell(grid.text(bbox), column, span))
                    column += span
                    continue
                origin = grid.covering(row_index, column)
                if origin is None:
                    column += 1  # no cell at all here (a ragged table)
                    continue
                origin_column = columns.index(origin[0])
                if origin_column < column and origin[1] == tops[row_index]:
                    column += 1  # the cell to the left spans it (already counted)
                    continue
                span = grid.span(origin, origin_column) - (column - origin_column)
                cells.append(Cell(grid.text(origin), column, span, continued=True))
                column += span
            where = f"第{self.number}页第{number}个表格第{row_index + 1}行"
            yield Row(cells, where)


def _paragraphs(lines: list[dict], right: float) -> list[tuple[int, list[dict]]]:
    """(number of the first line, lines) of each paragraph: a full line closely followed
    by the next one was wrapped."""
    groups: list[tuple[int, list[dict]]] = []
    for number, line in enumerate(lines, start=1):
        if groups:
            last = groups[-1][1][-1]
            height = last["bottom"] - last["top"]
            full = last["x1"] >= right - 2 * height  # within two characters of the edge
            close = 0 <= line["top"] - last["bottom"] <= height
            if full and close:
                groups[-1][1].append(line)
                continue
        groups.append((number, [line]))
    return groups


class _Grid:
    """A table's cells placed on its columns (left edges) and rows (top edges)."""

    def __init__(self, cells: list[tuple], columns: list[float], tops: list[float], chars) -> None:
        self.cells = cells
        self.columns = columns
        self.tops = tops
        box = (min(c[0] for c in cells), min(c[1] for c in cells))
        box += (max(c[2] for c in cells), max(c[3] for c in cells))
        self.box = box
        self.chars = [char for char in chars if _inside(char, _overflowing(box))]
        self._texts: dict[tuple, str] = {}

    def span(self, bbox: tuple, column: int) -> int:
        """How many columns a cell starting at ``column`` covers (at least 1)."""
        return max(sum(1 for x in self.columns[column:] if x < bbox[2] - _EPSILON), 1)

    def covering(self, row: int, column: int) -> tuple | None:
        """The cell whose box covers the grid position (row, column), if any."""
        x, y = self.columns[column], self.tops[row]
        for bbox in self.cells:
            if (
                bbox[0] - _EPSILON <= x < bbox[2] - _EPSILON
                and bbox[1] - _EPSILON <= y < bbox[3] - _EPSILON
            ):
                return bbox
        return None

    def text(self, bbox: tuple) -> str:
        if bbox not in self._texts:
            # Text that runs out of the table's first or last column belongs to that cell.
            left = bbox[0] - OVERFLOW if abs(bbox[0] - self.box[0]) < _EPSILON else bbox[0]
            right = bbox[2] + OVERFLOW if abs(bbox[2] - self.box[2]) < _EPSILON else bbox[2]
            area = (left, bbox[1], right, bbox[3])
            self._texts[bbox] = cell_text([char for char in self.chars if _inside(char, area)])
        return self._texts[bbox]


_EPSILON = 0.5  # points: edges pdfplumber snapped together may still differ by a hair
# Points: a narrow first or last column's text may run out of the table's border.
OVERFLOW = 36.0


def _overflowing(box: tuple) -> tuple:
    """A table's box widened by what text running out of its side columns may take."""
    return (box[0] - OVERFLOW, box[1], box[2] + OVERFLOW, box[3])


def _inside(char: dict, bbox: tuple) -> bool:
    """Whether the middle of a character lies in the box (as pdfplumber's extract does)."""
    middle_x = (char["x0"] + char["x1"]) / 2
    middle_y = (char["top"] + char["bottom"]) / 2
    return bbox[0] <= middle_x < bbox[2] and bbox[1] <= middle_y < bbox[3]


def cell_text(chars: list[dict]) -> str:
    """The text of a cell's characters, its wrapped lines joined back together."""
    if not chars:
        return ""
    from pdfplumber.utils import extract_text

    lines = [line.strip() for line in clean_text(extract_text(chars)).splitlines()]
    text = ""
    for line in filter(None, lines):
        text += _joiner(text[-1:], line[:1]) + line if text else line
    return text


def _joiner(before: str, after: str) -> str:
    """One space between two words of Latin letters a line break split, else nothing:
    CJK text, digits ("1,863," + "180") and signs ("98.36" + "%") are written without."""
    if before.isascii() and before.isalpha() and after.isascii() and after.isalpha():
        return " "
    return ""
