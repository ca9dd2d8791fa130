"""The import page: upload → preview (nothing written) → confirm; admins only; no 500s."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile, StopUpload, TemporaryFileUploadHandler
from django.db import connection
from django.db.models import F
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.imports import parse_file
from projects.imports.batches import SESSION_KEY
from projects.imports.preview import preview_file
from projects.imports.uploads import LimitedUploadHandler
from projects.models import Department, Evaluation, Indicator, Project
from projects.roles import Role
from projects.services.imports import ChangedSincePreview, evaluations_import
from tests.factories import make_department, make_evaluation, make_project, make_user
from tests.projects.docx_builder import PaperForm, paper_docx
from tests.projects.imports.test_imports_safety import CASES

pytestmark = pytest.mark.django_db

UPLOAD = "imports:upload"
INDICATORS_110 = (
    ("产出指标70", "数量指标", "认定件数", "≥80件", "119件", "70", "70", ""),
    ("效益指标30", "社会效益指标", "公平公正", "公平公正", "100%", "30", "30", ""),
)


def docx_file(name: str = "甲.docx", **fields) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, paper_docx(PaperForm(**fields)))


def snapshot() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Department, Project, Evaluation, Indicator))


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def upload(client, *files) -> str:
    """POST the files; return the preview URL it redirects to."""
    response = client.post(reverse(UPLOAD), {"files": list(files)})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def token_of(url: str) -> str:
    return re.search(r"/imports/([\w-]+)/", url).group(1)


def test_admin_uploads_previews_and_confirms(admin_client):
    page = admin_client.get(reverse(UPLOAD))
    assert page.status_code == 200 and 'type="file"' in page.content.decode()
    before = snapshot()
    preview_url = upload(
        admin_client,
        docx_file("甲.docx", project_name="甲项目", indicators=INDICATORS_110),
        SimpleUploadedFile("坏.docx", b"%PDF-1.4"),
    )
    assert snapshot() == before  # the preview writes nothing
    preview = admin_client.get(preview_url)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "甲项目" in html and "新建" in html and "新部门" in html and "新项目" in html
    assert "可以导入 <strong>1</strong> 个（1 张自评表）" in html
    assert "分值合计不是100" in html and "原表总分不符" in html
    assert "weights_not_100" not in html and "recorded_total_mismatch" not in html
    assert "文件「坏.docx」：文件扩展名是 .docx，但内容是 PDF 文件" in html

    response = admin_client.post(preview_url.rstrip("/") + "/confirm/")
    assert response.status_code == 302 and response["Location"] == reverse(UPLOAD)
    evaluation = Evaluation.objects.get(project__name="甲项目")
    assert evaluation.legacy and evaluation.indicators.count() == 2
    assert evaluation.created_by is not None
    done = admin_client.get(reverse(UPLOAD)).content.decode()
    assert "「甲.docx」：已导入 1 张自评表（新建 1 张，更新 0 张）" in done
    # The batch is gone once used.
    assert admin_client.get(preview_url).status_code == 404


def test_preview_says_update_and_what_it_would_clear(admin_client):
    department = make_department("通州区发展和改革委员会")
    make_evaluation(
        make_project(department, "已有项目"), indicators=2, goal_actual="原来的完成情况"
    )
    preview_url = upload(admin_client, docx_file(project_name="已有项目", goal_actual=""))
    html = admin_client.get(preview_url).content.decode()
    assert "更新已有自评表" in html and "现为草稿" in html
    assert "更新后将清空：实际完成情况" in html
    assert "新部门" not in html and "新项目" not in html


def test_an_approved_form_makes_its_file_unimportable(admin_client):
    department = make_department("通州区发展和改革委员会")
    make_evaluation(make_project(department, "已通过项目"), status=Evaluation.Status.APPROVED)
    preview_url = upload(admin_client, docx_file(project_name="已通过项目"))
    html = admin_client.get(preview_url).content.decode()
    assert "已通过审核，已锁定，不能被导入覆盖" in html
    assert "确认导入 0 个文件" in html
    before = snapshot()
    admin_client.post(preview_url + "confirm/")
    assert snapshot() == before


def test_confirm_rechecks_what_changed_since_the_preview(admin_client):
    department = make_department("通州区发展和改革委员会")
    evaluation = make_evaluation(make_project(department, "变化项目"), indicators=1)
    preview_url = upload(admin_client, docx_file(project_name="变化项目"))
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.APPROVED)
    before = snapshot()
    admin_client.post(preview_url + "confirm/")
    assert snapshot() == before
    page = admin_client.get(reverse(UPLOAD)).content.decode()
    assert "「甲.docx」未导入" in page and "已锁定" in page


def test_cancel_forgets_the_upload(admin_client):
    preview_url = upload(admin_client, docx_file())
    response = admin_client.post(preview_url + "cancel/")
    assert response.status_code == 302
    assert admin_client.get(preview_url).status_code == 404
    assert not Evaluation.objects.exists()
    assert not admin_client.session.get(SESSION_KEY)


def test_non_admins_get_403(client, filler_a, reviewer_a, admin_user):
    client.force_login(admin_user)
    preview_url = upload(client, docx_file())
    for user in (filler_a, reviewer_a):
        client.force_login(user)
        assert client.get(reverse(UPLOAD)).status_code == 403
        assert client.post(reverse(UPLOAD), {"files": [docx_file()]}).status_code == 403
        assert client.get(preview_url).status_code == 403
        assert client.post(preview_url + "confirm/").status_code == 403
    assert not Evaluation.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse(UPLOAD))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_users_token_is_404(client, admin_user):
    client.force_login(admin_user)
    preview_url = upload(client, docx_file())
    other = make_user("other_admin", Role.ADMIN)
    client.force_login(other)
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url + "confirm/").status_code == 404
    assert client.post(preview_url + "cancel/").status_code == 404
    assert not Evaluation.objects.exists()


def test_an_unknown_token_is_404(admin_client):
    url = reverse("imports:preview", args=["no-such-token"])
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(reverse("imports:confirm", args=["no-such-token"])).status_code == 404


def test_wrong_methods_are_405_and_a_get_of_a_button_goes_to_the_preview(admin_client):
    preview_url = upload(admin_client, docx_file())
    token = token_of(preview_url)
    assert admin_client.put(reverse(UPLOAD)).status_code == 405
    assert admin_client.post(preview_url).status_code == 405
    for name in ("imports:confirm", "imports:cancel"):
        assert admin_client.get(reverse(name, args=[token]))["Location"] == preview_url
        assert admin_client.put(reverse(name, args=[token])).status_code == 405
    assert not Evaluation.objects.exists()


def test_no_file_and_too_many_files(admin_client):
    response = admin_client.post(reverse(UPLOAD), {})
    assert response.status_code == 200
    assert "请选择要导入的文件" in response.content.decode()
    files = [SimpleUploadedFile(f"{n}.json", b"{}") for n in range(51)]
    response = admin_client.post(reverse(UPLOAD), {"files": files})
    assert response.status_code == 200 and "一次最多上传 50 个文件" in response.content.decode()


def test_an_oversize_file_is_dropped_while_it_is_received(
    admin_client, settings, monkeypatch, tmp_path
):
    """Nothing past the limit is stored, not even in the upload's temporary file."""
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024  # so uploads spill to temporary files
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    stored: dict[str, int] = {}
    receive = TemporaryFileUploadHandler.receive_data_chunk

    def spy(handler, raw_data, start):
        stored[handler.file_name] = stored.get(handler.file_name, 0) + len(raw_data)
        return receive(handler, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", spy)
    big = SimpleUploadedFile("大.docx", b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024))
    preview_url = upload(admin_client, big, json_file("好.json", "好项目"))
    assert stored["大.docx"] <= 1024 * 1024  # before the fix: all 2 MB
    assert list(tmp_path.iterdir()) == []
    html = admin_client.get(preview_url).content.decode()
    assert "文件「大.docx」超过 1.0 MB 上限，未上传" in html
    assert "可以导入 <strong>1</strong> 个（1 张自评表）" in html


