"""What the admin changes under 系统管理: users, departments and years (and, for
``/admin/``, projects; for the import preview, a 一级/二级 added to the taxonomy).

Each change runs in one transaction and is recorded with Django's own ``LogEntry``
(who, when, what changed, in words, by the diff a form's history uses:
``projects.history``), which the edit pages show as a short history and the Django
admin lists too. Admins cannot lock themselves out: they can neither take their own
admin role away nor deactivate their own account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from indicators.models import Level1, Level2
from projects.departments import department_match
from projects.history import change, diff, in_words, log_change, log_changes
from projects.history import change_log as change_log  # the edit pages' history
from projects.models import (
    Department,
    DepartmentAssignment,
    Evaluation,
    PasswordChangeRequired,
    Project,
    ReportingYear,
)
from projects.roles import Role
from projects.text import clean_instance_text

ERROR_OWN_ROLE = "不能取消自己的管理员角色，以免系统无人管理；请由另一位管理员修改"
ERROR_OWN_ACCOUNT = "不能停用自己的账号"
ERROR_SUPERUSER_ONLY = "只有超级用户可以修改超级用户的账号或密码"
ERROR_DEPARTMENT_IN_USE = "「{name}」不能删除：{uses}。请先移走或删除它们"
ERROR_LEVEL_CHANGE_WITH_PROJECTS = (
    "「{name}」还有 {count} 个项目，不能在主管部门和实施单位之间转换；请先移走这些项目"
)
ERROR_NO_LEVEL1 = "一级指标「{name}」不在指标体系中，不能在其下添加二级指标"
ERROR_MOVE_NAME_CLASH = (
    "「{name}」的项目不能随之移入「{parent}」：那里已有同名项目 {names}，请先改名"
)
ERROR_MERGE_SELF = "不能把「{name}」并入它自己，请选择另一个部门/单位"
ERROR_MERGE_LEVEL = (
    "「{merged}」不能并入「{kept}」：主管部门只能并入主管部门，实施单位只能并入同一主管部门下的"
    "实施单位（其他主管部门的实施单位请先编辑它，移到同一主管部门下）"
)
ERROR_MERGE_PROJECT_CLASH = (
    "「{merged}」不能并入「{kept}」：两者都有项目{names}，合并后会重名；"
    "请先把其中一个改名或删除，再合并"
)
ERROR_MERGE_GONE = "要合并的部门/单位已被删除，未合并任何内容，请刷新部门列表"
ERROR_MERGE_CHANGED = "「{name}」在合并期间有了新的项目或单位，未合并任何内容，请重新查看后再合并"


@dataclass(frozen=True)
class UserData:
    username: str
    first_name: str
    role: Role
    departments: tuple[Department, ...]
    is_active: bool
    password: str = ""  # only when creating


def check_may_manage(actor: User, user: User) -> None:
    """Only a superuser changes a superuser (account, role, state or password)."""
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied(ERROR_SUPERUSER_ONLY)


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
    clean_instance_text(user)
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
    check_may_manage(actor, user)
    role_before = user_role(user)
    if user.pk == actor.pk:
        if role_before is Role.ADMIN and data.role is not Role.ADMIN:
            raise ValidationError(ERROR_OWN_ROLE)
        if not data.is_active:
            raise ValidationError(ERROR_OWN_ACCOUNT)
    before = set(Department.objects.filter(assignments__user=user).select_related("parent"))
    after = set(data.departments)
    role_groups = {g.name for g in user.groups.all()} & {r.value for r in Role}
    shown_before = {
        "姓名": user.first_name,
        "状态": _active(user.is_active),
        "角色": "、".join(sorted(role_groups)) or "（无）",
        "部门/单位": _names(before),
    }
    shown_after = {
        "姓名": data.first_name,
        "状态": _active(data.is_active),
        "角色": data.role.value,
        "部门/单位": _names(after),
    }
    if user.is_superuser:  # a superuser's role is not a group
        del shown_before["角色"], shown_after["角色"]
    changes = diff("", None, shown_before, shown_after)
    changed = {item["field"] for item in changes}
    user.first_name, user.is_active = data.first_name, data.is_active
    if "角色" in changed:
        user.groups.set([Group.objects.get(name=data.role.value)])
    if "部门/单位" in changed:
        DepartmentAssignment.objects.filter(user=user).exclude(department__in=after).delete()
        DepartmentAssignment.objects.bulk_create(
            [DepartmentAssignment(user=user, department=d) for d in after - before]
        )
    if changes:
        clean_instance_text(user)
        user.save(update_fields=["first_name", "is_active"])
        log_change(actor, user, CHANGE, in_words(changes))
    return [in_words([item]) for item in changes]


def _active(is_active: bool) -> str:
    return "启用" if is_active else "停用"


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> None:
    check_may_manage(actor, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    if user.pk != actor.pk:  # the user chooses their own at the next sign-in
        PasswordChangeRequired.objects.get_or_create(user=user)
    log_change(actor, user, CHANGE, "重设密码")


def _save_and_log(
    actor: User,
    obj: models.Model,
    added: str,
    described: Mapping[str, Callable[[models.Model], object]],
) -> None:
    """Save ``obj`` as the validated form left it and record it: ``added`` for a new one,
    else each described field (label: how it is shown) that changed; nothing if none did.
    """
    clean_instance_text(obj)  # the forms clean already; this is the last line (projects.text)
    if obj.pk is None:
        obj.save()
        log_change(actor, obj, ADDITION, added)
        return
    old = type(obj)._default_manager.get(pk=obj.pk)
    changes = diff(
        "",
        None,
        {label: show(old) for label, show in described.items()},
        {label: show(obj) for label, show in described.items()},
    )
    if changes:
        obj.save()
        log_change(actor, obj, CHANGE, in_words(changes))


def department_move_problem(department: Department, parent: Department | None) -> str:
    """Why ``department`` cannot be put under ``parent`` now, in words ('' if it can).

    A 实施单位 moved to another 主管部门 takes its projects along (``department_save``);
    their names must be free there. Turning a unit into a 主管部门 or back is refused
    while projects hang on it (whose 主管部门 would they be?).
    """
    if department.pk is None:
        return ""
    before = Department.objects.filter(pk=department.pk).values_list("parent", flat=True).first()
    after = parent.pk if parent is not None else None
    if before == after:
        return ""
    if before is None or after is None:
        count = Project.objects.filter(
            models.Q(department=department) | models.Q(implementing_unit=department)
        ).count()
        return (
            ERROR_LEVEL_CHANGE_WITH_PROJECTS.format(name=department.name, count=count)
            if count
            else ""
        )
    names = list(
        Project.objects.filter(
            department_id=after,
            name__in=Project.objects.filter(implementing_unit=department).values("name"),
        ).values_list("name", flat=True)[:5]
    )
    if names:
        return ERROR_MOVE_NAME_CLASH.format(
            name=department.name, parent=parent, names="、".join(f"「{n}」" for n in names)
        )
    return ""


def _projects_follow(actor: User, unit: Department, old_parent: Department) -> None:
    """A moved 实施单位's projects get its new 主管部门 (scope follows), each recorded."""
    projects = list(Project.objects.filter(implementing_unit=unit))
    Project.objects.filter(implementing_unit=unit).update(department=unit.parent)
    moved = in_words([change("", "主管部门", old_parent, unit.parent)])
    log_changes(actor, projects, CHANGE, f"{moved}（随实施单位「{unit.name}」移动）")


