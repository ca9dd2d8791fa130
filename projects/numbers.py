"""Every number a person types, and every amount and score the application prints.

One reader, ``parse_number``, for the filler's fields, the reviewer's 审核得分, the
list filters and the importers (Word/Excel text cells, JSON strings), with one set of
Chinese messages; one printer per kind (``format_money``, ``format_score``,
``format_rate``) for the pages, the dashboard, Word, PDF and, as a number format,
Excel. Pure Python (no Django), so that every layer can import it.

What ``parse_number`` reads: ASCII or full-width digits (NFKC), one decimal point, a
comma only as a thousands separator between groups of three digits ("1,234.5"; the
full-width "，" is a comma too). Everything else is refused with a message saying what
to type: "12,3" and "1,5" (a decimal comma would silently become 123 or 15),
exponents ("1e3"), NaN/Infinity, signs without digits, inner spaces, and more
decimals than the field holds (money 6, scores 2) — never rounded. Trailing zeros are
not decimals that matter: "10.000" is a score of 10.00.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext

MONEY_PLACES = 6  # 万元, as the seed has it: 23.380701
SCORE_PLACES = 2
MONEY_MAX = Decimal("999999999.999999")  # Money columns: 15 digits, 6 decimals
SCORE_MAX = Decimal("99999.99")  # Score columns: 7 digits, 2 decimals
MAX_LENGTH = 64  # longer text is not a number anyone typed

ERROR_NOT_A_NUMBER = "请输入数字，例如 12.5"
ERROR_COMMA = (
    "请输入数字，例如 12.5：小数点请用“.”，逗号只能作千位分隔符、用在每三位数字之间，如 1,234.5"
)
ERROR_NEGATIVE = "不能为负数"
ERROR_TOO_LARGE = "数值过大，最大为 {max}"
ERROR_PLACES = "最多保留 {places} 位小数"
ERROR_MONEY_PLACES = "金额以万元为单位，最多保留 6 位小数"
ERROR_SCORE_PLACES = "分值和得分最多保留 2 位小数"

_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<frac>[0-9]*))?"
)
_DIGITS = re.compile(r"\+?[0-9]+(?:\.[0-9]*)?")
# Enough digits for anything MAX_LENGTH characters can write, so that no step rounds.
_PRECISION = 2 * MAX_LENGTH


class NumberError(ValueError):
    """Typed text that is not a number the field can hold; ``message`` says what to type.

    ``code``: "invalid" (not a number), "comma" (a comma that is not a thousands
    separator), "negative", "too_large" or "places".
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def check_number(
    number: Decimal,
    *,
    places: int | None,
    max_value: Decimal | None,
    places_message: str | None = None,
    allow_negative: bool = False,
) -> Decimal:
    """``number`` if the field can hold it (sign, size, decimals), else NumberError.

    Also for numbers that come as numbers (an Excel cell) or are computed (元 → 万元).
    The result has at most ``places`` decimals ("10.000" → 10.00, exactly).
    """
    if not number.is_finite():
        raise NumberError(ERROR_NOT_A_NUMBER, "invalid")
    if number < 0 and not allow_negative:
        raise NumberError(ERROR_NEGATIVE, "negative")
    if max_value is not None and abs(number) > max_value:
        raise NumberError(ERROR_TOO_LARGE.format(max=plain(max_value)), "too_large")
    if places is not None:
        if _places(number) > places:
            raise NumberError(places_message or ERROR_PLACES.format(places=places), "places")
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -places:
            with localcontext() as context:
                context.prec = max(_PRECISION, number.adjusted() + places + 2)
                number = number.quantize(Decimal(1).scaleb(-places))  # only zeros go
    return number


def parse_number(
    text: str | None,
    *,
    places: int | None,
    max_value: Decimal | None,
    places_message: str | None = None,
    allow_negative: bool = False,
) -> Decimal | None:
    """The number typed in ``text``; None when nothing (or only spaces) was typed.

    ``places``/``max_value`` None: no limit (an importer checks after converting units).
    Raises NumberError with a Chinese message that says what to type.
    """
    normalized = unicodedata.normalize("NFKC", text or "").strip()
    if not normalized:
        return None
    if len(normalized) > MAX_LENGTH:
        if max_value is not None and _DIGITS.fullmatch(normalized):  # 1e300 from a cell
            raise NumberError(ERROR_TOO_LARGE.format(max=plain(max_value)), "too_large")
        raise NumberError(ERROR_NOT_A_NUMBER, "invalid")
    match = _NUMBER.fullmatch(normalized)
    if match is None or not (match["int"] or match["frac"]):
        code = "comma" if "," in normalized else "invalid"
        raise NumberError(ERROR_COMMA if code == "comma" else ERROR_NOT_A_NUMBER, code)
    digits = f"{match['sign']}{(match['int'] or '0').replace(',', '')}.{match['frac'] or '0'}"
    number = Decimal(digits)
    if not match["frac"]:
        with localcontext() as context:
            context.prec = _PRECISION
            number = number.quantize(Decimal(1))  # "12" and "12." are 12, not 12.0
    return check_number(
        number,
        places=places,
        max_value=max_value,
        places_message=places_message,
        allow_negative=allow_negative,
    )


def parse_money(text: str | None) -> Decimal | None:
    """An amount in 万元 (up to 6 decimals)."""
    return parse_number(
        text, places=MONEY_PLACES, max_value=MONEY_MAX, places_message=ERROR_MONEY_PLACES
    )


def parse_score(text: str | None) -> Decimal | None:
    """A 分值 or 得分 (up to 2 decimals)."""
    return parse_number(
        text, places=SCORE_PLACES, max_value=SCORE_MAX, places_message=ERROR_SCORE_PLACES
    )


def parse_id(text: str | None) -> int | None:
    """A database id from a URL or a form (ASCII digits, fits a 64-bit column), else None."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


# --- printing -------------------------------------------------------------------------

# Excel's number formats of the same rules (projects.exports.xlsx_stream uses them).
MONEY_NUMBER_FORMAT = "#,##0.00####"
SCORE_NUMBER_FORMAT = "0.00"
RATE_NUMBER_FORMAT = "0.00%"

_CENT = Decimal("0.01")
_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)


def plain(value: Decimal | None) -> str:
    """A Decimal as a person types it: no exponent, no trailing zeros ("20", "23.380701").

    For the form's input boxes and messages; pages and documents print with the
    ``format_*`` functions below.
    """
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def format_money(value: Decimal | None) -> str:
    """An amount in 万元 as every page and document prints it: thousands separators, at
    least 2 and at most 6 decimals ("1,234.50", "10.00", "23.380701"), "" for none.

    The same rule as MONEY_NUMBER_FORMAT, so Excel shows the same digits.
    """
    if value is None:
        return ""
    value = value.quantize(_MONEY_QUANTUM, rounding=ROUND_HALF_UP)
    text = format(value, ",f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    text = f"{whole}.{fraction}"
    return text[1:] if text.startswith("-") and value == 0 else text


def format_score(value: Decimal | None) -> str:
    """A 分值, 得分 or 总分 with two decimals ("10.00", "96.33"), "" for none."""
    if value is None:
        return ""
    return format(value.quantize(_CENT, rounding=ROUND_HALF_UP), "f")


def format_rate(value: Decimal | None) -> str:
    """A rate already in percent, with two decimals and the sign ("99.35%"), "" for none."""
    text = format_score(value)
    return f"{text}%" if text else ""
