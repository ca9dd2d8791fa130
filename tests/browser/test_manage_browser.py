"""系统管理 in Chromium: an admin opens the year, creates a filler's account,
the filler signs in and starts a form; the admin closes the year and the filler's
draft becomes read-only."""

from __future__ import annotations

import pytest

from projects.models import Evaluation, ReportingYear

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TIMEOUT = 10_000
PASSWORD = "Caizheng-2025!"


def _alert(page) -> str:
    return page.locator(".alert[role=alert]").first.inner_text()


def test_admin_sets_up_a_round(live_server, logged_in_page, browser, admin_user, evaluation_a):
    admin = logged_in_page(admin_user)
    admin.set_default_timeout(TIMEOUT)

    # 1. Open 2024 for filling, with a deadline.
    admin.goto(f"{live_server.url}/")
    admin.click("nav >> text=系统管理")
    admin.click(".nav-tabs >> text=年度")
    admin.click("text=登记年度")
    admin.fill("#id_year", "2024")
    admin.fill("#id_deadline", "2025-03-31")
    admin.click("button:has-text('登记')")
    assert "已登记2024年度" in _alert(admin)
    assert admin.locator("tr[data-year='2024']").inner_text().count("开放填报") == 1

    # 2. A filler's account for the department of the form.
    admin.click(".nav-tabs >> text=用户")
    admin.click("text=新建用户")
    admin.fill("#id_username", "zhang3")
    admin.fill("#id_first_name", "张三")
    admin.check("input[name=role][value=填报人]")
    admin.check(f"label:has-text('{evaluation_a.project.department.name}') >> xpath=..//input")
    admin.fill("#id_password1", PASSWORD)
    admin.fill("#id_password2", PASSWORD)
    admin.click("button:has-text('创建')")
    assert "已新建账号「zhang3」" in _alert(admin)
    assert "新建账号，角色：填报人" in admin.locator(".manage-log").inner_text()

    # 3. The filler signs in with that password, sets their own and starts the 2024 form from 2023's.
    context = browser.new_context(locale="zh-CN")
    filler = context.new_page()
    filler.set_default_timeout(TIMEOUT)
    filler.goto(f"{live_server.url}/login/")
    filler.fill("#id_username", "zhang3")
    filler.fill("#id_password", PASSWORD)
    filler.click("button[type=submit]")
    # The password an admin set is for the first sign-in only: choose one's own first.
    filler.wait_for_url(f"{live_server.url}/password/")
    assert "只用于第一次登录" in filler.locator(".alert-warning").inner_text()
    filler.fill("#id_old_password", PASSWORD)
    filler.fill("#id_new_password1", "Zhang3-own-Secret-2024")
    filler.fill("#id_new_password2", "Zhang3-own-Secret-2024")
    filler.click("button:has-text('保存新密码')")
    filler.wait_for_url(f"{live_server.url}/")
    assert "密码已修改" in filler.content()
    assert "2024年度（2025年3月31日截止）" in filler.locator("#open-years").inner_text()
    filler.click("text=新建自评表")
    filler.select_option("#id_year", "2024")
    filler.select_option("#id_project", str(evaluation_a.project_id))
    filler.click("button:has-text('创建')")
    filler.wait_for_url("**/evaluations/*/")
    created = Evaluation.objects.get(project=evaluation_a.project, year=2024)
    assert filler.locator("#save-button").count() == 1

    # 4. The admin closes 2024: the filler's draft is read-only, with the reason.
    year = ReportingYear.objects.get(year=2024)
    admin.goto(f"{live_server.url}/manage/years/{year.pk}/")
    admin.uncheck("#id_is_open")
    admin.click("button:has-text('保存')")
    assert "已保存2024年度" in _alert(admin)
    filler.goto(f"{live_server.url}{created.get_absolute_url()}")
    assert filler.locator("#save-button").count() == 0
    assert "2024年度已截止填报" in filler.content()
    context.close()
    assert admin.errors == []
