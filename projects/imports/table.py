"""Reading 项目支出绩效自评表 forms out of rows of cells, whatever file they came from.

The Word and Excel importers turn their file into a stream of ``Paragraph`` and
``Row`` blocks (cells with their grid column and span, vertically merged cells
marked ``continued`` and carrying the text of the cell they continue).
``FormReader`` finds the forms in that stream by their labels, not by fixed
positions, the way a person reads the paper form:

- a title (…绩效自评表) or a second 项目名称 starts a new form, so one file can
  hold several forms, and one form can run over several tables;
- label cells (项目名称, 主管部门, …) give the value in the cell after them;
- the heading rows of 项目资金, 年度总体目标 and 绩效指标 say which column holds
  what; a data row's cells are matched to them by grid column, or by position
  when the grid disagrees;
- 一级/二级 cells left blank or merged take the label from the row above; the
  template's empty rows (指标2：, ……) are dropped; 总分 is kept as the legacy record.

Amounts are 万元: cells with 万元/元/亿元 or junk after the number are read and the
change is explained in ``amount_unit_note``; bare amounts of 100,000 or more mean
the block was written in 元 and are converted (``amount_unit_converted``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from indicators.scoring import BUDGET_LINE_LABELS, BudgetLineKind
from projects.imports.base import ImportFailure
from projects.imports.taxonomy import TaxonomyMap
from projects.imports.values import (
    YUAN_THRESHOLD,
    Amount,
    ValueProblem,
    check_money,
    column_label,
    decimal_text,
    find_year,
    indicator_name,
    is_blank,
    is_placeholder_name,
    label,
    level_label,
    one_line,
    prose,
    read_amount,
    read_score,
)
from projects.interchange import FormData, InterchangeError, read_form_dict
from projects.models import (
    DEPARTMENT_NAME_MAX,
    INDICATOR_NAME_MAX,
    INDICATOR_VALUE_MAX,
    PERSON_MAX,
    PROJECT_NAME_MAX,
    Evaluation,
)

LEGACY_STATUS = Evaluation.Status.SUBMITTED  # a paper form was handed in (as the demo data)
# "项目支出绩效自评表", "2023年度项目支出绩效自评表", "附件2：…绩效自评表（2023年度）";
# not an indicator named "完成绩效自评表填报".
# "部门预算项目支出绩效自评表", "县级专项资金绩效目标自评表", "…自评表2019年度)" ("(" lost).
_TITLE = re.compile(r"(?:绩效|目标)自评表(?:[(]?[^()]{0,12}[)])?$")
MAX_LABEL = 60  # a title or year line is short; longer text is content

HEADER_FIELDS = {
    "项目名称": "project_name",
    "专项资金名称": "project_name",
    "资金名称": "project_name",
    "主管部门": "department",
    "主管部门名称": "department",
    "主管部门及代码": "department",
    "主管单位": "department",
    "实施单位": "implementing_unit",
    "项目实施单位": "implementing_unit",
    "实施单位名称": "implementing_unit",
    "项目单位": "implementing_unit",
    "项目负责人": "project_lead",
    "负责人": "project_lead",
    "联系电话": "contact_phone",
    "联系方式": "contact_phone",
    "项目负责人及电话": "lead_and_phone",
    "项目负责人及联系电话": "lead_and_phone",
    "负责人及电话": "lead_and_phone",
    "负责人及联系电话": "lead_and_phone",
    "年度": "year",
    "项目年度": "year",
}
FIELD_LABELS = {
    "project_name": "项目名称",
    "department": "主管部门",
    "implementing_unit": "实施单位",
    "project_lead": "项目负责人",
    "contact_phone": "联系电话",
    "year": "年度",
    "lead_and_phone": "项目负责人及电话",
}
# The model's column lengths, checked here so the message can name the row.
FIELD_LIMITS = {
    "project_name": PROJECT_NAME_MAX,
    "department": DEPARTMENT_NAME_MAX,
    "implementing_unit": DEPARTMENT_NAME_MAX,
    "project_lead": PERSON_MAX,
    "contact_phone": PERSON_MAX,
}
NAME_LIMIT, VALUE_LIMIT = INDICATOR_NAME_MAX, INDICATOR_VALUE_MAX
_INLINE_HEADER = re.compile(
    r"^\s*(项目名称|专项资金名称|主管部门|实施单位|项目负责人|联系电话)\s*[:：]\s*(\S.*)$"
)
# "张三 13800000000", "张三/010-69540000", "张三（69540000）"
_LEAD_AND_PHONE = re.compile(
    r"^(?P<lead>.*?)[\s,，/／、:：(（]*(?P<phone>[0-9][0-9\-－—\s]{5,}[0-9])[)）]?$"
)

# Column headings as real forms write them; ``column_label`` has already dropped
# "(A)", "(万元)", line breaks and spaces. The heading's unit is read separately.
BUDGET_COLUMNS = {
    "年初预算数": "initial_budget",
    "年初预算": "initial_budget",
    "全年预算数": "annual_budget",
    "全年预算": "annual_budget",
    "调整预算数": "annual_budget",
    "调整后预算数": "annual_budget",
    "调整后预算": "annual_budget",
    "预算数": "annual_budget",
    "全年执行数": "executed",
    "全年执行": "executed",
    "预算执行数": "executed",
    "执行数": "executed",
    "实际执行数": "executed",
    "分值": "weight",
    "权重": "weight",
    "执行率": "rate",
    "预算执行率": "rate",
    "得分": "score",
    "自评得分": "score",
}
AMOUNT_COLUMNS = ("initial_budget", "annual_budget", "executed")
COLUMN_NAMES = {
    "initial_budget": "年初预算数",
    "annual_budget": "全年预算数",
    "executed": "全年执行数",
    "weight": "分值",
    "rate": "执行率",
    "score": "得分",
    "level1": "一级指标",
    "level2": "二级指标",
    "name": "三级指标",
    "target": "年度指标值",
    "actual": "实际完成值",
    "review_score": "审核得分",
    "deviation_reason": "偏差原因分析及改进措施",
    "review_comment": "审核意见",
    "direction": "指标方向",
    "goal_expected": "预期目标",
    "goal_actual": "实际完成情况",
}
# The lines of the 项目资金 block by the names real forms give them. Several lines of
# one kind (一般公共预算拨款 and 中央、省、市补助县级资金) are added up, with a note.
BUDGET_LINES = {
    "年度资金总额": BudgetLineKind.TOTAL,
    "资金总额": BudgetLineKind.TOTAL,
    "总额": BudgetLineKind.TOTAL,
    "项目资金总额": BudgetLineKind.TOTAL,
    "年度财政资金总额": BudgetLineKind.TOTAL,
    "年度预算资金总额": BudgetLineKind.TOTAL,
    "预算数": BudgetLineKind.TOTAL,
    "当年财政拨款": BudgetLineKind.CURRENT,
    "本年财政拨款": BudgetLineKind.CURRENT,
    "财政拨款": BudgetLineKind.CURRENT,
    "财政资金": BudgetLineKind.CURRENT,
    "财政性资金": BudgetLineKind.CURRENT,
    "一般公共预算拨款": BudgetLineKind.CURRENT,
    "一般公共预算资金": BudgetLineKind.CURRENT,
    "政府性基金预算拨款": BudgetLineKind.CURRENT,
    "中央、省、市补助县级资金": BudgetLineKind.CURRENT,
    "上级补助资金": BudgetLineKind.CURRENT,
    "上年结转资金": BudgetLineKind.CARRYOVER,
    "上年结转": BudgetLineKind.CARRYOVER,
    "结转资金": BudgetLineKind.CARRYOVER,
    "其他资金": BudgetLineKind.OTHER,
    "其他": BudgetLineKind.OTHER,
    "财政专户管理资金": BudgetLineKind.OTHER,
    "单位资金": BudgetLineKind.OTHER,
    "自筹资金": BudgetLineKind.OTHER,
    "单位自筹资金": BudgetLineKind.OTHER,
    "社会资金": BudgetLineKind.OTHER,
}
GOAL_LABELS = {"年度总体目标": "", "总体目标": "", "预期目标": "goal_expected"}
GOAL_LABELS |= {"实际完成情况": "goal_actual", "完成情况": "goal_actual"}
INDICATOR_COLUMNS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "年度指标值": "target",
    "指标值": "target",
    "年度目标值": "target",
    "预期指标值": "target",
    "目标值": "target",
    "实际完成值": "actual",
    "完成值": "actual",
    "全年实际值": "actual",
    "实际值": "actual",
    "全年实际完成值": "actual",
    "单项指标实际完成值": "actual",
    "分值": "weight",
    "权重": "weight",
    "指标分值": "weight",
    "得分": "score",
    "自评得分": "score",
    "审核得分": "review_score",
    "偏差原因分析及改进措施": "deviation_reason",
    "审核意见": "review_comment",
    "指标方向": "direction",
    "方向": "direction",
}
# Headings of the reason column all start like one of these.
REASON_PREFIXES = ("偏差原因", "未完成原因", "原因分析", "偏差大或目标未完成原因")
# The second heading row under a heading spanning several columns: 年度指标值 over
# 指标性质 · 指标值 · 度量单位, 自评得分 over 单项指标得分 · 权重占比(%) · 折算得分.
SUBHEADINGS = {
    "指标性质": "target_op",
    "性质": "target_op",
    "指标值": "target",
    "度量单位": "target_unit",
    "计量单位": "target_unit",
    "单位": "target_unit",
    "单项指标得分": "raw_score",
    "权重占比": "weight_share",
    "折算得分": "score",
    "得分": "score",
    "分值": "weight",
}
# The cell left of 一级指标 that names the block: 绩效指标, 绩效指标(90分), 年度绩效目标1(40分).
_SECTION_LABEL = re.compile(r"^(?:绩效指标|年度绩效目标\d*|绩效目标\d*|指标)$")
TOTAL_LABELS = {"总分", "合计", "总计", "审核后总分", "总得分"}
BLOCK_TOTAL = "合计"  # may close one of several blocks; the others close the form
# Rows after the indicator table that are the form's notes, not indicators.
NOTE_LABELS = (
    "评价结论",
    "自评结论",
    "存在问题",
    "存在的问题",
    "改进措施",
    "整改措施",
    "偏差大或目标未完成原因分析",
    "其他需要说明的问题",
    "说明",
    "备注",
    "项目负责人",
    "财务负责人",
    "单位负责人",
    "填报人",
    "填表人",
    "审核人",
    "填报日期",
    "填表日期",
)
# Our own export of a reviewed form prints the filler's total before the counted one
# (审核后总分): it follows from the rows read, and the row after it is the total.
SELF_TOTAL_LABELS = {"自评总分"}
STATUS_LABELS = {status.label: status.value for status in Evaluation.Status}
_YEAR_LINE = re.compile(r"^[(（]?\d{4}年[)）]?$")  # "（2023年）" without 度
_GRADE = re.compile(r"^(?:自评|审核后)?(?:等级|评价等级)[:：]?(?:优|良|中|差)?$")
_STATUS_LINE = re.compile(r"^状态[:：]\s*(\S+)$")
OWN_NOTE_PREFIX = "注："
OWN_PAPER_NOTES = "原表附注："  # projects.exports.word prints a form's paper_notes so
OWN_REVIEW_COMMENT = "审核意见："  # and the reviewer's comment on the whole form
OWN_HISTORY = "审核记录"  # the heading of its history table
# The signature block our exports print under every form, blank (projects.exports.sheet).
SIGNATURE_LINES = ("填报人：", "单位（盖章）：")
OWN_FINDINGS = "检查结果（系统生成）"  # and its findings, computed again on import
_OWN_FINDING = re.compile(r"^\d+\.\s*\[[^\]]{1,4}\]")
OWN_REVIEW_NOTE = "注：“审核得分”"


@dataclass
class Cell:
    text: str  # for a continued cell: the text of the cell it continues
    col: int  # first grid column
    span: int = 1
    continued: bool = False  # continues a vertically merged cell of the row above
    formula: bool = False  # a spreadsheet formula (text is the formula, never its cached value)
    ref: str = ""  # spreadsheet reference ("C7"), for messages


@dataclass
class Row:
    cells: list[Cell]
    where: str  # "第1个表格第6行" / "工作表「Sheet1」第6行"


@dataclass
class Paragraph:
    text: str
    where: str


@dataclass(frozen=True)
class Column:
    kind: str
    col: int
    index: int  # position of the heading cell in its row
    span: int = 1
    unit: str = ""  # "元" when the heading says its amounts are in 元 ("预算数（元）")


@dataclass(frozen=True)
class Heading:
    columns: tuple[Column, ...]
    cell_count: int
    score_weight: Decimal | None = None  # "得分（20分*执行率）": the budget's 分值 in the heading

    def kinds(self) -> set[str]:
        return {column.kind for column in self.columns}


@dataclass
class _BudgetLine:
    kind: BudgetLineKind
    where: str
    amounts: dict[str, list[Amount]]  # several rows of one kind are added up
    cells: dict[str, Cell]
    labels: list[str] = field(default_factory=list)  # as written, one per row


@dataclass
class _Form:
    where: str = ""
    year: int | None = None
    fields: dict[str, str] = field(default_factory=dict)
    status: str = ""
    budget_lines: dict[BudgetLineKind, _BudgetLine] = field(default_factory=dict)
    budget_weight: Decimal | None = None
    recorded_budget_score: Decimal | None = None
    recorded_execution_rate: str = ""
    goal_expected: list[str] = field(default_factory=list)
    goal_actual: list[str] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    recorded_total_weight: Decimal | None = None
    recorded_total_score: Decimal | None = None
    own_note: str = ""
    total_rows: int = 0  # 合计 rows read in a row (several blocks each with its 合计)
    review_comment: str = ""  # our own export's 审核意见 of the whole form
    notes: list[str] = field(default_factory=list)  # rows after the table (评价结论, 签字…)
    unplaced: list[str] = field(default_factory=list)  # cells not imported, said in Chinese
    reading_notes: list[str] = field(default_factory=list)  # how something was read
    budget_notes: list[str] = field(default_factory=list)  # how the 项目资金 were read

    @property
    def has_content(self) -> bool:
        return bool(
            self.fields.get("project_name")
            or self.budget_lines
            or self.indicators
            or self.goal_expected
            or self.goal_actual
        )


# 指标性质 as real forms write it (after NFKC): the comparator put in front of the value.
COMPARATORS = {
    ">=": "≥",
    "≥": "≥",
    "≧": "≥",
    "<=": "≤",
    "≤": "≤",
    "≦": "≤",
    ">": ">",
    "<": "<",
    "=": "",
    "﹦": "",
    "定量": "",
    "定性": "",
}
SUBHEADING_NAMES = {"raw_score": "单项指标得分", "weight_share": "权重占比"}
_BUDGET_TITLE = re.compile(r"^(?:项目资金|资金情况|预算执行情况|资金执行情况|项目资金情况)")


def budget_line_kind(text: str) -> BudgetLineKind | None:
    """The 项目资金 line a label names ("其中：本年财政拨款" → 当年财政拨款), or None."""
    lab = column_label(text).removeprefix("其中:").removeprefix("其中")
    return BUDGET_LINES.get(lab)


def _is_budget_heading(labels: list[str]) -> bool:
    """A heading row of the 项目资金 block: two or more of its columns, one an amount."""
    kinds = {BUDGET_COLUMNS[lab] for lab in labels if lab in BUDGET_COLUMNS}
    return len(kinds) >= 2 and bool(kinds & set(AMOUNT_COLUMNS))


def _is_budget_title(text: str) -> bool:
    return bool(_BUDGET_TITLE.match(column_label(text)))


def _is_section_label(text: str) -> bool:
    """绩效指标, "绩效指标(90分)", "年度绩效目标1(40分)": the block's own label cell."""
    return bool(_SECTION_LABEL.match(level_label(text)))


