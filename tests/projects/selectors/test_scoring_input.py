"""The scoring input is built once (projects.scoring_input), whatever the form's source.

The same form, read stored, posted from the editor and previewed from an import file,
gives the same ``FormInput``; only the rows' keys differ, each naming the row where its
source shows it.
"""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from indicators.scoring import FormInput, Tier
from projects.forms.evaluations import EvaluationEditor
from projects.imports import preview
from projects.interchange import FORMAT, evaluation_to_dict
from projects.models import Evaluation
from projects.scoring_input import (
    BUDGET_FIELDS,
    HEADER_FIELDS,
    ROW_FIELDS,
    RowValues,
    form_input,
)
from projects.selectors.evaluations import (
    evaluation_result,
    load_taxonomy,
    scoring_input,
    scoring_rules,
    with_rows,
)
from tests.factories import add_indicator, level2, make_evaluation, make_project
from tests.projects.form_helpers import page_data

pytestmark = pytest.mark.django_db

PROJECTS = Path(__file__).resolve().parents[3] / "projects"


@pytest.fixture
def mixed_form(dept_a) -> Evaluation:
    """A form with every kind of value scoring reads: overridden, qualitative, reviewed,
    empty rows, a 项目资金 carry-over, a 预算执行 weight of its own and recorded scores."""
    evaluation = make_evaluation(
        make_project(dept_a, "价格认证资金"),
        annual_budget="120.5",
        executed="98.25",
        budget_weight=Decimal("15"),
        recorded_budget_score=Decimal("12.2"),
        recorded_total_score=Decimal("88.5"),
    )
    evaluation.budget_lines.filter(kind="carryover").update(
        initial_budget=Decimal("3"), annual_budget=Decimal("3.5"), executed=Decimal("2")
    )
    add_indicator(
        evaluation,
        level2_obj=level2("产出指标", "数量指标"),
        name="认证件数",
        target="≥100件",
        actual="90件",
        weight=Decimal("30"),
        score=Decimal("28"),  # not the rule's 27: overridden, with a reason
        override_reason="年末集中办理",
        deviation_reason="部分申请延至次年",
        review_score=Decimal("27.5"),
        review_comment="依据不足",
    )
    add_indicator(
        evaluation,
        level2_obj=level2("产出指标", "质量指标"),
        name="合格率",
        target="100%",
        actual="",
        weight=Decimal("25"),
        score=None,
    )
    add_indicator(
        evaluation,
        level2_obj=level2("效益指标", "社会效益指标"),
        name="服务质量提升",
        target="明显提升",
        actual="有所提升",
        weight=Decimal("20"),
        score=Decimal("15"),
        tier=Tier.PARTIAL,
    )
    add_indicator(
        evaluation,
        level2_obj=level2("满意度指标", "服务对象满意度指标"),
        name="满意度",
        target="≥90%",
        actual="95%",
        weight=Decimal("10"),
        score=Decimal("9"),
        override_reason="问卷样本少",
    )
    return with_rows(Evaluation.objects.all()).get(pk=evaluation.pk)


def _stored(evaluation: Evaluation) -> FormInput:
    return scoring_input(evaluation)


def _posted(evaluation: Evaluation) -> FormInput:
    """What the editor builds from the page's POST of the unchanged form."""
    editor = EvaluationEditor(
        page_data(evaluation), taxonomy=load_taxonomy(), evaluation=evaluation
    )
    assert editor.is_valid(), editor.input_errors()
    return editor.scoring_input()


def _previewed(evaluation: Evaluation, monkeypatch) -> FormInput:
    """What the import preview scores for the form's interchange file."""
    document = {
        "format": FORMAT,
        "forms": [evaluation_to_dict(evaluation, evaluation_result(evaluation))],
    }
    scored = []
    real = preview.score_form

    def spy(form: FormInput, rules):
        scored.append(form)
        return real(form, rules)

    monkeypatch.setattr(preview, "score_form", spy)
    result = preview.preview_file(json.dumps(document, ensure_ascii=False).encode(), "表.json")
    assert result.ok, result.error
    (form,) = scored
    return form


