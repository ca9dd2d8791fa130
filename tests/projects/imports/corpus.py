"""Forms laid out the way other provinces and districts publish them, built from plain tables.

Each ``Case`` is one file: paragraphs and tables (``docx_builder.Table`` of ``C``
cells: ``span`` for a horizontal merge, ``merge="restart"/"continue"`` for a vertical
one), written as Word or as an Excel sheet with the same merges, and what reading
it must give: the header, the 项目资金 lines, the 三级 rows, the notes after the
table, and every cell the importer reports as not imported — exactly.

The layouts are those of published 自评表 (2016–2023): columns in another order,
synonyms in the headings, two-row headings, weights written into labels, repeated
headings after a page break, budget blocks with other line names, header cells
that hold two fields, titles with a county prefix, ASCII punctuation, and rows of
notes and signatures after the table.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from tests.projects.docx_builder import C, Table, build_docx

Indicator = tuple[str, str, str, str, str, str | None, str | None]


@dataclass(frozen=True)
class Case:
    name: str
    blocks: tuple  # str paragraphs and Tables, in order
    fmt: str = "docx"  # or "xlsx": every Table on one sheet (a list of tuples: one per sheet)
    header: tuple[str, str, str, str, str] = ()  # project, department, unit, lead, phone
    year: int = 2021
    budget: dict[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)
    budget_weight: str = "10"
    indicators: tuple[Indicator, ...] = ()
    unplaced: tuple[str, ...] = ()
    notes: str = ""
    reading: tuple[str, ...] = ()  # substrings of the reading notes
    amount_note: tuple[str, ...] = ()  # substrings of amount_unit_note
    forms: int = 1

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.fmt}"


def build(case: Case) -> bytes:
    if case.fmt == "docx":
        return build_docx(list(case.blocks))
    return build_xlsx(case.blocks)


def build_xlsx(sheets) -> bytes:
    """One sheet per tuple of blocks (or one sheet for a flat tuple); merges as in Word."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    if sheets and not isinstance(sheets[0], tuple):
        sheets = (sheets,)
    for number, blocks in enumerate(sheets, start=1):
        sheet = workbook.create_sheet(f"表{number}")
        row_number = 1
        for block in blocks:
            if isinstance(block, Table):
                row_number = _write_table(sheet, block, row_number)
            else:
                for line in block.split("\n"):
                    sheet.cell(row_number, 1, line.replace("\v", "\n"))
                    row_number += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_table(sheet, table: Table, first_row: int) -> int:
    starts: dict[int, int] = {}  # column → row where a vertical merge started
    for offset, cells in enumerate(table.rows):
        row_number = first_row + offset
        column = 1
        for raw in cells:
            cell = raw if isinstance(raw, C) else C(raw)
            if cell.merge == "continue":
                column += cell.span
                continue
            if cell.text:
                sheet.cell(row_number, column, cell.text)
            if cell.span > 1:
                sheet.merge_cells(
                    start_row=row_number,
                    start_column=column,
                    end_row=row_number,
                    end_column=column + cell.span - 1,
                )
            if cell.merge == "restart":
                starts[column] = row_number
            column += cell.span
    # Vertical merges: a restart cell and the continue cells under it.
    for column, start in starts.items():
        end = start
        for offset in range(start - first_row + 1, len(table.rows)):
            if not _continues(table.rows[offset], column):
                break
            end = first_row + offset
        if end > start:
            span = _span_at(table.rows[start - first_row], column)
            for merged in list(sheet.merged_cells.ranges):
                if merged.min_row == start and merged.min_col == column:
                    sheet.merged_cells.remove(merged)
            sheet.merge_cells(
                f"{get_column_letter(column)}{start}:{get_column_letter(column + span - 1)}{end}"
            )
    return first_row + len(table.rows) + 1


def _cell_at(cells, column: int) -> C | None:
    position = 1
    for raw in cells:
        cell = raw if isinstance(raw, C) else C(raw)
        if position == column:
            return cell
        position += cell.span
    return None


def _continues(cells, column: int) -> bool:
    cell = _cell_at(cells, column)
    return cell is not None and cell.merge == "continue"


def _span_at(cells, column: int) -> int:
    cell = _cell_at(cells, column)
    return cell.span if cell is not None else 1


# --- the parts most layouts share ------------------------------------------------------

