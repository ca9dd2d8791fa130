"""The forms of the Excel summary as plain values: from the stored results, else scored live.

Scoring 50,000 forms for a year's summary took most of its time (docs/performance.md
「导出」). Every write path stores each form's result next to its summary
(``EvaluationSummary.result_details``, ``projects.summaries``), so the summary reads
plain ``values_list`` rows: the form with its 年度资金总额 and summary, its 三级 rows,
the stored results; no model instance and no scoring.

A form is scored live, exactly as before (``sheets_for``), when its stored result
cannot be trusted: no summary, no ``result_details`` (stored before they existed),
other rules or scoring code (``rules_digest``), or rows that are not the ones scored
(a row added or removed without a refresh, a 二级 renamed in the taxonomy). Both ways
give the same ``SummaryForm``, and so the same cells.

What the user typed (names, targets, amounts, comments) is always read from the rows
themselves; only what scoring computed comes from the stored result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.db.models import FilteredRelation, Q, QuerySet

from indicators.checks import SEVERITY_LABELS
from indicators.models import Level2
from indicators.scoring import BudgetLineKind, Severity, level1_key
from projects.exports.sheet import (
    CHUNK_SIZE,
    Sheet,
    last_status_step_at,
    sheets_for,
    status_changed_on,
)
from projects.models import Evaluation, Indicator
from projects.selectors.evaluations import rules_digest, scoring_rules
from projects.summaries import (
    FINDING_CODE,
    FINDING_MESSAGE,
    FINDING_SEVERITY,
    ROW_COUNTED,
    ROW_PK,
    ROW_QUANTITATIVE,
    ROW_SUGGESTED,
    chunks,
    levels_digest,
)


class SummaryIndicator(NamedTuple):
    """One row of 指标明细, in its columns' order after 序号/主管部门/项目名称.

    Tuples, not dataclasses: half a million are made for a year's summary."""

    number: int
    level1: str
    level2: str
    name: str
    target: str
    direction: str  # the filler's 指标方向 code, "" for automatic
    actual: str
    weight: Decimal | None
    score: Decimal | None
    suggested_score: Decimal | None
    review_score: Decimal | None
    counted_score: Decimal | None
    quantitative: bool
    deviation_reason: str
    review_comment: str


class SummaryFinding(NamedTuple):
    """One row of 检查结果."""

    severity_label: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class SummaryForm:
    """What the three sheets show of one form. ``keep`` callbacks receive it; its
    form-level names are those of ``Sheet`` (grade, error_count, status, …)."""

    evaluation_id: int
    year: int
    status: str
    status_label: str
    project_name: str
    department: str
    implementing_unit: str
    initial_budget: Decimal | None
    annual_budget: Decimal | None
    executed: Decimal | None
    execution_rate: Decimal | None  # percent, 99.35
    budget_score: Decimal | None
    level1_scores: dict[str, Decimal]  # by ``level1_key``; a 一级 the form lacks is absent
    total_score: Decimal | None
    grade: str
    error_count: int
    warning_count: int
    hint_count: int
    status_changed_on: date | None
    review_comment: str
    indicators: tuple[SummaryIndicator, ...]
    findings: tuple[SummaryFinding, ...]

    def level1_score(self, name: str) -> Decimal | None:
        """The counted score of a 一级 by name (whitespace ignored); None when absent."""
        return self.level1_scores.get(level1_key(name))

    @classmethod
    def of_sheet(cls, sheet: Sheet) -> SummaryForm:
        """The same values from a form's sheet (live scoring; the archive's sheets)."""
        line = sheet.budget_total
        level1_scores: dict[str, Decimal] = {}
        for item in sheet.level1_scores:
            if item.score.value is not None:
                level1_scores.setdefault(level1_key(item.name), item.score.value)
        return cls(
            evaluation_id=sheet.evaluation_id,
            year=sheet.year,
            status=sheet.status,
            status_label=sheet.status_label,
            project_name=sheet.project_name,
            department=sheet.department,
            implementing_unit=sheet.implementing_unit,
            initial_budget=line.initial_budget.value,
            annual_budget=line.annual_budget.value,
            executed=line.executed.value,
            execution_rate=line.execution_rate.value if line.execution_rate else None,
            budget_score=line.score.value if line.score else None,
            level1_scores=level1_scores,
            total_score=sheet.total_score.value,
            grade=sheet.grade,
            error_count=sheet.error_count,
            warning_count=sheet.warning_count,
            hint_count=sheet.hint_count,
            status_changed_on=sheet.status_changed_on,
            review_comment=sheet.review_comment,
            indicators=tuple(
                SummaryIndicator(
                    number=row.number,
                    level1=row.level1,
                    level2=row.level2,
                    name=row.name,
                    target=row.target,
                    direction=row.direction,
                    actual=row.actual,
                    weight=row.weight.value,
                    score=row.score.value,
                    suggested_score=row.suggested_score.value,
                    review_score=row.review_score.value,
                    counted_score=row.counted_score.value,
                    quantitative=row.quantitative,
                    deviation_reason=row.deviation_reason,
                    review_comment=row.review_comment,
                )
                for row in sheet.indicator_rows
            ),
            findings=tuple(
                SummaryFinding(f.severity_label, f.code, f.message) for f in sheet.findings
            ),
        )


SummaryKeep = Callable[[SummaryForm], bool] | None