def test_an_upload_over_the_batch_limit_is_refused_before_it_is_read(
    admin_client, settings, monkeypatch
):
    settings.IMPORT_MAX_BATCH_BYTES = 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr(MultiPartParser, "parse", never)
    big = SimpleUploadedFile("大.docx", b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024))
    response = admin_client.post(reverse(UPLOAD), {"files": [big]})
    assert response.status_code == 413
    html = response.content.decode()
    assert "这次上传的文件共 2.0 MB，合计超过 1.0 MB 上限，未上传" in html
    assert not admin_client.session.get(SESSION_KEY)


def test_the_batch_limit_stops_an_upload_without_a_length():
    """A chunked body has no Content-Length: the handler stops it at the limit."""
    handler = LimitedUploadHandler(None, file_limit=100, batch_limit=150)
    handler.new_file("files", "a.json", "application/json", None)
    assert handler.receive_data_chunk(b"x" * 100, 0) == b"x" * 100
    with pytest.raises(SkipFile):
        handler.receive_data_chunk(b"x", 100)
    handler.new_file("files", "b.json", "application/json", None)
    with pytest.raises(StopUpload) as stop:
        handler.receive_data_chunk(b"x" * 60, 0)
    assert not stop.value.connection_reset  # the rest is read, so the page can answer
    assert handler.skipped == ["a.json"] and "合计超过" in handler.stopped


