"""The admin's forms for users, departments and years (``projects.views.manage``).

Each form only reads and checks input; ``projects.services.manage`` writes it. Every
message is Chinese and names what to fix; a refused form keeps what was typed.
The templates render them with crispy-forms (Bootstrap 5): ``{% crispy form %}`` where the
form's ``helper`` lays the fields out (``UserForm``'s choices, ``UserFilterForm``'s row),
``{{ form|crispy }}`` for the others; the template writes the ``<form>`` tag, the CSRF token
and the buttons.
"""

from __future__ import annotations

from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

from projects.forms.evaluations import forget_ignored
from projects.models import Department, Project, ReportingYear
from projects.roles import Role
from projects.services.manage import department_move_problem
from projects.text import CleanCharField
from selfeval.passwords import PASSWORD_RULES

ROLE_CHOICES = [(role.value, role.value) for role in Role]
ERROR_USERNAME_TAKEN = "用户名「{username}」已被使用"
ERROR_USERNAME = "用户名只能包含字母、数字和 @ . + - _，不超过 150 个字符"
ERROR_ROLE_REQUIRED = "请选择一个角色"
ERROR_DEPARTMENTS_REQUIRED = "填报人和审核人至少要分配一个部门或单位"
ERROR_PASSWORDS_DIFFER = "两次输入的密码不一致"
ERROR_DEPARTMENT_NAME_TAKEN = "已有同名的{kind}「{name}」"
ERROR_PARENT_HAS_UNITS = "「{name}」下还有实施单位，不能再归入其他主管部门"
ERROR_MERGE_INTO_REQUIRED = "请选择要并入（保留）的部门/单位"
ERROR_MERGE_INTO_INVALID = "所选部门/单位不存在或不能与它合并，请重新选择"
ERROR_YEAR_RANGE = "年度应在 2000 至 2100 之间"
ERROR_YEAR_TAKEN = "{year}年度已经登记过"
ROLE_HELP = (
    "填报人：填写所分配部门/单位的自评表；审核人：审核所分配部门/单位的自评表；"
    "管理员：查看全部，管理用户、部门和年度，导入导出。一个账号只有一个角色，填报人不能审核自己的表。"
)


STATE_CHOICES = [("", "全部"), ("active", "启用"), ("inactive", "停用")]
USER_QUERY_MAX = 100


class UserFilterForm(forms.Form):
    """The user list's search and filters (GET): a longer search is cut, a value that is
    not a valid choice is ignored."""

    q = forms.CharField(
        label="用户名或姓名",
        required=False,
        widget=forms.SearchInput(attrs={"maxlength": USER_QUERY_MAX}),
    )
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部"), *ROLE_CHOICES])
    state = forms.ChoiceField(label="状态", required=False, choices=STATE_CHOICES)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "user-%s")
        super().__init__(*args, **kwargs)

    @cached_property
    def helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False  # the template writes <form> and the buttons
        helper.label_class = "small"
        helper.layout = Layout(
            Column(Field("q", css_class="form-control-sm"), css_class="col-md-4"),
            Column(Field("role", css_class="form-select-sm"), css_class="col-md-3"),
            Column(Field("state", css_class="form-select-sm"), css_class="col-md-2"),
        )
        return helper

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:USER_QUERY_MAX]

    def values(self) -> tuple[str, str, str]:
        """The search text, the role and the state (active/inactive) to list; "" is all."""
        self.is_valid()
        forget_ignored(self)
        data = self.cleaned_data
        return data.get("q", ""), data.get("role", ""), data.get("state", "")


