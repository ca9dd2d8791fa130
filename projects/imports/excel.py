"""Excel (.xlsx) forms: our own summary export, or one paper-like form per sheet.

- **Our summary** (``projects.exports.excel``: sheets 汇总 and 指标明细, one row per
  form and per 三级 row, linked by 序号) is read by column heading, in read-only
  mode so a big year stays small in memory. It has no 项目负责人, 联系电话,
  年度总体目标 or budget sub-lines; the preview says what an update would clear.
- **A paper-like sheet** (the form drawn with merged cells) becomes rows of cells,
  merged ranges resolved, and goes through the same ``FormReader`` as Word.

Numbers come in as float: each goes through ``Decimal(str(v))`` (and float noise
below 1e-9 is dropped). A formula is never trusted for its cached value: in a
cell we store it is an error naming the cell; in a cell we compute ourselves
(执行率, 预算执行得分, 总分) it counts as not written.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import warnings
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter

from indicators.scoring import (
    DIRECTION_LABELS,
    BudgetLineKind,
    compute_budget_score,
    direction_choice,
)
from projects.exports.excel import (
    DETAIL_SHEET,
    INDICATOR_COLUMNS,
    SUMMARY_COLUMNS_HEAD,
    SUMMARY_COLUMNS_TAIL,
    SUMMARY_SHEET,
    read_back,
    written_headings,
)
from projects.imports.base import ImportFailure, Source, check_forms, read_source
from projects.imports.safety import EXCEL, check_package
from projects.imports.table import (
    LEGACY_STATUS,
    STATUS_LABELS,
    Cell,
    FormReader,
    Row,
)
from projects.imports.taxonomy import TaxonomyMap
from projects.imports.values import (
    ValueProblem,
    check_money,
    decimal_text,
    one_line,
    prose,
    read_amount,
    read_score,
)
from projects.interchange import FormData, InterchangeError, read_form_dict
from projects.rows import BUDGET_LINE, INDICATOR, LEVEL1_LABEL, LEVEL2_LABEL, Kind
from projects.text import clean_text

OWN_CREATOR = "selfeval"
MAX_FORM_ROWS, MAX_FORM_COLUMNS = 2000, 60  # a paper-like form is far smaller
MAX_SUMMARY_ROWS = 200_000
NOISE = Decimal("0.000000001")
DEFAULT_BUDGET_WEIGHT = Decimal("10")

# The headings the summary's writer gives its columns, by the key each is read as.
SUMMARY_COLUMNS = read_back([*SUMMARY_COLUMNS_HEAD, *SUMMARY_COLUMNS_TAIL])
DETAIL_COLUMNS = read_back(INDICATOR_COLUMNS)
# The columns of 指标明细 that hold a 三级 row's typed values (projects.rows), in the sheet's order.
DETAIL_FIELDS = tuple(key for key in DETAIL_COLUMNS.values() if key in INDICATOR)
REQUIRED = {"number", "year", "department", "project_name", "level1", "level2", "name"}


class XlsxImporter:
    identifier = "xlsx"
    verbose_name = "Excel"
    extensions = (".xlsx",)

    def __init__(self, taxonomy: TaxonomyMap | None = None) -> None:
        self._taxonomy = taxonomy

    def parse(self, source: Source, *, filename: str | None = None) -> list[FormData]:
        data, name = read_source(source, filename)
        try:
            check_package(data, EXCEL)
            taxonomy = self._taxonomy or TaxonomyMap.from_db()
            return check_forms(_read(data, taxonomy), name)
        except ImportFailure as failure:
            raise failure.in_file(name) from None


def _load(data: bytes, *, read_only: bool):
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unsupported extensions, data validation, …
            return load_workbook(
                io.BytesIO(data), read_only=read_only, data_only=False, keep_links=False
            )
    except Exception:  # openpyxl/zipfile/XML raise many types on a damaged workbook
        raise ImportFailure("文件已损坏，无法作为 Excel 工作簿打开") from None


def _read(data: bytes, taxonomy: TaxonomyMap) -> list[FormData]:
    workbook = _load(data, read_only=True)
    try:
        names = list(workbook.sheetnames)
        if SUMMARY_SHEET in names and DETAIL_SHEET in names:
            return SummaryReader(taxonomy).read(workbook)
    finally:
        workbook.close()
    workbook = _load(data, read_only=False)
    # projects.exports.paper_xlsx names itself so, as the Word export does.
    own_export = (workbook.properties.creator or "") == OWN_CREATOR
    forms: list[FormData] = []
    for sheet in workbook.worksheets:
        rows = sheet_rows(sheet)
        if rows is None:
            continue  # far too big for a form: a data sheet, not the paper layout
        reader = FormReader(taxonomy, own_export=own_export, place=f"工作表「{sheet.title}」")
        for row in rows:
            reader.feed(row)
        if reader.found:
            forms.extend(reader.forms())
    if not forms:
        raise ImportFailure(
            "没有找到自评表：没有一个工作表含有「项目名称」「项目资金」「绩效指标」等栏目，"
            f"也不是本系统导出的汇总表（工作表「{SUMMARY_SHEET}」和「{DETAIL_SHEET}」）"
        )
    return forms


# --- cells ---------------------------------------------------------------------------


def number_text(value: Any, number_format: str = "General") -> str:
    """A numeric cell as the digits a person sees: Decimal(str(v)), no float noise."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if isinstance(value, float) and number.is_finite() and number.as_tuple().exponent < -9:  # type: ignore[operator]
        number = number.quantize(NOISE)
    if "%" in (number_format or ""):
        return f"{decimal_text(number * 100)}%"
    return decimal_text(number) or ""