R, K = "restart", "continue"


def top(
    project="乡村道路养护项目",
    department="某县交通运输局",
    unit="某县公路养护中心",
    lead="李四",
    phone="0551-1234567",
    width=9,
    labels=("项目名称", "主管部门", "实施单位", "项目负责人", "联系电话"),
):
    """项目名称 / 主管部门 · 实施单位 / 项目负责人 · 联系电话, in ``width`` grid columns."""
    rest = width - 2
    half = rest // 2
    return [
        [C(labels[0], 2), C(project, rest)],
        [C(labels[1], 2), C(department, half - 1), C(labels[2], 2), C(unit, rest - half - 1)],
        [C(labels[3], 2), C(lead, half - 1), C(labels[4], 2), C(phone, rest - half - 1)],
    ]


def goals(expected="完成道路养护120公里", actual="完成道路养护125公里", width=9):
    rest = width - 1
    half = rest // 2
    return [
        [C("年度总体目标", merge=R), C("预期目标", half), C("实际完成情况", rest - half)],
        [C(merge=K), C(expected, half), C(actual, rest - half)],
    ]


STANDARD_BUDGET = [
    [
        C("项目资金\n（万元）", merge=R),
        C("", 2),
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ],
    [C(merge=K), C("年度资金总额", 2), "90", "89.974", "88.5", "10", "98.36%", "9.84"],
    [C(merge=K), C("其中：当年财政拨款", 2), "90", "89.974", "88.5", "—", "—", "—"],
    [C(merge=K), C("上年结转资金", 2), "", "", "", "—", "—", "—"],
    [C(merge=K), C("其他资金", 2), "", "", "", "—", "—", "—"],
]
STANDARD_BUDGET_READ = {
    "total": ("90", "89.974", "88.5"),
    "current": ("90", "89.974", "88.5"),
    "carryover": (None, None, None),
    "other": (None, None, None),
}
ROWS = (
    ("产出指标", "数量指标", "养护道路里程", "≥120公里", "125公里", "30", "30"),
    ("产出指标", "质量指标", "路面完好率", "≥95%", "96%", "20", "20"),
    ("效益指标", "社会效益指标", "群众出行条件", "明显改善", "明显改善", "20", "18"),
    ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "93%", "20", "20"),
)
STANDARD_HEADING = [
    "绩效指标",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]


def indicator_rows(rows=ROWS, reasons=("", "", "群众反映个别路段仍有坑洼", "")):
    """The 三级 rows under STANDARD_HEADING, 一级/二级 merged down their runs."""
    out = []
    for index, (level1, level2, name, target, actual, weight, score) in enumerate(rows):
        same1 = index and rows[index - 1][0] == level1
        same2 = same1 and rows[index - 1][1] == level2
        nxt = rows[index + 1] if index + 1 < len(rows) else None
        cell1 = C(merge=K) if same1 else C(level1, merge=R if nxt and nxt[0] == level1 else "")
        cell2 = (
            C(merge=K)
            if same2
            else C(level2, merge=R if nxt and nxt[:2] == (level1, level2) else "")
        )
        out.append([C(merge=K), cell1, cell2, name, target, actual, weight, score, reasons[index]])
    return out


def standard_indicators(rows=ROWS, total=("90", "88")):
    heading = [C(STANDARD_HEADING[0], merge=R), *STANDARD_HEADING[1:]]
    return [
        heading,
        *indicator_rows(rows),
        [C("总分", 6), total[0], total[1], ""],
    ]


def form(*parts, width=9) -> Table:
    rows = [row for part in parts for row in part]
    return Table(rows, columns=width)


TITLE = "项目支出绩效自评表"
YEAR = "（2021年度）"
HEADER = ("乡村道路养护项目", "某县交通运输局", "某县公路养护中心", "李四", "0551-1234567")


def standard(**changes) -> Case:
    """The standard form, as the base the variants change."""
    values = {
        "name": "standard",
        "blocks": (TITLE, YEAR, form(top(), STANDARD_BUDGET, goals(), standard_indicators())),
        "header": HEADER,
        "budget": STANDARD_BUDGET_READ,
        "indicators": ROWS,
    }
    values.update(changes)
    return Case(**values)


# --- the layouts ---------------------------------------------------------------------

