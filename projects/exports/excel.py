"""The Excel summary of many forms (汇总表), streamed row by row to an .xlsx.

Three sheets, filled in one pass over the forms (chunked, so memory stays flat for
50,000 forms): 汇总 (one row per form, then 合计 and 平均), 指标明细 (every 三级
row) and 检查结果 (every finding). Every number comes from the forms' results: as
stored next to each form's summary, or from live scoring where that is missing or
stale (``summary_forms``); the ZIP of a year adds the sheets it builds anyway.

Rows are plain values handed to ``xlsx_stream`` (no cell object per value: openpyxl
alone would spend twice the time budget on the 8.5 million cells of 50,000 forms).

- User text is always a string cell: text that a spreadsheet would read as a formula
  ("=HYPERLINK(…)") or an error code ("#N/A") stays text, and characters a worksheet
  cannot hold are dropped.
- Numbers are written from ``Decimal`` with a number format: money
  ``#,##0.00####`` (万元, up to 6 decimals), scores ``0.00``, rates ``0.00%``.
- 汇总 ends with two columns after 警告数 and 提示数 (so the columns before them keep their
  place): 状态变更日期, the day of the last submit/return/approve/reopen, and the
  reviewer's 整表审核意见. Both come with the form's row (a subquery, a field):
  no query per form.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, NamedTuple

from django.db.models import QuerySet

from indicators.checks import code_label
from indicators.models import Level1
from indicators.scoring import DIRECTION_LABELS
from projects.exports.base import Rendered, safe_filename
from projects.exports.sheet import Sheet
from projects.exports.summary_forms import SummaryForm, SummaryKeep, summary_forms
from projects.exports.xlsx_stream import (
    MONEY_FORMAT,
    RATE_FORMAT,
    SCORE_FORMAT,
    StreamingSheet,
    StreamingWorkbook,
    Style,
)
from projects.models import Evaluation
from projects.rows import BUDGET_LINE, INDICATOR, LEVEL1_LABEL, LEVEL2_LABEL

__all__ = [
    "MONEY_FORMAT",
    "RATE_FORMAT",
    "SCORE_FORMAT",
    "SummaryExporter",
    "SummaryWorkbook",
    "level1_names",
    "read_back",
    "write_summary",
]

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CENT = Decimal("0.01")


def _money(value: Decimal | None) -> tuple[Decimal, Style] | None:
    return None if value is None else (value, Style.MONEY)


def _score(value: Decimal | None) -> tuple[Decimal, Style] | None:
    return None if value is None else (value, Style.SCORE)


def _rate(percent: Decimal | None) -> tuple[Decimal, Style] | None:
    """A percentage (99.35) as the fraction a % format shows (0.9935)."""
    return None if percent is None else (percent / 100, Style.RATE)


SUMMARY_SHEET, DETAIL_SHEET, CHECKS_SHEET = "汇总", "指标明细", "检查结果"


class Column(NamedTuple):
    """A column of the summary: its heading, its width, and the key the importer reads
    it back as (``projects.imports.excel.SummaryReader``; "" for a column it skips)."""

    heading: str
    width: float
    key: str = ""


# 汇总: these, one "<一级>得分" column per 一级 of the taxonomy, then the tail.
SUMMARY_COLUMNS_HEAD = [
    Column("序号", 6, "number"),
    Column("年度", 7, "year"),
    Column("主管部门", 22, "department"),
    Column("实施单位", 20, "implementing_unit"),
    Column("项目名称", 36, "project_name"),
    *(Column(f"{line.label}（万元）", 13, line.name) for line in BUDGET_LINE),
    Column("执行率", 9, "rate"),
    Column("预算执行得分", 9, "budget_score"),
]
SUMMARY_COLUMNS_TAIL = [
    Column("总分", 9, "total_score"),
    Column("等级", 6),
    Column("状态", 8, "status"),
    Column("错误数", 7),
    Column("警告数", 7),
    Column("提示数", 7),
    Column("状态变更日期", 12),
    Column("整表审核意见", 40, "review_comment"),
]


def _typed(name: str, width: float) -> Column:
    """A column of a 三级 row's own field, headed with its label (projects.rows)."""
    return Column(INDICATOR.label(name), width, name)


