"""Reads: what a user may see, and the scoring result of a form.

Every list, page, export and download loads forms through
``evaluations_for_user`` (projects and departments through ``projects_for_user`` and
``departments_for_user``); all three apply the one scope rule of ``projects.permissions``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404

from indicators.models import Level1, Level2
from indicators.scoring import (
    DEFAULT_RULES,
    LOGIC_VERSION,
    FormInput,
    FormResult,
    ScoringRules,
    score_form,
)
from projects.models import (
    Department,
    Evaluation,
    EvaluationSummary,
    Indicator,
    Project,
    ReportingYear,
)
from projects.permissions import (  # is_admin, user_roles: still imported from here too
    in_scope,
    is_admin,  # noqa: F401
    user_roles,  # noqa: F401
)
from projects.scoring_input import stored_input


def departments_for_user(user: User | AnonymousUser) -> QuerySet[Department]:
    """The departments a user works in or reviews (all of them for an admin)."""
    return in_scope(Department.objects.all(), user, project=None)


def evaluations_for_user(user: User | AnonymousUser) -> QuerySet[Evaluation]:
    """Every form the user may see (``permissions.scope_q``). Anything outside it is a 404."""
    base = Evaluation.objects.select_related(
        "project", "project__department", "project__implementing_unit"
    )
    return in_scope(base, user)


def _rows_prefetch() -> tuple[str | Prefetch, ...]:
    return (
        "budget_lines",
        Prefetch(
            "indicators",
            queryset=Indicator.objects.select_related("level2", "level2__level1").order_by(
                "position", "pk"
            ),
        ),
    )


def with_rows(queryset: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """Prefetch what scoring needs: budget lines and indicator rows with their tiers."""
    return queryset.prefetch_related(*_rows_prefetch())


def get_evaluation_for_user(user: User | AnonymousUser, pk: int) -> Evaluation:
    """The form with its rows, or 404 when it is outside the user's scope."""
    closed = ReportingYear.objects.filter(year=OuterRef("year"), is_open=False)
    evaluation = (
        with_rows(evaluations_for_user(user))
        .filter(pk=pk)
        .annotate(year_closed=Exists(closed))
        .first()
    )
    if evaluation is None:
        raise Http404("没有找到该自评表，或您无权查看。")
    return evaluation


def scoring_rules() -> ScoringRules:
    """The rules in force: defaults, the taxonomy's 一级 weights, and settings overrides.

    ``SELFEVAL_SCORING`` in settings may override any field of ScoringRules.
    """
    level1_weights = tuple(
        (name, weight)
        for name, weight in Level1.objects.order_by("position").values_list(
            "name", "default_weight"
        )
    )
    rules = replace(
        DEFAULT_RULES, default_level1_weights=level1_weights or DEFAULT_RULES.default_level1_weights
    )
    overrides = getattr(settings, "SELFEVAL_SCORING", None) or {}
    return replace(rules, **overrides) if overrides else rules


def rules_digest(rules: ScoringRules) -> str:
    """A short fingerprint of the rules (and scoring code) a stored summary was computed with."""
    return hashlib.sha256(f"{LOGIC_VERSION}:{rules!r}".encode()).hexdigest()[:16]


def summary_is_current(summary: EvaluationSummary | None, digest: str) -> bool:
    """Whether a stored summary was computed with the rules in force (``digest``)."""
    return summary is not None and summary.rules_digest == digest


def scoring_input(evaluation: Evaluation) -> FormInput:
    """Turn a form and its (prefetched) rows into the scoring service's plain input."""
    return stored_input(evaluation)


def evaluation_result(evaluation: Evaluation, rules: ScoringRules | None = None) -> FormResult:
    """The one scoring result that the page, the exports and the checks all read."""
    return score_form(scoring_input(evaluation), rules or scoring_rules())


def evaluation_results(
    evaluations: Iterable[Evaluation], rules: ScoringRules | None = None
) -> list[tuple[Evaluation, FormResult]]:
    """Score many forms with the rules loaded once (lists, exports)."""
    rules = rules or scoring_rules()
    return [(evaluation, evaluation_result(evaluation, rules)) for evaluation in evaluations]


# --- last year's results beside this year's rows --------------------------------

RowKey = tuple[str, str, str]  # (一级, 二级, 三级 name)


