"""History: who changed what, and when, with one diff and one way to show it.

Two stores keep it. A form's history is ``EvaluationEvent``, one entry a step, its
``changes`` a list of field-level differences (written by ``event_record``, only
through ``projects.services.evaluations.evaluation_write``). A change under 系统管理 or in
``/admin/`` (a user, a department, a project, a year) is Django's own ``LogEntry``
(written by ``log_change``), whose message is those differences in words. Both are
computed by ``diff`` — the fields whose value, as the page shows it, differs — and
both are shown by one template, ``projects/_history.html`` (``change_log``
hands it a ``LogEntry`` in the shape of an ``EvaluationEvent``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models

from projects.models import EvaluationEvent
from projects.numbers import plain
from projects.text import clean_text

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from projects.models import Evaluation

EMPTY = "（空）"  # an empty value, in words


def shown(value: object) -> str:
    """A value as the page shows it: numbers as typed (``numbers.plain``), nothing for None."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain(value)
    return str(value)


def change(where: str, field: str, before: object, after: object, key: str = "") -> dict[str, str]:
    """One difference: in ``where`` (a part of the form; '' for a whole object), ``field``
    went from ``before`` to ``after`` (as shown)."""
    item = {"where": where, "field": field, "before": shown(before), "after": shown(after)}
    if key:  # which input it was (projects.conflicts matches it with a stale editor's)
        item["key"] = key
    return item


def diff(
    where: str,
    labels: type[models.Model] | None,
    before: Mapping[str, object],
    after: Mapping[str, object],
    key_prefix: str | None = None,
) -> list[dict[str, str]]:
    """The fields of ``after`` whose shown value differs from ``before``'s, in its order.

    ``where``: the part of the form they are in ('' for a whole object). A field is
    named by its ``verbose_name`` in ``labels`` (a model), or, with no model, by its
    key (the caller's keys are the labels). With ``key_prefix`` each difference
    carries ``key_prefix + name`` as its ``key``.
    """
    return [
        change(
            where,
            str(labels._meta.get_field(name).verbose_name) if labels is not None else name,
            before.get(name),
            value,
            key="" if key_prefix is None else f"{key_prefix}{name}",
        )
        for name, value in after.items()
        if shown(before.get(name)) != shown(value)
    ]


def in_words(changes: Iterable[Mapping[str, str]]) -> str:
    """Differences as one line of text, "label：old → new；…" (empty as （空）)."""
    return "；".join(
        f"{item['field']}：{item['before'] or EMPTY} → {item['after'] or EMPTY}" for item in changes
    )


# --- a form's history ----------------------------------------------------------------


def event_record(
    *,
    evaluation: Evaluation,
    user: User | None,
    kind: str,
    comment: str = "",
    changes: Iterable[dict[str, str]] = (),
) -> EvaluationEvent:
    """Append one entry to the form's history (never changed or deleted afterwards)."""
    return EvaluationEvent.objects.create(
        evaluation=evaluation,
        user=user if user is not None and user.is_authenticated else None,
        kind=kind,
        comment=clean_text(comment),
        changes=list(changes),
        version=evaluation.version,
    )


# --- what 系统管理 changed -------------------------------------------------------------


def log_change(actor: User, obj: models.Model, flag: int, message: str) -> None:
    """One LogEntry: who (``actor``) did what to ``obj``, in words."""
    log_changes(actor, [obj], flag, message)


def log_changes(actor: User, objects: Iterable[models.Model], flag: int, message: str) -> None:
    """The same LogEntry for each of ``objects`` (one query)."""
    LogEntry.objects.bulk_create(
        LogEntry(
            user=actor,
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=flag,
            change_message=message,
        )
        for obj in objects
    )


_LOGGED_KINDS = {
    ADDITION: ("added", "新建"),
    CHANGE: ("changed", "修改"),
    DELETION: ("deleted", "删除"),
}


@dataclass(frozen=True)
class LoggedEntry:
    """A LogEntry as the history template shows it, with the names of an EvaluationEvent."""

    kind: str
    label: str
    at: datetime
    user: User | None
    comment: str  # the change in words, as recorded
    changes: tuple[dict[str, str], ...] = ()

    def get_kind_display(self) -> str:
        return self.label


def _logged(entry: LogEntry) -> LoggedEntry:
    kind, label = _LOGGED_KINDS.get(entry.action_flag, ("changed", "修改"))
    return LoggedEntry(
        kind=kind,
        label=label,
        at=entry.action_time,
        user=entry.user,
        comment=entry.get_change_message(),
    )


def change_log(obj: models.Model, limit: int = 20) -> list[LoggedEntry]:
    """The newest changes recorded for ``obj``, with who made them (one query)."""
    entries = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )
        .select_related("user")
        .order_by("-action_time", "-pk")[:limit]
    )
    return [_logged(entry) for entry in entries]
