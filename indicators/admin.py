from django.contrib import admin

from indicators.models import Level1, Level2
from projects.text import ADMIN_TEXT_FIELDS


class Level2Inline(admin.TabularInline):
    formfield_overrides = ADMIN_TEXT_FIELDS
    model = Level2
    extra = 0


@admin.register(Level1)
class Level1Admin(admin.ModelAdmin):
    formfield_overrides = ADMIN_TEXT_FIELDS
    list_display = ["name", "position", "default_weight"]
    list_editable = ["position", "default_weight"]
    inlines = [Level2Inline]


@admin.register(Level2)
class Level2Admin(admin.ModelAdmin):
    formfield_overrides = ADMIN_TEXT_FIELDS
    list_display = ["name", "level1", "position"]
    list_filter = ["level1"]
    search_fields = ["name"]
