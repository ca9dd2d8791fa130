"""The form as an Excel workbook in the paper layout (表格版式), one form per sheet.

The sheet draws the 项目支出绩效自评表 exactly as the Word export does: its tables
are the Word export's own rows of cells (``word._top_rows``, ``_indicator_rows``,
``_history_rows``, built from the sheet), so the two layouts cannot drift, and the
Excel importer reads the sheet back through the same ``FormReader`` as a .docx.

- The columns are the grid of the Word 绩效指标 table (with or without the review
  columns); the header table and the 审核记录, which have grids of their own in Word,
  are laid on it by snapping each of their column edges to the nearest edge of the
  grid (``spans``). A Word ``gridSpan``/``vMerge`` becomes one merged range.
- Title, year line, status and notes are rows of one cell merged over the width.
- Numbers are numeric cells written from the sheet's ``Decimal`` (openpyxl prints
  it with 16 significant digits, which read back as the at most 15 a money field
  holds) with the number formats of the Excel summary, so they show what the page
  prints; no float arithmetic on our side. Text is
  always a string cell: "=1+1" is never a formula (``quotePrefix`` keeps it text when
  someone edits it in Excel too), "#N/A" never an error code.
- 宋体 in the tables, 仿宋 for the year line and the notes; thin borders, wrapped text,
  row heights estimated from the text (Excel does not fit merged cells itself), A4
  portrait with the Word margins, fitted to the page width, the 绩效指标 heading
  repeated on every page, "第 X 页 共 Y 页" in the footer.

openpyxl's write-only mode writes each sheet row by row to a temporary file, so the
workbook of a year (``PaperWorkbookExporter``, one sheet per form) stays small in
memory; it is made for ``export_forms``, not for the list page.
"""

from __future__ import annotations

import io
import math
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import IO

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projects.exports.base import Keep, Rendered, form_filename, safe_filename
from projects.exports.excel import CONTENT_TYPE, _file_chunks
from projects.exports.sheet import Number, NumberKind, Sheet, sheets_for
from projects.exports.word import (
    COLUMNS,
    FANGSONG,
    HISTORY_COLUMNS,
    MARGIN_BOTTOM_CM,
    MARGIN_SIDE_CM,
    MARGIN_TOP_CM,
    PAPER_NOTES_LABEL,
    REVIEW_COLUMNS,
    SONG,
    TOP_COLUMNS,
    _Cell,
    _Grid,
    _history_rows,
    _indicator_rows,
    _top_rows,
)
from projects.exports.xlsx_stream import MONEY_FORMAT, RATE_FORMAT, SCORE_FORMAT, cell_text
from projects.models import Evaluation
from projects.text import clean_text

Columns = tuple[tuple[str, float], ...]

AUTHOR = "selfeval"  # as the Word export's core properties name it
MAX_SHEET_TITLE = 31  # characters, Excel's limit
_SHEET_TITLE_UNSAFE = re.compile(r"[\[\]:*?/\\\s]+")
# A text starting with one of these is a formula to a spreadsheet the user types into.
FORMULA_PREFIXES = ("=", "+", "-", "@")
NUMBER_FORMATS = {
    NumberKind.MONEY: MONEY_FORMAT,
    NumberKind.SCORE: SCORE_FORMAT,
    NumberKind.PERCENT: RATE_FORMAT,
}
CM_PER_INCH = 2.54
PX_PER_CM = 96 / CM_PER_INCH
PT_PER_CM = 72 / CM_PER_INCH
CELL_PADDING_CM = 0.15  # what Excel keeps free inside a cell, left and right together
LINE_SPACING = 1.3  # a text line's height over its font size
EMPTY_SHEET_TITLE = "说明"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_NO_BORDER = Border()


@dataclass(frozen=True)
class Look:
    """How a cell is printed: font, size, bold, alignment, whether it has borders."""

    font: str
    size: float
    bold: bool = False
    align: str = "center"
    border: bool = True


TITLE = Look(SONG, 18, bold=True, border=False)
SUBTITLE = Look(FANGSONG, 14, border=False)
STATUS = Look(FANGSONG, 10.5, align="right", border=False)
NOTE = Look(FANGSONG, 10.5, align="left", border=False)
NOTE_HEADING = Look(FANGSONG, 10.5, bold=True, align="left", border=False)


@dataclass(frozen=True)
class Placed:
    """A cell of the sheet: where it starts, how far it reaches, what it shows."""

    row: int
    column: int  # 1-based
    width: int  # sheet columns
    height: int  # sheet rows (a vertical merge)
    value: object  # Decimal, str or None
    text: str  # as printed, for the row height
    look: Look
    number_format: str = "General"


