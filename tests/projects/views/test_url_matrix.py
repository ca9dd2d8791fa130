"""Every URL of the app, as every persona, against the forms of departments A and B.

The table below says what each persona must get. Personas are named by their relation
to the form (or job) a URL is called with: its department's ``filler``, the filler of
the other department (``outsider``), its department's ``reviewer``, the other
department's reviewer (``other_reviewer``), an ``admin`` and ``anon`` (not signed in).
Each URL is walked against the form of A and the form of B, so both directions of
every relation are checked. URLs that take no form are called once per persona, with
the two fillers both ``filler`` and the two reviewers both ``reviewer``.

A URL pattern without an entry here fails ``test_every_url_is_in_the_table``: a new page
must state who may reach it. ``LOGIN`` means a redirect to the login page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jobs.models import Job
from projects.exports.registry import FORM_EXPORTERS
from projects.models import Evaluation, EvaluationTask, Evidence, ReportingYear
from projects.roles import Role
from tests.factories import make_evaluation, make_project, make_user
from tests.projects.form_helpers import page_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]

LOGIN = "login"
SKIPPED_NAMESPACES = {"admin"}  # Django's own admin has its own permission system

RELATIONS = ("filler", "outsider", "reviewer", "other_reviewer", "admin", "anon")


def _expect(**statuses: int | str) -> dict[str, int | str]:
    missing = set(RELATIONS) - set(statuses)
    assert not missing, f"no expectation for {missing}"
    return statuses


# Usual shapes: a page of one form; a write that only the form's filler may make.
FORM_PAGE = _expect(
    filler=200, outsider=404, reviewer=200, other_reviewer=404, admin=200, anon=LOGIN
)
FILLER_WRITE = _expect(
    filler=302, outsider=404, reviewer=403, other_reviewer=404, admin=403, anon=LOGIN
)
FILLER_PARTIAL = {**FILLER_WRITE, "filler": 200}
REVIEW_STEP = _expect(
    filler=403, outsider=404, reviewer=302, other_reviewer=404, admin=302, anon=LOGIN
)
EVERY_ROLE = _expect(
    filler=200, outsider=200, reviewer=200, other_reviewer=200, admin=200, anon=LOGIN
)
FILLER_ONLY = {**EVERY_ROLE, "reviewer": 403, "other_reviewer": 403, "admin": 403}
ADMIN_ONLY = _expect(
    filler=403, outsider=403, reviewer=403, other_reviewer=403, admin=200, anon=LOGIN
)
OWN_JOB = _expect(filler=200, outsider=404, reviewer=404, other_reviewer=404, admin=404, anon=LOGIN)


@dataclass(frozen=True)
class Case:
    """How to call a URL and what each relation gets.

    ``target``: what the URL's arguments name ("evaluation", "project", "task", "job",
    "user", "department", "year" or None).
    ``status``: the state the forms are put in first. ``data``: the POST body.
    """

    method: str
    expect: dict[str, int | str]
    target: str | None = None
    kwargs: dict[str, str] = field(default_factory=dict)
    status: str = Evaluation.Status.DRAFT
    data: str = ""  # "page": what the form page posts; "version"; "review"; "reopen"


TABLE: dict[str, Case] = {
    # --- the app's own pages, no form --------------------------------------------
    "healthz": Case("get", {**EVERY_ROLE, "anon": 200}),
    "login": Case("get", {**EVERY_ROLE, "anon": 200}),
    "logout": Case("post", {relation: 302 for relation in RELATIONS}),
    "password_change": Case("get", EVERY_ROLE),
    # Django admin's sign-in: the app's throttled one, whoever asks.
    "admin_login": Case("get", dict.fromkeys(RELATIONS, LOGIN)),
    "home": Case("get", EVERY_ROLE),
    "evaluation_create": Case("get", FILLER_ONLY),
    "indicator_library": Case("get", FILLER_ONLY),
    # kind=zip: the page that starts the ZIP job (it is never made in the request).
    "evaluations_export": Case("get", EVERY_ROLE, kwargs={"kind": "zip"}),
    "dashboard": Case("get", EVERY_ROLE),
    "dashboard_indicators": Case("get", EVERY_ROLE),
    # The 年度报告 of the latest year the user has forms in, as .docx (a small scope).
    "dashboard_report": Case("get", EVERY_ROLE),
    # Per department, what is not started or overdue: for those who review (scoped).
    "dashboard_tasks": Case("get", {**EVERY_ROLE, "filler": 403, "outsider": 403}),
    "imports:upload": Case("get", ADMIN_ONLY),
    # An unknown upload token: the admin's 404, everyone else's 403 (role first).
    "imports:preview": Case("get", {**ADMIN_ONLY, "admin": 404}, kwargs={"token": "x" * 22}),
    "imports:confirm": Case("post", {**ADMIN_ONLY, "admin": 404}, kwargs={"token": "x" * 22}),
    "imports:cancel": Case("post", {**ADMIN_ONLY, "admin": 404}, kwargs={"token": "x" * 22}),
    "imports:levels": Case(
        "post", {**ADMIN_ONLY, "admin": 404}, kwargs={"token": "x" * 22, "index": "0"}
    ),
    "jobs:list": Case("get", EVERY_ROLE),
    # An empty form: the message is shown on the list (a redirect), nothing starts.
    "jobs:year_zip": Case("post", {**EVERY_ROLE, **dict.fromkeys(RELATIONS[:5], 302)}),
    "jobs:bulk_import": Case("post", {**ADMIN_ONLY, "admin": 302}),
    # No filters: every form the user may see, as a job (or a message if there are none).
    "jobs:xlsx_summary": Case("post", {**EVERY_ROLE, **dict.fromkeys(RELATIONS[:5], 302)}),
    # No year: the latest the user has forms in, as a job (a redirect to it).
    "jobs:year_report": Case("post", {**EVERY_ROLE, **dict.fromkeys(RELATIONS[:5], 302)}),
    # --- 系统管理 (admins only) ------------------------------------------------------
    "manage:users": Case("get", ADMIN_ONLY),
    "manage:user_create": Case("get", ADMIN_ONLY),
    "manage:departments": Case("get", ADMIN_ONLY),
    "manage:department_create": Case("get", ADMIN_ONLY),
    "manage:years": Case("get", ADMIN_ONLY),
    "manage:year_create": Case("get", ADMIN_ONLY),
    "manage:year_edit": Case("get", ADMIN_ONLY, target="year"),
    "manage:tasks": Case("get", ADMIN_ONLY),
    # Empty forms: the admin gets the 自评任务 page back with the messages (400).
    "manage:task_issue_previous": Case(
        "post", {**ADMIN_ONLY, "admin": 400}, kwargs={"year": "2024"}
    ),
    "manage:task_create": Case("post", {**ADMIN_ONLY, "admin": 400}, kwargs={"year": "2024"}),
    "manage:task_upload": Case("post", {**ADMIN_ONLY, "admin": 400}, kwargs={"year": "2024"}),
    # One object per department: its filler's account, the department itself.
    "manage:user_edit": Case("get", ADMIN_ONLY, target="user"),
    # An empty password form: the admin gets the page back with the messages (400).
    "manage:user_password": Case("post", {**ADMIN_ONLY, "admin": 400}, target="user"),
    "manage:department_edit": Case("get", ADMIN_ONLY, target="department"),
    # The department has a project: refused with a message on the edit page.
    "manage:department_delete": Case("post", {**ADMIN_ONLY, "admin": 302}, target="department"),
    # No department chosen yet: the page to choose the one to merge into.
    "manage:department_merge": Case("get", ADMIN_ONLY, target="department"),
    # --- a job belongs to the user who started it (here: the department's filler) --
    "jobs:detail": Case("get", OWN_JOB, target="job"),
    "jobs:progress": Case("get", OWN_JOB, target="job"),
    # A queued job has nothing to download yet, even for its owner.
    "jobs:download": Case("get", {**OWN_JOB, "filler": 404}, target="job"),
    # --- one project / one form ---------------------------------------------------
    "dashboard_project": Case("get", FORM_PAGE, target="project"),
    "evaluation_detail": Case("get", FORM_PAGE, target="evaluation"),
    "evaluation_print": Case("get", FORM_PAGE, target="evaluation"),
    "evaluation_history": Case("get", FORM_PAGE, target="evaluation"),
    "evaluation_export": Case("get", FORM_PAGE, target="evaluation", kwargs={"kind": "docx"}),
    "evaluation_save": Case("post", FILLER_WRITE, target="evaluation", data="page"),
    "evaluation_recalculate": Case("post", FILLER_PARTIAL, target="evaluation", data="page"),
    "evaluation_rows": Case("post", FILLER_PARTIAL, target="evaluation", data="page"),
    "evaluation_create_from_previous": Case("post", FILLER_WRITE, target="evaluation"),
    # The task's project already has its form: the filler is sent to it.
    "task_start": Case("post", FILLER_WRITE, target="task"),
    "evaluation_submit": Case("post", FILLER_WRITE, target="evaluation", data="version"),
    "evaluation_review": Case(
        "post", REVIEW_STEP, target="evaluation", status="submitted", data="review"
    ),
    "evaluation_return": Case(
        "post", REVIEW_STEP, target="evaluation", status="submitted", data="review"
    ),
    "evaluation_approve": Case(
        "post", REVIEW_STEP, target="evaluation", status="submitted", data="review"
    ),
    # 批量审核通过 from the list (no form ticked: a message on the list). A filler is
    # refused whatever is posted, as by a form's approve button; reviewers see no other
    # department's forms (the service treats their ids as not found).
    "evaluations_approve": Case(
        "post",
        {**REVIEW_STEP, "outsider": 403, "other_reviewer": 302},
    ),
    # 佐证材料: an empty upload is refused with a message on the form page (a redirect).
    "evidence_upload": Case("post", FILLER_WRITE, target="evaluation"),
    # One file of each form (made by _call_kwargs).
    "evidence_download": Case("get", FORM_PAGE, target="evidence"),
    "evidence_remove": Case("post", FILLER_WRITE, target="evidence"),
    "evaluation_reopen": Case(
        "post",
        {**REVIEW_STEP, "reviewer": 403},
        target="evaluation",
        status="approved",
        data="reopen",
    ),
}


def _pattern_names(patterns=None, namespace: str = "") -> list[str]:
    names = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _pattern_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            if str(pattern.pattern).startswith(settings.STATIC_URL.lstrip("/")):
                continue
            names.append(f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern))
    return names


def test_every_url_is_in_the_table():
    names = _pattern_names()
    assert len(names) == len(set(names)), "two URL patterns share a name"
    assert sorted(set(names) - set(TABLE)) == [], "URLs without an expected status per persona"
    assert sorted(set(TABLE) - set(names)) == [], "entries for URLs that no longer exist"


PERSONAS = ("filler_a", "filler_b", "reviewer_a", "reviewer_b", "admin", "anon")


def _relation(persona: str, department: str | None) -> str:
    if persona in {"admin", "anon"}:
        return persona
    role, own = persona.rsplit("_", 1)
    if department is None or own == department.lower():
        return role
    return "outsider" if role == "filler" else "other_reviewer"


def _cases():
    for name, case in TABLE.items():
        for department in ("A", "B") if case.target else (None,):
            for persona in PERSONAS:
                yield pytest.param(name, persona, department, id=f"{name}-{persona}-{department}")


@pytest.fixture
def world(dept_a, dept_b, filler_a, filler_b, reviewer_a, admin_user):
    reviewer_b = make_user("reviewer_b", Role.REVIEWER, dept_b)
    forms = {
        "A": make_evaluation(make_project(dept_a, "价格认证资金"), indicators=3),
        "B": make_evaluation(make_project(dept_b, "档案整理及数字化服务"), indicators=3),
    }
    users = {
        "filler_a": filler_a,
        "filler_b": filler_b,
        "reviewer_a": reviewer_a,
        "reviewer_b": reviewer_b,
        "admin": admin_user,
        "anon": None,
    }
    for evaluation in forms.values():
        EvaluationTask.objects.create(
            project=evaluation.project, year=evaluation.year, deadline=date(2024, 3, 31)
        )
    jobs = {
        key: Job.objects.create(kind=Job.Kind.YEAR_ZIP, key=f"2023-{key}", user=user)
        for key, user in (("A", filler_a), ("B", filler_b))
    }
    return forms, users, jobs


def _data(case: Case, evaluation: Evaluation) -> dict[str, str]:
    version = {"version": str(evaluation.version)}
    return {
        "": {},
        "page": page_data(evaluation),
        "version": version,
        "review": {**version, "review_comment": "请核实"},
        "reopen": {**version, "reason": "金额有误"},
    }[case.data]


def _call_kwargs(world, name: str, department: str | None) -> tuple[Evaluation, dict]:
    """The form the case is walked against (put in the case's status) and the URL kwargs."""
    forms, users, jobs = world
    case = TABLE[name]
    kwargs = dict(case.kwargs)
    evaluation = forms[department] if department else forms["A"]
    if case.status != evaluation.status:
        Evaluation.objects.filter(pk=evaluation.pk).update(status=case.status)
        evaluation.refresh_from_db()
    if case.target == "evaluation":
        kwargs["pk"] = evaluation.pk
    elif case.target == "evidence":
        kwargs["pk"], kwargs["evidence_id"] = evaluation.pk, _evidence(evaluation).pk
    elif case.target == "project":
        kwargs["pk"] = evaluation.project_id
    elif case.target == "task":
        kwargs["pk"] = EvaluationTask.objects.get(project=evaluation.project_id).pk
    elif case.target == "job":
        kwargs["pk"] = jobs[department].pk
    elif case.target == "user":
        kwargs["pk"] = users[f"filler_{department.lower()}"].pk
    elif case.target == "department":
        kwargs["pk"] = evaluation.project.department_id
    elif case.target == "year":
        kwargs["pk"] = ReportingYear.objects.get(year=evaluation.year).pk
    return evaluation, kwargs


def _evidence(evaluation: Evaluation) -> Evidence:
    """A stored 佐证材料 file of the form (in the test's own MEDIA_ROOT)."""
    key = default_storage.save("evidence/matrix", ContentFile(b"%PDF-1.4\n"))
    return Evidence.objects.create(
        evaluation=evaluation,
        name="合同.pdf",
        key=key,
        sha256="0" * 64,
        size=9,
        content_type="application/pdf",
    )


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.mark.parametrize(("name", "persona", "department"), list(_cases()))
def test_status_code(client, world, name, persona, department):
    _, users, _ = world
    case = TABLE[name]
    evaluation, kwargs = _call_kwargs(world, name, department)
    if users[persona] is not None:
        client.force_login(users[persona])
    path = reverse(name, kwargs=kwargs)
    if case.method == "get":
        response = client.get(path)
    else:
        response = client.post(path, _data(case, evaluation))

    expected = case.expect[_relation(persona, department)]
    if expected == LOGIN:
        assert response.status_code == 302, response.content[:300]
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, (
            f"{case.method.upper()} {path} as {persona}: "
            f"{response.status_code} (expected {expected})"
        )


# The table walks evaluation_export with one format; every other form format of the
# registry must answer each persona the same way.
OTHER_FORM_FORMATS = [
    kind for kind in FORM_EXPORTERS if kind != TABLE["evaluation_export"].kwargs["kind"]
]


@pytest.mark.parametrize("kind", OTHER_FORM_FORMATS)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("department", ("A", "B"))
def test_every_form_export_format_is_scoped_like_the_table_says(
    client, world, kind, persona, department
):
    _, users, _ = world
    _, kwargs = _call_kwargs(world, "evaluation_export", department)
    if users[persona] is not None:
        client.force_login(users[persona])
    path = reverse("evaluation_export", kwargs={**kwargs, "kind": kind})
    response = client.get(path)
    expected = TABLE["evaluation_export"].expect[_relation(persona, department)]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected, f"GET {path} as {persona}"


POST_ONLY = [name for name, case in TABLE.items() if case.method == "post"]


@pytest.mark.parametrize(
    ("name", "persona", "department"),
    [case for case in _cases() if case.values[0] in POST_ONLY],
)
def test_a_get_of_a_post_only_address_goes_to_its_page(client, world, name, persona, department):
    """A bookmark, a reload or the sign-in's next= never shows a bare 405.

    A form's buttons send the GET to the form page, scoped like it: whoever may not see
    the form gets 404 and learns nothing. Other buttons send it to the page they are on.
    """
    _, users, _ = world
    _, kwargs = _call_kwargs(world, name, department)
    if users[persona] is not None:
        client.force_login(users[persona])
    path = reverse(name, kwargs=kwargs)
    response = client.get(path)
    relation = _relation(persona, department)
    form_button = TABLE[name].target in {"evaluation", "evidence"}  # a button of a form's page
    if form_button and relation in {"outsider", "other_reviewer"}:
        assert response.status_code == 404
    elif relation == "anon" and name != "logout":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 302, f"GET {path} as {persona}: {response.status_code}"
        assert response["Location"] != path
        if form_button:
            assert response["Location"] == reverse("evaluation_detail", args=[kwargs["pk"]])
    assert client.head(path).status_code == response.status_code
    assert client.put(path).status_code in {302, 404, 405}


# --- personas the table above has no column for -----------------------------------------
#
# ``dual``: a user given both the 填报人 and the 审核人 group of department A (as /admin/
# once allowed); ``superuser``: a superuser (as actor, and as the target account that a
# 管理员 must not reach); ``moved``: filler A moved to department B after a job was made;
# ``unit_old``/``unit_new``: the fillers of the 主管部门 a 实施单位 was moved from and to.
# Each row: URL name, persona, what the URL is called with, the form's status, expected.

EXTRA: list[tuple[str, str, str, str, int]] = [
    ("evaluation_review", "dual", "form_a", "submitted", 403),
    ("evaluation_return", "dual", "form_a", "submitted", 403),
    ("evaluation_approve", "dual", "form_a", "submitted", 403),
    ("evaluation_approve", "dual", "form_b", "submitted", 404),
    ("evaluation_detail", "dual", "form_a", "submitted", 200),  # sees it, no review buttons
    ("evaluation_save", "dual", "form_a", "draft", 302),  # still fills it
    ("manage:user_edit", "admin", "superuser", "draft", 404),
    ("manage:user_password", "admin", "superuser", "draft", 404),
    ("manage:user_edit", "superuser", "superuser", "draft", 200),
    ("manage:user_password", "superuser", "superuser", "draft", 400),  # empty form
    ("admin:projects_evaluation_change", "superuser", "form_a", "approved", 403),  # POST
    ("admin:auth_user_change", "staff", "superuser", "draft", 403),  # POST
    ("admin:auth_user_password_change", "staff", "superuser", "draft", 403),
    ("jobs:detail", "filler", "job", "draft", 200),
    ("jobs:download", "filler", "job", "draft", 200),
    ("jobs:detail", "moved", "job", "draft", 404),
    ("jobs:progress", "moved", "job", "draft", 404),
    ("jobs:download", "moved", "job", "draft", 404),
    ("evaluation_detail", "moved", "form_a", "draft", 404),
    ("evaluation_detail", "moved", "form_b", "draft", 200),
    ("evaluation_detail", "unit_old", "unit_form", "draft", 404),
    ("evaluation_save", "unit_old", "unit_form", "draft", 404),
    ("evaluation_detail", "unit_new", "unit_form", "draft", 200),
    ("evaluation_save", "unit_new", "unit_form", "draft", 302),
]
POSTED = {"evaluation_review", "evaluation_return", "evaluation_approve", "evaluation_save"}
POSTED |= {"manage:user_password", "admin:projects_evaluation_change", "admin:auth_user_change"}


@pytest.fixture
def extra_world(world, settings, tmp_path, dept_a, dept_b, filler_a, filler_b, admin_user):
    from django.contrib.auth.models import Group, Permission, User
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from jobs.services import job_scope_record
    from projects.models import DepartmentAssignment
    from projects.services.manage import department_save
    from tests.factories import make_department

    settings.MEDIA_ROOT = str(tmp_path / "media")
    forms = world[0]
    dual = make_user("dual_a", Role.FILLER, dept_a)
    dual.groups.add(Group.objects.get(name=Role.REVIEWER.value))
    superuser = User.objects.create_superuser("root", password="pw-root")
    staff = User.objects.create_user("staff", password="pw-staff", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "change_user"]))
    moved = make_user("moved_a", Role.FILLER, dept_a)
    jobs = {}
    for user in (filler_a, moved):
        job = Job.objects.create(
            kind=Job.Kind.YEAR_ZIP, key=f"done-{user.pk}", user=user, state=Job.State.DONE
        )
        job.result_name = default_storage.save(f"jobs/{job.pk}/x.zip", ContentFile(b"zip"))
        job.result_filename = "x.zip"
        job.save()
        job_scope_record(job, Evaluation.objects.filter(year=2023, project__department=dept_a))
        jobs[user] = job
    DepartmentAssignment.objects.filter(user=moved).update(department=dept_b)
    unit = make_department("价格认证中心", parent=dept_a)
    unit_form = make_evaluation(make_project(dept_a, "价格认证中心项目", unit=unit), indicators=3)
    unit.parent = dept_b
    department_save(actor=admin_user, department=unit)
    personas = {
        "dual": dual,
        "admin": admin_user,
        "superuser": superuser,
        "staff": staff,
        "filler": filler_a,
        "moved": moved,
        "unit_old": filler_a,
        "unit_new": filler_b,
    }
    targets = {
        "form_a": forms["A"],
        "form_b": forms["B"],
        "unit_form": unit_form,
        "superuser": superuser,
    }
    return personas, targets, jobs