REORDERED_HEADING = [
    C("绩效指标", merge=R),
    "一级指标",
    "二级指标",
    "三级指标",
    "分值",
    "年度\n指标值",
    "全年\n实际值",
    "自评\n得分",
    "未完成原因分析",
]


def _reordered_rows():
    rows = []
    for row in indicator_rows():
        section, level1, level2, name, target, actual, weight, score, reason = row
        rows.append([section, level1, level2, name, weight, target, actual, score, reason])
    return rows


BUDGET_AB = [
    [
        C("项目资金\n（万元）", merge=R),
        C("", 2),
        "年初\n预算数",
        "全年预算数\n(A)",
        "全年执行数\n（B）",
        "分值",
        "执行率\n(B/A)",
        "得分",
    ],
    *STANDARD_BUDGET[1:],
]

TWO_ROW_TARGET = Table(
    [
        *top(width=11),
        [
            C("项目资金(万元)", merge=R),
            C("", 3),
            C("全年预算数", 2),
            C("全年执行数", 2),
            "分值",
            "执行率",
            "得分",
        ],
        [C(merge=K), C("年度资金总额", 3), C("50", 2), C("50", 2), "10", "100%", "10"],
        [C(merge=K), C("其中：财政资金", 3), C("50", 2), C("50", 2), "", "", ""],
        [
            C("绩效指标", merge=R),
            C("一级指标", merge=R),
            C("二级指标", merge=R),
            C("三级指标", merge=R),
            C("年度指标值", 3),
            C("实际完成值", merge=R),
            C("分值", merge=R),
            C("得分", merge=R),
            C("偏差原因分析及改进措施", merge=R),
        ],
        [
            C(merge=K),
            C(merge=K),
            C(merge=K),
            C(merge=K),
            "指标性质",
            "指标值",
            "度量单位",
            C(merge=K),
            C(merge=K),
            C(merge=K),
            C(merge=K),
        ],
        [
            C(merge=K),
            C("产出指标", merge=R),
            C("成本指标", merge=""),
            "人均补助标准",
            "﹦",
            "72890",
            "元",
            "72890元",
            "40",
            "40",
            "",
        ],
        [
            C(merge=K),
            C(merge=K),
            "质量指标",
            "资金发放准确率",
            ">=",
            "98",
            "%(百分比)",
            "100%",
            "30",
            "30",
            "",
        ],
        [
            C(merge=K),
            "满意度指标",
            "服务对象满意度指标",
            "受助学生满意度",
            "≥",
            "90",
            "%",
            "95%",
            "20",
            "20",
            "",
        ],
        [C("总分", 8), "100", "100", ""],
    ],
    columns=11,
)

TWO_ROW_SCORE = Table(
    [
        *top(width=11),
        [
            C("项目资金(万元)", merge=R),
            C("", 3),
            C("全年预算数", 2),
            C("全年执行数", 2),
            "分值",
            "执行率",
            "得分",
        ],
        [C(merge=K), C("年度资金总额", 3), C("80", 2), C("72", 2), "10", "90%", "9"],
        [
            C("一级指标", merge=R),
            C("二级指标", merge=R),
            C("三级指标", merge=R),
            C("年度指标值", merge=R),
            C("实际完成值", merge=R),
            C("自评得分", 3),
            C("偏差原因分析及改进措施", 3, merge=R),
        ],
        [
            C(merge=K),
            C(merge=K),
            C(merge=K),
            C(merge=K),
            C(merge=K),
            "单项指标得分",
            "权重占比(%)",
            "折算得分",
            C(merge=K, span=3),
        ],
        ["产出指标", "数量指标", "培训人次", "≥500人次", "520人次", "100", "50", "50", C("", 3)],
        [
            "效益指标",
            "社会效益指标",
            "就业率",
            "≥80%",
            "76%",
            "95",
            "40",
            "38",
            C("部分学员未就业", 3),
        ],
        [C("总分", 5), "", "90", "88", C("", 3)],
    ],
    columns=11,
)
TWO_ROW_SCORE_ROWS = (
    ("产出指标", "数量指标", "培训人次", "≥500人次", "520人次", "50", "50"),
    ("效益指标", "社会效益指标", "就业率", "≥80%", "76%", "40", "38"),
)

