"""indicators.scoring: the rules of docs/rules.md「Scoring」 with exact Decimal expectations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.parsing import ParsedValue, parse_actual, parse_target
from indicators.scoring import (
    DEFAULT_RULES,
    BudgetLineKind,
    FormInput,
    Level1Total,
    ScoreSource,
    ScoringRules,
    Tier,
    compute_budget_score,
    compute_execution_rate,
    grade_for,
    rule_score,
    score_form,
    score_indicator,
    suggest_indicator_score,
    tier_band,
)
from tests.indicators.factories import D, budget_line, clean_form, clean_rows, row

# ---------------------------------------------------------------- 预算执行率 and its score


@pytest.mark.parametrize(
    ("annual", "executed", "rate", "score"),
    [
        ("2147.6", "2133.57", "99.35", "9.93"),  # seed 帮扶专项资金: 99.3467…%
        ("1000", "999.9", "99.99", "9.99"),  # seed: rounded down, not up to 10
        ("200", "199.9", "99.95", "9.99"),  # seed: the paper form says 100% and 10
        ("10", "10", "100.00", "10.00"),
        ("23.380701", "23.380701", "100.00", "10.00"),  # 6 decimals of 万元
        ("3", "2", "66.67", "6.66"),  # rate half-up, score down
        ("1000", "123.45", "12.35", "1.23"),  # exactly half a cent of a percent: half-up
        ("1000", "123.449", "12.34", "1.23"),
        ("8", "1", "12.50", "1.25"),
        ("10", "12", "120.00", "10.00"),  # over-execution is capped at the weight
        ("10", "0", "0.00", "0.00"),
        ("10", None, "0.00", "0.00"),  # nothing executed yet
        ("10", "-1", "-10.00", "0.00"),  # never below zero
        (None, "5", None, "0.00"),  # no budget, no rate
        ("0", "5", None, "0.00"),
        (None, None, None, "0.00"),
    ],
)
def test_execution_rate_and_budget_score(
    annual: str | None, executed: str | None, rate: str | None, score: str
) -> None:
    assert compute_execution_rate(annual_budget=D(annual), executed=D(executed)) == D(rate)
    budget_score = compute_budget_score(
        annual_budget=D(annual), executed=D(executed), budget_weight=Decimal("10")
    )
    assert budget_score == Decimal(score)
    assert str(budget_score) == score  # two decimals, as shown and exported


@pytest.mark.parametrize(
    ("weight", "annual", "executed", "score"),
    [
        ("30", "3.2", "3.2", "30.00"),  # seed 远程视频会议: 30 points for the budget
        ("20", "3", "2", "13.33"),
        ("5", "1000", "999.9", "4.99"),
    ],
)
def test_budget_score_scales_with_its_weight(
    weight: str, annual: str, executed: str, score: str
) -> None:
    result = compute_budget_score(
        annual_budget=D(annual), executed=D(executed), budget_weight=Decimal(weight)
    )
    assert result == Decimal(score)


def test_form_budget_uses_the_total_line_and_its_own_weight() -> None:
    form = clean_form(
        budget_lines=(
            budget_line(BudgetLineKind.CURRENT, annual="500", executed="1"),
            budget_line(annual="1000", executed="999.9"),
        ),
        budget_weight=Decimal("20"),
    )
    result = score_form(form)
    assert result.execution_rate == Decimal("99.99")
    assert result.budget_weight == Decimal("20")
    assert result.budget_score == Decimal("19.99")


def test_form_without_total_line_has_no_rate() -> None:
    result = score_form(clean_form(budget_lines=()))
    assert result.execution_rate is None
    assert result.budget_score == Decimal("0.00")
    assert result.budget_weight == DEFAULT_RULES.budget_weight


# ---------------------------------------------------------------- quantitative rows


def rule(target: str, actual: str, weight: str = "10") -> Decimal | None:
    return suggest_indicator_score(target=target, actual=actual, weight=Decimal(weight))


@pytest.mark.parametrize(
    ("target", "actual", "weight", "expected"),
    [
        # met: full marks
        ("≥30", "30", "10", "10.00"),
        ("≥30", "31", "10", "10.00"),
        ("20", "32", "10", "10.00"),  # a bare number is a positive target
        ("不少于2个", "2", "5", "5.00"),
        ("1亿元以上", "2.5亿元", "30", "30.00"),
        (">95%", "96%", "5", "5.00"),
        # not met: 分值 × 实际/目标, rounded DOWN to 0.01
        ("≥30", "29", "10", "9.66"),  # 9.666…, not 9.67
        ("≥3", "2", "10", "6.66"),
        ("≥3", "1", "7", "2.33"),
        ("不少于2个", "1", "5", "2.50"),
        ("8.6万元", "4.69万元", "5", "2.72"),  # seed: 2.7267…; the paper form wrote 2.7
        ("40万元", "29.62万元", "5", "3.70"),  # seed: 3.7025
        ("400", "399.9", "5", "4.99"),  # seed: 4.99875
        ("100", "99", "5", "4.95"),
        ("1亿元以上", "0.5亿元", "30", "15.00"),
        ("≥30", "0", "10", "0.00"),
        # strict ">": equality is not "met", but the formula gives the full weight anyway
        (">95%", "95%", "5", "5.00"),
        (">95%", "94%", "5", "4.94"),  # 4.947…
    ],
)
def test_positive_targets(target: str, actual: str, weight: str, expected: str) -> None:
    assert rule(target, actual, weight) == Decimal(expected)


@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [
        ("≤5个工作日", "5个工作日", "10.00"),  # met
        ("≤5", "4", "10.00"),
        ("≤5", "0", "10.00"),
        ("≤5", "6", "8.00"),  # 10 × (1 − 1/5)
        ("≤5", "7.5", "5.00"),
        ("≤5", "9.99", "0.02"),
        ("≤5", "10", "0.00"),  # exactly 2 × target
        ("≤5", "11", "0.00"),  # beyond 2 × target
        ("≤100", "100.01", "9.99"),  # just above the target: 9.999 rounded down
        ("≤100", "199.99", "0.00"),  # just below 2 × target: 0.001 rounded down
        ("不超过3", "4", "6.66"),  # 6.666…
        ("<2%", "2%", "10.00"),  # strict "<": the formula still gives full marks at equality
        ("<2%", "3%", "5.00"),
        ("不超过200万", "199.9万", "10.00"),  # seed
        ("不超过200万", "260万", "7.00"),
        ("5%以下", "5.5%", "9.00"),
        ("1年内", "2年", "0.00"),
    ],
)
def test_reverse_targets(target: str, actual: str, expected: str) -> None:
    assert rule(target, actual) == Decimal(expected)


@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [
        ("≥0", "0", "10.00"),
        ("≥0", "5", "10.00"),
        ("0", "0", "10.00"),
        (">0", "0", "0.00"),  # not met and nothing to divide by
        ("≤0", "0", "10.00"),
        ("≤0", "1", "0.00"),  # 2 × 0 = 0: anything above the target scores 0
        ("<0", "0", "0.00"),
        ("0%", "0%", "10.00"),
    ],
)
def test_zero_target_does_not_crash(target: str, actual: str, expected: str) -> None:
    assert rule(target, actual) == Decimal(expected)
    result = score_indicator(row(target=target, actual=actual))
    assert result.quantitative
    assert result.completion_ratio is None  # no ratio to a zero target
    assert result.overachieved is False


@pytest.mark.parametrize(
    ("target", "actual"),
    [
        ("≥30", "100%"),  # seed 法律顾问: a count against a percentage
        ("100000元", "100%"),  # seed
        (">95%", "0.96"),
        ("100个", "100件"),
        ("42万元", "42"),  # one side in 万: not compared
        ("5个工作日", "完成"),  # seed: the actual is not a value
        ("一份", "已完成《2022年北京城市副中心经济产业高质量发展"),  # seed
        ("合法合规", "完成"),  # seed: the target is not a value
        ("≥30", ""),
        ("", "30"),
        ("", ""),
    ],
)
def test_incomparable_values_make_the_row_qualitative(target: str, actual: str) -> None:
    assert rule(target, actual) is None
    result = score_indicator(row(target=target, actual=actual))
    assert result.quantitative is False
    assert result.direction is None
    assert result.suggested_score is None
    assert result.completion_ratio is None


def test_suggestion_needs_a_weight() -> None:
    assert suggest_indicator_score(target="≥30", actual="30", weight=None) is None


def test_unset_weight_counts_as_zero_in_a_form() -> None:
    result = score_indicator(row(target="≥30", actual="30", weight=None))
    assert result.quantitative
    assert result.suggested_score == Decimal("0.00")
    assert result.counted_score == Decimal("0.00")


@pytest.mark.parametrize(
    ("target", "actual", "overachieved", "ratio"),
    [
        ("≥10", "13", True, "1.3000"),  # exactly 130%
        ("≥10", "12.99", False, "1.2990"),
        ("1亿元以上", "2.5亿元", True, "2.5000"),  # seed
        ("20", "32", True, "1.6000"),  # seed
        ("≥80件", "119件", True, "1.4875"),  # seed
        ("350卷", "373卷", False, "1.0657"),  # seed: 1.06571…
        ("≥3", "1", False, "0.3333"),
        ("≤10", "30", False, "3.0000"),  # reverse targets never over-achieve
        ("≤10", "1", False, "0.1000"),
    ],
)
def test_overachievement_and_completion_ratio(
    target: str, actual: str, overachieved: bool, ratio: str
) -> None:
    result = score_indicator(row(target=target, actual=actual))
    assert result.overachieved is overachieved
    assert result.completion_ratio == Decimal(ratio)
    if overachieved:
        assert result.suggested_score == Decimal("10.00")  # keeps full marks


def test_overachievement_ratio_is_a_rule() -> None:
    rules = ScoringRules(overachievement_ratio=Decimal("1.5"))
    assert not score_indicator(row(target="≥10", actual="14"), rules=rules).overachieved
    assert score_indicator(row(target="≥10", actual="15"), rules=rules).overachieved


def test_quantitative_row_keeps_parsed_values() -> None:
    result = score_indicator(row(target="不超过200万", actual="199.9万", weight="20"))
    assert result.quantitative
    assert result.direction == "reverse"
    assert isinstance(result.target_value, ParsedValue)
    assert result.target_value.number == Decimal("2000000")
    assert result.actual_value == parse_actual("199.9万")
    assert result.suggested_score == Decimal("20.00")


def test_qualitative_row_still_shows_what_was_parsed() -> None:
    result = score_indicator(row(target="≥30", actual="100%"))
    assert result.quantitative is False
    assert result.target_value == parse_target("≥30")
    assert result.actual_value == parse_actual("100%")


# ---------------------------------------------------------------- qualitative bands


@pytest.mark.parametrize(
    ("tier", "weight", "low", "high"),
    [
        (Tier.ACHIEVED, "10", "8", "10"),
        (Tier.PARTIAL, "10", "6", "8"),
        (Tier.NOT_ACHIEVED, "10", "0", "6"),
        (Tier.ACHIEVED, "7", "5.6", "7"),
        (Tier.PARTIAL, "5", "3", "4"),
        (Tier.ACHIEVED, None, "0", "0"),
    ],
)
def test_tier_band(tier: Tier, weight: str | None, low: str, high: str) -> None:
    assert tier_band(tier, D(weight)) == (Decimal(low), Decimal(high))


def test_tier_band_on_result_for_qualitative_rows_only() -> None:
    qualitative = score_indicator(row(target="合格", actual="合格", tier=Tier.PARTIAL))
    assert qualitative.score_band == (Decimal("6"), Decimal("8"))
    # a tier on a row the rule can score is ignored
    quantitative = score_indicator(row(target="≥1", actual="1", tier=Tier.PARTIAL))
    assert quantitative.score_band is None


# ---------------------------------------------------------------- which score counts


@pytest.mark.parametrize(
    ("target", "actual", "score", "review", "counted", "source"),
    [
        ("≥10", "5", "4", "3", "3", ScoreSource.REVIEW),
        ("≥10", "5", "4", None, "4", ScoreSource.FILLER),
        ("≥10", "5", None, None, "5.00", ScoreSource.RULE),
        ("≥10", "5", None, "0", "0", ScoreSource.REVIEW),  # a review score of 0 counts
        ("≥10", "5", "0", None, "0", ScoreSource.FILLER),
        ("合格", "合格", "9", "7", "7", ScoreSource.REVIEW),
        ("合格", "合格", "9", None, "9", ScoreSource.FILLER),
        ("合格", "合格", None, None, "0", ScoreSource.NONE),
    ],
)
def test_counted_score(
    target: str,
    actual: str,
    score: str | None,
    review: str | None,
    counted: str,
    source: ScoreSource,
) -> None:
    result = score_indicator(row(target=target, actual=actual, score=score, review_score=review))
    assert result.counted_score == Decimal(counted)
    assert result.score_source == source


# ---------------------------------------------------------------- totals and grade


def test_clean_form_totals() -> None:
    result = score_form(clean_form())
    assert result.execution_rate == Decimal("100.00")
    assert result.budget_score == Decimal("10.00")
    assert result.total_weight == Decimal("100")
    assert result.total_score == Decimal("97.00")
    assert result.grade == "优"
    assert [r.counted_score for r in result.indicators] == [
        Decimal("25.00"),
        Decimal("25"),
        Decimal("27"),
        Decimal("10"),
    ]
    assert result.level1_totals == (
        Level1Total("产出指标", Decimal("50"), Decimal("50.00")),
        Level1Total("效益指标", Decimal("30"), Decimal("27")),
        Level1Total("满意度指标", Decimal("10"), Decimal("10")),
    )
    assert result.findings == ()


def test_unset_weights_count_zero_in_totals() -> None:
    rows = (*clean_rows(), row("r5", name="指标2：", weight=None))
    result = score_form(clean_form(indicators=rows))
    assert result.total_weight == Decimal("100")
    assert result.level1_totals[0] == Level1Total("产出指标", Decimal("50"), Decimal("50.00"))


def test_level1_totals_in_first_seen_order_ignoring_line_breaks() -> None:
    rows = (
        row("a", level1="满意度\n指标", weight="10", score="10"),
        row("b", level1="产出指标", weight="40", score="30"),
        row("c", level1="满意度指标", weight="5", score="4"),
        row("d", level1=" 产出指标 ", weight="10", review_score="2", score="9"),
    )
    result = score_form(clean_form(indicators=rows))
    assert result.level1_totals == (
        Level1Total("满意度\n指标", Decimal("15"), Decimal("14")),
        Level1Total("产出指标", Decimal("50"), Decimal("32")),
    )
    assert result.total_weight == Decimal("75")
    assert result.total_score == Decimal("56.00")


def test_the_self_total_before_review_is_kept_beside_the_reviewed_one() -> None:
    """Exports print both totals; the filler's own one ignores 审核得分."""
    rows = (
        row("a", weight="40", score="38"),
        row("b", weight="50", score="48", review_score="20"),
    )
    result = score_form(clean_form(indicators=rows))
    budget = result.budget_score
    assert result.total_score == budget + Decimal("58")
    assert result.self_total_score == budget + Decimal("86")
    assert result.self_grade == grade_for(result.self_total_score)
    assert result.grade == grade_for(result.total_score) != result.self_grade
    unreviewed = score_form(clean_form(indicators=rows[:1]))
    assert (unreviewed.self_total_score, unreviewed.self_grade) == (None, "")


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("100", "优"),
        ("90", "优"),
        ("89.99", "良"),
        ("80", "良"),
        ("79.99", "中"),
        ("60", "中"),
        ("59.99", "差"),
        ("0", "差"),
        ("-1", "差"),
    ],
)
def test_grade_bands(total: str, grade: str) -> None:
    assert grade_for(Decimal(total)) == grade


