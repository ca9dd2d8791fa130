"""A project across the years: the project page and the partial for the form page."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from projects.selectors.dashboard import project_history
from projects.summaries import evaluation_summary_refresh
from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(dept_a):
    project = make_project(dept_a, "价格认证资金")
    for year, executed in ((2021, "100"), (2022, "50"), (2023, "80")):
        evaluation_summary_refresh(make_evaluation(project, year, executed=executed, indicators=3))
    return project


def url(project) -> str:
    return f"/dashboard/projects/{project.pk}/"


def test_shows_score_rate_and_grade_per_year(client, reviewer_a, project):
    client.force_login(reviewer_a)
    response = client.get(url(project))
    assert response.status_code == 200
    history = response.context["history"]
    assert [e.year for e in history] == [2021, 2022, 2023]
    assert [e.summary.execution_rate for e in history] == [
        Decimal("100.00"),
        Decimal("50.00"),
        Decimal("80.00"),
    ]
    assert [e.summary.total_score for e in history] == [
        Decimal("100.00"),
        Decimal("95.00"),
        Decimal("98.00"),
    ]
    html = response.content.decode()
    assert "价格认证资金" in html and "2022年度" in html and "95.00" in html
    assert 'data-chart="history"' in html and 'id="chart-history"' in html
    assert response.context["chart"]["series"][0]["values"] == ["100.00", "95.00", "98.00"]


def test_outsider_gets_404(client, filler_b, project):
    client.force_login(filler_b)
    assert client.get(url(project)).status_code == 404


def test_unknown_project_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/dashboard/projects/999999/").status_code == 404


def test_wrong_method(client, admin_user, project):
    client.force_login(admin_user)
    assert client.post(url(project)).status_code == 405


def test_the_partial_for_the_form_page(reviewer_a, filler_b, project, django_assert_num_queries):
    with django_assert_num_queries(2):  # the user's departments are a subquery; roles: 1
        history = project_history(reviewer_a, project.pk)
    html = render_to_string(
        "projects/dashboard/_year_over_year.html", {"history": history, "current": history[-1]}
    )
    assert "历年自评情况" in html and "2021年度" in html and "50.00%" in html
    assert 'class="table-active"' in html
    assert f"/dashboard/projects/{project.pk}/" in html
    assert project_history(filler_b, project.pk) == []
    assert (
        render_to_string("projects/dashboard/_year_over_year.html", {"history": []}).strip() == ""
    )


def test_a_form_without_summary_says_so(client, admin_user, dept_a):
    project = make_project(dept_a, "无汇总项目")
    make_evaluation(project, 2023)
    client.force_login(admin_user)
    html = client.get(url(project)).content.decode()
    assert "尚未汇总" in html
