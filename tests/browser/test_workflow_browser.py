"""The review cycle in Chromium: the filler submits, the reviewer returns with a
comment on one indicator, the filler fixes and resubmits, the reviewer sets a 审核得分 and
approves; the form is locked and its history shows every step."""

from __future__ import annotations

import os

import pytest

from projects.models import Evaluation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT = 10_000
SCREENSHOTS = os.environ.get("SELFEVAL_SCREENSHOTS", "")  # a folder, to look at the pages


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _open(page, live_server, evaluation):
    response = page.goto(f"{live_server.url}{evaluation.get_absolute_url()}")
    assert response.status == 200
    return page


def _alert(page) -> str:
    return page.locator(".alert[role=alert]").first.inner_text()


def test_full_review_cycle(live_server, logged_in_page, filler_a, reviewer_a, evaluation_a):
    rows = list(evaluation_a.indicators.order_by("position"))
    filler = logged_in_page(filler_a)
    reviewer = logged_in_page(reviewer_a)
    for page in (filler, reviewer):
        page.set_default_timeout(TIMEOUT)
        page.on("dialog", lambda dialog: dialog.accept())  # 提交审核 / 退回 / 通过 ask first

    # 1. The filler submits: the page comes back read-only.
    _open(filler, live_server, evaluation_a)
    filler.click("#submit-button")
    filler.wait_for_url(f"**{evaluation_a.get_absolute_url()}")
    assert "已提交审核" in _alert(filler)
    assert filler.locator("#save-button").count() == 0

    # 2. The reviewer returns it with a comment on the second indicator.
    _open(reviewer, live_server, evaluation_a)
    reviewer.fill(f"#id_review-{rows[1].pk}-comment", "完成值与附件不符，请核实")
    reviewer.fill("#id_review_comment", "请核实第2行")
    _shot(reviewer, "review")
    reviewer.click("#review-return")
    reviewer.wait_for_selector("text=已退回填报人修改")

    # 3. The filler sees both comments where they apply, fixes the row, resubmits.
    _open(filler, live_server, evaluation_a)
    assert "请核实第2行" in filler.locator("#review-comment").inner_text()
    assert "完成值与附件不符" in filler.locator('tr[data-index="1"]').inner_text()
    _shot(filler, "returned")
    filler.fill("#id_indicator-1-deviation_reason", "已补充验收附件")
    filler.click("#save-button")
    filler.wait_for_selector("text=已保存")
    filler.click("#submit-button")
    filler.wait_for_selector("text=已提交审核")

    # 4. The reviewer sets a 审核得分 on the first row and approves.
    _open(reviewer, live_server, evaluation_a)
    reviewer.fill(f"#id_review-{rows[0].pk}-score", "20")
    reviewer.fill(f"#id_review-{rows[0].pk}-comment", "数量未全部完成，核减")
    reviewer.click("#review-approve")
    reviewer.wait_for_selector("text=已审核通过")
    assert reviewer.locator("#total-score").inner_text() == "90.00"
    assert reviewer.locator(".review-score").first.inner_text() == "20.00"
    assert reviewer.locator(".self-score").first.inner_text() == "30.00"

    # 5. Locked: no inputs and no buttons for the filler; a save is refused.
    _open(filler, live_server, evaluation_a)
    assert filler.locator("textarea[name^=indicator-]").count() == 0
    assert filler.locator("#submit-button, #save-button").count() == 0
    assert filler.locator(".badge.status-approved").inner_text() == "已通过"

    _shot(filler, "approved")

    # 6. The history shows every step, newest first.
    kinds = filler.locator("#history .history-event").evaluate_all(
        "items => items.map(item => item.dataset.kind)"
    )
    assert kinds == ["approved", "submitted", "saved", "returned", "submitted"]
    assert "已补充验收附件" in filler.locator("#history").inner_text()
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.APPROVED
    assert filler.errors == [] and reviewer.errors == []
