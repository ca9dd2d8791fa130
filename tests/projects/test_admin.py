"""/admin/: no side door.

Forms are read-only there (every write goes through the services, which check the
version and record the 修改记录); departments and projects are written through
projects.services.manage (recorded once, in words) and assignments are read-only; only
a superuser touches a superuser or grants superuser/staff; a user cannot be given both
the 填报人 and the 审核人 (or 管理员) group; a project's 实施单位 belongs to its 主管部门.
"""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from projects import admin as project_admin
from projects.admin import (
    ERROR_FILLER_AND_REVIEWER,
    ERROR_UNIT_OF_OTHER_DEPARTMENT,
    RoleCheckedUserChangeForm,
)
from projects.models import (
    BudgetLine,
    Department,
    Evaluation,
    EvaluationEvent,
    EvaluationSummary,
    Indicator,
    Project,
)
from projects.roles import Role
from tests.factories import make_department, make_evaluation, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", password="pw-root-2025")


@pytest.fixture
def staff(db):
    """A staff account allowed to view and change users (but not a superuser)."""
    user = User.objects.create_user("staff", password="pw-staff-2025", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="auth", codename__in=["view_user", "change_user"]
        )
    )
    return user


def _user_post(user: User, **changes) -> dict[str, object]:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- forms are read-only here ---------------------------------------------------------


