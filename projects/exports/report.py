"""The 年度绩效自评情况报告: one year (and optionally one 主管部门) as a Word report.

Every figure comes from the stored score summaries, never from scoring a form again:
the coverage, money, grade and score counts and the lowest forms are the dashboard's
own ``year_dashboard`` (so the report says what the dashboard says, for the same
user and scope), and three more grouped reads add what the dashboard does not show:
each 主管部门's grades and average, the findings kept in each summary's
``result_details`` (only its ``findings`` key is read), and every legacy form whose
written 总分 differs from the computed one.

The layout follows the forms' Word export (``word``): A4 portrait, 宋体 for tables
and headings, 仿宋 for the text, the same table XML. Charts (``report_charts``) are
PNG images placed right after the table they draw.

The report is of what a user may see (the dashboard's scope); ``export_forms``
reads as an administrator (``every_form_reader``).
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO

import docx
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, Sum
from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.shared import Cm

from indicators.checks import SEVERITY_LABELS, code_label
from indicators.scoring import ScoringRules
from projects.exports.base import Rendered, safe_filename
from projects.exports.word import (
    CONTENT_TYPE,
    FANGSONG,
    SONG,
    _add_style,
    _Cell,
    _Grid,
    _page_number_footer,
    _setup,
)
from projects.models import Department, Evaluation, ReportingYear
from projects.numbers import format_money, format_rate, format_score
from projects.selectors.dashboard import (
    AVERAGED_STATUSES,
    CENT,
    HUNDRED,
    NOT_STARTED,
    STATUS_COLUMNS,
    Dashboard,
    _money,
    year_dashboard,
)
from projects.selectors.evaluations import (
    EvaluationFilters,
    evaluations_for_user,
    filter_evaluations,
    scoring_rules,
)
from projects.summaries import FINDING_CODE, FINDING_MESSAGE, FINDING_SEVERITY
from projects.text import clean_text

REPORT_NAME = "绩效自评情况报告"
TOP_FINDINGS = 10  # checks listed per severity
MISMATCH_ROWS = 200  # legacy forms listed; the count says how many there are in all
CHART_DEPARTMENTS = 20  # bars of the money chart; its table lists every department
# The order severities are reported in; "hint" is the mildest kind of finding.
SEVERITY_ORDER = ("error", "warning", "hint")
SEVERITY_NAMES = {str(severity): label for severity, label in SEVERITY_LABELS.items()}
STATUS_LABELS = dict(STATUS_COLUMNS)
NO_DEADLINE = "未设截止日期"


def every_form_reader() -> User:
    """The reader of ``export_forms``: an administrator (unsaved), who sees every form."""
    return User(username="export_forms", is_superuser=True, is_active=True)


@dataclass
class FindingCount:
    """One check across the forms: how many forms have it, and the first of them."""

    severity: str
    code: str
    forms: int = 0
    occurrences: int = 0
    example_project: str = ""
    example_department: str = ""
    example_message: str = ""

    @property
    def label(self) -> str:
        return code_label(self.code)

    @property
    def severity_label(self) -> str:
        return SEVERITY_NAMES.get(self.severity, self.severity)


@dataclass
class DepartmentScores:
    grades: list[int]  # in the order of the rules' grade bands
    averaged: int = 0
    average_score: Decimal | None = None


@dataclass
class YearReport:
    board: Dashboard
    grade_names: list[str]
    scope_label: str
    deadline: date | None
    today: date
    findings: dict[str, list[FindingCount]]  # by severity, most frequent first
    without_details: int  # summaries from before findings were stored
    mismatches: list[Evaluation]
    department_scores: dict[int, DepartmentScores] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.board.year

    @property
    def statuses(self) -> dict[str, int]:
        return {status: figure.value for status, figure in self.board.status_totals}  # type: ignore[misc]

    @property
    def due(self) -> int:
        """应填: the forms that exist plus the projects of last year without one yet."""
        return self.board.forms.value + self.statuses[NOT_STARTED]  # type: ignore[operator]

    @property
    def overdue(self) -> int | None:
        """After the deadline: what is still not handed in (草稿, 已退回, 未开始); None
        before it or without one."""
        if self.deadline is None or self.today <= self.deadline:
            return None
        statuses = self.statuses
        return (
            statuses[Evaluation.Status.DRAFT]
            + statuses[Evaluation.Status.RETURNED]
            + statuses[NOT_STARTED]
        )


def year_report(
    user: User | AnonymousUser,
    year: int,
    *,
    department_id: int | None = None,
    rules: ScoringRules | None = None,
    today: date | None = None,
) -> YearReport:
    """Everything the report says, read for ``user`` as the dashboard reads it."""
    rules = rules or scoring_rules()
    board = year_dashboard(user, year, department_id=department_id, years=[], rules=rules)
    forms = filter_evaluations(
        evaluations_for_user(user), EvaluationFilters(year=year, department=department_id)
    )
    grade_names = [grade for grade, _ in rules.grade_bands]
    findings, without_details = _findings(forms)
    reporting = ReportingYear.objects.filter(year=year).first()
    department = Department.objects.filter(pk=department_id).first() if department_id else None
    return YearReport(
        board=board,
        grade_names=grade_names,
        scope_label=department.name if department else "全部主管部门",
        deadline=reporting.deadline if reporting else None,
        today=today or timezone.localdate(),
        findings=findings,
        without_details=without_details,
        mismatches=list(
            forms.filter(summary__recorded_total_mismatch=True)
            .select_related("summary")
            .order_by("project__department__name", "project__name", "pk")[:MISMATCH_ROWS]
        ),
        department_scores=_department_scores(forms, rules, grade_names),
    )


def _department_scores(forms, rules: ScoringRules, grade_names: list[str]) -> dict:
    """Each 主管部门's grade counts and 平均总分, averaged as the dashboard averages."""
    averaged = Q(status__in=AVERAGED_STATUSES, summary__total_weight=rules.total_weight)
    rows = (
        forms.values("project__department_id")
        .annotate(
            averaged=Count("pk", filter=averaged),
            score_sum=Sum("summary__total_score", filter=averaged),
            **{
                f"grade_{i}": Count("pk", filter=Q(summary__grade=grade))
                for i, grade in enumerate(grade_names)
            },
        )
        .order_by()
    )
    scores = {}
    for row in rows:
        count = row["averaged"]
        average = (_money(row["score_sum"]) / count).quantize(CENT) if count else None
        scores[row["project__department_id"]] = DepartmentScores(
            grades=[row[f"grade_{i}"] for i in range(len(grade_names))],
            averaged=count,
            average_score=average,
        )
    return scores