@pytest.mark.parametrize(
    ("name", "persona", "target", "status", "expected"),
    EXTRA,
    ids=[f"{name}-{persona}-{target}" for name, persona, target, _, _ in EXTRA],
)
def test_issue_12_personas(client, extra_world, name, persona, target, status, expected):
    personas, targets, jobs = extra_world
    user = personas[persona]
    if target == "job":
        obj = jobs[user]
    else:
        obj = targets[target]
        if isinstance(obj, Evaluation):
            Evaluation.objects.filter(pk=obj.pk).update(status=status)
            obj.refresh_from_db()
    path = reverse(name, args=[obj.pk])
    client.force_login(user)
    if name not in POSTED:
        response = client.get(path)
    elif name == "evaluation_save":
        response = client.post(path, page_data(obj))
    elif name.startswith("evaluation_"):
        response = client.post(path, {"version": str(obj.version), "review_comment": "同意"})
    else:
        response = client.post(path, {"status": "draft", "is_active": ""})
    assert response.status_code == expected, f"{name} as {persona}: {response.status_code}"
    if isinstance(obj, Evaluation):
        if name in POSTED and expected >= 400:
            status_now, version_now = Evaluation.objects.values_list("status", "version").get(
                pk=obj.pk
            )
            assert (status_now, version_now) == (obj.status, obj.version)  # nothing written
        if persona == "dual" and expected == 200:
            assert reverse("evaluation_approve", args=[obj.pk]) not in response.content.decode()
