"""Indexes for 50,000 forms a year (figures in docs/performance.md).

- ``project_name``: the list is ordered by project name within a year.
- ``summary_total_score`` / ``summary_execution_rate``: the dashboard's lowest ten.
- PostgreSQL only: a trigram index on UPPER(name) for the list's search, which is
  ``name ILIKE '%…%'`` (Django's icontains) and otherwise reads every project. It needs
  the pg_trgm extension; a role that may not create it gets a notice and no index
  (search still works, only slower) until a DBA runs ``CREATE EXTENSION pg_trgm``
  and the migration is re-applied.
"""

from django.db import DatabaseError, migrations, models, transaction

TRIGRAM_INDEX = "project_name_upper_trgm"


def create_trigram_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        print(f"\n  notice: pg_trgm unavailable ({exc}); project search stays unindexed")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON projects_project "
            "USING gin (UPPER(name) gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_evaluation_summary")]

    operations = [
        migrations.AddIndex(
            model_name="evaluationsummary",
            index=models.Index(fields=["total_score"], name="summary_total_score"),
        ),
        migrations.AddIndex(
            model_name="evaluationsummary",
            index=models.Index(fields=["execution_rate"], name="summary_execution_rate"),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(fields=["name"], name="project_name"),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