@transaction.atomic
def department_save(*, actor: User, department: Department) -> Department:
    """Create or change a department (``department`` as the validated form left it).

    A 实施单位 moved under another 主管部门 takes its projects with it in the same
    transaction, so that the old 主管部门's users no longer reach them.
    """
    old = None
    if department.pk is not None:
        old = (
            Department.objects.select_for_update(of=("self",))
            .select_related("parent")
            .get(pk=department.pk)
        )
    problem = department_move_problem(department, department.parent)
    if problem:
        raise ValidationError(problem)
    _save_and_log(
        actor,
        department,
        f"新建{_kind(department)}「{department}」",
        {
            "名称": lambda d: d.name,
            "所属主管部门": lambda d: str(d.parent) if d.parent_id else "（无）",
        },
    )
    if old is not None and old.parent_id and department.parent_id != old.parent_id:
        _projects_follow(actor, department, old.parent)
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


# --- merging two departments ---------------------------------------------------------


@dataclass(frozen=True)
class DepartmentMerge:
    """What merging ``merged`` into ``kept`` moves (``department_merge_plan``).

    ``unit_pairs``: each 实施单位 of ``merged`` that is merged into the 实施单位 of
    ``kept`` it matches (the same name, or the one of the same name key:
    ``departments.department_match``); ``moved_units``: the others, which move under
    ``kept`` as they are. ``problem``: why the merge is refused ("" if it is not).
    """

    kept: Department
    merged: Department
    projects: int
    units: int
    users: int
    evaluations: int
    unit_pairs: tuple[tuple[Department, Department], ...] = ()
    moved_units: tuple[Department, ...] = ()
    problem: str = ""

    @property
    def counts(self) -> str:
        """What moves, as the confirmation page and the record say it: 项目 N、实施单位 N…"""
        return (
            f"项目 {self.projects}、实施单位 {self.units}、用户 {self.users}、"
            f"自评表 {self.evaluations}"
        )


