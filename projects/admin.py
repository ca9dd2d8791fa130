from django.contrib import admin

from projects.models import (
    BudgetLine,
    Department,
    DepartmentAssignment,
    Evaluation,
    Indicator,
    Project,
)
from projects.text import ADMIN_TEXT_FIELDS


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    formfield_overrides = ADMIN_TEXT_FIELDS
    list_display = ["name", "parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    formfield_overrides = ADMIN_TEXT_FIELDS
    list_display = ["name", "department", "implementing_unit"]
    list_select_related = ["department", "implementing_unit"]
    search_fields = ["name"]
    autocomplete_fields = ["department", "implementing_unit"]


class BudgetLineInline(admin.TabularInline):
    formfield_overrides = ADMIN_TEXT_FIELDS
    model = BudgetLine
    extra = 0
    max_num = 4


class IndicatorInline(admin.TabularInline):
    formfield_overrides = ADMIN_TEXT_FIELDS
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
class EvaluationAdmin(admin.ModelAdmin):
    formfield_overrides = ADMIN_TEXT_FIELDS
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
    formfield_overrides = ADMIN_TEXT_FIELDS
    list_display = ["user", "department"]
    list_select_related = ["user", "department"]
    autocomplete_fields = ["department"]
