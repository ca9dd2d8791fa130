"""The .docx of a form, opened again with python-docx and checked cell by cell."""

import io
from decimal import Decimal

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm
from pypdf import PdfReader

from projects.exports.base import safe_filename
from projects.exports.word import DocxExporter
from projects.imports.word import DocxImporter
from tests.factories import make_evaluation, make_project
from tests.projects.exports_helpers import (
    APPROVE_COMMENT,
    RETURN_COMMENT,
    demo_forms,
    printed_money,
    returned_and_approved,
    sheet_of,
)
from tests.projects.office import needs_soffice, soffice

pytestmark = pytest.mark.django_db


def open_docx(sheet):
    rendered = DocxExporter().render(sheet)
    assert rendered.content_type.endswith("wordprocessingml.document")
    assert (
        rendered.filename == f"{sheet.year}年度_{safe_filename(sheet.project_name)}_绩效自评表.docx"
    )
    return docx.Document(io.BytesIO(rendered.content))


def grid(table):
    """Each row's cells once per grid column; merged cells share their ``_tc``."""
    return [row.cells for row in table.rows]


def text(cell) -> str:
    return cell.text


def test_the_14_demo_forms_read_back_cell_by_cell():
    for _, _, sheet, data in demo_forms():
        document = open_docx(sheet)
        top, indicators = document.tables
        rows = grid(top)
        assert text(rows[0][0]) == "项目名称"
        assert text(rows[0][1]) == sheet.project_name
        assert rows[0][1]._tc is rows[0][7]._tc  # the value spans the row
        assert (text(rows[1][1]), text(rows[1][5])) == (sheet.department, sheet.implementing_unit)
        # 项目资金（万元）: one cell over the header and the four lines.
        label = rows[3][0]
        assert text(label) == "项目资金\n（万元）"
        assert all(rows[i][0]._tc is label._tc for i in range(3, 8))
        total = data["budget_lines"][0]
        assert [text(c) for c in rows[4][1:8]] == [
            "年度资金总额",
            printed_money(total["initial_budget"]),
            printed_money(total["annual_budget"]),
            printed_money(total["executed"]),
            data["budget"]["weight"],
            data["budget"]["execution_rate"] + "%",
            data["budget"]["score"],
        ]
        assert [text(rows[5][6]), text(rows[5][7])] == ["", "—"]
        assert [text(rows[9][1]), text(rows[9][4])] == [sheet.goal_expected, sheet.goal_actual]

        rows = grid(indicators)
        header, body, total_row = rows[0], rows[1:-1], rows[-1]
        assert [text(c) for c in header[1:]] == [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度\n指标值",
            "实际\n完成值",
            "分值",
            "得分",
            "偏差原因分析\n及改进措施",
        ]
        # 绩效指标 spans the header and every indicator row, and not the 总分 row.
        assert text(header[0]) == "绩\n效\n指\n标"
        assert all(row[0]._tc is header[0]._tc for row in body)
        assert total_row[0]._tc is not header[0]._tc
        assert len(body) == len(data["indicators"])
        first_of_level1 = first_of_level2 = None
        for row, item, sheet_row in zip(
            body, data["indicators"], sheet.indicator_rows, strict=True
        ):
            assert text(row[1]) == item["level1"].strip()
            assert text(row[2]) == item["level2"].strip()
            if sheet_row.level1_rowspan:
                first_of_level1 = row
            if sheet_row.level2_rowspan:
                first_of_level2 = row
            assert row[1]._tc is first_of_level1[1]._tc
            assert row[2]._tc is first_of_level2[2]._tc
            assert [text(c) for c in row[3:9]] == [
                item["name"],
                item["target"],
                item["actual"],
                item["weight"] or "",
                item["counted_score"],
                item["deviation_reason"],
            ]
        assert text(total_row[0]) == "总分"
        assert total_row[0]._tc is total_row[5]._tc
        assert [text(total_row[6]), text(total_row[7])] == [
            data["total_weight"],
            data["total_score"],
        ]
        assert text(total_row[8]) == f"自评等级：{data['grade']}"
        # Distinct merged regions: the 一级 cells are as many as the 一级 runs.
        assert len({row[1]._tc for row in body}) == len(sheet.level1_blocks)


