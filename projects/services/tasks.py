"""Issuing 自评任务 (from last year's forms, by hand, from an uploaded list) and starting one.

Issuing is the admin's; each call is one transaction and all or nothing: a list with
one bad row issues no task and creates no project. A project that already has its
task for the year keeps it (issuing twice is harmless). Starting a task is the
filler's and goes through the one create/copy service of ``services.evaluations``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from projects.departments import department_match
from projects.imports.task_list import TaskRow
from projects.models import Department, Evaluation, EvaluationTask, Project
from projects.selectors.evaluations import evaluations_for_user, with_rows
from projects.services.evaluations import (
    evaluation_create,
    evaluation_create_from_previous,
    project_create,
)

ERROR_TASK_EXISTS = "「{project}」已有{year}年度的自评任务"
ERROR_NO_PREVIOUS_FORMS = "{year}年度没有自评表，无法按上年度下达任务"
ERROR_UNKNOWN_DEPARTMENT = "第 {row} 行的主管部门「{name}」不存在，请先在「部门/单位」中新建{hint}"
ERROR_UNKNOWN_UNIT = (
    "第 {row} 行的实施单位「{name}」不是「{department}」下的单位，请先在「部门/单位」中新建{hint}"
)
ERROR_DUPLICATE = "第 {first} 行和第 {second} 行是同一个项目「{department} / {project}」"
SHOWN_ERRORS = 10


@dataclass(frozen=True)
class Issued:
    """What one issuing did: tasks created, projects that had one, projects created."""

    created: int
    existing: int
    new_projects: int = 0


def _bulk_issue(projects: list[Project], *, year: int, deadline, actor: User) -> Issued:
    have = set(
        EvaluationTask.objects.filter(year=year, project__in=projects).values_list(
            "project_id", flat=True
        )
    )
    new = [
        EvaluationTask(year=year, project=project, deadline=deadline, created_by=actor)
        for project in projects
        if project.pk not in have
    ]
    for task in new:
        task.full_clean(validate_unique=False, validate_constraints=False)
    EvaluationTask.objects.bulk_create(new)
    return Issued(created=len(new), existing=len(projects) - len(new))


@transaction.atomic
def tasks_issue_from_previous(*, year: int, deadline: datetime.date, actor: User) -> Issued:
    """A task for ``year`` for every project with a form in ``year - 1``."""
    projects = list(Project.objects.filter(evaluations__year=year - 1).distinct())
    if not projects:
        raise ValidationError(ERROR_NO_PREVIOUS_FORMS.format(year=year - 1))
    return _bulk_issue(projects, year=year, deadline=deadline, actor=actor)


@transaction.atomic
def task_issue(
    *, project: Project, year: int, deadline: datetime.date, actor: User
) -> EvaluationTask:
    """One task, for a project picked by hand."""
    if EvaluationTask.objects.filter(project=project, year=year).exists():
        raise ValidationError(ERROR_TASK_EXISTS.format(project=project.name, year=year))
    task = EvaluationTask(year=year, project=project, deadline=deadline, created_by=actor)
    task.full_clean(validate_unique=False, validate_constraints=False)
    task.save()
    return task


def _hint(match) -> str:
    """The note on a name that several departments could mean ("" when none)."""
    if not match.ambiguous:
        return ""
    names = "".join(f"「{name}」" for name in match.ambiguous)
    return f"（与已有的{names}去掉编号、空格和标点后相同，无法确定是哪一个，请写全称）"


def _place(row: TaskRow) -> tuple[Department, Department | None] | str:
    """The row's 主管部门 and 实施单位, or the message refusing the row."""
    match = department_match(row.department)
    if match.department is None:
        return ERROR_UNKNOWN_DEPARTMENT.format(row=row.row, name=row.department, hint=_hint(match))
    if not row.unit or department_match(row.unit).department == match.department:
        return match.department, None
    unit = department_match(row.unit, match.department)
    if unit.department is None:
        return ERROR_UNKNOWN_UNIT.format(
            row=row.row, name=row.unit, department=match.department.name, hint=_hint(unit)
        )
    return match.department, unit.department


def _resolve(rows: list[TaskRow]) -> list[tuple[TaskRow, Department, Department | None]]:
    """Every row with its departments; a ``ValidationError`` listing the refused rows."""
    errors, resolved, seen = [], [], {}
    for row in rows:
        place = _place(row)
        if isinstance(place, str):
            errors.append(place)
            continue
        key = (place[0].pk, row.project)
        if key in seen:
            errors.append(
                ERROR_DUPLICATE.format(
                    first=seen[key], second=row.row, department=place[0].name, project=row.project
                )
            )
            continue
        seen[key] = row.row
        resolved.append((row, *place))
    if errors:
        more = f"；另有 {len(errors) - SHOWN_ERRORS} 处" if len(errors) > SHOWN_ERRORS else ""
        raise ValidationError("任务清单未导入：" + "；".join(errors[:SHOWN_ERRORS]) + more)
    return resolved


@transaction.atomic
def tasks_issue_from_list(*, rows: list[TaskRow], year: int, actor: User) -> Issued:
    """The uploaded list's tasks; a project not yet known is created under its 主管部门."""
    created = existing = new_projects = 0
    for row, department, unit in _resolve(rows):
        project = Project.objects.filter(department=department, name=row.project).first()
        if project is None:
            try:
                project = project_create(
                    name=row.project, department=department, implementing_unit=unit
                )
            except ValidationError as exc:
                raise ValidationError(f"第 {row.row} 行：{'；'.join(exc.messages)}") from None
            new_projects += 1
        issued = _bulk_issue([project], year=year, deadline=row.deadline, actor=actor)
        created, existing = created + issued.created, existing + issued.existing
    return Issued(created=created, existing=existing, new_projects=new_projects)


def task_start(*, task: EvaluationTask, user: User) -> Evaluation:
    """The task's form: copied from last year's where the user sees one, else blank."""
    previous = (
        with_rows(evaluations_for_user(user))
        .filter(project=task.project_id, year=task.year - 1)
        .first()
    )
    if previous is None:
        return evaluation_create(project=task.project, year=task.year, user=user)
    return evaluation_create_from_previous(previous=previous, user=user, year=task.year)