def _without_keys(form: FormInput) -> FormInput:
    return replace(form, indicators=tuple(replace(row, key="") for row in form.indicators))


def test_the_three_sources_give_the_same_input(mixed_form, monkeypatch):
    stored = _stored(mixed_form)
    posted = _posted(mixed_form)
    previewed = _previewed(mixed_form, monkeypatch)
    assert _without_keys(posted) == _without_keys(stored)
    assert _without_keys(previewed) == _without_keys(stored)
    # Not an empty agreement: the values of the fixture are all there.
    assert [row.tier for row in stored.indicators] == [None, None, Tier.PARTIAL, None]
    assert stored.indicators[0].review_score == Decimal("27.5")
    assert stored.budget_weight == Decimal("15")
    assert [row.position for row in stored.indicators] == [1, 2, 3, 4]
    assert _score_text(stored) == _score_text(posted) == _score_text(previewed)


def _score_text(form: FormInput) -> tuple[str, str]:
    result = preview.score_form(form, scoring_rules())
    return str(result.total_score), result.grade


def test_each_source_keys_the_rows_where_it_shows_them(mixed_form, monkeypatch):
    ids = [row.pk for row in mixed_form.indicators.all()]
    assert [row.key for row in _stored(mixed_form).indicators] == [f"indicator-{i}" for i in ids]
    # the page's row anchors (0-based), and the same anchors for a file's rows in order
    assert [row.key for row in _posted(mixed_form).indicators] == [f"row-{i}" for i in range(4)]
    assert [row.key for row in _previewed(mixed_form, monkeypatch).indicators] == [
        f"row-{i}" for i in range(4)
    ]


def test_the_editor_counts_its_invalid_fields_as_empty(mixed_form):
    data = page_data(mixed_form)
    data |= {"indicator-0-weight": "三十", "budget-total-executed": "很多", "budget_weight": "x"}
    editor = EvaluationEditor(data, taxonomy=load_taxonomy(), evaluation=mixed_form)
    assert not editor.is_valid()
    form = editor.scoring_input()
    assert form.indicators[0].weight is None
    assert form.indicators[0].name == "认证件数"
    assert form.budget_lines[0].executed is None
    assert form.budget_weight == Decimal("15")  # the stored one while the typed one is wrong


def test_an_automatic_score_counts_as_the_rules(mixed_form):
    data = page_data(mixed_form) | {"indicator-0-score_auto": "1"}
    editor = EvaluationEditor(data, taxonomy=load_taxonomy(), evaluation=mixed_form)
    assert editor.scoring_input().indicators[0].score is None


def test_the_builder_reads_the_scoring_fields_and_defaults_what_is_missing():
    assert "override_reason" in ROW_FIELDS and "key" not in ROW_FIELDS
    assert BUDGET_FIELDS == ("initial_budget", "annual_budget", "executed")
    assert "budget_weight" in HEADER_FIELDS and "indicators" not in HEADER_FIELDS
    form = form_input(
        {"legacy": True},
        {"current": {"executed": Decimal("1")}},
        [RowValues("k", "产出指标", "数量指标", {"tier": "achieved", "extra": "ignored"})],
    )
    (row,) = form.indicators
    assert (row.name, row.weight, row.tier, row.position) == ("", None, Tier.ACHIEVED, 1)
    assert [line.executed for line in form.budget_lines] == [None, Decimal("1"), None, None]
    assert (form.legacy, form.budget_weight) == (True, None)


def _constructed(path: Path, names: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
    }


def test_only_the_builder_makes_scoring_input():
    """No module of the app but projects/scoring_input.py constructs the input classes."""
    names = {"FormInput", "IndicatorInput", "BudgetLineInput"}
    makers = {
        str(path.relative_to(PROJECTS))
        for path in PROJECTS.rglob("*.py")
        if "migrations" not in path.parts and _constructed(path, names)
    }
    assert makers == {"scoring_input.py"}