INDICATOR_COLUMNS = [
    Column("序号", 6, "number"),
    Column("主管部门", 20),
    Column("项目名称", 30),
    Column("行号", 6),
    Column(LEVEL1_LABEL, 11, "level1"),
    Column(LEVEL2_LABEL, 14, "level2"),
    _typed("name", 30),
    _typed("target", 16),
    _typed("direction", 8),
    _typed("actual", 16),
    _typed("weight", 8),
    _typed("score", 8),
    Column("规则得分", 9),
    _typed("review_score", 9),
    Column("计入总分的得分", 10),
    Column("类型", 6),
    _typed("deviation_reason", 36),
    _typed("review_comment", 30),
]
FINDING_COLUMNS = [
    Column("序号", 6),
    Column("主管部门", 20),
    Column("项目名称", 30),
    Column("级别", 6),
    Column("检查项", 24),
    Column("说明", 80),
]


def written_headings(level1_names: Iterable[str]) -> frozenset[str]:
    """Every heading the summary's two sheets carry, those the importer skips included."""
    columns = [*SUMMARY_COLUMNS_HEAD, *SUMMARY_COLUMNS_TAIL, *INDICATOR_COLUMNS]
    return frozenset([column.heading for column in columns] + [f"{n}得分" for n in level1_names])


def read_back(columns: Iterable[Column]) -> dict[str, str]:
    """{heading: key} of the columns the importer reads back, in the sheet's order."""
    return {column.heading: column.key for column in columns if column.key}


def _layout(columns: Iterable[Column]) -> list[tuple[str, float]]:
    return [(column.heading, column.width) for column in columns]


class _Totals:
    """Sums for the 合计 row and the averages for the 平均 row, in Decimal."""

    def __init__(self, level1_names: list[str]):
        self.count = 0
        self.money = [Decimal(0), Decimal(0), Decimal(0)]
        self.rate_budget = Decimal(0)  # Σ全年预算数 and Σ全年执行数 of forms that have both
        self.rate_executed = Decimal(0)
        self.scores: dict[str, list[Decimal]] = {
            key: [] for key in ("budget", "total", *level1_names)
        }
        self.errors = 0
        self.warnings = 0
        self.hints = 0

    def add(self, form: SummaryForm, level1_names: list[str]) -> None:
        self.count += 1
        for index, amount in enumerate((form.initial_budget, form.annual_budget, form.executed)):
            if amount is not None:
                self.money[index] += amount
        if form.annual_budget and form.executed is not None:
            self.rate_budget += form.annual_budget
            self.rate_executed += form.executed
        budget_score = form.budget_score
        self.scores["budget"].append(budget_score if budget_score is not None else Decimal(0))
        self.scores["total"].append(form.total_score or Decimal(0))
        for name in level1_names:
            value = form.level1_score(name)
            if value is not None:
                self.scores[name].append(value)
        self.errors += form.error_count
        self.warnings += form.warning_count
        self.hints += form.hint_count

    def rate(self) -> Decimal | None:
        if not self.rate_budget:
            return None
        return (self.rate_executed * 100 / self.rate_budget).quantize(CENT, ROUND_HALF_UP)

    def average(self, key: str) -> Decimal | None:
        values = self.scores[key]
        if not values:
            return None
        return (sum(values, Decimal(0)) / len(values)).quantize(CENT, ROUND_HALF_UP)


def level1_names() -> list[str]:
    """The 一级 of the taxonomy in force, in order (产出/效益/满意度 in the 2020 template)."""
    return list(Level1.objects.order_by("position", "name").values_list("name", flat=True))


class SummaryWorkbook:
    """The three-sheet summary, filled one form at a time (write-only: rows spool to disk)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.workbook = StreamingWorkbook()
        self.summary = self.workbook.create_sheet(
            SUMMARY_SHEET,
            _layout(
                [
                    *SUMMARY_COLUMNS_HEAD,
                    *(Column(f"{name}得分", 10) for name in names),
                    *SUMMARY_COLUMNS_TAIL,
                ]
            ),
        )
        self.details = self.workbook.create_sheet(DETAIL_SHEET, _layout(INDICATOR_COLUMNS))
        self.checks = self.workbook.create_sheet(CHECKS_SHEET, _layout(FINDING_COLUMNS))
        self.totals = _Totals(names)

    def add(self, form: SummaryForm | Sheet) -> int:
        """Write one form's rows; return its 序号."""
        if isinstance(form, Sheet):
            form = SummaryForm.of_sheet(form)
        self.totals.add(form, self.names)
        number = self.totals.count
        department, project = form.department, form.project_name
        self.summary.append(
            [
                number,
                form.year,
                department,
                form.implementing_unit,
                project,
                _money(form.initial_budget),
                _money(form.annual_budget),
                _money(form.executed),
                _rate(form.execution_rate),
                _score(form.budget_score),
                *(_score(form.level1_score(name)) for name in self.names),
                _score(form.total_score),
                form.grade,
                form.status_label,
                form.error_count,
                form.warning_count,
                form.hint_count,
                form.status_changed_on,
                form.review_comment,
            ]
        )
        append = self.details.append
        for row in form.indicators:
            append(
                [
                    number,
                    department,
                    project,
                    row.number,
                    row.level1,
                    row.level2,
                    row.name,
                    row.target,
                    DIRECTION_LABELS.get(row.direction, ""),
                    row.actual,
                    _score(row.weight),
                    _score(row.score),
                    _score(row.suggested_score),
                    _score(row.review_score),
                    _score(row.counted_score),
                    "定量" if row.quantitative else "定性",
                    row.deviation_reason,
                    row.review_comment,
                ]
            )
        for finding in form.findings:
            self.checks.append(
                [
                    number,
                    department,
                    project,
                    finding.severity_label,
                    code_label(finding.code),
                    finding.message,
                ]
            )
        return number

    def save(self, target: IO[bytes] | str) -> int:
        """Close the sheets (filters, 合计/平均) and write the file; return the number of forms."""
        for sheet in (self.summary, self.details, self.checks):
            sheet.close_filter()
        _append_totals(self.summary, self.totals, self.names)
        self.workbook.save(target)
        return self.totals.count


