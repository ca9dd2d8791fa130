"""Word files shaped like the ones people really send, built in code for the import tests.

``build_docx`` writes paragraphs and tables as raw WordprocessingML (python-docx
opens and saves the package), so a test can say exactly which cells are merged
(``gridSpan``, ``vMerge``), whether the table has a ``w:tblGrid``, ``gridBefore``,
Word 97's ``hMerge``, nested tables or content controls. ``seed_blocks`` turns
the text of the 14 real 2023 forms (tests/projects/data/seed_2023_forms.txt, a
dump of the real Word files: one cell per tab-led line, rows separated by blank
lines) back into such tables.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

SEED_TEXT = Path(__file__).parent / "data" / "seed_2023_forms.txt"
GRID = 9  # section | 一级 | 二级 | 三级 | 指标值 | 完成值 | 分值 | 得分 | 偏差原因


@dataclass
class C:
    """One w:tc. ``merge``: "" | "restart" | "continue" (vMerge); ``hmerge`` likewise."""

    text: str = ""
    span: int = 1
    merge: str = ""
    hmerge: str = ""
    nested: list[list[C | str]] | None = None
    sdt: bool = False  # wrap the cell's paragraph in a content control


@dataclass
class Table:
    rows: list[list[C | str]]
    grid: bool = True  # write w:tblGrid and w:gridSpan
    grid_before: dict[int, int] = field(default_factory=dict)  # row index → gridBefore
    columns: int = GRID


def _paragraphs(text: str, sdt: bool = False) -> str:
    out = []
    for line in text.split("\n"):
        runs = []
        for index, part in enumerate(line.split("\v")):  # \v: a line break inside a paragraph
            br = "<w:br/>" if index else ""
            runs.append(f'<w:r>{br}<w:t xml:space="preserve">{escape(part)}</w:t></w:r>')
        paragraph = f"<w:p>{''.join(runs)}</w:p>"
        if sdt:
            paragraph = f"<w:sdt><w:sdtPr/><w:sdtContent>{paragraph}</w:sdtContent></w:sdt>"
        out.append(paragraph)
    return "".join(out)


def _table_xml(table: Table) -> str:
    grid = "".join('<w:gridCol w:w="1000"/>' for _ in range(table.columns)) if table.grid else ""
    rows = []
    for index, cells in enumerate(table.rows):
        before = table.grid_before.get(index)
        tr_pr = f'<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>' if before else ""
        tcs = []
        for raw in cells:
            cell = raw if isinstance(raw, C) else C(raw)
            props = ""
            if cell.span > 1 and table.grid:
                props += f'<w:gridSpan w:val="{cell.span}"/>'
            if cell.hmerge:
                value = ' w:val="restart"' if cell.hmerge == "restart" else ""
                props += f"<w:hMerge{value}/>"
            if cell.merge:
                value = ' w:val="restart"' if cell.merge == "restart" else ""
                props += f"<w:vMerge{value}/>"
            body = _paragraphs("" if cell.merge == "continue" else cell.text, cell.sdt)
            if cell.nested:
                body += _table_xml(Table(cell.nested, columns=max(len(r) for r in cell.nested)))
                body += "<w:p/>"  # a cell must end with a paragraph
            tcs.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{body}</w:tc>")
        rows.append(f"<w:tr>{tr_pr}{''.join(tcs)}</w:tr>")
    return (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def build_docx(blocks: list[str | Table], *, author: str = "某单位") -> bytes:
    """A .docx of paragraphs (str) and tables, in order."""
    document = docx.Document()
    document.core_properties.author = author
    body = document.element.body
    for block in blocks:
        if isinstance(block, Table):
            body._insert_tbl(parse_xml(_table_xml(block)))
        else:
            for line in block.split("\n"):
                first, *more = line.split("\v")  # \v: a line break inside the paragraph
                paragraph = document.add_paragraph(first)
                for part in more:
                    paragraph.add_run().add_break()
                    paragraph.add_run(part)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the 14 real forms ----------------------------------------------------------


def seed_rows() -> list[list[str] | str]:
    """The seed text as rows of cell texts (lists) and free paragraphs (str)."""
    lines = SEED_TEXT.read_text(encoding="utf-8").split("\n")
    blocks: list[list[str] | str] = []
    current: list[str] | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("\t"):
            if current is None:
                current = []
                blocks.append(current)
            current.append(line[1:])
        elif line.startswith("备注"):
            blocks.append(line)
            current = None
        elif line == "":
            blank_run = 1
            while index + blank_run < len(lines) and lines[index + blank_run] == "":
                blank_run += 1
            following = lines[index + blank_run] if index + blank_run < len(lines) else ""
            if following.startswith("\t") or following.startswith("备注") or not following:
                # Two blank lines before a cell that is not a title: empty paragraphs
                # at the end of the cell above (form 11's 预期目标), same row.
                if blank_run >= 2 and "绩效自评表" not in following and current is not None:
                    current[-1] += "\n" * blank_run
                else:
                    current = None
                index += blank_run
                continue
            if current:
                current[-1] += "\n"  # an empty paragraph inside a cell ("满意度\n\n指标")
        else:
            assert current, line
            current[-1] += "\n" + line
        index += 1
    return blocks


def _spans(cells: list[str]) -> list[int]:
    count = len(cells)
    if count == 9:
        return [1] * 9
    if count == 8:
        return [1, 2, 1, 1, 1, 1, 1, 1]
    if count == 4 and cells[0].strip() == "总分":
        return [6, 1, 1, 1]
    if count == 4:
        return [2, 3, 2, 2]
    if count == 3:
        return [1, 4, 4]
    if count == 2:
        return [2, 7]
    raise AssertionError(cells)


# Columns whose blank cells are the continuation of a merged cell on the real forms.
def _merge_columns(cells: list[str]) -> set[int]:
    if len(cells) == 9:
        return {0, 1, 2}
    if len(cells) in (8, 3):
        return {0}
    return set()


def seed_blocks(*, merged: bool = True, grid: bool = True) -> list[str | Table]:
    """The 14 forms as Word blocks: title and year paragraphs, then one table per form.

    ``merged``: blank cells under a label become vMerge continuations (as in Word);
    otherwise they stay blank cells. ``grid=False`` drops w:tblGrid and gridSpan.
    """
    blocks: list[str | Table] = []
    table: Table | None = None
    above: list[C] = []
    for raw in seed_rows():
        if isinstance(raw, str) or len(raw) == 1:
            text = raw if isinstance(raw, str) else raw[0]
            blocks.append(text.strip("\n"))
            table = None
            continue
        if table is None:
            table = Table([], grid=grid)
            blocks.append(table)
            above = []
        cells = []
        column = 0
        for text, span in zip(raw, _spans(raw), strict=True):
            cell = C(text.strip("\n") if text.strip() else "", span)
            origin = next((c for c in above if c._col == column), None) if above else None
            if (
                merged
                and not text.strip()
                and column in {_col_of(raw, i) for i in _merge_columns(raw)}
                and origin is not None
                and (origin.text or origin.merge == "continue")
            ):
                cell.merge = "continue"
                if origin.merge != "continue":
                    origin.merge = "restart"
            cell._col = column  # type: ignore[attr-defined]
            cells.append(cell)
            column += span
        table.rows.append(cells)
        above = cells
    return blocks


def _col_of(cells: list[str], index: int) -> int:
    return sum(_spans(cells)[:index])


# --- a paper form drawn with python-docx's own table API (merges as Word writes them) ----

BUDGET_HEADINGS = ("年初\n预算数", "全年\n预算数", "全年\n执行数", "分值", "执行率", "得分")
INDICATOR_HEADINGS = (
    "绩\n效\n指\n标",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度\n指标值",
    "实际\n完成值",
    "分值",
    "得分",
    "偏差原因分析\n及改进措施",
)
DEFAULT_BUDGET = (
    ("年度资金总额", "100", "100", "100", "10", "100%", "10"),
    ("其中：当年财政拨款", "100", "100", "100", "—", "", "—"),
    ("      上年结转资金", "", "", "", "—", "", "—"),
    ("  其他资金", "", "", "", "—", "", "—"),
)
DEFAULT_INDICATORS = (
    ("产出指标", "数量指标", "指标1：完成报告数量", "≥2份", "2份", "50", "50", ""),
    ("效益指标", "社会效益\n指标", "指标1：服务水平提升", "有所提升", "有所提升", "30", "30", ""),
    (
        "满意度\n\n指标",
        "服务对象满意度指标",
        "指标1：服务对象满意度",
        "≥90%",
        "95%",
        "10",
        "10",
        "",
    ),
)


@dataclass(frozen=True)
class PaperForm:
    """The fields of one hand-made form; every default is a valid, simple form."""

    project_name: str = "测试项目"
    department: str = "通州区发展和改革委员会"
    implementing_unit: str = "产业发展科"
    project_lead: str = "张三"
    contact_phone: str = "69540000"
    year_line: str = "（  2023  年度）"
    budget: tuple = DEFAULT_BUDGET
    goal_expected: str = "完成年度任务"
    goal_actual: str = "已完成"
    indicators: tuple = DEFAULT_INDICATORS
    total: tuple[str, str] = ("100", "100")
    split: bool = False  # the 绩效指标 block in a second table, like our own export
    title: str = "项目支出绩效自评表"


class _Grid:
    """A new python-docx table whose cells are fetched once (``table.cell()`` rebuilds the
    whole grid on every call); merges then act on those cells.
    Each grid cell takes part in at most one merge, so the cached cells stay valid."""

    def __init__(self, table) -> None:
        self.table = table
        self.columns = len(table.columns)
        self.cells = table._cells

    def merge(self, top: int, left: int, bottom: int, right: int, text: str = "") -> None:
        cell = self.cells[top * self.columns + left]
        if (bottom, right) != (top, left):
            cell = cell.merge(self.cells[bottom * self.columns + right])
            for paragraph in cell.paragraphs[1:]:  # merge() keeps every merged cell's paragraph
                paragraph._p.getparent().remove(paragraph._p)
        lines = text.split("\n")
        cell.paragraphs[0].add_run(lines[0])
        for line in lines[1:]:
            cell.add_paragraph(line)

    def set(self, row: int, column: int, text: str) -> None:
        self.merge(row, column, row, column, text)


def add_paper_form(document, form: PaperForm) -> None:
    """Title, year line and the form's table(s), merges made with python-docx."""
    if form.title:
        document.add_paragraph(form.title)
    if form.year_line:
        document.add_paragraph(form.year_line)
    top_rows = 3 + 1 + len(form.budget) + 2
    indicator_rows = 1 + len(form.indicators) + 1
    if form.split:
        top = _Grid(document.add_table(rows=top_rows, cols=GRID))
        document.add_paragraph("")
        bottom, offset = _Grid(document.add_table(rows=indicator_rows, cols=GRID)), 0
    else:
        top = _Grid(document.add_table(rows=top_rows + indicator_rows, cols=GRID))
        bottom, offset = top, top_rows
    top.merge(0, 0, 0, 1, "项目名称")
    top.merge(0, 2, 0, 8, form.project_name)
    for row, (label_a, value_a, label_b, value_b) in enumerate(
        (
            ("主管部门", form.department, "实施单位", form.implementing_unit),
            ("项目负责人", form.project_lead, "联系电话", form.contact_phone),
        ),
        start=1,
    ):
        top.merge(row, 0, row, 1, label_a)
        top.merge(row, 2, row, 4, value_a)
        top.merge(row, 5, row, 6, label_b)
        top.merge(row, 7, row, 8, value_b)
    first_budget = 3
    top.merge(first_budget, 0, first_budget + len(form.budget), 0, "项目资金\n（万元）")
    top.merge(first_budget, 1, first_budget, 2)
    for column, heading in enumerate(BUDGET_HEADINGS, start=3):
        top.set(first_budget, column, heading)
    for index, (label, *values) in enumerate(form.budget, start=first_budget + 1):
        top.merge(index, 1, index, 2, label)
        for column, value in enumerate(values, start=3):
            top.set(index, column, value)
    goal = first_budget + len(form.budget) + 1
    top.merge(goal, 0, goal + 1, 0, "年度总体目标")
    top.merge(goal, 1, goal, 4, "预期目标")
    top.merge(goal, 5, goal, 8, "实际完成情况")
    top.merge(goal + 1, 1, goal + 1, 4, form.goal_expected)
    top.merge(goal + 1, 5, goal + 1, 8, form.goal_actual)

    heading = offset
    bottom.merge(heading, 0, heading + len(form.indicators), 0, INDICATOR_HEADINGS[0])
    for column, text in enumerate(INDICATOR_HEADINGS[1:], start=1):
        bottom.set(heading, column, text)
    rows = list(form.indicators)
    for column in (1, 2):  # 一级, 二级: merge runs of the same label, like the paper form
        start = 0
        while start < len(rows):
            end = start
            while (
                end + 1 < len(rows)
                and rows[end + 1][column - 1] == rows[start][column - 1]
                and (column == 1 or rows[end + 1][0] == rows[start][0])
            ):
                end += 1
            bottom.merge(
                heading + 1 + start, column, heading + 1 + end, column, rows[start][column - 1]
            )
            start = end + 1
    for index, row in enumerate(rows, start=heading + 1):
        for column, value in enumerate(row[2:], start=3):
            bottom.set(index, column, value)
    total = heading + len(rows) + 1
    bottom.merge(total, 0, total, 5, "总分")
    bottom.set(total, 6, form.total[0])
    bottom.set(total, 7, form.total[1])


def paper_docx(*forms: PaperForm, between: str = "") -> bytes:
    """A .docx holding ``forms`` one after the other (``between``: text between them).

    Cached: python-docx's merge() costs ~0.3 s per form, and tests reuse the same forms.
    """
    return _paper_docx(forms, between)


@lru_cache(maxsize=128)
def _paper_docx(forms: tuple[PaperForm, ...], between: str) -> bytes:
    document = docx.Document()
    for index, form in enumerate(forms or (PaperForm(),)):
        if index and between:
            document.add_paragraph(between)
        add_paper_form(document, form)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
