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
_TITLE = re.compile(r"绩效自评表(?:[（(][^）)]*[）)])?$")
MAX_LABEL = 40  # a title or year line is short; longer text is content

HEADER_FIELDS = {
    "项目名称": "project_name",
    "主管部门": "department",
    "主管部门及代码": "department",
    "主管单位": "department",
    "实施单位": "implementing_unit",
    "项目实施单位": "implementing_unit",
    "项目负责人": "project_lead",
    "负责人": "project_lead",
    "联系电话": "contact_phone",
    "联系方式": "contact_phone",
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
    r"^\s*(项目名称|主管部门|实施单位|项目负责人|联系电话)\s*[:：]\s*(\S.*)$"
)

BUDGET_COLUMNS = {
    "年初预算数": "initial_budget",
    "全年预算数": "annual_budget",
    "全年执行数": "executed",
    "分值": "weight",
    "执行率": "rate",
    "预算执行率": "rate",
    "得分": "score",
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
    "goal_expected": "预期目标",
    "goal_actual": "实际完成情况",
}
BUDGET_LINES = {
    "年度资金总额": BudgetLineKind.TOTAL,
    "资金总额": BudgetLineKind.TOTAL,
    "当年财政拨款": BudgetLineKind.CURRENT,
    "财政拨款": BudgetLineKind.CURRENT,
    "上年结转资金": BudgetLineKind.CARRYOVER,
    "上年结转": BudgetLineKind.CARRYOVER,
    "其他资金": BudgetLineKind.OTHER,
    "其他": BudgetLineKind.OTHER,
}
DEFAULT_BUDGET_ORDER = ("initial_budget", "annual_budget", "executed", "weight", "rate", "score")
GOAL_LABELS = {"年度总体目标": "", "总体目标": "", "预期目标": "goal_expected"}
GOAL_LABELS |= {"实际完成情况": "goal_actual", "完成情况": "goal_actual"}
INDICATOR_COLUMNS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "年度指标值": "target",
    "指标值": "target",
    "年度目标值": "target",
    "实际完成值": "actual",
    "完成值": "actual",
    "分值": "weight",
    "权重": "weight",
    "得分": "score",
    "自评得分": "score",
    "审核得分": "review_score",
    "偏差原因分析及改进措施": "deviation_reason",
    "审核意见": "review_comment",
}
TOTAL_LABELS = {"总分", "合计", "总计", "审核后总分"}
# Our own export of a reviewed form prints the filler's total before the counted one
# (审核后总分): it follows from the rows read, and the row after it is the total.
SELF_TOTAL_LABELS = {"自评总分"}
STATUS_LABELS = {status.label: status.value for status in Evaluation.Status}
_YEAR_LINE = re.compile(r"^[(（]?\d{4}年[)）]?$")  # "（2023年）" without 度
_STATUS_LINE = re.compile(r"^状态[:：]\s*(\S+)$")
OWN_NOTE_PREFIX = "注："
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


@dataclass(frozen=True)
class Heading:
    columns: tuple[Column, ...]
    cell_count: int

    def kinds(self) -> set[str]:
        return {column.kind for column in self.columns}


@dataclass
class _BudgetLine:
    kind: BudgetLineKind
    where: str
    amounts: dict[str, Amount]
    cells: dict[str, Cell]


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

    @property
    def has_content(self) -> bool:
        return bool(
            self.fields.get("project_name")
            or self.budget_lines
            or self.indicators
            or self.goal_expected
            or self.goal_actual
        )


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


def _heading(row: Row, names: dict[str, str]) -> Heading:
    columns = []
    for index, cell in enumerate(row.cells):
        if cell.continued:
            continue
        kind = names.get(column_label(cell.text))
        if kind is None and column_label(cell.text).startswith("偏差原因"):
            kind = names.get("偏差原因分析及改进措施")
        if kind is not None and kind not in {c.kind for c in columns}:
            columns.append(Column(kind, cell.col, index))
    return Heading(tuple(columns), len(row.cells))


