"""One way to print amounts and scores: the page, Word/PDF (the sheet), Excel, the dashboard."""

from decimal import Decimal

import pytest

from projects.exports.sheet import build_sheet
from projects.exports.xlsx_stream import MONEY_FORMAT, RATE_FORMAT, SCORE_FORMAT
from projects.models import Evaluation
from projects.numbers import MONEY_NUMBER_FORMAT, RATE_NUMBER_FORMAT, SCORE_NUMBER_FORMAT
from projects.selectors.evaluations import evaluation_result, with_rows
from projects.templatetags.dashboard import two, wan
from tests.factories import make_evaluation, make_project
from tests.projects.form_helpers import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(dept_a):
    evaluation = make_evaluation(
        make_project(dept_a, "金额项目"),
        annual_budget="1234.5",
        executed="1234.5",
        indicators=3,
        status=Evaluation.Status.SUBMITTED,
    )
    return with_rows(Evaluation.objects.select_related("project__department")).get(pk=evaluation.pk)


def test_the_read_view_prints_like_the_documents(client, reviewer_a, submitted):
    client.force_login(reviewer_a)
    html = client.get(url("evaluation_detail", submitted)).content.decode()
    # was "1234.5" (the documents) and "10" beside "10.00" (the 分值 of 预算执行率)
    assert '<td class="num">1,234.50</td>' in html
    assert '<td class="num">10.00</td>' in html
    assert '<td class="num">10</td>' not in html
    sheet = build_sheet(submitted, evaluation_result(submitted), history=False)
    total = sheet.budget_total
    assert [total.initial_budget.text, total.annual_budget.text, total.executed.text] == [
        "1,234.50"
    ] * 3
    assert (total.weight.text, total.execution_rate.text, sheet.total_score.text) == (
        "10.00",
        "100.00%",
        "100.00",
    )
    assert wan(Decimal("1234.500000")) == "1,234.50"  # the dashboard, from 6-place sums
    assert two(Decimal("10")) == "10.00"


def test_excel_formats_are_the_same_rules():
    assert (MONEY_FORMAT, SCORE_FORMAT, RATE_FORMAT) == (
        MONEY_NUMBER_FORMAT,
        SCORE_NUMBER_FORMAT,
        RATE_NUMBER_FORMAT,
    )
