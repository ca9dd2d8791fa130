"""Excel import: our own summary export, and one paper-like form per sheet."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from openpyxl import Workbook

from projects.demo import DEMO_FILE, load_demo
from projects.exports.excel import SummaryExporter
from projects.imports import ImportFailure, XlsxImporter
from projects.imports.excel import number_text
from projects.imports.preview import score_form_data
from projects.interchange import read_document
from projects.models import Evaluation
from projects.numbers import ERROR_COMMA

pytestmark = pytest.mark.django_db


def parse(data: bytes, name: str = "表.xlsx"):
    return XlsxImporter().parse(data, filename=name)


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- our summary ----------------------------------------------------------------------


def test_our_summary_export_reads_back_the_14_forms():
    load_demo()
    buffer = io.BytesIO()
    SummaryExporter().write(Evaluation.objects.order_by("pk"), buffer)
    forms = {f.project_name: f for f in parse(buffer.getvalue(), "2023年度_汇总表.xlsx")}
    originals = {
        f.project_name: f for f in read_document(json.loads(DEMO_FILE.read_text(encoding="utf-8")))
    }
    assert forms.keys() == originals.keys()
    for name, form in forms.items():
        original = originals[name]
        assert form.unplaced == (), form.unplaced  # we read every column we wrote
        assert (form.year, form.department, form.implementing_unit, form.status) == (
            original.year,
            original.department,
            original.implementing_unit,
            original.status,
        )
        [total] = [line for line in original.budget_lines if line.kind == "total"]
        assert form.budget_lines[0] == total
        # The summary has no 分值 for the budget: it is inferred and checked.
        assert form.budget_weight == original.budget_weight, name
        rows = [
            (r.level1, r.level2, r.name, r.target, r.actual, r.weight, r.score, r.deviation_reason)
            for r in form.indicators
        ]
        expected = [
            (r.level1, r.level2, r.name, r.target, r.actual, r.weight, r.score, r.deviation_reason)
            for r in original.indicators
        ]
        assert rows == expected, name
        # Scored again, the form totals as it did when it was exported.
        evaluation = Evaluation.objects.get(project__name=name)
        from projects.selectors.evaluations import evaluation_result, with_rows

        result = evaluation_result(with_rows(Evaluation.objects.filter(pk=evaluation.pk)).get())
        assert score_form_data(form).total_score == result.total_score
        assert form.recorded_total_score == result.total_score


def test_summary_with_a_changed_heading_is_refused():
    workbook = Workbook()
    workbook.active.title = "汇总"
    workbook.active.append(["序号", "年份", "主管部门", "项目名称"])
    workbook.create_sheet("指标明细").append(["序号", "一级指标", "二级指标", "三级指标"])
    with pytest.raises(ImportFailure, match="工作表「汇总」的标题行缺少：年度"):
        parse(save(workbook))


def test_summary_row_without_project_and_unknown_number():
    workbook = Workbook()
    summary = workbook.active
    summary.title = "汇总"
    summary.append(["序号", "年度", "主管部门", "实施单位", "项目名称", "全年预算数（万元）"])
    summary.append([1, 2023, "办公室", "", "甲项目", 10])
    summary.append([None, None, None, None, "合计（1 个项目）", 10])
    details = workbook.create_sheet("指标明细")
    details.append(["序号", "一级指标", "二级指标", "三级指标", "分值", "得分"])
    details.append([2, "产出指标", "数量指标", "件数", 90, 90])
    with pytest.raises(ImportFailure, match="第2行：序号 2 在工作表「汇总」中没有对应的项目"):
        parse(save(workbook))


# --- a paper-like sheet -------------------------------------------------------------------


def paper_sheet(sheet, *, name="表格项目", score="45", total_score="=SUM(H12:H13)"):
    """The form drawn on a worksheet: merged label cells, numbers as numbers."""
    rows = [
        ["项目支出绩效自评表"],
        ["（2023年度）"],
        ["项目名称", None, name],
        ["主管部门", None, "办公室", None, None, "实施单位", None, "综合科"],
        ["项目负责人", None, "李四", None, None, "联系电话", None, 69541234],
        [
            "项目资金（万元）",
            None,
            None,
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ],
        [None, "年度资金总额", None, 20, 20, 19.98, 10, 0.999, "=G7*H7"],
        [None, "其中：当年财政拨款", None, 20, 20, 19.98, "—", None, "—"],
        ["年度总体目标", "预期目标", None, None, None, "实际完成情况"],
        [None, "完成两项工作", None, None, None, "已完成"],
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
        [None, "产出指标", "数量指标", "工作一", "≥1项", "1项", 45, score, None],
        [None, None, None, "工作二", "≥1项", "1项", 0.1 + 0.2, 0.3, None],
        [None, "满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 44.7, 44.7, None],
        ["总分", None, None, None, None, None, 100, total_score],
    ]
    for row in rows:
        sheet.append(row)
    for cells in (
        "A1:I1",
        "A2:I2",
        "A3:B3",
        "C3:I3",
        "A4:B4",
        "C4:E4",
        "F4:G4",
        "H4:I4",
        "A5:B5",
        "C5:E5",
        "F5:G5",
        "H5:I5",
        "A6:A8",
        "B6:C6",
        "B7:C7",
        "B8:C8",
        "A9:A10",
        "B9:E9",
        "F9:I9",
        "B10:E10",
        "F10:I10",
        "A11:A14",
        "B12:B13",
        "C12:C13",
        "A15:F15",
    ):
        sheet.merge_cells(cells)
    sheet["H7"].number_format = "0.00%"


def test_a_paper_like_sheet_with_merges_formulas_and_float_noise():
    workbook = Workbook()
    paper_sheet(workbook.active)
    workbook.create_sheet("说明").append(["本表由财务科填写"])
    [form] = parse(save(workbook))
    assert (form.year, form.project_name, form.department, form.implementing_unit) == (
        2023,
        "表格项目",
        "办公室",
        "综合科",
    )
    assert form.contact_phone == "69541234"
    assert form.budget_lines[0].executed == Decimal("19.98")
    assert form.recorded_execution_rate == "99.9%"
    # Formulas in cells we compute ourselves are not trusted: not written.
    assert form.recorded_budget_score is None and form.recorded_total_score is None
    assert [(r.level1, r.level2, r.name) for r in form.indicators] == [
        ("产出指标", "数量指标", "工作一"),
        ("产出指标", "数量指标", "工作二"),
        ("满意度指标", "服务对象满意度指标", "满意度"),
    ]
    assert form.indicators[1].weight == Decimal("0.3")  # 0.1 + 0.2 as a float, read as 0.3
    assert (form.goal_expected, form.goal_actual) == ("完成两项工作", "已完成")


def test_a_formula_in_a_cell_we_store_is_refused_naming_the_cell():
    workbook = Workbook()
    paper_sheet(workbook.active, score="=G12")
    with pytest.raises(ImportFailure) as caught:
        parse(save(workbook), "公式.xlsx")
    assert str(caught.value) == (
        "文件「公式.xlsx」工作表「Sheet」第12行（H12单元格）：得分是公式「=G12」；"
        "导入不采用公式的缓存结果，请改为直接填写的数值或文字"
    )


def test_one_form_per_sheet():
    workbook = Workbook()
    paper_sheet(workbook.active, name="甲")
    paper_sheet(workbook.create_sheet("第二张"), name="乙")
    assert [form.project_name for form in parse(save(workbook))] == ["甲", "乙"]


def test_bad_value_names_sheet_row_and_cell():
    workbook = Workbook()
    paper_sheet(workbook.active, score="满分")
    with pytest.raises(
        ImportFailure,
        match=r"工作表「Sheet」第12行（H12单元格）：三级指标「工作一」的得分「满分」不是数字",
    ):
        parse(save(workbook))


@pytest.mark.parametrize("typed", ["12,3", "4，5"])  # a decimal comma: used to become 123 / 45
def test_a_decimal_comma_in_a_text_cell_is_reported(typed):
    workbook = Workbook()
    paper_sheet(workbook.active, score=typed)
    with pytest.raises(ImportFailure) as caught:
        parse(save(workbook))
    assert f"（H12单元格）：三级指标「工作一」的得分「{typed}」不是数字：" in str(caught.value)
    assert ERROR_COMMA in str(caught.value)


def test_a_workbook_without_any_form():
    workbook = Workbook()
    workbook.active.append(["姓名", "电话"])
    with pytest.raises(ImportFailure, match="没有找到自评表"):
        parse(save(workbook))


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (0.1 + 0.2, "General", "0.3"),
        (23.380701, "General", "23.380701"),
        (0.9935, "0.00%", "99.35%"),
        (1863180, "#,##0", "1863180"),
        (1e-12, "General", "0"),
    ],
)
def test_numbers_come_in_through_decimal_str(value, number_format, text):
    assert number_text(value, number_format) == text


def test_a_column_added_to_our_summary_by_hand_is_listed_as_not_imported():
    """Nothing silent: a 备注 column someone added is not read, and each of its filled
    cells is listed for the form of its row (汇总 and 指标明细 alike)."""
    from openpyxl import load_workbook

    load_demo()
    buffer = io.BytesIO()
    SummaryExporter().write(Evaluation.objects.filter(pk__in=first_two()), buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    summary, detail = workbook["汇总"], workbook["指标明细"]
    column = summary.max_column + 1
    summary.cell(1, column, "备注")
    summary.cell(2, column, "已核对原件")
    detail.cell(1, detail.max_column + 1, "核查意见")
    detail.cell(3, detail.max_column, "数量待核实")
    edited = io.BytesIO()
    workbook.save(edited)
    first, second = parse(edited.getvalue(), "汇总.xlsx")
    letter = summary.cell(2, column).column_letter
    assert (
        first.unplaced[0] == f"工作表「汇总」第2行（{letter}2单元格）「备注」栏「已核对原件」未导入"
    )
    assert any(
        "「核查意见」栏「数量待核实」未导入" in text for text in first.unplaced + second.unplaced
    )
    assert len(first.unplaced) + len(second.unplaced) == 2


def first_two() -> list[int]:
    return list(Evaluation.objects.order_by("pk").values_list("pk", flat=True)[:2])


def test_the_forms_review_comment_comes_back_from_our_summary():
    load_demo()
    Evaluation.objects.filter(pk__in=first_two()[:1]).update(review_comment="请补充佐证\n第二行")
    buffer = io.BytesIO()
    SummaryExporter().write(Evaluation.objects.filter(pk__in=first_two()), buffer)
    first, second = parse(buffer.getvalue(), "汇总.xlsx")
    assert (first.review_comment, second.review_comment) == ("请补充佐证\n第二行", "")


def _summary_with_directions() -> bytes:
    load_demo()
    evaluation = Evaluation.objects.get(project__name="通州区重大投资项目规划谋划")
    evaluation.indicators.filter(position=1).update(direction="equal")
    evaluation.indicators.filter(position=5).update(direction="positive")
    buffer = io.BytesIO()
    SummaryExporter().write(Evaluation.objects.filter(pk=evaluation.pk), buffer)
    return buffer.getvalue()


def test_the_fillers_direction_comes_back_from_our_summary():
    from openpyxl import load_workbook

    data = _summary_with_directions()
    detail = load_workbook(io.BytesIO(data))["指标明细"]
    headings = [cell.value for cell in detail[1]]
    column = headings.index("指标方向")
    assert headings[column - 1] == "年度指标值"  # beside the target, as 指标性质 on paper
    written = [row[column].value for row in detail.iter_rows(min_row=2, max_row=6)]
    assert written == ["等于", None, None, None, "正向"]  # blank: 自动
    (form,) = parse(data, "汇总.xlsx")
    assert form.unplaced == ()
    assert [row.direction for row in form.indicators][:5] == ["equal", "", "", "", "positive"]


def test_an_unknown_direction_in_our_summary_names_the_cell():
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(_summary_with_directions()))
    detail = workbook["指标明细"]
    column = [cell.value for cell in detail[1]].index("指标方向") + 1
    detail.cell(3, column, "越大越好")
    letter = detail.cell(3, column).column_letter
    with pytest.raises(ImportFailure) as failure:
        parse(save(workbook), "汇总.xlsx")
    message = str(failure.value)
    assert "指标方向「越大越好」无效，应为正向、反向、等于、定性之一或留空（自动）" in message
    assert f"第3行（{letter}3单元格）" in message