def _findings(forms) -> tuple[dict[str, list[FindingCount]], int]:
    """The checks found in the forms' stored results, counted per (severity, code).

    Only the ``findings`` key of ``result_details`` is read (the database extracts it),
    in project-name order, so each check's example is the first project that has it.
    """
    counts: dict[tuple[str, str], FindingCount] = {}
    without_details = 0
    rows = (
        forms.filter(summary__isnull=False)
        .order_by("project__name", "pk")
        .values_list(
            "project__name", "project__department__name", "summary__result_details__findings"
        )
    )
    for project, department, findings in rows.iterator(chunk_size=2000):
        if findings is None:
            without_details += 1
            continue
        seen = set()
        for finding in findings:
            key = (finding[FINDING_SEVERITY], finding[FINDING_CODE])
            found = counts.get(key)
            if found is None:
                found = counts[key] = FindingCount(
                    *key,
                    example_project=project,
                    example_department=department,
                    example_message=finding[FINDING_MESSAGE],
                )
            found.occurrences += 1
            if key not in seen:
                seen.add(key)
                found.forms += 1
    by_severity: dict[str, list[FindingCount]] = defaultdict(list)
    for found in counts.values():
        by_severity[found.severity].append(found)
    ordered = sorted(by_severity, key=lambda s: (*SEVERITY_ORDER, s).index(s))
    return {
        severity: sorted(by_severity[severity], key=lambda f: (-f.forms, -f.occurrences, f.code))[
            :TOP_FINDINGS
        ]
        for severity in ordered
    }, without_details


# --- the document ------------------------------------------------------------

TEXT_WIDTH_CM = 17.4
CHART_WIDTH_CM = 14.0


def _share(part: int, whole: int) -> str:
    """part / whole in percent, two decimals ("12.50%"), "—" of nothing."""
    if not whole:
        return "—"
    return format_rate(Decimal(part) * HUNDRED / Decimal(whole))


