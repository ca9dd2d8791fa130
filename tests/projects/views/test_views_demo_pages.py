"""The page shows what the JSON export says, for each of the 14 demo forms."""

import re

import pytest
from django.contrib.auth.models import User

from projects.demo import load_demo
from projects.interchange import evaluation_to_dict
from projects.models import Evaluation
from projects.selectors.evaluations import evaluation_result, with_rows
from tests.projects.form_helpers import page_data, url

pytestmark = pytest.mark.django_db


def _shown(html: str) -> dict[str, str]:
    def text(element_id: str) -> str:
        match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
        assert match, element_id
        return match.group(1).strip()

    return {
        "execution_rate": text("execution-rate").removesuffix("%"),
        "budget_score": text("budget-score"),
        "total_score": text("total-score"),
        "grade": text("grade"),
    }


def _exported(evaluation: Evaluation) -> dict[str, str]:
    data = evaluation_to_dict(evaluation, evaluation_result(evaluation))
    return {
        "execution_rate": data["budget"]["execution_rate"] or "",
        "budget_score": data["budget"]["score"],
        "total_score": data["total_score"],
        "grade": data["grade"],
    }


@pytest.fixture
def demo(db):
    load_demo()
    forms = list(with_rows(Evaluation.objects.select_related("project__department")))
    assert len(forms) == 14
    return forms


def test_read_only_page_matches_the_export(client, demo):
    client.login(username="reviewer", password="selfeval-demo")
    for evaluation in demo:
        html = client.get(url("evaluation_detail", evaluation)).content.decode()
        assert _shown(html) == _exported(evaluation), evaluation.project.name


def test_editable_page_matches_the_export(client, demo):
    """The filler's editor scores its own (bound) input: it must agree with the export."""
    Evaluation.objects.update(status=Evaluation.Status.DRAFT)
    for evaluation in demo:
        filler = _filler_of(evaluation)
        client.force_login(filler)
        html = client.get(url("evaluation_detail", evaluation)).content.decode()
        assert 'name="indicator-0-name"' in html, evaluation.project.name  # really editable
        assert _shown(html) == _exported(evaluation), evaluation.project.name


def _filler_of(evaluation):
    return User.objects.filter(
        groups__name="填报人",
        department_assignments__department=evaluation.project.department,
    ).first()


def test_a_demo_form_saved_unchanged_keeps_its_numbers(client, demo):
    """Opening a returned demo form and saving it without a change moves no number."""
    evaluation = next(e for e in demo if e.project.name == "帮扶专项资金")
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.RETURNED)
    client.force_login(_filler_of(evaluation))
    before = _exported(evaluation)
    assert client.post(url("evaluation_save", evaluation), page_data(evaluation)).status_code == 302
    saved = with_rows(Evaluation.objects.select_related("project__department")).get(
        pk=evaluation.pk
    )
    assert _exported(saved) == before
    assert before == {
        "execution_rate": "99.35",
        "budget_score": "9.93",
        "total_score": "96.33",
        "grade": "优",
    }