def test_grade_bands_are_configurable() -> None:
    rules = ScoringRules(grade_bands=(("合格", Decimal("60")), ("不合格", Decimal("60"))))
    assert grade_for(Decimal("60"), rules) == "合格"
    assert grade_for(Decimal("59.99"), rules) == "不合格"


def test_total_is_budget_score_plus_counted_scores() -> None:
    rows = (
        row("a", target="≥3", actual="2", weight="50", deviation_reason="进度滞后"),  # 33.33
        row("b", level1="效益指标", target="合格", actual="合格", weight="30", score="24"),
        row("c", level1="满意度指标", target="合格", actual="合格", weight="10", score="9",
            review_score="8", deviation_reason="个别投诉"),
    )  # fmt: skip
    form = clean_form(indicators=rows, budget_lines=(budget_line(annual="3", executed="2"),))
    result = score_form(form)
    assert result.budget_score == Decimal("6.66")
    assert result.total_score == Decimal("71.99")  # 6.66 + 33.33 + 24 + 8
    assert result.grade == "中"


def test_score_form_does_not_need_rows() -> None:
    result = score_form(FormInput(budget_lines=(), indicators=()))
    assert result.total_weight == Decimal("10")
    assert result.total_score == Decimal("0.00")
    assert result.grade == "差"
    assert result.level1_totals == ()


