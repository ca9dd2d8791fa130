"""services.evaluation_write: the one way a form is written, which every write path calls."""

import copy
import json
from decimal import Decimal

import pytest

from projects.demo import DEMO_FILE
from projects.interchange import read_form_dict
from projects.models import BudgetLine, Evaluation, EvaluationEvent, EvaluationSummary, Indicator
from projects.selectors.evaluations import get_evaluation_for_user
from projects.services import evaluations as services
from projects.services import workflow
from projects.services.evaluations import (
    RowsWrite,
    StaleEvaluationError,
    evaluation_create,
    evaluation_create_from_previous,
    evaluation_import,
    evaluation_save_draft,
    evaluation_write,
)
from projects.services.imports import evaluations_import
from projects.services.workflow import (
    ERROR_STALE_STATE,
    EvaluationReview,
    IndicatorReview,
    evaluation_approve,
    evaluation_reopen,
    evaluation_return,
    evaluation_review,
    evaluation_save_and_submit,
    evaluation_submit,
)
from tests.factories import make_project
from tests.projects.services.test_services_drafts import _draft

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]


@pytest.fixture
def writes(monkeypatch):
    """The kinds each call of ``evaluation_write`` recorded; an event written outside
    one of them fails the test."""
    kinds: list[str | None] = []
    inside: list[bool] = []
    write, record = services.evaluation_write, services.event_record

    def evaluation_write(evaluation, **kwargs):
        kinds.append(kwargs["kind"])
        inside.append(True)
        try:
            return write(evaluation, **kwargs)
        finally:
            inside.pop()

    def event_record(**kwargs):
        assert inside, "a history entry written outside evaluation_write"
        return record(**kwargs)

    monkeypatch.setattr(services, "evaluation_write", evaluation_write)
    monkeypatch.setattr(workflow, "evaluation_write", evaluation_write)  # the review steps
    monkeypatch.setattr(services, "event_record", event_record)
    return kinds


def _events(evaluation):
    return list(
        EvaluationEvent.objects.filter(evaluation=evaluation)
        .order_by("pk")
        .values_list("kind", "version")
    )


def _load(user, evaluation):
    return get_evaluation_for_user(user, evaluation.pk)


def _save(service, filler, evaluation, version, **changes):
    """The form as stored, with ``changes``, saved by ``service`` at ``version``."""
    loaded = _load(filler, evaluation)
    return service(evaluation=loaded, draft=_draft(loaded, **changes), version=version, user=filler)


def _submitted(filler, evaluation):
    return evaluation_submit(evaluation=_load(filler, evaluation), version=1, user=filler)


def test_create_and_copy_are_one_write_each(writes, evaluation_a, filler_a):
    blank = evaluation_create(
        project=make_project(evaluation_a.project.department), year=2024, user=filler_a
    )
    copied = evaluation_create_from_previous(previous=_load(filler_a, evaluation_a), user=filler_a)
    assert writes == ["created", "created"]
    assert _events(blank) == [("created", 1)] and _events(copied) == [("created", 1)]
    assert copied.indicators.count() == 3 and copied.budget_lines.count() == 4
    assert EvaluationSummary.objects.filter(evaluation__in=[blank, copied]).count() == 2


def test_a_save_is_one_write_and_one_event_or_none(writes, evaluation_a, filler_a):
    _save(evaluation_save_draft, filler_a, evaluation_a, 1, project_lead="李四")
    _save(evaluation_save_draft, filler_a, evaluation_a, 2)
    # The same again: the version moves on, the history does not.
    assert writes == ["saved", None]
    assert _events(evaluation_a) == [("saved", 2)]
    evaluation_a.refresh_from_db()
    assert evaluation_a.version == 3


def test_save_and_submit_is_two_writes(writes, evaluation_a, filler_a):
    _save(evaluation_save_and_submit, filler_a, evaluation_a, 1, project_lead="李四")
    assert writes == ["saved", "submitted"]
    assert _events(evaluation_a) == [("saved", 2), ("submitted", 3)]


def test_every_workflow_step_is_one_write(writes, evaluation_a, filler_a, reviewer_a, admin_user):
    _submitted(filler_a, evaluation_a)
    row = evaluation_a.indicators.get(position=1)
    scored = EvaluationReview(
        comment="请核对",
        indicators=(IndicatorReview(pk=row.pk, review_score=Decimal("20"), review_comment="偏高"),),
    )
    evaluation_review(
        evaluation=_load(reviewer_a, evaluation_a), review=scored, version=2, user=reviewer_a
    )
    evaluation_return(
        evaluation=_load(reviewer_a, evaluation_a),
        review=EvaluationReview(comment="请补充"),
        version=3,
        user=reviewer_a,
    )
    evaluation_submit(evaluation=_load(filler_a, evaluation_a), version=4, user=filler_a)
    evaluation_approve(
        evaluation=_load(reviewer_a, evaluation_a),
        review=EvaluationReview(),
        version=5,
        user=reviewer_a,
    )
    evaluation_reopen(
        evaluation=_load(admin_user, evaluation_a), reason="填报有误", version=6, user=admin_user
    )
    kinds = ["submitted", "reviewed", "returned", "submitted", "approved", "reopened"]
    assert writes == kinds
    assert _events(evaluation_a) == [(kind, version) for version, kind in enumerate(kinds, start=2)]
    assert EvaluationSummary.objects.get(evaluation=evaluation_a).total_score is not None


