"""Deadline week: fillers list, open, edit (htmx recalculation), save and export their forms.

Run through ``bench/loadtest/run.sh`` (gunicorn + PostgreSQL on 127.0.0.1, 100 users,
5 minutes). Each simulated user logs in as one filler of the plan written by
``prepare.py`` and works only on that filler's own forms. Every save carries a unique
marker in 实际完成情况; the markers and the answers are written to LOADTEST_SAVES
when the test stops, and ``check_saves.py`` compares them with the database:
no save may be lost (answered 302 but not stored) or duplicated (stored twice).

Only loopback hosts are accepted: this file never sends traffic anywhere else.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import random
import re
import socket
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ.get("LOADTEST_PLAN", "out/plan.json")).read_text("utf-8"))
SAVES_LOG = Path(os.environ.get("LOADTEST_SAVES", "out/saves.jsonl"))

_next_user = itertools.count()
_saves: list[dict] = []
_lock = threading.Lock()


def _loopback_only(host: str) -> None:
    name = urlsplit(host).hostname or ""
    for info in socket.getaddrinfo(name, None):
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise SystemExit(f"load tests run against 127.0.0.1 only, not {host}")


@events.test_start.add_listener
def _check_host(environment, **_kwargs) -> None:
    _loopback_only(environment.host)


@events.test_stop.add_listener
def _write_saves(environment, **_kwargs) -> None:
    SAVES_LOG.parent.mkdir(parents=True, exist_ok=True)
    with SAVES_LOG.open("w", encoding="utf-8") as out, _lock:
        for save in _saves:
            out.write(json.dumps(save, ensure_ascii=False) + "\n")


class FormFields(HTMLParser):
    """What a browser would post for one <form id=...>: inputs, selects, textareas."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.fields.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._first_option
            self.fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_fields(html: str, form_id: str) -> dict[str, str]:
    parser = FormFields(form_id)
    parser.feed(html)
    return dict(parser.fields)


# Seconds a filler reads or types between two requests: "5,15" (a person filling a
# form) by default; "2,5" is the stress setting.
WAIT = tuple(float(x) for x in os.environ.get("LOADTEST_WAIT", "5,15").split(","))


class Filler(FastHttpUser):
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        number = next(_next_user)
        if number >= len(PLAN["users"]):
            raise StopUser()
        self.plan = PLAN["users"][number]
        self.forms = [form["pk"] for form in self.plan["forms"]]
        self.submit_form = self.plan.get("submit_form")
        self.saves = 0
        _login(self, self.plan)

    @task(4)
    def list_forms(self) -> None:
        self.client.get("/", name="list")

    @task(1)
    def search_forms(self) -> None:
        self.client.get(f"/?q=项目{random.randint(0, 9)}&year={PLAN['year']}", name="list search")

    @task(3)
    def open_form(self) -> None:
        self.client.get(f"/evaluations/{random.choice(self.forms)}/", name="open form")

    @task(1)
    def read_only(self) -> None:
        self.client.get(f"/evaluations/{random.choice(self.forms)}/print/", name="print view")

    def _load(self, pk: int) -> dict[str, str] | None:
        with self.client.get(
            f"/evaluations/{pk}/", name="open form", catch_response=True
        ) as response:
            data = form_fields(response.text or "", "evaluation-form")
            if "version" not in data or "csrfmiddlewaretoken" not in data:
                response.failure("the form page has no editable form")
                return None
        return data

    @task(3)
    def recalculate(self) -> None:
        pk = random.choice(self.forms)
        data = self._load(pk)
        if data is None:
            return
        data["goal_actual"] = f"正在填写 {random.random():.6f}"
        self.client.post(
            f"/evaluations/{pk}/recalculate/",
            data=data,
            headers={"HX-Request": "true", "Referer": f"{self.host}/evaluations/{pk}/"},
            name="recalculate (htmx)",
        )

    @task(2)
    def save(self) -> None:
        pk = random.choice(self.forms)
        data = self._load(pk)
        if data is None:
            return
        self.saves += 1
        marker = f"LT:{self.plan['username']}:{self.saves}"
        data["goal_actual"] = marker
        with self.client.post(
            f"/evaluations/{pk}/save/",
            data=data,
            headers={"Referer": f"{self.host}/evaluations/{pk}/"},
            allow_redirects=False,
            name="save",
            catch_response=True,
        ) as response:
            stored = response.status_code == 302
            if not stored:
                response.failure(f"save answered {response.status_code}")
        with _lock:
            _saves.append(
                {"pk": pk, "marker": marker, "status": response.status_code, "ok": stored}
            )

    @task(1)
    def submit(self) -> None:
        """Hand in the form kept for it, when it is editable (a draft, or returned)."""
        if self.submit_form is None:
            return
        page = self.client.get(f"/evaluations/{self.submit_form}/", name="open form")
        data = form_fields(page.text or "", "submit-form")
        if "version" not in data:
            return  # handed in already: waiting for a reviewer
        self.client.post(
            f"/evaluations/{self.submit_form}/submit/",
            data=data,
            headers={"Referer": f"{self.host}/evaluations/{self.submit_form}/"},
            allow_redirects=False,
            name="submit",
        )

    @task(1)
    def export_pdf(self) -> None:
        self.client.get(f"/evaluations/{random.choice(self.forms)}/export/pdf/", name="export PDF")


