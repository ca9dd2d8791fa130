"""A 390 px phone: the navigation collapses, list columns stay readable, long
names are cut with the whole name on hover, and the page itself does not scroll sideways."""

from __future__ import annotations

import pytest

from tests.factories import make_evaluation, make_project

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONG_NAME = "北京市通州区发展和改革委员会价格认证中心涉案财物价格认定及价格争议调解处理专项工作经费"


def test_list_on_a_phone(live_server, logged_in_page, filler_a, dept_a):
    make_evaluation(make_project(dept_a, LONG_NAME), indicators=2)
    make_evaluation(make_project(dept_a, "短名"), indicators=2)
    page = logged_in_page(filler_a, width=390, height=844)
    assert page.goto(f"{live_server.url}/").status == 200

    # The navigation is behind the toggler until it is opened.
    assert page.locator(".navbar-toggler").is_visible()
    assert not page.locator("#main-nav").is_visible()
    page.locator(".navbar-toggler").click()
    page.locator("#main-nav").get_by_role("link", name="自评表").wait_for(state="visible")

    # The page does not scroll sideways (a wide table scrolls inside its box).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # No column squeezed to one character a line: every heading and cell on one line.
    heights = page.evaluate(
        """() => [...document.querySelectorAll('.evaluation-list th, .evaluation-list td')]
            .map(cell => [cell.textContent.trim(), cell.getBoundingClientRect().height])"""
    )
    assert heights and all(height < 40 for _, height in heights), heights

    # The long name is cut, and whole in its title.
    link = page.locator(".evaluation-list a.name-cut", has_text="北京市")
    assert link.get_attribute("title") == LONG_NAME
    assert link.evaluate("a => a.scrollWidth > a.clientWidth")
    assert page.errors == []
