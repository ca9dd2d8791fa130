"""Nothing typed is lost, in Chromium.

- 提交审核 with unsaved edits submits what is on the page, with no "leave site?" dialog;
- a save after the session expired: after signing in again the form page offers the input
  back, and saving it stores it;
- confirmations before 提交审核 / 退回修改, and a removed row can be put back.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from projects.models import Evaluation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT = 10_000


def _dialogs(page, accept: bool = True) -> list[str]:
    """Answer every dialog (accept or dismiss); the list of their types, in order."""
    seen: list[str] = []

    def answer(dialog) -> None:
        seen.append(dialog.type)
        if accept or dialog.type == "beforeunload":
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    return seen


def _real_errors(page) -> list[str]:
    # htmx reports a recalculation that a row action replaced (hx-sync) as an error.
    return [e for e in page.errors if not e.startswith(("htmx:sendAbort", "htmx:afterRequest"))]


def _open(page, live_server, evaluation):
    page.set_default_timeout(TIMEOUT)
    assert page.goto(f"{live_server.url}{evaluation.get_absolute_url()}").status == 200


def test_submit_with_unsaved_edits_submits_what_is_on_the_page(
    live_server, logged_in_page, filler_a, evaluation_a
):
    page = logged_in_page(filler_a)
    dialogs = _dialogs(page)
    _open(page, live_server, evaluation_a)
    page.fill("#id_goal_actual", "90% 的任务已完成")  # typed, not saved
    page.click("#submit-button")
    page.wait_for_selector("text=已提交审核")
    assert dialogs == ["confirm"]  # the app's confirmation, no "leave site?"
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.SUBMITTED
    assert evaluation_a.goal_actual == "90% 的任务已完成"
    assert _real_errors(page) == []


def test_a_declined_confirmation_submits_nothing(
    live_server, logged_in_page, filler_a, evaluation_a
):
    page = logged_in_page(filler_a)
    dialogs = _dialogs(page, accept=False)
    _open(page, live_server, evaluation_a)
    page.click("#submit-button")
    page.wait_for_timeout(500)
    assert dialogs == ["confirm"]
    assert page.locator("#save-button").count() == 1  # still the editable page
    evaluation_a.refresh_from_db()
    assert (evaluation_a.status, evaluation_a.version) == (Evaluation.Status.DRAFT, 1)


def test_a_save_after_the_session_expired_loses_nothing(
    live_server, logged_in_page, filler_a, evaluation_a
):
    page = logged_in_page(filler_a)
    _dialogs(page)
    _open(page, live_server, evaluation_a)
    page.fill("#id_goal_actual", "会话过期前输入的内容")
    Session.objects.all().delete()  # the session expires while the page is open
    page.click("#save-button")
    page.wait_for_url("**/login/**")
    page.fill("#id_username", "filler_a")
    page.fill("#id_password", "pw-filler_a")
    page.click("button[type=submit]")
    # next= was the save's address: its GET brings the user back to the form page.
    page.wait_for_url(f"**{evaluation_a.get_absolute_url()}")
    assert page.locator("#evaluation-form").count() == 1
    page.wait_for_selector("#draft-restore:not([hidden])")
    assert "尚未保存的输入" in page.inner_text("#draft-restore")
    assert page.input_value("#id_goal_actual") == ""  # the stored form, as it is
    page.click("#draft-restore-apply")
    page.wait_for_function(
        "() => document.querySelector('#id_goal_actual').value === '会话过期前输入的内容'"
    )
    page.click("#save-button")
    page.wait_for_selector("text=已保存")
    evaluation_a.refresh_from_db()
    assert evaluation_a.goal_actual == "会话过期前输入的内容"
    # Saved: the kept copy is gone, so the next visit offers nothing.
    page.reload()
    assert page.locator("#draft-restore").is_hidden()


def test_a_removed_row_can_be_put_back(live_server, logged_in_page, filler_a, evaluation_a):
    page = logged_in_page(filler_a)
    _dialogs(page)
    _open(page, live_server, evaluation_a)
    rows = page.locator("tr[data-index]")
    assert rows.count() == 3
    page.fill("#id_indicator-1-actual", "还没保存的完成值")
    page.locator(".btn-row-remove").nth(1).click()
    page.wait_for_function("() => document.querySelectorAll('tr[data-index]').length === 2")
    page.wait_for_selector("#undo-remove:not([hidden])")
    page.click("#undo-remove-button")
    page.wait_for_function("() => document.querySelectorAll('tr[data-index]').length === 3")
    assert page.input_value("#id_indicator-1-actual") == "还没保存的完成值"
    assert page.locator("#undo-remove").is_hidden()
    page.click("#save-button")
    page.wait_for_selector("text=已保存")
    assert evaluation_a.indicators.count() == 3
    assert evaluation_a.indicators.get(position=2).actual == "还没保存的完成值"
    assert _real_errors(page) == []


def test_the_reviewer_confirms_a_return(live_server, logged_in_page, reviewer_a, evaluation_a):
    Evaluation.objects.filter(pk=evaluation_a.pk).update(status=Evaluation.Status.SUBMITTED)
    page = logged_in_page(reviewer_a)
    dialogs = _dialogs(page, accept=False)
    _open(page, live_server, evaluation_a)
    page.fill("#id_review_comment", "请补充")
    page.click("#review-return")
    page.wait_for_timeout(500)
    assert dialogs == ["confirm"]
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.SUBMITTED
