"""The year at a glance: the dashboard, a project across the years, the indicator library.

Thin views over ``projects.selectors.dashboard``; every number comes from the
stored score summaries, scoped by ``selectors.evaluations_for_user``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from projects.selectors.dashboard import (
    STATUS_COLUMNS,
    Dashboard,
    dashboard_years,
    default_year,
    get_project_history,
    indicator_usage,
    year_dashboard,
)
from projects.selectors.evaluations import departments_for_user, scoring_rules
from projects.views.exports import summary_in_background

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
    return render(request, "projects/dashboard/dashboard.html", context)


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