def _note_label(text: str) -> bool:
    """Whether a cell or line starts like a note after the table (评价结论：…, 项目负责人：)."""
    return label(text).startswith(NOTE_LABELS)


def _added(first: Decimal | None, second: Decimal | None) -> Decimal | None:
    if first is None or second is None:
        return first if second is None else second
    return first + second


def _fail(where: str, cell: Cell | None, message: str) -> ImportFailure:
    if cell is not None and cell.ref:
        where = f"{where}（{cell.ref}单元格）"
    return ImportFailure(message, where=where)


def _cell_text(cell: Cell | None, where: str, what: str) -> str:
    """The text of a cell we store; a formula is refused (its cached value is not trusted)."""
    if cell is None:
        return ""
    if cell.formula:
        raise _fail(
            where,
            cell,
            f"{what}是公式「{cell.text}」；导入不采用公式的缓存结果，请改为直接填写的数值或文字",
        )
    return cell.text


def _limited(text: str, limit: int, where: str, cell: Cell | None, what: str) -> str:
    if len(text) > limit:
        raise _fail(where, cell, f"{what}有 {len(text)} 个字，超过上限 {limit} 个字")
    return text


def _assign(row: Row, heading: Heading, ignore: set[int]) -> dict[str, Cell]:
    """Match a row's cells to the heading's columns: by grid column, else by position.

    The grid match is trusted when every non-empty cell of the row lands in a column.
    A table whose rows disagree on the grid (no ``w:tblGrid``, odd ``gridSpan``, a
    row missing its first cell) is matched by position: cell for cell when the row
    has as many cells as the heading row, else its own cells to the heading's columns.
    """
    by_kind: dict[str, Cell] = {}
    used: set[int] = set()
    for column in heading.columns:
        for cell in row.cells:
            if cell.col <= column.col < cell.col + cell.span:
                if id(cell) not in used and id(cell) not in ignore:
                    by_kind[column.kind] = cell
                    used.add(id(cell))
                break
    orphans = [
        cell
        for cell in row.cells
        if id(cell) not in used
        and id(cell) not in ignore
        and not cell.continued
        and not is_blank(cell.text)
    ]
    if not orphans:
        return by_kind
    if len(row.cells) == heading.cell_count:  # same cells as the heading row: by position
        return {
            column.kind: row.cells[column.index]
            for column in heading.columns
            if id(row.cells[column.index]) not in ignore
        }
    candidates = [cell for cell in row.cells if id(cell) not in ignore and not cell.continued]
    if len(candidates) == len(heading.columns):  # e.g. the row lacks the 绩效指标 cell
        return {column.kind: cell for column, cell in zip(heading.columns, candidates, strict=True)}
    return by_kind


