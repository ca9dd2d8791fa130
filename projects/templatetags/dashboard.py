"""Formatting for the dashboard pages with projects.numbers' printers (the exports' own).

Numbers arrive rounded; nothing is rounded here.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import escape
from urllib.parse import quote_plus

from django import template
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from projects.numbers import format_money, format_score

register = template.Library()


@register.filter
def query(params: dict[str, object]) -> str:
    """Drill-down parameters as a query string ("year=2023&status=draft")."""
    return urlencode({key: str(value) for key, value in params.items()})


@register.filter
def wan(value: Decimal | None) -> str:
    """An amount in 万元 as the form page and the exports print it ("1,234.50")."""
    return format_money(value)


@register.filter
def two(value: Decimal | None) -> str:
    """A score or a rate with two decimals ("96.33"), or "—" when there is none."""
    return "—" if value is None else format_score(value)


@register.filter
def drill(figure, list_url: str) -> str:
    """A dashboard figure as a link to the list of the forms behind it.

    A zero is not a link: no forms are behind it (and the list ignores a year the user
    has no forms in, so its link would show other forms).
    """
    if not figure.value:
        return format_html('<span class="text-body-secondary">{}</span>', figure.value)
    return format_html('<a href="{}?{}">{}</a>', list_url, query(figure.params), figure.value)


_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")


def _value(value: object) -> str:
    # Ids, years, amounts and status slugs need no quoting; urlencode costs most of the
    # table's time when it quotes 2,000 of them.
    text = str(value)
    return text if _PLAIN.fullmatch(text) else quote_plus(text)


def _cell(figure, list_url: str) -> str:
    if not figure.value:
        return f'<td class="num"><span class="text-body-secondary">{figure.value}</span></td>'
    params = "&amp;".join(f"{_value(key)}={_value(value)}" for key, value in figure.params.items())
    return f'<td class="num"><a href="{list_url}?{params}">{figure.value}</a></td>'


def _rate(value: Decimal | None) -> str:
    return "—" if value is None else f"{two(value)}%"


@register.simple_tag
def department_rows(board, list_url: str, table: str) -> str:
    """The <tr> rows of a department table ("status" or "budget").

    Built here rather than with template tags: an admin's dashboard has a row for each
    of hundreds of departments, and the template engine would take most of the page's
    time (docs/performance.md, 仪表盘). Every value is escaped.
    """
    list_url = escape(list_url)
    rows = []
    for row in board.departments:
        name = escape(row.name)  # long names are cut, whole on hover
        head = f'<tr><th scope="row" class="fw-normal"><span class="name-cut" title="{name}">{name}</span></th>'
        if table == "status":
            cells = "".join(_cell(figure, list_url) for _, figure in row.statuses)
        else:
            cells = (
                f'<td class="num">{wan(row.annual_budget)}</td>'
                f'<td class="num">{wan(row.executed)}</td>'
                f'<td class="num">{_rate(row.execution_rate)}</td>'
            )
        rows.append(f"{head}{cells}{_cell(row.forms, list_url)}</tr>")
    return mark_safe("\n".join(rows))  # every value above is escaped
