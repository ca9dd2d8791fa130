"""Nothing XML cannot hold is stored, every text has a limit.

Characters XML cannot hold are removed on every input path (they are invisible),
a lone surrogate in an import is refused; text over its limit is refused with a
message naming the field, never cut; the exporters cope with what is already stored.
"""

from __future__ import annotations

import io
import json
import zipfile

import docx
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DataError, IntegrityError, transaction
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from projects.demo import DEMO_FILE
from projects.exports.archive import ArchiveExporter
from projects.exports.excel import SummaryExporter
from projects.exports.pdf import PdfExporter
from projects.exports.word import DocxExporter
from projects.forms.evaluations import EvaluationEditor
from projects.imports import DocxImporter, ImportFailure, JsonImporter, XlsxImporter
from projects.imports.excel import cell_text
from projects.models import (
    COMMENT_MAX,
    GOAL_MAX,
    PROJECT_NAME_MAX,
    REASON_MAX,
    REOPEN_REASON_MAX,
    Department,
    Evaluation,
    EvaluationEvent,
    Indicator,
    Project,
    ReportingYear,
)
from projects.roles import Role
from projects.selectors.evaluations import load_taxonomy
from projects.text import CleanCharField, clean_text, excerpt, lone_surrogate, too_long
from tests.factories import make_evaluation, make_project
from tests.projects.docx_builder import PaperForm, paper_docx
from tests.projects.exports_helpers import sheet_of
from tests.projects.form_helpers import page_data, url
from tests.projects.imports.test_imports_excel import paper_sheet

pytestmark = pytest.mark.django_db

INVISIBLE = "\x00\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff"
SURROGATE = "\ud83d"  # the first half of 😀, alone


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the cleaning function ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (f"完成{INVISIBLE}件数", "完成件数"),
        (f"a{SURROGATE}b\udfffc", "abc"),
        ("第一行\r\n第二行\r第三行\n\t缩进", "第一行\n第二行\n第三行\n\t缩进"),
        ("表情😀与生僻字𠀀保留", "表情😀与生僻字𠀀保留"),
        ("  前后空格不动  ", "  前后空格不动  "),
    ],
)
def test_clean_text(typed, stored):
    assert clean_text(typed) == stored


def test_the_helpers_for_messages():
    assert lone_surrogate(f"ab{SURROGATE}") == "U+D83D" and lone_surrogate("😀") is None
    assert too_long("实际完成情况", 5000, "字" * 8000) == (
        "「实际完成情况」最多 5000 字，现为 8000 字，请删减"
    )
    assert too_long("实际完成情况", 5000, "字" * 5000) is None
    assert excerpt(f"{SURROGATE}{'长' * 100}") == "长" * 40 + "…"


def test_the_form_field_refuses_instead_of_cutting():
    field = CleanCharField(label="三级指标", max_length=5)
    assert field.clean("ab\ufffec\x01") == "abc"
    with pytest.raises(ValidationError, match="「三级指标」最多 5 字，现为 6 字"):
        field.clean("六个字六个字")
    assert "maxlength" not in field.widget_attrs(field.widget)
    assert "maxlength" not in str(CleanCharField(max_length=5).widget.render("x", ""))


# --- the form page, the reviewer, the admin pages ------------------------------------------


