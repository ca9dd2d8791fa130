"""Writing a form: creating, filling, copying, importing; the review steps are in ``workflow``.

Each of them validates what it was given and hands it to ``evaluation_write``, the one
function that writes a form: the version check, the rows, the summary and the history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from indicators.models import Level2
from indicators.parsing import parse_actual, parse_target
from indicators.scoring import BUDGET_LINE_LABELS, BudgetLineKind
from projects.departments import department_match
from projects.history import change, diff, event_record
from projects.interchange import FormData, InterchangeError
from projects.models import (
    BudgetLine,
    Department,
    Evaluation,
    EvaluationEvent,
    Indicator,
    Project,
    ReportingYear,
)
from projects.permissions import (
    can_edit,
)
from projects.rows import (
    BUDGET_LINE,
    HEADER,
    INDICATOR,
    INDICATOR_TYPED,
    Editor,
    Kind,
    Stage,
    record,
)
from projects.summaries import evaluation_summary_refresh
from projects.text import clean_instance_text, clean_text

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
    """The department ``name`` means (``departments.department_match``: the same name, or
    the one of the same name key), or a new one under ``parent`` named as written."""
    name = clean_text(name)
    department = department_match(name, parent).department
    if department is None:
        department, _ = Department.objects.get_or_create(name=name, parent=parent)
    return department


def project_get_or_create(
    *, name: str, department_name: str, implementing_unit_name: str = ""
) -> Project:
    """The project of a department, creating the department, unit and project when new.

    The department and the unit are matched by name key (``department_get_or_create``);
    the project by its exact name within the department.
    """
    department = department_get_or_create(name=department_name)
    unit = None
    if implementing_unit_name:
        unit = department_get_or_create(name=implementing_unit_name, parent=department)
    project, created = Project.objects.get_or_create(
        department=department, name=clean_text(name), defaults={"implementing_unit": unit}
    )
    if not created and unit is not None and project.implementing_unit_id != unit.pk:
        project.implementing_unit = unit
        project.save(update_fields=["implementing_unit"])
    return project


def _clean_for_import(instance: models.Model, where: str, exclude: list[str]) -> None:
    """full_clean, with Django's validation errors turned into one Chinese import error."""
    clean_instance_text(instance)
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


IMPORTED_FIELDS = ("status", *HEADER.names())
# What an import writes of a 三级 row besides its 二级 and place: everything typed.
_IMPORTED_ROW_FIELDS = INDICATOR.names(*INDICATOR_TYPED)


def _import_values(
    evaluation: Evaluation, data: FormData, level2s: dict[tuple[str, str], Level2]
) -> tuple[list[BudgetLine], list[Indicator]]:
    """Set the imported values on ``evaluation`` and build its rows, all validated, unsaved.

    Raises the InterchangeError the import would; reads nothing but ``level2s``.
    """
    for name in IMPORTED_FIELDS:
        setattr(evaluation, name, getattr(data, name))
    where = f"{data.year}年度「{data.project_name}」"
    _clean_for_import(evaluation, where, ["project"])
    lines = {line.kind: line for line in data.budget_lines}
    budget_lines = []
    for kind in BudgetLineKind:
        line = lines.get(kind.value)
        budget_line = BudgetLine(
            evaluation=evaluation,
            kind=kind.value,
            **{name: getattr(line, name) if line else None for name in _BUDGET_FIELDS},
        )
        _clean_for_import(budget_line, f"{where}项目资金", ["evaluation"])
        budget_lines.append(budget_line)
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
            **{name: getattr(row, name) for name in _IMPORTED_ROW_FIELDS},
        )
        indicator_refresh_parsed(indicator)
        _clean_for_import(indicator, f"{where}绩效指标第{position}行", ["evaluation", "level2"])
        indicators.append(indicator)
    return budget_lines, indicators


def evaluation_import_check(*, forms: Iterable[FormData]) -> None:
    """Raise the InterchangeError ``evaluation_import`` would raise for any of ``forms``.

    Writes and locks nothing (it reads the taxonomy): the import preview uses it
    (a trial import in a transaction held the file's rows locked). Whether a form is
    approved, and so locked, is the caller's check.
    """
    level2s = _level2_lookup()
    for data in forms:
        _import_values(Evaluation(year=data.year), data, level2s)


