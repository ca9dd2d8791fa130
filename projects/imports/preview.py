"""What importing a file would do, before anything is written.

``preview_file`` parses one file and describes each form in it: created or
updated (or refused: approved forms are locked), which departments, units and
projects are new, what an update would clear, and the scored result with every
finding (``indicators.scoring.score_form`` on the parsed values, legacy rules:
the written scores count and every difference from our computation is a finding).
It also runs every check of the real import on the parsed values
(``services.evaluation_import_check``), so any error the import would raise shows
up in the preview, and notes the version of each form an update would overwrite:
the confirmation refuses a file whose forms changed since (``imports.services``).
The preview only reads: it writes nothing and locks no row (a trial
import in one transaction held a 1,000-form file's rows for 30 s). A file of more
forms than ``IMPORT_MAX_FORMS_PER_FILE`` is refused.

Everything it returns is plain JSON (``FilePreview.as_dict``): the upload page
keeps it in the session between the preview and the confirmation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import PurePath
from typing import Any

from django.conf import settings

from indicators.checks import SEVERITY_LABELS
from indicators.scoring import (
    FormInput,
    FormResult,
    ScoringRules,
    score_form,
)
from projects.departments import department_match, unit_match
from projects.imports import ImportFailure, TaxonomyMap, form_data_to_dict, parse_file
from projects.imports.base import human_size, max_upload_bytes
from projects.imports.levels import (
    AppliedLevel,
    Key,
    UnknownLevel,
    applied_levels,
    apply_levels,
    levels_problem,
    resolved,
    unknown_levels,
)
from projects.interchange import FormData, InterchangeError, read_form_dict, score_str
from projects.models import Evaluation
from projects.scoring_input import parsed_input
from projects.selectors.evaluations import scoring_rules
from projects.services.evaluations import (
    evaluation_import_check,
)
from projects.services.imports import existing_evaluation

logger = logging.getLogger(__name__)

CREATE, UPDATE, REFUSED = "create", "update", "refused"
ACTION_LABELS = {CREATE: "新建", UPDATE: "更新已有自评表", REFUSED: "不能导入"}
UNEXPECTED = "读取文件时发生意外错误，文件未导入；请检查文件是否完整，或另存后重试"
# Importing a file is one transaction holding its forms' rows: 200 forms take a few seconds.
DEFAULT_MAX_FORMS = 200


def form_input(form: FormData) -> FormInput:
    """The scoring service's input from parsed values (``scoring_input.parsed_input``)."""
    return parsed_input(form)


def score_form_data(form: FormData, rules: ScoringRules | None = None) -> FormResult:
    return score_form(form_input(form), rules or scoring_rules())


@dataclass(frozen=True)
class FormPreview:
    year: int
    project_name: str
    department: str
    implementing_unit: str
    action: str
    new_department: bool
    new_unit: bool
    new_project: bool
    existing_status: str  # the label of the form that would be updated
    cleared: list[str]  # what an update would empty
    indicator_count: int
    execution_rate: str | None
    budget_score: str | None
    total_weight: str | None
    total_score: str | None
    grade: str
    errors: int
    warnings: int
    findings: list[dict[str, str]]
    amount_unit_note: str = ""
    hints: int = 0  # 审核提示 (a preview stored before hints reads as none)
    unplaced: list[str] = field(default_factory=list)  # the cells the reader did not import
    reading_notes: list[str] = field(default_factory=list)  # how it read what it did
    paper_notes: str = ""  # the rows after the table, kept as the form's notes
    version: int = 0  # of the form an update would overwrite (0: none, the form is new)
    # The stored name a written department or unit was matched to by its name key
    # (projects.departments), "" when it is the same name or new; the note when the
    # key alone would name several.
    department_matched: str = ""
    unit_matched: str = ""
    department_ambiguous: str = ""
    unit_ambiguous: str = ""

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass(frozen=True)
class FilePreview:
    filename: str
    error: str = ""  # why the file cannot be imported (nothing of it will be)
    forms: list[FormPreview] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)  # the forms as interchange dicts
    # 一级/二级 the taxonomy lacks, and the uploader's choices so far (``imports.levels``)
    unknown_levels: list[UnknownLevel] = field(default_factory=list)
    levels_applied: list[AppliedLevel] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FilePreview:
        return cls(
            filename=raw["filename"],
            error=raw.get("error", ""),
            forms=[FormPreview(**form) for form in raw.get("forms", [])],
            data=raw.get("data", []),
            unknown_levels=[UnknownLevel(**item) for item in raw.get("unknown_levels", [])],
            levels_applied=[AppliedLevel(**item) for item in raw.get("levels_applied", [])],
        )