def test_the_editor_removes_invisible_characters(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data["indicator-0-name"] = "件数\ufffe一"
    data["goal_actual"] = "已完成\x01。\r\n下一行"
    data["indicator-0-deviation_reason"] = "无\x0b"
    response = client.post(url("evaluation_save", evaluation_a), data)
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(pk=evaluation_a.pk)
    assert evaluation.goal_actual == "已完成。\n下一行"
    row = evaluation.indicators.get(position=1)
    assert (row.name, row.deviation_reason) == ("件数一", "无")
    changes = EvaluationEvent.objects.get(evaluation=evaluation, kind="saved").changes
    assert all("\ufffe" not in change["after"] for change in changes)


def test_the_editor_drops_a_lone_surrogate(evaluation_a):
    # No browser can send one (a page's UTF-8 cannot encode it), but the form is ready.
    data = page_data(evaluation_a)
    data["indicator-0-name"] = f"件数{SURROGATE}"
    data["goal_expected"] = f"目标{SURROGATE}"
    editor = EvaluationEditor(data, taxonomy=load_taxonomy(), evaluation=evaluation_a)
    assert editor.is_valid()
    assert editor.rows.forms[0].cleaned_data["name"] == "件数"
    assert editor.header.cleaned_data["goal_expected"] == "目标"


def test_an_over_long_text_is_refused_with_its_length(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data["goal_actual"] = "完" * (GOAL_MAX + 1)
    data["indicator-1-override_reason"] = "因" * (REASON_MAX + 5)
    response = client.post(url("evaluation_save", evaluation_a), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"「实际完成情况」最多 {GOAL_MAX} 字，现为 {GOAL_MAX + 1} 字" in html
    assert f"第2行·「调整得分理由」最多 {REASON_MAX} 字，现为 {REASON_MAX + 5} 字" in html
    assert "完" * (GOAL_MAX + 1) in html  # kept as typed, to shorten
    evaluation = Evaluation.objects.get(pk=evaluation_a.pk)
    assert (evaluation.version, evaluation.goal_actual) == (1, "")
    # The page cuts nothing itself.
    page = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    assert "maxlength" not in page


def test_a_new_project_name_over_200_is_refused_not_cut(client, filler_a, dept_a, open_round):
    client.force_login(filler_a)
    create = reverse("evaluation_create")
    assert "maxlength" not in client.get(create).content.decode()
    name = "项" * (PROJECT_NAME_MAX + 50)
    response = client.post(create, {"year": "2024", "new_project_name": name, "unit": dept_a.pk})
    assert response.status_code == 200
    assert f"「新项目名称」最多 {PROJECT_NAME_MAX} 字，现为 {PROJECT_NAME_MAX + 50} 字" in (
        response.content.decode()
    )
    assert not Project.objects.filter(name__startswith="项项").exists()


def _submitted(dept):
    evaluation = make_evaluation(
        make_project(dept, "审核项目"), indicators=2, status=Evaluation.Status.SUBMITTED
    )
    return evaluation, list(evaluation.indicators.all())


def test_review_comments_are_cleaned_and_limited(client, reviewer_a, dept_a):
    evaluation, rows = _submitted(dept_a)
    client.force_login(reviewer_a)
    response = client.post(
        url("evaluation_review", evaluation),
        {
            "version": evaluation.version,
            "review_comment": "整表\ufffe意见\x01",
            f"review-{rows[0].pk}-comment": "请核实\x1f",
        },
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    rows[0].refresh_from_db()
    assert (evaluation.review_comment, rows[0].review_comment) == ("整表意见", "请核实")

    response = client.post(
        url("evaluation_return", evaluation),
        {
            "version": evaluation.version,
            "review_comment": "改" * (COMMENT_MAX + 1),
            f"review-{rows[1].pk}-comment": "核" * (COMMENT_MAX + 2),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"「整表审核意见」最多 {COMMENT_MAX} 字，现为 {COMMENT_MAX + 1} 字" in html
    assert f"第2行「完成件数2」：「审核意见」最多 {COMMENT_MAX} 字" in html
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.review_comment) == ("submitted", "整表意见")


def test_an_over_long_reopen_reason_is_refused(client, admin_user, dept_a):
    evaluation = make_evaluation(make_project(dept_a, "已通过"), status="approved")
    client.force_login(admin_user)
    response = client.post(
        url("evaluation_reopen", evaluation),
        {"version": evaluation.version, "reason": "因" * (REOPEN_REASON_MAX + 1)},
        follow=True,
    )
    assert _messages(response) == [
        f"「重新打开的理由」最多 {REOPEN_REASON_MAX} 字，现为 {REOPEN_REASON_MAX + 1} 字，请删减"
    ]
    evaluation.refresh_from_db()
    assert evaluation.status == "approved"
    client.post(
        url("evaluation_reopen", evaluation),
        {"version": evaluation.version, "reason": "金额\ufffe填错"},
    )
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.review_comment) == ("returned", "重新打开：金额填错")
    assert evaluation.events.get(kind="reopened").comment == "金额填错"


def test_admin_pages_clean_names(client, admin_user, dept_a):
    client.force_login(admin_user)
    client.post(reverse("manage:department_create"), {"name": "财政\x01局\ufffe"})
    assert Department.objects.filter(name="财政局", parent=None).exists()
    response = client.post(reverse("manage:department_create"), {"name": "局" * 101})
    assert "「名称」最多 100 字，现为 101 字" in response.content.decode()
    client.post(
        reverse("manage:user_create"),
        {
            "username": "zhang3",
            "first_name": "张\ufffe三",
            "role": Role.FILLER.value,
            "departments": [dept_a.pk],
            "is_active": "on",
            "password1": "Kq7!vRt2#mLp",
            "password2": "Kq7!vRt2#mLp",
        },
    )
    assert User.objects.get(username="zhang3").first_name == "张三"
    client.post(reverse("manage:year_create"), {"year": "2025", "note": "第一轮\x0c"})
    assert ReportingYear.objects.get(year=2025).note == "第一轮"


def test_django_admin_cleans_and_refuses_too(client, dept_a):
    superuser = User.objects.create_superuser("root", password="x")
    client.force_login(superuser)
    response = client.post(reverse("admin:projects_department_add"), {"name": "审计\ufffe局"})
    assert response.status_code == 302
    assert Department.objects.filter(name="审计局").exists()
    response = client.post(reverse("admin:projects_department_add"), {"name": "局" * 101})
    assert "「名称」最多 100 字，现为 101 字" in response.content.decode()


# --- the database ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [
        (Evaluation, "goal_actual", GOAL_MAX),
        (Evaluation, "review_comment", COMMENT_MAX),
        (Indicator, "deviation_reason", REASON_MAX),
        (Indicator, "name", 500),
        (EvaluationEvent, "comment", COMMENT_MAX),
    ],
)
def test_the_database_refuses_over_long_text(evaluation_a, model, field, limit):
    rows = {
        Evaluation: Evaluation.objects.filter(pk=evaluation_a.pk),
        Indicator: Indicator.objects.filter(evaluation=evaluation_a),
        EvaluationEvent: EvaluationEvent.objects.filter(
            pk=EvaluationEvent.objects.create(evaluation=evaluation_a, kind="saved").pk
        ),
    }[model]
    rows.update(**{field: "字" * limit})  # the limit itself fits
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        rows.update(**{field: "字" * (limit + 1)})


def test_the_database_refuses_an_over_long_project_name(dept_a):
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Project.objects.create(department=dept_a, name="项" * (PROJECT_NAME_MAX + 1))


# --- imports -----------------------------------------------------------------------------


def _document(**changes) -> dict:
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    form = document["forms"][0]
    form.update(changes)
    document["forms"] = [form]
    return document


def _json_bytes(document: dict) -> bytes:
    # ensure_ascii: a lone surrogate travels as its \\ud83d escape, as in a real file.
    return json.dumps(document).encode("ascii")


def _snapshot() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Department, Project, Evaluation, Indicator))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"project_name": f"档案{SURROGATE}整理"},
            "第1张表：「项目名称」含有无法识别的残缺字符（U+D83D，",
        ),
        (
            {"project_name": "名" * 100_000},
            f"第1张表：「项目名称」最多 {PROJECT_NAME_MAX} 字，现为 100000 字",
        ),
        (
            {"goal_actual": "完" * (GOAL_MAX + 1)},
            f"第1张表「档案整理及数字化服务」：「实际完成情况」最多 {GOAL_MAX} 字",
        ),
        (
            {"department": f"办公{SURROGATE}室"},
            "第1张表「档案整理及数字化服务」：「主管部门」含有无法识别的残缺字符",
        ),
    ],
)
def test_json_refuses_a_surrogate_or_over_long_text(changes, message):
    with pytest.raises(ImportFailure) as failure:
        JsonImporter().parse(_json_bytes(_document(**changes)), filename="表.json")
    assert f"文件「表.json」：{message}" in str(failure.value)
    assert SURROGATE not in str(failure.value) and len(str(failure.value)) < 300


