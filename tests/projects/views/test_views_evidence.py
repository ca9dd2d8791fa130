"""佐证材料: upload to a row and to the form, every refusal leaving nothing behind, scoped downloads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Evaluation, EvaluationEvent, Evidence
from projects.services.evidence import clean_name
from tests.projects.imports.test_imports_safety import (
    content_types_macro,
    good_docx,
    good_xlsx,
    many_entries,
    rezip,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(media) -> list:
    folder = media / "evidence"
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(client, evaluation, *files, indicator=None):
    data = {"files": [SimpleUploadedFile(name, content) for name, content in files]}
    if indicator is not None:
        data["indicator"] = str(indicator.pk)
    return client.post(reverse("evidence_upload", args=[evaluation.pk]), data, follow=True)


def page_messages(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_two_files_to_a_row_and_one_to_the_form(client, filler_a, evaluation_a, media):
    client.force_login(filler_a)
    row = evaluation_a.indicators.order_by("position")[1]
    response = upload(
        client, evaluation_a, ("合同.pdf", PDF), ("表.xlsx", good_xlsx()), indicator=row
    )
    assert "已上传佐证材料「合同.pdf」、「表.xlsx」" in page_messages(response)
    upload(client, evaluation_a, ("照片.png", PNG))

    files = list(Evidence.objects.filter(evaluation=evaluation_a).order_by("pk"))
    assert [(f.name, f.indicator_id, f.content_type) for f in files] == [
        ("合同.pdf", row.pk, "application/pdf"),
        ("表.xlsx", row.pk, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("照片.png", None, "image/png"),
    ]
    assert len(stored_files(media)) == 3
    assert all("合同" not in f.key for f in files)  # stored under a random key
    assert files[0].size == len(PDF) and len(files[0].sha256) == 64
    events = EvaluationEvent.objects.filter(evaluation=evaluation_a, kind="evidence")
    assert events.count() == 2
    page = client.get(reverse("evaluation_detail", args=[evaluation_a.pk])).content.decode()
    assert "合同.pdf" in page and "照片.png" in page and "2 个文件" in page


def test_names_are_cleaned():
    assert clean_name("..\\..\\C:\\tmp\\a\x07b\ufffe.pdf") == "ab.pdf"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("/") == "未命名文件"


BAD = [
    (
        "wrong type by content",
        "报告.pdf",
        lambda: b"MZ\x90\x00 not a pdf",
        "内容不是可接受的佐证材料类型",
    ),
    (
        "macro content in a .docx name",
        "宏.docx",
        lambda: content_types_macro(good_docx()),
        "启用宏",
    ),
    (
        "vba part",
        "宏2.docx",
        lambda: rezip(good_docx(), add={"word/vbaProject.bin": b"VBA"}),
        "包含宏",
    ),
    ("zip bomb", "炸弹.docx", lambda: many_entries(2001), "疑似压缩炸弹"),
    ("a plain zip", "包.zip", lambda: rezip(good_docx())[:0] + _plain_zip(), "不是 Word/Excel/OFD"),
    ("empty", "空.pdf", lambda: b"", "空文件"),
]


def _plain_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    return buffer.getvalue()


@pytest.mark.parametrize(("case", "name", "content", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_file_refused_with_nothing_left(
    client, filler_a, evaluation_a, media, case, name, content, message
):
    client.force_login(filler_a)
    response = upload(client, evaluation_a, ("好.pdf", PDF), (name, content()))
    text = page_messages(response)
    assert message in text and f"「{name}」" in text
    assert not Evidence.objects.exists()
    assert stored_files(media) == []
    assert not EvaluationEvent.objects.filter(kind="evidence").exists()


def test_oversize_file_refused(client, settings, filler_a, evaluation_a, media):
    settings.EVIDENCE_MAX_FILE_BYTES = 2048
    client.force_login(filler_a)
    response = upload(client, evaluation_a, ("大.pdf", PDF + b"\0" * 4096))
    assert "「大.pdf」超过" in page_messages(response)
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_over_the_form_total_refused(client, settings, filler_a, evaluation_a, media):
    settings.EVIDENCE_MAX_FORM_BYTES = 3000
    client.force_login(filler_a)
    upload(client, evaluation_a, ("一.pdf", PDF + b"\0" * 1500))
    assert Evidence.objects.count() == 1
    response = upload(client, evaluation_a, ("二.pdf", PDF + b"\0" * 1500))
    assert "超过每张自评表" in page_messages(response) and "「二.pdf」" in page_messages(response)
    assert Evidence.objects.count() == 1 and len(stored_files(media)) == 1


def test_approved_form_is_locked(client, filler_a, evaluation_a, media):
    client.force_login(filler_a)
    upload(client, evaluation_a, ("一.pdf", PDF))
    Evaluation.objects.filter(pk=evaluation_a.pk).update(status=Evaluation.Status.APPROVED)
    response = upload(client, evaluation_a, ("二.pdf", PDF))
    assert "不能上传或删除" in page_messages(response)
    evidence = Evidence.objects.get()
    client.post(reverse("evidence_remove", args=[evaluation_a.pk, evidence.pk]))
    assert Evidence.objects.count() == 1 and len(stored_files(media)) == 1


def test_remove_deletes_row_and_file_and_is_logged(
    client, filler_a, evaluation_a, media, django_capture_on_commit_callbacks
):
    client.force_login(filler_a)
    upload(client, evaluation_a, ("一.pdf", PDF))
    evidence = Evidence.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evidence_remove", args=[evaluation_a.pk, evidence.pk]))
    assert not Evidence.objects.exists() and stored_files(media) == []
    event = EvaluationEvent.objects.filter(kind="evidence").order_by("-pk").first()
    assert "删除佐证材料「一.pdf」" in event.comment


def test_download_scoped_and_headers(client, filler_a, filler_b, evaluation_a):
    client.force_login(filler_a)
    upload(client, evaluation_a, ("合同.pdf", PDF), ("表.docx", good_docx()))
    pdf, docx = Evidence.objects.order_by("pk")
    response = client.get(reverse("evidence_download", args=[evaluation_a.pk, pdf.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    response = client.get(reverse("evidence_download", args=[evaluation_a.pk, docx.pk]))
    assert response["Content-Disposition"].startswith("attachment")

    client.force_login(filler_b)
    assert (
        client.get(reverse("evidence_download", args=[evaluation_a.pk, pdf.pk])).status_code == 404
    )
    client.logout()
    response = client.get(reverse("evidence_download", args=[evaluation_a.pk, pdf.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_another_forms_file_is_not_reachable_through_this_form(
    client, filler_a, evaluation_a, dept_a
):
    from tests.factories import make_evaluation, make_project

    other = make_evaluation(make_project(dept_a, "另一个项目"), indicators=1)
    client.force_login(filler_a)
    upload(client, other, ("合同.pdf", PDF))
    evidence = Evidence.objects.get()
    assert (
        client.get(reverse("evidence_download", args=[evaluation_a.pk, evidence.pk])).status_code
        == 404
    )


def test_page_queries_do_not_grow_with_the_files(client, filler_a, evaluation_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(filler_a)
    path = reverse("evaluation_detail", args=[evaluation_a.pk])
    client.get(path)
    with CaptureQueriesContext(connection) as before:
        client.get(path)
    upload(client, evaluation_a, ("一.pdf", PDF), ("二.png", PNG))
    upload(client, evaluation_a, ("三.pdf", PDF), indicator=evaluation_a.indicators.first())
    with CaptureQueriesContext(connection) as after:
        client.get(path)
    assert len(after) == len(before)