def test_row_number_defaults_to_the_index() -> None:
    rows = (row("a", position=7), row("b"))
    result = score_form(clean_form(indicators=rows))
    assert [r.row_number for r in result.indicators] == [7, 2]


# ---------------------------------------------------------------- every seed pair

SEED_PAIRS: list[tuple[str, str, str, str | None]] = [
    ("350卷", "373卷", "20", "20.00"),
    ("100%", "100%", "20", "20.00"),
    ("各科室档案整理完成后一个月内完成数字化", "按期完成", "10", None),
    ("≥30", "100%", "10", None),
    ("≥20", "100%", "10", None),
    ("合法合规", "完成", "10", None),
    ("5个工作日", "完成", "10", None),
    ("2个工作日", "完成", "10", None),
    ("100000元", "100%", "10", None),
    ("完成年度指标", "完成", "5", None),
    ("20", "32", "10", "10.00"),
    ("论证科学性、依据充分性、客观公正", "论证科学性、依据充分性、客观公正", "20", None),
    (
        "根据项目难易程度，正式委托后一般不超过20个工作日",
        "根据项目难易程度，正式委托后按时限完成",
        "10",
        None,
    ),
    ("不超过200万", "199.9万", "20", "20.00"),
    ("1亿元以上", "2.5亿元", "30", "30.00"),
    ("一份", "已完成《2022年北京城市副中心经济产业高质量发展", "5", None),
    (
        "梳理出发展问题与痛点，为副中心未来发展方向与政策需求指明方向",
        "已梳理出副中心产业发展中存在的症结问题",
        "5",
        None,
    ),
    (
        (
            "深度了解各部门工作，优化跨部门协作机制，并从企业集聚、产业发展、行业领先、"
            "经济贡献、开放创新、政策保障、机制创新、公共服务等多个维度出发，对任务及目"
            "标进行战略性指导，明确各部门任务实施路径"
        ),
        "已建立发展评估指标体系",
        "10",
        None,
    ),
    (
        (
            "围绕国务院、北京市、通州区区政府对于副中心高质量发展的总体要求，围绕着通州"
            "区经济产业特色，聚焦副中心重要载体，研究谋划副中心经济产业均衡发展战略，为"
            "区领导调度工作提供咨询建议。"
        ),
        "针对副中心经济产业均衡发展提出意见建议，为区领导调度工作提供咨询建议",
        "10",
        None,
    ),
    ("完成报告编写", "已完成《2022年北京城市副中心经济产业高质量发展评估报告》", "10", None),
    ("42万元", "已全部支出", "10", None),
    (
        "精准招商，精准扶持小巨人企业发展，培育高科技创新独角兽",
        "为副中心未来产业发展方向、扶持相关企业发展提出意见建议",
        "10",
        None,
    ),
    (
        "创造更加优质的营商环境，实现通州区经济高质量发展",
        "为副中心产业发展、营商环境等工作提出意见建议",
        "10",
        None,
    ),
    (
        "通过招商引资、动能转换、绿色低碳产业发展等工作实现",
        "为副中心绿色发展提出相关建议",
        "5",
        None,
    ),
    ("通过每年相关工作持续推进", "为副中心产业发展提供未来发展建议", "5", None),
    (
        (
            "为副中心提供全年的产业经济跟踪、监测服务，根据通州区实际发展、区域规划，指"
            "标体系、任务评价标准将动态调整，提高使用单位的满意度。"
        ),
        "满意",
        "10",
        None,
    ),
    (
        (
            "结合区级实际情况，借鉴国内外先进经验，研究提出适合区级落地的先进经验做法，"
            "并适时开展营商环境培训。"
        ),
        (
            "相关经验做法已纳入《通州区全面优化营商环境助力企业高质量发展实施方案》，并"
            "开展营商环境培训。"
        ),
        "20",
        None,
    ),
    ("1份", "1份", "10", "10.00"),
    (
        ("根据工作需要，对副中心政务服务中心、不动产登记分中心以及人力社保专业大厅等进行走访"),
        "已按照实际计划开展走访工作。",
        "20",
        None,
    ),
    (
        "根据工作计划安排，有序推进各项工作",
        (
            "作为智库，能及时为我区优化营商环境工作提供支撑，提出各地先进经验，加快推进"
            "我区营商环境改革。"
        ),
        "10",
        None,
    ),
    ("按照预算执行", "该项目在预算范围内", "10", None),
    (
        "作为三方智库，全力做好支撑，推动我区营商环境改革",
        "按照要求做好各项工作，提升我区营商环境水平。",
        "10",
        None,
    ),
    ("1", "1", "15", "15.00"),
    ("3332440.18元", "3332440.18元", "10", "10.00"),
    ("对我区经济社会发展产生正向引导和推动", "对我区经济社会发展产生正向引导和推动", "10", None),
    ("不少于2个", "2", "5", "5.00"),
    ("不少于2项", "2", "5", "5.00"),
    ("不少于1次", "1", "5", "5.00"),
    ("以市级下达为准", "以市级下达为准", "5", None),
    ("完成节能审查", "完成节能审查", "5", None),
    ("2023年度完成", "2023年度完成", "5", None),
    ("247万", "247万", "10", "10.00"),
    ("完成节能宣传相关活动", "已完成", "5", None),
    ("通过节能宣传、节能管理、节能指标等工作实现。", "已完成", "10", None),
    ("通过每年相关工作持续推进。", "已完成", "5", None),
    ("完成", "完成", "5", None),
    ("是", "是", "5", None),
    ("1863180", "1863180", "5", "5.00"),
    ("有所提升", "有所提升", "5", None),
    ("有所改善", "有所改善", "5", None),
    (">95%", "100%", "5", "5.00"),
    ("≥13个", "26", "10", "10.00"),
    ("≥1次", "2", "10", "10.00"),
    ("防止出现规模性返贫", "拨付受援地帮扶资金聚焦巩固脱贫攻坚成果", "10", None),
    ("2023年12月底前完成", "全部完成", "10", None),
    ("2023年9月底前全部开工", "9月底前全部开工建设，年底100%已完工", "10", None),
    ("2099万元", "2099万元", "10", "10.00"),
    ("8.6万元", "4.69万元", "5", "2.72"),
    ("40万元", "29.62万元", "5", "3.70"),
    (
        "通过支持产业项目、带动就业、消费帮扶带动受援地脱贫人口稳定增收",
        (
            "2023年，为内蒙两旗引进企业11家，新增社会资本投额额3.2亿元，吸纳农村劳动力"
            "就业423人；采购和帮助销售农畜牧产品和特色手工艺产品11.2亿元"
        ),
        "10",
        None,
    ),
    (
        "2个受援地区巩固拓展脱贫攻坚成果显著，无返贫现象发生",
        "2个受援地区巩固拓展脱贫攻坚成果显著，无返贫现象发生",
        "5",
        None,
    ),
    (
        ("通过支持各受援地产业项目，增强各地产业发展动力，为有效衔接乡村振兴打下坚实基础"),
        ("围绕五大振兴，实施26个项目，不断增强受援地区造血能力，帮助农村劳动力实现就业5990人"),
        "5",
        None,
    ),
    ("1篇", "1篇", "6", "6.00"),
    ("若干篇", "10篇", "6", None),
    ("2023年", "2023年", "6", None),
    ("149.375万元", "149.375万元", "6", "6.00"),
    (
        "加快推动“十四五”规划纲要实施，加快经济社会发展，提升综合实力。",
        "“十四五”规划纲要有序实施，城市综合实力进一步提升。",
        "6",
        None,
    ),
    (
        "加快推动“十四五”规划纲要实施，推动社会事业领域项目落实。",
        "“十四五”规划纲要有序实施，城市副中心高质量发展步伐持续加快。",
        "6",
        None,
    ),
    (
        "加快推动“十四五”规划纲要实施，提升通州区生态环境水平。",
        "“十四五”规划纲要有序实施，通州区生态环境水平进一步提升。",
        "6",
        None,
    ),
    ("≥80件", "119件", "20", "20.00"),
    ("符合价格认定规定", "100%", "20", None),
    ("按价格认定协助书约定日期内完成", "100%", "20", None),
    ("23.380701万元", "100%", "10", None),
    ("公平公正", "100%", "30", None),
    ("1年内", "已完成", "25", None),
    ("3.3", "3.3", "25", "25.00"),
    ("12月底", "12月底", "10", None),
    ("3.2万元", "3.2万元", "20", "20.00"),
    ("项目总投资不低于100亿元以上的重大投资项目", "101.4亿元", "10", None),
    ("2023年12月底前完成", "2023年12月底前完成", "10", None),
    ("400", "399.9", "5", "4.99"),
    ("400", "399.95", "5", "4.99"),
    ("100", "99", "5", "4.95"),
    ("100", "99.95", "5", "4.99"),
    (
        (
            "精心筛选出的对促进经济社会发展具有战略性、基础性、先导性、全局性意义的重大"
            "投资项目谋划储备清单"
        ),
        "已完成",
        "15",
        None,
    ),
    ("重大投资项目谋划储备清单", "已完成", "25", None),
]


