"""The finding codes and the severity labels are written once, in ``indicators.checks``.

Code compares a finding's code with ``checks.Code`` and names a severity with
``checks.SEVERITY_LABELS``; a bare "value_unparsed" in a comparison, or a second
{"error": "错误", …}, would drift from the checks without any test noticing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from indicators.checks import SEVERITY_LABELS, Code
from indicators.scoring import Severity

ROOT = Path(__file__).resolve().parents[2]
PYTHON_DIRS = ("indicators", "projects", "jobs", "selfeval", "bench")
DEFINED_IN = ROOT / "indicators" / "checks.py"
CODES = frozenset(code.value for code in Code)
LABELS = frozenset(SEVERITY_LABELS.values())


def _python_files() -> list[Path]:
    return [
        path
        for folder in PYTHON_DIRS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts and path != DEFINED_IN
    ]


def _constant(node: ast.AST) -> list[str]:
    return [node.value] if isinstance(node, ast.Constant) and isinstance(node.value, str) else []


def _compared(node: ast.AST) -> list[str]:
    """The string constants of a compared operand: itself, or the items of a literal
    collection (``code in {"a", "b"}``)."""
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        return [value for item in node.elts for value in _constant(item)]
    return _constant(node)


def bare_codes(source: str) -> list[tuple[int, str]]:
    """(line, code) of each code written as a string where a program uses it: compared
    (``==``, ``!=``, ``in``), matched, passed as ``code=`` or given a name of its own."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            values = [v for operand in (node.left, *node.comparators) for v in _compared(operand)]
        elif (
            isinstance(node, ast.Assign | ast.AnnAssign | ast.MatchValue)
            or (isinstance(node, ast.keyword) and node.arg == "code")
        ) and node.value is not None:
            values = _constant(node.value)
        else:
            continue
        found += [(getattr(node, "lineno", 0), value) for value in values if value in CODES]
    return found


def severity_labels(source: str) -> list[tuple[int, str]]:
    """(line, label) of each severity label written as a string of its own."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and node.value in LABELS
    ]


@pytest.mark.parametrize(
    "source",
    [
        'ok = any(f.code == "value_unparsed" for f in findings)',
        'if finding.code in {"weight_missing", "budget_missing"}:\n    pass',
        'OUT_OF_BAND = "qualitative_score_out_of_band"',
        'Finding(code="weights_not_100", severity=s, message="")',
        'match code:\n    case "recorded_total_mismatch":\n        pass',
    ],
)
def test_the_scan_finds_a_bare_code(source):
    assert bare_codes(source)


def test_the_scan_leaves_field_names_and_the_enum_alone():
    source = (
        'FIELDS = ("amount_unit_converted", "recorded_total_mismatch")\n'
        'data = {"amount_unit_converted": True}\n'
        "ok = any(f.code == Code.VALUE_UNPARSED for f in findings)\n"
        "queryset.filter(summary__recorded_total_mismatch=True)\n"
    )
    assert bare_codes(source) == []


def test_no_program_compares_a_bare_code_string():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {code!r}"
        for path in _python_files()
        for line, code in bare_codes(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "use indicators.checks.Code instead of:\n" + "\n".join(found)


def test_no_template_or_script_names_a_code():
    # Templates and scripts show ``finding.code`` (data-code attributes); none picks one out.
    quoted = re.compile("[\"']({})[\"']".format("|".join(sorted(CODES))))
    files = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "static" / "js").glob("*.js")]
    assert len(files) > 20
    found = [
        f"{path.relative_to(ROOT)}: {match.group(1)}"
        for path in files
        for match in quoted.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_severity_labels_are_written_once():
    assert severity_labels('LABELS = {"error": "错误", "warning": "警告"}')
    found = [
        f"{path.relative_to(ROOT)}:{line}: {label}"
        for path in _python_files()
        for line, label in severity_labels(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "use indicators.checks.SEVERITY_LABELS instead of:\n" + "\n".join(found)


def test_every_severity_has_a_label_found_by_its_stored_value():
    assert set(SEVERITY_LABELS) == set(Severity)
    # Stored results (EvaluationSummary.result_details, the import preview in the
    # session) carry the value "error"; it finds the same label as the enum.
    assert SEVERITY_LABELS["error"] == SEVERITY_LABELS[Severity.ERROR] == "错误"
    assert SEVERITY_LABELS["warning"] == "警告"
