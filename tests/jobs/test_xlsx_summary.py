"""The Excel summary as a background job: same workbook, same scope, the size switch.

Most tests run the job in this process (``jobs.runners.run``), as ``test_jobs`` does;
one goes through the real queue and ``db_worker`` (``WORKER``).
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from jobs.forms import ERROR_SUMMARY_DEPARTMENT, ERROR_SUMMARY_YEAR
from jobs.models import Job
from jobs.runners import Progress, run
from jobs.services import job_start_xlsx_summary
from jobs.views import ALREADY_RUNNING, EMPTY_SELECTION
from projects.demo import load_demo
from projects.models import Evaluation
from projects.selectors.evaluations import EvaluationFilters
from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db
WORKER = pytest.mark.django_db(transaction=True, serialized_rollback=True)
START = "jobs:xlsx_summary"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def year_forms(dept_a, dept_b):
    for number in range(3):
        make_evaluation(make_project(dept_a, f"项目{number}"), indicators=2)
    make_evaluation(make_project(dept_b, "别的部门的项目"), indicators=2)


def export_url(query: str = "") -> str:
    return reverse("evaluations_export", args=["xlsx"]) + (f"?{query}" if query else "")


def content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def cells(data: bytes) -> dict[str, list[tuple]]:
    """Every sheet's values, row by row."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {
            sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()


def start_and_run(client, data: dict[str, str]) -> Job:
    """POST the list's filters as the page does, run the job here, return it finished."""
    response = client.post(reverse(START), data)
    assert response.status_code == 302
    job = Job.objects.filter(kind=Job.Kind.XLSX_SUMMARY).first()
    assert job is not None and response["Location"] == job.get_absolute_url()
    assert run(job.pk) == "done"
    job.refresh_from_db()
    return job


def project_names(data: bytes) -> list[str]:
    rows = cells(data)["汇总"][1:]
    return [row[4] for row in rows if isinstance(row[0], int)]


@pytest.mark.parametrize(
    "query",
    ["year=2023", "year=2023&grade=优", "has_errors=yes", "year=2023&status=submitted&q=资金"],
)
def test_the_job_makes_the_workbook_of_the_direct_download(client, admin_user, query):
    load_demo()
    client.force_login(admin_user)
    direct = client.get(export_url(query))
    assert direct.status_code == 200 and direct["Content-Type"] == XLSX
    params = dict(pair.split("=") for pair in query.split("&"))

    job = start_and_run(client, params)

    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert download["Content-Disposition"] == direct["Content-Disposition"]
    data = content(download)
    expected, got = cells(content(direct)), cells(data)
    assert list(got) == ["汇总", "指标明细", "检查结果"]
    assert got == expected
    assert len(project_names(data)) == job.total > 0
    assert job.message == f"共 {job.total} 张自评表"


def test_a_fillers_job_has_only_their_departments_forms(client, filler_a, year_forms):
    client.force_login(filler_a)
    job = start_and_run(client, {"year": "2023"})
    names = project_names(content(client.get(reverse("jobs:download", args=[job.pk]))))
    assert sorted(names) == ["项目0", "项目1", "项目2"]
    assert job.total == 3


def test_the_worker_selects_the_forms_for_the_jobs_user(filler_a, dept_b, year_forms):
    # A department filter outside the user's scope (forged params) still exports nothing
    # of that department: the job selects through evaluations_for_user.
    job, _ = job_start_xlsx_summary(
        user=filler_a, filters=EvaluationFilters(year=2023, department=dept_b.pk)
    )
    run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.total, job.message) == (Job.State.DONE, 0, "共 0 张自评表")


