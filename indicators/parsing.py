"""Parse 年度指标值 and 实际完成值 cells into comparable numbers (docs/rules.md).

Pure functions over ``str`` and ``Decimal``; nothing here raises on user input.

A cell is parsed only when the WHOLE trimmed cell is a value: an optional comparator,
a number, an optional 万/亿 multiplier, a ``%`` or a known unit, and an optional
以上/以下/以内 suffix ("≥ 30", "不少于2个", "1亿元以上", "≤5个工作日", "350卷", "一份").
A sentence that merely contains a number ("正式委托后一般不超过20个工作日") is not a
value: reading a number out of prose would score a row by a guess.

Normalisation:
- 万 ×10⁴, 亿 ×10⁸ (also 百万, 千万, 万亿); 万元/亿元 become unit "元".
- ``%`` divides by 100 and sets ``percent``: "95%" → number 0.95.
- Full-width characters are folded (NFKC), so "３０％" reads as "30%".
- "2023年" (a calendar year) is not a quantity and is not parsed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

ONE = Decimal("1")

# Longer than this a cell is prose, not a value; also bounds the regex work on junk input.
MAX_VALUE_LENGTH = 60

# looks_numeric: a target this short that contains an Arabic digit is meant as a number.
LOOKS_NUMERIC_MAX_LENGTH = 20


class Comparator(StrEnum):
    GE = "≥"
    GT = ">"
    LE = "≤"
    LT = "<"
    EQ = "="  # a bare number ("350卷"), and every 实际完成值


class Direction(StrEnum):
    """Which way a target is met. Parsing gives POSITIVE or REVERSE from the comparator
    (a bare number reads POSITIVE); the scoring decides the direction a row is scored in
    (``indicators.scoring.scoring_direction``: a bare cost or duration is REVERSE, and the
    filler may choose EQUAL)."""

    POSITIVE = "positive"  # more is better: ≥, >, 不少于, 以上, a bare number
    REVERSE = "reverse"  # less is better: ≤, <, 不超过, 以内, 以下
    EQUAL = "equal"  # met only when equal; chosen by the filler, never parsed


# Units of a duration: under 时效指标 a bare "5个工作日" is a deadline, met by less.
DURATION_UNITS = frozenset({"天", "日", "工作日", "月", "小时"})

_DIRECTION = {
    Comparator.GE: Direction.POSITIVE,
    Comparator.GT: Direction.POSITIVE,
    Comparator.EQ: Direction.POSITIVE,
    Comparator.LE: Direction.REVERSE,
    Comparator.LT: Direction.REVERSE,
}


@dataclass(frozen=True)
class ParsedValue:
    """A parsed cell. ``number`` is already scaled (万, 亿) and divided by 100 for ``%``."""

    comparator: Comparator
    direction: Direction
    number: Decimal
    unit: str  # normalised: "元" for 万元/亿元, "个", "卷", "个工作日"; "" for none
    percent: bool
    raw: str  # the cell as typed
    # The 万/亿 factor that was applied (1 when none). A bare "42" next to "42万元" is
    # most likely in 万元 too, so comparable_with refuses to compare the two.
    multiplier: Decimal = ONE

    @property
    def bare(self) -> bool:
        """A number without a comparator ("400", "350卷"): its direction is the row's rule."""
        return self.comparator == Comparator.EQ

    @property
    def duration(self) -> bool:
        """Whether the unit is a length of time (天, 日, 工作日, 月, 小时, also 个月)."""
        return self.unit.removeprefix("个") in DURATION_UNITS

    def comparable_with(self, other: ParsedValue) -> bool:
        """Whether the two values measure the same thing, so a ratio between them means something.

        Units must be equal, or one side has no unit. In the latter case both or neither
        must carry a 万/亿 factor: "42" against "42万元" would otherwise score 0.0001 of
        the target when the filler simply left out "万元". A percentage never compares
        with a count.
        """
        if self.percent != other.percent:
            return False
        if self.unit == other.unit:
            return True
        if self.unit and other.unit:
            return False
        return (self.multiplier == ONE) == (other.multiplier == ONE)


