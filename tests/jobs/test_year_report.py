"""The 年度报告 as a background job: the direct download's report, the user's scope."""

from __future__ import annotations

import io

import docx
import pytest
from django.urls import reverse

from jobs.models import Job
from jobs.runners import run
from jobs.services import job_start_year_report
from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db
START = "jobs:year_report"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def year_forms(dept_a, dept_b):
    for number in range(3):
        make_evaluation(make_project(dept_a, f"项目{number}"), indicators=2)
    make_evaluation(make_project(dept_b, "别的部门的项目"), indicators=2)


def tables(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]


def start_and_run(client, data: dict) -> Job:
    response = client.post(reverse(START), data)
    assert response.status_code == 302
    job = Job.objects.filter(kind=Job.Kind.YEAR_REPORT).first()
    assert job is not None and response["Location"] == job.get_absolute_url()
    assert run(job.pk) == "done"
    job.refresh_from_db()
    return job


def download(client, job: Job):
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    return response, b"".join(response.streaming_content)


def test_the_job_makes_the_report_of_the_direct_download(client, admin_user, dept_a, year_forms):
    client.force_login(admin_user)
    params = {"year": "2023", "department": str(dept_a.pk)}
    direct = client.get(reverse("dashboard_report"), params)
    job = start_and_run(client, params)
    response, data = download(client, job)
    assert response["Content-Disposition"] == direct["Content-Disposition"]
    assert tables(data) == tables(direct.content)
    assert job.message == "共 3 张自评表"
    assert job.params["label"] == f"2023年度，主管部门：{dept_a.name}"


def test_a_fillers_job_has_only_their_departments_forms(client, filler_a, year_forms):
    client.force_login(filler_a)
    job = start_and_run(client, {"year": "2023"})
    _, data = download(client, job)
    coverage = next(t for t in tables(data) if t[0][0] == "项目")
    assert {row[0]: row[1] for row in coverage}["已建自评表"] == "3"
    assert job.message == "共 3 张自评表"


def test_a_department_outside_the_scope_is_404_and_starts_nothing(
    client, filler_a, dept_b, year_forms
):
    client.force_login(filler_a)
    assert client.post(reverse(START), {"year": "2023", "department": dept_b.pk}).status_code == 404
    assert client.post(reverse(START), {"year": "2019"}).status_code == 404
    assert not Job.objects.exists()


def test_the_worker_reads_for_the_jobs_user_now(filler_a, dept_b, year_forms):
    # Params naming a department outside the user's scope (forged) report nothing of it.
    job, _ = job_start_year_report(user=filler_a, year=2023, department=dept_b)
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.DONE, "共 0 张自评表")


def test_another_users_report_job_is_404(client, filler_a, filler_b, year_forms):
    client.force_login(filler_a)
    job = start_and_run(client, {"year": "2023"})
    client.force_login(filler_b)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