def _form(**changes):
    form = copy.deepcopy(json.loads(DEMO_FILE.read_text(encoding="utf-8"))["forms"][1])
    form.update(changes)
    return read_form_dict(form)


def test_the_import_is_one_write_a_form(writes):
    first = evaluation_import(data=_form())
    again = evaluation_import(data=_form(project_lead="王五"))
    assert again.pk == first.pk and writes == ["imported", "imported"]
    assert _events(first) == [("imported", 1), ("imported", 2)]
    imported = evaluations_import(
        forms=[_form(), _form(project_name="另一个项目")], versions=[2, 0]
    )
    assert writes == ["imported"] * 4
    assert [len(_events(item.evaluation)) for item in imported] == [3, 1]


# --- what the one function does ---------------------------------------------------------


def test_a_stale_version_writes_nothing(evaluation_a, filler_a):
    evaluation = _load(filler_a, evaluation_a)
    row = evaluation.indicators.all()[0]
    row.name = "改过"
    with pytest.raises(StaleEvaluationError) as raised:
        evaluation_write(
            evaluation,
            user=filler_a,
            kind="saved",
            version=7,
            fields={"project_lead": "李四"},
            indicators=RowsWrite(changed=[row], fields=["name"]),
            stale=ERROR_STALE_STATE,
        )
    assert raised.value.message == ERROR_STALE_STATE
    evaluation_a.refresh_from_db()
    assert (evaluation_a.version, evaluation_a.project_lead) == (1, "")
    assert evaluation.version == 1 and evaluation.project_lead == ""  # the instance too
    assert not Indicator.objects.filter(name="改过").exists()
    assert not EvaluationEvent.objects.exists()


def test_rows_are_deleted_changed_and_created_and_the_summary_follows(evaluation_a, filler_a):
    evaluation = _load(filler_a, evaluation_a)
    first, second, third = evaluation.indicators.all()
    first.score = Decimal("1")
    added = Indicator(
        level2=first.level2, position=4, name="新的一行", target="≥1件", weight=Decimal("5")
    )
    services.indicator_refresh_parsed(added)
    evaluation_write(
        evaluation,
        user=filler_a,
        kind="saved",
        version=1,
        changes=[{"where": "表头", "field": "项目负责人", "before": "", "after": "李四"}],
        indicators=RowsWrite(
            created=[added], changed=[first], fields=["score"], deleted={second.pk}
        ),
    )
    assert list(evaluation_a.indicators.order_by("position").values_list("name", "score")) == [
        (first.name, Decimal("1")),
        (third.name, third.score),
        ("新的一行", None),
    ]
    summary = EvaluationSummary.objects.get(evaluation=evaluation_a)
    assert summary.total_weight == sum(
        (evaluation_a.budget_weight, first.weight, third.weight, Decimal("5"))
    )
    (event,) = EvaluationEvent.objects.all()
    assert (event.kind, event.version, event.user, len(event.changes)) == ("saved", 2, filler_a, 1)


def test_only_the_workflow_columns_leave_the_summary_alone(
    evaluation_a, filler_a, django_assert_num_queries
):
    evaluation = _load(filler_a, evaluation_a)
    # One UPDATE and one INSERT of the history entry: no summary for a change of status.
    with django_assert_num_queries(2):
        evaluation_write(
            evaluation, user=filler_a, kind="submitted", version=1, fields={"status": "submitted"}
        )
    assert not EvaluationSummary.objects.filter(evaluation=evaluation_a).exists()
    evaluation_write(
        evaluation, user=filler_a, kind=None, version=2, fields={"budget_weight": Decimal("12")}
    )
    assert EvaluationSummary.objects.get(evaluation=evaluation_a).budget_weight == Decimal("12")


def test_a_locked_form_is_written_without_a_version_check(evaluation_a):
    Evaluation.objects.filter(pk=evaluation_a.pk).update(version=5)  # the instance says 1
    evaluation_write(evaluation_a, user=None, kind="imported", version=None)
    evaluation_a.refresh_from_db()
    assert evaluation_a.version == 2  # what the caller read under its lock, plus one
    assert EvaluationEvent.objects.get().version == 2


def test_a_new_form_gets_its_rows(dept_a, filler_a):
    evaluation = Evaluation(project=make_project(dept_a), year=2024, created_by=filler_a)
    evaluation_write(
        evaluation,
        user=filler_a,
        kind="created",
        version=None,
        fields={"project_lead": "张三"},
        budget_lines=RowsWrite(created=[BudgetLine(kind="total")]),
    )
    evaluation.refresh_from_db()
    assert (evaluation.version, evaluation.project_lead) == (1, "张三")
    assert list(evaluation.budget_lines.values_list("kind", flat=True)) == ["total"]
    assert _events(evaluation) == [("created", 1)]
