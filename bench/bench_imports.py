"""Benchmark of the importers, run by hand; figures go to docs/performance.md「导入」.

    python bench/bench_imports.py               # everything
    python bench/bench_imports.py --repeat 3    # fewer repetitions

What is measured (no targets: for planning what an upload or a night's folder costs),
each the median of ``--repeat`` parses after one warm-up, wall and CPU time:

1. Word: the 14 real demo forms in one .docx (``parse``), and the import preview of
   that file (parse, score, every check of the real import, no write).
2. Excel in the paper layout: the 14 forms as one workbook of 14 sheets.
3. PDF: one demo form as our PDF export (a text layer, ruled tables).
4. .doc: one demo form saved as Word 97-2003 by LibreOffice (untimed), then imported:
   the LibreOffice conversion in a temporary folder plus the .docx parse.

Uses its own SQLite database (/tmp/selfeval-bench-imports.sqlite3) with the demo data.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_exports import median_ms  # noqa: E402
from bench.synthetic import setup_django  # noqa: E402

DATABASE = "/tmp/selfeval-bench-imports.sqlite3"
DEMO_PROJECT = "帮扶专项资金"


def demo_sheets():
    from projects.demo import load_demo
    from projects.exports.sheet import sheets_for
    from projects.models import Evaluation

    load_demo()
    return list(sheets_for(Evaluation.objects.order_by("pk")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_django(DATABASE)

    from projects.exports.paper_xlsx import PaperWorkbookExporter
    from projects.exports.pdf import PdfExporter
    from projects.exports.word import DocxExporter
    from projects.imports import parse_file
    from projects.imports.preview import preview_file
    from projects.models import Evaluation
    from tests.projects.docx_builder import build_docx, seed_blocks

    sheets = demo_sheets()
    one = next(sheet for sheet in sheets if sheet.project_name == DEMO_PROJECT)
    word = build_docx(seed_blocks())
    workbook = b"".join(PaperWorkbookExporter().stream(Evaluation.objects.order_by("pk")))
    pdf = PdfExporter().render(one).read_all()

    def parse(data: bytes, name: str, count: int):
        forms = parse_file(data, filename=name)
        assert len(forms) == count, (name, len(forms))

    results = {
        "word_14_forms": median_ms(lambda: parse(word, "14.docx", 14), args.repeat),
        "preview_word_14_forms": median_ms(lambda: preview_file(word, "14.docx"), args.repeat),
        "paper_xlsx_14_sheets": median_ms(lambda: parse(workbook, "14.xlsx", 14), args.repeat),
        "pdf_1_form": median_ms(lambda: parse(pdf, "1.pdf", 1), args.repeat),
    }
    if shutil.which("soffice"):
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "form.docx"
            source.write_bytes(DocxExporter().render(one).read_all())
            subprocess.run(
                ["soffice", "--headless", "--convert-to", "doc", "--outdir", folder, str(source)],
                check=True,
                capture_output=True,
                timeout=180,
            )
            doc = (Path(folder) / "form.doc").read_bytes()
        repeat = max(3, args.repeat // 2)
        results["doc_1_form_with_conversion"] = median_ms(lambda: parse(doc, "1.doc", 1), repeat)
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