def _merge_level_problem(kept: Department, merged: Department) -> str:
    if kept.pk == merged.pk:
        return ERROR_MERGE_SELF.format(name=merged)
    if kept.parent_id != merged.parent_id:
        return ERROR_MERGE_LEVEL.format(merged=merged, kept=kept)
    return ""


def _moving_projects(merged: Department) -> models.QuerySet[Project]:
    """The projects a merge moves: of a 主管部门 (its units' too), or an 实施单位's."""
    if merged.parent_id is None:
        return Project.objects.filter(
            models.Q(department=merged) | models.Q(implementing_unit=merged)
        )
    return Project.objects.filter(implementing_unit=merged)


def department_merge_plan(kept: Department, merged: Department) -> DepartmentMerge:
    """What ``department_merge`` would move, and whether it may (reads only).

    A 主管部门 merges into a 主管部门; an 实施单位 into another 实施单位 of the same
    主管部门 (one of another is first moved there, by editing it: the move checks the
    project names). Two projects of the same name would end up in one 主管部门: the
    merge is refused and names them (rename one first).
    """
    level = _merge_level_problem(kept, merged)
    units = list(merged.units.order_by("name"))
    projects = _moving_projects(merged)
    places = [merged, *units]
    counts = {
        "projects": projects.count(),
        "units": len(units),
        "users": User.objects.filter(department_assignments__department__in=places)
        .distinct()
        .count(),
        "evaluations": Evaluation.objects.filter(project__in=projects).count(),
    }
    if level:
        return DepartmentMerge(kept, merged, **counts, problem=level)
    pairs, moved = [], []
    for unit in units:
        target = department_match(unit.name, kept).department
        if target is not None:
            pairs.append((unit, target))
        else:
            moved.append(unit)
    problem = ""
    if merged.parent_id is None:
        clashes = list(
            Project.objects.filter(department=kept, name__in=projects.values("name"))
            .order_by("name")
            .values_list("name", flat=True)[:5]
        )
        if clashes:
            problem = ERROR_MERGE_PROJECT_CLASH.format(
                merged=merged, kept=kept, names="、".join(f"「{n}」" for n in clashes)
            )
    return DepartmentMerge(
        kept, merged, **counts, unit_pairs=tuple(pairs), moved_units=tuple(moved), problem=problem
    )


def _assignments_move(actor: User, source: Department, target: Department) -> None:
    """The users of ``source`` get ``target`` instead (once: who had both keeps one)."""
    assignments = DepartmentAssignment.objects.filter(department=source)
    users = list(User.objects.filter(department_assignments__department=source))
    if not users:
        return
    assignments.filter(user__department_assignments__department=target).delete()
    assignments.update(department=target)
    moved = in_words([change("", "部门/单位", source, target)])
    log_changes(actor, users, CHANGE, f"{moved}（部门合并）")


def _unit_projects_move(actor: User, source: Department, target: Department) -> None:
    projects = list(Project.objects.filter(implementing_unit=source))
    Project.objects.filter(implementing_unit=source).update(implementing_unit=target)
    moved = in_words([change("", "实施单位", source, target)])
    log_changes(actor, projects, CHANGE, f"{moved}（部门合并）")


def _merge_away(actor: User, source: Department, target: Department) -> None:
    """``source`` (nothing left on it but what moves here) into ``target``, then deleted."""
    _unit_projects_move(actor, source, target)
    _assignments_move(actor, source, target)
    log_change(actor, source, DELETION, f"并入「{target}」后删除{_kind(source)}「{source}」")
    try:
        source.delete()
    except models.ProtectedError:  # something new hangs on it since the plan
        raise ValidationError(ERROR_MERGE_CHANGED.format(name=source)) from None


