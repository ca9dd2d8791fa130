"""The workflow's buttons and pages: submit, review, return, approve, reopen; history;
the two-tab conflict (runs on SQLite and PostgreSQL like the rest of the suite)."""

import re

import pytest

from projects.forms.workflow import ERROR_REVIEW_SCORE
from projects.models import Evaluation, EvaluationEvent, Indicator
from projects.numbers import ERROR_COMMA, ERROR_NOT_A_NUMBER, ERROR_SCORE_PLACES
from projects.services.evaluations import (
    ERROR_STALE_VERSION,
)
from projects.services.workflow import (
    ERROR_STALE_STATE,
)
from projects.views.workflow import APPROVED, RETURNED, SUBMITTED
from tests.factories import make_evaluation, make_project
from tests.projects.form_helpers import page_data, url

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def _submit(client, evaluation, version=None):
    evaluation.refresh_from_db()
    return client.post(
        url("evaluation_submit", evaluation),
        {"version": evaluation.version if version is None else version},
        follow=True,
    )


def test_filler_submits_from_the_form_page(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    html = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    assert 'id="submit-button"' in html
    response = _submit(client, evaluation_a)
    assert _messages(response) == [SUBMITTED]
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.SUBMITTED
    html = response.content.decode()
    assert 'name="indicator-0-name"' not in html  # read-only now
    assert 'data-kind="submitted"' in html  # in the history


# --- 提交审核 on the form page posts the page: saved and submitted in one step ---


def test_the_submit_button_posts_the_whole_page(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    html = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    button = re.search(r'<button[^>]*id="submit-button"[^>]*>', html, re.S).group(0)
    assert 'form="evaluation-form"' in button
    assert f'formaction="{url("evaluation_submit", evaluation_a)}"' in button
    assert "data-confirm=" in button
    assert 'id="submit-form"' not in html  # no second form that posts the saved version


def test_submitting_the_page_saves_what_was_typed_and_submits_it(client, filler_a, evaluation_a):
    data = {**page_data(evaluation_a), "goal_actual": "90% 的任务已完成"}
    client.force_login(filler_a)
    response = client.post(url("evaluation_submit", evaluation_a), data, follow=True)
    assert _messages(response) == [SUBMITTED]
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.SUBMITTED
    assert evaluation_a.goal_actual == "90% 的任务已完成"  # what was on the page, not the old
    assert evaluation_a.version == 3  # saved (2), then submitted (3)
    kinds = list(evaluation_a.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == [EvaluationEvent.Kind.SAVED, EvaluationEvent.Kind.SUBMITTED]


def test_a_page_with_errors_is_neither_saved_nor_submitted(client, filler_a, evaluation_a):
    data = {**page_data(evaluation_a), "goal_actual": "改了", "indicator-0-score": "31"}
    data["indicator-0-score_auto"] = ""
    client.force_login(filler_a)
    response = client.post(url("evaluation_submit", evaluation_a), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "未能提交：还有" in html and "本页内容也未保存" in html
    assert 'value="31"' in html and "改了" in html  # the input is still on the page
    evaluation_a.refresh_from_db()
    assert (evaluation_a.status, evaluation_a.version) == (Evaluation.Status.DRAFT, 1)
    assert evaluation_a.goal_actual == ""
    assert not evaluation_a.events.exists()


def test_a_malformed_number_on_submit_keeps_the_page(client, filler_a, evaluation_a):
    data = {**page_data(evaluation_a), "budget-total-executed": "12,3"}
    client.force_login(filler_a)
    response = client.post(url("evaluation_submit", evaluation_a), data)
    assert response.status_code == 200 and 'value="12,3"' in response.content.decode()
    evaluation_a.refresh_from_db()
    assert (evaluation_a.status, evaluation_a.version) == (Evaluation.Status.DRAFT, 1)


def test_submitting_a_stale_page_changes_nothing(client, filler_a, evaluation_a):
    data = {**page_data(evaluation_a), "goal_actual": "第二个窗口"}
    Evaluation.objects.filter(pk=evaluation_a.pk).update(version=2)  # saved elsewhere
    client.force_login(filler_a)
    response = client.post(url("evaluation_submit", evaluation_a), data)
    assert response.status_code == 409 and "第二个窗口" in response.content.decode()
    evaluation_a.refresh_from_db()
    assert (evaluation_a.status, evaluation_a.goal_actual) == (Evaluation.Status.DRAFT, "")


def test_submit_blocked_names_the_errors(client, filler_a, evaluation_a):
    Indicator.objects.filter(evaluation=evaluation_a, position=1).update(score="31")
    client.force_login(filler_a)
    response = _submit(client, evaluation_a)
    [message] = _messages(response)
    assert message.startswith("未能提交：还有") and "第1行" in message
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.DRAFT


def test_wrong_role_is_403_out_of_scope_404_get_405(
    client, filler_a, filler_b, reviewer_a, evaluation_a
):
    client.force_login(reviewer_a)
    assert _submit(client, evaluation_a).status_code == 403
    client.force_login(filler_b)
    assert _submit(client, evaluation_a).status_code == 404
    client.force_login(filler_a)
    response = client.get(url("evaluation_submit", evaluation_a))
    assert (response.status_code, response["Location"]) == (302, evaluation_a.get_absolute_url())
    assert client.delete(url("evaluation_submit", evaluation_a)).status_code == 405
    assert client.post(url("evaluation_approve", evaluation_a), {"version": 1}).status_code == 403


def _submitted(client, filler, evaluation):
    client.force_login(filler)
    assert _submit(client, evaluation).status_code == 200
    evaluation.refresh_from_db()
    return evaluation


def test_reviewer_sees_boxes_and_returns_with_a_row_comment(
    client, filler_a, reviewer_a, evaluation_a
):
    evaluation = _submitted(client, filler_a, evaluation_a)
    row = evaluation.indicators.get(position=2)
    client.force_login(reviewer_a)
    html = client.get(url("evaluation_detail", evaluation)).content.decode()
    assert f'name="review-{row.pk}-score"' in html and 'id="review-return"' in html
    response = client.post(
        url("evaluation_return", evaluation),
        {
            "version": evaluation.version,
            "review_comment": "请核实第2行",
            f"review-{row.pk}-score": "",
            f"review-{row.pk}-comment": "完成值与附件不符",
        },
        follow=True,
    )
    assert _messages(response) == [RETURNED]
    client.force_login(filler_a)
    html = client.get(url("evaluation_detail", evaluation)).content.decode()
    assert 'name="indicator-0-name"' in html  # editable again
    assert "请核实第2行" in html[html.index('id="review-comment"') :]
    assert "审核意见：完成值与附件不符" in html


def test_refused_review_keeps_the_input(client, filler_a, reviewer_a, evaluation_a):
    evaluation = _submitted(client, filler_a, evaluation_a)
    row = evaluation.indicators.get(position=1)
    client.force_login(reviewer_a)
    response = client.post(
        url("evaluation_approve", evaluation),
        {"version": evaluation.version, f"review-{row.pk}-score": "20", "review_comment": "整表"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "必须同时填写审核意见" in html
    assert 'value="20"' in html and "整表" in html
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED


def test_reviewed_score_side_by_side_and_approve_locks(client, filler_a, reviewer_a, evaluation_a):
    evaluation = _submitted(client, filler_a, evaluation_a)
    row = evaluation.indicators.get(position=1)
    client.force_login(reviewer_a)
    response = client.post(
        url("evaluation_approve", evaluation),
        {
            "version": evaluation.version,
            f"review-{row.pk}-score": "20",
            f"review-{row.pk}-comment": "核减",
        },
        follow=True,
    )
    assert _messages(response) == [APPROVED]
    html = response.content.decode()
    assert re.search(r'class="self-score">30\.00<.*class="review-score">20\.00<', html, re.S)
    assert re.search(r'id="total-score">90\.00<', html)
    assert 'id="review-form"' not in html  # locked: no boxes
    client.force_login(filler_a)
    data = page_data(evaluation)
    assert client.post(url("evaluation_save", evaluation), data).status_code == 403


def test_admin_reopens_with_a_reason(client, filler_a, reviewer_a, admin_user, evaluation_a):
    evaluation = _submitted(client, filler_a, evaluation_a)
    client.force_login(reviewer_a)
    client.post(url("evaluation_approve", evaluation), {"version": evaluation.version})
    evaluation.refresh_from_db()
    assert client.post(url("evaluation_reopen", evaluation), {"version": 3}).status_code == 403
    client.force_login(admin_user)
    assert 'id="reopen-form"' in client.get(url("evaluation_detail", evaluation)).content.decode()
    response = client.post(
        url("evaluation_reopen", evaluation), {"version": 3, "reason": ""}, follow=True
    )
    assert "必须填写理由" in _messages(response)[0]
    client.post(url("evaluation_reopen", evaluation), {"version": 3, "reason": "金额填错"})
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.RETURNED


def test_a_stale_workflow_click_is_refused_with_a_message(
    client, filler_a, reviewer_a, evaluation_a
):
    evaluation = _submitted(client, filler_a, evaluation_a)
    client.force_login(reviewer_a)
    stale = evaluation.version
    client.post(url("evaluation_review", evaluation), {"version": stale, "review_comment": "a"})
    response = client.post(
        url("evaluation_approve", evaluation), {"version": stale, "review_comment": "b"}
    )
    assert response.status_code == 409
    assert ERROR_STALE_STATE in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED


def test_two_tabs_second_save_refused_and_input_kept(client, filler_a, evaluation_a):
    """Two saves from the same loaded version: the first wins, the second is refused."""
    client.force_login(filler_a)
    first, second = page_data(evaluation_a), page_data(evaluation_a)
    first["indicator-0-actual"] = "11件"
    second["indicator-0-actual"] = "12件"
    second["project_lead"] = "第二个窗口"
    assert client.post(url("evaluation_save", evaluation_a), first).status_code == 302
    response = client.post(url("evaluation_save", evaluation_a), second)
    assert response.status_code == 409
    html = response.content.decode()
    assert ERROR_STALE_VERSION in html
    assert "12件" in html and 'value="第二个窗口"' in html  # the second tab's input kept
    row = evaluation_a.indicators.get(position=1)
    assert row.actual == "11件"
    evaluation_a.refresh_from_db()
    assert evaluation_a.project_lead != "第二个窗口"


def test_save_records_field_level_changes(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data["indicator-0-actual"] = "9件"
    data["project_lead"] = "王五"
    data["budget-total-executed"] = "90"
    client.post(url("evaluation_save", evaluation_a), data)
    event = EvaluationEvent.objects.get(kind="saved")
    assert event.user == filler_a
    changes = {(c["where"], c["field"]): (c["before"], c["after"]) for c in event.changes}
    assert changes[("表头", "项目负责人")] == ("", "王五")
    assert changes[("三级指标第1行「完成件数1」", "实际完成值")] == ("10件", "9件")
    assert changes[("项目资金·年度资金总额", "全年执行数")] == ("100", "90")
    html = client.get(url("evaluation_detail", evaluation_a)).content.decode()
    assert "<del>10件</del> → <ins>9件</ins>" in html


# session, user, roles, the form with its lines and rows (3), the 一级 weights, the
# reviewer's departments, the project's forms across the years, the history, and the
# rows of the project's previous form (上年 beside each row: one query) and the form's
# 佐证材料 (one query, whatever their number).
REVIEW_PAGE_QUERIES = 12


@pytest.mark.parametrize("rows", [5, 60])
def test_review_page_query_count(
    client, filler_a, reviewer_a, dept_a, rows, django_assert_num_queries
):
    """The reviewer's page costs the same whatever the number of rows."""
    evaluation = make_evaluation(
        make_project(dept_a, f"{rows}行的项目"), indicators=rows, status="submitted"
    )
    client.force_login(reviewer_a)
    with django_assert_num_queries(REVIEW_PAGE_QUERIES):
        response = client.get(url("evaluation_detail", evaluation))
    assert f'name="review-{evaluation.indicators.last().pk}-score"' in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("1，5", ERROR_COMMA),  # used to become 1.50 (the filler's 1,5 was refused)
        ("12,3", ERROR_COMMA),
        ("9.995", ERROR_SCORE_PLACES),  # used to be rounded to 10.00
        ("1e1", ERROR_NOT_A_NUMBER),
    ],
)
def test_review_score_is_read_like_the_fillers(
    client, filler_a, reviewer_a, evaluation_a, typed, problem
):
    evaluation = _submitted(client, filler_a, evaluation_a)
    row = evaluation.indicators.get(position=1)
    client.force_login(reviewer_a)
    response = client.post(
        url("evaluation_review", evaluation),
        {
            "version": evaluation.version,
            f"review-{row.pk}-score": typed,
            f"review-{row.pk}-comment": "核减",
        },
    )
    assert response.status_code == 200
    expected = ERROR_REVIEW_SCORE.format(row=1, name=row.name, value=typed, problem=problem)
    assert expected in response.content.decode()
    row.refresh_from_db()
    assert row.review_score is None


@pytest.mark.parametrize("typed", ["100000", "5"])
def test_review_score_on_a_row_without_weight_is_a_message(
    client, filler_a, reviewer_a, evaluation_a, typed
):
    evaluation = _submitted(client, filler_a, evaluation_a)
    row = evaluation.indicators.get(position=2)
    Indicator.objects.filter(pk=row.pk).update(weight=None)  # stored before the check
    client.force_login(reviewer_a)
    response = client.post(
        url("evaluation_approve", evaluation),
        {
            "version": evaluation.version,
            f"review-{row.pk}-score": typed,
            f"review-{row.pk}-comment": "多给",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "审核得分" in html and f"第2行「{row.name}」" in html
    assert ("数值过大" if typed == "100000" else "该行没有分值") in html
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED
    row.refresh_from_db()
    assert row.review_score is None
