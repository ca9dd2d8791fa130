"""import_forms on files and folders: good files import, bad ones are refused, nothing partial."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from projects.demo import DEMO_FILE
from projects.imports import JsonImporter
from projects.interchange import read_document
from projects.models import Evaluation, Indicator, Project
from tests.factories import make_department, make_evaluation, make_project
from tests.projects.docx_builder import PaperForm, paper_docx

pytestmark = pytest.mark.django_db

GOOD_INDICATORS = (("产出指标", "数量指标", "件数", "≥2件", "2件", "90", "90", ""),)
BAD_INDICATORS = (("产出指标", "创新指标", "件数", "≥2件", "2件", "90", "90", ""),)


def run(*args):
    """(stdout, stderr, error or None) of one import_forms call."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_forms", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def folder(tmp_path):
    """Good and bad files side by side, as an admin's folder of last year's forms."""
    root = tmp_path / "2023"
    (root / "子文件夹").mkdir(parents=True)
    (root / "甲.docx").write_bytes(paper_docx(PaperForm(project_name="甲项目")))
    (root / "子文件夹" / "乙丙.docx").write_bytes(
        paper_docx(PaperForm(project_name="乙项目"), PaperForm(project_name="丙项目"))
    )
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    document["forms"] = document["forms"][:2]
    (root / "交换.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    # Bad: the second form of this file is wrong, so its first form must not stay behind.
    (root / "丁戊.docx").write_bytes(
        paper_docx(
            PaperForm(project_name="丁项目", indicators=GOOD_INDICATORS),
            PaperForm(project_name="戊项目", indicators=BAD_INDICATORS),
        )
    )
    (root / "改名.docx").write_bytes(b"%PDF-1.4 not a word file")
    (root / "宏.docm").write_bytes(paper_docx(PaperForm(project_name="宏项目")))
    (root / "旧.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    (root / "~$甲.docx").write_bytes(b"lock")  # Word's lock file: skipped
    (root / "说明.txt").write_text("不是自评表", encoding="utf-8")  # ignored
    return root


def test_a_folder_of_good_and_bad_files(folder):
    out, err, error = run(folder)
    assert error is not None and "4 个文件未导入" in str(error)
    names = set(Evaluation.objects.values_list("project__name", flat=True))
    assert names == {"甲项目", "乙项目", "丙项目", "档案整理及数字化服务", "法律顾问"}
    # No partial file: 丁项目 was fine, but its file was not.
    assert not Project.objects.filter(name__in=["丁项目", "戊项目"]).exists()
    assert "✓" in out and "甲.docx：导入 1 张自评表" in out
    assert "乙丙.docx：导入 2 张自评表" in out
    assert "· 新建 2023年度「甲项目」（通州区发展和改革委员会）：总分 100.00（优）" in out
    assert "已忽略 1 个不是 .docx/.xlsx/.doc/.xls/.wps/.et/.pdf/.json 的文件" in out
    assert "共 7 个文件：已导入 3 个，未导入 4 个" in out
    assert "丁戊.docx：第2张自评表「戊项目」" not in err  # the failure names the row instead
    assert "丁戊.docx：第1个表格第12行" not in err
    assert (
        "丁戊.docx：2023年度「戊项目」绩效指标第1行：指标分类「产出指标/创新指标」不在指标体系中"
        in err
    )
    assert "改名.docx：文件扩展名是 .docx，但内容是 PDF 文件" in err
    assert "宏.docm：是启用宏的 Word 文件" in err
    assert "旧.doc：文件已损坏（不完整的Word 97-2003 文档）" in err
    assert "~$" not in out + err


def test_dry_run_writes_nothing_and_reports_what_would_happen(folder):
    out, _err, error = run(folder, "--dry-run")
    assert error is not None
    assert not Evaluation.objects.exists() and not Project.objects.exists()
    assert "甲.docx：可以导入 1 张自评表" in out
    assert "共 7 个文件：可以导入 3 个，未导入 4 个" in out


def test_findings_are_listed_at_verbosity_2(tmp_path):
    path = tmp_path / "110分.docx"
    indicators = (
        ("产出指标70", "数量指标", "件数", "≥80件", "119件", "70", "70", ""),
        ("效益指标30", "社会效益指标", "公平公正", "公平公正", "100%", "30", "30", ""),
    )
    path.write_bytes(paper_docx(PaperForm(indicators=indicators)))
    import io

    out = io.StringIO()
    call_command("import_forms", str(path), verbosity=2, stdout=out)
    assert "[错误] 分值合计不是100：" in out.getvalue()
    assert "[警告] 原表总分不符：" in out.getvalue()
    assert "weights_not_100" not in out.getvalue()  # codes are for programs


def test_an_approved_form_is_not_overwritten_and_the_file_rolls_back(tmp_path):
    department = make_department("通州区发展和改革委员会")
    make_evaluation(make_project(department, "已通过项目"), status=Evaluation.Status.APPROVED)
    path = tmp_path / "两张.docx"
    path.write_bytes(
        paper_docx(PaperForm(project_name="新项目"), PaperForm(project_name="已通过项目"))
    )
    before = (Evaluation.objects.count(), Indicator.objects.count())
    _out, err, error = run(path)
    assert error is not None
    assert "「已通过项目」的自评表已通过审核，已锁定，不能被导入覆盖（整个文件未导入）" in err
    assert (Evaluation.objects.count(), Indicator.objects.count()) == before
    assert not Project.objects.filter(name="新项目").exists()


def test_an_unapproved_form_of_the_same_project_and_year_is_updated(tmp_path):
    department = make_department("通州区发展和改革委员会")
    evaluation = make_evaluation(make_project(department, "草稿项目"), indicators=3)
    path = tmp_path / "更新.docx"
    path.write_bytes(paper_docx(PaperForm(project_name="草稿项目")))
    out, err, error = run(path)
    assert error is None, err
    assert "· 更新 2023年度「草稿项目」" in out
    evaluation.refresh_from_db()
    assert evaluation.legacy and evaluation.indicators.count() == 3
    assert evaluation.project_lead == "张三"


def test_a_missing_path_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="找不到文件或文件夹"):
        call_command("import_forms", str(tmp_path / "没有.docx"))


def test_json_import_reads_the_interchange_file_with_a_bom(tmp_path):
    text = DEMO_FILE.read_text(encoding="utf-8")
    path = tmp_path / "bom.json"
    path.write_bytes("\ufeff".encode() + text.encode())
    assert JsonImporter().parse(path) == read_document(json.loads(text))


def test_the_command_lists_every_cell_it_did_not_import(tmp_path):
    from tests.projects.imports.corpus import CASES, build

    [case] = [c for c in CASES if c.name == "budget_arrived_column"]
    (tmp_path / case.filename).write_bytes(build(case))
    out, _err, error = run(tmp_path)
    assert error is None
    assert "有 3 个单元格未导入：" in out
    for text in case.unplaced:
        assert f"      - {text}" in out


def test_names_the_taxonomy_lacks_are_mapped_with_map(tmp_path):
    """The command cannot ask as the preview does: --map says what each name stands for."""
    from projects.models import EvaluationEvent
    from tests.projects.imports.corpus import CASES, build

    [case] = [c for c in CASES if c.name == "unknown_levels"]
    (tmp_path / case.filename).write_bytes(build(case))
    _out, err, error = run(tmp_path)
    assert error is not None and "可用 --map 原名=指标体系中的名称 指定对应关系" in err
    assert not Evaluation.objects.exists()

    _out, err, error = run(
        tmp_path, "--map", "效果指标=效益指标", "--map", "产出指标/进度指标=时效指标"
    )
    assert error is None, err
    levels = set(Indicator.objects.values_list("level2__level1__name", "level2__name"))
    assert ("产出指标", "时效指标") in levels and ("效益指标", "社会效益指标") in levels
    note = EvaluationEvent.objects.get().comment
    assert (
        "一级指标「效果指标」→「效益指标」" in note and "二级指标「进度指标」→「时效指标」" in note
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("效果指标", "应写作「原名=新名」"),
        ("效果指标=没有的一级", "指标体系中没有一级指标「没有的一级」"),
        ("产出指标/进度指标=没有的二级", "一级指标「产出指标」下没有二级指标「没有的二级」"),
    ],
)
def test_a_wrong_map_is_refused_before_anything_is_read(tmp_path, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_forms", str(tmp_path), "--map", value)
