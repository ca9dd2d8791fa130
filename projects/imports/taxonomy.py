"""Mapping the 一级/二级 labels people write to the taxonomy in force (indicators.models).

Variants seen on real forms: "经济效益" for 经济效益指标, "产出指标70" with the weight
in the label, "满意度\\n\\n指标" broken over lines, a blank 一级 under a known 二级.
"""

from __future__ import annotations

from dataclasses import dataclass

from projects.imports.values import level_label

SUFFIX = "指标"


@dataclass(frozen=True)
class TaxonomyMap:
    """The taxonomy as plain names: ((一级, (二级, …)), …) in display order."""

    tree: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def from_db(cls) -> TaxonomyMap:
        from indicators.models import Level1, Level2

        children: dict[int, list[str]] = {}
        for level1_id, name in Level2.objects.order_by("position", "name").values_list(
            "level1_id", "name"
        ):
            children.setdefault(level1_id, []).append(name)
        return cls(
            tuple(
                (name, tuple(children.get(pk, ())))
                for pk, name in Level1.objects.order_by("position", "name").values_list(
                    "pk", "name"
                )
            )
        )

    def level1_names(self) -> list[str]:
        return [name for name, _ in self.tree]

    def level2_names(self, level1: str) -> list[str]:
        return next((list(names) for name, names in self.tree if name == level1), [])

    def level1(self, written: str) -> str | None:
        """The 一级 a written label means, or None."""
        return _match(written, self.level1_names())

    def level2(self, level1: str | None, written: str) -> tuple[str, str] | None:
        """(一级, 二级) for a written 二级 under a (mapped) 一级, or None.

        Without a 一级, a 二级 that exists under exactly one 一级 is enough.
        """
        if level1 is not None:
            match = _match(written, self.level2_names(level1))
            return (level1, match) if match else None
        found = [(name, m) for name, names in self.tree if (m := _match(written, list(names)))]
        return found[0] if len(found) == 1 else None


def _match(written: str, names: list[str]) -> str | None:
    """Exact, then with 指标 added, then a unique name that contains what was written."""
    key = level_label(written)
    if not key:
        return None
    keys = {name: level_label(name) for name in names}
    for name, name_key in keys.items():
        if key in (name_key, name_key.removesuffix(SUFFIX)) or key + SUFFIX == name_key:
            return name
    partial = [name for name, name_key in keys.items() if len(key) >= 2 and key in name_key]
    return partial[0] if len(partial) == 1 else None