@transaction.atomic
def evaluation_import(*, data: FormData, user: User | None = None, note: str = "") -> Evaluation:
    """Create a form from interchange data, or replace the rows of an unapproved one.

    The same project and year updates the existing form unless it is approved
    (an approved form is locked). All or nothing: any error rolls the whole form back.
    ``note`` is added to the history entry (what the preview mapped: ``imports.levels``).
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
    budget_lines, indicators = _import_values(evaluation, data, _level2_lookup())
    return evaluation_write(
        evaluation,
        user=user,
        kind=EvaluationEvent.Kind.IMPORTED,
        version=None,  # locked above: nobody writes it in between
        fields={name: getattr(evaluation, name) for name in IMPORTED_FIELDS},
        comment=f"状态：{evaluation.get_status_display()}，三级指标 {len(indicators)} 行"
        + (f"；{note}" if note else ""),
        budget_lines=RowsWrite(created=budget_lines, replaced=True),
        indicators=RowsWrite(created=indicators, replaced=True),
    )


# --- history ---------------------------------------------------------------------


_HEADER_DIFF_FIELDS = HEADER.names(Editor.FILLER)
_TIER_LABELS = dict(Indicator.Tier.choices)
# 自动 ("") shows as blank, like a tier nobody chose: a new row records no change of it.
_DIRECTION_LABELS = {code: label for code, label in Indicator.DIRECTION_CHOICES if code}


def _indicator_shown(row: Indicator) -> dict[str, object]:
    """What a filler sees of a row, for its history (the parsed columns are left out)."""
    shown: dict[str, object] = {"level2": row.level2.name}
    for column in INDICATOR.columns(Editor.FILLER):
        value = getattr(row, column.name)
        if column.kind == Kind.TIER:
            value = _TIER_LABELS.get(value, "")
        elif column.kind == Kind.DIRECTION:
            value = _DIRECTION_LABELS.get(value, "")
        shown[column.name] = value
    return shown


# --- creating and filling forms in the browser ---------------------------------

ERROR_EVALUATION_EXISTS = "「{project}」{year}年度的自评表已存在"
ERROR_YEAR_NOT_OPEN = "{year}年度未开放填报，不能新建自评表；如需填报请联系管理员开放该年度"
ERROR_STALE_VERSION = (
    "保存失败：您打开此表后，它已被他人（或您在另一个窗口中）保存过。"
    "您填写的内容仍保留在本页，尚未保存；请看下方对方的修改，"
    "点「保留我的输入，基于最新版继续」，检查后重新保存。"
)
ERROR_NOT_EDITABLE = "此自评表当前不能修改（已提交或已通过，或您没有填报权限）"
ERROR_UNKNOWN_ROW = "提交的指标行不属于此自评表，请刷新页面后重试"


class EvaluationExistsError(ValidationError):
    """The project's form for the year exists already (say, a second click on 新建)."""

    def __init__(self, evaluation: Evaluation) -> None:
        super().__init__(
            ERROR_EVALUATION_EXISTS.format(project=evaluation.project.name, year=evaluation.year)
        )
        self.evaluation = evaluation


class StaleEvaluationError(Exception):
    """The form was saved by someone else since the editor loaded it."""

    def __init__(self, message: str = ERROR_STALE_VERSION) -> None:
        super().__init__(message)
        self.message = message


# What a filler can change on the form page: the filler's columns of projects.rows.
BudgetLineDraft = record(
    "BudgetLineDraft",
    BUDGET_LINE.columns(Editor.FILLER),
    module=__name__,
    doc="One 项目资金 line as the filler left it.",
    first=[("kind", BudgetLineKind)],
)
# The 二级 first (a row has one), then ``pk`` (None for a new row), then the columns.
IndicatorDraft = record(
    "IndicatorDraft",
    INDICATOR.columns(Editor.FILLER),
    module=__name__,
    doc="One 三级 row as the filler left it; ``pk`` is None for a new row.",
    first=[("level2", Level2), ("pk", int | None, field(default=None))],
)
# ``budget_weight`` None: keep the current 分值. Rows are in display order.
EvaluationDraft = record(
    "EvaluationDraft",
    HEADER.columns(Editor.FILLER),
    module=__name__,
    doc="Everything a filler can change on the form page. Rows are in display order.",
    last=[
        ("budget_lines", tuple, field(default=())),
        ("indicators", tuple, field(default=())),
    ],
)


