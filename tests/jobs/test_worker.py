"""The jobs pages say when no worker is running; the worker's heartbeat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from jobs.management.commands.jobs_worker import Heartbeat
from jobs.models import Job, WorkerHeartbeat
from jobs.services import NO_WORKER, job_start_year_zip, worker_beat
from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db
WORKER = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PAGES = ("jobs:detail", "jobs:progress")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def queued_job(filler_a, dept_a):
    make_evaluation(make_project(dept_a, "价格认证资金"), indicators=2)
    job, _ = job_start_year_zip(user=filler_a, year=2023)
    return job


def _queued_since(job: Job, seconds: int) -> None:
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


def _pages(client, job: Job) -> list[str]:
    urls = [reverse(name, args=[job.pk]) for name in PAGES] + [reverse("jobs:list")]
    return [client.get(url).content.decode() for url in urls]


def test_a_job_waiting_with_no_worker_says_so(client, filler_a, queued_job):
    client.force_login(filler_a)
    _queued_since(queued_job, 60)
    assert all(NO_WORKER in page for page in _pages(client, queued_job))


def test_a_worker_gone_quiet_counts_as_none(client, filler_a, queued_job):
    client.force_login(filler_a)
    _queued_since(queued_job, 60)
    worker_beat("old", host="h", pid=1)
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=5))
    assert all(NO_WORKER in page for page in _pages(client, queued_job))


def test_no_warning_with_a_live_worker(client, filler_a, queued_job):
    client.force_login(filler_a)
    _queued_since(queued_job, 60)
    worker_beat("w1", host="h", pid=1)
    assert not any(NO_WORKER in page for page in _pages(client, queued_job))


def test_no_warning_for_a_job_just_queued_or_finished(client, filler_a, queued_job):
    client.force_login(filler_a)
    assert not any(NO_WORKER in page for page in _pages(client, queued_job))  # 0 s old
    _queued_since(queued_job, 60)
    Job.objects.filter(pk=queued_job.pk).update(state=Job.State.DONE)
    assert not any(NO_WORKER in page for page in _pages(client, queued_job))


def test_the_heartbeat_is_written_and_removed_on_a_clean_stop():
    heartbeat = Heartbeat("w-test", interval=3600)
    heartbeat.start()
    row = WorkerHeartbeat.objects.get(worker_id="w-test")
    assert timezone.now() - row.seen_at < timedelta(seconds=5) and row.pid > 0
    heartbeat.stop()
    assert not WorkerHeartbeat.objects.exists()


@WORKER
def test_jobs_worker_runs_the_queue_and_beats_meanwhile(filler_a, queued_job, monkeypatch):
    seen = []
    import jobs.runners

    real_run = jobs.runners.run
    monkeypatch.setattr(
        "jobs.tasks.run",
        lambda job_id: (
            seen.append(list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)))
            or real_run(job_id)
        ),
    )
    call_command(
        "jobs_worker", batch=True, startup_delay=False, reload=False, verbosity=0, worker_id="w9"
    )
    queued_job.refresh_from_db()
    assert queued_job.state == Job.State.DONE
    assert seen == [["w9"]]  # alive while the job ran
    assert not WorkerHeartbeat.objects.exists()  # and gone once it stopped
