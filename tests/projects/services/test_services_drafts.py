"""Creating forms and saving drafts (services.evaluation_create*, evaluation_save_draft)."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from indicators.scoring import BudgetLineKind
from projects.models import BudgetLine, Evaluation, Indicator, Project
from projects.selectors.evaluations import get_evaluation_for_user
from projects.services.evaluations import (
    BudgetLineDraft,
    EvaluationDraft,
    EvaluationExistsError,
    IndicatorDraft,
    StaleEvaluationError,
    evaluation_create,
    evaluation_create_from_previous,
    evaluation_save_draft,
    project_create,
)
from tests.factories import add_indicator, level2, make_evaluation, make_project

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]


def test_create_makes_an_empty_draft_with_four_budget_lines(dept_a, filler_a):
    project = make_project(dept_a, "帮扶专项资金")
    evaluation = evaluation_create(project=project, year=2024, user=filler_a)
    assert evaluation.status == Evaluation.Status.DRAFT
    assert evaluation.created_by == filler_a
    assert sorted(evaluation.budget_lines.values_list("kind", flat=True)) == sorted(
        k.value for k in BudgetLineKind
    )
    with pytest.raises(ValidationError, match="2024年度的自评表已存在"):
        evaluation_create(project=project, year=2024, user=filler_a)


def _lose_the_race(monkeypatch, model, competitor):
    """The other click inserts its row between this one's checks and its INSERT."""
    original = model.full_clean

    def full_clean(self, *args, **kwargs):
        monkeypatch.setattr(model, "full_clean", original)
        original(self, *args, **kwargs)
        competitor()

    monkeypatch.setattr(model, "full_clean", full_clean)


def test_create_twice_names_the_existing_form(dept_a, filler_a):
    project = make_project(dept_a, "帮扶专项资金")
    first = evaluation_create(project=project, year=2024, user=filler_a)
    with pytest.raises(EvaluationExistsError) as raised:
        evaluation_create(project=project, year=2024, user=filler_a)
    assert raised.value.evaluation == first


def test_create_that_loses_a_race_names_the_winner_instead_of_an_integrity_error(
    monkeypatch, dept_a, filler_a
):
    project = make_project(dept_a, "帮扶专项资金")
    winner = []
    _lose_the_race(monkeypatch, Evaluation, lambda: winner.append(make_evaluation(project, 2024)))
    with pytest.raises(EvaluationExistsError) as raised:
        evaluation_create(project=project, year=2024, user=filler_a)
    # (The winner's row is rolled back with this test's transaction; in life it committed.)
    assert raised.value.evaluation == winner[0]


def test_create_from_previous_that_loses_a_race(monkeypatch, evaluation_a, filler_a):
    winner = []
    _lose_the_race(
        monkeypatch,
        Evaluation,
        lambda: winner.append(make_evaluation(evaluation_a.project, 2024)),
    )
    with pytest.raises(EvaluationExistsError) as raised:
        evaluation_create_from_previous(previous=evaluation_a, user=filler_a)
    assert raised.value.evaluation == winner[0]


def test_project_create_that_loses_a_race_returns_the_winner(monkeypatch, dept_a):
    winner = []
    _lose_the_race(
        monkeypatch, Project, lambda: winner.append(make_project(dept_a, "帮扶专项资金"))
    )
    assert project_create(name="帮扶专项资金", department=dept_a) == winner[0]
    assert Project.objects.filter(name="帮扶专项资金").count() == 1


def test_create_from_previous_copies_targets_and_leaves_results_empty(evaluation_a, filler_a):
    evaluation_a.goal_expected = "完成价格认证"
    evaluation_a.goal_actual = "已完成"
    evaluation_a.project_lead = "张三"
    evaluation_a.save()
    row = evaluation_a.indicators.first()
    row.deviation_reason = "无"
    row.override_reason = "理由"
    row.tier = ""
    row.save()
    new = evaluation_create_from_previous(previous=evaluation_a, user=filler_a)
    assert (new.year, new.project_id, new.status) == (2024, evaluation_a.project_id, "draft")
    assert (new.goal_expected, new.goal_actual, new.project_lead) == ("完成价格认证", "", "张三")
    old_rows = list(evaluation_a.indicators.order_by("position"))
    new_rows = list(new.indicators.order_by("position"))
    assert [(r.level2_id, r.name, r.target, r.weight) for r in new_rows] == [
        (r.level2_id, r.name, r.target, r.weight) for r in old_rows
    ]
    for copied in new_rows:
        assert (copied.actual, copied.score, copied.deviation_reason, copied.override_reason) == (
            "",
            None,
            "",
            "",
        )
        assert copied.target_comparator == "≥" and copied.target_number == Decimal("10")
    total = new.budget_lines.get(kind="total")
    assert (total.annual_budget, total.executed) == (None, None)


