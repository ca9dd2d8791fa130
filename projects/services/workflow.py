"""The review workflow of a form: 草稿 → 已提交 → 已退回 / 已通过, and 重新打开.

Each step checks the role, the status and the version, and writes through
``projects.services.evaluations.evaluation_write`` (one event a step).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from indicators.scoring import Finding
from projects.history import diff, shown
from projects.models import (
    COMMENT_MAX,
    REOPEN_REASON_MAX,
    Evaluation,
    EvaluationEvent,
    Indicator,
)
from projects.permissions import (
    can_reopen,
    can_review,
    can_submit,
    fills,
    reviews,
)
from projects.roles import Role
from projects.rows import (
    INDICATOR,
    Editor,
)
from projects.selectors.evaluations import (
    evaluation_result,
    evaluations_for_user,
    list_scores,
    scoring_rules,
    user_roles,
    with_rows,
)
from projects.services.evaluations import (
    ERROR_UNKNOWN_ROW,
    EvaluationDraft,
    RowsWrite,
    StaleEvaluationError,
    evaluation_save_draft,
    evaluation_write,
)
from projects.text import clean_text, too_long

# --- the review workflow: 草稿 → 已提交 → 已退回 / 已通过 -------------------------------

ERROR_STALE_STATE = "操作未执行：您打开此表后，它已被他人（或您在另一个窗口中）修改或处理过。请查看最新内容后再操作。"
ERROR_NOT_FILLER = "只有本部门的填报人可以提交此自评表"
ERROR_NOT_REVIEWER = "只有负责该部门的审核人或管理员可以审核此自评表"
ERROR_REVIEWS_OWN = (
    "您是该部门的填报人，不能审核、退回或通过本部门的自评表（填报与审核须由不同的人负责）"
)
ERROR_NOT_ADMIN = "只有管理员可以重新打开已通过的自评表"
ERROR_WRONG_STATUS = "此表当前{status}，不能{action}"
ERROR_SUBMIT_BLOCKED = "未能提交：还有 {count} 个错误需要改正"
ERROR_RETURN_NEEDS_COMMENT = "退回时请填写整表审核意见，说明需要修改什么"
ERROR_REOPEN_NEEDS_REASON = "重新打开已通过的自评表，必须填写理由"
ERROR_REVIEW_SCORE_NEEDS_COMMENT = "第{row}行「{name}」：填写审核得分时必须同时填写审核意见"
ERROR_REVIEW_SCORE_EXCEEDS_WEIGHT = "第{row}行「{name}」：审核得分 {score} 超过分值 {weight}"
ERROR_REVIEW_SCORE_NEGATIVE = "第{row}行「{name}」：审核得分不能为负数"
ERROR_REVIEW_SCORE_NO_WEIGHT = (
    "第{row}行「{name}」：该行没有分值，不能填写审核得分；请退回填报人补填分值"
)


class SubmissionBlockedError(Exception):
    """Submitting found errors: the filler must fix each of them first."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.message = ERROR_SUBMIT_BLOCKED.format(count=len(findings))
        super().__init__(self.message)


@dataclass(frozen=True)
class IndicatorReview:
    """A reviewer's 审核得分 (None: the filler's 得分 counts) and 审核意见 on one row."""

    pk: int
    review_score: Decimal | None = None
    review_comment: str = ""


@dataclass(frozen=True)
class EvaluationReview:
    """What a reviewer can write: a comment on the whole form and on any of its rows."""

    comment: str = ""
    indicators: tuple[IndicatorReview, ...] = ()


def _check_step(
    *,
    evaluation: Evaluation,
    version: int,
    role_ok: bool,
    role_error: str,
    step_ok: bool,
    action: str,
) -> None:
    """Wrong role: 403. A page loaded before someone else acted: stale. Wrong status: 403."""
    if not role_ok:
        raise PermissionDenied(role_error)
    if evaluation.version != version:
        raise StaleEvaluationError(ERROR_STALE_STATE)
    if not step_ok:
        raise PermissionDenied(
            ERROR_WRONG_STATUS.format(status=evaluation.get_status_display(), action=action)
        )