@pytest.mark.parametrize(("target", "actual", "weight", "expected"), SEED_PAIRS)
def test_seed_pairs(target: str, actual: str, weight: str, expected: str | None) -> None:
    suggestion = rule(target, actual, weight)
    assert suggestion == D(expected)
    if expected is not None:
        assert str(suggestion) == expected


# ---------------------------------------------------------------- two seed forms end to end


def test_seed_form_support_fund() -> None:
    """帮扶专项资金: the paper says 91.33; its own scores add up to 96.33."""
    rows = (
        row("1", target="≥13个", actual="26", score="10"),
        row("2", target="≥1次", actual="2", score="10"),
        row("3", level2="质量指标", target="防止出现规模性返贫", actual="拨付", score="10"),
        row("4", level2="时效指标", target="2023年12月底前完成", actual="全部完成", score="10"),
        row("5", level2="时效指标", target="2023年9月底前全部开工", actual="已完工", score="10"),
        row("6", level2="成本指标", target="2099万元", actual="2099万元", score="10"),
        row("7", level2="成本指标", target="8.6万元", actual="4.69万元", weight="5",
            score="2.7", deviation_reason="削减了调研人员数量"),
        row("8", level2="成本指标", target="40万元", actual="29.62万元", weight="5",
            score="3.7", deviation_reason="压缩财政资金"),
        row("9", level1="效益指标", level2="经济效益\n指标", target="通过", actual="引进",
            score="10"),
        row("10", level1="效益指标", level2="社会效益\n指标", target="显著", actual="显著",
            weight="5", score="5"),
        row("11", level1="效益指标", level2="可持续影响指标", target="通过", actual="围绕",
            weight="5", score="5"),
    )  # fmt: skip
    form = FormInput(
        budget_lines=(
            budget_line(initial="2147.6", annual="2147.6", executed="2133.57"),
            budget_line(
                BudgetLineKind.CURRENT, initial="2147.6", annual="2147.6", executed="2133.57"
            ),
        ),
        indicators=rows,
        legacy=True,
        recorded_budget_score=Decimal("9.93"),
        recorded_total_score=Decimal("91.33"),
    )
    result = score_form(form)
    assert result.execution_rate == Decimal("99.35")
    assert result.budget_score == Decimal("9.93")
    assert result.total_weight == Decimal("100")
    assert result.total_score == Decimal("96.33")
    assert result.grade == "优"
    assert [(f.code, f.key) for f in result.findings] == [
        ("nonstandard_l1_weights", ""),  # 产出 70, 效益 20
        ("recorded_total_mismatch", ""),
        ("overachievement_unexplained", "1"),
        ("target_too_easy", "1"),  # 26 against ≥13个
        ("overachievement_unexplained", "2"),
        ("target_too_easy", "2"),  # 2 against ≥1次
        ("target_not_measurable", "3"),  # 防止出现规模性返贫
        # A bare cost is an upper limit: 4.69万元 and 29.62万元 are within 8.6万元 and
        # 40万元, so the rule gives the full 5; the paper scored them in proportion.
        ("score_differs_from_rule", "7"),
        ("score_differs_from_rule", "8"),
    ]
    assert [r.suggested_score for r in result.indicators[6:8]] == [D("5.00"), D("5.00")]


