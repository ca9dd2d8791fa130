"""Backup and restore of everything the application stores, as versioned JSON Lines.

The file is ``selfeval-backup/1``: a header line (format, time, the migrations the
data was written under, the models it holds), one line per row in Django's own
serialization (primary keys kept, content types and permissions by natural key so
the file loads into a database whose ids differ), and a trailer with the row count
of every model, which tells a complete file from a cut one.

Which models: every concrete, managed model of every installed app, except the
ones rebuilt by ``migrate`` (content types, permissions) and sessions. New models,
such as form history tables, are therefore backed up without touching this file.
Gzip is used when the file name ends in ``.gz``.

For PostgreSQL, ``pg_dump --format=custom`` is the faster whole-database copy
(docs/deploy.md); this format also moves data between SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "selfeval-backup/1"
# Rebuilt by `migrate` (referenced by natural key instead) or not worth keeping.
EXCLUDED = frozenset(
    {
        "contenttypes.contenttype",
        "auth.permission",
        "sessions.session",
        "django_tasks_db.dbtaskresult",  # the queue's own rows: a restored task must not rerun
    }
)
BATCH = 2000


class BackupError(Exception):
    """A backup file that cannot be restored here; the message is for the operator."""


@dataclass(frozen=True)
class RestoreResult:
    counts: dict[str, int]


def backup_models() -> list[type[models.Model]]:
    """The models a backup holds, in a stable order (app, then model)."""
    chosen = [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in EXCLUDED
    ]
    return sorted(chosen, key=lambda m: m._meta.label_lower)


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = defaultdict(list)
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied[app].append(name)
    return dict(applied)


def _check_migrated() -> None:
    """Refuse a database whose tables are behind the code (a model without its table)."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = "、".join(f"{m.app_label}.{m.name}" for m, _ in pending[:5])
        raise BackupError(f"数据库尚未迁移到当前程序版本（待运行：{names}）：请先运行 migrate")


def _open(path: Path, mode: str, *, gz: bool | None = None) -> IO[str]:
    if path.suffix == ".gz" if gz is None else gz:
        return io.TextIOWrapper(gzip.open(path, mode + "b"), encoding="utf-8")
    return path.open(mode, encoding="utf-8")


class _Encoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds; a backup keeps every microsecond."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _line(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, cls=_Encoder) + "\n"


def _by_natural_key(model: type[models.Model]) -> list[tuple[str, bool]]:
    """The fields of ``model`` that point at content types or permissions (m2m or not).

    Those rows are rebuilt by ``migrate`` with ids of their own, so the backup names
    them by natural key; every other reference keeps its primary key.
    """
    return [
        (field.name, field.many_to_many)
        for field in [*model._meta.concrete_fields, *model._meta.local_many_to_many]
        if field.is_relation and field.related_model in (ContentType, Permission)
    ]


def _natural_keys() -> dict[type[models.Model], dict[Any, list[str]]]:
    return {
        related: {obj.pk: list(obj.natural_key()) for obj in related._base_manager.all()}
        for related in (ContentType, Permission)
    }


def _rows(model: type[models.Model], keys: dict) -> Iterator[dict[str, Any]]:
    """The model's rows in pk order, read in batches (keyset paging: constant memory)."""
    special = _by_natural_key(model)
    related = {name: model._meta.get_field(name).related_model for name, _ in special}
    queryset = model._default_manager.order_by("pk")
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        batch = list(page[:BATCH])
        if not batch:
            return
        for row in serializers.serialize("python", batch):
            for name, many in special:
                value, table = row["fields"][name], keys[related[name]]
                if many:
                    row["fields"][name] = [table[pk] for pk in value]
                elif value is not None:
                    row["fields"][name] = table[value]
            yield row
        last = batch[-1].pk


def backup_write(path: Path) -> dict[str, int]:
    """Write every row of ``backup_models()`` to ``path``; returns the counts per model.

    Reads inside one transaction (REPEATABLE READ on PostgreSQL) so the file is a
    consistent snapshot even while people keep saving.
    """
    _check_migrated()
    counts: dict[str, int] = {}
    tmp = path.with_name(path.name + ".partial")
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":  # must be the first statement
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        selected = backup_models()
        keys = _natural_keys()
        try:
            with _open(tmp, "w", gz=path.suffix == ".gz") as out:
                out.write(
                    _line(
                        {
                            "format": FORMAT,
                            "created_at": timezone.now(),
                            "database": connection.vendor,
                            "migrations": _applied_migrations(),
                            "models": [m._meta.label_lower for m in selected],
                        }
                    )
                )
                for model in selected:
                    label = model._meta.label_lower
                    counts[label] = 0
                    for row in _rows(model, keys):
                        out.write(_line(row))
                        counts[label] += 1
                out.write(_line({"end": True, "counts": counts}))
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    tmp.replace(path)  # a cut-off backup never carries the final name
    return counts


def _read(path: Path) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    stream = _open(path, "r")
    try:
        header = json.loads(stream.readline() or "null")
    except json.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        stream.close()
        raise BackupError(f"{path} 不是 selfeval 备份文件（应为 {FORMAT} 格式）")

    def rows() -> Iterator[dict[str, Any]]:
        with stream:
            for number, text in enumerate(stream, start=2):
                try:
                    yield json.loads(text)
                except json.JSONDecodeError:
                    raise BackupError(f"{path} 第 {number} 行已损坏") from None

    return header, rows()


