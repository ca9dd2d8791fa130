"""Writes. Every change to a form goes through a function here, in a transaction."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from indicators.models import Level2
from indicators.parsing import parse_actual, parse_target
from indicators.scoring import BudgetLineKind
from projects.interchange import FormData, InterchangeError
from projects.models import BudgetLine, Department, Evaluation, Indicator, Project
from projects.permissions import can_edit
from projects.summaries import evaluation_summary_refresh

PARSED_PLACES = Decimal("0.00000001")  # Indicator.target_number/actual_number: 8 places
PARSED_LIMIT = Decimal("1e16")  # and 24 digits in all


def _storable(number: Decimal | None) -> Decimal | None:
    """The parsed number as its column can hold it; an absurd value is not stored.

    The stored number is a search aid only: scoring always re-parses what was typed.
    """
    if number is None or abs(number) >= PARSED_LIMIT:
        return None
    return number.quantize(PARSED_PLACES, rounding=ROUND_HALF_UP)


def indicator_refresh_parsed(indicator: Indicator) -> None:
    """Store the parsed form of 年度指标值 and 实际完成值 beside what was typed."""
    target = parse_target(indicator.target)
    actual = parse_actual(indicator.actual)
    indicator.target_comparator = target.comparator if target else ""
    indicator.target_number = _storable(target.number) if target else None
    indicator.target_unit = target.unit[:20] if target else ""
    indicator.actual_number = _storable(actual.number) if actual else None
    indicator.actual_unit = actual.unit[:20] if actual else ""


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
    evaluation = (
        Evaluation.objects.select_for_update().filter(project=project, year=data.year).first()
    )
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
    evaluation_summary_refresh(evaluation)
    return evaluation


# --- creating and filling forms in the browser ---------------------------------

ERROR_EVALUATION_EXISTS = "「{project}」{year}年度的自评表已存在"
ERROR_STALE_VERSION = (
    "保存失败：您打开此表后，它已被他人（或您在另一个窗口中）保存过。"
    "您填写的内容仍保留在本页，请复制需要的内容后重新打开此表，在最新版本上修改。"
)
ERROR_NOT_EDITABLE = "此自评表当前不能修改（已提交或已通过，或您没有填报权限）"
ERROR_UNKNOWN_ROW = "提交的指标行不属于此自评表，请刷新页面后重试"


class StaleEvaluationError(Exception):
    """The form was saved by someone else since the editor loaded it."""

    def __init__(self, message: str = ERROR_STALE_VERSION) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BudgetLineDraft:
    kind: BudgetLineKind
    initial_budget: Decimal | None = None
    annual_budget: Decimal | None = None
    executed: Decimal | None = None


@dataclass(frozen=True)
class IndicatorDraft:
    """One 三级 row as the filler left it; ``pk`` is None for a new row."""

    level2: Level2
    pk: int | None = None
    name: str = ""
    target: str = ""
    actual: str = ""
    weight: Decimal | None = None
    score: Decimal | None = None
    tier: str = ""
    override_reason: str = ""
    deviation_reason: str = ""


@dataclass(frozen=True)
class EvaluationDraft:
    """Everything a filler can change on the form page. Rows are in display order."""

    project_lead: str = ""
    contact_phone: str = ""
    goal_expected: str = ""
    goal_actual: str = ""
    budget_weight: Decimal | None = None  # None: keep the current 分值
    budget_lines: tuple[BudgetLineDraft, ...] = ()
    indicators: tuple[IndicatorDraft, ...] = ()


# Fields a filler's save writes; 审核得分/审核意见 belong to the reviewer and are kept.
_INDICATOR_FIELDS = (
    "level2",
    "position",
    "name",
    "target",
    "actual",
    "target_comparator",
    "target_number",
    "target_unit",
    "actual_number",
    "actual_unit",
    "weight",
    "score",
    "tier",
    "override_reason",
    "deviation_reason",
)
_BUDGET_FIELDS = ("initial_budget", "annual_budget", "executed")
_EVALUATION_FIELDS = ("project_lead", "contact_phone", "goal_expected", "goal_actual")


def _clean(instance: models.Model, exclude: list[str]) -> None:
    # Constraints are left to the database: CheckConstraint.validate() costs one query
    # per row and per constraint, and the field validators already refuse negatives.
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


@transaction.atomic
def project_create(
    *, name: str, department: Department, implementing_unit: Department | None = None
) -> Project:
    """A new project of a 主管部门 (optionally carried out by one of its 实施单位)."""
    project = Project(name=name.strip(), department=department, implementing_unit=implementing_unit)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def evaluation_create(*, project: Project, year: int, user: User | None) -> Evaluation:
    """An empty draft for a project and year, with its four 项目资金 rows."""
    if Evaluation.objects.filter(project=project, year=year).exists():
        raise ValidationError(ERROR_EVALUATION_EXISTS.format(project=project.name, year=year))
    evaluation = Evaluation(
        project=project, year=year, status=Evaluation.Status.DRAFT, created_by=user
    )
    evaluation.full_clean(validate_unique=False)
    evaluation.save()
    BudgetLine.objects.bulk_create(
        BudgetLine(evaluation=evaluation, kind=kind.value) for kind in BudgetLineKind
    )
    evaluation_summary_refresh(evaluation)
    return evaluation


@transaction.atomic
def evaluation_create_from_previous(
    *, previous: Evaluation, user: User | None, year: int | None = None
) -> Evaluation:
    """Next year's draft started from ``previous`` (by default for ``previous.year + 1``).

    Copies the header, 预期目标, the 预算执行率 分值 and every 三级 row with its
    二级, name, 年度指标值 and 分值. What belongs to the new year stays empty:
    amounts, 实际完成情况, 实际完成值, 得分 and every reason or review note.
    """
    evaluation = evaluation_create(
        project=previous.project, year=previous.year + 1 if year is None else year, user=user
    )
    evaluation.project_lead = previous.project_lead
    evaluation.contact_phone = previous.contact_phone
    evaluation.goal_expected = previous.goal_expected
    evaluation.budget_weight = previous.budget_weight
    evaluation.full_clean(validate_unique=False)
    evaluation.save(
        update_fields=["project_lead", "contact_phone", "goal_expected", "budget_weight"]
    )
    rows = []
    for position, source in enumerate(previous.indicators.all(), start=1):
        row = Indicator(
            evaluation=evaluation,
            level2_id=source.level2_id,
            position=position,
            name=source.name,
            target=source.target,
            weight=source.weight,
        )
        indicator_refresh_parsed(row)
        _clean(row, ["evaluation", "level2"])
        rows.append(row)
    Indicator.objects.bulk_create(rows)
    evaluation_summary_refresh(evaluation)
    return evaluation


def _values(instance: models.Model, fields: tuple[str, ...]) -> tuple[object, ...]:
    return tuple(getattr(instance, f"{name}_id" if name == "level2" else name) for name in fields)


@transaction.atomic
def evaluation_save_draft(
    *, evaluation: Evaluation, draft: EvaluationDraft, version: int, user: User
) -> Evaluation:
    """Store what the filler typed, however incomplete, if nobody saved in between.

    ``version`` is the one the editor was loaded at: the save refuses a stale
    version (StaleEvaluationError) instead of silently overwriting someone else's
    work. Rows missing from ``draft.indicators`` are deleted. ``evaluation`` must
    come with its rows prefetched (``selectors.get_evaluation_for_user``); the
    number of queries does not depend on the number of rows.
    """
    if not can_edit(user, evaluation):
        raise PermissionDenied(ERROR_NOT_EDITABLE)

    for name in _EVALUATION_FIELDS:
        setattr(evaluation, name, getattr(draft, name))
    if draft.budget_weight is not None:
        evaluation.budget_weight = draft.budget_weight
    evaluation.updated_at = timezone.now()
    _clean(evaluation, ["project", "created_by"])

    existing_lines = {line.kind: line for line in evaluation.budget_lines.all()}
    changed_lines, new_lines = [], []
    for line_draft in draft.budget_lines:
        line = existing_lines.get(line_draft.kind.value)
        if line is None:
            line = BudgetLine(evaluation=evaluation, kind=line_draft.kind.value)
            new_lines.append(line)
        before = _values(line, _BUDGET_FIELDS)
        for name in _BUDGET_FIELDS:
            setattr(line, name, getattr(line_draft, name))
        _clean(line, ["evaluation"])
        if line.pk is not None and _values(line, _BUDGET_FIELDS) != before:
            changed_lines.append(line)

    existing_rows = {row.pk: row for row in evaluation.indicators.all()}
    changed_rows, new_rows, kept = [], [], set()
    changed_fields: set[str] = set()
    for position, row_draft in enumerate(draft.indicators, start=1):
        if row_draft.pk is None:
            row = Indicator(evaluation=evaluation)
            new_rows.append(row)
        elif row_draft.pk in existing_rows and row_draft.pk not in kept:
            row = existing_rows[row_draft.pk]
            kept.add(row.pk)
        else:
            raise ValidationError(ERROR_UNKNOWN_ROW)
        before = _values(row, _INDICATOR_FIELDS) if row.pk is not None else None
        row.level2 = row_draft.level2
        row.position = position
        for name in (
            "name",
            "target",
            "actual",
            "weight",
            "score",
            "tier",
            "override_reason",
            "deviation_reason",
        ):
            setattr(row, name, getattr(row_draft, name))
        indicator_refresh_parsed(row)
        _clean(row, ["evaluation", "level2"])
        if before is not None:
            after = _values(row, _INDICATOR_FIELDS)
            if after != before:
                changed_rows.append(row)
                changed_fields.update(
                    name
                    for name, old, new in zip(_INDICATOR_FIELDS, before, after, strict=True)
                    if old != new
                )

    # The version check and the header in one UPDATE: nobody can slip in between.
    updated = Evaluation.objects.filter(pk=evaluation.pk, version=version).update(
        version=F("version") + 1,
        budget_weight=evaluation.budget_weight,
        updated_at=evaluation.updated_at,
        **{name: getattr(evaluation, name) for name in _EVALUATION_FIELDS},
    )
    if not updated:
        raise StaleEvaluationError()
    evaluation.version = version + 1

    if changed_lines:
        BudgetLine.objects.bulk_update(changed_lines, list(_BUDGET_FIELDS))
    if new_lines:
        BudgetLine.objects.bulk_create(new_lines)
    deleted = set(existing_rows) - kept
    if deleted:
        Indicator.objects.filter(evaluation=evaluation, pk__in=deleted).delete()
    if changed_rows:
        # Only the columns that changed: each one is a CASE over the rows to build.
        fields = [name for name in _INDICATOR_FIELDS if name in changed_fields]
        Indicator.objects.bulk_update(changed_rows, fields)
    if new_rows:
        Indicator.objects.bulk_create(new_rows)
    evaluation_summary_refresh(evaluation)
    return evaluation
