"""系统管理: the admin's pages for users, departments (and merging two) and years.

Only admins reach them (anyone else signed in gets a 403, anonymous users the login
page); an unknown user, department or year is a 404. Changes go through
``projects.services.manage``, one transaction each, recorded in ``LogEntry``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from projects.decorators import named, post_only
from projects.forms.manage import (
    DepartmentForm,
    DepartmentMergeForm,
    PasswordResetForm,
    ReportingYearForm,
    TaskDeadlineForm,
    TaskForm,
    TaskUploadForm,
    UserFilterForm,
    UserForm,
)
from projects.imports.base import DEFAULT_MAX_BYTES, ImportFailure, human_size
from projects.imports.task_list import read_task_list
from projects.models import Department, DepartmentAssignment, Evaluation, ReportingYear
from projects.roles import Role
from projects.selectors.evaluations import is_admin
from projects.selectors.tasks import department_counts, state_label, task_years, tasks_for_user
from projects.services.manage import (
    UserData,
    change_log,
    department_delete,
    department_merge,
    department_merge_plan,
    department_save,
    department_uses,
    reporting_year_save,
    user_create,
    user_role,
    user_set_password,
    user_update,
)
from projects.services.tasks import (
    Issued,
    task_issue,
    tasks_issue_from_list,
    tasks_issue_from_previous,
)

NOT_ADMIN = "只有管理员可以进行系统管理"
USERS_PER_PAGE = 50


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied(NOT_ADMIN)


# --- users -------------------------------------------------------------------------


@login_required
@require_safe
def user_list(request: HttpRequest) -> HttpResponse:
    """Every account with its role, departments and state; search and filter."""
    _require_admin(request)
    users = User.objects.order_by("username").prefetch_related(
        "groups",
        Prefetch(
            "department_assignments",
            queryset=DepartmentAssignment.objects.select_related(
                "department", "department__parent"
            ),
        ),
    )
    filter_form = UserFilterForm(request.GET)
    query, role, state = filter_form.values()
    if query:
        users = users.filter(Q(username__icontains=query) | Q(first_name__icontains=query))
    if role == Role.ADMIN:
        users = users.filter(Q(groups__name=role) | Q(is_superuser=True))
    elif role:
        users = users.filter(groups__name=role, is_superuser=False)
    if state:
        users = users.filter(is_active=state == "active")
    page = Paginator(users.distinct(), USERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "user": user,
            "role": user_role(user),
            "departments": [a.department for a in user.department_assignments.all()],
        }
        for user in page
    ]
    return render(
        request,
        "projects/manage/users.html",
        {
            "tab": "users",
            "page": page,
            "rows": rows,
            "filter_form": filter_form,
            "query": query,
            "role": role,
            "state": state,
        },
    )


def _user_data(form: UserForm) -> UserData:
    data = form.cleaned_data
    return UserData(
        username=data["username"],
        first_name=data.get("first_name", "").strip(),
        role=Role(data["role"]),
        departments=tuple(data["departments"]),
        is_active=data["is_active"],
        password=data.get("password1") or "",
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create_view(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = UserForm(request.POST or None, initial={"is_active": True, "role": Role.FILLER.value})
    if request.method == "POST" and form.is_valid():
        user = user_create(actor=request.user, data=_user_data(form))
        messages.success(request, f"已新建账号「{user.username}」。")
        return redirect("manage:user_edit", pk=user.pk)
    return render(
        request, "projects/manage/user_form.html", {"tab": "users", "form": form, "target": None}
    )


def _managed_user(request: HttpRequest, pk: int, users=User.objects) -> User:
    """The account to edit: a superuser is out of reach (404) unless the admin is one."""
    if not request.user.is_superuser:
        users = users.filter(is_superuser=False)
    return get_object_or_404(users, pk=pk)


def _user_initial(target: User) -> dict[str, object]:
    role = user_role(target)
    return {
        "username": target.username,
        "first_name": target.first_name,
        "role": role.value if role else "",
        "departments": list(
            DepartmentAssignment.objects.filter(user=target).values_list("department", flat=True)
        ),
        "is_active": target.is_active,
    }


@login_required
@require_http_methods(["GET", "POST"])
def user_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    target = _managed_user(request, pk, User.objects.prefetch_related("groups"))
    form = UserForm(request.POST or None, instance=target, initial=_user_initial(target))
    if request.method == "POST" and form.is_valid():
        try:
            changes = user_update(actor=request.user, user=target, data=_user_data(form))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changes:
                messages.success(
                    request, f"已保存账号「{target.username}」：{'；'.join(changes)}。"
                )
            else:
                messages.info(request, "没有修改。")
            return redirect("manage:user_edit", pk=target.pk)
    return render(
        request,
        "projects/manage/user_form.html",
        {
            "tab": "users",
            "form": form,
            "target": target,
            "password_form": PasswordResetForm(user=target),
            "log": change_log(target),
        },
    )


@login_required
@post_only(named("manage:user_edit"))
def user_password_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    target = _managed_user(request, pk)
    form = PasswordResetForm(request.POST, user=target)
    if form.is_valid():
        user_set_password(actor=request.user, user=target, password=form.cleaned_data["password1"])
        messages.success(request, f"已为「{target.username}」设置新密码。")
        return redirect("manage:user_edit", pk=target.pk)
    user_form = UserForm(instance=target, initial=_user_initial(target))
    return render(
        request,
        "projects/manage/user_form.html",
        {
            "tab": "users",
            "form": user_form,
            "target": target,
            "password_form": form,
            "log": change_log(target),
        },
        status=400,
    )


# --- departments -------------------------------------------------------------------


def _with_counts(queryset):
    return queryset.annotate(
        project_count=Count("projects", distinct=True),
        unit_project_count=Count("implemented_projects", distinct=True),
        user_count=Count("assignments", distinct=True),
    )


@login_required
@require_safe
def department_list(request: HttpRequest) -> HttpResponse:
    """主管部门 with their 实施单位, each with its projects and users."""
    _require_admin(request)
    departments = _with_counts(Department.objects.filter(parent__isnull=True)).prefetch_related(
        Prefetch("units", queryset=_with_counts(Department.objects.order_by("name")))
    )
    return render(
        request,
        "projects/manage/departments.html",
        {"tab": "departments", "departments": departments},
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_create_view(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = DepartmentForm(request.POST or None, initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        department = department_save(actor=request.user, department=form.save(commit=False))
        messages.success(request, f"已新建「{department}」。")
        return redirect("manage:departments")
    return render(
        request,
        "projects/manage/department_form.html",
        {"tab": "departments", "form": form, "target": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    target = get_object_or_404(Department.objects.select_related("parent"), pk=pk)
    form = DepartmentForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        department = department_save(actor=request.user, department=form.save(commit=False))
        messages.success(request, f"已保存「{department}」。")
        return redirect("manage:departments")
    target.refresh_from_db()  # the form's checks may have changed the instance in memory
    return render(
        request,
        "projects/manage/department_form.html",
        {
            "tab": "departments",
            "form": form,
            "target": target,
            "uses": department_uses(target),
            "log": change_log(target),
        },
    )


@login_required
@post_only(named("manage:department_edit"))
def department_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    target = get_object_or_404(Department.objects.select_related("parent"), pk=pk)
    name = str(target)
    try:
        department_delete(actor=request.user, department=target)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("manage:department_edit", pk=target.pk)
    messages.success(request, f"已删除「{name}」。")
    return redirect("manage:departments")


@login_required
@require_http_methods(["GET", "POST"])
def department_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge the department ``pk`` into another: choose that one, see what moves, confirm.

    A GET with ``into`` shows what would move (``department_merge_plan``) and why it
    may not; only the POST of the confirmation merges.
    """
    _require_admin(request)
    merged = get_object_or_404(Department.objects.select_related("parent"), pk=pk)
    posted = request.method == "POST"
    data = request.POST if posted else (request.GET if "into" in request.GET else None)
    form = DepartmentMergeForm(data, merged=merged)
    plan, status = None, 400 if posted else 200
    if form.is_valid():
        kept = form.cleaned_data["into"]
        if posted:
            try:
                done = department_merge(actor=request.user, kept=kept, merged=merged)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"已把「{merged}」并入「{kept}」：{done.counts}。")
                return redirect("manage:departments")
        plan = department_merge_plan(kept, merged)
    return render(
        request,
        "projects/manage/department_merge.html",
        {"tab": "departments", "form": form, "target": merged, "plan": plan},
        status=status,
    )


