"""The fields of a form, named once: the header, a 项目资金 line and a 三级 row.

Each ``Column`` says who writes the field (the filler on the form page, the reviewer,
the save service itself, or only an import), the kind of value it holds, whether it
is carried into next year's form (``Stage``), its Chinese label and its longest text.
The label and the limit are the model field's own (``verbose_name``, ``max_length``:
the 输入限制 of ``projects.models``) unless the page names the field differently.

Every reader lists the fields from here instead of writing its own list: the editor's
forms, the save and import services, ``/admin/``, the interchange JSON (writer and
reader), the blank-row rule of the form table, the Excel summary's headings and its
importer, and the Word export's headings. So a new column of the 三级 row is its
model field, its ``Column`` in ``INDICATOR``, a migration and its cell in the form
table's template (``templates/projects/_indicator_row.html``); the paper
exports (Word, PDF, the Excel summary) print a fixed layout and show it only when it
is added there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import models

from indicators.models import Level1
from projects.models import BudgetLine, Evaluation, Indicator


class Kind(StrEnum):
    """What a field holds, as far as the readers need to know."""

    TEXT = "text"  # one line of text (an <input>)
    PROSE = "prose"  # text of several lines (a <textarea>)
    MONEY = "money"  # 万元, a Decimal of up to 6 places
    SCORE = "score"  # 分值/得分, a Decimal of 2 places
    TIER = "tier"  # a qualitative tier's code, or ""
    DIRECTION = "direction"  # a 指标方向 code, or "" (automatic)
    FLAG = "flag"  # yes or no
    PARSED = "parsed"  # what the save parsed from 年度指标值/实际完成值 (a search aid)


TEXT_KINDS = frozenset({Kind.TEXT, Kind.PROSE, Kind.TIER, Kind.DIRECTION})
NUMBER_KINDS = frozenset({Kind.MONEY, Kind.SCORE})


class Editor(StrEnum):
    """Who writes a field."""

    FILLER = "filler"  # the filler on the form page (and every import)
    REVIEWER = "reviewer"  # the reviewer, through the review buttons (and every import)
    SERVICE = "service"  # the save service, from other fields; nobody types it
    IMPORT = "import"  # only an import: what a paper form said, how its amounts were read


class Stage(StrEnum):
    """When in the year the filler fills a field in."""

    PLAN = "plan"  # set when the year starts: carried into next year's form
    RESULT = "result"  # typed when the year's results are in: blank on a copied form


@dataclass(frozen=True)
class Column:
    """One field of the header, a 项目资金 line or a 三级 row."""

    name: str
    kind: Kind
    editor: Editor
    stage: Stage | None = None  # the filler's fields only
    label: str = ""  # the model field's verbose_name unless given
    length: int | None = None  # the longest text: the model field's max_length
    paper: str = ""  # the heading where the paper form breaks it ("年度\n指标值"); else label

    @property
    def heading(self) -> str:
        """The column's heading on the paper form (Word, the print page)."""
        return self.paper or self.label

    @property
    def empty(self) -> Any:
        """The value of a field nobody filled in (a dataclass default)."""
        if self.kind in TEXT_KINDS:
            return ""
        if self.kind == Kind.FLAG:
            return False
        return None

    @property
    def type(self) -> Any:
        if self.kind in TEXT_KINDS:
            return str
        if self.kind == Kind.FLAG:
            return bool
        return Decimal | None


class Row:
    """The columns of one model, in the order every reader lists them."""

    def __init__(self, model: type[models.Model], *columns: Column) -> None:
        self.model = model
        self._columns = tuple(self._resolved(column) for column in columns)
        self._by_name = {column.name: column for column in self._columns}

    def _resolved(self, column: Column) -> Column:
        field = self.model._meta.get_field(column.name)
        return dataclasses.replace(
            column,
            label=column.label or str(field.verbose_name),
            length=column.length or getattr(field, "max_length", None),
        )

    def __iter__(self) -> Iterator[Column]:
        return iter(self._columns)

    def __getitem__(self, name: str) -> Column:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def columns(self, *editors: Editor, stage: Stage | None = None) -> tuple[Column, ...]:
        """The columns written by ``editors`` (all without), of ``stage`` if given."""
        return tuple(
            column
            for column in self._columns
            if (not editors or column.editor in editors)
            and (stage is None or column.stage == stage)
        )

    def names(self, *editors: Editor, stage: Stage | None = None) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns(*editors, stage=stage))

    def label(self, name: str) -> str:
        return self[name].label

    def labels(self) -> dict[str, str]:
        return {column.name: column.label for column in self._columns}


