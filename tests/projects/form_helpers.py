"""Helpers for the form page's tests: the POST data the page would send."""

from __future__ import annotations

from django.urls import reverse

from projects.forms.evaluations import EvaluationEditor
from projects.models import Evaluation
from projects.selectors.evaluations import load_taxonomy, scoring_rules, with_rows


def page_data(evaluation: Evaluation) -> dict[str, str]:
    """What the form page posts when nothing was changed (rows in display order)."""
    evaluation = with_rows(Evaluation.objects.select_related("project")).get(pk=evaluation.pk)
    editor = EvaluationEditor.for_evaluation(
        evaluation, taxonomy=load_taxonomy(), rules=scoring_rules()
    )
    return dict(editor.data)


def url(name: str, evaluation: Evaluation) -> str:
    return reverse(name, args=[evaluation.pk])