# --- years -------------------------------------------------------------------------


@dataclass
class YearRow:
    year: int
    record: ReportingYear | None
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def by_status(self) -> list[int]:
        """The number of forms in each status, in the workflow's order."""
        return [self.counts.get(status, 0) for status in Evaluation.Status.values]


@login_required
@require_safe
def year_list(request: HttpRequest) -> HttpResponse:
    """Every recorded year, and every year that has forms, with its forms per status."""
    _require_admin(request)
    counts: dict[int, dict[str, int]] = {}
    for year, status, number in (
        Evaluation.objects.order_by().values_list("year", "status").annotate(number=Count("pk"))
    ):
        counts.setdefault(year, {})[status] = number
    records = {record.year: record for record in ReportingYear.objects.all()}
    rows = [
        YearRow(year, records.get(year), counts.get(year, {}))
        for year in sorted(set(records) | set(counts), reverse=True)
    ]
    return render(
        request,
        "projects/manage/years.html",
        {"tab": "years", "rows": rows, "statuses": Evaluation.Status.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def year_create_view(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = ReportingYearForm(
        request.POST or None, initial={"year": request.GET.get("year"), "is_open": True}
    )
    if request.method == "POST" and form.is_valid():
        year = reporting_year_save(actor=request.user, year=form.save(commit=False))
        messages.success(request, f"已登记{year.year}年度。")
        return redirect("manage:years")
    return render(
        request, "projects/manage/year_form.html", {"tab": "years", "form": form, "target": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def year_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    target = get_object_or_404(ReportingYear, pk=pk)
    form = ReportingYearForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        year = reporting_year_save(actor=request.user, year=form.save(commit=False))
        messages.success(request, f"已保存{year.year}年度。")
        return redirect("manage:years")
    target.refresh_from_db()
    return render(
        request,
        "projects/manage/year_form.html",
        {"tab": "years", "form": form, "target": target, "log": change_log(target)},
    )


# --- 自评任务 ----------------------------------------------------------------------


def _task_year(request: HttpRequest) -> int:
    """The year asked for (?year=), else the newest open year, else the newest with tasks."""
    asked = request.GET.get("year", "")
    if asked.isdigit() and 2000 <= int(asked) <= 2100:
        return int(asked)
    open_year = ReportingYear.objects.filter(is_open=True).first()
    if open_year is not None:
        return open_year.year
    years = task_years(request.user)
    return years[0] if years else timezone.localdate().year


@login_required
@require_safe
def task_list(request: HttpRequest) -> HttpResponse:
    """The year's 自评任务 with their state, the counts per 主管部门, and the ways to issue."""
    _require_admin(request)
    return _task_page(request, _task_year(request))


def _task_page(request: HttpRequest, year: int, *, status: int = 200, **forms) -> HttpResponse:
    record = ReportingYear.objects.filter(year=year).first()
    deadline = {"deadline": record.deadline} if record and record.deadline else {}
    tasks = list(tasks_for_user(request.user, year))
    for task in tasks:
        task.state = state_label(task)
    context = {
        "tab": "tasks",
        "year": year,
        "record": record,
        "years": sorted({year, *task_years(request.user)}, reverse=True),
        "tasks": tasks,
        "counts": department_counts(request.user, year),
        "previous_form": forms.get("previous_form") or TaskDeadlineForm(initial=deadline),
        "task_form": forms.get("task_form") or TaskForm(initial=deadline),
        "upload_form": forms.get("upload_form") or TaskUploadForm(),
    }
    return render(request, "projects/manage/tasks.html", context, status=status)


def _issued(request: HttpRequest, year: int, issued: Issued) -> HttpResponse:
    text = f"已下达{year}年度的自评任务 {issued.created} 个"
    if issued.new_projects:
        text += f"（新建项目 {issued.new_projects} 个）"
    if issued.existing:
        text += f"；{issued.existing} 个项目已有本年度的任务，未改动"
    messages.success(request, text + "。")
    return redirect(f"{reverse('manage:tasks')}?year={year}")


def _tasks_page(request: HttpRequest, year: int) -> str:
    return f"{reverse('manage:tasks')}?year={year}"


@login_required
@post_only(_tasks_page)
def task_issue_previous_view(request: HttpRequest, year: int) -> HttpResponse:
    """按上年度下达: every project with a form last year gets one for this year."""
    _require_admin(request)
    form = TaskDeadlineForm(request.POST)
    if form.is_valid():
        try:
            issued = tasks_issue_from_previous(
                year=year, deadline=form.cleaned_data["deadline"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _issued(request, year, issued)
    return _task_page(request, year, status=400, previous_form=form)


@login_required
@post_only(_tasks_page)
def task_create_view(request: HttpRequest, year: int) -> HttpResponse:
    """One task, for a project picked by hand."""
    _require_admin(request)
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            task = task_issue(actor=request.user, year=year, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已下达「{task.project.name}」{year}年度的自评任务。")
            return redirect(_tasks_page(request, year))
    return _task_page(request, year, status=400, task_form=form)


@login_required
@post_only(_tasks_page)
def task_upload_view(request: HttpRequest, year: int) -> HttpResponse:
    """The uploaded 任务清单: every row issued, or none (the message names the rows)."""
    _require_admin(request)
    form = TaskUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > DEFAULT_MAX_BYTES:
                raise ImportFailure(
                    f"文件超过 {human_size(DEFAULT_MAX_BYTES)}", filename=upload.name
                )
            rows = read_task_list(upload.read(), filename=upload.name)
            issued = tasks_issue_from_list(rows=rows, year=year, actor=request.user)
        except ImportFailure as failure:
            form.add_error("file", str(failure))
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return _issued(request, year, issued)
    return _task_page(request, year, status=400, upload_form=form)
