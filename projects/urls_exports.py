"""Download URLs; included by selfeval/urls.py next to projects.urls."""

from django.urls import path

from projects import views_exports

urlpatterns = [
    path(
        "evaluations/<int:pk>/export/<slug:kind>/",
        views_exports.evaluation_export,
        name="evaluation_export",
    ),
    path(
        "evaluations/export/<slug:kind>/",
        views_exports.evaluations_export,
        name="evaluations_export",
    ),
]
