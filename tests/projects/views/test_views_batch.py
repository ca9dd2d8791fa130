"""The list's batch work: 批量审核通过 and 导出所选, its sortable columns, its multi-word search."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Evaluation, EvaluationEvent, Project
from projects.roles import Role
from projects.selectors.evaluations import LIST_SORTS
from tests.factories import make_department, make_evaluation, make_project, make_user
from tests.projects.views.test_views_home import _bulk_forms, _names

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]

SUBMITTED = Evaluation.Status.SUBMITTED
APPROVE = "evaluations_approve"


def _submitted(department, name):
    return make_evaluation(make_project(department, name), indicators=3, status=SUBMITTED)


def _post(client, forms, comment="同意", versions=None, **extra):
    versions = versions or {}
    data = {"ids": [str(form.pk) for form in forms], "comment": comment, **extra}
    data |= {f"version-{form.pk}": str(versions.get(form.pk, form.version)) for form in forms}
    return client.post(reverse(APPROVE), data)


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def _status(form):
    return Evaluation.objects.values_list("status", flat=True).get(pk=form.pk)


# --- 批量审核通过 ------------------------------------------------------------------


def test_the_reviewer_approves_the_ticked_forms_and_is_back_on_the_list(client, reviewer_a, dept_a):
    forms = [_submitted(dept_a, f"项目{n}") for n in range(3)]
    client.force_login(reviewer_a)
    response = _post(client, forms, list_query="status=submitted&sort=-score")
    assert response.status_code == 302
    assert response["Location"] == reverse("home") + "?status=submitted&sort=-score"
    assert _messages(response) == ["已审核通过 3 张自评表，均已锁定。"]
    assert {_status(form) for form in forms} == {"approved"}
    assert EvaluationEvent.objects.filter(kind="approved", comment="同意").count() == 3


def test_refused_forms_are_listed_with_why_and_outsiders_by_number_only(
    client, reviewer_a, dept_a, dept_b
):
    clean = _submitted(dept_a, "可通过的表")
    broken = _submitted(dept_a, "有错的表")
    row = broken.indicators.get(position=1)
    row.score = Decimal("31")
    row.save()
    draft = make_evaluation(make_project(dept_a, "还是草稿"), indicators=3)
    changed = _submitted(dept_a, "刚被改过")
    outside = _submitted(dept_b, "别部门的秘密项目")
    client.force_login(reviewer_a)
    response = _post(
        client,
        [clean, broken, draft, changed, outside],
        versions={changed.pk: changed.version - 1},
    )
    success, refused = _messages(response)
    assert success == "已审核通过 1 张自评表，均已锁定。"
    assert refused.startswith("以下 4 张未审核通过：")
    assert "「有错的表」有 " in refused and "项错误" in refused
    assert "「还是草稿」不是待审核状态" in refused
    assert "「刚被改过」已被修改，请刷新后重试" in refused
    assert f"编号 {outside.pk}：找不到" in refused
    assert "别部门的秘密项目" not in refused
    assert [_status(f) for f in (clean, broken, draft, changed, outside)] == [
        "approved",
        "submitted",
        "draft",
        "submitted",
        "submitted",
    ]


def test_a_double_post_approves_once_and_says_so(client, reviewer_a, dept_a):
    form = _submitted(dept_a, "点了两次的表")
    client.force_login(reviewer_a)
    first = _post(client, [form])
    client.get(first["Location"])  # the list shows (and so clears) the first answer
    again = _post(client, [form])
    assert again.status_code == 302
    assert _messages(again) == ["以下 1 张此前已通过，未重复审核：「点了两次的表」"]
    assert EvaluationEvent.objects.filter(evaluation=form).count() == 1


@pytest.mark.parametrize("persona", ["filler_a", "filler_b"])
def test_a_filler_gets_403_and_nothing_changes(client, request, dept_a, persona):
    form = _submitted(dept_a, "填报人的表")
    client.force_login(request.getfixturevalue(persona))
    assert _post(client, [form]).status_code == 403
    assert _status(form) == SUBMITTED


def test_a_filler_who_is_also_reviewer_gets_403(client, dept_a):
    form = _submitted(dept_a, "兼任的表")
    dual = make_user("dual", Role.FILLER, dept_a)
    dual.groups.add(*make_user("tmp", Role.REVIEWER).groups.all())
    client.force_login(dual)
    assert _post(client, [form]).status_code == 403
    assert _status(form) == SUBMITTED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请先勾选要审核通过的自评表"),
        ({"ids": ["abc", "", "１２", "9" * 30]}, "请先勾选要审核通过的自评表"),
        ({"ids": ["1"], "comment": "很" * 5001}, "整表审核意见"),
    ],
)
def test_bad_input_is_a_message_and_changes_nothing(client, reviewer_a, dept_a, data, message):
    form = _submitted(dept_a, "不变的表")
    if data.get("ids") == ["1"]:
        data = {**data, "ids": [str(form.pk)], f"version-{form.pk}": str(form.version)}
    client.force_login(reviewer_a)
    response = client.post(reverse(APPROVE), data)
    assert response.status_code == 302
    assert any(message in text for text in _messages(response))
    assert _status(form) == SUBMITTED


def test_a_broken_list_query_still_lands_on_the_list(client, reviewer_a):
    client.force_login(reviewer_a)
    response = client.post(reverse(APPROVE), {"list_query": "q=a\r\nSet-Cookie: x=1&sort=name"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("home") + "?")
    assert "\n" not in response["Location"]


def test_an_admin_approves_across_departments(client, admin_user, dept_a, dept_b):
    forms = [_submitted(dept_a, "甲"), _submitted(dept_b, "乙")]
    client.force_login(admin_user)
    _post(client, forms)
    assert {_status(form) for form in forms} == {"approved"}


def test_the_list_offers_checkboxes_to_reviewers_only(client, reviewer_a, filler_a, dept_a):
    form = _submitted(dept_a, "待审核的表")
    client.force_login(reviewer_a)
    html = client.get(reverse("home")).content.decode()
    assert f'name="ids" value="{form.pk}"' in html
    assert f'name="version-{form.pk}" value="{form.version}"' in html
    assert reverse(APPROVE) in html and "data-select-all" in html
    client.force_login(filler_a)
    html = client.get(reverse("home")).content.decode()
    assert 'name="ids"' not in html and reverse(APPROVE) not in html


def _list_queries(client, query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home") + query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?sort=-score", "?sort=status&q=批量 项目"])
def test_the_reviewers_list_has_a_fixed_number_of_queries(client, reviewer_a, dept_a, query):
    """The checkboxes and versions come from the page's own rows: no query per row."""
    client.force_login(reviewer_a)
    forms = _bulk_forms(dept_a, 5)
    Evaluation.objects.update(status=SUBMITTED)
    few = _list_queries(client, query)
    for project in Project.objects.all():  # _bulk_forms names from 0 again
        project.name = f"{project.name}甲"
        project.save()
    forms += _bulk_forms(dept_a, 60)
    Evaluation.objects.update(status=SUBMITTED)
    many = _list_queries(client, query)
    assert few == many
    assert len(forms) > 20  # a full page of checkboxes the second time


