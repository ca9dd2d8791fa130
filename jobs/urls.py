"""Long jobs; selfeval/urls.py includes them under ``jobs/``."""

from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("year-zip/", views.year_zip_start, name="year_zip"),
    path("xlsx-summary/", views.xlsx_summary_start, name="xlsx_summary"),
    path("year-report/", views.year_report_start, name="year_report"),
    path("import/", views.bulk_import_start, name="bulk_import"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/progress/", views.job_progress, name="progress"),
    path("<int:pk>/download/", views.job_download, name="download"),
]