PAGE_BREAK = form(
    top(),
    STANDARD_BUDGET,
    [
        [C(STANDARD_HEADING[0], merge=R), *STANDARD_HEADING[1:]],
        [
            C(merge=K),
            C("产出指标", merge=R),
            "数量指标",
            "养护道路里程",
            "≥120公里",
            "125公里",
            "30",
            "30",
            "",
        ],
        [C(merge=K), C(merge=K), "质量指标", "路面完好率", "≥95%", "96%", "20", "20", ""],
        [C(merge=K), C(merge=K), "时效指标", "指标1:", "", "", "", "", ""],
        [C(merge=K), C(merge=K), "成本指标", "……", "", "", "", "", ""],
        # the page breaks: the heading and the 一级 label again
        [C(STANDARD_HEADING[0], merge=R), *STANDARD_HEADING[1:]],
        [
            C(merge=K),
            "效益指标",
            "社会效益指标",
            "群众出行条件",
            "明显改善",
            "明显改善",
            "20",
            "18",
            "群众反映个别路段仍有坑洼",
        ],
        [C(merge=K), "效益指标", "经济效益指标", "", "", "", "", "", ""],
        [
            C(merge=K),
            "满意度指标",
            "服务对象满意度指标",
            "沿线群众满意度",
            "≥90%",
            "93%",
            "20",
            "20",
            "",
        ],
        [C("总分", 6), "90", "88", ""],
    ],
)


ZERO_TOTAL_BUDGET = [
    [
        C("项目资金\n（万元）", merge=R),
        C("", 2),
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ],
    [C(merge=K), C("年度资金总额", 2), "0", "0", "0", "10", "", ""],
    [C(merge=K), C("其中：本年财政拨款", 2), "60", "60", "58", "", "", ""],
    [C(merge=K), C("财政专户管理资金", 2), "20", "20", "20", "", "", ""],
    [C(merge=K), C("单位资金", 2), "10", "9.974", "9.974", "", "", ""],
]

COLON_TOTAL_BUDGET = [
    [
        C("项目资金\n（万元）", merge=R),
        C("", 2),
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "执行率",
        C("得分(20分*执行率)", 2),
    ],
    [C(merge=K), C("年度资金总额:", 2), "-", "89.974", "89.974", "1", C("20", 2)],
    [C(merge=K), C("其中:一般公共预算拨款", 2), "/", "80", "80", "—", C("—", 2)],
    [C(merge=K), C("中央、省、市补助县级资金", 2), "—", "9.974", "9.974", "—", C("—", 2)],
]

ARRIVED_BUDGET = [
    [
        C("项目资金\n（万元）", merge=R),
        C("", 2),
        "调整后预算数",
        "到位数",
        "预算执行数",
        "分值",
        "预算执行率",
        "得分",
    ],
    [C(merge=K), C("总额", 2), "89.974", "89.974", "88.5", "10", "98.36%", "9.84"],
    [C(merge=K), C("财政拨款", 2), "89.974", "89.974", "88.5", "", "", ""],
]

NOTES_AFTER = [
    [C("评价结论", 2), C("项目完成了年度目标，资金使用规范。", 7)],
    [C("存在问题", 2), C("个别路段养护不及时。", 7)],
    [C("改进措施", 2), C("加强日常巡查。", 7)],
    [C("项目负责人：", 2), C("李四", 2), C("财务负责人：", 2), C("王五", 3)],
]