_HEADING_WEIGHT = re.compile(r"(\d+(?:\.\d+)?)分")


def column_kind(text: str, names: dict[str, str]) -> str | None:
    """The field a heading cell names, by its text: synonyms, "(A)", breaks and spaces aside."""
    lab = column_label(text)
    kind = names.get(lab)
    if kind is None and "deviation_reason" in names.values() and lab.startswith(REASON_PREFIXES):
        kind = "deviation_reason"
    return kind


def _heading_unit(text: str) -> str:
    """ "预算数（元）" is in 元; "（万元）" and no unit mean 万元."""
    flat = label(text)
    return "元" if re.search(r"[(（]元[)）]|单位[:：]元(?!.)", flat) else ""


def _heading(row: Row, names: dict[str, str]) -> tuple[Heading, set[int]]:
    """The columns a heading row names, and the cells it used (the others are reported)."""
    columns: list[Column] = []
    used: set[int] = set()
    score_weight = None
    for index, cell in enumerate(row.cells):
        if cell.continued:
            continue
        kind = column_kind(cell.text, names)
        if kind is None or kind in {c.kind for c in columns}:
            continue
        columns.append(Column(kind, cell.col, index, cell.span, _heading_unit(cell.text)))
        used.add(id(cell))
        if kind == "score" and (weight := _HEADING_WEIGHT.search(label(cell.text))):
            score_weight = Decimal(weight.group(1))
    return Heading(tuple(columns), len(row.cells), score_weight), used


