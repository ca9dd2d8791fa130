"""The interchange JSON, format "selfeval/1" (every key: docs/rules.md).

``form_data_to_dict`` is its one writer: a form's plain values, and with its scoring
result every computed number too. ``evaluation_to_dict`` writes a stored form through
it (``evaluation_form_data``), the import preview a parsed one. ``read_form_dict``
turns one form of such a file back into plain, validated values for
``services.evaluation_import``. Money and scores are strings so that no float ever
touches them. The fields of a 项目资金 line and of a 三级 row are ``projects.rows``'.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from indicators.models import Level2
from indicators.scoring import (
    DIRECTION_LABELS,
    BudgetLineKind,
    FormResult,
    Tier,
    direction_choice,
)
from projects import rows
from projects.models import (
    DEPARTMENT_NAME_MAX,
    PROJECT_NAME_MAX,
    Evaluation,
)
from projects.numbers import (
    MONEY_MAX,
    MONEY_PLACES,
    SCORE_MAX,
    SCORE_PLACES,
    NumberError,
    parse_number,
)
from projects.rows import Kind
from projects.text import ERROR_LONE_SURROGATE, clean_text, excerpt, lone_surrogate, too_long

FORMAT = "selfeval/1"
TWO_PLACES = Decimal("0.01")
LEVEL_NAME_MAX = Level2._meta.get_field("name").max_length
# The label and longest text of each text key (projects.models 输入限制, through
# projects.rows); any other key (status, kind, tier) is a short code.
TEXT_LIMITS: dict[str, tuple[str, int]] = {
    "project_name": ("项目名称", PROJECT_NAME_MAX),
    "department": ("主管部门", DEPARTMENT_NAME_MAX),
    "implementing_unit": ("实施单位", DEPARTMENT_NAME_MAX),
    **{c.name: (c.label, c.length) for c in rows.HEADER if c.kind in {Kind.TEXT, Kind.PROSE}},
    "level1": (rows.LEVEL1_LABEL, LEVEL_NAME_MAX),
    "level2": (rows.LEVEL2_LABEL, LEVEL_NAME_MAX),
    **{
        c.name: (c.label, c.length)
        for c in rows.INDICATOR.columns(*rows.INDICATOR_TYPED)
        if c.kind in {Kind.TEXT, Kind.PROSE}
    },
}
CODE_MAX = 50
# The columns an interchange file holds of a 项目资金 line and of a 三级 row (after the
# row's 一级 and 二级 names; the parsed columns are not written).
_LINE_COLUMNS = rows.BUDGET_LINE.columns()
_ROW_COLUMNS = rows.INDICATOR.columns(*rows.INDICATOR_TYPED)


class InterchangeError(ValueError):
    """A form in an interchange file that cannot be read; the message is Chinese."""


def money_str(value: Decimal | None) -> str | None:
    """Money as a plain decimal string without trailing zeros ("10", "23.380701")."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def score_str(value: Decimal | None) -> str | None:
    """Scores and weights with two decimals ("10.00", "9.93")."""
    if value is None:
        return None
    return format(value.quantize(TWO_PLACES), "f")


def level1_totals_list(result: FormResult) -> list[dict[str, str | None]]:
    """The 一级 totals of a result: [{"level1", "weight", "score"}] in form order."""
    return [
        {"level1": t.level1, "weight": score_str(t.weight), "score": score_str(t.score)}
        for t in result.level1_totals
    ]


_WRITERS = {Kind.MONEY: money_str, Kind.SCORE: score_str}


def _columns_dict(values: object, columns: tuple[rows.Column, ...]) -> dict[str, Any]:
    """``columns`` of ``values`` (a row or line) as interchange values."""
    data = {}
    for column in columns:
        value = getattr(values, column.name)
        writer = _WRITERS.get(column.kind)
        data[column.name] = value if writer is None else writer(value)
    return data


