"""Long jobs off the request: a year's ZIP and a bulk import, queued in the database.

The worker is django-tasks' own ``db_worker`` (``--batch``: run what is queued, then
exit), in this process. It closes its database connection between tasks, so the
tests that run it commit their data (``WORKER``) instead of living in one transaction.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.models import Job
from jobs.runners import run
from jobs.services import (
    ERROR_LOST,
    JobLimitReached,
    job_start_xlsx_summary,
    job_start_year_zip,
)
from jobs.views import ALREADY_RUNNING
from projects.models import Evaluation
from projects.selectors.evaluations import EvaluationFilters
from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db
WORKER = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def work() -> None:
    """What `manage.py db_worker` does in production, until the queue is empty."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


@pytest.fixture
def year_forms(dept_a, dept_b):
    for number in range(3):
        make_evaluation(make_project(dept_a, f"项目{number}"), indicators=2)
    make_evaluation(make_project(dept_b, "别的部门的项目"), indicators=2)


@WORKER
def test_a_year_zip_runs_in_the_background_and_is_downloaded(client, filler_a, year_forms):
    client.force_login(filler_a)
    response = client.post(reverse("jobs:year_zip"), {"year": 2023})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.state == Job.State.QUEUED
    assert DBTaskResult.objects.filter(pk=job.task_id).exists()  # queued with the job

    page = client.get(job.get_absolute_url())
    assert b'hx-trigger="every 2s"' in page.content  # the bar refreshes itself
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404

    work()

    job.refresh_from_db()
    assert (job.state, job.percent, job.done, job.total) == (
        Job.State.DONE,
        100,
        3,
        3,
    )  # one step per form
    progress = client.get(reverse("jobs:progress", args=[job.pk]))
    assert b"hx-trigger" not in progress.content
    assert reverse("jobs:download", args=[job.pk]).encode() in progress.content
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    # The filler's own three forms (not the other department's), as Word and PDF.
    assert sum(n.endswith(".docx") for n in names) == 3
    assert sum(n.endswith(".pdf") for n in names) == 3
    assert sum(n.endswith(".xlsx") for n in names) == 1
    assert not any("别的部门" in n for n in names)


@WORKER
def test_a_second_click_finds_the_first_job(client, filler_a, year_forms):
    client.force_login(filler_a)
    first = client.post(reverse("jobs:year_zip"), {"year": 2023})
    second = client.post(reverse("jobs:year_zip"), {"year": 2023}, follow=True)
    assert Job.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert ALREADY_RUNNING in second.content.decode()
    # Once it is done, asking again starts a fresh one.
    work()
    client.post(reverse("jobs:year_zip"), {"year": 2023})
    assert Job.objects.count() == 2


def test_a_lost_job_does_not_block_a_new_one(filler_a, year_forms):
    job, _ = job_start_year_zip(user=filler_a, year=2023)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, updated_at=timezone.now() - timedelta(hours=1)
    )
    again, created = job_start_year_zip(user=filler_a, year=2023)
    assert created and again.pk != job.pk
    job.refresh_from_db()
    assert (job.state, job.message) == (Job.State.FAILED, ERROR_LOST)


def test_a_job_runs_once(filler_a, year_forms):
    job, _ = job_start_year_zip(user=filler_a, year=2023)
    assert run(job.pk) == "done"
    assert run(job.pk) == "skipped"


