"""A file whose 一级/二级 the taxonomy lacks: the preview asks what each stands for, then imports."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Level1, Level2
from projects.imports import TaxonomyMap
from projects.imports.batches import SESSION_KEY
from projects.imports.levels import (
    ADD,
    applied_levels,
    apply_levels,
    level_notes,
    suggestion,
    unknown_levels,
)
from projects.imports.preview import FilePreview, preview_file
from projects.models import Evaluation, EvaluationEvent
from projects.roles import Role
from tests.factories import make_user
from tests.projects.docx_builder import PaperForm, paper_docx
from tests.projects.imports.test_imports_views import snapshot, upload

pytestmark = pytest.mark.django_db

ROWS = (
    ("产出指标", "数量指标", "完成件数", "50"),
    ("产出指标", "进度指标", "按期完成", "20"),
    ("效果指标", "社会效益指标", "群众受益", "20"),
)


def form_dict(project: str = "甲项目", rows=ROWS) -> dict:
    return {
        "year": 2023,
        "project_name": project,
        "department": "通州区发展和改革委员会",
        "status": "draft",
        "budget": {"weight": "10"},
        "budget_lines": [{"kind": "total", "annual_budget": "100", "executed": "100"}],
        "indicators": [
            {
                "level1": level1,
                "level2": level2,
                "name": name,
                "target": "100%",
                "actual": "100%",
                "weight": weight,
                "score": weight,
            }
            for level1, level2, name, weight in rows
        ],
    }


def json_upload(*forms: dict, name: str = "分类.json") -> SimpleUploadedFile:
    content = json.dumps({"format": "selfeval/1", "forms": list(forms)}, ensure_ascii=False)
    return SimpleUploadedFile(name, content.encode(), content_type="application/json")


def session_file(client, index: int = 0) -> FilePreview:
    batch = next(iter(client.session[SESSION_KEY].values()))
    return FilePreview.from_dict(batch["files"][index])


def levels_url(preview_url: str, index: int = 0) -> str:
    return f"{preview_url}levels/{index}/"


def choose(client, preview_url: str, mapping: dict[str, str], index: int = 0):
    """POST the page's level form with ``mapping`` {written name: choice}, as the page sends it."""
    file = session_file(client, index)
    data = {}
    for number, unknown in enumerate(file.unknown_levels):
        data[f"name-{number}"] = unknown.key
        data[f"to-{number}"] = mapping.get(unknown.written, "")
    return client.post(levels_url(preview_url, index), data)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def taxonomy_admin(db):
    """A 管理员: the role that keeps the taxonomy, and may add to it from the preview."""
    return make_user("taxonomy_admin", Role.ADMIN)


# --- the names, the suggestions, the mapping (no view) ------------------------------


def test_the_unknown_names_are_listed_once_with_their_rows_and_options():
    data = [form_dict("甲项目"), form_dict("乙项目", rows=ROWS[1:2])]
    unknowns = unknown_levels(data, TaxonomyMap.from_db())
    assert [(u.level1, u.level2) for u in unknowns] == [("效果指标", ""), ("产出指标", "进度指标")]
    level1, level2 = unknowns
    assert level1.options == ["产出指标", "效益指标", "满意度指标"]
    assert level1.suggestion == "效益指标" and level1.level2s == ["社会效益指标"]
    assert level1.places == ["「甲项目」第3行"] and level1.rows == 1
    assert level2.options == ["数量指标", "质量指标", "时效指标", "成本指标"]
    assert level2.suggestion == ""  # 进度 shares nothing with 时效: no guess
    assert level2.places == ["「甲项目」第2行", "「乙项目」第1行"] and level2.rows == 2
    assert level2.label == "「产出指标」下的二级指标「进度指标」"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("效果指标", "效益指标"),
        ("项目产出", "产出指标"),
        ("项目效益", "效益指标"),
        ("项目决策", ""),
        ("项目管理", ""),
        ("满意", "满意度指标"),
        ("产效", ""),  # as close to 产出指标 as to 效益指标: no guess
    ],
)
def test_a_suggestion_only_when_it_is_obvious(written, expected):
    taxonomy = TaxonomyMap.from_db()
    names = taxonomy.level1_names()
    assert suggestion(written, names, taxonomy.level1(written)) == expected