def cell_text(cell) -> tuple[str, bool]:
    """(text, is_formula) of an openpyxl cell; never a formula's cached value."""
    if cell is None:
        return "", False
    value = cell.value
    if value is None:
        return "", False
    if cell.data_type == "f" or (hasattr(value, "text") and not isinstance(value, str)):
        return str(getattr(value, "text", value) or ""), True  # a formula (or array formula)
    if isinstance(value, str):
        return clean_text(value), False
    if isinstance(value, bool):
        return ("是" if value else "否"), False
    if isinstance(value, int | float | Decimal):
        try:
            number_format = cell.number_format
        except Exception:  # a damaged style index in a read-only sheet
            number_format = "General"
        return number_text(value, number_format), False
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat(), False
    return str(value), False


def sheet_rows(sheet) -> list[Row] | None:
    """A worksheet as rows of cells with merged ranges resolved; None when far too big."""
    filled = {key: cell for key, cell in sheet._cells.items() if cell.value is not None}
    if not filled:
        return []
    max_row = max(row for row, _ in filled)
    max_column = max(column for _, column in filled)
    if max_row > MAX_FORM_ROWS or max_column > MAX_FORM_COLUMNS:
        return None
    merged: dict[tuple[int, int], Any] = {}
    for merged_range in sheet.merged_cells.ranges:
        if merged_range.min_row > max_row or merged_range.min_col > max_column:
            continue
        for row in range(merged_range.min_row, min(merged_range.max_row, max_row) + 1):
            merged[(row, merged_range.min_col)] = merged_range
            for column in range(
                merged_range.min_col + 1, min(merged_range.max_col, max_column) + 1
            ):
                merged[(row, column)] = None  # covered by the range's first column
    rows = []
    for row_number in range(1, max_row + 1):
        cells = []
        column = 1
        while column <= max_column:
            key = (row_number, column)
            if key in merged and merged[key] is None:
                column += 1
                continue
            merged_range = merged.get(key)
            if merged_range is not None:
                origin = (merged_range.min_row, merged_range.min_col)
                width = min(merged_range.max_col, max_column) - column + 1
                text, formula = cell_text(filled.get(origin))
                cells.append(
                    Cell(
                        text,
                        column - 1,
                        width,
                        continued=row_number != merged_range.min_row,
                        formula=formula,
                        ref=f"{get_column_letter(origin[1])}{origin[0]}",
                    )
                )
                column += width
                continue
            text, formula = cell_text(filled.get(key))
            cells.append(
                Cell(
                    text,
                    column - 1,
                    1,
                    formula=formula,
                    ref=f"{get_column_letter(column)}{row_number}",
                )
            )
            column += 1
        rows.append(Row(cells, f"工作表「{sheet.title}」第{row_number}行"))
    return rows


# --- our own summary ---------------------------------------------------------------


