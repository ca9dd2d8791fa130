"""The scoring service: pure functions over Decimal, no ORM, no request.

Pages, exports and checks all read one ``FormResult`` built by ``score_form``,
so a form shows the same numbers everywhere (the rules: docs/rules.md「Scoring」).

INTERFACE CONTRACT (other modules code against these names; keep them):
- ScoringRules, IndicatorInput, BudgetLineInput, FormInput      (inputs)
- ParsedValue (from indicators.parsing), IndicatorResult, Finding, FormResult (outputs)
- score_form(form: FormInput, rules: ScoringRules = DEFAULT_RULES) -> FormResult
- suggest_indicator_score(...) used by the live form page

Also public, for pages that show one piece: score_indicator, rule_score,
scoring_direction, tier_band,
compute_execution_rate, compute_budget_score, level1_totals, grade_for. The checks
(docs/rules.md「Checks」) live in ``indicators.checks``; score_form runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from indicators.parsing import Comparator, Direction, ParsedValue, parse_actual, parse_target

ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
RATIO_QUANTUM = Decimal("0.0001")  # completion_ratio: enough for a percentage with 2 decimals

# Products of money (up to 6 decimals, 亿 amounts) and weights stay exact well below this.
_PRECISION = 60


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    HINT = "hint"  # 审核提示: a question for the reviewer; never blocks, never counts as a warning


class Tier(StrEnum):
    """Qualitative tiers and their bands (docs/rules.md); the value is stored in the database."""

    ACHIEVED = "achieved"  # 达成年度指标 80–100%
    PARTIAL = "partial"  # 部分达成并具有一定效果 60–80%
    NOT_ACHIEVED = "not_achieved"  # 未达成且效果较差 0–60%


TIER_LABELS = {
    Tier.ACHIEVED: "达成年度指标",
    Tier.PARTIAL: "部分达成并具有一定效果",
    Tier.NOT_ACHIEVED: "未达成且效果较差",
}


class DirectionChoice(StrEnum):
    """指标方向 as the filler sets it on a row (docs/rules.md「指标方向」); the value is stored.

    AUTO ("") leaves it to the rule: the target's comparator, and for a bare number its
    二级 (成本指标, a duration under 时效指标: reverse; else positive). It is stored as ""
    rather than as the direction it gives, so the row follows its target when that is
    edited, and a change of the rule re-scores the rows nobody chose for.
    """

    AUTO = ""
    POSITIVE = "positive"  # 正向: more is better
    REVERSE = "reverse"  # 反向: less is better
    EQUAL = "equal"  # 等于: the target exactly
    QUALITATIVE = "qualitative"  # 定性: scored by tier, even when the cells are numbers


DIRECTION_LABELS = {
    DirectionChoice.POSITIVE: "正向",
    DirectionChoice.REVERSE: "反向",
    DirectionChoice.EQUAL: "等于",
    DirectionChoice.QUALITATIVE: "定性",
}


AUTO_LABEL = "自动"


def direction_choice(text: str) -> DirectionChoice | None:
    """The 指标方向 a cell or a JSON value names, or None when it names none.

    Reads the code ("reverse"), the label ("反向"), and blank or 自动 for automatic; the
    page's "自动：反向" (what the rule chose) is automatic too. Whitespace is ignored.
    """
    cleaned = "".join(text.split()) if isinstance(text, str) else ""
    if not cleaned or cleaned == AUTO_LABEL or cleaned.startswith(f"{AUTO_LABEL}："):
        return DirectionChoice.AUTO
    for choice, label in DIRECTION_LABELS.items():
        if cleaned in (choice.value, label):
            return choice
    return None


class BudgetLineKind(StrEnum):
    TOTAL = "total"  # 年度资金总额
    CURRENT = "current"  # 其中：当年财政拨款
    CARRYOVER = "carryover"  # 上年结转资金
    OTHER = "other"  # 其他资金


BUDGET_LINE_LABELS = {
    BudgetLineKind.TOTAL: "年度资金总额",
    BudgetLineKind.CURRENT: "当年财政拨款",
    BudgetLineKind.CARRYOVER: "上年结转资金",
    BudgetLineKind.OTHER: "其他资金",
}


class ScoreSource(StrEnum):
    """Where IndicatorResult.counted_score came from (docs/rules.md「Which score counts」)."""

    REVIEW = "review"  # 审核得分
    FILLER = "filler"  # 得分 typed by the filler or written on a legacy paper form
    RULE = "rule"  # the rule's suggestion of a quantitative row nobody scored yet
    NONE = "none"  # nothing to count: 0


@dataclass(frozen=True)
class ScoringRules:
    """Every tunable number of the scoring in one place (docs/rules.md「Rule settings」)."""

    budget_weight: Decimal = Decimal("10")
    # 一级 name -> default weight; the budget-execution weight is separate.
    default_level1_weights: tuple[tuple[str, Decimal], ...] = (
        ("产出指标", Decimal("50")),
        ("效益指标", Decimal("30")),
        ("满意度指标", Decimal("10")),
    )
    total_weight: Decimal = Decimal("100")
    # (grade, lower bound inclusive), best first; below the last bound: last grade.
    grade_bands: tuple[tuple[str, Decimal], ...] = (
        ("优", Decimal("90")),
        ("良", Decimal("80")),
        ("中", Decimal("60")),
        ("差", Decimal("0")),
    )
    # tier -> (low, high) as fractions of 分值, both inclusive
    tier_bands: tuple[tuple[Tier, Decimal, Decimal], ...] = (
        (Tier.ACHIEVED, Decimal("0.8"), Decimal("1")),
        (Tier.PARTIAL, Decimal("0.6"), Decimal("0.8")),
        (Tier.NOT_ACHIEVED, Decimal("0"), Decimal("0.6")),
    )
    overachievement_ratio: Decimal = Decimal("1.3")
    # Hints (审核提示): 预算执行率 in percent below which full marks on every 产出 row is
    # questioned; percentage points by which the 产出 rows' completion may exceed it; the
    # multiple of a positive target at which the target looks too easy.
    full_marks_execution_rate: Decimal = Decimal("90")
    completion_execution_gap: Decimal = Decimal("5")
    easy_target_ratio: Decimal = Decimal("2")


DEFAULT_RULES = ScoringRules()

# Bumped whenever a change of this module or of ``indicators.checks`` changes what a
# form's result says. Part of the fingerprint stored with each ``EvaluationSummary``,
# so that summaries computed by older code are scored live until
# ``manage.py refresh_summaries`` rewrites them.
#   2: missing_deviation_reason looks at the filler's 得分, not a reviewer's 审核得分.
#   3: weight_missing: a 三级 row without 分值 is an error.
#   4: a bare number under 成本指标 (and a bare duration under 时效指标) is an upper
#      limit; a row's 指标方向 (正向/反向/等于/定性) overrides the rule.
#   5: hints (审核提示): eight checks of severity "hint", counted on the summary.
LOGIC_VERSION = 5


@dataclass(frozen=True)
class BudgetLineInput:
    kind: BudgetLineKind
    initial_budget: Decimal | None = None  # 年初预算数 (万元)
    annual_budget: Decimal | None = None  # 全年预算数 (万元)
    executed: Decimal | None = None  # 全年执行数 (万元)


@dataclass(frozen=True)
class IndicatorInput:
    """One 三级 row as typed. ``key`` identifies the row for links and findings."""

    key: str
    level1: str
    level2: str
    name: str
    target: str = ""  # 年度指标值 as typed
    actual: str = ""  # 实际完成值 as typed
    weight: Decimal | None = None  # 分值
    score: Decimal | None = None  # 得分 by the filler (or written on a legacy paper form)
    override_reason: str = ""  # why 得分 differs from the rule's suggestion
    deviation_reason: str = ""  # 偏差原因分析及改进措施
    tier: Tier | None = None  # qualitative tier chosen by the filler
    direction: DirectionChoice = DirectionChoice.AUTO  # 指标方向 chosen by the filler
    review_score: Decimal | None = None  # 审核得分
    review_comment: str = ""  # 审核意见
    position: int = 0  # 1-based row number within the form, used in messages


@dataclass(frozen=True)
class FormInput:
    budget_lines: tuple[BudgetLineInput, ...]
    indicators: tuple[IndicatorInput, ...]
    budget_weight: Decimal | None = None  # None -> rules.budget_weight
    legacy: bool = False  # imported or demo: written scores are kept as the filler's
    recorded_budget_score: Decimal | None = None  # 预算执行得分 written on the paper
    recorded_total_score: Decimal | None = None  # 总分 written on the paper
    amount_unit_converted: bool = False  # amounts were given in 元 and converted on import


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str  # Chinese, names the row
    key: str = ""  # IndicatorInput.key, or "budget" / "budget:<kind>" / "" for the whole form

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": str(self.severity), "message": self.message}


@dataclass(frozen=True)
class IndicatorResult:
    input: IndicatorInput
    quantitative: bool
    # The direction the row is scored in: "positive" / "reverse" / "equal" (a
    # ``Direction``), None when qualitative. Automatic unless ``input.direction`` is set.
    direction: str | None
    # Parsed cells, kept even when the row is qualitative (units that do not compare,
    # an unparsable actual) so pages can show what was understood.
    target_value: ParsedValue | None
    actual_value: ParsedValue | None
    suggested_score: Decimal | None  # the rule's score (quantitative rows only)
    counted_score: Decimal  # review_score if set, else score, else suggestion, else 0
    completion_ratio: Decimal | None  # actual / target for quantitative rows (4 decimals)
    findings: tuple[Finding, ...] = ()
    score_source: ScoreSource = ScoreSource.NONE
    row_number: int = 0  # input.position, or the 1-based index when position is unset
    # Inclusive score band of the chosen tier (qualitative rows with a tier only).
    score_band: tuple[Decimal, Decimal] | None = None
    overachieved: bool = False  # positive target, actual ≥ overachievement_ratio × target


@dataclass(frozen=True)
class Level1Total:
    level1: str
    weight: Decimal
    score: Decimal


@dataclass(frozen=True)
class FormResult:
    execution_rate: Decimal | None  # percent, 2 decimals, half-up (e.g. 99.35); None without budget
    budget_weight: Decimal
    budget_score: Decimal  # rounded down to 0.01
    indicators: tuple[IndicatorResult, ...]
    level1_totals: tuple[Level1Total, ...]  # in first-seen order of the indicators
    total_weight: Decimal  # budget weight + Σ 分值
    total_score: Decimal  # budget score + Σ counted scores
    grade: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)  # all findings, form order
    # The filler's own total and grade, as if no 审核得分 were set (budget score + Σ 得分,
    # else the rule's score, else 0): set when a reviewer scored a row, else None / "".
    self_total_score: Decimal | None = None
    self_grade: str = ""

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.WARNING)

    @property
    def hints(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.HINT)


def score_form(form: FormInput, rules: ScoringRules = DEFAULT_RULES) -> FormResult:
    """Score one form and run every check (docs/rules.md「Checks」) on it.

    The returned ``FormResult`` carries all findings in form order: whole-form ones
    first, then the budget's, then each row's (each row's are also on its
    ``IndicatorResult``). Never raises on anything a filler can type.
    """
    budget_weight = form.budget_weight if form.budget_weight is not None else rules.budget_weight
    total_line = budget_total_line(form.budget_lines)
    annual = total_line.annual_budget if total_line else None
    executed = total_line.executed if total_line else None
    execution_rate = compute_execution_rate(annual_budget=annual, executed=executed)
    budget_score = compute_budget_score(
        annual_budget=annual, executed=executed, budget_weight=budget_weight
    )
    rows = tuple(
        score_indicator(indicator, rules=rules, row_number=indicator.position or index)
        for index, indicator in enumerate(form.indicators, start=1)
    )
    total_weight = budget_weight + sum((_weight(row.input) for row in rows), ZERO)
    total_score = budget_score + sum((row.counted_score for row in rows), ZERO)
    self_total = None
    if any(row.input.review_score is not None for row in rows):
        self_total = budget_score + sum((filler_score(row) for row in rows), ZERO)
    result = FormResult(
        execution_rate=execution_rate,
        budget_weight=budget_weight,
        budget_score=budget_score,
        indicators=rows,
        level1_totals=level1_totals(rows),
        total_weight=total_weight,
        total_score=total_score,
        grade=grade_for(total_score, rules),
        self_total_score=self_total,
        self_grade=grade_for(self_total, rules) if self_total is not None else "",
    )
    # Imported here because checks builds on the types above; a top-level import would
    # be circular.
    from indicators.checks import attach_findings

    return attach_findings(form, result, rules)


def suggest_indicator_score(
    *,
    target: str,
    actual: str,
    weight: Decimal | None,
    level2: str = "",
    direction: str = DirectionChoice.AUTO,
    rules: ScoringRules = DEFAULT_RULES,
) -> Decimal | None:
    """The rule's score for one quantitative row, or None when it is qualitative.

    ``level2`` (the 二级 name) and ``direction`` (the row's 指标方向) decide which way a
    bare number is met (``scoring_direction``). Also None while ``weight`` is unset:
    there is nothing to suggest yet. (``score_form`` counts an unset weight as 0 and
    then suggests 0.00.)
    """
    if weight is None or direction == DirectionChoice.QUALITATIVE:
        return None
    target_value, actual_value = parse_target(target), parse_actual(actual)
    if target_value is None or actual_value is None:
        return None
    if not target_value.comparable_with(actual_value):
        return None
    used = scoring_direction(target_value, level2=level2, choice=direction)
    return rule_score(target_value, actual_value, weight, used)


def scoring_direction(
    target: ParsedValue, *, level2: str = "", choice: str = DirectionChoice.AUTO
) -> Direction:
    """The direction a quantitative row is scored in (docs/rules.md「指标方向」).

    The filler's 指标方向 (``choice``) wins. Otherwise the target's comparator decides
    (≥, 不少于: positive; ≤, 不超过: reverse), and a bare number follows its 二级: under
    成本指标 it is a budget not to exceed, under 时效指标 a duration (天, 日, 工作日, 月,
    小时) is a deadline; every other bare number is a quantity to reach. The 二级 is
    compared without whitespace and by its end, so 经济成本指标 counts as 成本指标.
    """
    if choice in _CHOSEN_DIRECTIONS:
        return _CHOSEN_DIRECTIONS[choice]
    if not target.bare:
        return target.direction
    name = level1_key(level2)
    if name.endswith("成本指标") or (name.endswith("时效指标") and target.duration):
        return Direction.REVERSE
    return Direction.POSITIVE


_CHOSEN_DIRECTIONS = {
    DirectionChoice.POSITIVE: Direction.POSITIVE,
    DirectionChoice.REVERSE: Direction.REVERSE,
    DirectionChoice.EQUAL: Direction.EQUAL,
}


def rule_score(
    target: ParsedValue,
    actual: ParsedValue,
    weight: Decimal,
    direction: Direction | None = None,
) -> Decimal:
    """分值 scaled by how far ``actual`` meets ``target``, rounded down to 0.01.

    ``direction`` is the row's (``scoring_direction``); None reads it off the target's
    comparator. Positive: met → full; else 分值 × 实际/目标. Reverse: met → full;
    目标 < 实际 < 2×目标 → 分值 × (1 − (实际−目标)/目标); 实际 ≥ 2×目标 → 0. A zero
    target cannot be divided by: a positive one is met by anything ≥ 0 (or > 0 for
    ">"), and a reverse one by anything ≤ 0 (its 2× band is empty, so anything above
    scores 0). A strict comparator (">", "<") stays strict when the filler chose the
    direction it already reads. Equal: 实际 = 目标 → full; else 分值 × max(0, 1 −
    |实际−目标|/|目标|), and 0 for a zero target.
    """
    direction = direction or target.direction
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        t, a = target.number, actual.number
        if direction == Direction.EQUAL:
            if a == t:
                return _cents_down(weight)
            if t == 0:
                return _cents_down(ZERO)
            gap = abs(a - t)
            if gap >= abs(t):
                return _cents_down(ZERO)
            # weight × (1 − |a − t|/|t|) == weight × (|t| − |a − t|)/|t|: one division
            return _floor_cents(weight * (abs(t) - gap), abs(t))
        if direction == Direction.POSITIVE:
            met = a > t if target.comparator == Comparator.GT else a >= t
            if met:
                return _cents_down(weight)
            if t <= 0:
                return _cents_down(ZERO)
            return _floor_cents(weight * a, t)
        met = a < t if target.comparator == Comparator.LT else a <= t
        if met:
            return _cents_down(weight)
        if a >= 2 * t:
            return _cents_down(ZERO)
        # weight × (1 − (a − t)/t) == weight × (2t − a)/t: one division, no double rounding
        return _floor_cents(weight * (2 * t - a), t)


def score_indicator(
    indicator: IndicatorInput, *, rules: ScoringRules = DEFAULT_RULES, row_number: int = 0
) -> IndicatorResult:
    """Score one 三级 row without its findings (``checks.indicator_findings`` adds them)."""
    target_value = parse_target(indicator.target)
    actual_value = parse_actual(indicator.actual)
    weight = _weight(indicator)
    quantitative = False
    suggested: Decimal | None = None
    ratio: Decimal | None = None
    direction: str | None = None
    overachieved = False
    band: tuple[Decimal, Decimal] | None = None
    if (
        target_value is not None
        and actual_value is not None
        and indicator.direction != DirectionChoice.QUALITATIVE
        and target_value.comparable_with(actual_value)
    ):
        quantitative = True
        used = scoring_direction(target_value, level2=indicator.level2, choice=indicator.direction)
        direction = str(used)
        suggested = rule_score(target_value, actual_value, weight, used)
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            if target_value.number != 0:
                ratio = (actual_value.number / target_value.number).quantize(
                    RATIO_QUANTUM, rounding=ROUND_HALF_UP
                )
                overachieved = (
                    used == Direction.POSITIVE
                    and target_value.number > 0
                    and actual_value.number >= rules.overachievement_ratio * target_value.number
                )
    elif indicator.tier is not None:
        band = tier_band(indicator.tier, weight, rules)

    if indicator.review_score is not None:
        counted, source = indicator.review_score, ScoreSource.REVIEW
    elif indicator.score is not None:
        counted, source = indicator.score, ScoreSource.FILLER
    elif suggested is not None:
        counted, source = suggested, ScoreSource.RULE
    else:
        counted, source = ZERO, ScoreSource.NONE

    return IndicatorResult(
        input=indicator,
        quantitative=quantitative,
        direction=direction,
        target_value=target_value,
        actual_value=actual_value,
        suggested_score=suggested,
        counted_score=counted,
        completion_ratio=ratio,
        score_source=source,
        row_number=row_number,
        score_band=band,
        overachieved=overachieved,
    )


def tier_band(
    tier: Tier, weight: Decimal | None, rules: ScoringRules = DEFAULT_RULES
) -> tuple[Decimal, Decimal]:
    """The inclusive (low, high) score range of a qualitative tier for this 分值."""
    w = weight if weight is not None else ZERO
    for band_tier, low, high in rules.tier_bands:
        if band_tier == tier:
            return low * w, high * w
    return ZERO, w  # a tier the rules do not list constrains nothing


def budget_total_line(lines: tuple[BudgetLineInput, ...]) -> BudgetLineInput | None:
    """The 年度资金总额 line (the first one, should a form carry two)."""
    return next((line for line in lines if line.kind == BudgetLineKind.TOTAL), None)


def compute_execution_rate(
    *, annual_budget: Decimal | None, executed: Decimal | None
) -> Decimal | None:
    """预算执行率 in percent, 2 decimals, half-up (99.35); None without a 全年预算数.

    A missing 全年执行数 counts as nothing executed (0.00).
    """
    if not annual_budget:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        rate = (executed or ZERO) * HUNDRED / annual_budget
        return rate.quantize(CENT, rounding=ROUND_HALF_UP)


def compute_budget_score(
    *, annual_budget: Decimal | None, executed: Decimal | None, budget_weight: Decimal
) -> Decimal:
    """预算执行得分 = 分值 × min(执行率, 1), rounded down to 0.01, from the unrounded rate.

    999.9 of 1000 gives 9.99 although the rate shows as 99.99%. No 全年预算数 gives 0; so
    does a negative amount (nobody earns points below zero).
    """
    if not annual_budget:
        return _cents_down(ZERO)
    spent = executed or ZERO
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if spent >= annual_budget:
            return _cents_down(budget_weight)
        return max(_floor_cents(budget_weight * spent, annual_budget), _cents_down(ZERO))


def level1_totals(rows: tuple[IndicatorResult, ...]) -> tuple[Level1Total, ...]:
    """Σ 分值 and Σ counted score per 一级, in first-seen order.

    Names are grouped ignoring whitespace, since Word cells break "满意度\n指标" over
    lines; the first spelling seen (trimmed) names the group.
    """
    names: dict[str, str] = {}
    weights: dict[str, Decimal] = {}
    scores: dict[str, Decimal] = {}
    for row in rows:
        key = level1_key(row.input.level1)
        names.setdefault(key, row.input.level1.strip())
        weights[key] = weights.get(key, ZERO) + _weight(row.input)
        scores[key] = scores.get(key, ZERO) + row.counted_score
    return tuple(Level1Total(names[key], weights[key], scores[key]) for key in names)


def level1_key(name: str) -> str:
    """A 一级 name with all whitespace removed, for grouping and comparing."""
    return "".join(name.split())


def filler_score(row: IndicatorResult) -> Decimal:
    """The row's score before review: the filler's 得分, else the rule's, else 0."""
    if row.input.score is not None:
        return row.input.score
    return row.suggested_score if row.suggested_score is not None else ZERO


def grade_for(total_score: Decimal, rules: ScoringRules = DEFAULT_RULES) -> str:
    """The grade whose lower bound the total reaches; below every bound, the last grade."""
    for grade, lower_bound in rules.grade_bands:
        if total_score >= lower_bound:
            return grade
    return rules.grade_bands[-1][0]


def _weight(indicator: IndicatorInput) -> Decimal:
    # An unset 分值 counts as 0 in every sum (and bounds the row's score at 0).
    return indicator.weight if indicator.weight is not None else ZERO


def _cents_down(value: Decimal) -> Decimal:
    return _floor_cents(value, ONE)


def _floor_cents(numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator / denominator rounded toward zero to 0.01, exactly.

    Integer division of the cent count is exact, where quantize(ROUND_DOWN) after a
    28-digit division could be pushed over a cent boundary by the division's own rounding.
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        cents = (numerator * HUNDRED) // denominator
        return (cents / HUNDRED).quantize(CENT)
