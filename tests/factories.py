"""Small factories for test data: plain functions, sensible defaults."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group, User

from indicators.models import Level2
from projects.models import (
    BudgetLine,
    Department,
    DepartmentAssignment,
    Evaluation,
    Indicator,
    Project,
    ReportingYear,
)
from projects.roles import Role
from projects.services.evaluations import (
    indicator_refresh_parsed,
)


def make_user(username: str, role: Role, *departments: Department) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username)
    user.groups.add(Group.objects.get(name=role.value))
    for department in departments:
        DepartmentAssignment.objects.create(user=user, department=department)
    return user


def open_years(*years: int) -> None:
    """Open the years for filling (``ReportingYear``), as an admin does before a round."""
    for year in years:
        ReportingYear.objects.update_or_create(year=year, defaults={"is_open": True})


def make_department(name: str, parent: Department | None = None) -> Department:
    return Department.objects.create(name=name, parent=parent)


def make_project(department: Department, name: str = "档案整理及数字化服务", unit=None) -> Project:
    return Project.objects.create(department=department, name=name, implementing_unit=unit)


def level2(level1: str, name: str) -> Level2:
    return Level2.objects.get(level1__name=level1, name=name)


def make_evaluation(
    project: Project,
    year: int = 2023,
    *,
    annual_budget: str | None = "100",
    executed: str | None = "100",
    indicators: int = 0,
    status: str = Evaluation.Status.DRAFT,
    **fields,
) -> Evaluation:
    """A form with its four budget lines and ``indicators`` quantitative rows.

    The rows split 90 points evenly over 产出/数量指标 so the weights add up to 100.
    """
    evaluation = Evaluation.objects.create(project=project, year=year, status=status, **fields)
    BudgetLine.objects.create(
        evaluation=evaluation,
        kind="total",
        initial_budget=Decimal(annual_budget) if annual_budget else None,
        annual_budget=Decimal(annual_budget) if annual_budget else None,
        executed=Decimal(executed) if executed else None,
    )
    for kind in ("current", "carryover", "other"):
        BudgetLine.objects.create(evaluation=evaluation, kind=kind)
    if indicators:
        quantity = level2("产出指标", "数量指标")
        weight = (Decimal("90") / indicators).quantize(Decimal("0.01"))
        for position in range(1, indicators + 1):
            add_indicator(
                evaluation,
                level2_obj=quantity,
                position=position,
                name=f"完成件数{position}",
                target="≥10件",
                actual="10件",
                weight=weight,
                score=weight,
            )
    return evaluation


def add_indicator(
    evaluation: Evaluation, *, level2_obj: Level2 | None = None, **fields
) -> Indicator:
    fields.setdefault("position", evaluation.indicators.count() + 1)
    indicator = Indicator(
        evaluation=evaluation,
        level2=level2_obj or level2("产出指标", "数量指标"),
        **fields,
    )
    indicator_refresh_parsed(indicator)
    indicator.save()
    return indicator
