"""Pages of the forms: the list, starting a form, and the form page itself.

Thin views (docs/architecture.md): load through ``get_evaluation_for_user`` (404 outside
the user's scope), bind, call a service, redirect after a successful POST. The
form page, its live recalculation and its row actions all bind the same
``EvaluationEditor`` and score it with the one scoring service.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from indicators.scoring import FormResult, ScoringRules, score_form
from projects.conflicts import Conflict, Rebased, conflict_for, rebased_data
from projects.decorators import post_only, post_only_form
from projects.exports.sheet import build_sheet
from projects.form_table import edit_table, read_table, with_previous
from projects.forms.evaluations import (
    ERROR_NO_PREVIOUS,
    ERROR_SCORE_OUT_OF_BAND,
    EvaluationCreateForm,
    EvaluationEditor,
    EvaluationFilterForm,
    IndicatorRowForm,
    apply_row_action,
    has_out_of_band_score,
    indicator_library_query,
)
from projects.forms.workflow import ReviewInput, stored_review_input
from projects.models import Evaluation, ReportingYear
from projects.permissions import (
    EDITABLE_STATUSES,
    can_create,
    can_edit,
    can_reopen,
    can_review,
    can_submit,
    project_in_scope,
    reviews_its_scope,
    year_closed,
)
from projects.selectors.dashboard import filter_by_summary, project_history, summary_filters
from projects.selectors.evaluations import (
    Taxonomy,
    departments_for_user,
    evaluation_list_page,
    evaluation_result,
    evaluations_for_user,
    get_evaluation_for_user,
    indicator_library,
    list_sort,
    load_taxonomy,
    previous_rows,
    projects_for_user,
    scoring_rules,
    with_rows,
)
from projects.selectors.tasks import pending_tasks, task_in_scope
from projects.selectors.workflow import (
    HISTORY_PER_PAGE,
    evaluation_events,
    latest_events,
    years_and_todos,
)
from projects.services.evaluations import (
    EvaluationExistsError,
    StaleEvaluationError,
    evaluation_create,
    evaluation_create_from_previous,
    evaluation_save_draft,
    project_create,
)
from projects.services.evidence import evidence_context
from projects.services.tasks import task_start
from projects.services.workflow import (
    SubmissionBlockedError,
    evaluation_save_and_submit,
)
from projects.views.exports import summary_in_background

SAVED = "已保存。"
SUBMITTED = "已提交审核。"
BLOCKED_NOT_SAVED = "。本页内容也未保存，您填写的都还在：改正后再点「提交审核」，或先「保存草稿」。"
BLOCKED_SHOWN = 5  # findings named in the message; the page lists them all
SAVE_REFUSED = "未保存：有输入需要改正（见下方标红处）。您填写的内容都还在。"
CREATED = "已新建{year}年度「{project}」的自评表。"
CREATED_FROM_PREVIOUS = "已从{previous}年度的自评表复制，新建{year}年度「{project}」的自评表。"
OPENED_EXISTING = "{error}，已为您打开。"
READ_ONLY_STATUS = "此表{status}，不能修改"
READ_ONLY_ROLE = "您没有填报权限"
# The list's sortable headers: sort key (``LIST_SORTS``) → the column's label.
LIST_SORT_COLUMNS = {
    "name": "项目名称",
    "department": "主管部门 / 实施单位",
    "status": "状态",
    "score": "总分",
    "updated": "更新时间",
}
READ_ONLY_YEAR_CLOSED = "{year}年度已截止填报，如需修改请联系管理员"


def sort_headers(sort: str) -> dict[str, dict[str, str]]:
    """Per sortable column: its label, the ``sort`` its link sets (a click on the column
    sorted by reverses it) and the arrow/aria-sort it shows now."""
    headers = {}
    for key, label in LIST_SORT_COLUMNS.items():
        current = {key: "ascending", f"-{key}": "descending"}.get(sort, "")
        headers[key] = {
            "label": label,
            "param": f"-{key}" if sort == key else key,
            "arrow": {"ascending": " ▲", "descending": " ▼"}.get(current, ""),
            "aria": current or "none",
        }
    return headers


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The user's forms, filtered, sorted (``sort``) and paginated, with 总分/等级/状态 per row.

    A reviewer (or admin) ticks submitted forms to approve them at once, or to export
    just those; the checkboxes need no query of their own (``reviews_its_scope``).
    """
    rules = scoring_rules()
    years, todos = years_and_todos(request.user)
    filter_form = EvaluationFilterForm.for_user(request.GET, request.user, years=years, rules=rules)
    filters = filter_form.filters()
    sort = list_sort(request.GET.get("sort"))
    page = evaluation_list_page(
        request.user,
        filters,
        request.GET.get("page"),
        rules=rules,
        refine=lambda queryset: filter_by_summary(queryset, request.GET),
        sort=sort,
    )
    return render(
        request,
        "projects/home.html",
        {
            "filter_form": filter_form,
            "page": page,
            "can_create": can_create(request.user),
            # Fillers see which years take forms, and until when.
            "open_years": (
                list(ReportingYear.objects.filter(is_open=True)) if can_create(request.user) else []
            ),
            "todos": todos,
            # 待填报: the tasks of the user's departments that have no form yet.
            "pending_tasks": pending_tasks(request.user) if can_create(request.user) else [],
            "drill_down": list(summary_filters(request.GET)),
            # A big selection's Excel summary is a background job (its filters, POSTed).
            "xlsx_job_params": (
                filters.params() if summary_in_background(page.paginator.count) else None
            ),
            "xlsx_threshold": settings.XLSX_JOB_THRESHOLD,
            "sort": sort,
            "sort_headers": sort_headers(sort),
            "batch_review": reviews_its_scope(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_create_view(request: HttpRequest) -> HttpResponse:
    """Start a form for a project (or a new project) and a year, blank or from last year's."""
    if not can_create(request.user):
        raise PermissionDenied(READ_ONLY_ROLE)
    open_years = list(ReportingYear.objects.filter(is_open=True))  # newest first
    form = EvaluationCreateForm(
        request.POST or None,
        projects=projects_for_user(request.user),
        units=departments_for_user(request.user).select_related("parent"),
        open_years=[year.year for year in open_years],
        initial={"year": open_years[0].year if open_years else None, "from_previous": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = _start_evaluation(request, form.cleaned_data)
        except EvaluationExistsError as exc:
            opened = _open_existing(request, exc)
            if opened is not None:
                return opened
            form.add_error(None, exc)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect(evaluation)
    return render(
        request,
        "projects/evaluation_create.html",
        {"form": form, "open_years": open_years},
    )


def _start_evaluation(request: HttpRequest, data: dict) -> Evaluation:
    project, year = data["project"], data["year"]
    if project is None:
        unit = data["unit"]
        department = unit.parent or unit
        # A second click (or the same name typed again) means the project the first made.
        project = projects_for_user(request.user).filter(
            department=department, name=data["new_project_name"]
        ).first() or project_create(
            name=data["new_project_name"],
            department=department,
            implementing_unit=unit if unit.parent else None,
        )
    if not data["from_previous"]:
        evaluation = evaluation_create(project=project, year=year, user=request.user)
        messages.success(request, CREATED.format(year=year, project=project.name))
        return evaluation
    previous = (
        with_rows(evaluations_for_user(request.user)).filter(project=project, year=year - 1).first()
    )
    if previous is None:
        raise ValidationError(ERROR_NO_PREVIOUS.format(project=project.name, year=year - 1))
    evaluation = evaluation_create_from_previous(previous=previous, user=request.user, year=year)
    messages.success(
        request,
        CREATED_FROM_PREVIOUS.format(previous=year - 1, year=year, project=project.name),
    )
    return evaluation


@login_required
@post_only_form
def evaluation_create_from_previous_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Next year's form, started from this one."""
    previous = get_evaluation_for_user(request.user, pk)
    if not (can_create(request.user) and project_in_scope(request.user, previous.project)):
        raise PermissionDenied(READ_ONLY_ROLE)
    try:
        evaluation = evaluation_create_from_previous(previous=previous, user=request.user)
    except EvaluationExistsError as exc:
        return _open_existing(request, exc) or _refused(request, exc, previous)
    except ValidationError as exc:
        return _refused(request, exc, previous)
    messages.success(
        request,
        CREATED_FROM_PREVIOUS.format(
            previous=previous.year, year=evaluation.year, project=previous.project.name
        ),
    )
    return redirect(evaluation)


@login_required
@post_only(lambda request, pk: reverse("home"))
def task_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    """开始填报 a task: its form, copied from last year's where there is one (one click)."""
    task = task_in_scope(request.user, pk)
    if not can_create(request.user):
        raise PermissionDenied(READ_ONLY_ROLE)
    try:
        evaluation = task_start(task=task, user=request.user)
    except EvaluationExistsError as exc:
        opened = _open_existing(request, exc)
        if opened is not None:
            return opened
        messages.error(request, "；".join(exc.messages))
        return redirect("home")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("home")
    messages.success(request, CREATED.format(year=task.year, project=task.project.name))
    return redirect(evaluation)


@login_required
@require_safe
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The form page: editable in place for its filler, read-only for everyone else."""
    evaluation = get_evaluation_for_user(request.user, pk)
    if not can_edit(request.user, evaluation):
        return _render_read_only(request, evaluation)
    taxonomy, rules = load_taxonomy(), scoring_rules()
    editor = EvaluationEditor.for_evaluation(evaluation, taxonomy=taxonomy, rules=rules)
    return _render_editor(request, evaluation, editor, taxonomy, rules)


@login_required
@require_safe
def evaluation_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored form as the official table for the browser's print (A4).

    The table is the PDF export's own partial, built from the same sheet, so what is
    printed from the browser and what is exported as PDF are one and the same.
    """
    evaluation = get_evaluation_for_user(request.user, pk)
    sheet = build_sheet(evaluation, evaluation_result(evaluation))
    return render(
        request, "projects/evaluation_print_page.html", {"evaluation": evaluation, "sheet": sheet}
    )


@login_required
@require_safe
def evaluation_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The form's whole 修改记录, newest first, a page at a time (the form page shows the latest)."""
    evaluation = get_evaluation_for_user(request.user, pk)
    page = Paginator(evaluation_events(evaluation), HISTORY_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "projects/evaluation_history.html", {"evaluation": evaluation, "page": page}
    )


@login_required
@post_only_form
def evaluation_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft as typed; on any refusal the page comes back with the input kept.

    ``rebase=1`` (the two-tab box's button) saves nothing: the posted input comes back
    bound to the stored version, for the user to review and save.
    """
    return _store_from_page(request, pk, submit=False)


def evaluation_submit_from_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The 提交审核 button of the form page: save what is on the page and submit it.

    One service call (``evaluation_save_and_submit``): if the input has errors, the
    form's checks block it or someone saved in between, nothing is saved or submitted
    and the page comes back as typed, with every finding shown (``checked``).
    """
    return _store_from_page(request, pk, submit=True)


def blocked_message(exc: SubmissionBlockedError) -> str:
    """Why a submission was refused, naming the first few errors."""
    named = "；".join(finding.message for finding in exc.findings[:BLOCKED_SHOWN])
    more = "……（全部错误见页面上方）" if len(exc.findings) > BLOCKED_SHOWN else ""
    return f"{exc.message}：{named}{more}"


def _store_from_page(request: HttpRequest, pk: int, *, submit: bool) -> HttpResponse:
    evaluation, taxonomy, rules = _load_editable(request, pk)
    if not submit and request.POST.get("rebase") == "1":
        rebased = rebased_data(evaluation, request.POST, taxonomy, rules)
        editor = EvaluationEditor(rebased.data, taxonomy=taxonomy, evaluation=evaluation)
        return _render_editor(request, evaluation, editor, taxonomy, rules, rebased=rebased)
    editor = EvaluationEditor(request.POST, taxonomy=taxonomy, evaluation=evaluation)
    result = score_form(editor.scoring_input(), rules)
    refusal = (
        SAVE_REFUSED
        if not editor.is_valid()
        else ERROR_SCORE_OUT_OF_BAND
        if has_out_of_band_score(result)
        else ""
    )
    if refusal:
        return _render_editor(
            request,
            evaluation,
            editor,
            taxonomy,
            rules,
            save_error=refusal,
            result=result,
            checked=submit or None,
        )
    store = evaluation_save_and_submit if submit else evaluation_save_draft
    try:
        store(
            evaluation=evaluation,
            draft=editor.draft(result),
            version=editor.version,
            user=request.user,
        )
    except SubmissionBlockedError as exc:
        return _render_editor(
            request,
            evaluation,
            editor,
            taxonomy,
            rules,
            save_error=blocked_message(exc) + BLOCKED_NOT_SAVED,
            result=result,
            checked=True,
        )
    except StaleEvaluationError as exc:
        # The save set the posted values on ``evaluation``: what is stored is read afresh.
        current = get_evaluation_for_user(request.user, pk)
        conflict = conflict_for(current, request.POST, editor.version, taxonomy)
        return _render_editor(
            request,
            evaluation,
            editor,
            taxonomy,
            rules,
            save_error=exc.message,
            status=409,
            conflict=conflict,
        )
    except ValidationError as exc:
        return _render_editor(
            request, evaluation, editor, taxonomy, rules, save_error="；".join(exc.messages)
        )
    messages.success(request, SUBMITTED if submit else SAVED)
    return redirect(evaluation)


@login_required
@post_only_form
def evaluation_recalculate(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: score the unsaved input and return the computed cells and findings."""
    evaluation, taxonomy, rules = _load_editable(request, pk)
    editor = EvaluationEditor(request.POST, taxonomy=taxonomy, evaluation=evaluation)
    result = score_form(editor.scoring_input(), rules)
    table = edit_table(editor, result, taxonomy, checked=_checked(request))
    return render(request, "projects/_recalculated.html", {"table": table})


@login_required
@post_only_form
def evaluation_rows(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: add, move or remove a 三级 row; the table comes back with everything as typed."""
    evaluation, taxonomy, rules = _load_editable(request, pk)
    action = apply_row_action(
        request.POST,
        request.POST.get("row_action", ""),
        taxonomy,
        add_level2=request.POST.get("add_level2", ""),
    )
    editor = EvaluationEditor(action.data, taxonomy=taxonomy, evaluation=evaluation)
    result = score_form(editor.scoring_input(), rules)
    context = _editor_context(request, evaluation, editor, taxonomy, result, _checked(request))
    context["focus_index"] = action.focus_index
    return render(request, "projects/_form_body.html", context)


@login_required
@require_safe
def indicator_library_view(request: HttpRequest) -> HttpResponse:
    """htmx/fetch: 三级 names already used in the system, for the name cell's list."""
    if not can_create(request.user):
        raise PermissionDenied(READ_ONLY_ROLE)
    query, level2_id = indicator_library_query(request.GET)
    return render(
        request,
        "projects/_library_options.html",
        {"names": indicator_library(query, level2_id)},
    )


# --- helpers -----------------------------------------------------------------------


def _open_existing(request: HttpRequest, exc: EvaluationExistsError) -> HttpResponse | None:
    """A second click on 新建/下一年度 lands on the form the first one created (if visible)."""
    if not evaluations_for_user(request.user).filter(pk=exc.evaluation.pk).exists():
        return None
    messages.info(request, OPENED_EXISTING.format(error=exc.messages[0]))
    return redirect(exc.evaluation)


def _refused(request: HttpRequest, exc: ValidationError, previous: Evaluation) -> HttpResponse:
    messages.error(request, "；".join(exc.messages))
    return redirect(previous)


def _load_editable(request: HttpRequest, pk: int) -> tuple[Evaluation, Taxonomy, ScoringRules]:
    evaluation = get_evaluation_for_user(request.user, pk)
    if not can_edit(request.user, evaluation):
        raise PermissionDenied(_read_only_reason(request, evaluation))
    return evaluation, load_taxonomy(), scoring_rules()


def _read_only_reason(request: HttpRequest, evaluation: Evaluation) -> str:
    if not can_create(request.user):
        return READ_ONLY_ROLE
    if evaluation.status not in EDITABLE_STATUSES:
        return READ_ONLY_STATUS.format(status=evaluation.get_status_display())
    if year_closed(evaluation):
        return READ_ONLY_YEAR_CLOSED.format(year=evaluation.year)
    return READ_ONLY_ROLE


def _checked(request: HttpRequest) -> bool:
    """After a blocked 提交 (``?checked=1``, then posted along): every finding shows red."""
    return (request.GET.get("checked") or request.POST.get("checked")) == "1"


def _editor_context(request, evaluation, editor, taxonomy, result, checked: bool = False) -> dict:
    table = edit_table(editor, result, taxonomy, checked=checked)
    return {
        "evaluation": evaluation,
        "editor": editor,
        "taxonomy": taxonomy,
        "checked": checked,
        # Each row's 实际完成值 and score on the previous form: one query.
        "table": with_previous(table, previous_rows(request.user, evaluation)),
        # Computed once for the whole table, not in each row.
        "rows_url": reverse("evaluation_rows", args=[evaluation.pk]),
        "tier_choices": IndicatorRowForm.base_fields["tier"].choices,
        "direction_choices": IndicatorRowForm.base_fields["direction"].choices,
    }


def _render_editor(
    request: HttpRequest,
    evaluation: Evaluation,
    editor: EvaluationEditor,
    taxonomy: Taxonomy,
    rules: ScoringRules,
    *,
    save_error: str = "",
    status: int = 200,
    result: FormResult | None = None,
    checked: bool | None = None,
    conflict: Conflict | None = None,
    rebased: Rebased | None = None,
) -> HttpResponse:
    if result is None:
        result = score_form(editor.scoring_input(), rules)
    if checked is None:
        checked = _checked(request)
    context = _editor_context(request, evaluation, editor, taxonomy, result, checked)
    context["save_error"] = save_error
    context["conflict"], context["rebased"] = conflict, rebased
    context["history"] = project_history(request.user, evaluation.project_id)
    context["events"], context["older_events"] = latest_events(evaluation)
    context["can_submit"] = can_submit(request.user, evaluation)
    context.update(evidence_context(evaluation, editable=True))
    return render(request, "projects/evaluation_form.html", context, status=status)


def _render_read_only(
    request: HttpRequest,
    evaluation: Evaluation,
    *,
    review: ReviewInput | None = None,
    review_error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The read-only page; a reviewer's comment boxes (as posted when a review was refused)."""
    result = evaluation_result(evaluation)
    can_start_next_year = can_create(request.user) and project_in_scope(
        request.user, evaluation.project
    )
    next_year = None
    if can_start_next_year:
        next_year = (
            evaluations_for_user(request.user)
            .filter(project_id=evaluation.project_id, year=evaluation.year + 1)
            .first()
        )
        # The button only where the service would take it: next year open for filling.
        can_start_next_year = next_year is None and (
            ReportingYear.objects.filter(year=evaluation.year + 1, is_open=True).exists()
        )
    table = with_previous(read_table(evaluation, result), previous_rows(request.user, evaluation))
    events, older_events = latest_events(evaluation)
    reviewing = can_review(request.user, evaluation)
    if reviewing:
        review = review or stored_review_input(evaluation)
        for row in table.rows:
            # The boxes of each row, as stored or as just posted.
            row.review_values = review.values.get(row.indicator.pk, ("", ""))
    context = {
        "evaluation": evaluation,
        "table": table,
        "reviewing": reviewing,
        "review": review,
        "review_error": review_error,
        "can_reopen": can_reopen(request.user, evaluation),
        "events": events,
        "older_events": older_events,
        "editable_elsewhere": can_edit(request.user, evaluation),
        "read_only_reason": _read_only_reason(request, evaluation),
        "can_start_next_year": can_start_next_year,
        "next_year": next_year,
        "history": project_history(request.user, evaluation.project_id),
        **evidence_context(evaluation, editable=False),
    }
    return render(request, "projects/evaluation_read.html", context, status=status)
