"""Reading the cells of a paper form: labels, amounts, scores and text, as people write them.

Pure functions over strings, no ORM: labels broken over lines ("满意度\\n\\n指标"),
weights written into labels ("产出指标70"), amounts with units or junk
("150万元", "23.380701万元成", "1,863,180"), dashes for "nothing" ("—", "-", "/").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from projects.numbers import (
    ERROR_SCORE_PLACES,
    MONEY_MAX,
    MONEY_PLACES,
    SCORE_MAX,
    SCORE_PLACES,
    NumberError,
    check_number,
    parse_number,
)

WAN = Decimal("10000")  # 元 per 万元
# A bare amount this large cannot be 万元 on a project form (10亿元): the block is in 元.
YUAN_THRESHOLD = Decimal("100000")

_BLANK = re.compile(r"^[\s\-—–－―‐/／\\、…．.。·~～_]*$")
_PARENTHETICAL = re.compile(r"[（(][^（）()]*[）)]")
_TRAILING_WEIGHT = re.compile(r"[（(]?\d+(?:\.\d+)?分?[）)]?$")
_NAME_PREFIX = re.compile(r"^指标\s*\d*\s*[：:．.、]\s*")
_PLACEHOLDER_NAME = re.compile(r"^(?:指标\s*\d*\s*[：:．.、]?)?[\s…．.。]*$")
# What looks like a number; projects.numbers decides whether it is one ("12,3" is not).
_NUMBER = r"[0-9][0-9,.]*|\.[0-9][0-9,.]*"
_AMOUNT = re.compile(rf"^(?P<number>{_NUMBER})(?P<unit>万元|万|元|亿元|亿)?(?P<rest>.*)$", re.S)
_SCORE = re.compile(rf"^(?P<number>{_NUMBER})分?$")
_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")


def label(text: str) -> str:
    """A cell as a label: NFKC, no whitespace at all, no trailing colon."""
    return "".join(unicodedata.normalize("NFKC", text).split()).rstrip(":：")


def column_label(text: str) -> str:
    """A column heading without its parenthetical ("全年预算数（A）" → "全年预算数")."""
    return _PARENTHETICAL.sub("", label(text))


def level_label(text: str) -> str:
    """An 一级/二级 label without the weight people write into it ("产出指标70")."""
    return _TRAILING_WEIGHT.sub("", column_label(text))


def is_blank(text: str) -> bool:
    """Empty, or only the dashes, slashes and dots people put in a cell that has nothing."""
    return bool(_BLANK.match(text))


def one_line(text: str) -> str:
    """A single-line value: the lines of a cell joined (Word breaks long names), ends trimmed."""
    return "".join(part.strip() for part in text.splitlines()).strip()


def prose(text: str) -> str:
    """Long text (goals, reasons): lines kept, blank lines and line ends trimmed."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line.strip())


def indicator_name(text: str) -> str:
    """A 三级 name without the template's "指标1：" prefix."""
    return _NAME_PREFIX.sub("", one_line(text)).strip()


def is_placeholder_name(text: str) -> bool:
    """ "指标2：", "……", "指标：" and empty names: the template's empty rows."""
    return bool(_PLACEHOLDER_NAME.match(one_line(text)))


def find_year(text: str) -> int | None:
    match = _YEAR.search(unicodedata.normalize("NFKC", text))
    if match and 2000 <= int(match.group(1)) <= 2100:
        return int(match.group(1))
    return None


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is Chinese and says why."""


@dataclass(frozen=True)
class Amount:
    """An amount cell as read: the number, its unit and anything written after it."""

    original: str
    number: Decimal | None
    unit: str = ""  # "" (none written), "万元", "元" or "亿元"
    rest: str = ""  # junk after the unit ("成")

    def in_wan(self, bare_is_yuan: bool) -> Decimal | None:
        if self.number is None:
            return None
        if self.unit == "元" or (not self.unit and bare_is_yuan):
            return self.number / WAN
        if self.unit == "亿元":
            return self.number * WAN
        return self.number


def _plain(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def read_amount(text: str) -> Amount:
    """An amount as written ("150万元", "1,863,180", "23.380701万元成", "—")."""
    original = one_line(text)
    if is_blank(original):
        return Amount(original, None)
    plain = _plain(original)
    if plain.startswith(("-", "−")) and len(plain) > 1:
        raise ValueProblem(f"「{original}」是负数，金额不能为负")
    match = _AMOUNT.match(plain)
    if not match:
        raise ValueProblem(f"「{original}」不是金额")
    rest = match.group("rest")
    if re.search(r"[\d%]", rest):
        raise ValueProblem(f"「{original}」不是一个金额（请只填写一个以万元为单位的数）")
    unit = {"万": "万元", "亿": "亿元"}.get(match.group("unit") or "", match.group("unit") or "")
    # Places and size are checked in 万元 (check_money), after the unit is applied.
    number = _number(original, match.group("number"), places=None, max_value=None)
    return Amount(original, number, unit, rest)


def read_score(text: str) -> Decimal | None:
    """A 分值/得分 cell: "10", "9.93", "10分"; blank or a dash is None."""
    original = one_line(text)
    if is_blank(original):
        return None
    match = _SCORE.match(_plain(original))
    if not match:
        raise ValueProblem(f"「{original}」不是数字")
    return _number(original, match.group("number"), places=SCORE_PLACES, max_value=SCORE_MAX)


def check_money(number: Decimal, original: str) -> Decimal:
    """An amount in 万元 (after 元/亿元 were converted) as the money columns hold it."""
    try:
        return check_number(number, places=MONEY_PLACES, max_value=MONEY_MAX)
    except NumberError as exc:
        if exc.code == "places":
            raise ValueProblem(f"「{original}」换算为万元后超过 6 位小数") from None
        raise ValueProblem(f"「{original}」{exc.message}") from None


def decimal_text(number: Decimal | None) -> str | None:
    """A Decimal as a plain string without exponent or trailing zeros ("186.318", "0")."""
    if number is None:
        return None
    text = format(number.normalize(), "f")
    return text


def _number(original: str, text: str, *, places: int | None, max_value: Decimal | None) -> Decimal:
    """The digits of a cell read by projects.numbers; its message, naming the cell."""
    try:
        number = parse_number(
            text, places=places, max_value=max_value, places_message=ERROR_SCORE_PLACES
        )
    except NumberError as exc:
        if exc.code in {"invalid", "comma"}:
            raise ValueProblem(f"「{original}」不是数字：{exc.message}") from None
        raise ValueProblem(f"「{original}」{exc.message}") from None
    assert number is not None  # the patterns match at least one digit
    return number