# Comparator words in front of the number, longest first so 不超过 wins over 超过.
_PREFIXES: tuple[tuple[str, Comparator], ...] = tuple(
    sorted(
        (
            (">=", Comparator.GE),
            ("≥", Comparator.GE),
            ("≧", Comparator.GE),
            ("大于等于", Comparator.GE),
            ("大于或等于", Comparator.GE),
            ("不少于", Comparator.GE),
            ("不低于", Comparator.GE),
            ("不小于", Comparator.GE),
            ("至少", Comparator.GE),
            ("达到", Comparator.GE),
            (">", Comparator.GT),
            ("大于", Comparator.GT),
            ("高于", Comparator.GT),
            ("多于", Comparator.GT),
            ("超过", Comparator.GT),
            ("<=", Comparator.LE),
            ("≤", Comparator.LE),
            ("≦", Comparator.LE),
            ("小于等于", Comparator.LE),
            ("小于或等于", Comparator.LE),
            ("不超过", Comparator.LE),
            ("不高于", Comparator.LE),
            ("不大于", Comparator.LE),
            ("不多于", Comparator.LE),
            ("至多", Comparator.LE),
            ("最多", Comparator.LE),
            ("控制在", Comparator.LE),
            ("<", Comparator.LT),
            ("小于", Comparator.LT),
            ("低于", Comparator.LT),
            ("少于", Comparator.LT),
        ),
        key=lambda item: -len(item[0]),
    )
)

# Comparator words after the value ("1亿元以上", "1年内"), longest first.
_SUFFIXES: tuple[tuple[str, Comparator], ...] = (
    ("及以上", Comparator.GE),
    ("及以下", Comparator.LE),
    ("以上", Comparator.GE),
    ("以下", Comparator.LE),
    ("以内", Comparator.LE),
    ("之内", Comparator.LE),
    ("内", Comparator.LE),
)

# Units a value may carry. A closed list on purpose: an open "any Chinese characters"
# unit would read "12月底" or "2023年度完成" as numbers.
_UNITS = (
    *("工作日", "百分点", "平方公里", "平方千米", "平方米", "立方米", "公里", "千米"),
    *("公顷", "公斤", "千克", "小时", "分钟", "季度", "人次", "户次", "家次", "场次"),
    *("批次", "篇次", "期次", "课时", "学时", "人天", "人日"),
    # one-character measure words and units, one string to keep the list readable
    *"元个件卷份篇次项人家户场期本册套台辆处所条批张",
    *"株棵头只座间栋幢层架艘门类组队名位例起宗笔部章页轮届块",
    *"天日周月年吨亩米升度",
)
_UNIT_ALTERNATION = "|".join(re.escape(u) for u in sorted(set(_UNITS), key=lambda u: -len(u)))

_MULTIPLIERS = {
    "万亿": Decimal("1000000000000"),
    "千万": Decimal("10000000"),
    "百万": Decimal("1000000"),
    "亿": Decimal("100000000"),
    "万": Decimal("10000"),
}

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

_VALUE_RE = re.compile(
    r"(?:(?P<arabic>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<chinese>[零〇一二两三四五六七八九十百千]+))"
    r"(?P<mult>万亿|千万|百万|亿|万)?"
    r"(?:(?P<pct>%)"
    # "个" may lead another unit: 个工作日, 个月, 个百分点
    rf"|(?P<unit>个?(?:{_UNIT_ALTERNATION})|[A-Za-z]{{1,5}}[23]?))?"
)

# Dates are numbers with 年/月/日 but not quantities: "2023年12月底前完成", "12月底".
_DATE_RE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|\d{1,2}\s*日")


def _normalise(text: str) -> str:
    # NFKC folds full-width digits, ％ and ＞ into ASCII; spaces inside a value carry no meaning.
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).rstrip("。.")


def _chinese_to_int(chars: str) -> int | None:
    """Simple Chinese numerals up to 9999: 一, 两, 十二, 二十, 一百零五, 二〇二三; else None."""
    if all(c in _CN_DIGITS for c in chars):
        if len(chars) == 1:
            return _CN_DIGITS[chars]
        # digit-by-digit spelling ("二〇二三") always has a zero and never starts with one
        if chars[0] in "零〇" or not any(c in "零〇" for c in chars):
            return None
        return int("".join(str(_CN_DIGITS[c]) for c in chars))
    total = 0
    pending: int | None = None
    last_unit = 10_000
    for char in chars:
        if char in "零〇":
            if pending is not None:
                return None  # 零 only fills a gap after a unit: 一百零五
        elif char in _CN_DIGITS:
            if pending is not None:
                return None  # two digits in a row inside a positional numeral
            pending = _CN_DIGITS[char]
        else:
            unit = _CN_UNITS[char]
            if unit >= last_unit:
                return None  # 十百, 百百: not a numeral
            # "十二" means 12: a leading 十 stands for 一十
            total += (1 if pending is None else pending) * unit
            pending = None
            last_unit = unit
    return total + (pending or 0)