@transaction.atomic
def evaluation_submit(*, evaluation: Evaluation, version: int, user: User) -> Evaluation:
    """Hand the form in for review once every check passes.

    Every error of the scoring result blocks it (SubmissionBlockedError lists them),
    a legacy form's too: the filler fixes them before the reviewer sees the form.
    ``evaluation`` comes with its rows (``selectors.get_evaluation_for_user``).
    """
    _check_step(
        evaluation=evaluation,
        version=version,
        role_ok=fills(user, evaluation),
        role_error=ERROR_NOT_FILLER,
        step_ok=can_submit(user, evaluation),
        action="提交",
    )
    errors = list(evaluation_result(evaluation).errors)
    if errors:
        raise SubmissionBlockedError(errors)
    # A new round of review starts with an empty 审核意见: the last round's (退回 or
    # 重新打开) lives in the 审核记录, and must not become the approval's comment.
    return evaluation_write(
        evaluation,
        user=user,
        kind=EvaluationEvent.Kind.SUBMITTED,
        version=version,
        fields={"status": Evaluation.Status.SUBMITTED, "review_comment": ""},
        stale=ERROR_STALE_STATE,
    )


@transaction.atomic
def evaluation_save_and_submit(
    *, evaluation: Evaluation, draft: EvaluationDraft, version: int, user: User
) -> Evaluation:
    """Save what is on the page and hand it in, in one step: both happen or neither.

    The 提交审核 button of the form page posts the editor, so what the filler sees is
    what is submitted. ``version`` is the one the page was loaded at; a stale version,
    an error of the form as typed or a wrong role refuses both and saves nothing.
    """
    saved = evaluation_save_draft(evaluation=evaluation, draft=draft, version=version, user=user)
    # The form as just written (the prefetched rows of ``evaluation`` are the old ones).
    stored = with_rows(Evaluation.objects.select_related("project")).get(pk=saved.pk)
    return evaluation_submit(evaluation=stored, version=saved.version, user=user)


def _review_apply(
    evaluation: Evaluation, review: EvaluationReview
) -> tuple[list[Indicator], list[dict[str, str]]]:
    """Put the reviewer's row values on the (prefetched) rows; the changed rows and diffs."""
    rows = {row.pk: row for row in evaluation.indicators.all()}
    positions = {pk: position for position, pk in enumerate(rows, start=1)}
    changed: list[Indicator] = []
    changes: list[dict[str, str]] = []
    problems: list[str] = []
    for item in review.indicators:
        row = rows.get(item.pk)
        if row is None:
            raise ValidationError(ERROR_UNKNOWN_ROW)
        comment = clean_text(item.review_comment).strip()
        names = {"row": positions[row.pk], "name": row.name}
        if message := too_long("审核意见", COMMENT_MAX, comment):
            problems.append(f"第{names['row']}行「{row.name}」：{message}")
        if item.review_score is not None:
            if item.review_score < 0:
                problems.append(ERROR_REVIEW_SCORE_NEGATIVE.format(**names))
            elif row.weight is None:
                problems.append(ERROR_REVIEW_SCORE_NO_WEIGHT.format(**names))
            elif item.review_score > row.weight:
                problems.append(
                    ERROR_REVIEW_SCORE_EXCEEDS_WEIGHT.format(
                        **names, score=shown(item.review_score), weight=shown(row.weight)
                    )
                )
            if not comment:
                problems.append(ERROR_REVIEW_SCORE_NEEDS_COMMENT.format(**names))
        before = {"review_score": row.review_score, "review_comment": row.review_comment}
        after = {"review_score": item.review_score, "review_comment": comment}
        found = diff(f"三级指标第{names['row']}行「{row.name}」", Indicator, before, after)
        if found:
            row.review_score, row.review_comment = item.review_score, comment
            changed.append(row)
            changes += found
    if problems:
        raise ValidationError(problems)
    return changed, changes


