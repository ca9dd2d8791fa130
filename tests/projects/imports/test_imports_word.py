"""Word import: the 14 real forms, our own export, and hand-made files with every quirk."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from projects.demo import DEMO_FILE
from projects.exports.sheet import build_sheet
from projects.exports.word import DocxExporter
from projects.imports import DocxImporter, ImportFailure, form_data_to_dict
from projects.imports.preview import score_form_data
from projects.interchange import read_document
from tests.projects.docx_builder import (
    DEFAULT_BUDGET,
    DEFAULT_INDICATORS,
    C,
    PaperForm,
    Table,
    build_docx,
    paper_docx,
    seed_blocks,
)

pytestmark = pytest.mark.django_db

# What the 14 real forms say beyond the stored facts, only in notes written by hand.
HAND_WRITTEN = {"amount_unit_note"}


def parse(data: bytes, name: str = "表.docx"):
    return DocxImporter().parse(data, filename=name)


def codes(form) -> list[str]:
    return [finding.code for finding in score_form_data(form).findings]


def demo_forms():
    return read_document(json.loads(DEMO_FILE.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("merged", "grid"),
    [(True, True), (False, True), (True, False), (False, False)],
    ids=["merged", "blank-cells", "merged-no-grid", "blank-no-grid"],
)
def test_the_14_real_forms_read_as_the_demo_data(merged, grid):
    """The seed's Word tables (blank or merged continuation cells, with or without a
    w:tblGrid) give exactly the demo fixture, which was transcribed by hand."""
    forms = parse(build_docx(seed_blocks(merged=merged, grid=grid)), "2023年度自评表.docx")
    expected = demo_forms()
    assert [f.project_name for f in forms] == [f.project_name for f in expected]
    for got, want in zip(forms, expected, strict=True):
        got_dict, want_dict = form_data_to_dict(got), form_data_to_dict(want)
        for key in HAND_WRITTEN:
            got_dict.pop(key), want_dict.pop(key)
        assert got_dict == want_dict, got.project_name


def test_real_forms_keep_their_findings():
    forms = {f.project_name: f for f in parse(build_docx(seed_blocks()))}
    assert "weights_not_100" in codes(forms["价格认证资金"])
    assert "recorded_total_mismatch" in codes(forms["帮扶专项资金"])
    assert "recorded_budget_score_mismatch" in codes(
        forms["北京城市副中心(通州区)“十四五”规划实施情况中期评估"]
    )
    assert codes(forms["2023“疏整促”专班经费"]).count("amount_unit_converted") == 1
    converted = [name for name, form in forms.items() if form.amount_unit_converted]
    assert converted == ["2023“疏整促”专班经费"]
    note = forms["2023“疏整促”专班经费"].amount_unit_note
    assert "“1,863,180”→186.318" in note and "元" in note
    assert "“23.380701万元成”→23.380701" in forms["价格认证资金"].amount_unit_note
    assert (
        "“150万元”→150"
        in forms["北京城市副中心(通州区)“十四五”规划实施情况中期评估"].amount_unit_note
    )


# --- our own export ----------------------------------------------------------------

RECORDED = ("recorded_total_weight", "recorded_total_score")
COMPUTED_CODES = {"recorded_total_mismatch", "recorded_budget_score_mismatch"}


def test_round_trip_of_the_14_demo_forms_through_our_word_export():
    """export → import gives the same form back: every stored fact, and as the written
    scores exactly the numbers our export printed (our computation)."""
    from projects.demo import load_demo
    from projects.models import Evaluation
    from projects.selectors.evaluations import evaluation_result, with_rows

    load_demo()
    originals = {f.project_name: f for f in demo_forms()}
    evaluations = list(with_rows(Evaluation.objects.order_by("pk")))
    assert len(evaluations) == 14
    for evaluation in evaluations:
        result = evaluation_result(evaluation)
        rendered = DocxExporter().render(build_sheet(evaluation, result))
        [form] = parse(rendered.read_all(), rendered.filename)
        assert form.unplaced == (), form.unplaced  # every cell of our own export is read
        original = originals[form.project_name]
        got, want = form_data_to_dict(form), form_data_to_dict(original)
        # The export prints what we compute, so that is what the paper "wrote".
        assert form.recorded_budget_score == result.budget_score
        assert form.recorded_total_score == result.total_score
        assert form.recorded_total_weight == result.total_weight
        assert form.recorded_execution_rate == f"{result.execution_rate}%"
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


def test_our_export_carries_the_status():
    from projects.selectors.evaluations import evaluation_result, with_rows
    from tests.factories import make_department, make_evaluation, make_project

    evaluation = make_evaluation(make_project(make_department("办公室")), indicators=2)
    evaluation = with_rows(type(evaluation).objects.filter(pk=evaluation.pk)).get()
    sheet = build_sheet(evaluation, evaluation_result(evaluation))
    [form] = parse(DocxExporter().render(sheet).read_all())
    assert form.status == "draft"
    assert len(form.indicators) == 2


# --- hand-made files with the quirks of real forms ----------------------------------


def test_a_plain_form_made_with_python_docx_merges():
    [form] = parse(paper_docx(PaperForm()))
    assert (form.year, form.project_name, form.department) == (
        2023,
        "测试项目",
        "通州区发展和改革委员会",
    )
    assert (form.implementing_unit, form.project_lead, form.contact_phone) == (
        "产业发展科",
        "张三",
        "69540000",
    )
    assert form.status == "submitted" and form.legacy
    assert [(r.level1, r.level2, r.name) for r in form.indicators] == [
        ("产出指标", "数量指标", "完成报告数量"),
        ("效益指标", "社会效益指标", "服务水平提升"),
        ("满意度指标", "服务对象满意度指标", "服务对象满意度"),
    ]
    assert form.recorded_total_score == Decimal("100")
    assert codes(form) == ["all_full_marks"]  # a hint only: every row at full marks, 总分 100


def test_placeholder_rows_are_dropped_and_blank_labels_inherit():
    indicators = (
        ("产出指标", "数量指标", "指标1：完成报告数量", "≥2份", "2份", "30", "30", ""),
        ("", "", "指标2：", "", "", "", "", ""),
        ("", "", "……", "", "", "", "", ""),
        ("", "质量指标", "指标1：报告质量", "合格", "合格", "20", "20", ""),
        ("效益指标70", "经济效益", "指标：节约资金", "≥10万元", "12万元", "30", "30", ""),
        ("", "可持续影响指标", "指标1：", "", "", "", "", ""),
        ("满意度\n\n指标", "服务对象满意度指标", "满意度", "≥90%", "95%", "10", "10", ""),
    )
    [form] = parse(paper_docx(PaperForm(indicators=indicators)))
    assert [(r.level1, r.level2, r.name) for r in form.indicators] == [
        ("产出指标", "数量指标", "完成报告数量"),
        ("产出指标", "质量指标", "报告质量"),
        ("效益指标", "经济效益指标", "节约资金"),
        ("满意度指标", "服务对象满意度指标", "满意度"),
    ]


def test_weights_in_labels_and_weights_adding_to_110():
    """Form 11: 产出指标70 / 效益指标30 plus the budget's 10."""
    indicators = (
        ("产出指标70", "数量指标", "认定件数", "≥80件", "119件", "70", "70", "预算批复资金减少"),
        ("效益指标30", "社会效益指标", "公平公正", "公平公正", "100%", "30", "30", ""),
    )
    [form] = parse(paper_docx(PaperForm(indicators=indicators, total=("100", "100"))))
    assert {r.level1 for r in form.indicators} == {"产出指标", "效益指标"}
    found = codes(form)
    assert "weights_not_100" in found and "recorded_total_mismatch" in found


