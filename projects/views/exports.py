"""Downloads: one form as Word or PDF; the list (its current filter) as Excel or ZIP.

A ZIP, and a big Excel summary (more than ``XLSX_JOB_THRESHOLD`` forms), go to a
background job (``jobs``): this view then offers to start it instead of making the file.

Thin views: the form comes through ``get_evaluation_for_user`` and the
list through ``evaluations_for_user`` (404 / nothing outside the user's scope), the
exporter renders, the view only wraps what it returns.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from projects.exports.base import Rendered
from projects.exports.pdf_engine import PdfRenderError
from projects.exports.registry import FORM_EXPORTERS, LIST_EXPORTERS
from projects.exports.sheet import build_sheet
from projects.forms.evaluations import EvaluationFilterForm
from projects.selectors.evaluations import (
    EvaluationFilters,
    evaluation_result,
    evaluations_for_export,
    get_evaluation_for_user,
)

logger = logging.getLogger(__name__)

NOTHING_SELECTED = "请先勾选要导出的自评表"


def _download(rendered: Rendered) -> HttpResponse:
    if isinstance(rendered.content, bytes):
        response = HttpResponse(rendered.content, content_type=rendered.content_type)
    else:
        response = StreamingHttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = content_disposition_header(True, rendered.filename)
    # Forms are not public: no shared cache may keep a copy.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_GET
def evaluation_export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One form as .docx or .pdf, with the numbers of its page."""
    exporter = FORM_EXPORTERS.get(kind)
    if exporter is None:
        raise Http404("没有这种导出格式。")
    evaluation = get_evaluation_for_user(request.user, pk)
    sheet = build_sheet(evaluation, evaluation_result(evaluation))
    try:
        rendered = exporter.render(sheet)
    except PdfRenderError as exc:
        # Say which character cannot be shown, so that it can be corrected in the form.
        logger.error("PDF 导出失败（自评表 %s）：%s", pk, exc)
        return HttpResponse(
            f"{exc}\n请修改表中相应文字后重新导出。",
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    return _download(rendered)


def _list_filters(request: HttpRequest) -> EvaluationFilters:
    """The list page's filters, read with the list page's own form.

    A POST is the list's 导出所选 button: the ticked forms (``ids``, one value each)
    and nothing else, still scoped to the user like every export.
    """
    if request.method == "POST":
        data = {"ids": ",".join(request.POST.getlist("ids"))}
        return EvaluationFilterForm.for_user(data, request.user).filters()
    return EvaluationFilterForm.for_user(request.GET, request.user).filters()


def summary_in_background(count: int) -> bool:
    """Whether an Excel summary of ``count`` forms is made by a job instead of the request.

    Small ones stay a direct download (nicer); a year of a big region would outlast
    the app server's timeout (docs/performance.md「导出」).
    """
    return count > settings.XLSX_JOB_THRESHOLD


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def evaluations_export(request: HttpRequest, kind: str) -> HttpResponse:
    """The forms of the list's current filter as the Excel summary (xlsx) or a ZIP.

    A ZIP, and an Excel summary of more than ``XLSX_JOB_THRESHOLD`` forms, are not made
    here: the page offers to start them as a background job (a POST, so with CSRF).
    """
    exporter = LIST_EXPORTERS.get(kind)
    if exporter is None:
        raise Http404("没有这种导出格式。")
    filters = _list_filters(request)
    if request.method == "POST" and not filters.ids:
        messages.error(request, NOTHING_SELECTED)
        return redirect("home")
    evaluations = evaluations_for_export(request.user, filters)
    # A ZIP renders a PDF per form (seconds each, hundreds of MB of memory): never in
    # the request, whatever the count.
    count = evaluations.count()
    if kind == "zip" or summary_in_background(count):
        return render(
            request,
            "projects/export_in_background.html",
            {
                "kind": kind,
                "count": count,
                "threshold": settings.XLSX_JOB_THRESHOLD,
                "title": filters.title,
                "params": filters.params(),
                "list_query": urlencode(filters.params()),
            },
        )
    return _download(exporter.render(evaluations, title=filters.title))
