"""The checks (docs/rules.md「Checks」): findings with a stable code, a severity and a Chinese message.

``score_form`` computes the numbers and then calls ``attach_findings``; the checks only
read the computed ``FormResult``, so what they report is exactly what pages and exports
show. Errors block submission; warnings are shown and exported; hints (审核提示) are
questions for the reviewer, shown and exported beside the warnings and never blocking.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from indicators.parsing import Direction, ParsedValue, looks_numeric, parse_target
from indicators.scoring import (
    BUDGET_LINE_LABELS,
    CENT,
    HUNDRED,
    TIER_LABELS,
    ZERO,
    BudgetLineInput,
    BudgetLineKind,
    DirectionChoice,
    Finding,
    FormInput,
    FormResult,
    IndicatorResult,
    ScoringRules,
    Severity,
    budget_total_line,
    level1_key,
)


class Code(StrEnum):
    WEIGHTS_NOT_100 = "weights_not_100"
    SCORE_EXCEEDS_WEIGHT = "score_exceeds_weight"
    WEIGHT_MISSING = "weight_missing"
    MISSING_DEVIATION_REASON = "missing_deviation_reason"
    QUALITATIVE_SCORE_OUT_OF_BAND = "qualitative_score_out_of_band"
    SCORE_DIFFERS_FROM_RULE = "score_differs_from_rule"
    BUDGET_MISSING = "budget_missing"
    BUDGET_ROWS_INCONSISTENT = "budget_rows_inconsistent"
    EXECUTED_EXCEEDS_BUDGET = "executed_exceeds_budget"
    OVERACHIEVEMENT_UNEXPLAINED = "overachievement_unexplained"
    NONSTANDARD_L1_WEIGHTS = "nonstandard_l1_weights"
    VALUE_UNPARSED = "value_unparsed"
    AMOUNT_UNIT_CONVERTED = "amount_unit_converted"
    RECORDED_BUDGET_SCORE_MISMATCH = "recorded_budget_score_mismatch"
    RECORDED_TOTAL_MISMATCH = "recorded_total_mismatch"
    TARGET_NOT_MEASURABLE = "target_not_measurable"
    ACTUAL_RESTATES_TARGET = "actual_restates_target"
    ACTUAL_UNIT_MISMATCH = "actual_unit_mismatch"
    ALL_FULL_MARKS = "all_full_marks"
    FULL_MARKS_DESPITE_UNDEREXECUTION = "full_marks_despite_underexecution"
    COMPLETION_OUTPACES_EXECUTION = "completion_outpaces_execution"
    COST_ABOVE_TARGET = "cost_above_target"
    TARGET_TOO_EASY = "target_too_easy"


# The severity of each code, as docs/rules.md「Checks」 lists them (tests/test_docs.py).
SEVERITIES: dict[Code, Severity] = {
    Code.WEIGHTS_NOT_100: Severity.ERROR,
    Code.SCORE_EXCEEDS_WEIGHT: Severity.ERROR,
    Code.WEIGHT_MISSING: Severity.ERROR,
    Code.MISSING_DEVIATION_REASON: Severity.ERROR,
    Code.QUALITATIVE_SCORE_OUT_OF_BAND: Severity.ERROR,
    Code.SCORE_DIFFERS_FROM_RULE: Severity.ERROR,
    Code.BUDGET_MISSING: Severity.ERROR,
    Code.BUDGET_ROWS_INCONSISTENT: Severity.WARNING,
    Code.EXECUTED_EXCEEDS_BUDGET: Severity.WARNING,
    Code.OVERACHIEVEMENT_UNEXPLAINED: Severity.WARNING,
    Code.NONSTANDARD_L1_WEIGHTS: Severity.WARNING,
    Code.VALUE_UNPARSED: Severity.WARNING,
    Code.AMOUNT_UNIT_CONVERTED: Severity.WARNING,
    Code.RECORDED_BUDGET_SCORE_MISMATCH: Severity.WARNING,
    Code.RECORDED_TOTAL_MISMATCH: Severity.WARNING,
    Code.TARGET_NOT_MEASURABLE: Severity.HINT,
    Code.ACTUAL_RESTATES_TARGET: Severity.HINT,
    Code.ACTUAL_UNIT_MISMATCH: Severity.HINT,
    Code.ALL_FULL_MARKS: Severity.HINT,
    Code.FULL_MARKS_DESPITE_UNDEREXECUTION: Severity.HINT,
    Code.COMPLETION_OUTPACES_EXECUTION: Severity.HINT,
    Code.COST_ABOVE_TARGET: Severity.HINT,
    Code.TARGET_TOO_EASY: Severity.HINT,
}

# What people see of a code (the Excel 检查结果 sheet, the import command); the codes
# themselves are for programs (data-code attributes, JSON) and are never shown.
CODE_LABELS: dict[Code, str] = {
    Code.WEIGHTS_NOT_100: "分值合计不是100",
    Code.SCORE_EXCEEDS_WEIGHT: "得分超过分值",
    Code.WEIGHT_MISSING: "未填写分值",
    Code.MISSING_DEVIATION_REASON: "缺少偏差原因",
    Code.QUALITATIVE_SCORE_OUT_OF_BAND: "得分不在所选档次内",
    Code.SCORE_DIFFERS_FROM_RULE: "得分与计分规则不符",
    Code.BUDGET_MISSING: "缺少预算资金",
    Code.BUDGET_ROWS_INCONSISTENT: "资金合计与各项不符",
    Code.EXECUTED_EXCEEDS_BUDGET: "执行数超过预算数",
    Code.OVERACHIEVEMENT_UNEXPLAINED: "超额完成未说明原因",
    Code.NONSTANDARD_L1_WEIGHTS: "一级指标分值不是标准分值",
    Code.VALUE_UNPARSED: "数值无法识别",
    Code.AMOUNT_UNIT_CONVERTED: "金额单位已换算",
    Code.RECORDED_BUDGET_SCORE_MISMATCH: "原表预算执行率得分不符",
    Code.RECORDED_TOTAL_MISMATCH: "原表总分不符",
    Code.TARGET_NOT_MEASURABLE: "年度指标值不可衡量",
    Code.ACTUAL_RESTATES_TARGET: "实际完成值未填实际数",
    Code.ACTUAL_UNIT_MISMATCH: "实际完成值与指标计量不同",
    Code.ALL_FULL_MARKS: "全部指标满分",
    Code.FULL_MARKS_DESPITE_UNDEREXECUTION: "预算执行率偏低而产出满分",
    Code.COMPLETION_OUTPACES_EXECUTION: "产出完成度高于预算执行率",
    Code.COST_ABOVE_TARGET: "成本超出指标仍得满分",
    Code.TARGET_TOO_EASY: "年度指标值可能偏低",
}


# What people see of a severity (the print sheet, the Excel 检查结果 sheet, the import
# preview and command); ``Finding.severity`` is a ``Severity``, or its value read back.
SEVERITY_LABELS: dict[Severity, str] = {
    Severity.ERROR: "错误",
    Severity.WARNING: "警告",
    Severity.HINT: "提示",
}


def code_label(code: str) -> str:
    """The Chinese label of a finding's code ("其他检查" for a code this version lacks)."""
    try:
        return CODE_LABELS[Code(code)]
    except ValueError:
        return "其他检查"