@transaction.atomic
def department_merge(*, actor: User, kept: Department, merged: Department) -> DepartmentMerge:
    """Merge ``merged`` into ``kept`` in one transaction, as ``department_merge_plan`` says.

    The projects (with their forms), the 实施单位 and the users' assignments of
    ``merged`` go to ``kept``; its units that match one of ``kept``'s are merged into
    it the same way; ``merged`` is deleted. Each moved object and ``kept`` get a record.
    The stored summaries name no department (they follow their forms' projects); a
    job's recorded scope keeps the id of the deleted department, so a result made
    before the merge that covers it is an admin's only (the user starts it again).
    """
    locked = Department.objects.select_for_update().in_bulk([kept.pk, merged.pk])
    if kept.pk not in locked or merged.pk not in locked:
        raise ValidationError(ERROR_MERGE_GONE)
    kept, merged = locked[kept.pk], locked[merged.pk]
    plan = department_merge_plan(kept, merged)
    if plan.problem:
        raise ValidationError(plan.problem)
    if merged.parent_id is None:
        projects = list(Project.objects.filter(department=merged))
        Project.objects.filter(department=merged).update(department=kept)
        moved = in_words([change("", "主管部门", merged, kept)])
        log_changes(actor, projects, CHANGE, f"{moved}（部门合并）")
        for unit in plan.moved_units:
            unit.parent = kept
            unit.save(update_fields=["parent"])
            moved = in_words([change("", "所属主管部门", merged, kept)])
            log_change(actor, unit, CHANGE, f"{moved}（部门合并）")
        for unit, target in plan.unit_pairs:
            _merge_away(actor, unit, target)
    log_change(actor, kept, CHANGE, f"并入{_kind(merged)}「{merged}」：{plan.counts}")
    _merge_away(actor, merged, kept)
    return plan


@transaction.atomic
def project_save(*, actor: User, project: Project) -> Project:
    """Create or change a project in /admin/ (``project`` as the validated form left it)."""
    _save_and_log(
        actor,
        project,
        f"新建项目「{project.name}」",
        {
            "名称": lambda p: p.name,
            "主管部门": lambda p: str(p.department),
            "实施单位": lambda p: str(p.implementing_unit) if p.implementing_unit_id else "（无）",
        },
    )
    return project


@transaction.atomic
def project_delete(*, actor: User, project: Project) -> None:
    """Delete a project without forms (a form keeps its project: ``PROTECT``)."""
    log_change(actor, project, DELETION, f"删除项目「{project}」")
    project.delete()


@transaction.atomic
def reporting_year_save(*, actor: User, year: ReportingYear) -> ReportingYear:
    """Create or change a year's record (``year`` as the validated form left it)."""
    _save_and_log(
        actor,
        year,
        f"登记{year.year}年度：{_year_state(year)}",
        {
            "状态": _year_state,
            "截止日期": lambda y: y.deadline or "（无）",
            "说明": lambda y: y.note,
        },
    )
    return year


def _year_state(year: ReportingYear) -> str:
    return "开放填报" if year.is_open else "已截止"


@transaction.atomic
def taxonomy_add(*, actor: User, names: Iterable[tuple[str, str]]) -> list[Level1 | Level2]:
    """Add each (一级, "") as a 一级 and each (一级, 二级) as a 二级 of that 一级, all or none.

    The import preview's 「添加到指标体系」: a new one goes after the existing ones
    (a 一级 with 默认分值 0, set in ``/admin/``). ValidationError when a name is taken
    or too long, or the 一级 of a new 二级 is missing.
    """
    names = sorted(names, key=lambda pair: bool(pair[1]))  # a 一级 before its 二级
    added: list[Level1 | Level2] = []
    for level1_name, level2_name in names:
        if not level2_name:
            last = Level1.objects.order_by("-position").values_list("position", flat=True).first()
            level: Level1 | Level2 = Level1(name=level1_name, position=(last or 0) + 1)
            message = f"导入时新建一级指标「{level1_name}」"
        else:
            level1 = Level1.objects.filter(name=level1_name).first()
            if level1 is None:
                raise ValidationError(ERROR_NO_LEVEL1.format(name=level1_name))
            last = level1.level2s.order_by("-position").values_list("position", flat=True).first()
            level = Level2(level1=level1, name=level2_name, position=(last or 0) + 1)
            message = f"导入时在「{level1_name}」下新建二级指标「{level2_name}」"
        clean_instance_text(level)
        level.full_clean()
        level.save()
        log_change(actor, level, ADDITION, message)
        added.append(level)
    return added
