"""The form as the paper table draws it, built once per page from the scoring result.

The 绩效指标 block is a tree: a 一级 cell spans the rows of all its 二级, a 二级
cell spans its 三级 rows. ``edit_table`` lays out the editable page (rows are
formset forms, every 二级 of the taxonomy is shown so a row can be added under
any of them, like the blank paper form); ``read_table`` lays out stored rows for
the read-only and print page (only the 二级 that have rows). Both attach each
finding of the result to the row it names, for the page and for the summary.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from indicators.checks import Code
from indicators.scoring import (
    BUDGET_LINE_LABELS,
    DIRECTION_LABELS,
    BudgetLineKind,
    DirectionChoice,
    Finding,
    FormResult,
    IndicatorResult,
    Level1Total,
    ScoreSource,
    Severity,
)
from projects.anchors import (
    BUDGET_ANCHOR,
    budget_line_anchor,
    finding_anchor,
    row_anchor,
)
from projects.forms.evaluations import ROW_FIELDS, EvaluationEditor, IndicatorRowForm
from projects.models import Evaluation, Indicator
from projects.rows import BUDGET_LINE, INDICATOR, Editor, Stage
from projects.selectors.evaluations import PreviousRow, RowKey, Taxonomy, row_key

# A form copied from last year (or a row just added) has its results still
# blank, and the checks find each blank a mistake. Findings of a row whose RESULT_FIELDS
# (the filler's columns of Stage.RESULT, projects.rows) are all blank, and of the 项目资金
# while no amount is typed, are shown as neutral 待填写 to-dos instead of red errors;
# they still block submitting, and a blocked submit (``checked``) shows everything red again.
TODO = "todo"
RESULT_FIELDS = INDICATOR.names(Editor.FILLER, stage=Stage.RESULT)
BUDGET_FIELDS = BUDGET_LINE.names(Editor.FILLER)


@dataclass
class Level1Cell:
    level1_id: int | None
    name: str
    rowspan: int = 0
    total: Level1Total | None = None


@dataclass
class Level2Cell:
    level2_id: int | None
    name: str
    rowspan: int = 0


@dataclass
class TableRow:
    """One 三级 row of the table, or an empty placeholder for a 二级 without rows."""

    level1_id: int | None
    level1_name: str
    level2_id: int | None
    level2_name: str
    anchor: str = ""
    form: IndicatorRowForm | None = None  # editable page
    indicator: Indicator | None = None  # read-only page
    result: IndicatorResult | None = None
    index: int | None = None  # formset index
    level1_cell: Level1Cell | None = None  # set on the first row of its 一级
    level2_cell: Level2Cell | None = None  # set on the first row of its 二级
    can_move_up: bool = False
    can_move_down: bool = False
    input_errors: list[str] = field(default_factory=list)
    todo: bool = False  # nothing typed in its results yet: findings are to-dos (TODO)
    previous: PreviousRow | None = None  # the same row on the previous form (with_previous)

    @cached_property
    def values(self) -> dict[str, str]:
        """The row's cells exactly as typed (what the inputs show), by field name."""
        data, prefix = self.form.data, self.form.prefix  # type: ignore[union-attr]
        return {name: data.get(f"{prefix}-{name}", "") for name in ROW_FIELDS}

    @cached_property
    def invalid(self) -> frozenset[str]:
        """The names of the fields that did not validate (their inputs are marked)."""
        return frozenset(self.form.errors) if self.form is not None else frozenset()

    @property
    def name(self) -> str:
        """The 三级 name: as typed on the editable page, as stored on the read-only one."""
        if self.form is not None:
            return self.values["name"]
        return self.indicator.name if self.indicator is not None else ""

    @property
    def placeholder(self) -> bool:
        return self.form is None and self.indicator is None

    @property
    def errors(self) -> list[Finding]:
        findings = self.result.findings if self.result else ()
        return [f for f in findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        findings = self.result.findings if self.result else ()
        return [f for f in findings if f.severity == Severity.WARNING]

    @property
    def hints(self) -> list[Finding]:
        findings = self.result.findings if self.result else ()
        return [f for f in findings if f.severity == Severity.HINT]

    @property
    def inline_findings(self) -> list[SummaryItem]:
        """Input errors, errors, warnings, then hints, worded for a place beside the row.

        A hint is a question about what is typed, not a missing value: it never becomes
        a 待填写 to-do."""
        return [
            *(SummaryItem(self.anchor, message, "input", "error") for message in self.input_errors),
            *(
                SummaryItem(
                    self.anchor, _inline(f, self.result), f.code, TODO if self.todo else f.severity
                )
                for f in (*self.errors, *self.warnings)
            ),
            *(
                SummaryItem(self.anchor, _inline(f, self.result), f.code, f.severity)
                for f in self.hints
            ),
        ]

    @property
    def blank(self) -> bool:
        """No result typed yet (实际完成值, 得分, 档次, reasons): a new or copied row."""
        return self.form is not None and not any(
            self.values[name].strip() for name in RESULT_FIELDS
        )

    @property
    def out_of_band(self) -> bool:
        return any(f.code == Code.QUALITATIVE_SCORE_OUT_OF_BAND for f in self.errors)

    @property
    def mode(self) -> str:
        """How 得分 is found: "quantitative" (by the rule), "awaiting_actual" (a numeric
        target without a comparable 实际完成值 yet) or "qualitative" (a tier and a score)."""
        result = self.result
        if result is None or result.quantitative:
            return "quantitative"
        if (
            result.target_value is not None
            and result.input.direction != DirectionChoice.QUALITATIVE
            and not result.input.actual.strip()
        ):
            return "awaiting_actual"
        return "qualitative"

    @property
    def direction_label(self) -> str:
        """The 指标方向 the row is scored in: "反向" as the filler chose it, "自动：反向"
        when the rule chose it, "" for a row without a choice that the rule cannot score."""
        result = self.result
        if result is None:
            return ""
        chosen = result.input.direction
        if chosen != DirectionChoice.AUTO:
            return DIRECTION_LABELS[chosen]
        if result.direction is None:
            return ""
        return f"自动：{DIRECTION_LABELS[DirectionChoice(result.direction)]}"

    @property
    def score_auto(self) -> bool:
        if self.form is None:
            return False
        # The same reading as forms.BooleanField: "", "0" and "false" are False.
        return self.values["score_auto"].lower() not in {"", "0", "false"}

    @property
    def needs_reason(self) -> bool:
        """A 得分 typed over the rule's suggestion: the page asks why (调整得分理由)."""
        result = self.result
        return bool(
            result
            and result.quantitative
            and result.score_source == ScoreSource.FILLER
            and result.suggested_score is not None
            and result.input.score != result.suggested_score
        )

    @property
    def shown_score(self) -> Decimal | None:
        """The 得分 the input shows: the rule's while automatic, else what was typed."""
        if self.result is None:
            return None
        if self.score_auto:
            return self.result.suggested_score
        return self.result.input.score


@dataclass
class BudgetRow:
    kind: BudgetLineKind
    label: str
    anchor: str
    form: object | None = None  # BudgetLineForm on the editable page
    line: object | None = None  # BudgetLine on the read-only page

    @property
    def is_total(self) -> bool:
        return self.kind == BudgetLineKind.TOTAL


@dataclass
class SummaryItem:
    anchor: str
    message: str
    code: str = ""
    severity: str = "error"


@dataclass
class FormTable:
    result: FormResult
    budget_rows: list[BudgetRow]
    rows: list[TableRow]
    budget_findings: list[Finding]
    form_findings: list[Finding]
    summary_errors: list[SummaryItem]
    summary_warnings: list[SummaryItem]
    input_errors: list[SummaryItem]
    summary_todos: list[SummaryItem] = field(default_factory=list)
    summary_hints: list[SummaryItem] = field(default_factory=list)  # 审核提示

    @property
    def indicator_rowspan(self) -> int:
        return len(self.rows) + 1  # the column headings row, then the 三级 rows

    @property
    def level1_cells(self) -> list[Level1Cell]:
        return [row.level1_cell for row in self.rows if row.level1_cell is not None]

    @property
    def error_count(self) -> int:
        return len(self.summary_errors) + len(self.input_errors)


def _inline(finding: Finding, result: IndicatorResult | None) -> str:
    """A row's finding shown beside the row: without the "第3行「…」：" that names it."""
    if result is not None and finding.message.startswith(f"第{result.row_number}行"):
        return finding.message.split("：", 1)[-1]
    return finding.message


def _span(rows: list[TableRow], totals: dict[str, Level1Total]) -> None:
    """Give the first row of each run of equal 一级 / 二级 its spanning cell."""
    level1_cell: Level1Cell | None = None
    level2_cell: Level2Cell | None = None
    for row in rows:
        if level1_cell is None or (row.level1_id, row.level1_name) != (
            level1_cell.level1_id,
            level1_cell.name,
        ):
            level1_cell = Level1Cell(
                row.level1_id, row.level1_name, total=totals.get(row.level1_name)
            )
            row.level1_cell = level1_cell
            level2_cell = None
        level1_cell.rowspan += 1
        if level2_cell is None or (row.level2_id, row.level2_name) != (
            level2_cell.level2_id,
            level2_cell.name,
        ):
            level2_cell = Level2Cell(row.level2_id, row.level2_name)
            row.level2_cell = level2_cell
        level2_cell.rowspan += 1


def _summary_item(finding: Finding) -> SummaryItem:
    return SummaryItem(finding_anchor(finding.key), finding.message, finding.code)


def _summary(
    result: FormResult,
) -> tuple[list[SummaryItem], list[SummaryItem], list[SummaryItem]]:
    return (
        [_summary_item(f) for f in result.errors],
        [_summary_item(f) for f in result.warnings],
        [_summary_item(f) for f in result.hints],
    )


def _split_findings(result: FormResult) -> tuple[list[Finding], list[Finding]]:
    budget = [f for f in result.findings if f.key.split(":")[0] == BUDGET_ANCHOR]
    whole = [f for f in result.findings if not f.key]
    return budget, whole


def _level1_totals(result: FormResult) -> dict[str, Level1Total]:
    return {total.level1: total for total in result.level1_totals}


def _as_todos(
    findings: list[Finding], todo_keys: set[str]
) -> tuple[list[Finding], list[SummaryItem]]:
    """The findings that stay as they are, and the to-dos (of the rows or block named)."""
    kept = [f for f in findings if f.key.split(":")[0] not in todo_keys]
    todos = [
        SummaryItem(finding_anchor(f.key), f.message, f.code, TODO)
        for f in findings
        if f.key.split(":")[0] in todo_keys
    ]
    return kept, todos


def _budget_blank(editor: EvaluationEditor) -> bool:
    return not any(
        str(form[name].value() or "").strip()
        for form in editor.budget.values()
        for name in BUDGET_FIELDS
    )


def edit_table(
    editor: EvaluationEditor, result: FormResult, taxonomy: Taxonomy, *, checked: bool = False
) -> FormTable:
    """The editable table: every 二级 of the taxonomy, its rows in formset order.

    Unless ``checked`` (the filler tried to submit), the findings of blank rows and of
    a blank 项目资金 are to-dos (``TODO``), not errors.
    """
    forms = editor.row_forms
    results = dict(
        zip((row.input.key for row in result.indicators), result.indicators, strict=True)
    )
    by_level2: dict[int | None, list[TableRow]] = defaultdict(list)
    input_errors = editor.input_errors()
    errors_by_anchor: dict[str, list[str]] = defaultdict(list)
    for anchor, message in input_errors:
        errors_by_anchor[anchor].append(message)
    for index, form in enumerate(forms):
        anchor = row_anchor(index)
        level2 = taxonomy.by_id.get(_int(form["level2"].value()))
        by_level2[level2.pk if level2 else None].append(
            TableRow(
                level1_id=level2.level1_id if level2 else None,
                level1_name=level2.level1.name if level2 else "（未分类）",
                level2_id=level2.pk if level2 else None,
                level2_name=level2.name if level2 else "（未选择二级指标）",
                anchor=anchor,
                form=form,
                result=results.get(anchor),
                index=index,
                input_errors=errors_by_anchor.get(anchor, []),
            )
        )
    rows: list[TableRow] = []
    for level2 in taxonomy.level2s:
        group = by_level2.pop(level2.pk, None)
        if not group:
            rows.append(TableRow(level2.level1_id, level2.level1.name, level2.pk, level2.name))
            continue
        for position, row in enumerate(group):
            row.can_move_up = position > 0
            row.can_move_down = position < len(group) - 1
        rows.extend(group)
    for group in by_level2.values():  # rows whose 二级 is not in the taxonomy
        rows.extend(group)
    _span(rows, _level1_totals(result))
    todo_keys: set[str] = set()
    if not checked:
        for row in rows:
            row.todo = row.blank and not row.input_errors
        todo_keys = {row.anchor for row in rows if row.todo}
        if _budget_blank(editor):
            todo_keys.add(BUDGET_ANCHOR)
    errors, todos = _as_todos(list(result.errors), todo_keys)
    warnings, todo_warnings = _as_todos(list(result.warnings), todo_keys)
    budget_findings, form_findings = _split_findings(result)
    budget_shown: list = budget_findings
    if BUDGET_ANCHOR in todo_keys:
        budget_shown = [
            SummaryItem(BUDGET_ANCHOR, f.message, f.code, TODO) for f in budget_findings
        ]
    return FormTable(
        result=result,
        budget_rows=[
            BudgetRow(kind, BUDGET_LINE_LABELS[kind], budget_line_anchor(kind), form=form)
            for kind, form in editor.budget.items()
        ],
        rows=rows,
        budget_findings=budget_shown,
        form_findings=form_findings,
        summary_errors=[_summary_item(f) for f in errors],
        summary_warnings=[_summary_item(f) for f in warnings],
        input_errors=[SummaryItem(anchor, message) for anchor, message in input_errors],
        summary_todos=todos + todo_warnings,
        summary_hints=[_summary_item(f) for f in result.hints],
    )


def read_table(evaluation: Evaluation, result: FormResult) -> FormTable:
    """The stored form as on paper: its rows in order, only the 二级 that have rows."""
    indicators = list(evaluation.indicators.all())
    rows = [
        TableRow(
            level1_id=indicator.level2.level1_id,
            level1_name=indicator.level2.level1.name,
            level2_id=indicator.level2_id,
            level2_name=indicator.level2.name,
            anchor=row_result.input.key,
            indicator=indicator,
            result=row_result,
        )
        for indicator, row_result in zip(indicators, result.indicators, strict=True)
    ]
    _span(rows, _level1_totals(result))
    lines = {line.kind: line for line in evaluation.budget_lines.all()}
    errors, warnings, hints = _summary(result)
    budget_findings, form_findings = _split_findings(result)
    return FormTable(
        result=result,
        budget_rows=[
            BudgetRow(
                kind, BUDGET_LINE_LABELS[kind], budget_line_anchor(kind), line=lines.get(kind.value)
            )
            for kind in BudgetLineKind
        ],
        rows=rows,
        budget_findings=budget_findings,
        form_findings=form_findings,
        summary_errors=errors,
        summary_warnings=warnings,
        input_errors=[],
        summary_hints=hints,
    )


def with_previous(table: FormTable, previous: dict[RowKey, PreviousRow]) -> FormTable:
    """Give each row the same row of the project's previous form (``previous_rows``).

    Matched by place and name as the page shows them, so a row renamed or moved on the
    page finds its match when the table is next drawn (a row action, the next load)."""
    if previous:
        for row in table.rows:
            if not row.placeholder:
                row.previous = previous.get(row_key(row.level1_name, row.level2_name, row.name))
    return table


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
