"""Reads for the year dashboard, the project history and the indicator library.

Everything here aggregates in the database over ``EvaluationSummary`` (the stored
scoring result of each form, see ``projects.summaries``), starting from
``selectors.evaluations_for_user`` so that scoping stays in one place. The number of
queries of ``year_dashboard`` does not depend on the number of forms or departments.

Drill-down: every figure carries the query string of the form list ("home") that
shows the forms behind it. The list understands ``year``, ``department``,
``status``, ``grade``, ``has_errors`` and ``has_hints``; the other parameters below are applied by
``filter_by_summary``, which the list must call for them to take effect.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from indicators.checks import SEVERITIES, code_label
from indicators.models import Level1
from indicators.scoring import ScoringRules, Severity
from projects.models import Evaluation, Indicator
from projects.numbers import NumberError, parse_number
from projects.selectors.evaluations import (
    EvaluationFilters,
    evaluations_for_user,
    filter_evaluations,
    load_taxonomy,
    projects_for_user,
    scoring_rules,
)
from projects.summaries import rules_digest

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
TOP = 10
LOW_EXECUTION_RATE = Decimal("90")  # percent: the "执行率低于 90%" figure
HINT_CODES = tuple(code for code, severity in SEVERITIES.items() if severity == Severity.HINT)
TOP_HINTS = 3  # the most common hints shown per department
# 平均总分 counts only forms handed in (提交 or 通过): a draft's unfilled 0 would skew it.
AVERAGED_STATUSES = (Evaluation.Status.SUBMITTED, Evaluation.Status.APPROVED)
# Lower edges of the score buckets; the first bucket is "below 60", the last "100 and up".
SCORE_EDGES = (Decimal("60"), Decimal("70"), Decimal("80"), Decimal("90"), Decimal("95"), HUNDRED)

# Drill-down parameters the list page does not have (yet); see filter_by_summary.
PARAM_SCORE_MIN = "score_min"  # 总分 ≥ value
PARAM_SCORE_BELOW = "score_below"  # 总分 < value
PARAM_RATE_BELOW = "execution_rate_below"  # 预算执行率 (percent) < value
PARAM_RECORDED_TOTAL_WRONG = "recorded_total_wrong"  # "yes": 原表总分 ≠ computed
PARAM_NEXT_YEAR_MISSING = "next_year_missing"  # "yes": the project has no form the year after
SUMMARY_PARAMS = (
    PARAM_SCORE_MIN,
    PARAM_SCORE_BELOW,
    PARAM_RATE_BELOW,
    PARAM_RECORDED_TOTAL_WRONG,
    PARAM_NEXT_YEAR_MISSING,
)

NOT_STARTED = "not_started"
STATUS_COLUMNS: tuple[tuple[str, str], ...] = (
    (NOT_STARTED, "未开始"),
    *((status.value, status.label) for status in Evaluation.Status),
)


# The largest value each filtered column can hold (EvaluationSummary): beyond it a
# filter means nothing, and PostgreSQL refuses a literal such as 1e131072 (a 500).
_SCORE_FILTER_MAX = Decimal("9999999999.99")
_RATE_FILTER_MAX = Decimal("9999999999999999999999.99")
_NUMBER_PARAMS = {
    PARAM_SCORE_MIN: _SCORE_FILTER_MAX,
    PARAM_SCORE_BELOW: _SCORE_FILTER_MAX,
    PARAM_RATE_BELOW: _RATE_FILTER_MAX,
}


def summary_filters(params: Mapping[str, str]) -> dict[str, object]:
    """The drill-down parameters of ``params`` that are valid, read by projects.numbers.

    A number that is not one (``1e131072``, ``12,3``), has more than 2 decimals or is
    larger than its column is ignored, like an unknown choice in the list's own filters.
    """
    found: dict[str, object] = {}
    for key, maximum in _NUMBER_PARAMS.items():
        try:
            number = parse_number(params.get(key), places=2, max_value=maximum)
        except NumberError:
            number = None
        if number is not None:
            found[key] = number
    for key in (PARAM_RECORDED_TOTAL_WRONG, PARAM_NEXT_YEAR_MISSING):
        if params.get(key) == "yes":
            found[key] = True
    return found


def filter_by_summary(
    queryset: QuerySet[Evaluation], params: Mapping[str, str]
) -> QuerySet[Evaluation]:
    """Apply the dashboard's drill-down parameters that need the stored summary.

    ``params`` is ``request.GET`` of the list; unknown or invalid values are ignored,
    as the list's own filter form does (``summary_filters``).
    """
    found = summary_filters(params)
    if PARAM_SCORE_MIN in found:
        queryset = queryset.filter(summary__total_score__gte=found[PARAM_SCORE_MIN])
    if PARAM_SCORE_BELOW in found:
        queryset = queryset.filter(summary__total_score__lt=found[PARAM_SCORE_BELOW])
    if PARAM_RATE_BELOW in found:
        queryset = queryset.filter(summary__execution_rate__lt=found[PARAM_RATE_BELOW])
    if PARAM_RECORDED_TOTAL_WRONG in found:
        queryset = queryset.filter(summary__recorded_total_mismatch=True)
    if PARAM_NEXT_YEAR_MISSING in found:
        # "the project has no form in year + 1", for each form's own year
        queryset = without_next_year(queryset)
    return queryset


def without_next_year(queryset: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """The forms whose project has no form for the following year (yet)."""
    next_year = Evaluation.objects.filter(
        project_id=OuterRef("project_id"), year=OuterRef("year") + 1
    )
    return queryset.filter(~Exists(next_year))


def percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part / whole in percent, 2 decimals, half-up (as the scoring service rounds rates)."""
    if not whole or part is None:
        return None
    return (part * HUNDRED / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value: Decimal | None) -> Decimal:
    # SQLite sums decimals as floats; six places is what a 万元 amount has.
    return (value or Decimal("0")).quantize(Decimal("0.000001"))