LAYOUT_2016 = Table(
    [
        *top(width=10),
        [
            C("项目资金(万元)", merge=R),
            C("", 3),
            "年初预算数",
            "全年预算数",
            "全年执行数",
            "分值",
            "执行率",
            "得分",
        ],
        [C(merge=K), C("年度资金总额", 3), "30", "30", "30", "10", "100%", "10"],
        [
            C("绩效指标", merge=R),
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分计算方法",
            "得分",
            "偏差原因分析及改进措施",
        ],
        [
            C(merge=K),
            "产出指标",
            "数量指标",
            "举办培训班",
            "≥3期",
            "3期",
            "50",
            "完成得满分",
            "50",
            "",
        ],
        [
            C(merge=K),
            "满意度指标",
            "服务对象满意度指标",
            "学员满意度",
            "≥90%",
            "92%",
            "40",
            "达到得满分",
            "40",
            "",
        ],
        [C("总分", 6), "90", "", "90", ""],
    ],
    columns=10,
)
LAYOUT_2016_ROWS = (
    ("产出指标", "数量指标", "举办培训班", "≥3期", "3期", "50", "50"),
    ("满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "92%", "40", "40"),
)

NO_INITIAL = Table(
    [
        *top(width=8),
        [C("项目资金(万元)", merge=R), C("", 2), "调整预算数", "执行数", "分值", "执行率", "得分"],
        [C(merge=K), C("年度资金总额", 2), "89.974", "88.5", "10", "98.36%", "9.84"],
        [C(merge=K), C("其中:当年财政拨款", 2), "89.974", "88.5", "", "", ""],
        [
            C("绩效指标", merge=R),
            "一级指标",
            "二级指标",
            "三级指标",
            "指标值",
            "完成值",
            "权重",
            "得分",
        ],
        [C(merge=K), "产出指标", "数量指标", "养护道路里程", "≥120公里", "125公里", "50", "50"],
        [
            C(merge=K),
            "满意度指标",
            "服务对象满意度指标",
            "沿线群众满意度",
            "≥90%",
            "93%",
            "40",
            "40",
        ],
        [C("合计", 6), "90", "90"],
    ],
    columns=8,
)
NO_INITIAL_ROWS = (
    ("产出指标", "数量指标", "养护道路里程", "≥120公里", "125公里", "50", "50"),
    ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "≥90%", "93%", "40", "40"),
)

ASCII_TOP = [
    [C("项目名称:", 2), C("乡村道路养护项目", 7)],
    [C("主管部门:", 2), C("某县交通运输局", 3), C("实施单位(盖章):", 2), C("某县公路养护中心", 2)],
    [C("项目负责人及电话", 2), C("李四 0551-1234567", 7)],
]

PROJECT_STRUCTURE_ROWS = (
    ("项目决策", "项目立项", "立项依据充分性", "充分", "充分", "20", "20"),
    ("项目管理", "资金管理", "资金使用合规性", "合规", "合规", "20", "20"),
    ("项目产出", "产出数量", "养护道路里程", "≥120公里", "125公里", "30", "30"),
    ("项目效益", "社会效益", "群众出行条件", "明显改善", "明显改善", "20", "18"),
)

TARGET_BLOCKS = form(
    top(),
    STANDARD_BUDGET,
    [
        [C(STANDARD_HEADING[0], merge=R), *STANDARD_HEADING[1:]],
        [
            C("年度绩效目标1(50分)", merge=R),
            C("产出指标", merge=R),
            "数量指标",
            "养护道路里程",
            "≥120公里",
            "125公里",
            "30",
            "30",
            "",
        ],
        [C(merge=K), C(merge=K), "质量指标", "路面完好率", "≥95%", "96%", "20", "20", ""],
        [C("合计", 6), "50", "50", ""],
        [
            C("年度绩效目标2(40分)", merge=R),
            "效益指标",
            "社会效益指标",
            "群众出行条件",
            "明显改善",
            "明显改善",
            "20",
            "18",
            "群众反映个别路段仍有坑洼",
        ],
        [
            C(merge=K),
            "满意度指标",
            "服务对象满意度指标",
            "沿线群众满意度",
            "≥90%",
            "93%",
            "20",
            "20",
            "",
        ],
        [C("合计", 6), "40", "38", ""],
    ],
)


def relabelled(*levels: tuple[str, str], rows=ROWS):
    """ROWS with the 一级/二级 labels written otherwise."""
    return tuple(
        (level1, level2, *row[2:]) for (level1, level2), row in zip(levels, rows, strict=True)
    )


WEIGHTS_IN_LABELS = form(
    top(),
    STANDARD_BUDGET,
    [
        [C("绩效指标(90分)", merge=R), *STANDARD_HEADING[1:]],
        *indicator_rows(
            relabelled(
                ("产出\n指标\n(50分\n)", "数量指标(30分)"),
                ("产出\n指标\n(50分\n)", "质量指标（20分）"),
                ("效益指标(20分)", "社会效益指标"),
                ("(20分)", "服务对象满意度指标"),
            )
        ),
        [C("总分", 6), "90", "88", ""],
    ],
)
UNKNOWN_LEVEL_ROWS = (
    ROWS[0],
    ("产出指标", "进度指标", "完工时间", "12月底前", "12月完工", "20", "20"),
    ("效果指标", *ROWS[2][1:]),
    ROWS[3],
)
UNKNOWN_LEVELS = form(top(), STANDARD_BUDGET, standard_indicators(UNKNOWN_LEVEL_ROWS))
PROJECT_STRUCTURE = form(top(), STANDARD_BUDGET, standard_indicators(PROJECT_STRUCTURE_ROWS))