def _subheading(row: Row, heading: Heading) -> tuple[Heading, set[int]] | None:
    """The heading with its spanning columns split by the row under it, or None.

    The row is a second heading row when every cell of its own is a sub-heading
    (指标性质, 指标值, 度量单位, 单项指标得分, 权重占比, 折算得分) under a spanning column.
    """
    own = [cell for cell in row.cells if not cell.continued and not is_blank(cell.text)]
    spanning = [column for column in heading.columns if column.span > 1]
    if not own or not spanning:
        return None
    parts: dict[str, list[Column]] = {}
    for cell in own:
        kind = SUBHEADINGS.get(column_label(cell.text))
        parent = next((c for c in spanning if c.col <= cell.col < c.col + c.span), None)
        if kind is None or parent is None:
            return None
        if parent.kind == "target" and kind not in {"target_op", "target", "target_unit"}:
            return None
        if parent.kind == "score" and kind not in {"raw_score", "weight_share", "score", "weight"}:
            return None
        index = row.cells.index(cell)
        parts.setdefault(parent.kind, []).append(Column(kind, cell.col, index, cell.span))
    columns: list[Column] = []
    for column in heading.columns:
        if column.kind in parts:
            columns.extend(parts[column.kind])
            continue
        # The data rows have this row's cells: find the column's cell here (continued).
        index = next(
            (i for i, c in enumerate(row.cells) if c.col <= column.col < c.col + c.span),
            column.index,
        )
        columns.append(dataclasses.replace(column, index=index))
    kinds = [column.kind for column in columns]
    if len(kinds) != len(set(kinds)):
        return None
    return Heading(tuple(columns), len(row.cells), heading.score_weight), {id(c) for c in own}


