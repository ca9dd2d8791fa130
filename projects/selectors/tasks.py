"""Reads of the 自评任务: each task with its state, per-department counts, a filler's to-do.

A task's state is its project's form of the task's year (one subquery, no query per
task): 未开始 without one, else the form's status; 逾期 once the deadline has passed
and the form is neither submitted nor approved. Everything goes through ``in_scope``,
so a reviewer counts only the departments they review.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from projects.models import Evaluation, EvaluationTask
from projects.permissions import in_scope

NOT_STARTED = "未开始"
DONE_STATUSES = (Evaluation.Status.SUBMITTED, Evaluation.Status.APPROVED)


def today() -> datetime.date:
    return timezone.localdate()


def _forms(field: str) -> Subquery:
    return Subquery(
        Evaluation.objects.filter(project=OuterRef("project"), year=OuterRef("year")).values(field)[
            :1
        ]
    )


def _overdue_q(day: datetime.date) -> Q:
    return Q(deadline__lt=day) & (Q(form_status__isnull=True) | ~Q(form_status__in=DONE_STATUSES))


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def tasks_for_user(user: User | AnonymousUser, year: int) -> QuerySet[EvaluationTask]:
    """The year's tasks the user sees, each with ``form_pk``, ``form_status``, ``overdue``."""
    return (
        in_scope(EvaluationTask.objects.filter(year=year), user)
        .select_related("project__department", "project__implementing_unit")
        .annotate(form_pk=_forms("pk"), form_status=_forms("status"))
        .annotate(overdue=_flag(_overdue_q(today())))
    )


def state_label(task: EvaluationTask) -> str:
    """未开始, or the label of the form's status."""
    status = getattr(task, "form_status", None)
    return NOT_STARTED if status is None else Evaluation.Status(status).label


def department_counts(user: User | AnonymousUser, year: int) -> list[dict]:
    """Per 主管部门: its tasks, how many not started and how many overdue (one query)."""
    return list(
        tasks_for_user(user, year)
        .order_by("project__department__name")
        .values("project__department_id", "project__department__name")
        .annotate(
            total=Count("pk"),
            not_started=Count("pk", filter=Q(form_status__isnull=True)),
            overdue=Count("pk", filter=_overdue_q(today())),
        )
    )


def task_years(user: User | AnonymousUser) -> list[int]:
    """The years the user has tasks in, newest first."""
    return list(
        in_scope(EvaluationTask.objects.all(), user)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def pending_tasks(user: User | AnonymousUser) -> list[EvaluationTask]:
    """A filler's 待填报: tasks of their scope without a form, earliest deadline first.

    One query whatever their number; ``has_previous`` says whether starting copies
    last year's form, ``overdue`` whether the deadline has passed.
    """
    forms = Evaluation.objects.filter(project=OuterRef("project"))
    return list(
        in_scope(EvaluationTask.objects.all(), user)
        .filter(~Exists(forms.filter(year=OuterRef("year"))))
        .select_related("project__department", "project__implementing_unit")
        .annotate(
            has_previous=Exists(forms.filter(year=OuterRef("year") - 1)),
            overdue=_flag(Q(deadline__lt=today())),
        )
        .order_by("deadline", "project__name")
    )


def task_in_scope(user: User | AnonymousUser, pk: int) -> EvaluationTask:
    """One task of the user's scope, with its project; a 404 for any other."""
    task = (
        in_scope(EvaluationTask.objects.filter(pk=pk), user)
        .select_related("project__implementing_unit")
        .first()
    )
    if task is None:
        raise Http404("没有找到该自评任务，或您无权查看。")
    return task
