"""The dashboard's 年度报告 button: a direct download of the user's scope, 404 outside it."""

from __future__ import annotations

import io

import docx
import pytest
from django.urls import reverse

from projects.selectors.dashboard import year_dashboard
from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def year_forms(dept_a, dept_b):
    for number in range(3):
        make_evaluation(make_project(dept_a, f"项目{number}"), indicators=2)
    make_evaluation(make_project(dept_b, "别的部门的项目"), indicators=2)


def report_url(**params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("dashboard_report") + (f"?{query}" if query else "")


def forms_in(response) -> str:
    document = docx.Document(io.BytesIO(response.content))
    coverage = next(t for t in document.tables if t.rows[0].cells[0].text == "项目")
    return {row.cells[0].text: row.cells[1].text for row in coverage.rows}["已建自评表"]


def test_the_admin_downloads_the_years_report(client, admin_user, year_forms):
    client.force_login(admin_user)
    response = client.get(report_url(year=2023))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert "2023%E5%B9%B4%E5%BA%A6" in response["Content-Disposition"]  # 2023年度…
    assert "no-store" in response["Cache-Control"]
    assert forms_in(response) == "4"


def test_a_fillers_report_is_their_dashboard(client, filler_a, year_forms):
    client.force_login(filler_a)
    response = client.get(report_url())  # no year: the dashboard's latest
    assert response.status_code == 200
    assert forms_in(response) == str(year_dashboard(filler_a, 2023).forms.value) == "3"


def test_a_department_or_year_outside_the_scope_is_404(
    client, filler_a, reviewer_a, dept_b, year_forms
):
    for user in (filler_a, reviewer_a):
        client.force_login(user)
        assert client.get(report_url(year=2023, department=dept_b.pk)).status_code == 404
        assert client.get(report_url(year=2022)).status_code == 404
        assert client.get(report_url(year="x")).status_code == 404
        assert client.get(report_url(year=2023, department="x")).status_code == 404


def test_one_departments_report(client, admin_user, dept_b, year_forms):
    client.force_login(admin_user)
    response = client.get(report_url(year=2023, department=dept_b.pk))
    assert response.status_code == 200 and forms_in(response) == "1"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert f"范围：{dept_b.name}" in text


def test_the_dashboard_offers_a_download_or_a_job_by_size(
    client, admin_user, dept_a, year_forms, settings
):
    client.force_login(admin_user)
    settings.REPORT_JOB_THRESHOLD = 4
    page = client.get(reverse("dashboard"), {"year": 2023, "department": dept_a.pk}).content
    page = page.decode()
    assert f'href="{reverse("dashboard_report")}?year=2023&amp;department={dept_a.pk}"' in page
    assert 'id="year-report-job"' not in page

    settings.REPORT_JOB_THRESHOLD = 3  # four forms: now more than the threshold
    page = client.get(reverse("dashboard"), {"year": 2023}).content.decode()
    assert 'id="year-report-job"' in page and 'id="year-report-download"' not in page
    assert f'action="{reverse("jobs:year_report")}"' in page
    # asked for directly anyway: back to the dashboard, with what to do instead
    response = client.get(report_url(year=2023), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard") + "?year=2023"
    assert "后台生成" in response.content.decode()