CASES: tuple[Case, ...] = (
    standard(),
    standard(
        name="columns_reordered",
        blocks=(
            TITLE,
            YEAR,
            form(
                top(),
                BUDGET_AB,
                goals(),
                [REORDERED_HEADING, *_reordered_rows(), [C("总分", 4), "90", "", "", "88", ""]],
            ),
        ),
    ),
    Case(
        name="two_row_target",
        blocks=("2022年度项目支出绩效自评表", TWO_ROW_TARGET),
        year=2022,
        header=HEADER,
        budget={"total": (None, "50", "50"), "current": (None, "50", "50")},
        indicators=(
            ("产出指标", "成本指标", "人均补助标准", "72890元", "72890元", "40", "40"),
            ("产出指标", "质量指标", "资金发放准确率", "≥98%", "100%", "30", "30"),
            ("满意度指标", "服务对象满意度指标", "受助学生满意度", "≥90%", "95%", "20", "20"),
        ),
    ),
    Case(
        name="two_row_score",
        blocks=("绩效目标自评表", "（2020年度）", TWO_ROW_SCORE),
        year=2020,
        header=HEADER,
        budget={"total": (None, "80", "72")},
        indicators=TWO_ROW_SCORE_ROWS,
        unplaced=(
            "第1个表格第8行「单项指标得分」100 未导入",
            "第1个表格第9行「单项指标得分」95 未导入",
        ),
        reading=("得分取「折算得分」栏（它们相加等于表上的总分）",),
    ),
    standard(
        name="page_break_repeated_heading",
        blocks=(TITLE, YEAR, PAGE_BREAK),
    ),
    standard(
        name="weights_in_labels",
        blocks=(TITLE, YEAR, WEIGHTS_IN_LABELS),
    ),
    standard(
        name="unknown_levels",
        blocks=(TITLE, YEAR, UNKNOWN_LEVELS),
        indicators=UNKNOWN_LEVEL_ROWS,
    ),
    standard(
        name="budget_total_of_zeros",
        blocks=(TITLE, YEAR, form(top(), ZERO_TOTAL_BUDGET, goals(), standard_indicators())),
        budget={
            "total": ("90", "89.974", "87.974"),
            "current": ("60", "60", "58"),
            "other": ("30", "29.974", "29.974"),
        },
        reading=("项目资金「财政专户管理资金」「单位资金」2行相加，记为「其他资金」",),
        amount_note=(
            "年度资金总额的年初预算数填为 0，按其中各项之和记为 90",
            "年度资金总额的全年执行数填为 0，按其中各项之和记为 87.974",
        ),
    ),
    standard(
        name="budget_colon_total_score_of_20",
        blocks=(TITLE, YEAR, form(top(), COLON_TOTAL_BUDGET, goals(), standard_indicators())),
        budget={"total": (None, "89.974", "89.974"), "current": (None, "89.974", "89.974")},
        budget_weight="20",
        reading=(
            "项目资金「其中:一般公共预算拨款」「中央、省、市补助县级资金」2行相加，记为「当年财政拨款」",
        ),
    ),
    standard(
        name="budget_arrived_column",
        blocks=(TITLE, YEAR, form(top(), ARRIVED_BUDGET, goals(), standard_indicators())),
        budget={"total": (None, "89.974", "88.5"), "current": (None, "89.974", "88.5")},
        unplaced=(
            "第1个表格第4行第4列「到位数」未导入",
            "第1个表格第5行第4列「89.974」未导入",
            "第1个表格第6行第4列「89.974」未导入",
        ),
    ),
    standard(
        name="header_variants",
        blocks=(
            "附件2",
            "2021年度部门预算项目支出绩效自评表",
            form(
                top(
                    project="219001-乡村道路养护项目",
                    department="219-某县交通运输局",
                    labels=("专项资金名称", "主管部门", "实施单位(盖章)", "项目负责人", "联系电话"),
                ),
                STANDARD_BUDGET,
                goals(),
                standard_indicators(),
            ),
        ),
        header=("219001-乡村道路养护项目", "219-某县交通运输局", *HEADER[2:]),
    ),
    standard(
        name="no_department",
        blocks=(
            TITLE,
            YEAR,
            form(top(department=""), STANDARD_BUDGET, goals(), standard_indicators()),
        ),
        header=(HEADER[0], HEADER[2], HEADER[2], *HEADER[3:]),
        reading=("表上没有填写主管部门，按实施单位「某县公路养护中心」记为主管部门",),
    ),
    standard(
        name="county_title",
        blocks=(
            "某县2021年度县级专项资金绩效目标自评表",
            form(top(), STANDARD_BUDGET, goals(), standard_indicators()),
        ),
    ),
    standard(
        name="year_paren_missing",
        year=2019,
        blocks=(
            "部门预算项目支出绩效自评表",
            "2019年度)",
            form(top(), STANDARD_BUDGET, goals(), standard_indicators()),
        ),
    ),
    standard(
        name="year_line_with_note",
        blocks=(
            TITLE,
            "( 2021年度)\v填报单位（盖章）：某县公路养护中心",
            form(top(), STANDARD_BUDGET, goals(), standard_indicators()),
        ),
    ),
    standard(
        name="ascii_punctuation",
        blocks=(
            "项目支出绩效自评表",
            "(2021年度)",
            form(
                ASCII_TOP,
                STANDARD_BUDGET,
                goals(),
                standard_indicators(
                    rows=(
                        (
                            "产出指标",
                            "数量指标",
                            "养护道路里程",
                            ">=120公里",
                            "125公里",
                            "30",
                            "30",
                        ),
                        *ROWS[1:],
                    )
                ),
            ),
        ),
        indicators=(
            ("产出指标", "数量指标", "养护道路里程", ">=120公里", "125公里", "30", "30"),
            *ROWS[1:],
        ),
    ),
    standard(
        name="notes_after_table",
        blocks=(
            TITLE,
            YEAR,
            form(top(), STANDARD_BUDGET, goals(), standard_indicators(), NOTES_AFTER),
        ),
        notes=(
            "评价结论：项目完成了年度目标，资金使用规范。\n"
            "存在问题：个别路段养护不及时。\n"
            "改进措施：加强日常巡查。\n"
            "项目负责人：李四　财务负责人：王五"
        ),
    ),
    Case(
        name="layout_2016_scoring_method",
        blocks=("2016年度项目支出绩效自评表", LAYOUT_2016),
        year=2016,
        header=HEADER,
        budget={"total": ("30", "30", "30")},
        indicators=LAYOUT_2016_ROWS,
        unplaced=(
            "第1个表格第6行第8列「得分计算方法」未导入",
            "第1个表格第7行第8列「完成得满分」未导入",
            "第1个表格第8行第8列「达到得满分」未导入",
        ),
    ),
    Case(
        name="no_initial_budget_synonyms",
        blocks=(TITLE, YEAR, NO_INITIAL),
        header=HEADER,
        budget={"total": (None, "89.974", "88.5"), "current": (None, "89.974", "88.5")},
        indicators=NO_INITIAL_ROWS,
    ),
    Case(
        name="two_forms_two_sheets",
        fmt="xlsx",
        forms=2,
        blocks=(
            (TITLE, YEAR, form(top(), STANDARD_BUDGET, goals(), standard_indicators())),
            (
                TITLE,
                YEAR,
                form(
                    top(project="农村饮水安全项目"), STANDARD_BUDGET, goals(), standard_indicators()
                ),
            ),
        ),
        header=HEADER,
        budget=STANDARD_BUDGET_READ,
        indicators=ROWS,
    ),
    standard(
        name="project_structure_of_other_provinces",
        blocks=(TITLE, YEAR, PROJECT_STRUCTURE),
        indicators=PROJECT_STRUCTURE_ROWS,
    ),
    standard(
        name="several_target_blocks_each_with_its_total",
        blocks=(TITLE, YEAR, TARGET_BLOCKS),
        reading=("表中有 2 个合计行，原表总分按它们相加记",),
    ),
)

# Drawn as an Excel sheet too, with the same merges: the same reading.
XLSX_TOO = ("columns_reordered", "two_row_target", "notes_after_table")
CASES += tuple(
    dataclasses.replace(case, name=f"{case.name}_xlsx", fmt="xlsx")
    for case in CASES
    if case.name in XLSX_TOO
)
