"""Who sees what: the one scope rule of projects.permissions, its filter and its object check.

The URL × persona matrix (test_url_matrix.py) checks every page against the rule; these
tests check the rule itself: the filter each role gets, that the filter and the check on
one object in memory agree on every place of a department tree, and that no other module
spells the rule out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.db.models import Q

from projects.models import Department, Evaluation, Project
from projects.permissions import (
    covers,
    project_in_scope,
    reviews,
    reviews_its_scope,
    scope_q,
    sees_place,
)
from projects.roles import Role
from projects.selectors.evaluations import (
    departments_for_user,
    evaluations_for_user,
    projects_for_user,
)
from tests.factories import make_department, make_evaluation, make_project, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def _lookups(condition: Q) -> list[str]:
    return [lookup for lookup, _ in condition.children]


def test_the_filter_of_each_role(dept_a, filler_a, reviewer_a, admin_user, django_user_model):
    assert scope_q(AnonymousUser()) is None
    roleless = django_user_model.objects.create_user("roleless")
    make_user("assigned_but_roleless", Role.FILLER, dept_a).groups.clear()
    assert scope_q(roleless) is None
    assert scope_q(User.objects.get(username="assigned_but_roleless")) is None
    assert scope_q(admin_user) == Q()
    superuser = django_user_model.objects.create_superuser("root", password="x")
    assert scope_q(superuser) == Q()
    for user in (filler_a, reviewer_a):  # the same scope for both roles
        condition = scope_q(user)
        assert condition.connector == Q.OR
        assert _lookups(condition) == [
            "project__department__in",
            "project__implementing_unit__in",
            "project__implementing_unit__parent__in",
        ]
        assert _lookups(scope_q(user, project="")) == [
            "department__in",
            "implementing_unit__in",
            "implementing_unit__parent__in",
        ]
        assert _lookups(scope_q(user, project=None)) == ["pk__in", "parent__in"]
        for _, assigned in condition.children:
            assert set(assigned.values_list("pk", flat=True)) == {dept_a.pk}


@pytest.fixture
def tree(dept_a, dept_b):
    """Two 主管部门 with two 实施单位 each; a project (and its form) at every place."""
    units = {
        name: make_department(name, parent=parent)
        for name, parent in (("甲1", dept_a), ("甲2", dept_a), ("乙1", dept_b), ("乙2", dept_b))
    }
    for parent in (dept_a, dept_b):
        make_evaluation(make_project(parent, f"{parent.name}本级"))
    for name, unit in units.items():
        make_evaluation(make_project(unit.parent, f"{name}项目", unit=unit))
    return units


def _users(dept_a, dept_b, units) -> list[User]:
    both = make_user("filler_and_reviewer", Role.FILLER, units["甲1"])
    both.groups.add(Group.objects.get(name=Role.REVIEWER.value))
    roleless = make_user("roleless", Role.FILLER, dept_a)
    roleless.groups.clear()
    return [
        make_user("dept_filler", Role.FILLER, dept_a),
        make_user("unit_filler", Role.FILLER, units["甲2"]),
        make_user("two_places", Role.REVIEWER, units["甲1"], dept_b),
        make_user("dept_reviewer", Role.REVIEWER, dept_b),
        make_user("admin", Role.ADMIN),
        both,
        roleless,
    ]


def _place(project: Project) -> tuple[int, int | None, int | None]:
    unit = project.implementing_unit
    return project.department_id, unit and unit.pk, unit and unit.parent_id


def test_the_filter_and_the_object_check_agree_everywhere(dept_a, dept_b, tree):
    projects = list(Project.objects.select_related("implementing_unit"))
    departments = list(Department.objects.all())
    seen_by = {}
    for user in _users(dept_a, dept_b, tree):
        visible = set(projects_for_user(user))
        assert visible == {p for p in projects if sees_place(user, *_place(p))}, user
        assert {e.project for e in evaluations_for_user(user)} == visible, user
        assert set(departments_for_user(user)) == {
            d for d in departments if sees_place(user, None, d.pk, d.parent_id)
        }, user
        seen_by[user.username] = sorted(p.name for p in visible)
    # The rule itself, spelled out once more by hand for these places.
    assert seen_by["dept_filler"] == sorted([f"{dept_a.name}本级", "甲1项目", "甲2项目"])
    assert seen_by["unit_filler"] == ["甲2项目"]
    assert seen_by["two_places"] == sorted(["甲1项目", f"{dept_b.name}本级", "乙1项目", "乙2项目"])
    assert seen_by["admin"] == sorted(p.name for p in projects)
    assert seen_by["roleless"] == []


def test_the_permission_checks_read_the_same_rule(dept_a, dept_b, tree):
    """``project_in_scope`` is the rule's assignment half; the roles are its callers'."""
    projects = list(Project.objects.select_related("implementing_unit"))
    for user in _users(dept_a, dept_b, tree):
        if user.username in {"admin", "roleless"}:
            continue  # the role half: an admin sees all, a roleless user nothing
        visible = set(projects_for_user(user))
        for project in projects:
            assert project_in_scope(user, project) is (project in visible), (user, project)


def test_a_departments_place_is_the_department_as_its_unit():
    assigned = frozenset({1})
    assert covers(assigned, None, 1, None)  # the 主管部门 itself
    assert covers(assigned, None, 5, 1)  # a unit of it
    assert not covers(assigned, None, 5, 2)
    assert covers(assigned, 1, None, None)  # a project of the 主管部门 itself
    assert not covers(assigned, 2, None, None)


def test_the_to_do_counts_review_what_reviews_allows(dept_a, dept_b, tree):
    Evaluation.objects.update(status=Evaluation.Status.SUBMITTED)
    for user in _users(dept_a, dept_b, tree):
        forms = list(evaluations_for_user(user))
        assert all(reviews(user, form) is reviews_its_scope(user) for form in forms), user


# The lookups and attribute comparisons that spell the rule out.
RULE = re.compile(r"implementing_unit__parent|parent__in|parent_id in|_selfeval_department_ids")


def test_only_permissions_spells_out_the_rule():
    spelled = {
        str(path.relative_to(ROOT))
        for folder in ("projects", "jobs", "selfeval")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and RULE.search(path.read_text(encoding="utf-8"))
    }
    assert spelled == {"projects/permissions.py"}