class FormReader:
    """Feed it the blocks of one file in order; ``forms()`` returns what it found.

    Every cell of a row that holds text is either used (a label the reader knows, or a
    value it stores) or listed in the form's ``unplaced`` ("第3个表格第12行第5列「…」未导入").
    """

    def __init__(self, taxonomy: TaxonomyMap, *, own_export: bool = False, place: str = "") -> None:
        self.taxonomy = taxonomy
        self.own_export = own_export
        self.place = place  # "工作表「Sheet1」" when a file holds several readers' worth
        self.done: list[_Form] = []
        self.form = _Form()
        self.used: set[int] = set()  # the cells of the current row that were read
        self.reasons: dict[int, str] = {}  # why a cell of the current row is not imported
        self._reset_layout()

    def _reset_layout(self) -> None:
        self.mode = "top"  # top → budget → goal → indicators → after
        self.budget_heading: Heading | None = None
        self.goal_heading: Heading | None = None
        self.indicator_heading: Heading | None = None
        self.heading_row = False  # the row before was a heading row that spans columns
        self.level1 = ""
        self.level2 = ""

    # --- the stream --------------------------------------------------------------

    def feed(self, block: Row | Paragraph) -> None:
        if isinstance(block, Paragraph):
            self._paragraph(block)
        elif block.cells:
            self.used, self.reasons = set(), {}
            self._row(block)
            self._report_unplaced(block)

    def _use(self, *cells: Cell | None) -> None:
        self.used.update(id(cell) for cell in cells if cell is not None)

    def _report_unplaced(self, row: Row) -> None:
        for index, cell in enumerate(row.cells, start=1):
            if cell.continued or id(cell) in self.used or is_blank(cell.text):
                continue
            place = f"（{cell.ref}单元格）" if cell.ref else f"第{index}列"
            text = one_line(cell.text)
            shown = text if len(text) <= 40 else text[:40] + "…"
            reason = self.reasons.get(id(cell), "")
            self.form.unplaced.append(f"{row.where}{place}「{shown}」未导入{reason}")

    def _new_form(self, where: str) -> None:
        if self.form.has_content:
            self.done.append(self.form)
            self.form = _Form()
            self._reset_layout()
        if not self.form.where:
            self.form.where = where

    def _title_or_year(self, text: str, where: str) -> bool:
        """A title starts a form; a short "（2023年度）" line before 项目名称 gives the year."""
        flat = label(text)
        if not flat or len(flat) > MAX_LABEL:
            return False
        if _TITLE.search(flat):
            self._new_form(where)
            self.form.year = find_year(flat) or self.form.year
            return True
        year = find_year(flat) if "年度" in flat or _YEAR_LINE.match(flat) else None
        if year is None:
            return False
        if self.mode == "after":  # after a form's 总分: the next form's year line
            self._new_form(where)
        if self.mode == "top" and not self.form.fields.get("project_name"):
            self.form.year = year
            self.form.where = self.form.where or where
            return True
        return False

    def _paragraph(self, paragraph: Paragraph) -> None:
        text = paragraph.text.strip()
        if not text:
            return
        # "（2021年度）\n填报单位：…": the first line is the year, the rest is read on.
        first, _, rest = text.partition("\n")
        if self._title_or_year(first, paragraph.where):
            if rest.strip():
                self._paragraph(Paragraph(rest, paragraph.where))
            return
        if self._status_or_own_line(text):
            return
        if self.mode == "after" and not self.own_export and _note_label(first):
            self.form.notes.append(prose(text))
            return
        inline = _INLINE_HEADER.match(one_line(text))
        if inline and self.mode == "top":
            self._set_field(HEADER_FIELDS[inline.group(1)], inline.group(2), paragraph.where, None)

    def _status_or_own_line(self, text: str) -> bool:
        """状态：…, and what our own exports print under the table, as a line or a one-cell row."""
        status = _STATUS_LINE.match(label(text))
        if status and status.group(1) in STATUS_LABELS:
            self.form.status = STATUS_LABELS[status.group(1)]
            return True
        if not self.own_export or self.mode not in {"indicators", "after"}:
            return False
        if text.startswith(OWN_NOTE_PREFIX) and not text.startswith(OWN_REVIEW_NOTE):
            self.form.own_note = text.removeprefix(OWN_NOTE_PREFIX).strip()
        elif text.startswith(OWN_PAPER_NOTES):
            self.form.notes.append(text.removeprefix(OWN_PAPER_NOTES).strip())
        elif text.startswith(OWN_REVIEW_COMMENT):
            self.form.review_comment = text.removeprefix(OWN_REVIEW_COMMENT).strip()
        else:  # what follows from the form: our note on 审核得分, our findings, blank signatures
            return text.startswith(
                (OWN_REVIEW_NOTE, OWN_HISTORY, OWN_FINDINGS, *SIGNATURE_LINES)
            ) or bool(_OWN_FINDING.match(text))
        return True

    def _row(self, row: Row) -> None:
        own = [cell for cell in row.cells if not cell.continued]
        filled = [cell for cell in own if not is_blank(cell.text)]
        if not filled:
            return  # an empty row, or one made only of merged cells from above
        if len(filled) == 1 and (
            self._title_or_year(filled[0].text, row.where)
            or self._status_or_own_line(filled[0].text.strip())
        ):
            self._use(filled[0])  # a sheet's one-cell rows are the paragraphs of Word
            return
        labels = [column_label(cell.text) if not cell.continued else "" for cell in row.cells]
        heading_row, self.heading_row = self.heading_row, False
        if ("项目名称" in labels or self.mode not in {"indicators", "after"}) and self._header_row(
            row, labels
        ):
            return
        if "三级指标" in labels and ("一级指标" in labels or "二级指标" in labels):
            self._indicator_heading(row)
            return
        if heading_row and self.mode in {"indicators", "budget"} and self._subheading_row(row):
            return
        if self.mode == "indicators":
            if SELF_TOTAL_LABELS & set(labels):
                self._use(*row.cells)  # our own export's 自评总分: it follows from the rows
                return
            if TOTAL_LABELS & set(labels):
                self._total_row(row, labels)
                self.mode = "after"
            else:
                self._indicator_row(row)
            return
        if self.mode == "after":
            self._after_row(row, labels, filled)
            return
        if _is_budget_heading(labels):
            self._budget_heading(row)
            return
        line = self._budget_line_cell(row)
        if line is not None and self.mode in {"top", "budget"}:
            self._budget_row(row, *line)
            return
        if set(labels) & GOAL_LABELS.keys():
            self._goal_heading_row(row, labels)
            return
        if self.mode == "goal":
            self._goal_row(row)

    def _indicator_heading(self, row: Row) -> None:
        heading, used = _heading(row, INDICATOR_COLUMNS)
        self.indicator_heading = heading
        self._use(*(c for c in row.cells if id(c) in used or _is_section_label(c.text)))
        self.heading_row = any(column.span > 1 for column in heading.columns)
        self.mode = "indicators"
        self.form.where = self.form.where or row.where

    def _budget_heading(self, row: Row) -> None:
        heading, used = _heading(row, BUDGET_COLUMNS)
        if any(_is_budget_title(c.text) and _heading_unit(c.text) for c in row.cells):
            # "项目资金（元）": every amount column is in 元, not only those saying so.
            heading = dataclasses.replace(
                heading,
                columns=tuple(
                    dataclasses.replace(c, unit="元") if c.kind in AMOUNT_COLUMNS else c
                    for c in heading.columns
                ),
            )
        self.budget_heading = heading
        self._use(*(c for c in row.cells if id(c) in used or _is_budget_title(c.text)))
        self.mode = "budget"

    def _subheading_row(self, row: Row) -> bool:
        heading = self.indicator_heading if self.mode == "indicators" else self.budget_heading
        split = _subheading(row, heading) if heading is not None else None
        if split is None:
            return False
        if self.mode == "indicators":
            self.indicator_heading = split[0]
        else:
            self.budget_heading = split[0]
        self._use(*(c for c in row.cells if id(c) in split[1]))
        return True

    def _after_row(self, row: Row, labels: list[str], filled: list[Cell]) -> None:
        """A row after 总分: the form's notes (评价结论, 签字…), or an indicator row again.

        Our own export prints its 审核记录 table there: the import does not restore the
        history, so its cells are listed as not imported.
        """
        if self.own_export:
            return
        if TOTAL_LABELS & set(labels) and self.indicator_heading is not None:
            self._total_row(row, labels)  # the 总分 after the blocks' 合计 rows
            return
        heading = self.indicator_heading
        if not _note_label(filled[0].text) and heading is not None:
            cells = _assign(row, heading, set())
            numbers = [cells.get(kind) for kind in ("weight", "score")]
            if any(cell is not None and not is_blank(cell.text) for cell in numbers):
                self.mode = "indicators"  # a 合计 closed one block of several
                self._indicator_row(row)
                return
        parts: list[str] = []
        for cell in filled:
            text = prose(_cell_text(cell, row.where, "备注"))
            if parts and parts[-1].endswith("："):
                parts[-1] += text
            elif _note_label(text) and len(label(text)) <= 20:
                parts.append(label(text) + "：")
            else:
                parts.append(text)
        self.form.notes.append("　".join(parts))
        self._use(*filled)

    # --- header ----------------------------------------------------------------

    def _header_row(self, row: Row, labels: list[str]) -> bool:
        """Label cells followed by their value; True when the row had any."""
        cells = [(cell, lab) for cell, lab in zip(row.cells, labels, strict=True)]
        cells = [(cell, lab) for cell, lab in cells if not cell.continued]
        found = False
        for index, (cell, lab) in enumerate(cells):
            name = HEADER_FIELDS.get(lab)
            if name is None:
                inline = _INLINE_HEADER.match(one_line(cell.text))
                if inline and not cell.formula:
                    found = True
                    self._use(cell)
                    self._set_field(
                        HEADER_FIELDS[inline.group(1)], inline.group(2), row.where, cell
                    )
                continue
            found = True
            value = cells[index + 1][0] if index + 1 < len(cells) else None
            if value is not None and cells[index + 1][1] in HEADER_FIELDS:
                value = None
            self._use(cell, value)
            text = _cell_text(value, row.where, FIELD_LABELS[name])
            self._set_field(name, text, row.where, value)
        return found

    def _set_field(self, name: str, text: str, where: str, cell: Cell | None) -> None:
        if name == "project_name" and self.form.fields.get("project_name"):
            self._new_form(where)
        self.form.where = self.form.where or where
        if name == "year":
            year = find_year(text + "年") if text.strip() else None
            if text.strip() and year is None:
                raise _fail(where, cell, f"年度「{one_line(text)}」无效，应为如 2023 的年份")
            self.form.year = year or self.form.year
            return
        if name == "lead_and_phone":
            match = _LEAD_AND_PHONE.match(one_line(text))
            lead, phone = (match["lead"], match["phone"]) if match else (one_line(text), "")
            for field_name, value in (("project_lead", lead), ("contact_phone", phone)):
                value = value.strip(" ,，/／、:：")
                self.form.fields[field_name] = _limited(
                    value, FIELD_LIMITS[field_name], where, cell, FIELD_LABELS[field_name]
                )
            return
        self.form.fields[name] = _limited(
            one_line(text), FIELD_LIMITS[name], where, cell, FIELD_LABELS[name]
        )

    # --- 项目资金 -----------------------------------------------------------------

    def _budget_line_cell(self, row: Row) -> tuple[BudgetLineKind, Cell] | None:
        for cell in row.cells:
            if cell.continued:
                continue
            kind = budget_line_kind(cell.text)
            if kind is not None:
                return kind, cell
        return None

    def _budget_row(self, row: Row, kind: BudgetLineKind, label_cell: Cell) -> None:
        name = BUDGET_LINE_LABELS[kind]
        where = row.where
        self._use(label_cell)
        for cell in row.cells[: row.cells.index(label_cell)]:
            if _is_budget_title(cell.text):  # "项目资金（万元）" merged down the block
                self._use(cell)
        if self.budget_heading is None:  # no heading says which column is which
            for cell in row.cells:
                self.reasons[id(cell)] = "（项目资金没有表头，无法确定是哪一栏）"
            return
        cells = _assign(row, self.budget_heading, {id(label_cell)})
        units = {column.kind: column.unit for column in self.budget_heading.columns}
        line = self.form.budget_lines.get(kind)
        if line is not None and kind == BudgetLineKind.TOTAL:
            raise ImportFailure(f"项目资金「{name}」出现了两次", where=where)
        if line is None:
            line = self.form.budget_lines[kind] = _BudgetLine(kind, where, {}, cells)
        line.labels.append(one_line(label_cell.text))
        for column in AMOUNT_COLUMNS:
            cell = cells.get(column)
            self._use(cell)
            text = _cell_text(cell, where, f"项目资金「{name}」的{COLUMN_NAMES[column]}")
            try:
                amount = read_amount(text)
            except ValueProblem as problem:
                raise _fail(
                    where, cell, f"项目资金「{name}」的{COLUMN_NAMES[column]}{problem}"
                ) from None
            if units.get(column) and amount.number is not None and not amount.unit:
                amount = dataclasses.replace(amount, unit=units[column])
            line.amounts.setdefault(column, []).append(amount)
        self.mode = "budget"
        if kind != BudgetLineKind.TOTAL:  # 分值/执行率/得分 belong to 年度资金总额 only
            for column in ("weight", "rate", "score"):
                if (cell := cells.get(column)) is not None:
                    self.reasons[id(cell)] = "（分值、执行率、得分只记在年度资金总额一行）"
            return
        weight_cell = cells.get("weight")
        self._use(weight_cell, cells.get("score"), cells.get("rate"))
        self.form.budget_weight = self._score(
            weight_cell, where, f"项目资金「{name}」的分值", stored=True
        )
        if self.form.budget_weight is None and self.budget_heading.score_weight is not None:
            self.form.budget_weight = self.budget_heading.score_weight
        self.form.recorded_budget_score = self._score(
            cells.get("score"), where, f"项目资金「{name}」的得分", stored=False
        )
        rate = cells.get("rate")
        if rate is not None and not rate.formula and not is_blank(rate.text):
            self.form.recorded_execution_rate = one_line(rate.text)[:30]

    def _score(self, cell: Cell | None, where: str, what: str, *, stored: bool) -> Decimal | None:
        """A 分值/得分 cell. A formula in a recorded-only cell counts as not written."""
        if cell is None:
            return None
        if cell.formula and not stored:
            return None
        text = _cell_text(cell, where, what)
        try:
            return read_score(text)
        except ValueProblem as problem:
            raise _fail(where, cell, f"{what}{problem}") from None

    # --- 年度总体目标 ---------------------------------------------------------------

    def _goal_heading_row(self, row: Row, labels: list[str]) -> None:
        """年度总体目标 | 预期目标 | 实际完成情况, or a label with its text on the same row."""
        self.mode = "goal"
        columns = []
        consumed: set[int] = set()
        for index, (cell, lab) in enumerate(zip(row.cells, labels, strict=True)):
            if id(cell) in consumed or cell.continued:
                continue
            kind = GOAL_LABELS.get(lab)
            if kind is None:
                if not is_blank(cell.text):  # "年度总体目标 | text": one goal, not split
                    self._append_goal("goal_expected", cell, row.where)
                continue
            self._use(cell)
            if not kind:
                continue
            following = row.cells[index + 1] if index + 1 < len(row.cells) else None
            if (
                following is not None
                and labels[index + 1] not in GOAL_LABELS
                and not following.continued
                and not is_blank(following.text)
            ):
                self._append_goal(kind, following, row.where)
                consumed.add(id(following))
                continue
            columns.append(Column(kind, cell.col, index))
        if columns:
            self.goal_heading = Heading(tuple(columns), len(row.cells))

    def _goal_row(self, row: Row) -> None:
        if self.goal_heading is None:
            return
        cells = _assign(row, self.goal_heading, set())
        for kind in ("goal_expected", "goal_actual"):
            cell = cells.get(kind)
            if cell is not None and not cell.continued:
                self._append_goal(kind, cell, row.where)
        for cell in row.cells:
            if GOAL_LABELS.get(column_label(cell.text)) == "" and not cell.continued:
                self._use(cell)  # "年度总体目标" written again beside the goals

    def _append_goal(self, kind: str, cell: Cell, where: str) -> None:
        self._use(cell)
        text = prose(_cell_text(cell, where, COLUMN_NAMES[kind]))
        if text and not is_blank(text):
            getattr(self.form, kind).append(text)

    # --- 绩效指标 -----------------------------------------------------------------

    def _indicator_row(self, row: Row) -> None:
        heading = self.indicator_heading
        assert heading is not None
        cells = _assign(row, heading, set())
        where = row.where

        def text(kind: str) -> str:
            return _cell_text(cells.get(kind), where, COLUMN_NAMES.get(kind, "年度指标值"))

        for cell in row.cells:
            if not cell.continued and _is_section_label(cell.text):
                self._use(cell)  # 绩效指标 / 年度绩效目标1(40分), repeated after a page break
        self._use(cells.get("level1"), cells.get("level2"))
        level1 = one_line(text("level1"))
        if is_blank(level1):
            level1 = self.level1
        elif level1 != self.level1:
            self.level1, self.level2 = level1, ""
        level2 = one_line(text("level2"))
        if is_blank(level2):
            level2 = self.level2
        else:
            self.level2 = level2

        raw_name = text("name")
        target = self._target(cells, where)
        values = {
            kind: text(kind)
            for kind in ("actual", "weight", "score", "review_score", "deviation_reason")
        }
        extra = {kind: text(kind) for kind in ("raw_score", "weight_share")}
        if is_placeholder_name(raw_name) and all(
            is_blank(v) for v in (target, *values.values(), *extra.values())
        ):
            self._use(cells.get("name"))
            return  # the template's empty rows: 指标2：, ……, or nothing at all
        name = indicator_name(raw_name)
        label_for = f"三级指标「{name}」" if name else "绩效指标"
        level1_name, level2_name = self._levels(level1, level2, where, label_for)
        scores = {}
        for kind in ("weight", "score", "review_score", "raw_score", "weight_share"):
            source = values if kind in values else extra
            try:
                scores[kind] = read_score(source[kind])
            except ValueProblem as problem:
                what = COLUMN_NAMES.get(kind) or SUBHEADING_NAMES[kind]
                raise _fail(where, cells.get(kind), f"{label_for}的{what}{problem}") from None
        if "weight" not in cells and "weight_share" in cells:
            scores["weight"] = scores["weight_share"]  # 权重占比(%) of a 100-point form
            self._use(cells.get("weight_share"))
        if "score" not in cells and "raw_score" in cells:
            scores["score"] = scores["raw_score"]
            self._use(cells.get("raw_score"))
        self._use(*(cells.get(k) for k in (*values, "name", "review_comment", "direction")))
        review_comment = prose(text("review_comment"))
        row_data: dict[str, Any] = {
            "level1": level1_name,
            "level2": level2_name,
            "name": _limited(name, NAME_LIMIT, where, cells.get("name"), "三级指标"),
            "target": _limited(
                target, VALUE_LIMIT, where, cells.get("target"), f"{label_for}的年度指标值"
            ),
            "actual": _limited(
                one_line(values["actual"]),
                VALUE_LIMIT,
                where,
                cells.get("actual"),
                f"{label_for}的实际完成值",
            ),
            "weight": decimal_text(scores["weight"]),
            "score": decimal_text(scores["score"]),
            "review_score": decimal_text(scores["review_score"]),
            "review_comment": review_comment,
            "deviation_reason": prose(values["deviation_reason"]),
            "direction": one_line(text("direction")),  # a code or label; read_form_dict checks it
        }
        if "raw_score" in cells and "score" in cells:
            # 单项指标得分 beside 折算得分: which one the 总分 adds up is decided at the end.
            row_data["_raw_score"] = (decimal_text(scores["raw_score"]), where)
            self._use(cells.get("raw_score"))
        self.form.indicators.append(row_data)

    def _target(self, cells: dict[str, Cell], where: str) -> str:
        """年度指标值, or 指标性质 · 指标值 · 度量单位 of a two-row heading joined into one."""
        value = one_line(_cell_text(cells.get("target"), where, "年度指标值"))
        op_cell, unit_cell = cells.get("target_op"), cells.get("target_unit")
        self._use(cells.get("target"))
        if op_cell is None and unit_cell is None:
            return value
        op = label(_cell_text(op_cell, where, "指标性质"))
        unit = column_label(_cell_text(unit_cell, where, "度量单位"))
        if is_blank(value):
            return value  # nothing to join: 指标性质/度量单位 alone are reported
        self._use(unit_cell)
        comparator = COMPARATORS.get(op)
        if comparator is not None:
            self._use(op_cell)
        elif is_blank(op):
            comparator = ""
        if is_blank(unit) or value.endswith(unit):
            unit = ""
        return f"{comparator or ''}{value}{unit}"

    def _levels(self, level1: str, level2: str, where: str, row_label: str) -> tuple[str, str]:
        """(一级, 二级) in the taxonomy's names, or as written when the taxonomy lacks them.

        A 一级 written only as its weight ("(50分)") follows from its 二级. A name the
        taxonomy does not know is kept (without the weight written into it): the
        preview asks what it stands for before anything is written.
        """
        taxonomy = self.taxonomy
        written1, written2 = level_label(level1), level_label(level2)
        mapped1 = taxonomy.level1(written1) if written1 else None
        if not written2:
            options = taxonomy.level2_names(mapped1) if mapped1 else []
            if len(options) == 1:
                return mapped1, options[0]  # type: ignore[return-value]
            raise ImportFailure(f"{row_label}缺少二级指标", where=where)
        if mapped1 is None and written1:
            return written1, written2
        pair = taxonomy.level2(mapped1, written2)
        if pair is not None:
            return pair
        if mapped1 is None:
            raise ImportFailure(
                f"{row_label}的二级指标「{written2}」无法对应到指标体系（也没有填写一级指标）",
                where=where,
            )
        return mapped1, written2

    def _total_row(self, row: Row, labels: list[str]) -> None:
        label_cell = next(
            c for c, lab in zip(row.cells, labels, strict=True) if lab in TOTAL_LABELS
        )
        heading = self.indicator_heading
        assert heading is not None
        cells = _assign(row, heading, {id(label_cell)})
        weight_cell = cells.get("weight") or cells.get("weight_share")
        score_cell = cells.get("score") or cells.get("raw_score")
        if weight_cell is None and score_cell is None:  # the grid says nothing: by position
            after = row.cells[row.cells.index(label_cell) + 1 :]
            weight_cell = after[0] if after else None
            score_cell = after[1] if len(after) > 1 else None
        self._use(label_cell, weight_cell, score_cell)
        for cell in row.cells:
            if _GRADE.match(label(cell.text)):
                self._use(cell)  # "自评等级：优": it follows from the total
        weight = self._score(weight_cell, row.where, "总分的分值", stored=False)
        score = self._score(score_cell, row.where, "总分的得分", stored=False)
        form = self.form
        block_total = column_label(label_cell.text) == BLOCK_TOTAL
        # 年度绩效目标1 … 合计, 年度绩效目标2 … 合计: the form's 总分 is their sum; a 总分
        # row after them is the whole form's.
        if block_total and form.total_rows:
            weight, score = (
                _added(form.recorded_total_weight, weight),
                _added(form.recorded_total_score, score),
            )
        form.total_rows = form.total_rows + 1 if block_total else 0
        form.reading_notes[:] = [n for n in form.reading_notes if not n.startswith("表中有")]
        if form.total_rows > 1:
            form.reading_notes.append(f"表中有 {form.total_rows} 个合计行，原表总分按它们相加记")
        form.recorded_total_weight, form.recorded_total_score = weight, score

    # --- the result ----------------------------------------------------------------

    @property
    def found(self) -> bool:
        """Whether anything that looks like a form was read."""
        return bool(self.done) or self.form.has_content

    def forms(self) -> list[FormData]:
        """The forms found, validated; ImportFailure names the first problem."""
        if self.form.has_content:
            self.done.append(self.form)
            self.form = _Form()
        if not self.done:
            raise ImportFailure(
                "没有找到自评表：文件中没有「项目名称」「项目资金」「绩效指标」等栏目"
            )
        return [self._form_data(number, form) for number, form in enumerate(self.done, start=1)]

    def _form_data(self, number: int, form: _Form) -> FormData:
        name = form.fields.get("project_name", "")
        where = f"{self.place}第{number}张自评表" + (
            f"「{name}」" if name else f"（{form.where}起）"
        )
        if not name:
            raise ImportFailure("缺少项目名称", where=where)
        if form.year is None:
            raise ImportFailure("没有找到年度（如表头的「（2023年度）」）", where=where)
        department = form.fields.get("department", "")
        unit = form.fields.get("implementing_unit", "")
        if not department and unit:
            department = unit
            form.reading_notes.append(f"表上没有填写主管部门，按实施单位「{unit}」记为主管部门")
        if not department:
            raise ImportFailure("缺少主管部门（实施单位也没有填写）", where=where)
        self._choose_scores(form)
        lines, converted, note = self._budget(form)
        data = {
            "year": form.year,
            "project_name": name,
            "department": department,
            "implementing_unit": unit,
            "project_lead": form.fields.get("project_lead", ""),
            "contact_phone": form.fields.get("contact_phone", ""),
            "status": form.status or LEGACY_STATUS,
            "legacy": True,
            "goal_expected": "\n".join(form.goal_expected),
            "goal_actual": "\n".join(form.goal_actual),
            "budget_lines": lines,
            "amount_unit_converted": converted or bool(form.own_note),
            "amount_unit_note": form.own_note or note,
            "paper_notes": "\n".join(form.notes),
            "review_comment": form.review_comment,
            "budget": {
                "weight": decimal_text(form.budget_weight),
                "recorded_score": decimal_text(form.recorded_budget_score),
                "recorded_execution_rate": form.recorded_execution_rate,
            },
            "recorded_total_weight": decimal_text(form.recorded_total_weight),
            "recorded_total_score": decimal_text(form.recorded_total_score),
            "indicators": form.indicators,
        }
        try:
            parsed = read_form_dict(data, f"{self.place}第{number}张自评表")
        except InterchangeError as exc:
            raise ImportFailure(str(exc)) from None
        return dataclasses.replace(
            parsed, unplaced=tuple(form.unplaced), reading_notes=tuple(form.reading_notes)
        )

    def _choose_scores(self, form: _Form) -> None:
        """单项指标得分 or 折算得分: the column the form's 总分 adds up (折算得分 if neither)."""
        rows = [row for row in form.indicators if "_raw_score" in row]
        if not rows:
            return
        raw = [row.pop("_raw_score") for row in rows]
        total = form.recorded_total_score

        def added(values: list[str | None]) -> Decimal:
            return sum((Decimal(v) for v in values if v is not None), Decimal(0))

        use_raw = (
            total is not None
            and added([row["score"] for row in rows]) != total
            and added([value for value, _ in raw]) == total
        )
        dropped = "折算得分" if use_raw else "单项指标得分"
        for row, (value, where) in zip(rows, raw, strict=True):
            kept, other = (value, row["score"]) if use_raw else (row["score"], value)
            row["score"] = kept
            if other is not None:
                form.unplaced.append(f"{where}「{dropped}」{other} 未导入")
        form.reading_notes.append(
            f"得分取「{'单项指标得分' if use_raw else '折算得分'}」栏"
            + ("（它们相加等于表上的总分）" if total is not None else "")
        )

    def _budget(self, form: _Form) -> tuple[list[dict[str, str | None]], bool, str]:
        """The budget lines in 万元, whether 元 were converted, and the note explaining it."""
        amounts = [
            a for line in form.budget_lines.values() for col in line.amounts.values() for a in col
        ]
        bare_is_yuan = any(
            a.number is not None and not a.unit and a.number >= YUAN_THRESHOLD for a in amounts
        )
        values: dict[BudgetLineKind, dict[str, Decimal | None]] = {}
        converted_items: list[str] = []
        cleaned_items: list[str] = []
        for kind in BudgetLineKind:
            line = form.budget_lines.get(kind)
            values[kind] = {}
            converted_here: list[str] = []
            cleaned_here: list[str] = []
            for column in AMOUNT_COLUMNS:
                column_amounts = line.amounts.get(column, []) if line else []
                written = [a for a in column_amounts if a.number is not None]
                if not written:
                    values[kind][column] = None
                    continue
                total = Decimal(0)
                what = f"项目资金「{BUDGET_LINE_LABELS[kind]}」的{COLUMN_NAMES[column]}"
                for amount in written:
                    value = amount.in_wan(bare_is_yuan)
                    assert value is not None and line is not None
                    try:
                        check_money(value, amount.original)
                    except ValueProblem as problem:
                        raise _fail(
                            line.where, line.cells.get(column), f"{what}{problem}"
                        ) from None
                    total += value
                    change = f"{COLUMN_NAMES[column]}“{amount.original}”→{decimal_text(value)}"
                    if (amount.unit == "元" or (not amount.unit and bare_is_yuan)) and value:
                        converted_here.append(change)
                    elif amount.unit or amount.rest:
                        cleaned_here.append(change)
                values[kind][column] = total
            label_text = BUDGET_LINE_LABELS[kind]
            if converted_here:
                converted_items.append(f"{label_text}的{'、'.join(converted_here)}")
            if cleaned_here:
                cleaned_items.append(f"{label_text}的{'、'.join(cleaned_here)}")
            if line is not None and len(line.labels) > 1:
                form.reading_notes.append(
                    f"项目资金「{'」「'.join(line.labels)}」{len(line.labels)}行相加，"
                    f"记为「{label_text}」"
                )
        self._total_from_lines(form, values)
        lines = [
            {"kind": kind.value, **{c: decimal_text(v) for c, v in values[kind].items()}}
            for kind in BudgetLineKind
        ]
        notes = []
        if converted_items:
            notes.append(f"项目资金原以元填写，已换算为万元：{'；'.join(converted_items)}")
        if cleaned_items:
            notes.append(f"项目资金原填有单位或多余文字，已记为万元数：{'；'.join(cleaned_items)}")
        notes.extend(form.budget_notes)
        note = "。".join(notes) + "。" if notes else ""
        return lines, bool(converted_items), note

    @staticmethod
    def _total_from_lines(form: _Form, values: dict[BudgetLineKind, dict[str, Decimal | None]]):
        """A 年度资金总额 left blank or 0 while its sub-lines are filled: their sum, noted."""
        total = values[BudgetLineKind.TOTAL]
        for column in AMOUNT_COLUMNS:
            parts = [
                values[kind][column]
                for kind in BudgetLineKind
                if kind != BudgetLineKind.TOTAL and values[kind][column] is not None
            ]
            added = sum(parts, Decimal(0))
            if not added or total.get(column):
                continue
            written = "未填写" if total.get(column) is None else "填为 0"
            total[column] = added
            form.budget_notes.append(
                f"年度资金总额的{COLUMN_NAMES[column]}{written}，按其中各项之和记为 "
                f"{decimal_text(added)}"
            )
