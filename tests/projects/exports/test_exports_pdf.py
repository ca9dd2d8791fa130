"""The PDF of a form: Chinese text that extracts as Chinese, embedded Noto CJK fonts, strictness."""

import io
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader
from pypdf._text_extraction import mult

from projects.exports.pdf import PdfExporter, print_html
from projects.exports.pdf_engine import PdfRenderError, harfbuzz_subset_available, html_to_pdf
from tests.factories import make_evaluation, make_project
from tests.projects.exports_helpers import (
    APPROVE_COMMENT,
    RETURN_COMMENT,
    demo_forms,
    returned_and_approved,
    sheet_of,
)

pytestmark = pytest.mark.django_db


def fonts_of(reader: PdfReader) -> list[tuple[str, bool]]:
    """(BaseFont, embedded?) for every font used on any page."""
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = "/FontFile2" in descriptor or "/FontFile3" in descriptor
            found[str(font["/BaseFont"])] = embedded
    return sorted(found.items())


def read_pdf(sheet) -> tuple[PdfReader, str]:
    rendered = PdfExporter().render(sheet)
    assert rendered.content_type == "application/pdf"
    assert rendered.filename.endswith("_绩效自评表.pdf")
    reader = PdfReader(io.BytesIO(rendered.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("project", ["帮扶专项资金", "2023“疏整促”专班经费", "价格认证资金"])
def test_demo_forms_extract_as_chinese_with_embedded_noto_cjk(project):
    sheet, data = next((s, d) for _, _, s, d in demo_forms() if s.project_name == project)
    reader, content = read_pdf(sheet)
    flat = "".join(content.split())
    assert "项目支出绩效自评表" in flat
    assert "".join(project.split()) in flat
    assert "总分" in flat and data["total_score"] in flat
    assert "状态：已提交" in flat
    assert "第1页/共" in flat  # the page number in the bottom margin box
    fonts = fonts_of(reader)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert any("Noto-Serif-CJK-SC" in name or "Noto-Sans-CJK-SC" in name for name, _ in fonts), (
        fonts
    )


def test_long_forms_repeat_the_column_header_on_every_page(dept_a):
    evaluation = make_evaluation(make_project(dept_a, "四十个指标的项目"), indicators=40)
    reader, _ = read_pdf(sheet_of(evaluation))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert "三级指标" in page.extract_text()


def _margin_lines(page) -> dict[str, list[str]]:
    """The page's text in the top and bottom margins (16 mm), one string per line."""
    height = float(page.mediabox.height)
    margin = 16 / 25.4 * 72
    found: dict[str, list[tuple[float, float, str]]] = {"top": [], "bottom": []}

    def visit(text, cm, tm, _font, _size):
        x, y = mult(tm, cm)[4:6]  # the text's origin in page space
        band = "top" if y > height - margin else "bottom" if y < margin else ""
        if band and text.strip():
            found[band].append((y, x, text))

    page.extract_text(visitor_text=visit)
    lines: dict[str, list[str]] = {}
    for band, parts in found.items():
        rows: list[list[tuple[float, float, str]]] = []
        for part in sorted(parts, reverse=True):  # top down
            if rows and abs(rows[-1][0][0] - part[0]) < 3:  # the same line (1 mm)
                rows[-1].append(part)
            else:
                rows.append([part])
        lines[band] = [
            " ".join(t.strip() for _, _, t in sorted(r, key=lambda p: p[1])) for r in rows
        ]
    return lines


def test_a_long_project_name_is_cut_in_the_running_header(dept_a):
    """200 characters once took four lines and squeezed the status box."""
    name = ("关于开展全区档案整理及数字化服务与信息化平台建设运维保障" * 8)[:200]
    evaluation = make_evaluation(make_project(dept_a, name), indicators=40)
    reader, content = read_pdf(sheet_of(evaluation))
    assert len(reader.pages) >= 2
    assert name in "".join(content.split())  # the table itself shows all of it
    for number, page in enumerate(reader.pages, start=1):
        margins = _margin_lines(page)
        assert len(margins["top"]) == 1, margins  # one line: name and status side by side
        title, status = margins["top"][0].rsplit(" ", 1)
        assert status == "状态：草稿"
        assert title == name[:39] + "…"
        assert "".join(margins["bottom"][0].split()) == f"第{number}页/共{len(reader.pages)}页"


def test_a_short_project_name_is_the_running_header_as_is(evaluation_a):
    reader, _ = read_pdf(sheet_of(evaluation_a))
    assert _margin_lines(reader.pages[0])["top"] == ["价格认证资金 状态：草稿"]


def test_draft_status_and_review_columns_are_visible(dept_a):
    evaluation = make_evaluation(make_project(dept_a, "审核过的项目"), indicators=2)
    row = evaluation.indicators.first()
    row.review_score, row.review_comment = Decimal("30.00"), "证明材料不全"
    row.save()
    _, content = read_pdf(sheet_of(evaluation))
    flat = "".join(content.split())
    assert "状态：草稿" in flat
    assert "审核得分" in flat and "证明材料不全" in flat and "85.00" in flat
    # Both totals, labelled: before review 100.00 优, after it 85.00 良.
    assert "自评总分100.00100.00自评等级：优" in flat
    assert "审核后总分100.0085.00审核后等级：良" in flat


def test_review_comment_and_history_follow_the_table(evaluation_a, filler_a, reviewer_a):
    reviewer_a.first_name = "王审核"
    reviewer_a.save()
    returned_and_approved(evaluation_a, filler_a, reviewer_a)
    sheet = sheet_of(evaluation_a)
    reader, content = read_pdf(sheet)
    flat = "".join(content.split())
    assert "审核意见：" + "".join(APPROVE_COMMENT.split()) in flat
    assert "审核记录时间操作操作人说明" in flat
    assert f"{''.join(sheet.history[1].at.split())}退回王审核{RETURN_COMMENT}" in flat
    assert "保存filler_a共2次，修改3处" in flat
    assert flat.index("审核记录") < flat.index("检查结果")
    fonts = fonts_of(reader)
    assert fonts and all(embedded for _, embedded in fonts), fonts


def test_forms_without_review_print_no_review_section(evaluation_a):
    sheet = sheet_of(evaluation_a)
    html = render_to_string("projects/_evaluation_table.html", {"sheet": sheet})
    # The signature block's blank 审核人 is there on every form; nothing else of review.
    for line in sheet.signature_lines:
        html = html.replace(line, "")
    assert "审核" not in html and "se-review" not in html and "se-history" not in html
    _, content = read_pdf(sheet)
    assert "".join(content.split()).count("审核") == 1  # 审核人：____


def test_the_signature_block_is_printed_after_the_notes(client, dept_a, reviewer_a):
    evaluation = make_evaluation(
        make_project(dept_a), indicators=2, paper_notes="评价结论：良好", status="approved"
    )
    sheet = sheet_of(evaluation)
    lines = [f"<p>{line}</p>" for line in sheet.signature_lines]
    client.force_login(reviewer_a)
    page = client.get(reverse("evaluation_print", args=[evaluation.pk])).content.decode()
    html = print_html(sheet)
    for document in (page, html):
        assert '<div class="se-signatures">' + "".join(lines) + "</div>" in document
        assert document.index("原表附注：评价结论：良好") < document.index(lines[0])
    _, content = read_pdf(sheet)
    flat = "".join(content.split())
    for label in ("填报人：", "审核人：", "单位负责人：", "单位（盖章）：", "填报日期："):
        assert label in flat
    assert flat.index("原表附注") < flat.index("填报人：")


def test_the_print_page_shows_the_record_and_the_form_page_not_twice(
    client, evaluation_a, filler_a, reviewer_a
):
    returned_and_approved(evaluation_a, filler_a, reviewer_a)
    client.force_login(reviewer_a)
    page = client.get(reverse("evaluation_print", args=[evaluation_a.pk])).content.decode()
    assert page.count("<h2>审核记录</h2>") == 1 and RETURN_COMMENT in page
    # The form page has its own full history (_history.html), not this one.
    page = client.get(evaluation_a.get_absolute_url()).content.decode()
    assert "修改记录" in page and "se-history" not in page


def test_a_missing_glyph_is_an_error_not_a_box():
    with pytest.raises(PdfRenderError, match="U\\+0378"):
        html_to_pdf("<p>中文\u0378</p>")


def test_no_file_or_network_is_read_while_rendering():
    with pytest.raises(PdfRenderError, match="不允许读取外部资源"):
        html_to_pdf('<p>中文</p><img src="file:///etc/hostname">')
    with pytest.raises(PdfRenderError, match="不允许读取外部资源"):
        html_to_pdf('<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p>中文</p>')


def test_harfbuzz_subsetting_is_available():
    # Without libharfbuzz-subset0 a Chinese PDF takes seconds (a slow fallback subsetter).
    assert harfbuzz_subset_available()


def test_the_partial_escapes_user_text_and_needs_only_the_sheet(dept_a):
    evaluation = make_evaluation(make_project(dept_a, "<script>alert(1)</script>"))
    html = render_to_string("projects/_evaluation_table.html", {"sheet": sheet_of(evaluation)})
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "项目支出绩效自评表" in html and "（2023年度）" in html
    # The page's Content-Security-Policy forbids <style> elements: the partial links its CSS.
    assert "<style" not in html and "css/evaluation_table.css" in html
    page = print_html(sheet_of(evaluation))
    # The table, the running header's attribute and the <title>.
    assert page.count("&lt;script&gt;") == 3
    assert 'data-running-title="&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert "<link" not in page and ".se-sheet table" in page  # inlined for WeasyPrint


def test_the_start_up_check_warns_without_harfbuzz_subset(monkeypatch):
    from projects.exports import checks

    assert checks.pdf_export_check() == []
    monkeypatch.setattr(checks, "harfbuzz_subset_available", lambda: False)
    (warning,) = checks.pdf_export_check()
    assert warning.id == "selfeval.W002" and "libharfbuzz-subset0" in warning.hint
