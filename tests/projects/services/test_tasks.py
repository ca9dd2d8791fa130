"""Issuing 自评任务: from last year's forms, by hand, from an uploaded list (all or nothing)."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from projects.imports.base import ImportFailure
from projects.imports.task_list import read_task_list
from projects.models import Evaluation, EvaluationTask, Project
from projects.selectors.tasks import department_counts, pending_tasks, tasks_for_user
from projects.services.tasks import (
    task_issue,
    task_start,
    tasks_issue_from_list,
    tasks_issue_from_previous,
)
from tests.factories import make_department, make_evaluation, make_project

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2024, 3, 31)
HEADER = ["主管部门", "实施单位", "项目名称", "截止日期"]


def xlsx(*rows, title: str | None = "2024年度自评任务清单") -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def issue(data: bytes, admin_user, year: int = 2024):
    return tasks_issue_from_list(
        rows=read_task_list(data, filename="任务.xlsx"), year=year, actor=admin_user
    )


def test_from_last_year_every_project_with_a_form(dept_a, dept_b, admin_user):
    make_evaluation(make_project(dept_a, "甲"), 2023)
    make_evaluation(make_project(dept_b, "乙"), 2023)
    make_evaluation(make_project(dept_b, "旧"), 2021)
    issued = tasks_issue_from_previous(year=2024, deadline=DEADLINE, actor=admin_user)
    assert (issued.created, issued.existing) == (2, 0)
    assert sorted(EvaluationTask.objects.values_list("project__name", flat=True)) == ["乙", "甲"]
    again = tasks_issue_from_previous(year=2024, deadline=DEADLINE, actor=admin_user)
    assert (again.created, again.existing) == (0, 2)


def test_from_last_year_without_forms_is_refused(admin_user):
    with pytest.raises(ValidationError, match="2023年度没有自评表"):
        tasks_issue_from_previous(year=2024, deadline=DEADLINE, actor=admin_user)


def test_by_hand_and_twice_refused(dept_a, admin_user):
    project = make_project(dept_a, "甲")
    task = task_issue(project=project, year=2024, deadline=DEADLINE, actor=admin_user)
    assert task.created_by == admin_user
    with pytest.raises(ValidationError, match="已有2024年度的自评任务"):
        task_issue(project=project, year=2024, deadline=DEADLINE, actor=admin_user)


def test_list_creates_projects_under_matched_departments(dept_a, admin_user):
    unit = make_department("价格认证中心", dept_a)
    existing = make_project(dept_a, "价格认证资金")
    issued = issue(
        xlsx(
            ["通州区发展和改革委员会", "", "价格认证资金", datetime.datetime(2024, 3, 31)],
            # matched by name key (punctuation and spaces do not count)
            ["通州区 发展和改革委员会", "价格认证中心", "新项目", "2024年4月15日"],
        ),
        admin_user,
    )
    assert (issued.created, issued.new_projects) == (2, 1)
    new = Project.objects.get(name="新项目")
    assert (new.department, new.implementing_unit) == (dept_a, unit)
    assert EvaluationTask.objects.get(project=existing).deadline == DEADLINE
    assert EvaluationTask.objects.get(project=new).deadline == datetime.date(2024, 4, 15)


@pytest.mark.parametrize(
    "rows, message",
    [
        ([["不存在的局", "", "甲", "2024-03-31"]], "第 3 行的主管部门「不存在的局」不存在"),
        (
            [["通州区发展和改革委员会", "没有的单位", "甲", "2024-03-31"]],
            "第 3 行的实施单位「没有的单位」",
        ),
        (
            [
                ["通州区发展和改革委员会", "", "甲", "2024-03-31"],
                ["通州区发展和改革委员会", "", "甲", "2024-04-30"],
            ],
            "第 3 行和第 4 行是同一个项目",
        ),
    ],
)
def test_a_bad_row_issues_nothing(dept_a, admin_user, rows, message):
    good = ["通州区发展和改革委员会", "", "好项目", "2024-03-31"]
    with pytest.raises(ValidationError, match=message):
        issue(xlsx(*rows, good), admin_user)
    assert not EvaluationTask.objects.exists()
    assert not Project.objects.exists()


def test_formula_refused_naming_the_row(dept_a):
    data = xlsx(["通州区发展和改革委员会", "", "甲", "=DATE(2024,3,31)"])
    with pytest.raises(ImportFailure, match="第 3 行第 4 列是公式"):
        read_task_list(data, filename="任务.xlsx")


def test_bad_date_and_missing_header(dept_a):
    with pytest.raises(ImportFailure, match="第 3 行的「截止日期」「下月」不是日期"):
        read_task_list(xlsx(["通州区发展和改革委员会", "", "甲", "下月"]))
    book = Workbook()
    book.active.append(["部门", "名称"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ImportFailure, match="没有找到表头"):
        read_task_list(out.getvalue())


def test_macro_file_refused_before_parsing(dept_a):
    data = io.BytesIO(xlsx(["通州区发展和改革委员会", "", "甲", "2024-03-31"]))
    with zipfile.ZipFile(data, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\0" * 64)
    with pytest.raises(ImportFailure, match=r"任务\.xlsm.*宏"):
        read_task_list(data.getvalue(), filename="任务.xlsm")
    assert not EvaluationTask.objects.exists()


def test_state_counts_and_overdue(dept_a, dept_b, admin_user, reviewer_a, filler_a):
    late = make_project(dept_a, "逾期")
    done = make_project(dept_a, "已提交")
    other = make_project(dept_b, "别的部门")
    past = datetime.date(2000, 1, 1)
    for project in (late, done, other):
        task_issue(project=project, year=2023, deadline=past, actor=admin_user)
    make_evaluation(done, 2023, status=Evaluation.Status.SUBMITTED)
    by_name = {t.project.name: t for t in tasks_for_user(admin_user, 2023)}
    assert (by_name["逾期"].overdue, by_name["逾期"].form_status) == (True, None)
    assert (by_name["已提交"].overdue, by_name["已提交"].form_status) == (False, "submitted")
    counts = department_counts(reviewer_a, 2023)
    assert [
        (c["project__department__name"], c["total"], c["not_started"], c["overdue"]) for c in counts
    ] == [("通州区发展和改革委员会", 2, 1, 1)]
    assert [t.project.name for t in pending_tasks(filler_a)] == ["逾期"]


def test_start_copies_last_years_form(dept_a, filler_a, admin_user, open_round):
    project = make_project(dept_a, "甲")
    previous = make_evaluation(project, 2023, indicators=3)
    task = task_issue(project=project, year=2024, deadline=DEADLINE, actor=admin_user)
    evaluation = task_start(task=task, user=filler_a)
    assert (evaluation.year, evaluation.project) == (2024, project)
    assert evaluation.indicators.count() == previous.indicators.count() == 3
    blank = task_issue(
        project=make_project(dept_a, "乙"), year=2024, deadline=DEADLINE, actor=admin_user
    )
    assert task_start(task=blank, user=filler_a).indicators.count() == 0


def test_an_ambiguous_department_is_refused_naming_both(admin_user):
    make_department("区财政局")
    make_department("区 财政局")
    with pytest.raises(ValidationError, match=r"「区 财政局」「区财政局」.*请写全称"):
        issue(xlsx(["区·财政局", "", "甲", "2024-03-31"]), admin_user)
    assert not Project.objects.exists()