@pytest.mark.parametrize(
    ("annual", "executed", "expected", "converted", "note"),
    [
        ("1,863,180", "1,863,180", ("186.318", "186.318"), True, "“1,863,180”→186.318"),
        ("150万元", "149.375万元", ("150", "149.375"), False, "“149.375万元”→149.375"),
        ("23.380701万元成", "23.380701万元", ("23.380701", "23.380701"), False, "已记为万元数"),
        ("1863180元", "1800000元", ("186.318", "180"), True, "已换算为万元"),
        ("1.5亿元", "1.5亿", ("15000", "15000"), False, "“1.5亿元”→15000"),
        ("—", "", (None, None), False, ""),
    ],
)
def test_amounts_with_units_junk_or_in_yuan(annual, executed, expected, converted, note):
    budget = (
        ("年度资金总额", "-", annual, executed, "10", "100%", "10"),
        *DEFAULT_BUDGET[1:],
    )
    budget = (budget[0], ("其中：当年财政拨款", "", "", "", "—", "", "—"), *budget[2:])
    [form] = parse(paper_docx(PaperForm(budget=budget)))
    total = next(line for line in form.budget_lines if line.kind == "total")
    got = tuple(
        None if v is None else format(v.normalize(), "f")
        for v in (total.annual_budget, total.executed)
    )
    assert got == expected
    assert total.initial_budget is None  # "-" is nothing
    assert form.amount_unit_converted is converted
    assert note in form.amount_unit_note
    assert ("amount_unit_converted" in codes(form)) is converted


