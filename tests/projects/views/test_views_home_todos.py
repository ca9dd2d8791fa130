"""The home page's to-do counts: 退回待修改 / 未提交 for fillers, 待审核 for reviewers."""

import re

import pytest
from django.urls import reverse

from projects.models import Evaluation
from projects.selectors.workflow import todo_counts, years_and_todos
from tests.factories import make_evaluation, make_project
from tests.projects.views.test_views_home import LIST_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def forms(dept_a, dept_b):
    make_evaluation(make_project(dept_a, "甲"), 2023, status=Evaluation.Status.RETURNED)
    make_evaluation(make_project(dept_a, "乙"), 2023)
    make_evaluation(make_project(dept_a, "丙"), 2022)
    make_evaluation(make_project(dept_a, "丁"), 2022, status=Evaluation.Status.SUBMITTED)
    make_evaluation(make_project(dept_b, "戊"), 2021, status=Evaluation.Status.SUBMITTED)


def _count(html, key):
    match = re.search(rf'id="todo-{key}"[^>]*>[^<]*<span[^>]*>(\d+)<', html)
    return int(match.group(1)) if match else None


def test_filler_sees_returned_and_drafts_of_their_department(client, filler_a, forms):
    client.force_login(filler_a)
    html = client.get(reverse("home")).content.decode()
    assert (_count(html, "returned"), _count(html, "draft")) == (1, 2)
    assert _count(html, "submitted") is None
    assert todo_counts(filler_a) == {"returned": 1, "draft": 2}


def test_reviewer_sees_submitted_in_scope(client, reviewer_a, admin_user, forms):
    client.force_login(reviewer_a)
    html = client.get(reverse("home")).content.decode()
    assert _count(html, "submitted") == 1 and _count(html, "draft") is None
    assert todo_counts(admin_user) == {"submitted": 2}


def test_years_come_with_the_counts_in_one_query(filler_a, forms, django_assert_num_queries):
    filler_a.groups.all()  # roles are cached on the user after the first question
    todo_counts(filler_a)
    with django_assert_num_queries(1):
        years, counts = years_and_todos(filler_a)
    assert years == [2023, 2022]
    assert counts == {"returned": 1, "draft": 2}


def test_the_list_keeps_its_query_count(client, filler_a, forms, django_assert_num_queries):
    """The counts ride on the years query of the filters: no query of their own."""
    client.force_login(filler_a)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse("home"))


def test_a_filler_who_also_holds_the_reviewer_role_has_nothing_to_review(filler_a, forms):
    from django.contrib.auth.models import Group, User

    filler_a.groups.add(Group.objects.get(name="审核人"))
    dual = User.objects.get(pk=filler_a.pk)
    assert todo_counts(dual) == {"returned": 1, "draft": 2}  # 丁 is submitted but theirs