BUDGET_KEY = "budget"
FORM_KEY = ""

# Texts that people type into 偏差原因 / 调整理由 to fill the cell without saying anything.
# Compared after removing whitespace and trailing punctuation, case-insensitively.
_PLACEHOLDER_REASONS = frozenset(
    {"无", "暂无", "没有", "无偏差", "无偏差原因", "不适用", "n/a", "na", "none", "null"}
)
_TRAILING_PUNCTUATION = "。.，,；;：:！!"
# Cells made only of dashes, slashes and dots ("/", "-", "—", "——", "……") are empty too.
_ONLY_MARKS_RE = re.compile(r"[\-‐-―－/／\\、.。…·]*")

_LABEL_PART_LIMIT = 40  # long 三级 names are cut in messages; the row number stays exact


def fmt(value: Decimal | None) -> str:
    """A Decimal for a message, without trailing zeros or exponent: 10.00 → "10", 2.70 → "2.7".

    1E+5 becomes "100000" (never scientific notation); None becomes "未填".
    """
    if value is None:
        return "未填"
    if not value.is_finite():
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def fmt2(value: Decimal) -> str:
    """A Decimal with exactly two decimals ("8.00"), for score bands."""
    return format(value.quantize(CENT), "f")


def is_blank_reason(text: str) -> bool:
    """Whether a 偏差原因 / override reason says nothing.

    Empty, whitespace, "无", "无。", "暂无", "无偏差", "/", "-", "—", "——", "……" and the
    like count as empty: the paper forms used them to fill a cell, not to explain.
    """
    compact = "".join((text or "").split()).rstrip(_TRAILING_PUNCTUATION).casefold()
    return compact in _PLACEHOLDER_REASONS or _ONLY_MARKS_RE.fullmatch(compact) is not None