def test_another_users_job_is_404(client, filler_a, filler_b, admin_user, year_forms):
    client.force_login(filler_a)
    job = start_and_run(client, {"year": "2023"})
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200
    for other in (filler_b, admin_user):  # even an admin: a job is its owner's
        client.force_login(other)
        for name in ("jobs:detail", "jobs:progress", "jobs:download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_progress_is_written_per_form(client, filler_a, year_forms, monkeypatch):
    monkeypatch.setattr("jobs.runners.WRITE_EVERY", 0)
    seen = []
    keep = Progress.keep

    def watched(self, form):
        kept = keep(self, form)
        seen.append(Job.objects.values_list("done", "total").get(pk=self.job.pk))
        return kept

    monkeypatch.setattr(Progress, "keep", watched)
    client.force_login(filler_a)
    job = start_and_run(client, {"year": "2023"})
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert (job.state, job.done, job.total, job.percent) == (Job.State.DONE, 3, 3, 100)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Excel 汇总表：2023年度" in page
    assert "2023年度_汇总表.xlsx" in page  # the download button


def test_the_size_of_the_selection_decides(client, filler_a, year_forms, settings):
    client.force_login(filler_a)
    job_form = f'action="{reverse(START)}"'
    settings.XLSX_JOB_THRESHOLD = 3  # three forms: still a download
    page = client.get(reverse("home"), {"year": 2023}).content.decode()
    assert export_url() in page and job_form not in page
    assert "xlsx-background-hint" not in page
    assert client.get(export_url("year=2023"))["Content-Type"] == XLSX

    settings.XLSX_JOB_THRESHOLD = 2  # now more than the threshold: a job
    page = client.get(reverse("home"), {"year": 2023}).content.decode()
    assert job_form in page and "导出 Excel 汇总表（后台生成）" in page
    assert "超过 2 张时 Excel 汇总表在后台生成" in page
    assert 'name="year" value="2023"' in page
    assert f'href="{export_url()}' not in page
    # The download URL itself (a bookmark, a drill-down) offers the job, not the file.
    offer = client.get(export_url("year=2023"))
    assert offer.status_code == 200 and offer["Content-Type"].startswith("text/html")
    text = offer.content.decode()
    assert "当前筛选共 3 张自评表，超过 2 张" in text and job_form in text
    assert not Job.objects.exists()  # nothing starts on a GET
    # The ZIP is always the job's page, whatever the threshold.
    archive = client.get(reverse("evaluations_export", args=["zip"]))
    assert archive.status_code == 200 and b'id="zip-background-note"' in archive.content


def test_the_dashboard_switches_too(client, admin_user, year_forms, settings):
    client.force_login(admin_user)
    settings.XLSX_JOB_THRESHOLD = 3
    page = client.get(reverse("dashboard"), {"year": 2023}).content.decode()
    assert f'action="{reverse(START)}"' in page and "后台生成" in page
    settings.XLSX_JOB_THRESHOLD = 4
    page = client.get(reverse("dashboard"), {"year": 2023}).content.decode()
    assert f'action="{reverse(START)}"' not in page and "下载本页数据" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": "1999"}, ERROR_SUMMARY_YEAR),
        ({"year": "abc"}, ERROR_SUMMARY_YEAR),
        ({"year": "2023", "q": "没有这个项目"}, EMPTY_SELECTION),
        ({"year": "2023", "status": "approved"}, EMPTY_SELECTION),
        ({"year": "2023", "department": "other"}, ERROR_SUMMARY_DEPARTMENT),
    ],
)
def test_bad_input_is_a_message(client, filler_a, dept_b, year_forms, data, message):
    client.force_login(filler_a)
    if data.get("department") == "other":
        data = {**data, "department": str(dept_b.pk)}
    response = client.post(reverse(START), data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("jobs:list")
    assert message in response.content.decode()
    assert not Job.objects.exists()


def test_start_needs_post_and_a_login(client, filler_a, year_forms):
    assert client.post(reverse(START), {"year": "2023"})["Location"].startswith(reverse("login"))
    client.force_login(filler_a)
    assert client.get(reverse(START), {"year": "2023"})["Location"] == reverse("jobs:list")
    assert not Job.objects.exists()


def test_the_same_filters_find_the_running_job(client, filler_a, year_forms):
    client.force_login(filler_a)
    first = client.post(reverse(START), {"year": "2023"})
    again = client.post(reverse(START), {"year": "2023"}, follow=True)
    assert again.redirect_chain[-1][0] == first["Location"]
    assert ALREADY_RUNNING in again.content.decode()
    client.post(reverse(START), {"year": "2023", "status": "draft"})
    assert Job.objects.count() == 2
    job = Job.objects.get(key="status=draft&year=2023")
    assert job.params["label"] == "2023年度，状态：草稿"


def test_a_long_name_filter_still_makes_a_key(filler_a, year_forms):
    job, created = job_start_xlsx_summary(
        user=filler_a, filters=EvaluationFilters(year=2023, query="项目" * 50)
    )
    assert created and job.key.startswith("sha256=") and len(job.key) <= 100


def test_the_jobs_page_starts_a_years_summary(client, filler_a, year_forms):
    client.force_login(filler_a)
    page = client.get(reverse("jobs:list")).content.decode()
    assert 'id="xlsx-summary-form"' in page


@WORKER
def test_the_worker_makes_the_summary(client, filler_a, year_forms):
    client.force_login(filler_a)
    response = client.post(reverse(START), {"year": "2023"})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert DBTaskResult.objects.filter(pk=job.task_id).exists()
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    job.refresh_from_db()
    assert (job.state, job.percent) == (Job.State.DONE, 100)
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download["Content-Type"] == XLSX
    assert sorted(project_names(content(download))) == ["项目0", "项目1", "项目2"]
    assert Evaluation.objects.count() == 4
