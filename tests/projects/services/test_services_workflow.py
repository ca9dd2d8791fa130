"""The review workflow's services: submit, review, return, approve, reopen, and their history."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects.models import Evaluation, EvaluationEvent, Indicator
from projects.selectors.evaluations import evaluation_result, get_evaluation_for_user
from projects.services.evaluations import (
    StaleEvaluationError,
)
from projects.services.workflow import (
    ERROR_RETURN_NEEDS_COMMENT,
    ERROR_REVIEW_SCORE_NO_WEIGHT,
    EvaluationReview,
    IndicatorReview,
    SubmissionBlockedError,
    evaluation_approve,
    evaluation_reopen,
    evaluation_return,
    evaluation_review,
    evaluation_submit,
)
from projects.summaries import evaluation_summary_refresh

pytestmark = pytest.mark.django_db


def _load(user, evaluation):
    return get_evaluation_for_user(user, evaluation.pk)


def _submitted(filler, evaluation):
    return evaluation_submit(
        evaluation=_load(filler, evaluation), version=evaluation.version, user=filler
    )


def _kinds(evaluation):
    return list(
        EvaluationEvent.objects.filter(evaluation=evaluation)
        .order_by("at", "pk")
        .values_list("kind", flat=True)
    )


def test_submit_moves_a_clean_draft_and_records_it(filler_a, evaluation_a):
    evaluation = _submitted(filler_a, evaluation_a)
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.SUBMITTED
    assert evaluation_a.version == evaluation.version == 2
    event = EvaluationEvent.objects.get(evaluation=evaluation_a)
    assert (event.kind, event.user) == ("submitted", filler_a)


def test_hints_never_block_submission(filler_a, evaluation_a):
    evaluation_a.indicators.filter(position=1).update(target="合法合规", actual="完成")
    result = evaluation_result(_load(filler_a, evaluation_a))
    assert {f.code for f in result.hints} == {"all_full_marks", "target_not_measurable"}
    assert not result.errors
    _submitted(filler_a, evaluation_a)
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.SUBMITTED
    summary = evaluation_summary_refresh(evaluation_a)
    assert (summary.error_count, summary.hint_count) == (0, 2)
    assert summary.hint_codes == " target_not_measurable all_full_marks "  # in Code order


def test_submit_is_blocked_by_errors_with_the_list(filler_a, evaluation_a):
    row = evaluation_a.indicators.get(position=1)
    row.score = Decimal("31")  # over its 分值 30
    row.save()
    with pytest.raises(SubmissionBlockedError) as caught:
        _submitted(filler_a, evaluation_a)
    assert "score_exceeds_weight" in {finding.code for finding in caught.value.findings}
    assert "个错误需要改正" in caught.value.message
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.DRAFT
    assert not EvaluationEvent.objects.exists()


def test_a_legacy_forms_errors_block_too(filler_a, evaluation_a):
    evaluation_a.legacy = True
    evaluation_a.save()
    row = evaluation_a.indicators.get(position=1)
    row.score = Decimal("31")
    row.save()
    with pytest.raises(SubmissionBlockedError):
        _submitted(filler_a, evaluation_a)


def test_only_the_departments_filler_submits(filler_a, reviewer_a, admin_user, evaluation_a):
    for user in (reviewer_a, admin_user):
        with pytest.raises(PermissionDenied):
            evaluation_submit(evaluation=_load(user, evaluation_a), version=1, user=user)
    _submitted(filler_a, evaluation_a)
    with pytest.raises(PermissionDenied, match="已提交"):  # twice: wrong status
        evaluation_submit(evaluation=_load(filler_a, evaluation_a), version=2, user=filler_a)


def test_a_stale_click_is_refused(filler_a, evaluation_a):
    with pytest.raises(StaleEvaluationError):
        evaluation_submit(evaluation=_load(filler_a, evaluation_a), version=0, user=filler_a)


def test_return_needs_a_comment_and_keeps_row_comments(filler_a, reviewer_a, evaluation_a):
    _submitted(filler_a, evaluation_a)
    row = evaluation_a.indicators.get(position=2)
    with pytest.raises(ValidationError) as caught:
        evaluation_return(
            evaluation=_load(reviewer_a, evaluation_a),
            review=EvaluationReview(comment="  "),
            version=2,
            user=reviewer_a,
        )
    assert caught.value.messages == [ERROR_RETURN_NEEDS_COMMENT]
    evaluation_return(
        evaluation=_load(reviewer_a, evaluation_a),
        review=EvaluationReview(
            comment="请补充第2行的偏差说明",
            indicators=(IndicatorReview(pk=row.pk, review_comment="数据来源不清"),),
        ),
        version=2,
        user=reviewer_a,
    )
    evaluation_a.refresh_from_db()
    row.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.RETURNED
    assert evaluation_a.review_comment == "请补充第2行的偏差说明"
    assert (row.review_score, row.review_comment) == (None, "数据来源不清")
    event = EvaluationEvent.objects.get(kind="returned")
    assert event.comment == "请补充第2行的偏差说明"
    assert {"field": "审核意见", "after": "数据来源不清"}.items() <= event.changes[1].items()


def test_a_resubmitted_form_is_approved_without_the_earlier_return_comment(
    filler_a, reviewer_a, evaluation_a
):
    _submitted(filler_a, evaluation_a)
    evaluation_return(
        evaluation=_load(reviewer_a, evaluation_a),
        review=EvaluationReview(comment="请补充佐证材料"),
        version=2,
        user=reviewer_a,
    )
    evaluation_a.refresh_from_db()
    _submitted(filler_a, evaluation_a)  # the filler fixed it and hands it in again
    evaluation_a.refresh_from_db()
    assert evaluation_a.review_comment == ""  # the reviewer's box starts empty
    evaluation_approve(
        evaluation=_load(reviewer_a, evaluation_a),
        review=EvaluationReview(comment=""),
        version=evaluation_a.version,
        user=reviewer_a,
    )
    evaluation_a.refresh_from_db()
    assert (evaluation_a.status, evaluation_a.review_comment) == ("approved", "")
    returned = EvaluationEvent.objects.get(kind="returned")
    assert returned.comment == "请补充佐证材料"  # still in the 审核记录


def test_review_score_counts_in_the_total_and_summary(filler_a, reviewer_a, evaluation_a):
    evaluation_summary_refresh(evaluation_a)
    _submitted(filler_a, evaluation_a)
    row = evaluation_a.indicators.get(position=1)
    evaluation_review(
        evaluation=_load(reviewer_a, evaluation_a),
        review=EvaluationReview(
            indicators=(
                IndicatorReview(pk=row.pk, review_score=Decimal("20"), review_comment="核减"),
            )
        ),
        version=2,
        user=reviewer_a,
    )
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.SUBMITTED
    assert evaluation_a.version == 3
    assert evaluation_a.summary.total_score == Decimal("90.00")
    change = EvaluationEvent.objects.get(kind="reviewed").changes[0]
    assert change == {
        "where": "三级指标第1行「完成件数1」",
        "field": "审核得分",
        "before": "",
        "after": "20",
    }


@pytest.mark.parametrize(
    ("score", "comment", "message"),
    [
        (Decimal("20"), "", "必须同时填写审核意见"),
        (Decimal("31"), "多给", "超过分值"),
    ],
)
def test_review_score_rules(filler_a, reviewer_a, evaluation_a, score, comment, message):
    _submitted(filler_a, evaluation_a)
    row = evaluation_a.indicators.get(position=1)
    with pytest.raises(ValidationError, match=message):
        evaluation_review(
            evaluation=_load(reviewer_a, evaluation_a),
            review=EvaluationReview(
                indicators=(IndicatorReview(pk=row.pk, review_score=score, review_comment=comment),)
            ),
            version=2,
            user=reviewer_a,
        )
    row.refresh_from_db()
    assert row.review_score is None


def test_only_reviewers_of_the_department_or_admins_review(
    filler_a, filler_b, reviewer_a, evaluation_a
):
    _submitted(filler_a, evaluation_a)
    with pytest.raises(PermissionDenied):
        evaluation_approve(
            evaluation=_load(filler_a, evaluation_a),
            review=EvaluationReview(),
            version=2,
            user=filler_a,
        )


def test_approve_locks_and_only_an_admin_reopens_with_a_reason(
    filler_a, reviewer_a, admin_user, evaluation_a
):
    _submitted(filler_a, evaluation_a)
    evaluation_approve(
        evaluation=_load(reviewer_a, evaluation_a),
        review=EvaluationReview(),
        version=2,
        user=reviewer_a,
    )
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.APPROVED
    with pytest.raises(PermissionDenied):
        evaluation_reopen(
            evaluation=_load(reviewer_a, evaluation_a), reason="x", version=3, user=reviewer_a
        )
    with pytest.raises(ValidationError):
        evaluation_reopen(
            evaluation=_load(admin_user, evaluation_a), reason=" ", version=3, user=admin_user
        )
    evaluation_reopen(
        evaluation=_load(admin_user, evaluation_a), reason="金额有误", version=3, user=admin_user
    )
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.RETURNED
    assert "金额有误" in evaluation_a.review_comment
    assert _kinds(evaluation_a) == ["submitted", "approved", "reopened"]


def test_two_reviewers_second_click_is_refused(filler_a, reviewer_a, admin_user, evaluation_a):
    _submitted(filler_a, evaluation_a)
    first = _load(reviewer_a, evaluation_a)
    second = _load(admin_user, evaluation_a)
    evaluation_return(
        evaluation=first, review=EvaluationReview(comment="改"), version=2, user=reviewer_a
    )
    with pytest.raises(StaleEvaluationError):
        evaluation_approve(evaluation=second, review=EvaluationReview(), version=2, user=admin_user)
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.RETURNED


@pytest.mark.parametrize("service", [evaluation_review, evaluation_return, evaluation_approve])
def test_a_user_holding_both_roles_cannot_review_their_own_form(filler_a, evaluation_a, service):
    from django.contrib.auth.models import Group, User

    from projects.services.workflow import (
        ERROR_REVIEWS_OWN,
    )

    _submitted(filler_a, evaluation_a)
    filler_a.groups.add(Group.objects.get(name="审核人"))  # given both groups directly
    dual = User.objects.get(pk=filler_a.pk)
    with pytest.raises(PermissionDenied, match=ERROR_REVIEWS_OWN):
        service(
            evaluation=_load(dual, evaluation_a),
            review=EvaluationReview(comment="同意"),
            version=2,
            user=dual,
        )
    evaluation_a.refresh_from_db()
    assert (evaluation_a.status, evaluation_a.version) == (Evaluation.Status.SUBMITTED, 2)


def test_a_row_without_weight_blocks_submission(filler_a, evaluation_a):
    evaluation_a.indicators.filter(position=3).update(weight=None, score=None)
    with pytest.raises(SubmissionBlockedError) as caught:
        _submitted(filler_a, evaluation_a)
    [finding] = [f for f in caught.value.findings if f.code == "weight_missing"]
    assert finding.message.startswith("第3行") and "未填写分值" in finding.message
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == Evaluation.Status.DRAFT


@pytest.mark.parametrize("score", [Decimal("5"), Decimal("99999.99")])
def test_no_review_score_on_a_row_without_weight(filler_a, reviewer_a, evaluation_a, score):
    # A form handed in before rows without 分值 were refused: the reviewer cannot score
    # such a row at all (it used to count in full: 100,099.98 of 100, grade 优).
    _submitted(filler_a, evaluation_a)
    row = evaluation_a.indicators.get(position=3)
    Indicator.objects.filter(pk=row.pk).update(weight=None)
    with pytest.raises(ValidationError) as caught:
        evaluation_review(
            evaluation=_load(reviewer_a, evaluation_a),
            review=EvaluationReview(
                indicators=(IndicatorReview(pk=row.pk, review_score=score, review_comment="x"),)
            ),
            version=2,
            user=reviewer_a,
        )
    assert caught.value.messages == [ERROR_REVIEW_SCORE_NO_WEIGHT.format(row=3, name=row.name)]
    row.refresh_from_db()
    assert row.review_score is None