def _cleared(form: FormData, evaluation: Evaluation) -> list[str]:
    cleared = [
        label
        for label, old, new in (
            ("项目负责人", evaluation.project_lead, form.project_lead),
            ("联系电话", evaluation.contact_phone, form.contact_phone),
            ("预期目标", evaluation.goal_expected, form.goal_expected),
            ("实际完成情况", evaluation.goal_actual, form.goal_actual),
        )
        if old and not new
    ]
    new_kinds = {
        line.kind
        for line in form.budget_lines
        if any(v is not None for v in (line.initial_budget, line.annual_budget, line.executed))
    }
    for line in evaluation.budget_lines.all():
        filled = any(
            v is not None for v in (line.initial_budget, line.annual_budget, line.executed)
        )
        if filled and line.kind not in new_kinds:
            cleared.append(f"项目资金「{line.get_kind_display()}」")
    if evaluation.indicators.exists() and not form.indicators:
        cleared.append("全部绩效指标")
    return cleared


def describe_form(form: FormData, rules: ScoringRules) -> FormPreview:
    department_found = department_match(form.department)
    department = department_found.department
    unit_found = unit_match(form.implementing_unit, department)
    new_unit = bool(form.implementing_unit) and unit_found.department is None
    evaluation = existing_evaluation(form)
    new_project = (
        department is None or not department.projects.filter(name=form.project_name).exists()
    )
    if evaluation is None:
        action, status, cleared = CREATE, "", []
    elif evaluation.status == Evaluation.Status.APPROVED:
        action, status, cleared = REFUSED, evaluation.get_status_display(), []
    else:
        action, status = UPDATE, evaluation.get_status_display()
        cleared = _cleared(form, evaluation)
    result = score_form_data(form, rules)
    return FormPreview(
        year=form.year,
        project_name=form.project_name,
        department=form.department,
        implementing_unit=form.implementing_unit,
        action=action,
        new_department=department is None,
        new_unit=new_unit,
        new_project=new_project,
        existing_status=status,
        cleared=cleared,
        indicator_count=len(form.indicators),
        execution_rate=score_str(result.execution_rate),
        budget_score=score_str(result.budget_score),
        total_weight=score_str(result.total_weight),
        total_score=score_str(result.total_score),
        grade=result.grade,
        errors=len(result.errors),
        warnings=len(result.warnings),
        hints=len(result.hints),
        findings=[
            {**finding.as_dict(), "severity_label": SEVERITY_LABELS[finding.severity]}
            for finding in result.findings
        ],
        amount_unit_note=form.amount_unit_note,
        unplaced=list(form.unplaced),
        reading_notes=list(form.reading_notes),
        paper_notes=form.paper_notes,
        version=evaluation.version if evaluation is not None else 0,
        department_matched=department_found.other_name,
        unit_matched=unit_found.other_name,
        department_ambiguous=department_found.ambiguity("主管部门"),
        unit_ambiguous=unit_found.ambiguity("实施单位"),
    )


def rehearse(forms: list[FormData]) -> str:
    """The error the real import of these forms would raise ("" if none).

    Reads only (the taxonomy once): no write, no transaction, no row lock.
    """
    try:
        evaluation_import_check(forms=forms)
    except InterchangeError as exc:
        return str(exc)
    return ""


def max_forms_per_file() -> int:
    return int(getattr(settings, "IMPORT_MAX_FORMS_PER_FILE", DEFAULT_MAX_FORMS))


def too_many_forms(count: int, filename: str) -> str:
    """Why a file of ``count`` forms is refused ("" when it is within the cap)."""
    limit = max_forms_per_file()
    if count <= limit:
        return ""
    return (
        f"文件「{filename}」：有 {count} 张自评表，超过每个文件 {limit} 张的上限"
        "（整个文件不会导入）；请把文件拆分成几个较小的文件后再导入，"
        "或由管理员在服务器上用 manage.py import_forms 导入"
    )