def row_key(level1: str, level2: str, name: str) -> RowKey:
    """How a row is found again in another year: its place and its name without spaces.

    A copied row keeps no link to the row it was copied from, so the place and the name
    are what ties the years together (a renamed row is a new row)."""
    return (level1, level2, "".join(name.split()))


@dataclass(frozen=True)
class PreviousRow:
    """What a row of the project's previous form came to: its 实际完成值 and its score.

    ``score`` is the score that counted there: the reviewer's 审核得分 when one was
    set, else the stored 得分 (which the save sets to the rule's score while 自动). The
    rows are not scored again: this year's rules need not be last year's."""

    label: str  # "上年", or "2021年" when the year before has no form
    actual: str
    score: Decimal | None


def previous_rows(user: User | AnonymousUser, evaluation: Evaluation) -> dict[RowKey, PreviousRow]:
    """The rows of the project's latest earlier form the user may see, by ``row_key``.

    One query whatever the number of rows (the form is a subquery of the user's scope,
    so nothing outside it is read). Empty without an earlier form; a row whose result
    was left blank is left out, and of two rows with one key the first counts.
    """
    latest = (
        evaluations_for_user(user)
        .filter(project_id=evaluation.project_id, year__lt=evaluation.year)
        .order_by("-year")
        .values("pk")[:1]
    )
    indicators = (
        Indicator.objects.filter(evaluation=Subquery(latest))
        .select_related("evaluation", "level2__level1")
        .order_by("position", "pk")
    )
    rows: dict[RowKey, PreviousRow] = {}
    for indicator in indicators:
        score = indicator.review_score if indicator.review_score is not None else indicator.score
        if not indicator.actual.strip() and score is None:
            continue
        year = indicator.evaluation.year
        key = row_key(indicator.level2.level1.name, indicator.level2.name, indicator.name)
        rows.setdefault(
            key,
            PreviousRow(
                label="上年" if year == evaluation.year - 1 else f"{year}年",
                actual=indicator.actual.strip(),
                score=score,
            ),
        )
    return rows


# --- the list of forms, projects, the indicator library -----------------------

LIST_PAGE_SIZE = 20
LIBRARY_LIMIT = 30


def projects_for_user(user: User | AnonymousUser) -> QuerySet[Project]:
    """The projects whose forms the user may see (the same rule as ``evaluations_for_user``)."""
    return in_scope(
        Project.objects.select_related("department", "implementing_unit"), user, project=""
    )


@dataclass(frozen=True)
class EvaluationFilters:
    """What the list of forms is narrowed to. Grade and errors are computed, not stored."""

    year: int | None = None
    department: int | None = None
    status: str = ""
    grade: str = ""
    has_errors: bool | None = None  # True: only forms with errors; False: only without
    has_hints: bool | None = None  # the same for 审核提示
    query: str = ""  # words (spaces between, U+3000 too), each in the name, department or unit
    ids: tuple[int, ...] = ()  # only these forms (the list's ticked selection, exported)

    @property
    def needs_scoring(self) -> bool:
        return bool(self.grade) or self.has_errors is not None or self.has_hints is not None

    @property
    def title(self) -> str:
        """What an export of the selection is called: "2023年度", "全部年度" or, for the
        forms ticked on the list, "所选3张"."""
        if self.ids:
            return f"所选{len(self.ids)}张"
        return f"{self.year}年度" if self.year else "全部年度"

    def params(self) -> dict[str, str]:
        """The list's query parameters for these filters (the inverse of the filter form)."""
        values = {
            "q": self.query,
            "year": "" if self.year is None else str(self.year),
            "department": "" if self.department is None else str(self.department),
            "status": self.status,
            "grade": self.grade,
            "has_errors": {True: "yes", False: "no"}.get(self.has_errors, ""),
            "has_hints": {True: "yes", False: "no"}.get(self.has_hints, ""),
            "ids": ",".join(str(pk) for pk in self.ids),
        }
        return {name: value for name, value in values.items() if value}


