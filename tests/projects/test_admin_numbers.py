"""Django's /admin/ reads amounts and scores with projects.numbers, like the form page."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.admin import BudgetLineInline, EvaluationAdmin, IndicatorInline
from projects.models import BudgetLine, Evaluation, Indicator
from projects.numbers import ERROR_COMMA, ERROR_NOT_A_NUMBER

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("owner", "model", "name", "typed", "message"),
    [
        (IndicatorInline, Indicator, "weight", "1e3", ERROR_NOT_A_NUMBER),  # Django: 1000
        (IndicatorInline, Indicator, "review_score", "1，5", ERROR_COMMA),
        (BudgetLineInline, BudgetLine, "executed", "12,3", ERROR_COMMA),
        (EvaluationAdmin, Evaluation, "budget_weight", "NaN", ERROR_NOT_A_NUMBER),
    ],
)
def test_admin_number_fields_use_the_one_reader(owner, model, name, typed, message):
    holder = owner(Evaluation, admin.site)
    field = holder.formfield_for_dbfield(model._meta.get_field(name), request=None)
    with pytest.raises(ValidationError) as caught:
        field.clean(typed)
    assert caught.value.messages == [message]
    assert field.clean("1,234.5" if name == "executed" else "12.5") is not None


def test_the_admin_change_page_renders_them(client, evaluation_a):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    response = client.get(reverse("admin:projects_evaluation_change", args=[evaluation_a.pk]))
    assert response.status_code == 200
    assert 'name="indicators-0-weight"' in response.content.decode()
