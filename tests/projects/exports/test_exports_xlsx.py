"""The Excel summary, read back with openpyxl: every number equals the JSON export."""

import io
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators.checks import code_label
from projects.exports.excel import MONEY_FORMAT, RATE_FORMAT, SCORE_FORMAT, SummaryExporter
from projects.exports.xlsx_stream import DATE_FORMAT
from projects.models import Evaluation
from tests.factories import add_indicator, make_department, make_evaluation, make_project
from tests.projects.exports_helpers import (
    APPROVE_COMMENT,
    dec,
    demo_forms,
    money,
    returned_and_approved,
)

pytestmark = pytest.mark.django_db


def read_summary(evaluations, **kwargs):
    rendered = SummaryExporter().render(evaluations, title="2023年度", **kwargs)
    assert rendered.filename == "2023年度_汇总表.xlsx"
    assert rendered.content_type.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(rendered.read_all()))


def records(worksheet):
    rows = list(worksheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    return header, [dict(zip(header, row, strict=False)) for row in rows[1:]]


def test_every_number_equals_the_json_export_for_the_14_demo_forms():
    forms = {data["project_name"]: data for _, _, _, data in demo_forms()}
    workbook = read_summary(Evaluation.objects.all())
    assert workbook.sheetnames == ["汇总", "指标明细", "检查结果"]

    header, rows = records(workbook["汇总"])
    assert header[:10] == [
        "序号",
        "年度",
        "主管部门",
        "实施单位",
        "项目名称",
        "年初预算数（万元）",
        "全年预算数（万元）",
        "全年执行数（万元）",
        "执行率",
        "预算执行得分",
    ]
    assert header[10:13] == ["产出指标得分", "效益指标得分", "满意度指标得分"]
    assert header[13:] == [
        "总分",
        "等级",
        "状态",
        "错误数",
        "警告数",
        "提示数",
        "状态变更日期",
        "整表审核意见",
    ]
    form_rows, (sums, averages) = rows[:-2], rows[-2:]
    assert len(form_rows) == 14
    numbers = {}
    for row in form_rows:
        data = forms[row["项目名称"].value]
        numbers[row["序号"].value] = data
        total = data["budget_lines"][0]
        assert row["年度"].value == 2023
        assert row["主管部门"].value == data["department"]
        assert (row["实施单位"].value or "") == data["implementing_unit"]
        for column, key in (
            ("年初预算数（万元）", "initial_budget"),
            ("全年预算数（万元）", "annual_budget"),
            ("全年执行数（万元）", "executed"),
        ):
            assert dec(row[column].value) == money(total[key]), (column, data["project_name"])
            if total[key] is not None:
                assert row[column].number_format == MONEY_FORMAT
        assert dec(row["执行率"].value) * 100 == Decimal(data["budget"]["execution_rate"])
        assert row["执行率"].number_format == RATE_FORMAT
        assert dec(row["预算执行得分"].value) == Decimal(data["budget"]["score"])
        level1 = {t["level1"]: Decimal(t["score"]) for t in data["level1_totals"]}
        for name in ("产出指标", "效益指标", "满意度指标"):
            assert dec(row[f"{name}得分"].value) == level1.get(name)
        assert dec(row["总分"].value) == Decimal(data["total_score"])
        assert row["总分"].number_format == SCORE_FORMAT
        assert row["等级"].value == data["grade"]
        assert row["状态"].value == Evaluation.Status(data["status"]).label
        severities = [f["severity"] for f in data["findings"]]
        assert row["错误数"].value == severities.count("error")
        assert row["警告数"].value == severities.count("warning")
        assert row["提示数"].value == severities.count("hint")
        assert row["状态变更日期"].value is row["整表审核意见"].value is None  # imported

    assert sums["项目名称"].value == "合计（14 个项目）"
    annual = sum(money(d["budget_lines"][0]["annual_budget"]) for d in forms.values())
    executed = sum(money(d["budget_lines"][0]["executed"]) for d in forms.values())
    assert dec(sums["全年预算数（万元）"].value) == annual == Decimal("4374.398701")
    assert dec(sums["全年执行数（万元）"].value) == executed
    assert sums["错误数"].value == sum(r["错误数"].value for r in form_rows)
    assert sums["提示数"].value == sum(r["提示数"].value for r in form_rows) > 0
    assert averages["项目名称"].value == "平均"
    average = sum(Decimal(d["total_score"]) for d in forms.values()) / 14
    assert dec(averages["总分"].value) == average.quantize(Decimal("0.01"))

    _, details = records(workbook["指标明细"])
    by_form = defaultdict(list)
    for row in details:
        by_form[row["序号"].value].append(row)
    assert sum(len(rows) for rows in by_form.values()) == 129
    for number, data in numbers.items():
        rows = by_form[number]
        assert len(rows) == len(data["indicators"])
        for row, item in zip(rows, data["indicators"], strict=True):
            assert row["项目名称"].value == data["project_name"]
            assert (row["一级指标"].value, row["二级指标"].value) == (
                item["level1"],
                item["level2"],
            )
            assert row["三级指标"].value == item["name"]
            assert (row["年度指标值"].value or "") == item["target"]
            assert dec(row["分值"].value) == money(item["weight"])
            assert dec(row["得分"].value) == money(item["score"])
            assert dec(row["规则得分"].value) == money(item["suggested_score"])
            assert dec(row["审核得分"].value) == money(item["review_score"])
            assert dec(row["计入总分的得分"].value) == Decimal(item["counted_score"])
            assert row["类型"].value == ("定量" if item["quantitative"] else "定性")

    _, checks = records(workbook["检查结果"])
    found = defaultdict(list)
    for row in checks:
        found[row["序号"].value].append((row["检查项"].value, row["说明"].value))
    for number, data in numbers.items():  # the code's Chinese label, never the code
        assert found[number] == [(code_label(f["code"]), f["message"]) for f in data["findings"]]


def test_frozen_header_filters_and_widths():
    demo_forms()
    workbook = read_summary(Evaluation.objects.all())
    for name, last in (("汇总", "U15"), ("指标明细", "R130")):
        sheet = workbook[name]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{last}"
        assert sheet.column_dimensions["E"].width > 10
        assert sheet["A1"].font.bold


def test_user_text_is_always_a_string_cell(dept_a):
    formula = '=HYPERLINK("http://example.com/x","点我")'
    evaluation = make_evaluation(make_project(make_department("#N/A"), formula))
    add_indicator(
        evaluation, name="=1+1", target="@SUM(A1)", weight=Decimal("90"), score=Decimal("90")
    )
    workbook = read_summary(Evaluation.objects.filter(pk=evaluation.pk))
    (row,) = workbook["汇总"].iter_rows(min_row=2, max_row=2)
    department, project = row[2], row[4]
    assert (project.value, project.data_type) == (formula, "s")
    assert (department.value, department.data_type) == ("#N/A", "s")
    (detail,) = workbook["指标明细"].iter_rows(min_row=2, max_row=2)
    assert (detail[2].value, detail[2].data_type) == (formula, "s")
    assert (detail[6].value, detail[6].data_type) == ("=1+1", "s")
    assert detail[7].value == "@SUM(A1)"


def test_characters_a_worksheet_cannot_hold_are_dropped(dept_a):
    evaluation = make_evaluation(make_project(dept_a, "项目\x0b名称\x07"))
    workbook = read_summary(Evaluation.objects.filter(pk=evaluation.pk))
    assert workbook["汇总"]["E2"].value == "项目名称"


def test_grade_filter_keeps_only_matching_forms(dept_a):
    good = make_evaluation(make_project(dept_a, "好项目"), indicators=2)
    make_evaluation(make_project(dept_a, "没有指标的项目"))  # 总分 10: 差
    workbook = read_summary(Evaluation.objects.all(), keep=lambda sheet: sheet.grade == "优")
    _, rows = records(workbook["汇总"])
    assert [row["项目名称"].value for row in rows[:-2]] == [good.project.name]
    assert rows[-2]["项目名称"].value == "合计（1 个项目）"


def test_an_empty_selection_is_a_valid_workbook(db):
    workbook = read_summary(Evaluation.objects.none())
    assert workbook["汇总"].max_row == 1


def test_markup_and_spaces_in_user_text_round_trip(dept_a):
    name = '  <b>甲&乙</b> "项目"  '
    evaluation = make_evaluation(make_project(dept_a, name))
    add_indicator(evaluation, name="a < b & c", weight=Decimal("90"), score=Decimal("90"))
    workbook = read_summary(Evaluation.objects.filter(pk=evaluation.pk))
    assert workbook["汇总"]["E2"].value == name
    assert workbook["指标明细"]["G2"].value == "a < b & c"


def test_the_review_comment_and_the_status_date_close_each_row(dept_a, filler_a, reviewer_a):
    approved = make_evaluation(make_project(dept_a, "审核通过的项目"), indicators=3)
    returned_and_approved(approved, filler_a, reviewer_a)
    formula = '=HYPERLINK("http://example.com/x","点我")'
    make_evaluation(make_project(dept_a, "草稿"), review_comment=formula)
    make_evaluation(make_project(dept_a, "没有审核的项目"))
    workbook = read_summary(Evaluation.objects.order_by("pk"))
    header, rows = records(workbook["汇总"])
    assert header[-2:] == ["状态变更日期", "整表审核意见"]
    first, second, third = rows[:3]
    day = first["状态变更日期"]
    today = timezone.localdate()
    assert (day.value, day.number_format) == (
        datetime(today.year, today.month, today.day),
        DATE_FORMAT,
    )
    assert first["整表审核意见"].value == APPROVE_COMMENT
    comment = second["整表审核意见"]
    assert (comment.value, comment.data_type) == (formula, "s")  # text, never a formula
    assert second["状态变更日期"].value is None
    assert third["状态变更日期"].value is third["整表审核意见"].value is None
    assert rows[-2]["项目名称"].value == "合计（3 个项目）"


def test_the_summary_costs_the_queries_of_one_form(dept_a, filler_a, reviewer_a):
    def summary_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            read_summary(Evaluation.objects.all())
        return len(queries)

    for number in range(3):
        evaluation = make_evaluation(make_project(dept_a, f"项目{number}"), indicators=3)
        returned_and_approved(evaluation, filler_a, reviewer_a)
        if number == 0:
            one = summary_queries()
    assert summary_queries() == one
