"""The 自评任务 list an admin uploads: one row a project, read from an .xlsx.

The first sheet; a header row (within the first rows) names the columns 主管部门,
实施单位 (optional), 项目名称 and 截止日期 by their text, in any order. The file
goes through ``safety.check_package`` first (macros, zip bombs, entities); a formula
is refused, because the read-only reader sees the formula and not what it shows.
Reading writes nothing: ``projects.services.tasks`` matches the rows and issues them.
"""

from __future__ import annotations

import datetime
import io
import re
import warnings
from dataclasses import dataclass

from projects.imports.base import ImportFailure
from projects.imports.safety import EXCEL, check_package

HEADERS = {
    "主管部门": "department",
    "实施单位": "unit",
    "项目名称": "project",
    "截止日期": "deadline",
}
REQUIRED = ("主管部门", "项目名称", "截止日期")
HEADER_ROWS = 10  # the header is looked for in the first rows (a title may come first)
MAX_ROWS = 5000
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class TaskRow:
    """One row of the list; ``row`` is its number in the sheet (1-based)."""

    row: int
    department: str
    unit: str
    project: str
    deadline: datetime.date


def read_task_list(data: bytes, *, filename: str = "") -> list[TaskRow]:
    """Every filled row of the list, or ``ImportFailure`` naming the row and column."""
    try:
        check_package(data, EXCEL)
        return _rows(_sheet_rows(data))
    except ImportFailure as failure:
        raise failure.in_file(filename) from None


def _sheet_rows(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                sheet = book.worksheets[0]
                rows = []
                for cells in sheet.iter_rows(max_row=MAX_ROWS + HEADER_ROWS):
                    rows.append(tuple(cells))
                return rows
            finally:
                book.close()
    except ImportFailure:
        raise
    except Exception:  # openpyxl/zipfile/XML raise many types on a damaged workbook
        raise ImportFailure("文件已损坏，无法作为 Excel 工作簿打开") from None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _header(rows: list[tuple]) -> tuple[int, dict[str, int]]:
    for index, cells in enumerate(rows[:HEADER_ROWS]):
        columns = {}
        for position, cell in enumerate(cells):
            label = re.sub(r"\s+", "", _text(getattr(cell, "value", None)))
            if label in HEADERS:
                columns[HEADERS[label]] = position
        if all(HEADERS[label] in columns for label in REQUIRED):
            return index, columns
    raise ImportFailure(
        "没有找到表头：前 10 行中应有一行写着「主管部门」「项目名称」「截止日期」"
        "（「实施单位」可选）"
    )


def _rows(rows: list[tuple]) -> list[TaskRow]:
    header, columns = _header(rows)
    result = []
    for index, cells in enumerate(rows[header + 1 :], start=header + 2):
        values = {key: _value(cells, position, index) for key, position in columns.items()}
        if not any(_text(value) for value in values.values()):
            continue
        if len(result) == MAX_ROWS:
            raise ImportFailure(f"任务清单超过 {MAX_ROWS} 行，请分成几个文件上传")
        result.append(_task_row(index, values))
    if not result:
        raise ImportFailure("任务清单在表头之下没有任何一行")
    return result


def _value(cells: tuple, position: int, row: int) -> object:
    if position >= len(cells):
        return None
    cell = cells[position]
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value[:1] == "="):
        raise ImportFailure(
            f"第 {row} 行第 {position + 1} 列是公式，请改为直接填写的值（复制后“选择性粘贴·数值”）"
        )
    return value


def _task_row(row: int, values: dict[str, object]) -> TaskRow:
    department, project = _text(values["department"]), _text(values["project"])
    for label, text in (("主管部门", department), ("项目名称", project)):
        if not text:
            raise ImportFailure(f"第 {row} 行没有填写「{label}」")
    return TaskRow(
        row=row,
        department=department,
        unit=_text(values.get("unit")),
        project=project,
        deadline=_deadline(row, values["deadline"]),
    )


def _deadline(row: int, value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = _DATE.match(_text(value))
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    if not _text(value):
        raise ImportFailure(f"第 {row} 行没有填写「截止日期」")
    raise ImportFailure(f"第 {row} 行的「截止日期」「{_text(value)}」不是日期（例如 2024-03-31）")