def test_the_upload_still_checks_csrf(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(reverse(UPLOAD), {"files": [json_file("a.json", "甲")]})
    assert response.status_code == 403 and not client.session.get(SESSION_KEY)
    client.get(reverse(UPLOAD))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse(UPLOAD), {"csrfmiddlewaretoken": token, "files": [json_file("a.json", "甲")]}
    )
    assert response.status_code == 302


def test_every_bad_upload_is_a_message_never_a_500(admin_client):
    before = snapshot()
    files = [SimpleUploadedFile(name, make()) for name, make, _ in CASES]
    preview_url = upload(admin_client, *files)
    response = admin_client.get(preview_url)
    assert response.status_code == 200
    html = response.content.decode()
    for name, _, message in CASES:
        assert message.replace("“", "&ldquo;") in html or message in html, name
    assert "确认导入 0 个文件" in html
    admin_client.post(preview_url + "confirm/")
    assert snapshot() == before


# --- the preview holds no lock, files are capped, confirm re-checks --------------------


def json_file(name: str, *projects: str) -> SimpleUploadedFile:
    forms = [
        {
            "year": 2023,
            "project_name": project,
            "department": "通州区发展和改革委员会",
            "status": "draft",
            "budget": {"weight": "10"},
            "budget_lines": [{"kind": "total", "annual_budget": "100", "executed": "99"}],
            "indicators": [
                {
                    "level1": "产出指标",
                    "level2": "数量指标",
                    "name": "完成件数",
                    "target": "≥10件",
                    "actual": "10件",
                    "weight": "90",
                    "score": "90",
                }
            ],
        }
        for project in projects
    ]
    content = json.dumps({"format": "selfeval/1", "forms": forms}, ensure_ascii=False)
    return SimpleUploadedFile(name, content.encode(), content_type="application/json")


# (Django's own check-constraint validation runs a SELECT in a savepoint inside the
# test's transaction: savepoints are not what we look for.)
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b|FOR UPDATE", re.IGNORECASE)