# --- the grid ------------------------------------------------------------------------


def _edges(columns: Columns) -> list[float]:
    edges, position = [], 0.0
    for _, width in columns:
        position += width
        edges.append(round(position, 3))
    return edges


def spans(table: Columns, grid: Columns) -> list[int]:
    """How many grid columns each column of ``table`` covers: its right edge snapped to
    the nearest edge of ``grid``. Both grids are the page's width, so the last edges meet."""
    grid_edges = _edges(grid)
    ends = [
        min(range(len(grid_edges)), key=lambda i, edge=edge: abs(grid_edges[i] - edge)) + 1
        for edge in _edges(table)
    ]
    result = [end - start for start, end in zip([0, *ends], ends, strict=False)]
    assert all(span >= 1 for span in result) and ends[-1] == len(grid), (table, grid)
    return result


class _Layout:
    """The cells of one form, row by row, before anything is written."""

    def __init__(self, sheet: Sheet) -> None:
        self.grid: Columns = REVIEW_COLUMNS if sheet.has_review else COLUMNS
        self.text_size = 9 if sheet.has_review else 10
        self.cells: list[Placed] = []
        self.rows = 0
        self.print_title_row = 0

    @property
    def width(self) -> int:
        return len(self.grid)

    def line(self, text: str, look: Look) -> None:
        """A paragraph: one cell over the whole width."""
        self.rows += 1
        self.cells.append(Placed(self.rows, 1, self.width, 1, _text(text), text, look))

    def table(self, rows: list[list[_Cell]], columns: Columns) -> None:
        """A Word table on the sheet's grid; its vertical merges become merged ranges."""
        offsets = [0]
        for span in spans(columns, self.grid):
            offsets.append(offsets[-1] + span)
        open_merges: dict[int, list] = {}  # first sheet column → [cell, last row]
        for cells in rows:
            self.rows += 1
            position = 0
            for cell in cells:
                start, end = offsets[position], offsets[position + cell.span]
                position += cell.span
                if cell.merge == "continue" and start in open_merges:
                    open_merges[start][1] = self.rows
                    continue
                if start in open_merges:
                    self._close(open_merges.pop(start))
                placed = self._placed(cell, start + 1, end - start)
                if cell.merge == "restart":
                    open_merges[start] = [placed, self.rows]
                else:
                    self.cells.append(placed)
        for merge in open_merges.values():
            self._close(merge)

    def _close(self, merge: list) -> None:
        placed, last = merge
        self.cells.append(
            Placed(
                placed.row,
                placed.column,
                placed.width,
                last - placed.row + 1,
                placed.value,
                placed.text,
                placed.look,
                placed.number_format,
            )
        )

    def _placed(self, cell: _Cell, column: int, width: int) -> Placed:
        look = Look(SONG, self.text_size, bold=cell.head, align=cell.align)
        if isinstance(cell.value, Number):
            number = cell.value
            return Placed(
                self.rows,
                column,
                width,
                1,
                number.fraction,
                number.text,
                look,
                NUMBER_FORMATS[number.kind],
            )
        return Placed(self.rows, column, width, 1, _text(cell.text), cell.text, look)


def _text(text: str) -> str | None:
    text = cell_text(text)
    return text or None


def layout(sheet: Sheet) -> _Layout:
    """The form as the Word export lays it out (``word.build_document``), on one grid."""
    form = _Layout(sheet)
    form.line(sheet.title, TITLE)
    form.line(sheet.year_label, SUBTITLE)
    form.line(f"状态：{sheet.status_label}", STATUS)
    form.table(_top_rows(sheet), TOP_COLUMNS)
    form.print_title_row = form.rows + 1  # the 绩效指标 heading, on every page
    form.table(_indicator_rows(sheet, _Grid(form.grid)), form.grid)
    if sheet.has_review:
        form.line("注：“审核得分”栏有数值的指标，按审核得分计入总分。", NOTE)
    if sheet.amount_unit_note:
        form.line(clean_text(f"注：{sheet.amount_unit_note}"), NOTE)
    if sheet.paper_notes:
        form.line(clean_text(f"{PAPER_NOTES_LABEL}{sheet.paper_notes}"), NOTE)
    for line in sheet.signature_lines:
        form.line(line, NOTE)
    if sheet.review_comment:
        form.line(f"审核意见：{sheet.review_comment}", NOTE)
    if sheet.history:
        form.line("审核记录", NOTE_HEADING)
        form.table(_history_rows(sheet), HISTORY_COLUMNS)
    if sheet.findings:
        form.line(
            f"检查结果（系统生成）：错误 {sheet.error_count} 项，警告 {sheet.warning_count} 项，"
            f"提示 {sheet.hint_count} 项",
            NOTE_HEADING,
        )
        for number, finding in enumerate(sheet.findings, start=1):
            form.line(clean_text(f"{number}. [{finding.severity_label}] {finding.message}"), NOTE)
    return form


