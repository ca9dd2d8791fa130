"""The official table of one form, built once from an Evaluation and its FormResult.

Word, PDF (through the HTML template) and Excel only format a ``Sheet``; none of
them reads a model field or computes a number of its own, so a form shows the
same numbers in every export and on the page (docs/architecture.md).

Every number is a ``Number``: the exact ``Decimal`` for Excel and the text for Word
and HTML, printed by ``projects.numbers`` as the form page and the dashboard print it
(money "1,234.50" — at least 2, at most 6 decimals —, scores "10.00", the execution
rate "99.35%"); Excel shows the same digits through the matching number formats.

Under the table the documents print the reviewer's 审核意见 on the whole form and
the 审核记录: the form's history (``EvaluationEvent``), shortened for paper, once the
form has been handed in for review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import groupby

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from indicators.checks import SEVERITY_LABELS
from indicators.scoring import (
    BUDGET_LINE_LABELS,
    BudgetLineKind,
    FormResult,
    IndicatorResult,
    Severity,
)
from projects.models import Evaluation, EvaluationEvent, Indicator
from projects.numbers import format_money, format_rate, format_score
from projects.selectors.evaluations import evaluation_result, scoring_rules
from projects.selectors.workflow import evaluation_events

TITLE = "项目支出绩效自评表"
# The paper form names the sub-lines this way (其中： belongs to the first one only).
BUDGET_ROW_LABELS = {
    BudgetLineKind.TOTAL: BUDGET_LINE_LABELS[BudgetLineKind.TOTAL],
    BudgetLineKind.CURRENT: "其中：" + BUDGET_LINE_LABELS[BudgetLineKind.CURRENT],
    BudgetLineKind.CARRYOVER: BUDGET_LINE_LABELS[BudgetLineKind.CARRYOVER],
    BudgetLineKind.OTHER: BUDGET_LINE_LABELS[BudgetLineKind.OTHER],
}
NOT_APPLICABLE = "—"  # what the paper form prints in 分值/得分 of the sub-lines

# The paper form's signature block, printed after the notes (Word, PDF, the print page):
# blanks signed and stamped by hand, so nothing of the form fills them. Our own readers
# pass over these lines: they are paragraphs after the table, not cells of it.
SIGNATURE_BLANK = "_" * 12
SIGNATURES = (("填报人", "审核人", "单位负责人"), ("单位（盖章）", "填报日期"))
SIGNATURE_LINES = tuple(
    "\u3000\u3000".join(f"{label}：{SIGNATURE_BLANK}" for label in line) for line in SIGNATURES
)

Kind = EvaluationEvent.Kind
# The steps that change a form's status; the first of them starts the 审核记录.
STATUS_STEPS = frozenset({Kind.SUBMITTED, Kind.RETURNED, Kind.APPROVED, Kind.REOPENED})
REVIEW_STEPS = STATUS_STEPS | {Kind.REVIEWED}
SYSTEM_ACTOR = "系统"  # an event without a user: an import, a command
WHOLE_FORM = (
    "整表"  # ``changes[].where`` of the form-level 审核意见 (services.workflow._review_step)
)


class NumberKind(StrEnum):
    MONEY = "money"  # 万元, 2 to 6 decimals
    SCORE = "score"  # 分值/得分, two decimals
    PERCENT = "percent"  # 执行率: value in percent (99.35), shown as "99.35%"


@dataclass(frozen=True)
class Number:
    """A number of the form: ``value`` for spreadsheets, ``text`` for documents."""

    value: Decimal | None
    kind: NumberKind
    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def fraction(self) -> Decimal | None:
        """A percentage as a fraction (99.35 → 0.9935), for a spreadsheet's % format."""
        if self.value is None or self.kind != NumberKind.PERCENT:
            return self.value
        return self.value / 100


def money(value: Decimal | None) -> Number:
    return Number(value, NumberKind.MONEY, format_money(value))


