"""Formatting for the form pages: projects.numbers' printers, the ones the exports use.

Numbers arrive rounded from the scoring service; these filters only print them.
"""

from __future__ import annotations

from decimal import Decimal

from django import template

from indicators.checks import code_label
from projects.numbers import format_money, format_rate, format_score
from projects.numbers import plain as plain_text

register = template.Library()


@register.filter
def score(value: Decimal | None) -> str:
    """A score or 分值 with two decimals ("9.93", "10.00"), or "" when there is none."""
    return format_score(value) if isinstance(value, Decimal) else ""


@register.filter
def money(value: Decimal | None) -> str:
    """An amount in 万元 as every export prints it ("1,234.50", "23.380701"), or ""."""
    return format_money(value) if isinstance(value, Decimal) else ""


@register.filter
def plain(value: Decimal | None) -> str:
    """A Decimal as typed ("20", "23.380701"), or "": for input boxes and data attributes."""
    return plain_text(value) if isinstance(value, Decimal) else ""


@register.filter
def percent(value: Decimal | None) -> str:
    """The execution rate, already in percent with two decimals ("99.35%")."""
    return format_rate(value) if isinstance(value, Decimal) else ""


@register.filter(name="code_label")
def code_label_filter(code: str) -> str:
    """A finding's code as people read it (the code itself is never shown)."""
    return code_label(code)
