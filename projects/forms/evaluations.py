"""Forms: turn what was typed into domain values (Decimal, tiers, 二级), without side effects.

The form page posts one HTML form made of three parts, bound together by
``EvaluationEditor``: the header (``EvaluationForm``), the four 项目资金 rows
(``BudgetLineForm``, prefixes ``budget-<kind>``) and the 三级 rows (a formset,
prefix ``indicator``). The same editor serves the page, the live recalculation,
the row actions (add / move / remove) and the save, so a form that fails
validation comes back exactly as typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from crispy_forms import layout
from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.models import AnonymousUser, User
from django.http import QueryDict

from indicators.checks import Code
from indicators.scoring import (
    BUDGET_LINE_LABELS,
    TIER_LABELS,
    BudgetLineKind,
    FormInput,
    FormResult,
    ScoringRules,
    Tier,
    suggest_indicator_score,
)
from projects.anchors import HEADER_ANCHOR, budget_line_anchor, row_anchor
from projects.models import (
    PROJECT_NAME_MAX,
    Department,
    Evaluation,
    Indicator,
    Project,
)
from projects.numbers import (  # noqa: F401 (the messages, for tests and templates)
    ERROR_COMMA,
    ERROR_MONEY_PLACES,
    ERROR_NEGATIVE,
    ERROR_NOT_A_NUMBER,
    ERROR_SCORE_PLACES,
    ERROR_TOO_LARGE,
    MONEY_MAX,
    SCORE_MAX,
    NumberError,
    parse_id,
    parse_number,
    plain,
)
from projects.rows import BUDGET_LINE, HEADER, INDICATOR, LEVEL2_LABEL, Column, Editor, Kind
from projects.scoring_input import RowValues, form_input, header_values
from projects.selectors.evaluations import (
    EvaluationFilters,
    Taxonomy,
    departments_for_user,
    evaluation_years,
    scoring_rules,
)
from projects.services.evaluations import (
    BudgetLineDraft,
    EvaluationDraft,
    IndicatorDraft,
)
from projects.text import CleanCharField

ERROR_LEVEL2 = "请从指标体系中选择二级指标"
ERROR_SCORE_OUT_OF_BAND = (
    "未保存：定性指标的得分须在所选档次的分数范围内（见标红的行）。您填写的内容都还在。"
)
ERROR_VERSION_MISSING = "页面已过期，请重新打开此表"
ERROR_TOO_MANY_ROWS = "三级指标最多 {max} 行"
ERROR_PROJECT_REQUIRED = "请选择项目，或填写新项目名称并选择单位"
ERROR_PROJECT_AND_NEW = "请选择已有项目或填写新项目名称，二者只选其一"
ERROR_UNIT_REQUIRED = "新项目需要选择所属单位"
ERROR_NO_PREVIOUS = "「{project}」没有 {year} 年度的自评表，无法从上年复制；请取消勾选后新建空白表"
ERROR_YEAR_REQUIRED = "请选择年度"
ERROR_YEAR_NOT_OPEN = "该年度未开放填报，请选择开放填报的年度"

MAX_ROWS = 300
INDICATOR_PREFIX = "indicator"


def decimal_text(value: Decimal | None) -> str:
    """A stored Decimal as a person would type it: "20", "23.380701", "" for none."""
    return plain(value)


class DecimalTextField(forms.CharField):
    """A number typed as text, read by ``projects.numbers.parse_number`` (its messages)."""

    def __init__(self, *, decimal_places: int, max_value: Decimal, places_message: str, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.decimal_places = decimal_places
        self.max_value = max_value
        self.places_message = places_message

    def to_python(self, value: object) -> Decimal | None:  # type: ignore[override]
        try:
            return parse_number(
                super().to_python(value),
                places=self.decimal_places,
                max_value=self.max_value,
                places_message=self.places_message,
            )
        except NumberError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


def money_field(**kwargs) -> DecimalTextField:
    return DecimalTextField(
        decimal_places=6, max_value=MONEY_MAX, places_message=ERROR_MONEY_PLACES, **kwargs
    )


def score_field(**kwargs) -> DecimalTextField:
    return DecimalTextField(
        decimal_places=2, max_value=SCORE_MAX, places_message=ERROR_SCORE_PLACES, **kwargs
    )


def _text_field(column: Column, field_class: type[CleanCharField] = CleanCharField):
    """The input of a text column: its label and limit; several lines for prose."""
    widget = {"widget": forms.Textarea} if column.kind == Kind.PROSE else {}
    return field_class(label=column.label, max_length=column.length, required=False, **widget)


def _declare(form_class: type[forms.Form], fields: dict[str, forms.Field]) -> None:
    """Give a form the fields built from ``projects.rows``, in this order."""
    form_class.base_fields = form_class.declared_fields = fields  # type: ignore[attr-defined]


class EvaluationForm(forms.Form):
    """The header of the form page and the 预算执行率 分值: the header's filler columns."""


