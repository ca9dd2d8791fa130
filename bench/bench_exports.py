"""Benchmark of the exports, run by hand; figures go to docs/performance.md「导出」.

    python bench/bench_exports.py                  # everything, 50,000 forms for Excel
    python bench/bench_exports.py --forms 5000     # a smaller Excel run
    python bench/bench_exports.py --skip-xlsx      # Word and PDF only

What is measured, each pair in the same run:

1. Word: the .docx of a 30-indicator form, median of ``--repeat`` renders (target < 100 ms).
2. PDF: PdfExporter.render(sheet) — template, strict logging, font check — against
   WeasyPrint rendering the same HTML string on its own; medians, interleaved
   (target: within 1.2×). For a demo form and the 30-indicator form.
3. Excel: the summary of ``--forms`` synthetic forms (bench/synthetic.py, year 2024)
   in a fresh process: wall time and peak RSS (targets < 30 s, < 500 MB), and how
   many forms had a current stored result (the others are scored live: run
   ``manage.py refresh_summaries`` on a database made by older code). Then, in
   another fresh process, openpyxl's write-only mode writing the very same rows
   (read back from that file beforehand, untimed) on its own (target: within 2×).

Uses its own SQLite database (bench/synthetic.py: /tmp/selfeval-bench.sqlite3) unless
DATABASE_URL is set; the synthetic forms are created on the first run (minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import ensure_forms, setup_django  # noqa: E402

XLSX_YEAR = 2024
DOCX_YEAR = 2030  # a year of its own for the single 30-indicator form
SUMMARY_PATH = Path("/tmp/selfeval-bench-summary.xlsx")


class Timer:
    """Wall and CPU time of a block; CPU time is what a busy shared machine distorts least."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def median_ms(function, repeat: int) -> dict:
    """Median wall and CPU milliseconds of ``repeat`` calls, after one warm-up call."""
    function()
    walls, cpus = [], []
    for _ in range(repeat):
        with Timer() as timer:
            function()
        walls.append(timer.wall * 1000)
        cpus.append(timer.cpu * 1000)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "max": max(walls)}


def sheet_of_year(year: int, indicators: int):
    from projects.exports.sheet import sheets_for
    from projects.models import Evaluation

    ensure_forms(1, year=year, indicators=indicators)
    first = Evaluation.objects.filter(year=year).order_by("pk").values_list("pk", flat=True)[0]
    return next(sheets_for(Evaluation.objects.filter(pk=first)))


def demo_sheet(project: str):
    from projects.demo import load_demo
    from projects.exports.sheet import sheets_for
    from projects.models import Evaluation

    load_demo()
    return next(sheets_for(Evaluation.objects.filter(project__name=project)))


def bench_docx(repeat: int) -> dict:
    from projects.exports.word import DocxExporter

    sheet = sheet_of_year(DOCX_YEAR, 30)
    assert len(sheet.indicator_rows) == 30
    exporter = DocxExporter()
    times = median_ms(lambda: exporter.render(sheet), repeat)
    return {
        "docx_30_median_ms": times["wall"],
        "docx_30_median_cpu_ms": times["cpu"],
        "docx_30_max_ms": times["max"],
    }