def row_label(row: IndicatorResult) -> str:
    """How messages name a 三级 row: "第3行「产出指标/数量指标/合同审核」"."""
    parts = (row.input.level1, row.input.level2, row.input.name)
    cleaned = [_compact_label(part) for part in parts]
    path = "/".join(part for part in cleaned if part) or "未命名指标"
    return f"第{row.row_number}行「{path}」"


def attach_findings(form: FormInput, result: FormResult, rules: ScoringRules) -> FormResult:
    """Return ``result`` with every finding: whole-form first, then budget, then rows in order."""
    rows = tuple(
        replace(row, findings=tuple(indicator_findings(row, rules))) for row in result.indicators
    )
    findings = (
        *form_findings(form, result, rules),
        *form_hints(result, rules),
        *budget_findings(form, result),
        *(finding for row in rows for finding in row.findings),
    )
    return replace(result, indicators=rows, findings=findings)


def form_findings(form: FormInput, result: FormResult, rules: ScoringRules) -> list[Finding]:
    """Findings about the whole form: weights, the 一级 split, import notes, the written total."""
    findings: list[Finding] = []
    if result.total_weight != rules.total_weight:
        findings.append(
            _finding(
                Code.WEIGHTS_NOT_100,
                f"各项分值合计为 {fmt(result.total_weight)}，应为 {fmt(rules.total_weight)}",
            )
        )
    if not _is_default_split(result, rules):
        actual = "、".join(
            [f"预算执行率 {fmt(result.budget_weight)}"]
            + [
                f"{_compact_label(total.level1) or '未填一级指标'} {fmt(total.weight)}"
                for total in result.level1_totals
            ]
        )
        default = "、".join(
            [f"预算执行率 {fmt(rules.budget_weight)}"]
            + [f"{name} {fmt(weight)}" for name, weight in rules.default_level1_weights]
        )
        findings.append(
            _finding(
                Code.NONSTANDARD_L1_WEIGHTS,
                f"分值结构与默认不同：{actual}（默认：{default}）",
            )
        )
    if form.amount_unit_converted:
        findings.append(
            _finding(
                Code.AMOUNT_UNIT_CONVERTED,
                "项目资金原以元填写，导入时已换算为万元，请核对金额",
            )
        )
    if (
        form.legacy
        and form.recorded_total_score is not None
        and form.recorded_total_score != result.total_score
    ):
        findings.append(
            _finding(
                Code.RECORDED_TOTAL_MISMATCH,
                f"表上填写的总分 {fmt(form.recorded_total_score)} "
                f"与计算得出的总分 {fmt(result.total_score)} 不一致",
            )
        )
    return findings


def budget_findings(form: FormInput, result: FormResult) -> list[Finding]:
    """Findings about 项目资金: missing budget, sub-lines, over-execution, the written score."""
    findings: list[Finding] = []
    total = budget_total_line(form.budget_lines)
    total_label = BUDGET_LINE_LABELS[BudgetLineKind.TOTAL]
    if total is None or not total.annual_budget:
        findings.append(
            _finding(
                Code.BUDGET_MISSING,
                f"项目资金「{total_label}」未填写全年预算数，无法计算预算执行率",
                key=BUDGET_KEY,
            )
        )
    findings.extend(_budget_rows_inconsistent(form.budget_lines, total))
    if (
        total is not None
        and total.annual_budget is not None
        and total.executed is not None
        and total.executed > total.annual_budget
    ):
        findings.append(
            _finding(
                Code.EXECUTED_EXCEEDS_BUDGET,
                f"项目资金「{total_label}」：全年执行数 {fmt(total.executed)} "
                f"超过全年预算数 {fmt(total.annual_budget)}",
                key=BUDGET_KEY,
            )
        )
    if (
        form.legacy
        and form.recorded_budget_score is not None
        and form.recorded_budget_score != result.budget_score
    ):
        findings.append(
            _finding(
                Code.RECORDED_BUDGET_SCORE_MISMATCH,
                f"表上填写的预算执行得分 {fmt(form.recorded_budget_score)} "
                f"与计算得出的得分 {fmt(result.budget_score)} 不一致",
                key=BUDGET_KEY,
            )
        )
    return findings


