"""指标方向 (docs/rules.md「指标方向」): the rule for bare numbers and the filler's choice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.parsing import Direction, parse_actual, parse_target
from indicators.scoring import (
    DirectionChoice,
    FormInput,
    Tier,
    direction_choice,
    rule_score,
    score_form,
    score_indicator,
    scoring_direction,
    suggest_indicator_score,
)
from tests.indicators.factories import D, budget_line, row

AUTO, POSITIVE, REVERSE = DirectionChoice.AUTO, DirectionChoice.POSITIVE, DirectionChoice.REVERSE
EQUAL, QUALITATIVE = DirectionChoice.EQUAL, DirectionChoice.QUALITATIVE


def scored(target, actual, *, level2="数量指标", direction=AUTO, weight="10"):
    result = score_indicator(
        row(target=target, actual=actual, level2=level2, direction=direction, weight=weight)
    )
    return result.direction, result.suggested_score


# ---------------------------------------------------------------- the rule for bare numbers


@pytest.mark.parametrize(
    ("level2", "target", "actual", "direction", "score"),
    [
        # under 成本指标 a bare number is an upper limit
        ("成本指标", "400", "399.9", "reverse", "10.00"),
        ("成本指标", "400", "400", "reverse", "10.00"),
        ("成本指标", "400", "440", "reverse", "9.00"),
        ("成本指标", "8.6万元", "4.69万元", "reverse", "10.00"),
        ("经济成本指标", "100万元", "120万元", "reverse", "8.00"),
        ("成本\n指标", "100", "99", "reverse", "10.00"),  # a Word cell broken over lines
        # a comparator still decides
        ("成本指标", "≥400", "399.9", "positive", "9.99"),
        # under 时效指标 a bare duration is a deadline
        ("时效指标", "5个工作日", "6个工作日", "reverse", "8.00"),
        ("时效指标", "5工作日", "4工作日", "reverse", "10.00"),
        ("时效指标", "30天", "25天", "reverse", "10.00"),
        ("时效指标", "3日", "3日", "reverse", "10.00"),
        ("时效指标", "6个月", "9个月", "reverse", "5.00"),
        ("时效指标", "2小时", "1.5小时", "reverse", "10.00"),
        # ... but not a bare number that is no duration
        ("时效指标", "100%", "90%", "positive", "9.00"),
        ("时效指标", "12次", "6次", "positive", "5.00"),
        # elsewhere a bare number is positive, a duration too
        ("数量指标", "400", "399.9", "positive", "9.99"),
        ("质量指标", "5天", "4天", "positive", "8.00"),
    ],
)
def test_bare_numbers_follow_their_level2(level2, target, actual, direction, score) -> None:
    assert scored(target, actual, level2=level2) == (direction, D(score))


def test_the_direction_is_not_parsed_from_the_cell_alone() -> None:
    # parsing keeps reading a bare number as positive; the row's 二级 makes it reverse
    target = parse_target("400")
    assert target.bare and target.direction == Direction.POSITIVE
    assert scoring_direction(target, level2="成本指标") == Direction.REVERSE
    assert scoring_direction(target, level2="数量指标") == Direction.POSITIVE
    assert parse_target("5个工作日").duration and not parse_target("5个").duration


# ---------------------------------------------------------------- the filler's choice


@pytest.mark.parametrize(
    ("level2", "target", "actual", "choice", "direction", "score"),
    [
        # 反向 on a bare number anywhere: like ≤
        ("数量指标", "100", "90", REVERSE, "reverse", "10.00"),
        ("数量指标", "100", "150", REVERSE, "reverse", "5.00"),
        ("数量指标", "100", "200", REVERSE, "reverse", "0.00"),
        # 正向 on a bare cost: the rule's reverse is overridden
        ("成本指标", "400", "399.9", POSITIVE, "positive", "9.99"),
        # the choice overrides a comparator too
        ("数量指标", "≥100", "90", REVERSE, "reverse", "10.00"),
        ("数量指标", "≤100", "90", POSITIVE, "positive", "9.00"),
        # a strict comparator stays strict in its own direction
        ("数量指标", "<100", "101", REVERSE, "reverse", "9.90"),
        ("数量指标", ">100", "100", POSITIVE, "positive", "10.00"),
    ],
)
def test_a_chosen_direction_overrides_the_rule(
    level2, target, actual, choice, direction, score
) -> None:
    assert scored(target, actual, level2=level2, direction=choice) == (direction, D(score))


def test_reverse_chosen_scores_like_le() -> None:
    for actual in ("0", "50", "100", "101", "137.5", "199.99", "200", "350"):
        chosen = scored("100", actual, direction=REVERSE)[1]
        assert chosen == scored("≤100", actual)[1]


@pytest.mark.parametrize(
    ("target", "actual", "score"),
    [
        ("100", "100", "10.00"),
        ("100", "90", "9.00"),  # 1 − 10/100
        ("100", "110", "9.00"),  # over is as far off as under
        ("100", "50", "5.00"),
        ("100", "200", "0.00"),  # max(0, …)
        ("100", "250", "0.00"),
        ("3", "2", "6.66"),  # rounded down to the cent
        ("100%", "95%", "9.50"),
        ("≥100", "120", "8.00"),  # 等于 overrides the comparator
        # a zero target: met only by 0
        ("0", "0", "10.00"),
        ("0", "0.01", "0.00"),
        ("0次", "1次", "0.00"),
    ],
)
def test_equal(target: str, actual: str, score: str) -> None:
    direction, suggested = scored(target, actual, direction=EQUAL)
    assert direction == "equal"
    assert suggested == D(score)
    assert str(suggested) == score


def test_equal_is_exact_to_the_cent() -> None:
    target, actual = parse_target("3"), parse_actual("2.0000000001")
    assert rule_score(target, actual, Decimal("3"), Direction.EQUAL) == Decimal("2.00")


def test_qualitative_chosen_scores_by_tier_even_with_numbers() -> None:
    result = score_indicator(
        row(target="≥10个", actual="12个", direction=QUALITATIVE, tier=Tier.PARTIAL, score="7")
    )
    assert result.quantitative is False
    assert result.direction is None
    assert result.suggested_score is None
    assert result.score_band == (Decimal("6.0"), Decimal("8.0"))
    assert result.counted_score == Decimal("7")
    # the parsed cells are still shown for what they are
    assert result.target_value is not None and result.actual_value is not None


def test_qualitative_chosen_raises_no_value_unparsed() -> None:
    form = FormInput(
        budget_lines=(budget_line(annual="10", executed="10"),),
        indicators=(
            row(target="≥10个", actual="", direction=QUALITATIVE, tier=Tier.ACHIEVED, score="9"),
        ),
    )
    codes = {f.code for f in score_form(form).findings}
    assert "value_unparsed" not in codes


def test_overachievement_only_for_positive_rows() -> None:
    assert score_indicator(row(target="100", actual="140")).overachieved
    assert not score_indicator(row(target="100", actual="140", direction=EQUAL)).overachieved
    assert not score_indicator(row(target="100", actual="50", level2="成本指标")).overachieved


def test_suggestion_of_the_live_page_takes_the_level2_and_the_choice() -> None:
    def suggest(**kwargs) -> Decimal | None:
        return suggest_indicator_score(target="400", actual="399.9", weight=Decimal("5"), **kwargs)

    assert suggest() == Decimal("4.99")
    assert suggest(level2="成本指标") == Decimal("5.00")
    assert suggest(level2="成本指标", direction=POSITIVE) == Decimal("4.99")
    assert suggest(direction=EQUAL) == Decimal("4.99")
    assert suggest(direction=QUALITATIVE) is None


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("", AUTO),
        ("  ", AUTO),
        ("自动", AUTO),
        ("自动：反向", AUTO),
        ("reverse", REVERSE),
        ("反向", REVERSE),
        (" 正 向 ", POSITIVE),
        ("等于", EQUAL),
        ("equal", EQUAL),
        ("定性", QUALITATIVE),
        ("qualitative", QUALITATIVE),
        ("越大越好", None),
        ("≥", None),
        (None, AUTO),
    ],
)
def test_direction_choice_reads_codes_and_labels(text, choice) -> None:
    assert direction_choice(text) == choice
