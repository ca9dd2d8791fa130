from crispy_forms.bootstrap import FieldWithButtons, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms

from projects.forms.evaluations import EvaluationFilterForm
from projects.forms.imports import MultipleFileField, MultipleFileInput
from projects.imports import SUPPORTED_EXTENSIONS

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


def input_group_helper(form: forms.Form, submit: str) -> FormHelper:
    """The jobs page's cards: the form's one field and its submit button in one input group.

    The template writes the ``<form>`` tag (its action) and the CSRF token; the field's
    label is not shown but read by screen readers (``aria-label``).
    """
    [(name, field)] = form.fields.items()
    helper = FormHelper()
    helper.form_tag = False
    helper.form_show_labels = False
    helper.layout = Layout(
        FieldWithButtons(
            Field(name, aria_label=field.label),
            StrictButton(submit, type="submit", css_class="btn-primary"),
            css_id=f"div_{form[name].auto_id}",  # as crispy names every other field's wrapper
        )
    )
    return helper


class BulkImportForm(forms.Form):
    files = BulkFileField(
        label="文件", widget=MultipleFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = input_group_helper(self, "开始导入")


class YearZipForm(forms.Form):
    """The year of a card on the jobs page (ZIP, Excel summary); ``submit`` is its button.

    The page shows two, each made with its own ``auto_id`` so that the ids stay unique.
    """

    year = forms.TypedChoiceField(label="年度", coerce=int, error_messages={"required": ERROR_YEAR})

    def __init__(self, *args, years: list[int], submit: str = "开始打包", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y}年度") for y in years]
        self.helper = input_group_helper(self, submit)


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
