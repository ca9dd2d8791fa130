"""The review workflow's buttons: submit, review, return, approve, reopen, and the
list's 批量审核通过.

All POST, all thin: load through ``get_evaluation_for_user`` (404 outside the user's
scope), call the service (a wrong role or status is its PermissionDenied: 403),
redirect after success. A click on a page loaded before someone else acted is
refused by the version check with a message; a reviewer's refused input is kept.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse

from projects.decorators import named, post_only, post_only_form
from projects.forms.evaluations import ID_MAX, EvaluationEditor
from projects.forms.workflow import ReopenForm, review_input
from projects.models import Evaluation
from projects.permissions import reviews, reviews_its_scope
from projects.selectors.evaluations import get_evaluation_for_user
from projects.services.evaluations import (
    StaleEvaluationError,
)
from projects.services.workflow import (
    BATCH_ALREADY_APPROVED,
    BATCH_MAX,
    ERROR_BATCH_EMPTY,
    ERROR_BATCH_NOT_REVIEWER,
    BatchApproval,
    SubmissionBlockedError,
    evaluation_approve,
    evaluation_reopen,
    evaluation_return,
    evaluation_review,
    evaluation_submit,
    evaluations_approve,
    not_reviewer_error,
)
from projects.views.evaluations import (
    _render_read_only,
    blocked_message,
    evaluation_submit_from_page,
)

SUBMITTED = "已提交审核。"
REVIEW_SAVED = "审核意见已保存。"
RETURNED = "已退回填报人修改。"
APPROVED = "已审核通过，此表已锁定。"
REOPENED = "已重新打开，此表已退回填报人修改。"
BATCH_APPROVED = "已审核通过 {count} 张自评表，均已锁定。"
BATCH_REFUSED = "以下 {count} 张未审核通过：{items}"
BATCH_WERE_APPROVED = "以下 {count} 张此前已通过，未重复审核：{items}"
BATCH_TOO_MANY = "一次最多审核通过 {max} 张自评表，您勾选了 {count} 张；请缩小筛选范围后分批操作"


def _version(request: HttpRequest) -> int:
    """The version the page was loaded at; a missing one never matches (versions start at 1)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


@login_required
@post_only_form
def evaluation_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand the form in; errors block it and are named in the message.

    From the form page the button posts the whole editor: what is on the page is saved
    and submitted in one step (``views.evaluation_submit_from_page``). A post of the
    version alone submits the saved form.
    """
    if EvaluationEditor.posted(request.POST):
        return evaluation_submit_from_page(request, pk)
    evaluation = get_evaluation_for_user(request.user, pk)
    try:
        evaluation_submit(evaluation=evaluation, version=_version(request), user=request.user)
    except SubmissionBlockedError as exc:
        messages.error(request, blocked_message(exc))
        return redirect(f"{evaluation.get_absolute_url()}?checked=1")  # every finding red
    except StaleEvaluationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, SUBMITTED)
    return redirect(evaluation)


def _review_step(request: HttpRequest, pk: int, service: Callable, done: str) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk)
    if not reviews(request.user, evaluation):
        raise PermissionDenied(not_reviewer_error(request.user, evaluation))
    posted = review_input(request.POST, evaluation)
    error, status = "；".join(posted.errors), 200
    if posted.review is not None:
        try:
            service(
                evaluation=evaluation,
                review=posted.review,
                version=_version(request),
                user=request.user,
            )
        except StaleEvaluationError as exc:
            error, status = exc.message, 409
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            messages.success(request, done)
            return redirect(evaluation)
    # Refused: the page again, from the stored form, with the reviewer's input kept.
    evaluation = get_evaluation_for_user(request.user, pk)
    return _render_read_only(request, evaluation, review=posted, review_error=error, status=status)


@login_required
@post_only_form
def evaluation_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the reviewer's comments and 审核得分; the form stays submitted."""
    return _review_step(request, pk, evaluation_review, REVIEW_SAVED)


@login_required
@post_only_form
def evaluation_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the comments and send the form back to its filler."""
    return _review_step(request, pk, evaluation_return, RETURNED)


@login_required
@post_only_form
def evaluation_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the comments and approve: the form is locked."""
    return _review_step(request, pk, evaluation_approve, APPROVED)


@login_required
@post_only_form
def evaluation_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin unlocks an approved form, with a reason."""
    evaluation: Evaluation = get_evaluation_for_user(request.user, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(form.errors["reason"]))
        return redirect(evaluation)
    try:
        evaluation_reopen(
            evaluation=evaluation,
            reason=form.cleaned_data["reason"],
            version=_version(request),
            user=request.user,
        )
    except StaleEvaluationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, REOPENED)
    return redirect(evaluation)


def _batch_versions(request: HttpRequest) -> dict[int, int]:
    """The ticked forms (``ids``) with the version the list showed each (``version-<pk>``);
    an id that is not a number is ignored, a missing version never matches."""
    versions: dict[int, int] = {}
    for value in request.POST.getlist("ids"):
        if value.isascii() and value.isdigit() and int(value) <= ID_MAX:
            try:
                versions[int(value)] = int(request.POST.get(f"version-{value}", ""))
            except ValueError:
                versions[int(value)] = 0
    return versions


def _batch_messages(request: HttpRequest, result: BatchApproval) -> None:
    """What was approved; what was already (a second click: not an error); what was
    refused and why, a form outside the user's scope by its number only."""
    if result.approved:
        messages.success(request, BATCH_APPROVED.format(count=len(result.approved)))
    before = [r for r in result.refused if r.reason == BATCH_ALREADY_APPROVED]
    refused = [r for r in result.refused if r.reason != BATCH_ALREADY_APPROVED]
    if before:
        items = "、".join(f"「{refusal.name}」" for refusal in before)
        messages.info(request, BATCH_WERE_APPROVED.format(count=len(before), items=items))
    if refused:
        items = "；".join(
            f"「{r.name}」{r.reason}" if r.name else f"编号 {r.pk}：{r.reason}" for r in refused
        )
        messages.warning(request, BATCH_REFUSED.format(count=len(refused), items=items))


@login_required
@post_only(named("home"))
def evaluations_approve_view(request: HttpRequest) -> HttpResponse:
    """Approve the forms ticked on the list with one comment, then back to the list.

    Only a 审核人 (not also a 填报人) or an admin: anyone else 403, as the form page's
    approve button. Which forms were refused, and why, is the message; forms outside
    the user's scope are named by their number only (``services.evaluations_approve``).
    """
    if not reviews_its_scope(request.user):
        raise PermissionDenied(ERROR_BATCH_NOT_REVIEWER)
    back = reverse("home")
    if query := QueryDict(request.POST.get("list_query", "")).urlencode():  # re-encoded
        back = f"{back}?{query}"
    versions = _batch_versions(request)
    if not versions:
        messages.error(request, ERROR_BATCH_EMPTY)
    elif len(versions) > BATCH_MAX:
        messages.error(request, BATCH_TOO_MANY.format(max=BATCH_MAX, count=len(versions)))
    else:
        try:
            result = evaluations_approve(
                versions=versions, comment=request.POST.get("comment", ""), user=request.user
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            _batch_messages(request, result)
    return redirect(back)
