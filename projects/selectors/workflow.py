"""Reads for the review workflow: a form's history and the home page's to-do counts."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet

from projects.models import Evaluation, EvaluationEvent
from projects.permissions import reviews_its_scope, user_roles
from projects.roles import Role
from projects.selectors.evaluations import evaluations_for_user


def evaluation_events(evaluation: Evaluation) -> QuerySet[EvaluationEvent]:
    """The form's history, newest first, with who did each step (one query)."""
    return EvaluationEvent.objects.filter(evaluation=evaluation).select_related("user")


HISTORY_SHOWN = 20  # the latest events on the form page; older ones on the history page
HISTORY_PER_PAGE = 50


def latest_events(
    evaluation: Evaluation, limit: int = HISTORY_SHOWN
) -> tuple[list[EvaluationEvent], bool]:
    """The form's newest ``limit`` events and whether there are older ones (one query).

    The form page shows only these, so its size and time do not grow with its history.
    """
    events = list(evaluation_events(evaluation)[: limit + 1])
    return events[:limit], len(events) > limit


def _todo_conditions(user: User | AnonymousUser) -> dict[str, Q]:
    roles = user_roles(user)
    wanted: dict[str, Q] = {}
    if Role.FILLER in roles:
        wanted["returned"] = Q(status=Evaluation.Status.RETURNED)
        wanted["draft"] = Q(status=Evaluation.Status.DRAFT)
    # A 填报人 reviews none of their forms (permissions.reviews): nothing 待审核 for them.
    if reviews_its_scope(user):
        wanted["submitted"] = Q(status=Evaluation.Status.SUBMITTED)
    return wanted


def todo_counts(user: User | AnonymousUser) -> dict[str, int]:
    """The home page's to-do counts, in one query over the user's forms.

    Fillers: 退回待修改 (returned) and 未提交 (draft). Reviewers and admins: 待审核.
    """
    wanted = _todo_conditions(user)
    if not wanted:
        return {}
    return evaluations_for_user(user).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in wanted.items()}
    )


def years_and_todos(user: User | AnonymousUser) -> tuple[list[int], dict[str, int]]:
    """The years of the user's forms (newest first) and their to-do counts, in one query.

    The list page needs both; grouping the forms by year gives the years and, summed,
    the counts of ``todo_counts`` without a query of their own.
    """
    wanted = _todo_conditions(user)
    rows = (
        evaluations_for_user(user)
        .order_by("-year")
        .values("year")
        .annotate(**{key: Count("pk", filter=condition) for key, condition in wanted.items()})
        .distinct()  # without any count to group by, the years must still come once each
    )
    years, counts = [], dict.fromkeys(wanted, 0)
    for row in rows:
        years.append(row["year"])
        for key in wanted:
            counts[key] += row[key]
    return years, counts