def test_header_repeats_rows_never_split_and_the_page_is_a4(evaluation_a):
    document = open_docx(sheet_of(evaluation_a))
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01)  # stored in twips
    assert abs(section.page_height - Cm(29.7)) < Cm(0.01)
    assert section.orientation == 0  # portrait
    top, indicators = document.tables
    trs = indicators._tbl.tr_lst
    assert trs[0].trPr.find(qn("w:tblHeader")) is not None
    assert all(tr.trPr.find(qn("w:tblHeader")) is None for tr in trs[1:])
    for tr in [*top._tbl.tr_lst, *trs]:
        assert tr.trPr.find(qn("w:cantSplit")) is not None
    borders = indicators._tbl.tblPr.find(qn("w:tblBorders"))
    assert {child.get(qn("w:val")) for child in borders} == {"single"}
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[:3] == ["项目支出绩效自评表", "（2023年度）", "状态：草稿"]


def test_chinese_fonts_are_set_for_east_asian_text(evaluation_a):
    document = open_docx(sheet_of(evaluation_a))
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    for name, font in (("Normal", "宋体"), ("Form Table Text", "宋体"), ("Form Subtitle", "仿宋")):
        fonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == font
    font_table = document.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
    ).blob.decode()
    assert 'w:name="宋体"' in font_table and 'w:val="SimSun"' in font_table
    assert 'w:name="仿宋"' in font_table and 'w:val="FangSong"' in font_table


def test_reviewed_forms_show_the_review_columns(dept_a):
    evaluation = make_evaluation(make_project(dept_a, "审核过的项目"), indicators=2)
    row = evaluation.indicators.first()
    row.review_score, row.review_comment = Decimal("30.00"), "证明材料不全"
    row.save()
    document = open_docx(sheet_of(evaluation))
    rows = grid(document.tables[1])
    assert [text(c) for c in rows[0][7:]] == [
        "自评\n得分",
        "审核\n得分",
        "偏差原因分析\n及改进措施",
        "审核意见",
    ]
    assert [text(c) for c in rows[1][6:]] == ["45.00", "45.00", "30.00", "", "证明材料不全"]
    assert [text(c) for c in rows[2][7:9]] == ["45.00", ""]
    # Both totals, each labelled: the filler's own, then after review.
    self_row, reviewed_row = rows[-2], rows[-1]
    assert [text(self_row[0]), text(self_row[6]), text(self_row[7]), text(self_row[9])] == [
        "自评总分",
        "100.00",
        "100.00",
        "自评等级：优",
    ]
    assert [text(reviewed_row[0]), text(reviewed_row[7]), text(reviewed_row[9])] == [
        "审核后总分",
        "85.00",
        "审核后等级：良",
    ]
    assert reviewed_row[7]._tc is reviewed_row[8]._tc
    assert reviewed_row[9]._tc is reviewed_row[10]._tc
    assert any("按审核得分计入总分" in p.text for p in document.paragraphs)


def test_user_text_is_escaped_and_control_characters_dropped(dept_a):
    evaluation = make_evaluation(
        make_project(dept_a, "<b>&amp; 项目\x0b名称</b>"),
        goal_expected="第一行\n第二行",
    )
    sheet = sheet_of(evaluation)
    assert DocxExporter().render(sheet).filename == "2023年度_b_&amp; 项目 名称_b_绩效自评表.docx"
    document = open_docx(sheet)
    rows = grid(document.tables[0])
    assert text(rows[0][1]) == "<b>&amp; 项目名称</b>"
    assert text(rows[9][1]) == "第一行\n第二行"


