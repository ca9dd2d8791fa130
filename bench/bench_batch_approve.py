"""Benchmark of the list's 批量审核通过: 100 submitted forms approved in one POST.

Makes a throw-away test database (migrated, like the test suite's), 100 submitted forms
of one department with tests.factories (3 三级 rows each, no stored summaries: every
form is scored live, the slower case), and posts them to ``evaluations_approve`` as
their reviewer through Django's test client, after one warm-up POST. Prints the wall time and the number of
SQL queries; figures go to docs/performance.md「批量审核」.

    python bench/bench_batch_approve.py              # 100 forms
    python bench/bench_batch_approve.py --forms 300
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selfeval.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    from projects.models import Evaluation
    from projects.roles import Role
    from tests.factories import make_department, make_evaluation, make_project, make_user

    department = make_department("批量审核基准部门")
    reviewer = make_user("bench_reviewer", Role.REVIEWER, department)
    forms = [
        make_evaluation(
            make_project(department, f"基准项目{n:04}"),
            indicators=3,
            status=Evaluation.Status.SUBMITTED,
        )
        for n in range(args.forms)
    ]
    data = {"ids": [str(form.pk) for form in forms], "comment": "同意"}
    data |= {f"version-{form.pk}": str(form.version) for form in forms}
    client = Client()
    client.force_login(reviewer)
    client.post(reverse("evaluations_approve"), {})  # warm-up: imports, URLconf, middleware
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.post(reverse("evaluations_approve"), data)
        elapsed = time.perf_counter() - started
    approved = Evaluation.objects.filter(status=Evaluation.Status.APPROVED).count()
    assert response.status_code == 302 and approved == args.forms, (response, approved)
    print(f"{args.forms}-form batch approval: {elapsed:.2f} s, {len(queries)} queries")
    if os.environ.get("SHOW_SQL"):
        for query in queries.captured_queries[:12]:
            print(query["sql"][:100])


if __name__ == "__main__":
    main()
