"""Formatting for the form pages. Numbers arrive rounded from the scoring service;
these filters only print them (no rounding here, so nothing can drift from exports)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from indicators.checks import code_label
from projects.forms import decimal_text
from projects.interchange import score_str

register = template.Library()


@register.filter
def score(value: Decimal | None) -> str:
    """A score or 分值 with two decimals ("9.93"), or "" when there is none."""
    return score_str(value) if isinstance(value, Decimal) else ""


@register.filter
def plain(value: Decimal | None) -> str:
    """A Decimal as typed ("20", "23.380701"), or ""."""
    return decimal_text(value) if isinstance(value, Decimal) else ""


@register.filter
def percent(value: Decimal | None) -> str:
    """The execution rate, already in percent with two decimals ("99.35%")."""
    return f"{score_str(value)}%" if isinstance(value, Decimal) else ""


@register.filter(name="code_label")
def code_label_filter(code: str) -> str:
    """A finding's code as people read it (the code itself is never shown)."""
    return code_label(code)