def score(value: Decimal | None) -> Number:
    return Number(value, NumberKind.SCORE, format_score(value))


def percent(value: Decimal | None) -> Number:
    return Number(value, NumberKind.PERCENT, format_rate(value))


@dataclass(frozen=True)
class BudgetRow:
    kind: BudgetLineKind
    label: str
    initial_budget: Number
    annual_budget: Number
    executed: Number
    # Only 年度资金总额 carries 分值, 执行率 and 得分; the sub-lines print "—".
    weight: Number | None = None
    execution_rate: Number | None = None
    score: Number | None = None

    @property
    def is_total(self) -> bool:
        return self.kind == BudgetLineKind.TOTAL


@dataclass(frozen=True)
class SheetFinding:
    severity: Severity
    code: str
    message: str

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    @property
    def is_hint(self) -> bool:
        return self.severity == Severity.HINT


@dataclass(frozen=True)
class IndicatorRow:
    """One 三级 row. The rowspans are set on the first row of a 一级/二级 run, else 0."""

    number: int  # 1-based, as findings name the row ("第3行")
    level1: str
    level2: str
    name: str
    target: str
    direction: str  # 指标方向 as the filler chose it (a DirectionChoice code, "" automatic)
    actual: str
    weight: Number
    score: Number  # 得分 as the filler typed it (or the paper form wrote it)
    suggested_score: Number  # the rule's score, quantitative rows only
    review_score: Number  # 审核得分, where a reviewer set one
    counted_score: Number  # the score that counts towards 总分
    quantitative: bool
    deviation_reason: str
    review_comment: str
    findings: tuple[SheetFinding, ...]
    level1_rowspan: int = 0
    level2_rowspan: int = 0

    @property
    def reviewed(self) -> bool:
        return self.review_score.value is not None


@dataclass(frozen=True)
class Level2Block:
    name: str
    rows: tuple[IndicatorRow, ...]


@dataclass(frozen=True)
class Level1Block:
    """A run of rows under one 一级: one <tbody> in HTML, one rowspan in Word."""

    name: str
    level2_blocks: tuple[Level2Block, ...]

    @property
    def rows(self) -> tuple[IndicatorRow, ...]:
        return tuple(row for block in self.level2_blocks for row in block.rows)

    @property
    def rowspan(self) -> int:
        return sum(len(block.rows) for block in self.level2_blocks)


@dataclass(frozen=True)
class Level1Score:
    name: str
    weight: Number
    score: Number


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the 审核记录: 时间 | 操作 | 操作人 | 说明."""

    at: str  # local time, "2024-03-05 14:30"
    action: str  # 提交, 退回, 审核通过, 保存 …
    actor: str  # the user's first name, else the user name; 系统 without a user
    comment: str  # the step's comment or reason, and how many places it changed


@dataclass(frozen=True)
class Sheet:
    """Everything the official table shows, in the paper form's order."""

    evaluation_id: int
    year: int
    status: str
    status_label: str
    legacy: bool
    project_name: str
    department: str
    implementing_unit: str
    project_lead: str
    contact_phone: str
    budget_rows: tuple[BudgetRow, ...]
    goal_expected: str
    goal_actual: str
    level1_blocks: tuple[Level1Block, ...]
    level1_scores: tuple[Level1Score, ...]
    total_weight: Number
    total_score: Number
    grade: str
    findings: tuple[SheetFinding, ...]
    amount_unit_note: str = ""
    paper_notes: str = ""  # what the paper form wrote after its table (imported forms)
    review_comment: str = ""  # the reviewer's 审核意见 on the whole form
    history: tuple[HistoryEntry, ...] = ()  # empty until the form was handed in
    status_changed_on: date | None = None  # the day of the last step in STATUS_STEPS
    title: str = TITLE
    # Before review (set when a reviewer scored a row): the filler's own total and grade.
    self_total_score: Number | None = None
    self_grade: str = ""

    @property
    def year_label(self) -> str:
        return f"（{self.year}年度）"

    @property
    def signature_lines(self) -> tuple[str, ...]:
        """填报人/审核人/单位负责人, then 单位（盖章）/填报日期: the same on every form."""
        return SIGNATURE_LINES

    @property
    def budget_total(self) -> BudgetRow:
        return self.budget_rows[0]

    @property
    def indicator_rows(self) -> tuple[IndicatorRow, ...]:
        return tuple(row for block in self.level1_blocks for row in block.rows)

    @property
    def has_review(self) -> bool:
        """Whether any row has a 审核得分: the table then shows the review columns."""
        return any(row.reviewed for row in self.indicator_rows)

    @property
    def error_count(self) -> int:
        return sum(1 for finding in self.findings if finding.is_error)

    @property
    def warning_count(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == Severity.WARNING)

    @property
    def hint_count(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == Severity.HINT)

    def level1_score(self, name: str) -> Number:
        """The counted score of a 一级 by name (whitespace ignored); blank when absent."""
        key = "".join(name.split())
        for item in self.level1_scores:
            if "".join(item.name.split()) == key:
                return item.score
        return score(None)