def write_summary(
    forms: Iterable[SummaryForm | Sheet], target: IO[bytes] | str, *, names: list[str]
) -> int:
    """Write the three-sheet summary of ``forms`` to ``target``; return the number of forms."""
    workbook = SummaryWorkbook(names)
    for form in forms:
        workbook.add(form)
    return workbook.save(target)


def _append_totals(summary: StreamingSheet, totals: _Totals, names: list[str]) -> None:
    if not totals.count:
        return
    rate = totals.rate()

    def score(value: Decimal | None) -> tuple[Decimal, Style] | None:
        return None if value is None else (value, Style.SCORE_TOTAL)

    summary.append(
        [
            None,
            None,
            None,
            None,
            (f"合计（{totals.count} 个项目）", Style.BOLD),
            *((value, Style.MONEY_TOTAL) for value in totals.money),
            None if rate is None else (rate / 100, Style.RATE_TOTAL),
            *([None] * (1 + len(names) + 3)),
            (totals.errors, Style.BOLD),
            (totals.warnings, Style.BOLD),
            (totals.hints, Style.BOLD),
        ]
    )
    summary.append(
        [
            None,
            None,
            None,
            None,
            ("平均", Style.BOLD),
            None,
            None,
            None,
            None,
            score(totals.average("budget")),
            *(score(totals.average(name)) for name in names),
            score(totals.average("total")),
        ]
    )


def _file_chunks(handle: IO[bytes], chunk_size: int = 1 << 16) -> Iterator[bytes]:
    try:
        handle.seek(0)
        while chunk := handle.read(chunk_size):
            yield chunk
    finally:
        handle.close()


class SummaryExporter:
    identifier = "xlsx"
    verbose_name = "Excel 汇总表"
    content_type = CONTENT_TYPE
    extension = "xlsx"

    def filename(self, title: str) -> str:
        return f"{safe_filename(title)}_汇总表.{self.extension}"

    def write(
        self,
        evaluations: QuerySet[Evaluation],
        target: IO[bytes] | str,
        *,
        title: str = "",
        keep: SummaryKeep = None,
    ) -> int:
        """Write the summary of ``evaluations``; ``keep`` gets each form's ``SummaryForm``
        (the form-level names of a ``Sheet``: grade, error_count, …). The workbook has
        no title of its own: ``title`` only names the file (``filename``)."""
        return write_summary(summary_forms(evaluations, keep=keep), target, names=level1_names())

    def stream(
        self, evaluations: QuerySet[Evaluation], *, title: str = "", keep: SummaryKeep = None
    ) -> Iterator[bytes]:
        """The workbook, written before the first chunk (an error comes before any byte)."""
        # The workbook goes to a temporary file and is streamed from there: a year's
        # summary can be tens of megabytes.
        handle = tempfile.TemporaryFile(prefix="selfeval-xlsx-")  # noqa: SIM115 - the stream closes it
        try:
            self.write(evaluations, handle, keep=keep)
        except BaseException:
            handle.close()
            raise
        return _file_chunks(handle)

    def render(
        self, evaluations: QuerySet[Evaluation], *, title: str, keep: SummaryKeep = None
    ) -> Rendered:
        stream = self.stream(evaluations, title=title, keep=keep)
        return Rendered(self.filename(title), self.content_type, stream)