def _table(document, columns: list[tuple[str, float]], rows: list[list[str]], *, total=None):
    """A table with a heading row (repeated on every page), ``rows`` and a bold total."""
    widths = [width for _, width in columns]
    scale = TEXT_WIDTH_CM / sum(widths)
    grid = _Grid(tuple((str(i), width * scale) for i, width in enumerate(widths)))
    cells = [[_Cell(heading, head=True) for heading, _ in columns]]
    for row in rows:
        cells.append(
            [
                _Cell(clean_text(str(value)), align="left" if index == 0 else "center")
                for index, value in enumerate(row)
            ]
        )
    if total is not None:
        cells.append([_Cell(str(value), head=True) for value in total])
    document.element.body._insert_tbl(parse_xml(grid.table(cells, header_rows=1)))
    document.add_paragraph("", style="Report Text")


def _charts():
    """The chart module, imported when a report is built: matplotlib takes a while to
    load, and every process that imports the registry would pay for it."""
    from projects.exports import report_charts

    return report_charts


def _chart(document, png: bytes) -> None:
    document.add_picture(io.BytesIO(png), width=Cm(CHART_WIDTH_CM))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _heading(document, text: str) -> None:
    document.add_paragraph(text, style="Report Heading").paragraph_format.keep_with_next = True


def _subheading(document, text: str) -> None:
    """（一）… above a table: kept on the table's page."""
    paragraph = document.add_paragraph(clean_text(text), style="Report Text")
    paragraph.paragraph_format.keep_with_next = True


def _text(document, text: str) -> None:
    document.add_paragraph(clean_text(text), style="Report Text")


def _coverage(document, report: YearReport) -> None:
    board, statuses = report.board, report.statuses
    _heading(document, "一、填报情况")
    if report.deadline is None:
        deadline = f"本年度{NO_DEADLINE}。"
    elif report.overdue is None:
        deadline = f"填报截止日期为 {report.deadline:%Y-%m-%d}，尚未到期。"
    else:
        deadline = (
            f"填报截止日期为 {report.deadline:%Y-%m-%d}，已过期；截至 {report.today:%Y-%m-%d}"
            f"仍有 {report.overdue} 张逾期未提交（草稿、已退回和未开始）。"
        )
    _text(
        document,
        f"应填自评表 {report.due} 张（已建 {board.forms.value} 张，未开始 {statuses[NOT_STARTED]} 张），"
        f"已提交 {statuses[Evaluation.Status.SUBMITTED]} 张，已通过 "
        f"{statuses[Evaluation.Status.APPROVED]} 张，草稿 {statuses[Evaluation.Status.DRAFT]} 张，"
        f"已退回 {statuses[Evaluation.Status.RETURNED]} 张。{deadline}",
    )
    rows = [["应填（已建＋未开始）", report.due, _share(report.due, report.due)]]
    rows.append(["已建自评表", board.forms.value, _share(board.forms.value, report.due)])
    for status, label in STATUS_COLUMNS:
        rows.append([label, statuses[status], _share(statuses[status], report.due)])
    rows.append(["逾期未提交", NO_DEADLINE if report.deadline is None else report.overdue or 0, ""])
    _table(document, [("项目", 6), ("张数", 3), ("占应填", 3)], rows)
    _chart(
        document,
        _charts().bar_chart(
            "填报状态",
            [label for _, label in STATUS_COLUMNS],
            [statuses[s] for s, _ in STATUS_COLUMNS],
        ),
    )
    if board.missing:
        _text(
            document,
            f"注：有 {board.missing} 张自评表的得分汇总缺失或按旧的评分规则计算，"
            "以下得分、等级和执行率统计可能不完整（管理员运行 refresh_summaries 后重新生成）。",
        )


