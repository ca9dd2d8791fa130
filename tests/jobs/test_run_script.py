"""`make run` (scripts/run.sh) runs the background worker beside runserver,
so that a ZIP finishes without a second terminal, and stops it with runserver.

Runs the real script on a free port against a fresh SQLite file (the demo data).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(line) for line in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too.
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    return bool(state.stdout.strip()) and not state.stdout.strip().startswith("Z")


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_make_run_finishes_a_zip_and_stops_its_worker(tmp_path):
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PY": sys.executable,
        "PORT": str(port),
        "DEBUG": "true",
    }
    env.pop("SECRET_KEY", None)
    for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    log = (tmp_path / "run.log").open("wb")
    script = subprocess.Popen(
        ["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def post(path: str, data: dict, referer: str):
        body = urllib.parse.urlencode(data).encode()
        return opener.open(urllib.request.Request(base + path, body, {"Referer": base + referer}))

    try:
        for _ in range(300):
            try:
                login = opener.open(base + "/login/").read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail((tmp_path / "run.log").read_text())
        processes = _children(script.pid)
        assert len(processes) == 2  # the worker and runserver, nothing more
        post(
            "/login/",
            {"csrfmiddlewaretoken": _csrf(login), "username": "admin", "password": "selfeval-demo"},
            "/login/",
        )
        jobs = opener.open(base + "/jobs/").read().decode()
        job_url = post(
            "/jobs/year-zip/", {"csrfmiddlewaretoken": _csrf(jobs), "year": "2023"}, "/jobs/"
        ).geturl()
        for _ in range(600):
            state = re.search(
                r'data-state="(\w+)"', opener.open(job_url + "progress/").read().decode()
            ).group(1)
            if state in ("done", "failed"):
                break
            time.sleep(0.5)
        assert state == "done", (tmp_path / "run.log").read_text()
        assert opener.open(job_url + "download/").read()[:2] == b"PK"
    finally:
        script.send_signal(signal.SIGTERM)
        script.wait(timeout=20)
        log.close()
    time.sleep(0.2)
    assert not [pid for pid in processes if _alive(pid)], "the worker or runserver outlived run.sh"