def _check_schema(header: dict[str, Any]) -> None:
    here = _applied_migrations()
    missing = [
        f"{app}.{name}"
        for app, names in header.get("migrations", {}).items()
        for name in names
        if name not in here.get(app, [])
    ]
    if missing:
        raise BackupError(
            "备份来自更新的程序版本，本数据库缺少这些迁移："
            + "、".join(missing[:5])
            + ("……" if len(missing) > 5 else "")
            + "。请先升级程序并运行 migrate，再恢复。"
        )
    unknown = set(header.get("models", [])) - {m._meta.label_lower for m in backup_models()}
    if unknown:
        raise BackupError("备份中有本程序不认识的数据表：" + "、".join(sorted(unknown)))


def database_has_data() -> bool:
    """Whether anything beyond what `migrate` seeds is stored (users, departments, forms)."""
    seeded_by_migrations = {"auth.group", "indicators.level1", "indicators.level2"}
    return any(
        model._default_manager.exists()
        for model in backup_models()
        if model._meta.label_lower not in seeded_by_migrations
    )


def _flush(selected: list[type[models.Model]]) -> None:
    tables = [m._meta.db_table for m in selected]
    for model in selected:
        tables.extend(
            field.remote_field.through._meta.db_table
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        )
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=False)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with pending deferred FK checks from this transaction.
            statements = [
                "SET CONSTRAINTS ALL IMMEDIATE",
                *statements,
                "SET CONSTRAINTS ALL DEFERRED",
            ]
        for sql in statements:
            cursor.execute(sql)


def _save_batch(objects: list[Any]) -> None:
    """Insert deserialized rows of one model, then their many-to-many links."""
    model = type(objects[0].object)
    instances = [o.object for o in objects]
    fields = list(model._meta.local_concrete_fields)
    size = max(1, connection.ops.bulk_batch_size(fields, instances))
    for start in range(0, len(instances), size):
        # A raw insert, as loaddata's save(raw=True) does: stored values as they are
        # (bulk_create would stamp auto_now fields such as updated_at with the time now).
        model._base_manager._insert(instances[start : start + size], fields=fields, raw=True)
    links: dict[Any, list[models.Model]] = defaultdict(list)
    for o in objects:
        for name, targets in (o.m2m_data or {}).items():
            field = model._meta.get_field(name)
            through = field.remote_field.through
            links[through].extend(
                through(
                    **{
                        f"{field.m2m_field_name()}_id": o.object.pk,
                        f"{field.m2m_reverse_field_name()}_id": target,
                    }
                )
                for target in targets
            )
    for through, rows in links.items():
        through._base_manager.bulk_create(rows, batch_size=500)


def _resolve(row: dict[str, Any], special: list[tuple[str, bool]], model, pks: dict) -> None:
    """Turn the natural keys of content types and permissions into this database's ids."""
    for name, many in special:
        table = pks[model._meta.get_field(name).related_model]
        value = row["fields"].get(name)
        try:
            if many:
                row["fields"][name] = [table[tuple(key)] for key in value]
            elif value is not None:
                row["fields"][name] = table[tuple(value)]
        except KeyError as exc:
            raise BackupError(
                f"{row['model']} 引用了本数据库没有的 {exc.args[0]}：请先运行 migrate"
            ) from None


def backup_restore(path: Path, *, replace: bool = False) -> RestoreResult:
    """Load a backup in one transaction: all of it, or nothing.

    The tables of ``backup_models()`` are emptied first, so the database ends up
    exactly as the backup. A database that already holds users or forms is refused
    unless ``replace`` is given. Sequences are reset afterwards (PostgreSQL), so new
    rows do not collide with restored ids.
    """
    _check_migrated()
    header, rows = _read(path)
    _check_schema(header)
    selected = backup_models()
    by_label = {m._meta.label_lower: m for m in selected}
    counts: dict[str, int] = defaultdict(int)
    trailer = None
    special = {label: _by_natural_key(model) for label, model in by_label.items()}
    with transaction.atomic():
        pks = {
            related: {tuple(key): pk for pk, key in table.items()}
            for related, table in _natural_keys().items()
        }
        if database_has_data() and not replace:
            raise BackupError("数据库中已有用户或自评表；确认要用备份覆盖全部数据时加 --replace")
        _flush(selected)
        pending: list[Any] = []
        for row in rows:
            if row.get("end"):
                trailer = row
                break
            if pending and row["model"] != pending[0].object._meta.label_lower:
                _save_batch(pending)
                pending = []
            if row["model"] not in by_label:
                raise BackupError(f"备份中有本程序不认识的数据表：{row['model']}")
            _resolve(row, special[row["model"]], by_label[row["model"]], pks)
            pending.extend(
                serializers.deserialize("python", [row], handle_forward_references=False)
            )
            counts[row["model"]] += 1
            if len(pending) >= BATCH:
                _save_batch(pending)
                pending = []
        if pending:
            _save_batch(pending)
        if trailer is None:
            raise BackupError(f"{path} 不完整（没有结尾记录）：备份可能中途中断，未做任何改动")
        expected = {label: n for label, n in trailer["counts"].items() if n}
        if dict(counts) != expected:
            raise BackupError(f"{path} 的行数与结尾记录不符，未做任何改动")
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), selected):
                cursor.execute(sql)
        connection.check_constraints()
    return RestoreResult(counts=dict(counts))
