"""The scoring input of a form (``indicators.scoring.FormInput``), built in one place.

``score_form`` and the checks compute from a ``FormInput``. A form's values come from
three sources: the stored form (``Evaluation`` with its prefetched rows), the editor's
POST (cleaned form data, ``forms.EvaluationEditor.scoring_input``) and an import
preview (the parsed ``interchange.FormData``). Each hands its plain values to
``form_input``, which alone builds the input.

The values read are the fields of the scoring dataclasses themselves (``ROW_FIELDS``,
``BUDGET_FIELDS``, ``HEADER_FIELDS``): a field added to ``IndicatorInput`` is read from
every source at once. Values arrive already parsed (Decimal, text): raw text goes
through ``projects.numbers`` in the editor's fields and the importers, never here.
The builder is its own module rather than part of ``selectors`` because the editor
(``forms``) and the importer (``imports.preview``) use it too, and neither is a read
of the database.

A source's values are a mapping: a field missing from it counts as empty (the
editor's fields that did not validate; the field's default in the dataclass, "" for
a row's name). ``values_of`` reads them off an object (a model instance, a parsed
dataclass), where every field must be present.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, fields
from typing import TYPE_CHECKING, Any

from indicators.scoring import (
    BudgetLineInput,
    BudgetLineKind,
    DirectionChoice,
    FormInput,
    IndicatorInput,
    Tier,
)
from projects.anchors import row_anchor, stored_row_anchor

if TYPE_CHECKING:
    from projects.interchange import FormData
    from projects.models import Evaluation

Values = Mapping[str, Any]

# Where a row stands (given by its source), not what it holds.
_ROW_PLACE = frozenset({"key", "level1", "level2", "position"})
ROW_FIELDS = tuple(f.name for f in fields(IndicatorInput) if f.name not in _ROW_PLACE)
BUDGET_FIELDS = tuple(f.name for f in fields(BudgetLineInput) if f.name != "kind")
HEADER_FIELDS = tuple(
    f.name for f in fields(FormInput) if f.name not in {"budget_lines", "indicators"}
)

# What a value missing from a mapping counts as (no two of the dataclasses share a name).
_DEFAULTS = {
    f.name: "" if f.default is MISSING else f.default
    for input_class in (IndicatorInput, BudgetLineInput, FormInput)
    for f in fields(input_class)
}


@dataclass(frozen=True)
class RowValues:
    """One 三级 row as its source gives it.

    ``key`` is the row's anchor (``projects.anchors``): a stored row's by its id, a row
    typed on the page or read from a file by its place. Findings point there.
    """

    key: str
    level1: str
    level2: str
    values: Values


def values_of(source: object, names: Iterable[str]) -> dict[str, Any]:
    """The named values of an object that has them all (a model, a parsed dataclass)."""
    return {name: getattr(source, name) for name in names}


def _read(values: Values, names: Iterable[str]) -> dict[str, Any]:
    return {name: values.get(name, _DEFAULTS[name]) for name in names}


def _tier(value: str | None) -> Tier | None:
    return Tier(value) if value else None


def _direction(value: str | None) -> DirectionChoice:
    # Every source checks the code (the form's choices, the importers, a constraint).
    return DirectionChoice(value or "")


def form_input(
    header: Values, budget_lines: Mapping[str, Values], rows: Iterable[RowValues]
) -> FormInput:
    """The scoring input from plain values: the header's, each 项目资金 line's by kind
    (a kind not given is an empty line) and the 三级 rows in form order."""
    indicators = []
    for position, row in enumerate(rows, start=1):
        values = _read(row.values, ROW_FIELDS)
        values["tier"] = _tier(values["tier"])
        values["direction"] = _direction(values["direction"])
        indicators.append(
            IndicatorInput(
                key=row.key, level1=row.level1, level2=row.level2, position=position, **values
            )
        )
    return FormInput(
        budget_lines=tuple(
            BudgetLineInput(kind=kind, **_read(budget_lines.get(kind.value, {}), BUDGET_FIELDS))
            for kind in BudgetLineKind
        ),
        indicators=tuple(indicators),
        **_read(header, HEADER_FIELDS),
    )


def header_values(source: object) -> dict[str, Any]:
    """The header's values scoring reads, from an ``Evaluation`` or a ``FormData``."""
    return values_of(source, HEADER_FIELDS)


def budget_values(lines: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """The 项目资金 lines by kind, from rows (models or parsed data) with a ``kind``."""
    return {line.kind: values_of(line, BUDGET_FIELDS) for line in lines}


def stored_input(evaluation: Evaluation) -> FormInput:
    """A stored form's input; its rows are prefetched (``selectors.with_rows``)."""
    return form_input(
        header_values(evaluation),
        budget_values(evaluation.budget_lines.all()),
        (
            RowValues(
                key=stored_row_anchor(row.pk),
                level1=row.level2.level1.name,
                level2=row.level2.name,
                values=values_of(row, ROW_FIELDS),
            )
            for row in evaluation.indicators.all()
        ),
    )


def parsed_input(form: FormData) -> FormInput:
    """An imported form's input, from the values the importer parsed."""
    return form_input(
        header_values(form),
        budget_values(form.budget_lines),
        (
            RowValues(
                key=row_anchor(index),
                level1=row.level1,
                level2=row.level2,
                values=values_of(row, ROW_FIELDS),
            )
            for index, row in enumerate(form.indicators)
        ),
    )