def test_posting_a_forms_admin_page_changes_nothing(client, root, dept_a):
    evaluation = make_evaluation(make_project(dept_a), indicators=2)
    row = Indicator.objects.filter(evaluation=evaluation).order_by("position").first()
    before = (evaluation.version, evaluation.project_lead, row.score, row.review_score)
    client.force_login(root)
    url = reverse("admin:projects_evaluation_change", args=[evaluation.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "此处只读" in html and evaluation.get_absolute_url() in html
    assert 'name="project_lead"' not in html and 'name="indicators-0-score"' not in html
    response = client.post(
        url,
        {
            "project": evaluation.project_id,
            "year": evaluation.year,
            "status": Evaluation.Status.APPROVED,
            "project_lead": "改过",
            "budget_weight": "10",
            "budget_lines-TOTAL_FORMS": "0",
            "budget_lines-INITIAL_FORMS": "0",
            "indicators-TOTAL_FORMS": "1",
            "indicators-INITIAL_FORMS": "1",
            "indicators-0-id": row.pk,
            "indicators-0-evaluation": evaluation.pk,
            "indicators-0-score": "0",
            "indicators-0-review_score": "0",
        },
    )
    assert response.status_code == 403
    evaluation.refresh_from_db()
    row.refresh_from_db()
    assert (evaluation.version, evaluation.project_lead, row.score, row.review_score) == before
    assert evaluation.status == Evaluation.Status.DRAFT
    assert not EvaluationEvent.objects.exists()


def test_forms_cannot_be_added_or_deleted_here(client, root, dept_a):
    evaluation = make_evaluation(make_project(dept_a), indicators=1)
    client.force_login(root)
    assert client.get(reverse("admin:projects_evaluation_add")).status_code == 403
    delete = reverse("admin:projects_evaluation_delete", args=[evaluation.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Evaluation.objects.filter(pk=evaluation.pk).exists()


# --- only a superuser touches a superuser ----------------------------------------------


def test_staff_cannot_change_a_superuser_or_their_password(client, staff, root):
    client.force_login(staff)
    change = reverse("admin:auth_user_change", args=[root.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="username"' not in page.content.decode()  # view only
    assert client.post(change, _user_post(root, is_active=None)).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    assert client.get(password).status_code == 403
    data = {"password1": "Caizheng-2025!", "password2": "Caizheng-2025!", "usable_password": "true"}
    assert client.post(password, data).status_code == 403
    delete = reverse("admin:auth_user_delete", args=[root.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    root.refresh_from_db()
    assert root.is_active and root.check_password("pw-root-2025")


def test_staff_cannot_grant_superuser_or_staff(client, staff, filler_a):
    client.force_login(staff)
    for target in (staff, filler_a):
        url = reverse("admin:auth_user_change", args=[target.pk])
        response = client.post(url, _user_post(target, is_superuser="on", is_staff="on", groups=[]))
        assert response.status_code == 302
        target.refresh_from_db()
        assert not target.is_superuser
    filler_a.refresh_from_db()
    assert not filler_a.is_staff


def test_a_superuser_still_changes_a_superuser(client, root):
    other = User.objects.create_superuser("root2", password="pw-root2-2025")
    client.force_login(root)
    url = reverse("admin:auth_user_change", args=[other.pk])
    response = client.post(url, _user_post(other, is_active=None, is_superuser="on"))
    assert response.status_code == 302
    other.refresh_from_db()
    assert not other.is_active and other.is_superuser


# --- a filler is nobody's reviewer -----------------------------------------------------


@pytest.mark.parametrize("second", [Role.REVIEWER, Role.ADMIN])
def test_the_user_admin_refuses_filler_with_reviewer_or_admin(client, root, filler_a, second):
    groups = Group.objects.filter(name__in=[Role.FILLER.value, second.value])
    client.force_login(root)
    url = reverse("admin:auth_user_change", args=[filler_a.pk])
    response = client.post(url, _user_post(filler_a, groups=[g.pk for g in groups]))
    assert response.status_code == 200
    assert ERROR_FILLER_AND_REVIEWER in response.content.decode()
    assert list(filler_a.groups.values_list("name", flat=True)) == [Role.FILLER.value]


def test_the_user_form_refuses_a_filler_superuser(filler_a):
    filler = Group.objects.get(name=Role.FILLER.value)
    data = {**_user_post(filler_a, groups=[filler.pk]), "date_joined": filler_a.date_joined}
    form = RoleCheckedUserChangeForm({**data, "is_superuser": "on"}, instance=filler_a)
    assert not form.is_valid() and ERROR_FILLER_AND_REVIEWER in form.non_field_errors()
    form = RoleCheckedUserChangeForm(data, instance=filler_a)
    assert form.is_valid(), form.errors


# --- projects and departments ------------------------------------------------------------


def test_a_projects_unit_must_belong_to_its_department(client, root, dept_a, dept_b):
    unit_b = make_department("档案中心", parent=dept_b)
    project = make_project(dept_a, "价格认证资金")
    client.force_login(root)
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = {"name": project.name, "department": dept_a.pk, "implementing_unit": unit_b.pk}
    response = client.post(url, data)
    assert response.status_code == 200
    message = ERROR_UNIT_OF_OTHER_DEPARTMENT.format(unit=unit_b.name, department=dept_a)
    assert message in response.content.decode()
    assert Project.objects.get(pk=project.pk).implementing_unit is None


def test_a_unit_is_moved_under_manage_not_here(client, root, dept_a, dept_b):
    unit = make_department("价格认证中心", parent=dept_a)
    client.force_login(root)
    url = reverse("admin:projects_department_change", args=[unit.pk])
    assert client.post(url, {"name": "价格认证中心", "parent": dept_b.pk}).status_code == 302
    unit.refresh_from_db()
    assert unit.parent == dept_a


# --- what the admin still writes goes through the services, which record it --------------


def _entries(obj):
    return list(
        LogEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
        .order_by("pk")
        .values_list("action_flag", "change_message")
    )


def test_departments_are_saved_and_recorded_by_the_service(client, root, dept_a, monkeypatch):
    calls = []
    original = project_admin.department_save

    def department_save(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(project_admin, "department_save", department_save)
    client.force_login(root)
    assert (
        client.post(reverse("admin:projects_department_add"), {"name": "审计局"}).status_code == 302
    )
    created = Department.objects.get(name="审计局")
    url = reverse("admin:projects_department_change", args=[created.pk])
    assert client.post(url, {"name": "区审计局"}).status_code == 302
    assert [call["actor"] for call in calls] == [root, root]
    # One entry each, in words as under 系统管理 (the admin's own entry is not added).
    assert _entries(created) == [
        (ADDITION, "新建主管部门「审计局」"),
        (CHANGE, "名称：审计局 → 区审计局"),
    ]
    page = client.get(reverse("manage:department_edit", args=[created.pk])).content.decode()
    assert "名称：审计局 → 区审计局" in page


def test_a_department_in_use_is_not_deleted_here_either(client, root, dept_a, filler_a):
    """Its user assignments would go with it (CASCADE): refused, as under 系统管理."""
    client.force_login(root)
    url = reverse("admin:projects_department_delete", args=[dept_a.pk])
    page = client.get(url).content.decode()
    assert "还有 1 个用户分配" in page
    client.post(url, {"post": "yes"})
    assert Department.objects.filter(pk=dept_a.pk).exists()
    assert filler_a.department_assignments.filter(department=dept_a).exists()
    unused = make_department("审计局")
    url = reverse("admin:projects_department_delete", args=[unused.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Department.objects.filter(pk=unused.pk).exists()
    entry = LogEntry.objects.get(object_id=str(unused.pk), content_type__model="department")
    assert (entry.action_flag, entry.change_message) == (DELETION, "删除主管部门「审计局」")


def test_projects_are_saved_and_recorded_by_the_service(client, root, dept_a, dept_b):
    client.force_login(root)
    add = reverse("admin:projects_project_add")
    assert client.post(add, {"name": "价格认证资金", "department": dept_a.pk}).status_code == 302
    project = Project.objects.get(name="价格认证资金")
    url = reverse("admin:projects_project_change", args=[project.pk])
    assert client.post(url, {"name": project.name, "department": dept_b.pk}).status_code == 302
    assert _entries(project) == [
        (ADDITION, "新建项目「价格认证资金」"),
        (CHANGE, f"主管部门：{dept_a} → {dept_b}"),
    ]


def test_assignments_are_read_only_here(client, root, filler_a):
    """A user's departments change under 系统管理 → 用户, which records the change."""
    client.force_login(root)
    assert client.get(reverse("admin:projects_departmentassignment_add")).status_code == 403
    assignment = filler_a.department_assignments.get()
    url = reverse("admin:projects_departmentassignment_delete", args=[assignment.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert filler_a.department_assignments.exists()


def test_every_admin_of_a_form_or_its_rows_is_read_only(rf, root):
    """No admin of a form, its rows or its history can write (only the services do)."""
    request = rf.get("/")
    request.user = root
    form_models = {Evaluation, BudgetLine, Indicator, EvaluationEvent, EvaluationSummary}
    registered = [a for m, a in django_admin.site._registry.items() if m in form_models]
    admins = [
        *registered,
        *(inline(a.model, django_admin.site) for a in registered for inline in a.inlines),
    ]
    assert {a.model for a in admins} == {Evaluation, BudgetLine, Indicator}
    for model_admin in admins:
        assert not model_admin.has_add_permission(request, None)
        assert not model_admin.has_change_permission(request, None)
        assert not model_admin.has_delete_permission(request, None)