def preview_file(
    source: bytes | str,
    filename: str,
    *,
    taxonomy: TaxonomyMap | None = None,
    rules: ScoringRules | None = None,
) -> FilePreview:
    """Parse one file and describe what importing it would do. Never raises for bad input."""
    try:
        forms = parse_file(source, filename=filename, taxonomy=taxonomy)
    except ImportFailure as failure:
        return FilePreview(filename, error=str(failure))
    except Exception:  # a bug of ours must not turn a bad upload into a 500
        logger.exception("import: unexpected error while parsing %s", filename)
        return FilePreview(filename, error=f"文件「{filename}」：{UNEXPECTED}")
    too_many = too_many_forms(len(forms), filename)
    if too_many:
        return FilePreview(filename, error=too_many)
    rules = rules or scoring_rules()
    previews = [describe_form(form, rules) for form in forms]
    data = [form_data_to_dict(form) for form in forms]
    error, unknown = _verdict(filename, forms, previews, data, taxonomy or TaxonomyMap.from_db())
    return FilePreview(filename, error=error, forms=previews, data=data, unknown_levels=unknown)


def _verdict(
    filename: str,
    forms: list[FormData],
    previews: list[FormPreview],
    data: list[dict[str, Any]],
    taxonomy: TaxonomyMap,
) -> tuple[str, list[UnknownLevel]]:
    """Why the file cannot be imported ("" if it can), and the unknown names to ask about.

    A locked form stops the file whatever the names; unknown names are asked about
    before the rest of the rehearsal, whose errors show once they are mapped.
    """
    refused = [p for p in previews if p.action == REFUSED]
    if refused:
        error = "；".join(
            f"{p.year}年度「{p.project_name}」的自评表已通过审核，已锁定，不能被导入覆盖"
            for p in refused
        )
        return f"文件「{filename}」：{error}（整个文件不会导入）", []
    unknown = unknown_levels(data, taxonomy)
    if unknown:
        return f"文件「{filename}」：{levels_problem(unknown)}", unknown
    problem = rehearse(forms)
    return (f"文件「{filename}」：{problem}" if problem else ""), []


def preview_remapped(
    file: FilePreview,
    choices: Mapping[Key, str],
    *,
    taxonomy: TaxonomyMap | None = None,
    rules: ScoringRules | None = None,
) -> FilePreview:
    """The file again once the uploader chose what its unknown 一级/二级 stand for.

    ``choices`` ({(一级, 二级): existing name or ``levels.ADD``}) are applied to the
    forms (``levels.apply_levels``) and each form is described and rehearsed again
    against the taxonomy in force; what else the preview holds is kept.
    """
    data = apply_levels(file.data, resolved(choices))
    try:
        forms = [read_form_dict(raw, f"文件「{file.filename}」") for raw in data]
    except InterchangeError as exc:  # the names come from the taxonomy: not expected
        return replace(file, error=f"文件「{file.filename}」：{exc}")
    rules = rules or scoring_rules()
    previews = [describe_form(form, rules) for form in forms]
    error, unknown = _verdict(
        file.filename, forms, previews, data, taxonomy or TaxonomyMap.from_db()
    )
    return replace(
        file,
        error=error,
        forms=previews,
        data=data,
        unknown_levels=unknown,
        levels_applied=[*file.levels_applied, *applied_levels(file.data, choices)],
    )


def preview_upload(
    uploaded, *, taxonomy: TaxonomyMap | None = None, rules: ScoringRules | None = None
) -> FilePreview:
    """``preview_file`` for an uploaded file; one over the size limit is never read."""
    name = PurePath(uploaded.name or "上传的文件").name
    limit = max_upload_bytes()
    if uploaded.size is not None and uploaded.size > limit:
        return FilePreview(
            name,
            error=f"文件「{name}」：文件大小 {human_size(uploaded.size)}，超过上限 {human_size(limit)}",
        )
    return preview_file(uploaded.read(limit + 1), name, taxonomy=taxonomy, rules=rules)
