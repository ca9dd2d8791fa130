"""The reviewer's input (审核意见 per form and per row, 审核得分) turned into domain values.

Field names: ``review_comment`` for the whole form, ``review-<row pk>-score`` and
``review-<row pk>-comment`` per 三级 row. A row whose fields are not in the POST is
left as stored, so a button posted without the table changes no row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.http import QueryDict

from projects.models import COMMENT_MAX, REOPEN_REASON_MAX, Evaluation
from projects.numbers import NumberError, parse_score, plain
from projects.services.workflow import (
    EvaluationReview,
    IndicatorReview,
)
from projects.text import CleanCharField, clean_text, too_long

# The problem is one of projects.numbers' messages, the filler's fields' own.
ERROR_REVIEW_SCORE = "第{row}行「{name}」：审核得分「{value}」：{problem}"


@dataclass
class ReviewInput:
    """The review as posted (kept on the page when it is refused) and what it means."""

    comment: str
    values: dict[int, tuple[str, str]]  # row pk → (审核得分 as typed, 审核意见)
    review: EvaluationReview | None
    errors: list[str] = field(default_factory=list)


def review_input(data: QueryDict, evaluation: Evaluation) -> ReviewInput:
    comment = clean_text(data.get("review_comment", ""))
    values: dict[int, tuple[str, str]] = {}
    rows: list[IndicatorReview] = []
    errors: list[str] = []
    if message := too_long("整表审核意见", COMMENT_MAX, comment):
        errors.append(message)
    for position, row in enumerate(evaluation.indicators.all(), start=1):
        score_key, comment_key = f"review-{row.pk}-score", f"review-{row.pk}-comment"
        if score_key not in data and comment_key not in data:
            continue
        typed = clean_text(data.get(score_key, "")).strip()
        row_comment = clean_text(data.get(comment_key, ""))
        values[row.pk] = (typed, row_comment)
        if message := too_long("审核意见", COMMENT_MAX, row_comment):
            errors.append(f"第{position}行「{row.name}」：{message}")
        try:
            score = parse_score(typed)
        except NumberError as exc:
            errors.append(
                ERROR_REVIEW_SCORE.format(
                    row=position, name=row.name, value=typed, problem=exc.message
                )
            )
            continue
        rows.append(IndicatorReview(pk=row.pk, review_score=score, review_comment=row_comment))
    review = None if errors else EvaluationReview(comment=comment, indicators=tuple(rows))
    return ReviewInput(comment=comment, values=values, review=review, errors=errors)


def stored_review_input(evaluation: Evaluation) -> ReviewInput:
    """The review as stored, to fill the reviewer's boxes on first display."""
    values = {
        row.pk: (
            plain(row.review_score),
            row.review_comment,
        )
        for row in evaluation.indicators.all()
    }
    return ReviewInput(comment=evaluation.review_comment, values=values, review=None)


class ReopenForm(forms.Form):
    """The admin's reason for reopening an approved form."""

    reason = CleanCharField(label="重新打开的理由", max_length=REOPEN_REASON_MAX, required=False)