class FormReader:
    """Feed it the blocks of one file in order; ``forms()`` returns what it found."""

    def __init__(self, taxonomy: TaxonomyMap, *, own_export: bool = False, place: str = "") -> None:
        self.taxonomy = taxonomy
        self.own_export = own_export
        self.place = place  # "工作表「Sheet1」" when a file holds several readers' worth
        self.done: list[_Form] = []
        self.form = _Form()
        self._reset_layout()

    def _reset_layout(self) -> None:
        self.mode = "top"  # top → budget → goal → indicators → after
        self.budget_heading: Heading | None = None
        self.goal_heading: Heading | None = None
        self.indicator_heading: Heading | None = None
        self.level1 = ""
        self.level2 = ""

    # --- the stream --------------------------------------------------------------

    def feed(self, block: Row | Paragraph) -> None:
        if isinstance(block, Paragraph):
            self._paragraph(block)
        elif block.cells:
            self._row(block)

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
        if not text or self._title_or_year(text, paragraph.where):
            return
        status = _STATUS_LINE.match(label(text))
        if status and status.group(1) in STATUS_LABELS:
            self.form.status = STATUS_LABELS[status.group(1)]
            return
        if (
            self.own_export
            and self.mode in {"indicators", "after"}
            and text.startswith(OWN_NOTE_PREFIX)
            and not text.startswith(OWN_REVIEW_NOTE)
        ):
            self.form.own_note = text.removeprefix(OWN_NOTE_PREFIX).strip()
            return
        inline = _INLINE_HEADER.match(one_line(text))
        if inline and self.mode == "top":
            self._set_field(HEADER_FIELDS[inline.group(1)], inline.group(2), paragraph.where, None)

    def _row(self, row: Row) -> None:
        own = [cell for cell in row.cells if not cell.continued]
        if all(is_blank(cell.text) for cell in own):
            return  # an empty row, or one made only of merged cells from above
        if len([c for c in own if not is_blank(c.text)]) == 1:
            only = next(c for c in own if not is_blank(c.text))
            if self._title_or_year(only.text, row.where):
                return
        labels = [column_label(cell.text) if not cell.continued else "" for cell in row.cells]
        if ("项目名称" in labels or self.mode not in {"indicators", "after"}) and self._header_row(
            row, labels
        ):
            return
        if "三级指标" in labels and ("一级指标" in labels or "二级指标" in labels):
            self.indicator_heading = _heading(row, INDICATOR_COLUMNS)
            self.mode = "indicators"
            self.form.where = self.form.where or row.where
            return
        if self.mode == "indicators":
            if SELF_TOTAL_LABELS & set(labels):
                return
            if TOTAL_LABELS & set(labels):
                self._total_row(row, labels)
                self.mode = "after"
            else:
                self._indicator_row(row)
            return
        if self.mode == "after":
            return
        if "全年预算数" in labels or "全年执行数" in labels:
            self.budget_heading = _heading(row, BUDGET_COLUMNS)
            self.mode = "budget"
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
                    self._set_field(
                        HEADER_FIELDS[inline.group(1)], inline.group(2), row.where, cell
                    )
                continue
            found = True
            value = cells[index + 1][0] if index + 1 < len(cells) else None
            if value is not None and cells[index + 1][1] in HEADER_FIELDS:
                value = None
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
        self.form.fields[name] = _limited(
            one_line(text), FIELD_LIMITS[name], where, cell, FIELD_LABELS[name]
        )

    # --- 项目资金 -----------------------------------------------------------------

    def _budget_line_cell(self, row: Row) -> tuple[BudgetLineKind, Cell] | None:
        for cell in row.cells:
            if cell.continued:
                continue
            lab = column_label(cell.text)
            lab = lab.removeprefix("其中:").removeprefix("其中")
            if lab in BUDGET_LINES:
                return BUDGET_LINES[lab], cell
        return None

    def _budget_row(self, row: Row, kind: BudgetLineKind, label_cell: Cell) -> None:
        name = BUDGET_LINE_LABELS[kind]
        where = row.where
        if kind in self.form.budget_lines:
            raise ImportFailure(f"项目资金「{name}」出现了两次", where=where)
        if self.budget_heading is not None:
            cells = _assign(row, self.budget_heading, {id(label_cell)})
        else:
            after = row.cells[row.cells.index(label_cell) + 1 :]
            cells = dict(zip(DEFAULT_BUDGET_ORDER, after, strict=False))
        amounts: dict[str, Amount] = {}
        for column in AMOUNT_COLUMNS:
            cell = cells.get(column)
            text = _cell_text(cell, where, f"项目资金「{name}」的{COLUMN_NAMES[column]}")
            try:
                amounts[column] = read_amount(text)
            except ValueProblem as problem:
                raise _fail(
                    where, cell, f"项目资金「{name}」的{COLUMN_NAMES[column]}{problem}"
                ) from None
        self.form.budget_lines[kind] = _BudgetLine(kind, where, amounts, cells)
        self.mode = "budget"
        if kind != BudgetLineKind.TOTAL:
            return  # 分值/执行率/得分 belong to 年度资金总额 only
        weight_cell = cells.get("weight")
        self.form.budget_weight = self._score(
            weight_cell, where, f"项目资金「{name}」的分值", stored=True
        )
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

    def _append_goal(self, kind: str, cell: Cell, where: str) -> None:
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
            return _cell_text(cells.get(kind), where, COLUMN_NAMES[kind])

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
        values = {
            kind: text(kind)
            for kind in ("target", "actual", "weight", "score", "review_score", "deviation_reason")
        }
        if is_placeholder_name(raw_name) and all(is_blank(v) for v in values.values()):
            return  # the template's empty rows: 指标2：, ……, or nothing at all
        name = indicator_name(raw_name)
        label_for = f"三级指标「{name}」" if name else "绩效指标"
        level1_name, level2_name = self._levels(level1, level2, where, label_for)
        scores = {}
        for kind in ("weight", "score", "review_score"):
            try:
                scores[kind] = read_score(values[kind])
            except ValueProblem as problem:
                raise _fail(
                    where, cells.get(kind), f"{label_for}的{COLUMN_NAMES[kind]}{problem}"
                ) from None
        review_comment = prose(text("review_comment"))
        self.form.indicators.append(
            {
                "level1": level1_name,
                "level2": level2_name,
                "name": _limited(name, NAME_LIMIT, where, cells.get("name"), "三级指标"),
                "target": _limited(
                    one_line(values["target"]),
                    VALUE_LIMIT,
                    where,
                    cells.get("target"),
                    f"{label_for}的年度指标值",
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
            }
        )

    def _levels(self, level1: str, level2: str, where: str, row_label: str) -> tuple[str, str]:
        """(一级, 二级) in the taxonomy's names, or as written when the taxonomy lacks them.

        A 一级 written only as its weight ("(50分)") follows from its 二级. A name the
        taxonomy does not know is kept (without the weight written into it): the
        preview asks what it stands for (``imports.levels``) before anything is written.
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
        weight_cell, score_cell = cells.get("weight"), cells.get("score")
        if weight_cell is None and score_cell is None:  # the grid says nothing: by position
            after = row.cells[row.cells.index(label_cell) + 1 :]
            weight_cell = after[0] if after else None
            score_cell = after[1] if len(after) > 1 else None
        self.form.recorded_total_weight = self._score(
            weight_cell, row.where, "总分的分值", stored=False
        )
        self.form.recorded_total_score = self._score(
            score_cell, row.where, "总分的得分", stored=False
        )

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
        if not form.fields.get("department"):
            raise ImportFailure("缺少主管部门", where=where)
        lines, converted, note = self._budget(form)
        data = {
            "year": form.year,
            "project_name": name,
            "department": form.fields.get("department", ""),
            "implementing_unit": form.fields.get("implementing_unit", ""),
            "project_lead": form.fields.get("project_lead", ""),
            "contact_phone": form.fields.get("contact_phone", ""),
            "status": form.status or LEGACY_STATUS,
            "legacy": True,
            "goal_expected": "\n".join(form.goal_expected),
            "goal_actual": "\n".join(form.goal_actual),
            "budget_lines": lines,
            "amount_unit_converted": converted or bool(form.own_note),
            "amount_unit_note": form.own_note or note,
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
            return read_form_dict(data, f"{self.place}第{number}张自评表")
        except InterchangeError as exc:
            raise ImportFailure(str(exc)) from None

    def _budget(self, form: _Form) -> tuple[list[dict[str, str | None]], bool, str]:
        """The budget lines in 万元, whether 元 were converted, and the note explaining it."""
        amounts = [a for line in form.budget_lines.values() for a in line.amounts.values()]
        bare_is_yuan = any(
            a.number is not None and not a.unit and a.number >= YUAN_THRESHOLD for a in amounts
        )
        lines: list[dict[str, str | None]] = []
        converted_items: list[str] = []
        cleaned_items: list[str] = []
        for kind in BudgetLineKind:
            line = form.budget_lines.get(kind)
            values: dict[str, str | None] = {}
            converted_here: list[str] = []
            cleaned_here: list[str] = []
            for column in AMOUNT_COLUMNS:
                amount = line.amounts.get(column) if line else None
                if line is None or amount is None or amount.number is None:
                    values[column] = None
                    continue
                value = amount.in_wan(bare_is_yuan)
                assert value is not None
                what = f"项目资金「{BUDGET_LINE_LABELS[kind]}」的{COLUMN_NAMES[column]}"
                try:
                    check_money(value, amount.original)
                except ValueProblem as problem:
                    raise _fail(line.where, line.cells.get(column), f"{what}{problem}") from None
                values[column] = decimal_text(value)
                change = f"{COLUMN_NAMES[column]}“{amount.original}”→{values[column]}"
                if (amount.unit == "元" or (not amount.unit and bare_is_yuan)) and value:
                    converted_here.append(change)
                elif amount.unit or amount.rest:
                    cleaned_here.append(change)
            label_text = BUDGET_LINE_LABELS[kind]
            if converted_here:
                converted_items.append(f"{label_text}的{'、'.join(converted_here)}")
            if cleaned_here:
                cleaned_items.append(f"{label_text}的{'、'.join(cleaned_here)}")
            lines.append({"kind": kind.value, **values})
        notes = []
        if converted_items:
            notes.append(f"项目资金原以元填写，已换算为万元：{'；'.join(converted_items)}")
        if cleaned_items:
            notes.append(f"项目资金原填有单位或多余文字，已记为万元数：{'；'.join(cleaned_items)}")
        note = "。".join(notes) + "。" if notes else ""
        converted = bool(converted_items)
        return lines, converted, note