def form_data_to_dict(form: FormData, result: FormResult | None = None) -> dict[str, Any]:
    """A form as interchange JSON: the values read or stored, and with ``result`` (its
    scoring result) every computed number. Without it, only what was read: the import
    preview keeps a parsed form in this shape, and ``read_form_dict`` reads it back to
    an equal FormData."""
    data: dict[str, Any] = {
        "year": form.year,
        "project_name": form.project_name,
        "department": form.department,
        "implementing_unit": form.implementing_unit,
        "project_lead": form.project_lead,
        "contact_phone": form.contact_phone,
        "status": form.status,
        "legacy": form.legacy,
        "goal_expected": form.goal_expected,
        "goal_actual": form.goal_actual,
        "review_comment": form.review_comment,
        "budget_lines": [
            {"kind": line.kind, **_columns_dict(line, _LINE_COLUMNS)} for line in form.budget_lines
        ],
        "amount_unit_converted": form.amount_unit_converted,
        "amount_unit_note": form.amount_unit_note,
        "paper_notes": form.paper_notes,
    }
    budget: dict[str, Any] = {"weight": score_str(form.budget_weight)}
    if result is not None:
        budget = {
            "execution_rate": score_str(result.execution_rate),
            "weight": score_str(result.budget_weight),
            "score": score_str(result.budget_score),
        }
    data["budget"] = {
        **budget,
        "recorded_score": score_str(form.recorded_budget_score),
        "recorded_execution_rate": form.recorded_execution_rate,
    }
    if result is not None:
        data["level1_totals"] = level1_totals_list(result)
        data["total_weight"] = score_str(result.total_weight)
        data["total_score"] = score_str(result.total_score)
        data["grade"] = result.grade
    data["recorded_total_weight"] = score_str(form.recorded_total_weight)
    data["recorded_total_score"] = score_str(form.recorded_total_score)
    indicators = [
        {"level1": row.level1, "level2": row.level2, **_columns_dict(row, _ROW_COLUMNS)}
        for row in form.indicators
    ]
    data["indicators"] = indicators
    if result is not None:
        for row, indicator in zip(indicators, result.indicators, strict=True):
            row["quantitative"] = indicator.quantitative
            row["suggested_score"] = score_str(indicator.suggested_score)
            row["counted_score"] = score_str(indicator.counted_score)
        data["findings"] = [finding.as_dict() for finding in result.findings]
    return data


def evaluation_form_data(evaluation: Evaluation) -> FormData:
    """A stored form (its rows prefetched) as the plain values an interchange file holds.

    Every 项目资金 line is there, an empty one for a kind the form has no row of.
    """
    project = evaluation.project
    lines = {line.kind: line for line in evaluation.budget_lines.all()}
    return FormData(
        year=evaluation.year,
        project_name=project.name,
        department=project.department.name,
        implementing_unit=project.implementing_unit.name if project.implementing_unit else "",
        status=evaluation.status,
        **{name: getattr(evaluation, name) for name in rows.HEADER.names()},
        budget_lines=tuple(
            BudgetLineData(
                kind=kind.value,
                **{c.name: getattr(lines.get(kind.value), c.name, None) for c in _LINE_COLUMNS},
            )
            for kind in BudgetLineKind
        ),
        indicators=tuple(
            IndicatorData(
                level1=row.level2.level1.name,
                level2=row.level2.name,
                **{c.name: getattr(row, c.name) for c in _ROW_COLUMNS},
            )
            for row in evaluation.indicators.all()
        ),
    )


def evaluation_to_dict(evaluation: Evaluation, result: FormResult) -> dict[str, Any]:
    """One form as the interchange JSON, read from its (prefetched) rows and result."""
    return form_data_to_dict(evaluation_form_data(evaluation), result)


# --- reading -----------------------------------------------------------------


BudgetLineData = rows.record(
    "BudgetLineData",
    _LINE_COLUMNS,
    module=__name__,
    doc="One 项目资金 line read from an interchange file: its kind and amounts.",
    first=[("kind", str)],
)
IndicatorData = rows.record(
    "IndicatorData",
    _ROW_COLUMNS,
    module=__name__,
    doc="One 三级 row read from an interchange file: its 一级/二级 names and typed values.",
    first=[("level1", str), ("level2", str)],
)


@dataclass(frozen=True)
class FormData:
    """One form read from an interchange file: validated plain values, nothing computed."""

    year: int
    project_name: str
    department: str
    implementing_unit: str
    status: str
    project_lead: str = ""
    contact_phone: str = ""
    goal_expected: str = ""
    goal_actual: str = ""
    review_comment: str = ""  # the reviewer's comment on the whole form
    legacy: bool = False
    budget_weight: Decimal = Decimal("10")
    recorded_budget_score: Decimal | None = None
    recorded_execution_rate: str = ""
    recorded_total_weight: Decimal | None = None
    recorded_total_score: Decimal | None = None
    amount_unit_converted: bool = False
    amount_unit_note: str = ""
    paper_notes: str = ""  # what the paper form wrote after the indicator table
    budget_lines: tuple[BudgetLineData, ...] = ()
    indicators: tuple[IndicatorData, ...] = field(default_factory=tuple)
    # What a reader of a paper form says beside the values; not part of the interchange file.
    unplaced: tuple[str, ...] = field(default=(), compare=False)  # cells it did not import
    reading_notes: tuple[str, ...] = field(default=(), compare=False)  # how it read a cell


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    """A text value, cleaned (``projects.text``); a lone surrogate or too much text is refused."""
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InterchangeError(f"{where}：字段 {key} 应为文本")
    label, limit = TEXT_LIMITS.get(key, (key, CODE_MAX))
    if code := lone_surrogate(value):
        raise InterchangeError(f"{where}：{ERROR_LONE_SURROGATE.format(label=label, code=code)}")
    value = clean_text(value).strip()
    if message := too_long(label, limit, value):
        raise InterchangeError(f"{where}：{message}")
    if required and not value:
        raise InterchangeError(f"{where}：缺少必填字段 {key}")
    return value