def indicator_findings(row: IndicatorResult, rules: ScoringRules) -> list[Finding]:
    """Findings about one 三级 row, each message starting with the row's label."""
    ind = row.input
    label = row_label(row)
    key = ind.key
    weight = ind.weight if ind.weight is not None else ZERO
    findings: list[Finding] = []

    unparsed = _value_unparsed_message(row)
    if unparsed:
        findings.append(_finding(Code.VALUE_UNPARSED, f"{label}：{unparsed}", key=key))

    # A row without 分值 bounds no score (a 审核得分 of 100000 would count in full).
    if ind.weight is None:
        findings.append(
            _finding(
                Code.WEIGHT_MISSING,
                f"{label}：未填写分值；请填写分值，或删除这一行",
                key=key,
            )
        )

    for score_name, score in (("得分", ind.score), ("审核得分", ind.review_score)):
        if score is not None and ind.weight is not None and score > weight:
            findings.append(
                _finding(
                    Code.SCORE_EXCEEDS_WEIGHT,
                    f"{label}：{score_name} {fmt(score)} 超过分值 {fmt(ind.weight)}",
                    key=key,
                )
            )

    # The tier is the filler's choice, so the band binds the filler's 得分; a reviewer
    # who disagrees sets 审核得分 with a comment instead.
    if row.score_band is not None and ind.score is not None and ind.tier is not None:
        low, high = row.score_band
        if not low <= ind.score <= high:
            findings.append(
                _finding(
                    Code.QUALITATIVE_SCORE_OUT_OF_BAND,
                    f"{label}：得分 {fmt(ind.score)} 不在所选档次「{TIER_LABELS[ind.tier]}」"
                    f"的范围内，应在 {fmt2(low)}–{fmt2(high)} 之间",
                    key=key,
                )
            )

    if (
        row.quantitative
        and ind.score is not None
        and row.suggested_score is not None
        and ind.score != row.suggested_score
        and is_blank_reason(ind.override_reason)
    ):
        findings.append(
            _finding(
                Code.SCORE_DIFFERS_FROM_RULE,
                f"{label}：得分 {fmt(ind.score)} 与按规则计算的得分 {fmt(row.suggested_score)} "
                "不一致，且未说明调整理由",
                key=key,
            )
        )

    # 偏差原因 is the filler's explanation of their own 得分. A reviewer who scores
    # lower explains it in 审核意见 (required with every 审核得分), so a 审核得分
    # below 分值 does not ask the filler for a reason, nor block an approved form.
    self_score, self_description = _self_score(row)
    if self_score < weight and is_blank_reason(ind.deviation_reason):
        findings.append(
            _finding(
                Code.MISSING_DEVIATION_REASON,
                f"{label}：{self_description}低于分值 {fmt(ind.weight)}，"
                "请填写偏差原因分析及改进措施",
                key=key,
            )
        )

    if row.overachieved and is_blank_reason(ind.deviation_reason):
        assert row.completion_ratio is not None  # set whenever overachieved
        findings.append(
            _finding(
                Code.OVERACHIEVEMENT_UNEXPLAINED,
                f"{label}：实际完成值「{ind.actual.strip()}」"
                f"为年度指标值「{ind.target.strip()}」的 "
                f"{fmt(row.completion_ratio * HUNDRED)}%，"
                f"达到 {fmt(rules.overachievement_ratio * HUNDRED)}% 及以上，"
                "请在偏差原因中说明超额完成的原因",
                key=key,
            )
        )
    findings.extend(indicator_hints(row, rules))
    return findings


