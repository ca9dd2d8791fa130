"""一级/二级 names a file uses that the taxonomy lacks, and the names the uploader maps them onto.

The readers keep a name the taxonomy does not know as written
(``table.FormReader._levels``): such a file cannot be imported as it is (the rows
must name a ``Level2``), so the preview lists each unknown name once, with the
rows that use it and the existing names to choose from, and the import goes on
with the choice. A 一级 comes first: the 二级 written under an unknown 一级 are
looked at again once it is mapped (under 效益指标 a 「社会效益指标」 is then known).

Everything here is plain: it reads the taxonomy only through a ``TaxonomyMap`` and
works on the forms as interchange dicts (``FilePreview.data``), returning new ones.
Writing to the taxonomy (the 「添加到指标体系」 choice, ``ADD``) is the view's,
through ``services.manage.taxonomy_add``.

A suggestion is offered only when it is obvious, by two rules in this order:
the readers' own matching (``TaxonomyMap.level1``/``level2``: 「产出」 is 产出指标),
then the one existing name sharing the most characters with the written one once
the 「指标」 ending is set aside, if it shares at least half of them (效果指标 →
效益指标, 项目产出 → 产出指标; 进度指标 shares none with 时效指标, so no suggestion).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from projects.imports.taxonomy import SUFFIX, TaxonomyMap
from projects.imports.values import level_label

ADD = "__add__"  # the choice that adds the written name to the taxonomy
MAX_PLACES = 5  # rows named per unknown name; the count says how many there are

Key = tuple[str, str]  # (一级, 二级); 二级 "" for an unknown 一级


@dataclass(frozen=True)
class UnknownLevel:
    """One name the taxonomy lacks, as the preview asks about it (plain JSON)."""

    level1: str  # as written for an unknown 一级, else the taxonomy's 一级 it is under
    level2: str = ""  # "" when the 一级 itself is unknown
    options: list[str] = field(default_factory=list)  # the existing names to map it onto
    suggestion: str = ""  # one of options, or "" (see the module's rules)
    rows: int = 0  # how many 三级 rows use it
    places: list[str] = field(default_factory=list)  # the first MAX_PLACES of them
    level2s: list[str] = field(default_factory=list)  # for a 一级: the 二级 written under it

    @property
    def written(self) -> str:
        return self.level2 or self.level1

    @property
    def label(self) -> str:
        if self.level2:
            return f"「{self.level1}」下的二级指标「{self.level2}」"
        return f"一级指标「{self.level1}」"

    @property
    def key(self) -> str:
        """What the page sends back with the choice, to tell a stale page from this one."""
        return json.dumps([self.level1, self.level2], ensure_ascii=False)


@dataclass(frozen=True)
class AppliedLevel:
    """A choice the uploader made, shown in the preview and noted in each form's history."""

    level1: str
    level2: str  # "" for a 一级
    to: str  # the existing name it now reads as (the written one when it was added)
    added: bool = False  # added to the taxonomy rather than mapped
    forms: list[int] = field(default_factory=list)  # the forms (indexes) it changed

    @property
    def text(self) -> str:
        kind = f"二级指标「{self.level2}」" if self.level2 else f"一级指标「{self.level1}」"
        under = f"（{self.level1}下）" if self.level2 else ""
        if self.added:
            return f"{kind}已添加到指标体系{under}"
        return f"{kind}→「{self.to}」{under}"


def _rows(data: Sequence[Mapping[str, Any]]):
    """(form index, row position from 1, the form's project, the row) for every 三级 row."""
    for index, form in enumerate(data):
        for position, row in enumerate(form.get("indicators") or [], start=1):
            yield index, position, form.get("project_name", ""), row


def _core(name: str) -> set[str]:
    return set(level_label(name).removesuffix(SUFFIX))


def suggestion(written: str, names: Sequence[str], matched: str | None = None) -> str:
    """The obvious existing name for ``written`` among ``names``, or "" (module docstring)."""
    if matched in names:
        return matched
    key = _core(written)
    if not key:
        return ""
    shared = {name: len(key & _core(name)) for name in names}
    best = max(shared.values(), default=0)
    winners = [name for name, count in shared.items() if count == best]
    return winners[0] if best and 2 * best >= len(key) and len(winners) == 1 else ""


