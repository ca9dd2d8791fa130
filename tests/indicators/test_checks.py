"""indicators.checks: every code (docs/rules.md「Checks」), its severity, key and Chinese message."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from indicators.checks import (
    CODE_LABELS,
    SEVERITIES,
    Code,
    code_label,
    fmt,
    fmt2,
    is_blank_reason,
    row_label,
)
from indicators.scoring import (
    BudgetLineKind,
    FormInput,
    IndicatorInput,
    Severity,
    Tier,
    score_form,
    score_indicator,
)
from tests.indicators.factories import budget_line, clean_form, clean_rows, row

# docs/rules.md「Checks」, copied by hand: a code added to checks.py without a row here fails.
DESIGN_CODES = {
    "weights_not_100": "error",
    "score_exceeds_weight": "error",
    "weight_missing": "error",
    "missing_deviation_reason": "error",
    "qualitative_score_out_of_band": "error",
    "score_differs_from_rule": "error",
    "budget_missing": "error",
    "budget_rows_inconsistent": "warning",
    "executed_exceeds_budget": "warning",
    "overachievement_unexplained": "warning",
    "nonstandard_l1_weights": "warning",
    "value_unparsed": "warning",
    "amount_unit_converted": "warning",
    "recorded_budget_score_mismatch": "warning",
    "recorded_total_mismatch": "warning",
    "target_not_measurable": "hint",
    "actual_restates_target": "hint",
    "actual_unit_mismatch": "hint",
    "all_full_marks": "hint",
    "full_marks_despite_underexecution": "hint",
    "completion_outpaces_execution": "hint",
    "cost_above_target": "hint",
    "target_too_easy": "hint",
}

DEFAULT_SPLIT = "（默认：预算执行率 10、产出指标 50、效益指标 30、满意度指标 10）"


def with_row(index: int, **changes: object) -> tuple[IndicatorInput, ...]:
    """clean_rows() with one row changed (index is 1-based, like the messages)."""
    rows = list(clean_rows())
    rows[index - 1] = replace(rows[index - 1], **changes)
    return tuple(rows)


@dataclass(frozen=True)
class Case:
    code: str
    form: FormInput
    key: str
    message: str
    also: frozenset[str] = frozenset()  # other codes the same form raises, by design


CASES = [
    Case(
        "weights_not_100",
        clean_form(indicators=(*clean_rows(), row("r5", weight="10", score="10"))),
        "",
        "各项分值合计为 110，应为 100",
        also=frozenset({"nonstandard_l1_weights"}),
    ),
    Case(
        "weights_not_100",
        clean_form(indicators=clean_rows()[:3]),
        "",
        "各项分值合计为 90，应为 100",
        also=frozenset({"nonstandard_l1_weights"}),
    ),
    Case(
        "score_exceeds_weight",
        clean_form(indicators=with_row(2, tier=None, score=Decimal("26"))),
        "r2",
        "第2行「产出指标/质量指标/指标」：得分 26 超过分值 25",
    ),
    Case(
        "weight_missing",
        clean_form(indicators=(*clean_rows(), row("r5", name="新指标", weight=None))),
        "r5",
        "第5行「产出指标/数量指标/新指标」：未填写分值；请填写分值，或删除这一行",
    ),
    Case(
        "score_exceeds_weight",
        clean_form(indicators=with_row(3, review_score=Decimal("31"))),
        "r3",
        "第3行「效益指标/社会效益指标/指标」：审核得分 31 超过分值 30",
    ),
    Case(
        "missing_deviation_reason",
        clean_form(indicators=with_row(3, deviation_reason="")),
        "r3",
        "第3行「效益指标/社会效益指标/指标」：得分 27 低于分值 30，请填写偏差原因分析及改进措施",
    ),
    Case(
        "missing_deviation_reason",
        clean_form(indicators=with_row(3, deviation_reason=" 无。")),
        "r3",
        "第3行「效益指标/社会效益指标/指标」：得分 27 低于分值 30，请填写偏差原因分析及改进措施",
    ),
    Case(
        "missing_deviation_reason",
        clean_form(indicators=with_row(1, actual="8个")),
        "r1",
        "第1行「产出指标/数量指标/指标」：按规则计算的得分 20 低于分值 25，"
        "请填写偏差原因分析及改进措施",
    ),
    Case(
        "missing_deviation_reason",
        clean_form(indicators=with_row(2, score=None)),
        "r2",
        "第2行「产出指标/质量指标/指标」：得分未填（按 0 计），低于分值 25，"
        "请填写偏差原因分析及改进措施",
    ),
    Case(
        # the filler's own 得分 is what needs a reason, whatever the reviewer scored
        "missing_deviation_reason",
        clean_form(
            indicators=with_row(
                3, deviation_reason="", review_score=Decimal("30"), review_comment="同意"
            )
        ),
        "r3",
        "第3行「效益指标/社会效益指标/指标」：得分 27 低于分值 30，请填写偏差原因分析及改进措施",
        also=frozenset({"all_full_marks"}),  # the review gives every row full marks
    ),
    Case(
        "qualitative_score_out_of_band",
        clean_form(indicators=with_row(2, score=Decimal("19"), deviation_reason="部分未完成")),
        "r2",
        "第2行「产出指标/质量指标/指标」：得分 19 不在所选档次「达成年度指标」的范围内，"
        "应在 20.00–25.00 之间",
    ),
    Case(
        "qualitative_score_out_of_band",
        clean_form(
            indicators=with_row(3, tier=Tier.PARTIAL, score=Decimal("25"), deviation_reason="略")
        ),
        "r3",
        "第3行「效益指标/社会效益指标/指标」：得分 25 不在所选档次「部分达成并具有一定效果」"
        "的范围内，应在 18.00–24.00 之间",
    ),
    Case(
        "score_differs_from_rule",
        clean_form(indicators=with_row(1, score=Decimal("24"), deviation_reason="略")),
        "r1",
        "第1行「产出指标/数量指标/指标」：得分 24 与按规则计算的得分 25 不一致，且未说明调整理由",
    ),
    Case(
        "score_differs_from_rule",  # legacy forms keep the written score and get the finding
        clean_form(
            indicators=with_row(1, score=Decimal("24.5"), deviation_reason="略"), legacy=True
        ),
        "r1",
        "第1行「产出指标/数量指标/指标」：得分 24.5 与按规则计算的得分 25 不一致，且未说明调整理由",
    ),
    Case(
        "budget_missing",
        clean_form(budget_lines=()),
        "budget",
        "项目资金「年度资金总额」未填写全年预算数，无法计算预算执行率",
    ),
    Case(
        "budget_missing",
        clean_form(budget_lines=(budget_line(initial="10", annual="0", executed="0"),)),
        "budget",
        "项目资金「年度资金总额」未填写全年预算数，无法计算预算执行率",
    ),
    Case(
        "budget_rows_inconsistent",
        clean_form(
            budget_lines=(
                budget_line(initial="100", annual="100", executed="100"),
                budget_line(BudgetLineKind.CURRENT, initial="60", annual="100", executed="100"),
                budget_line(BudgetLineKind.CARRYOVER, initial="30"),
            )
        ),
        "budget",
        "项目资金「年初预算数」：年度资金总额 100 与分项合计 90 不一致"
        "（当年财政拨款 60、上年结转资金 30）",
    ),
    Case(
        "budget_rows_inconsistent",
        clean_form(
            budget_lines=(
                budget_line(annual="100", executed="100"),
                budget_line(BudgetLineKind.OTHER, initial="5"),
            )
        ),
        "budget",
        "项目资金「年初预算数」：年度资金总额 未填 与分项合计 5 不一致（其他资金 5）",
    ),
    Case(
        "executed_exceeds_budget",
        clean_form(budget_lines=(budget_line(annual="100", executed="100.5"),)),
        "budget",
        "项目资金「年度资金总额」：全年执行数 100.5 超过全年预算数 100",
    ),
    Case(
        "overachievement_unexplained",
        clean_form(indicators=with_row(1, actual="13个")),
        "r1",
        "第1行「产出指标/数量指标/指标」：实际完成值「13个」为年度指标值「≥10个」的 130%，"
        "达到 130% 及以上，请在偏差原因中说明超额完成的原因",
    ),
    Case(
        "nonstandard_l1_weights",
        clean_form(
            indicators=(
                *with_row(1, weight=Decimal("30"))[:2],
                replace(clean_rows()[2], weight=Decimal("25"), score=Decimal("22")),
                clean_rows()[3],
            )
        ),
        "",
        "分值结构与默认不同：预算执行率 10、产出指标 55、效益指标 25、满意度指标 10"
        + DEFAULT_SPLIT,
    ),
    Case(
        "nonstandard_l1_weights",
        clean_form(
            budget_weight=Decimal("20"),
            indicators=with_row(3, weight=Decimal("20"), score=Decimal("18")),
        ),
        "",
        "分值结构与默认不同：预算执行率 20、产出指标 50、效益指标 20、满意度指标 10"
        + DEFAULT_SPLIT,
    ),
    Case(
        "nonstandard_l1_weights",  # the 2021 variant: 成本指标 as a 一级 of its own
        clean_form(
            indicators=(
                *with_row(1, weight=Decimal("15"))[:2],
                row(
                    "c",
                    level1="成本指标",
                    level2="经济成本指标",
                    weight="10",
                    score="10",
                    target="达标",
                    actual="达标",
                ),
                *clean_rows()[2:],
            )
        ),
        "",
        "分值结构与默认不同：预算执行率 10、产出指标 40、成本指标 10、效益指标 30、满意度指标 10"
        + DEFAULT_SPLIT,
    ),
    Case(
        "value_unparsed",
        clean_form(indicators=with_row(2, target="5个工作日内完成", actual="按期完成")),
        "r2",
        "第2行「产出指标/质量指标/指标」：年度指标值「5个工作日内完成」看似数值但无法解析，"
        "按定性指标处理",
    ),
    Case(
        "value_unparsed",
        clean_form(indicators=with_row(2, target="≥30", actual="100%")),
        "r2",
        "第2行「产出指标/质量指标/指标」：年度指标值「≥30」与实际完成值「100%」的单位不一致，"
        "无法比较，按定性指标处理",
        also=frozenset({"actual_unit_mismatch"}),
    ),
    Case(
        "value_unparsed",
        clean_form(indicators=with_row(2, target="5个工作日", actual="完成")),
        "r2",
        "第2行「产出指标/质量指标/指标」：年度指标值「5个工作日」可按规则计分，"
        "但实际完成值「完成」无法解析为数值，按定性指标处理",
        also=frozenset({"actual_restates_target"}),
    ),
    Case(
        "value_unparsed",
        clean_form(indicators=with_row(2, target="≥30", actual=" ")),
        "r2",
        "第2行「产出指标/质量指标/指标」：年度指标值「≥30」可按规则计分，"
        "但实际完成值未填写，按定性指标处理",
    ),
    Case(
        "amount_unit_converted",
        clean_form(amount_unit_converted=True),
        "",
        "项目资金原以元填写，导入时已换算为万元，请核对金额",
    ),
    Case(
        "recorded_budget_score_mismatch",
        clean_form(
            legacy=True,
            budget_lines=(budget_line(annual="200", executed="199.9"),),
            recorded_budget_score=Decimal("10"),
        ),
        "budget",
        "表上填写的预算执行得分 10 与计算得出的得分 9.99 不一致",
    ),
    Case(
        "recorded_total_mismatch",
        clean_form(legacy=True, recorded_total_score=Decimal("100")),
        "",
        "表上填写的总分 100 与计算得出的总分 97 不一致",
    ),
    Case(
        "target_not_measurable",
        clean_form(indicators=with_row(1, target="合法合规", actual="完成", score=Decimal("25"))),
        "r1",
        "第1行「产出指标/数量指标/指标」：数量指标的年度指标值「合法合规」没有数值或可衡量的标准，"
        "无法据以判断完成程度；建议写成数量、比率或期限（如「≥30件」「100%」「≤5个工作日」）",
    ),
    Case(
        "actual_restates_target",
        clean_form(indicators=with_row(1, actual="已完成。", score=Decimal("25"))),
        "r1",
        "第1行「产出指标/数量指标/指标」：年度指标值为数值「≥10个」，实际完成值「已完成。」"
        "只说明已完成，未写出实际完成的数",
        also=frozenset({"value_unparsed"}),
    ),
    Case(
        "actual_restates_target",
        clean_form(indicators=with_row(1, actual="≥ 10个", score=Decimal("25"))),
        "r1",
        "第1行「产出指标/数量指标/指标」：实际完成值「≥ 10个」照抄了年度指标值，未写出实际完成的数",
        also=frozenset({"value_unparsed"}),
    ),
    Case(
        "actual_unit_mismatch",
        clean_form(indicators=with_row(1, target="100000元", actual="100%", score=Decimal("25"))),
        "r1",
        "第1行「产出指标/数量指标/指标」：年度指标值「100000元」是金额，"
        "实际完成值「100%」是百分比，计量的不是同一事物，无法核对得分 25（分值 25）是否应得",
        also=frozenset({"value_unparsed"}),
    ),
    Case(
        "actual_unit_mismatch",
        clean_form(indicators=with_row(1, target="≥30", actual="100%", score=Decimal("25"))),
        "r1",
        "第1行「产出指标/数量指标/指标」：年度指标值「≥30」是不带单位的数，"
        "实际完成值「100%」是百分比，计量的不是同一事物，无法核对得分 25（分值 25）是否应得",
        also=frozenset({"value_unparsed"}),
    ),
    Case(
        "all_full_marks",
        clean_form(indicators=with_row(3, score=Decimal("30"))),
        "",
        "全部 4 个三级指标均为满分，总分 100：请核对每项实际完成值是否确实达到年度指标值",
    ),
    Case(
        "full_marks_despite_underexecution",
        clean_form(budget_lines=(budget_line(annual="100", executed="85"),)),
        "",
        "产出指标 2 行均为满分，但预算执行率为 85%，低于 90%："
        "请核对资金未执行完时产出是否确已全部完成",
    ),
    Case(
        "completion_outpaces_execution",
        clean_form(budget_lines=(budget_line(annual="100", executed="92"),)),
        "",
        "产出指标 2 行的平均完成度（得分占分值的比例）为 100%，预算执行率为 92%，"
        "高出 8 个百分点，超过 5 个百分点：请核对产出与资金使用是否相符",
    ),
    Case(
        "completion_outpaces_execution",
        clean_form(
            budget_lines=(budget_line(annual="100", executed="80"),),
            indicators=with_row(2, score=Decimal("20"), deviation_reason="返工一次"),
        ),
        "",
        "产出指标 2 行的平均完成度（得分占分值的比例）为 90%，预算执行率为 80%，"
        "高出 10 个百分点，超过 5 个百分点：请核对产出与资金使用是否相符",
    ),
    Case(
        "cost_above_target",
        clean_form(
            indicators=with_row(2, level2="成本指标", target="200万元", actual="210万元", tier=None)
        ),
        "r2",
        "第2行「产出指标/成本指标/指标」：实际完成值「210万元」高于年度指标值「200万元」"
        "（为其 105%），得分却为满分 25：请核对成本是否超支",
        # A bare cost is an upper limit: 210 of 200 is over it, so the rule gives less.
        also=frozenset({"score_differs_from_rule"}),
    ),
    Case(
        "target_too_easy",
        clean_form(indicators=with_row(1, actual="20个", deviation_reason="需求增加")),
        "r1",
        "第1行「产出指标/数量指标/指标」：实际完成值「20个」为年度指标值「≥10个」的 200%，"
        "达到 2 倍及以上，年度指标值可能定得偏低；设定下一年度指标时请参考实际完成情况",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.code)
def test_check(case: Case) -> None:
    findings = score_form(case.form).findings
    matching = [f for f in findings if f.code == case.code]
    assert [(f.key, f.message) for f in matching] == [(case.key, case.message)]
    assert matching[0].severity == DESIGN_CODES[case.code]
    assert {f.code for f in findings} == {case.code} | case.also


def test_every_code_has_a_case() -> None:
    assert {case.code for case in CASES} == set(DESIGN_CODES) == {str(code) for code in Code}


def test_severities_match_design() -> None:
    assert {str(code): str(severity) for code, severity in SEVERITIES.items()} == DESIGN_CODES


def test_clean_form_has_no_finding() -> None:
    assert score_form(clean_form()).findings == ()


# ---------------------------------------------------------------- the quiet side of each check


@pytest.mark.parametrize(
    "form",
    [
        # a reason, any real one, explains a score below the weight
        pytest.param(clean_form(indicators=with_row(3, deviation_reason="疫情影响")), id="reason"),
        # band edges are inclusive
        pytest.param(clean_form(indicators=with_row(2, score=Decimal("25"))), id="band-high"),
        pytest.param(
            clean_form(indicators=with_row(2, score=Decimal("20"), deviation_reason="略")),
            id="band-low",
        ),
        # an override reason lets the filler's score differ from the rule
        pytest.param(
            clean_form(
                indicators=with_row(
                    1, score=Decimal("24"), override_reason="含未验收部分", deviation_reason="略"
                )
            ),
            id="override",
        ),
        # equal in value, written differently
        pytest.param(clean_form(indicators=with_row(1, score=Decimal("25.00"))), id="25.00"),
        # an explained over-achievement
        pytest.param(
            clean_form(indicators=with_row(1, actual="15个", deviation_reason="需求增加")),
            id="overachievement-explained",
        ),
        # not legacy: written scores are not compared
        pytest.param(
            clean_form(recorded_total_score=Decimal("1"), recorded_budget_score=Decimal("1")),
            id="not-legacy",
        ),
        # legacy and right
        pytest.param(
            clean_form(
                legacy=True,
                recorded_total_score=Decimal("97.00"),
                recorded_budget_score=Decimal("10"),
            ),
            id="legacy-right",
        ),
        # sub-lines blank, or adding up, or zero under a blank total (seed: "-")
        pytest.param(
            clean_form(
                budget_lines=(
                    budget_line(initial="100", annual="100", executed="100"),
                    budget_line(BudgetLineKind.CURRENT),
                )
            ),
            id="sub-lines-blank",
        ),
        pytest.param(
            clean_form(
                budget_lines=(
                    budget_line(initial=None, annual="100", executed="100"),
                    budget_line(BudgetLineKind.CURRENT, annual="70", executed="70"),
                    budget_line(BudgetLineKind.CARRYOVER, initial="0", annual="30", executed="30"),
                    budget_line(BudgetLineKind.OTHER, initial="0"),
                )
            ),
            id="sub-lines-add-up",
        ),
        # executed exactly the budget
        pytest.param(clean_form(budget_lines=(budget_line(annual="1", executed="1"),)), id="1-1"),
        # a numeric-looking prose target and dates do not warn
        pytest.param(
            clean_form(indicators=with_row(2, target="2023年12月底前完成", actual="完成")),
            id="date",
        ),
        # level 1 names broken over lines in Word still match the default split
        pytest.param(clean_form(indicators=with_row(4, level1="满意度\n指标")), id="line-break"),
    ],
)
def test_no_finding(form: FormInput) -> None:
    assert score_form(form).findings == ()


def test_reverse_target_is_never_overachieved() -> None:
    form = clean_form(indicators=with_row(1, target="≤10个", actual="1个"))
    assert score_form(form).findings == ()


def test_review_score_does_not_bypass_the_filler_checks() -> None:
    # The tier and the rule bind the filler's 得分 even when a reviewer has set 审核得分.
    form = clean_form(
        indicators=with_row(
            1, score=Decimal("24"), review_score=Decimal("25"), deviation_reason="略"
        )
    )
    assert [f.code for f in score_form(form).findings] == ["score_differs_from_rule"]


def test_review_score_below_weight_needs_no_deviation_reason() -> None:
    # The reviewer explains a lower 审核得分 in 审核意见 (required with it); the filler's
    # full 得分 needs no 偏差原因, so an approved form with such a row raises nothing.
    form = clean_form(
        indicators=with_row(4, review_score=Decimal("8"), review_comment="满意度调查样本不足")
    )
    result = score_form(form)
    assert result.findings == ()
    assert result.indicators[3].counted_score == Decimal("8")


def test_both_scores_above_weight_give_two_findings() -> None:
    form = clean_form(
        indicators=with_row(2, tier=None, score=Decimal("26"), review_score=Decimal("27"))
    )
    messages = [f.message for f in score_form(form).findings]
    assert messages == [
        "第2行「产出指标/质量指标/指标」：得分 26 超过分值 25",
        "第2行「产出指标/质量指标/指标」：审核得分 27 超过分值 25",
    ]


@pytest.mark.parametrize("name", ["指标2：", "好"])  # the paper's empty row too
def test_a_row_without_weight_is_one_error_whatever_its_scores(name: str) -> None:
    # 得分/审核得分 are unbounded without 分值 (a 审核得分 of 100000 counted in full):
    # the row is refused for its missing 分值, and once, not also for each score.
    placeholder = row("p", name=name, weight=None, score="1", review_score="100000")
    findings = score_form(clean_form(indicators=(*clean_rows(), placeholder))).findings
    assert [(f.code, f.severity, f.key) for f in findings] == [("weight_missing", "error", "p")]
    assert findings[0].message.startswith("第5行")


def test_findings_in_form_order_and_on_their_rows() -> None:
    rows = (
        row("a", target="≥10", actual="5", weight="60"),  # missing reason
        row("b", level1="效益指标", target="好", actual="好", weight="30", score="31"),
        row("c", level1="满意度指标", target="好", actual="好", weight="10", score="10"),
    )
    form = FormInput(
        budget_lines=(budget_line(annual="10", executed="11"),),
        indicators=rows,
        amount_unit_converted=True,
        legacy=True,
        recorded_total_score=Decimal("1"),
        recorded_budget_score=Decimal("9"),
    )
    result = score_form(form)
    assert [(f.code, f.key) for f in result.findings] == [
        ("weights_not_100", ""),
        ("nonstandard_l1_weights", ""),
        ("amount_unit_converted", ""),
        ("recorded_total_mismatch", ""),
        ("executed_exceeds_budget", "budget"),
        ("recorded_budget_score_mismatch", "budget"),
        ("missing_deviation_reason", "a"),
        ("score_exceeds_weight", "b"),
    ]
    assert [[f.code for f in r.findings] for r in result.indicators] == [
        ["missing_deviation_reason"],
        ["score_exceeds_weight"],
        [],
    ]
    assert {f.code for f in result.errors} == {
        "weights_not_100",
        "missing_deviation_reason",
        "score_exceeds_weight",
    }
    assert all(f.severity == Severity.WARNING for f in result.warnings)
    assert result.findings[0].as_dict() == {
        "code": "weights_not_100",
        "severity": "error",
        "message": "各项分值合计为 110，应为 100",
    }


def test_finding_codes_are_plain_strings() -> None:
    finding = score_form(clean_form(budget_lines=())).findings[0]
    assert type(finding.code) is str


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("10.00"), "10"),
        (Decimal("10"), "10"),
        (Decimal("2.70"), "2.7"),
        (Decimal("9.99"), "9.99"),
        (Decimal("100000"), "100000"),
        (Decimal("1E+5"), "100000"),
        (Decimal("1E+8"), "100000000"),
        (Decimal("0.00"), "0"),
        (Decimal("-0"), "0"),
        (Decimal("0.0000001"), "0.0000001"),
        (Decimal("23.380701"), "23.380701"),
        (Decimal("-1.50"), "-1.5"),
        (None, "未填"),
    ],
)
def test_fmt(value: Decimal | None, text: str) -> None:
    assert fmt(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("8"), "8.00"), (Decimal("5.6"), "5.60"), (Decimal("1E+1"), "10.00")],
)
def test_fmt2(value: Decimal, text: str) -> None:
    assert fmt2(value) == text


@pytest.mark.parametrize(
    ("text", "blank"),
    [
        ("", True),
        ("  \n ", True),
        ("无", True),
        ("无。", True),
        (" 无 ", True),
        ("暂无", True),
        ("无偏差", True),
        ("/", True),
        ("／", True),
        ("\\", True),
        ("-", True),
        ("--", True),
        ("—", True),
        ("——", True),
        ("－", True),
        ("……", True),
        ("N/A", True),
        ("none", True),
        ("无明显偏差，但预算批复资金减少", False),
        ("预算批复资金减少", False),
        ("削减了调研人员数量", False),
        ("无返贫现象", False),
    ],
)
def test_is_blank_reason(text: str, blank: bool) -> None:
    assert is_blank_reason(text) is blank


def test_row_label_joins_tiers_and_cuts_long_names() -> None:
    long_name = (
        "指标1：城市副中心拓展区751平方公里范围的基础设施、城市更新、公共服务、产业、"
        "与北三县协同发展"
    )
    result = score_indicator(
        row(level1="满意度\n\n指标", level2="", name=long_name, position=12), row_number=12
    )
    label = row_label(result)
    assert label.startswith("第12行「满意度指标/指标1：城市副中心拓展区751")
    assert label.endswith("…」")
    assert len(label) < 60


def test_row_label_of_a_nameless_row() -> None:
    result = score_indicator(row(level1="", level2="", name=""), row_number=3)
    assert row_label(result) == "第3行「未命名指标」"


@pytest.mark.parametrize("code", list(Code))
def test_every_code_has_a_label_people_read(code):
    # A code without a label would be a KeyError in every export naming it.
    assert CODE_LABELS[code] and code_label(code.value) == CODE_LABELS[code]
