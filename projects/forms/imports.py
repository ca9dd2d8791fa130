"""The import page's forms: the upload (one or many files, checked per file later), and
what a previewed file's unknown 一级/二级 stand for."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from projects.imports import SUPPORTED_EXTENSIONS
from projects.imports.levels import ADD, UnknownLevel

MAX_FILES = 50
ERROR_NO_FILE = "请选择要导入的文件（Word、Excel、PDF 或 .json）"
ERROR_TOO_MANY = f"一次最多上传 {MAX_FILES} 个文件，请分批导入"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.Field):
    """Every selected file, as UploadedFile objects.

    Unlike ``forms.FileField`` an empty or odd file does not invalidate the whole
    upload: each file gets its own verdict in the preview.
    """

    widget = MultipleFileInput

    def to_python(self, data) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [item for item in files if isinstance(item, UploadedFile)]

    def validate(self, value: list[UploadedFile]) -> None:
        if not value:
            raise forms.ValidationError(ERROR_NO_FILE, code="required")
        if len(value) > MAX_FILES:
            raise forms.ValidationError(ERROR_TOO_MANY, code="too_many")


class ImportUploadForm(forms.Form):
    files = MultipleFileField(
        label="选择文件（可多选）",
        widget=MultipleFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)}),
    )


ERROR_LEVELS_STALE = (
    "这个文件需要对应的指标分类已有变化（可能在另一个窗口中已经选择，或指标体系已修改），"
    "请按页面上现在的列表重新选择"
)
ERROR_LEVELS_NONE_CHOSEN = "请至少为一个名称选择对应的指标"
ERROR_LEVELS_NOT_IN_TAXONOMY = (
    "{label}不能对应到「%(value)s」：{where}没有这个名称，请从列表中选择（可选：{options}）"
)


class LevelMappingForm(forms.Form):
    """What each unknown 一级/二级 of one previewed file stands for (``imports.levels``).

    One choice per unknown name, ``to-<n>``: an existing name, ``levels.ADD``, or
    blank (not now). ``name-<n>`` echoes the name the page asked about, so a page
    older than the preview (another tab, a changed taxonomy) is refused, not misapplied.
    """

    def __init__(self, data, *, unknowns: list[UnknownLevel]) -> None:
        super().__init__(data)
        self.unknowns = unknowns
        for number, unknown in enumerate(unknowns):
            message = ERROR_LEVELS_NOT_IN_TAXONOMY.format(
                label=unknown.label,
                where=f"指标体系中「{unknown.level1}」下"
                if unknown.level2
                else "指标体系的一级指标中",
                options="、".join(unknown.options) or "无",
            )
            self.fields[f"to-{number}"] = forms.ChoiceField(
                choices=[("", ""), *((name, name) for name in unknown.options), (ADD, ADD)],
                required=False,
                error_messages={"invalid_choice": message},
            )
            self.fields[f"name-{number}"] = forms.CharField(required=False, strip=False)

    @property
    def adds(self) -> bool:
        """Whether the POST asks to add a name to the taxonomy (checked before anything else)."""
        return any(self.data.get(f"to-{n}") == ADD for n in range(len(self.unknowns)))

    def clean(self):
        data = super().clean()
        posted_names = [key for key in self.data if key.startswith("name-")]
        if len(posted_names) != len(self.unknowns) or any(
            data.get(f"name-{n}") != unknown.key for n, unknown in enumerate(self.unknowns)
        ):
            raise forms.ValidationError(ERROR_LEVELS_STALE, code="stale")
        if not self.errors and not self.choices():
            raise forms.ValidationError(ERROR_LEVELS_NONE_CHOSEN, code="none_chosen")
        return data

    def choices(self) -> dict[tuple[str, str], str]:
        """{(一级, 二级): the choice} for every name given one (after ``is_valid``)."""
        return {
            (unknown.level1, unknown.level2): self.cleaned_data[f"to-{n}"]
            for n, unknown in enumerate(self.unknowns)
            if self.cleaned_data.get(f"to-{n}")
        }