def _draft(evaluation: Evaluation, **changes) -> EvaluationDraft:
    rows = tuple(
        IndicatorDraft(
            level2=row.level2,
            pk=row.pk,
            name=row.name,
            target=row.target,
            actual=row.actual,
            weight=row.weight,
            score=row.score,
        )
        for row in evaluation.indicators.all()
    )
    lines = tuple(
        BudgetLineDraft(
            kind=BudgetLineKind(line.kind),
            initial_budget=line.initial_budget,
            annual_budget=line.annual_budget,
            executed=line.executed,
        )
        for line in evaluation.budget_lines.all()
    )
    draft = EvaluationDraft(
        project_lead=evaluation.project_lead,
        goal_expected=evaluation.goal_expected,
        budget_lines=lines,
        indicators=rows,
    )
    return replace(draft, **changes)


def test_save_draft_updates_adds_deletes_and_bumps_the_version(evaluation_a, filler_a):
    evaluation = get_evaluation_for_user(filler_a, evaluation_a.pk)
    first, second, third = evaluation.indicators.all()
    new_row = IndicatorDraft(
        level2=level2("效益指标", "社会效益指标"), name="群众满意", weight=None
    )
    draft = _draft(evaluation, project_lead="李四")
    draft = replace(
        draft,
        indicators=(
            replace(draft.indicators[2], actual="8件"),
            draft.indicators[0],
            new_row,
        ),
        budget_lines=(BudgetLineDraft(kind=BudgetLineKind.TOTAL, annual_budget=Decimal("200")),),
    )
    saved = evaluation_save_draft(evaluation=evaluation, draft=draft, version=1, user=filler_a)
    assert saved.version == 2
    stored = Evaluation.objects.get(pk=evaluation_a.pk)
    assert (stored.version, stored.project_lead) == (2, "李四")
    rows = list(stored.indicators.order_by("position"))
    assert [(r.pk, r.position) for r in rows[:2]] == [(third.pk, 1), (first.pk, 2)]
    assert rows[0].actual == "8件" and rows[0].actual_number == Decimal("8")
    assert rows[2].name == "群众满意" and rows[2].position == 3
    assert not Indicator.objects.filter(pk=second.pk).exists()
    assert BudgetLine.objects.get(evaluation=stored, kind="total").annual_budget == Decimal("200")


def test_save_draft_refuses_a_stale_version_and_changes_nothing(evaluation_a, filler_a):
    evaluation = get_evaluation_for_user(filler_a, evaluation_a.pk)
    Evaluation.objects.filter(pk=evaluation_a.pk).update(version=2)  # someone saved meanwhile
    draft = _draft(evaluation, project_lead="改过")
    with pytest.raises(StaleEvaluationError, match="已被他人"):
        evaluation_save_draft(evaluation=evaluation, draft=draft, version=1, user=filler_a)
    stored = Evaluation.objects.get(pk=evaluation_a.pk)
    assert (stored.version, stored.project_lead) == (2, "")


def test_save_draft_refuses_rows_of_another_form(evaluation_a, evaluation_b, filler_a):
    evaluation = get_evaluation_for_user(filler_a, evaluation_a.pk)
    foreign = evaluation_b.indicators.first()
    draft = _draft(evaluation)
    draft = replace(
        draft, indicators=(*draft.indicators, IndicatorDraft(level2=foreign.level2, pk=foreign.pk))
    )
    with pytest.raises(ValidationError, match="不属于此自评表"):
        evaluation_save_draft(evaluation=evaluation, draft=draft, version=1, user=filler_a)
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 1


def test_save_draft_refuses_a_submitted_form(filler_a, dept_a):
    submitted = make_evaluation(make_project(dept_a), status=Evaluation.Status.SUBMITTED)
    evaluation = get_evaluation_for_user(filler_a, submitted.pk)
    with pytest.raises(PermissionDenied):
        evaluation_save_draft(
            evaluation=evaluation, draft=_draft(evaluation), version=1, user=filler_a
        )


def test_save_draft_keeps_the_reviewers_notes(evaluation_a, filler_a):
    add_indicator(
        evaluation_a,
        name="审核过",
        weight=Decimal("1"),
        review_score=Decimal("1"),
        review_comment="同意",
    )
    evaluation = get_evaluation_for_user(filler_a, evaluation_a.pk)
    evaluation_save_draft(evaluation=evaluation, draft=_draft(evaluation), version=1, user=filler_a)
    row = Indicator.objects.get(evaluation=evaluation_a, name="审核过")
    assert (row.review_score, row.review_comment) == (Decimal("1.00"), "同意")