# --- the year dashboard ------------------------------------------------------


@dataclass
class Figure:
    """A number on the dashboard and the list behind it (query parameters of "home")."""

    value: object
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class DepartmentRow:
    department_id: int
    name: str
    forms: Figure
    statuses: list[tuple[str, Figure]]  # in STATUS_COLUMNS order, 未开始 first
    annual_budget: Decimal
    executed: Decimal
    execution_rate: Decimal | None


@dataclass
class DepartmentHints:
    """A department's most common hints: (label, forms carrying it), most forms first."""

    department_id: int
    name: str
    forms: Figure  # its forms with any hint
    hints: list[tuple[str, int]]


@dataclass
class Bucket:
    label: str
    count: Figure


@dataclass
class Dashboard:
    year: int
    years: list[int]
    department_id: int | None
    forms: Figure
    summarized: int
    stale: int
    average_score: Decimal | None  # of the ``averaged`` forms (handed in, 分值 = 100)
    averaged: int
    annual_budget: Decimal
    executed: Decimal
    execution_rate: Decimal | None
    low_rate: Figure
    with_errors: Figure
    recorded_total_wrong: Figure
    status_totals: list[tuple[str, Figure]]
    departments: list[DepartmentRow]
    department_hints: list[DepartmentHints]
    grades: list[Bucket]
    scores: list[Bucket]
    lowest_execution: list[Evaluation]
    lowest_scores: list[Evaluation]
    error_forms: list[Evaluation]
    mismatch_forms: list[Evaluation]

    @property
    def missing(self) -> int:
        """Forms without a summary or with one computed under other rules."""
        return self.forms.value - self.summarized + self.stale  # type: ignore[operator]


def score_buckets() -> list[tuple[str, Decimal | None, Decimal | None]]:
    """(label, minimum inclusive, below exclusive) for the score distribution."""
    buckets: list[tuple[str, Decimal | None, Decimal | None]] = [
        (f"{SCORE_EDGES[0]} 分以下", None, SCORE_EDGES[0])
    ]
    for low, high in pairwise(SCORE_EDGES):
        buckets.append((f"{low}–{high - CENT}", low, high))
    buckets.append((f"{SCORE_EDGES[-1]} 分及以上", SCORE_EDGES[-1], None))
    return buckets


def _bucket_q(low: Decimal | None, high: Decimal | None) -> Q:
    q = Q(summary__isnull=False)
    if low is not None:
        q &= Q(summary__total_score__gte=low)
    if high is not None:
        q &= Q(summary__total_score__lt=high)
    return q


