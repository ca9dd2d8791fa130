"""系统管理: users, departments and years, managed by an admin in the app."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.urls import reverse

from projects.forms.manage import (
    ERROR_DEPARTMENTS_REQUIRED,
    ERROR_PARENT_HAS_UNITS,
    ERROR_PASSWORDS_DIFFER,
    ERROR_USERNAME_TAKEN,
    ERROR_YEAR_TAKEN,
)
from projects.models import Department, DepartmentAssignment, Evaluation, ReportingYear
from projects.roles import Role
from projects.services.manage import ERROR_OWN_ACCOUNT, ERROR_OWN_ROLE
from tests.factories import make_department, make_evaluation, make_project, make_user

pytestmark = pytest.mark.django_db

STRONG = "Caizheng-2025!"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _user_post(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": "zhang3",
        "first_name": "张三",
        "role": Role.FILLER.value,
        "departments": [],
        "is_active": "on",
        "password1": STRONG,
        "password2": STRONG,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _choose_own_password(client, old: str) -> None:
    """A user an admin set up is sent to 修改密码 until they have chosen their own."""
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    new = "Ziji-de-mima-2025"
    data = {"old_password": old, "new_password1": new, "new_password2": new}
    assert client.post(reverse("password_change"), data)["Location"] == reverse("home")


def _roles(user: User) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


def _departments(user: User) -> set[str]:
    return set(
        DepartmentAssignment.objects.filter(user=user).values_list("department__name", flat=True)
    )


# --- who may reach it -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["manage:users", "manage:user_create", "manage:departments", "manage:years"]
)
def test_only_admins(client, filler_a, reviewer_a, admin_user, name):
    url = reverse(name)
    assert client.get(url)["Location"].startswith(reverse("login"))
    for user in (filler_a, reviewer_a):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_unknown_objects_are_404(admin_client):
    for name in ("manage:user_edit", "manage:department_edit", "manage:year_edit"):
        assert admin_client.get(reverse(name, args=[999999])).status_code == 404
    assert admin_client.post(reverse("manage:department_delete", args=[999999])).status_code == 404


def test_a_reviewer_cannot_create_users(client, reviewer_a, dept_a):
    client.force_login(reviewer_a)
    response = client.post(reverse("manage:user_create"), _user_post(departments=[dept_a.pk]))
    assert response.status_code == 403
    assert not User.objects.filter(username="zhang3").exists()


def test_the_admin_menu_leads_here(client, admin_user, filler_a):
    client.force_login(admin_user)
    assert reverse("manage:users") in client.get(reverse("home")).content.decode()
    client.force_login(filler_a)
    assert reverse("manage:users") not in client.get(reverse("home")).content.decode()


# --- users ------------------------------------------------------------------------------


def test_list_shows_roles_departments_and_state(admin_client, filler_a, reviewer_a, dept_a):
    filler_a.is_active = False
    filler_a.save()
    page = admin_client.get(reverse("manage:users")).content.decode()
    assert "filler_a" in page and "reviewer_a" in page and "admin_user" in page
    assert dept_a.name in page and "停用" in page and "审核人" in page


@pytest.mark.parametrize(
    ("params", "listed", "hidden"),
    [
        ({"q": "review"}, ["reviewer_a"], ["filler_a"]),
        ({"role": Role.FILLER.value}, ["filler_a", "filler_b"], ["reviewer_a", "admin_user"]),
        ({"role": Role.ADMIN.value}, ["admin_user"], ["filler_a"]),
        ({"state": "inactive"}, [], ["filler_a", "reviewer_a"]),
        ({"role": "nonsense", "state": "x"}, ["filler_a", "reviewer_a"], []),
    ],
)
def test_list_filters(admin_client, filler_a, filler_b, reviewer_a, params, listed, hidden):
    table = admin_client.get(reverse("manage:users"), params).content.decode()
    table = table[table.index('id="user-table"') :]
    for username in listed:
        assert f"<td>{username}</td>" in table
    for username in hidden:
        assert f"<td>{username}</td>" not in table


def test_list_queries_do_not_grow_with_users(
    client, admin_user, dept_a, dept_b, django_assert_num_queries
):
    client.force_login(admin_user)
    make_user("one", Role.FILLER, dept_a)
    client.get(reverse("manage:users"))  # content types and the like, cached after this
    with django_assert_num_queries(USER_LIST_QUERIES):
        client.get(reverse("manage:users"))
    for number in range(30):
        make_user(f"user{number}", Role.REVIEWER, dept_a, dept_b)
    with django_assert_num_queries(USER_LIST_QUERIES):
        client.get(reverse("manage:users"))


# session, user, user's groups (the menu), count, page, groups, assignments
USER_LIST_QUERIES = 7


def test_create_a_filler_who_can_then_sign_in(client, admin_user, dept_a, evaluation_a):
    client.force_login(admin_user)
    response = client.post(reverse("manage:user_create"), _user_post(departments=[dept_a.pk]))
    user = User.objects.get(username="zhang3")
    assert response["Location"] == reverse("manage:user_edit", args=[user.pk])
    assert (user.first_name, _roles(user), _departments(user)) == (
        "张三",
        ["填报人"],
        {dept_a.name},
    )
    entry = LogEntry.objects.get(object_id=str(user.pk))
    assert entry.user == admin_user and "角色：填报人" in entry.change_message
    client.logout()
    assert client.login(username="zhang3", password=STRONG)
    _choose_own_password(client, STRONG)
    assert "价格认证资金" in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"departments": []}, ERROR_DEPARTMENTS_REQUIRED),
        ({"password2": "Other-2025!"}, ERROR_PASSWORDS_DIFFER),
        ({"password1": "12345678", "password2": "12345678"}, "密码只包含数字"),
        ({"password1": "short", "password2": "short"}, "密码太短，至少需要 8 个字符"),
        ({"username": "FILLER_A"}, ERROR_USERNAME_TAKEN.format(username="FILLER_A")),
        ({"username": "张 三"}, "用户名只能包含字母、数字"),
        ({"role": "超级管理员"}, "请选择一个角色"),
        ({"departments": ["999999"]}, "所选部门不存在"),
    ],
)
def test_create_refused_keeps_the_input(admin_client, dept_a, filler_a, changes, message):
    data = _user_post(departments=[dept_a.pk])
    data.update(changes)
    response = admin_client.post(reverse("manage:user_create"), data)
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert 'value="张三"' in page
    assert User.objects.count() == 2  # admin_user and filler_a


def test_an_admin_needs_no_department(admin_client, dept_a):
    admin_client.post(
        reverse("manage:user_create"),
        _user_post(role=Role.ADMIN.value, departments=[dept_a.pk]),
    )
    user = User.objects.get(username="zhang3")
    assert _roles(user) == ["管理员"] and _departments(user) == set()


def test_edit_role_and_departments(admin_client, admin_user, filler_a, dept_a, dept_b):
    url = reverse("manage:user_edit", args=[filler_a.pk])
    assert 'value="filler_a"' in admin_client.get(url).content.decode()
    data = _user_post(
        username="ignored",
        first_name="李四",
        role=Role.REVIEWER.value,
        departments=[dept_b.pk],
        password1=None,
        password2=None,
    )
    response = admin_client.post(url, data)
    assert response["Location"] == url
    filler_a.refresh_from_db()
    assert (filler_a.username, filler_a.first_name) == ("filler_a", "李四")
    assert _roles(filler_a) == ["审核人"] and _departments(filler_a) == {dept_b.name}
    entry = LogEntry.objects.filter(object_id=str(filler_a.pk)).latest("action_time")
    assert entry.change_message == (
        f"姓名：（空） → 李四；角色：填报人 → 审核人；部门/单位：{dept_a.name} → {dept_b.name}"
    )
    page = admin_client.get(url).content.decode()
    assert "角色：填报人 → 审核人" in page  # the history on the page
    # the same post again changes nothing and records nothing
    admin_client.post(url, data)
    assert LogEntry.objects.filter(object_id=str(filler_a.pk)).count() == 1


def test_a_deactivated_user_cannot_sign_in(client, admin_user, filler_a, dept_a):
    client.force_login(admin_user)
    data = _user_post(departments=[dept_a.pk], password1=None, password2=None)
    del data["is_active"]
    client.post(reverse("manage:user_edit", args=[filler_a.pk]), data)
    client.logout()
    assert not client.login(username="filler_a", password="pw-filler_a")


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"role": Role.FILLER.value}, ERROR_OWN_ROLE), ({"is_active": None}, ERROR_OWN_ACCOUNT)],
)
def test_admins_cannot_lock_themselves_out(admin_client, admin_user, dept_a, changes, message):
    data = _user_post(
        role=Role.ADMIN.value, departments=[dept_a.pk], password1=None, password2=None
    )
    data.update(changes)
    data = {key: value for key, value in data.items() if value is not None}
    response = admin_client.post(reverse("manage:user_edit", args=[admin_user.pk]), data)
    assert response.status_code == 200 and message in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and _roles(admin_user) == ["管理员"]


def test_reset_a_password(client, admin_user, filler_a):
    client.force_login(admin_user)
    url = reverse("manage:user_password", args=[filler_a.pk])
    response = client.post(url, {"password1": STRONG, "password2": "different-2025"})
    assert response.status_code == 400 and ERROR_PASSWORDS_DIFFER in response.content.decode()
    response = client.post(url, {"password1": STRONG, "password2": STRONG})
    assert response["Location"] == reverse("manage:user_edit", args=[filler_a.pk])
    assert LogEntry.objects.get(object_id=str(filler_a.pk)).change_message == "重设密码"
    client.logout()
    assert client.login(username="filler_a", password=STRONG)
    _choose_own_password(client, STRONG)
    # A GET goes to the user's page, which a filler may not see either.
    assert client.get(url, follow=True).status_code == 403
    assert client.post(url, {"password1": STRONG, "password2": STRONG}).status_code == 403


# --- departments -------------------------------------------------------------------------


def test_department_tree_with_counts(admin_client, dept_a, evaluation_a, filler_a):
    unit = make_department("价格认证中心", parent=dept_a)
    make_project(dept_a, "单位项目", unit=unit)
    page = admin_client.get(reverse("manage:departments")).content.decode()
    assert page.index(dept_a.name) < page.index("价格认证中心")
    counts = re.findall(r'<td class="text-end">(\d+)</td>', page)
    # 主管部门: its 2 projects (one carried out by the unit), 1 user; the unit: 1 project, 0 users
    assert counts == ["2", "1", "1", "0"]


def test_create_a_department_and_a_unit(admin_client, admin_user, dept_a):
    response = admin_client.post(reverse("manage:department_create"), {"name": " 财政局 "})
    assert response["Location"] == reverse("manage:departments")
    top = Department.objects.get(name="财政局", parent=None)
    admin_client.post(reverse("manage:department_create"), {"name": "预算科", "parent": top.pk})
    assert Department.objects.get(name="预算科").parent == top
    assert LogEntry.objects.filter(user=admin_user).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "办公室"}, "已有同名的主管部门「办公室」"),
        ({"name": ""}, "请填写名称"),
        ({"name": "新单位", "parent": "999999"}, "所选主管部门不存在"),
    ],
)
def test_create_a_department_refused(admin_client, dept_b, data, message):
    response = admin_client.post(reverse("manage:department_create"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert Department.objects.count() == 1


def test_rename_and_move_a_department(admin_client, dept_a, dept_b):
    unit = make_department("价格认证中心", parent=dept_a)
    url = reverse("manage:department_edit", args=[unit.pk])
    admin_client.post(url, {"name": "价格认证中心（新）", "parent": dept_b.pk})
    unit.refresh_from_db()
    assert (unit.name, unit.parent) == ("价格认证中心（新）", dept_b)
    assert "名称：价格认证中心 → 价格认证中心（新）" in (
        LogEntry.objects.get(object_id=str(unit.pk)).change_message
    )
    # a 主管部门 with units cannot become a unit itself
    response = admin_client.post(
        reverse("manage:department_edit", args=[dept_b.pk]),
        {"name": dept_b.name, "parent": dept_a.pk},
    )
    assert ERROR_PARENT_HAS_UNITS.format(name=dept_b.name) in response.content.decode()
    dept_b.refresh_from_db()
    assert dept_b.parent is None


def test_a_department_in_use_is_not_deleted(admin_client, dept_a, evaluation_a, filler_a):
    response = admin_client.post(reverse("manage:department_delete", args=[dept_a.pk]), follow=True)
    page = response.content.decode()
    assert "不能删除：还有 1 个项目，还有 1 个用户分配" in page
    assert Department.objects.filter(pk=dept_a.pk).exists()


def test_delete_an_unused_department(admin_client, dept_a):
    unit = make_department("空单位", parent=dept_a)
    response = admin_client.post(reverse("manage:department_delete", args=[unit.pk]))
    assert response["Location"] == reverse("manage:departments")
    assert not Department.objects.filter(pk=unit.pk).exists()
    assert LogEntry.objects.get(object_id=str(unit.pk)).change_message.startswith("删除实施单位")


def test_delete_needs_post(admin_client, dept_a):
    response = admin_client.get(reverse("manage:department_delete", args=[dept_a.pk]))
    assert response["Location"] == reverse("manage:department_edit", args=[dept_a.pk])
    assert (
        admin_client.put(reverse("manage:department_delete", args=[dept_a.pk])).status_code == 405
    )


# --- years ---------------------------------------------------------------------------------


def test_year_list_counts_forms_and_shows_unrecorded_years(admin_client, dept_a):
    ReportingYear.objects.create(year=2024, is_open=False)
    make_evaluation(make_project(dept_a, "甲"), year=2023)
    make_evaluation(make_project(dept_a, "乙"), year=2023, status=Evaluation.Status.APPROVED)
    page = admin_client.get(reverse("manage:years")).content.decode()
    row_2023 = page[page.index('data-year="2023"') :]
    row_2023 = row_2023[: row_2023.index("</tr>")]
    assert "未登记" in row_2023 and f"{reverse('manage:year_create')}?year=2023" in row_2023
    # 自评表, then 草稿 / 已提交 / 已退回 / 已通过
    assert re.findall(r'class="text-end">(\d+)</td>', row_2023) == ["2", "1", "0", "0", "1"]
    assert "已截止" in page[page.index('data-year="2024"') :]


def test_record_a_year(admin_client, admin_user):
    response = admin_client.post(
        reverse("manage:year_create"),
        {"year": "2025", "is_open": "on", "deadline": "2026-03-31", "note": "第一轮"},
    )
    assert response["Location"] == reverse("manage:years")
    year = ReportingYear.objects.get(year=2025)
    assert year.is_open and str(year.deadline) == "2026-03-31"
    response = admin_client.post(reverse("manage:year_create"), {"year": "2025"})
    assert ERROR_YEAR_TAKEN.format(year=2025) in response.content.decode()
    for bad in ("1999", "二〇二五", ""):
        response = admin_client.post(reverse("manage:year_create"), {"year": bad})
        assert response.status_code == 200 and "年度" in response.content.decode()
    response = admin_client.post(
        reverse("manage:year_create"), {"year": "2026", "deadline": "2026-02-30"}
    )
    assert "日期格式应为" in response.content.decode()
    assert ReportingYear.objects.count() == 1


def test_closing_a_year_makes_its_drafts_read_only(client, admin_user, filler_a, evaluation_a):
    year = ReportingYear.objects.create(year=evaluation_a.year, is_open=True)
    client.force_login(admin_user)
    client.post(
        reverse("manage:year_edit", args=[year.pk]),
        {"year": "1234", "deadline": "2024-03-31"},  # the year itself cannot change
    )
    year.refresh_from_db()
    assert (year.year, year.is_open) == (evaluation_a.year, False)
    assert "状态：开放填报 → 已截止" in LogEntry.objects.get(object_id=str(year.pk)).change_message

    client.force_login(filler_a)
    page = client.get(evaluation_a.get_absolute_url()).content.decode()
    assert f"{evaluation_a.year}年度已截止填报" in page
    save = client.post(reverse("evaluation_save", args=[evaluation_a.pk]), {"version": "1"})
    submit = client.post(reverse("evaluation_submit", args=[evaluation_a.pk]), {"version": "1"})
    assert (save.status_code, submit.status_code) == (403, 403)
    evaluation_a.refresh_from_db()
    assert (evaluation_a.status, evaluation_a.version) == (Evaluation.Status.DRAFT, 1)

    year.is_open = True
    year.save()
    assert 'name="version"' in client.get(evaluation_a.get_absolute_url()).content.decode()


def test_new_forms_only_in_open_years(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    create = reverse("evaluation_create")
    page = client.get(create).content.decode()
    assert "目前没有开放填报的年度" in page
    response = client.post(create, {"year": "2024", "project": evaluation_a.project_id})
    assert "该年度未开放填报" in response.content.decode()
    ReportingYear.objects.create(year=2024, deadline="2025-03-31")
    ReportingYear.objects.create(year=2025, is_open=False)
    page = client.get(create).content.decode()
    assert "2024年度（2025年3月31日截止）" in page and '<option value="2025"' not in page
    response = client.post(create, {"year": "2025", "project": evaluation_a.project_id})
    assert "该年度未开放填报" in response.content.decode()
    assert not Evaluation.objects.filter(year__in=[2024, 2025]).exists()
    # "next year" from a form of 2023 goes to 2024, which is open
    response = client.post(reverse("evaluation_create_from_previous", args=[evaluation_a.pk]))
    assert Evaluation.objects.filter(project=evaluation_a.project, year=2024).exists()


def test_next_year_refused_when_not_open(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    response = client.post(
        reverse("evaluation_create_from_previous", args=[evaluation_a.pk]), follow=True
    )
    assert "2024年度未开放填报，不能新建自评表" in response.content.decode()
    assert not Evaluation.objects.filter(year=2024).exists()


def test_reviewers_review_in_a_closed_year(client, reviewer_a, evaluation_a):
    ReportingYear.objects.create(year=evaluation_a.year, is_open=False)
    Evaluation.objects.filter(pk=evaluation_a.pk).update(status=Evaluation.Status.SUBMITTED)
    client.force_login(reviewer_a)
    response = client.post(
        reverse("evaluation_approve", args=[evaluation_a.pk]),
        {"version": "1", "review_comment": "同意"},
    )
    assert response.status_code == 302
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.APPROVED


# --- only a superuser manages a superuser -----------------------------------------------


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-root-2025")


def test_an_admin_cannot_touch_a_superuser(admin_client, superuser, dept_a):
    edit = reverse("manage:user_edit", args=[superuser.pk])
    password = reverse("manage:user_password", args=[superuser.pk])
    assert admin_client.get(edit).status_code == 404
    data = _user_post(role=Role.FILLER.value, departments=[dept_a.pk], is_active=None)
    assert admin_client.post(edit, data).status_code == 404
    assert (
        admin_client.post(password, {"password1": STRONG, "password2": STRONG}).status_code == 404
    )
    superuser.refresh_from_db()
    assert superuser.is_active and superuser.check_password("pw-root-2025")
    assert not LogEntry.objects.filter(object_id=str(superuser.pk)).exists()
    # listed, read-only
    page = admin_client.get(reverse("manage:users")).content.decode()
    assert "root" in page and edit not in page


def test_the_services_refuse_too(admin_user, superuser):
    from django.core.exceptions import PermissionDenied

    from projects.services.manage import UserData, user_set_password, user_update

    with pytest.raises(PermissionDenied):
        user_set_password(actor=admin_user, user=superuser, password=STRONG)
    data = UserData("root", "", Role.ADMIN, (), is_active=False)
    with pytest.raises(PermissionDenied):
        user_update(actor=admin_user, user=superuser, data=data)
    superuser.refresh_from_db()
    assert superuser.is_active and superuser.check_password("pw-root-2025")


def test_a_superuser_still_manages_a_superuser(client, superuser):
    other = User.objects.create_superuser("root2", password="pw-root2-2025")
    client.force_login(superuser)
    assert client.get(reverse("manage:user_edit", args=[other.pk])).status_code == 200
    url = reverse("manage:user_password", args=[other.pk])
    assert client.post(url, {"password1": STRONG, "password2": STRONG}).status_code == 302
    other.refresh_from_db()
    assert other.check_password(STRONG)


def test_saving_a_user_with_two_roles_leaves_one(admin_client, filler_a, dept_a):
    from django.contrib.auth.models import Group

    filler_a.groups.add(Group.objects.get(name=Role.REVIEWER.value))  # as /admin/ once allowed
    url = reverse("manage:user_edit", args=[filler_a.pk])
    data = _user_post(first_name="", departments=[dept_a.pk], password1=None, password2=None)
    admin_client.post(url, data)
    assert _roles(filler_a) == ["填报人"]
    entry = LogEntry.objects.get(object_id=str(filler_a.pk))
    assert entry.change_message == "角色：填报人、审核人 → 填报人"


# --- a moved 实施单位 takes its projects along ------------------------------------------


def test_a_moved_unit_takes_its_projects_to_the_new_department(
    client, admin_user, dept_a, dept_b, filler_a, filler_b
):
    unit = make_department("价格认证中心", parent=dept_a)
    project = make_project(dept_a, "价格认证资金", unit=unit)
    evaluation = make_evaluation(project, indicators=1)
    form_url = evaluation.get_absolute_url()
    client.force_login(admin_user)
    response = client.post(
        reverse("manage:department_edit", args=[unit.pk]), {"name": unit.name, "parent": dept_b.pk}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.department, project.implementing_unit) == (dept_b, unit)
    entry = LogEntry.objects.get(content_type__model="project", object_id=str(project.pk))
    assert entry.change_message == f"主管部门：{dept_a} → {dept_b}（随实施单位「{unit.name}」移动）"
    client.force_login(filler_a)
    assert client.get(form_url).status_code == 404
    client.force_login(filler_b)
    page = client.get(form_url)
    assert page.status_code == 200 and 'name="version"' in page.content.decode()


def test_a_move_is_refused_when_a_project_name_is_taken(admin_client, dept_a, dept_b):
    from projects.services.manage import ERROR_MOVE_NAME_CLASH

    unit = make_department("价格认证中心", parent=dept_a)
    project = make_project(dept_a, "价格认证资金", unit=unit)
    make_project(dept_b, "价格认证资金")
    response = admin_client.post(
        reverse("manage:department_edit", args=[unit.pk]), {"name": unit.name, "parent": dept_b.pk}
    )
    assert response.status_code == 200
    message = ERROR_MOVE_NAME_CLASH.format(name=unit.name, parent=dept_b, names="「价格认证资金」")
    assert message in response.content.decode()
    unit.refresh_from_db()
    project.refresh_from_db()
    assert unit.parent == dept_a and project.department == dept_a


def test_a_unit_with_projects_does_not_become_a_department(admin_client, dept_a):
    from projects.services.manage import ERROR_LEVEL_CHANGE_WITH_PROJECTS

    unit = make_department("价格认证中心", parent=dept_a)
    make_project(dept_a, "价格认证资金", unit=unit)
    response = admin_client.post(
        reverse("manage:department_edit", args=[unit.pk]), {"name": unit.name, "parent": ""}
    )
    message = ERROR_LEVEL_CHANGE_WITH_PROJECTS.format(name=unit.name, count=1)
    assert message in response.content.decode()
    unit.refresh_from_db()
    assert unit.parent == dept_a