def test_missing_fields_are_empty_not_errors():
    budget = (("年度资金总额", "10", "10", "10", "10", "100%", ""), *DEFAULT_BUDGET[1:])
    [form] = parse(
        paper_docx(
            PaperForm(
                implementing_unit="",
                project_lead="",
                contact_phone="",
                goal_actual="",
                budget=budget,
                total=("100", ""),
            )
        )
    )
    assert (form.implementing_unit, form.project_lead, form.contact_phone, form.goal_actual) == (
        "",
        "",
        "",
        "",
    )
    assert form.recorded_budget_score is None and form.recorded_total_score is None


@pytest.mark.parametrize("line", ["（2024年度）", "（ 2024 年 ）", "2024年度项目支出绩效自评表"])
def test_year_lines(line):
    [form] = parse(paper_docx(PaperForm(year_line=line, title="")))
    assert form.year == 2024


def test_two_forms_in_one_file_and_a_form_split_over_two_tables():
    data = paper_docx(
        PaperForm(project_name="第一个项目"),
        PaperForm(project_name="第二个项目", split=True, year_line="（2024年度）"),
        between="备注：以财政实际拨付金额为准。",
    )
    first, second = parse(data)
    assert (first.project_name, first.year) == ("第一个项目", 2023)
    assert (second.project_name, second.year) == ("第二个项目", 2024)
    assert len(first.indicators) == len(second.indicators) == len(DEFAULT_INDICATORS)


def test_two_forms_without_titles_are_told_apart_by_project_name():
    data = paper_docx(
        PaperForm(project_name="甲", title=""),
        PaperForm(project_name="乙", title="", year_line="2024年度"),
    )
    first, second = parse(data)
    assert (first.project_name, first.year, second.project_name, second.year) == (
        "甲",
        2023,
        "乙",
        2024,
    )
    assert len(first.indicators) == len(second.indicators) == 3


def test_indicator_rows_continue_in_a_second_table_without_heading():
    heading = [
        "绩\n效\n指\n标",
        "一级指标",
        "二级指标",
        "三级指标",
        "年度\n指标值",
        "实际\n完成值",
        "分值",
        "得分",
        "偏差原因",
    ]
    header = [
        "项目支出绩效自评表",
        "（2023年度）",
        Table(
            [
                [C("项目名称", 2), C("拆分项目", 7)],
                [C("主管部门", 2), C("办公室", 3), C("实施单位", 2), C("", 2)],
                [
                    C("项目资金（万元）", 1, "restart"),
                    C("", 2),
                    "年初预算数",
                    "全年预算数",
                    "全年执行数",
                    "分值",
                    "执行率",
                    "得分",
                ],
                [C(merge="continue"), C("年度资金总额", 2), "10", "10", "10", "10", "100%", "10"],
                heading,
                [
                    C("", merge="restart"),
                    C("产出指标", merge="restart"),
                    C("数量指标", merge="restart"),
                    "件数",
                    "≥2件",
                    "2件",
                    "45",
                    "45",
                    "",
                ],
            ]
        ),
        "（续表）",
        Table(
            [
                [
                    C("", merge="continue"),
                    C("", merge="continue"),
                    C("", merge="continue"),
                    "件数二",
                    "≥1件",
                    "1件",
                    "45",
                    "45",
                    "",
                ],
                [C("总分", 6), "100", "100", ""],
            ]
        ),
    ]
    [form] = parse(build_docx(header))
    assert [(r.level1, r.level2, r.name) for r in form.indicators] == [
        ("产出指标", "数量指标", "件数"),
        ("产出指标", "数量指标", "件数二"),
    ]
    assert form.recorded_total_score == Decimal("100")


