"""The 打印 page of a reviewed form, in Chromium with print media: no text
of one column runs into another (自评得分, 审核得分, 偏差原因, 审核意见, 总分)."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import Evaluation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = os.environ.get("SELFEVAL_SCREENSHOTS", "")  # a folder, to look at the page
LONG_COMMENT = (
    "完成值与佐证材料不一致，附件中的验收单显示实际完成数量低于填报数，请核实后按实际情况填写，"
    "并补充说明原因；参见 https://example.gov.cn/notice/2023/performance-evaluation-guidelines-v2.pdf"
)
LONG_REASON = "因疫情影响部分采购延期至次年执行，已调整实施计划。ProjectCode-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789"

# For every cell of the indicator table: its box and the box of its text (a Range over
# its contents, which is where the glyphs are even when they overflow the cell).
BOXES = """
(selector) => [...document.querySelectorAll(selector)].map(
  (tr) => [...tr.cells].map((cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const text = range.getBoundingClientRect();
    const box = cell.getBoundingClientRect();
    return {
      label: (tr.id || 'row') + ':' + cell.cellIndex,
      text: cell.innerText.trim().slice(0, 20),
      box: [box.left, box.top, box.right, box.bottom],
      ink: text.width ? [text.left, text.top, text.right, text.bottom] : null,
    };
  }))
"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


@pytest.fixture
def reviewed_form(evaluation_a):
    Evaluation.objects.filter(pk=evaluation_a.pk).update(status=Evaluation.Status.APPROVED)
    for number, indicator in enumerate(evaluation_a.indicators.order_by("position")):
        indicator.score = Decimal("28.33")
        indicator.review_score = Decimal("12.50") if number % 2 == 0 else None
        indicator.review_comment = LONG_COMMENT if number % 2 == 0 else ""
        indicator.deviation_reason = LONG_REASON
        indicator.save()
    return evaluation_a


# A4 portrait less selfeval.css's print margins (12 mm each side) is 186 mm = 703 CSS px:
# the width the browser lays the page out at when it prints.
A4_WIDTH = 703
PAGES = {
    # The 打印 button of the read-only form page, and the print preview (the PDF's table).
    "evaluation_detail": "table.paper-form tbody#indicators tr, table.paper-form tbody#totals tr",
    "evaluation_print": "[data-testid=print-sheet] table.se-indicators tr",
}


def _problems(cells_by_row) -> list[str]:
    problems = []
    for cells in cells_by_row:
        for cell in cells:
            box, ink = cell["box"], cell["ink"]
            if ink and not (
                box[0] - 0.5 <= ink[0]
                and box[1] - 0.5 <= ink[1]
                and ink[2] <= box[2] + 0.5
                and ink[3] <= box[3] + 0.5
            ):
                problems.append(f"{cell['label']} {cell['text']!r}: text outside its cell")
        inks = [cell for cell in cells if cell["ink"]]
        for i, one in enumerate(inks):
            for other in inks[i + 1 :]:
                if _overlap(one["ink"], other["ink"]):
                    problems.append(f"{one['label']} and {other['label']} overlap")
    return problems


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("width", [A4_WIDTH, 1400])
def test_the_printed_reviewed_form_has_no_overlapping_text(
    live_server, logged_in_page, filler_a, reviewed_form, name, width
):
    page = logged_in_page(filler_a, width=width)
    response = page.goto(live_server.url + reverse(name, args=[reviewed_form.pk]))
    assert response.status == 200
    page.emulate_media(media="print")
    assert page.get_by_text(LONG_COMMENT[:20]).count() >= 1
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{width}.png"), full_page=True)
    cells = page.evaluate(BOXES, PAGES[name])
    assert len(cells) >= 4
    assert _problems(cells) == []
    assert page.errors == []
