"""Scale benchmark: list, search, dashboard and Excel summary at 50,000 forms.

    DATABASE_URL=postgres://…/selfeval_scale python bench/scale.py --forms 50000
    DATABASE_URL=… python bench/scale.py --compare projects.0004_scale_indexes

Server time through the Django test client (production settings, in process, no
network), ``--repeat`` runs after one warm-up: median and max in ms, the number of
queries and the slowest query of the last run. ``--compare MIGRATION`` measures
twice: with that migration unapplied (before) and applied (after), to show what the
indexes it adds are worth; the database is left with it applied.

Synthetic forms come from bench/synthetic.py (``ensure_forms``: created once, minutes).
Uses its own SQLite file unless DATABASE_URL is set; PostgreSQL is what production runs.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEAR = 2023


def _settings() -> None:
    """Production settings, plain http in process (no TLS proxy in a benchmark)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfeval.settings")
    os.environ.update(
        DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        STATIC_ROOT=os.environ.get("STATIC_ROOT") or tempfile.mkdtemp(prefix="selfeval-static-"),
        LOG_LEVEL="ERROR",
        # The "Excel summary of the year" case times the export through the view; above
        # this threshold the view would only offer a background job.
        XLSX_JOB_THRESHOLD=os.environ.get("XLSX_JOB_THRESHOLD") or str(10**9),
    )


def _users():
    from django.contrib.auth.models import Group, User

    from bench.synthetic import NAME_PREFIX
    from projects.models import Department, DepartmentAssignment
    from projects.roles import Role

    def user(name: str, role: Role, *departments) -> User:
        account, _ = User.objects.get_or_create(username=name)
        account.groups.add(Group.objects.get(name=role.value))
        for department in departments:
            DepartmentAssignment.objects.get_or_create(user=account, department=department)
        return account

    top = list(
        Department.objects.filter(parent__isnull=True, name__startswith=NAME_PREFIX).order_by("pk")
    )
    return {
        "admin": user("scale_admin", Role.ADMIN),
        "reviewer": user("scale_reviewer", Role.REVIEWER, *top[:10]),
        "filler": user("scale_filler", Role.FILLER, top[0]),
    }


def cases() -> list[tuple[str, str, str]]:
    """(label, persona, URL) of what is measured."""
    return [
        ("list, page 1", "admin", "/"),
        ("list, page 1000", "admin", "/?page=1000"),
        ("list, year + status", "admin", f"/?year={YEAR}&status=submitted"),
        ("list, reviewer of 10 departments", "reviewer", "/"),
        ("list, filler of 1 department", "filler", "/"),
        ("search, 10 hits", "admin", "/?q=项目00123"),
        ("search, no hit", "admin", "/?q=不存在的项目"),
        ("search, filler", "filler", "/?q=项目0001"),
        ("list, grade 优 (scored)", "admin", f"/?year={YEAR}&grade=优"),
        ("dashboard, admin", "admin", f"/dashboard/?year={YEAR}"),
        ("dashboard, reviewer", "reviewer", f"/dashboard/?year={YEAR}"),
        ("Excel summary of the year", "admin", f"/evaluations/export/xlsx/?year={YEAR}"),
    ]


def measure(repeat: int, only: set[str] | None = None) -> list[dict]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = _users()
    clients = {}
    for persona, account in users.items():
        clients[persona] = Client()
        clients[persona].force_login(account)
    results = []
    for label, persona, url in cases():
        if only and label not in only:
            continue
        client = clients[persona]
        runs = 1 if "Excel" in label or "scored" in label else repeat

        def get(client=client, url=url) -> int:
            response = client.get(url)
            if response.streaming:
                size = sum(len(chunk) for chunk in response.streaming_content)
            else:
                size = len(response.content)
            assert response.status_code == 200, (url, response.status_code)
            return size

        get()  # warm-up (and the check that the page answers 200)
        times = []
        for _ in range(runs):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                size = get()
                times.append((time.perf_counter() - started) * 1000)
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default=None)
        result = {
            "case": label,
            "url": url,
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "queries": len(queries.captured_queries),
            "bytes": size,
            "slowest_query_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0,
            "slowest_query": slowest["sql"][:300] if slowest else "",
        }
        results.append(result)
        print(
            f"{label:<36} median {result['median_ms']:>8.1f} ms  max {result['max_ms']:>8.1f} ms"
            f"  {result['queries']:>3} queries  slowest {result['slowest_query_ms']:>7.1f} ms",
            flush=True,
        )
    return results


def _migrate(app: str, target: str) -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", app, target, verbosity=0)
    print(f"-- migrate {app} {target}: {time.perf_counter() - started:.1f} s", flush=True)


def _previous(app: str, name: str) -> str:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    parents = [p for p in loader.graph.node_map[(app, name)].parents if p.key[0] == app]
    return parents[0].key[1] if parents else "zero"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--compare", help="app.migration to measure without and with")
    parser.add_argument("--only", action="append", help="measure only this case (repeatable)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    _settings()
    from bench.synthetic import ensure_forms, setup_django

    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    total = ensure_forms(args.forms, year=YEAR, verbose=True)
    print(
        f"{total} forms of {YEAR} on {connection.vendor} "
        f"(ready in {time.perf_counter() - started:.0f} s; URLconf {settings.ROOT_URLCONF})",
        flush=True,
    )
    only = set(args.only) if args.only else None
    report: dict = {"forms": total, "database": connection.vendor}
    if args.compare:
        app, name = args.compare.split(".", 1)
        _migrate(app, _previous(app, name))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print("== before", flush=True)
        report["before"] = measure(args.repeat, only)
        _migrate(app, name)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print("== after", flush=True)
        report["after"] = measure(args.repeat, only)
    else:
        report["results"] = measure(args.repeat, only)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