def test_review_comment_and_history_follow_the_table(evaluation_a, filler_a, reviewer_a):
    reviewer_a.first_name = "王审核"
    reviewer_a.save()
    returned_and_approved(evaluation_a, filler_a, reviewer_a)
    sheet = sheet_of(evaluation_a)
    document = open_docx(sheet)
    texts = [p.text for p in document.paragraphs]
    comment = texts.index(f"审核意见：{APPROVE_COMMENT}")  # its line break kept
    assert texts[comment + 1] == "审核记录"
    assert document.paragraphs[comment].runs[0].bold
    assert texts.index("审核记录") < texts.index(
        "检查结果（系统生成）：错误 0 项，警告 1 项，提示 1 项"
    )
    _, _, history = document.tables
    rows = [[text(c) for c in row] for row in grid(history)]
    assert rows[0] == ["时间", "操作", "操作人", "说明"]
    assert [row[1:] for row in rows[1:]] == [
        ["提交", "filler_a", ""],
        ["退回", "王审核", RETURN_COMMENT],
        ["保存", "filler_a", "共 2 次，修改 3 处"],
        ["提交", "filler_a", ""],
        ["审核通过", "王审核", APPROVE_COMMENT],
    ]
    assert [row[0] for row in rows[1:]] == [entry.at for entry in sheet.history]
    assert history.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    # The history table's text is set in the table style, with its East Asian font.
    cell = history.rows[2].cells[3].paragraphs[0]
    assert cell.style.name == "Form Table Text"
    fonts = cell.style.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    # Our own export still imports: the record after 总分 is not read as form data.
    [form] = DocxImporter().parse(DocxExporter().render(sheet).read_all(), filename="a.docx")
    assert (form.project_name, form.status, len(form.indicators)) == ("价格认证资金", "approved", 3)


def test_forms_without_review_print_no_review_section(evaluation_a):
    sheet = sheet_of(evaluation_a)
    document = open_docx(sheet)
    assert len(document.tables) == 2
    # The signature block's blank 审核人 is there on every form; nothing else of review.
    shown = [p.text for p in document.paragraphs if p.text not in sheet.signature_lines]
    assert not [text for text in shown if "审核" in text]


def test_the_signature_block_follows_the_notes_and_reads_back(dept_a):
    evaluation = make_evaluation(
        make_project(dept_a), indicators=2, paper_notes="评价结论：良好", status="approved"
    )
    sheet = sheet_of(evaluation)
    texts = [p.text for p in open_docx(sheet).paragraphs]
    signed = texts.index(
        "填报人：____________\u3000\u3000审核人：____________\u3000\u3000单位负责人：____________"
    )
    assert texts[signed + 1] == "单位（盖章）：____________\u3000\u3000填报日期：____________"
    assert texts.index("原表附注：评价结论：良好") < signed
    # Our own export reads back as the same form: the block is not a note of it.
    [form] = DocxImporter().parse(DocxExporter().render(sheet).read_all(), filename="a.docx")
    assert form.paper_notes == "评价结论：良好" and form.unplaced == ()
    assert len(form.indicators) == 2


@needs_soffice
def test_libreoffice_opens_the_docx(tmp_path):
    forms = demo_forms()
    sheet = next(sheet for _, _, sheet, _ in forms if sheet.project_name == "帮扶专项资金")
    path = tmp_path / "form.docx"
    path.write_bytes(DocxExporter().render(sheet).content)
    soffice(path, "pdf")
    reader = PdfReader(tmp_path / "form.pdf")
    assert len(reader.pages) >= 1
    content = "".join(page.extract_text() for page in reader.pages)
    assert "项目支出绩效自评表" in content
    assert "帮扶专项资金" in content
    assert "96.33" in content


@needs_soffice
def test_a_reviewed_forms_totals_do_not_wrap_in_libreoffice(dept_a, tmp_path):
    """The 分值 column of the reviewed table once held "100.00" as "100.0/0"."""
    evaluation = make_evaluation(make_project(dept_a, "审核过的项目"), indicators=2)
    row = evaluation.indicators.first()
    row.review_score, row.review_comment = Decimal("30.00"), "证明材料不全"
    row.save()
    path = tmp_path / "form.docx"
    path.write_bytes(DocxExporter().render(sheet_of(evaluation)).content)
    soffice(path, "pdf")
    lines = [
        line.strip()
        for page in PdfReader(tmp_path / "form.pdf").pages
        for line in page.extract_text().splitlines()
    ]
    totals = [line for line in lines if line.startswith(("自评总分", "审核后总分"))]
    assert totals == [
        "自评总分 100.00 100.00 自评等级：优",
        "审核后总分 100.00 85.00 审核后等级：良",
    ], lines
