"""Benchmark of the dashboard: one year's page with 50,000 forms in the database.

Fills its own database with synthetic forms (``bench/synthetic.py``): 20 years x 2,500
forms = 50,000 forms under 300 departments, 15 三级 rows each, with their stored
score summaries; then renders the dashboard for the latest year through Django's test
client (the whole stack: middleware, session, view, queries, template) and prints the
median, the spread and the number of queries, for an admin (all 300 departments) and
for a reviewer of 10 departments. Also times the project page and the indicator library.

    python bench/bench_dashboard.py                  # SQLite, /tmp/selfeval-bench-dashboard.sqlite3
    DATABASE_URL=postgres://user:pw@127.0.0.1/selfeval_bench_dash python bench/bench_dashboard.py

The data is made once per database (about 4 minutes) and reused by later runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "/tmp/selfeval-bench-dashboard.sqlite3"
YEARS = 20
LAST_YEAR = 2023
DEPARTMENTS = 300
INDICATORS = 15
TARGET_MS = 300


def fill(total: int) -> None:
    from bench.synthetic import NAME_PREFIX, create_forms
    from projects.models import Evaluation

    per_year = total // YEARS
    for index, year in enumerate(range(LAST_YEAR - YEARS + 1, LAST_YEAR + 1)):
        existing = Evaluation.objects.filter(
            year=year, project__department__name__startswith=NAME_PREFIX
        ).count()
        if existing >= per_year:
            continue
        started = time.perf_counter()
        create_forms(
            per_year - existing,
            year=year,
            indicators=INDICATORS,
            departments=DEPARTMENTS,
            start=index * per_year + existing,
            batch_size=per_year,
            seed=year,
        )
        print(f"  {year}年度：{per_year} 张（{time.perf_counter() - started:.1f} 秒）", flush=True)


def users():
    from django.contrib.auth.models import Group, User

    from bench.synthetic import NAME_PREFIX
    from projects.models import Department, DepartmentAssignment
    from projects.roles import Role

    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    reviewer, created = User.objects.get_or_create(username="bench-reviewer")
    if created:
        reviewer.groups.add(Group.objects.get(name=Role.REVIEWER.value))
        for department in Department.objects.filter(
            parent=None, name__startswith=NAME_PREFIX
        ).order_by("name")[:10]:
            DepartmentAssignment.objects.create(user=reviewer, department=department)
    return admin, reviewer


def measure(client, url: str, runs: int) -> tuple[list[float], list[float], int, int]:
    """Wall times and this process's CPU times (ms), the query count and the page size.

    On a shared machine the wall time includes waiting for a core; the CPU time is
    what the request costs this process (on PostgreSQL the server's own work is in
    another process, so only the wall time includes it).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm-up: template cache, first connection
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return times, cpu, len(queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database", help=f"SQLite file (default {DEFAULT_DATABASE})")
    args = parser.parse_args()

    from bench.synthetic import setup_django

    if "DATABASE_URL" not in os.environ or args.database:
        os.environ["DATABASE_URL"] = f"sqlite:///{args.database or DEFAULT_DATABASE}"
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from projects.models import Evaluation

    setup_test_environment()  # the test client's host; DEBUG off as in the test runner
    settings.DEBUG = False

    load = os.getloadavg()[0]
    print(
        f"数据库：{connection.vendor}（{connection.settings_dict['NAME']}），负载 {load:.1f}",
        flush=True,
    )
    started = time.perf_counter()
    fill(args.forms)
    print(
        f"自评表 {Evaluation.objects.count()} 张（{Evaluation.objects.values('year').distinct().count()} 个年度），"
        f"准备用时 {time.perf_counter() - started:.1f} 秒",
        flush=True,
    )
    if connection.vendor == "postgresql":  # as autovacuum would have, after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE projects_evaluation")
            cursor.execute("VACUUM ANALYZE projects_evaluationsummary")
            cursor.execute("VACUUM ANALYZE projects_project")
            cursor.execute("VACUUM ANALYZE projects_indicator")

    admin, reviewer = users()
    project_id = (
        Evaluation.objects.filter(year=LAST_YEAR)
        .order_by("pk")
        .values_list("project_id", flat=True)[0]
    )
    pages = [
        ("仪表盘（管理员，全部 300 个部门）", admin, f"/dashboard/?year={LAST_YEAR}"),
        ("仪表盘（审核人，10 个部门）", reviewer, f"/dashboard/?year={LAST_YEAR}"),
        ("项目页（历年）", admin, f"/dashboard/projects/{project_id}/"),
        ("指标库（一个年度）", admin, f"/dashboard/indicators/?year={LAST_YEAR}"),
        ("指标库（全部年度）", admin, "/dashboard/indicators/?year=all"),
    ]
    print(
        "| 页面 | 中位数 ms | 最快 ms | 最慢 ms | 本进程 CPU 中位数 ms | 查询数 | 页面 KB |\n"
        "|---|---|---|---|---|---|---|"
    )
    failed = False
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        runs = args.runs if "全部年度" not in label else max(3, args.runs // 3)
        times, cpu, queries, size = measure(client, url, runs)
        median = statistics.median(times)
        print(
            f"| {label} | {median:.0f} | {min(times):.0f} | {max(times):.0f} "
            f"| {statistics.median(cpu):.0f} | {queries} | {size / 1024:.0f} |",
            flush=True,
        )
        if label.startswith("仪表盘") and median >= TARGET_MS:
            failed = True
    if failed:
        print(f"仪表盘中位数未达到 < {TARGET_MS} ms 的目标", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