def _by_char(
    words: tuple[tuple[str, Comparator], ...], index: int
) -> dict[str, tuple[tuple[str, Comparator], ...]]:
    """The words grouped by their first (index 0) or last (-1) character, order kept:
    a value is only compared with the few words that can match it (parsing is hot)."""
    groups: dict[str, list[tuple[str, Comparator]]] = {}
    for item in words:
        groups.setdefault(item[0][index], []).append(item)
    return {char: tuple(items) for char, items in groups.items()}


_PREFIXES_BY_FIRST = _by_char(_PREFIXES, 0)
_SUFFIXES_BY_LAST = _by_char(_SUFFIXES, -1)


def _split_comparator(text: str) -> tuple[Comparator | None, str] | None:
    """Strip a comparator prefix and/or suffix; None when they contradict each other."""
    prefix: Comparator | None = None
    for word, comparator in _PREFIXES_BY_FIRST.get(text[:1], ()):
        if text.startswith(word):
            prefix, text = comparator, text[len(word) :]
            break
    suffix: Comparator | None = None
    for word, comparator in _SUFFIXES_BY_LAST.get(text[-1:], ()):
        if text.endswith(word) and len(text) > len(word):
            suffix, text = comparator, text[: -len(word)]
            break
    if prefix and suffix and _DIRECTION[prefix] != _DIRECTION[suffix]:
        return None
    # "不低于100亿元以上": the prefix is the more precise of the two (it may be strict)
    return prefix or suffix, text


def _parse(text: object, *, allow_comparator: bool) -> ParsedValue | None:
    if not isinstance(text, str):
        return None
    raw = text
    cleaned = _normalise(text)
    if not cleaned or len(cleaned) > MAX_VALUE_LENGTH:
        return None
    split = _split_comparator(cleaned)
    if split is None:
        return None
    comparator, core = split
    if comparator is not None and not allow_comparator:
        return None
    match = _VALUE_RE.fullmatch(core)
    if match is None:
        return None
    try:
        if match["arabic"] is not None:
            number = Decimal(match["arabic"].replace(",", ""))
        else:
            integer = _chinese_to_int(match["chinese"])
            if integer is None:
                return None
            number = Decimal(integer)
    except (InvalidOperation, ValueError):
        return None
    unit = match["unit"] or ""
    percent = match["pct"] is not None
    multiplier = _MULTIPLIERS.get(match["mult"] or "", ONE)
    if percent and multiplier != ONE:
        return None  # "5万%" is not a value anyone means
    is_year = unit == "年" and multiplier == ONE and number == number.to_integral_value()
    if is_year and 1000 <= number <= 9999:
        return None  # "2023年" is a calendar year, not a count of years
    number *= multiplier
    if percent:
        number /= Decimal(100)
    comparator = comparator or Comparator.EQ
    return ParsedValue(
        comparator=comparator,
        direction=_DIRECTION[comparator],
        number=number,
        unit=unit,
        percent=percent,
        raw=raw,
        multiplier=multiplier,
    )


def parse_target(text: str) -> ParsedValue | None:
    """Parse a 年度指标值 cell ("≥30", "不超过200万", "1亿元以上"); None if it is not a value.

    Never raises: any input that is not exactly a value, including non-strings, gives None.
    """
    try:
        return _parse(text, allow_comparator=True)
    except (ArithmeticError, ValueError, TypeError):  # belt and braces: user input never crashes
        return None


def parse_actual(text: str) -> ParsedValue | None:
    """Parse a 实际完成值 cell ("373卷", "199.9万", "2.5亿元", "100%", "32"); None otherwise.

    An actual is a plain number with an optional unit; a comparator ("≥30") is not an
    achieved value, so it gives None. Never raises.
    """
    try:
        return _parse(text, allow_comparator=False)
    except (ArithmeticError, ValueError, TypeError):
        return None


def looks_numeric(text: str) -> bool:
    """Whether a target reads as a number: short, with an Arabic digit, and not a date.

    "≥30", "5个工作日内完成" and "30 次/年" look numeric; "2023年12月底前完成",
    "12月底", "若干篇" and long sentences do not. It says nothing about whether the
    text parses: the ``value_unparsed`` warning fires when a target looks numeric and
    ``parse_target`` gives None. The length limit (``LOOKS_NUMERIC_MAX_LENGTH``, 20
    characters after trimming) separates a mistyped value from prose that happens to
    mention a number.
    """
    if not isinstance(text, str):
        return False
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded or len(folded) > LOOKS_NUMERIC_MAX_LENGTH:
        return False
    if not any(c.isascii() and c.isdigit() for c in folded):
        return False
    return _DATE_RE.search(folded) is None