def _finding(finding) -> SheetFinding:
    return SheetFinding(Severity(finding.severity), finding.code, finding.message)


def _indicator_row(
    number: int, indicator: IndicatorResult, level1_rowspan: int, level2_rowspan: int
) -> IndicatorRow:
    typed = indicator.input
    return IndicatorRow(
        number=indicator.row_number or number,
        level1=typed.level1.strip(),
        level2=typed.level2.strip(),
        name=typed.name,
        target=typed.target,
        direction=str(typed.direction),
        actual=typed.actual,
        weight=score(typed.weight),
        score=score(typed.score),
        suggested_score=score(indicator.suggested_score),
        review_score=score(typed.review_score),
        counted_score=score(indicator.counted_score),
        quantitative=indicator.quantitative,
        deviation_reason=typed.deviation_reason,
        review_comment=typed.review_comment,
        findings=tuple(_finding(f) for f in indicator.findings),
        level1_rowspan=level1_rowspan,
        level2_rowspan=level2_rowspan,
    )


def _same(name: str) -> str:
    return "".join(name.split())  # "满意度\n指标" and "满意度指标" are one 一级


def _blocks(indicators: tuple[IndicatorResult, ...]) -> tuple[Level1Block, ...]:
    """Group consecutive rows by 一级 then 二级; each run's first row carries the rowspan.

    Only *consecutive* rows merge, exactly like the cells of the paper form: a 一级
    that appears again further down starts a new block.
    """
    blocks = []
    number = 0
    for level1, level1_run in groupby(indicators, key=lambda r: _same(r.input.level1)):
        level1_run = list(level1_run)
        level2_blocks = []
        for _, level2_run in groupby(level1_run, key=lambda r: _same(r.input.level2)):
            level2_run = list(level2_run)
            rows = []
            for position, indicator in enumerate(level2_run):
                number += 1
                first_of_level1 = not level2_blocks and position == 0
                rows.append(
                    _indicator_row(
                        number,
                        indicator,
                        len(level1_run) if first_of_level1 else 0,
                        len(level2_run) if position == 0 else 0,
                    )
                )
            level2_blocks.append(Level2Block(rows[0].level2, tuple(rows)))
        blocks.append(Level1Block(level2_blocks[0].rows[0].level1 or level1, tuple(level2_blocks)))
    return tuple(blocks)


