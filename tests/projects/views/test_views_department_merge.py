"""系统管理 → 部门/单位 → 合并…: choose, see what moves, confirm; admins only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from projects.forms.manage import ERROR_MERGE_INTO_INVALID, ERROR_MERGE_INTO_REQUIRED
from projects.models import Department, Project
from tests.db_snapshot import snapshot
from tests.factories import make_department, make_evaluation, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(dept_a, filler_a):
    """通州区发改委, with one project (and its form) and one user, to merge into A."""
    department = make_department("通州区发改委")
    make_evaluation(make_project(department, "价格认证资金"), indicators=2)
    filler_a.department_assignments.create(department=department)
    return department


def _url(department: Department) -> str:
    return reverse("manage:department_merge", args=[department.pk])


def _get(client, user, path, **params):
    client.force_login(user)
    return client.get(path, params)


@pytest.mark.parametrize("persona", ["filler_a", "filler_b", "reviewer_a"])
def test_anyone_but_an_admin_is_refused_and_nothing_changes(
    client, request, merged, dept_a, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(_url(merged), {"into": dept_a.pk}).status_code == 403
    before = snapshot()
    assert client.post(_url(merged), {"into": dept_a.pk}).status_code == 403
    assert snapshot() == before


def test_anonymous_is_sent_to_login(client, merged, dept_a):
    for response in (client.get(_url(merged)), client.post(_url(merged), {"into": dept_a.pk})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert Department.objects.filter(pk=merged.pk).exists()


def test_an_unknown_department_is_404(client, admin_user):
    assert (
        _get(client, admin_user, reverse("manage:department_merge", args=[999999])).status_code
        == 404
    )


def test_the_list_links_to_the_merge(client, admin_user, merged):
    html = _get(client, admin_user, reverse("manage:departments")).content.decode()
    assert f'href="{_url(merged)}"' in html


def test_the_choice_offers_the_other_departments_only(client, admin_user, merged, dept_a, dept_b):
    unit = make_department("产业发展科", parent=dept_a)
    response = _get(client, admin_user, _url(merged))
    assert response.status_code == 200
    choices = {d.pk for d in response.context["form"].fields["into"].queryset}
    assert choices == {dept_a.pk, dept_b.pk}
    assert response.context["plan"] is None
    assert "确认合并" not in response.content.decode()
    # A unit's choice: the other units of its 主管部门.
    sibling = make_department("价格认证中心", parent=dept_a)
    response = _get(client, admin_user, _url(unit))
    assert {d.pk for d in response.context["form"].fields["into"].queryset} == {sibling.pk}


def test_the_confirmation_shows_what_moves_and_writes_nothing(client, admin_user, merged, dept_a):
    make_department("价格认证中心", parent=merged)
    client.force_login(admin_user)
    before = snapshot()
    response = client.get(_url(merged), {"into": dept_a.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "把「通州区发改委」并入「通州区发展和改革委员会」" in html
    assert "项目 1、实施单位 1、用户 1、自评表 1" in html
    assert "实施单位「价格认证中心」移到「通州区发展和改革委员会」下" in html
    assert "确认合并" in html
    assert snapshot() == before


def test_confirming_merges(client, admin_user, merged, dept_a):
    client.force_login(admin_user)
    response = client.post(_url(merged), {"into": dept_a.pk})
    assert response.status_code == 302 and response["Location"] == reverse("manage:departments")
    assert not Department.objects.filter(pk=merged.pk).exists()
    assert Project.objects.get(name="价格认证资金").department == dept_a
    page = client.get(response["Location"]).content.decode()
    assert (
        "已把「通州区发改委」并入「通州区发展和改革委员会」：项目 1、实施单位 0、用户 1、自评表 1。"
        in page
    )
    assert "通州区发改委</strong>" not in page


def test_a_clash_is_shown_and_refused(client, admin_user, merged, dept_a):
    make_project(dept_a, "价格认证资金")
    message = "两者都有项目「价格认证资金」，合并后会重名"
    html = _get(client, admin_user, _url(merged), into=dept_a.pk).content.decode()
    assert message in html and "确认合并" not in html
    before = snapshot()
    response = client.post(_url(merged), {"into": dept_a.pk})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("", ERROR_MERGE_INTO_REQUIRED),
        ("self", ERROR_MERGE_INTO_INVALID),
        ("unit", ERROR_MERGE_INTO_INVALID),
    ],
)
def test_a_wrong_choice_is_a_message(client, admin_user, merged, dept_a, into, message):
    unit = make_department("产业发展科", parent=dept_a)
    value = {"": "", "self": merged.pk, "unit": unit.pk}[into]
    client.force_login(admin_user)
    before = snapshot()
    response = client.post(_url(merged), {"into": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before
    shown = client.get(_url(merged), {"into": value})
    assert shown.status_code == 200 and message in shown.content.decode()
    assert shown.context["plan"] is None