def _decimal(
    data: dict[str, Any], key: str, where: str, *, maximum: Decimal, places: int
) -> Decimal | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        # floats are refused on purpose: money and scores travel as strings.
        raise InterchangeError(
            f'{where}：字段 {key} 应为数字字符串（如 "10.00"），而不是 {excerpt(repr(value))}'
        )
    try:
        return parse_number(str(value), places=places, max_value=maximum)
    except NumberError as exc:
        problem = "不是有效数字：" if exc.code in {"invalid", "comma"} else ""
        raise InterchangeError(
            f"{where}：字段 {key} 的值「{excerpt(value)}」{problem}{exc.message}"
        ) from None


def _money(data: dict[str, Any], key: str, where: str) -> Decimal | None:
    return _decimal(data, key, where, maximum=MONEY_MAX, places=MONEY_PLACES)


def _score(data: dict[str, Any], key: str, where: str) -> Decimal | None:
    return _decimal(data, key, where, maximum=SCORE_MAX, places=SCORE_PLACES)


def _read(data: dict[str, Any], column: rows.Column, where: str) -> Any:
    """The value of one column of a row or line, read as its kind is."""
    if column.kind == Kind.MONEY:
        return _money(data, column.name, where)
    if column.kind == Kind.SCORE:
        return _score(data, column.name, where)
    return _text(data, column.name, where)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InterchangeError(f"{where}：应为对象")
    return value


def read_form_dict(raw: Any, where: str = "表单") -> FormData:
    """Validate one form of an interchange file; raise InterchangeError naming the spot."""
    data = _mapping(raw, where)
    year = data.get("year")
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise InterchangeError(
            f"{where}：年度「{excerpt(data.get('year'))}」无效，应为 2000–2100 之间的整数"
        )
    project_name = _text(data, "project_name", where, required=True)
    where = f"{where}「{project_name}」"
    status = _text(data, "status", where) or Evaluation.Status.DRAFT
    if status not in Evaluation.Status.values:
        raise InterchangeError(
            f"{where}：状态「{status}」无效，应为 {'/'.join(Evaluation.Status.values)}"
        )

    budget = _mapping(data.get("budget") or {}, f"{where}的 budget")
    raw_lines = data.get("budget_lines") or []
    if not isinstance(raw_lines, list):
        raise InterchangeError(f"{where}：budget_lines 应为列表")
    lines: dict[str, BudgetLineData] = {}
    for number, raw_line in enumerate(raw_lines, start=1):
        line_where = f"{where}项目资金第{number}行"
        line = _mapping(raw_line, line_where)
        kind = _text(line, "kind", line_where, required=True)
        if kind not in {k.value for k in BudgetLineKind}:
            raise InterchangeError(f"{line_where}：资金类别「{kind}」无效")
        if kind in lines:
            raise InterchangeError(f"{line_where}：资金类别「{kind}」重复")
        lines[kind] = BudgetLineData(
            kind=kind, **{c.name: _read(line, c, line_where) for c in _LINE_COLUMNS}
        )

    raw_indicators = data.get("indicators") or []
    if not isinstance(raw_indicators, list):
        raise InterchangeError(f"{where}：indicators 应为列表")
    indicators = []
    for number, raw_row in enumerate(raw_indicators, start=1):
        row_where = f"{where}绩效指标第{number}行"
        row = _mapping(raw_row, row_where)
        tier = _text(row, "tier", row_where)
        if tier and tier not in [t.value for t in Tier]:
            raise InterchangeError(f"{row_where}：定性档次「{tier}」无效")
        direction = direction_choice(_text(row, "direction", row_where))
        if direction is None:
            raise InterchangeError(
                f"{row_where}：指标方向「{excerpt(row.get('direction'))}」无效，"
                f"应为 {'/'.join(d.value for d in DIRECTION_LABELS)} 或留空（自动）"
            )
        review_score = _score(row, "review_score", row_where)
        review_comment = _text(row, "review_comment", row_where)
        if review_score is not None and not review_comment:
            raise InterchangeError(f"{row_where}：有审核得分时必须填写审核意见")
        checked = {"tier": tier, "review_score": review_score, "review_comment": review_comment}
        checked["direction"] = str(direction)
        indicators.append(
            IndicatorData(
                level1=_text(row, "level1", row_where, required=True),
                level2=_text(row, "level2", row_where, required=True),
                **{
                    c.name: checked[c.name] if c.name in checked else _read(row, c, row_where)
                    for c in _ROW_COLUMNS
                },
            )
        )

    budget_weight = _score(budget, "weight", where)
    return FormData(
        year=year,
        project_name=project_name,
        department=_text(data, "department", where, required=True),
        implementing_unit=_text(data, "implementing_unit", where),
        status=status,
        project_lead=_text(data, "project_lead", where),
        contact_phone=_text(data, "contact_phone", where),
        goal_expected=_text(data, "goal_expected", where),
        goal_actual=_text(data, "goal_actual", where),
        review_comment=_text(data, "review_comment", where),
        legacy=bool(data.get("legacy", False)),
        budget_weight=Decimal("10") if budget_weight is None else budget_weight,
        recorded_budget_score=_score(budget, "recorded_score", where),
        recorded_execution_rate=_text(budget, "recorded_execution_rate", where),
        recorded_total_weight=_score(data, "recorded_total_weight", where),
        recorded_total_score=_score(data, "recorded_total_score", where),
        amount_unit_converted=bool(data.get("amount_unit_converted", False)),
        amount_unit_note=_text(data, "amount_unit_note", where),
        paper_notes=_text(data, "paper_notes", where),
        budget_lines=tuple(lines.values()),
        indicators=tuple(indicators),
    )


