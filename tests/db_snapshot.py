"""Every row of the database as plain values, to tell "nothing changed" exactly.

Generic over the models a backup holds (``projects.backup.backup_models``), so history
tables and models added later are covered. Content types and permissions are compared
by natural key: an empty database numbers them anew.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models

from projects.backup import backup_models

BY_NATURAL_KEY = (ContentType, Permission)


def _value(field: models.Field, obj: models.Model):
    value = getattr(obj, field.attname)
    if field.is_relation and field.related_model in BY_NATURAL_KEY and value is not None:
        return getattr(obj, field.name).natural_key()
    return value


def snapshot(exclude: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Every row of every backed-up model (and its many-to-many links), in pk order."""
    rows: dict[str, list[tuple]] = {}
    for model in backup_models():
        if model._meta.label_lower in exclude:
            continue
        fields = model._meta.concrete_fields
        rows[model._meta.label_lower] = [
            tuple((f.attname, _value(f, obj)) for f in fields)
            for obj in model._base_manager.order_by("pk")
        ]
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            target = m2m.m2m_reverse_field_name()
            rows[f"{model._meta.label_lower}.{m2m.name}"] = sorted(
                (
                    getattr(link, f"{m2m.m2m_field_name()}_id"),
                    getattr(link, target).natural_key()
                    if m2m.related_model in BY_NATURAL_KEY
                    else getattr(link, f"{target}_id"),
                )
                for link in through.objects.all()
            )
    return rows