class SummaryReader:
    """The 汇总/指标明细 workbook of ``projects.exports.excel``, read by column heading."""

    def __init__(self, taxonomy: TaxonomyMap) -> None:
        self.taxonomy = taxonomy

    def read(self, workbook) -> list[FormData]:
        forms: dict[int, dict[str, Any]] = {}
        unplaced: dict[int, list[str]] = {}
        for where, values, extra in self._rows(workbook[SUMMARY_SHEET], SUMMARY_COLUMNS):
            number = self._number(values, where)
            if number is None:
                continue  # the 合计/平均 rows under the forms
            if number in forms:
                raise ImportFailure(f"序号 {number} 重复", where=where)
            forms[number] = self._form(values, where)
            unplaced[number] = extra
        if not forms:
            raise ImportFailure(f"工作表「{SUMMARY_SHEET}」中没有自评表")
        for where, values, extra in self._rows(workbook[DETAIL_SHEET], DETAIL_COLUMNS):
            number = self._number(values, where)
            if number is None:
                continue
            if number not in forms:
                raise ImportFailure(
                    f"序号 {number} 在工作表「{SUMMARY_SHEET}」中没有对应的项目", where=where
                )
            forms[number]["indicators"].append(self._indicator(values, where))
            unplaced[number].extend(extra)
        result = []
        for number, form in forms.items():
            form["budget"]["weight"] = decimal_text(_budget_weight(form))
            try:
                parsed = read_form_dict(form, f"工作表「{SUMMARY_SHEET}」序号 {number}")
            except InterchangeError as exc:
                raise ImportFailure(str(exc)) from None
            result.append(dataclasses.replace(parsed, unplaced=tuple(unplaced[number])))
        return result

    def _rows(self, sheet, names: dict[str, str]):
        """(where, {key: (text, is_formula, ref)}, cells not imported) for each row under
        the heading row. A column we did not write (added by hand) is not read: each of
        its filled cells is listed as not imported."""
        iterator = _rows_of(sheet)
        heading = next(iterator, None)
        columns: dict[str, int] = {}
        others: dict[int, str] = {}  # index → heading of a column we did not write
        ours = written_headings(self.taxonomy.level1_names())
        for index, cell in enumerate(heading or ()):
            text, _ = cell_text(cell)
            flat = "".join(text.split())
            key = names.get(flat)
            if key is not None and key not in columns:
                columns[key] = index
            elif flat and flat not in ours:
                others[index] = one_line(text)
        missing = [label for label, key in names.items() if key in REQUIRED and key not in columns]
        if missing:
            raise ImportFailure(
                f"工作表「{sheet.title}」的标题行缺少：{'、'.join(missing)}"
                "（本系统导出的汇总表请勿修改标题行）"
            )
        for row_number, row in enumerate(iterator, start=2):
            if row_number > MAX_SUMMARY_ROWS:
                raise ImportFailure(f"工作表「{sheet.title}」超过 {MAX_SUMMARY_ROWS} 行")
            values = {}
            for key, index in columns.items():
                cell = row[index] if index < len(row) else None
                text, formula = cell_text(cell)
                ref = f"{get_column_letter(index + 1)}{row_number}"
                values[key] = (text, formula, ref)
            where = f"工作表「{sheet.title}」第{row_number}行"
            extra = []
            for index, name in others.items():
                text, _ = cell_text(row[index] if index < len(row) else None)
                if text.strip():
                    ref = f"{get_column_letter(index + 1)}{row_number}"
                    extra.append(
                        f"{where}（{ref}单元格）「{name}」栏「{one_line(text)[:40]}」未导入"
                    )
            yield where, values, extra

    @staticmethod
    def _text(values, key: str, where: str, what: str, *, computed: bool = False) -> str:
        text, formula, ref = values.get(key, ("", False, ""))
        if formula:
            if computed:
                return ""
            raise ImportFailure(
                f"{what}是公式「{text}」；导入不采用公式的缓存结果，请改为数值",
                where=f"{where}（{ref}单元格）",
            )
        return text

    def _direction(self, values, key: str, where: str, what: str) -> str:
        """指标方向 as our summary writes it (正向/反向/等于/定性, blank: 自动), as a code."""
        text = self._text(values, key, where, what)
        choice = direction_choice(text)
        if choice is None:
            labels = "、".join(DIRECTION_LABELS.values())
            raise ImportFailure(
                f"{what}「{one_line(text)}」无效，应为{labels}之一或留空（自动）",
                where=f"{where}（{values[key][2]}单元格）",
            )
        return str(choice)

    def _number(self, values, where: str) -> int | None:
        text = self._text(values, "number", where, "序号", computed=True)
        return int(text) if text.strip().isdigit() and len(text.strip()) < 10 else None

    def _score(self, values, key: str, where: str, what: str, *, computed: bool = False):
        text = self._text(values, key, where, what, computed=computed)
        try:
            return decimal_text(read_score(text))
        except ValueProblem as problem:
            raise ImportFailure(
                f"{what}{problem}", where=f"{where}（{values[key][2]}单元格）"
            ) from None

    def _money(self, values, key: str, where: str, what: str) -> str | None:
        text = self._text(values, key, where, what)
        try:
            amount = read_amount(text)
            if amount.number is not None and (amount.unit or amount.rest):
                raise ValueProblem(f"「{amount.original}」应为数值（万元）")
            if amount.number is not None:
                check_money(amount.number, amount.original)
        except ValueProblem as problem:
            raise ImportFailure(
                f"{what}{problem}", where=f"{where}（{values[key][2]}单元格）"
            ) from None
        return decimal_text(amount.number)

    def _form(self, values, where: str) -> dict[str, Any]:
        def text(key: str, what: str) -> str:
            return one_line(self._text(values, key, where, what))

        year_text = text("year", "年度")
        if not year_text.isdigit():
            raise ImportFailure(f"年度「{year_text}」无效", where=where)
        status_label = text("status", "状态")
        return {
            "year": int(year_text),
            "project_name": text("project_name", "项目名称"),
            "department": text("department", "主管部门"),
            "implementing_unit": text("implementing_unit", "实施单位"),
            "status": STATUS_LABELS.get(status_label, LEGACY_STATUS),
            "legacy": True,
            "review_comment": prose(self._text(values, "review_comment", where, "整表审核意见")),
            "budget_lines": [
                {
                    "kind": BudgetLineKind.TOTAL.value,
                    **{
                        column.name: self._money(values, column.name, where, column.label)
                        for column in BUDGET_LINE
                    },
                }
            ],
            "budget": {
                "recorded_score": self._score(
                    values, "budget_score", where, "预算执行得分", computed=True
                ),
                "recorded_execution_rate": one_line(
                    self._text(values, "rate", where, "执行率", computed=True)
                )[:30],
            },
            "recorded_total_score": self._score(
                values, "total_score", where, "总分", computed=True
            ),
            "indicators": [],
        }

    def _indicator(self, values, where: str) -> dict[str, Any]:
        def text(key: str, what: str) -> str:
            return self._text(values, key, where, what)

        level1 = one_line(text("level1", LEVEL1_LABEL))
        level2 = one_line(text("level2", LEVEL2_LABEL))
        # A pair the taxonomy lacks is kept as written: the preview asks what it stands for.
        pair = self.taxonomy.level2(self.taxonomy.level1(level1), level2) or (level1, level2)
        row: dict[str, Any] = {"level1": pair[0], "level2": pair[1]}
        for name in DETAIL_FIELDS:
            column = INDICATOR[name]
            if column.kind == Kind.SCORE:
                row[name] = self._score(values, name, where, column.label)
            elif column.kind == Kind.PROSE:
                row[name] = prose(text(name, column.label))
            elif column.kind == Kind.DIRECTION:
                row[name] = self._direction(values, name, where, column.label)
            else:
                row[name] = one_line(text(name, column.label))
        return row