_declare(
    EvaluationForm,
    {
        "version": forms.IntegerField(
            widget=forms.HiddenInput,
            error_messages={"required": ERROR_VERSION_MISSING, "invalid": ERROR_VERSION_MISSING},
        ),
        **{
            c.name: score_field(label=c.label) if c.kind == Kind.SCORE else _text_field(c)
            for c in HEADER.columns(Editor.FILLER)
        },
    },
)


class BudgetLineForm(forms.Form):
    """One row of the 项目资金（万元） block: its amounts."""


_declare(BudgetLineForm, {c.name: money_field() for c in BUDGET_LINE.columns(Editor.FILLER)})


class _Shared:
    """A field that every row form shares instead of copying.

    Django copies each field of a form for every instance; a row's fields are never
    changed per form (the 二级 is checked against the form's ``level2_ids``), and
    copying eleven fields for each row was most of the cost of binding the formset.
    """

    def __deepcopy__(self, memo):
        return self


class _SharedChar(_Shared, CleanCharField):
    pass


class _SharedInteger(_Shared, forms.IntegerField):
    pass


class _SharedBoolean(_Shared, forms.BooleanField):
    pass


class _SharedChoice(_Shared, forms.ChoiceField):
    pass


class _SharedDecimalText(_Shared, DecimalTextField):
    pass


def _row_score_field() -> DecimalTextField:
    return _SharedDecimalText(
        decimal_places=2, max_value=SCORE_MAX, places_message=ERROR_SCORE_PLACES
    )