def _local_time(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _actor(event: EvaluationEvent) -> str:
    user = event.user
    if user is None:
        return SYSTEM_ACTOR
    return user.first_name or user.username


def _changed(count: int) -> str:
    return f"修改 {count} 处" if count else ""


def _step_entry(event: EvaluationEvent) -> HistoryEntry:
    """A workflow step: its comment (a reviewer's comment is also among its changes)."""
    whole_form = [c for c in event.changes if c.get("where") == WHOLE_FORM]
    comment = event.comment.strip()
    if not comment and event.kind == Kind.REVIEWED and whole_form:
        comment = whole_form[-1].get("after", "").strip()  # 保存审核意见 records it only there
    comment = "；".join(filter(None, (comment, _changed(len(event.changes) - len(whole_form)))))
    return HistoryEntry(_local_time(event.at), event.get_kind_display(), _actor(event), comment)


def _saves_entry(saves: list[EvaluationEvent]) -> HistoryEntry:
    """A run of saves by one person as one line: when the last one was, how much changed."""
    changed = _changed(sum(len(event.changes) for event in saves))
    times = f"共 {len(saves)} 次" if len(saves) > 1 else ""
    last = saves[-1]
    return HistoryEntry(
        _local_time(last.at),
        last.get_kind_display(),
        _actor(last),
        "，".join(filter(None, (times, changed))),
    )


def sheet_history(events: Iterable[EvaluationEvent]) -> tuple[HistoryEntry, ...]:
    """The 审核记录 of a form, oldest first; empty until the form was handed in.

    A form that was only created, imported or saved has nothing to record on paper,
    so demo and imported forms print exactly as before. Field-level diffs are
    counted, not listed (the form page lists them); consecutive saves by one person
    shrink to one line.
    """
    events = sorted(events, key=lambda event: (event.at, event.pk))
    if not any(event.kind in REVIEW_STEPS for event in events):
        return ()
    entries: list[HistoryEntry] = []
    saves: list[EvaluationEvent] = []
    for event in events:
        if saves and (event.kind != Kind.SAVED or event.user_id != saves[-1].user_id):
            entries.append(_saves_entry(saves))
            saves = []
        if event.kind == Kind.SAVED:
            saves.append(event)
        else:
            entries.append(_step_entry(event))
    if saves:
        entries.append(_saves_entry(saves))
    return tuple(entries)


def status_changed_on(moment: datetime | None) -> date | None:
    """The local day of a form's last status step (None: never handed in)."""
    return None if moment is None else timezone.localtime(moment).date()


def last_status_step_at() -> Subquery:
    """The time of a form's last status step, as a subquery on a queryset of forms."""
    return Subquery(
        EvaluationEvent.objects.filter(evaluation=OuterRef("pk"), kind__in=STATUS_STEPS)
        .order_by("-at")
        .values("at")[:1]
    )


# The time of a form's last status step, as ``sheets_for`` annotates it (no event loaded).
LAST_STATUS_STEP = "sheet_last_status_step_at"
# The form's events, as ``sheets_for(history=True)`` prefetches them.
EVENTS = "sheet_events"


def _events(evaluation: Evaluation) -> list[EvaluationEvent]:
    """The form's events with their users: prefetched by sheets_for, else one query."""
    events = getattr(evaluation, EVENTS, None)
    return list(evaluation_events(evaluation)) if events is None else events


def build_sheet(evaluation: Evaluation, result: FormResult, *, history: bool = True) -> Sheet:
    """The table of one form, from its (prefetched) rows and its one scoring result.

    With ``history`` the form's events are read (one query, none when prefetched by
    ``sheets_for``) for the 审核记录; without it, as for the Excel summary, only
    the date of the last status step, which ``sheets_for`` annotates.
    """
    project = evaluation.project
    if history:
        events = _events(evaluation)
        entries = sheet_history(events)
        last_step = max((e.at for e in events if e.kind in STATUS_STEPS), default=None)
    else:
        entries, last_step = (), getattr(evaluation, LAST_STATUS_STEP, None)
    lines = {line.kind: line for line in evaluation.budget_lines.all()}
    budget_rows = []
    for kind in BudgetLineKind:
        line = lines.get(kind.value)
        is_total = kind == BudgetLineKind.TOTAL
        budget_rows.append(
            BudgetRow(
                kind=kind,
                label=BUDGET_ROW_LABELS[kind],
                initial_budget=money(getattr(line, "initial_budget", None)),
                annual_budget=money(getattr(line, "annual_budget", None)),
                executed=money(getattr(line, "executed", None)),
                weight=score(result.budget_weight) if is_total else None,
                execution_rate=percent(result.execution_rate) if is_total else None,
                score=score(result.budget_score) if is_total else None,
            )
        )
    return Sheet(
        evaluation_id=evaluation.pk,
        year=evaluation.year,
        status=evaluation.status,
        status_label=evaluation.get_status_display(),
        legacy=evaluation.legacy,
        project_name=project.name,
        department=project.department.name,
        implementing_unit=project.implementing_unit.name if project.implementing_unit else "",
        project_lead=evaluation.project_lead,
        contact_phone=evaluation.contact_phone,
        budget_rows=tuple(budget_rows),
        goal_expected=evaluation.goal_expected,
        goal_actual=evaluation.goal_actual,
        level1_blocks=_blocks(result.indicators),
        level1_scores=tuple(
            Level1Score(total.level1, score(total.weight), score(total.score))
            for total in result.level1_totals
        ),
        total_weight=score(result.total_weight),
        total_score=score(result.total_score),
        grade=result.grade,
        findings=tuple(_finding(f) for f in result.findings),
        amount_unit_note=evaluation.amount_unit_note if evaluation.amount_unit_converted else "",
        paper_notes=evaluation.paper_notes.strip(),
        review_comment=evaluation.review_comment.strip(),
        history=entries,
        status_changed_on=status_changed_on(last_step),
        self_total_score=score(result.self_total_score),
        self_grade=result.self_grade,
    )


# How many forms one query of ``sheets_for`` loads with their rows: memory stays
# flat for 50,000 forms, and each chunk costs three queries.
CHUNK_SIZE = 500


def sheets_for(
    evaluations: QuerySet[Evaluation],
    *,
    keep: Callable[[Sheet], bool] | None = None,
    chunk_size: int = CHUNK_SIZE,
    history: bool = False,
) -> Iterator[Sheet]:
    """The sheets of many forms, in the order of the queryset, loaded chunk by chunk.

    The scoring rules are loaded once. Pass a queryset that is already scoped to
    the user (``evaluations_for_user``); its ordering is kept, with ``pk`` last so
    that it is total. ``keep`` filters on what only scoring knows (等级, errors).
    ``history``: the 审核记录 too, for Word and PDF (one more query per chunk); the
    Excel summary needs only the date of the last status step, a subquery.
    """
    rules = scoring_rules()
    ordering = [*(evaluations.query.order_by or evaluations.model._meta.ordering), "pk"]
    prefetches = [
        "budget_lines",
        Prefetch("indicators", queryset=Indicator.objects.order_by("position", "pk")),
        # The few 二级/一级 rows are fetched once per chunk and shared by every
        # indicator: with_rows' select_related would build two objects per row.
        "indicators__level2__level1",
    ]
    if history:
        prefetches.append(
            Prefetch(
                "events",
                queryset=EvaluationEvent.objects.select_related("user").order_by("at", "pk"),
                to_attr=EVENTS,
            )
        )
    queryset = evaluations.select_related(
        "project__department", "project__implementing_unit"
    ).prefetch_related(*prefetches)
    if not history:  # with it, the prefetched events give the date
        queryset = queryset.annotate(**{LAST_STATUS_STEP: last_status_step_at()})
    queryset = queryset.order_by(*ordering)
    for evaluation in queryset.iterator(chunk_size=chunk_size):
        sheet = build_sheet(evaluation, evaluation_result(evaluation, rules), history=history)
        if keep is None or keep(sheet):
            yield sheet
