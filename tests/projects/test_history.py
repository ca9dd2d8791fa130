"""A form's history (EvaluationEvent): written by the services, field by field."""

from dataclasses import replace
from decimal import Decimal

import pytest

from projects.demo import load_demo
from projects.models import EvaluationEvent
from projects.selectors import get_evaluation_for_user
from projects.services import (
    IndicatorDraft,
    evaluation_create,
    evaluation_create_from_previous,
    evaluation_save_draft,
)
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
