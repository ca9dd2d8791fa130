"""Browser tests: Debian's Chromium driven by Playwright.

Run with ``pytest -m browser``; they are skipped when Playwright or /usr/bin/chromium
is missing. ``logged_in_page(user)`` opens a page in a fresh context with the user's
session cookie and records console errors and page errors in ``page.errors``.
"""

from __future__ import annotations

import shutil
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _async_unsafe(monkeypatch):
    """Sync Playwright runs an event loop in the test thread; Django must not refuse ORM calls.

    Only while a browser test runs: set for the whole session, it would also reach
    ``check --deploy`` in test_deploy, which rightly refuses it (async.E001).
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _reference_data(_async_unsafe, transactional_db):
    """Put back what data migrations made: live_server's flush removes it.

    (serialized_rollback=True does the same in theory, but lost the groups between two
    live-server tests here.) The migrations' own functions are idempotent.
    """
    import_module("projects.migrations.0002_roles").create_roles(apps, None)
    import_module("indicators.migrations.0002_seed_taxonomy_2020").seed(apps, None)


# One browser per test, started after the test database is set up and stopped before
# it is flushed. While Playwright's sync API runs, its event loop gives this thread
# other database connection objects (asgiref locals) that lack the test database's
# serialized contents, so serialized_rollback (which later transactional tests rely on)
# would neither restore nor protect the database around a test that held the browser
# longer. Chromium starts in about a second.
@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def logged_in_page(browser, live_server):
    contexts = []

    def open_page(user, *, width: int = 1400, height: int = 1000):
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.errors = []

        def on_console(message) -> None:
            # base.html names no favicon, so the browser's own request for one is a 404.
            if message.type == "error" and not message.location.get("url", "").endswith(
                "/favicon.ico"
            ):
                page.errors.append(f"{message.text} ({message.location.get('url', '')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
