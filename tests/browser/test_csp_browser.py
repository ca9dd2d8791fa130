"""Every page works under the Content Security Policy: Chromium reports no violation.

The pages are found in the URLconf, not listed by hand, so a page added later is
visited without touching this file: every GET route whose parameters can be filled
from the demo data and that answers 200 with HTML (downloads and POST-only routes are
left out), for a filler, a reviewer and an admin; plus the login pages and the admin
site (its index, and each registered model's list, add and change pages).
Violations are caught twice: the ``securitypolicyviolation`` DOM event (recorded by a
script the browser injects before the page's own, which CSP does not govern) and the
console messages Chromium prints for them.
"""

from __future__ import annotations

import itertools
import re

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from projects.demo import DEMO_PASSWORD, load_demo
from projects.models import Evaluation, Indicator
from projects.selectors.evaluations import evaluations_for_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber} (${e.sample || ""})`);
});
"""
CONSOLE_CSP = re.compile(r"Content Security Policy|Refused to (load|execute|apply|connect|frame)")


def _routes(patterns=None, prefix: str = "", namespace: str = ""):
    """(route text, URL name, parameter names) for every named route outside the admin."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (
                prefix + str(pattern.pattern),
                namespace + pattern.name,
                list(pattern.pattern.regex.groupindex),
            )


def _candidates(data: dict[str, list]) -> dict[str, list]:
    """Values to try for a route parameter, by its name."""
    objects = data["evaluations"] + data["projects"] + data["departments"]
    return {
        "pk": [o.pk for o in objects],
        "evaluation_id": [o.pk for o in data["evaluations"]],
        "project_id": [o.pk for o in data["projects"]],
        "department_id": [o.pk for o in data["departments"]],
        "year": [2023],
    }


def html_pages(client: Client, data: dict[str, list], per_route: int = 2) -> list[str]:
    """The URLs of the URLconf that answer this client's GET with a 200 HTML page.

    Up to ``per_route`` of each route: the candidates are ordered so that the first
    form is editable and the second read-only for the filler.
    """
    candidates = _candidates(data)
    found: list[str] = []
    for _route, name, params in _routes():
        if any(p not in candidates for p in params):
            continue  # e.g. <slug:kind> of a download: not a page
        hits = 0
        for values in itertools.product(*(candidates[p] for p in params)):
            url = reverse(name, kwargs=dict(zip(params, values, strict=True)))
            response = client.get(url)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                if url not in found:
                    found.append(url)
                hits += 1
                if hits >= per_route:
                    break
    return found


def admin_pages(client: Client) -> list[str]:
    """The admin's index and each model's list, add and change pages the admin may open."""
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages += [reverse("admin:{}_{}_changelist".format(*info))]
        pages += [reverse("admin:{}_{}_add".format(*info))]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages += [reverse("admin:{}_{}_change".format(*info), args=[first.pk])]
    # e.g. a read-only model answers its add page with 403
    return [url for url in pages if client.get(url).status_code == 200]


@pytest.fixture
def demo():
    load_demo()
    filler = User.objects.get(username="filler1")
    mine = list(evaluations_for_user(filler).order_by("pk"))
    others = list(Evaluation.objects.exclude(pk__in=[e.pk for e in mine]).order_by("pk"))
    # The filler's first form editable, the second approved (read-only); others in review.
    forms = (mine + others)[:4]
    for evaluation, status in zip(
        forms, ["draft", "approved", "submitted", "returned"], strict=False
    ):
        Evaluation.objects.filter(pk=evaluation.pk).update(status=status)
    reviewed = Indicator.objects.filter(evaluation=forms[1]).first()
    reviewed.review_score, reviewed.review_comment = reviewed.weight, "同意"
    reviewed.save()
    return {
        "evaluations": forms,
        "projects": [forms[0].project],
        "departments": [forms[0].project.department],
    }


def _visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations")


def _open(browser, live_server, username: str | None):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    context.add_init_script(RECORD_VIOLATIONS)
    if username:
        client = Client()
        client.force_login(User.objects.get(username=username))
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
    page.console_csp = []
    page.on(
        "console",
        lambda m: page.console_csp.append(m.text) if CONSOLE_CSP.search(m.text) else None,
    )
    return context, page


def test_every_page_loads_without_a_csp_violation(browser, live_server, demo):
    visited: list[str] = []
    problems: list[str] = []

    def check(page, url: str) -> None:
        violations = _visit(page, live_server.url + url)
        visited.append(url)
        problems.extend(f"{url}: {v}" for v in violations)

    # Anonymous: the login pages, then a real login through the form.
    context, page = _open(browser, live_server, None)
    for url in (reverse("login"), reverse("admin:login")):
        check(page, url)
    page.fill("input[name=username]", "filler1")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("[type=submit]")
    check(page, reverse("home"))
    context.close()

    for username in ("filler1", "reviewer", "admin"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        pages = html_pages(client, demo)
        if username == "admin":
            pages += admin_pages(client)
        context, page = _open(browser, live_server, username)
        for url in pages:
            check(page, url)
            # Let the page's scripts act once (htmx recalculation on the form page).
            field = page.locator("form:not(#changelist-form) input[name$='-actual']:visible")
            if not url.startswith("/admin/") and field.count():
                field.first.fill("12件")
                field.first.press("Tab")
                page.wait_for_load_state("networkidle")
                problems.extend(
                    f"{url} (edited): {v}" for v in page.evaluate("window.__cspViolations")
                )
        problems.extend(f"{username}: console: {text}" for text in page.console_csp)
        context.close()

    names = {name for _, name, _ in _routes()}
    assert {"home", "evaluation_detail"} <= names
    assert any(re.fullmatch(r"/evaluations/\d+/", url) for url in visited)
    assert len(visited) >= 10, visited
    assert problems == [], "\n".join(problems)


def test_an_inline_script_is_blocked_and_reported(browser, live_server, demo):
    """The check above can fail: an inline script is refused and recorded."""
    context, page = _open(browser, live_server, None)
    assert _visit(page, live_server.url + reverse("login")) == []
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))
    assert page.console_csp
    context.close()
