"""The form as an Excel workbook in the paper layout: read back by our own Excel
importer exactly as the Word export is (tests/projects/imports/test_imports_word.py),
and opened cell by cell with openpyxl."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from projects.demo import DEMO_FILE, load_demo
from projects.exports.base import safe_filename
from projects.exports.paper_xlsx import (
    FORMULA_PREFIXES,
    MAX_SHEET_TITLE,
    PaperWorkbookExporter,
    PaperXlsxExporter,
    sheet_title,
    spans,
)
from projects.exports.registry import FORM_EXPORTERS, YEAR_EXPORTERS
from projects.exports.sheet import build_sheet
from projects.exports.word import COLUMNS, HISTORY_COLUMNS, REVIEW_COLUMNS, TOP_COLUMNS
from projects.exports.xlsx_stream import MONEY_FORMAT, RATE_FORMAT, SCORE_FORMAT
from projects.imports import XlsxImporter, form_data_to_dict
from projects.imports.preview import score_form_data
from projects.interchange import read_document
from projects.models import Evaluation
from projects.rows import INDICATOR
from projects.selectors.evaluations import evaluation_result, with_rows
from tests.factories import add_indicator, make_department, make_evaluation, make_project
from tests.projects.exports_helpers import returned_and_approved, sheet_of

pytestmark = pytest.mark.django_db

# As the Word round trip: what the export prints is our computation, checked on its own.
RECORDED = ("recorded_total_weight", "recorded_total_score")
COMPUTED_CODES = {"recorded_total_mismatch", "recorded_budget_score_mismatch"}


def render(sheet):
    rendered = PaperXlsxExporter().render(sheet)
    assert (
        rendered.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (
        rendered.filename == f"{sheet.year}年度_{safe_filename(sheet.project_name)}_绩效自评表.xlsx"
    )
    return rendered


def parse(data: bytes, name: str = "表.xlsx"):
    return XlsxImporter().parse(data, filename=name)


def open_sheet(rendered):
    workbook = openpyxl.load_workbook(io.BytesIO(rendered.read_all()))
    [worksheet] = workbook.worksheets
    return worksheet


def demo_forms():
    return read_document(json.loads(DEMO_FILE.read_text(encoding="utf-8")))


def merged(worksheet) -> set[str]:
    return {str(cell_range) for cell_range in worksheet.merged_cells.ranges}


def find(worksheet, value):
    """The first cell holding ``value``."""
    for row in worksheet.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} is not in the sheet")


def test_the_registry_offers_it_per_form_and_for_many_forms():
    assert isinstance(FORM_EXPORTERS["paper-xlsx"], PaperXlsxExporter)
    assert isinstance(YEAR_EXPORTERS["paper-xlsx"], PaperWorkbookExporter)
    assert FORM_EXPORTERS["paper-xlsx"].verbose_name == "Excel（表格版式）"


def test_round_trip_of_the_14_demo_forms_through_the_paper_workbook():
    """export → import gives the same form back: every stored fact, and as the written
    scores exactly the numbers our export printed (our computation)."""
    load_demo()
    originals = {f.project_name: f for f in demo_forms()}
    evaluations = list(with_rows(Evaluation.objects.order_by("pk")))
    assert len(evaluations) == 14
    for evaluation in evaluations:
        result = evaluation_result(evaluation)
        rendered = render(build_sheet(evaluation, result))
        [form] = parse(rendered.read_all(), rendered.filename)
        assert form.unplaced == (), form.unplaced  # every cell of our own export is read
        original = originals[form.project_name]
        got, want = form_data_to_dict(form), form_data_to_dict(original)
        # The export prints what we compute, so that is what the paper "wrote"; the
        # 执行率 is a number cell with a % format, read back as its digits ("100%").
        assert form.recorded_budget_score == result.budget_score
        assert form.recorded_total_score == result.total_score
        assert form.recorded_total_weight == result.total_weight
        assert Decimal(form.recorded_execution_rate.removesuffix("%")) == result.execution_rate
        # The export writes the amount note only when amounts were converted.
        if not original.amount_unit_converted:
            got.pop("amount_unit_note"), want.pop("amount_unit_note")
        for key in (*RECORDED, "budget"):
            got.pop(key), want.pop(key)
        assert got == want, form.project_name
        assert form.budget_weight == original.budget_weight
        findings = [(f.code, f.message) for f in score_form_data(form).findings]
        expected = [(f.code, f.message) for f in result.findings if f.code not in COMPUTED_CODES]
        assert findings == expected, form.project_name


def test_the_amount_note_and_the_status_come_back():
    load_demo()
    evaluation = with_rows(Evaluation.objects.filter(project__name="2023“疏整促”专班经费")).get()
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.APPROVED)
    evaluation.refresh_from_db()
    [form] = parse(render(sheet_of(evaluation)).read_all())
    assert form.amount_unit_converted
    assert form.amount_unit_note == evaluation.amount_unit_note
    assert form.status == Evaluation.Status.APPROVED


def test_a_reviewed_form_keeps_its_review_columns():
    evaluation = make_evaluation(make_project(make_department("办公室")), indicators=2)
    row = evaluation.indicators.first()
    row.review_score, row.review_comment = Decimal("40"), "完成件数核减"
    row.save()
    sheet = sheet_of(evaluation)
    rendered = render(sheet)
    [form] = parse(rendered.read_all())
    first, second = form.indicators
    assert (first.score, first.review_score, first.review_comment) == (
        Decimal("45"),
        Decimal("40"),
        "完成件数核减",
    )
    assert second.review_score is None and second.review_comment == ""
    assert form.recorded_total_score == sheet.total_score.value
    worksheet = open_sheet(rendered)
    assert worksheet.max_column == len(REVIEW_COLUMNS)
    review_heading = find(worksheet, INDICATOR["review_score"].heading)
    assert review_heading.font.name == "宋体" and review_heading.font.sz == 9
    review = worksheet.cell(find(worksheet, "完成件数核减").row, review_heading.column)
    assert (review.value, review.data_type, review.number_format) == (40, "n", SCORE_FORMAT)
    assert find(worksheet, "审核后总分") and find(worksheet, "自评总分")


def test_a_reviewed_and_approved_form_with_its_record(filler_a, reviewer_a, evaluation_a):
    """审核意见 and the 审核记录 under the table; the form still reads back."""
    evaluation = returned_and_approved(evaluation_a, filler_a, reviewer_a)
    sheet = sheet_of(evaluation)
    assert sheet.history and sheet.review_comment
    rendered = render(sheet)
    worksheet = open_sheet(rendered)
    heading = find(worksheet, "审核记录")
    first = worksheet.cell(heading.row + 1, 1)
    assert first.value == "时间" and first.font.b
    # 时间 | 操作 | 操作人 | 说明 on the sheet's grid: 说明 reaches the last column.
    comment = next(
        str(r)
        for r in worksheet.merged_cells.ranges
        if r.min_row == heading.row + 1 and r.max_col == 9
    )
    assert comment.endswith(f"I{heading.row + 1}")
    assert len(sheet.history) == sum(
        1
        for row in range(heading.row + 2, worksheet.max_row + 1)
        if worksheet.cell(row, 1).value and str(worksheet.cell(row, 1).value)[:2] == "20"
    )
    assert find(worksheet, f"审核意见：{sheet.review_comment}")
    [form] = parse(rendered.read_all())
    assert [row.name for row in form.indicators] == [row.name for row in sheet.indicator_rows]


@pytest.mark.parametrize("text", ["=1+1", "@SUM(A1)", "+1", "-2", "#N/A", '=HYPERLINK("x")'])
def test_text_that_looks_like_a_formula_stays_text(text):
    evaluation = make_evaluation(make_project(make_department("办公室")))
    add_indicator(evaluation, name=text, target="100%", actual="100%", weight=Decimal("90"))
    evaluation.goal_expected = text
    evaluation.save()
    rendered = render(sheet_of(evaluation))
    worksheet = open_sheet(rendered)
    cells = [cell for row in worksheet.iter_rows() for cell in row if cell.value == text]
    assert len(cells) == 2  # the 三级 name and the 预期目标
    for cell in cells:
        assert cell.data_type == "s"  # not "f" (a formula) nor "e" (an error code)
        assert cell.quotePrefix == text.startswith(FORMULA_PREFIXES)  # kept text when edited
    [form] = parse(rendered.read_all())
    assert [row.name for row in form.indicators] == [text]
    assert form.goal_expected == text


def test_the_workbook_opens_with_its_merges_numbers_and_page(dept_a):
    evaluation = make_evaluation(
        make_project(dept_a, "价格认证资金"),
        indicators=3,
        annual_budget="23.380701",
        executed="1234.5",
        project_lead="张三",
    )
    sheet = sheet_of(evaluation)
    worksheet = open_sheet(render(sheet))
    assert worksheet.title == "1 价格认证资金"
    assert worksheet.max_column == len(COLUMNS)
    assert [worksheet.cell(row, 1).value for row in (1, 2, 3)] == [
        "项目支出绩效自评表",
        "（2023年度）",
        f"状态：{sheet.status_label}",
    ]
    ranges = merged(worksheet)
    assert {"A1:I1", "A2:I2", "A3:I3", "A4:B4", "C4:I4"} <= ranges  # title … 项目名称
    assert worksheet["C4"].value == "价格认证资金"
    assert find(worksheet, "张三").coordinate == "C6"
    # 项目资金（万元）: one cell over its heading and the four lines.
    label = find(worksheet, "项目资金\n（万元）")
    assert f"A{label.row}:B{label.row + 4}" in ranges
    total = find(worksheet, "年度资金总额")
    amounts = [worksheet.cell(total.row, column) for column in (4, 5, 6)]
    assert [Decimal(str(cell.value)) for cell in amounts] == [
        Decimal("23.380701"),
        Decimal("23.380701"),
        Decimal("1234.5"),
    ]
    assert {cell.number_format for cell in amounts} == {MONEY_FORMAT}
    rate = worksheet.cell(total.row, 8)
    assert rate.number_format == RATE_FORMAT
    assert Decimal(str(rate.value)) == sheet.budget_total.execution_rate.value / 100
    # 绩效指标: the section cell from its heading over the rows, 一级 merged over its run.
    heading = find(worksheet, "三级指标")
    section = find(worksheet, "绩\n效\n指\n标")
    assert f"A{section.row}:A{section.row + 3}" in ranges
    assert f"B{heading.row + 1}:B{heading.row + 3}" in ranges
    assert f"C{heading.row + 1}:C{heading.row + 3}" in ranges  # one 二级 as well
    weights = [worksheet.cell(heading.row + n, 7) for n in (1, 2, 3)]
    assert [Decimal(str(cell.value)) for cell in weights] == [Decimal("30")] * 3
    assert {cell.number_format for cell in weights} == {SCORE_FORMAT}
    total_row = find(worksheet, "总分").row
    assert f"A{total_row}:F{total_row}" in ranges
    # Looks and page: 宋体 in the table, 仿宋 on the year line, borders, wrapping, A4.
    assert heading.font.name == "宋体" and heading.font.b
    assert worksheet["A2"].font.name == "仿宋"
    assert heading.border.left.style == "thin" and heading.alignment.wrap_text
    assert getattr(worksheet["A1"].border.left, "style", None) is None
    assert worksheet.column_dimensions["D"].width > worksheet.column_dimensions["A"].width
    assert str(worksheet.page_setup.paperSize) == worksheet.PAPERSIZE_A4  # "9"
    assert worksheet.page_setup.orientation == "portrait"
    assert worksheet.print_title_rows == f"${heading.row}:${heading.row}"
    assert "&P" in worksheet.oddFooter.center.text


def test_the_top_table_and_the_record_snap_onto_the_grid():
    assert spans(TOP_COLUMNS, COLUMNS) == [2, 1, 1, 1, 1, 1, 1, 1]
    assert spans(TOP_COLUMNS, REVIEW_COLUMNS) == [2, 2, 1, 1, 2, 1, 1, 1]
    assert spans(HISTORY_COLUMNS, COLUMNS) == [2, 1, 1, 5]
    assert spans(HISTORY_COLUMNS, REVIEW_COLUMNS) == [3, 1, 1, 6]
    assert spans(COLUMNS, COLUMNS) == [1] * len(COLUMNS)


def test_sheet_titles_are_short_safe_and_unique():
    assert sheet_title(3, "档案整理及数字化服务") == "3 档案整理及数字化服务"
    title = sheet_title(12, "北京城市副中心[通州区]：规划/评估*项目?\\第二期" * 3)
    assert len(title) == MAX_SHEET_TITLE and title.startswith("12 北京城市副中心 通州区 ")
    assert not set(title) & set("[]:*?/\\")
    workbook = openpyxl.Workbook(write_only=True)
    workbook.create_sheet(sheet_title(1, "法律顾问"))
    assert sheet_title(1, "法律顾问", workbook) == "1 法律顾问(2)"
    assert sheet_title(1, "", workbook) == "1"


@pytest.fixture
def two_forms(dept_a):
    make_evaluation(make_project(dept_a, "价格认证资金"), indicators=2)
    make_evaluation(make_project(dept_a, "法律顾问"), indicators=3)
    make_evaluation(make_project(dept_a, "去年的项目"), year=2022)


def test_many_forms_in_one_workbook_one_sheet_each(two_forms):
    exporter = YEAR_EXPORTERS["paper-xlsx"]
    rendered = exporter.render(
        Evaluation.objects.filter(year=2023).order_by("pk"), title="2023年度"
    )
    assert rendered.filename == "2023年度_绩效自评表（表格版式）.xlsx"
    data = rendered.read_all()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["1 价格认证资金", "2 法律顾问"]
    assert [len(form.indicators) for form in parse(data)] == [2, 3]
    empty = exporter.render(Evaluation.objects.none(), title="2024年度").read_all()
    assert openpyxl.load_workbook(io.BytesIO(empty)).sheetnames == ["说明"]


def test_the_command_writes_a_workbook_or_a_folder(tmp_path, two_forms):
    out = tmp_path / "2023.xlsx"
    call_command("export_forms", year=2023, format="paper-xlsx", out=out)
    assert openpyxl.load_workbook(out).sheetnames == ["1 价格认证资金", "2 法律顾问"]
    folder = tmp_path / "forms"
    folder.mkdir()
    call_command("export_forms", year=2023, format="paper-xlsx", out=folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "001_通州区发展和改革委员会_价格认证资金.xlsx",
        "002_通州区发展和改革委员会_法律顾问.xlsx",
    ]
    for path in folder.iterdir():
        [form] = parse(path.read_bytes(), path.name)
        assert form.project_name in path.name


def test_the_signature_block_ends_the_sheet_as_on_paper():
    from projects.exports.sheet import SIGNATURE_LINES

    load_demo()
    evaluation = with_rows(Evaluation.objects.filter(project__name="法律顾问")).get()
    worksheet = open_sheet(render(build_sheet(evaluation, evaluation_result(evaluation))))
    texts = [cell.value for row in worksheet.iter_rows() for cell in row if cell.value]
    assert [text for text in texts if text in SIGNATURE_LINES] == list(SIGNATURE_LINES)
