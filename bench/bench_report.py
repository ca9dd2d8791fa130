"""Benchmark of the 年度报告 (.docx), run by hand; figures go to docs/performance.md「年度报告」.

    python bench/bench_report.py                  # 50,000 synthetic forms (target < 60 s)
    python bench/bench_report.py --forms 5000     # a smaller run

What is measured, in a fresh process once the forms exist (bench/synthetic.py, year
2024): ``year_report`` (the dashboard's reads, each 主管部门's grades, the findings of
every stored result, the legacy totals) and the document with its four charts, wall
and CPU time each, and the peak RSS. The report reads stored summaries only: a form
without a current one would be missing from the figures, not scored.

Uses its own SQLite database (bench/synthetic.py: /tmp/selfeval-bench.sqlite3) unless
DATABASE_URL is set or ``--database`` names another; the synthetic forms are created
on the first run (minutes).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_exports import Timer  # noqa: E402
from bench.synthetic import ensure_forms, setup_django  # noqa: E402

YEAR = 2024
REPORT_PATH = Path("/tmp/selfeval-bench-report.docx")


def child() -> dict:
    """The report of the year, timed in this (fresh) process."""
    from projects.exports.registry import REPORT_EXPORTER
    from projects.exports.report import every_form_reader, year_report

    with Timer() as total:
        with Timer() as reading:
            report = year_report(every_form_reader(), YEAR)
        with Timer() as writing, REPORT_PATH.open("wb") as handle:
            forms = REPORT_EXPORTER.write(report, handle)
    return {
        "forms": forms,
        "departments": len(report.board.departments),
        "stale_or_missing_summaries": report.board.missing,
        "read_seconds": reading.wall,
        "read_cpu_seconds": reading.cpu,
        "document_seconds": writing.wall,
        "document_cpu_seconds": writing.cpu,
        "total_seconds": total.wall,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "bytes": REPORT_PATH.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=50_000)
    parser.add_argument("--database", help="SQLite file (default: bench/synthetic.py's)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django(args.database)
    if args.child:
        print(json.dumps(child()))
        return
    ensure_forms(args.forms, year=YEAR, verbose=True)
    command = [sys.executable, __file__, "--child"]
    if args.database:
        command += ["--database", args.database]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