def not_reviewer_error(user: User, evaluation: Evaluation) -> str:
    """Why ``reviews`` said no: the form's own filler, or not its reviewer."""
    return ERROR_REVIEWS_OWN if fills(user, evaluation) else ERROR_NOT_REVIEWER


def _review_step(
    *,
    evaluation: Evaluation,
    version: int,
    user: User,
    review: EvaluationReview,
    status: str,
    kind: str,
    action: str,
) -> Evaluation:
    _check_step(
        evaluation=evaluation,
        version=version,
        role_ok=reviews(user, evaluation),
        role_error=not_reviewer_error(user, evaluation),
        step_ok=can_review(user, evaluation),
        action=action,
    )
    changed, changes = _review_apply(evaluation, review)
    comment = clean_text(review.comment).strip()
    if message := too_long("整表审核意见", COMMENT_MAX, comment):
        raise ValidationError(message)
    changes = [
        *diff(
            "整表",
            Evaluation,
            {"review_comment": evaluation.review_comment},
            {"review_comment": comment},
        ),
        *changes,
    ]
    return evaluation_write(  # the summary too when a 审核得分 changed: totals follow it
        evaluation,
        user=user,
        kind=kind,
        version=version,
        fields={"status": status, "review_comment": comment},
        comment=comment if kind != EvaluationEvent.Kind.REVIEWED else "",
        changes=changes,
        indicators=RowsWrite(changed=changed, fields=tuple(INDICATOR.names(Editor.REVIEWER))),
        stale=ERROR_STALE_STATE,
    )


@transaction.atomic
def evaluation_review(
    *, evaluation: Evaluation, review: EvaluationReview, version: int, user: User
) -> Evaluation:
    """Store the reviewer's comments and 审核得分 on a submitted form; it stays submitted."""
    return _review_step(
        evaluation=evaluation,
        version=version,
        user=user,
        review=review,
        status=Evaluation.Status.SUBMITTED,
        kind=EvaluationEvent.Kind.REVIEWED,
        action="审核",
    )


@transaction.atomic
def evaluation_return(
    *, evaluation: Evaluation, review: EvaluationReview, version: int, user: User
) -> Evaluation:
    """Send the form back to its filler with the reviewer's comments (the form's is required)."""
    if not clean_text(review.comment).strip():
        raise ValidationError(ERROR_RETURN_NEEDS_COMMENT)
    return _review_step(
        evaluation=evaluation,
        version=version,
        user=user,
        review=review,
        status=Evaluation.Status.RETURNED,
        kind=EvaluationEvent.Kind.RETURNED,
        action="退回",
    )


@transaction.atomic
def evaluation_approve(
    *, evaluation: Evaluation, review: EvaluationReview, version: int, user: User
) -> Evaluation:
    """Approve the form with the reviewer's last comments: it is locked from now on."""
    return _review_step(
        evaluation=evaluation,
        version=version,
        user=user,
        review=review,
        status=Evaluation.Status.APPROVED,
        kind=EvaluationEvent.Kind.APPROVED,
        action="审核通过",
    )


@transaction.atomic
def evaluation_reopen(
    *, evaluation: Evaluation, reason: str, version: int, user: User
) -> Evaluation:
    """An admin unlocks an approved form and sends it back to its filler, with a reason."""
    _check_step(
        evaluation=evaluation,
        version=version,
        role_ok=Role.ADMIN in user_roles(user),
        role_error=ERROR_NOT_ADMIN,
        step_ok=can_reopen(user, evaluation),
        action="重新打开",
    )
    reason = clean_text(reason).strip()
    if not reason:
        raise ValidationError(ERROR_REOPEN_NEEDS_REASON)
    if message := too_long("重新打开的理由", REOPEN_REASON_MAX, reason):
        raise ValidationError(message)
    return evaluation_write(
        evaluation,
        user=user,
        kind=EvaluationEvent.Kind.REOPENED,
        version=version,
        fields={"status": Evaluation.Status.RETURNED, "review_comment": f"重新打开：{reason}"},
        comment=reason,
        stale=ERROR_STALE_STATE,
    )


