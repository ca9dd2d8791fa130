from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "绩效指标"
    default_auto_field = "django.db.models.BigAutoField"