def read_document(raw: Any) -> list[FormData]:
    """Read a whole interchange document ({"format": "selfeval/1", "forms": [...]})."""
    document = _mapping(raw, "文件")
    if document.get("format") != FORMAT:
        raise InterchangeError(
            f"文件格式标识应为「{FORMAT}」，实际为「{excerpt(document.get('format'))}」"
        )
    forms = document.get("forms")
    if not isinstance(forms, list):
        raise InterchangeError("文件缺少 forms 列表")
    return [read_form_dict(form, f"第{number}张表") for number, form in enumerate(forms, start=1)]


# --- what a file holds beyond what is read ---------------------------------------------

# What the writer adds to a form from the scoring result; computed again on import.
_COMPUTED_FORM_KEYS = {"level1_totals", "total_weight", "total_score", "grade", "findings"}
_COMPUTED_BUDGET_KEYS = {"execution_rate", "score"}
_COMPUTED_ROW_KEYS = {"quantitative", "suggested_score", "counted_score"}


@functools.cache
def _written_keys() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """The keys of a form, its budget, a 项目资金 line and a 三级 row as the writer writes them."""
    sample = FormData(
        year=2000,
        project_name="",
        department="",
        implementing_unit="",
        status="",
        budget_lines=(BudgetLineData(kind="total"),),
        indicators=(IndicatorData(level1="", level2=""),),
    )
    data = form_data_to_dict(sample)
    return (
        frozenset(data) | _COMPUTED_FORM_KEYS,
        frozenset(data["budget"]) | _COMPUTED_BUDGET_KEYS,
        frozenset(data["budget_lines"][0]),
        frozenset(data["indicators"][0]) | _COMPUTED_ROW_KEYS,
    )


def unread_keys(raw: dict[str, Any]) -> list[str]:
    """The filled keys of one form of a file that nothing reads ("indicators[2].备注").

    The importer lists them as not imported instead of dropping them silently.
    """
    form_keys, budget_keys, line_keys, row_keys = _written_keys()
    unread = [key for key, value in raw.items() if key not in form_keys and _filled(value)]
    nested = (
        ("budget", budget_keys, [raw.get("budget")]),
        ("budget_lines", line_keys, raw.get("budget_lines")),
        ("indicators", row_keys, raw.get("indicators")),
    )
    for name, known, items in nested:
        if not isinstance(items, list):
            continue
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                continue
            place = name if name == "budget" else f"{name}[{number}]"
            unread += [
                f"{place}.{key}"
                for key, value in item.items()
                if key not in known and _filled(value)
            ]
    return unread


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})
