"""The dashboard in Chromium: the charts are drawn, nothing fails in the console."""

from __future__ import annotations

import os

import pytest

from projects.demo import load_demo
from projects.models import Evaluation

pytestmark = [
    pytest.mark.browser,
    # serialized_rollback: put the data migrations' rows back afterwards for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = os.environ.get("SELFEVAL_SCREENSHOTS", "")  # a folder, to look at the pages


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _drawn(page, selector: str) -> bool:
    """Whether the canvas in ``selector`` has a Chart.js chart with non-blank pixels."""
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector);
            const canvas = box && box.querySelector("canvas");
            if (!canvas || !box.chart || canvas.width === 0 || canvas.height === 0) return false;
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return true; }
            return false;
        }""",
        selector,
    )


def test_dashboard_draws_its_charts(live_server, logged_in_page, admin_user):
    load_demo()
    page = logged_in_page(admin_user)
    response = page.goto(f"{live_server.url}/dashboard/?year=2023")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    for chart in ("status", "budget", "grades", "scores"):
        assert _drawn(page, f'[data-chart="{chart}"]'), chart
    assert page.locator('[data-table="status"] tbody tr').count() == 4
    assert page.get_by_role("heading", name="2023年度自评情况总览").is_visible()
    _shot(page, "dashboard")
    assert page.errors == []

    # A figure leads to the list of its forms.
    page.locator('[data-table="grades"] a').first.click()
    page.wait_for_load_state("networkidle")
    assert "grade=" in page.url
    assert page.errors == []


def test_project_page_draws_the_history(live_server, logged_in_page, admin_user):
    load_demo()
    evaluation = Evaluation.objects.get(project__name="帮扶专项资金")
    page = logged_in_page(admin_user)
    page.goto(f"{live_server.url}/dashboard/projects/{evaluation.project_id}/")
    page.wait_for_load_state("networkidle")
    assert _drawn(page, '[data-chart="history"]')
    _shot(page, "project")
    page.goto(f"{live_server.url}/dashboard/indicators/")
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-table="library"]').count() > 5
    _shot(page, "library")
    assert page.errors == []
