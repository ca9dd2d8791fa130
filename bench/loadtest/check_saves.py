"""After a load test: was every answered save stored exactly once?

    DATABASE_URL=postgres://… python bench/loadtest/check_saves.py out/plan.json out/saves.jsonl

For every form of the plan: its version must have grown by the number of saves that
were answered 302 (fewer: a save was lost; more: one was stored twice), and its
实际完成情况 must be the marker of the last of them. Exits 1 on any difference.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.synthetic import setup_django  # noqa: E402


def main() -> int:
    plan_path, saves_path = Path(sys.argv[1]), Path(sys.argv[2])
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    saves = [json.loads(line) for line in saves_path.read_text(encoding="utf-8").splitlines()]
    setup_django()
    from projects.models import Evaluation

    answered = defaultdict(list)
    unanswered = defaultdict(int)
    for save in saves:
        if save["ok"]:
            answered[save["pk"]].append(save["marker"])
        else:
            unanswered[save["pk"]] += 1
    start = {f["pk"]: f["version"] for user in plan["users"] for f in user["forms"]}
    stored = dict(
        (pk, (version, goal))
        for pk, version, goal in Evaluation.objects.filter(pk__in=start).values_list(
            "pk", "version", "goal_actual"
        )
    )
    lost = duplicated = wrong_last = 0
    for pk, version0 in start.items():
        version, goal = stored[pk]
        grown, expected = version - version0, len(answered[pk])
        if grown < expected:
            lost += expected - grown
            print(f"form {pk}: {expected} saves answered, version grew by {grown} (lost)")
        elif grown > expected + unanswered[pk]:
            duplicated += grown - expected
            print(f"form {pk}: {expected} saves answered, version grew by {grown} (duplicated)")
        if answered[pk] and goal != answered[pk][-1] and not unanswered[pk]:
            wrong_last += 1
            print(f"form {pk}: stored {goal!r}, last answered save was {answered[pk][-1]!r}")
    total = sum(len(v) for v in answered.values())
    print(
        f"saves answered 302: {total}; not answered 302: {sum(unanswered.values())}; "
        f"forms: {len(start)}; lost: {lost}; duplicated: {duplicated}; wrong last value: {wrong_last}"
    )
    return 1 if lost or duplicated or wrong_last else 0


if __name__ == "__main__":
    sys.exit(main())
