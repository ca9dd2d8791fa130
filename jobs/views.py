"""Pages of the long jobs: start one, watch its progress bar, download the result."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_safe

from jobs.forms import BulkImportForm, SummaryJobForm, YearZipForm
from jobs.models import Job
from jobs.services import (
    JobLimitReached,
    job_start_bulk_import,
    job_start_xlsx_summary,
    job_start_year_report,
    job_start_zip,
    job_visible_to,
    worker_warning,
)
from projects.decorators import named, post_only
from projects.exports.excel import SummaryExporter
from projects.exports.registry import REPORT_EXPORTER
from projects.imports.uploads import (
    file_too_big,
    upload_limit_install,
    upload_limits_text,
    upload_refusals,
)
from projects.selectors.evaluations import (
    EvaluationFilters,
    evaluation_years,
    evaluations_for_export,
    is_admin,
)
from projects.views.dashboard import report_scope

ALREADY_RUNNING = "同样的任务已在进行中，下面是它的进度（没有重复开始）"
EMPTY_SELECTION = "当前筛选条件下没有您可查看的自评表，没有可导出的内容"
RECENT = 20
CONTENT_TYPES = {
    Job.Kind.YEAR_ZIP: "application/zip",
    Job.Kind.XLSX_SUMMARY: SummaryExporter.content_type,
    Job.Kind.YEAR_REPORT: REPORT_EXPORTER.content_type,
}


def _job_for_user(request: HttpRequest, pk: int) -> Job:
    """The user's own job, while its result is still within their scope (else 404)."""
    job = Job.objects.filter(pk=pk, user=request.user).first()
    if job is None or not job_visible_to(job, request.user):
        raise Http404("没有找到该任务，或您无权查看。")
    return job


@login_required
@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = list(Job.objects.filter(user=request.user)[:RECENT])
    years = evaluation_years(request.user)
    return render(
        request,
        "jobs/job_list.html",
        {
            "jobs": jobs,
            "no_worker": worker_warning(jobs),
            "zip_form": YearZipForm(years=years, auto_id="zip_%s"),
            "xlsx_form": YearZipForm(years=years, submit="开始生成", auto_id="xlsx_%s"),
            "xlsx_threshold": settings.XLSX_JOB_THRESHOLD,
            "import_form": BulkImportForm() if is_admin(request.user) else None,
            "import_limits": upload_limits_text(),
        },
    )


def _started(request: HttpRequest, start, **kwargs) -> HttpResponse:
    """Start a job (or find the same one running) and show it; over the per-user
    limit, say so on the jobs page."""
    try:
        job, created = start(user=request.user, **kwargs)
    except JobLimitReached as exc:
        messages.error(request, str(exc))
        return redirect("jobs:list")
    if not created:
        messages.info(request, ALREADY_RUNNING)
    return redirect(job)


def _selection(request: HttpRequest) -> EvaluationFilters | HttpResponse:
    """The list's filters POSTed with a ZIP or summary button, or the redirect that says
    what is wrong with them."""
    form = SummaryJobForm.for_user(request.POST, request.user)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("jobs:list")
    filters = form.filters()
    if not evaluations_for_export(request.user, filters).exists():
        messages.error(request, EMPTY_SELECTION)
        return redirect("jobs:list")
    return filters


@login_required
@post_only(named("jobs:list"))
def year_zip_start(request: HttpRequest) -> HttpResponse:
    """The ZIP of a year (the jobs page) or of the list's filters (the list's button)."""
    filters = _selection(request)
    if isinstance(filters, HttpResponse):
        return filters
    return _started(request, job_start_zip, filters=filters)


@login_required
@post_only(named("jobs:list"))
def xlsx_summary_start(request: HttpRequest) -> HttpResponse:
    """The Excel summary of the list's filters (POSTed as the list's query parameters)."""
    filters = _selection(request)
    if isinstance(filters, HttpResponse):
        return filters
    return _started(request, job_start_xlsx_summary, filters=filters)


@login_required
@post_only(named("jobs:list"))
def year_report_start(request: HttpRequest) -> HttpResponse:
    """The dashboard's 年度报告 of its year and 主管部门 (POSTed by its button)."""
    year, department = report_scope(request.user, request.POST)  # 404 outside the scope
    return _started(request, job_start_year_report, year=year, department=department)


@csrf_exempt  # CSRF is checked by _bulk_import_post, once the size limits are installed
@login_required
@post_only(named("jobs:list"))
def bulk_import_start(request: HttpRequest) -> HttpResponse:
    if not is_admin(request.user):
        raise PermissionDenied("只有管理员可以导入")
    refused = upload_limit_install(request)  # before anything reads the body
    if refused:
        messages.error(request, refused)
        return redirect("jobs:list")
    return _bulk_import_post(request)


@csrf_protect
def _bulk_import_post(request: HttpRequest) -> HttpResponse:
    """Nothing is stored when a file is over the limit: the whole batch is refused."""
    stopped, skipped = upload_refusals(request)
    if stopped or skipped:
        problem = stopped or "；".join(file_too_big(name) for name in skipped)
        messages.error(request, f"{problem}（这一批文件都没有上传，请去掉超限的文件后重新上传）")
        return redirect("jobs:list")
    form = BulkImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("jobs:list")
    return _started(request, job_start_bulk_import, files=form.cleaned_data["files"])


@login_required
@require_safe
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request, pk)
    return render(request, "jobs/job_detail.html", {"job": job, "no_worker": worker_warning([job])})


@login_required
@require_safe
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the progress partial, polled until the job is finished."""
    job = _job_for_user(request, pk)
    return render(request, "jobs/_progress.html", {"job": job, "no_worker": worker_warning([job])})


@login_required
@require_safe
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job_for_user(request, pk)
    if job.state != Job.State.DONE or not job.result_name:
        raise Http404("结果还没有生成。")
    response = FileResponse(
        default_storage.open(job.result_name, "rb"),
        as_attachment=True,
        filename=job.result_filename,
        content_type=CONTENT_TYPES.get(job.kind, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    return response
