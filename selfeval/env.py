"""Small typed readers for environment variables.

Each one has a safe development default and fails loudly, naming the
variable, when a value is present but malformed.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"环境变量 {name}={raw!r} 不是布尔值（应为 true/false、1/0）")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"环境变量 {name}={raw!r} 不是整数") from None
    if value < minimum:
        raise ImproperlyConfigured(f"环境变量 {name}={raw!r} 不能小于 {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    """Parse a database URL (sqlite:///path or postgres://user:pw@host:port/db)."""
    import dj_database_url

    raw = os.environ.get(name) or default
    scheme = raw.split(":", 1)[0].lower()
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"环境变量 {name}={raw!r} 不受支持：应为 sqlite:///路径 或 postgres://用户:密码@主机:端口/库名"
        )
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"环境变量 {name}={raw!r} 无法解析：{exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"环境变量 {name}={raw!r} 缺少数据库名")
    return config
