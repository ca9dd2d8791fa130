"""The database holds the invariants it can (Meta.constraints)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from projects.models import BudgetLine, Department, Evaluation, Indicator
from tests.factories import add_indicator, make_evaluation, make_project

pytestmark = pytest.mark.django_db


def test_one_form_per_project_and_year(dept_a):
    project = make_project(dept_a)
    make_evaluation(project, 2023)
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(project=project, year=2023)
    Evaluation.objects.create(project=project, year=2024)


def test_one_budget_line_per_kind(evaluation_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(evaluation=evaluation_a, kind="total")


@pytest.mark.parametrize("field", ["initial_budget", "annual_budget", "executed"])
def test_amounts_cannot_be_negative(evaluation_a, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(evaluation=evaluation_a, kind="current").update(
            **{field: Decimal("-1")}
        )


def test_money_keeps_six_decimals(evaluation_a):
    BudgetLine.objects.filter(evaluation=evaluation_a, kind="total").update(
        annual_budget=Decimal("23.380701")
    )
    line = BudgetLine.objects.get(evaluation=evaluation_a, kind="total")
    assert line.annual_budget == Decimal("23.380701")


@pytest.mark.parametrize("field", ["weight", "score", "review_score"])
def test_scores_cannot_be_negative(evaluation_a, field):
    row = evaluation_a.indicators.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(pk=row.pk).update(**{field: Decimal("-0.01")}, review_comment="x")


def test_review_score_needs_a_comment(evaluation_a):
    row = evaluation_a.indicators.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(pk=row.pk).update(review_score=Decimal("5"), review_comment="")


def test_status_and_tier_are_checked(evaluation_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.filter(pk=evaluation_a.pk).update(status="lost")
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(evaluation=evaluation_a).update(tier="great")


def test_department_names_unique_where_they_must_be(dept_a):
    Department.objects.create(name="综合科", parent=dept_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(name="综合科", parent=dept_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(name=dept_a.name)
    # The same name may be a 主管部门 and, elsewhere, an 实施单位 (the seed does this).
    Department.objects.create(name=dept_a.name, parent=dept_a)


def test_parsed_values_are_stored_beside_what_was_typed(evaluation_a):
    row = add_indicator(
        evaluation_a, name="为区政府节约的资金额", target="1亿元以上", actual="2.5亿元"
    )
    row.refresh_from_db()
    assert row.target == "1亿元以上"
    assert row.target_number == Decimal("100000000")
    assert row.actual_number == Decimal("250000000")
    assert row.target_unit == row.actual_unit == "元"


def test_taxonomy_2020_is_seeded(db):
    from indicators.models import Level1

    tree = {l1.name: [l2.name for l2 in l1.level2s.all()] for l1 in Level1.objects.all()}
    assert tree == {
        "产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
        "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
        "满意度指标": ["服务对象满意度指标"],
    }
    assert [l1.default_weight for l1 in Level1.objects.all()] == [
        Decimal("50"),
        Decimal("30"),
        Decimal("10"),
    ]


@pytest.mark.parametrize("target", ["99999999999999999万亿", "0.123456789%"])
def test_absurd_parsed_values_still_save(evaluation_a, target):
    row = add_indicator(evaluation_a, name="异常值", target=target, actual="1")
    row.refresh_from_db()
    assert row.target == target
