"""The sheet: the official table, built once from a form and its one scoring result."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators.scoring import BudgetLineKind
from projects.exports.sheet import HistoryEntry, build_sheet, sheets_for
from projects.models import Evaluation, EvaluationEvent
from projects.selectors.evaluations import evaluation_result, with_rows
from projects.services.evaluations import (
    event_record,
)
from tests.factories import add_indicator, level2, make_evaluation, make_project
from tests.projects.exports_helpers import (
    APPROVE_COMMENT,
    RETURN_COMMENT,
    demo_forms,
    printed_money,
    returned_and_approved,
    sheet_of,
)

pytestmark = pytest.mark.django_db


def test_every_number_equals_the_json_export_for_the_14_demo_forms():
    for _, _, sheet, data in demo_forms():
        total = data["budget_lines"][0]
        assert total["kind"] == "total"
        line = sheet.budget_total
        # The same amounts, printed by projects.numbers as the page prints them.
        assert line.initial_budget.text == printed_money(total["initial_budget"])
        assert line.annual_budget.text == printed_money(total["annual_budget"])
        assert line.executed.text == printed_money(total["executed"])
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
        severities = [f["severity"] for f in data["findings"]]
        assert sheet.error_count == severities.count("error")
        assert sheet.warning_count == severities.count("warning")
        assert sheet.hint_count == severities.count("hint")


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


def test_the_history_lists_the_steps_oldest_first_and_counts_the_saves(
    evaluation_a, filler_a, reviewer_a
):
    reviewer_a.first_name = "王审核"
    reviewer_a.save()
    returned_and_approved(evaluation_a, filler_a, reviewer_a)
    sheet = sheet_of(evaluation_a)
    assert sheet.review_comment == APPROVE_COMMENT
    assert [(e.action, e.actor, e.comment) for e in sheet.history] == [
        ("提交", "filler_a", ""),
        ("退回", "王审核", RETURN_COMMENT),
        ("保存", "filler_a", "共 2 次，修改 3 处"),  # two saves in a row: one line
        ("提交", "filler_a", ""),
        ("审核通过", "王审核", APPROVE_COMMENT),
    ]
    assert sheet.status_changed_on == timezone.localdate()


def test_history_lines_show_local_time_the_system_and_review_comments(evaluation_a, reviewer_a):
    at = datetime(2024, 3, 5, 6, 30, tzinfo=UTC)  # 14:30 in Beijing
    whole_form = {"where": "整表", "field": "审核意见（整表）", "before": "", "after": "再核对"}
    row = {"where": "三级指标第1行「完成件数1」", "field": "审核得分", "before": "", "after": "1"}
    for kind, user, changes in (
        ("imported", None, []),
        ("submitted", None, []),
        ("reviewed", reviewer_a, [whole_form, row]),
        ("saved", reviewer_a, [row]),
        ("saved", None, [row]),
    ):
        EvaluationEvent.objects.create(
            evaluation=evaluation_a, user=user, kind=kind, at=at, changes=changes
        )
    assert sheet_of(evaluation_a).history == (
        HistoryEntry("2024-03-05 14:30", "导入", "系统", ""),
        HistoryEntry("2024-03-05 14:30", "提交", "系统", ""),
        HistoryEntry("2024-03-05 14:30", "审核意见", "reviewer_a", "再核对；修改 1 处"),
        HistoryEntry("2024-03-05 14:30", "保存", "reviewer_a", "修改 1 处"),
        HistoryEntry("2024-03-05 14:30", "保存", "系统", "修改 1 处"),  # another person
    )


def test_forms_never_handed_in_have_no_history_and_no_comment(evaluation_a, filler_a):
    event_record(evaluation=evaluation_a, user=filler_a, kind="created")
    event_record(evaluation=evaluation_a, user=filler_a, kind="saved", changes=[{}])
    sheet = sheet_of(evaluation_a)
    assert (sheet.history, sheet.review_comment, sheet.status_changed_on) == ((), "", None)


def test_imported_demo_forms_have_no_history_and_no_comment():
    for _, _, sheet, _ in demo_forms():  # one 导入 event each
        assert (sheet.history, sheet.review_comment, sheet.status_changed_on) == ((), "", None)


def test_one_form_reads_its_history_in_one_query(evaluation_a, filler_a, reviewer_a):
    returned_and_approved(evaluation_a, filler_a, reviewer_a)
    evaluation = with_rows(
        Evaluation.objects.select_related("project__department", "project__implementing_unit")
    ).get(pk=evaluation_a.pk)
    result = evaluation_result(evaluation)
    with CaptureQueriesContext(connection) as queries:
        sheet = build_sheet(evaluation, result)
    assert len(queries) == 1  # the events with their users
    assert len(sheet.history) == 5


def _sheets_queries(**kwargs) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        sheets = list(sheets_for(Evaluation.objects.order_by("pk"), **kwargs))
    return len(queries), sheets


@pytest.mark.parametrize("history", [False, True])
def test_many_forms_cost_the_queries_of_one(dept_a, filler_a, reviewer_a, history):
    """The summary annotates the date; Word/PDF prefetch the events: no query per form."""
    first = make_evaluation(make_project(dept_a, "第一个项目"), indicators=3)
    returned_and_approved(first, filler_a, reviewer_a)
    one, _ = _sheets_queries(history=history)
    for name in ("第二个项目", "第三个项目"):
        returned_and_approved(
            make_evaluation(make_project(dept_a, name), indicators=3), filler_a, reviewer_a
        )
    many, sheets = _sheets_queries(history=history)
    assert many == one
    assert [sheet.status_changed_on for sheet in sheets] == [timezone.localdate()] * 3
    assert [len(sheet.history) for sheet in sheets] == [5 if history else 0] * 3
    assert {sheet.review_comment for sheet in sheets} == {APPROVE_COMMENT}