# ---------------------------------------------------------------- hints (审核提示)

# The 二级 of 产出指标 whose 年度指标值 should be a number or a measurable level, and the
# 一级 whose rows are compared with the money spent; names compared without whitespace.
_MEASURED_LEVEL2 = frozenset({"数量指标", "质量指标", "时效指标", "成本指标"})
_COST_LEVEL2 = "成本指标"
_OUTPUT_LEVEL1 = "产出指标"

# A Chinese numeral with a measure word ("一份", "两个月", "百分之九十") is a measurable
# level although it has no Arabic digit; "进一步" or "统一" is not.
_CHINESE_COUNT_RE = re.compile(
    r"百分之|[零〇一二两三四五六七八九十百千万]+(?:个|件|卷|份|篇|次|项|人|家|户|场|期|本|册"
    r"|套|台|辆|处|所|条|批|张|天|日|周|月|年|季度|小时|工作日|倍|成)"
)

# What an actual says when it only reports that the target was met, compared after
# removing whitespace and trailing punctuation.
_COMPLETION_WORDS = frozenset(
    {
        *("完成", "已完成", "全部完成", "均已完成", "按期完成", "已按期完成", "按时完成"),
        *("已按时完成", "完成目标", "已完成目标", "完成年度指标", "已完成年度指标"),
        *("达成", "已达成", "达成预期指标", "已达成预期指标", "达到预期指标", "达成年度指标"),
        *("达到", "已达到", "达标", "已达标", "是", "符合", "符合要求", "满足要求"),
    }
)


def form_hints(result: FormResult, rules: ScoringRules) -> list[Finding]:
    """Hints about the whole form: full marks everywhere, output against money spent."""
    findings: list[Finding] = []
    rows = result.indicators
    if rows and all(_full_marks(row) for row in rows) and result.total_score == rules.total_weight:
        findings.append(
            _finding(
                Code.ALL_FULL_MARKS,
                f"全部 {len(rows)} 个三级指标均为满分，总分 {fmt(result.total_score)}："
                "请核对每项实际完成值是否确实达到年度指标值",
            )
        )
    outputs = [
        row
        for row in rows
        if level1_key(row.input.level1) == _OUTPUT_LEVEL1 and _weight(row) > ZERO
    ]
    rate = result.execution_rate
    if not outputs or rate is None:
        return findings
    if all(_full_marks(row) for row in outputs) and rate < rules.full_marks_execution_rate:
        findings.append(
            _finding(
                Code.FULL_MARKS_DESPITE_UNDEREXECUTION,
                f"产出指标 {len(outputs)} 行均为满分，但预算执行率为 {fmt(rate)}%，"
                f"低于 {fmt(rules.full_marks_execution_rate)}%："
                "请核对资金未执行完时产出是否确已全部完成",
            )
        )
        return findings  # the same fact: no second hint about the gap
    completion = _average_completion(outputs)
    gap = completion - rate
    if gap > rules.completion_execution_gap:
        findings.append(
            _finding(
                Code.COMPLETION_OUTPACES_EXECUTION,
                f"产出指标 {len(outputs)} 行的平均完成度（得分占分值的比例）为 {fmt(completion)}%，"
                f"预算执行率为 {fmt(rate)}%，高出 {fmt(gap)} 个百分点，"
                f"超过 {fmt(rules.completion_execution_gap)} 个百分点：请核对产出与资金使用是否相符",
            )
        )
    return findings


