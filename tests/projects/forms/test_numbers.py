"""projects.numbers: the one reader of typed numbers and the one printer of amounts/scores."""

from __future__ import annotations

from decimal import Decimal

import pytest

from projects.numbers import (
    ERROR_COMMA,
    ERROR_MONEY_PLACES,
    ERROR_NEGATIVE,
    ERROR_NOT_A_NUMBER,
    ERROR_SCORE_PLACES,
    ERROR_TOO_LARGE,
    MONEY_MAX,
    NumberError,
    check_number,
    format_money,
    format_rate,
    format_score,
    parse_id,
    parse_money,
    parse_number,
    parse_score,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", None),
        ("   ", None),
        (None, None),
        ("12.5", "12.5"),
        ("12", "12"),
        ("12.", "12"),
        (".5", "0.5"),
        ("+3", "3"),
        (" 7 ", "7"),
        ("1,234.5", "1234.5"),
        ("1,234,567.123456", "1234567.123456"),
        ("１２３．４", "123.4"),  # full-width digits and point
        ("１，２３４．５", "1234.5"),  # full-width comma between groups of three
        ("23.380701", "23.380701"),
        ("10.0000000", "10.000000"),  # trailing zeros are not decimals that matter
        ("0", "0"),
    ],
)
def test_money_reads(typed, expected):
    number = parse_money(typed)
    assert number == (None if expected is None else Decimal(expected))
    if expected is not None:
        assert str(number) == expected  # exactly, no rounding, no exponent


@pytest.mark.parametrize(
    ("typed", "message", "code"),
    [
        ("12,3", ERROR_COMMA, "comma"),  # was 123: a silent tenfold error
        ("1,5", ERROR_COMMA, "comma"),
        ("1，5", ERROR_COMMA, "comma"),  # full-width comma: the same
        ("1,2345", ERROR_COMMA, "comma"),
        ("1234,567", ERROR_COMMA, "comma"),
        (",123", ERROR_COMMA, "comma"),
        ("1,234,56", ERROR_COMMA, "comma"),
        ("1.234,5", ERROR_COMMA, "comma"),
        ("1e3", ERROR_NOT_A_NUMBER, "invalid"),
        ("1E-2", ERROR_NOT_A_NUMBER, "invalid"),
        ("NaN", ERROR_NOT_A_NUMBER, "invalid"),
        ("Infinity", ERROR_NOT_A_NUMBER, "invalid"),
        ("-inf", ERROR_NOT_A_NUMBER, "invalid"),
        ("-", ERROR_NOT_A_NUMBER, "invalid"),
        (".", ERROR_NOT_A_NUMBER, "invalid"),
        ("1.2.3", ERROR_NOT_A_NUMBER, "invalid"),
        ("1 234", ERROR_NOT_A_NUMBER, "invalid"),
        ("12万", ERROR_NOT_A_NUMBER, "invalid"),
        ("١٢", ERROR_NOT_A_NUMBER, "invalid"),  # other scripts' digits are not ours
        ("9" * 65 + "x", ERROR_NOT_A_NUMBER, "invalid"),
        ("9" * 301, ERROR_TOO_LARGE.format(max="999999999.999999"), "too_large"),
        ("-1", ERROR_NEGATIVE, "negative"),
        ("1000000000", ERROR_TOO_LARGE.format(max="999999999.999999"), "too_large"),
        ("1.1234567", ERROR_MONEY_PLACES, "places"),
    ],
)
def test_money_refuses_with_a_message(typed, message, code):
    with pytest.raises(NumberError) as caught:
        parse_money(typed)
    assert (caught.value.message, caught.value.code) == (message, code)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("typed", "expected"), [("9.99", "9.99"), ("9.990", "9.99"), ("100", "100"), ("0.5", "0.5")]
)
def test_score_reads(typed, expected):
    assert str(parse_score(typed)) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("9.995", ERROR_SCORE_PLACES),  # refused, never rounded
        ("100000", ERROR_TOO_LARGE.format(max="99999.99")),
        ("1，5", ERROR_COMMA),
    ],
)
def test_score_refuses(typed, message):
    with pytest.raises(NumberError, match=message):
        parse_score(typed)


def test_without_limits_and_with_negatives():
    assert parse_number("1,863,180.5", places=None, max_value=None) == Decimal("1863180.5")
    assert parse_number("-2.5", places=2, max_value=None, allow_negative=True) == Decimal("-2.5")
    with pytest.raises(NumberError, match="最多保留 1 位小数"):
        parse_number("1.23", places=1, max_value=None)
    with pytest.raises(NumberError, match=r"^一位$"):
        parse_number("1.23", places=1, max_value=None, places_message="一位")


def test_check_number_for_numbers_that_come_as_numbers():
    assert check_number(Decimal("10.000"), places=2, max_value=MONEY_MAX) == Decimal("10.00")
    with pytest.raises(NumberError) as caught:
        check_number(Decimal("NaN"), places=2, max_value=MONEY_MAX)
    assert caught.value.code == "invalid"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("", None),
        ("9" * 26, None),
        ("²", None),
        ("-1", None),
        ("1e3", None),
    ],
)
def test_parse_id(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (Decimal("10"), "10.00"),
        (Decimal("0"), "0.00"),
        (Decimal("-0.000"), "0.00"),
        (Decimal("1234.5"), "1,234.50"),
        (Decimal("23.380701"), "23.380701"),
        (Decimal("186.318000"), "186.318"),
        (Decimal("1863180"), "1,863,180.00"),
        (Decimal("1E+5"), "100,000.00"),
        (Decimal("0.0000004"), "0.00"),  # a sum in floats: 6 places at most, half-up
        (Decimal("0.0000005"), "0.000001"),
    ],
)
def test_format_money(value, expected):
    assert format_money(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), (Decimal("10"), "10.00"), (Decimal("9.93"), "9.93"), (Decimal("1E+2"), "100.00")],
)
def test_format_score(value, expected):
    assert format_score(value) == expected


def test_format_rate():
    assert format_rate(Decimal("99.35")) == "99.35%"
    assert format_rate(Decimal("100")) == "100.00%"
    assert format_rate(None) == ""
