"""can_edit / can_create: the one place that says who may change a form."""

import pytest

from projects.models import Evaluation
from projects.permissions import (
    can_create,
    can_edit,
    can_reopen,
    can_review,
    can_submit,
    reviews,
)
from projects.roles import Role
from tests.factories import make_department, make_evaluation, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "editable"),
    [
        (Evaluation.Status.DRAFT, True),
        (Evaluation.Status.RETURNED, True),
        (Evaluation.Status.SUBMITTED, False),
        (Evaluation.Status.APPROVED, False),
    ],
)
def test_filler_edits_drafts_and_returned_forms_only(filler_a, evaluation_a, status, editable):
    evaluation_a.status = status
    assert can_edit(filler_a, evaluation_a) is editable


def test_outsider_reviewer_and_admin_cannot_edit(filler_b, reviewer_a, admin_user, evaluation_a):
    assert not can_edit(filler_b, evaluation_a)
    assert not can_edit(reviewer_a, evaluation_a)
    assert not can_edit(admin_user, evaluation_a)


def test_unit_filler_edits_the_units_projects(dept_a):
    unit = make_department("价格认证中心", parent=dept_a)
    other = make_department("产业发展科", parent=dept_a)
    filler = make_user("unit_filler", Role.FILLER, unit)
    own = make_evaluation(make_project(dept_a, "价格认证资金", unit=unit))
    sibling = make_evaluation(make_project(dept_a, "产业评估", unit=other))
    assert can_edit(filler, own)
    assert not can_edit(filler, sibling)


def test_only_fillers_create(filler_a, reviewer_a, admin_user):
    assert can_create(filler_a)
    assert not can_create(reviewer_a)
    assert not can_create(admin_user)


@pytest.mark.parametrize(
    ("status", "submit", "review", "reopen"),
    [
        (Evaluation.Status.DRAFT, True, False, False),
        (Evaluation.Status.RETURNED, True, False, False),
        (Evaluation.Status.SUBMITTED, False, True, False),
        (Evaluation.Status.APPROVED, False, False, True),
    ],
)
def test_workflow_permissions_follow_the_status(
    filler_a, reviewer_a, admin_user, evaluation_a, status, submit, review, reopen
):
    evaluation_a.status = status
    assert can_submit(filler_a, evaluation_a) is submit
    assert can_review(reviewer_a, evaluation_a) is review
    assert can_review(admin_user, evaluation_a) is review
    assert can_reopen(admin_user, evaluation_a) is reopen
    # Nobody else: a filler never reviews, a reviewer never submits or reopens.
    assert not can_review(filler_a, evaluation_a)
    assert not can_submit(reviewer_a, evaluation_a)
    assert not can_submit(admin_user, evaluation_a)
    assert not can_reopen(reviewer_a, evaluation_a)


def test_a_reviewer_of_another_department_reviews_nothing(dept_b, evaluation_a):
    outsider = make_user("reviewer_b", Role.REVIEWER, dept_b)
    evaluation_a.status = Evaluation.Status.SUBMITTED
    assert not can_review(outsider, evaluation_a)


def _with_role(user, role: Role):
    """Give ``user`` a second role group directly (as /admin/ once could)."""
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=role.value))
    return user.__class__.objects.get(pk=user.pk)  # fresh: no cached roles


def test_a_filler_who_also_reviews_never_reviews_their_own_departments_form(filler_a, evaluation_a):
    dual = _with_role(filler_a, Role.REVIEWER)
    evaluation_a.status = Evaluation.Status.SUBMITTED
    assert not reviews(dual, evaluation_a)
    assert not can_review(dual, evaluation_a)


def test_a_unit_filler_with_the_reviewer_role_does_not_review_the_units_forms(dept_a):
    unit = make_department("价格认证中心", parent=dept_a)
    dual = _with_role(make_user("unit_dual", Role.FILLER, unit), Role.REVIEWER)
    own = make_evaluation(make_project(dept_a, "价格认证资金", unit=unit))
    own.status = Evaluation.Status.SUBMITTED
    assert not can_review(dual, own)


def test_an_admin_who_fills_for_a_department_reviews_every_other_one(
    filler_a, dept_b, evaluation_a
):
    dual = _with_role(filler_a, Role.ADMIN)
    other = make_evaluation(make_project(dept_b, "档案整理"))
    evaluation_a.status = other.status = Evaluation.Status.SUBMITTED
    assert not can_review(dual, evaluation_a)
    assert can_review(dual, other)
