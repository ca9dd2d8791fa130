"""The form page's forms: typed text to Decimal, row actions, the editor's input and draft."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from indicators.scoring import score_form
from projects.forms.evaluations import (
    ERROR_COMMA,
    ERROR_LEVEL2,
    ERROR_MONEY_PLACES,
    ERROR_NEGATIVE,
    ERROR_NOT_A_NUMBER,
    ERROR_SCORE_PLACES,
    EvaluationEditor,
    apply_row_action,
    decimal_text,
    has_out_of_band_score,
    money_field,
    score_field,
)
from projects.models import Evaluation
from projects.selectors.evaluations import load_taxonomy, scoring_rules, with_rows
from tests.factories import add_indicator, level2
from tests.projects.form_helpers import page_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("", None),
        ("  ", None),
        ("12.5", Decimal("12.5")),
        ("1,234.5", Decimal("1234.5")),
        ("１２３．４", Decimal("123.4")),  # full-width digits
        ("23.380701", Decimal("23.380701")),
    ],
)
def test_money_is_read_as_decimal(typed, value):
    assert money_field().clean(typed) == value


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        (money_field(), "12万", ERROR_NOT_A_NUMBER),
        (money_field(), "NaN", ERROR_NOT_A_NUMBER),
        (money_field(), "-1", ERROR_NEGATIVE),
        (money_field(), "1.1234567", ERROR_MONEY_PLACES),
        (score_field(), "9.999", ERROR_SCORE_PLACES),
        # projects.numbers' rules: a comma only between groups of three, no exponent
        (money_field(), "12,3", ERROR_COMMA),  # used to become 123
        (money_field(), "1,2345", ERROR_COMMA),
        (score_field(), "1，5", ERROR_COMMA),  # used to become 15
        (money_field(), "1e3", ERROR_NOT_A_NUMBER),  # used to become 1000
        (money_field(), "Infinity", ERROR_NOT_A_NUMBER),
    ],
)
def test_bad_numbers_get_chinese_messages(field, typed, message):
    with pytest.raises(ValidationError) as excinfo:
        field.clean(typed)
    assert excinfo.value.messages == [message]


def test_decimal_text_prints_as_typed():
    assert decimal_text(Decimal("100.000000")) == "100"
    assert decimal_text(Decimal("20.00")) == "20"
    assert decimal_text(Decimal("23.380701")) == "23.380701"
    assert decimal_text(Decimal("0.00")) == "0"
    assert decimal_text(None) == ""


def _rows(data):
    total = int(data["indicator-TOTAL_FORMS"])
    return [(data[f"indicator-{i}-name"], data[f"indicator-{i}-level2"]) for i in range(total)]


def test_row_actions_add_move_and_remove(evaluation_a):
    taxonomy = load_taxonomy()
    quantity = level2("产出指标", "数量指标")
    social = level2("效益指标", "社会效益指标")
    data = QueryDict(mutable=True)
    data.update(page_data(evaluation_a))
    data["indicator-1-name"] = "改过的名称"  # typed, not saved: must survive every action

    added = apply_row_action(data, f"add:{social.pk}", taxonomy)
    assert _rows(added.data)[-1] == ("", str(social.pk))
    assert added.focus_index == 3
    added_first = apply_row_action(added.data, "add", taxonomy, add_level2=str(quantity.pk))
    # A new 数量指标 row goes after the other 数量指标 rows, before the 效益 row.
    assert [name for name, _ in _rows(added_first.data)] == [
        "完成件数1",
        "改过的名称",
        "完成件数3",
        "",
        "",
    ]
    assert added_first.focus_index == 3

    moved = apply_row_action(data, "up:1", taxonomy)
    assert [name for name, _ in _rows(moved.data)] == ["改过的名称", "完成件数1", "完成件数3"]
    # Cannot move past the first row of its 二级.
    assert _rows(apply_row_action(moved.data, "up:0", taxonomy).data) == _rows(moved.data)

    removed = apply_row_action(data, "remove:0", taxonomy)
    assert [name for name, _ in _rows(removed.data)] == ["改过的名称", "完成件数3"]
    assert removed.data["version"] == "1"

    # Nonsense is ignored, nothing is lost.
    for action in ("add:999999", "up:77", "remove:x", "explode"):
        assert _rows(apply_row_action(data, action, taxonomy).data) == _rows(data)


def test_rows_move_only_within_their_level2(evaluation_a):
    social = level2("效益指标", "社会效益指标")
    add_indicator(evaluation_a, level2_obj=social, name="社会1", weight=Decimal("0"))
    taxonomy = load_taxonomy()
    data = QueryDict(mutable=True)
    data.update(page_data(evaluation_a))
    assert _rows(apply_row_action(data, "down:2", taxonomy).data) == _rows(data)
    assert _rows(apply_row_action(data, "up:3", taxonomy).data) == _rows(data)


def _editor(evaluation, data):
    loaded = with_rows(Evaluation.objects.select_related("project")).get(pk=evaluation.pk)
    return EvaluationEditor(data, taxonomy=load_taxonomy(), evaluation=loaded)


def test_an_automatic_score_follows_the_rule(evaluation_a):
    data = page_data(evaluation_a)
    assert data["indicator-0-score_auto"] == "1"  # 10件 of ≥10件: stored 30 equals the rule
    data["indicator-0-actual"] = "5件"
    editor = _editor(evaluation_a, data)
    result = score_form(editor.scoring_input(), scoring_rules())
    assert result.indicators[0].suggested_score == Decimal("15.00")
    assert result.indicators[0].counted_score == Decimal("15.00")
    assert editor.draft(result).indicators[0].score == Decimal("15.00")


def test_a_typed_score_is_the_fillers(evaluation_a):
    data = page_data(evaluation_a)
    data.update(
        {"indicator-0-actual": "5件", "indicator-0-score": "20", "indicator-0-score_auto": "0"}
    )
    editor = _editor(evaluation_a, data)
    result = score_form(editor.scoring_input(), scoring_rules())
    assert result.indicators[0].counted_score == Decimal("20")
    assert "score_differs_from_rule" in {f.code for f in result.indicators[0].findings}
    assert editor.draft(result).indicators[0].score == Decimal("20")


def test_invalid_input_counts_as_empty_for_the_live_result(evaluation_a):
    data = page_data(evaluation_a)
    data["budget-total-executed"] = "九十"
    editor = _editor(evaluation_a, data)
    assert not editor.is_valid()
    result = score_form(editor.scoring_input(), scoring_rules())
    assert result.budget_score == Decimal("0.00")  # 全年执行数 counts as not filled in
    assert editor.input_errors() == [
        ("budget-total", f"项目资金·年度资金总额·全年执行数：{ERROR_NOT_A_NUMBER}")
    ]


def test_a_qualitative_score_outside_its_band_is_refused(evaluation_a):
    add_indicator(
        evaluation_a,
        level2_obj=level2("满意度指标", "服务对象满意度指标"),
        name="满意度",
        target="较高",
        actual="较高",
        weight=Decimal("10"),
    )
    data = page_data(evaluation_a)
    data.update(
        {"indicator-3-tier": "achieved", "indicator-3-score": "5", "indicator-3-score_auto": "0"}
    )
    editor = _editor(evaluation_a, data)
    result = score_form(editor.scoring_input(), scoring_rules())
    assert has_out_of_band_score(result)
    data["indicator-3-score"] = "8"
    editor = _editor(evaluation_a, data)
    assert not has_out_of_band_score(score_form(editor.scoring_input(), scoring_rules()))


def test_a_row_outside_the_taxonomy_is_refused(evaluation_a):
    data = page_data(evaluation_a)
    data["indicator-0-level2"] = "999999"
    editor = _editor(evaluation_a, data)
    assert not editor.is_valid()
    assert editor.rows.forms[0].errors["level2"] == [ERROR_LEVEL2]
    # Each row form shares its fields (no copy per row) and still validates on its own.
    assert editor.rows.forms[0].fields["name"] is editor.rows.forms[1].fields["name"]
    assert editor.rows.forms[1].is_valid()


def test_a_blank_row_is_a_row(evaluation_a):
    """A row left completely empty is validated and saved like any other."""
    taxonomy = load_taxonomy()
    data = QueryDict(mutable=True)
    data.update(page_data(evaluation_a))
    quantity = level2("产出指标", "数量指标")
    added = apply_row_action(data, f"add:{quantity.pk}", taxonomy).data
    added["indicator-3-score_auto"] = "0"
    editor = _editor(evaluation_a, added)
    assert editor.is_valid()
    result = score_form(editor.scoring_input(), scoring_rules())
    assert editor.draft(result).indicators[3].name == ""
