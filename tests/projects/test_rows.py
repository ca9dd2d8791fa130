"""projects.rows is the one list of a form's fields, and every reader takes them from it.

Each test fails when a reader has a list of its own again, or when a model column has
no definition: a new column of the 三级 row then reaches the editor, the save, the
history, /admin/ and the interchange JSON without any of them being edited.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from decimal import Decimal

import pytest
from django.db.models import Q
from django.urls import reverse

from projects import admin, form_table, imports, interchange, rows, summaries
from projects.exports import excel as excel_export
from projects.exports import word
from projects.forms import evaluations as forms
from projects.imports import base as imports_base
from projects.imports import excel as excel_import
from projects.interchange import (
    TEXT_LIMITS,
    BudgetLineData,
    FormData,
    IndicatorData,
    InterchangeError,
    evaluation_form_data,
    evaluation_to_dict,
    form_data_to_dict,
    read_form_dict,
)
from projects.models import BudgetLine, Evaluation, EvaluationEvent, Indicator
from projects.rows import BUDGET_LINE, HEADER, INDICATOR, INDICATOR_TYPED, Editor, Kind, Stage
from projects.selectors.evaluations import (
    evaluation_result,
    get_evaluation_for_user,
    load_taxonomy,
    scoring_rules,
    with_rows,
)
from projects.services import evaluations as services
from projects.services.evaluations import (
    BudgetLineDraft,
    EvaluationDraft,
    IndicatorDraft,
    evaluation_create_from_previous,
    evaluation_import,
    evaluation_save_draft,
)
from tests.projects.form_helpers import page_data

TEXT = {Kind.TEXT, Kind.PROSE}
# A row's place (its 二级, its position) and a form's identity and workflow are not columns.
ROW_PLACE = {"id", "evaluation", "level2", "position"}
FORM_IDENTITY = {"id", "project", "year", "status", "version", "created_at", "updated_at"}
FORM_IDENTITY |= {"created_by"}


def _names(items) -> list[str]:
    return [item.name for item in items]


def _typed_text_columns():
    return [c for c in INDICATOR.columns(*INDICATOR_TYPED) if c.kind in TEXT]


def _filler_text_columns():
    return [c for c in INDICATOR.columns(Editor.FILLER) if c.kind in TEXT]


# --- the definition and the models -------------------------------------------------


def test_every_column_of_a_row_and_a_line_is_defined_in_the_models_order():
    model = [f.name for f in Indicator._meta.concrete_fields if f.name not in ROW_PLACE]
    assert _names(INDICATOR) == model
    model = [f.name for f in BudgetLine._meta.concrete_fields]
    assert _names(BUDGET_LINE) == [n for n in model if n not in {"id", "evaluation", "kind"}]


def test_every_field_of_the_header_is_defined():
    model = {f.name for f in Evaluation._meta.concrete_fields} - FORM_IDENTITY
    assert set(HEADER.names()) == model


@pytest.mark.parametrize("row", [HEADER, BUDGET_LINE, INDICATOR], ids=lambda r: r.model.__name__)
def test_lengths_are_the_models_and_labels_too_unless_the_page_says_otherwise(row):
    renamed = {"goal_expected", "goal_actual", "review_comment"} if row is HEADER else set()
    for column in row:
        field = row.model._meta.get_field(column.name)
        assert column.length == getattr(field, "max_length", None), column.name
        if column.name not in renamed:
            assert column.label == field.verbose_name, column.name
        assert column.heading.replace("\n", "") == column.label, column.name


def _limits(condition: Q) -> dict[str, int]:
    limits = {}
    for child in condition.children:
        if isinstance(child, Q):
            limits |= _limits(child)
        else:  # LessThanOrEqual(Length(field), limit)
            limits[child.lhs.source_expressions[0].name] = child.rhs
    return limits


def test_the_database_holds_every_text_column_of_a_row_to_its_length():
    (constraint,) = [c for c in Indicator._meta.constraints if c.name == "indicator_text_lengths"]
    assert _limits(constraint.condition) == {c.name: c.length for c in INDICATOR if c.kind in TEXT}


def test_who_writes_what():
    assert INDICATOR.names(Editor.REVIEWER) == ("review_score", "review_comment")
    assert HEADER.names(Editor.REVIEWER) == ("review_comment",)
    assert all(c.stage is not None for c in (*INDICATOR, *HEADER) if c.editor == Editor.FILLER)
    assert all(c.stage is None for c in (*INDICATOR, *HEADER) if c.editor != Editor.FILLER)
    assert {c.kind for c in INDICATOR.columns(Editor.SERVICE)} == {Kind.PARSED}


# --- the readers take their lists from it -------------------------------------------

READERS = [admin, forms, services, interchange, imports_base, summaries, form_table]
READERS += [excel_export, excel_import, word]
# Layouts, not field lists: the interchange format's keys of a form, in the file's order
# (the header's fields sit at their own places in it, some under "budget"); the Word
# tables' grids.
LAYOUTS = {("projects.interchange", "data")}
LAYOUTS |= {("projects.exports.word", grid) for grid in ("TOP_COLUMNS", "COLUMNS")}
LAYOUTS |= {("projects.exports.word", "REVIEW_COLUMNS")}


def _literal_lists(module):
    """(assigned name, strings) of each tuple/list/set literal and dict (keys, values)."""
    tree = ast.parse(inspect.getsource(module))
    targets = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            names = node.targets if isinstance(node, ast.Assign) else [node.target]
            targets[id(node.value)] = ",".join(t.id for t in names if isinstance(t, ast.Name))
    for node in ast.walk(tree):
        target = targets.get(id(node), "")
        groups = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            groups.append(node.elts)
        elif isinstance(node, ast.Dict):
            groups += [[k for k in node.keys if k is not None], node.values]
        for group in groups:
            # A string, or the first of a tuple: ("三级指标", 30) is a heading and its width.
            firsts = [e.elts[0] if isinstance(e, ast.Tuple) and e.elts else e for e in group]
            strings = [e.value for e in firsts if isinstance(e, ast.Constant)]
            yield target, [s for s in strings if isinstance(s, str)]


@pytest.mark.parametrize("module", READERS, ids=lambda m: m.__name__)
def test_no_reader_lists_the_fields_itself(module):
    for target, strings in _literal_lists(module):
        if (module.__name__, target) in LAYOUTS:
            continue
        for row in (HEADER, BUDGET_LINE, INDICATOR):
            for known in (set(row.names()), set(row.labels().values())):
                named = [s for s in strings if s in known]
                assert len(named) < min(4, len(known)), (
                    f"{module.__name__}{f'.{target}' if target else ''} lists {named}: "
                    "take them from projects.rows"
                )


def test_the_editor_forms_are_the_filler_columns():
    row_form = forms.IndicatorRowForm.base_fields
    assert [n for n in row_form if n not in {"id", "level2", "score_auto"}] == list(
        INDICATOR.names(Editor.FILLER)
    )
    assert tuple(row_form) == forms.ROW_FIELDS
    for column in _filler_text_columns():
        field = row_form[column.name]
        assert (field.label, field.max_length) == (column.label, column.length)
    assert list(forms.EvaluationForm.base_fields) == ["version", *HEADER.names(Editor.FILLER)]
    assert list(forms.BudgetLineForm.base_fields) == list(BUDGET_LINE.names(Editor.FILLER))


def test_the_drafts_and_the_interchange_records_hold_the_columns():
    def fields(cls):
        return [f.name for f in dataclasses.fields(cls)]

    assert fields(IndicatorDraft) == ["level2", "pk", *INDICATOR.names(Editor.FILLER)]
    assert fields(BudgetLineDraft) == ["kind", *BUDGET_LINE.names(Editor.FILLER)]
    assert fields(EvaluationDraft) == [*HEADER.names(Editor.FILLER), "budget_lines", "indicators"]
    assert fields(IndicatorData) == ["level1", "level2", *INDICATOR.names(*INDICATOR_TYPED)]
    assert fields(BudgetLineData) == ["kind", *BUDGET_LINE.names()]
    assert set(HEADER.names()) <= set(fields(FormData))


def test_admin_form_table_and_services_read_the_definition():
    assert admin.IndicatorInline.fields == [
        "position",
        "level2",
        *INDICATOR.names(*INDICATOR_TYPED),
    ]
    assert INDICATOR.names(Editor.FILLER, stage=Stage.RESULT) == form_table.RESULT_FIELDS
    assert ("status", *HEADER.names()) == services.IMPORTED_FIELDS
    assert set(services._INDICATOR_FIELDS) == {
        "level2",
        "position",
        *INDICATOR.names(Editor.FILLER, Editor.SERVICE),
    }


def test_the_excel_summary_and_its_importer_head_the_columns_with_their_labels():
    details = [column.heading for column in excel_export.INDICATOR_COLUMNS]
    for name in excel_import.DETAIL_FIELDS:
        assert INDICATOR.label(name) in details
        assert excel_import.DETAIL_COLUMNS[INDICATOR.label(name)] == name
    summary = [column.heading for column in excel_export.SUMMARY_COLUMNS_HEAD]
    for column in BUDGET_LINE:
        assert f"{column.label}（万元）" in summary
        assert excel_import.SUMMARY_COLUMNS[f"{column.label}（万元）"] == column.name


# --- the interchange JSON: one writer ----------------------------------------------

COMPUTED = {"level1_totals", "total_weight", "total_score", "grade", "findings"}
COMPUTED_ROW = ("quantitative", "suggested_score", "counted_score")
COMPUTED_BUDGET = {"execution_rate", "score"}


@pytest.fixture
def stored(evaluation_a):
    row = evaluation_a.indicators.first()
    for column in _typed_text_columns():
        setattr(row, column.name, f"{column.label}的内容")
    row.review_score = Decimal("20")
    row.save()
    return with_rows(Evaluation.objects.filter(pk=evaluation_a.pk)).get()


@pytest.mark.django_db
def test_the_import_preview_and_the_export_are_one_writer(stored):
    assert imports.form_data_to_dict is imports_base.form_data_to_dict is form_data_to_dict
    exported = evaluation_to_dict(stored, evaluation_result(stored))
    plain = form_data_to_dict(evaluation_form_data(stored))
    assert list(exported["indicators"][0]) == [
        "level1",
        "level2",
        *INDICATOR.names(*INDICATOR_TYPED),
        *COMPUTED_ROW,
    ]
    assert [list(line) for line in exported["budget_lines"]] == [["kind", *BUDGET_LINE.names()]] * 4
    # The plain form is the export without what scoring computed.
    assert set(exported) - set(plain) == COMPUTED
    nested = {"budget", "indicators"}
    assert {k: v for k, v in exported.items() if k not in COMPUTED | nested} == {
        k: v for k, v in plain.items() if k not in nested
    }
    budget = exported["budget"]
    assert {k: v for k, v in budget.items() if k not in COMPUTED_BUDGET} == plain["budget"]
    assert [
        {k: v for k, v in row.items() if k not in COMPUTED_ROW} for row in exported["indicators"]
    ] == plain["indicators"]
    assert read_form_dict(exported) == read_form_dict(plain) == evaluation_form_data(stored)


@pytest.mark.django_db
def test_every_typed_text_column_travels_through_the_interchange(stored):
    data = read_form_dict(evaluation_to_dict(stored, evaluation_result(stored)))
    for column in _typed_text_columns():
        assert getattr(data.indicators[0], column.name) == f"{column.label}的内容"
        assert TEXT_LIMITS[column.name] == (column.label, column.length)
    Indicator.objects.filter(evaluation=stored).update(
        **{c.name: "" for c in _typed_text_columns()}, review_score=None
    )
    evaluation_import(data=data)
    row = Indicator.objects.filter(evaluation=stored).order_by("position").first()
    for column in _typed_text_columns():
        assert getattr(row, column.name) == f"{column.label}的内容"


@pytest.mark.django_db
@pytest.mark.parametrize("column", _typed_text_columns(), ids=lambda c: c.name)
def test_an_interchange_file_with_too_long_text_is_refused_naming_the_column(stored, column):
    exported = evaluation_to_dict(stored, evaluation_result(stored))
    exported["indicators"][0][column.name] = "长" * (column.length + 1)
    with pytest.raises(InterchangeError, match=f"「{column.label}」最多 {column.length} 字"):
        read_form_dict(exported)


# --- the form page, the save, the history and next year's copy ---------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("open_round")
def test_every_filler_text_column_is_on_the_page_saved_and_recorded(
    client, filler_a, reviewer_a, evaluation_a
):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-name") and v)
    html = client.get(reverse("evaluation_detail", args=[evaluation_a.pk])).content.decode()
    for column in _filler_text_columns():
        assert f'name="indicator-{index}-{column.name}"' in html, column.name
        data[f"indicator-{index}-{column.name}"] = f"新的{column.label}"
    response = client.post(reverse("evaluation_save", args=[evaluation_a.pk]), data)
    assert response.status_code == 302
    row = Indicator.objects.get(pk=data[f"indicator-{index}-id"])
    event = EvaluationEvent.objects.get(evaluation=evaluation_a, kind="saved")
    recorded = {change["field"]: change["after"] for change in event.changes}
    for column in _filler_text_columns():
        assert getattr(row, column.name) == f"新的{column.label}"
        assert recorded[column.label] == f"新的{column.label}"
    client.force_login(reviewer_a)  # the read-only table
    read = client.get(reverse("evaluation_detail", args=[evaluation_a.pk])).content.decode()
    for column in _filler_text_columns():
        assert f"新的{column.label}" in read, column.name


@pytest.mark.django_db
@pytest.mark.usefixtures("open_round")
@pytest.mark.parametrize("column", _filler_text_columns(), ids=lambda c: c.name)
def test_the_page_refuses_too_long_text_naming_the_column(client, filler_a, evaluation_a, column):
    client.force_login(filler_a)
    data = page_data(evaluation_a)
    data[f"indicator-0-{column.name}"] = "长" * (column.length + 1)
    response = client.post(reverse("evaluation_save", args=[evaluation_a.pk]), data)
    assert response.status_code == 200
    assert f"「{column.label}」最多 {column.length} 字" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("open_round")
def test_next_years_form_takes_the_plan_and_leaves_the_results_blank(stored, filler_a):
    previous = get_evaluation_for_user(filler_a, stored.pk)
    new = evaluation_create_from_previous(previous=previous, user=filler_a)
    source, copy = previous.indicators.all()[0], new.indicators.order_by("position")[0]
    assert copy.level2_id == source.level2_id
    for column in INDICATOR:
        value = getattr(copy, column.name)
        if column.stage == Stage.PLAN:
            assert value == getattr(source, column.name), column.name
        elif column.kind != Kind.PARSED:
            assert value in ("", None), column.name
    for column in HEADER.columns(Editor.FILLER):
        copied = getattr(new, column.name) == getattr(previous, column.name)
        assert copied or column.stage == Stage.RESULT, column.name


@pytest.mark.django_db
def test_a_save_writes_the_filler_columns_and_keeps_the_reviewers(evaluation_a, filler_a):
    row = evaluation_a.indicators.first()
    Indicator.objects.filter(pk=row.pk).update(review_score=Decimal("1"), review_comment="审")
    evaluation = get_evaluation_for_user(filler_a, evaluation_a.pk)
    editor = forms.EvaluationEditor.for_evaluation(
        evaluation, taxonomy=load_taxonomy(), rules=scoring_rules()
    )
    draft = editor.draft(evaluation_result(evaluation))
    changed = dataclasses.replace(
        draft.indicators[0], **{c.name: f"改{c.label}" for c in _filler_text_columns()}
    )
    draft = dataclasses.replace(draft, indicators=(changed, *draft.indicators[1:]))
    evaluation_save_draft(evaluation=evaluation, draft=draft, version=1, user=filler_a)
    row.refresh_from_db()
    assert (row.review_score, row.review_comment) == (Decimal("1"), "审")
    for column in _filler_text_columns():
        assert getattr(row, column.name) == f"改{column.label}"


def test_a_record_defaults_every_column_to_empty():
    draft = IndicatorDraft(level2=None)
    for column in INDICATOR.columns(Editor.FILLER):
        assert getattr(draft, column.name) == column.empty
    assert rows.Column("x", Kind.FLAG, Editor.IMPORT).empty is False