def test_seed_form_major_projects() -> None:
    """通州区重大投资项目规划谋划: 999.9 of 1000 gives 9.99; its bare cost rows are upper
    limits, met by spending a little less, so the paper's full 5 is the rule's too."""
    rows = (
        row("1", target="1", actual="1", weight="5", score="5"),
        row("2", target="1", actual="1", weight="5", score="5"),
        row("3", level2="质量指标", target="项目总投资不低于100亿元以上的重大投资项目",
            actual="101.4亿元", score="10"),
        row("4", level2="时效指标", target="2023年12月底前完成", actual="2023年12月底前完成",
            score="10"),
        row("5", level2="成本指标", target="400", actual="399.9", weight="5", score="5"),
        row("6", level2="成本指标", target="400", actual="399.95", weight="5", score="5"),
        row("7", level2="成本指标", target="100", actual="99", weight="5", score="5"),
        row("8", level2="成本指标", target="100", actual="99.95", weight="5", score="5"),
        row("9", level1="效益指标", level2="社会效益指标", target="清单", actual="已完成",
            weight="15", score="15"),
        row("10", level1="效益指标", level2="可持续影响指标", target="清单", actual="已完成",
            weight="25", score="25"),
    )  # fmt: skip
    form = FormInput(
        budget_lines=(
            budget_line(initial="1000", annual="1000", executed="999.9"),
            budget_line(BudgetLineKind.CURRENT, initial="1000", annual="1000", executed="999.9"),
        ),
        indicators=rows,
        legacy=True,
        recorded_budget_score=Decimal("9.99"),
        recorded_total_score=Decimal("99.99"),
    )
    result = score_form(form)
    assert (result.execution_rate, result.budget_score) == (Decimal("99.99"), Decimal("9.99"))
    assert result.total_score == Decimal("99.99")
    suggestions = [r.suggested_score for r in result.indicators]
    assert suggestions == [
        Decimal("5.00"),
        Decimal("5.00"),
        None,
        None,
        Decimal("5.00"),
        Decimal("5.00"),
        Decimal("5.00"),
        Decimal("5.00"),
        None,
        None,
    ]
    assert [r.direction for r in result.indicators[4:8]] == ["reverse"] * 4
    assert [(f.code, f.key) for f in result.findings] == [
        ("nonstandard_l1_weights", ""),  # 产出 50, 效益 40, no 满意度
    ]


