"""What a job does, in the worker process; progress goes to the Job row as it goes."""

from __future__ import annotations

import logging
import tempfile
import time

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import close_old_connections, connection
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_scope_record, job_visible_to
from projects.exports.archive import ArchiveExporter
from projects.exports.excel import SummaryExporter
from projects.exports.registry import REPORT_EXPORTER
from projects.exports.report import year_report
from projects.imports import ImportFailure, parse_file
from projects.imports.preview import too_many_forms
from projects.interchange import InterchangeError
from projects.selectors.evaluations import (
    EvaluationFilters,
    evaluations_for_export,
    evaluations_for_user,
    filter_evaluations,
)
from projects.services.imports import evaluations_import

logger = logging.getLogger(__name__)
WRITE_EVERY = 1.0  # seconds between progress writes
ERROR_NO_LONGER_ALLOWED = "账号已停用或已无此权限，任务未执行"


def _recover_connection() -> None:
    """After an error, drop a broken connection so the next query opens a fresh one."""
    if not connection.in_atomic_block:
        close_old_connections()


class Progress:
    """Counts steps and writes them to the job at most once a second (and at the end)."""

    def __init__(self, job: Job, total: int) -> None:
        self.job, self.done, self.total = job, 0, total
        self._written = 0.0
        self._write(force=True)

    def step(self, count: int = 1) -> None:
        self.done += count
        self._write()

    def keep(self, _sheet) -> bool:
        """An exporter's ``keep`` callback, called once per form and phase: count it."""
        self.step()
        return True

    def finish(self) -> None:
        self.done = self.total
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._written >= WRITE_EVERY:
            Job.objects.filter(pk=self.job.pk).update(
                done=min(self.done, self.total), total=self.total, updated_at=timezone.now()
            )
            self._written = now


def _store_result(job: Job, handle, filename: str) -> None:
    """Keep the finished file (an open temporary file) as the job's result."""
    handle.seek(0)
    name = default_storage.save(f"jobs/{job.pk}/{filename}", File(handle, name=filename))
    Job.objects.filter(pk=job.pk).update(result_name=name, result_filename=filename)


def _year_zip(job: Job) -> None:
    """The ZIP of the job's filters (of its year, for a job queued before filters)."""
    if "filters" in job.params:
        filters = EvaluationFilters(**job.params["filters"])
        evaluations = evaluations_for_export(job.user, filters)
        title = job.params["title"]
    else:
        year = int(job.params["year"])
        evaluations = evaluations_for_user(job.user).filter(year=year)
        title = f"{year}年度"
    exporter = ArchiveExporter()
    job_scope_record(job, evaluations)
    progress = Progress(
        job, total=evaluations.count()
    )  # one step per form; the archive makes one pass
    with tempfile.TemporaryFile(prefix="selfeval-job-") as handle:
        exporter.write(evaluations, handle, title=title, keep=progress.keep)
        _store_result(job, handle, exporter.filename(title))
    progress.finish()


def _xlsx_summary(job: Job) -> None:
    """The list's Excel summary of the job's filters, as the job's user may see them now."""
    filters = EvaluationFilters(**job.params["filters"])
    evaluations = evaluations_for_export(job.user, filters)
    job_scope_record(job, evaluations)
    exporter = SummaryExporter()
    title = job.params["title"]
    progress = Progress(job, total=evaluations.count())  # one step per form
    with tempfile.TemporaryFile(prefix="selfeval-job-") as handle:
        count = exporter.write(evaluations, handle, title=title, keep=progress.keep)
        _store_result(job, handle, exporter.filename(title))
    progress.finish()
    Job.objects.filter(pk=job.pk).update(message=f"共 {count} 张自评表")


def _year_report(job: Job) -> None:
    """The dashboard's 年度报告 of the job's year and 主管部门, of what its user sees now."""
    year, department_id = int(job.params["year"]), job.params.get("department")
    forms = filter_evaluations(
        evaluations_for_user(job.user), EvaluationFilters(year=year, department=department_id)
    )
    job_scope_record(job, forms)
    progress = Progress(job, total=1)  # a few grouped reads: no per-form steps to count
    report = year_report(job.user, year, department_id=department_id)
    with tempfile.TemporaryFile(prefix="selfeval-job-") as handle:
        count = REPORT_EXPORTER.write(report, handle)
        _store_result(job, handle, REPORT_EXPORTER.filename(job.params["title"]))
    progress.finish()
    Job.objects.filter(pk=job.pk).update(message=f"共 {count} 张自评表")


def _bulk_import(job: Job) -> None:
    files = job.params["files"]
    progress = Progress(job, total=len(files))
    report = []
    for item in files:
        entry = {
            "file": item["name"],
            "ok": False,
            "created": 0,
            "updated": 0,
            "message": "",
            "unplaced": [],  # the cells the reader did not import: never dropped silently
        }
        try:
            with default_storage.open(item["path"], "rb") as handle:
                data = handle.read()
            forms = parse_file(data, filename=item["name"])
            too_many = too_many_forms(len(forms), item["name"])
            if too_many:  # one file is one transaction holding its forms' rows
                raise ImportFailure(too_many)
            imported = evaluations_import(forms=forms, user=job.user)
        except (ImportFailure, InterchangeError) as exc:
            entry["message"] = str(exc)
        except Exception as exc:  # one bad file must not stop the other hundreds
            logger.exception("bulk import %s: %s", job.pk, item["name"])
            entry["message"] = f"内部错误：{type(exc).__name__}（未导入，其余文件继续）"
            _recover_connection()  # a broken connection is replaced for the next file
        else:
            entry.update(
                ok=True,
                created=sum(1 for i in imported if i.created),
                updated=sum(1 for i in imported if not i.created),
                unplaced=[text for form in forms for text in form.unplaced],
            )
        report.append(entry)
        default_storage.delete(item["path"])
        Job.objects.filter(pk=job.pk).update(report=report)
        progress.step()
    failed = sum(1 for entry in report if not entry["ok"])
    message = f"{len(report) - failed} 个文件已导入" + (f"，{failed} 个未导入" if failed else "")
    Job.objects.filter(pk=job.pk).update(message=message)


RUNNERS = {
    Job.Kind.YEAR_ZIP: _year_zip,
    Job.Kind.BULK_IMPORT: _bulk_import,
    Job.Kind.XLSX_SUMMARY: _xlsx_summary,
    Job.Kind.YEAR_REPORT: _year_report,
}


def run(job_id: int) -> str:
    """Run a queued job once; a job that is no longer queued is left alone (no rerun)."""
    started = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, updated_at=timezone.now()
    )
    if not started:
        return "skipped"
    job = Job.objects.select_related("user").get(pk=job_id)
    if not (job.user.is_active and job_visible_to(job, job.user)):
        # Deactivated or stripped of the role since the click: nothing is made for them.
        now = timezone.now()
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED, message=ERROR_NO_LONGER_ALLOWED, finished_at=now, updated_at=now
        )
        return "refused"
    try:
        RUNNERS[job.kind](job)
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        _recover_connection()
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED,
            message=f"失败：{exc}"[:2000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        raise
    now = timezone.now()
    Job.objects.filter(pk=job_id).update(state=Job.State.DONE, finished_at=now, updated_at=now)
    return "done"
