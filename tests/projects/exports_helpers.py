"""Helpers shared by the export tests: the demo forms with their JSON, and readers."""

from __future__ import annotations

from decimal import Decimal

from projects.demo import load_demo
from projects.exports.sheet import build_sheet
from projects.interchange import evaluation_to_dict
from projects.models import Evaluation, EvaluationEvent
from projects.numbers import format_money
from projects.selectors.evaluations import evaluation_result, get_evaluation_for_user, with_rows
from projects.services.evaluations import (
    event_record,
)
from projects.services.workflow import (
    EvaluationReview,
    evaluation_approve,
    evaluation_return,
    evaluation_submit,
)

RETURN_COMMENT = "请补充佐证材料"
APPROVE_COMMENT = "同意。\n材料齐全"


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


def returned_and_approved(evaluation: Evaluation, filler, reviewer) -> Evaluation:
    """The usual path through review: submitted, returned, saved twice, submitted, approved."""

    def load(user):
        return get_evaluation_for_user(user, evaluation.pk)

    version = evaluation_submit(evaluation=load(filler), version=1, user=filler).version
    review = EvaluationReview(comment=RETURN_COMMENT)
    version = evaluation_return(
        evaluation=load(reviewer), review=review, version=version, user=reviewer
    ).version
    change = {"where": "表头", "field": "联系电话", "before": "1", "after": "2"}
    for changes in ([change, change], [change]):
        event_record(evaluation=evaluation, user=filler, kind="saved", changes=changes)
    version = evaluation_submit(evaluation=load(filler), version=version, user=filler).version
    review = EvaluationReview(comment=APPROVE_COMMENT)
    evaluation_approve(evaluation=load(reviewer), review=review, version=version, user=reviewer)
    assert EvaluationEvent.objects.filter(evaluation=evaluation).count() == 6
    return evaluation


def dec(value) -> Decimal | None:
    """A number read back from a spreadsheet (float) as the Decimal it was written from."""
    if value is None:
        return None
    return Decimal(str(value))


def money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def printed_money(json_text: str | None) -> str:
    """An amount of the interchange JSON as documents print it (projects.numbers)."""
    return format_money(None if json_text is None else Decimal(json_text))