# Fields a filler's save writes (and the parsed columns it refreshes, after 实际完成值);
# 审核得分/审核意见 belong to the reviewer and are kept.
_INDICATOR_FIELDS = ("level2", "position", *INDICATOR.names(Editor.FILLER, Editor.SERVICE))
_BUDGET_FIELDS = BUDGET_LINE.names(Editor.FILLER)
_DRAFT_ROW_FIELDS = INDICATOR.names(Editor.FILLER)
# The header's filler fields but the 分值, which a draft may leave as it is (None).
_EVALUATION_FIELDS = tuple(c.name for c in HEADER.columns(Editor.FILLER) if c.kind != Kind.SCORE)
# What next year's form takes over from this year's (projects.rows Stage.PLAN).
_CARRIED_HEADER_FIELDS = HEADER.names(Editor.FILLER, stage=Stage.PLAN)
_CARRIED_ROW_FIELDS = INDICATOR.names(Editor.FILLER, stage=Stage.PLAN)


def _clean(instance: models.Model, exclude: list[str]) -> None:
    # Text without what XML cannot hold, whatever path it came by (projects.text).
    clean_instance_text(instance)
    # Constraints are left to the database: CheckConstraint.validate() costs one query
    # per row and per constraint, and the field validators already refuse negatives.
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


# --- the one way a form is written -----------------------------------------------------

# The workflow's own columns: the summary holds none of them (projects.summaries).
_WORKFLOW_FIELDS = frozenset({"status", "review_comment"})


@dataclass(frozen=True)
class RowsWrite:
    """What one write does to a form's budget lines, or to its 三级 rows."""

    created: Sequence[models.Model] = ()
    changed: Sequence[models.Model] = ()
    fields: Sequence[str] = ()  # the columns of ``changed`` that are written
    deleted: Collection[int] = ()  # pks of stored rows
    replaced: bool = False  # every stored row goes first (an import)

    def __bool__(self) -> bool:
        return bool(self.created or self.changed or self.deleted or self.replaced)


_NO_ROWS = RowsWrite()


def _insert(evaluation: Evaluation) -> None:
    """Insert a new form; a second one of its project and year (a second click, which
    won the race) is named instead of an IntegrityError."""
    try:
        with transaction.atomic():  # a savepoint: the query below must still run
            evaluation.save()
    except IntegrityError:
        existing = Evaluation.objects.filter(
            project=evaluation.project, year=evaluation.year
        ).first()
        if existing is None:
            raise
        raise EvaluationExistsError(existing) from None


def _rows_write(evaluation: Evaluation, model: type[models.Model], rows: RowsWrite) -> None:
    stored = model._default_manager.filter(evaluation=evaluation)
    if rows.replaced:
        stored.delete()
    elif rows.deleted:
        stored.filter(pk__in=rows.deleted).delete()
    if rows.changed:
        # Only the columns that changed: each one is a CASE over the rows to build.
        model._default_manager.bulk_update(rows.changed, list(rows.fields))
    if rows.created:
        for row in rows.created:
            row.evaluation = evaluation  # set again: the form may have had no pk yet
        model._default_manager.bulk_create(rows.created)


