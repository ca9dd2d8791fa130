"""services.manage.department_merge: one department into another, everything on it moved."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError

from projects.demo import load_demo
from projects.models import (
    Department,
    DepartmentAssignment,
    Evaluation,
    EvaluationSummary,
    Project,
)
from projects.roles import Role
from projects.selectors.dashboard import year_dashboard
from projects.selectors.evaluations import departments_for_user, evaluations_for_user
from projects.services.manage import (
    department_merge,
    department_merge_plan,
)
from projects.summaries import evaluation_summary_refresh
from tests.db_snapshot import snapshot
from tests.factories import make_department, make_evaluation, make_project, make_user

pytestmark = pytest.mark.django_db


def _form(department, name, unit=None):
    evaluation = make_evaluation(make_project(department, name, unit=unit), indicators=2)
    evaluation_summary_refresh(evaluation)
    return evaluation


@pytest.fixture
def two(dept_a):
    """Department A (kept) and 通州区发改委 (merged), with units, projects, forms, users."""
    kept_unit = make_department("产业发展科", parent=dept_a)
    merged = make_department("通州区发改委")
    same_unit = make_department("产业 发展科", parent=merged)  # the key of kept_unit
    other_unit = make_department("价格认证中心", parent=merged)
    _form(dept_a, "已有项目", kept_unit)
    forms = {
        "本级": _form(merged, "本级项目"),
        "同名单位": _form(merged, "产业项目", same_unit),
        "其他单位": _form(merged, "价格认证资金", other_unit),
    }
    users = {
        "merged": make_user("filler_m", Role.FILLER, merged),
        "same_unit": make_user("filler_u", Role.FILLER, same_unit),
        "other_unit": make_user("reviewer_u", Role.REVIEWER, other_unit),
        "both": make_user("filler_both", Role.FILLER, dept_a, merged),
    }
    return dept_a, merged, kept_unit, other_unit, forms, users


def test_the_plan_counts_what_moves(two, admin_user):
    kept, merged, kept_unit, other_unit, _, _ = two
    plan = department_merge_plan(kept, merged)
    assert plan.problem == ""
    assert plan.counts == "项目 3、实施单位 2、用户 4、自评表 3"
    assert [(unit.name, into) for unit, into in plan.unit_pairs] == [("产业 发展科", kept_unit)]
    assert plan.moved_units == (other_unit,)


def test_a_merge_moves_everything_and_deletes_the_merged_one(two, admin_user):
    kept, merged, kept_unit, other_unit, forms, users = two
    summaries = dict(EvaluationSummary.objects.values_list("evaluation", "total_score"))
    department_merge(actor=admin_user, kept=kept, merged=merged)

    assert not Department.objects.filter(name__in=["通州区发改委", "产业 发展科"]).exists()
    other_unit.refresh_from_db()
    assert other_unit.parent == kept
    assert set(kept.units.values_list("name", flat=True)) == {"产业发展科", "价格认证中心"}
    projects = {p.name: p for p in Project.objects.select_related("implementing_unit")}
    assert {p.department_id for p in projects.values()} == {kept.pk}
    assert projects["本级项目"].implementing_unit is None
    assert projects["产业项目"].implementing_unit == kept_unit
    assert projects["价格认证资金"].implementing_unit == other_unit
    assert Evaluation.objects.count() == 4  # the forms moved with their projects
    # The stored summaries name no department: unchanged, and they still add up per department.
    assert dict(EvaluationSummary.objects.values_list("evaluation", "total_score")) == summaries

    def places(key):
        return set(
            DepartmentAssignment.objects.filter(user=users[key]).values_list(
                "department", flat=True
            )
        )

    assert places("merged") == {kept.pk}
    assert places("same_unit") == {kept_unit.pk}
    assert places("other_unit") == {other_unit.pk}
    assert places("both") == {kept.pk}  # one assignment, not two
    # The scope follows: the merged department's filler sees its forms under A now.
    seen = set(evaluations_for_user(users["merged"]).values_list("pk", flat=True))
    assert {form.pk for form in forms.values()} <= seen
    assert {e.project.name for e in evaluations_for_user(users["same_unit"])} == {
        "产业项目",
        "已有项目",  # the kept unit's own
    }


def test_a_merge_is_recorded(two, admin_user):
    kept, merged, _, other_unit, forms, users = two
    merged_pk = merged.pk
    department_merge(actor=admin_user, kept=kept, merged=merged)

    def messages(obj_id, model="department"):
        return list(
            LogEntry.objects.filter(content_type__model=model, object_id=str(obj_id))
            .order_by("pk")
            .values_list("change_message", flat=True)
        )

    assert messages(kept.pk) == [
        "并入主管部门「通州区发改委」：项目 3、实施单位 2、用户 4、自评表 3"
    ]
    assert messages(merged_pk) == ["并入「通州区发展和改革委员会」后删除主管部门「通州区发改委」"]
    assert messages(other_unit.pk) == [
        "所属主管部门：通州区发改委 → 通州区发展和改革委员会（部门合并）"
    ]
    project = forms["本级"].project
    assert messages(project.pk, "project") == [
        "主管部门：通州区发改委 → 通州区发展和改革委员会（部门合并）"
    ]
    assert messages(users["merged"].pk, "user") == [
        "部门/单位：通州区发改委 → 通州区发展和改革委员会（部门合并）"
    ]


def test_a_project_name_in_both_is_refused_and_nothing_changes(two, admin_user, dept_a):
    kept, merged, *_ = two
    _form(dept_a, "价格认证资金")
    before = snapshot()
    plan = department_merge_plan(kept, merged)
    assert plan.problem == (
        "「通州区发改委」不能并入「通州区发展和改革委员会」：两者都有项目「价格认证资金」，"
        "合并后会重名；请先把其中一个改名或删除，再合并"
    )
    with pytest.raises(ValidationError) as refused:
        department_merge(actor=admin_user, kept=kept, merged=merged)
    assert refused.value.messages == [plan.problem]
    assert snapshot() == before
    assert Project.objects.filter(department=merged).count() == 3
    assert DepartmentAssignment.objects.filter(department=merged).count() == 2


def test_two_units_of_one_department_merge(dept_a, admin_user):
    kept = make_department("价格认证中心", parent=dept_a)
    merged = make_department("区价格认证中心", parent=dept_a)
    form = _form(dept_a, "价格认证资金", merged)
    user = make_user("filler_u", Role.FILLER, merged)
    plan = department_merge(actor=admin_user, kept=kept, merged=merged)
    assert plan.counts == "项目 1、实施单位 0、用户 1、自评表 1"
    form.project.refresh_from_db()
    assert (form.project.department, form.project.implementing_unit) == (dept_a, kept)
    assert list(
        DepartmentAssignment.objects.filter(user=user).values_list("department", flat=True)
    ) == [kept.pk]
    assert not Department.objects.filter(pk=merged.pk).exists()


@pytest.mark.parametrize("case", ["self", "unit_into_department", "unit_of_another"])
def test_only_the_same_level_merges(dept_a, dept_b, admin_user, case):
    unit = make_department("产业发展科", parent=dept_a)
    kept, merged = {
        "self": (dept_a, dept_a),
        "unit_into_department": (dept_b, unit),
        "unit_of_another": (make_department("档案室", parent=dept_b), unit),
    }[case]
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        department_merge(actor=admin_user, kept=kept, merged=merged)
    assert "并入" in refused.value.messages[0]
    assert snapshot() == before


def test_the_demo_s_three_spellings_become_one_department(admin_user):
    load_demo()
    by_name = {d.name: d for d in Department.objects.filter(parent__isnull=True)}
    kept = by_name["通州区发展和改革委员会"]
    before = year_dashboard(admin_user, 2023)
    assert [row.name for row in before.departments] == [
        "办公室",
        "北京市通州区发展和改革委员会",
        "通州区发展和改革委员会",
        "通州区发改委",
    ]
    for name in ("北京市通州区发展和改革委员会", "通州区发改委"):
        department_merge(actor=admin_user, kept=kept, merged=by_name[name])
    # The 本级 unit written the long way merges into the short one by hand too.
    units = {unit.name: unit for unit in kept.units.all()}
    department_merge(
        actor=admin_user,
        kept=units["通州区发展和改革委员会"],
        merged=units["北京市通州区发展和改革委员会"],
    )

    board = year_dashboard(admin_user, 2023)
    assert [row.name for row in board.departments] == ["办公室", "通州区发展和改革委员会"]
    row = next(row for row in board.departments if row.name == kept.name)
    assert row.forms.value == 12
    assert board.forms.value == before.forms.value == 14 and board.missing == 0
    assert (board.annual_budget, board.executed) == (before.annual_budget, before.executed)
    assert [d.name for d in departments_for_user(admin_user) if d.parent_id is None] == [
        "办公室",
        "通州区发展和改革委员会",
    ]
    assert set(kept.units.values_list("name", flat=True)) == {
        "通州区发展和改革委员会",
        "产业发展科",
        "区发改委",
        "价格认证中心",
    }
    # Each former department's filler now works in the kept one; the reviewer once.
    for username in ("filler2", "filler3", "filler4"):
        filler = DepartmentAssignment.objects.get(user__username=username)
        assert filler.department == kept
    reviewer = DepartmentAssignment.objects.filter(user__username="reviewer")
    assert {a.department.name for a in reviewer} == {"办公室", "通州区发展和改革委员会"}
