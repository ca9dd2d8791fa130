"""A small streaming .xlsx writer for big flat sheets: plain values in, SpreadsheetML out.

openpyxl's write-only mode makes a cell object per value and serializes it through
lxml: about 7 µs a cell, 60 s of CPU for the 8.5 million cells of a 50,000-form
summary, twice the time allowed for the whole export (docs/performance.md「导出」).
This writer formats each row straight into XML text (well under 1 µs a cell) and
supports only what the summary needs: one header row frozen with an autofilter,
column widths, a handful of fixed styles (number formats, bold, a header fill),
numbers, dates and text.

- Every string is an inline string cell (``t="inlineStr"``): never a formula nor an
  error code, whatever the user typed ("=HYPERLINK(…)", "#N/A"). Characters a
  worksheet cannot hold are dropped, text is cut at 32,767 characters.
- ``Decimal`` is written exactly (fixed-point text, no float on the way); the style
  gives the number format. A ``date`` is a day number with the format yyyy-mm-dd.
- Each sheet's rows spool to a temporary file (UTF-8, a few hundred rows at a time),
  so three sheets can be filled in one pass over the forms with flat memory; ``save``
  zips them at the end, at deflate level 1: a third of level 6's time for a file
  about 30 % larger (docs/performance.md「导出」).
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from datetime import date
from decimal import Decimal
from enum import IntEnum
from functools import lru_cache
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from projects.numbers import MONEY_NUMBER_FORMAT, RATE_NUMBER_FORMAT, SCORE_NUMBER_FORMAT
from projects.text import clean_text

MAX_TEXT = 32767  # characters in one Excel cell
# projects.numbers' rules, so that a cell shows what the page and the documents print.
MONEY_FORMAT = MONEY_NUMBER_FORMAT
SCORE_FORMAT = SCORE_NUMBER_FORMAT
RATE_FORMAT = RATE_NUMBER_FORMAT
DATE_FORMAT = "yyyy-mm-dd"
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of the 1900 date system (1900-03-01 onwards)
HEADER_FILL = "FFDDE4EE"
COMPRESS_LEVEL = 1
SPOOL_ROWS = 500  # rows joined and encoded at once before they go to the spool file


class Style(IntEnum):
    """Index into ``cellXfs`` of the styles part below; ``TEXT`` is the default."""

    TEXT = 0
    MONEY = 1
    SCORE = 2
    RATE = 3
    MONEY_TOTAL = 4
    SCORE_TOTAL = 5
    RATE_TOTAL = 6
    BOLD = 7
    HEADER = 8
    DATE = 9


# The ` s="N"` attribute of each style; the default style has none.
_STYLE_ATTRIBUTES = tuple(f' s="{style:d}"' if style else "" for style in Style)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN_NS}">
<numFmts count="2"><numFmt numFmtId="164" formatCode="{MONEY_FORMAT}"/><numFmt numFmtId="165" formatCode="{DATE_FORMAT}"/></numFmts>
<fonts count="2">
<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>
</fonts>
<fills count="3">
<fill><patternFill patternType="none"/></fill>
<fill><patternFill patternType="gray125"/></fill>
<fill><patternFill patternType="solid"><fgColor rgb="{HEADER_FILL}"/><bgColor rgb="{HEADER_FILL}"/></patternFill></fill>
</fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="10">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>
<xf numFmtId="2" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>
<xf numFmtId="10" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>
"""


def cell_text(value: str) -> str:
    """What a cell can hold of user text: what XML can hold (a form stored before
    ``projects.text`` cleaned input may still have U+FFFE), at most ``MAX_TEXT``."""
    return clean_text(value)[:MAX_TEXT]


