"""批量审核通过 (``evaluations_approve``): what is approved, what is refused and why."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import COMMENT_MAX, Evaluation, EvaluationEvent, EvaluationSummary
from projects.roles import Role
from projects.selectors.evaluations import evaluation_result, get_evaluation_for_user
from projects.services.workflow import (
    BATCH_ALREADY_APPROVED,
    BATCH_CHANGED,
    BATCH_NOT_FOUND,
    BATCH_NOT_REVIEWER,
    BATCH_NOT_SUBMITTED,
    evaluations_approve,
)
from projects.summaries import evaluation_summary_refresh
from tests.factories import make_evaluation, make_project, make_user

pytestmark = pytest.mark.django_db

SUBMITTED = Evaluation.Status.SUBMITTED


def _submitted(department, name, **fields):
    return make_evaluation(make_project(department, name), indicators=3, status=SUBMITTED, **fields)


def _with_error(evaluation):
    row = evaluation.indicators.get(position=1)
    row.score = Decimal("31")  # over its 分值 30: an error
    row.save()
    return evaluation


def _reasons(result):
    return {refusal.pk: (refusal.name, refusal.reason) for refusal in result.refused}


def _status(evaluation):
    return Evaluation.objects.values_list("status", flat=True).get(pk=evaluation.pk)


def test_clean_submitted_forms_are_approved_each_with_its_history(reviewer_a, dept_a):
    forms = [_submitted(dept_a, f"项目{n}") for n in range(3)]
    result = evaluations_approve(
        versions={form.pk: form.version for form in forms}, comment="同意", user=reviewer_a
    )
    assert sorted(form.pk for form in result.approved) == sorted(form.pk for form in forms)
    assert result.refused == ()
    for form in forms:
        form.refresh_from_db()
        assert (form.status, form.version, form.review_comment) == ("approved", 2, "同意")
        event = EvaluationEvent.objects.get(evaluation=form)
        assert (event.kind, event.user, event.comment) == ("approved", reviewer_a, "同意")


def test_refusals_say_why_and_change_nothing(reviewer_a, dept_a, dept_b):
    clean = _submitted(dept_a, "可通过")
    live_error = _with_error(_submitted(dept_a, "实时有错"))
    stored_error = _with_error(_submitted(dept_a, "摘要有错"))
    evaluation_summary_refresh(stored_error)
    # The stored summary is what counts while it is current (as on the list).
    EvaluationSummary.objects.filter(evaluation=stored_error).update(error_count=5)
    draft = make_evaluation(make_project(dept_a, "草稿表"), indicators=3)
    outside = _submitted(dept_b, "别的部门的表")
    versions = {form.pk: form.version for form in (clean, live_error, stored_error, draft, outside)}
    versions[999_999] = 1

    result = evaluations_approve(versions=versions, comment="", user=reviewer_a)

    assert [form.pk for form in result.approved] == [clean.pk]
    reasons = _reasons(result)
    errors = len(evaluation_result(get_evaluation_for_user(reviewer_a, live_error.pk)).errors)
    assert errors > 0
    assert reasons[live_error.pk] == ("实时有错", f"有 {errors} 项错误")
    assert reasons[stored_error.pk] == ("摘要有错", "有 5 项错误")
    assert reasons[draft.pk] == ("草稿表", BATCH_NOT_SUBMITTED)
    # Outside the scope: like an id that does not exist, and without its name.
    assert reasons[outside.pk] == ("", BATCH_NOT_FOUND)
    assert reasons[999_999] == ("", BATCH_NOT_FOUND)
    for form in (live_error, stored_error, outside):
        assert _status(form) == SUBMITTED
    assert _status(draft) == "draft"
    assert EvaluationEvent.objects.filter(evaluation=clean).count() == 1
    assert EvaluationEvent.objects.count() == 1


def test_a_form_changed_since_the_list_is_not_approved(reviewer_a, dept_a):
    form = _submitted(dept_a, "改过的表")
    Evaluation.objects.filter(pk=form.pk).update(version=form.version + 1)
    result = evaluations_approve(versions={form.pk: form.version}, comment="", user=reviewer_a)
    assert result.approved == ()
    assert _reasons(result) == {form.pk: ("改过的表", BATCH_CHANGED)}
    assert _status(form) == SUBMITTED


def test_the_same_batch_twice_approves_once(reviewer_a, dept_a):
    form = _submitted(dept_a, "点了两次")
    versions = {form.pk: form.version}
    first = evaluations_approve(versions=versions, comment="同意", user=reviewer_a)
    second = evaluations_approve(versions=versions, comment="同意", user=reviewer_a)
    assert [f.pk for f in first.approved] == [form.pk]
    assert second.approved == ()
    assert _reasons(second) == {form.pk: ("点了两次", BATCH_ALREADY_APPROVED)}
    assert EvaluationEvent.objects.filter(evaluation=form).count() == 1


def test_whoever_does_not_review_the_form_approves_nothing(filler_a, dept_a):
    form = _submitted(dept_a, "本部门的表")
    result = evaluations_approve(versions={form.pk: form.version}, comment="", user=filler_a)
    assert _reasons(result) == {form.pk: ("本部门的表", BATCH_NOT_REVIEWER)}
    assert _status(form) == SUBMITTED


def test_an_admin_approves_any_department_and_a_blank_comment_keeps_the_forms_own(
    admin_user, dept_a, dept_b
):
    a = _submitted(dept_a, "甲", review_comment="第3行已核实")
    b = _submitted(dept_b, "乙")
    result = evaluations_approve(versions={a.pk: 1, b.pk: 1}, comment="  ", user=admin_user)
    assert len(result.approved) == 2
    a.refresh_from_db()
    assert a.review_comment == "第3行已核实"


def test_a_too_long_comment_refuses_the_whole_batch(reviewer_a, dept_a):
    form = _submitted(dept_a, "意见太长")
    with pytest.raises(ValidationError, match="整表审核意见"):
        evaluations_approve(
            versions={form.pk: 1}, comment="很" * (COMMENT_MAX + 1), user=reviewer_a
        )
    assert _status(form) == SUBMITTED


def _approve_queries(reviewer, department, count):
    forms = [_submitted(department, f"批量{n:03}") for n in range(count)]
    with CaptureQueriesContext(connection) as queries:
        result = evaluations_approve(
            versions={form.pk: form.version for form in forms}, comment="同意", user=reviewer
        )
    assert len(result.approved) == count
    return len(queries)


def test_the_queries_per_form_are_bounded(reviewer_a, dept_a, dept_b):
    other = make_user("reviewer_b", Role.REVIEWER, dept_b)
    few, many = _approve_queries(reviewer_a, dept_a, 2), _approve_queries(other, dept_b, 12)
    per_form = (many - few) / 10
    assert per_form == int(per_form)  # the same queries for every form
    # A savepoint and its release, the version-checked UPDATE, the history entry.
    assert per_form <= 5, f"{per_form} queries per form"
