"""The form as a Word document (.docx), laid out like the paper 项目支出绩效自评表.

python-docx gives us the package, the styles and the section; the two tables are
written as WordprocessingML directly, row by row, because python-docx's table API
rebuilds the whole cell grid on every ``table.cell()`` and on every ``merge()``
(quadratic in the cells). Writing ``w:gridSpan``/``w:vMerge`` ourselves reads each
cell exactly once and keeps a 30-indicator form well under 100 ms.

Two tables with the same grid, one under the other: the first holds the header,
项目资金 and 年度总体目标; the second the 绩效指标 block, whose first row is the
column header that Word repeats on every page (``w:tblHeader`` only works on the
first rows of a table). Every row has ``w:cantSplit``. After the notes the paper
form's signature block (填报人, 审核人, 单位负责人, 单位（盖章）, 填报日期: paragraphs,
which the importer passes over), then, when the form has them, the reviewer's 审核意见
and the 审核记录 as a small table of its own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from lxml import etree

from projects.exports.base import Rendered, form_filename
from projects.exports.sheet import NOT_APPLICABLE, Sheet
from projects.rows import BUDGET_LINE, HEADER, INDICATOR, LEVEL1_LABEL, LEVEL2_LABEL
from projects.text import clean_text

PAPER_NOTES_LABEL = "原表附注："  # projects.imports.table reads our own paragraph back by it
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

LATIN_FONT = "Times New Roman"
SONG = "宋体"  # SimSun on Windows; LibreOffice falls back to a CJK serif (Noto Serif CJK SC)
FANGSONG = "仿宋"
# w:font entries for the font table, so that Word and LibreOffice know the Latin
# alias, the GB2312 charset and the family of each Chinese font and can pick a
# similar one where it is not installed.
FONT_TABLE = {
    SONG: ("SimSun", "02010600030101010101", "auto", "variable"),
    FANGSONG: ("FangSong", "02010609060101010101", "modern", "fixed"),
}

PAGE_WIDTH_CM, PAGE_HEIGHT_CM = 21.0, 29.7  # A4 portrait
MARGIN_SIDE_CM, MARGIN_TOP_CM, MARGIN_BOTTOM_CM = 1.8, 2.0, 1.8
TWIPS_PER_CM = 567

# Grid columns (key, width in cm); every table is 17.4 cm wide, the space between the margins.
# The header table (项目名称 … 年度总体目标) has its own grid, like the paper form.
TOP_COLUMNS = (
    ("label", 2.3),
    ("row_label", 3.1),
    ("initial_budget", 2.2),
    ("annual_budget", 2.2),
    ("executed", 2.2),
    ("weight", 1.6),
    ("execution_rate", 1.8),
    ("score", 2.0),
)
COLUMNS = (
    ("section", 0.9),
    ("level1", 1.4),
    ("level2", 1.9),
    ("name", 3.6),
    ("target", 2.1),
    ("actual", 2.1),
    ("weight", 1.3),
    ("score", 1.3),
    ("deviation", 2.8),
)
# With reviewed rows: 审核得分 after 得分 and 审核意见 at the end.
REVIEW_COLUMNS = (
    ("section", 0.8),
    ("level1", 1.3),
    ("level2", 1.6),
    ("name", 2.45),
    ("target", 1.6),
    ("actual", 1.6),
    # 1.35 cm: "100.00" at 9 pt fits on one line (at 1.1 cm it wrapped as "100.0/0").
    ("weight", 1.35),
    ("score", 1.35),
    ("review_score", 1.35),
    ("deviation", 2.0),
    ("review_comment", 2.0),
)

# 审核记录: 时间 | 操作 | 操作人 | 说明, as wide as the form's tables.
HISTORY_COLUMNS = (
    ("at", 3.2),
    ("action", 1.9),
    ("actor", 2.5),
    ("comment", 9.8),
)


@dataclass(frozen=True)
class _Cell:
    text: str = ""
    span: int = 1  # grid columns covered
    merge: str = ""  # "" | "restart" | "continue" (w:vMerge)
    align: str = "center"  # w:jc of the paragraph
    head: bool = False  # a label cell: bold
    # What the cell shows before it became text: a sheet ``Number`` keeps its Decimal
    # for the Excel sheet in this layout (``paper_xlsx``).
    value: object = None


def _runs(text: str, bold: bool) -> str:
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    parts = clean_text(text).split("\n")
    runs = []
    for index, part in enumerate(parts):
        br = "<w:br/>" if index else ""
        runs.append(f'<w:r>{rpr}{br}<w:t xml:space="preserve">{escape(part)}</w:t></w:r>')
    return "".join(runs)


class _Grid:
    def __init__(self, columns: tuple[tuple[str, float], ...]):
        self.keys = [key for key, _ in columns]
        self.widths = [round(width * TWIPS_PER_CM) for _, width in columns]
        self.last = len(columns) - 1

    def table(self, rows: list[list[_Cell]], *, header_rows: int = 0) -> str:
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in self.widths)
        body = "".join(
            self._row(cells, header=index < header_rows) for index, cells in enumerate(rows)
        )
        borders = "".join(
            f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        return (
            f"<w:tbl {nsdecls('w')}><w:tblPr>"
            f'<w:tblW w:w="{sum(self.widths)}" w:type="dxa"/><w:jc w:val="center"/>'
            f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
            '</w:tblCellMar><w:tblLook w:val="0000"/>'
            f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>"
        )

    def _row(self, cells: list[_Cell], *, header: bool) -> str:
        assert sum(cell.span for cell in cells) == len(self.widths), cells
        out = ["<w:tr><w:trPr><w:cantSplit/>", "<w:tblHeader/>" if header else "", "</w:trPr>"]
        column = 0
        for cell in cells:
            width = sum(self.widths[column : column + cell.span])
            column += cell.span
            span = f'<w:gridSpan w:val="{cell.span}"/>' if cell.span > 1 else ""
            merge = ""
            if cell.merge == "restart":
                merge = '<w:vMerge w:val="restart"/>'
            elif cell.merge == "continue":
                merge = "<w:vMerge/>"
            text = "" if cell.merge == "continue" else _runs(cell.text, cell.head)
            out.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span}{merge}'
                '<w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p><w:pPr><w:pStyle w:val="FormTableText"/><w:jc w:val="{cell.align}"/>'
                f"</w:pPr>{text}</w:p></w:tc>"
            )
        out.append("</w:tr>")
        return "".join(out)


def _head(text: str, span: int = 1, merge: str = "") -> _Cell:
    return _Cell(text, span=span, merge=merge, head=True)


def _value(text: object, span: int = 1, align: str = "center") -> _Cell:
    return _Cell(str(text), span=span, align=align, value=text)


def _top_rows(sheet: Sheet) -> list[list[_Cell]]:
    """项目名称 … 年度总体目标 on the header grid (TOP_COLUMNS)."""
    rows: list[list[_Cell]] = [
        [_head("项目名称"), _value(sheet.project_name, 7, "left")],
        [
            _head("主管部门"),
            _value(sheet.department, 3, "left"),
            _head("实施单位"),
            _value(sheet.implementing_unit, 3, "left"),
        ],
        [
            _head(HEADER.label("project_lead")),
            _value(sheet.project_lead, 3, "left"),
            _head(HEADER.label("contact_phone")),
            _value(sheet.contact_phone, 3, "left"),
        ],
        [
            _head("项目资金\n（万元）", merge="restart"),
            _head(""),
            *(_head(column.heading) for column in BUDGET_LINE),
            *(_head(text) for text in ("分值", "执行率", "得分")),
        ],
    ]
    for line in sheet.budget_rows:
        rows.append(
            [
                _Cell(merge="continue"),
                _value(line.label, align="left"),
                _value(line.initial_budget),
                _value(line.annual_budget),
                _value(line.executed),
                _value(line.weight if line.is_total else NOT_APPLICABLE),
                _value(line.execution_rate if line.is_total else ""),
                _value(line.score if line.is_total else NOT_APPLICABLE),
            ]
        )
    rows.append(
        [
            _head("年度总体目标", merge="restart"),
            _head(HEADER.label("goal_expected"), 3),
            _head(HEADER.label("goal_actual"), 4),
        ]
    )
    rows.append(
        [
            _Cell(merge="continue"),
            _value(sheet.goal_expected, 3, "left"),
            _value(sheet.goal_actual, 4, "left"),
        ]
    )
    return rows


def _indicator_rows(sheet: Sheet, grid: _Grid) -> list[list[_Cell]]:
    reviewed = "review_score" in grid.keys
    header = [
        _head("绩\n效\n指\n标", merge="restart"),
        _head(LEVEL1_LABEL),
        _head(LEVEL2_LABEL),
        _head(INDICATOR["name"].heading),
        _head(INDICATOR["target"].heading),
        _head(INDICATOR["actual"].heading),
        _head(INDICATOR["weight"].heading),
        _head("自评\n得分" if reviewed else INDICATOR["score"].heading),
    ]
    if reviewed:
        header.append(_head(INDICATOR["review_score"].heading))
    header.append(_head(INDICATOR["deviation_reason"].heading))
    if reviewed:
        header.append(_head(INDICATOR["review_comment"].heading))
    rows = [header]
    indicator_rows = sheet.indicator_rows
    if not indicator_rows:
        rows.append([_Cell(merge="continue"), _value("（未填写绩效指标）", grid.last)])
    for row in indicator_rows:
        cells = [
            _Cell(merge="continue"),
            _span_cell(row.level1, row.level1_rowspan),
            _span_cell(row.level2, row.level2_rowspan),
            _value(row.name, align="left"),
            _value(row.target),
            _value(row.actual),
            _value(row.weight),
            _value(row.score if reviewed else row.counted_score),
        ]
        if reviewed:
            cells.append(_value(row.review_score))
        cells.append(_value(row.deviation_reason, align="left"))
        if reviewed:
            cells.append(_value(row.review_comment, align="left"))
        rows.append(cells)
    # 总分: label to 实际完成值 | Σ分值 | 总分 (over 得分 and 审核得分) | 等级 to the end.
    # Reviewed: the filler's own total and grade, then the total and grade after review.
    score_span = 2 if reviewed else 1
    totals = [("总分", sheet.total_score, f"自评等级：{sheet.grade}")]
    if reviewed:
        totals = [
            ("自评总分", sheet.self_total_score, f"自评等级：{sheet.self_grade}"),
            ("审核后总分", sheet.total_score, f"审核后等级：{sheet.grade}"),
        ]
    for label, total, grade in totals:
        rows.append(
            [
                _head(label, 6),
                _value(sheet.total_weight),
                _value(total, score_span),
                _value(grade, grid.last - 6 - score_span),
            ]
        )
    return rows


def _history_rows(sheet: Sheet) -> list[list[_Cell]]:
    rows = [[_head(text) for text in ("时间", "操作", "操作人", "说明")]]
    for entry in sheet.history:
        rows.append(
            [
                _value(entry.at),
                _value(entry.action),
                _value(entry.actor),
                _value(entry.comment, align="left"),
            ]
        )
    return rows


def _signatures(document, sheet: Sheet) -> None:
    """The signature block, one paragraph a line (the importer passes over paragraphs
    after the table that are not our notes, so the round trip reads the same form)."""
    for number, line in enumerate(sheet.signature_lines):
        paragraph = document.add_paragraph(line, style="Form Note")
        paragraph.paragraph_format.space_before = Pt(10 if number == 0 else 6)
        paragraph.paragraph_format.keep_with_next = number < len(sheet.signature_lines) - 1


def _review_section(document, sheet: Sheet) -> None:
    """审核意见 (the whole form's) and 审核记录, each only when the form has one."""
    if sheet.review_comment:
        paragraph = document.add_paragraph(style="Form Note")
        paragraph.paragraph_format.space_before = Pt(6)
        paragraph.add_run("审核意见：").bold = True
        # The comment's own lines stay lines (w:br), as in the table's cells.
        runs = parse_xml(f"<w:p {nsdecls('w')}>{_runs(sheet.review_comment, False)}</w:p>")
        paragraph._p.extend(list(runs))
    if sheet.history:
        heading = document.add_paragraph("审核记录", style="Form Note")
        heading.paragraph_format.space_before = Pt(6)
        heading.runs[0].bold = True
        heading.paragraph_format.keep_with_next = True
        document.element.body._insert_tbl(
            parse_xml(_Grid(HISTORY_COLUMNS).table(_history_rows(sheet), header_rows=1))
        )


def _span_cell(text: str, rowspan: int) -> _Cell:
    """The 一级/二级 cell: the first row of a run starts the merge, the others continue it."""
    if rowspan == 0:
        return _Cell(merge="continue")
    return _Cell(text, merge="restart" if rowspan > 1 else "")


def _set_fonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the Latin and the East Asian font; ``font.name`` alone never reaches Chinese text."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "cs"):
        fonts.set(qn(f"w:{attribute}"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _add_style(
    document,
    name: str,
    *,
    east_asia: str,
    size: float,
    bold: bool = False,
    center: bool = False,
    after: float = 0,
) -> None:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(size)
    style.font.bold = bold
    _set_fonts(style.element.get_or_add_rPr(), east_asia)
    paragraph = style.paragraph_format
    paragraph.space_before = Pt(0)
    paragraph.space_after = Pt(after)
    paragraph.line_spacing = 1.0
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _declare_fonts(document) -> None:
    """Declare 宋体/仿宋 in the font table with their Latin alias and GB2312 charset.

    This is the fallback: Word finds SimSun/FangSong by either name, and a reader
    without them substitutes a font of the same charset and family.
    """
    part = document.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    for name, (alt, panose, family, pitch) in FONT_TABLE.items():
        root.append(
            etree.fromstring(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                f'<w:panose1 w:val="{panose}"/><w:charset w:val="86"/>'
                f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'
            )
        )
    # The font table is a plain (non-XML) part in python-docx: replace its bytes.
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup(document, *, table_font_size: float) -> None:
    """A4 portrait, margins, Chinese fonts on the defaults and on every style we use."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
    section.left_margin = section.right_margin = Cm(MARGIN_SIDE_CM)
    section.top_margin, section.bottom_margin = Cm(MARGIN_TOP_CM), Cm(MARGIN_BOTTOM_CM)
    section.footer_distance = Cm(0.8)

    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(run_defaults, SONG)
    lang = run_defaults.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")

    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    _set_fonts(normal.element.get_or_add_rPr(), SONG)
    _add_style(document, "Form Title", east_asia=SONG, size=18, bold=True, center=True, after=6)
    _add_style(document, "Form Subtitle", east_asia=FANGSONG, size=14, center=True, after=6)
    _add_style(document, "Form Status", east_asia=FANGSONG, size=10.5, after=4)
    _add_style(document, "Form Table Text", east_asia=SONG, size=table_font_size)
    _add_style(document, "Form Note", east_asia=FANGSONG, size=10.5, after=2)
    _declare_fonts(document)


def _page_number_footer(document) -> None:
    """ "第 X 页 共 Y 页", centred, with PAGE/NUMPAGES fields."""
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.style = document.styles["Form Note"]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve">第 </w:t></w:r>'))
    for xml in (
        '<w:fldSimple {ns} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>',
        '<w:r {ns}><w:t xml:space="preserve"> 页 共 </w:t></w:r>',
        '<w:fldSimple {ns} w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple>',
        '<w:r {ns}><w:t xml:space="preserve"> 页</w:t></w:r>',
    ):
        paragraph._p.append(parse_xml(xml.format(ns=nsdecls("w"))))


def _spacer(document) -> None:
    """The paragraph Word needs between two tables, 1 pt high so they read as one."""
    paragraph = document.add_paragraph(style="Form Table Text")
    paragraph.paragraph_format.line_spacing = Pt(1)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    run = paragraph.add_run("")
    run.font.size = Pt(1)


def build_document(sheet: Sheet) -> docx.document.Document:
    """The python-docx Document of one form (tests read it back without saving)."""
    grid = _Grid(REVIEW_COLUMNS if sheet.has_review else COLUMNS)
    top_grid = _Grid(TOP_COLUMNS)
    document = docx.Document()
    _setup(document, table_font_size=9 if sheet.has_review else 10)
    core = document.core_properties
    core.title = clean_text(f"{sheet.year}年度 {sheet.project_name} {sheet.title}")
    core.subject = sheet.title
    core.author = core.last_modified_by = "selfeval"
    core.comments = f"状态：{sheet.status_label}"

    document.add_paragraph(sheet.title, style="Form Title")
    document.add_paragraph(sheet.year_label, style="Form Subtitle")
    status = document.add_paragraph(f"状态：{sheet.status_label}", style="Form Status")
    status.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    body = document.element.body
    body._insert_tbl(parse_xml(top_grid.table(_top_rows(sheet))))
    _spacer(document)
    body._insert_tbl(parse_xml(grid.table(_indicator_rows(sheet, grid), header_rows=1)))

    if sheet.has_review:
        document.add_paragraph(
            "注：“审核得分”栏有数值的指标，按审核得分计入总分。", style="Form Note"
        )
    if sheet.amount_unit_note:
        document.add_paragraph(clean_text(f"注：{sheet.amount_unit_note}"), style="Form Note")
    if sheet.paper_notes:  # its lines stay lines (w:br): the importer reads them back
        paragraph = document.add_paragraph(style="Form Note")
        paragraph.add_run(PAPER_NOTES_LABEL)
        runs = parse_xml(f"<w:p {nsdecls('w')}>{_runs(sheet.paper_notes, False)}</w:p>")
        paragraph._p.extend(list(runs))
    _signatures(document, sheet)
    _review_section(document, sheet)
    if sheet.findings:
        heading = document.add_paragraph(
            f"检查结果（系统生成）：错误 {sheet.error_count} 项，警告 {sheet.warning_count} 项，"
            f"提示 {sheet.hint_count} 项",
            style="Form Note",
        )
        heading.runs[0].bold = True
        if sheet.history:  # after the 审核记录 table, as the PDF's margin does
            heading.paragraph_format.space_before = Pt(6)
        for number, finding in enumerate(sheet.findings, start=1):
            document.add_paragraph(
                clean_text(f"{number}. [{finding.severity_label}] {finding.message}"),
                style="Form Note",
            )
    _page_number_footer(document)
    return document


class DocxExporter:
    identifier = "docx"
    verbose_name = "Word"
    content_type = CONTENT_TYPE
    extension = "docx"

    def render(self, sheet: Sheet) -> Rendered:
        buffer = io.BytesIO()
        build_document(sheet).save(buffer)
        return Rendered(form_filename(sheet, self.extension), self.content_type, buffer.getvalue())
