"""Demo data: the 14 real 2023 forms of the seed and one account per role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from projects.interchange import read_document
from projects.models import Department, DepartmentAssignment, Evaluation, ReportingYear
from projects.roles import Role
from projects.services.evaluations import (
    evaluation_import,
)

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo_2023.json"
DEMO_PASSWORD = "selfeval-demo"  # printed by `make run`; demo data only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    departments: tuple[str, ...]


@dataclass(frozen=True)
class DemoResult:
    created_forms: int
    existing_forms: int
    accounts: tuple[DemoAccount, ...]


def _account(username: str, role: Role, departments: list[Department]) -> DemoAccount:
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.first_name = "、".join(d.name for d in departments) or role.value
        user.is_staff = role is Role.ADMIN
        user.is_superuser = role is Role.ADMIN
        user.save()
    user.groups.add(Group.objects.get(name=role.value))
    for department in departments:
        DepartmentAssignment.objects.get_or_create(user=user, department=department)
    return DemoAccount(username, role, tuple(d.name for d in departments))


@transaction.atomic
def load_demo(path: Path = DEMO_FILE) -> DemoResult:
    """Load the demo forms and accounts. Idempotent: existing forms are left as they are."""
    forms = read_document(json.loads(path.read_text(encoding="utf-8")))
    created = existing = 0
    for form in forms:
        if Evaluation.objects.filter(
            project__name=form.project_name,
            project__department__name=form.department,
            project__department__parent__isnull=True,
            year=form.year,
        ).exists():
            existing += 1
            continue
        evaluation_import(data=form)
        created += 1

    # The demo's year and the next one are open for filling (an admin changes that
    # under 系统管理 → 年度); a year the admin has already set up is left as it is.
    for year in sorted({form.year for form in forms} | {max(form.year for form in forms) + 1}):
        ReportingYear.objects.get_or_create(year=year, defaults={"is_open": True})

    departments = list(Department.objects.filter(parent__isnull=True).order_by("pk"))
    accounts = [
        _account(f"filler{number}", Role.FILLER, [department])
        for number, department in enumerate(departments, start=1)
    ]
    accounts.append(_account("reviewer", Role.REVIEWER, departments))
    accounts.append(_account("admin", Role.ADMIN, []))
    return DemoResult(created, existing, tuple(accounts))