def _bucket_params(low: Decimal | None, high: Decimal | None) -> dict[str, object]:
    params: dict[str, object] = {}
    if low is not None:
        params[PARAM_SCORE_MIN] = low
    if high is not None:
        params[PARAM_SCORE_BELOW] = high
    return params


def dashboard_years(user: User | AnonymousUser) -> list[int]:
    """The years the user has forms in, newest first: ``selectors.evaluation_years``.

    The same answer (a test holds them equal), read from the user's projects first:
    the scope's OR over 主管部门 and 实施单位 cannot use an index, so applied to the
    projects it filters one row per project, and each project's years then come from
    the (project, year) index, instead of filtering every form of every year.
    """
    projects = projects_for_user(user).values("pk")
    return list(
        Evaluation.objects.filter(project__in=projects)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def default_year(years: list[int]) -> int | None:
    return years[0] if years else None


def year_dashboard(
    user: User | AnonymousUser,
    year: int,
    *,
    department_id: int | None = None,
    years: list[int] | None = None,
    rules: ScoringRules | None = None,
) -> Dashboard:
    """Everything the dashboard shows for one year, in a fixed number of queries."""
    rules = rules or scoring_rules()
    years = dashboard_years(user) if years is None else years
    scope = EvaluationFilters(year=year, department=department_id)
    forms = filter_evaluations(evaluations_for_user(user), scope)
    base: dict[str, object] = {"year": year}
    if department_id is not None:
        base["department"] = department_id

    grades = [grade for grade, _ in rules.grade_bands]
    buckets = score_buckets()
    # One pass over the year's forms, grouped by 主管部门: the page's totals are the
    # sums of these rows (adding up at most a few hundred rows, not the forms).
    # ... and only those whose 分值 add up to 100 (a 110-point form is not comparable).
    averaged = Q(status__in=AVERAGED_STATUSES, summary__total_weight=rules.total_weight)
    sums = {
        "forms": Count("pk"),
        "summarized": Count("summary"),
        "stale": Count("summary", filter=~Q(summary__rules_digest=rules_digest(rules))),
        "averaged": Count("pk", filter=averaged),
        "score_sum": Sum("summary__total_score", filter=averaged),
        "annual_budget": Sum("summary__annual_budget"),
        "executed": Sum("summary__executed"),
        "low_rate": Count("pk", filter=Q(summary__execution_rate__lt=LOW_EXECUTION_RATE)),
        "with_errors": Count("pk", filter=Q(summary__error_count__gt=0)),
        "with_hints": Count("pk", filter=Q(summary__hint_count__gt=0)),
        **{
            f"hint_{code.value}": Count("pk", filter=Q(summary__hint_codes__contains=f" {code} "))
            for code in HINT_CODES
        },
        "recorded_total_wrong": Count("pk", filter=Q(summary__recorded_total_mismatch=True)),
        **{status: Count("pk", filter=Q(status=status)) for status in Evaluation.Status},
        **{f"grade_{i}": Count("pk", filter=Q(summary__grade=g)) for i, g in enumerate(grades)},
        **{
            f"bucket_{i}": Count("pk", filter=_bucket_q(low, high))
            for i, (_, low, high) in enumerate(buckets)
        },
    }
    per_department = list(
        forms.values("project__department_id", "project__department__name")
        .annotate(**sums)
        .order_by("project__department__name")
    )
    totals = _add_up(per_department, list(sums))
    previous = filter_evaluations(
        evaluations_for_user(user), EvaluationFilters(year=year - 1, department=department_id)
    )
    not_started = (
        previous.filter(
            ~Exists(Evaluation.objects.filter(project_id=OuterRef("project_id"), year=year))
        )
        .values("project__department_id", "project__department__name")
        .annotate(count=Count("pk"))
    )

    departments = _department_rows(per_department, list(not_started), year, base)
    status_counts: Counter[str] = Counter()
    for row in departments:
        for status, figure in row.statuses:
            status_counts[status] += figure.value  # type: ignore[assignment]
    status_totals = [
        (status, Figure(status_counts[status], _status_params(status, year, base)))
        for status, _ in STATUS_COLUMNS
    ]
    with_summary = forms.select_related("summary")
    annual_budget, executed = _money(totals["annual_budget"]), _money(totals["executed"])
    summarized, averaged = totals["summarized"], totals["averaged"]
    average = _money(totals["score_sum"]) / averaged if averaged else None
    return Dashboard(
        year=year,
        years=years,
        department_id=department_id,
        forms=Figure(totals["forms"], base),
        summarized=summarized,
        stale=totals["stale"],
        average_score=None if average is None else average.quantize(CENT),
        averaged=averaged,
        annual_budget=annual_budget,
        executed=executed,
        execution_rate=percent(executed, annual_budget),
        low_rate=Figure(totals["low_rate"], {**base, PARAM_RATE_BELOW: LOW_EXECUTION_RATE}),
        with_errors=Figure(totals["with_errors"], {**base, "has_errors": "yes"}),
        recorded_total_wrong=Figure(
            totals["recorded_total_wrong"], {**base, PARAM_RECORDED_TOTAL_WRONG: "yes"}
        ),
        status_totals=status_totals,
        departments=departments,
        department_hints=_department_hints(per_department, base),
        grades=[
            Bucket(grade, Figure(totals[f"grade_{i}"], {**base, "grade": grade}))
            for i, grade in enumerate(grades)
        ],
        scores=[
            Bucket(label, Figure(totals[f"bucket_{i}"], {**base, **_bucket_params(low, high)}))
            for i, (label, low, high) in enumerate(buckets)
        ],
        lowest_execution=list(
            with_summary.filter(summary__execution_rate__isnull=False).order_by(
                "summary__execution_rate", "project__name", "pk"
            )[:TOP]
        ),
        lowest_scores=list(
            with_summary.filter(summary__isnull=False).order_by(
                "summary__total_score", "project__name", "pk"
            )[:TOP]
        ),
        error_forms=list(
            with_summary.filter(summary__error_count__gt=0).order_by(
                "-summary__error_count", "project__name", "pk"
            )[:TOP]
        ),
        mismatch_forms=list(
            with_summary.filter(summary__recorded_total_mismatch=True).order_by(
                "project__name", "pk"
            )[:TOP]
        ),
    )


def _add_up(rows: list[dict], names: list[str]) -> dict[str, Any]:
    """Column sums of per-department aggregate rows (None counts as 0)."""
    totals: dict[str, Any] = dict.fromkeys(names, 0)
    for row in rows:
        for name in names:
            totals[name] += row[name] or 0
    return totals


def _department_hints(per_department: list[dict], base: dict[str, object]) -> list[DepartmentHints]:
    """Per department with hints, its ``TOP_HINTS`` most common ones (ties: ``Code`` order),
    read from the per-department aggregate: no query of its own."""
    rows = []
    for row in per_department:
        if not row["with_hints"]:
            continue
        counted = [(code, row[f"hint_{code.value}"]) for code in HINT_CODES]
        top = sorted((item for item in counted if item[1]), key=lambda item: -item[1])
        department_id = row["project__department_id"]
        rows.append(
            DepartmentHints(
                department_id=department_id,
                name=row["project__department__name"],
                forms=Figure(
                    row["with_hints"], {**base, "department": department_id, "has_hints": "yes"}
                ),
                hints=[(code_label(code), count) for code, count in top[:TOP_HINTS]],
            )
        )
    return rows


def _status_params(status: str, year: int, base: dict[str, object]) -> dict[str, object]:
    if status == NOT_STARTED:
        return {**base, "year": year - 1, PARAM_NEXT_YEAR_MISSING: "yes"}
    return {**base, "status": status}


def _department_rows(
    per_department: list[dict], not_started: list[dict], year: int, base: dict[str, object]
) -> list[DepartmentRow]:
    names: dict[int, str] = {}
    counts: dict[int, dict] = {}
    for row in per_department:
        names[row["project__department_id"]] = row["project__department__name"]
        counts[row["project__department_id"]] = row
    missing: dict[int, int] = defaultdict(int)
    for row in not_started:
        names.setdefault(row["project__department_id"], row["project__department__name"])
        missing[row["project__department_id"]] += row["count"]

    rows = []
    for department_id, name in sorted(names.items(), key=lambda item: item[1]):
        row = counts.get(department_id, {})
        here = {**base, "department": department_id}
        annual_budget, executed = _money(row.get("annual_budget")), _money(row.get("executed"))
        statuses = [
            (
                status,
                Figure(
                    missing[department_id] if status == NOT_STARTED else row.get(status, 0),
                    _status_params(status, year, here),
                ),
            )
            for status, _ in STATUS_COLUMNS
        ]
        rows.append(
            DepartmentRow(
                department_id=department_id,
                name=name,
                forms=Figure(row.get("forms", 0), here),
                statuses=statuses,
                annual_budget=annual_budget,
                executed=executed,
                execution_rate=percent(executed, annual_budget),
            )
        )
    return rows


# --- a project across the years ----------------------------------------------


def project_history(user: User | AnonymousUser, project_id: int) -> list[Evaluation]:
    """The project's forms the user may see, oldest first, each with its ``summary``.

    One query. Empty when the user can see no form of the project.
    """
    return list(
        evaluations_for_user(user)
        .filter(project_id=project_id)
        .select_related("summary")
        .order_by("year")
    )


def get_project_history(user: User | AnonymousUser, project_id: int) -> list[Evaluation]:
    history = project_history(user, project_id)
    if not history:
        raise Http404("没有找到该项目，或您无权查看。")
    return history


# --- the indicator library -----------------------------------------------------

TYPICAL_TARGETS = 3
LIBRARY_NAMES_PER_LEVEL2 = 50


@dataclass
class LibraryIndicator:
    name: str
    forms: int
    targets: list[tuple[str, int]]  # most common 年度指标值 first, with how many rows use it


@dataclass
class LibraryLevel2:
    level1: str
    level2: str
    indicators: list[LibraryIndicator]
    more: int  # names left out beyond LIBRARY_NAMES_PER_LEVEL2


@dataclass
class IndicatorLibrary:
    groups: list[LibraryLevel2]
    level1s: list[Level1]
    total_names: int


def indicator_usage(
    user: User | AnonymousUser,
    *,
    year: int | None = None,
    level1_id: int | None = None,
    query: str = "",
) -> IndicatorLibrary:
    """Every 三级 indicator used in the forms the user may see, grouped by 一级/二级.

    Four queries whatever the number of rows: the taxonomy, the 一级 list, the
    names with how many forms use each, and the (name, 年度指标值) pairs with their use.
    """
    forms = evaluations_for_user(user)
    if year is not None:
        forms = forms.filter(year=year)
    rows = Indicator.objects.filter(evaluation__in=forms.values("pk")).exclude(name="")
    if level1_id is not None:
        rows = rows.filter(level2__level1_id=level1_id)
    if query:
        rows = rows.filter(name__icontains=query)
    taxonomy = load_taxonomy()
    names = rows.values("level2_id", "name").annotate(forms=Count("evaluation", distinct=True))
    targets = (
        rows.exclude(target="")
        .values("level2_id", "name", "target")
        .annotate(uses=Count("pk"))
        .order_by("-uses", "target")
    )
    typical: dict[tuple[int, str], list[tuple[str, int]]] = defaultdict(list)
    for row in targets:
        found = typical[(row["level2_id"], row["name"])]
        if len(found) < TYPICAL_TARGETS:
            found.append((row["target"], row["uses"]))

    by_level2: dict[int, list[LibraryIndicator]] = defaultdict(list)
    total = 0
    for row in names:
        total += 1
        by_level2[row["level2_id"]].append(
            LibraryIndicator(
                row["name"], row["forms"], typical.get((row["level2_id"], row["name"]), [])
            )
        )
    groups = []
    for level2 in taxonomy.level2s:
        found = sorted(by_level2.get(level2.pk, []), key=lambda i: (-i.forms, i.name))
        if found:
            groups.append(
                LibraryLevel2(
                    level2.level1.name,
                    level2.name,
                    found[:LIBRARY_NAMES_PER_LEVEL2],
                    max(0, len(found) - LIBRARY_NAMES_PER_LEVEL2),
                )
            )
    return IndicatorLibrary(groups, list(Level1.objects.order_by("position", "name")), total)
