"""Who may do what with a form: the one place the review workflow will extend.

Seeing a form is decided by ``selectors.evaluations_for_user`` (anything else is a
404). The questions here come after that: may this user change the form, start a
new one? Each answer costs at most one query per request (the user's roles and
departments are cached on the user object).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from projects.models import DepartmentAssignment, Evaluation, Project, ReportingYear
from projects.roles import Role
from projects.selectors import user_roles

# A filler works on a form until it is submitted; a returned form is theirs again.
EDITABLE_STATUSES = frozenset({Evaluation.Status.DRAFT, Evaluation.Status.RETURNED})


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


def project_in_scope(user: User | AnonymousUser, project: Project) -> bool:
    """The same rule as ``evaluations_for_user``, for one project already in memory.

    Expects ``project.implementing_unit`` to be loaded (``select_related``).
    """
    assigned = assigned_department_ids(user)
    unit = project.implementing_unit
    return project.department_id in assigned or (
        unit is not None and (unit.pk in assigned or unit.parent_id in assigned)
    )


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
