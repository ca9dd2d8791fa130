"""The Django admin (/admin/): reference data, and a read-only view of the forms.

A form (its rows, budget lines) changes only through ``projects.services.evaluations``, which
check the version and record the 修改记录; here it is shown read-only with a link to
its page in the app, and so are the departments' user assignments (set under 系统管理 →
用户). Departments and projects are saved and deleted through
``projects.services.manage``, which records each change in words like 系统管理 does.
Departments move under 系统管理 (their projects follow them), and only a superuser
changes a superuser or grants superuser/staff status.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from projects.models import (
    BudgetLine,
    Department,
    DepartmentAssignment,
    Evaluation,
    Indicator,
    Project,
)
from projects.roles import Role
from projects.rows import INDICATOR, INDICATOR_TYPED
from projects.services.manage import (
    department_delete,
    department_save,
    department_uses,
    project_delete,
    project_save,
)
from projects.text import ADMIN_TEXT_FIELDS

ERROR_FILLER_AND_REVIEWER = (
    "填报人不能同时是审核人或管理员（同一人不能审核自己填报的自评表）；请只保留一个角色"
)
ERROR_UNIT_OF_OTHER_DEPARTMENT = "实施单位「{unit}」不属于主管部门「{department}」，请重新选择"
SUPERUSER_ONLY_FIELDS = ("is_superuser", "is_staff", "user_permissions")


def filler_role_conflict(group_names: set[str], is_superuser: bool) -> bool:
    """Whether these groups would let one person both fill and review (or administer)."""
    return Role.FILLER.value in group_names and (
        is_superuser or bool({Role.REVIEWER.value, Role.ADMIN.value} & group_names)
    )


class RoleCheckedUserChangeForm(UserChangeForm):
    def clean(self):
        data = super().clean()
        if "groups" in data:
            superuser = data.get("is_superuser", self.instance.is_superuser)
            if filler_role_conflict({group.name for group in data["groups"]}, superuser):
                raise ValidationError(ERROR_FILLER_AND_REVIEWER)
        return data


admin.site.unregister(User)


@admin.register(User)
class SelfevalUserAdmin(UserAdmin):
    """Django's user admin, with superusers kept out of other users' reach."""

    form = RoleCheckedUserChangeForm

    def _protected(self, request, obj) -> bool:
        return obj is not None and obj.is_superuser and not request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        # Also guards the password page (UserAdmin.user_change_password asks this).
        return not self._protected(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._protected(request, obj) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            fields = (*fields, *SUPERUSER_ONLY_FIELDS)
        return fields


class WrittenByServicesMixin:
    """Saves and deletes go through ``projects.services.manage`` (``write``, ``remove``),
    which record each one (a LogEntry in words): the admin's own entry is not written too."""

    def write(self, actor, obj) -> None:
        raise NotImplementedError

    def remove(self, actor, obj) -> None:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        self.write(request.user, obj)

    def delete_model(self, request, obj):
        self.remove(request.user, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.remove(request.user, obj)

    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletions(self, request, queryset):
        return None


@admin.register(Department)
class DepartmentAdmin(WrittenByServicesMixin, admin.ModelAdmin):
    formfield_overrides = ADMIN_TEXT_FIELDS
    list_display = ["name", "parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]

    def write(self, actor, obj):
        department_save(actor=actor, department=obj)

    def remove(self, actor, obj):
        department_delete(actor=actor, department=obj)

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit moves its projects too: that is done under 系统管理 → 部门/单位.
        return ["parent"] if obj is not None else []

    def get_deleted_objects(self, objs, request):
        # What keeps a department, in the words of 系统管理 (department_uses: its user
        # assignments too, which the database would delete along with it), is shown as
        # protected, and the deletion refused.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        uses = [f"「{d.name}」{use}" for d in objs for use in department_uses(d)]
        if uses:
            return deleted, counts, set(), uses
        return deleted, counts, perms_needed, protected


class ProjectAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        department, unit = data.get("department"), data.get("implementing_unit")
        if department is not None and unit is not None and unit.parent_id != department.pk:
            self.add_error(
                "implementing_unit",
                ERROR_UNIT_OF_OTHER_DEPARTMENT.format(unit=unit.name, department=department),
            )
        return data


@admin.register(Project)
class ProjectAdmin(WrittenByServicesMixin, admin.ModelAdmin):
    form = ProjectAdminForm
    formfield_overrides = ADMIN_TEXT_FIELDS
    list_display = ["name", "department", "implementing_unit"]
    list_select_related = ["department", "implementing_unit"]
    search_fields = ["name"]
    autocomplete_fields = ["department", "implementing_unit"]

    def write(self, actor, obj):
        project_save(actor=actor, project=obj)

    def remove(self, actor, obj):
        project_delete(actor=actor, project=obj)


class ReadOnlyMixin:
    """Shown, never written here: every write goes through the services
    (``projects.services.evaluations`` for forms, ``projects.services.manage`` for assignments)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BudgetLineInline(ReadOnlyMixin, admin.TabularInline):
    model = BudgetLine
    extra = 0


class IndicatorInline(ReadOnlyMixin, admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["position", "level2", *INDICATOR.names(*INDICATOR_TYPED)]
    ordering = ["position", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("level2", "level2__level1")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["project", "year", "status", "legacy", "updated_at"]
    list_filter = ["year", "status", "legacy"]
    list_select_related = ["project"]
    search_fields = ["project__name"]
    readonly_fields = ["form_page"]
    inlines = [BudgetLineInline, IndicatorInline]

    def get_fields(self, request, obj=None):
        return ["form_page", *(f for f in super().get_fields(request, obj) if f != "form_page")]

    @admin.display(description="修改")
    def form_page(self, obj: Evaluation) -> str:
        return format_html(
            "此处只读。填写、审核和修改请在系统的自评表页面进行（会检查版本并记入修改记录）："
            '<a href="{}">打开自评表页面</a>',
            reverse("evaluation_detail", args=[obj.pk]),
        )


@admin.register(DepartmentAssignment)
class DepartmentAssignmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    formfield_overrides = ADMIN_TEXT_FIELDS
    list_display = ["user", "department"]
    list_select_related = ["user", "department"]
    autocomplete_fields = ["department"]
