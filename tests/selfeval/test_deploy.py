"""Production configuration: `check --deploy` is clean, static files collect, headers and /healthz."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="selfeval.example",
        **extra,
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_check_deploy_has_no_warnings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_collectstatic_with_the_manifest_storage(tmp_path):
    """Fails when a css/js file references a file that is not there (e.g. a source map)."""
    env = _production_env(STATIC_ROOT=str(tmp_path))
    result = _run(["manage.py", "collectstatic", "--noinput"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    assert list((tmp_path / "vendor").rglob("*.min.css.gz")), "whitenoise compresses"


SETTINGS_PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.SECURE_SSL_REDIRECT, "
    "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS, "
    "s.STORAGES['staticfiles']['BACKEND'].rsplit('.', 1)[-1])"
)


def test_production_defaults_and_the_proxy_flag():
    env = _production_env(DJANGO_SETTINGS_MODULE="selfeval.settings")
    out = _run(["-c", SETTINGS_PROBE], env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "None", "True", "True", "True", "31536000", "DENY", "CompressedManifestStaticFilesStorage"
    ]  # fmt: skip
    env.update(SECURE_PROXY_SSL_HEADER="true", SECURE_SSL_REDIRECT="false")
    out = _run(["-c", SETTINGS_PROBE], env)
    assert out.stdout.split()[:3] == ["('HTTP_X_FORWARDED_PROTO',", "'https')", "False"]


def test_a_bad_security_flag_stops_start_up():
    env = _production_env(
        DJANGO_SETTINGS_MODULE="selfeval.settings", SECURE_PROXY_SSL_HEADER="maybe"
    )
    out = _run(["-c", SETTINGS_PROBE], env)
    assert out.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in out.stderr


@pytest.mark.django_db
def test_pages_carry_the_security_headers_and_csp(client):
    response = client.get("/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_ssl_redirect_behind_a_tls_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/login/").status_code == 301
    assert client.get("/login/", headers={"x-forwarded-proto": "https"}).status_code == 200
    assert client.get("/healthz").status_code == 200  # the proxy's probe is exempt


# --- /healthz ---------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_is_ok_without_login_and_writes_nothing(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]
    assert "sessionid" not in response.cookies
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
