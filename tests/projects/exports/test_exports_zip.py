"""The ZIP of many forms: streamed entry by entry, every member readable."""

import io
import zipfile

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from projects.exports.archive import ArchiveExporter
from projects.models import Evaluation
from tests.factories import make_evaluation, make_project
from tests.projects.exports_helpers import RETURN_COMMENT, demo_forms, returned_and_approved

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


def test_the_word_files_carry_the_review_record_at_a_fixed_query_count(
    dept_a, filler_a, reviewer_a
):
    def archive_queries() -> tuple[int, zipfile.ZipFile]:
        exporter = ArchiveExporter(("docx", "xlsx"))
        with CaptureQueriesContext(connection) as queries:
            _, archive = collect(exporter.render(Evaluation.objects.all(), title="2023年度"))
        return len(queries), archive

    for name in ("第一个项目", "第二个项目", "第三个项目"):
        evaluation = make_evaluation(make_project(dept_a, name), indicators=3)
        returned_and_approved(evaluation, filler_a, reviewer_a)
        if name == "第一个项目":
            one, _ = archive_queries()
    many, archive = archive_queries()
    assert many == one  # the events come in one prefetch, not one query per form
    words = [name for name in archive.namelist() if name.endswith(".docx")]
    assert len(words) == 3
    for name in words:
        document = docx.Document(io.BytesIO(archive.read(name)))
        assert "审核记录" in [p.text for p in document.paragraphs]
        assert RETURN_COMMENT in [cell.text for cell in document.tables[2].columns[3].cells]
