"""EvaluationSummary: the stored copy of each form's scoring result that the dashboard sums."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from indicators.scoring import BudgetLineKind
from projects.demo import load_demo
from projects.interchange import score_str
from projects.models import Evaluation, EvaluationSummary
from projects.selectors.evaluations import evaluation_result, scoring_rules, with_rows
from projects.services.evaluations import (
    BudgetLineDraft,
    EvaluationDraft,
    IndicatorDraft,
    evaluation_create,
    evaluation_save_draft,
)
from projects.summaries import (
    evaluation_summary_refresh,
    levels_digest,
    result_details,
    rules_digest,
)
from tests.factories import make_evaluation, make_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]


def assert_summary_is_result(evaluation: Evaluation) -> None:
    summary = EvaluationSummary.objects.get(evaluation=evaluation)
    fresh = with_rows(Evaluation.objects.filter(pk=evaluation.pk)).get()
    result = evaluation_result(fresh)
    total = evaluation.budget_lines.get(kind="total")
    assert summary.annual_budget == total.annual_budget
    assert summary.executed == total.executed
    assert summary.execution_rate == result.execution_rate
    assert summary.budget_weight == result.budget_weight
    assert summary.budget_score == result.budget_score
    assert summary.total_weight == result.total_weight
    assert summary.total_score == result.total_score
    assert summary.grade == result.grade
    assert summary.level1_totals == [
        {"level1": t.level1, "weight": score_str(t.weight), "score": score_str(t.score)}
        for t in result.level1_totals
    ]
    assert summary.error_count == len(result.errors)
    assert summary.warning_count == len(result.warnings)
    assert summary.hint_count == len(result.hints)
    hint_codes = summary.hint_codes.split()
    assert sorted(hint_codes) == sorted({f.code for f in result.hints})
    assert summary.hint_codes == (f" {' '.join(hint_codes)} " if hint_codes else "")
    assert summary.recorded_total_mismatch == any(
        f.code == "recorded_total_mismatch" for f in result.findings
    )
    assert summary.rules_digest == rules_digest(scoring_rules())
    # What the Excel summary reads instead of scoring: each row's result and the findings.
    rows = list(fresh.indicators.all())
    assert summary.result_details == {
        "indicators": [
            [
                row.pk,
                None if r.suggested_score is None else str(r.suggested_score),
                str(r.counted_score),
                str(r.score_source),
                r.quantitative,
                None if r.completion_ratio is None else str(r.completion_ratio),
            ]
            for row, r in zip(rows, result.indicators, strict=True)
        ],
        "level1_scores": [[t.level1, str(t.score)] for t in result.level1_totals],
        "levels": levels_digest((row.level2.level1.name, row.level2.name) for row in rows),
        "findings": [[f.code, str(f.severity), f.message, f.key] for f in result.findings],
    }
    assert summary.result_details == result_details(fresh, result)


def test_every_demo_form_has_a_summary_equal_to_its_result():
    load_demo()
    evaluations = list(Evaluation.objects.all())
    assert len(evaluations) == 14
    for evaluation in evaluations:
        assert_summary_is_result(evaluation)
    # The seed's wrong totals are there to be found.
    assert EvaluationSummary.objects.filter(recorded_total_mismatch=True).exists()


def test_a_new_draft_gets_a_summary(dept_a, filler_a):
    evaluation = evaluation_create(project=make_project(dept_a), year=2024, user=filler_a)
    summary = evaluation.summary
    assert summary.annual_budget is None
    assert summary.execution_rate is None
    assert summary.total_score == Decimal("0")
    assert summary.error_count > 0  # budget_missing, weights_not_100
    assert_summary_is_result(evaluation)


def test_saving_a_draft_refreshes_the_summary(evaluation_a, filler_a):
    evaluation_summary_refresh(evaluation_a)
    evaluation = with_rows(Evaluation.objects.filter(pk=evaluation_a.pk)).get()
    rows = list(evaluation.indicators.all())
    draft = EvaluationDraft(
        budget_lines=(
            BudgetLineDraft(
                kind=BudgetLineKind.TOTAL, annual_budget=Decimal("200"), executed=Decimal("150")
            ),
        ),
        indicators=tuple(
            IndicatorDraft(
                level2=row.level2,
                pk=row.pk,
                name=row.name,
                target=row.target,
                actual=row.actual,
                weight=row.weight,
                score=row.score,
            )
            for row in rows
        ),
    )
    evaluation_save_draft(
        evaluation=evaluation, draft=draft, version=evaluation.version, user=filler_a
    )
    summary = EvaluationSummary.objects.get(evaluation=evaluation_a)
    assert summary.annual_budget == Decimal("200")
    assert summary.execution_rate == Decimal("75.00")
    assert summary.budget_score == Decimal("7.50")
    assert_summary_is_result(evaluation_a)


def test_refresh_summaries_rebuilds_missing_and_stale_rows(dept_a):
    project = make_project(dept_a)
    forms = [make_evaluation(project, year, indicators=2) for year in (2021, 2022, 2023)]
    evaluation_summary_refresh(forms[0])
    EvaluationSummary.objects.filter(evaluation=forms[0]).update(total_score=Decimal("1"))
    with pytest.raises(CommandError, match="3 张"):
        call_command("refresh_summaries", "--check")

    call_command("refresh_summaries", "--year", "2023")
    assert EvaluationSummary.objects.count() == 2  # 2021 (stale) and 2023
    call_command("refresh_summaries")
    for form in forms:
        assert_summary_is_result(form)
    call_command("refresh_summaries", "--check")


def test_refresh_summaries_check_covers_the_stored_row_results(evaluation_a):
    evaluation_summary_refresh(evaluation_a)
    call_command("refresh_summaries", "--check")
    summary = EvaluationSummary.objects.get(evaluation=evaluation_a)
    summary.result_details["indicators"][0][2] = "1.23"  # a counted score
    summary.save()
    with pytest.raises(CommandError, match="1 张"):
        call_command("refresh_summaries", "--check")
    EvaluationSummary.objects.update(result_details=None)  # stored before the field existed
    with pytest.raises(CommandError, match="1 张"):
        call_command("refresh_summaries", "--check")
    call_command("refresh_summaries")
    assert_summary_is_result(evaluation_a)


def test_a_summary_computed_with_other_rules_is_stale(evaluation_a):
    evaluation_summary_refresh(evaluation_a)
    EvaluationSummary.objects.update(rules_digest="old")
    with pytest.raises(CommandError, match="1 张"):
        call_command("refresh_summaries", "--check")
