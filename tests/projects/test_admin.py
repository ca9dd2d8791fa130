"""/admin/: no side door.

Forms are read-only there (every write goes through the services, which check the
version and record the 修改记录); only a superuser touches a superuser or grants
superuser/staff; a user cannot be given both the 填报人 and the 审核人 (or 管理员) group;
a project's 实施单位 belongs to its 主管部门.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.urls import reverse

from projects.admin import (
    ERROR_FILLER_AND_REVIEWER,
    ERROR_UNIT_OF_OTHER_DEPARTMENT,
    RoleCheckedUserChangeForm,
)
from projects.models import Evaluation, EvaluationEvent, Indicator, Project
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