def filter_evaluations(
    queryset: QuerySet[Evaluation], filters: EvaluationFilters
) -> QuerySet[Evaluation]:
    """The filters the database can apply (everything but grade and errors)."""
    if filters.year is not None:
        queryset = queryset.filter(year=filters.year)
    if filters.department is not None:
        queryset = queryset.filter(
            Q(project__department_id=filters.department)
            | Q(project__implementing_unit_id=filters.department)
        )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    for word in filters.query.split():  # str.split: any Unicode space, the full-width one too
        queryset = queryset.filter(
            Q(project__name__icontains=word)
            | Q(project__department__name__icontains=word)
            | Q(project__implementing_unit__name__icontains=word)
        )
    if filters.ids:
        queryset = queryset.filter(pk__in=filters.ids)
    return queryset


# The list's sortable columns: ``sort`` is a key, "-key" for descending. Anything else
# is the default order (the model's: newest year, then project name). 总分 sorts by the
# stored summary (a form without one comes last); the pk breaks ties, so pages are stable.
LIST_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("project__name",),
    "department": ("project__department__name", "project__name"),
    "score": ("summary__total_score",),
    "status": ("status_order", "project__name"),
    "updated": ("updated_at",),
}
STATUS_ORDER = Case(
    *(
        When(status=value, then=Value(index))
        for index, value in enumerate(Evaluation.Status.values)
    ),
    default=Value(len(Evaluation.Status.values)),
)


def list_sort(value: str | None) -> str:
    """The ``sort`` parameter if it names a column (asc or "-" desc), else "" (default)."""
    value = (value or "").strip()
    return value if value.removeprefix("-") in LIST_SORTS else ""


def sort_evaluations(queryset: QuerySet[Evaluation], sort: str) -> QuerySet[Evaluation]:
    """``queryset`` in the order of a ``list_sort`` value ("" keeps the default order)."""
    key = sort.removeprefix("-")
    if key not in LIST_SORTS:
        return queryset.order_by("-year", "project__name", "pk")
    descending = sort.startswith("-")
    if key == "status":
        queryset = queryset.annotate(status_order=STATUS_ORDER)
    order = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        for name in LIST_SORTS[key]
    ]
    return queryset.order_by(*order, "-pk" if descending else "pk")


def _matches_result(result: FormResult, filters: EvaluationFilters) -> bool:
    if filters.grade and result.grade != filters.grade:
        return False
    if filters.has_hints is not None and bool(result.hints) != filters.has_hints:
        return False
    return filters.has_errors is None or bool(result.errors) == filters.has_errors


@dataclass(frozen=True)
class ListScore:
    """What the list shows of a form's result: from its stored summary or, when that
    is stale or missing, from live scoring (the summary is built from the same result)."""

    total_score: Decimal
    grade: str
    error_count: int
    warning_count: int
    hint_count: int

    @classmethod
    def of_summary(cls, summary: EvaluationSummary) -> ListScore:
        return cls(
            summary.total_score,
            summary.grade,
            summary.error_count,
            summary.warning_count,
            summary.hint_count,
        )

    @classmethod
    def of_result(cls, result: FormResult) -> ListScore:
        return cls(
            result.total_score,
            result.grade,
            len(result.errors),
            len(result.warnings),
            len(result.hints),
        )


def filter_by_result(
    queryset: QuerySet[Evaluation], filters: EvaluationFilters, rules: ScoringRules
) -> QuerySet[Evaluation]:
    """The 等级, "has errors" and "has hints" filters, in SQL on the stored summaries.

    Forms whose summary is missing or was computed with other rules are scored live
    (one query plus two prefetches, whatever their number; none when every summary is
    current), so the result is the same as scoring every form.
    """
    digest = rules_digest(rules)
    matches = Q(summary__rules_digest=digest)
    if filters.grade:
        matches &= Q(summary__grade=filters.grade)
    if filters.has_errors is not None:
        matches &= (
            Q(summary__error_count__gt=0) if filters.has_errors else Q(summary__error_count=0)
        )
    if filters.has_hints is not None:
        matches &= Q(summary__hint_count__gt=0) if filters.has_hints else Q(summary__hint_count=0)
    stale = with_rows(queryset.filter(Q(summary__isnull=True) | ~Q(summary__rules_digest=digest)))
    stale_matches = [
        evaluation.pk
        for evaluation, result in evaluation_results(stale, rules)
        if _matches_result(result, filters)
    ]
    return queryset.filter(matches | Q(pk__in=stale_matches))


