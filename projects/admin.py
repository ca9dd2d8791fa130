from django.contrib import admin
from django.db import models

from projects.forms import money_field, score_field
from projects.models import (
    BudgetLine,
    Department,
    DepartmentAssignment,
    Evaluation,
    Indicator,
    Project,
)


class TypedNumbersMixin:
    """Amounts and scores typed here are read like the form page's (projects.numbers):
    Django's own DecimalField would take "1e3" for 1000."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField) and db_field.decimal_places in {2, 6}:
            make = money_field if db_field.decimal_places == 6 else score_field
            return make(
                label=db_field.verbose_name.capitalize(),
                required=not db_field.blank,
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "department", "implementing_unit"]
    list_select_related = ["department", "implementing_unit"]
    search_fields = ["name"]
    autocomplete_fields = ["department", "implementing_unit"]


class BudgetLineInline(TypedNumbersMixin, admin.TabularInline):
    model = BudgetLine
    extra = 0
    max_num = 4


class IndicatorInline(TypedNumbersMixin, admin.TabularInline):
    model = Indicator
    extra = 0
    fields = [
        "position",
        "level2",
        "name",
        "target",
        "actual",
        "weight",
        "score",
        "tier",
        "override_reason",
        "deviation_reason",
        "review_score",
        "review_comment",
    ]
    ordering = ["position", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("level2", "level2__level1")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "level2":
            from indicators.models import Level2

            kwargs["queryset"] = Level2.objects.select_related("level1")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Evaluation)
class EvaluationAdmin(TypedNumbersMixin, admin.ModelAdmin):
    list_display = ["project", "year", "status", "legacy", "updated_at"]
    list_filter = ["year", "status", "legacy"]
    list_select_related = ["project"]
    search_fields = ["project__name"]
    autocomplete_fields = ["project"]
    readonly_fields = ["version", "created_at", "updated_at", "created_by"]
    inlines = [BudgetLineInline, IndicatorInline]

    def save_formset(self, request, form, formset, change):
        # Keep the parsed 年度指标值/实际完成值 in step with what was typed here too.
        from projects.services import indicator_refresh_parsed

        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Indicator):
                indicator_refresh_parsed(instance)
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        # An edit here is a write path like any other: the stored summary (dashboard,
        # list, Excel summary) follows it in the same transaction.
        from projects.summaries import evaluation_summary_refresh

        super().save_related(request, form, formsets, change)
        evaluation_summary_refresh(form.instance)


@admin.register(DepartmentAssignment)
class DepartmentAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "department"]
    list_select_related = ["user", "department"]
    autocomplete_fields = ["department"]
