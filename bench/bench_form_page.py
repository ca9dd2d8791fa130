"""Benchmark of the form page, run by hand; figures go to docs/performance.md「表单页面」.

    python bench/bench_form_page.py                 # 30 indicator rows, 200 runs each
    python bench/bench_form_page.py --rows 60 --repeat 50

Server time as the Django test client sees it (middleware, view, scoring, templates,
database; no network, no browser), median and 90th percentile over ``--repeat`` runs
after a few warm-up runs, for one synthetic form (bench/synthetic.py) with ``--rows``
三级 rows, opened by its filler:

1. GET the form page (target: median < 50 ms for 30 rows);
2. POST save with one row and the 实际完成情况 changed (target: median < 100 ms);
3. POST save with every row changed;
4. POST the live recalculation (what each pause in typing costs);
5. GET the form page after those saves, and again once ``--events`` (400) more saves
   are in its 修改记录 (the page shows the latest 20: size and time must not grow).

``--wal`` switches the SQLite file to write-ahead logging first, to compare.

Runs as in production (DEBUG=false: no query log, hashed static files collected to\n/tmp/selfeval-bench-static) on its own SQLite file unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2032  # a year of its own for the benchmark's form
DATABASE = "/tmp/selfeval-bench-form.sqlite3"
FORM_ENCODED = "application/x-www-form-urlencoded"

for name, value in {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only",
    "ALLOWED_HOSTS": "testserver",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    # DEBUG=false serves hashed static files (whitenoise manifest): collected once here.
    "STATIC_ROOT": "/tmp/selfeval-bench-static",
}.items():
    os.environ.setdefault(name, value)

from bench.synthetic import ensure_forms, setup_django  # noqa: E402


def figures(wall: list[float], cpu: list[float]) -> dict[str, float]:
    wall, cpu = sorted(wall), sorted(cpu)
    return {
        "median": statistics.median(wall),
        "p90": wall[int(len(wall) * 0.9) - 1],
        "cpu": statistics.median(cpu),
    }


def timed(function, repeat: int, warmup: int = 5) -> dict[str, float]:
    """Wall and CPU time of ``function`` in ms. CPU time (this process only) is the
    steadier figure on a shared machine; wall time is what a user waits for."""
    for _ in range(warmup):
        function()
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return figures(wall, cpu)


def bench_form(rows: int) -> tuple:
    """The benchmark's form with ``rows`` rows, as a draft, and a filler allowed to edit it."""
    from django.contrib.auth.models import Group, User

    from projects.models import DepartmentAssignment, Evaluation
    from projects.roles import Role

    year = YEAR + rows  # one form per row count
    ensure_forms(1, year=year, indicators=rows)
    evaluation = Evaluation.objects.select_related("project").get(
        year=year, project__department__name__startswith="合成"
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.DRAFT)
    assert evaluation.indicators.count() == rows, evaluation.indicators.count()
    user, _ = User.objects.get_or_create(username="bench_filler")
    user.groups.add(Group.objects.get(name=Role.FILLER.value))
    DepartmentAssignment.objects.get_or_create(user=user, department=evaluation.project.department)
    return evaluation, user


def add_events(evaluation, count: int) -> int:
    """Add ``count`` saves (three changes each) to the form's history; the events it now has."""
    from projects.models import EvaluationEvent

    change = {"where": "三级指标第1行", "field": "偏差原因", "before": "原因", "after": "原因2"}
    EvaluationEvent.objects.bulk_create(
        EvaluationEvent(
            evaluation=evaluation, kind=EvaluationEvent.Kind.SAVED, changes=[change] * 3
        )
        for _ in range(count)
    )
    return EvaluationEvent.objects.filter(evaluation=evaluation).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--events", type=int, default=400, help="events added for step 5")
    parser.add_argument("--database", default=None, help=f"SQLite file (default {DATABASE})")
    parser.add_argument(
        "--wal",
        action="store_true",
        help="SQLite: switch the file to write-ahead logging first (default: the rollback "
        "journal, as the settings leave it; the mode stays with the file, so a run without "
        "--wal switches it back)",
    )
    args = parser.parse_args()

    setup_django(args.database or (None if "DATABASE_URL" in os.environ else DATABASE))
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from projects.models import Evaluation
    from tests.projects.form_helpers import page_data

    call_command("collectstatic", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA journal_mode={'WAL' if args.wal else 'DELETE'}")
            journal = cursor.fetchone()[0]
    else:
        journal = "-"
    evaluation, user = bench_form(args.rows)
    client = Client()
    client.force_login(user)
    page_url = reverse("evaluation_detail", args=[evaluation.pk])
    save_url = reverse("evaluation_save", args=[evaluation.pk])
    recalc_url = reverse("evaluation_recalculate", args=[evaluation.pk])

    def post(url: str, data: dict[str, str]):
        # As a browser (and htmx) sends a form: urlencoded. The test client's default,
        # multipart, costs several ms more to parse for a form of this size.
        return client.post(url, urlencode(data), content_type=FORM_ENCODED)

    def get_page():
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code

    counter = {"n": 0}

    def save(all_rows: bool):
        data = page_data(evaluation)  # the current version, rows as stored (untimed below)
        counter["n"] += 1
        data["goal_actual"] = f"第{counter['n']}次保存"
        changed = range(args.rows) if all_rows else [0]
        for index in changed:
            data[f"indicator-{index}-deviation_reason"] = f"原因{counter['n']}"
        return data

    def timed_save(all_rows: bool, repeat: int) -> dict[str, float]:
        wall, cpu = [], []
        for run in range(repeat + 3):
            data = save(all_rows)
            started, started_cpu = time.perf_counter(), time.process_time()
            response = post(save_url, data)
            elapsed_cpu = (time.process_time() - started_cpu) * 1000
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 302, response.content[:2000]
            if run >= 3:
                wall.append(elapsed)
                cpu.append(elapsed_cpu)
        return figures(wall, cpu)

    recalc_data = page_data(evaluation)
    recalc_data["indicator-0-actual"] = "1"

    def recalculate():
        response = post(recalc_url, recalc_data)
        assert response.status_code == 200

    page_html = client.get(page_url).content
    load_before = f"{os.getloadavg()[0]:.2f}"
    results = {
        "GET form page": timed(get_page, args.repeat),
        "POST save (1 row changed)": timed_save(False, args.repeat),
        f"POST save (all {args.rows} rows changed)": timed_save(True, args.repeat),
        "POST recalculate": timed(recalculate, args.repeat),
    }
    events = add_events(evaluation, 0)
    results[f"GET form page ({events} events)"] = timed(get_page, args.repeat)
    results[f"GET form page ({add_events(evaluation, args.events)} events)"] = timed(
        get_page, args.repeat
    )
    page_html_with_history = client.get(page_url).content
    version = Evaluation.objects.get(pk=evaluation.pk).version
    print(
        f"form {evaluation.pk}: {args.rows} rows, page {len(page_html) / 1024:.0f} KiB, "
        f"{connection.vendor} (journal {journal}), {os.cpu_count()} cores, {args.repeat} runs "
        f"(version now {version})"
    )
    print(f"page with the long history: {len(page_html_with_history) / 1024:.0f} KiB")
    print(f"load average before: {load_before}, after: {os.getloadavg()[0]:.2f}")
    for name, result in results.items():
        print(
            f"  {name:<34} median {result['median']:6.1f} ms   p90 {result['p90']:6.1f} ms"
            f"   CPU median {result['cpu']:6.1f} ms"
        )


if __name__ == "__main__":
    main()