def indicator_hints(row: IndicatorResult, rules: ScoringRules) -> list[Finding]:
    """Hints about one 三级 row: a target that measures nothing, an actual that proves nothing."""
    ind = row.input
    label, key = row_label(row), ind.key
    target, actual = ind.target.strip(), ind.actual.strip()
    level2 = level1_key(ind.level2)
    findings: list[Finding] = []
    measured = level1_key(ind.level1) == _OUTPUT_LEVEL1 and level2 in _MEASURED_LEVEL2
    if measured and target and not is_measurable(target):
        findings.append(
            _finding(
                Code.TARGET_NOT_MEASURABLE,
                f"{label}：{ind.level2.strip()}的年度指标值「{target}」没有数值或可衡量的标准，"
                "无法据以判断完成程度；建议写成数量、比率或期限（如「≥30件」「100%」"
                "「≤5个工作日」）",
                key=key,
            )
        )
    restated = _restated(row)
    if restated:
        findings.append(_finding(Code.ACTUAL_RESTATES_TARGET, f"{label}：{restated}", key=key))
    t, a = row.target_value, row.actual_value
    if t is not None and a is not None and not t.comparable_with(a):
        findings.append(
            _finding(
                Code.ACTUAL_UNIT_MISMATCH,
                f"{label}：年度指标值「{target}」是{_measure(t)}，实际完成值「{actual}」"
                f"是{_measure(a)}，计量的不是同一事物，无法核对得分 {fmt(row.counted_score)}"
                f"（分值 {fmt(ind.weight)}）是否应得",
                key=key,
            )
        )
    if not row.quantitative or t is None or a is None:
        return findings
    # Both hints quote actual / target, so a target of 0 (no ratio) raises neither.
    if t.number <= 0:
        return findings
    if level2 == _COST_LEVEL2 and a.number > t.number and _full_marks(row):
        findings.append(
            _finding(
                Code.COST_ABOVE_TARGET,
                f"{label}：实际完成值「{actual}」高于年度指标值「{target}」"
                f"（为其 {fmt(_percent(row))}%），得分却为满分 {fmt(ind.weight)}："
                "请核对成本是否超支",
                key=key,
            )
        )
    if (
        level2 != _COST_LEVEL2
        and row.direction == Direction.POSITIVE  # the row's, as scored
        and a.number >= rules.easy_target_ratio * t.number
    ):
        findings.append(
            _finding(
                Code.TARGET_TOO_EASY,
                f"{label}：实际完成值「{actual}」为年度指标值「{target}」的 "
                f"{fmt(_percent(row))}%，达到 {fmt(rules.easy_target_ratio)} 倍及以上，"
                "年度指标值可能定得偏低；设定下一年度指标时请参考实际完成情况",
                key=key,
            )
        )
    return findings


def is_measurable(target: str) -> bool:
    """Whether a 年度指标值 holds a number or a measurable level.

    A value ("≥30", "一份"), anything with an Arabic digit or a percent sign ("2023年12月底前
    完成", "合格率95%以上") or a Chinese numeral with a measure word ("一个月内完成") is;
    「合法合规」「完成」「按期完成」「效果明显」 are not.
    """
    folded = unicodedata.normalize("NFKC", target)
    if parse_target(folded) is not None or looks_numeric(folded):
        return True
    if "%" in folded or any(c.isascii() and c.isdigit() for c in folded):
        return True
    return _CHINESE_COUNT_RE.search(folded) is not None


def _restated(row: IndicatorResult) -> str:
    """Why a numeric target's 实际完成值 gives no number, or "" when it gives one."""
    if row.target_value is None:
        return ""
    target, actual = row.input.target.strip(), row.input.actual.strip()
    compact = _compact_text(actual)
    if not compact:
        return ""
    if row.actual_value is None and compact == _compact_text(target):
        return f"实际完成值「{actual}」照抄了年度指标值，未写出实际完成的数"
    if compact in _COMPLETION_WORDS:
        return (
            f"年度指标值为数值「{target}」，实际完成值「{actual}」只说明已完成，未写出实际完成的数"
        )
    return ""


def _compact_text(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).rstrip(_TRAILING_PUNCTUATION)


def _measure(value: ParsedValue) -> str:
    """What a parsed value counts, for the unit-mismatch message."""
    if value.percent:
        return "百分比"
    if value.unit == "元":
        return "金额"
    if value.unit:
        return f"以「{value.unit}」计的数量"
    if value.multiplier != 1:
        return "带万或亿的数"
    return "不带单位的数"


def _full_marks(row: IndicatorResult) -> bool:
    return _weight(row) > ZERO and row.counted_score >= _weight(row)


def _weight(row: IndicatorResult) -> Decimal:
    return row.input.weight if row.input.weight is not None else ZERO


def _percent(row: IndicatorResult) -> Decimal:
    assert row.completion_ratio is not None
    return row.completion_ratio * HUNDRED


