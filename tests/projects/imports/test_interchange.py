"""The interchange JSON reads back without loss and refuses bad input in Chinese."""

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from projects.demo import DEMO_FILE, load_demo
from projects.interchange import FORMAT, InterchangeError, read_document, read_form_dict
from projects.models import Evaluation

pytestmark = pytest.mark.django_db


def _export(tmp_path, name="out.json"):
    path = tmp_path / name
    call_command("export_forms", "--year", "2023", "--format", "json", "--out", str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def _key(form):
    return (form["department"], form["project_name"])


def test_export_import_round_trip_is_lossless(tmp_path):
    load_demo()
    first = _export(tmp_path, "first.json")
    assert first["format"] == FORMAT
    assert len(first["forms"]) == 14
    Evaluation.objects.all().delete()
    call_command("import_forms", str(tmp_path / "first.json"))
    second = _export(tmp_path, "second.json")
    assert sorted(first["forms"], key=_key) == sorted(second["forms"], key=_key)


def test_import_updates_the_same_project_and_year(tmp_path):
    load_demo()
    document = _export(tmp_path)
    document["forms"] = [f for f in document["forms"] if f["project_name"] == "法律顾问"]
    document["forms"][0]["goal_actual"] = "已完成全部法律服务"
    path = tmp_path / "edit.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    call_command("import_forms", str(path))
    assert Evaluation.objects.count() == 14
    assert Evaluation.objects.get(project__name="法律顾问").goal_actual == "已完成全部法律服务"


def test_approved_form_is_never_overwritten(tmp_path):
    load_demo()
    Evaluation.objects.filter(project__name="法律顾问").update(status="approved")
    document = _export(tmp_path)
    path = tmp_path / "again.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_forms", str(path))
    # All or nothing per file: the other 13 forms were not touched either.
    assert Evaluation.objects.filter(version=1).count() == 14


def _demo_form():
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))["forms"][1]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.update(year="二〇二三"), "年度"),
        (lambda f: f.update(year=1999), "年度"),
        (lambda f: f.update(project_name=""), "project_name"),
        (lambda f: f.update(status="lost"), "状态"),
        (lambda f: f["budget_lines"][0].update(annual_budget=10.5), "数字字符串"),
        (lambda f: f["budget_lines"][0].update(annual_budget="12,3a"), "不是有效数字"),
        (lambda f: f["budget_lines"][0].update(annual_budget="-1"), "不能为负数"),
        (lambda f: f["budget_lines"][0].update(annual_budget="NaN"), "不是有效数字"),
        (lambda f: f["budget_lines"][0].update(executed="1.1234567"), "6 位小数"),
        (lambda f: f["budget_lines"][0].update(kind="bonus"), "资金类别"),
        (lambda f: f["indicators"][0].update(weight="100000"), "数值过大，最大为 99999.99"),
        # projects.numbers' rules, as everywhere a number is typed
        (lambda f: f["indicators"][0].update(weight="1e1"), "「1e1」不是有效数字"),
        (lambda f: f["budget_lines"][0].update(annual_budget="12,3"), "「12,3」不是有效数字"),
        (lambda f: f["indicators"][0].update(tier="great"), "定性档次"),
        (lambda f: f["indicators"][0].update(direction="越大越好"), "指标方向「越大越好」无效"),
        (lambda f: f["indicators"][0].update(direction=1), "字段 direction 应为文本"),
        (lambda f: f["indicators"][0].update(review_score="5"), "审核意见"),
        (lambda f: f["indicators"].append("row"), "应为对象"),
    ],
)
def test_bad_values_are_refused_naming_the_spot(mutate, message):
    form = copy.deepcopy(_demo_form())
    mutate(form)
    with pytest.raises(InterchangeError, match=message):
        read_form_dict(form)


