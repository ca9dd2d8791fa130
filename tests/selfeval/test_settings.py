"""Settings come from the environment; a bad value stops start-up naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from selfeval.env import env_bool, env_database, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("off", False), ("", False), (None, True)]
)
def test_env_bool(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("SE_FLAG", raising=False)
    else:
        monkeypatch.setenv("SE_FLAG", raw)
    assert env_bool("SE_FLAG", True) is expected


def test_env_bool_rejects_garbage_naming_the_variable(monkeypatch):
    monkeypatch.setenv("SE_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SE_FLAG"):
        env_bool("SE_FLAG", False)


def test_env_int(monkeypatch):
    monkeypatch.setenv("SE_NUM", "42")
    assert env_int("SE_NUM", 1) == 42
    monkeypatch.setenv("SE_NUM", "4x")
    with pytest.raises(ImproperlyConfigured, match="SE_NUM"):
        env_int("SE_NUM", 1)
    monkeypatch.setenv("SE_NUM", "-3")
    with pytest.raises(ImproperlyConfigured, match="不能小于"):
        env_int("SE_NUM", 1)


def test_env_list(monkeypatch):
    monkeypatch.setenv("SE_HOSTS", "a.example, b.example,,")
    assert env_list("SE_HOSTS", []) == ["a.example", "b.example"]


def test_database_url_sqlite_and_postgres(monkeypatch):
    monkeypatch.setenv("SE_DB", "sqlite:////tmp/x.sqlite3")
    assert env_database("SE_DB", "")["ENGINE"] == "django.db.backends.sqlite3"
    monkeypatch.setenv("SE_DB", "postgres://u:p@127.0.0.1:5432/selfeval")
    config = env_database("SE_DB", "")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "selfeval"


@pytest.mark.parametrize("raw", ["mysql://u@h/db", "nonsense", "postgres://u:p@127.0.0.1:5432/"])
def test_database_url_rejected_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("SE_DB", raw)
    with pytest.raises(ImproperlyConfigured, match="SE_DB"):
        env_database("SE_DB", "")


def _check(**env):
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_fails_loudly_on_a_bad_value():
    result = _check(DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_production_needs_a_secret_key():
    result = _check(DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
