"""The list's filters are read by one builder: the list page, its download, the jobs.

``EvaluationFilterForm.for_user`` binds the parameters and offers the choices of the
user; the list (GET), the Excel/ZIP download (GET) and the background job started
from the list (the same parameters POSTed) all go through it, so the same query
selects the same forms in all three.
"""

from __future__ import annotations

from dataclasses import asdict

import pytest
from django.urls import reverse

from jobs.forms import SummaryJobForm
from jobs.models import Job
from projects.forms.evaluations import EvaluationFilterForm
from projects.selectors.evaluations import EvaluationFilters, scoring_rules
from tests.factories import make_evaluation, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def forms_of_two_years(dept_a, dept_b):
    make_evaluation(make_project(dept_a, "价格认证资金"), indicators=2)
    make_evaluation(make_project(dept_a, "法律顾问"), year=2022, indicators=2)
    make_evaluation(make_project(dept_b, "别的部门的项目"), year=2021, indicators=2)


def test_the_choices_are_the_users(filler_a, admin_user, dept_a, dept_b, forms_of_two_years):
    form = EvaluationFilterForm.for_user({}, filler_a)
    assert [value for value, _ in form.fields["year"].choices] == ["", 2023, 2022]
    assert [value for value, _ in form.fields["department"].choices] == ["", dept_a.pk]
    grades = [grade for grade, _ in scoring_rules().grade_bands]
    assert [value for value, _ in form.fields["grade"].choices] == ["", *grades]
    everything = EvaluationFilterForm.for_user({}, admin_user)
    assert [value for value, _ in everything.fields["year"].choices] == ["", 2023, 2022, 2021]
    assert dept_b.pk in {value for value, _ in everything.fields["department"].choices}
    # Years the caller has already are taken as given (the list page counts to-dos with them).
    assert EvaluationFilterForm.for_user({}, filler_a, years=[2030]).fields["year"].choices == [
        ("", "全部"),
        (2030, "2030年度"),
    ]


def test_the_job_form_is_built_the_same_way(filler_a, dept_b, forms_of_two_years):
    form = SummaryJobForm.for_user({"department": str(dept_b.pk)}, filler_a)
    assert isinstance(form, SummaryJobForm) and not form.is_valid()  # a job reports it
    listed = EvaluationFilterForm.for_user({"department": str(dept_b.pk)}, filler_a)
    assert listed.filters() == EvaluationFilters()  # the list ignores it


def test_the_list_the_download_and_the_job_read_the_same_filters(
    client, filler_a, dept_a, forms_of_two_years, monkeypatch
):
    built: list[str] = []
    for_user = EvaluationFilterForm.for_user.__func__

    def spy(cls, data, user, **kwargs):
        built.append(cls.__name__)
        return for_user(cls, data, user, **kwargs)

    monkeypatch.setattr(EvaluationFilterForm, "for_user", classmethod(spy))
    params = {
        "year": "2023",
        "department": str(dept_a.pk),
        "q": " 价格 ",
        "has_errors": "no",
        "has_hints": "yes",
    }
    expected = EvaluationFilters(
        year=2023, department=dept_a.pk, has_errors=False, has_hints=True, query="价格"
    )
    client.force_login(filler_a)

    listed = client.get(reverse("home"), params)
    assert listed.context["filter_form"].filters() == expected
    offered = client.get(reverse("evaluations_export", args=["zip"]), params)
    assert offered.context["params"] == expected.params()
    started = client.post(reverse("jobs:xlsx_summary"), params)
    assert started.status_code == 302
    # Stored as JSON: the (empty) tuple of ticked ids comes back a list.
    assert Job.objects.get().params["filters"] == {**asdict(expected), "ids": []}
    assert built == ["EvaluationFilterForm", "EvaluationFilterForm", "SummaryJobForm"]
