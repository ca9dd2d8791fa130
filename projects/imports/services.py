"""Writing imported forms: every form of one file, or none of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from projects.interchange import FormData
from projects.models import Evaluation
from projects.services import evaluation_import


@dataclass(frozen=True)
class ImportedForm:
    evaluation: Evaluation
    created: bool  # False: an existing (unapproved) form of the same project and year was updated


def existing_evaluation(form: FormData) -> Evaluation | None:
    """The form of the same project (by 主管部门 and name) and year, if there is one."""
    return (
        Evaluation.objects.select_related("project")
        .filter(
            project__name=form.project_name,
            project__department__name=form.department,
            project__department__parent__isnull=True,
            year=form.year,
        )
        .first()
    )


@transaction.atomic
def evaluations_import(
    *, forms: Sequence[FormData], user: User | None = None
) -> list[ImportedForm]:
    """Import the forms of one file, all or nothing.

    Each form goes through ``projects.services.evaluation_import`` (creates the
    department, unit and project when new; updates an unapproved form of the same
    project and year; refuses an approved one). Any InterchangeError rolls back
    every form of the file.
    """
    imported = []
    for form in forms:
        created = existing_evaluation(form) is None
        imported.append(ImportedForm(evaluation_import(data=form, user=user), created))
    return imported
