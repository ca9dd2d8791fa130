"""The 年度报告 (.docx): its numbers are the dashboard's and the Excel summary's.

The demo year is built into a report and read back with python-docx; every count and
amount is compared with ``year_dashboard`` for the same user and scope.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import docx
import openpyxl
import pytest
from django.core.management import CommandError, call_command

from projects.demo import load_demo
from projects.exports import report_charts
from projects.exports.excel import SummaryExporter
from projects.exports.registry import REPORT_EXPORTER
from projects.exports.report import NO_DEADLINE, every_form_reader, year_report
from projects.models import Department, Evaluation, EvaluationSummary, ReportingYear
from projects.numbers import format_money, format_rate, format_score
from projects.roles import Role
from projects.selectors.dashboard import NOT_STARTED, STATUS_COLUMNS, year_dashboard
from tests.factories import make_user

pytestmark = pytest.mark.django_db
YEAR = 2023


def build(user, **kwargs) -> tuple[bytes, docx.document.Document]:
    buffer = io.BytesIO()
    REPORT_EXPORTER.write(year_report(user, YEAR, **kwargs), buffer)
    data = buffer.getvalue()
    return data, docx.Document(io.BytesIO(data))


def tables(document) -> list[list[list[str]]]:
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def table_after(document, heading: str) -> list[list[str]]:
    """The first table after the table whose header row starts with ``heading``."""
    for table in tables(document):
        if table[0][0] == heading:
            return table
    raise AssertionError(f"no table headed {heading}")


def text(document) -> str:
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def assert_report_is_the_dashboard(document, board) -> None:
    coverage = {row[0]: row[1] for row in table_after(document, "项目")}
    statuses = dict(board.status_totals)
    assert coverage["已建自评表"] == str(board.forms.value)
    assert coverage["应填（已建＋未开始）"] == str(board.forms.value + statuses[NOT_STARTED].value)
    for status, label in STATUS_COLUMNS:
        assert coverage[label] == str(statuses[status].value), label

    money = table_after(document, "主管部门")
    assert money[-1] == [
        "合计",
        str(board.forms.value),
        format_money(board.annual_budget),
        format_money(board.executed),
        format_rate(board.execution_rate),
    ]
    assert [row[0] for row in money[1:-1]] == [row.name for row in board.departments]
    for line, row in zip(money[1:-1], board.departments, strict=True):
        assert line[2:] == [
            format_money(row.annual_budget),
            format_money(row.executed),
            format_rate(row.execution_rate) or "—",
        ]

    grades = table_after(document, "等级")
    assert {row[0]: row[1] for row in grades[1:-1]} == {
        bucket.label: str(bucket.count.value) for bucket in board.grades
    }
    scores = table_after(document, "总分")
    assert [row[1] for row in scores[1:-1]] == [str(b.count.value) for b in board.scores]
    assert f"平均总分 {format_score(board.average_score)}" in text(document)


def test_the_demo_years_report_says_what_the_dashboard_says(admin_user):
    load_demo()
    board = year_dashboard(admin_user, YEAR)
    assert board.forms.value > 0 and board.annual_budget > 0
    _, document = build(admin_user)
    assert_report_is_the_dashboard(document, board)
    lowest = next(t for t in tables(document) if t[0][:2] == ["主管部门", "项目名称"])
    assert [row[1] for row in lowest[1:]] == [e.project.name for e in board.lowest_scores]
    assert round(document.sections[0].page_width.cm, 1) == 21.0  # A4
    assert len(document.inline_shapes) == 4  # status, money, grades, scores


def test_one_departments_and_a_reviewers_report_are_their_dashboards(admin_user):
    load_demo()
    department = Department.objects.filter(parent__isnull=True).order_by("name").first()
    board = year_dashboard(admin_user, YEAR, department_id=department.pk)
    _, document = build(admin_user, department_id=department.pk)
    assert_report_is_the_dashboard(document, board)
    assert f"范围：{department.name}" in text(document)

    reviewer = make_user("reviewer_demo", Role.REVIEWER, department)
    board = year_dashboard(reviewer, YEAR)
    assert 0 < board.forms.value < Evaluation.objects.filter(year=YEAR).count()
    _, document = build(reviewer)
    assert_report_is_the_dashboard(document, board)


def test_the_totals_are_the_excel_summarys(admin_user):
    load_demo()
    buffer = io.BytesIO()
    SummaryExporter().write(Evaluation.objects.filter(year=YEAR), buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["汇总"]
    total = next(row for row in sheet.iter_rows(values_only=True) if str(row[4]).startswith("合计"))
    _, document = build(admin_user)
    money = table_after(document, "主管部门")[-1]
    count = Evaluation.objects.filter(year=YEAR).count()
    assert total[4] == f"合计（{count} 个项目）" and money[1] == str(count)
    for written, cell in ((money[2], total[6]), (money[3], total[7])):
        assert Decimal(written.replace(",", "")) == Decimal(str(cell)).quantize(Decimal("0.000001"))


def test_findings_are_counted_with_an_example_and_hints_have_their_table(admin_user):
    load_demo()
    summary = EvaluationSummary.objects.filter(evaluation__year=YEAR).order_by("pk").first()
    details = summary.result_details
    details["findings"] += [
        ["some_hint", "hint", "可补充说明（示例）", ""],
        ["some_hint", "hint", "可补充说明（第二条）", ""],
    ]
    EvaluationSummary.objects.filter(pk=summary.pk).update(result_details=details)
    report = year_report(admin_user, YEAR)
    assert list(report.findings)[:2] == ["error", "warning"]
    hint = next(f for f in report.findings["hint"] if f.code == "some_hint")
    assert (hint.forms, hint.occurrences) == (1, 2)
    assert hint.example_project == summary.evaluation.project.name
    assert hint.example_message == "可补充说明（示例）"
    mismatch = next(f for f in report.findings["warning"] if f.code == "recorded_total_mismatch")
    assert mismatch.forms == report.board.recorded_total_wrong.value > 0

    _, document = build(admin_user)
    assert "（三）最常见的提示" in text(document)
    checks = [t for t in tables(document) if t[0][0] == "检查项"]
    assert ["其他检查", "1", "2"] in [row[:3] for row in checks[2][1:]]
    assert checks[0][1][0] in {"得分与计分规则不符", "分值合计不是100"}


def test_the_legacy_forms_with_a_wrong_written_total_are_listed(admin_user):
    load_demo()
    wrong = Evaluation.objects.filter(year=YEAR, summary__recorded_total_mismatch=True)
    _, document = build(admin_user)
    listed = next(t for t in tables(document) if t[0][2:4] == ["原表总分", "计算总分"])
    assert sorted(row[1] for row in listed[1:]) == sorted(e.project.name for e in wrong)
    for row in listed[1:]:
        form = wrong.get(project__name=row[1])
        assert row[2:] == [
            format_score(form.recorded_total_score),
            format_score(form.summary.total_score),
            format_score(form.recorded_total_score - form.summary.total_score),
        ]


def test_the_deadline_says_what_is_overdue(admin_user):
    load_demo()
    _, document = build(admin_user)
    assert f"本年度{NO_DEADLINE}" in text(document)
    first = Evaluation.objects.filter(year=YEAR).order_by("pk").first()
    Evaluation.objects.filter(pk=first.pk).update(status=Evaluation.Status.DRAFT)
    ReportingYear.objects.update_or_create(
        year=YEAR, defaults={"deadline": date.today() - timedelta(days=1)}
    )
    report = year_report(admin_user, YEAR)
    drafts = Evaluation.objects.filter(year=YEAR, status__in=["draft", "returned"]).count()
    assert report.overdue == drafts >= 1
    _, document = build(admin_user)
    assert f"仍有 {drafts} 张逾期未提交" in text(document)
    assert {r[0]: r[1] for r in table_after(document, "项目")}["逾期未提交"] == str(drafts)
    ReportingYear.objects.filter(year=YEAR).update(deadline=date.today() + timedelta(days=1))
    assert year_report(admin_user, YEAR).overdue is None


def test_without_the_chinese_font_the_report_says_what_to_install(admin_user, monkeypatch):
    load_demo()
    report_charts.chart_font.cache_clear()
    monkeypatch.setattr(report_charts.shutil, "which", lambda name: None)
    try:
        with pytest.raises(report_charts.ChartFontMissing, match="fonts-noto-cjk"):
            build(admin_user)
    finally:
        report_charts.chart_font.cache_clear()


def test_export_forms_writes_the_report(tmp_path):
    load_demo()
    out = tmp_path / "report.docx"
    call_command("export_forms", year=YEAR, format="report", out=out)
    document = docx.Document(str(out))
    assert document.paragraphs[0].text == f"{YEAR}年度绩效自评情况报告"
    assert_report_is_the_dashboard(document, year_dashboard(every_form_reader(), YEAR))
    department = Department.objects.filter(parent__isnull=True).order_by("name").first()
    call_command("export_forms", year=YEAR, format="report", out=out, department=department.name)
    assert f"范围：{department.name}" in text(docx.Document(str(out)))
    with pytest.raises(CommandError, match="没有名为“无此部门”的主管部门"):
        call_command("export_forms", year=YEAR, format="report", out=out, department="无此部门")
    with pytest.raises(CommandError, match="没有 1999 年度的自评表"):
        call_command("export_forms", year=1999, format="report", out=out)
    with pytest.raises(CommandError, match="--department 只用于 --format report"):
        call_command("export_forms", year=YEAR, format="xlsx", out=out, department="x")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_the_report(admin_user, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    load_demo()
    data, _ = build(admin_user)
    source = tmp_path / "report.docx"
    source.write_bytes(data)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    reader = pypdf.PdfReader(str(tmp_path / "report.pdf"))
    first = reader.pages[0]
    assert f"{YEAR}年度绩效自评情况报告" in first.extract_text().replace(" ", "")
    assert float(first.mediabox.width) == pytest.approx(595, abs=2)  # A4: 595 × 842 pt
    assert float(first.mediabox.height) == pytest.approx(842, abs=2)