def test_the_preview_writes_and_locks_nothing():
    department = make_department("通州区发展和改革委员会")
    make_evaluation(make_project(department, "已有项目"), indicators=2)
    data = json_file("a.json", "已有项目", "新项目").read()
    with CaptureQueriesContext(connection) as queries:
        preview = preview_file(data, "a.json")
    assert preview.ok, preview.error
    assert [form.action for form in preview.forms] == ["update", "create"]
    writes = [query["sql"] for query in queries.captured_queries if WRITES.search(query["sql"])]
    assert writes == []


def test_the_preview_still_reports_what_the_import_would_refuse():
    content = json_file("a.json", "甲").read().decode().replace("数量指标", "没有的二级指标")
    preview = preview_file(content.encode(), "a.json")
    assert "指标分类「产出指标/没有的二级指标」不在指标体系中" in preview.error


def test_a_save_between_preview_and_confirm_refuses_the_confirm(admin_client):
    department = make_department("通州区发展和改革委员会")
    evaluation = make_evaluation(make_project(department, "变化项目"), indicators=1)
    preview_url = upload(
        admin_client, json_file("a.json", "变化项目"), json_file("b.json", "另一个新项目")
    )
    # A filler's save: the editor's one UPDATE that bumps the version.
    Evaluation.objects.filter(pk=evaluation.pk).update(
        version=F("version") + 1, project_lead="填报人刚保存的"
    )
    before = snapshot()
    response = admin_client.post(preview_url + "confirm/")
    assert response.status_code == 302 and response["Location"] == reverse(UPLOAD)
    assert snapshot() == before  # nothing written, not even the other file's new form
    evaluation.refresh_from_db()
    assert evaluation.project_lead == "填报人刚保存的" and evaluation.indicators.count() == 1
    page = admin_client.get(reverse(UPLOAD)).content.decode()
    assert "以下自评表在预览后已被修改：2023年度「变化项目」，请重新上传预览" in page
    assert admin_client.get(preview_url).status_code == 404


def test_a_form_created_since_the_preview_is_not_overwritten(admin_client):
    preview_url = upload(admin_client, json_file("a.json", "新项目"))
    department = make_department("通州区发展和改革委员会")
    make_evaluation(make_project(department, "新项目"), indicators=3)
    admin_client.post(preview_url + "confirm/")
    assert Evaluation.objects.get(project__name="新项目").indicators.count() == 3
    page = admin_client.get(reverse(UPLOAD)).content.decode()
    assert "以下自评表在预览后已被修改：2023年度「新项目」" in page


def test_the_import_rechecks_the_versions_under_lock():
    """The race the view's first check cannot see: a save just before the write."""
    department = make_department("通州区发展和改革委员会")
    evaluation = make_evaluation(make_project(department, "变化项目"), indicators=1)
    forms = parse_file(json_file("a.json", "变化项目").read(), filename="a.json")
    Evaluation.objects.filter(pk=evaluation.pk).update(version=F("version") + 1)
    with pytest.raises(ChangedSincePreview, match="2023年度「变化项目」"):
        evaluations_import(forms=forms, versions=[evaluation.version])
    assert Evaluation.objects.get(pk=evaluation.pk).indicators.count() == 1
    imported = evaluations_import(forms=forms, versions=[evaluation.version + 1])
    assert imported[0].evaluation.version == evaluation.version + 2


def test_a_file_over_the_forms_cap_is_refused(admin_client, settings):
    settings.IMPORT_MAX_FORMS_PER_FILE = 2
    preview_url = upload(
        admin_client, json_file("多.json", "一", "二", "三"), json_file("少.json", "四", "五")
    )
    html = admin_client.get(preview_url).content.decode()
    assert "文件「多.json」：有 3 张自评表，超过每个文件 2 张的上限" in html
    assert "请把文件拆分" in html
    assert "可以导入 <strong>1</strong> 个（2 张自评表）" in html
    admin_client.post(preview_url + "confirm/")
    assert sorted(Evaluation.objects.values_list("project__name", flat=True)) == ["五", "四"]
