from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "项目与自评表"
    default_auto_field = "django.db.models.BigAutoField"
