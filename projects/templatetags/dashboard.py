"""Formatting for the dashboard pages. Numbers arrive rounded; nothing is rounded here."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.http import urlencode

register = template.Library()


@register.filter
def query(params: dict[str, object]) -> str:
    """Drill-down parameters as a query string ("year=2023&status=draft")."""
    return urlencode({key: str(value) for key, value in params.items()})


@register.filter
def wan(value: Decimal | None) -> str:
    """An amount in 万元 with thousands separators and no trailing zeros ("1,234.5")."""
    if value is None:
        return ""
    text = format(value.normalize(), ",f")
    return "0" if text in {"-0", ""} else text


@register.filter
def two(value: Decimal | None) -> str:
    """A score or a rate with two decimals ("96.33"), or "—" when there is none."""
    return "—" if value is None else format(value.quantize(Decimal("0.01")), "f")


@register.filter
def drill(figure, list_url: str) -> str:
    """A dashboard figure as a link to the list of the forms behind it.

    A zero is not a link: no forms are behind it (and the list ignores a year the user
    has no forms in, so its link would show other forms).
    """
    if not figure.value:
        return format_html('<span class="text-body-secondary">{}</span>', figure.value)
    return format_html('<a href="{}?{}">{}</a>', list_url, query(figure.params), figure.value)