def test_applying_a_mapping_is_pure_and_says_which_forms_it_changed():
    data = [form_dict("甲项目"), form_dict("乙项目", rows=ROWS[:1])]
    before = json.dumps(data, ensure_ascii=False)
    choices = {("产出指标", "进度指标"): "时效指标", ("效果指标", ""): "效益指标"}
    mapped = apply_levels(data, choices)
    assert json.dumps(data, ensure_ascii=False) == before
    assert [(r["level1"], r["level2"]) for r in mapped[0]["indicators"]] == [
        ("产出指标", "数量指标"),
        ("产出指标", "时效指标"),
        ("效益指标", "社会效益指标"),
    ]
    applied = applied_levels(data, choices)
    assert [(a.text, a.forms) for a in applied] == [
        ("二级指标「进度指标」→「时效指标」（产出指标下）", [0]),
        ("一级指标「效果指标」→「效益指标」", [0]),
    ]
    notes = level_notes(applied, 2)
    assert notes[0] == (
        "指标分类：二级指标「进度指标」→「时效指标」（产出指标下）；一级指标「效果指标」→「效益指标」"
    )
    assert notes[1] == ""


def test_the_preview_asks_instead_of_only_refusing():
    data = json_upload(form_dict()).read()
    preview = preview_file(data, "分类.json")
    assert not preview.ok
    assert "一级指标「效果指标」、指标分类「产出指标/进度指标」不在指标体系中" in preview.error
    assert [u.written for u in preview.unknown_levels] == ["效果指标", "进度指标"]
    assert FilePreview.from_dict(preview.as_dict()) == preview  # kept in the session as JSON


# --- the page ------------------------------------------------------------------------


def test_mapping_onto_existing_names_lets_the_file_be_imported(admin_client):
    preview_url = upload(admin_client, json_upload(form_dict()))
    html = admin_client.get(preview_url).content.decode()
    assert "一级指标「效果指标」" in html and "「产出指标」下的二级指标「进度指标」" in html
    assert '<option value="效益指标" selected>' in html  # the suggestion
    assert '<option value="时效指标">' in html  # no suggestion for 进度指标
    assert "应用对应关系" in html and "确认导入 0 个文件" in html
    assert "添加到指标体系</option>" in html  # an admin may add the name instead
    before = snapshot()

    response = choose(admin_client, preview_url, {"进度指标": "时效指标", "效果指标": "效益指标"})
    assert response.status_code == 302 and response["Location"] == preview_url
    assert snapshot() == before  # mapping writes nothing
    html = admin_client.get(preview_url).content.decode()
    assert "已应用对应关系" in html
    assert "二级指标「进度指标」→「时效指标」（产出指标下）" in html
    assert "一级指标「效果指标」→「效益指标」" in html
    assert "确认导入 1 个文件" in html and "应用对应关系</button>" not in html
    file = session_file(admin_client)
    assert file.ok and file.unknown_levels == [] and file.forms[0].indicator_count == 3
    assert file.forms[0].total_score == "100.00"

    admin_client.post(preview_url + "confirm/")
    evaluation = Evaluation.objects.get(project__name="甲项目")
    assert [
        (row.level2.level1.name, row.level2.name)
        for row in evaluation.indicators.order_by("position")
    ] == [("产出指标", "数量指标"), ("产出指标", "时效指标"), ("效益指标", "社会效益指标")]
    event = evaluation.events.get(kind=EvaluationEvent.Kind.IMPORTED)
    assert event.comment.endswith(
        "；指标分类：一级指标「效果指标」→「效益指标」；二级指标「进度指标」→「时效指标」（产出指标下）"
    )


def test_a_second_round_for_the_2nd_levels_under_a_mapped_1st_level(admin_client):
    rows = (("产出指标", "数量指标", "件数", "60"), ("效果指标", "社会效果", "受益", "30"))
    preview_url = upload(admin_client, json_upload(form_dict(rows=rows)))
    assert [u.written for u in session_file(admin_client).unknown_levels] == ["效果指标"]
    choose(admin_client, preview_url, {"效果指标": "效益指标"})
    [unknown] = session_file(admin_client).unknown_levels
    assert (unknown.level1, unknown.level2, unknown.suggestion) == (
        "效益指标",
        "社会效果",
        "社会效益指标",
    )
    choose(admin_client, preview_url, {"社会效果": "社会效益指标"})
    file = session_file(admin_client)
    assert file.ok, file.error
    assert [item.text for item in file.levels_applied] == [
        "一级指标「效果指标」→「效益指标」",
        "二级指标「社会效果」→「社会效益指标」（效益指标下）",
    ]
    admin_client.post(preview_url + "confirm/")
    evaluation = Evaluation.objects.get(project__name="甲项目")
    comment = evaluation.events.get(kind=EvaluationEvent.Kind.IMPORTED).comment
    assert "一级指标「效果指标」→「效益指标」；二级指标「社会效果」→「社会效益指标」" in comment


