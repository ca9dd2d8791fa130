"""Helpers shared by the export tests: the demo forms with their JSON, and readers."""

from __future__ import annotations

from decimal import Decimal

from projects.demo import load_demo
from projects.exports.sheet import build_sheet
from projects.interchange import evaluation_to_dict
from projects.models import Evaluation
from projects.selectors import evaluation_result, with_rows


def demo_forms():
    """The 14 demo forms as (evaluation, result, sheet, json dict), in pk order."""
    load_demo()
    forms = []
    for evaluation in with_rows(Evaluation.objects.order_by("pk")):
        result = evaluation_result(evaluation)
        forms.append(
            (
                evaluation,
                result,
                build_sheet(evaluation, result),
                evaluation_to_dict(evaluation, result),
            )
        )
    assert len(forms) == 14
    return forms


def sheet_of(evaluation: Evaluation):
    evaluation = with_rows(Evaluation.objects.filter(pk=evaluation.pk)).get()
    return build_sheet(evaluation, evaluation_result(evaluation))


def dec(value) -> Decimal | None:
    """A number read back from a spreadsheet (float) as the Decimal it was written from."""
    if value is None:
        return None
    return Decimal(str(value))


def money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