@lru_cache(maxsize=4096)  # department, project, 一级/二级 names repeat row after row
def _text_xml(value: str) -> str:
    """The inline-string body of a cell holding ``value``."""
    text = escape(cell_text(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<is><t{space}>{text}</t></is>"


def _number_text(value: Decimal | int | float) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value) if isinstance(value, float) else str(value)


class StreamingSheet:
    """One worksheet: a bold header row, frozen, with an autofilter over the data rows."""

    def __init__(self, title: str, columns: list[tuple[str, float]]) -> None:
        self.title = title
        self.columns = columns
        self._letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
        self._file = tempfile.TemporaryFile(prefix="selfeval-sheet-")  # noqa: SIM115 - closed by save()
        self._rows: list[str] = []  # formatted, not yet spooled
        self.row_count = 0  # rows written, the header included
        self.filter_rows = 0  # data rows under the filter (totals written after stay out)
        self.append([(title, Style.HEADER) for title, _ in columns])

    def append(self, values: list) -> None:
        """One row of values: ``None`` (empty), ``str`` (text), ``int``/``Decimal``
        (number, general format), ``date`` (yyyy-mm-dd), or ``(value, Style)``.

        Half a million rows go through here for a year's summary: the common types
        (text, Decimal, int) are tested first and formatted inline."""
        self.row_count += 1
        number = str(self.row_count)
        parts = [f'<row r="{number}">']
        add = parts.append
        for letter, value in zip(self._letters, values, strict=False):
            kind = type(value)
            if kind is tuple:
                value, style = value
                kind = type(value)
            else:
                style = Style.TEXT
            if value is None:
                continue
            s = _STYLE_ATTRIBUTES[style]
            if kind is str:
                if value:
                    add(f'<c r="{letter}{number}"{s} t="inlineStr">{_text_xml(value)}</c>')
            elif kind is Decimal:
                add(f'<c r="{letter}{number}"{s}><v>{value:f}</v></c>')
            elif kind is int:
                add(f'<c r="{letter}{number}"{s}><v>{value:d}</v></c>')
            elif kind is bool:
                add(f'<c r="{letter}{number}"{s} t="b"><v>{int(value)}</v></c>')
            elif kind is date:
                days = (value - EXCEL_EPOCH).days
                add(f'<c r="{letter}{number}" s="{style or Style.DATE:d}"><v>{days}</v></c>')
            else:
                add(f'<c r="{letter}{number}"{s}><v>{_number_text(value)}</v></c>')
        add("</row>")
        self._rows.append("".join(parts))
        if len(self._rows) >= SPOOL_ROWS:
            self._spool()

    def _spool(self) -> None:
        self._file.write("".join(self._rows).encode())
        self._rows.clear()

    def close_filter(self) -> None:
        """The autofilter covers the rows written so far (call before the totals)."""
        self.filter_rows = self.row_count

    @property
    def filter_ref(self) -> str:
        return f"A1:{self._letters[-1]}{max(self.filter_rows, 1)}"

    def write_to(self, archive: zipfile.ZipFile, path: str) -> None:
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
            for i, (_, width) in enumerate(self.columns, start=1)
        )
        last = f"{self._letters[-1]}{max(self.row_count, 1)}"
        with archive.open(path, "w", force_zip64=True) as entry:
            entry.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
                    f'<dimension ref="A1:{last}"/>'
                    '<sheetViews><sheetView workbookViewId="0">'
                    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                    "</sheetView></sheetViews>"
                    '<sheetFormatPr defaultRowHeight="15"/>'
                    f"<cols>{cols}</cols><sheetData>"
                ).encode()
            )
            self._spool()
            self._file.seek(0)
            while chunk := self._file.read(1 << 20):
                entry.write(chunk)
            entry.write(f'</sheetData><autoFilter ref="{self.filter_ref}"/></worksheet>'.encode())
        self._file.close()


class StreamingWorkbook:
    """Sheets filled row by row, zipped into an .xlsx by ``save``."""

    def __init__(self) -> None:
        self.sheets: list[StreamingSheet] = []

    def create_sheet(self, title: str, columns: list[tuple[str, float]]) -> StreamingSheet:
        sheet = StreamingSheet(title, columns)
        self.sheets.append(sheet)
        return sheet

    def save(self, target: IO[bytes] | str) -> None:
        sheets = self.sheets
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        content_types = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        )
        root_rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{PKG_REL_NS}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        )
        sheet_rels = "".join(
            f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        workbook_rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{PKG_REL_NS}">{sheet_rels}'
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL_NS}/styles" '
            'Target="styles.xml"/></Relationships>'
        )
        sheet_entries = "".join(
            f'<sheet name={quoteattr(sheet.title)} sheetId={quoteattr(str(i))} r:id="rId{i}"/>'
            for i, sheet in enumerate(sheets, start=1)
        )
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{escape(_absolute(sheet.title, sheet.filter_ref))}</definedName>"
            for i, sheet in enumerate(sheets)
        )
        workbook = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{sheet_entries}</sheets>"
            f"{f'<definedNames>{filters}</definedNames>' if filters else ''}</workbook>"
        )
        with zipfile.ZipFile(
            target, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        ) as archive:
            archive.writestr("[Content_Types].xml", content_types)
            archive.writestr("_rels/.rels", root_rels)
            archive.writestr("xl/workbook.xml", workbook)
            archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
            archive.writestr("xl/styles.xml", STYLES)
            for i, sheet in enumerate(sheets, start=1):
                sheet.write_to(archive, f"xl/worksheets/sheet{i}.xml")


def _absolute(title: str, ref: str) -> str:
    """'汇总'!$A$1:$R$15 from 汇总 and A1:R15."""
    start, end = ref.split(":")
    return "'{}'!{}:{}".format(
        title.replace("'", "''"),
        *(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in (start, end)),
    )
