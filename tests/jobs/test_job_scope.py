"""A finished job's result follows the user's scope today.

A ZIP or Excel summary holds forms: whoever has since lost a department it covers
(assignment removed, role taken away, the unit moved to another 主管部门) gets a 404 on
the job's page, progress and download. A bulk import stays an admin's. The worker does
nothing for an account deactivated (or stripped of the role) after the click.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from jobs.models import Job
from jobs.runners import ERROR_NO_LONGER_ALLOWED, run
from jobs.services import job_start, job_start_xlsx_summary, job_start_year_zip
from projects.models import DepartmentAssignment
from projects.roles import Role
from projects.selectors.evaluations import EvaluationFilters
from projects.services.manage import department_save
from tests.factories import make_department, make_evaluation, make_project, make_user

pytestmark = pytest.mark.django_db
VIEWS = ("jobs:detail", "jobs:progress", "jobs:download")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def forms_a_b(dept_a, dept_b):
    make_evaluation(make_project(dept_a, "价格认证资金"), indicators=1)
    make_evaluation(make_project(dept_b, "档案整理"), indicators=1)


def _statuses(client, user, job: Job) -> list[int]:
    client.force_login(user)
    return [client.get(reverse(name, args=[job.pk])).status_code for name in VIEWS]


def _made(job: Job) -> Job:
    assert run(job.pk) == "done"
    job.refresh_from_db()
    return job


def test_a_zip_is_gone_once_the_assignment_is(client, filler_a, forms_a_b):
    job = _made(job_start_year_zip(user=filler_a, year=2023)[0])
    assert _statuses(client, filler_a, job) == [200, 200, 200]
    DepartmentAssignment.objects.filter(user=filler_a).delete()
    assert _statuses(client, filler_a, job) == [404, 404, 404]


@pytest.mark.parametrize("kind", ["zip", "xlsx"])
def test_losing_one_of_the_departments_is_enough(client, dept_a, dept_b, forms_a_b, kind):
    filler = make_user("filler_ab", Role.FILLER, dept_a, dept_b)
    if kind == "zip":
        job, _ = job_start_year_zip(user=filler, year=2023)
    else:
        job, _ = job_start_xlsx_summary(user=filler, filters=EvaluationFilters(year=2023))
    job = _made(job)
    assert sorted(job.params["scope"]) == sorted([[dept_a.pk, None], [dept_b.pk, None]])
    assert _statuses(client, filler, job) == [200, 200, 200]
    DepartmentAssignment.objects.filter(user=filler, department=dept_b).delete()
    assert _statuses(client, filler, job) == [404, 404, 404]


def test_a_role_taken_away_or_changed(client, filler_a, forms_a_b):
    job = _made(job_start_year_zip(user=filler_a, year=2023)[0])
    # 填报人 → 审核人 of the same department: the same forms, still theirs.
    filler_a.groups.set([Group.objects.get(name=Role.REVIEWER.value)])
    assert _statuses(client, filler_a, job) == [200, 200, 200]
    filler_a.groups.clear()
    assert _statuses(client, filler_a, job) == [404, 404, 404]


def test_a_moved_unit_takes_its_forms_out_of_the_old_departments_jobs(
    client, admin_user, dept_a, dept_b
):
    unit = make_department("价格认证中心", parent=dept_a)
    make_evaluation(make_project(dept_a, "价格认证资金", unit=unit), indicators=1)
    department_filler = make_user("filler_dept", Role.FILLER, dept_a)
    unit_filler = make_user("filler_unit", Role.FILLER, unit)
    jobs = {
        user: _made(job_start_year_zip(user=user, year=2023)[0])
        for user in (department_filler, unit_filler)
    }
    unit.parent = dept_b
    department_save(actor=admin_user, department=unit)
    assert _statuses(client, department_filler, jobs[department_filler]) == [404, 404, 404]
    assert _statuses(client, unit_filler, jobs[unit_filler]) == [200, 200, 200]


def test_a_new_department_does_not_hide_an_old_job(client, filler_a, dept_b, forms_a_b):
    job = _made(job_start_year_zip(user=filler_a, year=2023)[0])
    DepartmentAssignment.objects.create(user=filler_a, department=dept_b)
    assert _statuses(client, filler_a, job) == [200, 200, 200]


def test_a_finished_job_without_a_recorded_scope_is_an_admins_only(
    client, filler_a, admin_user, forms_a_b
):
    job = _made(job_start_year_zip(user=filler_a, year=2023)[0])
    params = {key: value for key, value in job.params.items() if key != "scope"}
    Job.objects.filter(pk=job.pk).update(params=params)
    assert _statuses(client, filler_a, job) == [404, 404, 404]
    own = _made(job_start_year_zip(user=admin_user, year=2023)[0])
    Job.objects.filter(pk=own.pk).update(params={"year": 2023})
    assert _statuses(client, admin_user, own) == [200, 200, 200]


def test_a_bulk_import_is_an_admins_while_they_are_one(client, admin_user):
    job = Job.objects.create(
        user=admin_user, kind=Job.Kind.BULK_IMPORT, key="files=x", state=Job.State.DONE
    )
    assert _statuses(client, admin_user, job)[:2] == [200, 200]
    admin_user.groups.set([Group.objects.get(name=Role.REVIEWER.value)])
    assert _statuses(client, admin_user, job)[:2] == [404, 404]


def test_the_worker_makes_nothing_for_a_deactivated_account(filler_a, forms_a_b):
    job, _ = job_start_year_zip(user=filler_a, year=2023)
    filler_a.is_active = False
    filler_a.save()
    assert run(job.pk) == "refused"
    job.refresh_from_db()
    assert (job.state, job.message, job.result_name) == (
        Job.State.FAILED,
        ERROR_NO_LONGER_ALLOWED,
        "",
    )


def test_the_worker_imports_nothing_for_an_admin_no_longer(admin_user):
    job, _ = job_start(
        user=admin_user, kind=Job.Kind.BULK_IMPORT, key="files=y", params={"files": []}
    )
    admin_user.groups.clear()
    assert run(job.pk) == "refused"
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
