"""load_demo: the 14 seed forms and one account per role, idempotently."""

from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from projects.demo import DEMO_PASSWORD, load_demo
from projects.models import BudgetLine, Department, Evaluation, Indicator
from projects.selectors.evaluations import evaluations_for_user

pytestmark = pytest.mark.django_db


def test_loads_the_14_seed_forms_with_their_rows():
    result = load_demo()
    assert result.created_forms == 14
    assert Evaluation.objects.filter(year=2023, legacy=True).count() == 14
    assert Indicator.objects.count() == 129
    assert BudgetLine.objects.count() == 14 * 4
    # Placeholder rows (指标2：, ……) are left out: every kept row has a name.
    assert not Indicator.objects.filter(name="").exists()


def test_is_idempotent_and_keeps_edits(capsys):
    load_demo()
    edited = Evaluation.objects.get(project__name="法律顾问")
    edited.project_lead = "新负责人"
    edited.save()
    call_command("load_demo")
    assert Evaluation.objects.count() == 14
    assert Indicator.objects.count() == 129
    edited.refresh_from_db()
    assert edited.project_lead == "新负责人"
    out = capsys.readouterr().out
    assert "已存在 14 张" in out
    assert DEMO_PASSWORD in out


def test_faithful_values_from_the_paper():
    load_demo()
    price = Evaluation.objects.get(project__name="价格认证资金")
    total = price.budget_lines.get(kind="total")
    assert total.initial_budget == Decimal("30")
    assert total.annual_budget == Decimal("23.380701")
    assert price.project.implementing_unit.name == "价格认证中心"
    assert price.project.department.name == "通州区发改委"

    legal = Evaluation.objects.get(project__name="法律顾问")
    assert legal.contact_phone == "695468784"  # nine digits, as written
    assert legal.recorded_total_score == Decimal("100")

    aid = Evaluation.objects.get(project__name="帮扶专项资金")
    assert aid.recorded_total_score == Decimal("91.33")
    assert aid.recorded_budget_score == Decimal("9.93")


def test_amounts_written_in_yuan_are_converted():
    load_demo()
    form = Evaluation.objects.get(project__name="2023“疏整促”专班经费")
    assert form.amount_unit_converted
    assert "1,863,180" in form.amount_unit_note
    total = form.budget_lines.get(kind="total")
    assert total.annual_budget == Decimal("186.318")
    assert total.executed == Decimal("186.318")


def test_demo_accounts_one_filler_per_department_reviewer_admin():
    result = load_demo()
    top_departments = Department.objects.filter(parent__isnull=True).count()
    roles = [account.role.value for account in result.accounts]
    assert roles.count("填报人") == top_departments
    assert roles.count("审核人") == 1
    assert roles.count("管理员") == 1
    filler = authenticate(username="filler1", password=DEMO_PASSWORD)
    reviewer = authenticate(username="reviewer", password=DEMO_PASSWORD)
    admin = authenticate(username="admin", password=DEMO_PASSWORD)
    assert filler and reviewer and admin
    assert evaluations_for_user(reviewer).count() == 14
    assert evaluations_for_user(admin).count() == 14
    seen_by_fillers = sum(
        evaluations_for_user(authenticate(username=a.username, password=DEMO_PASSWORD)).count()
        for a in result.accounts
        if a.role.value == "填报人"
    )
    assert seen_by_fillers == 14  # every form belongs to exactly one filler's department