def evaluation_write(
    evaluation: Evaluation,
    *,
    user: User | None,
    kind: str | None,
    version: int | None,
    fields: Mapping[str, object] | None = None,
    comment: str = "",
    changes: Sequence[dict[str, str]] = (),
    budget_lines: RowsWrite = _NO_ROWS,
    indicators: RowsWrite = _NO_ROWS,
    stale: str = ERROR_STALE_VERSION,
) -> Evaluation:
    """Write a form and record it: the one way every path changes a form.

    In this order: the form's own row, its rows (deleted, changed, created), its
    summary (``projects.summaries``; not when only the workflow's columns changed),
    and one entry of its history of ``kind`` with ``comment`` and ``changes`` (none
    when ``kind`` is None: a save that changed nothing).

    A new form (no pk) is inserted with ``fields``. An existing one gets ``fields``
    in one UPDATE that bumps its version and checks ``version``, the one its writer
    loaded: if someone wrote in between, StaleEvaluationError(``stale``) and nothing
    is written. ``version`` None: the caller holds the form's row locked (the import),
    and the version is only bumped. Callers validate first (the rows are written as
    they come, in bulk: their parsed columns refreshed, each ``full_clean``-ed).
    """
    fields = dict(fields or {})
    if evaluation.pk is None:
        for name, value in fields.items():
            setattr(evaluation, name, value)
        _insert(evaluation)
    else:
        now = timezone.now()
        stored = Evaluation.objects.filter(pk=evaluation.pk)
        if version is None:  # locked: the version read under the lock, plus one
            bumped, version = evaluation.version + 1, evaluation.version
        else:
            stored, bumped = stored.filter(version=version), F("version") + 1
        if not stored.update(version=bumped, updated_at=now, **fields):
            raise StaleEvaluationError(stale)
        evaluation.version, evaluation.updated_at = version + 1, now
        for name, value in fields.items():
            setattr(evaluation, name, value)
    _rows_write(evaluation, BudgetLine, budget_lines)
    _rows_write(evaluation, Indicator, indicators)
    if budget_lines or indicators or not fields.keys() <= _WORKFLOW_FIELDS:
        evaluation_summary_refresh(evaluation)
    if kind is not None:
        event_record(evaluation=evaluation, user=user, kind=kind, comment=comment, changes=changes)
    return evaluation


@transaction.atomic
def project_create(
    *, name: str, department: Department, implementing_unit: Department | None = None
) -> Project:
    """A new project of a 主管部门 (optionally carried out by one of its 实施单位)."""
    project = Project(name=name.strip(), department=department, implementing_unit=implementing_unit)
    clean_instance_text(project)
    project.full_clean()
    try:
        with transaction.atomic():  # a savepoint: a second click may have won the race
            project.save()
    except IntegrityError:
        existing = Project.objects.filter(department=department, name=project.name).first()
        if existing is None:
            raise
        return existing
    return project


@transaction.atomic
def evaluation_create(
    *, project: Project, year: int, user: User | None, comment: str = ""
) -> Evaluation:
    """An empty draft for a project and year, with its four 项目资金 rows.

    Only in a year the admin has opened for filling (``ReportingYear``).
    """
    evaluation = _evaluation_new(project=project, year=year, user=user)
    evaluation.full_clean(validate_unique=False)
    return evaluation_write(
        evaluation,
        user=user,
        kind=EvaluationEvent.Kind.CREATED,
        version=None,
        comment=comment,
        budget_lines=RowsWrite(created=_budget_lines_new()),
    )


def _evaluation_new(*, project: Project, year: int, user: User | None) -> Evaluation:
    """An unsaved draft, in a year open for filling, of a project without one for it."""
    if not ReportingYear.objects.filter(year=year, is_open=True).exists():
        raise ValidationError(ERROR_YEAR_NOT_OPEN.format(year=year))
    existing = Evaluation.objects.filter(project=project, year=year).first()
    if existing is not None:
        raise EvaluationExistsError(existing)
    return Evaluation(project=project, year=year, status=Evaluation.Status.DRAFT, created_by=user)


def _budget_lines_new() -> list[BudgetLine]:
    return [BudgetLine(kind=kind.value) for kind in BudgetLineKind]


