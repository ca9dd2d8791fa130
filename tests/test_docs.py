"""The repository documents itself: docs/ keeps up with the code, nothing points outside.

- docs/rules.md has a heading for every finding code of ``indicators.checks.Code`` with
  the code's severity, and none for a code that does not exist;
- no tracked file names the design notes kept outside the repository, and no code or
  template carries a note about the issue that introduced it (a fresh clone has neither);
- every docs/*.md that a tracked file names exists.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from indicators.checks import SEVERITIES, Code

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules.md"

# "### `weights_not_100` · error"
CODE_HEADING = re.compile(
    r"^### `(?P<code>[a-z0-9_]+)` · (?P<severity>error|warning|hint)\s*$", re.M
)

# Spelled in pieces so that this file does not name them itself.
OUTSIDE_DOCS = re.compile("|".join(("DESIGN" + r"\.md", "STYLE" + r"\.md", "PIT" + "FALLS")))
ISSUE_NOTE = re.compile(r"\bissues? +\d", re.IGNORECASE)
DOC_LINK = re.compile(r"docs/([\w.-]+\.md)")

SKIPPED_DIRS = {".git", ".venv", "node_modules", "staticfiles", "media", "__pycache__"}
# Code and templates: where a note about an issue does not belong.
CODE_SUFFIXES = {".py", ".html", ".js", ".css", ".sh", ".toml", ".txt"}
CODE_NAMES = {"Makefile", "run"}  # .ci/run
VENDORED = ("static/vendor/",)


def tracked_files() -> list[Path]:
    """The files git tracks, or every file outside build and virtualenv folders."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        listed = ""
    if listed:
        paths = [ROOT / name for name in listed.split("\0") if name]
        return [path for path in paths if path.is_file()]
    return [
        path
        for path in ROOT.rglob("*")
        if path.is_file() and not SKIPPED_DIRS & set(path.relative_to(ROOT).parts)
    ]


def text_of(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:4096]:
        return None  # binary
    return data.decode("utf-8", errors="replace")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_code(path: Path) -> bool:
    name = relative(path)
    if name.startswith(VENDORED):
        return False
    return path.suffix in CODE_SUFFIXES or path.name in CODE_NAMES


@pytest.fixture(scope="module")
def texts() -> dict[Path, str]:
    found = {}
    for path in tracked_files():
        text = text_of(path)
        if text is not None:
            found[path] = text
    return found


def test_rules_has_a_heading_for_every_check_code_with_its_severity():
    headings = {m["code"]: m["severity"] for m in CODE_HEADING.finditer(RULES.read_text())}
    assert set(headings) == {code.value for code in Code}
    assert headings == {code.value: severity.value for code, severity in SEVERITIES.items()}


def test_the_code_heading_pattern_reads_the_rules_page():
    # A heading written another way would be missed by the test above, not flagged.
    text = RULES.read_text()
    backticked = set(re.findall(r"^### `([a-z0-9_]+)`", text, re.M))
    assert backticked == {m["code"] for m in CODE_HEADING.finditer(text)}


def test_the_scan_sees_the_repository(texts):
    names = {relative(path) for path in texts}
    assert {"README.md", "docs/rules.md", "indicators/checks.py", "Makefile"} <= names


def test_no_file_points_to_design_notes_outside_the_repository(texts):
    found = [
        f"{relative(path)}:{number}: {line.strip()}"
        for path, text in texts.items()
        for number, line in enumerate(text.splitlines(), start=1)
        if OUTSIDE_DOCS.search(line)
    ]
    assert found == []


def test_no_code_or_template_carries_an_issue_note(texts):
    found = [
        f"{relative(path)}:{number}: {line.strip()}"
        for path, text in texts.items()
        if is_code(path)
        for number, line in enumerate(text.splitlines(), start=1)
        if ISSUE_NOTE.search(line)
    ]
    assert found == []


def test_every_named_doc_exists(texts):
    missing = sorted(
        f"{relative(path)}: docs/{name}"
        for path, text in texts.items()
        for name in set(DOC_LINK.findall(text))
        if not (ROOT / "docs" / name).is_file()
    )
    assert missing == []


@pytest.mark.parametrize(
    ("line", "outside", "issue"),
    [
        ("see DESIGN" + ".md §3", True, False),
        ("(STYLE" + ".md §4)", True, False),
        ("PIT" + "FALLS: python-docx", True, False),
        ("the design notes", False, False),
        ("Benchmark of the exports (iss" + "ue 5)", False, True),
        ("Iss" + "ue 12.21: both totals", False, True),
        ("iss" + "ues 4 and 12", False, True),
        ("an issue tracker", False, False),
    ],
)
def test_the_patterns(line, outside, issue):
    assert bool(OUTSIDE_DOCS.search(line)) is outside
    assert bool(ISSUE_NOTE.search(line)) is issue


def test_importing_lists_every_name_the_reader_knows():
    """docs/importing.md lists every heading, label and comparator of the form reader."""
    from projects.imports import table

    text = (ROOT / "docs" / "importing.md").read_text(encoding="utf-8")
    names = {
        *table.HEADER_FIELDS,
        *table.BUDGET_COLUMNS,
        *table.BUDGET_LINES,
        *table.INDICATOR_COLUMNS,
        *table.SUBHEADINGS,
        *table.NOTE_LABELS,
        *table.COMPARATORS,
        *table.TOTAL_LABELS,
        *table.REASON_PREFIXES,
        *table.GOAL_LABELS,
    }
    missing = sorted(name for name in names if name not in text)
    assert not missing, f"docs/importing.md does not list: {'、'.join(missing)}"
