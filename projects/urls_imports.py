"""The import page; the project's URLconf includes it under ``imports/``."""

from django.urls import path

from projects import views_imports

app_name = "imports"

urlpatterns = [
    path("", views_imports.import_upload, name="upload"),
    path("<slug:token>/", views_imports.import_preview, name="preview"),
    path("<slug:token>/confirm/", views_imports.import_confirm, name="confirm"),
    path("<slug:token>/cancel/", views_imports.import_cancel, name="cancel"),
]