def _rows_of(sheet):
    """A read-only sheet's rows; it parses as it goes, so damage shows up mid-way."""
    rows = sheet.iter_rows()
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:  # XML and openpyxl errors of a damaged sheet
            raise ImportFailure(f"工作表「{sheet.title}」已损坏，无法读取") from None
        yield row


def _budget_weight(form: dict[str, Any]) -> Decimal:
    """The 预算执行率 分值, which the summary does not show: inferred, checked, or 10.

    The rest of 100 after the indicators' 分值 is taken when it reproduces the
    recorded 预算执行得分 (as it does for every form whose weights add up).
    """
    weights = [Decimal(row["weight"]) for row in form["indicators"] if row["weight"] is not None]
    line = form["budget_lines"][0]
    annual = Decimal(line["annual_budget"]) if line["annual_budget"] is not None else None
    executed = Decimal(line["executed"]) if line["executed"] is not None else None
    recorded = form["budget"]["recorded_score"]
    candidate = Decimal("100") - sum(weights, Decimal("0"))
    if (
        recorded is not None
        and Decimal("0") < candidate <= Decimal("100")
        and compute_budget_score(annual_budget=annual, executed=executed, budget_weight=candidate)
        == Decimal(recorded)
    ):
        return candidate
    return DEFAULT_BUDGET_WEIGHT
