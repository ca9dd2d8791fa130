"""projects.departments: the name key, and the import matching a written department to a stored one."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.demo import DEMO_FILE
from projects.departments import department_key, department_match, unit_match
from projects.imports import ImportFailure
from projects.imports.base import check_forms
from projects.imports.preview import preview_file
from projects.interchange import read_form_dict
from projects.models import Department, Evaluation, Project
from projects.services.imports import evaluations_import, existing_evaluation
from tests.factories import make_department, make_evaluation, make_project
from tests.projects.docx_builder import PaperForm, paper_docx

NDRC = "通州区发展和改革委员会"
WRITTEN = "219-通州区 发展和改革委员会"


# --- the key ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        NDRC,
        WRITTEN,
        "219－通州区发展和改革委员会",  # full-width hyphen
        "219—通州区发展和改革委员会",
        "219_通州区发展和改革委员会",
        "219 通州区发展和改革委员会",
        "51000021R1234-通州区发展和改革委员会",
        "通州区 发展和改革委员会（盖章）",
        "通州区发展和改革委员会(盖章)",
        "　通州区发展和改革委员会　",  # ideographic spaces
        "通州区发展和改革委员会\t",
        "【219】通州区发展和改革委员会",
        "通州区发展和改革委员会-219",
        "通州区发展和改革委员会（219）",
        "通州区“发展和改革委员会”",
        "通州区·发展和改革委员会。",
        "219-通州区 发展和改革委员会（盖章）",
    ],
)
def test_spellings_of_one_department_have_one_key(name):
    assert department_key(name) == NDRC


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("219-北京市通州区发展和改革委员会", "北京市通州区发展和改革委员会"),
        ("51000021R1234-某局", "某局"),
        ("通州区（副中心）管委会、办公室：综合科", "通州区副中心管委会办公室综合科"),
        ("CBD-管委会", "cbd管委会"),  # letters without a digit are no code
        ("2023年节能中心", "2023年节能中心"),  # digits without a separator are the name
        ("219", "219"),  # nothing but a code: the name itself
        ("（盖章）", ""),  # nothing left: an empty key matches nothing
        ("---", ""),
    ],
)
def test_what_the_key_keeps(name, key):
    assert department_key(name) == key


def test_other_spellings_are_other_keys():
    """An abbreviation or the longer official name is not guessed: the admin merges them."""
    keys = {department_key(name) for name in (NDRC, "北京市通州区发展和改革委员会", "通州区发改委")}
    assert len(keys) == 3


# --- the match ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_name_first_then_the_one_of_the_same_key():
    stored = make_department(NDRC)
    other = make_department("通州区 发展和改革委员会")  # the same key: ambiguous by key
    assert department_match(NDRC).department == stored
    assert department_match("通州区 发展和改革委员会").department == other
    found = department_match(WRITTEN)
    assert found.department is None
    assert found.ambiguous == ("通州区 发展和改革委员会", NDRC)
    assert "无法确定是哪一个" in found.ambiguity("主管部门")
    other.delete()
    found = department_match(WRITTEN)
    assert found.department == stored and found.other_name == NDRC
    assert department_match(NDRC).other_name == ""
    assert department_match("通州区发改委").department is None


@pytest.mark.django_db
def test_units_are_matched_under_their_department_only():
    department = make_department(NDRC)
    elsewhere = make_department("办公室")
    unit = make_department("产业发展科", parent=department)
    make_department("价格认证中心", parent=elsewhere)
    assert unit_match("产业 发展科（盖章）", department).department == unit
    assert unit_match("价格认证中心", department).department is None
    assert unit_match("产业发展科", None).department is None
    assert department_match("产业发展科").department is None  # a unit is no 主管部门


# --- the import -----------------------------------------------------------------------


def _form(**changes):
    form = copy.deepcopy(json.loads(DEMO_FILE.read_text(encoding="utf-8"))["forms"][3])
    form.update(changes)
    return read_form_dict(form)


@pytest.mark.django_db
def test_an_import_goes_to_the_department_of_the_same_key():
    department = make_department(NDRC)
    unit = make_department("产业发展科", parent=department)
    form = _form(department=WRITTEN, implementing_unit="产业 发展科")
    new = evaluations_import(forms=[form])[0]
    assert new.created
    assert new.evaluation.project.department == department
    assert new.evaluation.project.implementing_unit == unit
    assert Department.objects.count() == 2  # no new row
    assert existing_evaluation(form) == new.evaluation

    again = evaluations_import(forms=[_form(department=NDRC, project_lead="王五")])[0]
    assert not again.created and again.evaluation.pk == new.evaluation.pk
    assert Evaluation.objects.get().project_lead == "王五"
    assert Department.objects.count() == 2 and Project.objects.count() == 1


@pytest.mark.django_db
def test_an_import_updates_the_form_of_the_department_of_the_same_key():
    department = make_department(NDRC)
    stored = make_evaluation(make_project(department, "已有项目"), indicators=2)
    form = _form(department=f"{WRITTEN}（盖章）", project_name="已有项目")
    imported = evaluations_import(forms=[form], versions=[stored.version])[0]
    assert not imported.created and imported.evaluation.pk == stored.pk
    assert list(Department.objects.filter(parent__isnull=True)) == [department]


@pytest.mark.django_db
def test_an_ambiguous_name_makes_a_new_department_as_written():
    make_department(NDRC)
    make_department("通州区 发展和改革委员会")
    imported = evaluations_import(forms=[_form(department=WRITTEN)])[0]
    assert imported.evaluation.project.department.name == WRITTEN
    assert Department.objects.filter(parent__isnull=True).count() == 3


@pytest.mark.django_db
def test_a_new_department_keeps_its_name_as_written():
    imported = evaluations_import(forms=[_form(department=WRITTEN)])[0]
    assert imported.evaluation.project.department.name == WRITTEN


def test_one_file_with_two_spellings_of_one_project_is_refused():
    forms = [_form(department=NDRC), _form(department=WRITTEN)]
    with pytest.raises(ImportFailure, match="第1张和第2张自评表是同一项目同一年度"):
        check_forms(forms, "甲.json")


# --- the preview --------------------------------------------------------------------


def _docx(**fields) -> bytes:
    return paper_docx(PaperForm(**fields))


@pytest.mark.django_db
def test_the_preview_says_which_department_a_name_was_matched_to():
    department = make_department(NDRC)
    make_department("产业发展科", parent=department)
    preview = preview_file(
        _docx(department=WRITTEN, implementing_unit="产业发展科（盖章）"), "甲.docx"
    )
    assert preview.ok, preview.error
    form = preview.forms[0]
    assert (form.department, form.department_matched) == (WRITTEN, NDRC)
    assert form.unit_matched == "产业发展科"
    assert not form.new_department and not form.new_unit
    assert form.department_ambiguous == form.unit_ambiguous == ""

    exact = preview_file(_docx(department=NDRC), "乙.docx").forms[0]
    assert exact.department_matched == "" and not exact.new_department


@pytest.mark.django_db
def test_the_preview_page_shows_the_match_and_the_import_follows_it(client, admin_user):
    department = make_department(NDRC)
    client.force_login(admin_user)
    upload = SimpleUploadedFile("甲.docx", _docx(department=WRITTEN, project_name="甲项目"))
    response = client.post(reverse("imports:upload"), {"files": [upload]})
    preview_url = response["Location"]
    html = client.get(preview_url).content.decode()
    assert f"「{WRITTEN}」→ 已有部门「{NDRC}」" in html
    assert "新部门" not in html
    assert client.post(preview_url + "confirm/").status_code == 302
    assert Evaluation.objects.get(project__name="甲项目").project.department == department
    assert Department.objects.filter(parent__isnull=True).count() == 1


@pytest.mark.django_db
def test_the_preview_says_an_ambiguous_name_is_ambiguous(client, admin_user):
    make_department(NDRC)
    make_department("通州区 发展和改革委员会")
    client.force_login(admin_user)
    upload = SimpleUploadedFile("甲.docx", _docx(department=WRITTEN))
    preview_url = client.post(reverse("imports:upload"), {"files": [upload]})["Location"]
    html = client.get(preview_url).content.decode()
    assert (
        f"「{WRITTEN}」与已有主管部门「通州区 发展和改革委员会」「{NDRC}」去掉编号、空格和标点后相同，"
        "无法确定是哪一个，将按原名新建主管部门"
    ) in html
    assert "新部门" in html
