"""Starting long jobs: one per request however often it is clicked, queued in the database."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import TASK_MIN_PRIORITY

from jobs.models import Job, WorkerHeartbeat
from projects.exports.base import safe_filename
from projects.exports.report import report_title
from projects.models import Department, Evaluation
from projects.permissions import is_admin, sees_place, user_roles
from projects.selectors.evaluations import EvaluationFilters

# A queued or running job that has not moved for this long was lost with its worker.
DEFAULT_STALE_SECONDS = 15 * 60
ERROR_LOST = "后台进程中断（长时间没有进展），请重新开始"
DEFAULT_MAX_QUEUED_PER_USER = 3
ERROR_TOO_MANY_JOBS = "您已有 {count} 个后台任务在排队或运行，请等其完成后再提交"


class JobLimitReached(Exception):
    """The user already has ``JOBS_MAX_QUEUED_PER_USER`` jobs queued or running."""

    def __init__(self, count: int) -> None:
        super().__init__(ERROR_TOO_MANY_JOBS.format(count=count))
        self.count = count


def max_queued_per_user() -> int:
    return getattr(settings, "JOBS_MAX_QUEUED_PER_USER", DEFAULT_MAX_QUEUED_PER_USER)


# A worker writes its heartbeat this often; one not heard of for WORKER_GONE_AFTER is
# taken as gone. A job queued longer than WORKER_WAIT with no worker alive says so.
HEARTBEAT_SECONDS = 10
WORKER_GONE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
WORKER_WAIT = timedelta(seconds=30)
NO_WORKER = "后台任务处理程序未运行：请联系管理员（开发环境请用 make run 启动）"


def worker_beat(worker_id: str, *, host: str, pid: int) -> None:
    """Record that this worker is alive (and forget workers gone for a day)."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"host": host, "pid": pid, "seen_at": now}
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()


