"""The database connection dies in the middle of a save or an import.

On PostgreSQL the connection is really killed (``pg_terminate_backend`` from a second
connection) after some of the save's statements have run; on SQLite, whose in-memory
test database cannot be cut off from outside, the same step raises the driver's
OperationalError. Either way nothing may be half-written — the whole database must be
exactly as before — and the next request must work without a restart.

These tests commit their data (``transaction=True``): a kill ends the connection's
transaction, so a test wrapped in one could not look at the database afterwards.
"""

from __future__ import annotations

import json

import psycopg2
import pytest
from django.core.management import call_command
from django.db import DatabaseError, OperationalError, close_old_connections, connection
from django.test import Client

from projects.interchange import read_document
from projects.models import Evaluation, Indicator, Project
from projects.services.evaluations import (
    evaluation_import,
)
from tests.db_snapshot import snapshot
from tests.factories import make_evaluation, make_project
from tests.projects.form_helpers import page_data, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Logging in writes last_login and a session; compare what a save or an import touches.
UNTOUCHED = frozenset({"auth.user"})


def cut_the_connection() -> None:
    """Kill this process's database connection as a crash or a network cut would."""
    if connection.vendor != "postgresql":
        raise OperationalError("simulated: server closed the connection unexpectedly")
    pid = connection.connection.get_backend_pid()
    params = connection.get_connection_params()
    killer = psycopg2.connect(**params)
    try:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0], "the backend was not terminated"
    finally:
        killer.close()


@pytest.fixture
def break_step(monkeypatch):
    """break_step(manager, "bulk_update"): cut the connection when that step runs, once."""

    def install(manager, name: str) -> list[int]:
        original = getattr(manager, name)
        calls: list[int] = []

        def broken(*args, **kwargs):
            calls.append(1)
            monkeypatch.setattr(manager, name, original)  # only the first call fails
            cut_the_connection()
            return original(*args, **kwargs)

        monkeypatch.setattr(manager, name, broken)
        return calls

    return install


@pytest.fixture
def logged_in(filler_a):
    client = Client(raise_request_exception=False)
    client.force_login(filler_a)
    return client


def test_a_save_cut_off_midway_writes_nothing_and_the_next_save_works(
    evaluation_a, logged_in, break_step
):
    data = page_data(evaluation_a)
    data["goal_actual"] = "全部完成"
    data["indicator-0-actual"] = "12件"
    before = snapshot(exclude=UNTOUCHED)
    # The version check and header UPDATE have run when the rows are written.
    calls = break_step(Indicator.objects, "bulk_update")

    response = logged_in.post(url("evaluation_save", evaluation_a), data)

    assert calls, "the save never reached the broken step"
    assert response.status_code == 500
    assert snapshot(exclude=UNTOUCHED) == before
    # The app is back: the next requests open a fresh connection.
    assert logged_in.get(url("evaluation_detail", evaluation_a)).status_code == 200
    response = logged_in.post(url("evaluation_save", evaluation_a), data)
    assert response.status_code == 302, response.content.decode()[:500]
    evaluation = Evaluation.objects.get(pk=evaluation_a.pk)
    assert evaluation.version == evaluation_a.version + 1
    assert evaluation.goal_actual == "全部完成"
    assert evaluation.indicators.get(position=1).actual == "12件"


def _document(*names: str, dept: str = "通州区发展和改革委员会") -> dict:
    forms = []
    for name in names:
        forms.append(
            {
                "year": 2023,
                "project_name": name,
                "department": dept,
                "implementing_unit": "",
                "status": "draft",
                "budget": {"weight": "10"},
                "budget_lines": [{"kind": "total", "annual_budget": "100", "executed": "99"}],
                "indicators": [
                    {
                        "level1": "产出指标",
                        "level2": "数量指标",
                        "name": f"{name}件数{i}",
                        "target": "≥10件",
                        "actual": "10件",
                        "weight": "30",
                        "score": "30",
                    }
                    for i in range(3)
                ],
            }
        )
    return {"format": "selfeval/1", "forms": forms}


def test_an_import_cut_off_midway_writes_nothing_and_the_next_import_works(
    dept_a, evaluation_a, tmp_path, break_step
):
    path = tmp_path / "forms.json"
    path.write_text(json.dumps(_document("新项目一", "新项目二")), encoding="utf-8")
    read_document(json.loads(path.read_text(encoding="utf-8")))  # the file itself is valid
    before = snapshot()
    calls = break_step(Indicator.objects, "bulk_create")
    # The first form's rows are the ones cut off: its header and budget lines are written.
    with pytest.raises(DatabaseError):
        call_command("import_forms", path, verbosity=0)
    assert calls
    close_old_connections()  # what the end of a request or job does
    assert snapshot() == before

    call_command("import_forms", path, verbosity=0)
    assert sorted(
        Evaluation.objects.filter(project__name__startswith="新项目").values_list(
            "project__name", flat=True
        )
    ) == ["新项目一", "新项目二"]
    assert Indicator.objects.filter(name__startswith="新项目").count() == 6


def test_a_re_import_cut_off_midway_keeps_the_old_rows(dept_a, break_step):
    """Replacing an existing form deletes its rows first: a cut must bring them back."""
    make_evaluation(make_project(dept_a, "旧项目"), indicators=2)
    (form,) = read_document(_document("旧项目"))
    before = snapshot()
    break_step(Indicator.objects, "bulk_create")
    with pytest.raises(DatabaseError):
        evaluation_import(data=form)
    close_old_connections()
    assert snapshot() == before
    assert Indicator.objects.filter(evaluation__project__name="旧项目").count() == 2


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_connection_killed_while_idle_is_replaced_on_the_next_request(
    evaluation_a, logged_in, settings
):
    """gunicorn workers keep connections (CONN_MAX_AGE); a database restart kills them."""
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60
    settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    assert logged_in.get("/healthz").status_code == 200
    connection.ensure_connection()
    cut_the_connection()
    close_old_connections()  # request_started does this in a server
    assert logged_in.get("/healthz").content == b"ok"
    assert logged_in.get(url("evaluation_detail", evaluation_a)).status_code == 200


def test_a_bulk_import_job_cut_off_midway_loses_only_that_file(
    admin_user, dept_a, monkeypatch, settings, tmp_path
):
    """The background import goes on with the next file on a fresh connection."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jobs.models import Job
    from jobs.runners import run
    from jobs.services import job_start_bulk_import

    settings.MEDIA_ROOT = str(tmp_path)
    files = [
        SimpleUploadedFile(f"{n}.json", json.dumps(_document(f"批量{n}")).encode())
        for n in range(3)
    ]
    job, _ = job_start_bulk_import(user=admin_user, files=files)
    original = Indicator.objects.bulk_create
    calls: list[int] = []

    def second_file_cut_off(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            cut_the_connection()
        return original(*args, **kwargs)

    monkeypatch.setattr(Indicator.objects, "bulk_create", second_file_cut_off)
    assert run(job.pk) == "done"

    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert [entry["ok"] for entry in job.report] == [True, False, True]
    names = set(Evaluation.objects.values_list("project__name", flat=True))
    assert {"批量0", "批量2"} <= names and "批量1" not in names
    assert not Indicator.objects.filter(name__startswith="批量1").exists()
    assert not Project.objects.filter(
        name="批量1"
    ).exists()  # created inside the file's transaction