def weasyprint_alone(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def bench_pdf(repeat: int) -> dict:
    import weasyprint

    from projects.exports.pdf import PdfExporter, print_html

    figures = {}
    for label, sheet in (
        ("demo", demo_sheet("帮扶专项资金")),
        ("30", sheet_of_year(DOCX_YEAR, 30)),
    ):
        html = print_html(sheet)
        exporter = PdfExporter()
        ours, alone = {"wall": [], "cpu": []}, {"wall": [], "cpu": []}
        exporter.render(sheet)  # warm-up: fonts loaded, caches filled
        weasyprint_alone(html)
        for _ in range(repeat):  # interleaved, so that drift hits both alike
            for times, function in (
                (ours, partial(exporter.render, sheet)),
                (alone, partial(weasyprint_alone, html)),
            ):
                with Timer() as timer:
                    function()
                times["wall"].append(timer.wall * 1000)
                times["cpu"].append(timer.cpu * 1000)
        for kind in ("wall", "cpu"):
            mine, theirs = statistics.median(ours[kind]), statistics.median(alone[kind])
            figures[f"pdf_{label}_ours_{kind}_ms"] = mine
            figures[f"pdf_{label}_weasyprint_{kind}_ms"] = theirs
            figures[f"pdf_{label}_{kind}_ratio"] = mine / theirs
        figures[f"pdf_{label}_pages"] = len(weasyprint.HTML(string=html).render().pages)
    return figures


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would count the parent's
    memory at fork, since it survives exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_xlsx() -> dict:
    """The exporter on the synthetic year, as the command and the view run it."""
    from projects.exports.excel import SummaryExporter
    from projects.models import Evaluation
    from projects.selectors.evaluations import rules_digest, scoring_rules

    evaluations = Evaluation.objects.filter(year=XLSX_YEAR)
    stored = evaluations.filter(
        summary__rules_digest=rules_digest(scoring_rules()), summary__result_details__isnull=False
    ).count()
    rss_before = peak_rss_mb()
    with Timer() as timer, SUMMARY_PATH.open("wb") as handle:
        forms = SummaryExporter().write(evaluations, handle)
    return {
        "xlsx_forms": forms,
        "xlsx_forms_with_current_stored_results": stored,
        "xlsx_seconds": timer.wall,
        "xlsx_cpu_seconds": timer.cpu,
        "xlsx_peak_rss_mb": peak_rss_mb(),
        "xlsx_rss_before_mb": rss_before,
        "xlsx_bytes": SUMMARY_PATH.stat().st_size,
    }


def child_baseline() -> dict:
    """openpyxl write-only writing the same rows alone (values read back beforehand)."""
    import openpyxl

    source = openpyxl.load_workbook(SUMMARY_PATH, read_only=True)
    sheets = {ws.title: list(ws.iter_rows(values_only=True)) for ws in source.worksheets}
    source.close()
    rows = sum(len(r) for r in sheets.values())
    cells = sum(len(row) for r in sheets.values() for row in r)
    with Timer() as everything:
        workbook = openpyxl.Workbook(write_only=True)
        for title, values in sheets.items():
            worksheet = workbook.create_sheet(title)
            for row in values:
                worksheet.append(row)
        workbook.save("/tmp/selfeval-bench-baseline.xlsx")
    with Timer() as summary_only:  # the 汇总 sheet alone: one row per form
        workbook = openpyxl.Workbook(write_only=True)
        worksheet = workbook.create_sheet("汇总")
        for row in sheets["汇总"]:
            worksheet.append(row)
        workbook.save("/tmp/selfeval-bench-baseline-summary.xlsx")
    return {
        "baseline_seconds": everything.wall,
        "baseline_cpu_seconds": everything.cpu,
        "baseline_summary_sheet_seconds": summary_only.wall,
        "baseline_summary_sheet_cpu_seconds": summary_only.cpu,
        "baseline_rows": rows,
        "baseline_cells": cells,
    }


def run_child(name: str, database: str | None) -> dict:
    command = [sys.executable, __file__, "--child", name]
    if database:
        command += ["--database", database]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark of the exports")
    parser.add_argument("--forms", type=int, default=50_000, help="forms in the Excel run")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", help="SQLite file (default: bench/synthetic.py's)")
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument("--child", choices=["xlsx", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django(args.database)

    if args.child:
        figures = child_xlsx() if args.child == "xlsx" else child_baseline()
        print(json.dumps(figures))
        return

    figures = {"load_average": os.getloadavg(), "cpus": os.cpu_count()}
    figures |= bench_docx(args.repeat)
    figures |= bench_pdf(max(5, args.repeat // 2))
    if not args.skip_xlsx:
        ensure_forms(args.forms, year=XLSX_YEAR, verbose=True)
        figures |= run_child("xlsx", args.database)
        figures |= run_child("baseline", args.database)
        figures["xlsx_ratio"] = figures["xlsx_seconds"] / figures["baseline_seconds"]
        figures["xlsx_cpu_ratio"] = figures["xlsx_cpu_seconds"] / figures["baseline_cpu_seconds"]
    figures["load_average_after"] = os.getloadavg()
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