def evaluations_for_export(
    user: User | AnonymousUser, filters: EvaluationFilters
) -> QuerySet[Evaluation]:
    """The forms of the list's filters that ``user`` may see, as the list shows them.

    The one place the Excel download and the background summary job both read, so that
    a job run later for the same user and filters exports the same forms.
    """
    evaluations = filter_evaluations(evaluations_for_user(user), filters)
    if filters.needs_scoring:  # 等级/errors: in SQL on the stored summaries, as the list
        evaluations = filter_by_result(evaluations, filters, scoring_rules())
    return evaluations


def list_scores(
    evaluations: Iterable[Evaluation], rules: ScoringRules
) -> list[tuple[Evaluation, ListScore]]:
    """Each form with its ``ListScore``; only forms without a current summary are scored
    (their rows are prefetched together: two queries, none when all are current)."""
    evaluations = list(evaluations)
    digest = rules_digest(rules)

    def summary(evaluation: Evaluation) -> EvaluationSummary | None:
        return getattr(evaluation, "summary", None)  # the reverse one-to-one may be missing

    stale = [e for e in evaluations if not summary_is_current(summary(e), digest)]
    prefetch_related_objects(stale, *_rows_prefetch())
    return [
        (
            evaluation,
            ListScore.of_summary(summary(evaluation))
            if summary_is_current(summary(evaluation), digest)
            else ListScore.of_result(evaluation_result(evaluation, rules)),
        )
        for evaluation in evaluations
    ]


def evaluation_list_page(
    user: User | AnonymousUser,
    filters: EvaluationFilters,
    page_number: str | int | None = 1,
    per_page: int = LIST_PAGE_SIZE,
    rules: ScoringRules | None = None,
    refine: Callable[[QuerySet[Evaluation]], QuerySet[Evaluation]] | None = None,
    sort: str = "",
) -> Page:
    """One page of the user's forms; ``object_list`` holds (evaluation, ListScore) pairs.

    Grade and error filters run in SQL on the stored summaries (``filter_by_result``)
    and the page's 总分/等级/errors come from them; only forms whose summary is stale
    or missing are scored. The number of queries does not depend on the number of
    forms. ``refine`` narrows the queryset further (the dashboard's drill-down
    parameters, ``dashboard.filter_by_summary``). ``sort``: a ``list_sort`` value.
    """
    queryset = filter_evaluations(evaluations_for_user(user), filters)
    if refine is not None:
        queryset = refine(queryset)
    rules = rules or scoring_rules()
    if filters.needs_scoring:
        queryset = filter_by_result(queryset, filters, rules)
    queryset = sort_evaluations(queryset.select_related("summary"), sort)
    page = Paginator(queryset, per_page).get_page(page_number)
    page.object_list = list_scores(page.object_list, rules)
    return page


def evaluation_years(user: User | AnonymousUser) -> list[int]:
    """The years the user has forms for, newest first (for the year filter)."""
    return list(
        evaluations_for_user(user).order_by("-year").values_list("year", flat=True).distinct()
    )


def indicator_library(query: str = "", level2_id: int | None = None) -> list[str]:
    """三级 names already used anywhere in the system, most used first.

    Names used under ``level2_id`` come before the others.
    """
    names = Indicator.objects.exclude(name="")
    if query:
        names = names.filter(name__icontains=query)
    rows = names.values("name").annotate(
        uses=Count("pk"),
        same_level2=Count("pk", filter=Q(level2_id=level2_id)) if level2_id else Value(0),
    )
    return [row["name"] for row in rows.order_by("-same_level2", "-uses", "name")[:LIBRARY_LIMIT]]


@dataclass(frozen=True)
class Taxonomy:
    """The 一级/二级 tree in force, loaded once per request (one query)."""

    level2s: tuple[Level2, ...]  # in display order, each with its level1 loaded

    @cached_property
    def by_id(self) -> dict[int, Level2]:
        return {level2.pk: level2 for level2 in self.level2s}

    @cached_property
    def order(self) -> dict[int, int]:
        return {level2.pk: index for index, level2 in enumerate(self.level2s)}


def load_taxonomy() -> Taxonomy:
    return Taxonomy(
        tuple(
            Level2.objects.select_related("level1").order_by(
                "level1__position", "level1__name", "position", "name"
            )
        )
    )