def _average_completion(rows: list[IndicatorResult]) -> Decimal:
    """The mean of counted score / 分值 over rows with 分值, in percent, 2 decimals half-up."""
    total = sum((row.counted_score / _weight(row) for row in rows), ZERO)
    return (total * HUNDRED / len(rows)).quantize(CENT, rounding=ROUND_HALF_UP)


def _finding(code: Code, message: str, *, key: str = FORM_KEY) -> Finding:
    return Finding(code=code.value, severity=SEVERITIES[code], message=message, key=key)


def _compact_label(text: str) -> str:
    # Word cells break names over lines ("经济效益\n指标"); a line break inside a Chinese
    # name is layout, not a space.
    joined = re.sub(r"\s*\n\s*", "", text.strip())
    joined = " ".join(joined.split())
    if len(joined) > _LABEL_PART_LIMIT:
        return joined[: _LABEL_PART_LIMIT - 1] + "…"
    return joined


def _is_default_split(result: FormResult, rules: ScoringRules) -> bool:
    if result.budget_weight != rules.budget_weight:
        return False
    actual: dict[str, Decimal] = {}
    for total in result.level1_totals:
        key = level1_key(total.level1)
        actual[key] = actual.get(key, ZERO) + total.weight
    default = {level1_key(name): weight for name, weight in rules.default_level1_weights}
    # A 一级 that is absent and one present with 分值 0 are the same split.
    return all(actual.get(k, ZERO) == default.get(k, ZERO) for k in actual.keys() | default)


def _budget_rows_inconsistent(
    lines: tuple[BudgetLineInput, ...], total: BudgetLineInput | None
) -> list[Finding]:
    findings: list[Finding] = []
    sub_lines = [line for line in lines if line.kind != BudgetLineKind.TOTAL]
    columns = (
        ("年初预算数", "initial_budget"),
        ("全年预算数", "annual_budget"),
        ("全年执行数", "executed"),
    )
    for column_label, attribute in columns:
        filled = [
            (line, getattr(line, attribute))
            for line in sub_lines
            if getattr(line, attribute) is not None
        ]
        if not filled:
            continue  # sub-lines left blank in this column: nothing to reconcile
        sub_sum = sum((value for _, value in filled), ZERO)
        total_value = getattr(total, attribute) if total is not None else None
        if (total_value if total_value is not None else ZERO) == sub_sum:
            continue
        parts = "、".join(f"{BUDGET_LINE_LABELS[line.kind]} {fmt(value)}" for line, value in filled)
        findings.append(
            _finding(
                Code.BUDGET_ROWS_INCONSISTENT,
                f"项目资金「{column_label}」：{BUDGET_LINE_LABELS[BudgetLineKind.TOTAL]} "
                f"{fmt(total_value)} 与分项合计 {fmt(sub_sum)} 不一致（{parts}）",
                key=BUDGET_KEY,
            )
        )
    return findings


def _value_unparsed_message(row: IndicatorResult) -> str:
    """Why a row that reads as numeric is scored as qualitative, or "" when it is not."""
    ind = row.input
    target, actual = ind.target.strip(), ind.actual.strip()
    if row.quantitative or ind.direction == DirectionChoice.QUALITATIVE:
        return ""  # scored by the rule, or 定性 by the filler's own choice
    if row.target_value is None:
        if looks_numeric(target):
            return f"年度指标值「{target}」看似数值但无法解析，按定性指标处理"
        return ""
    # The target is a value, so the rule would apply; say why it could not.
    if not actual:
        return f"年度指标值「{target}」可按规则计分，但实际完成值未填写，按定性指标处理"
    if row.actual_value is None:
        return (
            f"年度指标值「{target}」可按规则计分，但实际完成值「{actual}」无法解析为数值，"
            "按定性指标处理"
        )
    return f"年度指标值「{target}」与实际完成值「{actual}」的单位不一致，无法比较，按定性指标处理"


def _self_score(row: IndicatorResult) -> tuple[Decimal, str]:
    """The filler's own score (得分, else the rule's, else 0) and how to name it."""
    ind = row.input
    if ind.score is not None:
        return ind.score, f"得分 {fmt(ind.score)} "
    if row.suggested_score is not None:
        return row.suggested_score, f"按规则计算的得分 {fmt(row.suggested_score)} "
    return ZERO, "得分未填（按 0 计），"
