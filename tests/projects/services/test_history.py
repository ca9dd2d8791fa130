"""History: a form's (EvaluationEvent), written by the services field by field, and
系统管理's (LogEntry), with the same diff and the same template."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from projects import history
from projects.demo import load_demo
from projects.history import diff, in_words
from projects.models import Evaluation, EvaluationEvent
from projects.selectors.evaluations import get_evaluation_for_user
from projects.selectors.workflow import HISTORY_PER_PAGE, HISTORY_SHOWN
from projects.services import evaluations as services
from projects.services import manage as administration
from projects.services.evaluations import (
    IndicatorDraft,
    evaluation_create,
    evaluation_create_from_previous,
    evaluation_save_draft,
)
from projects.services.manage import department_save
from tests.factories import level2
from tests.projects.services.test_services_drafts import _draft

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


def test_a_changed_direction_is_recorded_by_its_label(evaluation_a, filler_a):
    evaluation = get_evaluation_for_user(filler_a, evaluation_a.pk)
    draft = _draft(evaluation)
    first = replace(draft.indicators[0], direction="equal")
    draft = replace(draft, indicators=(first, *draft.indicators[1:]))
    evaluation_save_draft(evaluation=evaluation, draft=draft, version=1, user=filler_a)
    assert _changes(EvaluationEvent.objects.get()) == {
        ("三级指标第1行「完成件数1」", "指标方向"): ("", "等于")
    }


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
    from tests.projects.views.test_views_evaluation_form import PAGE_QUERIES

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


# --- one diff and one template for a form's history and for 系统管理's --------------------


def test_the_diff_names_fields_and_shows_values_as_the_page_does():
    before = {"project_lead": "", "budget_weight": Decimal("10.00"), "goal_expected": "甲"}
    after = {"project_lead": "李四", "budget_weight": Decimal("10"), "goal_expected": None}
    assert diff("表头", Evaluation, before, after, key_prefix="") == [  # 10.00 → 10: none
        {
            "where": "表头",
            "field": "项目负责人",
            "before": "",
            "after": "李四",
            "key": "project_lead",
        },
        {
            "where": "表头",
            "field": "年度总体目标·预期目标",
            "before": "甲",
            "after": "",
            "key": "goal_expected",
        },
    ]


def test_the_diff_in_words_for_a_logentry():
    changes = diff("", None, {"姓名": "", "状态": "启用"}, {"姓名": "李四", "状态": "启用"})
    assert changes == [{"where": "", "field": "姓名", "before": "", "after": "李四"}]
    assert in_words(changes) == "姓名：（空） → 李四"
    assert in_words(diff("", None, {"说明": "第一轮"}, {"说明": ""})) == "说明：第一轮 → （空）"


def test_forms_and_manage_changes_are_diffed_by_the_one_helper(
    monkeypatch, admin_user, evaluation_a, filler_a
):
    seen = []

    def spy(*args, **kwargs):
        found = history.diff(*args, **kwargs)
        seen.append(found)
        return found

    monkeypatch.setattr(services, "diff", spy)
    monkeypatch.setattr(administration, "diff", spy)
    evaluation = get_evaluation_for_user(filler_a, evaluation_a.pk)
    draft = replace(_draft(evaluation), project_lead="李四")
    evaluation_save_draft(evaluation=evaluation, draft=draft, version=1, user=filler_a)
    department = evaluation_a.project.department
    department.name = "区发展和改革委员会"
    department_save(actor=admin_user, department=department)
    form_changes = [change for found in seen for change in found if change["where"] == "表头"]
    assert EvaluationEvent.objects.get().changes == form_changes
    entry = LogEntry.objects.get(object_id=str(department.pk))
    assert entry.change_message == history.in_words(seen[-1])
    assert entry.change_message == "名称：通州区发展和改革委员会 → 区发展和改革委员会"


def test_the_manage_pages_show_their_history_with_the_forms_template(client, admin_user, dept_a):
    dept_a.name = "区发展和改革委员会"
    department_save(actor=admin_user, department=dept_a)
    client.force_login(admin_user)
    page = client.get(reverse("manage:department_edit", args=[dept_a.pk])).content.decode()
    assert 'class="history-timeline list-unstyled mb-0 manage-log"' in page
    assert 'class="history-event event-changed mb-2" data-kind="changed"' in page
    assert '<strong class="event-kind">修改</strong>' in page
    assert "名称：通州区发展和改革委员会 → 区发展和改革委员会" in page
