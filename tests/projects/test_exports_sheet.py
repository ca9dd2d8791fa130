"""The sheet: the official table, built once from a form and its one scoring result."""

from decimal import Decimal

import pytest

from indicators.scoring import BudgetLineKind
from tests.factories import add_indicator, level2, make_evaluation, make_project
from tests.projects.exports_helpers import demo_forms, sheet_of

pytestmark = pytest.mark.django_db


def test_every_number_equals_the_json_export_for_the_14_demo_forms():
    for _, _, sheet, data in demo_forms():
        total = data["budget_lines"][0]
        assert total["kind"] == "total"
        line = sheet.budget_total
        assert line.initial_budget.text == (total["initial_budget"] or "")
        assert line.annual_budget.text == (total["annual_budget"] or "")
        assert line.executed.text == (total["executed"] or "")
        assert line.execution_rate.text == f"{data['budget']['execution_rate']}%"
        assert line.weight.text == data["budget"]["weight"]
        assert line.score.text == data["budget"]["score"]
        assert sheet.total_weight.text == data["total_weight"]
        assert sheet.total_score.text == data["total_score"]
        assert sheet.grade == data["grade"]
        assert [(s.name, s.weight.text, s.score.text) for s in sheet.level1_scores] == [
            (t["level1"], t["weight"], t["score"]) for t in data["level1_totals"]
        ]
        rows = sheet.indicator_rows
        assert len(rows) == len(data["indicators"])
        for row, item in zip(rows, data["indicators"], strict=True):
            assert (row.level1, row.level2, row.name) == (
                item["level1"],
                item["level2"],
                item["name"],
            )
            assert (row.target, row.actual) == (item["target"], item["actual"])
            assert row.weight.text == (item["weight"] or "")
            assert row.score.text == (item["score"] or "")
            assert row.counted_score.text == item["counted_score"]
            assert row.suggested_score.text == (item["suggested_score"] or "")
            assert row.quantitative == item["quantitative"]
        assert [(f.severity.value, f.code, f.message) for f in sheet.findings] == [
            (f["severity"], f["code"], f["message"]) for f in data["findings"]
        ]
        assert sheet.error_count + sheet.warning_count == len(data["findings"])


def test_rowspans_merge_consecutive_rows_like_the_paper_form():
    legal = next(sheet for _, _, sheet, _ in demo_forms() if sheet.project_name == "法律顾问")
    assert [(block.name, block.rowspan) for block in legal.level1_blocks] == [
        ("产出指标", 8),
        ("效益指标", 1),
        ("满意度指标", 1),
    ]
    output = legal.level1_blocks[0]
    assert [(b.name, len(b.rows)) for b in output.level2_blocks] == [
        ("数量指标", 2),
        ("质量指标", 3),
        ("时效指标", 2),
        ("成本指标", 1),
    ]
    assert [row.level1_rowspan for row in output.rows] == [8, 0, 0, 0, 0, 0, 0, 0]
    assert [row.level2_rowspan for row in output.rows] == [2, 0, 3, 0, 0, 2, 0, 1]


def test_a_level1_that_comes_back_later_starts_a_new_block(dept_a):
    evaluation = make_evaluation(make_project(dept_a, "分散的指标"))
    for level1, name in (
        ("产出指标", "数量指标"),
        ("效益指标", "社会效益指标"),
        ("产出指标", "质量指标"),
    ):
        add_indicator(evaluation, level2_obj=level2(level1, name), name=name, weight=Decimal("30"))
    sheet = sheet_of(evaluation)
    assert [(b.name, b.rowspan) for b in sheet.level1_blocks] == [
        ("产出指标", 1),
        ("效益指标", 1),
        ("产出指标", 1),
    ]


def test_reviewed_scores_are_shown_and_counted(dept_a):
    evaluation = make_evaluation(make_project(dept_a, "审核过的项目"), indicators=2)
    row = evaluation.indicators.first()
    row.review_score, row.review_comment = Decimal("30.00"), "证明材料不全"
    row.save()
    sheet = sheet_of(evaluation)
    assert sheet.has_review
    first, second = sheet.indicator_rows
    assert (first.score.text, first.review_score.text, first.counted_score.text) == (
        "45.00",
        "30.00",
        "30.00",
    )
    assert first.review_comment == "证明材料不全"
    assert not second.reviewed
    assert sheet.total_score.text == "85.00"  # 10 + 30 + 45


def test_only_the_total_line_carries_weight_rate_and_score(evaluation_a):
    sheet = sheet_of(evaluation_a)
    assert [line.kind for line in sheet.budget_rows] == list(BudgetLineKind)
    assert sheet.budget_rows[1].label == "其中：当年财政拨款"
    for line in sheet.budget_rows[1:]:
        assert line.weight is line.score is line.execution_rate is None
    assert sheet.budget_total.execution_rate.text == "100.00%"
    assert sheet.status_label == "草稿"
    assert sheet.year_label == "（2023年度）"
