"""The year dashboard: figures against the JSON export, drill-down, scope, queries."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from indicators.checks import Code, code_label
from projects.demo import load_demo
from projects.forms.evaluations import EvaluationFilterForm
from projects.interchange import evaluation_to_dict
from projects.models import Department, Evaluation, EvaluationSummary
from projects.selectors.dashboard import (
    SUMMARY_PARAMS,
    Dashboard,
    Figure,
    dashboard_years,
    filter_by_summary,
)
from projects.selectors.evaluations import (
    EvaluationFilters,
    evaluation_results,
    evaluation_years,
    evaluations_for_user,
    filter_evaluations,
    with_rows,
)
from projects.services.evaluations import (
    evaluation_create,
)
from projects.summaries import evaluation_summary_refresh
from tests.factories import add_indicator, make_evaluation, make_project

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("open_round"),
]

URL = "/dashboard/"


@pytest.fixture
def demo(dept_a, dept_b):
    """The 14 demo forms of 2023; dept_a and dept_b are two of their departments."""
    load_demo()


def board_for(client, user, **params) -> Dashboard:
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.context["board"]


def exported(year: int = 2023) -> list[dict]:
    forms = with_rows(Evaluation.objects.filter(year=year))
    return [evaluation_to_dict(e, r) for e, r in evaluation_results(forms)]


def total_line(form: dict) -> dict:
    return next(line for line in form["budget_lines"] if line["kind"] == "total")


def money(text: str | None) -> Decimal:
    return Decimal(text or "0")


# --- the figures ------------------------------------------------------------------


def test_average_leaves_out_drafts_and_forms_not_out_of_100(client, admin_user, dept_a):

    project = make_project(dept_a, "平均分项目")
    approved = make_evaluation(project, 2023, indicators=3, status="approved")
    draft = make_evaluation(make_project(dept_a, "草稿项目"), 2023, indicators=0)
    over = make_evaluation(make_project(dept_a, "110分项目"), 2023, indicators=3)
    add_indicator(over, name="多出的一行", weight=Decimal("10"), score=Decimal("10"))
    over.status = "submitted"
    over.save()
    for evaluation in (approved, draft, over):
        evaluation_summary_refresh(evaluation)
    board = board_for(client, admin_user, year=2023)
    assert board.forms.value == 3 and board.averaged == 1
    assert board.average_score == approved.summary.total_score
    page = client.get(URL, {"year": 2023}).content.decode()
    assert "1 张已提交或已通过、分值合计为 100 的自评表的平均" in page


def test_2023_figures_match_the_json_export(client, admin_user, demo):
    board = board_for(client, admin_user, year=2023)
    forms = exported()
    assert board.forms.value == len(forms) == 14
    assert board.missing == 0

    by_department = {row.name: row for row in board.departments}
    assert set(by_department) == {f["department"] for f in forms}
    for name, row in by_department.items():
        mine = [f for f in forms if f["department"] == name]
        assert row.forms.value == len(mine)
        statuses = dict(row.statuses)
        for status in ("draft", "submitted", "returned", "approved"):
            assert statuses[status].value == sum(f["status"] == status for f in mine)
        assert statuses["not_started"].value == 0
        budget = sum(money(total_line(f)["annual_budget"]) for f in mine)
        executed = sum(money(total_line(f)["executed"]) for f in mine)
        assert (row.annual_budget, row.executed) == (budget, executed)
        assert row.execution_rate == (executed * 100 / budget).quantize(Decimal("0.01"))

    assert board.annual_budget == sum(money(total_line(f)["annual_budget"]) for f in forms)
    assert board.executed == sum(money(total_line(f)["executed"]) for f in forms)
    assert board.annual_budget == Decimal("4374.398701")
    assert board.execution_rate == Decimal("99.66")
    scores = [Decimal(f["total_score"]) for f in forms]
    handed_in = [  # 平均总分: submitted or approved forms whose 分值 add up to 100
        Decimal(f["total_score"])
        for f in forms
        if f["status"] in ("submitted", "approved") and Decimal(f["total_weight"]) == 100
    ]
    assert 0 < len(handed_in) < len(forms)
    assert board.averaged == len(handed_in)
    assert board.average_score == (sum(handed_in) / len(handed_in)).quantize(Decimal("0.01"))

    grades = Counter(f["grade"] for f in forms)
    assert {b.label: b.count.value for b in board.grades} == {
        g: grades.get(g, 0) for g in ("优", "良", "中", "差")
    }
    buckets = {b.label: b.count.value for b in board.scores}
    assert sum(buckets.values()) == 14
    assert buckets["100 分及以上"] == sum(s >= 100 for s in scores)
    assert buckets["95–99.99"] == sum(95 <= s < 100 for s in scores)

    with_errors = [f for f in forms if any(x["severity"] == "error" for x in f["findings"])]
    # 价格认证资金 and 帮扶专项资金 (通州区重大投资项目规划谋划's bare costs are met)
    assert board.with_errors.value == len(with_errors) == 2
    assert {e.project.name for e in board.error_forms} == {f["project_name"] for f in with_errors}
    wrong = [f for f in forms if any(x["code"] == "recorded_total_mismatch" for x in f["findings"])]
    assert board.recorded_total_wrong.value == len(wrong) == 4
    assert {e.project.name for e in board.mismatch_forms} == {f["project_name"] for f in wrong}

    rates = sorted(
        (Decimal(f["budget"]["execution_rate"]), f["project_name"])
        for f in forms
        if f["budget"]["execution_rate"]
    )
    assert [e.summary.execution_rate for e in board.lowest_execution] == [r for r, _ in rates][:10]
    assert board.lowest_execution[0].project.name == "帮扶专项资金"
    lowest = sorted((Decimal(f["total_score"]), f["project_name"]) for f in forms)[:10]
    assert [e.summary.total_score for e in board.lowest_scores] == [s for s, _ in lowest]
    assert board.low_rate.value == sum(r < 90 for r, _ in rates)


def test_the_most_common_hints_per_department_match_the_json_export(client, admin_user, demo):
    board = board_for(client, admin_user, year=2023)
    forms = exported()
    expected = {}
    for name in sorted({f["department"] for f in forms}):
        mine = [f for f in forms if f["department"] == name]
        carrying = Counter(
            code
            for f in mine
            for code in {x["code"] for x in f["findings"] if x["severity"] == "hint"}
        )
        if carrying:
            hinted = sum(any(x["severity"] == "hint" for x in f["findings"]) for f in mine)
            order = [code.value for code in Code]  # ties: in Code order
            top = sorted(carrying.items(), key=lambda item: (-item[1], order.index(item[0])))
            expected[name] = (hinted, [(code_label(c), n) for c, n in top[:3]])
    found = {row.name: (row.forms.value, row.hints) for row in board.department_hints}
    assert found == expected
    # 办公室: 档案整理 and 法律顾问 both at full marks; 法律顾问's other hints once each
    assert found["办公室"] == (
        2,
        [("全部指标满分", 2), ("年度指标值不可衡量", 1), ("实际完成值未填实际数", 1)],
    )
    client.force_login(admin_user)
    html = client.get(URL, {"year": 2023}).content.decode()
    assert 'id="department-hints"' in html and "全部指标满分（2）" in html


def test_the_page_shows_the_figures_and_the_charts_data(client, admin_user, demo):
    client.force_login(admin_user)
    html = client.get(URL, {"year": 2023}).content.decode()
    assert "2023年度自评情况总览" in html
    assert "4,374.398701" in html and "99.66%" in html
    assert "帮扶专项资金" in html and "原表 91.33 → 计算 96.33" in html
    for chart in ("status", "budget", "grades", "scores"):
        assert f'data-chart="{chart}"' in html
        assert f'<script id="chart-{chart}" type="application/json">' in html
    assert "vendor/chartjs/chart.umd.js" in html and "js/dashboard.js" in html
    # No inline script: only src= scripts and JSON data blocks (a later CSP forbids inline).
    for tag in html.split("<script")[1:]:
        assert ' src="' in tag.split(">")[0] or 'type="application/json"' in tag.split(">")[0]


def test_the_year_defaults_to_the_latest_and_bad_values_are_ignored(
    client, admin_user, demo, dept_a
):
    make_evaluation(make_project(dept_a, "新项目"), 2024)
    assert board_for(client, admin_user).year == 2024
    assert board_for(client, admin_user, year="abc").year == 2024
    assert board_for(client, admin_user, year=2023).year == 2023
    empty = board_for(client, admin_user, year=2030)
    assert empty.forms.value == 0 and empty.departments == []


def test_dashboard_years_are_the_users_years(
    admin_user, reviewer_a, filler_a, filler_b, demo, dept_a, dept_b
):
    unit = Department.objects.create(name="价格认证中心", parent=dept_b)
    make_evaluation(make_project(dept_b, "单位项目", unit=unit), 2021)
    make_evaluation(make_project(dept_a, "新项目"), 2024)
    for user in (admin_user, reviewer_a, filler_a, filler_b):
        assert dashboard_years(user) == evaluation_years(user), user


def test_not_started_counts_last_years_projects_without_a_form(
    client, admin_user, filler_a, demo, dept_a
):
    started = Evaluation.objects.get(project__name="帮扶专项资金")
    evaluation_create(project=started.project, year=2024, user=filler_a)
    board = board_for(client, admin_user, year=2024)
    statuses = dict(board.status_totals)
    assert statuses["not_started"].value == 13
    assert statuses["draft"].value == 1
    row = next(r for r in board.departments if r.name == dept_a.name)
    assert dict(row.statuses)["not_started"].value == 7
    assert dict(row.statuses)["draft"].value == 1
    office = next(r for r in board.departments if r.name == "办公室")
    assert office.forms.value == 0 and dict(office.statuses)["not_started"].value == 2


def test_department_filter(client, admin_user, demo, dept_a):
    board = board_for(client, admin_user, year=2023, department=dept_a.pk)
    assert board.forms.value == 8
    assert [row.name for row in board.departments] == [dept_a.name]


def test_missing_or_stale_summaries_are_announced(client, admin_user, demo):
    EvaluationSummary.objects.filter(evaluation__project__name="法律顾问").delete()
    EvaluationSummary.objects.filter(evaluation__project__name="帮扶专项资金").update(
        rules_digest="old"
    )
    client.force_login(admin_user)
    response = client.get(URL, {"year": 2023})
    assert response.context["board"].missing == 2
    assert "有 2 张自评表的得分汇总缺失" in response.content.decode()


def test_the_excel_download_is_the_list_export_of_the_same_filter(client, admin_user, demo):
    client.force_login(admin_user)
    response = client.get(URL, {"year": 2023})
    export = reverse("evaluations_export", args=["xlsx"])
    assert response.context["excel_url"] == f"{export}?year=2023"
    download = client.get(response.context["excel_url"])
    assert download.status_code == 200
    assert "spreadsheetml" in download["Content-Type"]


# --- drill-down ---------------------------------------------------------------------


def figures(board: Dashboard) -> list[Figure]:
    found = [board.forms, board.low_rate, board.with_errors, board.recorded_total_wrong]
    found += [figure for _, figure in board.status_totals]
    for row in board.departments:
        found.append(row.forms)
        found += [figure for _, figure in row.statuses]
    found += [bucket.count for bucket in board.grades + board.scores]
    found += [row.forms for row in board.department_hints]
    return found


def list_count(user, params: dict) -> int:
    """How many forms the list shows for these parameters, scored live where it must be."""
    filters = EvaluationFilters(
        year=params.get("year"),
        department=params.get("department"),
        status=params.get("status", ""),
        grade=params.get("grade", ""),
        has_errors={"yes": True, "no": False}.get(params.get("has_errors", "")),
        has_hints={"yes": True, "no": False}.get(params.get("has_hints", "")),
    )
    query = {k: str(v) for k, v in params.items()}
    forms = filter_by_summary(filter_evaluations(evaluations_for_user(user), filters), query)
    if not filters.needs_scoring:
        return forms.count()
    return sum(
        (not filters.grade or result.grade == filters.grade)
        and (filters.has_errors is None or bool(result.errors) == filters.has_errors)
        and (filters.has_hints is None or bool(result.hints) == filters.has_hints)
        for _, result in evaluation_results(with_rows(forms))
    )


@pytest.mark.parametrize("year", [2023, 2024])
def test_every_figure_links_to_a_list_with_that_many_forms(
    client, admin_user, reviewer_a, filler_a, demo, year
):
    # The list ignores a year it does not offer (one without forms): so each user here
    # has forms in both years.
    started = Evaluation.objects.get(project__name="帮扶专项资金")
    evaluation_create(project=started.project, year=2024, user=filler_a)
    for user in (admin_user, reviewer_a):
        board = board_for(client, user, year=year)
        response = client.get(URL, {"year": year})
        html = response.content.decode()
        list_fields = {*EvaluationFilterForm.base_fields, *SUMMARY_PARAMS}
        checked = 0
        for figure in figures(board):
            assert list_count(user, figure.params) == figure.value, figure.params
            href = f'href="{reverse("home")}?{urlencode(figure.params)}"'.replace("&", "&amp;")
            if not figure.value:  # nothing behind a zero: not a link
                assert href not in html, href
                continue
            assert href in html, href
            assert set(figure.params) <= list_fields  # the list applies every parameter
            page = client.get(reverse("home"), figure.params).context["page"]
            assert page.paginator.count == figure.value, figure.params
            checked += 1
        assert checked >= 8


# --- scope and methods -----------------------------------------------------------------


def test_each_persona_sees_its_own_scope(client, admin_user, reviewer_a, filler_a, filler_b, demo):
    assert board_for(client, admin_user, year=2023).forms.value == 14
    reviewer = board_for(client, reviewer_a, year=2023)
    assert reviewer.forms.value == 8
    assert [row.name for row in reviewer.departments] == ["通州区发展和改革委员会"]
    assert board_for(client, filler_a, year=2023).forms.value == 8

    outsider = board_for(client, filler_b, year=2023)
    assert outsider.forms.value == 2
    assert [row.name for row in outsider.departments] == ["办公室"]
    html = client.get(URL, {"year": 2023}).content.decode()
    assert "帮扶专项资金" not in html and "通州区发展和改革委员会" not in html
    # Asking for another department's figures gives nothing of it either.
    other = Department.objects.get(name="通州区发展和改革委员会", parent=None)
    assert board_for(client, filler_b, year=2023, department=other.pk).forms.value == 2


def test_a_user_without_forms_sees_an_empty_dashboard(client, dept_b, filler_b):
    client.force_login(filler_b)
    response = client.get(URL)
    assert response.status_code == 200
    assert "board" not in response.context
    assert "还没有自评表" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_wrong_method(client, admin_user, method):
    client.force_login(admin_user)
    assert getattr(client, method)(URL).status_code == 405


# --- a fixed number of queries ----------------------------------------------------------

# session, user, groups (roles), years, departments (picker), Level1 (rules),
# per department (with the totals), not started, lowest rates, lowest scores, error
# forms, mismatch forms
DASHBOARD_QUERIES = 12


def many_forms(departments: int, per_department: int, year: int = 2023) -> None:
    for d in range(departments):
        department = Department.objects.create(name=f"部门{d}")
        for p in range(per_department):
            project = make_project(department, f"项目{d}-{p}")
            for form_year in (year - 1, year):
                evaluation = make_evaluation(
                    project, form_year, indicators=2, executed=str(50 + p), status="submitted"
                )
                evaluation_summary_refresh(evaluation)


@pytest.mark.parametrize("departments, per_department", [(1, 1), (6, 5)])
def test_query_count_does_not_grow_with_forms(
    client, admin_user, django_assert_num_queries, departments, per_department
):
    many_forms(departments, per_department)
    client.force_login(admin_user)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(URL, {"year": 2023})
    assert response.context["board"].forms.value == departments * per_department


def test_query_count_for_a_reviewer(client, reviewer_a, demo, django_assert_num_queries):
    client.force_login(reviewer_a)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        client.get(URL, {"year": 2023})


def test_long_names_are_cut_with_the_whole_name_on_hover(client, admin_user, dept_a):
    name = "价格认证中心涉案财物价格认定及价格争议调解处理专项工作经费（第二期）"
    evaluation = make_evaluation(make_project(dept_a, name), 2023, indicators=3)
    evaluation_summary_refresh(evaluation)
    client.force_login(admin_user)
    page = client.get(URL, {"year": 2023}).content.decode()
    assert f'class="name-cut" title="{name}（查看该项目历年情况）">{name}</a>' in page
    assert f'<span class="name-cut" title="{dept_a.name}">{dept_a.name}</span>' in page