def test_unknown_taxonomy_rolls_the_file_back(tmp_path):
    document = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    document["forms"][3]["indicators"][0]["level2"] = "不存在的指标"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_forms", str(path))
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    "document",
    [[], {"format": "other/1", "forms": []}, {"format": FORMAT}, {"format": FORMAT, "forms": {}}],
)
def test_document_shape_is_checked(document):
    with pytest.raises(InterchangeError):
        read_document(document)


def test_import_reports_a_broken_file(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_bytes(b"\xff\xfe not json")
    with pytest.raises(CommandError):
        call_command("import_forms", str(path))
    assert "不是有效的 UTF-8 JSON 文件" in capsys.readouterr().err


def test_the_reviewers_comments_survive_the_round_trip(tmp_path):
    load_demo()
    evaluation = Evaluation.objects.order_by("pk").first()
    evaluation.review_comment = "请补充绩效目标完成情况说明"
    evaluation.save()
    evaluation.indicators.filter(position=1).update(review_comment="数据来源不清")
    first = _export(tmp_path, "first.json")
    Evaluation.objects.all().delete()
    call_command("import_forms", str(tmp_path / "first.json"))
    second = _export(tmp_path, "second.json")
    assert sorted(first["forms"], key=_key) == sorted(second["forms"], key=_key)
    stored = Evaluation.objects.get(review_comment="请补充绩效目标完成情况说明")
    assert stored.indicators.get(position=1).review_comment == "数据来源不清"


def test_keys_nothing_reads_are_listed_as_not_imported(tmp_path):
    """Our own export's keys are all read (or computed again); a key added by hand is
    said in the preview, never dropped silently."""
    from projects.imports import JsonImporter

    load_demo()
    document = _export(tmp_path)
    forms = JsonImporter().parse(
        json.dumps(document, ensure_ascii=False).encode(), filename="a.json"
    )
    assert all(form.unplaced == () for form in forms)
    document["forms"][0]["备注"] = "手工补充"
    document["forms"][0]["budget"]["到位数"] = "10"
    document["forms"][0]["indicators"][1]["核查意见"] = "属实"
    document["forms"][0]["indicators"][1]["空的"] = ""
    first, *_ = JsonImporter().parse(
        json.dumps(document, ensure_ascii=False).encode(), filename="a.json"
    )
    assert first.unplaced == (
        "第1张表：字段「备注」未导入",
        "第1张表：字段「budget.到位数」未导入",
        "第1张表：字段「indicators[2].核查意见」未导入",
    )


def test_the_fillers_direction_survives_the_round_trip(tmp_path):
    load_demo()
    evaluation = Evaluation.objects.get(project__name="通州区重大投资项目规划谋划")
    evaluation.indicators.filter(position=1).update(direction="equal")
    evaluation.indicators.filter(position=5).update(direction="positive")
    first = _export(tmp_path, "first.json")
    form = next(f for f in first["forms"] if f["project_name"] == "通州区重大投资项目规划谋划")
    assert [row["direction"] for row in form["indicators"]][:5] == ["equal", "", "", "", "positive"]
    # 正向 chosen on a bare cost: 399.9 of 400 is no longer met in full
    assert form["indicators"][4]["suggested_score"] == "4.99"
    Evaluation.objects.all().delete()
    call_command("import_forms", str(tmp_path / "first.json"))
    second = _export(tmp_path, "second.json")
    assert sorted(first["forms"], key=_key) == sorted(second["forms"], key=_key)
    stored = Evaluation.objects.get(project__name="通州区重大投资项目规划谋划")
    assert list(stored.indicators.values_list("direction", flat=True))[:5] == [
        "equal",
        "",
        "",
        "",
        "positive",
    ]


def test_a_direction_may_be_written_as_its_label():
    form = copy.deepcopy(_demo_form())
    form["indicators"][0]["direction"] = "反向"
    form["indicators"][1]["direction"] = "自动"
    read = read_form_dict(form)
    assert (read.indicators[0].direction, read.indicators[1].direction) == ("reverse", "")
