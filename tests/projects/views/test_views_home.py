"""The list of forms (home): scope, filters, search, pagination, fixed query count."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import (
    BudgetLine,
    Evaluation,
    EvaluationSummary,
    Indicator,
    Project,
    ReportingYear,
)
from projects.summaries import summaries_refresh_all
from tests.factories import level2, make_evaluation, make_project

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_filler_sees_own_forms_with_score_grade_and_status(
    client, filler_a, evaluation_a, evaluation_b
):
    client.force_login(filler_a)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "价格认证资金" in html
    assert "档案整理及数字化服务" not in html  # the other department's form
    row = next(iter(response.context["page"].object_list))
    evaluation, result = row
    assert evaluation == evaluation_a
    assert (result.total_score, result.grade) == (Decimal("100.00"), "优")
    assert "100.00" in html and "草稿" in html and "新建自评表" in html


def test_reviewer_sees_the_list_without_create(client, reviewer_a, evaluation_a):
    client.force_login(reviewer_a)
    response = client.get(reverse("home"))
    assert "价格认证资金" in response.content.decode()
    assert not response.context["can_create"]


def test_wrong_method(client, filler_a):
    client.force_login(filler_a)
    assert client.post(reverse("home")).status_code == 405


def _names(response):
    return [evaluation.project.name for evaluation, _ in response.context["page"].object_list]


@pytest.fixture
def several(dept_a):
    make_evaluation(make_project(dept_a, "甲项目"), 2023)
    make_evaluation(make_project(dept_a, "乙项目"), 2022, status=Evaluation.Status.SUBMITTED)
    # Executed half the budget and no rows: 总分 5.00, 差, with errors (weights ≠ 100).
    make_evaluation(make_project(dept_a, "丙项目"), 2023, executed="50")


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ["丙项目", "甲项目", "乙项目"]),
        ("?year=2022", ["乙项目"]),
        ("?status=submitted", ["乙项目"]),
        ("?q=甲", ["甲项目"]),
        ("?grade=差", ["丙项目", "甲项目", "乙项目"]),
        ("?grade=优", []),
        ("?has_errors=yes", ["丙项目", "甲项目", "乙项目"]),
        ("?has_errors=no", []),
        ("?year=abc&status=nonsense", ["丙项目", "甲项目", "乙项目"]),  # ignored, not a 500
    ],
)
def test_filters_and_search(client, filler_a, several, query, names):
    client.force_login(filler_a)
    response = client.get(reverse("home") + query)
    assert response.status_code == 200
    assert _names(response) == names


def test_grade_and_errors_come_from_the_scoring(client, filler_a, dept_a):
    good = make_evaluation(make_project(dept_a, "好项目"), indicators=3)
    make_evaluation(make_project(dept_a, "差项目"), executed="10")
    client.force_login(filler_a)
    assert _names(client.get(reverse("home") + "?grade=优")) == [good.project.name]
    assert _names(client.get(reverse("home") + "?has_errors=no")) == [good.project.name]


@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored-summaries"])
def test_hints_filter_and_count(client, filler_a, dept_a, stored):
    # 3 rows at full marks and 总分 100: all_full_marks; one row short and explained: none.
    hinted = make_evaluation(make_project(dept_a, "满分项目"), indicators=3)
    quiet = make_evaluation(make_project(dept_a, "如实项目"), indicators=3)
    quiet.indicators.filter(position=1).update(
        actual="9件", score=Decimal("27"), deviation_reason="一件延期到下年"
    )
    if stored:
        summaries_refresh_all()
    client.force_login(filler_a)
    assert _names(client.get(reverse("home") + "?has_hints=yes")) == [hinted.project.name]
    assert _names(client.get(reverse("home") + "?has_hints=no")) == [quiet.project.name]
    response = client.get(reverse("home"))
    assert '<span class="finding-hint">1 个提示</span>' in response.content.decode()
    scores = {evaluation.pk: result for evaluation, result in response.context["page"].object_list}
    assert (scores[hinted.pk].hint_count, scores[quiet.pk].hint_count) == (1, 0)


def test_department_filter(client, admin_user, evaluation_a, evaluation_b, dept_b):
    client.force_login(admin_user)
    response = client.get(reverse("home") + f"?department={dept_b.pk}")
    assert _names(response) == ["档案整理及数字化服务"]


def test_pagination_keeps_the_filters(client, filler_a, dept_a):
    _bulk_forms(dept_a, 45)
    client.force_login(filler_a)
    response = client.get(reverse("home") + "?year=2023&page=2")
    assert len(response.context["page"].object_list) == 20
    assert "?year=2023&amp;page=3" in response.content.decode()
    assert client.get(reverse("home") + "?page=999").context["page"].number == 3


def _bulk_forms(department, count, rows=3):
    """``count`` forms of 2023 with ``rows`` indicator rows each, quickly."""
    projects = Project.objects.bulk_create(
        Project(department=department, name=f"批量项目{n:04d}") for n in range(count)
    )
    forms = Evaluation.objects.bulk_create(Evaluation(project=p, year=2023) for p in projects)
    BudgetLine.objects.bulk_create(
        BudgetLine(
            evaluation=e,
            kind=kind,
            annual_budget=Decimal("100") if kind == "total" else None,
            executed=Decimal("95") if kind == "total" else None,
        )
        for e in forms
        for kind in ("total", "current", "carryover", "other")
    )
    quantity = level2("产出指标", "数量指标")
    Indicator.objects.bulk_create(
        Indicator(
            evaluation=e,
            level2=quantity,
            position=i,
            name=f"指标{i}",
            target="≥10件",
            actual="9件",
            weight=Decimal("30"),
            target_comparator="≥",
            target_number=Decimal("10"),
            target_unit="件",
            actual_number=Decimal("9"),
            actual_unit="件",
        )
        for e in forms
        for i in range(1, rows + 1)
    )
    return forms


# The list's queries, whatever the number of forms: session, user, roles; the years and
# departments of the filters; the page count; the page; its budget lines and rows
# (prefetched); the 一级 weights of the scoring rules; the years open for filling
# (shown to fillers); the 自评任务 without a form (待填报, shown to fillers).
LIST_QUERIES = 12
# A grade or error filter runs in SQL on the stored summaries. Forms without a current
# summary are scored live: one query for them and two prefetches of their rows, then
# the page's own two prefetches (the forms made here in bulk have no summary yet).
LIST_QUERIES_SCORED = 15
# With every summary current: the stale forms' query finds none, and the page shows
# the stored 总分/等级/errors without loading any rows.
LIST_QUERIES_FROM_SUMMARIES = 11


@pytest.mark.parametrize("count", [10, 500])
def test_list_query_count_does_not_grow(client, filler_a, dept_a, count, django_assert_num_queries):
    _bulk_forms(dept_a, count)
    client.force_login(filler_a)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("home"))
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [10, 500])
def test_scored_filter_query_count_does_not_grow(
    client, filler_a, dept_a, count, django_assert_num_queries
):
    _bulk_forms(dept_a, count)
    client.force_login(filler_a)
    with django_assert_num_queries(LIST_QUERIES_SCORED):
        response = client.get(reverse("home") + "?grade=优&has_errors=yes")
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [10, 500])
def test_scored_filters_use_the_stored_summaries(
    client, filler_a, dept_a, count, django_assert_num_queries
):
    forms = _bulk_forms(dept_a, count)
    summaries_refresh_all()
    grade = EvaluationSummary.objects.get(evaluation=forms[0]).grade
    other = "差" if grade != "差" else "优"
    # The SQL filter reads the summary: one form's stored grade made different shows it.
    EvaluationSummary.objects.filter(evaluation=forms[-1]).update(grade=other)
    client.force_login(filler_a)
    with django_assert_num_queries(LIST_QUERIES_FROM_SUMMARIES):
        response = client.get(reverse("home") + f"?grade={grade}&has_errors=yes")
    page = response.context["page"]
    assert page.paginator.count == count - 1
    _, shown = page.object_list[0]
    assert shown.grade == grade
    assert _names(client.get(reverse("home") + f"?grade={other}")) == [forms[-1].project.name]


def test_a_stale_summary_is_scored_live(client, filler_a, dept_a):
    good = make_evaluation(make_project(dept_a, "好项目"), indicators=3)
    make_evaluation(make_project(dept_a, "差项目"), executed="10")
    summaries_refresh_all()
    # Stored with other rules: neither the filter nor the row may trust it.
    EvaluationSummary.objects.filter(evaluation=good).update(grade="差", rules_digest="old")
    client.force_login(filler_a)
    response = client.get(reverse("home") + "?grade=优")
    assert _names(response) == [good.project.name]
    _, shown = response.context["page"].object_list[0]
    assert shown.grade == "优"


def test_dashboard_drill_down_parameters_narrow_the_list(client, filler_a, dept_a):
    make_evaluation(make_project(dept_a, "好项目"), indicators=3)
    make_evaluation(make_project(dept_a, "差项目"), executed="10")
    summaries_refresh_all()
    client.force_login(filler_a)
    response = client.get(reverse("home") + "?score_below=60")
    assert _names(response) == ["差项目"]
    assert "另有统计页的筛选条件" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "score_min=1e131072",  # a 500 on PostgreSQL: value overflows numeric format
        "score_below=1e131072",
        "execution_rate_below=1e131072",
        "score_min=99999999999999999999999999",
        "score_below=12,3",
        "score_below=NaN",
        "score_below=59.999",
    ],
)
def test_a_bad_drill_down_number_is_ignored(client, filler_a, dept_a, query):
    make_evaluation(make_project(dept_a, "好项目"), indicators=3)
    make_evaluation(make_project(dept_a, "差项目"), executed="10")
    summaries_refresh_all()
    client.force_login(filler_a)
    response = client.get(reverse("home") + "?" + query)
    assert response.status_code == 200
    assert sorted(_names(response)) == ["好项目", "差项目"]
    assert "另有统计页的筛选条件" not in response.content.decode()


def test_fillers_see_the_open_years(client, filler_a, reviewer_a):
    ReportingYear.objects.create(year=2024, deadline=date(2025, 3, 31))
    ReportingYear.objects.create(year=2023, is_open=False)
    client.force_login(filler_a)
    assert "开放填报：2024年度（2025年3月31日截止）" in client.get(reverse("home")).content.decode()
    ReportingYear.objects.filter(year=2024).update(is_open=False)
    assert "目前没有开放填报的年度" in client.get(reverse("home")).content.decode()
    client.force_login(reviewer_a)
    assert 'id="open-years"' not in client.get(reverse("home")).content.decode()