# --- 导出所选 ------------------------------------------------------------------------


def test_export_of_the_selection_has_just_those_forms_in_scope(client, reviewer_a, dept_a, dept_b):
    chosen = [_submitted(dept_a, "选中一"), _submitted(dept_a, "选中二")]
    _submitted(dept_a, "没选")
    outside = _submitted(dept_b, "别部门")
    client.force_login(reviewer_a)
    response = client.post(
        reverse("evaluations_export", args=["xlsx"]),
        {"ids": [str(form.pk) for form in (*chosen, outside)]},
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = load_workbook(BytesIO(content)).worksheets[0]
    text = " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)
    assert "选中一" in text and "选中二" in text
    assert "没选" not in text and "别部门" not in text


def test_export_of_an_empty_selection_is_a_message(client, reviewer_a):
    client.force_login(reviewer_a)
    response = client.post(reverse("evaluations_export", args=["xlsx"]), {})
    assert response.status_code == 302
    assert _messages(response) == ["请先勾选要导出的自评表"]


# --- sortable columns ----------------------------------------------------------------


@pytest.fixture
def sortable(dept_a):
    unit = make_department("乙单位", parent=dept_a)
    b = make_evaluation(make_project(dept_a, "B项目"), indicators=3, status=SUBMITTED)
    a = make_evaluation(make_project(dept_a, "A项目", unit=unit), indicators=3)
    c = make_evaluation(
        make_project(make_department("A组"), "C项目"), indicators=3, status="approved"
    )
    from projects.summaries import evaluation_summary_refresh

    for form in (a, b, c):
        evaluation_summary_refresh(form)
    from projects.models import EvaluationSummary

    for form, score in ((a, "70"), (b, "90"), (c, "80")):
        EvaluationSummary.objects.filter(evaluation=form).update(total_score=Decimal(score))
    for form, day in ((a, 3), (b, 1), (c, 2)):
        Evaluation.objects.filter(pk=form.pk).update(updated_at=f"2024-01-0{day}T00:00:00Z")
    return a, b, c


EXPECTED_ORDER = {
    "name": ["A项目", "B项目", "C项目"],
    "department": ["C项目", "A项目", "B项目"],  # A组 before 通州区…, then by project name
    "score": ["A项目", "C项目", "B项目"],
    "status": ["A项目", "B项目", "C项目"],  # 草稿, 已提交, 已通过
    "updated": ["B项目", "C项目", "A项目"],
}


@pytest.mark.parametrize("key", sorted(LIST_SORTS))
def test_each_column_sorts_both_ways(client, admin_user, sortable, key):
    client.force_login(admin_user)
    expected = EXPECTED_ORDER[key]
    assert _names(client.get(reverse("home"), {"sort": key})) == expected
    assert _names(client.get(reverse("home"), {"sort": f"-{key}"})) == expected[::-1]


@pytest.mark.parametrize("value", ["bogus", "-", "--name", "project__name", "name;drop", "é" * 300])
def test_an_unknown_sort_is_the_default_order(client, admin_user, sortable, value):
    client.force_login(admin_user)
    default = _names(client.get(reverse("home")))
    response = client.get(reverse("home"), {"sort": value})
    assert response.status_code == 200
    assert _names(response) == default
    assert response.context["sort"] == ""


def test_the_sort_is_kept_by_the_page_links_and_the_filter_bar(client, admin_user, dept_a):
    _bulk_forms(dept_a, 25)
    client.force_login(admin_user)
    html = client.get(reverse("home"), {"sort": "-name", "q": "批量"}).content.decode()
    assert "page=2" in html
    assert "?sort=-name&amp;q=%E6%89%B9%E9%87%8F&amp;page=2" in html
    assert '<input type="hidden" name="sort" value="-name">' in html
    # The header of the sorted column reverses it and drops the page.
    second = client.get(reverse("home"), {"sort": "name", "page": "2"}).content.decode()
    assert 'href="?sort=-name"' in second
    assert 'aria-sort="ascending"' in second


# --- multi-word search ---------------------------------------------------------------


@pytest.fixture
def searchable(dept_a):
    unit = make_department("价格认证中心", parent=dept_a)
    make_evaluation(make_project(dept_a, "档案数字化服务"))
    make_evaluation(make_project(dept_a, "价格监测经费", unit=unit))
    make_evaluation(make_project(make_department("办公室"), "档案整理经费"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("档案 经费", ["档案整理经费"]),
        ("档案\u3000经费", ["档案整理经费"]),  # the full-width space of a Chinese keyboard
        ("  经费   认证中心 ", ["价格监测经费"]),  # a word in the 实施单位's name
        ("发展和改革 档案", ["档案数字化服务"]),  # one in the 主管部门's name
        ("档案", ["档案数字化服务", "档案整理经费"]),
        ("档案 没有这个词", []),
    ],
)
def test_every_word_must_match_name_department_or_unit(
    client, admin_user, searchable, query, expected
):
    client.force_login(admin_user)
    response = client.get(reverse("home"), {"q": query})
    assert sorted(_names(response)) == sorted(expected)


@pytest.mark.parametrize("ids", [["9" * 30], ["abc"], ["1,2"]])
def test_export_of_odd_ids_is_no_error(client, reviewer_a, ids):
    client.force_login(reviewer_a)
    response = client.post(reverse("evaluations_export", args=["xlsx"]), {"ids": ids})
    assert response.status_code in {200, 302}