def _money_section(document, report: YearReport) -> None:
    board = report.board
    _heading(document, "二、预算执行情况")
    _text(
        document,
        f"全年预算数 {format_money(board.annual_budget)} 万元，全年执行数 "
        f"{format_money(board.executed)} 万元，预算执行率 {format_rate(board.execution_rate) or '—'}；"
        f"执行率低于 90% 的自评表 {board.low_rate.value} 张。",
    )
    rows = [
        [
            row.name,
            row.forms.value,
            format_money(row.annual_budget),
            format_money(row.executed),
            format_rate(row.execution_rate) or "—",
        ]
        for row in board.departments
    ]
    total = [
        "合计",
        board.forms.value,
        format_money(board.annual_budget),
        format_money(board.executed),
        format_rate(board.execution_rate) or "—",
    ]
    columns = [
        ("主管部门", 6),
        ("自评表", 2),
        ("全年预算数（万元）", 3.5),
        ("全年执行数（万元）", 3.5),
    ]
    _table(document, [*columns, ("执行率", 2.4)], rows, total=total)
    biggest = sorted(board.departments, key=lambda r: (-r.annual_budget, r.name))[
        :CHART_DEPARTMENTS
    ]
    if biggest:
        _chart(
            document,
            _charts().paired_bar_chart(
                "各主管部门预算执行（预算最多的 20 个）"
                if len(board.departments) > CHART_DEPARTMENTS
                else "各主管部门预算执行",
                [row.name for row in biggest],
                [
                    ("全年预算数", [row.annual_budget for row in biggest]),
                    ("全年执行数", [row.executed for row in biggest]),
                ],
                unit="万元",
            ),
        )


def _distribution(document, title: str, heading: str, buckets) -> None:
    """A distribution (等级, 总分 bands): its table with shares and total, then its chart."""
    counted = sum(bucket.count.value for bucket in buckets)
    _subheading(document, title)
    _table(
        document,
        [(heading, 4), ("张数", 3), ("占比", 3)],
        [[b.label, b.count.value, _share(b.count.value, counted)] for b in buckets],
        total=["合计", counted, _share(counted, counted)],
    )
    chart_title = title.split("）", 1)[-1]  # "（一）等级分布" → "等级分布"
    labels, counts = [b.label for b in buckets], [b.count.value for b in buckets]
    _chart(document, _charts().bar_chart(chart_title, labels, counts))


def _results(document, report: YearReport) -> None:
    board = report.board
    _heading(document, "三、自评结果")
    _text(
        document,
        f"平均总分 {format_score(board.average_score) or '—'}（{board.averaged} 张已提交或已通过、"
        "分值合计为 100 的自评表的平均，不含草稿和退回）。",
    )
    _distribution(document, "（一）等级分布", "等级", board.grades)
    _distribution(document, "（二）总分分布", "总分", board.scores)
    _subheading(document, f"（三）总分最低的 {len(board.lowest_scores)} 张自评表")
    _table(
        document,
        [("主管部门", 4.5), ("项目名称", 7), ("总分", 2), ("等级", 1.6), ("状态", 1.8)],
        [
            [
                e.project.department.name,
                e.project.name,
                format_score(e.summary.total_score),
                e.summary.grade,
                e.get_status_display(),
            ]
            for e in board.lowest_scores
        ],
    )


def _findings_section(document, report: YearReport) -> None:
    _heading(document, "四、常见问题")
    if report.without_details:
        _text(
            document,
            f"注：{report.without_details} 张自评表的检查结果尚未存储，未计入下表"
            "（管理员运行 refresh_summaries 后重新生成）。",
        )
    if not report.findings:
        _text(document, "各自评表均未发现错误、警告或提示。")
    for number, (severity, found) in enumerate(report.findings.items(), start=1):
        label = SEVERITY_NAMES.get(severity, severity)
        _subheading(document, f"（{'一二三四五'[min(number, 5) - 1]}）最常见的{label}")
        _table(
            document,
            [
                ("检查项", 3.6),
                ("自评表数", 1.8),
                ("出现次数", 1.8),
                ("示例项目", 4.2),
                ("示例说明", 6),
            ],
            [
                [
                    f.label,
                    f.forms,
                    f.occurrences,
                    f"{f.example_project}（{f.example_department}）",
                    f.example_message,
                ]
                for f in found
            ],
        )


