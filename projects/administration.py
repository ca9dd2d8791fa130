"""What the admin changes under 系统管理: users, departments and years.

Each change runs in one transaction and is recorded with Django's own ``LogEntry``
(who, when, what changed, in words), which the edit pages show as a short history
and the Django admin lists too. Admins cannot lock themselves out: they can neither
take their own admin role away nor deactivate their own account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from projects.models import (
    Department,
    DepartmentAssignment,
    PasswordChangeRequired,
    Project,
    ReportingYear,
)
from projects.roles import Role

ERROR_OWN_ROLE = "不能取消自己的管理员角色，以免系统无人管理；请由另一位管理员修改"
ERROR_OWN_ACCOUNT = "不能停用自己的账号"
ERROR_DEPARTMENT_IN_USE = "「{name}」不能删除：{uses}。请先移走或删除它们"


@dataclass(frozen=True)
class UserData:
    username: str
    first_name: str
    role: Role
    departments: tuple[Department, ...]
    is_active: bool
    password: str = ""  # only when creating


def log_change(actor: User, obj: models.Model, flag: int, message: str) -> None:
    """One LogEntry: who (``actor``) did what to ``obj``, in words."""
    LogEntry.objects.create(
        user=actor,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=flag,
        change_message=message,
    )


def change_log(obj: models.Model, limit: int = 20) -> list[LogEntry]:
    """The newest changes recorded for ``obj``, with who made them."""
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )
        .select_related("user")
        .order_by("-action_time", "-pk")[:limit]
    )


def user_role(user: User) -> Role | None:
    """The one role of a user as the admin pages show it (a superuser is an admin)."""
    if user.is_superuser:
        return Role.ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in Role if role.value in names), None)


def _names(departments: Iterable[Department]) -> str:
    return "、".join(sorted(str(department) for department in departments)) or "（无）"


@transaction.atomic
def user_create(*, actor: User, data: UserData) -> User:
    user = User(username=data.username, first_name=data.first_name, is_active=data.is_active)
    user.set_password(data.password)
    user.save()
    PasswordChangeRequired.objects.create(user=user)  # the admin's password: first sign-in only
    user.groups.set([Group.objects.get(name=data.role.value)])
    DepartmentAssignment.objects.bulk_create(
        DepartmentAssignment(user=user, department=department) for department in data.departments
    )
    log_change(
        actor,
        user,
        ADDITION,
        f"新建账号，角色：{data.role.value}；部门/单位：{_names(data.departments)}；"
        f"{'启用' if data.is_active else '停用'}",
    )
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, data: UserData) -> list[str]:
    """Apply ``data`` to ``user``; returns what changed, in words (empty: nothing)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    role_before = user_role(user)
    if user.pk == actor.pk:
        if role_before is Role.ADMIN and data.role is not Role.ADMIN:
            raise ValidationError(ERROR_OWN_ROLE)
        if not data.is_active:
            raise ValidationError(ERROR_OWN_ACCOUNT)
    changes = []
    if user.first_name != data.first_name:
        changes.append(f"姓名：{user.first_name or '（空）'} → {data.first_name or '（空）'}")
        user.first_name = data.first_name
    if user.is_active != data.is_active:
        changes.append(
            f"状态：{'启用' if user.is_active else '停用'} → {'启用' if data.is_active else '停用'}"
        )
        user.is_active = data.is_active
    if role_before is not data.role and not user.is_superuser:
        changes.append(
            f"角色：{role_before.value if role_before else '（无）'} → {data.role.value}"
        )
        user.groups.set([Group.objects.get(name=data.role.value)])
    before = set(Department.objects.filter(assignments__user=user).select_related("parent"))
    after = set(data.departments)
    if before != after:
        changes.append(f"部门/单位：{_names(before)} → {_names(after)}")
        DepartmentAssignment.objects.filter(user=user).exclude(department__in=after).delete()
        DepartmentAssignment.objects.bulk_create(
            [DepartmentAssignment(user=user, department=d) for d in after - before]
        )
    if changes:
        user.save(update_fields=["first_name", "is_active"])
        log_change(actor, user, CHANGE, "；".join(changes))
    return changes


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    if user.pk != actor.pk:  # the user chooses their own at the next sign-in
        PasswordChangeRequired.objects.get_or_create(user=user)
    log_change(actor, user, CHANGE, "重设密码")


def _save_and_log(
    actor: User,
    obj: models.Model,
    added: str,
    described: Iterable[tuple[str, Callable[[models.Model], object]]],
) -> None:
    """Save ``obj`` as the validated form left it and record it: ``added`` for a new one,
    else each described field that changed ("label：before → after"); nothing if none did.
    """
    if obj.pk is None:
        obj.save()
        log_change(actor, obj, ADDITION, added)
        return
    old = type(obj)._default_manager.get(pk=obj.pk)
    changes = [
        f"{label}：{show(old)} → {show(obj)}" for label, show in described if show(old) != show(obj)
    ]
    if changes:
        obj.save()
        log_change(actor, obj, CHANGE, "；".join(changes))


@transaction.atomic
def department_save(*, actor: User, department: Department) -> Department:
    """Create or change a department (``department`` as the validated form left it)."""
    _save_and_log(
        actor,
        department,
        f"新建{_kind(department)}「{department}」",
        [
            ("名称", lambda d: d.name),
            ("所属主管部门", lambda d: str(d.parent) if d.parent_id else "（无）"),
        ],
    )
    return department


def _kind(department: Department) -> str:
    return "实施单位" if department.parent_id else "主管部门"


def department_uses(department: Department) -> list[str]:
    """What still hangs on a department (and keeps it from being deleted), in words."""
    counts = [
        (Project.objects.filter(department=department).count(), "个项目"),
        (Project.objects.filter(implementing_unit=department).count(), "个实施的项目"),
        (department.units.count(), "个实施单位"),
        (department.assignments.count(), "个用户分配"),
    ]
    return [f"还有 {count} {what}" for count, what in counts if count]


@transaction.atomic
def department_delete(*, actor: User, department: Department) -> None:
    department = Department.objects.select_for_update().get(pk=department.pk)
    uses = department_uses(department)
    if uses:
        raise ValidationError(
            ERROR_DEPARTMENT_IN_USE.format(name=department.name, uses="，".join(uses))
        )
    log_change(actor, department, DELETION, f"删除{_kind(department)}「{department}」")
    department.delete()


@transaction.atomic
def reporting_year_save(*, actor: User, year: ReportingYear) -> ReportingYear:
    """Create or change a year's record (``year`` as the validated form left it)."""
    _save_and_log(
        actor,
        year,
        f"登记{year.year}年度：{_year_state(year)}",
        [
            ("状态", _year_state),
            ("截止日期", lambda y: y.deadline or "（无）"),
            ("说明", lambda y: y.note or "（空）"),
        ],
    )
    return year


def _year_state(year: ReportingYear) -> str:
    return "开放填报" if year.is_open else "已截止"
