"""Who sees what and who may do what with a form: the one place the review workflow extends.

**Roles** are Django groups (``projects.roles.Role``); a superuser counts as 管理员
(``user_roles``).

**The scope** (who sees what) is written here and nowhere else. A user sees the
forms and projects of the departments they are assigned to: an assignment to a
主管部门 covers its own projects and those of its 实施单位; an assignment to an
实施单位 covers that unit's projects only. Fillers and reviewers have the same scope;
an admin sees everything; a user without a role, or not signed in, sees nothing.
Anything outside the scope is a 404. The rule comes in two forms that say the same:
``scope_q`` / ``in_scope`` filter a queryset (every selector loads forms, projects
and departments through them), and ``covers`` checks one place already in memory
(``project_in_scope`` for the permission checks, ``sees_place`` for a job's recorded
result).

**The actions** come after the scope: may this user change the form, review it,
start a new one? Separation of duties: nobody reviews a form they fill for
(``reviews`` excludes ``fills``). Each answer costs at most one query per request
(the user's roles and departments are cached on the user object).
"""

from __future__ import annotations

import operator
from functools import reduce

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from projects.models import Department, DepartmentAssignment, Evaluation, Project, ReportingYear
from projects.roles import Role

# A filler works on a form until it is submitted; a returned form is theirs again.
EDITABLE_STATUSES = frozenset({Evaluation.Status.DRAFT, Evaluation.Status.RETURNED})


# --- roles -------------------------------------------------------------------------


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


def reviews_its_scope(user: User | AnonymousUser) -> bool:
    """Whether the user's roles make them review the submitted forms they see.

    ``reviews`` for every form of the scope at once (the to-do counts): an admin, or a
    审核人 who is not also a 填报人 (whose assignments would make every form of theirs
    one they fill for).
    """
    roles = user_roles(user)
    return Role.ADMIN in roles or (Role.REVIEWER in roles and Role.FILLER not in roles)


# --- the scope: who sees what ------------------------------------------------------


def assigned_department_ids(user: User | AnonymousUser) -> frozenset[int]:
    """The departments (主管部门 or 实施单位) the user is assigned to."""
    if not user.is_authenticated:
        return frozenset()
    ids = getattr(user, "_selfeval_department_ids", None)
    if ids is None:
        ids = frozenset(
            DepartmentAssignment.objects.filter(user=user).values_list("department_id", flat=True)
        )
        user._selfeval_department_ids = ids  # type: ignore[union-attr]
    return ids


def covers(
    assigned: frozenset[int],
    department_id: int | None,
    unit_id: int | None,
    unit_parent_id: int | None,
) -> bool:
    """The rule for one place: its 主管部门, its 实施单位 or that unit's 主管部门 is assigned.

    A place is a project's (department, implementing unit), or a department itself
    (``department_id`` None, the department as the unit).
    """
    return department_id in assigned or unit_id in assigned or unit_parent_id in assigned


def _covers_q(assigned: QuerySet, *lookups: str) -> Q:
    """``covers`` as a filter: any of ``lookups`` (to the place's 主管部门, 实施单位 and
    that unit's 主管部门) is among the ``assigned`` departments."""
    return reduce(operator.or_, (Q(**{f"{lookup}__in": assigned}) for lookup in lookups))


def scope_q(user: User | AnonymousUser, *, project: str | None = "project") -> Q | None:
    """The user's scope as a filter on a queryset that reaches a ``Project`` by ``project``.

    ``project=""`` for a queryset of projects, ``None`` for one of departments (the
    departments the user works in or reviews). ``None`` when the user sees nothing,
    ``Q()`` when they see everything.
    """
    if not user_roles(user):
        return None
    if is_admin(user):
        return Q()
    assigned = Department.objects.filter(assignments__user=user).values("pk")
    if project is None:  # a department is its own place: itself, or its 主管部门
        return _covers_q(assigned, "pk", "parent")
    prefix = f"{project}__" if project else ""
    return _covers_q(
        assigned,
        f"{prefix}department",
        f"{prefix}implementing_unit",
        f"{prefix}implementing_unit__parent",
    )