def test_nested_table_grid_before_hmerge_and_content_controls():
    inner = [
        [C("项目名称", 2), C("嵌套项目", 7, sdt=True)],
        [C("主管部门", 2), C("办公室", 3), C("实施单位", 2), C("", 2)],
        [
            C("项目资金（万元）", merge="restart"),
            C("", 2),
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ],
        [
            C(merge="continue"),
            C("年度资金总额", hmerge="restart"),
            C("", hmerge="continue"),
            "5",
            "5",
            "5",
            "10",
            "100%",
            "10",
        ],
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因",
        ],
        ["", "产出指标", "数量指标", "件数", "≥2件", "2件", "90", "90", ""],
        [C("总分", 6), "100", "100", ""],
    ]
    data = build_docx(["项目支出绩效自评表（2023年度）", Table([[C("", nested=inner)]], columns=1)])
    [form] = parse(data)
    assert form.project_name == "嵌套项目"
    assert form.budget_lines[0].annual_budget == Decimal("5")
    assert form.indicators[0].weight == Decimal("90")


def test_grid_before_shifts_a_row():
    table = Table(
        [
            [C("项目名称", 2), C("左移项目", 7)],
            [C("主管部门", 2), C("办公室", 3), C("实施单位", 2), C("", 2)],
            [
                "绩效指标",
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "偏差原因",
            ],
            ["产出指标", "数量指标", "件数", "≥2件", "2件", "90", "90", ""],  # starts one column in
            [C("总分", 6), "100", "100", ""],
        ],
        grid_before={3: 1},
    )
    [form] = parse(build_docx(["（2023年度）", table]))
    row = form.indicators[0]
    assert (row.level1, row.name, row.weight) == ("产出指标", "件数", Decimal("90"))


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        (("产出指标", "创新指标"), ("产出指标", "创新指标")),
        (("过程指标(20分)", "数量指标"), ("过程指标", "数量指标")),
        (("(90分)", "数量指标"), ("产出指标", "数量指标")),
    ],
    ids=["unknown-level2", "unknown-level1", "level1-only-its-weight"],
)
def test_names_the_taxonomy_lacks_are_kept_for_the_preview_to_ask(written, kept):
    """An unknown 一级/二级 is read as written (without its weight); the preview asks
    what it stands for. A 一级 written only as its weight follows from its 二级."""
    level1, level2 = written
    form = PaperForm(indicators=((level1, level2, "件数", "2", "2", "10", "10", ""),))
    [data] = parse(paper_docx(form))
    row = data.indicators[0]
    assert (row.level1, row.level2) == kept


# --- what is wrong, said in Chinese with the row --------------------------------------


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (PaperForm(project_name=""), "缺少项目名称"),
        (PaperForm(department="", implementing_unit=""), "缺少主管部门"),
        (PaperForm(year_line="", title="项目支出绩效自评表"), "没有找到年度"),
        (
            PaperForm(indicators=(("产出指标", "数量指标", "件数", "2", "2", "十分", "10", ""),)),
            "第1个表格第12行：三级指标「件数」的分值「十分」不是数字",
        ),
        (
            PaperForm(budget=(("年度资金总额", "", "见附件", "10", "10", "", ""),)),
            "第1个表格第5行：项目资金「年度资金总额」的全年预算数「见附件」不是金额",
        ),
        (
            PaperForm(budget=(("年度资金总额", "", "10/20", "10", "10", "", ""),)),
            "不是一个金额",
        ),
        (  # a decimal comma: used to be read as 123 (a tenfold error)
            PaperForm(budget=(("年度资金总额", "", "12,3", "10", "10", "", ""),)),
            "全年预算数「12,3」不是数字：请输入数字，例如 12.5：小数点请用“.”",
        ),
        (
            PaperForm(budget=(("年度资金总额", "", "1.1234567", "1", "10", "", ""),)),
            "超过 6 位小数",
        ),
        (
            PaperForm(indicators=(("产出指标", "数量指标", "件数", "2", "2", "10.555", "10", ""),)),
            "2 位小数",
        ),
        (PaperForm(project_name="长" * 201), "项目名称有 201 个字"),
    ],
)
def test_bad_values_are_refused_naming_file_and_row(form, message):
    with pytest.raises(ImportFailure) as caught:
        parse(paper_docx(form), "坏表.docx")
    assert str(caught.value).startswith("文件「坏表.docx」")
    assert message in str(caught.value)


