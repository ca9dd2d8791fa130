"""Prepare the load-test database: synthetic forms, one filler per simulated user, a plan.

    DATABASE_URL=postgres://… python bench/loadtest/prepare.py --forms 5000 --users 100 --out out/plan.json

Every simulated user is a filler of one synthetic department and edits only its own
forms (real fillers do not share a form during the test), so any 409 "saved by
someone else" or lost save is a bug, not a collision. Each user's forms are made
editable drafts; their ids and starting versions go into the plan for the checker.
Each filler also gets one more draft to hand in (submit); ten reviewers over disjoint
departments review, return and approve what is handed in. Also creates an admin. Idempotent for the forms
(``ensure_forms``); users and plan are rebuilt each run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.synthetic import NAME_PREFIX, ensure_forms, setup_django  # noqa: E402

PASSWORD = "loadtest-only-password"  # the bench database only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=5000)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--forms-per-user", type=int, default=3)
    parser.add_argument("--reviewers", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    setup_django()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import transaction

    from projects.models import Department, DepartmentAssignment, Evaluation
    from projects.roles import Role

    ensure_forms(args.forms, year=args.year, verbose=True)
    password = make_password(PASSWORD)
    with transaction.atomic():
        User.objects.filter(username__startswith="lt_").delete()
        departments = list(
            Department.objects.filter(parent__isnull=True, name__startswith=NAME_PREFIX).order_by(
                "pk"
            )
        )
        filler_group = Group.objects.get(name=Role.FILLER.value)
        plan_users = []
        taken: set[int] = set()
        for number in range(args.users):
            department = departments[number % len(departments)]
            user = User.objects.create(username=f"lt_filler{number:03d}", password=password)
            user.groups.add(filler_group)
            DepartmentAssignment.objects.create(user=user, department=department)
            forms = list(
                Evaluation.objects.filter(project__department=department, year=args.year)
                .exclude(pk__in=taken)
                .order_by("pk")
                .values_list("pk", flat=True)[: args.forms_per_user + 1]
            )
            taken.update(forms)
            # The last one is handed in (submit) and comes back (return); the others are
            # only saved, so the save check never meets a read-only form.
            forms, submit_form = forms[:-1], forms[-1]
            Evaluation.objects.filter(pk__in=[*forms, submit_form]).update(
                status=Evaluation.Status.DRAFT
            )
            versions = dict(Evaluation.objects.filter(pk__in=forms).values_list("pk", "version"))
            plan_users.append(
                {
                    "username": user.username,
                    "password": PASSWORD,
                    "forms": [{"pk": pk, "version": versions[pk]} for pk in forms],
                    "submit_form": submit_form,
                }
            )
        # Reviewers over disjoint departments: two never act on the same form at once.
        reviewer_group = Group.objects.get(name=Role.REVIEWER.value)
        plan_reviewers = []
        for number in range(args.reviewers):
            reviewer = User.objects.create(username=f"lt_reviewer{number:02d}", password=password)
            reviewer.groups.add(reviewer_group)
            for department in departments[number :: args.reviewers]:
                DepartmentAssignment.objects.create(user=reviewer, department=department)
            plan_reviewers.append({"username": reviewer.username, "password": PASSWORD})
        admin = User.objects.create(
            username="lt_admin", password=password, is_staff=True, is_superuser=True
        )
        admin.groups.add(Group.objects.get(name=Role.ADMIN.value))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"year": args.year, "users": plan_users, "reviewers": plan_reviewers},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    print(
        f"{Evaluation.objects.filter(year=args.year).count()} 张自评表；"
        f"{len(plan_users)} 个填报人，各编辑 {args.forms_per_user} 张；计划写入 {args.out}"
    )


if __name__ == "__main__":
    main()