def in_scope(
    queryset: QuerySet, user: User | AnonymousUser, *, project: str | None = "project"
) -> QuerySet:
    """``queryset`` narrowed to the user's scope (``scope_q``); empty without a query."""
    condition = scope_q(user, project=project)
    return queryset.none() if condition is None else queryset.filter(condition)


def project_in_scope(user: User | AnonymousUser, project: Project) -> bool:
    """Whether the user's assignments cover the project (the roles are the caller's).

    Expects ``project.implementing_unit`` to be loaded (``select_related``).
    """
    unit = project.implementing_unit
    return covers(
        assigned_department_ids(user),
        project.department_id,
        unit.pk if unit is not None else None,
        unit.parent_id if unit is not None else None,
    )


def sees_place(
    user: User | AnonymousUser,
    department_id: int | None,
    unit_id: int | None,
    unit_parent_id: int | None,
) -> bool:
    """``scope_q`` for one place in memory: the roles first, then ``covers``."""
    if not user_roles(user):
        return False
    return is_admin(user) or covers(
        assigned_department_ids(user), department_id, unit_id, unit_parent_id
    )


# --- what the user may do in the scope ---------------------------------------------


def can_create(user: User | AnonymousUser) -> bool:
    """Whether the user may start new forms (for the projects in their scope)."""
    return Role.FILLER in user_roles(user)


def can_edit(user: User | AnonymousUser, evaluation: Evaluation) -> bool:
    """Whether the user may change the form's content now.

    Fillers edit drafts and returned forms of their departments while the form's
    year is open for filling. Reviewers and admins write 审核得分 and comments
    through the review services instead.
    """
    return (
        Role.FILLER in user_roles(user)
        and evaluation.status in EDITABLE_STATUSES
        and project_in_scope(user, evaluation.project)
        and not year_closed(evaluation)
    )


def year_closed(evaluation: Evaluation) -> bool:
    """Whether the admin has closed the form's year for filling (``ReportingYear``).

    ``selectors.get_evaluation_for_user`` annotates ``year_closed``; any other
    evaluation costs one query.
    """
    closed = getattr(evaluation, "year_closed", None)
    if closed is None:
        closed = ReportingYear.objects.filter(year=evaluation.year, is_open=False).exists()
        evaluation.year_closed = closed  # type: ignore[attr-defined]
    return closed


def fills(user: User | AnonymousUser, evaluation: Evaluation) -> bool:
    """Whether the user is a filler of this form's department (whatever its status)."""
    return Role.FILLER in user_roles(user) and project_in_scope(user, evaluation.project)


def can_submit(user: User | AnonymousUser, evaluation: Evaluation) -> bool:
    """The filler who may edit the form may hand it in (the checks decide if it goes)."""
    return can_edit(user, evaluation)


def reviews(user: User | AnonymousUser, evaluation: Evaluation) -> bool:
    """Whether the user reviews this form's department (an admin reviews every one).

    Separation of duties: nobody reviews a form they fill for (``fills``: the 填报人
    role and an assignment covering the project), whatever other roles they hold. A
    user's assignments count for all of their roles, so a 填报人 who is also 审核人
    reviews nothing; 系统管理 and /admin/ refuse that combination anyway.
    """
    roles = user_roles(user)
    in_role = Role.ADMIN in roles or (
        Role.REVIEWER in roles and project_in_scope(user, evaluation.project)
    )
    return in_role and not fills(user, evaluation)


def can_review(user: User | AnonymousUser, evaluation: Evaluation) -> bool:
    """Set 审核得分/审核意见, return or approve: a submitted form, by its reviewer or an admin."""
    return evaluation.status == Evaluation.Status.SUBMITTED and reviews(user, evaluation)


def can_reopen(user: User | AnonymousUser, evaluation: Evaluation) -> bool:
    """Only an admin reopens an approved (locked) form."""
    return evaluation.status == Evaluation.Status.APPROVED and Role.ADMIN in user_roles(user)
