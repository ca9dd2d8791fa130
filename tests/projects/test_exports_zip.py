"""The ZIP of many forms: streamed entry by entry, every member readable."""

import io
import zipfile

import docx
import pytest
from pypdf import PdfReader

from projects.exports.archive import ArchiveExporter
from projects.models import Evaluation
from tests.factories import make_evaluation, make_project
from tests.projects.exports_helpers import demo_forms

pytestmark = pytest.mark.django_db


def collect(rendered):
    chunks = list(rendered.content)
    return chunks, zipfile.ZipFile(io.BytesIO(b"".join(chunks)))


def test_word_of_the_14_demo_forms_streams_one_entry_at_a_time():
    demo_forms()
    rendered = ArchiveExporter(("docx",)).render(Evaluation.objects.all(), title="2023年度")
    assert rendered.filename == "2023年度_绩效自评表_Word.zip"
    chunks, archive = collect(rendered)
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 14
    assert [name.split("/")[-1][:4] for name in names] == [f"{n:03d}_" for n in range(1, 15)]
    # Streamed: many chunks, none of them the whole archive.
    assert len(chunks) >= 14
    assert max(map(len, chunks)) < sum(map(len, chunks)) / 5
    for name in names:
        document = docx.Document(io.BytesIO(archive.read(name)))
        assert document.paragraphs[0].text == "项目支出绩效自评表"


def test_everything_for_two_forms(dept_a):
    for name in ("价格认证资金", "法律顾问"):
        make_evaluation(make_project(dept_a, name), indicators=3)
    rendered = ArchiveExporter().render(Evaluation.objects.all(), title="2023年度")
    assert rendered.filename == "2023年度_绩效自评表.zip"
    _, archive = collect(rendered)
    names = archive.namelist()
    assert names[-1] == "2023年度/2023年度_汇总表.xlsx"  # written last, after one pass
    pdfs = sorted(n for n in names if n.endswith(".pdf"))
    assert pdfs == [
        "2023年度/PDF/001_通州区发展和改革委员会_价格认证资金.pdf",
        "2023年度/PDF/002_通州区发展和改革委员会_法律顾问.pdf",
    ]
    for name in pdfs:
        project = name.rsplit("_", 1)[1][: -len(".pdf")]
        assert project in PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
    assert len([n for n in names if n.endswith(".docx")]) == 2


def test_a_form_whose_pdf_fails_is_named_in_the_archive(dept_a):
    make_evaluation(make_project(dept_a, "好项目"))
    make_evaluation(make_project(dept_a, "坏项目\u0378"))
    rendered = ArchiveExporter(("pdf",)).render(Evaluation.objects.all(), title="2023年度")
    _, archive = collect(rendered)
    assert archive.testzip() is None
    (good,) = [n for n in archive.namelist() if n.endswith("_好项目.pdf")]
    assert archive.read(good).startswith(b"%PDF-")
    (failed,) = [n for n in archive.namelist() if n.endswith(".pdf.错误.txt")]
    assert "U+0378" in archive.read(failed).decode()


def test_the_summary_in_the_zip_equals_the_summary_alone():
    import openpyxl

    from projects.exports.excel import SummaryExporter

    demo_forms()
    rendered = ArchiveExporter(("xlsx",)).render(Evaluation.objects.all(), title="2023年度")
    _, archive = collect(rendered)
    (name,) = archive.namelist()
    inside = openpyxl.load_workbook(io.BytesIO(archive.read(name)))
    alone = openpyxl.load_workbook(
        io.BytesIO(SummaryExporter().render(Evaluation.objects.all(), title="x").read_all())
    )
    for title in ("汇总", "指标明细", "检查结果"):
        assert list(inside[title].values) == list(alone[title].values)
