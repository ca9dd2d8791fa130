"""The year at a glance: the dashboard, a project across the years, the indicator library.

Thin views over ``projects.selectors.dashboard``; every number comes from the
stored score summaries, scoped by ``selectors.evaluations_for_user``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from projects.exports.registry import REPORT_EXPORTER
from projects.exports.report import report_title, year_report
from projects.exports.report_charts import ChartFontMissing
from projects.models import Department
from projects.permissions import reviews_its_scope
from projects.selectors.dashboard import (
    STATUS_COLUMNS,
    Dashboard,
    dashboard_years,
    default_year,
    get_project_history,
    indicator_usage,
    year_dashboard,
)
from projects.selectors.evaluations import (
    EvaluationFilters,
    departments_for_user,
    evaluations_for_user,
    filter_evaluations,
    scoring_rules,
)
from projects.selectors.tasks import department_counts, state_label, task_years, tasks_for_user
from projects.views.exports import _download, summary_in_background

EXCEL_EXPORT_URL_NAME = "evaluations_export"  # the list's Excel summary
EXCEL_EXPORT_KIND = "xlsx"
ALL_YEARS = "all"  # the indicator library's year choice for every year
CHART_DEPARTMENTS = 20  # bars per department chart; the table lists them all


def _int(value: str | None, *, low: int, high: int) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if low <= number <= high else None


def _excel_url(params: dict[str, object]) -> str:
    """The Excel summary of the forms behind the dashboard."""
    url = reverse(EXCEL_EXPORT_URL_NAME, args=[EXCEL_EXPORT_KIND])
    return f"{url}?{urlencode(params)}"


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """One year: progress, money, grades, scores and the forms that need attention."""
    years = dashboard_years(request.user)
    year = _int(request.GET.get("year"), low=2000, high=2100) or default_year(years)
    departments = list(departments_for_user(request.user).filter(parent__isnull=True))
    department_id = _int(request.GET.get("department"), low=1, high=2**62)
    if department_id not in {d.pk for d in departments}:
        department_id = None
    context: dict[str, object] = {
        "year": year,
        "years": years,
        "departments": departments,
        "department_id": department_id,
        "status_columns": STATUS_COLUMNS,
        "list_url": reverse("home"),
        "tasks_url": reverse("dashboard_tasks") if reviews_its_scope(request.user) else "",
    }
    if year is not None:
        board = year_dashboard(
            request.user, year, department_id=department_id, years=years, rules=scoring_rules()
        )
        context["board"] = board
        context["excel_url"] = _excel_url(board.forms.params)
        if summary_in_background(board.forms.value):  # type: ignore[arg-type]
            # Too many forms for a download in the request: a background job instead.
            context["excel_job_params"] = {k: str(v) for k, v in board.forms.params.items()}
            context["xlsx_threshold"] = settings.XLSX_JOB_THRESHOLD
        context["charts"] = _charts(board)
        context["report_in_background"] = report_in_background(board.forms.value)  # type: ignore[arg-type]
        context["report_threshold"] = settings.REPORT_JOB_THRESHOLD
    return render(request, "projects/dashboard/dashboard.html", context)


REPORT_TOO_BIG = (
    "{year}年度报告涉及 {count} 张自评表（超过 {threshold} 张），请在总览页点击"
    "「年度报告（后台生成）」，完成后在「后台任务」中下载"
)


def report_in_background(count: int) -> bool:
    """Whether the 年度报告 of ``count`` forms is made by a job instead of the request."""
    return count > settings.REPORT_JOB_THRESHOLD


def report_scope(
    user: User | AnonymousUser, params: Mapping[str, str]
) -> tuple[int, Department | None]:
    """The year and 主管部门 of a report request, as the dashboard reads them.

    No year: the dashboard's default (the latest). A year the user has no form in,
    or a 主管部门 outside their scope, is a 404, like any page of what they may not see.
    """
    years = dashboard_years(user)
    raw_year = params.get("year")
    year = _int(raw_year, low=2000, high=2100) if raw_year else default_year(years)
    if year is None or year not in years:
        raise Http404("没有该年度的自评表，或您无权查看。")
    raw_department = params.get("department")
    if not raw_department:
        return year, None
    department_id = _int(raw_department, low=1, high=2**62)
    department = (
        departments_for_user(user).filter(parent__isnull=True, pk=department_id).first()
        if department_id
        else None
    )
    if department is None:
        raise Http404("没有该主管部门，或您无权查看。")
    return year, department


@login_required
@require_safe
def dashboard_report(request: HttpRequest) -> HttpResponse:
    """The 年度报告 of the dashboard's year and 主管部门 as .docx (small scopes only).

    Above ``REPORT_JOB_THRESHOLD`` forms the dashboard's button starts a job instead
    (``jobs:year_report``); asked for here anyway, the page says so.
    """
    year, department = report_scope(request.user, request.GET)
    department_id = department.pk if department else None
    count = filter_evaluations(
        evaluations_for_user(request.user), EvaluationFilters(year=year, department=department_id)
    ).count()
    if report_in_background(count):
        messages.info(
            request,
            REPORT_TOO_BIG.format(year=year, count=count, threshold=settings.REPORT_JOB_THRESHOLD),
        )
        return redirect(f"{reverse('dashboard')}?{urlencode(_report_params(year, department))}")
    report = year_report(request.user, year, department_id=department_id, rules=scoring_rules())
    title = report_title(year, department.name if department else "")
    try:
        rendered = REPORT_EXPORTER.render(report, title=title)
    except ChartFontMissing as exc:  # the server lacks the charts' Chinese font
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    return _download(rendered)


def _report_params(year: int, department: Department | None) -> dict[str, object]:
    return {"year": year, **({"department": department.pk} if department else {})}


def _charts(board: Dashboard) -> dict[str, object]:
    """What dashboard.js draws: labels and values as strings (no float in Python).

    The department charts show the CHART_DEPARTMENTS biggest departments; the
    tables beside them list every department.
    """
    labels = dict(STATUS_COLUMNS)
    by_forms = sorted(board.departments, key=lambda r: (-r.forms.value, r.name))[:CHART_DEPARTMENTS]
    by_budget = sorted(board.departments, key=lambda r: (-r.annual_budget, r.name))[
        :CHART_DEPARTMENTS
    ]
    return {
        "status": {
            "labels": [row.name for row in by_forms],
            "series": [
                {
                    "key": status,
                    "label": labels[status],
                    "values": [dict(row.statuses)[status].value for row in by_forms],
                }
                for status, _ in STATUS_COLUMNS
            ],
        },
        "budget": {
            "labels": [row.name for row in by_budget],
            "series": [
                {
                    "key": "annual_budget",
                    "label": "全年预算数（万元）",
                    "values": [str(row.annual_budget) for row in by_budget],
                },
                {
                    "key": "executed",
                    "label": "全年执行数（万元）",
                    "values": [str(row.executed) for row in by_budget],
                },
            ],
        },
        "grades": {
            "labels": [bucket.label for bucket in board.grades],
            "series": [
                {
                    "key": "grade",
                    "label": "自评表数",
                    "values": [bucket.count.value for bucket in board.grades],
                }
            ],
        },
        "scores": {
            "labels": [bucket.label for bucket in board.scores],
            "series": [
                {
                    "key": "score",
                    "label": "自评表数",
                    "values": [bucket.count.value for bucket in board.scores],
                }
            ],
        },
    }


@login_required
@require_safe
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's 总分, 执行率 and 等级 across the years (404 outside the user's scope)."""
    history = get_project_history(request.user, pk)
    project = history[-1].project
    chart = {
        "labels": [f"{e.year}" for e in history],
        "series": [
            {
                "key": "total_score",
                "label": "总分",
                "values": [
                    str(e.summary.total_score) if hasattr(e, "summary") else None for e in history
                ],
            },
            {
                "key": "execution_rate",
                "label": "预算执行率（%）",
                "values": [
                    str(e.summary.execution_rate)
                    if hasattr(e, "summary") and e.summary.execution_rate is not None
                    else None
                    for e in history
                ],
            },
        ],
    }
    return render(
        request,
        "projects/dashboard/project_detail.html",
        {"project": project, "history": history, "chart": chart},
    )