# --- 批量审核通过: several submitted forms of the list, one comment -----------------

BATCH_NOT_FOUND = "找不到"
BATCH_CHANGED = "已被修改，请刷新后重试"
BATCH_NOT_SUBMITTED = "不是待审核状态"
BATCH_NOT_REVIEWER = "无权审核"
BATCH_ALREADY_APPROVED = "已通过"
BATCH_HAS_ERRORS = "有 {count} 项错误"
ERROR_BATCH_EMPTY = "请先勾选要审核通过的自评表"
ERROR_BATCH_NOT_REVIEWER = "只有审核人或管理员可以批量审核通过自评表"
BATCH_MAX = 500  # forms one click may approve: a year of a big region fits


@dataclass(frozen=True)
class BatchRefusal:
    """A form the batch did not approve, and why. ``name`` is "" for an id outside the
    user's scope: nothing about such a form is said, not even that it exists."""

    pk: int
    name: str
    reason: str


@dataclass(frozen=True)
class BatchApproval:
    approved: tuple[Evaluation, ...]
    refused: tuple[BatchRefusal, ...]


def _batch_refusal(
    user: User, evaluation: Evaluation, version: int, error_count: int
) -> str | None:
    """Why the batch leaves this form alone (None: approve it). Already approved comes
    first, so that a second POST of the same batch says 已通过 instead of 已被修改."""
    if evaluation.status == Evaluation.Status.APPROVED:
        return BATCH_ALREADY_APPROVED
    if not reviews(user, evaluation):
        return BATCH_NOT_REVIEWER
    if evaluation.version != version:
        return BATCH_CHANGED
    if evaluation.status != Evaluation.Status.SUBMITTED:
        return BATCH_NOT_SUBMITTED
    if error_count:
        return BATCH_HAS_ERRORS.format(count=error_count)
    return None


def evaluations_approve(*, versions: dict[int, int], comment: str, user: User) -> BatchApproval:
    """Approve each of the forms ``versions`` names (pk → the version the list showed).

    Each approval is ``evaluation_approve``, in its own transaction: one history entry a
    form, the same checks (role, version, status) as the form page's button. A form
    refused, or changed meanwhile, leaves the others approved; the result says which
    were refused and why. Errors are counted as the list counts them (``list_scores``:
    the stored summary, or live scoring when it is stale). A blank ``comment`` keeps
    each form's stored 审核意见 (what its reviewer may have written on its page).
    The forms are loaded once with their rows: the queries per form are only those of
    the approval itself (docs/performance.md).
    """
    comment = clean_text(comment).strip()
    if message := too_long("整表审核意见", COMMENT_MAX, comment):
        raise ValidationError(message)
    loaded = with_rows(
        evaluations_for_user(user).filter(pk__in=list(versions)).select_related("summary")
    )
    found = {
        evaluation.pk: (evaluation, score)
        for evaluation, score in list_scores(loaded, scoring_rules())
    }
    approved: list[Evaluation] = []
    refused: list[BatchRefusal] = []
    for pk, version in versions.items():
        if pk not in found:
            refused.append(BatchRefusal(pk, "", BATCH_NOT_FOUND))
            continue
        evaluation, score = found[pk]
        reason = _batch_refusal(user, evaluation, version, score.error_count)
        if reason is None:
            reason = _batch_approve_one(evaluation, version, comment, user)
        if reason is None:
            approved.append(evaluation)
        else:
            refused.append(BatchRefusal(pk, evaluation.project.name, reason))
    return BatchApproval(tuple(approved), tuple(refused))


def _batch_approve_one(
    evaluation: Evaluation, version: int, comment: str, user: User
) -> str | None:
    """Approve through the form page's own service; a race lost after loading is refused."""
    review = EvaluationReview(comment=comment or evaluation.review_comment)
    try:
        evaluation_approve(evaluation=evaluation, review=review, version=version, user=user)
    except StaleEvaluationError:
        return BATCH_CHANGED
    except PermissionDenied:
        return BATCH_NOT_SUBMITTED
    return None
