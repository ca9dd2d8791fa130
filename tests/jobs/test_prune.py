"""manage.py prune_jobs: old finished jobs and their files go, active and recent ones stay."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _job(user, key: str, state: str, days_ago: int | None, **fields) -> Job:
    finished = timezone.now() - timedelta(days=days_ago) if days_ago is not None else None
    return Job.objects.create(
        kind=Job.Kind.YEAR_ZIP, key=key, user=user, state=state, finished_at=finished, **fields
    )


def _file(name: str) -> str:
    return default_storage.save(name, ContentFile(b"x"))


def _prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_jobs", *args, stdout=out)
    return out.getvalue()


def test_old_finished_jobs_and_their_files_are_deleted(filler_a):
    old_zip = _job(filler_a, "2021", Job.State.DONE, 10, result_name=_file("jobs/1/2021.zip"))
    lost_import = _job(
        filler_a,
        "lost",
        Job.State.FAILED,
        30,
        params={"files": [{"name": "a.docx", "path": _file("jobs/uploads/a.docx")}]},
    )
    _job(filler_a, "gone", Job.State.DONE, 9, result_name="jobs/3/already-gone.zip")
    recent = _job(filler_a, "2023", Job.State.DONE, 1, result_name=_file("jobs/4/2023.zip"))
    running = _job(filler_a, "2024", Job.State.RUNNING, None)
    kept = {recent.pk, running.pk}

    assert _prune("--dry-run") == "将删除 3 个 7 天前完成的后台任务，2 个结果文件。\n"
    assert Job.objects.count() == 5 and default_storage.exists(old_zip.result_name)

    assert _prune() == "已删除 3 个 7 天前完成的后台任务，2 个结果文件。\n"
    assert set(Job.objects.values_list("pk", flat=True)) == kept
    assert not default_storage.exists(old_zip.result_name)
    assert not default_storage.exists(lost_import.params["files"][0]["path"])
    assert default_storage.exists(recent.result_name)


def test_days_is_an_option(filler_a):
    _job(filler_a, "2023", Job.State.DONE, 1)
    assert _prune("--days", "2").startswith("已删除 0 个")
    assert _prune("--days", "0").startswith("已删除 1 个")
    with pytest.raises(CommandError, match="不能为负数"):
        _prune("--days", "-1")
