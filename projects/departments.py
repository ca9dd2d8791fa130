"""Which stored department a written name means: the name key, and the match of a name.

Paper forms spell one department in many ways: with the code the finance system prints
in front ("219-北京市通州区发展和改革委员会", "51000021R1234-某局"), with spaces inside,
full-width or ASCII brackets, a "（盖章）" left where the seal goes. ``department_key``
is what is left of a name without all that; two names with the same key are one
department to an import, so that "219-通州区 发展和改革委员会" goes to the stored
"通州区发展和改革委员会" instead of making a second one (``department_match``, used by
``services.evaluations.department_get_or_create``, ``services.imports`` and the import
preview, which says which stored name a written one was matched to).

The key only drops what carries no meaning; it never guesses. An abbreviation
("通州区发改委") or a longer official name ("北京市通州区…") is another key: the admin
merges such departments under 系统管理 (``services.manage.department_merge``). When two
stored departments share a key, the key names neither of them: only the exact name
matches, and the preview says the written name is ambiguous.

A new department keeps its name as written; nothing here writes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from projects.models import Department

# A code is ASCII letters and digits with at least one digit ("219", "51000021R1234"),
# cut off from the name by "-", "－", "—", "_" or a space (NFKC has made "－" a "-"),
# or in brackets ("【219】", "（219）").
_CODE = r"(?=[0-9A-Za-z]*[0-9])[0-9A-Za-z]++"  # possessive: no backtracking
_SEPARATOR = r"[\s\-—–_]++"
_BRACKETED = rf"[(\[【]\s*{_CODE}\s*[)\]】]"
_LEADING_CODE = re.compile(rf"^\s*(?:{_CODE}{_SEPARATOR}|{_BRACKETED}(?:{_SEPARATOR})?)")
_TRAILING_CODE = re.compile(rf"(?:{_SEPARATOR}{_CODE}|(?:{_SEPARATOR})?{_BRACKETED})\s*$")
_SEAL = re.compile(r"[(\[【]\s*盖\s*章\s*[)\]】]\s*$")

AMBIGUOUS = (
    "「{name}」与已有{kind}{names}去掉编号、空格和标点后相同，无法确定是哪一个，将按原名新建{kind}"
)


def department_key(name: str) -> str:
    """``name`` without codes, a trailing （盖章）, whitespace and punctuation (after NFKC).

    "219-通州区 发展和改革委员会（盖章）" and "通州区发展和改革委员会" have the same key.
    Letters are case-folded. An empty key (a name of codes and punctuation only) matches
    nothing.
    """
    text = unicodedata.normalize("NFKC", name)
    while True:
        stripped = _SEAL.sub("", text)
        stripped = _LEADING_CODE.sub("", stripped)
        stripped = _TRAILING_CODE.sub("", stripped)
        if stripped == text:
            break
        text = stripped
    return "".join(
        char for char in text if unicodedata.category(char)[0] not in {"P", "Z", "C"}
    ).casefold()


@dataclass(frozen=True)
class DepartmentMatch:
    """What a written name found: the stored department (None: none, a new one is made)
    and, when the key alone would have named several, their names."""

    name: str  # as written
    department: Department | None = None
    ambiguous: tuple[str, ...] = ()

    @property
    def other_name(self) -> str:
        """The stored name when it is not the written one (matched by key), else ""."""
        if self.department is None or self.department.name == self.name:
            return ""
        return self.department.name

    def ambiguity(self, kind: str) -> str:
        """The preview's note on an ambiguous name ("" when it is not)."""
        if not self.ambiguous:
            return ""
        names = "".join(f"「{name}」" for name in self.ambiguous)
        return AMBIGUOUS.format(name=self.name, kind=kind, names=names)


def department_match(name: str, parent: Department | None = None) -> DepartmentMatch:
    """The 主管部门 (``parent`` None) or the 实施单位 of ``parent`` that ``name`` means.

    The same name first; else the one department of the same key; else none (also
    when several share the key: ``ambiguous``).
    """
    siblings = (
        Department.objects.filter(parent__isnull=True)
        if parent is None
        else Department.objects.filter(parent=parent)
    )
    exact = siblings.filter(name=name).first()
    if exact is not None:
        return DepartmentMatch(name, exact)
    key = department_key(name)
    if not key:
        return DepartmentMatch(name)
    same_key = [d for d in siblings.order_by("name") if department_key(d.name) == key]
    if len(same_key) == 1:
        return DepartmentMatch(name, same_key[0])
    return DepartmentMatch(name, ambiguous=tuple(d.name for d in same_key))


def unit_match(name: str, department: Department | None) -> DepartmentMatch:
    """``department_match`` for an 实施单位: none when its 主管部门 is new (None) too."""
    if department is None or not name:
        return DepartmentMatch(name)
    return department_match(name, department)
