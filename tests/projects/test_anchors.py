"""The row anchors: one module names the HTML id of each row, and the links find them.

A finding's key is the anchor of the row it is about, on the editable page (by
formset index) and on the read-only page (by the stored row's id); the summary's
links must land on an element of the page, whichever page and whichever block.
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest

from indicators.checks import BUDGET_KEY
from indicators.scoring import BudgetLineKind
from projects.anchors import (
    BUDGET_ANCHOR,
    FORM_ANCHOR,
    budget_line_anchor,
    finding_anchor,
    row_anchor,
    stored_row_anchor,
)
from projects.forms.evaluations import EvaluationEditor
from projects.models import BudgetLine, Evaluation
from projects.selectors.evaluations import load_taxonomy, scoring_input, scoring_rules, with_rows
from tests.factories import make_evaluation, make_project
from tests.projects.form_helpers import url

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ROW_PREFIXES = (row_anchor(0).removesuffix("0"), stored_row_anchor(0).removesuffix("0"))


def test_the_anchors():
    assert (row_anchor(3), stored_row_anchor(17)) == ("row-3", "indicator-17")
    assert budget_line_anchor(BudgetLineKind.TOTAL) == "budget-total"
    assert BUDGET_ANCHOR == BUDGET_KEY  # a 项目资金 finding's key is the block's id
    assert finding_anchor("") == FORM_ANCHOR
    assert finding_anchor("budget:total") == "budget-total"
    assert finding_anchor(row_anchor(2)) == "row-2"


@pytest.fixture
def troubled(dept_a):
    """A draft whose findings name a 三级 row, the 项目资金 and the whole form."""
    evaluation = make_evaluation(make_project(dept_a), indicators=3)
    first = evaluation.indicators.order_by("position").first()
    first.actual, first.weight = "5件", Decimal("20")  # a wrong score; weights ≠ 100
    first.save()
    BudgetLine.objects.filter(evaluation=evaluation, kind="total").update(executed=Decimal(120))
    return evaluation


def _links_and_ids(html: str) -> tuple[list[str], set[str]]:
    summary = html[html.index('id="findings-summary"') :]
    summary = summary[: summary.index("</section>")]
    return re.findall(r'href="#([^"]+)"', summary), set(re.findall(r'\bid="([^"]+)"', html))


@pytest.mark.parametrize("who", ["filler_a", "reviewer_a"])
def test_every_link_of_the_findings_summary_lands_on_the_page(client, troubled, who, request):
    client.force_login(request.getfixturevalue(who))
    html = client.get(url("evaluation_detail", troubled)).content.decode()
    editable = 'name="indicator-0-name"' in html
    assert editable == (who == "filler_a")
    links, ids = _links_and_ids(html)
    pks = list(troubled.indicators.order_by("position").values_list("pk", flat=True))
    rows = [row_anchor(i) for i in range(3)] if editable else [stored_row_anchor(pk) for pk in pks]
    assert set(rows) <= ids
    assert {rows[0], BUDGET_ANCHOR, FORM_ANCHOR} <= set(links)
    assert set(links) <= ids


def test_the_scoring_keys_are_the_anchors(troubled):
    evaluation = with_rows(Evaluation.objects.select_related("project")).get(pk=troubled.pk)
    pks = [row.pk for row in evaluation.indicators.all()]
    stored = scoring_input(evaluation)
    assert [row.key for row in stored.indicators] == [stored_row_anchor(pk) for pk in pks]
    editor = EvaluationEditor.for_evaluation(
        evaluation, taxonomy=load_taxonomy(), rules=scoring_rules()
    )
    typed = editor.scoring_input()
    assert [row.key for row in typed.indicators] == [row_anchor(i) for i in range(3)]


def _row_anchor_literals(source: str) -> list[int]:
    """Lines of f-strings that spell a row anchor ("row-{…}", "indicator-{…}")."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.JoinedStr)
        and len(node.values) == 2
        and isinstance(node.values[0], ast.Constant)
        and node.values[0].value in ROW_PREFIXES
        and isinstance(node.values[1], ast.FormattedValue)
    ]


def test_only_the_anchors_module_spells_a_row_anchor():
    assert _row_anchor_literals('key = f"row-{index}"\nother = f"indicator-{row.pk}"') == [1, 2]
    assert _row_anchor_literals('name = f"indicator-{index}-name"') == []  # a formset field
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for folder in ("projects", "jobs")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "projects" / "anchors.py"
        for line in _row_anchor_literals(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "use projects.anchors instead of:\n" + "\n".join(found)
