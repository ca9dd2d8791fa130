import sqlite3

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def use_sqlites_real_variable_limit(sender, connection, **kwargs) -> None:
    """Let bulk writes use the SQLite build's real limit of bound variables.

    Django 5.2 assumes SQLite's historic default of 999 and splits ``bulk_update`` /
    ``bulk_create`` into batches of 999 // fields rows: saving a form of 60 rows took
    two UPDATEs instead of one, so the number of queries grew with the rows. Current
    builds allow far more (Debian: 250000); Django 6.0 reads the limit the same way.
    """
    if connection.vendor == "sqlite":
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        connection.features.max_query_params = limit


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目与自评表"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        connection_created.connect(use_sqlites_real_variable_limit, dispatch_uid="sqlite-limit")
        from django.contrib.auth.signals import user_logged_in

        from selfeval.passwords import remember_must_change

        user_logged_in.connect(remember_must_change, dispatch_uid="password-change-required")
        # System check at start-up: PDF export needs HarfBuzz subsetting (without it a page takes seconds).
        from projects.exports import checks  # noqa: F401