def test_an_admin_with_the_taxonomy_right_adds_the_name_and_the_import_goes_on(
    client, taxonomy_admin
):
    client.force_login(taxonomy_admin)
    preview_url = upload(client, json_upload(form_dict()))
    html = client.get(preview_url).content.decode()
    assert f'<option value="{ADD}">添加到指标体系（产出指标下）</option>' in html

    choose(client, preview_url, {"进度指标": ADD, "效果指标": "效益指标"})
    level2 = Level2.objects.get(level1__name="产出指标", name="进度指标")
    assert level2.position == 5  # after 数量/质量/时效/成本
    entry = LogEntry.objects.get(object_id=str(level2.pk), content_type__model="level2")
    assert entry.user == taxonomy_admin and "新建二级指标「进度指标」" in entry.change_message
    html = client.get(preview_url).content.decode()
    assert "二级指标「进度指标」已添加到指标体系（产出指标下）" in html
    assert "确认导入 1 个文件" in html

    client.post(preview_url + "confirm/")
    evaluation = Evaluation.objects.get(project__name="甲项目")
    assert evaluation.indicators.filter(level2=level2).count() == 1


def test_an_added_1st_level_goes_last_and_its_2nd_levels_are_asked_next(client, taxonomy_admin):
    client.force_login(taxonomy_admin)
    rows = (("项目决策", "项目立项", "立项规范", "100"),)
    preview_url = upload(client, json_upload(form_dict(rows=rows)))
    [unknown] = session_file(client).unknown_levels
    assert unknown.suggestion == "" and unknown.level2s == ["项目立项"]
    choose(client, preview_url, {"项目决策": ADD})
    level1 = Level1.objects.get(name="项目决策")
    assert level1.position == 4 and level1.default_weight == 0
    [unknown] = session_file(client).unknown_levels
    assert (unknown.level1, unknown.level2, unknown.options) == ("项目决策", "项目立项", [])
    choose(client, preview_url, {"项目立项": ADD})
    assert Level2.objects.filter(level1=level1, name="项目立项").exists()
    assert session_file(client).ok


def test_fillers_and_reviewers_reach_nothing_even_with_the_taxonomy_right(
    client, admin_user, filler_a, reviewer_a
):
    client.force_login(admin_user)
    preview_url = upload(client, json_upload(form_dict()))
    reviewer_a.user_permissions.set(
        Permission.objects.filter(codename__in=["add_level1", "add_level2"])
    )
    for user in (filler_a, reviewer_a):
        client.force_login(user)
        response = client.post(levels_url(preview_url), {"name-0": "x", "to-0": ADD})
        assert response.status_code == 403
    assert not Level2.objects.filter(name="进度指标").exists()
    assert not Level1.objects.filter(name="效果指标").exists()


def test_another_admins_batch_an_unknown_file_or_a_used_batch_is_404(
    client, admin_user, taxonomy_admin
):
    client.force_login(admin_user)
    preview_url = upload(client, json_upload(form_dict()))
    data = {"name-0": session_file(client).unknown_levels[0].key, "to-0": "效益指标"}
    assert client.post(levels_url(preview_url, 1), data).status_code == 404
    client.force_login(taxonomy_admin)
    assert client.post(levels_url(preview_url), data).status_code == 404
    client.force_login(admin_user)
    client.post(preview_url + "cancel/")
    assert client.post(levels_url(preview_url), data).status_code == 404


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            {"进度指标": "不存在的指标"},
            "「产出指标」下的二级指标「进度指标」不能对应到「不存在的指标」："
            "指标体系中「产出指标」下没有这个名称，请从列表中选择"
            "（可选：数量指标、质量指标、时效指标、成本指标）",
        ),
        ({"进度指标": "社会效益指标"}, "不能对应到「社会效益指标」：指标体系中「产出指标」下没有"),
        ({"效果指标": "效果指标"}, "不能对应到「效果指标」：指标体系的一级指标中没有这个名称"),
        ({}, "请至少为一个名称选择对应的指标"),
    ],
)
def test_a_bad_choice_is_a_message_and_changes_nothing(admin_client, mapping, message):
    preview_url = upload(admin_client, json_upload(form_dict()))
    before = session_file(admin_client)
    response = choose(admin_client, preview_url, mapping)
    assert response.status_code == 302
    assert message in admin_client.get(preview_url).content.decode()
    assert session_file(admin_client) == before