class UserForm(forms.Form):
    """A user's account: name, one role, the departments of that role, active or not.

    ``instance`` None creates a user, and then an initial password is required.
    """

    username = CleanCharField(
        label="用户名",
        max_length=150,
        help_text="登录时使用，创建后不能修改",
        error_messages={"required": "请填写用户名"},
    )
    first_name = CleanCharField(
        label="姓名/显示名", max_length=150, required=False, help_text="显示在页面和修改记录中"
    )
    role = forms.ChoiceField(
        label="角色",
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        help_text=ROLE_HELP,
        error_messages={"required": ERROR_ROLE_REQUIRED, "invalid_choice": ERROR_ROLE_REQUIRED},
    )
    departments = forms.ModelMultipleChoiceField(
        label="部门/单位",
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="分配到主管部门即包括其下全部实施单位；管理员可查看全部，无需分配",
        error_messages={"invalid_choice": "所选部门不存在，请刷新页面后重试"},
    )
    is_active = forms.BooleanField(
        label="启用", required=False, initial=True, help_text="停用的账号不能登录，修改记录保留"
    )
    password1 = forms.CharField(
        label="初始密码", strip=False, required=False, widget=forms.PasswordInput
    )
    password2 = forms.CharField(
        label="再次输入密码",
        strip=False,
        required=False,
        widget=forms.PasswordInput,
        help_text=PASSWORD_RULES,
    )

    def __init__(self, *args, instance: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        # Tree order: each 主管部门, then its 实施单位.
        self.fields["departments"].queryset = Department.objects.select_related("parent").order_by(
            Coalesce("parent__name", "name"), F("parent").asc(nulls_first=True), "name"
        )
        if instance is not None:
            del self.fields["password1"], self.fields["password2"]
            self.fields["username"].disabled = True
        else:
            self.fields["password1"].required = True
            self.fields["password2"].required = True
            self.fields["password1"].error_messages["required"] = "请设置初始密码"
            self.fields["password2"].error_messages["required"] = "请再次输入密码"
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template writes <form>, the CSRF token, the buttons
        self.helper.layout = Layout(
            "username",
            "first_name",
            # The inline variants put the error under all the choices, not in the last
            # one; the departments are still one per line, in a box that scrolls when
            # the list is long (.se-choices in static/css/selfeval.css).
            InlineRadios("role", wrapper_class="se-choices"),
            InlineCheckboxes("departments", wrapper_class="se-choices se-choices-scroll"),
            "is_active",
            *(name for name in ("password1", "password2") if name in self.fields),
        )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if self.instance is not None:
            return self.instance.username
        try:
            User.username_validator(username)
        except ValidationError as exc:
            raise ValidationError(ERROR_USERNAME) from exc
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(ERROR_USERNAME_TAKEN.format(username=username))
        return username

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Role.ADMIN:
            data["departments"] = Department.objects.none()
        elif role and not data.get("departments"):
            self.add_error("departments", ERROR_DEPARTMENTS_REQUIRED)
        if self.instance is None:
            first, second = data.get("password1"), data.get("password2")
            if first and second and first != second:
                self.add_error("password2", ERROR_PASSWORDS_DIFFER)
            elif first:
                probe = User(username=data.get("username", ""), first_name=data.get("first_name"))
                try:
                    password_validation.validate_password(first, probe)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return data


class PasswordResetForm(forms.Form):
    """The admin sets a new password for a user (who should change it at first login)."""

    password1 = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "请填写新密码"},
    )
    password2 = forms.CharField(
        label="再次输入新密码",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "请再次输入新密码"},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second:
            if first != second:
                self.add_error("password2", ERROR_PASSWORDS_DIFFER)
            else:
                try:
                    password_validation.validate_password(first, self.user)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return data