def test_json_refuses_an_over_long_row_value_naming_the_row():
    document = _document()
    document["forms"][0]["indicators"][2]["deviation_reason"] = "偏" * (REASON_MAX + 1)
    with pytest.raises(ImportFailure, match="绩效指标第3行：「偏差原因分析及改进措施」最多"):
        JsonImporter().parse(_json_bytes(document))


def test_json_import_removes_invisible_characters():
    document = _document(goal_actual="已完成\u0001\r\n")
    document["forms"][0]["indicators"][0]["name"] = "指标1：文书档案\ufffe数字化件数"
    [form] = JsonImporter().parse(_json_bytes(document))
    assert form.goal_actual == "已完成"
    assert form.indicators[0].name == "指标1：文书档案数字化件数"


def test_import_forms_command_gives_a_message_and_stores_nothing(tmp_path):
    (tmp_path / "代理.json").write_bytes(_json_bytes(_document(project_name=f"a{SURROGATE}")))
    (tmp_path / "长.json").write_bytes(_json_bytes(_document(project_name="名" * 100_000)))
    before = _snapshot()
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 个文件未导入"):
        call_command("import_forms", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert "代理.json：第1张表：「项目名称」含有无法识别的残缺字符" in err.getvalue()
    assert f"长.json：第1张表：「项目名称」最多 {PROJECT_NAME_MAX} 字" in err.getvalue()
    assert _snapshot() == before


def test_the_upload_page_gives_a_message_and_stores_nothing(client, admin_user):
    client.force_login(admin_user)
    before = _snapshot()
    files = [
        SimpleUploadedFile("代理.json", _json_bytes(_document(project_name=f"a{SURROGATE}"))),
        SimpleUploadedFile("长.json", _json_bytes(_document(project_name="名" * 100_000))),
    ]
    response = client.post(reverse("imports:upload"), {"files": files})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "文件「代理.json」：第1张表：「项目名称」含有无法识别的残缺字符（U+D83D" in html
    assert f"文件「长.json」：第1张表：「项目名称」最多 {PROJECT_NAME_MAX} 字" in html
    client.post(response["Location"] + "confirm/")
    assert _snapshot() == before


def test_word_import_refuses_an_over_long_goal():
    data = paper_docx(PaperForm(project_name="长目标", goal_actual="完" * (GOAL_MAX + 1)))
    with pytest.raises(ImportFailure) as failure:
        DocxImporter().parse(data, filename="甲.docx")
    assert (
        f"文件「甲.docx」：第1张自评表「长目标」：「实际完成情况」最多 {GOAL_MAX} 字，"
        f"现为 {GOAL_MAX + 1} 字"
    ) in str(failure.value)


def test_excel_import_refuses_an_over_long_reason_naming_the_row():
    workbook = Workbook()
    paper_sheet(workbook.active)
    workbook.active["I13"] = "偏" * (REASON_MAX + 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ImportFailure) as failure:
        XlsxImporter().parse(buffer.getvalue(), filename="表.xlsx")
    assert "绩效指标第2行：「偏差原因分析及改进措施」最多" in str(failure.value)


def test_excel_cell_text_is_cleaned():
    class StoredCell:  # what openpyxl hands over for a string cell
        data_type, value = "s", "工作\x01一\ufffe"

    assert cell_text(StoredCell()) == ("工作一", False)


# --- exports of what is already stored -------------------------------------------------


@pytest.fixture
def stored_badly(dept_a):
    """A form whose texts went into the database before input was cleaned."""
    evaluation = make_evaluation(make_project(dept_a, "价格\x01认证"), indicators=2)
    Indicator.objects.filter(evaluation=evaluation, position=1).update(name="件数\ufffe一\x01")
    Evaluation.objects.filter(pk=evaluation.pk).update(
        goal_actual="已完成\x01", goal_expected="目标\uffff", review_comment="意见\x0b"
    )
    return evaluation


def test_word_pdf_and_excel_of_a_form_stored_with_invisible_characters(stored_badly):
    sheet = sheet_of(stored_badly)
    document = docx.Document(io.BytesIO(DocxExporter().render(sheet).content))
    assert "件数一" in "".join(cell.text for t in document.tables for cell in t._cells)

    rendered = PdfExporter().render(sheet)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.content)).pages)
    assert "件数一" in text and "已完成" in text

    summary = SummaryExporter().render(Evaluation.objects.all(), title="2023年度")
    workbook = load_workbook(io.BytesIO(summary.read_all()))
    values = [cell for sheet in workbook for row in sheet.values for cell in row]
    assert "件数一" in values and "价格认证" in values


def test_the_year_zip_of_a_form_stored_with_invisible_characters(stored_badly):
    rendered = ArchiveExporter().render(Evaluation.objects.all(), title="2023年度")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(rendered.content)))
    assert archive.testzip() is None
    names = archive.namelist()
    assert not [name for name in names if name.endswith(".错误.txt")]
    assert len([name for name in names if name.endswith((".pdf", ".docx", ".xlsx"))]) == 3
    summary = load_workbook(io.BytesIO(archive.read(names[-1])))
    assert "件数一" in [cell for sheet in summary for row in sheet.values for cell in row]


def test_a_reviewer_sees_the_page_of_such_a_form(client, reviewer_a, stored_badly):
    client.force_login(reviewer_a)
    assert client.get(url("evaluation_detail", stored_badly)).status_code == 200