@transaction.atomic
def evaluation_create_from_previous(
    *, previous: Evaluation, user: User | None, year: int | None = None
) -> Evaluation:
    """Next year's draft started from ``previous`` (by default for ``previous.year + 1``).

    Copies the header, 预期目标, the 预算执行率 分值 and every 三级 row with its
    二级, name, 年度指标值 and 分值. What belongs to the new year stays empty:
    amounts, 实际完成情况, 实际完成值, 得分 and every reason or review note.
    """
    evaluation = _evaluation_new(
        project=previous.project, year=previous.year + 1 if year is None else year, user=user
    )
    for name in _CARRIED_HEADER_FIELDS:
        setattr(evaluation, name, getattr(previous, name))
    evaluation.full_clean(validate_unique=False)
    rows = []
    for position, source in enumerate(previous.indicators.all(), start=1):
        row = Indicator(
            evaluation=evaluation,
            level2_id=source.level2_id,
            position=position,
            **{name: getattr(source, name) for name in _CARRIED_ROW_FIELDS},
        )
        indicator_refresh_parsed(row)
        _clean(row, ["evaluation", "level2"])
        rows.append(row)
    return evaluation_write(
        evaluation,
        user=user,
        kind=EvaluationEvent.Kind.CREATED,
        version=None,
        comment=f"以{previous.year}年度的自评表为基础新建",
        budget_lines=RowsWrite(created=_budget_lines_new()),
        indicators=RowsWrite(created=rows),
    )


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

    changes: list[dict[str, str]] = []
    header_before = {name: getattr(evaluation, name) for name in _HEADER_DIFF_FIELDS}
    for name in _EVALUATION_FIELDS:
        setattr(evaluation, name, getattr(draft, name))
    if draft.budget_weight is not None:
        evaluation.budget_weight = draft.budget_weight
    _clean(evaluation, ["project", "created_by"])
    changes += diff(
        "表头",
        Evaluation,
        header_before,
        {n: getattr(evaluation, n) for n in _HEADER_DIFF_FIELDS},
        key_prefix="",
    )

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
        changes += diff(
            f"项目资金·{BUDGET_LINE_LABELS[line_draft.kind]}",
            BudgetLine,
            dict(zip(_BUDGET_FIELDS, before, strict=True)),
            {name: getattr(line, name) for name in _BUDGET_FIELDS},
            key_prefix=f"budget-{line_draft.kind.value}-",
        )
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
        elif evaluation.version != version:
            raise StaleEvaluationError()  # a row the other save deleted: a two-tab conflict
        else:
            raise ValidationError(ERROR_UNKNOWN_ROW)
        before = _values(row, _INDICATOR_FIELDS) if row.pk is not None else None
        shown_before = _indicator_shown(row) if row.pk is not None else {}
        row.level2 = row_draft.level2
        row.position = position
        for name in _DRAFT_ROW_FIELDS:
            setattr(row, name, getattr(row_draft, name))
        indicator_refresh_parsed(row)
        _clean(row, ["evaluation", "level2"])
        changes += diff(
            f"三级指标第{position}行「{row.name}」",
            Indicator,
            shown_before,
            _indicator_shown(row),
            key_prefix=f"row:{row.pk or 'new'}:",
        )
        if before is not None:
            after = _values(row, _INDICATOR_FIELDS)
            if after != before:
                changed_rows.append(row)
                changed_fields.update(
                    name
                    for name, old, new in zip(_INDICATOR_FIELDS, before, after, strict=True)
                    if old != new
                )

    deleted = set(existing_rows) - kept
    changes += [
        change(
            f"三级指标「{existing_rows[pk].name}」",
            "整行",
            existing_rows[pk].name,
            "（已删除）",
            key=f"row:{pk}:",
        )
        for pk in sorted(deleted)
    ]
    # The version check and the header in one UPDATE: nobody can slip in between.
    return evaluation_write(
        evaluation,
        user=user,
        kind=EvaluationEvent.Kind.SAVED if changes else None,  # the same again: no history
        version=version,
        fields={
            "budget_weight": evaluation.budget_weight,
            **{name: getattr(evaluation, name) for name in _EVALUATION_FIELDS},
        },
        changes=changes,
        budget_lines=RowsWrite(created=new_lines, changed=changed_lines, fields=_BUDGET_FIELDS),
        indicators=RowsWrite(
            created=new_rows,
            changed=changed_rows,
            fields=[name for name in _INDICATOR_FIELDS if name in changed_fields],
            deleted=deleted,
        ),
    )
