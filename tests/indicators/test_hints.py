"""The hints (审核提示, docs/rules.md「Checks」): when each stays quiet, its settings, and
that a form written to meet every rule raises none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.checks import SEVERITIES, Code, is_measurable
from indicators.scoring import FormInput, ScoringRules, Severity, Tier, score_form
from tests.indicators.factories import budget_line, clean_form, row
from tests.indicators.test_checks import with_row

HINTS = {code for code, severity in SEVERITIES.items() if severity == Severity.HINT}


def hint_codes(form: FormInput, rules: ScoringRules | None = None) -> list[str]:
    result = score_form(form, rules) if rules else score_form(form)
    return [f.code for f in result.findings if f.severity == Severity.HINT]


def test_a_form_written_to_meet_every_rule_raises_no_hint() -> None:
    """Measurable targets, actuals in the target's unit, one row short of full marks and
    explained, money spent in step with the output."""
    rows = (
        row("1", target="≥30件", actual="32件", weight="15"),
        row("2", level2="质量指标", target="≥95%", actual="98%", weight="10"),
        row("3", level2="质量指标", target="一次验收合格", actual="一次验收合格", weight="5",
            score="4.5", tier=Tier.ACHIEVED, deviation_reason="一处返工，已加强自检"),
        row("4", level2="时效指标", target="≤5个工作日", actual="4个工作日", weight="10"),
        row("5", level2="成本指标", target="≤20万元", actual="19.5万元", weight="10"),
        row("6", level1="效益指标", level2="社会效益指标", target="群众知晓度有所提高",
            actual="知晓率有所提升", weight="30", score="27", tier=Tier.ACHIEVED,
            deviation_reason="宣传覆盖面不足，明年增加社区宣传"),
        row("7", level1="满意度指标", level2="服务对象满意度指标", target="≥90%", actual="93%",
            weight="10"),
    )  # fmt: skip
    form = FormInput(
        budget_lines=(budget_line(initial="20", annual="20", executed="19.5"),), indicators=rows
    )
    result = score_form(form)
    assert result.execution_rate == Decimal("97.50")
    assert result.findings == ()


@pytest.mark.parametrize("text", ["合法合规", "完成", "按期完成", "效果明显", "若干篇", "是"])
def test_targets_that_measure_nothing(text: str) -> None:
    assert not is_measurable(text)


@pytest.mark.parametrize(
    "text",
    ["≥30", "100%", "一份", "350卷", "2023年12月底前完成", "一个月内完成数字化", "合格率95%以上"],
)
def test_targets_that_measure_something(text: str) -> None:
    assert is_measurable(text)


def test_an_unmeasurable_target_outside_the_output_tiers_is_not_hinted() -> None:
    # 效益指标 may be qualitative; only 产出指标's 数量/质量/时效/成本 are asked for a number.
    form = clean_form(indicators=with_row(3, target="效果明显", actual="效果明显"))
    assert Code.TARGET_NOT_MEASURABLE not in hint_codes(form)


def test_a_qualitative_target_restated_is_not_hinted() -> None:
    # Only a numeric target asks for a number in 实际完成值.
    form = clean_form(indicators=with_row(2, target="一次验收合格", actual="完成"))
    assert hint_codes(form) == []


def test_the_execution_thresholds_are_rule_settings() -> None:
    underexecuted = clean_form(budget_lines=(budget_line(annual="100", executed="85"),))
    assert hint_codes(underexecuted) == [Code.FULL_MARKS_DESPITE_UNDEREXECUTION]
    lenient = ScoringRules(
        full_marks_execution_rate=Decimal("80"), completion_execution_gap=Decimal("20")
    )
    assert hint_codes(underexecuted, lenient) == []
    gap = clean_form(budget_lines=(budget_line(annual="100", executed="92"),))
    assert hint_codes(gap, ScoringRules(completion_execution_gap=Decimal("8"))) == []
    assert hint_codes(gap, ScoringRules(completion_execution_gap=Decimal("7.99"))) == [
        Code.COMPLETION_OUTPACES_EXECUTION
    ]


def test_execution_at_the_threshold_is_quiet() -> None:
    # 90% is not below 90%, and 95% leaves a gap of exactly 5 points, not more.
    for executed in ("90", "95"):
        form = clean_form(budget_lines=(budget_line(annual="100", executed=executed),))
        assert Code.FULL_MARKS_DESPITE_UNDEREXECUTION not in hint_codes(form)
    form = clean_form(budget_lines=(budget_line(annual="100", executed="95"),))
    assert hint_codes(form) == []


def test_no_execution_rate_no_execution_hint() -> None:
    form = clean_form(budget_lines=())
    assert hint_codes(form) == []


def test_the_easy_target_ratio_is_a_rule_setting() -> None:
    form = clean_form(indicators=with_row(1, actual="19个", deviation_reason="需求增加"))
    assert hint_codes(form) == []  # 190%
    assert hint_codes(form, ScoringRules(easy_target_ratio=Decimal("1.9"))) == [
        Code.TARGET_TOO_EASY
    ]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"target": "≤10个", "actual": "1个"}, id="reverse-target"),
        pytest.param({"target": "0个", "actual": "5个"}, id="zero-target"),
        pytest.param(
            {"level2": "成本指标", "target": "10万元", "actual": "25万元", "score": Decimal("10"),
             "override_reason": "超支已批准", "deviation_reason": "追加工作量"},
            id="cost-row-is-never-too-easy",
        ),
    ],
)  # fmt: skip
def test_targets_that_are_not_too_easy(changes: dict) -> None:
    form = clean_form(indicators=with_row(1, **changes))
    assert Code.TARGET_TOO_EASY not in hint_codes(form)


def test_cost_within_target_or_below_full_marks_is_quiet() -> None:
    within = with_row(2, level2="成本指标", target="200万元", actual="199.9万元", tier=None)
    assert hint_codes(clean_form(indicators=within)) == []
    # a reverse target exceeded loses points by the rule: no full marks, no hint
    above = with_row(
        2, level2="成本指标", target="≤200万元", actual="210万元", tier=None, score=None,
        deviation_reason="材料涨价",
    )  # fmt: skip
    assert Code.COST_ABOVE_TARGET not in hint_codes(clean_form(indicators=above))


def test_hints_are_neither_errors_nor_warnings() -> None:
    form = clean_form(indicators=with_row(3, score=Decimal("30")))
    result = score_form(form)
    assert [f.code for f in result.hints] == [Code.ALL_FULL_MARKS]
    assert result.errors == () and result.warnings == ()
    assert result.hints[0].as_dict()["severity"] == "hint"


def test_every_hint_code_is_a_hint() -> None:
    assert {
        Code.TARGET_NOT_MEASURABLE,
        Code.ACTUAL_RESTATES_TARGET,
        Code.ACTUAL_UNIT_MISMATCH,
        Code.ALL_FULL_MARKS,
        Code.FULL_MARKS_DESPITE_UNDEREXECUTION,
        Code.COMPLETION_OUTPACES_EXECUTION,
        Code.COST_ABOVE_TARGET,
        Code.TARGET_TOO_EASY,
    } == HINTS