class DepartmentForm(forms.ModelForm):
    """A 主管部门 (no parent) or an 实施单位 under one; two levels only."""

    class Meta:
        model = Department
        fields = ["name", "parent"]
        field_classes = {"name": CleanCharField}
        labels = {"name": "名称", "parent": "所属主管部门"}
        help_texts = {"parent": "留空表示这是一个主管部门；选择主管部门表示这是它下属的实施单位"}
        error_messages = {"name": {"required": "请填写名称"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Department.objects.filter(parent__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = "（无：这是主管部门）"
        self.fields["parent"].error_messages["invalid_choice"] = "所选主管部门不存在，请重新选择"

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self):
        data = super().clean()
        name, parent = data.get("name"), data.get("parent")
        if self.instance.pk and parent is not None and self.instance.units.exists():
            self.add_error("parent", ERROR_PARENT_HAS_UNITS.format(name=self.instance.name))
        elif "parent" in data and (problem := department_move_problem(self.instance, parent)):
            self.add_error("parent", problem)
        if name:
            same = Department.objects.filter(
                Q(parent=parent) if parent else Q(parent__isnull=True), name=name
            ).exclude(pk=self.instance.pk)
            if same.exists():
                kind = "实施单位" if parent else "主管部门"
                self.add_error("name", ERROR_DEPARTMENT_NAME_TAKEN.format(kind=kind, name=name))
        return data

    def validate_unique(self) -> None:
        """Uniqueness is checked in ``clean`` with a message that names the clash."""


class DepartmentMergeForm(forms.Form):
    """Which department ``merged`` is merged into (the one kept).

    The choices are those the merge allows: another 主管部门 for a 主管部门, another
    实施单位 of the same 主管部门 for an 实施单位 (``services.manage.department_merge_plan``).
    """

    into = forms.ModelChoiceField(
        label="并入（保留的部门/单位）",
        queryset=Department.objects.none(),
        empty_label="（请选择）",
        error_messages={
            "required": ERROR_MERGE_INTO_REQUIRED,
            "invalid_choice": ERROR_MERGE_INTO_INVALID,
        },
    )

    def __init__(self, *args, merged: Department, **kwargs):
        kwargs.setdefault("auto_id", "merge-%s")
        super().__init__(*args, **kwargs)
        self.merged = merged
        siblings = (
            Department.objects.filter(parent__isnull=True)
            if merged.parent_id is None
            else Department.objects.filter(parent_id=merged.parent_id)
        )
        self.fields["into"].queryset = siblings.exclude(pk=merged.pk).order_by("name")
        self.fields["into"].help_text = (
            f"保留所选的部门/单位及其名称；「{merged.name}」的项目（连同自评表）、实施单位和"
            f"用户分配移到它那里，然后删除「{merged.name}」"
        )


class ReportingYearForm(forms.ModelForm):
    class Meta:
        model = ReportingYear
        fields = ["year", "is_open", "deadline", "note"]
        field_classes = {"note": CleanCharField}
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "is_open": "开放时，填报人可以新建本年度的自评表并修改、提交草稿；截止后本年度的表对填报人只读，审核照常进行",
            "deadline": "显示给填报人；到期不会自动截止，由管理员取消“开放填报”",
        }
        error_messages = {
            "year": {
                "required": "请填写年度",
                "invalid": ERROR_YEAR_RANGE,
                "min_value": ERROR_YEAR_RANGE,
                "max_value": ERROR_YEAR_RANGE,
            },
            "deadline": {"invalid": "日期格式应为 年-月-日，例如 2025-03-31"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["year"].disabled = True

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not self.instance.pk and ReportingYear.objects.filter(year=year).exists():
            raise ValidationError(ERROR_YEAR_TAKEN.format(year=year))
        return year

    def validate_unique(self) -> None:
        """Uniqueness is checked in ``clean_year`` with a Chinese message."""


# --- 自评任务 ----------------------------------------------------------------------

_DEADLINE = forms.DateField(
    label="截止日期",
    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    error_messages={
        "required": "请填写截止日期",
        "invalid": "日期格式应为 年-月-日，例如 2025-03-31",
    },
)


class TaskDeadlineForm(forms.Form):
    """按上年度下达: only the deadline (the year is the page's)."""

    deadline = _DEADLINE


class TaskForm(forms.Form):
    """A task picked by hand: a project and its deadline."""

    project = forms.ModelChoiceField(
        label="项目",
        queryset=Project.objects.select_related("department"),
        error_messages={"required": "请选择项目", "invalid_choice": "所选项目不存在"},
    )
    deadline = _DEADLINE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].label_from_instance = lambda p: f"{p.department.name} / {p.name}"


class TaskUploadForm(forms.Form):
    """The 任务清单 (.xlsx) to upload."""

    file = forms.FileField(
        label="任务清单（.xlsx）",
        help_text="第一张工作表，表头为 主管部门、实施单位（可选）、项目名称、截止日期",
        error_messages={"required": "请选择要上传的 Excel 文件", "empty": "上传的文件是空的"},
    )