# --- writing -------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(look: Look) -> Font:
    return Font(name=look.font, size=look.size, bold=look.bold)


@lru_cache(maxsize=64)
def _alignment(look: Look, number: bool) -> Alignment:
    """Text wraps; a number never does, so it shrinks where the column is narrow
    ("100.00%" in the 1.3 cm under 执行率) instead of showing "###"."""
    if number:
        return Alignment(horizontal=look.align, vertical="center", shrink_to_fit=True)
    return Alignment(horizontal=look.align, vertical="center", wrap_text=True)


def _lines(text: str, width_cm: float, size: float) -> int:
    """How many lines ``text`` takes in a cell ``width_cm`` wide (a CJK character is two
    units of half the font size)."""
    capacity = max(1, math.floor((width_cm - CELL_PADDING_CM) * PT_PER_CM / (size / 2)))
    lines = 0
    for part in clean_text(text).split("\n"):
        units = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in part)
        lines += max(1, math.ceil(units / capacity))
    return lines


def _row_heights(form: _Layout) -> dict[int, float]:
    """Points per row: enough for the longest text among the row's own cells (a cell
    merged down over several rows is left to share them)."""
    widths = [width for _, width in form.grid]
    heights: dict[int, float] = {}
    for placed in form.cells:
        if placed.height > 1 or not placed.text:
            continue
        width = sum(widths[placed.column - 1 : placed.column - 1 + placed.width])
        lines = _lines(placed.text, width, placed.look.size)
        height = lines * placed.look.size * LINE_SPACING + 4
        heights[placed.row] = max(heights.get(placed.row, 0), height)
    return heights


def _cell(worksheet, placed: Placed | None, look: Look) -> WriteOnlyCell:
    value = None if placed is None else placed.value
    cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula nor an error code
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    elif isinstance(value, Decimal) and placed is not None:
        cell.number_format = placed.number_format
    cell.font = _font(look)
    cell.alignment = _alignment(look, isinstance(value, Decimal))
    cell.border = _BORDER if look.border else _NO_BORDER
    return cell


def _page_setup(worksheet, form: _Layout) -> None:
    """A4 portrait, the Word margins, one page wide, the 绩效指标 heading repeated."""
    setup = worksheet.page_setup
    setup.paperSize = Worksheet.PAPERSIZE_A4
    setup.orientation = Worksheet.ORIENTATION_PORTRAIT
    setup.fitToWidth, setup.fitToHeight = 1, 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    margins = worksheet.page_margins
    margins.left = margins.right = MARGIN_SIDE_CM / CM_PER_INCH
    margins.top, margins.bottom = MARGIN_TOP_CM / CM_PER_INCH, MARGIN_BOTTOM_CM / CM_PER_INCH
    margins.footer = 0.8 / CM_PER_INCH
    worksheet.print_options.horizontalCentered = True
    worksheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    worksheet.oddFooter.center.font = FANGSONG
    worksheet.print_title_rows = f"{form.print_title_row}:{form.print_title_row}"


def _column_width(width_cm: float) -> float:
    """Excel's column width (characters of the default font, 7 px and 5 px of padding)."""
    return round(max(1.0, (width_cm * PX_PER_CM - 5) / 7), 2)


