"""The stored score summary of each form (``EvaluationSummary``), kept equal to its result.

The dashboard aggregates 50,000 forms in SQL; the scoring service works on one form
in Python. So every write path that changes what a form scores calls
``evaluation_summary_refresh`` after it has saved the rows, and the summary is
rebuilt from the rows as they are in the database, through the same
``selectors.evaluation_result`` that pages and exports read. ``summaries_refresh_all``
(the ``refresh_summaries`` command) rebuilds every summary, e.g. after the scoring
rules changed.

``result_details`` keeps, next to the summary, what the Excel summary shows of each
三级 row's result and every finding, so that a year's export reads stored values
instead of scoring 50,000 forms (``projects.exports.summary_forms``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from indicators.checks import Code
from indicators.scoring import BudgetLineKind, FormResult, ScoringRules
from projects.interchange import level1_totals_list
from projects.models import Evaluation, EvaluationSummary
from projects.selectors.evaluations import evaluation_result, rules_digest, scoring_rules, with_rows

CHUNK_SIZE = 500

_FIELDS = (
    "annual_budget",
    "executed",
    "execution_rate",
    "budget_weight",
    "budget_score",
    "total_weight",
    "total_score",
    "grade",
    "level1_totals",
    "error_count",
    "warning_count",
    "hint_count",
    "hint_codes",
    "recorded_total_mismatch",
    "result_details",
    "rules_digest",
    "refreshed_at",
)


def _exact(value: Decimal | None) -> str | None:
    """A Decimal as text that ``Decimal(text)`` gives back exactly (0 stays "0")."""
    return None if value is None else str(value)


# Positions in each list of ``result_details`` (lists, not objects: 500,000 rows are
# decoded for a year's export, and keys would double the text to decode).
ROW_PK, ROW_SUGGESTED, ROW_COUNTED, ROW_SOURCE, ROW_QUANTITATIVE, ROW_RATIO = range(6)
FINDING_CODE, FINDING_SEVERITY, FINDING_MESSAGE, FINDING_KEY = range(4)


def levels_digest(names: Iterable[tuple[str, str]]) -> str:
    """A fingerprint of the (一级, 二级) names of a form's rows, in order.

    Findings name their row by 一级/二级, and a 二级 renamed in the taxonomy changes no
    form and no rules digest: a reader compares this with the names it reads.
    """
    text = "\x1e".join(f"{level1}\x1f{level2}" for level1, level2 in names)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def result_details(evaluation: Evaluation, result: FormResult) -> dict[str, Any]:
    """The part of a form's result that the Excel summary needs and the columns lack.

    ``indicators``: one list per 三级 row in form order, ``[pk, rule score, counted
    score, score source, quantitative, completion ratio]``; ``level1_scores``:
    ``[一级 as first written, counted score]`` in form order; ``findings``: ``[code,
    severity, message, key]`` in the result's order; ``levels``: ``levels_digest`` of
    the rows' 一级/二级. Numbers are exact Decimal strings. The rows' primary keys and
    ``levels`` let a reader check that the rows are still the ones scored.
    """
    rows = evaluation.indicators.all()  # the rows scoring read, in the same order
    return {
        "indicators": [
            [
                row.pk,
                _exact(indicator.suggested_score),
                _exact(indicator.counted_score),
                str(indicator.score_source),
                indicator.quantitative,
                _exact(indicator.completion_ratio),
            ]
            for row, indicator in zip(rows, result.indicators, strict=True)
        ],
        "level1_scores": [[total.level1, _exact(total.score)] for total in result.level1_totals],
        "levels": levels_digest((row.level2.level1.name, row.level2.name) for row in rows),
        "findings": [
            [finding.code, str(finding.severity), finding.message, finding.key]
            for finding in result.findings
        ],
    }


def hint_codes_text(result: FormResult) -> str:
    """The codes of ``result``'s hints for ``EvaluationSummary.hint_codes``: each once, in
    ``Code`` order, between spaces; "" without hints."""
    present = {finding.code for finding in result.hints}
    codes = [code.value for code in Code if code.value in present]
    return f" {' '.join(codes)} " if codes else ""


def summary_from_result(
    evaluation: Evaluation, result: FormResult, *, digest: str
) -> EvaluationSummary:
    """The summary of a form (its budget lines prefetched or cached) and its result."""
    total = next(
        (line for line in evaluation.budget_lines.all() if line.kind == BudgetLineKind.TOTAL),
        None,
    )
    return EvaluationSummary(
        evaluation=evaluation,
        annual_budget=total.annual_budget if total else None,
        executed=total.executed if total else None,
        execution_rate=result.execution_rate,
        budget_weight=result.budget_weight,
        budget_score=result.budget_score,
        total_weight=result.total_weight,
        total_score=result.total_score,
        grade=result.grade,
        level1_totals=level1_totals_list(result),
        error_count=len(result.errors),
        warning_count=len(result.warnings),
        hint_count=len(result.hints),
        hint_codes=hint_codes_text(result),
        recorded_total_mismatch=any(
            f.code == Code.RECORDED_TOTAL_MISMATCH for f in result.findings
        ),
        result_details=result_details(evaluation, result),
        rules_digest=digest,
        refreshed_at=timezone.now(),
    )


@transaction.atomic
def evaluation_summary_refresh(
    evaluation: Evaluation | int, *, rules: ScoringRules | None = None
) -> EvaluationSummary:
    """Recompute and store the summary of one form from its rows as saved.

    Call it at the end of every service that changes a form's rows, amounts,
    weights or scores. It reloads the rows (a caller's prefetched rows may be
    stale after a bulk update), so its cost does not depend on the caller.
    """
    pk = evaluation if isinstance(evaluation, int) else evaluation.pk
    rules = rules or scoring_rules()
    fresh = with_rows(Evaluation.objects.filter(pk=pk)).get()
    summary = summary_from_result(
        fresh, evaluation_result(fresh, rules), digest=rules_digest(rules)
    )
    values = {name: getattr(summary, name) for name in _FIELDS}
    summary, _ = EvaluationSummary.objects.update_or_create(evaluation_id=pk, defaults=values)
    return summary


T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def summaries_refresh_all(
    queryset: QuerySet[Evaluation] | None = None,
    *,
    rules: ScoringRules | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Rebuild the summaries of ``queryset`` (default: every form); returns how many.

    Works in chunks, each in its own transaction, with one upsert per chunk.
    """
    rules = rules or scoring_rules()
    digest = rules_digest(rules)
    queryset = Evaluation.objects.all() if queryset is None else queryset
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    for chunk in chunks(pks, chunk_size):
        with transaction.atomic():
            forms = with_rows(Evaluation.objects.filter(pk__in=chunk).order_by("pk"))
            summaries = [
                summary_from_result(form, evaluation_result(form, rules), digest=digest)
                for form in forms
            ]
            EvaluationSummary.objects.bulk_create(
                summaries,
                update_conflicts=True,
                unique_fields=["evaluation"],
                update_fields=list(_FIELDS),
            )
    return len(pks)


def summary_matches_result(
    summary: EvaluationSummary, result: FormResult, *, evaluation: Evaluation
) -> bool:
    """Whether a stored summary still says what the live result of ``evaluation`` (its
    rows prefetched) says, its ``result_details`` included (tests, checks)."""
    return (
        summary.execution_rate == result.execution_rate
        and summary.budget_score == result.budget_score
        and summary.total_weight == result.total_weight
        and summary.total_score == result.total_score
        and summary.grade == result.grade
        and summary.error_count == len(result.errors)
        and summary.warning_count == len(result.warnings)
        and summary.hint_count == len(result.hints)
        and summary.hint_codes == hint_codes_text(result)
        and summary.result_details == result_details(evaluation, result)
    )
