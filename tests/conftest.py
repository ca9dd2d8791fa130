"""Shared personas: fillers of departments A and B, a reviewer of A, an admin."""

from __future__ import annotations

import pytest

from projects.roles import Role
from tests.factories import (
    make_department,
    make_evaluation,
    make_project,
    make_user,
    open_years,
)


@pytest.fixture
def dept_a(db):
    return make_department("通州区发展和改革委员会")


@pytest.fixture
def dept_b(db):
    return make_department("办公室")


@pytest.fixture
def filler_a(dept_a):
    return make_user("filler_a", Role.FILLER, dept_a)


@pytest.fixture
def filler_b(dept_b):
    """The outsider: a filler of another department."""
    return make_user("filler_b", Role.FILLER, dept_b)


@pytest.fixture
def reviewer_a(dept_a):
    return make_user("reviewer_a", Role.REVIEWER, dept_a)


@pytest.fixture
def admin_user(db):
    return make_user("admin_user", Role.ADMIN)


@pytest.fixture
def evaluation_a(dept_a):
    return make_evaluation(make_project(dept_a, "价格认证资金"), indicators=3)


@pytest.fixture
def evaluation_b(dept_b):
    return make_evaluation(make_project(dept_b, "档案整理及数字化服务"), indicators=3)


@pytest.fixture
def open_round(db):
    """2023 (the factories' year) to 2025 open for filling: new forms may be started."""
    open_years(2023, 2024, 2025)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose; tests that log in many times don't need that."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