def test_a_word_file_without_the_form():
    with pytest.raises(ImportFailure, match="没有找到自评表"):
        parse(build_docx(["关于报送2023年度绩效自评材料的通知", "各单位：请于月底前报送。"]))


def test_the_same_project_twice_in_one_file():
    with pytest.raises(ImportFailure, match="第1张和第2张自评表是同一项目同一年度"):
        parse(paper_docx(PaperForm(), PaperForm()))


def test_a_reviewed_form_keeps_its_review_columns_through_our_export():
    from projects.selectors.evaluations import evaluation_result, with_rows
    from tests.factories import make_department, make_evaluation, make_project

    evaluation = make_evaluation(make_project(make_department("办公室")), indicators=2)
    row = evaluation.indicators.first()
    row.review_score, row.review_comment = Decimal("40"), "完成件数核减"
    row.save()
    evaluation = with_rows(type(evaluation).objects.filter(pk=evaluation.pk)).get()
    sheet = build_sheet(evaluation, evaluation_result(evaluation))
    [form] = parse(DocxExporter().render(sheet).read_all())
    first, second = form.indicators
    assert (first.score, first.review_score, first.review_comment) == (
        Decimal("45"),
        Decimal("40"),
        "完成件数核减",
    )
    assert second.review_score is None and second.review_comment == ""


def test_an_indicator_named_like_the_title_does_not_start_a_form():
    """The row's 一级/二级 cells are merged from above: its only own text is the name."""
    indicators = (
        DEFAULT_INDICATORS[0],
        ("产出指标", "数量指标", "完成绩效自评表填报", "", "", "", "", ""),
        *DEFAULT_INDICATORS[1:],
    )
    [form] = parse(paper_docx(PaperForm(indicators=indicators)))
    assert [row.name for row in form.indicators][:2] == ["完成报告数量", "完成绩效自评表填报"]


def test_rows_missing_their_first_cell_are_matched_by_position():
    """No grid, no gridBefore: the data rows simply have one cell fewer than the heading."""
    table = Table(
        [
            ["项目名称", "缺格项目"],
            ["主管部门", "办公室", "实施单位", ""],
            [
                "项目资金（万元）",
                "",
                "年初预算数",
                "全年预算数",
                "全年执行数",
                "分值",
                "执行率",
                "得分",
            ],
            ["年度资金总额", "8", "8", "8", "10", "100%", "10"],
            [
                "绩效指标",
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "实际完成值",
                "分值",
                "得分",
                "偏差原因",
            ],
            ["产出指标", "数量指标", "件数", "≥2件", "2件", "90", "90", ""],
            ["总分", "100", "100"],
        ],
        grid=False,
    )
    [form] = parse(build_docx(["（2023年度）", table]))
    assert form.budget_lines[0].annual_budget == Decimal("8")
    assert form.budget_weight == Decimal("10")
    row = form.indicators[0]
    assert (row.level1, row.level2, row.name, row.weight, row.score) == (
        "产出指标",
        "数量指标",
        "件数",
        Decimal("90"),
        Decimal("90"),
    )
    assert (form.recorded_total_weight, form.recorded_total_score) == (
        Decimal("100"),
        Decimal("100"),
    )


def test_what_the_preview_keeps_in_the_session_reads_back_unchanged():
    """The upload page stores parsed forms as interchange dicts between preview and
    confirm: nothing may be lost on the way (JSON, as the session serializer writes it)."""
    from projects.interchange import read_form_dict

    for form in parse(build_docx(seed_blocks())):
        stored = json.loads(json.dumps(form_data_to_dict(form)))
        assert read_form_dict(stored) == form