def test_a_user_may_have_only_so_many_jobs_at_once(client, filler_a, year_forms, settings):
    """The per-user limit refuses the 4th active job, with a clear message."""
    settings.JOBS_MAX_QUEUED_PER_USER = 3
    client.force_login(filler_a)
    for query in ("项目0", "项目1", "项目2"):
        client.post(reverse("jobs:year_zip"), {"year": 2023, "q": query})
    assert Job.objects.filter(state=Job.State.QUEUED).count() == 3
    response = client.post(reverse("jobs:year_zip"), {"year": 2023}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("jobs:list")
    assert "您已有 3 个后台任务在排队或运行，请等其完成后再提交" in response.content.decode()
    assert Job.objects.count() == 3 and DBTaskResult.objects.count() == 3
    with pytest.raises(JobLimitReached):
        job_start_year_zip(user=filler_a, year=2023)
    # The same request again still finds its job; a finished one frees a place.
    again = client.post(reverse("jobs:year_zip"), {"year": 2023, "q": "项目0"})
    assert (
        again["Location"] == Job.objects.get(key__contains="%E9%A1%B9%E7%9B%AE0").get_absolute_url()
    )
    run(Job.objects.order_by("pk").first().pk)
    assert job_start_year_zip(user=filler_a, year=2023)[1]  # created


def test_jobs_take_turns_across_users(filler_a, reviewer_a, year_forms):
    """A user's second job waits behind another user's first (the worker's order)."""
    first_a, _ = job_start_year_zip(user=filler_a, year=2023)
    second_a, _ = job_start_xlsx_summary(user=filler_a, filters=EvaluationFilters(year=2023))
    first_b, _ = job_start_year_zip(user=reviewer_a, year=2023)
    order = [str(pk) for pk in DBTaskResult.objects.ready().values_list("pk", flat=True)]
    assert order == [first_a.task_id, first_b.task_id, second_a.task_id]


def test_a_failing_job_says_so(filler_a, year_forms, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr("projects.exports.archive.write_stream", broken)
    job, _ = job_start_year_zip(user=filler_a, year=2023)
    with pytest.raises(RuntimeError):
        run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "磁盘已满" in job.message


def test_jobs_are_private(client, filler_a, filler_b, year_forms):
    job, _ = job_start_year_zip(user=filler_a, year=2023)
    run(job.pk)
    client.force_login(filler_b)
    for name in ("jobs:detail", "jobs:progress", "jobs:download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("jobs:progress", args=[job.pk])).status_code == 405


def _json_file(name: str, project: str) -> SimpleUploadedFile:
    form = {
        "year": 2023,
        "project_name": project,
        "department": "通州区发展和改革委员会",
        "implementing_unit": "",
        "status": "draft",
        "budget": {"weight": "10"},
        "budget_lines": [{"kind": "total", "annual_budget": "100", "executed": "99"}],
        "indicators": [
            {
                "level1": "产出指标",
                "level2": "数量指标",
                "name": "完成件数",
                "target": "≥10件",
                "actual": "10件",
                "weight": "90",
                "score": "90",
            }
        ],
    }
    content = json.dumps({"format": "selfeval/1", "forms": [form]}, ensure_ascii=False)
    return SimpleUploadedFile(name, content.encode(), content_type="application/json")


@WORKER
def test_a_bulk_import_reports_every_file(client, admin_user, dept_a):
    client.force_login(admin_user)
    files = [_json_file(f"{n:03d}.json", f"导入项目{n}") for n in range(120)]
    files.append(SimpleUploadedFile("坏文件.json", b"{not json", content_type="application/json"))
    response = client.post(reverse("jobs:bulk_import"), {"files": files})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.total == 121

    work()

    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.percent == 100
    assert Evaluation.objects.filter(project__name__startswith="导入项目").count() == 120
    assert [entry["ok"] for entry in job.report].count(False) == 1
    bad = next(entry for entry in job.report if not entry["ok"])
    assert bad["file"] == "坏文件.json" and bad["message"]
    assert job.message == "120 个文件已导入，1 个未导入"
    page = client.get(job.get_absolute_url()).content.decode()
    assert "坏文件.json" in page


@WORKER
def test_a_bulk_import_lists_the_cells_it_did_not_import(client, admin_user):
    from tests.projects.imports.corpus import CASES, build

    [case] = [c for c in CASES if c.name == "budget_arrived_column"]
    client.force_login(admin_user)
    upload = SimpleUploadedFile(case.filename, build(case))
    assert client.post(reverse("jobs:bulk_import"), {"files": [upload]}).status_code == 302
    work()
    job = Job.objects.get()
    [entry] = job.report
    assert entry["ok"] and entry["unplaced"] == list(case.unplaced)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "有 3 个单元格未导入" in page and case.unplaced[0] in page


def test_the_same_files_again_find_the_running_import(client, admin_user, dept_a):
    client.force_login(admin_user)
    client.post(reverse("jobs:bulk_import"), {"files": [_json_file("a.json", "甲")]})
    client.post(reverse("jobs:bulk_import"), {"files": [_json_file("a.json", "甲")]})
    assert Job.objects.count() == 1
    client.post(reverse("jobs:bulk_import"), {"files": [_json_file("b.json", "乙")]})
    assert Job.objects.count() == 2


def test_only_an_admin_imports(client, filler_a):
    client.force_login(filler_a)
    response = client.post(reverse("jobs:bulk_import"), {"files": [_json_file("a.json", "甲")]})
    assert response.status_code == 403
    assert not Job.objects.exists()
    page = client.get(reverse("jobs:list")).content.decode()
    assert "year-zip-form" in page and "bulk-import-form" not in page


def test_start_needs_post(client, filler_a):
    client.force_login(filler_a)
    for name in ("jobs:year_zip", "jobs:bulk_import"):
        response = client.get(reverse(name))
        assert (response.status_code, response["Location"]) == (302, reverse("jobs:list"))
        assert client.put(reverse(name)).status_code == 405
    assert not Job.objects.exists()


@WORKER
def test_a_bulk_import_refuses_a_file_over_the_forms_cap(client, admin_user, dept_a, settings):
    settings.IMPORT_MAX_FORMS_PER_FILE = 1
    client.force_login(admin_user)
    two = _json_file("两张.json", "甲")
    document = json.loads(two.read())
    document["forms"].append({**document["forms"][0], "project_name": "乙"})
    two = SimpleUploadedFile("两张.json", json.dumps(document, ensure_ascii=False).encode())
    client.post(reverse("jobs:bulk_import"), {"files": [two, _json_file("一张.json", "丙")]})

    work()

    job = Job.objects.get()
    refused = next(entry for entry in job.report if entry["file"] == "两张.json")
    assert not refused["ok"] and "有 2 张自评表，超过每个文件 1 张的上限" in refused["message"]
    assert list(Evaluation.objects.values_list("project__name", flat=True)) == ["丙"]


def _media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_bulk_import_with_an_oversize_file_stores_nothing(client, admin_user, settings):
    """The file is dropped while it is received; no job, nothing in MEDIA_ROOT."""
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(admin_user)
    big = SimpleUploadedFile("大.docx", b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024))
    response = client.post(
        reverse("jobs:bulk_import"), {"files": [_json_file("a.json", "甲"), big]}
    )
    assert response.status_code == 302 and response["Location"] == reverse("jobs:list")
    assert not Job.objects.exists() and _media_files(settings) == []
    page = client.get(reverse("jobs:list")).content.decode()
    assert "文件「大.docx」超过 1.0 MB 上限，未上传（这一批文件都没有上传" in page


def test_a_bulk_import_over_the_batch_limit_is_refused_unread(
    client, admin_user, settings, monkeypatch
):
    settings.IMPORT_MAX_BATCH_BYTES = 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(MultiPartParser, "parse", never)
    client.force_login(admin_user)
    files = [_json_file("a.json", "甲"), SimpleUploadedFile("大.json", b" " * (2 * 1024 * 1024))]
    response = client.post(reverse("jobs:bulk_import"), {"files": files})
    assert response.status_code == 302
    assert not Job.objects.exists() and _media_files(settings) == []
    page = client.get(reverse("jobs:list")).content.decode()
    assert "合计超过 1.0 MB 上限，未上传" in page


def test_the_bulk_import_still_checks_csrf(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(reverse("jobs:bulk_import"), {"files": [_json_file("a.json", "甲")]})
    assert response.status_code == 403 and not Job.objects.exists()
