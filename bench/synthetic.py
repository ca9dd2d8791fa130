"""Synthetic forms in bulk, for benchmarks (50,000 forms and more), reusable by any benchmark.

Forms look like the demo year: 4 budget lines, ~10 三级 rows over 产出/效益/满意度 with
weights adding up to 100, quantitative targets ("≥30个", "≤200万元", "≥90%") scored
by the rule and qualitative ones scored in their tier's band; a few forms carry
errors (a missing 偏差原因) and reviewed scores, so checks and exports have work.
Deterministic for a given seed.

As a library (Django set up)::

    from bench.synthetic import create_forms
    create_forms(50_000, year=2023)

From the command line (its own SQLite file unless DATABASE_URL says otherwise)::

    python bench/synthetic.py --forms 50000 --year 2023 [--database /tmp/selfeval-bench.sqlite3]

``ensure_forms(count, year)`` tops the year up to ``count`` forms and returns at once
when they are there, so benchmarks can call it every run.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from decimal import Decimal
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "/tmp/selfeval-bench.sqlite3"
NAME_PREFIX = "合成"  # every synthetic department starts with it

CENT = Decimal("0.01")
SIX_PLACES = Decimal("0.000001")

# (level1, level2, name template, target template, actual template); {n} is a count.
QUANTITATIVE = [
    ("产出指标", "数量指标", "完成{thing}数量", "≥{n}个", "{m}个"),
    ("产出指标", "数量指标", "开展{thing}次数", "不少于{n}次", "{m}次"),
    ("产出指标", "质量指标", "{thing}验收合格率", "≥95%", "{p}%"),
    ("产出指标", "时效指标", "{thing}完成时限", "≤{n}个工作日", "{m}个工作日"),
    ("产出指标", "成本指标", "{thing}成本控制", "≤{n}万元", "{m}万元"),
    ("效益指标", "经济效益指标", "带动{thing}投资", "≥{n}万元", "{m}万元"),
    ("满意度指标", "服务对象满意度指标", "{thing}服务对象满意度", "≥90%", "{p}%"),
]
QUALITATIVE = [
    ("产出指标", "质量指标", "{thing}符合相关标准", "符合标准", "符合标准"),
    ("产出指标", "时效指标", "按合同约定期限完成{thing}", "按期完成", "按期完成"),
    ("效益指标", "社会效益指标", "提升{thing}服务水平", "有效提升", "明显提升"),
    ("效益指标", "可持续影响指标", "{thing}长效机制", "逐步建立", "已建立"),
    ("效益指标", "生态效益指标", "减少{thing}资源消耗", "有所减少", "有所减少"),
]
LEVEL1_ORDER = ["产出指标", "效益指标", "满意度指标"]
LEVEL2_ORDER = [
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
]
THINGS = ["档案数字化", "项目评审", "政策宣传", "专项督查", "系统运维", "数据采集", "培训", "调研"]
UNITS = ["综合科", "规划科", "产业发展科", "价格认证中心", "信息中心"]
STATUSES = ["submitted"] * 12 + ["approved"] * 4 + ["draft"] * 3 + ["returned"]
REASON = "受客观因素影响部分工作延后，已调整计划，下年度加强过程管理。"


def _split(total: int, parts: int) -> list[Decimal]:
    """``total`` points over ``parts`` rows in whole points, the larger ones first."""
    base, extra = divmod(total, parts)
    return [Decimal(base + (1 if index < extra else 0)) for index in range(parts)]


@cache
def _suggested(target: str, actual: str, weight: Decimal) -> Decimal | None:
    from indicators.scoring import suggest_indicator_score

    return suggest_indicator_score(target=target, actual=actual, weight=weight)


@cache
def _parsed(target: str, actual: str) -> dict:
    from indicators.parsing import parse_actual, parse_target

    parsed_target, parsed_actual = parse_target(target), parse_actual(actual)
    return {
        "target_comparator": parsed_target.comparator if parsed_target else "",
        "target_number": parsed_target.number if parsed_target else None,
        "target_unit": parsed_target.unit if parsed_target else "",
        "actual_number": parsed_actual.number if parsed_actual else None,
        "actual_unit": parsed_actual.unit if parsed_actual else "",
    }


def _rows(rng: random.Random, count: int) -> list[dict]:
    """``count`` 三级 rows: 产出 50, 效益 30, 满意度 10 points (with the budget's 10: 100)."""
    satisfaction = 1
    benefit = max(1, round((count - satisfaction) * 0.3))
    output = max(1, count - satisfaction - benefit)
    plan = (
        [("产出指标", w) for w in _split(50, output)]
        + [("效益指标", w) for w in _split(30, benefit)]
        + [("满意度指标", w) for w in _split(10, satisfaction)]
    )
    rows = []
    for level1, weight in plan:
        pool = [t for t in (*QUANTITATIVE, *QUALITATIVE) if t[0] == level1]
        level1_name, level2, name, target, actual = rng.choice(pool)
        thing = rng.choice(THINGS)
        n = rng.choice([5, 10, 20, 30, 50, 100, 200])
        shortfall = rng.random() < 0.15
        m = n if not shortfall else max(1, n - rng.randint(1, max(1, n // 5)))
        if "≤" in target:  # less is better: a shortfall means going over the target
            m = n if not shortfall else n + rng.randint(1, max(1, n // 5))
        p = rng.choice([95, 96, 98, 100]) if not shortfall else rng.choice([85, 88, 92])
        row = {
            "level1": level1_name,
            "level2": level2,
            "name": name.format(thing=thing),
            "target": target.format(n=n),
            "actual": actual.format(m=m, p=p),
            "weight": weight,
        }
        suggested = _suggested(row["target"], row["actual"], weight)
        if suggested is not None:
            row["score"], row["tier"] = suggested, ""
        else:  # qualitative: 达成年度指标, 80–100% of 分值
            row["score"] = (weight * Decimal(rng.choice(["1", "1", "0.9"]))).quantize(CENT)
            row["tier"] = "achieved"
        below = row["score"] < weight
        # About one form row in twenty forgets the 偏差原因: a missing_deviation_reason error.
        row["deviation_reason"] = REASON if below and rng.random() > 0.05 else ""
        rows.append(row)
    # As on the paper form: the rows of one 二级 together, 二级 in the template's order.
    order = {name: index for index, name in enumerate(LEVEL2_ORDER)}
    rows.sort(key=lambda row: (LEVEL1_ORDER.index(row["level1"]), order[row["level2"]]))
    return rows


def create_forms(
    count: int,
    *,
    year: int = 2023,
    indicators: int = 10,
    seed: int = 2023,
    departments: int = 60,
    batch_size: int = 2000,
    start: int = 0,
    summaries: bool = True,
    verbose: bool = False,
) -> int:
    """Bulk-create ``count`` synthetic forms of ``year``; returns how many were created.

    Projects are named "合成项目NNNNNN" under departments "合成部门NNN"; ``start``
    offsets the numbering so that calls can add more forms without collisions.
    Bulk inserts bypass the services, so the stored score summaries (dashboard) are
    rebuilt for the new forms afterwards unless ``summaries`` is False.
    """
    from django.db import transaction

    from indicators.models import Level2
    from projects.models import BudgetLine, Department, Evaluation, Indicator, Project

    rng = random.Random(seed + start)
    level2 = {(l2.level1.name, l2.name): l2 for l2 in Level2.objects.select_related("level1")}
    top = []
    for number in range(1, departments + 1):
        department, _ = Department.objects.get_or_create(name=f"{NAME_PREFIX}部门{number:03d}")
        top.append(department)
    units = {}
    for department in top:
        for name in UNITS:
            units[department.pk, name], _ = Department.objects.get_or_create(
                name=name, parent=department
            )

    started = time.perf_counter()
    created = 0
    while created < count:
        size = min(batch_size, count - created)
        with transaction.atomic():
            # Project NNNNNN is the same project in every year (as a real one would be).
            wanted = []
            for offset in range(size):
                number = start + created + offset + 1
                department = top[number % len(top)]
                wanted.append((department, f"{NAME_PREFIX}项目{number:06d}"))
            existing = {
                (p.department_id, p.name): p
                for p in Project.objects.filter(name__in=[name for _, name in wanted])
            }
            missing = [
                Project(
                    name=name,
                    department=department,
                    implementing_unit=units[department.pk, rng.choice(UNITS)],
                )
                for department, name in wanted
                if (department.pk, name) not in existing
            ]
            Project.objects.bulk_create(missing, batch_size=500)
            existing |= {(p.department_id, p.name): p for p in missing}
            projects = [existing[department.pk, name] for department, name in wanted]
            evaluations = [
                Evaluation(
                    project=project,
                    year=year,
                    status=rng.choice(STATUSES),
                    project_lead=rng.choice(["张伟", "王芳", "李娜", "刘洋"]),
                    contact_phone=f"6955{rng.randint(0, 9999):04d}",
                    goal_expected=f"按计划完成{project.name}的年度任务，提升服务质量。",
                    goal_actual="已按计划完成年度任务。",
                )
                for project in projects
            ]
            Evaluation.objects.bulk_create(evaluations, batch_size=500)
            lines, rows = [], []
            for evaluation in evaluations:
                annual = Decimal(rng.randint(10_000, 50_000_000)) / 10_000  # 万元, 4 decimals
                executed = (annual * Decimal(rng.uniform(0.9, 1.0))).quantize(SIX_PLACES)
                lines.append(
                    BudgetLine(
                        evaluation=evaluation,
                        kind="total",
                        initial_budget=annual,
                        annual_budget=annual,
                        executed=executed,
                    )
                )
                lines.append(
                    BudgetLine(
                        evaluation=evaluation,
                        kind="current",
                        initial_budget=annual,
                        annual_budget=annual,
                        executed=executed,
                    )
                )
                lines.append(BudgetLine(evaluation=evaluation, kind="carryover"))
                lines.append(BudgetLine(evaluation=evaluation, kind="other"))
                for position, row in enumerate(_rows(rng, indicators), start=1):
                    reviewed = evaluation.status == "approved" and rng.random() < 0.05
                    rows.append(
                        Indicator(
                            evaluation=evaluation,
                            level2=level2[row["level1"], row["level2"]],
                            position=position,
                            name=row["name"],
                            target=row["target"],
                            actual=row["actual"],
                            weight=row["weight"],
                            score=row["score"],
                            tier=row["tier"],
                            deviation_reason=row["deviation_reason"],
                            review_score=row["score"] if reviewed else None,
                            review_comment="经审核，得分认定无误。" if reviewed else "",
                            **_parsed(row["target"], row["actual"]),
                        )
                    )
            BudgetLine.objects.bulk_create(lines, batch_size=1000)
            Indicator.objects.bulk_create(rows, batch_size=1000)
        if summaries:
            from projects.summaries import summaries_refresh_all

            summaries_refresh_all(Evaluation.objects.filter(pk__in=[e.pk for e in evaluations]))
        created += size
        if verbose:
            rate = created / (time.perf_counter() - started)
            print(f"  {created}/{count} 张（{rate:.0f} 张/秒）", file=sys.stderr)
    return created


def ensure_forms(
    count: int,
    *,
    year: int = 2023,
    indicators: int = 10,
    summaries: bool = True,
    verbose: bool = False,
) -> int:
    """Top the year's synthetic forms up to ``count``; return how many exist now."""
    from projects.models import Evaluation

    synthetic = Evaluation.objects.filter(
        year=year, project__department__name__startswith=NAME_PREFIX
    )
    existing = synthetic.count()
    if existing < count:
        create_forms(
            count - existing,
            year=year,
            indicators=indicators,
            start=existing,
            summaries=summaries,
            verbose=verbose,
        )
    return max(existing, count)


def setup_django(database: str | None = None) -> None:
    """Django on the benchmark database (migrated), unless DATABASE_URL is set."""
    sys.path.insert(0, str(ROOT))
    if database or "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{database or DEFAULT_DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfeval.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=50_000)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--indicators", type=int, default=10, help="三级 rows per form")
    parser.add_argument("--database", help=f"SQLite file (default {DEFAULT_DATABASE})")
    parser.add_argument(
        "--no-summaries", action="store_true", help="skip rebuilding the stored score summaries"
    )
    args = parser.parse_args()
    setup_django(args.database)
    started = time.perf_counter()
    total = ensure_forms(
        args.forms,
        year=args.year,
        indicators=args.indicators,
        summaries=not args.no_summaries,
        verbose=True,
    )
    print(f"{args.year}年度：{total} 张合成自评表（{time.perf_counter() - started:.1f} 秒）")


if __name__ == "__main__":
    main()
