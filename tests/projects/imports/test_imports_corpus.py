"""The corpus of regional layouts (``corpus.py``): each file reads as expected, exactly.

For every file: the header, the 项目资金 lines, every 三级 row, the notes after the
table, how the reader explains what it did, and the exact list of cells it did not
import, which the preview shows. Independently of the reader's own bookkeeping, every
non-empty cell of the file is found again in what was imported, in a label the
importer knows, or in that list.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

import pytest

from projects.imports import ImportFailure, TaxonomyMap, parse_file
from projects.imports.preview import preview_file
from projects.imports.table import (
    BUDGET_COLUMNS,
    BUDGET_LINES,
    COMPARATORS,
    GOAL_LABELS,
    HEADER_FIELDS,
    INDICATOR_COLUMNS,
    NOTE_LABELS,
    SUBHEADINGS,
    TOTAL_LABELS,
)
from projects.imports.values import (
    column_label,
    decimal_text,
    is_placeholder_name,
    level_label,
    one_line,
)
from projects.interchange import form_data_to_dict
from tests.projects.docx_builder import C, Table
from tests.projects.imports.corpus import CASES, Case, build
from tests.projects.office import bordered, needs_soffice, soffice

pytestmark = pytest.mark.django_db

IDS = [case.name for case in CASES]


def read(case: Case):
    return parse_file(build(case), filename=case.filename)


def _money(value):
    return None if value is None else Decimal(value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_layout_reads_as_expected(case):
    forms = read(case)
    assert len(forms) == case.forms
    form = forms[0]
    project, department, unit, lead, phone = case.header
    assert (form.project_name, form.department, form.implementing_unit) == (
        project,
        department,
        unit,
    )
    assert (form.project_lead, form.contact_phone, form.year) == (lead, phone, case.year)
    lines = {line.kind: line for line in form.budget_lines}
    for kind in ("total", "current", "carryover", "other"):
        expected = tuple(_money(v) for v in case.budget.get(kind, (None, None, None)))
        line = lines[kind]
        assert (line.initial_budget, line.annual_budget, line.executed) == expected, kind
    assert form.budget_weight == Decimal(case.budget_weight)
    rows = [
        (
            row.level1,
            row.level2,
            row.name,
            row.target,
            row.actual,
            decimal_text(row.weight),
            decimal_text(row.score),
        )
        for row in form.indicators
    ]
    assert rows == list(case.indicators)
    assert form.paper_notes == case.notes
    assert list(form.unplaced) == list(case.unplaced)
    for text in case.reading:
        assert any(text in note for note in form.reading_notes), form.reading_notes
    for text in case.amount_note:
        assert text in form.amount_unit_note, form.amount_unit_note


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_preview_lists_every_cell_not_imported(case):
    preview = preview_file(build(case), case.filename)
    assert preview.forms, preview.error
    listed = [text for form in preview.forms for text in form.unplaced]
    expected = [text for form in read(case) for text in form.unplaced]
    assert listed == expected
    assert listed[: len(case.unplaced)] == list(case.unplaced)


KNOWN_LABELS = {
    *HEADER_FIELDS,
    *BUDGET_COLUMNS,
    *BUDGET_LINES,
    *GOAL_LABELS,
    *INDICATOR_COLUMNS,
    *SUBHEADINGS,
    *TOTAL_LABELS,
    *NOTE_LABELS,
    *COMPARATORS,
    "绩效指标",
    "项目资金",
}


def _flat(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", one_line(text)).split())


def _cells(case: Case):
    blocks = case.blocks
    if blocks and isinstance(blocks[0], tuple):
        blocks = [block for sheet in blocks for block in sheet]
    for block in blocks:
        if isinstance(block, Table):
            for row in block.rows:
                for raw in row:
                    cell = raw if isinstance(raw, C) else C(raw)
                    if cell.merge != "continue" and cell.text.strip(" -—/\n"):
                        yield cell.text


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_no_cell_is_dropped_silently(case):
    """Every cell of the file, checked from the file's side: it is a label the importer
    knows, or its text is among the imported values, or the cell is listed as not imported."""
    forms = read(case)
    taxonomy = TaxonomyMap.from_db()
    known_labels = KNOWN_LABELS | {
        name for level1, names in taxonomy.tree for name in (level1, *names)
    }
    imported = " ".join(
        _flat(str(value)) for form in forms for value in _values(form_data_to_dict(form))
    )
    listed = " ".join(_flat(text) for form in forms for text in form.unplaced)
    for text in _cells(case):
        flat = _flat(text)
        known = {column_label(text), level_label(text), column_label(text).rstrip(":")}
        if re.match(r"^(?:绩效指标|年度绩效目标\d*)$", level_label(text)):
            continue  # the block's own label cell, with the weight written into it
        if known & known_labels or column_label(text).startswith(
            ("其中", "偏差原因", "未完成原因")
        ):
            continue
        if level_label(text) in imported or is_placeholder_name(text):
            continue  # a weight written into a label; the template's "指标2：", "……"
        parts = [_flat(part) for part in text.split()]  # "张三 138…": two fields of one cell
        assert flat in listed or all(part in imported for part in parts), (
            f"「{text}」 neither imported nor listed"
        )


def _values(data):
    if isinstance(data, dict):
        for value in data.values():
            yield from _values(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _values(value)
    elif data is not None:
        yield data


@pytest.mark.parametrize("exporter", ["docx", "paper-xlsx"])
def test_notes_and_the_forms_review_comment_come_back_through_our_exports(exporter):
    from projects.exports.paper_xlsx import PaperXlsxExporter
    from projects.exports.sheet import build_sheet
    from projects.exports.word import DocxExporter
    from projects.selectors.evaluations import evaluation_result, with_rows
    from tests.factories import make_department, make_evaluation, make_project

    notes = "评价结论：项目完成了年度目标。\n项目负责人：李四　财务负责人：王五"
    evaluation = make_evaluation(make_project(make_department("办公室")), indicators=2)
    evaluation.paper_notes, evaluation.review_comment = notes, "请补充说明\n第二行"
    evaluation.save()
    evaluation = with_rows(type(evaluation).objects.filter(pk=evaluation.pk)).get()
    render = {"docx": DocxExporter, "paper-xlsx": PaperXlsxExporter}[exporter]().render
    rendered = render(build_sheet(evaluation, evaluation_result(evaluation)))
    [form] = parse_file(rendered.read_all(), filename=rendered.filename)
    assert form.paper_notes == notes
    assert form.review_comment == "请补充说明\n第二行"
    assert form.unplaced == ()


def test_several_blocks_each_with_its_total_add_up_to_the_forms_total():
    [case] = [c for c in CASES if c.name == "several_target_blocks_each_with_its_total"]
    [form] = read(case)
    assert (form.recorded_total_weight, form.recorded_total_score) == (Decimal(90), Decimal(88))


# --- files as they are kept: an old .doc, a published PDF ------------------------------


def _quoted(texts) -> list[str]:
    """The cell texts of "…「text」未导入" lines: where a cell is differs between formats."""
    return [re.search(r"「(.*)」未导入", text).group(1) for text in texts]


@needs_soffice
@pytest.mark.parametrize(
    ("name", "target"),
    [("budget_arrived_column", "doc"), ("two_row_target", "pdf"), ("notes_after_table", "pdf")],
)
def test_a_corpus_layout_kept_as_doc_or_published_as_pdf_reads_the_same(tmp_path, name, target):
    [case] = [c for c in CASES if c.name == name]
    source = tmp_path / f"{name}.docx"
    source.write_bytes(bordered(build(case)))
    # LibreOffice writes a .docx's tables into a .doc only by way of its own format.
    kept = soffice(soffice(source, "odt"), "doc") if target == "doc" else soffice(source, "pdf")
    [form] = parse_file(kept.read_bytes(), filename=kept.name)
    [expected] = parse_file(source.read_bytes(), filename=source.name)
    got, want = form_data_to_dict(form), form_data_to_dict(expected)
    if target == "pdf":  # a PDF keeps no line breaks inside a cell's text
        for data in (got, want):
            data["paper_notes"] = data["paper_notes"].replace("\n", "")
    assert got == want
    assert _quoted(form.unplaced) == _quoted(case.unplaced)


def test_a_total_row_after_the_blocks_totals_is_the_forms_total():
    from tests.projects.imports.corpus import TARGET_BLOCKS, TITLE, YEAR

    rows = [*TARGET_BLOCKS.rows, [C("总分", 6), "100", "97.84", ""]]
    case = Case(name="blocks_and_total", blocks=(TITLE, YEAR, Table(rows, columns=9)))
    [form] = read(case)
    assert (form.recorded_total_weight, form.recorded_total_score) == (
        Decimal("100"),
        Decimal("97.84"),
    )
    assert not [note for note in form.reading_notes if "合计行" in note]


@pytest.mark.parametrize(
    ("title", "heading"),
    [("项目资金（元）", "全年预算数"), ("项目资金", "全年预算数（元）")],
    ids=["block-in-yuan", "column-in-yuan"],
)
def test_amounts_a_heading_says_are_in_yuan_are_converted(title, heading):
    """5000 under a heading in 元 is 0.5 万元, never 5000 万元 (below the 100,000 rule)."""
    from tests.projects.imports.corpus import TITLE, YEAR, form, goals, standard_indicators, top

    budget = [
        [
            C(title, merge="restart"),
            C("", 2),
            "年初预算数",
            heading,
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ],
        [C(merge="continue"), C("年度资金总额", 2), "", "5000", "4500", "10", "90%", "9"],
    ]
    case = Case(
        name="yuan", blocks=(TITLE, YEAR, form(top(), budget, goals(), standard_indicators()))
    )
    [data] = read(case)
    total = next(line for line in data.budget_lines if line.kind == "total")
    expected_executed = Decimal("0.45") if title.endswith("（元）") else Decimal("4500")
    assert (total.annual_budget, total.executed) == (Decimal("0.5"), expected_executed)
    assert "元" in data.amount_unit_note and data.amount_unit_converted


def test_a_direction_column_is_read_and_a_wrong_one_refused():
    from tests.projects.imports.corpus import TITLE, YEAR, form, top

    heading = [
        C("绩效指标", merge="restart"),
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "指标方向",
        "实际完成值",
        "分值",
        "得分",
    ]

    def table(direction):
        return form(
            top(),
            [
                heading,
                [
                    C(merge="continue"),
                    "产出指标",
                    "成本指标",
                    "人均成本",
                    "400元",
                    direction,
                    "420元",
                    "90",
                    "80",
                ],
                [C("总分", 7), "90", "80"],
            ],
        )

    [data] = read(Case(name="direction", blocks=(TITLE, YEAR, table("反向"))))
    assert data.indicators[0].direction == "reverse" and data.unplaced == ()
    with pytest.raises(ImportFailure, match="指标方向"):
        read(Case(name="direction", blocks=(TITLE, YEAR, table("越大越好"))))