@login_required
@require_safe
def indicator_library_page(request: HttpRequest) -> HttpResponse:
    """Every 三级 indicator in use, grouped by 一级/二级, with its use and typical targets."""
    years = dashboard_years(request.user)
    # The latest year by default: all years of a large installation take seconds
    # (docs/performance.md, 仪表盘); "all" asks for them.
    all_years = request.GET.get("year") == ALL_YEARS
    year = None if all_years else _int(request.GET.get("year"), low=2000, high=2100)
    year = year or (None if all_years else default_year(years))
    level1_id = _int(request.GET.get("level1"), low=1, high=2**62)
    query = (request.GET.get("q") or "").strip()[:100]
    library = indicator_usage(request.user, year=year, level1_id=level1_id, query=query)
    return render(
        request,
        "projects/dashboard/indicator_library.html",
        {
            "library": library,
            "years": years,
            "year": year,
            "all_years": ALL_YEARS,
            "level1_id": level1_id,
            "q": query,
        },
    )


@login_required
@require_safe
def dashboard_tasks(request: HttpRequest) -> HttpResponse:
    """For reviewers and admins: per 主管部门 of their scope, what is not started or overdue."""
    if not reviews_its_scope(request.user):
        raise PermissionDenied("只有审核人和管理员可以查看各部门的任务进度")
    years = task_years(request.user)
    year = _int(request.GET.get("year"), low=2000, high=2100) or (years[0] if years else None)
    context: dict[str, object] = {"year": year, "years": years}
    if year is not None:
        late = [
            task
            for task in tasks_for_user(request.user, year)
            if task.overdue or task.form_status is None
        ]
        for task in late:
            task.state = state_label(task)
        context.update(counts=department_counts(request.user, year), tasks=late)
    return render(request, "projects/dashboard/tasks.html", context)