def unknown_levels(data: Sequence[Mapping[str, Any]], taxonomy: TaxonomyMap) -> list[UnknownLevel]:
    """Each unknown 一级, then each unknown 二级 under a known 一级, in the order first used."""
    level1s = set(taxonomy.level1_names())
    found: dict[Key, dict[str, Any]] = {}
    for _, position, project, row in _rows(data):
        level1, level2 = row.get("level1", ""), row.get("level2", "")
        if level1 in level1s:
            if level2 in taxonomy.level2_names(level1):
                continue
            key: Key = (level1, level2)
        else:
            key = (level1, "")
        entry = found.setdefault(key, {"rows": 0, "places": [], "level2s": []})
        entry["rows"] += 1
        if len(entry["places"]) < MAX_PLACES:
            entry["places"].append(f"「{project}」第{position}行")
        if not key[1] and level2 not in entry["level2s"]:
            entry["level2s"].append(level2)
    unknowns = []
    for (level1, level2), entry in sorted(found.items(), key=lambda item: bool(item[0][1])):
        if level2:
            options = taxonomy.level2_names(level1)
            match = taxonomy.level2(level1, level2)
            matched = match[1] if match else None
        else:
            options, matched = taxonomy.level1_names(), taxonomy.level1(level1)
        unknowns.append(
            UnknownLevel(
                level1,
                level2,
                options,
                suggestion(level2 or level1, options, matched),
                **entry,
            )
        )
    return unknowns


def _mapped(row: Mapping[str, Any], choices: Mapping[Key, str]) -> dict[str, Any]:
    level1, level2 = row.get("level1", ""), row.get("level2", "")
    level1 = choices.get((level1, ""), level1)
    level2 = choices.get((level1, level2), level2)
    return {**row, "level1": level1, "level2": level2}


def apply_levels(
    data: Sequence[Mapping[str, Any]], choices: Mapping[Key, str]
) -> list[dict[str, Any]]:
    """The forms with each row's 一级/二级 read through ``choices`` ({(一级, 二级): name}).

    A 一级 choice ((一级, "")) is applied first, so a 二级 choice keyed by the 一级 it
    maps onto applies to its rows too. Pure: ``data`` is left as it was.
    """
    return [
        {**form, "indicators": [_mapped(row, choices) for row in form.get("indicators") or []]}
        for form in data
    ]


def applied_levels(
    data: Sequence[Mapping[str, Any]], choices: Mapping[Key, str]
) -> list[AppliedLevel]:
    """What ``apply_levels(data, choices)`` does, one entry a choice, naming the forms it changes.

    A choice of ``ADD`` reads the name as written (it is in the taxonomy now).
    """
    names = resolved(choices)
    changed: dict[Key, set[int]] = {key: set() for key in choices}
    for index, _, _, row in _rows(data):
        level1, level2 = row.get("level1", ""), row.get("level2", "")
        if (level1, "") in changed:
            changed[(level1, "")].add(index)
            level1 = names[(level1, "")]
        if (level1, level2) in changed:
            changed[(level1, level2)].add(index)
    return [
        AppliedLevel(
            level1,
            level2,
            (level2 or level1) if to == ADD else to,
            added=to == ADD,
            forms=sorted(changed[(level1, level2)]),
        )
        for (level1, level2), to in choices.items()
    ]


def resolved(choices: Mapping[Key, str]) -> dict[Key, str]:
    """``choices`` with each ``ADD`` replaced by the written name (what the rows then say)."""
    return {key: (key[1] or key[0]) if to == ADD else to for key, to in choices.items()}


def level_notes(applied: Sequence[AppliedLevel], form_count: int) -> list[str]:
    """For each form of a file, its line in the import's history ("" when nothing was chosen)."""
    notes = []
    for index in range(form_count):
        texts = [item.text for item in applied if index in item.forms]
        notes.append(f"指标分类：{'；'.join(texts)}" if texts else "")
    return notes


def levels_problem(unknowns: Sequence[UnknownLevel]) -> str:
    """Why a file with unknown names cannot be imported yet, and what to do."""
    names = "、".join(
        f"指标分类「{u.level1}/{u.level2}」" if u.level2 else f"一级指标「{u.level1}」"
        for u in unknowns
    )
    return f"{names}不在指标体系中；请在下面选择对应的指标（或添加到指标体系）后再导入"
