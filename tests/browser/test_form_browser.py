"""Filling a form in Chromium: sign in, start from last year's form, add and remove
rows, watch the total follow, save, reload and find everything; an out-of-band score is
refused. Set SELFEVAL_SCREENSHOTS=/some/folder to keep screenshots of the pages."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from projects.models import Evaluation, Indicator
from projects.roles import Role
from tests.factories import (
    add_indicator,
    level2,
    make_department,
    make_evaluation,
    make_project,
    make_user,
    open_years,
)

pytestmark = [
    pytest.mark.browser,
    # live_server flushes the database, data migrations included (groups, taxonomy):
    # serialized_rollback puts them back before each test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = os.environ.get("SELFEVAL_SCREENSHOTS", "")
TIMEOUT = 10_000  # ms: the live recalculation waits 400 ms after typing, then asks the server


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def last_year(db):
    """A filler of 通州区发改委 and last year's submitted form of one of its projects."""
    open_years(2024)
    department = make_department("通州区发展和改革委员会")
    filler = make_user("tianbao", Role.FILLER, department)
    evaluation = make_evaluation(
        make_project(department, "帮扶专项资金"),
        2023,
        indicators=3,
        status=Evaluation.Status.SUBMITTED,
        goal_expected="完成年度帮扶任务",
    )
    # Another department used this name: the library offers it.
    other = make_evaluation(make_project(make_department("办公室"), "档案整理"), 2023)
    add_indicator(
        other,
        level2_obj=level2("满意度指标", "服务对象满意度指标"),
        name="受援地群众满意度",
        weight=Decimal("10"),
    )
    return filler, evaluation


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            page.errors.append(f"HTTP {response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on("console", lambda message: _console_error(page, message))
    page.set_default_timeout(TIMEOUT)
    yield page
    context.close()


def _console_error(page, message) -> None:
    # htmx reports a request it aborted (a newer recalculation or a row action replaced
    # it, or the page was left to save) as an error; that is how hx-sync is meant to work.
    aborted = message.text.startswith(("htmx:sendAbort", "htmx:afterRequest"))
    if message.type == "error" and not aborted and "favicon" not in message.location["url"]:
        page.errors.append(message.text)


def _sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_fill_a_form_from_last_years_in_the_browser(page, live_server, last_year):
    from playwright.sync_api import expect

    filler, previous = last_year
    _sign_in(page, live_server, filler.username)
    expect(page.locator(".evaluation-list")).to_contain_text("帮扶专项资金")

    # Start the 2024 form from the 2023 one.
    page.click("text=新建自评表")
    page.select_option("#id_year", "2024")
    page.select_option("#id_project", str(previous.project_id))
    expect(page.locator("#id_from_previous")).to_be_checked()
    page.click("button:has-text('创建')")
    page.wait_for_url("**/evaluations/*/")
    created = Evaluation.objects.get(project=previous.project, year=2024)
    assert page.url.endswith(created.get_absolute_url())
    expect(page.locator("#id_indicator-0-name")).to_have_value("完成件数1")
    expect(page.locator("#id_indicator-0-target")).to_have_value("≥10件")
    expect(page.locator("#id_indicator-0-actual")).to_have_value("")
    expect(page.locator("#id_goal_expected")).to_have_value("完成年度帮扶任务")

    # Amounts and actual values: the computed cells follow as the filler types.
    page.fill("#id_budget-total-initial_budget", "100")
    page.fill("#id_budget-total-annual_budget", "100")
    page.fill("#id_budget-total-executed", "90")
    expect(page.locator("#execution-rate")).to_have_text("90.00%")
    expect(page.locator("#budget-score")).to_have_text("9.00")
    for index in range(3):
        page.fill(f"#id_indicator-{index}-actual", "10件")
    expect(page.locator("#total-score")).to_have_text("99.00")
    expect(page.locator("#grade")).to_have_text("优")
    page.fill("#id_indicator-1-actual", "5件")
    expect(page.locator("#total-score")).to_have_text("84.00")
    expect(page.locator("#grade")).to_have_text("良")
    # The rule's score fills 得分 while the filler has not typed one.
    expect(page.locator("#id_indicator-1-score")).to_have_value("15")
    expect(page.locator("#findings-row-1")).to_contain_text("请填写偏差原因分析及改进措施")
    page.fill("#id_indicator-1-deviation_reason", "部分受援地项目推迟到下年度")

    # Overriding the rule's score asks for a reason.
    reason = page.locator("#id_indicator-2-override_reason")
    expect(reason).to_be_hidden()
    page.fill("#id_indicator-2-score", "25")
    expect(reason).to_be_visible()
    expect(page.locator("#findings-row-2")).to_contain_text("理由")
    page.fill("#id_indicator-2-score", "")  # empty: back to the rule's score on leaving
    page.keyboard.press("Tab")
    expect(page.locator("#id_indicator-2-score")).to_have_value("30")
    _shot(page, "form-filled")

    # Add a row under 服务对象满意度指标, named from the library.
    page.click("button[aria-label='在「服务对象满意度指标」下添加三级指标']")
    name = page.locator("#id_indicator-3-name")
    expect(name).to_be_focused()
    name.type("满意")
    expect(page.locator("#library-menu")).to_contain_text("受援地群众满意度")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(name).to_have_value("受援地群众满意度")
    page.fill("#id_indicator-3-target", "群众满意")
    page.fill("#id_indicator-3-actual", "满意")
    page.fill("#id_indicator-3-weight", "10")
    tier = page.locator("#id_indicator-3-tier")
    expect(tier).to_be_visible()  # qualitative: the filler picks a tier and a score
    tier.select_option("achieved")
    expect(page.locator("#calc-row-3")).to_contain_text("8.00–10.00")
    page.fill("#id_indicator-3-score", "5")
    expect(page.locator("#findings-row-3")).to_contain_text("8.00")
    expect(page.locator("#id_indicator-3-score")).to_have_class(
        "cell-input num score-input is-invalid"
    )
    expect(page.locator("#total-score")).to_have_text("89.00")

    # Saving refuses the out-of-band score and keeps everything that was typed.
    page.click("#save-button")
    expect(page.locator("#save-error")).to_contain_text("定性指标的得分须在所选档次的分数范围内")
    expect(page.locator("#findings-row-3")).to_contain_text("应在 8.00–10.00 之间")
    expect(page.locator("#id_indicator-3-name")).to_have_value("受援地群众满意度")
    expect(page.locator("#id_indicator-3-score")).to_have_value("5")
    expect(page.locator("#id_indicator-1-actual")).to_have_value("5件")
    assert Evaluation.objects.get(pk=created.pk).version == 1
    _shot(page, "form-refused")

    page.fill("#id_indicator-3-score", "9")
    expect(page.locator("#total-score")).to_have_text("93.00")

    # Remove the third 数量指标 row: the total drops by its 30.
    page.click("#row-2 .btn-row-remove")
    expect(page.locator("#id_indicator-3-name")).to_have_count(0)
    expect(page.locator("#total-score")).to_have_text("63.00")
    page.click("#save-button")
    expect(page.locator(".alert-success")).to_contain_text("已保存")

    # Reload: everything is there.
    page.reload()
    expect(page.locator("#id_budget-total-executed")).to_have_value("90")
    expect(page.locator("#id_indicator-1-actual")).to_have_value("5件")
    expect(page.locator("#id_indicator-1-deviation_reason")).to_have_value(
        "部分受援地项目推迟到下年度"
    )
    expect(page.locator("#id_indicator-2-name")).to_have_value("受援地群众满意度")
    expect(page.locator("#id_indicator-2-tier")).to_have_value("achieved")
    expect(page.locator("#id_indicator-2-score")).to_have_value("9")
    expect(page.locator("#total-score")).to_have_text("63.00")
    rows = Indicator.objects.filter(evaluation=created).order_by("position")
    assert [(r.name, r.actual, r.score) for r in rows] == [
        ("完成件数1", "10件", Decimal("30.00")),
        ("完成件数2", "5件", Decimal("15.00")),
        ("受援地群众满意度", "满意", Decimal("9.00")),
    ]
    _shot(page, "form-saved")
    assert page.errors == []


def test_read_only_form_prints_as_a_clean_table(page, live_server, last_year):
    from playwright.sync_api import expect

    filler, previous = last_year
    _sign_in(page, live_server, filler.username)
    page.goto(f"{live_server.url}{previous.get_absolute_url()}")
    expect(page.locator("text=只读：此表已提交，不能修改")).to_be_visible()
    assert page.locator("#evaluation-table textarea, #evaluation-table input").count() == 0
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator("#findings-summary")).to_be_hidden()
    expect(page.locator(".paper-form")).to_be_visible()
    _shot(page, "read-only-print")
    pdf = page.pdf(format="A4")  # the browser's own print, as a user would get it
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
    assert page.errors == []
