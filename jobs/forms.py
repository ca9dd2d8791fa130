from django import forms

from projects.forms import EvaluationFilterForm
from projects.imports import SUPPORTED_EXTENSIONS
from projects.imports.forms import MultipleFileField, MultipleFileInput

MAX_FILES = 1000
ERROR_TOO_MANY = f"一次最多上传 {MAX_FILES} 个文件"
ERROR_YEAR = "请选择年度"


class BulkFileField(MultipleFileField):
    """The import page's field, for hundreds of files at once."""

    def validate(self, value) -> None:
        if len(value) > MAX_FILES:
            raise forms.ValidationError(ERROR_TOO_MANY, code="too_many")
        if not value:
            super().validate(value)


class BulkImportForm(forms.Form):
    files = BulkFileField(
        label="文件", widget=MultipleFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)})
    )


class YearZipForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int, error_messages={"required": ERROR_YEAR})

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y}年度") for y in years]


ERROR_SUMMARY_YEAR = "没有该年度的自评表，或您无权查看"
ERROR_SUMMARY_DEPARTMENT = "没有该部门/单位，或您无权查看"
ERROR_SUMMARY_CHOICE = "筛选条件无效，请回到列表重新筛选"


class SummaryJobForm(EvaluationFilterForm):
    """The list's filters for a background Excel summary.

    The list ignores a value that is not a valid choice; a job must not (an unknown
    year would otherwise become every year), so every error is reported.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.error_messages["invalid_choice"] = {
                "year": ERROR_SUMMARY_YEAR,
                "department": ERROR_SUMMARY_DEPARTMENT,
            }.get(name, ERROR_SUMMARY_CHOICE)
