"""Plain builders for scoring inputs: no database, Decimals from strings."""

from __future__ import annotations

from decimal import Decimal

from indicators.scoring import (
    BudgetLineInput,
    BudgetLineKind,
    DirectionChoice,
    FormInput,
    IndicatorInput,
    Tier,
)


def D(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def row(
    key: str = "r1",
    *,
    level1: str = "产出指标",
    level2: str = "数量指标",
    name: str = "指标",
    target: str = "",
    actual: str = "",
    weight: str | None = "10",
    score: str | None = None,
    review_score: str | None = None,
    tier: Tier | None = None,
    direction: DirectionChoice = DirectionChoice.AUTO,
    deviation_reason: str = "",
    override_reason: str = "",
    position: int = 0,
) -> IndicatorInput:
    return IndicatorInput(
        key=key,
        level1=level1,
        level2=level2,
        name=name,
        target=target,
        actual=actual,
        weight=D(weight),
        score=D(score),
        review_score=D(review_score),
        tier=tier,
        direction=direction,
        deviation_reason=deviation_reason,
        override_reason=override_reason,
        position=position,
    )


def budget_line(
    kind: BudgetLineKind = BudgetLineKind.TOTAL,
    *,
    initial: str | None = None,
    annual: str | None = None,
    executed: str | None = None,
) -> BudgetLineInput:
    return BudgetLineInput(
        kind=kind, initial_budget=D(initial), annual_budget=D(annual), executed=D(executed)
    )


def clean_rows() -> tuple[IndicatorInput, ...]:
    """Four rows in the default 50/30/10 split that raise no finding; 87 points together."""
    return (
        row("r1", target="≥10个", actual="12个", weight="25"),
        row(
            "r2",
            level2="质量指标",
            target="一次验收合格",
            actual="一次验收合格",
            weight="25",
            score="25",
            tier=Tier.ACHIEVED,
        ),
        row(
            "r3",
            level1="效益指标",
            level2="社会效益指标",
            target="有所提升",
            actual="有所提升",
            weight="30",
            score="27",
            tier=Tier.ACHIEVED,
            deviation_reason="宣传覆盖面不足",
        ),
        row(
            "r4",
            level1="满意度指标",
            level2="服务对象满意度指标",
            target="≥90%",
            actual="95%",
            weight="10",
            score="10",
        ),
    )


def clean_form(**overrides: object) -> FormInput:
    """A form with budget 100/100/100 and clean_rows(): no finding, total 97 (优)."""
    fields: dict[str, object] = {
        "budget_lines": (budget_line(initial="100", annual="100", executed="100"),),
        "indicators": clean_rows(),
    }
    fields.update(overrides)
    return FormInput(**fields)  # type: ignore[arg-type]