# ---------------------------------------------------------------- properties

scores = st.decimals(min_value=0, max_value=10_000, places=2)
positive = st.decimals(min_value=Decimal("0.01"), max_value=10_000, places=2)


@given(target=positive, actual=scores, weight=st.decimals(min_value=0, max_value=100, places=2))
def test_rule_score_stays_between_zero_and_weight(
    target: Decimal, actual: Decimal, weight: Decimal
) -> None:
    for text in (f"≥{target}", f"≤{target}", f"{target}"):
        parsed_target, parsed_actual = parse_target(text), parse_actual(f"{actual}")
        assert parsed_target is not None and parsed_actual is not None
        score = rule_score(parsed_target, parsed_actual, weight)
        assert Decimal(0) <= score <= weight
        assert score == score.quantize(Decimal("0.01"))


@given(target=positive, low=scores, high=scores)
def test_rule_score_is_monotonic(target: Decimal, low: Decimal, high: Decimal) -> None:
    low, high = min(low, high), max(low, high)
    weight = Decimal("10")
    assert rule(f"≥{target}", f"{low}") <= rule(f"≥{target}", f"{high}")  # type: ignore[operator]
    assert rule(f"≤{target}", f"{low}") >= rule(f"≤{target}", f"{high}")  # type: ignore[operator]
    assert weight >= rule(f"≥{target}", f"{high}")  # type: ignore[operator]


@given(target=st.text(max_size=30), actual=st.text(max_size=30))
def test_scoring_never_raises_on_any_text(target: str, actual: str) -> None:
    suggest_indicator_score(target=target, actual=actual, weight=Decimal("10"))
    score_form(clean_form(indicators=(row(target=target, actual=actual),)))