class IndicatorRowForm(forms.Form):
    """One 三级 row: its id and the filler's columns of ``projects.rows.INDICATOR``.

    ``score_auto``: the 得分 follows the rule's suggestion (docs/rules.md).
    """

    def __init__(self, *args, level2_ids: frozenset[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.level2_ids = level2_ids

    def clean_level2(self) -> int:
        level2 = self.cleaned_data["level2"]
        if level2 not in self.level2_ids:
            raise forms.ValidationError(ERROR_LEVEL2, code="invalid_choice")
        return level2


def _row_field(column: Column) -> forms.Field:
    """The input of one filler column of a 三级 row."""
    if column.kind == Kind.SCORE:
        return _row_score_field()
    if column.kind == Kind.TIER:
        return _SharedChoice(
            choices=[("", "请选择档次"), *((tier.value, TIER_LABELS[tier]) for tier in Tier)],
            required=False,
        )
    if column.kind == Kind.DIRECTION:
        return _SharedChoice(choices=Indicator.DIRECTION_CHOICES, required=False)
    return _text_field(column, _SharedChar)


def _row_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        "id": _SharedInteger(required=False, widget=forms.HiddenInput),
        "level2": _SharedInteger(
            widget=forms.HiddenInput,
            error_messages={"required": ERROR_LEVEL2, "invalid": ERROR_LEVEL2},
        ),
    }
    for column in INDICATOR.columns(Editor.FILLER):
        fields[column.name] = _row_field(column)
        if column.name == "score":
            fields["score_auto"] = _SharedBoolean(required=False, widget=forms.HiddenInput)
    return fields


_declare(IndicatorRowForm, _row_fields())
# The inputs of a row on the page, as the formset names them ("indicator-<i>-<name>").
ROW_FIELDS = tuple(IndicatorRowForm.base_fields)


class BaseIndicatorFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        return dict(self.form_kwargs)


IndicatorFormSet = forms.formset_factory(
    IndicatorRowForm,
    formset=BaseIndicatorFormSet,
    extra=0,
    max_num=MAX_ROWS,
    absolute_max=MAX_ROWS,
    validate_max=True,
)


def _cleaned(form: forms.Form, name: str, default: object = None) -> object:
    """A field's clean value, or ``default`` while the field is invalid (live recalculation)."""
    return _valid_data(form).get(name, default)


def _valid_data(form: forms.Form) -> dict[str, object]:
    """The fields that validated, clean (an invalid field is left out: it counts as empty)."""
    return getattr(form, "cleaned_data", {})


class EvaluationEditor:
    """What the form page posts: header, 项目资金 rows and 三级 rows, bound together."""

    def __init__(self, data: Mapping[str, str], *, taxonomy: Taxonomy, evaluation: Evaluation):
        self.data = data
        self.taxonomy = taxonomy
        self.evaluation = evaluation
        self.header = EvaluationForm(data)
        self.budget = {
            kind: BudgetLineForm(data, prefix=f"budget-{kind.value}") for kind in BudgetLineKind
        }
        self.rows = IndicatorFormSet(
            data,
            prefix=INDICATOR_PREFIX,
            form_kwargs={"level2_ids": frozenset(taxonomy.by_id)},
            error_messages={
                "too_many_forms": ERROR_TOO_MANY_ROWS.format(max=MAX_ROWS),
                "missing_management_form": ERROR_VERSION_MISSING,
            },
        )
        self._valid: bool | None = None

    @staticmethod
    def posted(data: Mapping[str, str]) -> bool:
        """Whether ``data`` holds the form page's input (not only a button's version)."""
        return f"{INDICATOR_PREFIX}-TOTAL_FORMS" in data

    @classmethod
    def for_evaluation(
        cls, evaluation: Evaluation, *, taxonomy: Taxonomy, rules: ScoringRules
    ) -> EvaluationEditor:
        """The editor bound to the stored form, its rows in the taxonomy's order."""
        data: dict[str, str] = {
            "version": str(evaluation.version),
            **{c.name: _typed(evaluation, c) for c in HEADER.columns(Editor.FILLER)},
        }
        lines = {line.kind: line for line in evaluation.budget_lines.all()}
        for kind in BudgetLineKind:
            line = lines.get(kind.value)
            for column in BUDGET_LINE.columns(Editor.FILLER):
                data[f"budget-{kind.value}-{column.name}"] = _typed(line, column)
        rows = []
        for row in evaluation.indicators.all():
            level2 = taxonomy.by_id.get(row.level2_id)
            suggested = suggest_indicator_score(
                target=row.target,
                actual=row.actual,
                weight=row.weight,
                level2=level2.name if level2 else "",
                direction=row.direction,
                rules=rules,
            )
            auto = row.score is None or (suggested is not None and row.score == suggested)
            rows.append(
                {
                    "id": str(row.pk),
                    "level2": str(row.level2_id),
                    **{c.name: _typed(row, c) for c in INDICATOR.columns(Editor.FILLER)},
                    "score_auto": "1" if auto else "0",
                }
            )
        data.update(_row_data(sort_rows(rows, taxonomy)))
        return cls(data, taxonomy=taxonomy, evaluation=evaluation)

    # --- validation ------------------------------------------------------------

    def is_valid(self) -> bool:
        if self._valid is None:
            self._valid = all(
                [
                    self.header.is_valid(),
                    *(form.is_valid() for form in self.budget.values()),
                    self.rows.is_valid(),
                ]
            )
        return self._valid

    @property
    def row_forms(self) -> list[IndicatorRowForm]:
        return list(self.rows.forms)

    def input_errors(self) -> list[tuple[str, str]]:
        """(anchor, message) for every field that did not validate, in page order."""
        self.is_valid()
        errors = []
        for name, messages in self.header.errors.items():
            label = self.header.fields[name].label if name in self.header.fields else None
            anchor = (
                budget_line_anchor(BudgetLineKind.TOTAL)
                if name == "budget_weight"
                else HEADER_ANCHOR
            )
            errors += [(anchor, _labelled(label, m)) for m in messages]
        for kind, form in self.budget.items():
            for name, messages in form.errors.items():
                where = f"项目资金·{BUDGET_LINE_LABELS[kind]}·{_BUDGET_COLUMNS.get(name, name)}"
                errors += [(budget_line_anchor(kind), f"{where}：{m}") for m in messages]
        errors += [("indicators", str(m)) for m in self.rows.non_form_errors()]
        for index, form in enumerate(self.rows.forms):
            for name, messages in form.errors.items():
                column = _ROW_COLUMNS.get(name, name)
                errors += [
                    (row_anchor(index), f"第{index + 1}行·{_labelled(column, m)}") for m in messages
                ]
        return errors

    # --- what scoring and the save service need ------------------------------------

    def scoring_input(self) -> FormInput:
        """The input as typed, for the scoring service; invalid fields count as empty."""
        self.is_valid()
        header = header_values(self.evaluation)
        budget_weight = _cleaned(self.header, "budget_weight")
        if budget_weight is not None:
            header["budget_weight"] = budget_weight
        return form_input(
            header,
            {kind.value: _valid_data(form) for kind, form in self.budget.items()},
            (self._row_values(index, form) for index, form in enumerate(self.rows.forms)),
        )

    @cached_property
    def stored_rows(self) -> dict[int, Indicator]:
        """The form's saved rows by id (prefetched with the form)."""
        return {row.pk: row for row in self.evaluation.indicators.all()}

    def stored_row(self, form: IndicatorRowForm) -> Indicator | None:
        return self.stored_rows.get(_cleaned(form, "id"))  # type: ignore[arg-type]

    def _row_values(self, index: int, form: IndicatorRowForm) -> RowValues:
        data = _valid_data(form)
        level2 = self.taxonomy.by_id.get(data.get("level2"))  # type: ignore[arg-type]
        # The reviewer's 审核得分 counts over the filler's (docs/rules.md); a filler cannot
        # change it, so it comes from the saved row, not from the page.
        stored = self.stored_row(form)
        return RowValues(
            key=row_anchor(index),
            level1=level2.level1.name if level2 else "",
            level2=level2.name if level2 else "",
            values={
                **data,
                # An automatic 得分 is the rule's: scoring counts its suggestion.
                "score": None if data.get("score_auto", False) else data.get("score"),
                "review_score": stored.review_score if stored else None,
                "review_comment": stored.review_comment if stored else "",
            },
        )

    def draft(self, result: FormResult) -> EvaluationDraft:
        """The service's input. Only for a valid editor and its own scoring result."""
        assert self.is_valid()
        header = self.header.cleaned_data
        indicators = []
        for form, row in zip(self.rows.forms, result.indicators, strict=True):
            data = form.cleaned_data
            values = {name: data[name] for name in INDICATOR.names(Editor.FILLER)}
            values["level2"] = self.taxonomy.by_id[data["level2"]]
            values["score"] = row.suggested_score if data["score_auto"] else data["score"]
            indicators.append(IndicatorDraft(pk=data["id"], **values))
        return EvaluationDraft(
            **{name: header[name] for name in HEADER.names(Editor.FILLER)},
            budget_lines=tuple(
                BudgetLineDraft(kind=kind, **form.cleaned_data)
                for kind, form in self.budget.items()
            ),
            indicators=tuple(indicators),
        )

    @property
    def version(self) -> int:
        return _cleaned(self.header, "version") or 0  # type: ignore[return-value]


def _labelled(label: str | None, message: str) -> str:
    """ "label：message", unless the message names the field itself (「label」最多 … 字)."""
    if not label or str(message).startswith(f"「{label}」"):
        return str(message)
    return f"{label}：{message}"


_BUDGET_COLUMNS = BUDGET_LINE.labels()
_ROW_COLUMNS = {"level2": LEVEL2_LABEL, **INDICATOR.labels(), "id": "行标识"}


def _typed(instance: object, column: Column) -> str:
    """A stored field as the page's input shows it (numbers as a person types them)."""
    value = getattr(instance, column.name, None)
    return decimal_text(value) if column.kind in {Kind.MONEY, Kind.SCORE} else value


def has_out_of_band_score(result: FormResult) -> bool:
    """Whether a qualitative 得分 lies outside its tier's band: the save refuses it.

    The scoring service decides (``Code.QUALITATIVE_SCORE_OUT_OF_BAND``), so the
    page shows the same message live and after a refused save.
    """
    return any(finding.code == Code.QUALITATIVE_SCORE_OUT_OF_BAND for finding in result.errors)


# --- row actions: add, move, remove (rendered again by the server) ---------------


def _rows_from_data(data: Mapping[str, str]) -> list[dict[str, str]]:
    try:
        total = int(data.get(f"{INDICATOR_PREFIX}-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    total = max(0, min(total, MAX_ROWS))
    return [
        {name: data.get(f"{INDICATOR_PREFIX}-{index}-{name}", "") for name in ROW_FIELDS}
        for index in range(total)
    ]


def _row_data(rows: list[dict[str, str]]) -> dict[str, str]:
    data = {
        f"{INDICATOR_PREFIX}-TOTAL_FORMS": str(len(rows)),
        # Every row is a real row: none is an "extra" form that Django may skip as empty.
        f"{INDICATOR_PREFIX}-INITIAL_FORMS": str(len(rows)),
        f"{INDICATOR_PREFIX}-MIN_NUM_FORMS": "0",
        f"{INDICATOR_PREFIX}-MAX_NUM_FORMS": str(MAX_ROWS),
    }
    for index, row in enumerate(rows):
        for name in ROW_FIELDS:
            data[f"{INDICATOR_PREFIX}-{index}-{name}"] = row.get(name, "")
    return data


def _level2_of(row: dict[str, str]) -> int | None:
    return parse_id(row.get("level2"))


def sort_rows(rows: list[dict[str, str]], taxonomy: Taxonomy) -> list[dict[str, str]]:
    """Rows grouped by 二级 in the taxonomy's order; the order within a 二级 is kept."""
    last = len(taxonomy.order)
    return sorted(rows, key=lambda row: taxonomy.order.get(_level2_of(row), last))  # type: ignore[arg-type]


@dataclass(frozen=True)
class RowActionResult:
    data: QueryDict
    focus_index: int | None  # the row to put the cursor in (a new one)


def apply_row_action(
    data: QueryDict, action: str, taxonomy: Taxonomy, add_level2: str = ""
) -> RowActionResult:
    """Add a row under a 二级, move one up/down within its 二级, or remove one.

    ``action`` is "add:<level2 id>", "add" (with ``add_level2``), "up:<index>",
    "down:<index>" or "remove:<index>". Everything else in ``data`` is kept as typed.
    """
    rows = sort_rows(_rows_from_data(data), taxonomy)
    verb, _, argument = action.partition(":")
    focus = None
    index = parse_id(argument)  # a row's index, or the 二级 of "add"
    if verb == "add":
        level2_id = parse_id(argument or add_level2)
        if level2_id in taxonomy.by_id and len(rows) < MAX_ROWS:
            level2 = str(level2_id)
            rows.append({"level2": level2, "score_auto": "1"})
            rows = sort_rows(rows, taxonomy)
            # The new row is the last one of its 二级.
            focus = max(i for i, row in enumerate(rows) if row.get("level2") == level2)
    elif verb in {"up", "down", "remove"} and index is not None and index < len(rows):
        if verb == "remove":
            del rows[index]
        else:
            step = -1 if verb == "up" else 1
            other = index + step
            if 0 <= other < len(rows) and rows[other]["level2"] == rows[index]["level2"]:
                rows[index], rows[other] = rows[other], rows[index]
    new = data.copy()
    for key in [key for key in new if key.startswith(f"{INDICATOR_PREFIX}-")]:
        del new[key]
    for key, value in _row_data(rows).items():
        new[key] = value
    return RowActionResult(new, focus)


# --- creating a form ---------------------------------------------------------------


class EvaluationCreateForm(forms.Form):
    """Start a form: an existing project, or a new one under one of the user's units."""

    year = forms.TypedChoiceField(
        label="年度",
        coerce=int,
        error_messages={"required": ERROR_YEAR_REQUIRED, "invalid_choice": ERROR_YEAR_NOT_OPEN},
    )
    project = forms.ModelChoiceField(
        label="项目", queryset=Project.objects.none(), required=False, empty_label="（新项目）"
    )
    new_project_name = CleanCharField(
        label="新项目名称",
        max_length=PROJECT_NAME_MAX,
        required=False,
        help_text=f"最多 {PROJECT_NAME_MAX} 字",
    )
    unit = forms.ModelChoiceField(
        label="所属单位", queryset=Department.objects.none(), required=False
    )
    from_previous = forms.BooleanField(
        label="从上年自评表开始",
        required=False,
        help_text="复制项目信息、预期目标和全部三级指标及其年度指标值、分值；实际完成值、得分和原因留空",
    )

    def __init__(self, *args, projects, units, open_years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, f"{year}年度") for year in open_years]
        self.fields["project"].queryset = projects
        self.fields["unit"].queryset = units
        if not open_years:  # shown greyed out; the view still refuses a year that is not open
            self.fields["year"].widget.attrs["disabled"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template writes <form>, the CSRF token, the buttons
        self.helper.layout = layout.Layout(
            layout.Row(
                layout.Column("year", css_class="col-md-3"),
                layout.Column("project", css_class="col-md-9"),
                css_class="gx-3",
            ),
            layout.Fieldset(
                "或者：新项目",
                layout.Row(
                    layout.Column("new_project_name", css_class="col-md-7"),
                    layout.Column("unit", css_class="col-md-5"),
                    css_class="gx-3",
                ),
                css_class="se-fieldset border rounded px-3 pt-2 mb-3",
            ),
            "from_previous",
        )

    def clean(self):
        data = super().clean()
        project, name = data.get("project"), (data.get("new_project_name") or "").strip()
        if project and name:
            raise forms.ValidationError(ERROR_PROJECT_AND_NEW)
        if not project and not name:
            raise forms.ValidationError(ERROR_PROJECT_REQUIRED)
        if name and not data.get("unit"):
            self.add_error("unit", ERROR_UNIT_REQUIRED)
        data["new_project_name"] = name
        return data


def indicator_library_query(params: Mapping[str, str]) -> tuple[str, int | None]:
    """The search text and optional 二级 of a library lookup; anything odd is ignored."""
    query = (params.get("q") or "").strip()[:100]
    return query, parse_id(params.get("level2"))


ID_MAX = 2**63 - 1  # a bigger "id" is no form's, and too big for the database
HAS_ERRORS_CHOICES = [("", "全部"), ("yes", "有错误"), ("no", "无错误")]
HAS_HINTS_CHOICES = [("", "全部"), ("yes", "有审核提示"), ("no", "无审核提示")]


def forget_ignored(form: forms.Form) -> None:
    """Drop the values a list's filter form ignores (not a valid choice, too long), after
    ``is_valid()``: the filter bar then shows the filters that were applied (that field's
    "全部" or an empty search box), with no error marks."""
    if not form.errors:
        return
    form.data = form.data.copy()
    for name in list(form.errors):
        form.data.pop(form.add_prefix(name), None)
        del form.errors[name]


class EvaluationFilterForm(forms.Form):
    """The list's filters; a value that is not a valid choice is simply ignored.

    Built with ``for_user`` wherever the list's filters are read: the list page (GET),
    its Excel/ZIP download (GET) and the background jobs started from it (the same
    parameters POSTed, ``jobs.forms.SummaryJobForm``). ``filters()`` is what the
    selectors narrow the user's forms by.
    """

    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": "项目名称、部门或单位，多个词用空格分开"}),
    )
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    department = forms.TypedChoiceField(
        label="部门/单位", coerce=int, required=False, empty_value=None
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *Evaluation.Status.choices]
    )
    grade = forms.ChoiceField(label="等级", required=False)
    has_errors = forms.ChoiceField(label="检查", required=False, choices=HAS_ERRORS_CHOICES)
    has_hints = forms.ChoiceField(label="审核提示", required=False, choices=HAS_HINTS_CHOICES)
    # The list's ticked forms, "12,15,…" (its 导出所选 button); not a field of the bar.
    ids = forms.RegexField(
        regex=r"^\d+(,\d+)*$", required=False, max_length=10_000, widget=forms.HiddenInput
    )

    def __init__(self, *args, years: list[int], departments, grades: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "全部"), *((y, f"{y}年度") for y in years)]
        self.fields["department"].choices = [
            ("", "全部"),
            *(
                (d.pk, d.name if d.parent is None else f"{d.parent.name} / {d.name}")
                for d in departments
            ),
        ]
        self.fields["grade"].choices = [("", "全部"), *((g, g) for g in grades)]

    @cached_property
    def helper(self) -> FormHelper:
        """One row of small fields: the search box, then each choice (``{% crispy %}``)."""
        helper = FormHelper()
        helper.form_tag = False  # the template writes <form> and the buttons
        helper.label_class = "small mb-0"
        helper.layout = layout.Layout(
            *(
                layout.Column(
                    layout.Field(name, css_class="form-control-sm"), css_class="col-12 col-md-3"
                )
                if name == "q"
                else layout.Column(
                    layout.Field(name, css_class="form-select-sm"), css_class="col-6 col-md"
                )
                for name in self.fields
                if name != "ids"
            )
        )
        return helper

    @classmethod
    def for_user(
        cls,
        data: Mapping[str, str],
        user: User | AnonymousUser,
        *,
        years: list[int] | None = None,
        rules: ScoringRules | None = None,
    ) -> EvaluationFilterForm:
        """The form bound to ``data``, offering the years and departments ``user`` may see
        and the grades of the rules in force. A caller that has the years or the rules
        already passes them (the list page: no query twice)."""
        return cls(
            data,
            years=evaluation_years(user) if years is None else years,
            departments=departments_for_user(user).select_related("parent"),
            grades=[grade for grade, _ in (rules or scoring_rules()).grade_bands],
        )

    def filters(self) -> EvaluationFilters:
        self.is_valid()
        forget_ignored(self)
        data = self.cleaned_data
        has_errors = {"yes": True, "no": False}.get(data.get("has_errors") or "")
        has_hints = {"yes": True, "no": False}.get(data.get("has_hints") or "")
        return EvaluationFilters(
            year=data.get("year"),
            department=data.get("department"),
            status=data.get("status") or "",
            grade=data.get("grade") or "",
            has_errors=has_errors,
            has_hints=has_hints,
            query=(data.get("q") or "").strip(),
            ids=tuple(
                int(pk) for pk in (data.get("ids") or "").split(",") if pk and int(pk) <= ID_MAX
            ),
        )