# The form header (``Evaluation``): what its filler types, the reviewer's comment on the
# whole form, and what only an import sets. Project, department and year are the
# form's identity, not fields of it; ``status`` moves with the review workflow.
HEADER = Row(
    Evaluation,
    Column("project_lead", Kind.TEXT, Editor.FILLER, Stage.PLAN),
    Column("contact_phone", Kind.TEXT, Editor.FILLER, Stage.PLAN),
    Column("goal_expected", Kind.PROSE, Editor.FILLER, Stage.PLAN, label="预期目标"),
    Column("goal_actual", Kind.PROSE, Editor.FILLER, Stage.RESULT, label="实际完成情况"),
    Column("budget_weight", Kind.SCORE, Editor.FILLER, Stage.PLAN),
    Column("review_comment", Kind.PROSE, Editor.REVIEWER, label="审核意见"),
    Column("legacy", Kind.FLAG, Editor.IMPORT),
    Column("recorded_budget_score", Kind.SCORE, Editor.IMPORT),
    Column("recorded_execution_rate", Kind.TEXT, Editor.IMPORT),
    Column("recorded_total_weight", Kind.SCORE, Editor.IMPORT),
    Column("recorded_total_score", Kind.SCORE, Editor.IMPORT),
    Column("amount_unit_converted", Kind.FLAG, Editor.IMPORT),
    Column("amount_unit_note", Kind.PROSE, Editor.IMPORT),
    Column("paper_notes", Kind.PROSE, Editor.IMPORT),
)

# A line of the 项目资金（万元） block (``BudgetLine``); its ``kind`` names the line.
BUDGET_LINE = Row(
    BudgetLine,
    Column("initial_budget", Kind.MONEY, Editor.FILLER, Stage.RESULT),
    Column("annual_budget", Kind.MONEY, Editor.FILLER, Stage.RESULT),
    Column("executed", Kind.MONEY, Editor.FILLER, Stage.RESULT),
)

# A 三级 row (``Indicator``), in the paper form's order. Its 二级 (``level2``, chosen by
# the filler and carried into next year's form) and its ``position`` are its place in
# the table, not columns: each reader names them itself (the interchange writes the
# 一级 and 二级 names, the form page a hidden input).
INDICATOR = Row(
    Indicator,
    Column("name", Kind.TEXT, Editor.FILLER, Stage.PLAN),
    Column("target", Kind.TEXT, Editor.FILLER, Stage.PLAN, paper="年度\n指标值"),
    Column("direction", Kind.DIRECTION, Editor.FILLER, Stage.PLAN, paper="指标\n方向"),
    Column("actual", Kind.TEXT, Editor.FILLER, Stage.RESULT, paper="实际\n完成值"),
    Column("target_comparator", Kind.PARSED, Editor.SERVICE),
    Column("target_number", Kind.PARSED, Editor.SERVICE),
    Column("target_unit", Kind.PARSED, Editor.SERVICE),
    Column("actual_number", Kind.PARSED, Editor.SERVICE),
    Column("actual_unit", Kind.PARSED, Editor.SERVICE),
    Column("weight", Kind.SCORE, Editor.FILLER, Stage.PLAN),
    Column("score", Kind.SCORE, Editor.FILLER, Stage.RESULT),
    Column("tier", Kind.TIER, Editor.FILLER, Stage.RESULT),
    Column("override_reason", Kind.PROSE, Editor.FILLER, Stage.RESULT),
    Column(
        "deviation_reason",
        Kind.PROSE,
        Editor.FILLER,
        Stage.RESULT,
        paper="偏差原因分析\n及改进措施",
    ),
    Column("review_score", Kind.SCORE, Editor.REVIEWER, paper="审核\n得分"),
    Column("review_comment", Kind.PROSE, Editor.REVIEWER),
)
# What a person or an import writes of a row (the parsed columns follow from it).
INDICATOR_TYPED = (Editor.FILLER, Editor.REVIEWER)
# The labels of a row's place: its 二级, and the 一级 that 二级 belongs to.
LEVEL1_LABEL = str(Level1._meta.verbose_name)
LEVEL2_LABEL = str(Indicator._meta.get_field("level2").verbose_name)


def record(
    name: str,
    columns: Iterable[Column],
    *,
    module: str,
    doc: str,
    first: Iterable[tuple[Any, ...]] = (),
    last: Iterable[tuple[Any, ...]] = (),
) -> type:
    """A frozen dataclass holding ``columns`` (each defaulting to its empty value).

    ``first`` and ``last`` are further fields before and after them, as
    ``dataclasses.make_dataclass`` takes them. Assign the class to ``name`` in ``module``.
    """
    fields = [
        *first,
        *((c.name, c.type, dataclasses.field(default=c.empty)) for c in columns),
        *last,
    ]
    cls = dataclasses.make_dataclass(name, fields, frozen=True)
    cls.__module__ = module
    cls.__doc__ = doc
    return cls