def write_form(workbook: Workbook, sheet: Sheet, number: int) -> None:
    """Add the sheet of one form (序号 ``number``) to a write-only workbook."""
    form = layout(sheet)
    worksheet = workbook.create_sheet(sheet_title(number, sheet.project_name, workbook))
    for index, (_, width) in enumerate(form.grid, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = _column_width(width)
    _page_setup(worksheet, form)
    starts: dict[tuple[int, int], Placed] = {}
    covered: dict[tuple[int, int], Look] = {}  # inside a merged range: its borders
    for placed in form.cells:
        starts[(placed.row, placed.column)] = placed
        for row in range(placed.row, placed.row + placed.height):
            for column in range(placed.column, placed.column + placed.width):
                covered[(row, column)] = placed.look
        if placed.width > 1 or placed.height > 1:
            worksheet.merged_cells.add(
                f"{get_column_letter(placed.column)}{placed.row}:"
                f"{get_column_letter(placed.column + placed.width - 1)}"
                f"{placed.row + placed.height - 1}"
            )
    heights = _row_heights(form)
    for row in range(1, form.rows + 1):
        if row in heights:
            worksheet.row_dimensions[row].height = round(heights[row], 1)
        worksheet.append(
            [
                _cell(worksheet, starts.get((row, column)), covered.get((row, column), NOTE))
                for column in range(1, form.width + 1)
            ]
        )
    worksheet.close()  # its rows are on disk; the next sheet opens its own file


def sheet_title(number: int, project_name: str, workbook: Workbook | None = None) -> str:
    """ "3 档案整理及数字化服务": 序号 and project name, at most 31 characters, without
    the characters Excel refuses in a sheet name, unique in ``workbook``."""
    name = _SHEET_TITLE_UNSAFE.sub(" ", clean_text(project_name)).strip(" '")
    title = f"{number} {name}"[:MAX_SHEET_TITLE].rstrip(" '")
    taken = {existing.lower() for existing in (workbook.sheetnames if workbook else ())}
    suffix = 1
    unique = title
    while unique.lower() in taken:  # the 序号 keeps titles apart; this is a safety net
        suffix += 1
        tail = f"({suffix})"
        unique = title[: MAX_SHEET_TITLE - len(tail)] + tail
    return unique


def _workbook(title: str) -> Workbook:
    workbook = Workbook(write_only=True)
    workbook.properties.creator = workbook.properties.lastModifiedBy = AUTHOR
    workbook.properties.title = clean_text(title)
    return workbook


def _empty_sheet(workbook: Workbook) -> None:
    """A workbook needs a sheet: say that the selection held no form."""
    worksheet = workbook.create_sheet(EMPTY_SHEET_TITLE)
    worksheet.column_dimensions["A"].width = 40
    worksheet.append(["所选范围内没有自评表。"])


class PaperXlsxExporter:
    """One form as a workbook of one sheet."""

    identifier = "paper-xlsx"
    verbose_name = "Excel（表格版式）"
    content_type = CONTENT_TYPE
    extension = "xlsx"

    def render(self, sheet: Sheet) -> Rendered:
        workbook = _workbook(f"{sheet.year}年度 {sheet.project_name} {sheet.title}")
        write_form(workbook, sheet, 1)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return Rendered(form_filename(sheet, self.extension), self.content_type, buffer.getvalue())


class PaperWorkbookExporter:
    """Many forms in the paper layout, one sheet per form in the order of the queryset.

    It shares the form exporter's identifier: ``export_forms --format paper-xlsx``
    writes one workbook to a file and one workbook per form into a folder.
    """

    identifier = PaperXlsxExporter.identifier
    verbose_name = "Excel（表格版式，一表一页）"
    content_type = CONTENT_TYPE
    extension = "xlsx"

    def filename(self, title: str) -> str:
        return f"{safe_filename(title)}_绩效自评表（表格版式）.{self.extension}"

    def write(
        self,
        evaluations: QuerySet[Evaluation],
        target: IO[bytes] | str,
        *,
        title: str = "",
        keep: Keep = None,
    ) -> int:
        """Write the workbook; ``keep`` gets each form's ``Sheet``."""
        workbook = _workbook(f"{title} {PaperXlsxExporter.verbose_name}".strip())
        count = 0
        for count, sheet in enumerate(sheets_for(evaluations, keep=keep, history=True), start=1):
            write_form(workbook, sheet, count)
        if not count:
            _empty_sheet(workbook)
        workbook.save(target)
        return count

    def stream(
        self, evaluations: QuerySet[Evaluation], *, title: str = "", keep: Keep = None
    ) -> Iterator[bytes]:
        """The workbook, written to a temporary file before the first chunk."""
        handle = tempfile.TemporaryFile(prefix="selfeval-paper-")  # noqa: SIM115 - the stream closes it
        try:
            self.write(evaluations, handle, title=title, keep=keep)
        except BaseException:
            handle.close()
            raise
        return _file_chunks(handle)

    def render(
        self, evaluations: QuerySet[Evaluation], *, title: str, keep: Keep = None
    ) -> Rendered:
        stream = self.stream(evaluations, title=title, keep=keep)
        return Rendered(self.filename(title), self.content_type, stream)
