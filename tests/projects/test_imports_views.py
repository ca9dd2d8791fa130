"""The import page: upload → preview (nothing written) → confirm; admins only; no 500s."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.imports.batches import SESSION_KEY
from projects.models import Department, Evaluation, Indicator, Project
from projects.roles import Role
from tests.factories import make_department, make_evaluation, make_project, make_user
from tests.projects.docx_builder import PaperForm, paper_docx
from tests.projects.test_imports_safety import CASES

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.projects.imports_urls")]

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


def test_wrong_methods_are_405(admin_client):
    preview_url = upload(admin_client, docx_file())
    token = token_of(preview_url)
    assert admin_client.put(reverse(UPLOAD)).status_code == 405
    assert admin_client.post(preview_url).status_code == 405
    assert admin_client.get(reverse("imports:confirm", args=[token])).status_code == 405
    assert admin_client.get(reverse("imports:cancel", args=[token])).status_code == 405
    assert not Evaluation.objects.exists()


def test_no_file_and_too_many_files(admin_client):
    response = admin_client.post(reverse(UPLOAD), {})
    assert response.status_code == 200
    assert "请选择要导入的文件" in response.content.decode()
    files = [SimpleUploadedFile(f"{n}.json", b"{}") for n in range(51)]
    response = admin_client.post(reverse(UPLOAD), {"files": files})
    assert response.status_code == 200 and "一次最多上传 50 个文件" in response.content.decode()


def test_an_oversize_file_is_refused_unread(admin_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 4096
    preview_url = upload(
        admin_client, SimpleUploadedFile("大.docx", b"PK\x03\x04" + b"\0" * 10_000)
    )
    html = admin_client.get(preview_url).content.decode()
    assert "文件「大.docx」：文件大小 9.8 KB，超过上限 4.0 KB" in html


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
