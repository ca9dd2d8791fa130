"""Reads: what a user may see, and the scoring result of a form.

Every list, page, export and download loads forms through
``evaluations_for_user`` so that scoping lives in one place (PITFALLS: Django).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from indicators.models import Level1
from indicators.scoring import (
    DEFAULT_RULES,
    BudgetLineInput,
    BudgetLineKind,
    FormInput,
    FormResult,
    IndicatorInput,
    ScoringRules,
    Tier,
    score_form,
)
from projects.models import Department, Evaluation, Indicator
from projects.roles import Role


def user_roles(user: User | AnonymousUser) -> set[Role]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {Role.ADMIN}
    names = getattr(user, "_selfeval_roles", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._selfeval_roles = names  # type: ignore[union-attr]
    return {role for role in Role if role.value in names}


def is_admin(user: User | AnonymousUser) -> bool:
    return Role.ADMIN in user_roles(user)


def departments_for_user(user: User | AnonymousUser) -> QuerySet[Department]:
    """The departments a user works in or reviews (all of them for an admin)."""
    if not user.is_authenticated:
        return Department.objects.none()
    if is_admin(user):
        return Department.objects.all()
    assigned = Department.objects.filter(assignments__user=user)
    return Department.objects.filter(Q(pk__in=assigned) | Q(parent__in=assigned))


def evaluations_for_user(user: User | AnonymousUser) -> QuerySet[Evaluation]:
    """Every form the user may see. Anything outside this queryset is a 404."""
    base = Evaluation.objects.select_related(
        "project", "project__department", "project__implementing_unit"
    )
    if not user.is_authenticated or not user_roles(user):
        return base.none()
    if is_admin(user):
        return base
    assigned = Department.objects.filter(assignments__user=user).values("pk")
    return base.filter(
        Q(project__department__in=assigned)
        | Q(project__implementing_unit__in=assigned)
        | Q(project__implementing_unit__parent__in=assigned)
    )


def with_rows(queryset: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """Prefetch what scoring needs: budget lines and indicator rows with their tiers."""
    return queryset.prefetch_related(
        "budget_lines",
        Prefetch(
            "indicators",
            queryset=Indicator.objects.select_related("level2", "level2__level1").order_by(
                "position", "pk"
            ),
        ),
    )


def get_evaluation_for_user(user: User | AnonymousUser, pk: int) -> Evaluation:
    """The form with its rows, or 404 when it is outside the user's scope."""
    evaluation = with_rows(evaluations_for_user(user)).filter(pk=pk).first()
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
    rules = replace(DEFAULT_RULES, default_level1_weights=level1_weights or DEFAULT_RULES.default_level1_weights)
    overrides = getattr(settings, "SELFEVAL_SCORING", None) or {}
    return replace(rules, **overrides) if overrides else rules


def _optional_tier(value: str) -> Tier | None:
    return Tier(value) if value else None


def scoring_input(evaluation: Evaluation) -> FormInput:
    """Turn a form and its (prefetched) rows into the scoring service's plain input."""
    lines = {line.kind: line for line in evaluation.budget_lines.all()}
    budget_lines = tuple(
        BudgetLineInput(
            kind=kind,
            initial_budget=getattr(lines.get(kind.value), "initial_budget", None),
            annual_budget=getattr(lines.get(kind.value), "annual_budget", None),
            executed=getattr(lines.get(kind.value), "executed", None),
        )
        for kind in BudgetLineKind
    )
    indicators = tuple(
        IndicatorInput(
            key=f"indicator-{row.pk}",
            level1=row.level2.level1.name,
            level2=row.level2.name,
            name=row.name,
            target=row.target,
            actual=row.actual,
            weight=row.weight,
            score=row.score,
            override_reason=row.override_reason,
            deviation_reason=row.deviation_reason,
            tier=_optional_tier(row.tier),
            review_score=row.review_score,
            review_comment=row.review_comment,
            position=position,
        )
        for position, row in enumerate(evaluation.indicators.all(), start=1)
    )
    return FormInput(
        budget_lines=budget_lines,
        indicators=indicators,
        budget_weight=evaluation.budget_weight,
        legacy=evaluation.legacy,
        recorded_budget_score=evaluation.recorded_budget_score,
        recorded_total_score=evaluation.recorded_total_score,
        amount_unit_converted=evaluation.amount_unit_converted,
    )


def evaluation_result(evaluation: Evaluation, rules: ScoringRules | None = None) -> FormResult:
    """The one scoring result that the page, the exports and the checks all read."""
    return score_form(scoring_input(evaluation), rules or scoring_rules())


def evaluation_results(
    evaluations: Iterable[Evaluation], rules: ScoringRules | None = None
) -> list[tuple[Evaluation, FormResult]]:
    """Score many forms with the rules loaded once (lists, exports)."""
    rules = rules or scoring_rules()
    return [(evaluation, evaluation_result(evaluation, rules)) for evaluation in evaluations]

