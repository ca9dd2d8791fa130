"""The HTML ids of the form page's rows, which findings and error lists link to.

A row's anchor is also its ``IndicatorInput.key`` in the scoring input, so every
finding names the row it is about by the id of that row on the page
(``finding_anchor``). The editable page numbers its 三级 rows by their place in the
formset (a row typed a moment ago has no id yet); the read-only page names a stored
row by its primary key. The row partials derive their parts from the anchor
(``calc-<anchor>``, ``findings-<anchor>``), which the live recalculation swaps.

This module imports nothing of the project: selectors, forms and the table layout
all use it.
"""

from __future__ import annotations

from enum import StrEnum

HEADER_ANCHOR = "form-header"  # the header block (project, unit, people)
FORM_ANCHOR = "form-total"  # whole-form findings sit by the 总分 row
BUDGET_ANCHOR = "budget"  # the 项目资金 block; checks.BUDGET_KEY names it in findings


def row_anchor(index: int) -> str:
    """A 三级 row of the editable page, by its formset index (from 0): "row-3"."""
    return f"row-{index}"


def stored_row_anchor(pk: int) -> str:
    """A stored 三级 row, on the read-only page, by its primary key: "indicator-17"."""
    return f"indicator-{pk}"


def budget_line_anchor(kind: StrEnum | str) -> str:
    """A line of 项目资金, by its ``BudgetLineKind``: "budget-total"."""
    return f"{BUDGET_ANCHOR}-{kind}"


def finding_anchor(key: str) -> str:
    """The HTML id a finding links to: its ``key`` ("budget:<kind>" becomes the line's
    id), or the 总分 row for a finding about the whole form."""
    return key.replace(":", "-") if key else FORM_ANCHOR
