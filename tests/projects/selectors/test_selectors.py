"""One scoping function decides what each user may see."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from projects.roles import Role
from projects.selectors.evaluations import evaluations_for_user, get_evaluation_for_user
from tests.factories import make_department, make_evaluation, make_project, make_user

pytestmark = pytest.mark.django_db


def test_filler_sees_own_department_only(filler_a, evaluation_a, evaluation_b):
    assert list(evaluations_for_user(filler_a)) == [evaluation_a]
    with pytest.raises(Http404):
        get_evaluation_for_user(filler_a, evaluation_b.pk)


def test_reviewer_sees_assigned_departments(reviewer_a, evaluation_a, evaluation_b):
    assert list(evaluations_for_user(reviewer_a)) == [evaluation_a]


def test_admin_sees_everything(admin_user, evaluation_a, evaluation_b):
    assert set(evaluations_for_user(admin_user)) == {evaluation_a, evaluation_b}


def test_anonymous_and_roleless_see_nothing(django_user_model, evaluation_a):
    assert not evaluations_for_user(AnonymousUser()).exists()
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert not evaluations_for_user(nobody).exists()


def test_unit_assignment_covers_its_projects_only(dept_a):
    unit = make_department("价格认证中心", parent=dept_a)
    other_unit = make_department("产业发展科", parent=dept_a)
    own = make_evaluation(make_project(dept_a, "价格认证资金", unit=unit))
    sibling = make_evaluation(make_project(dept_a, "产业评估", unit=other_unit))
    unit_filler = make_user("unit_filler", Role.FILLER, unit)
    assert list(evaluations_for_user(unit_filler)) == [own]
    # A 主管部门 assignment covers every 实施单位 under it.
    dept_filler = make_user("dept_filler", Role.FILLER, dept_a)
    assert set(evaluations_for_user(dept_filler)) == {own, sibling}