def _mismatch_section(document, report: YearReport) -> None:
    total = report.board.recorded_total_wrong.value
    _heading(document, "五、原表总分与计算总分不一致的历史表单")
    if not total:
        _text(document, "没有原表总分与计算总分不一致的自评表。")
        return
    shown = len(report.mismatches)
    more = f"，下表列出前 {shown} 张" if shown < total else ""  # type: ignore[operator]
    _text(document, f"共 {total} 张（检查项“原表总分不符”）{more}。")
    _table(
        document,
        [("主管部门", 4.5), ("项目名称", 7), ("原表总分", 2), ("计算总分", 2), ("差额", 2)],
        [
            [
                e.project.department.name,
                e.project.name,
                format_score(e.recorded_total_score),
                format_score(e.summary.total_score),
                format_score(e.recorded_total_score - e.summary.total_score)
                if e.recorded_total_score is not None
                else "",
            ]
            for e in report.mismatches
        ],
    )


def _department_section(document, report: YearReport) -> None:
    _heading(document, "六、各主管部门情况")
    for row in report.board.departments:
        scores = report.department_scores.get(
            row.department_id, DepartmentScores([0] * len(report.grade_names))
        )
        statuses = {status: figure.value for status, figure in row.statuses}
        name = document.add_paragraph(clean_text(row.name), style="Report Text")
        name.runs[0].bold = True
        name.paragraph_format.keep_with_next = True  # the name stays with its table
        pairs = [
            ("自评表", row.forms.value),
            *((STATUS_LABELS[s], statuses[s]) for s, _ in STATUS_COLUMNS),
            ("全年预算数（万元）", format_money(row.annual_budget)),
            ("全年执行数（万元）", format_money(row.executed)),
            ("预算执行率", format_rate(row.execution_rate) or "—"),
            ("平均总分", format_score(scores.average_score) or "—"),
            *((f"等级“{g}”", n) for g, n in zip(report.grade_names, scores.grades, strict=True)),
        ]
        if len(pairs) % 2:
            pairs.append(("", ""))
        rows = [
            [pairs[i][0], pairs[i][1], pairs[i + 1][0], pairs[i + 1][1]]
            for i in range(0, len(pairs), 2)
        ]
        _table(document, [("项目", 4.5), ("数值", 4.2), ("项目", 4.5), ("数值", 4.2)], rows)


def build_report(report: YearReport) -> docx.document.Document:
    """The python-docx Document of the report (tests read it back without saving)."""
    document = docx.Document()
    _setup(document, table_font_size=9)
    _add_style(document, "Report Heading", east_asia=SONG, size=14, bold=True, after=6)
    _add_style(document, "Report Text", east_asia=FANGSONG, size=12, after=4)
    core = document.core_properties
    title = f"{report.year}年度{REPORT_NAME}"
    core.title = clean_text(f"{title}（{report.scope_label}）")
    core.author = core.last_modified_by = "selfeval"
    document.add_paragraph(title, style="Form Title")
    document.add_paragraph(clean_text(f"范围：{report.scope_label}"), style="Form Subtitle")
    _text(
        document,
        f"生成日期：{report.today:%Y-%m-%d}。本报告的数字取自各自评表保存的计算结果，"
        "与自评情况总览和 Excel 汇总表一致；金额单位为万元。",
    )
    _coverage(document, report)
    _money_section(document, report)
    _results(document, report)
    _findings_section(document, report)
    _mismatch_section(document, report)
    _department_section(document, report)
    _page_number_footer(document)
    return document


def report_title(year: int, scope_label: str = "") -> str:
    """What the report's file is called after: "2023年度" or "2023年度_某某局"."""
    return f"{year}年度" + (f"_{scope_label}" if scope_label else "")


class ReportExporter:
    """The report as a download, a job's result or ``export_forms --format report``.

    Not a year exporter over a queryset: the report reads a scope (a user, a year, a
    主管部门), because its 未开始 figure looks at the year before.
    """

    identifier = "report"
    verbose_name = "年度绩效自评情况报告（Word）"
    content_type = CONTENT_TYPE
    extension = "docx"

    def filename(self, title: str) -> str:
        return f"{safe_filename(title)}_{REPORT_NAME}.{self.extension}"

    def write(self, report: YearReport, target: IO[bytes]) -> int:
        """Write the .docx; return the number of forms it covers."""
        build_report(report).save(target)
        return report.board.forms.value  # type: ignore[return-value]

    def render(self, report: YearReport, *, title: str) -> Rendered:
        buffer = io.BytesIO()
        self.write(report, buffer)
        return Rendered(self.filename(title), self.content_type, buffer.getvalue())
