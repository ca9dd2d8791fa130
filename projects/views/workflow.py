"""The review workflow's buttons: submit, review, return, approve, reopen.

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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from projects.decorators import post_only_form
from projects.forms.evaluations import EvaluationEditor
from projects.forms.workflow import ReopenForm, review_input
from projects.models import Evaluation
from projects.permissions import reviews
from projects.selectors.evaluations import get_evaluation_for_user
from projects.services.evaluations import (
    StaleEvaluationError,
)
from projects.services.workflow import (
    SubmissionBlockedError,
    evaluation_approve,
    evaluation_reopen,
    evaluation_return,
    evaluation_review,
    evaluation_submit,
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