def _csrf(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = html.find(marker)
    return html[start + len(marker) : html.find('"', start + len(marker))] if start >= 0 else ""


def _login(user: FastHttpUser, account: dict) -> None:
    page = user.client.get("/login/", name="/login/")
    response = user.client.post(
        "/login/",
        data={
            "username": account["username"],
            "password": account["password"],
            "csrfmiddlewaretoken": _csrf(page.text),
            "next": "/",
        },
        headers={"Referer": user.host + "/login/"},
        allow_redirects=False,
        name="/login/ POST",
    )
    if response.status_code != 302:
        raise StopUser()


_next_reviewer = itertools.count()
FORM_LINK = re.compile(r'href="/evaluations/(\d+)/"')


class Reviewer(FastHttpUser):
    """A reviewer of the finance bureau: looks through what was handed in, comments,
    returns some forms to their fillers and approves others."""

    fixed_count = len(PLAN.get("reviewers", []))
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        number = next(_next_reviewer)
        if number >= len(PLAN.get("reviewers", [])):
            raise StopUser()
        _login(self, PLAN["reviewers"][number])
        self.submitted: list[int] = []

    @task(2)
    def list_submitted(self) -> None:
        page = self.client.get(
            f"/?status=submitted&year={PLAN['year']}", name="list (reviewer, submitted)"
        )
        self.submitted = [int(pk) for pk in FORM_LINK.findall(page.text or "")]

    def _review_page(self) -> tuple[int, dict[str, str]] | None:
        if not self.submitted:
            self.list_submitted()
        if not self.submitted:
            return None
        pk = random.choice(self.submitted)
        page = self.client.get(f"/evaluations/{pk}/", name="open form (reviewer)")
        data = form_fields(page.text or "", "review-form")
        if "version" not in data:
            self.submitted.remove(pk)  # returned or approved in the meantime
            return None
        return pk, data

    @task(3)
    def open_submitted(self) -> None:
        self._review_page()

    def _step(self, action: str, comment: str) -> None:
        loaded = self._review_page()
        if loaded is None:
            return
        pk, data = loaded
        data["review_comment"] = comment
        with self.client.post(
            f"/evaluations/{pk}/{action}/",
            data=data,
            headers={"Referer": f"{self.host}/evaluations/{pk}/"},
            allow_redirects=False,
            name=action,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                if action != "review":
                    self.submitted.remove(pk)
            elif response.status_code == 200 and 'id="review-error"' in (response.text or ""):
                response.success()  # refused with a reason (e.g. approving a form with errors)
            else:
                response.failure(f"{action} answered {response.status_code}")

    @task(2)
    def review(self) -> None:
        self._step("review", f"已阅（压测 {random.random():.6f}）")

    @task(1)
    def return_form(self) -> None:
        self._step("return", "请补充偏差原因（压测）")

    @task(1)
    def approve(self) -> None:
        self._step("approve", "同意（压测）")
