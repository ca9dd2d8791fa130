"""The upload form of the import page: one or many files, checked per file later."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from projects.imports import SUPPORTED_EXTENSIONS

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
