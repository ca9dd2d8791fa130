"""Last year's 实际完成值 and score beside each row of this year's form page."""

import re
from decimal import Decimal

import pytest

from projects.selectors.evaluations import previous_rows
from tests.factories import add_indicator, level2, make_evaluation, make_project
from tests.projects.form_helpers import page_data, url
from tests.projects.views.test_views_evaluation_form import PAGE_QUERIES
from tests.projects.views.test_views_workflow import REVIEW_PAGE_QUERIES

pytestmark = pytest.mark.django_db

NOTE = re.compile(r'<div class="cell-note text-muted previous-row[^"]*">([^<]*)</div>')


def notes(response) -> list[str]:
    return NOTE.findall(response.content.decode())


@pytest.fixture
def project(dept_a):
    return make_project(dept_a, "公路养护")


@pytest.fixture
def last_year(project):
    evaluation = make_evaluation(project, 2023, status="approved")
    length = level2("产出指标", "数量指标")
    add_indicator(
        evaluation,
        level2_obj=length,
        name="养护里程",
        target="≥120公里",
        actual="125公里",
        weight=Decimal("30"),
        score=Decimal("30"),
    )
    add_indicator(
        evaluation,
        level2_obj=length,
        name="修补坑槽",
        target="≥50处",
        actual="40处",
        weight=Decimal("20"),
        score=Decimal("16"),
        review_score=Decimal("12.5"),
        review_comment="八处未完成",
    )
    return evaluation


def this_year_form(project, year=2024, **fields):
    evaluation = make_evaluation(project, year, **fields)
    length = level2("产出指标", "数量指标")
    add_indicator(evaluation, level2_obj=length, name="养护里程", target="≥130公里")
    add_indicator(evaluation, level2_obj=length, name=" 修补  坑槽", target="≥50处")
    add_indicator(evaluation, level2_obj=length, name="新建桥梁", target="1座")
    add_indicator(evaluation, level2_obj=level2("效益指标", "社会效益指标"), name="养护里程")
    return evaluation


def test_the_editable_page_shows_last_years_result_under_each_matching_row(
    client, filler_a, project, last_year
):
    evaluation = this_year_form(project)
    client.force_login(filler_a)
    response = client.get(url("evaluation_detail", evaluation))
    # The reviewer's 审核得分 is the one that counted; a new row and a row under
    # another 一级/二级 with the same name have no line.
    assert notes(response) == ["上年：完成 125公里，得分 30.00", "上年：完成 40处，得分 12.50"]


def test_the_read_only_page_shows_it_too(client, reviewer_a, project, last_year):
    evaluation = this_year_form(project, status="submitted")
    client.force_login(reviewer_a)
    response = client.get(url("evaluation_detail", evaluation))
    assert notes(response) == ["上年：完成 125公里，得分 30.00", "上年：完成 40处，得分 12.50"]


def test_the_latest_earlier_form_counts_and_says_its_year(client, filler_a, project, last_year):
    evaluation = this_year_form(project, year=2025)
    client.force_login(filler_a)
    response = client.get(url("evaluation_detail", evaluation))
    assert notes(response)[0] == "2023年：完成 125公里，得分 30.00"
    # Not a later form: 2023's page has nothing from 2025.
    assert notes(client.get(url("evaluation_detail", last_year))) == []


def test_a_row_action_keeps_the_lines(client, filler_a, project, last_year):
    evaluation = this_year_form(project)
    data = page_data(evaluation)
    client.force_login(filler_a)
    response = client.post(url("evaluation_rows", evaluation), {**data, "row_action": "down:0"})
    assert sorted(notes(response)) == [
        "上年：完成 125公里，得分 30.00",
        "上年：完成 40处，得分 12.50",
    ]


def test_nothing_without_a_previous_form(client, filler_a, project):
    evaluation = this_year_form(project)
    client.force_login(filler_a)
    response = client.get(url("evaluation_detail", evaluation))
    assert response.status_code == 200 and notes(response) == []
    assert "上年：" not in response.content.decode()


def test_nothing_from_another_departments_project(client, filler_a, project, dept_b):
    """Another department's project of the same name and rows: none of it shows."""
    other = make_evaluation(make_project(dept_b, "公路养护"), 2023, status="approved")
    add_indicator(
        other,
        level2_obj=level2("产出指标", "数量指标"),
        name="养护里程",
        actual="999公里",
        score=Decimal("1"),
    )
    evaluation = this_year_form(project)
    client.force_login(filler_a)
    response = client.get(url("evaluation_detail", evaluation))
    assert notes(response) == [] and "999公里" not in response.content.decode()


def test_the_previous_form_is_read_within_the_users_scope(filler_a, filler_b, project, last_year):
    evaluation = this_year_form(project)
    assert set(previous_rows(filler_a, evaluation)) == {
        ("产出指标", "数量指标", "养护里程"),
        ("产出指标", "数量指标", "修补坑槽"),
    }
    assert previous_rows(filler_b, evaluation) == {}


@pytest.mark.parametrize("rows", [5, 60])
def test_the_lines_cost_one_query_whatever_the_number_of_rows(
    client, filler_a, reviewer_a, project, rows, django_assert_num_queries
):
    make_evaluation(project, 2023, indicators=rows, status="approved")
    editable = make_evaluation(project, 2024, indicators=rows)
    client.force_login(filler_a)
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(url("evaluation_detail", editable))
    assert notes(response) == [f"上年：完成 10件，得分 {Decimal(90) / rows:.2f}"] * rows
    editable.status = "submitted"
    editable.save()
    client.force_login(reviewer_a)
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        response = client.get(url("evaluation_detail", editable))
    assert len(notes(response)) == rows
