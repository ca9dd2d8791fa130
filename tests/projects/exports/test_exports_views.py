"""Download views: happy path, the outsider's 404, wrong methods, the list's filter."""

import io
import zipfile
from urllib.parse import quote

import docx
import openpyxl
import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from projects.exports import archive as archive_module
from projects.imports import XlsxImporter
from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db


def form_url(evaluation, kind):
    return reverse("evaluation_export", args=[evaluation.pk, kind])


def list_url(kind, query=""):
    return reverse("evaluations_export", args=[kind]) + (f"?{query}" if query else "")


def test_filler_downloads_the_form_as_word_and_pdf(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    response = client.get(form_url(evaluation_a, "docx"))
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    filename = "2023年度_价格认证资金_绩效自评表.docx"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
    assert "no-store" in response["Cache-Control"]
    document = docx.Document(io.BytesIO(response.content))
    assert document.tables[0].rows[0].cells[1].text == "价格认证资金"

    response = client.get(form_url(evaluation_a, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "价格认证资金" in text


def test_the_form_as_a_paper_workbook(client, filler_a, reviewer_a, evaluation_a):
    """Served like the Word file, and it reads back through the Excel importer."""
    for user in (filler_a, reviewer_a):
        client.force_login(user)
        response = client.get(form_url(evaluation_a, "paper-xlsx"))
        assert response.status_code == 200
        assert response["Content-Type"].endswith("spreadsheetml.sheet")
        filename = "2023年度_价格认证资金_绩效自评表.xlsx"
        assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
        assert "no-store" in response["Cache-Control"]
        worksheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert (worksheet["A4"].value, worksheet["C4"].value) == ("项目名称", "价格认证资金")
        [form] = XlsxImporter().parse(response.content, filename=filename)
        assert form.project_name == "价格认证资金"


def test_outsider_gets_404(client, filler_b, evaluation_a):
    client.force_login(filler_b)
    for kind in ("docx", "pdf", "paper-xlsx"):
        assert client.get(form_url(evaluation_a, kind)).status_code == 404


def test_anonymous_is_sent_to_login(client, evaluation_a):
    response = client.get(form_url(evaluation_a, "docx"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(list_url("xlsx")).status_code == 302


def test_only_get(client, filler_a, evaluation_a):
    """And the list's POST: its 导出所选 button (tests/projects/views/test_views_batch.py)."""
    client.force_login(filler_a)
    assert client.post(form_url(evaluation_a, "docx")).status_code == 405
    for url in (form_url(evaluation_a, "docx"), list_url("xlsx")):
        assert client.put(url).status_code == 405


def test_unknown_format_is_404(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    assert client.get(form_url(evaluation_a, "xlsx")).status_code == 404
    assert client.get(list_url("docx")).status_code == 404


def test_a_character_no_font_has_is_a_clear_error(client, filler_a, dept_a):
    evaluation = make_evaluation(make_project(dept_a, "项目\u0378"))
    client.force_login(filler_a)
    response = client.get(form_url(evaluation, "pdf"))
    assert response.status_code == 422
    assert "U+0378" in response.content.decode()


def summary_projects(response) -> list[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [row[4] for row in workbook["汇总"].iter_rows(min_row=2, values_only=True) if row[0]]


def test_the_list_export_holds_only_the_users_forms(
    client, filler_a, filler_b, admin_user, evaluation_a, evaluation_b
):
    client.force_login(filler_a)
    response = client.get(list_url("xlsx", "year=2023"))
    assert response.status_code == 200
    filename = "2023年度_汇总表.xlsx"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(filename)}"
    assert summary_projects(response) == ["价格认证资金"]
    client.force_login(filler_b)
    assert summary_projects(client.get(list_url("xlsx"))) == ["档案整理及数字化服务"]
    client.force_login(admin_user)
    assert sorted(summary_projects(client.get(list_url("xlsx")))) == [
        "价格认证资金",
        "档案整理及数字化服务",
    ]


def test_the_list_export_follows_the_list_filters(client, admin_user, dept_a, evaluation_a):
    make_evaluation(make_project(dept_a, "没有指标的项目"))  # 总分 10: 差, with errors
    make_evaluation(make_project(dept_a, "去年的项目"), year=2022, indicators=3)
    client.force_login(admin_user)
    assert sorted(summary_projects(client.get(list_url("xlsx", "year=2023")))) == [
        "价格认证资金",
        "没有指标的项目",
    ]
    assert summary_projects(client.get(list_url("xlsx", "year=2023&grade=差"))) == [
        "没有指标的项目"
    ]
    assert summary_projects(client.get(list_url("xlsx", "has_errors=no&year=2023"))) == [
        "价格认证资金"
    ]
    assert summary_projects(client.get(list_url("xlsx", "q=去年"))) == ["去年的项目"]
    response = client.get(list_url("xlsx", "year=2022"))
    assert "2022" in response["Content-Disposition"]


def test_the_zip_is_never_made_in_the_request(
    client, filler_a, evaluation_a, evaluation_b, monkeypatch, settings, tmp_path
):
    """The list's ZIP link offers a background job; no PDF is rendered."""
    from jobs.models import Job
    from jobs.runners import run

    settings.MEDIA_ROOT = str(tmp_path / "media")
    rendered = []
    real_print_html = archive_module.print_html
    monkeypatch.setattr(
        archive_module, "print_html", lambda sheet: rendered.append(sheet) or real_print_html(sheet)
    )
    client.force_login(filler_a)
    response = client.get(list_url("zip", "year=2023&q=价格"))
    assert response.status_code == 200 and not response.streaming
    assert response["Content-Type"].startswith("text/html")
    assert rendered == []
    html = response.content.decode()
    assert "当前筛选共 1 张自评表" in html
    assert f'action="{reverse("jobs:year_zip")}"' in html
    assert 'name="q" value="价格"' in html and 'name="year" value="2023"' in html

    # The page's button: a job of the same selection, run by the worker.
    client.post(reverse("jobs:year_zip"), {"year": "2023", "q": "价格"})
    job = Job.objects.get()
    assert job.params["filters"]["query"] == "价格" and rendered == []
    assert run(job.pk) == "done"
    assert len(rendered) == 1
    download = client.get(reverse("jobs:download", args=[job.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == [
        "2023年度/2023年度_汇总表.xlsx",
        "2023年度/PDF/001_通州区发展和改革委员会_价格认证资金.pdf",
        "2023年度/Word/001_通州区发展和改革委员会_价格认证资金.docx",
    ]


def test_the_buttons_partial_links_to_the_exports(filler_a, evaluation_a):
    html = render_to_string("projects/_export_buttons.html", {"evaluation": evaluation_a})
    assert form_url(evaluation_a, "docx") in html and form_url(evaluation_a, "pdf") in html
    assert form_url(evaluation_a, "paper-xlsx") in html
    html = render_to_string("projects/_export_buttons.html", {"query": "year=2023&status=draft"})
    assert list_url("xlsx", "year=2023&amp;status=draft") in html
    assert list_url("zip", "year=2023&amp;status=draft") in html
