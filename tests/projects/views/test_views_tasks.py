"""The 自评任务 pages: the admin issues, the filler starts, reviewers see their scope."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Evaluation, EvaluationTask, Project
from tests.factories import make_evaluation, make_project
from tests.projects.services.test_tasks import xlsx
from tests.projects.views.test_views_home import LIST_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]

PAST = datetime.date(2000, 1, 1)
LATER = datetime.date(2100, 1, 1)


def _task(project, year=2024, deadline=LATER):
    return EvaluationTask.objects.create(project=project, year=year, deadline=deadline)


def test_admin_issues_by_hand_and_from_last_year(client, admin_user, dept_a):
    project = make_project(dept_a, "甲")
    make_evaluation(make_project(dept_a, "乙"), 2023)
    client.force_login(admin_user)
    response = client.post(
        reverse("manage:task_create", args=[2024]),
        {"project": project.pk, "deadline": "2024-03-31"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("manage:task_issue_previous", args=[2024]), {"deadline": "2024-04-30"}, follow=True
    )
    assert "已下达2024年度的自评任务 1 个" in response.content.decode()
    page = client.get(reverse("manage:tasks") + "?year=2024").content.decode()
    assert page.count("data-task=") == 2 and "未开始" in page


def test_only_admins_issue(client, filler_a, reviewer_a, dept_a):
    project = make_project(dept_a, "甲")
    for user in (filler_a, reviewer_a):
        client.force_login(user)
        response = client.post(
            reverse("manage:task_create", args=[2024]),
            {"project": project.pk, "deadline": "2024-03-31"},
        )
        assert response.status_code == 403
    assert not EvaluationTask.objects.exists()


def test_upload_good_and_bad(client, admin_user, dept_a):
    client.force_login(admin_user)
    url = reverse("manage:task_upload", args=[2024])
    good = xlsx(["通州区发展和改革委员会", "", "新项目", "2024-03-31"])
    bad = xlsx(
        ["通州区发展和改革委员会", "", "又一个", "2024-03-31"], ["某某局", "", "甲", "2024-03-31"]
    )
    response = client.post(url, {"file": SimpleUploadedFile("任务.xlsx", bad)})
    assert response.status_code == 400
    assert "第 4 行的主管部门「某某局」不存在" in response.content.decode()
    assert not Project.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("任务.xlsx", good)})
    assert response.status_code == 302
    assert EvaluationTask.objects.get().project.name == "新项目"


def test_filler_sees_own_departments_tasks_with_overdue(client, filler_a, dept_a, dept_b):
    _task(make_project(dept_a, "本部门逾期"), deadline=PAST)
    _task(make_project(dept_a, "本部门"))
    _task(make_project(dept_b, "别的部门"))
    started = make_project(dept_a, "已开始")
    _task(started)
    make_evaluation(started, 2024)
    client.force_login(filler_a)
    html = client.get(reverse("home")).content.decode()
    assert 'id="pending-count">2<' in html
    assert "本部门逾期" in html and "本部门" in html and "别的部门" not in html
    assert html.count("task-overdue") == 1


def test_start_creates_the_form_from_last_year(client, filler_a, filler_b, dept_a):
    project = make_project(dept_a, "甲")
    make_evaluation(project, 2023, indicators=3)
    task = _task(project)
    client.force_login(filler_b)
    assert client.post(reverse("task_start", args=[task.pk])).status_code == 404
    assert not Evaluation.objects.filter(year=2024).exists()
    client.force_login(filler_a)
    response = client.post(reverse("task_start", args=[task.pk]))
    evaluation = Evaluation.objects.get(project=project, year=2024)
    assert response["Location"] == evaluation.get_absolute_url()
    assert evaluation.indicators.count() == 3 and evaluation.created_by == filler_a
    # A second click opens the form the first one made.
    again = client.post(reverse("task_start", args=[task.pk]))
    assert again["Location"] == evaluation.get_absolute_url()


def test_start_in_a_closed_year_says_so(client, filler_a, dept_a):
    task = _task(make_project(dept_a, "甲"), year=2030)
    client.force_login(filler_a)
    response = client.post(reverse("task_start", args=[task.pk]), follow=True)
    assert "2030" in response.content.decode()
    assert not Evaluation.objects.filter(year=2030).exists()


def test_reviewer_sees_only_their_scope(client, reviewer_a, filler_a, dept_a, dept_b):
    _task(make_project(dept_a, "本部门逾期"), deadline=PAST)
    _task(make_project(dept_b, "别的部门"), deadline=PAST)
    client.force_login(reviewer_a)
    html = client.get(reverse("dashboard_tasks")).content.decode()
    assert "本部门逾期" in html and "别的部门" not in html and dept_b.name not in html
    client.force_login(filler_a)
    assert client.get(reverse("dashboard_tasks")).status_code == 403


@pytest.mark.parametrize("count", [1, 40])
def test_home_query_count_whatever_the_tasks(
    client, filler_a, dept_a, count, django_assert_num_queries
):
    for i in range(count):
        project = make_project(dept_a, f"项目{i}")
        _task(project, deadline=PAST if i % 2 else LATER)
        if i % 3 == 0:
            make_evaluation(project, 2023)
    client.force_login(filler_a)
    with django_assert_num_queries(LIST_QUERIES):
        html = client.get(reverse("home")).content.decode()
    assert f'id="pending-count">{count}<' in html