def test_a_tampered_or_stale_page_is_refused_and_the_list_shown_afresh(admin_client):
    preview_url = upload(admin_client, json_upload(form_dict()))
    file = session_file(admin_client)
    stale = {
        "name-0": json.dumps(["别的指标", ""], ensure_ascii=False),
        "to-0": "效益指标",
        "name-1": file.unknown_levels[1].key,
        "to-1": "时效指标",
    }
    admin_client.post(levels_url(preview_url), stale)
    html = admin_client.get(preview_url).content.decode()
    assert "需要对应的指标分类已有变化" in html
    assert session_file(admin_client).levels_applied == []
    # Only one of two names sent back (an older page): refused too.
    admin_client.post(levels_url(preview_url), {"name-0": file.unknown_levels[0].key})
    assert session_file(admin_client).levels_applied == []
    # Another admin added 进度指标 meanwhile: the page no longer matches, the list is redone.
    Level2.objects.create(level1=Level1.objects.get(name="产出指标"), name="进度指标", position=9)
    choose_data = {
        "name-0": file.unknown_levels[0].key,
        "to-0": "效益指标",
        "name-1": file.unknown_levels[1].key,
        "to-1": "时效指标",
    }
    admin_client.post(levels_url(preview_url), choose_data)
    assert [u.written for u in session_file(admin_client).unknown_levels] == ["效果指标"]
    assert session_file(admin_client).levels_applied == []


def test_a_file_with_nothing_to_map_says_so(admin_client):
    rows = (("产出指标", "数量指标", "件数", "90"),)
    preview_url = upload(admin_client, json_upload(form_dict(rows=rows)))
    response = admin_client.post(levels_url(preview_url), {"name-0": "x", "to-0": "时效指标"})
    assert response.status_code == 302
    assert "没有需要对应的指标分类" in admin_client.get(preview_url).content.decode()


def test_a_word_file_with_an_unknown_2nd_level(admin_client):
    indicators = (("产出指标", "进度指标", "件数", "2", "2", "10", "10", ""),)
    upload_file = SimpleUploadedFile("进度.docx", paper_docx(PaperForm(indicators=indicators)))
    preview_url = upload(admin_client, upload_file)
    file = session_file(admin_client)
    assert [(u.level1, u.level2) for u in file.unknown_levels] == [("产出指标", "进度指标")]
    assert "「产出指标」下的二级指标「进度指标」" in admin_client.get(preview_url).content.decode()
    choose(admin_client, preview_url, {"进度指标": "时效指标"})
    assert session_file(admin_client).unknown_levels == []
    admin_client.post(preview_url + "confirm/")
    evaluation = Evaluation.objects.get(project__name="测试项目")
    assert list(evaluation.indicators.values_list("level2__name", flat=True)) == ["时效指标"]


def test_the_choice_acts_on_its_own_file_of_the_batch(admin_client):
    preview_url = upload(
        admin_client,
        json_upload(
            form_dict("甲项目", rows=(("产出指标", "数量指标", "件数", "90"),)), name="甲.json"
        ),
        json_upload(form_dict("乙项目"), name="乙.json"),
    )
    batch = next(iter(admin_client.session[SESSION_KEY].values()))
    index = next(i for i, raw in enumerate(batch["files"]) if raw["filename"] == "乙.json")
    choose(admin_client, preview_url, {"进度指标": "时效指标", "效果指标": "效益指标"}, index)
    files = [
        FilePreview.from_dict(raw)
        for raw in next(iter(admin_client.session[SESSION_KEY].values()))["files"]
    ]
    assert all(file.ok for file in files)
    assert [file.levels_applied != [] for file in files] == [i == index for i in range(2)]
    assert "确认导入 2 个文件" in admin_client.get(preview_url).content.decode()
