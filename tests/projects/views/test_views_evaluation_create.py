"""Starting a form: blank, from last year's, for a new project; and "next year" from a form."""

import pytest
from django.urls import reverse

from projects.forms.evaluations import ERROR_NO_PREVIOUS, ERROR_PROJECT_REQUIRED
from projects.models import Evaluation, Project
from projects.roles import Role
from tests.factories import make_department, make_evaluation, make_project, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]

CREATE = reverse("evaluation_create")


def test_form_is_shown_to_fillers(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    response = client.get(CREATE)
    assert response.status_code == 200
    assert "价格认证资金" in response.content.decode()


def test_reviewers_cannot_create(client, reviewer_a):
    client.force_login(reviewer_a)
    assert client.get(CREATE).status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get(CREATE).status_code == 302


def test_wrong_method(client, filler_a):
    client.force_login(filler_a)
    assert client.put(CREATE).status_code == 405


def test_blank_form_for_an_existing_project(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    response = client.post(CREATE, {"year": "2024", "project": evaluation_a.project_id})
    created = Evaluation.objects.get(project=evaluation_a.project, year=2024)
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.indicators.count() == 0 and created.budget_lines.count() == 4


def test_from_last_years_form(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    client.post(CREATE, {"year": "2024", "project": evaluation_a.project_id, "from_previous": "on"})
    created = Evaluation.objects.get(project=evaluation_a.project, year=2024)
    assert list(created.indicators.values_list("name", "target", "actual")) == [
        ("完成件数1", "≥10件", ""),
        ("完成件数2", "≥10件", ""),
        ("完成件数3", "≥10件", ""),
    ]


def test_from_last_year_without_a_form_last_year(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    response = client.post(
        CREATE, {"year": "2025", "project": evaluation_a.project_id, "from_previous": "on"}
    )
    assert response.status_code == 200
    assert ERROR_NO_PREVIOUS.format(project="价格认证资金", year=2024) in response.content.decode()
    assert not Evaluation.objects.filter(year=2025).exists()


def test_new_project_under_a_unit(client, dept_a):
    unit = make_department("价格认证中心", parent=dept_a)
    filler = make_user("unit_filler", Role.FILLER, unit)
    client.force_login(filler)
    response = client.post(CREATE, {"year": "2024", "new_project_name": "新项目", "unit": unit.pk})
    project = Project.objects.get(name="新项目")
    assert (project.department, project.implementing_unit) == (dept_a, unit)
    assert response["Location"] == Evaluation.objects.get(project=project).get_absolute_url()


def test_a_project_or_a_new_name_is_required(client, filler_a):
    client.force_login(filler_a)
    response = client.post(CREATE, {"year": "2024"})
    assert ERROR_PROJECT_REQUIRED in response.content.decode()


def test_an_outsiders_project_cannot_be_chosen(client, filler_b, evaluation_a):
    client.force_login(filler_b)
    response = client.post(CREATE, {"year": "2024", "project": evaluation_a.project_id})
    assert response.status_code == 200
    assert not Evaluation.objects.filter(year=2024).exists()


def test_an_existing_form_is_not_created_twice_but_opened(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    response = client.post(CREATE, {"year": "2023", "project": evaluation_a.project_id})
    assert response["Location"] == evaluation_a.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "「价格认证资金」2023年度的自评表已存在，已为您打开" in page


def test_double_click_on_create_opens_the_first_clicks_form(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = {"year": "2024", "project": evaluation_a.project_id, "from_previous": "on"}
    first, second = client.post(CREATE, data), client.post(CREATE, data)
    created = Evaluation.objects.get(project=evaluation_a.project, year=2024)
    assert first["Location"] == second["Location"] == created.get_absolute_url()


def test_double_click_on_create_with_a_new_project_opens_the_same_form(client, filler_a, dept_a):
    client.force_login(filler_a)
    data = {"year": "2024", "new_project_name": "新项目", "unit": dept_a.pk}
    first, second = client.post(CREATE, data), client.post(CREATE, data)
    created = Evaluation.objects.get(project__name="新项目")
    assert first["Location"] == second["Location"] == created.get_absolute_url()
    assert Project.objects.filter(name="新项目").count() == 1


# --- "以此表为基础新建下一年度" on a form page ---------------------------------------


def _next_year(evaluation):
    return reverse("evaluation_create_from_previous", args=[evaluation.pk])


def test_next_year_from_a_submitted_form(client, filler_a, dept_a):
    submitted = make_evaluation(
        make_project(dept_a, "帮扶专项资金"), indicators=2, status="submitted"
    )
    client.force_login(filler_a)
    response = client.post(_next_year(submitted))
    created = Evaluation.objects.get(project=submitted.project, year=2024)
    assert response["Location"] == created.get_absolute_url()
    assert created.indicators.count() == 2


def test_next_year_when_it_exists_already(client, filler_a, evaluation_a):
    existing = make_evaluation(evaluation_a.project, 2024)
    client.force_login(filler_a)
    response = client.post(_next_year(evaluation_a))
    assert response["Location"] == existing.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "2024年度的自评表已存在，已为您打开" in page


def test_next_year_double_click_lands_on_the_same_form(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    first = client.post(_next_year(evaluation_a))
    second = client.post(_next_year(evaluation_a))
    created = Evaluation.objects.get(project=evaluation_a.project, year=2024)
    assert first["Location"] == second["Location"] == created.get_absolute_url()


def test_next_year_outsider_gets_404(client, filler_b, evaluation_a):
    client.force_login(filler_b)
    assert client.post(_next_year(evaluation_a)).status_code == 404


def test_next_year_reviewer_is_refused(client, reviewer_a, evaluation_a):
    client.force_login(reviewer_a)
    assert client.post(_next_year(evaluation_a)).status_code == 403


def test_next_year_wrong_method(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    # A GET of the button's address (a reload) goes back to the form page; nothing is made.
    response = client.get(_next_year(evaluation_a))
    assert (response.status_code, response["Location"]) == (302, evaluation_a.get_absolute_url())
    assert client.put(_next_year(evaluation_a)).status_code == 405


def test_next_year_button_only_for_a_year_open_for_filling(client, filler_a, dept_a):
    project = make_project(dept_a, "帮扶专项资金")
    client.force_login(filler_a)
    for year, offered in ((2024, True), (2025, False)):  # 2025 open, 2026 not
        submitted = make_evaluation(project, year, indicators=1, status="submitted")
        page = client.get(submitted.get_absolute_url()).content.decode()
        assert (f"以此表为基础新建 {year + 1} 年度自评表" in page) is offered, year
