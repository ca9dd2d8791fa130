"""Two tabs, one form: what the user is shown when their save meets a newer version.

A save made on a page loaded at version V is refused once the form is at N > V
(``StaleEvaluationError``). The refusal keeps the input; ``conflict_of`` lists where the
stored version N and that input differ, field by field and row by row (rows matched by
id), with who saved last. ``rebased`` puts the input onto version N in one click, for the
user to check and save: fields as typed, rows another save removed kept as new rows, rows
that only version N has kept too, so that nothing of either side is dropped unseen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.http import QueryDict

from indicators.scoring import BUDGET_LINE_LABELS, BudgetLineKind, ScoringRules
from projects.forms import (
    EvaluationEditor,
    _row_data,
    _rows_from_data,
    sort_rows,
)
from projects.models import Evaluation, EvaluationEvent
from projects.selectors import Taxonomy

HEADER_LABELS = {
    "project_lead": "项目负责人",
    "contact_phone": "联系电话",
    "goal_expected": "年度总体目标·预期目标",
    "goal_actual": "年度总体目标·实际完成情况",
    "budget_weight": "预算执行率分值",
}
BUDGET_LABELS = {
    "initial_budget": "年初预算数",
    "annual_budget": "全年预算数",
    "executed": "全年执行数",
}
ROW_LABELS = {
    "name": "三级指标",
    "target": "年度指标值",
    "actual": "实际完成值",
    "weight": "分值",
    "score": "得分",
    "tier": "定性档次",
    "override_reason": "调整得分理由",
    "deviation_reason": "偏差原因分析及改进措施",
}
GONE_ROW = "另一处保存已删除此行；继续时它作为新行保留（如不需要请删除）"
ONLY_THEIRS = "此行在第 {version} 版中有、您的页面上没有；继续时保留此行（如不需要请删除）"


@dataclass(frozen=True)
class Difference:
    where: str
    field: str
    current: str  # in the stored version
    yours: str  # as typed on the refused page


@dataclass(frozen=True)
class Conflict:
    version: int  # the stored one
    yours: str  # the version the page was loaded at
    by: str
    at: datetime | None
    differences: list[Difference] = field(default_factory=list)


def _same(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    if a == b:
        return True
    try:  # "20" and "20.00" are the same number
        return Decimal(a.replace(",", "")) == Decimal(b.replace(",", ""))
    except (InvalidOperation, ValueError):
        return False


def _stored_data(current: Evaluation, taxonomy: Taxonomy, rules: ScoringRules) -> dict[str, str]:
    return dict(EvaluationEditor.for_evaluation(current, taxonomy=taxonomy, rules=rules).data)


def conflict_of(
    posted: Mapping[str, str], current: Evaluation, taxonomy: Taxonomy, rules: ScoringRules
) -> Conflict:
    """Where version ``current`` and the refused input differ, and who saved last."""
    stored = _stored_data(current, taxonomy, rules)
    differences: list[Difference] = []

    def compare(where: str, label: str, key: str) -> None:
        mine, theirs = posted.get(key, ""), stored.get(key, "")
        if not _same(mine, theirs):
            differences.append(Difference(where, label, theirs, mine))

    for key, label in HEADER_LABELS.items():
        compare("表头", label, key)
    for kind in BudgetLineKind:
        for name, label in BUDGET_LABELS.items():
            compare(f"项目资金·{BUDGET_LINE_LABELS[kind]}", label, f"budget-{kind.value}-{name}")

    theirs_rows = {row["id"]: row for row in _rows_from_data(stored) if row["id"]}
    mine_ids = set()
    for position, row in enumerate(_rows_from_data(posted), start=1):
        where = f"第{position}行「{row['name'] or '（未命名）'}」"
        stored_row = theirs_rows.get(row["id"]) if row["id"] else None
        mine_ids.add(row["id"])
        if row["id"] and stored_row is None:
            differences.append(Difference(where, "整行", GONE_ROW, row["name"]))
            continue
        if stored_row is None:
            continue  # a row the user added: nothing to compare it with
        for name, label in ROW_LABELS.items():
            if not _same(row[name], stored_row[name]):
                differences.append(Difference(where, label, stored_row[name], row[name]))
    for row_id, row in theirs_rows.items():
        if row_id not in mine_ids:
            note = ONLY_THEIRS.format(version=current.version)
            differences.append(Difference(f"「{row['name'] or '（未命名）'}」", "整行", note, ""))

    last = (
        EvaluationEvent.objects.filter(evaluation=current)
        .select_related("user")
        .order_by("-at", "-pk")
        .first()
    )
    by = ""
    if last is not None and last.user is not None:
        by = last.user.first_name or last.user.username
    return Conflict(
        version=current.version,
        yours=posted.get("version", ""),
        by=by,
        at=last.at if last is not None else None,
        differences=differences,
    )


def rebased(
    posted: QueryDict, current: Evaluation, taxonomy: Taxonomy, rules: ScoringRules
) -> QueryDict:
    """The input put onto version ``current``: to be checked and saved by its user."""
    stored = _stored_data(current, taxonomy, rules)
    theirs_rows = {row["id"]: row for row in _rows_from_data(stored) if row["id"]}
    rows = _rows_from_data(posted)
    for row in rows:
        if row["id"] and row["id"] not in theirs_rows:
            row["id"] = ""  # removed by the other save: kept as a new row
    mine_ids = {row["id"] for row in rows if row["id"]}
    rows += [row for row_id, row in theirs_rows.items() if row_id not in mine_ids]
    data = posted.copy()
    for key in [key for key in data if key.startswith("indicator-")]:
        del data[key]
    for key, value in _row_data(sort_rows(rows, taxonomy)).items():
        data[key] = value
    data["version"] = str(current.version)
    data.pop("rebase", None)
    return data
