"""Writing imported forms: every form of one file, or none of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from projects.departments import department_match
from projects.interchange import FormData, InterchangeError
from projects.models import Evaluation
from projects.services.evaluations import (
    evaluation_import,
)
from projects.text import clean_text


@dataclass(frozen=True)
class ImportedForm:
    evaluation: Evaluation
    created: bool  # False: an existing (unapproved) form of the same project and year was updated


class ChangedSincePreview(InterchangeError):
    """Forms that changed (or appeared) after the preview: the import would overwrite them."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        super().__init__(f"以下自评表在预览后已被修改：{'、'.join(labels)}，请重新上传预览")


def existing_evaluation(form: FormData, *, lock: bool = False) -> Evaluation | None:
    """The form of the same project (by 主管部门 and name) and year, if there is one.

    The 主管部门 is the one the import writes to: the same name, or the one of the same
    name key (``departments.department_match``).
    ``lock``: select it FOR UPDATE (only the form's row), inside the caller's transaction.
    """
    department = department_match(clean_text(form.department)).department
    if department is None:
        return None
    evaluations = Evaluation.objects.select_related("project")
    if lock:
        evaluations = evaluations.select_for_update(of=("self",))
    return evaluations.filter(
        project__name=form.project_name, project__department=department, year=form.year
    ).first()


def changed_since_preview(
    forms: Sequence[FormData], versions: Sequence[int], *, lock: bool = False
) -> list[str]:
    """The forms (「2024年度「项目」」) whose stored version is not the previewed one.

    ``versions[i]`` is what the preview saw for ``forms[i]``: the form's version, or 0
    when there was none (a form created since then has changed too).
    """
    changed = []
    for form, version in zip(forms, versions, strict=True):
        evaluation = existing_evaluation(form, lock=lock)
        if (evaluation.version if evaluation is not None else 0) != version:
            changed.append(f"{form.year}年度「{form.project_name}」")
    return changed


@transaction.atomic
def evaluations_import(
    *,
    forms: Sequence[FormData],
    user: User | None = None,
    versions: Sequence[int] | None = None,
    notes: Sequence[str] | None = None,
) -> list[ImportedForm]:
    """Import the forms of one file, all or nothing.

    With ``versions`` (the preview's, see ``changed_since_preview``) the forms are
    locked and checked first: if any changed since the preview, ChangedSincePreview
    and nothing is written. Each form goes through
    ``projects.services.evaluations.evaluation_import`` (creates the department, unit and project
    when new; updates an unapproved form of the same project and year; refuses an
    approved one), which writes it with ``evaluation_write`` like every other path.
    Any InterchangeError rolls back every form of the file. ``notes[i]`` goes into the
    history entry of ``forms[i]`` (the preview's 一级/二级 choices).
    """
    if versions is not None:
        changed = changed_since_preview(forms, versions, lock=True)
        if changed:
            raise ChangedSincePreview(changed)
    imported = []
    for form, note in zip(forms, notes or [""] * len(forms), strict=True):
        created = existing_evaluation(form) is None
        imported.append(ImportedForm(evaluation_import(data=form, user=user, note=note), created))
    return imported
