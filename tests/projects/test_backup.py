"""backup/restore: a backup restored into an empty database gives back every row, unchanged.

The comparison is generic (tests/db_snapshot.py): every row of every model the backup
holds, so the history tables and any model added later are compared too.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from projects.backup import BackupError, backup_restore, backup_write
from projects.models import Department, Evaluation, Indicator
from projects.roles import Role
from projects.services.evaluations import (
    event_record,
)
from tests.db_snapshot import snapshot
from tests.factories import add_indicator, make_department, make_evaluation, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored(dept_a, dept_b, filler_a, reviewer_a, admin_user):
    """Forms in every state, with review fields, units, assignments and history."""
    unit = make_department("价格认证中心", parent=dept_a)
    make_user("filler_unit", Role.FILLER, unit)
    filler_a.user_permissions.add(Permission.objects.get(codename="view_evaluation"))
    for number, status in enumerate(Evaluation.Status.values):
        evaluation = make_evaluation(
            make_project(dept_a, f"项目{number}", unit=unit if number % 2 else None),
            annual_budget="23.380701",
            executed="23.2",
            indicators=3,
            status=status,
            goal_expected="完成档案数字化\n第二行",
            legacy=bool(number % 2),
            recorded_total_score=Decimal("96.33") if number % 2 else None,
        )
        add_indicator(
            evaluation,
            name="服务对象满意度",
            target="≥90%",
            actual="85%",
            weight=Decimal("0"),
            score=Decimal("0"),
            deviation_reason="问卷回收率低",
            review_score=Decimal("0"),
            review_comment="同意",
        )
    make_evaluation(make_project(dept_b, "档案整理"), year=2024, annual_budget=None, executed=None)
    evaluation = Evaluation.objects.first()
    # The form's history (the workflow services write these entries).
    for kind, comment in (("saved", ""), ("submitted", ""), ("returned", "请补充偏差原因")):
        event_record(
            evaluation=evaluation,
            user=filler_a if kind != "returned" else reviewer_a,
            kind=kind,
            comment=comment,
            changes=[
                {
                    "where": "第1行「完成件数1」",
                    "field": "实际完成值",
                    "before": "10件",
                    "after": "9件",
                }
            ],
        )
    LogEntry.objects.log_actions(
        user_id=admin_user.pk,
        queryset=[evaluation],
        action_flag=CHANGE,
        change_message="重新打开：填报有误",
        single_object=True,
    )
    return snapshot()


def _empty_database():
    """What a fresh, migrated database holds: no rows, content types numbered anew."""
    if connection.vendor == "postgresql":  # TRUNCATE after this test's inserts
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()
    assert not Evaluation.objects.exists()


def test_restore_into_an_empty_database_gives_back_every_row(stored, tmp_path):
    path = tmp_path / "selfeval.jsonl"
    counts = backup_write(path)
    assert counts["projects.evaluation"] == 5
    assert counts["projects.indicator"] == 4 * 4
    assert counts["admin.logentry"] == 1
    # Every model of the apps is in the backup (history tables and later models too).
    for app in ("projects", "indicators", "auth"):
        for model in apps.get_app_config(app).get_models():
            if model._meta.label_lower not in {"auth.permission"}:
                assert model._meta.label_lower in counts
    for label in (
        "projects.department",
        "projects.project",
        "projects.budgetline",
        "projects.departmentassignment",
        "indicators.level1",
        "indicators.level2",
        "auth.user",
        "auth.group",
        "projects.evaluationevent",
    ):
        assert counts[label] > 0, label

    _empty_database()
    result = backup_restore(path)

    assert result.counts == {label: n for label, n in counts.items() if n}
    assert snapshot() == stored
    review = Indicator.objects.get(name="服务对象满意度", evaluation__status="approved")
    assert (review.review_score, review.review_comment) == (Decimal("0"), "同意")


def test_new_rows_after_a_restore_get_fresh_ids(stored, tmp_path, dept_a):
    path = tmp_path / "selfeval.jsonl"
    backup_write(path)
    _empty_database()
    backup_restore(path)
    highest = Evaluation.objects.order_by("-pk").first().pk
    evaluation = make_evaluation(make_project(Department.objects.get(pk=dept_a.pk), "新项目"))
    assert evaluation.pk > highest


def test_gzip_and_the_commands(stored, tmp_path):
    path = tmp_path / "selfeval.jsonl.gz"
    call_command("backup", out=path, verbosity=0)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    with pytest.raises(CommandError, match="--replace"):
        call_command("restore", path)
    call_command("restore", path, replace=True)
    assert snapshot() == stored


def test_timestamps_are_kept_as_stored(stored, tmp_path):
    Evaluation.objects.update(updated_at="2024-03-01T08:00:00+08:00")
    before = snapshot()
    path = tmp_path / "b.jsonl"
    backup_write(path)
    backup_restore(path, replace=True)
    assert snapshot() == before


def test_a_cut_off_backup_changes_nothing(stored, tmp_path):
    path = tmp_path / "b.jsonl"
    backup_write(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    with pytest.raises(BackupError, match="不完整"):
        backup_restore(cut, replace=True)
    assert snapshot() == stored


def test_a_row_count_that_differs_from_the_trailer_changes_nothing(stored, tmp_path):
    path = tmp_path / "b.jsonl"
    backup_write(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    indicator_line = next(
        i for i, line in enumerate(lines) if '"model": "projects.indicator"' in line
    )
    del lines[indicator_line]
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(BackupError, match="行数"):
        backup_restore(path, replace=True)
    assert snapshot() == stored


def test_not_a_backup_or_from_a_newer_version(tmp_path, db):
    other = tmp_path / "forms.json"
    other.write_text(json.dumps({"format": "selfeval/1", "forms": []}), encoding="utf-8")
    with pytest.raises(BackupError, match="不是 selfeval 备份文件"):
        backup_restore(other)

    path = tmp_path / "b.jsonl"
    backup_write(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = json.loads(lines[0])
    header["migrations"]["projects"].append("9999_from_the_future")
    path.write_text(json.dumps(header) + "\n" + "".join(lines[1:]), encoding="utf-8")
    with pytest.raises(BackupError, match="9999_from_the_future"):
        backup_restore(path, replace=True)


def test_backup_never_leaves_a_partial_file_under_the_final_name(stored, tmp_path, monkeypatch):
    def boom(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr("projects.backup._rows", boom)
    path = tmp_path / "b.jsonl"
    with pytest.raises(RuntimeError):
        backup_write(path)
    assert list(tmp_path.iterdir()) == []


def test_an_unmigrated_database_is_refused(tmp_path, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    class Pending:
        app_label, name = "projects", "0099_new"

    monkeypatch.setattr(
        MigrationExecutor, "migration_plan", lambda self, targets: [(Pending, False)]
    )
    with pytest.raises(CommandError, match="0099_new"):
        call_command("backup", out=tmp_path / "b.jsonl", verbosity=0)
    assert not (tmp_path / "b.jsonl").exists()
