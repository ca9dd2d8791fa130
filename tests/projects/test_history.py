"""A form's history (EvaluationEvent): written by the services, field by field."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.urls import reverse

from projects.demo import load_demo
from projects.models import EvaluationEvent
from projects.selectors import get_evaluation_for_user
from projects.services import (
    IndicatorDraft,
    evaluation_create,
    evaluation_create_from_previous,
    evaluation_save_draft,
)
from projects.workflow_selectors import HISTORY_PER_PAGE, HISTORY_SHOWN
from tests.factories import level2
from tests.projects.test_services_drafts import _draft

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]


def _changes(event):
    return {(c["where"], c["field"]): (c["before"], c["after"]) for c in event.changes}


def test_added_moved_and_deleted_rows_are_recorded(evaluation_a, filler_a):
    evaluation = get_evaluation_for_user(filler_a, evaluation_a.pk)
    draft = _draft(evaluation)
    new_row = IndicatorDraft(
        level2=level2("效益指标", "社会效益指标"), name="群众满意", weight=Decimal("5")
    )
    draft = replace(draft, indicators=(draft.indicators[0], draft.indicators[2], new_row))
    evaluation_save_draft(evaluation=evaluation, draft=draft, version=1, user=filler_a)
    event = EvaluationEvent.objects.get()
    changes = _changes(event)
    assert changes[("三级指标第3行「群众满意」", "三级指标")] == ("", "群众满意")
    assert changes[("三级指标第3行「群众满意」", "分值")] == ("", "5")
    assert changes[("三级指标第3行「群众满意」", "二级指标")] == ("", "社会效益指标")
    assert changes[("三级指标「完成件数2」", "整行")] == ("完成件数2", "（已删除）")
    assert len(changes) == 4  # moving a row changes none of its fields


def test_a_save_without_changes_adds_nothing(evaluation_a, filler_a):
    evaluation = get_evaluation_for_user(filler_a, evaluation_a.pk)
    evaluation_save_draft(evaluation=evaluation, draft=_draft(evaluation), version=1, user=filler_a)
    assert not EvaluationEvent.objects.exists()


def test_creating_and_copying_are_recorded(evaluation_a, filler_a):
    previous = get_evaluation_for_user(filler_a, evaluation_a.pk)
    new = evaluation_create_from_previous(previous=previous, user=filler_a)
    event = EvaluationEvent.objects.get(evaluation=new)
    assert (event.kind, event.user, event.comment) == (
        "created",
        filler_a,
        "以2023年度的自评表为基础新建",
    )
    blank = evaluation_create(project=evaluation_a.project, year=2025, user=filler_a)
    assert blank.events.get().kind == "created"


def test_imports_are_recorded_without_a_user():
    load_demo()
    event = EvaluationEvent.objects.filter(kind="imported").first()
    assert event is not None and event.user is None
    assert event.comment.startswith("状态：")


# --- the form page shows the latest events; the history page has them all -------------


def _with_events(evaluation, count):
    EvaluationEvent.objects.bulk_create(
        EvaluationEvent(
            evaluation=evaluation,
            kind=EvaluationEvent.Kind.SAVED,
            comment=f"第{number}次保存",
            changes=[{"where": "表头", "field": "项目负责人", "before": "", "after": "张三"}],
        )
        for number in range(1, count + 1)
    )
    return evaluation


@pytest.mark.parametrize("events", [5, 400])
def test_form_page_size_and_queries_do_not_grow_with_the_history(
    client, filler_a, evaluation_a, events, django_assert_num_queries
):
    from tests.projects.test_views_evaluation_form import PAGE_QUERIES

    _with_events(evaluation_a, events)
    client.force_login(filler_a)
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get(evaluation_a.get_absolute_url()).content.decode()
    assert page.count('class="history-event') == min(events, HISTORY_SHOWN)
    older = reverse("evaluation_history", args=[evaluation_a.pk])
    assert (f'href="{older}"' in page and "查看更早的记录" in page) is (events > HISTORY_SHOWN)


def test_read_page_shows_the_latest_events_too(client, reviewer_a, evaluation_a):
    _with_events(evaluation_a, HISTORY_SHOWN + 1)
    client.force_login(reviewer_a)
    page = client.get(evaluation_a.get_absolute_url()).content.decode()
    assert page.count('class="history-event') == HISTORY_SHOWN
    assert "查看更早的记录" in page


def test_history_page_has_every_event_a_page_at_a_time(client, filler_a, evaluation_a):
    _with_events(evaluation_a, HISTORY_PER_PAGE + 1)
    client.force_login(filler_a)
    history = reverse("evaluation_history", args=[evaluation_a.pk])
    first = client.get(history).content.decode()
    assert first.count('class="history-event') == HISTORY_PER_PAGE
    assert f"第{HISTORY_PER_PAGE + 1}次保存" in first  # newest first
    last = client.get(history, {"page": 2}).content.decode()
    assert last.count('class="history-event') == 1 and "第1次保存" in last
    assert client.get(history, {"page": "x"}).status_code == 200


def test_history_page_is_scoped_and_read_only(client, filler_b, filler_a, evaluation_a):
    history = reverse("evaluation_history", args=[evaluation_a.pk])
    client.force_login(filler_b)
    assert client.get(history).status_code == 404
    client.force_login(filler_a)
    assert client.post(history).status_code == 405
