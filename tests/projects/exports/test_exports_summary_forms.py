"""The Excel summary from stored results: the same cells as live scoring, and never stale."""

import dataclasses
import io
from decimal import Decimal

import openpyxl
import pytest

from indicators.models import Level2
from projects.demo import load_demo
from projects.exports import summary_forms as summary_forms_module
from projects.exports.excel import SummaryExporter
from projects.exports.sheet import sheets_for
from projects.exports.summary_forms import SummaryForm, summary_forms
from projects.models import Evaluation, EvaluationSummary, Indicator
from projects.summaries import summaries_refresh_all
from tests.factories import add_indicator, level2, make_evaluation, make_project
from tests.projects.exports_helpers import returned_and_approved

pytestmark = pytest.mark.django_db


def exact(value):
    """A value with every Decimal as its exact text ("0" and "0.00" differ)."""
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    if dataclasses.is_dataclass(value):
        return tuple(exact(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return tuple(sorted((key, exact(item)) for key, item in value.items()))
    if isinstance(value, tuple | list):
        return tuple(exact(item) for item in value)
    return value


def live_forms(queryset):
    return [exact(SummaryForm.of_sheet(sheet)) for sheet in sheets_for(queryset)]


def no_live_scoring(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("scored live although every stored result is current")

    monkeypatch.setattr(summary_forms_module, "sheets_for", fail)


def workbook_cells(evaluations):
    content = SummaryExporter().render(evaluations, title="2023年度").read_all()
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {
        sheet.title: [
            [(cell.value, cell.data_type, cell.number_format, cell.font.b) for cell in row]
            for row in sheet.iter_rows()
        ]
        for sheet in workbook.worksheets
    }


@pytest.fixture
def mixed_forms(dept_a, filler_a, reviewer_a):
    """The demo year plus forms with review scores, qualitative rows, unparsed values,
    no rows at all and no budget, every summary current."""
    load_demo()
    reviewed = make_evaluation(make_project(dept_a, "审核过的项目"), indicators=3)
    returned_and_approved(reviewed, filler_a, reviewer_a)
    Indicator.objects.filter(evaluation=reviewed, position=1).update(
        review_score=Decimal("25.5"), review_comment="佐证不足"
    )
    mixed = make_evaluation(make_project(dept_a, "定性与无法解析"), executed="99.9999")
    add_indicator(
        mixed,
        level2_obj=level2("效益指标", "社会效益指标"),
        name="服务水平",
        target="有效提升",
        actual="明显提升",
        weight=Decimal("30"),
        score=Decimal("25"),
        tier="achieved",
    )
    add_indicator(mixed, name="完成率", target="≥9O%", actual="95%", weight=Decimal("30"))
    add_indicator(mixed, name="没打分", target="≥10个", actual="8个", weight=Decimal("30"))
    add_indicator(
        mixed,
        level2_obj=level2("满意度指标", "服务对象满意度指标"),
        name="满意度",
        target="≥90%",
        actual="95%",
    )
    make_evaluation(make_project(dept_a, "空表"), annual_budget=None, executed=None)
    summaries_refresh_all()
    return Evaluation.objects.order_by("pk")


def test_stored_results_give_the_live_values_exactly(mixed_forms, monkeypatch):
    expected = live_forms(mixed_forms)
    assert len(expected) == 17
    no_live_scoring(monkeypatch)
    assert [exact(form) for form in summary_forms(mixed_forms)] == expected


def test_the_workbook_from_stored_results_equals_the_live_one(mixed_forms):
    stored = workbook_cells(mixed_forms)
    EvaluationSummary.objects.update(result_details=None)  # every form scored live
    assert workbook_cells(mixed_forms) == stored
    assert len(stored["指标明细"]) > 100 and len(stored["检查结果"]) > 20


def test_the_export_reads_the_stored_results(dept_a, monkeypatch):
    evaluation = make_evaluation(make_project(dept_a), indicators=2)
    summaries_refresh_all()
    summary = EvaluationSummary.objects.get(evaluation=evaluation)
    summary.result_details["indicators"][0][2] = "1.23"  # counted score
    summary.save()
    no_live_scoring(monkeypatch)
    (form,) = summary_forms(Evaluation.objects.all())
    assert form.indicators[0].counted_score == Decimal("1.23")


def tampered(evaluation):
    """Stored results that would show, were they exported, a counted score of 1.23."""
    summary = EvaluationSummary.objects.get(evaluation=evaluation)
    summary.result_details["indicators"][0][2] = "1.23"
    return summary


@pytest.mark.parametrize(
    "stale",
    [
        "no summary",
        "no stored result",
        "other rules",
        "a row added",
        "a row removed",
        "a 二级 renamed",
    ],
)
def test_a_stale_or_missing_stored_result_is_scored_live(dept_a, stale):
    evaluation = make_evaluation(make_project(dept_a), indicators=3)
    current = make_evaluation(make_project(dept_a, "另一个项目"), indicators=2)
    summaries_refresh_all()
    summary = tampered(evaluation)
    if stale == "no stored result":
        summary.result_details = None
    elif stale == "other rules":
        summary.rules_digest = "0123456789abcdef"
    summary.save()
    if stale == "no summary":
        summary.delete()
    elif stale == "a row added":
        add_indicator(evaluation, name="后加的", target="≥1个", actual="1个", weight=Decimal("1"))
    elif stale == "a row removed":
        Indicator.objects.filter(evaluation=evaluation, position=3).delete()
    elif stale == "a 二级 renamed":  # in the taxonomy (Django admin): findings name it
        Level2.objects.filter(name="数量指标").update(name="数量")
    queryset = Evaluation.objects.order_by("pk")
    forms = list(summary_forms(queryset))
    assert [exact(form) for form in forms] == live_forms(queryset)
    assert forms[0].indicators[0].counted_score == Decimal("30.00")
    assert forms[1].evaluation_id == current.pk


def test_keep_gets_each_form_and_may_drop_it(mixed_forms):
    seen = []

    def keep(form):
        seen.append(form.evaluation_id)
        return form.grade == "优"

    forms = list(summary_forms(mixed_forms, keep=keep))
    assert seen == list(mixed_forms.values_list("pk", flat=True))
    assert forms and all(form.grade == "优" for form in forms)


def test_stored_results_cost_a_fixed_number_of_queries(
    dept_a, django_assert_num_queries, monkeypatch
):
    # level1 names, the rules' 一级, the 二级 names, the forms, their rows.
    for count in (1, 12):
        for number in range(count - Evaluation.objects.count()):
            make_evaluation(make_project(dept_a, f"项目{count}-{number}"), indicators=3)
        summaries_refresh_all()
        with django_assert_num_queries(5):
            SummaryExporter().render(Evaluation.objects.all(), title="2023年度").read_all()
