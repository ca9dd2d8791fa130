"""PDF import: a form's PDF reads back the values of the Word file it was printed from.

Two kinds of PDF with a text layer: one LibreOffice prints from a paper-like .docx
(skipped where LibreOffice is not installed), and our own PDF export (WeasyPrint),
read back against our own Word export of the same form. Scans, non-PDFs, encrypted,
damaged and overlong PDFs are refused with a Chinese message.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

from projects.exports.pdf import PdfExporter
from projects.exports.pdf_engine import html_to_pdf
from projects.exports.word import DocxExporter
from projects.imports import (
    DocxImporter,
    ImportFailure,
    PdfImporter,
    form_data_to_dict,
    importer_for,
)
from projects.imports import pdf as pdf_module
from projects.imports.pdf import DAMAGED, ENCRYPTED, NO_TABLE, SCANNED, cell_text
from tests.projects.docx_builder import PaperForm, paper_docx
from tests.projects.exports_helpers import demo_forms
from tests.projects.office import bordered, needs_soffice, soffice

pytestmark = pytest.mark.django_db

FORMS = (
    PaperForm(project_name="打印甲项目"),
    PaperForm(
        project_name="打印乙项目",
        department="办公室",
        goal_expected="完成两项工作",
        goal_actual="部分完成",
        split=True,
    ),
)


def readable(form) -> dict:
    """What a PDF must give back exactly: the header, the amounts, every 三级 row."""
    return {
        "header": (form.year, form.project_name, form.department, form.implementing_unit),
        "budget": [
            (line.kind, line.initial_budget, line.annual_budget, line.executed)
            for line in form.budget_lines
        ],
        "budget_weight": form.budget_weight,
        "rows": [
            (row.level1, row.level2, row.name, row.target, row.actual, row.weight, row.score)
            for row in form.indicators
        ],
        "total": (form.recorded_total_weight, form.recorded_total_score),
    }


def soffice_pdf(data: bytes, folder) -> bytes:
    source = folder / "自评表.docx"
    source.write_bytes(data)
    return soffice(source, "pdf").read_bytes()


@needs_soffice
def test_a_pdf_printed_from_word_reads_like_the_docx(tmp_path):
    data = bordered(paper_docx(*FORMS))
    expected = DocxImporter().parse(data, filename="自评表.docx")
    forms = importer_for("自评表.pdf").parse(soffice_pdf(data, tmp_path), filename="自评表.pdf")
    assert [readable(form) for form in forms] == [readable(form) for form in expected]
    assert [form_data_to_dict(form) for form in forms] == [
        form_data_to_dict(form) for form in expected
    ]
    assert [form.project_name for form in forms] == ["打印甲项目", "打印乙项目"]
    assert [len(form.indicators) for form in forms] == [3, 3]
    second = forms[1]
    assert (second.goal_expected, second.goal_actual) == ("完成两项工作", "部分完成")
    assert (second.project_lead, second.contact_phone) == ("张三", "69540000")


@pytest.mark.parametrize("project", ["帮扶专项资金", "2023“疏整促”专班经费", "价格认证资金"])
def test_our_own_pdf_export_reads_like_our_word_export(project):
    """Over two pages: the 绩效指标 and 一级指标 cells run on over the page break, and
    the 注 on the 元 amounts (疏整促) over two lines under the table."""
    sheet = next(sheet for _, _, sheet, _ in demo_forms() if sheet.project_name == project)
    [expected] = DocxImporter().parse(DocxExporter().render(sheet).content, filename="表.docx")
    [form] = PdfImporter().parse(PdfExporter().render(sheet).content, filename="表.pdf")
    assert readable(form) == readable(expected)
    assert form_data_to_dict(form) == form_data_to_dict(expected)
    assert form.project_name == project
    assert len(form.indicators) == len(sheet.indicator_rows) > 0


def image_pdf(pages: int = 1) -> bytes:
    """A scan: each page only a picture of a table, no text layer."""
    images = []
    for _ in range(pages):
        image = Image.new("RGB", (620, 877), "white")
        draw = ImageDraw.Draw(image)
        for y in range(100, 400, 30):
            draw.line((50, y, 570, y), fill="black", width=2)
        for x in (50, 200, 570):
            draw.line((x, 100, x, 370), fill="black", width=2)
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def test_a_scanned_pdf_is_refused():
    with pytest.raises(ImportFailure) as caught:
        PdfImporter().parse(image_pdf(), filename="扫描件.pdf")
    assert str(caught.value) == f"文件「扫描件.pdf」：{SCANNED}"


def test_a_pdf_with_text_but_no_ruled_table_is_refused():
    data = html_to_pdf(
        '<html lang="zh-CN"><body style="font-family: \'Noto Sans CJK SC\'">'
        "<h1>项目支出绩效自评表</h1><p>项目名称：甲项目</p><p>主管部门：办公室</p></body></html>"
    )
    with pytest.raises(ImportFailure) as caught:
        PdfImporter().parse(data, filename="无表格.pdf")
    assert str(caught.value) == f"文件「无表格.pdf」：{NO_TABLE}"


def test_more_pages_than_the_limit_are_refused(settings):
    assert settings.IMPORT_PDF_MAX_PAGES == 50
    with pytest.raises(ImportFailure) as caught:
        PdfImporter().parse(image_pdf(51), filename="长.pdf")
    assert (
        str(caught.value) == "文件「长.pdf」：PDF 共 51 页，超过上限 50 页；请只上传自评表所在的页"
    )
    with pytest.raises(ImportFailure, match="扫描件"):  # 50 pages are read (and are a scan)
        PdfImporter().parse(image_pdf(50), filename="长.pdf")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(range(256)) * 20, "文件扩展名是 .pdf，但内容不是 PDF 文件"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 20, DAMAGED),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer", DAMAGED),
    ],
)
def test_what_is_not_a_readable_pdf_is_refused(data, message):
    with pytest.raises(ImportFailure) as caught:
        importer_for("坏.pdf").parse(data, filename="坏.pdf")
    assert str(caught.value).startswith(f"文件「坏.pdf」：{message}")


def test_an_encrypted_pdf_is_refused():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(image_pdf())))
    writer.encrypt(user_password="secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ImportFailure) as caught:
        PdfImporter().parse(buffer.getvalue(), filename="加密.pdf")
    assert str(caught.value) == f"文件「加密.pdf」：{ENCRYPTED}"


def test_any_error_inside_pdfplumber_becomes_an_import_failure(monkeypatch):
    def broken(self):
        raise KeyError("/Resources")

    monkeypatch.setattr(pdf_module.PageBlocks, "blocks", broken)
    with pytest.raises(ImportFailure) as caught:
        PdfImporter().parse(image_pdf(), filename="异常.pdf")
    assert str(caught.value) == f"文件「异常.pdf」：{DAMAGED}"


def test_wrapped_lines_in_a_cell_are_joined_as_written():
    def chars(*lines: str) -> list[dict]:
        out = []
        for row, line in enumerate(lines):
            for column, character in enumerate(line):
                x, top = 10 + column * 10, 10 + row * 14
                out.append(
                    {"text": character, "x0": x, "x1": x + 9, "top": top, "bottom": top + 10}
                    | {"upright": True, "doctop": top, "size": 10}
                )
        return out

    assert cell_text(chars("指标", "1：完", "成报告")) == "指标1：完成报告"
    assert cell_text(chars("Annual", "report")) == "Annual report"
    assert cell_text(chars("1,863,1", "80")) == "1,863,180"
    assert cell_text(chars("98.36", "%")) == "98.36%"
    assert cell_text([]) == ""
