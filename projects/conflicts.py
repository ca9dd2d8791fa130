"""Two tabs: what the other save changed, and the user's input re-applied on top of it.

A save from an editor opened at an older version is refused (services.StaleEvaluationError).
``conflict_for`` lists the history entries written since that version beside what the user
typed; ``rebased_data`` is the user's input bound to the current version, ready to review
and save again. Nothing is saved here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from indicators.scoring import ScoringRules
from projects.forms.evaluations import (
    INDICATOR_PREFIX,
    MAX_ROWS,
    ROW_FIELDS,
    EvaluationEditor,
    _row_data,
    sort_rows,
)
from projects.models import Evaluation, EvaluationEvent, Indicator
from projects.selectors.evaluations import Taxonomy
from projects.selectors.workflow import evaluation_events

_TIER_LABELS = dict(Indicator.Tier.choices)
# 自动 ("") shows as blank, like a tier nobody chose: a new row records no change of it.
_DIRECTION_LABELS = {code: label for code, label in Indicator.DIRECTION_CHOICES if code}


@dataclass(frozen=True)
class ConflictChange:
    where: str
    field: str
    before: str
    after: str
    mine: str | None  # what the user typed there, when it differs from ``after``


@dataclass(frozen=True)
class Conflict:
    version: int  # the stored version
    by: str  # who saved it last
    at: str  # when, HH:MM local time
    changes: list[ConflictChange] = field(default_factory=list)


def _user_name(event: EvaluationEvent) -> str:
    if event.user is None:
        return "系统"
    return event.user.first_name or event.user.username


def _posted_rows(data: Mapping[str, str]) -> list[dict[str, str]]:
    try:
        total = int(data.get(f"{INDICATOR_PREFIX}-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    return [
        {name: data.get(f"{INDICATOR_PREFIX}-{index}-{name}", "") for name in ROW_FIELDS}
        for index in range(min(max(0, total), MAX_ROWS))
    ]


def _mine(key: str, data: Mapping[str, str], rows: dict[str, dict], taxonomy: Taxonomy):
    """What the user typed for a change's ``key`` (None: not on their page)."""
    if not key.startswith("row:"):
        return data.get(key)
    _, pk, name = key.split(":", 2)
    row = rows.get(pk)
    if row is None or not name:
        return None
    if name == "level2":
        level2 = taxonomy.by_id.get(int(row["level2"])) if row["level2"].isdigit() else None
        return level2.name if level2 else ""
    if name == "tier":
        return str(_TIER_LABELS.get(row["tier"], ""))
    if name == "direction":
        return str(_DIRECTION_LABELS.get(row["direction"], ""))
    if name == "score" and row.get("score_auto") in ("1", "on", "true", "True"):
        return None  # computed by the rule: not the user's own value
    return row.get(name)


def _same(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    if a == b:
        return True
    try:
        return Decimal(a.replace(",", "")) == Decimal(b.replace(",", ""))
    except (InvalidOperation, ValueError):
        return False


def conflict_for(
    evaluation: Evaluation, data: Mapping[str, str], loaded_version: int, taxonomy: Taxonomy
) -> Conflict:
    """The saves since ``loaded_version`` (oldest first), beside the user's ``data``."""
    events = list(evaluation_events(evaluation).filter(version__gt=loaded_version))
    rows = {row["id"]: row for row in _posted_rows(data) if row["id"]}
    changes = []
    untouched = _untouched(evaluation, data, loaded_version, taxonomy)
    for event in reversed(events):
        for change in event.changes:
            key = change.get("key", "")
            mine = None if key in untouched else _mine(key, data, rows, taxonomy)
            changes.append(
                ConflictChange(
                    where=change["where"],
                    field=change["field"],
                    before=change["before"],
                    after=change["after"],
                    mine=None if mine is None or _same(mine, change["after"]) else mine,
                )
            )
    latest = events[0] if events else None
    return Conflict(
        version=evaluation.version,
        by=_user_name(latest) if latest else "他人",
        at=timezone.localtime(latest.at).strftime("%H:%M") if latest else "",
        changes=changes,
    )


@dataclass(frozen=True)
class Rebased:
    data: dict[str, str]
    dropped_ids: list[str]  # the user's rows the other save deleted: kept as new rows
    added_names: list[str]  # stored rows not on the user's page: appended
    taken: int  # fields the user left as opened that take the other save's value


def _untouched(
    evaluation: Evaluation, data: Mapping[str, str], loaded_version: int, taxonomy: Taxonomy
) -> set[str]:
    """Keys the other saves changed that the user left as they were at ``loaded_version``."""
    rows = {row["id"]: row for row in _posted_rows(data) if row["id"]}
    first_before: dict[str, str] = {}
    for event in reversed(list(evaluation_events(evaluation).filter(version__gt=loaded_version))):
        for change in event.changes:
            if change.get("key"):
                first_before.setdefault(change["key"], change["before"])
    untouched = set()
    for key, before in first_before.items():
        mine = _mine(key, data, rows, taxonomy)
        if mine is not None and _same(mine, before):
            untouched.add(key)
    return untouched


def rebased_data(
    evaluation: Evaluation, data: Mapping[str, str], taxonomy: Taxonomy, rules: ScoringRules
) -> Rebased:
    """The user's input on the stored version (``evaluation``), bound to its ``version``.

    What the user changed is theirs; a field the other save changed and the user left as
    they opened it takes the other save's value. A row whose id is no longer stored (the
    other save deleted it) loses its id, so saving creates it again. A stored row missing
    from the user's page (the other save added it, or the user removed it) is appended, so
    a following save deletes nothing unseen.
    """
    try:
        loaded_version = int(data.get("version", ""))
    except ValueError:
        loaded_version = evaluation.version
    untouched = _untouched(evaluation, data, loaded_version, taxonomy)
    stored_data = EvaluationEditor.for_evaluation(evaluation, taxonomy=taxonomy, rules=rules).data
    stored = {row["id"]: row for row in _posted_rows(stored_data)}
    prefix = f"{INDICATOR_PREFIX}-"
    result = {
        key: value
        for key, value in data.items()
        if not key.startswith(prefix) and key != "rebase"  # the page saves next time
    }
    taken = 0
    for key in untouched:
        if not key.startswith("row:") and key in stored_data:
            result[key] = stored_data[key]
            taken += 1
    rows, dropped = [], []
    for row in _posted_rows(data):
        if row["id"] and row["id"] not in stored:
            dropped.append(row["id"])
            row = {**row, "id": ""}
        elif row["id"]:
            row = dict(row)
            for name in ROW_FIELDS:
                if f"row:{row['id']}:{name}" in untouched:
                    row[name] = stored[row["id"]][name]
                    if name == "score":
                        row["score_auto"] = stored[row["id"]]["score_auto"]
                    taken += 1
        rows.append(row)
    posted_ids = {row["id"] for row in rows if row["id"]}
    added = [row for pk, row in stored.items() if pk not in posted_ids]
    result.update(_row_data(sort_rows(rows + added, taxonomy)))
    result["version"] = str(evaluation.version)
    return Rebased(
        data=result,
        dropped_ids=dropped,
        added_names=[row["name"] or "（未命名）" for row in added],
        taken=taken,
    )
