"""Writes. Every change to a form goes through a function here, in a transaction."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction

from indicators.models import Level2
from indicators.parsing import parse_actual, parse_target
from indicators.scoring import BudgetLineKind
from projects.interchange import FormData, InterchangeError
from projects.models import BudgetLine, Department, Evaluation, Indicator, Project


def indicator_refresh_parsed(indicator: Indicator) -> None:
    """Store the parsed form of 年度指标值 and 实际完成值 beside what was typed."""
    target = parse_target(indicator.target)
    actual = parse_actual(indicator.actual)
    indicator.target_comparator = target.comparator if target else ""
    indicator.target_number = target.number if target else None
    indicator.target_unit = target.unit if target else ""
    indicator.actual_number = actual.number if actual else None
    indicator.actual_unit = actual.unit if actual else ""


def department_get_or_create(*, name: str, parent: Department | None = None) -> Department:
    department, _ = Department.objects.get_or_create(name=name, parent=parent)
    return department


def project_get_or_create(
    *, name: str, department_name: str, implementing_unit_name: str = ""
) -> Project:
    """The project of a department, creating the department, unit and project when new."""
    department = department_get_or_create(name=department_name)
    unit = None
    if implementing_unit_name:
        unit = department_get_or_create(name=implementing_unit_name, parent=department)
    project, created = Project.objects.get_or_create(
        department=department, name=name, defaults={"implementing_unit": unit}
    )
    if not created and unit is not None and project.implementing_unit_id != unit.pk:
        project.implementing_unit = unit
        project.save(update_fields=["implementing_unit"])
    return project


def _clean_for_import(instance: models.Model, where: str, exclude: list[str]) -> None:
    """full_clean, with Django's validation errors turned into one Chinese import error."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        details = "；".join(
            f"{instance._meta.get_field(name).verbose_name}：{'，'.join(messages)}"
            if name != "__all__"
            else "，".join(messages)
            for name, messages in exc.message_dict.items()
        )
        raise InterchangeError(f"{where}：{details}") from None


def _level2_lookup() -> dict[tuple[str, str], Level2]:
    return {(l2.level1.name, l2.name): l2 for l2 in Level2.objects.select_related("level1")}


@transaction.atomic
def evaluation_import(*, data: FormData, user: User | None = None) -> Evaluation:
    """Create a form from interchange data, or replace the rows of an unapproved one.

    The same project and year updates the existing form unless it is approved
    (an approved form is locked). All or nothing: any error rolls the whole form back.
    """
    project = project_get_or_create(
        name=data.project_name,
        department_name=data.department,
        implementing_unit_name=data.implementing_unit,
    )
    evaluation = Evaluation.objects.select_for_update().filter(project=project, year=data.year).first()
    if evaluation is not None and evaluation.status == Evaluation.Status.APPROVED:
        raise InterchangeError(
            f"{data.year}年度「{data.project_name}」的自评表已通过审核，已锁定，不能被导入覆盖"
        )
    if evaluation is None:
        evaluation = Evaluation(project=project, year=data.year, created_by=user)
    else:
        evaluation.version += 1
    for name in (
        "status",
        "project_lead",
        "contact_phone",
        "goal_expected",
        "goal_actual",
        "legacy",
        "budget_weight",
        "recorded_budget_score",
        "recorded_execution_rate",
        "recorded_total_weight",
        "recorded_total_score",
        "amount_unit_converted",
        "amount_unit_note",
    ):
        setattr(evaluation, name, getattr(data, name))
    where = f"{data.year}年度「{data.project_name}」"
    _clean_for_import(evaluation, where, ["project"])
    evaluation.save()

    evaluation.budget_lines.all().delete()
    evaluation.indicators.all().delete()
    lines = {line.kind: line for line in data.budget_lines}
    budget_lines = []
    for kind in BudgetLineKind:
        line = lines.get(kind.value)
        budget_line = BudgetLine(
            evaluation=evaluation,
            kind=kind.value,
            initial_budget=line.initial_budget if line else None,
            annual_budget=line.annual_budget if line else None,
            executed=line.executed if line else None,
        )
        _clean_for_import(budget_line, f"{where}项目资金", ["evaluation"])
        budget_lines.append(budget_line)
    BudgetLine.objects.bulk_create(budget_lines)

    level2s = _level2_lookup()
    indicators = []
    for position, row in enumerate(data.indicators, start=1):
        level2 = level2s.get((row.level1, row.level2))
        if level2 is None:
            raise InterchangeError(
                f"{where}绩效指标第{position}行：指标分类「{row.level1}/{row.level2}」"
                "不在指标体系中，请先在指标体系中添加"
            )
        indicator = Indicator(
            evaluation=evaluation,
            level2=level2,
            position=position,
            name=row.name,
            target=row.target,
            actual=row.actual,
            weight=row.weight,
            score=row.score,
            tier=row.tier,
            override_reason=row.override_reason,
            deviation_reason=row.deviation_reason,
            review_score=row.review_score,
            review_comment=row.review_comment,
        )
        indicator_refresh_parsed(indicator)
        _clean_for_import(indicator, f"{where}绩效指标第{position}行", ["evaluation", "level2"])
        indicators.append(indicator)
    Indicator.objects.bulk_create(indicators)
    return evaluation