_FORM_COLUMNS = (
    "pk",
    "year",
    "status",
    "project__name",
    "project__department__name",
    "project__implementing_unit__name",
    "review_comment",
    "summary_total_line__initial_budget",
    "summary_total_line__annual_budget",
    "summary_total_line__executed",
    "summary_last_status_step_at",
    "summary__rules_digest",
    "summary__result_details",
    "summary__execution_rate",
    "summary__budget_score",
    "summary__total_score",
    "summary__grade",
)
_INDICATOR_COLUMNS = (
    "evaluation_id",
    "pk",
    "level2_id",
    "name",
    "target",
    "actual",
    "weight",
    "score",
    "review_score",
    "deviation_reason",
    "review_comment",
    "direction",
)
_ERROR, _WARNING = str(Severity.ERROR), str(Severity.WARNING)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _stored_form(
    values: tuple,
    rows: list[tuple],
    levels: dict[int, tuple[str, str, tuple[str, str]]],
    status_labels: dict[str, str],
) -> SummaryForm | None:
    """The form from its stored result, or None when that result is not for these rows."""
    (
        pk,
        year,
        status,
        project_name,
        department,
        implementing_unit,
        review_comment,
        initial_budget,
        annual_budget,
        executed,
        last_status_step,
        _digest,
        details,
        execution_rate,
        budget_score,
        total_score,
        grade,
    ) = values
    results = details["indicators"]
    if len(results) != len(rows) or any(
        result[ROW_PK] != row[1] for result, row in zip(results, rows, strict=True)
    ):
        return None
    if details.get("levels") != levels_digest(levels[row[2]][2] for row in rows):
        return None
    indicators = tuple(
        SummaryIndicator(  # positional, in the field order (half a million rows a year)
            number,
            *levels[row[2]][:2],  # 一级, 二级 (trimmed)
            row[3],  # name
            row[4],  # target
            row[11],  # direction
            row[5],  # actual
            row[6],  # weight
            row[7],  # score
            _decimal(result[ROW_SUGGESTED]),
            row[8],  # review_score
            _decimal(result[ROW_COUNTED]),
            result[ROW_QUANTITATIVE],
            row[9],  # deviation_reason
            row[10],  # review_comment
        )
        for number, (row, result) in enumerate(zip(rows, results, strict=True), start=1)
    )
    findings = tuple(
        SummaryFinding(
            SEVERITY_LABELS[finding[FINDING_SEVERITY]],
            finding[FINDING_CODE],
            finding[FINDING_MESSAGE],
        )
        for finding in details["findings"]
    )
    severities = [finding[FINDING_SEVERITY] for finding in details["findings"]]
    errors, warnings = severities.count(_ERROR), severities.count(_WARNING)
    level1_scores: dict[str, Decimal] = {}
    for name, score in details["level1_scores"]:
        level1_scores.setdefault(level1_key(name), Decimal(score))
    return SummaryForm(
        evaluation_id=pk,
        year=year,
        status=status,
        status_label=status_labels[status],
        project_name=project_name,
        department=department,
        implementing_unit=implementing_unit or "",
        initial_budget=initial_budget,
        annual_budget=annual_budget,
        executed=executed,
        execution_rate=execution_rate,
        budget_score=budget_score,
        level1_scores=level1_scores,
        total_score=total_score,
        grade=grade,
        error_count=errors,
        warning_count=warnings,
        hint_count=len(findings) - errors - warnings,
        status_changed_on=status_changed_on(last_status_step),
        review_comment=review_comment.strip(),
        indicators=indicators,
        findings=findings,
    )


def summary_forms(
    evaluations: QuerySet[Evaluation], *, keep: SummaryKeep = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[SummaryForm]:
    """The summary's values of many forms, in the order of the queryset (``pk`` last).

    Per chunk of forms: one query for the forms (with 年度资金总额, summary and the date
    of the last status step), one for their 三级 rows, and, only when some stored
    results cannot be used, the live scoring of those forms (``sheets_for``).
    ``keep`` filters (or counts) the forms as they go by.
    """
    digest = rules_digest(scoring_rules())
    levels = {
        pk: (level1.strip(), level2.strip(), (level1, level2))
        for pk, level1, level2 in Level2.objects.values_list("pk", "level1__name", "name")
    }
    status_labels = dict(Evaluation.Status.choices)
    ordering = [*(evaluations.query.order_by or evaluations.model._meta.ordering), "pk"]
    forms = (
        evaluations.annotate(
            summary_total_line=FilteredRelation(
                "budget_lines", condition=Q(budget_lines__kind=BudgetLineKind.TOTAL.value)
            ),
            summary_last_status_step_at=last_status_step_at(),
        )
        .order_by(*ordering)
        .values_list(*_FORM_COLUMNS)
    )
    for chunk in chunks(forms.iterator(chunk_size=chunk_size), chunk_size):
        usable = {
            values[0]
            for values in chunk
            if values[12] is not None and values[11] == digest  # details, digest
        }
        rows = Indicator.objects.filter(evaluation_id__in=usable).order_by(
            "evaluation_id", "position", "pk"
        )
        rows_by_form = {
            pk: list(form_rows)
            for pk, form_rows in groupby(
                rows.values_list(*_INDICATOR_COLUMNS).iterator(chunk_size=10_000),
                key=itemgetter(0),
            )
        }
        stored: dict[int, SummaryForm | None] = {
            values[0]: _stored_form(values, rows_by_form.get(values[0], []), levels, status_labels)
            for values in chunk
            if values[0] in usable
        }
        stale = [values[0] for values in chunk if stored.get(values[0]) is None]
        live = (
            {
                sheet.evaluation_id: SummaryForm.of_sheet(sheet)
                for sheet in sheets_for(Evaluation.objects.filter(pk__in=stale))
            }
            if stale
            else {}
        )
        for values in chunk:
            form = stored.get(values[0]) or live[values[0]]
            if keep is None or keep(form):
                yield form