def worker_gone(worker_id: str) -> None:
    """A worker that stops cleanly says so at once."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def worker_alive() -> bool:
    return WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - WORKER_GONE_AFTER).exists()


def worker_warning(jobs) -> str:
    """``NO_WORKER`` when one of ``jobs`` has been queued for a while and no worker is
    alive to take it, else ""."""
    since = timezone.now() - WORKER_WAIT
    waiting = any(job.state == Job.State.QUEUED and job.created_at < since for job in jobs)
    return NO_WORKER if waiting and not worker_alive() else ""


def _stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "JOBS_STALE_SECONDS", DEFAULT_STALE_SECONDS))


def jobs_fail_stale(**filters) -> int:
    """Mark lost jobs failed, so that they no longer block a new one."""
    now = timezone.now()
    return Job.objects.filter(
        state__in=Job.ACTIVE, updated_at__lt=now - _stale_after(), **filters
    ).update(state=Job.State.FAILED, message=ERROR_LOST, finished_at=now, updated_at=now)


def jobs_prune(*, older_than: timedelta, dry_run: bool = False) -> tuple[int, int]:
    """Delete finished jobs that ended before ``older_than`` ago, with their files.

    Their files: the result (ZIP, Excel) and any upload of a bulk import that a lost
    worker left behind. Queued and running jobs are never touched. Returns the number
    of jobs and of files deleted (or that would be, with ``dry_run``); a file already
    gone is not an error.
    """
    old = Job.objects.filter(
        state__in=[Job.State.DONE, Job.State.FAILED],
        finished_at__lt=timezone.now() - older_than,
    )
    names = [
        name
        for result_name, params in old.values_list("result_name", "params")
        for name in [result_name, *(item.get("path", "") for item in params.get("files", []))]
        if name
    ]
    existing = [name for name in names if default_storage.exists(name)]
    if dry_run:
        return old.count(), len(existing)
    for name in existing:
        default_storage.delete(name)
    _, deleted = old.delete()
    return deleted.get(Job._meta.label, 0), len(existing)


def job_scope_record(job: Job, evaluations) -> None:
    """Keep on the job which (主管部门, 实施单位) pairs the forms of its result belong to.

    Called by the worker with the forms it exports; ``job_visible_to`` checks them again
    at every look at the job, so that a result outlives no change of the user's scope.
    """
    pairs = evaluations.order_by().values_list(
        "project__department_id", "project__implementing_unit_id"
    )
    scope = sorted(set(pairs), key=lambda pair: (pair[0], pair[1] or 0))
    job.params = {**job.params, "scope": [list(pair) for pair in scope]}
    Job.objects.filter(pk=job.pk).update(params=job.params)


def job_visible_to(job: Job, user: User) -> bool:
    """Whether ``user`` (the job's owner) may still see the job and its result now.

    A bulk import stays an admin's. A finished ZIP or Excel summary holds forms: the
    user must still see every place it covers (``job_scope_record``), by the scope rule
    (``permissions.sees_place``) with today's assignments and today's 主管部门 of each
    实施单位 (a unit moved elsewhere takes its forms along, as its projects follow it). A
    finished job with no recorded scope (made before scopes were kept) is an admin's
    only. A queued or running job has no result yet: the worker selects for the user
    when it runs.
    """
    if job.kind == Job.Kind.BULK_IMPORT:
        return is_admin(user)
    if not user_roles(user):
        return False
    if is_admin(user):
        return True
    scope = job.params.get("scope")
    if scope is None:
        return not job.finished
    units = {unit for _, unit in scope if unit is not None}
    parents = dict(Department.objects.filter(pk__in=units).values_list("pk", "parent_id"))
    return all(
        sees_place(
            user,
            department if unit is None else parents.get(unit),  # the unit's 主管部门 today
            unit,
            parents.get(unit),
        )
        for department, unit in scope
    )


@transaction.atomic
def job_start(*, user: User, kind: str, key: str, params: dict, prepare=None) -> tuple[Job, bool]:
    """The active job for this user, kind and key, or a new one queued; (job, created).

    The task row is written in this transaction (django-tasks' database backend), so a
    job is never queued without its row or the other way round. ``prepare(job)`` runs
    before the task is queued (it stores the uploaded files).

    Fair across users: one user may have at most ``JOBS_MAX_QUEUED_PER_USER`` jobs
    queued or running (``JobLimitReached`` beyond), and each job is queued with a
    priority one lower than the user's previous active one. The worker takes the
    highest priority first and, within one, the oldest (django-tasks-db orders by
    priority, then enqueue time), so a user's second job waits behind every other
    user's first: round-robin, not first come first served.
    """
    jobs_fail_stale(user=user)
    active = Job.objects.filter(user=user, kind=kind, key=key, state__in=Job.ACTIVE)
    existing = active.first()
    if existing is not None:
        return existing, False
    # Locks the user's row, so that two requests at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    count = Job.objects.filter(user=user, state__in=Job.ACTIVE).count()
    if count >= max_queued_per_user():
        raise JobLimitReached(count)
    try:
        with transaction.atomic():
            job = Job.objects.create(user=user, kind=kind, key=key, params=params)
    except IntegrityError:  # the other click won the race
        return active.get(), False
    if prepare is not None:
        prepare(job)
    from jobs.tasks import run_job

    result = run_job.using(priority=max(TASK_MIN_PRIORITY, -count)).enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job, True


def describe_filters(filters: EvaluationFilters) -> str:
    """The selection in words, for the job's page: "2023年度，状态：已通过，等级：优"."""
    parts = [filters.title]
    if filters.department is not None:
        department = Department.objects.filter(pk=filters.department).first()
        parts.append(f"部门/单位：{department.name if department else filters.department}")
    if filters.status:
        parts.append(f"状态：{Evaluation.Status(filters.status).label}")
    if filters.grade:
        parts.append(f"等级：{filters.grade}")
    if filters.has_errors is not None:
        parts.append("有错误" if filters.has_errors else "无错误")
    if filters.query:
        parts.append(f"项目名称含“{filters.query}”")
    return "，".join(parts)


def job_start_xlsx_summary(*, user: User, filters: EvaluationFilters) -> tuple[Job, bool]:
    """The Excel summary of the list's filters, made in the background.

    The job keeps the filters, not the forms: the worker selects the forms again for
    this user (``evaluations_for_export``), so it exports what the user may see then.
    """
    return job_start(
        user=user,
        kind=Job.Kind.XLSX_SUMMARY,
        key=_filters_key(filters),
        params=_filters_params(filters),
    )


def _filters_key(filters: EvaluationFilters) -> str:
    """What makes two selections the same job: "year=2023", or the list's query string."""
    key = urlencode(sorted(filters.params().items())) or "all"
    if len(key) > Job._meta.get_field("key").max_length:
        key = "sha256=" + hashlib.sha256(key.encode()).hexdigest()[:40]
    return key


def _filters_params(filters: EvaluationFilters) -> dict:
    return {
        "year": filters.year,
        "filters": asdict(filters),
        "title": filters.title,
        "label": describe_filters(filters),
    }


def job_start_zip(*, user: User, filters: EvaluationFilters) -> tuple[Job, bool]:
    """The forms of the list's filters that the user may see, as .docx and .pdf plus the
    summary, in one ZIP. Always a job: a year's PDFs take far longer than a request
    may (docs/performance.md「导出」). Like the Excel summary, the worker selects the
    forms again for this user."""
    return job_start(
        user=user,
        kind=Job.Kind.YEAR_ZIP,
        key=_filters_key(filters),
        params=_filters_params(filters),
    )


def job_start_year_zip(*, user: User, year: int) -> tuple[Job, bool]:
    """Every form of ``year`` that the user may see, as .docx and .pdf plus the summary."""
    return job_start_zip(user=user, filters=EvaluationFilters(year=year))


def job_start_year_report(
    *, user: User, year: int, department: Department | None = None
) -> tuple[Job, bool]:
    """The dashboard's 年度报告 of ``year`` (and one 主管部门), made in the background.

    Like the Excel summary, the worker reads the forms again for this user when it runs.
    """
    title = report_title(year, department.name if department else "")
    return job_start(
        user=user,
        kind=Job.Kind.YEAR_REPORT,
        key=f"year={year}&department={department.pk if department else ''}",
        params={
            "year": year,
            "department": department.pk if department else None,
            "title": title,
            "label": f"{year}年度，"
            + (f"主管部门：{department.name}" if department else "全部主管部门"),
        },
    )


def _digest(files: list[UploadedFile]) -> str:
    digest = hashlib.sha256()
    for upload in files:
        digest.update(upload.name.encode() + b"\0")
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
    return digest.hexdigest()[:40]


def job_start_bulk_import(*, user: User, files: list[UploadedFile]) -> tuple[Job, bool]:
    """Import many files in the background; the same files again find the same job."""
    key = f"files={_digest(files)}"

    def store(job: Job) -> None:
        stored = []
        for number, upload in enumerate(files, start=1):
            name = default_storage.save(
                f"jobs/{job.pk}/input/{number:04d}_{safe_filename(upload.name)}", upload
            )
            stored.append({"name": upload.name, "path": name})
        job.params = {"files": stored}
        job.total = len(stored)
        job.save(update_fields=["params", "total"])

    return job_start(
        user=user,
        kind=Job.Kind.BULK_IMPORT,
        key=key,
        params={"files": [f.name for f in files]},
        prepare=store,
    )
