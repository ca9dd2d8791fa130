"""Dashboard URLs; selfeval/urls.py includes them under "dashboard/"."""

from django.urls import path

from projects import views_dashboard

urlpatterns = [
    path("", views_dashboard.dashboard, name="dashboard"),
    path("projects/<int:pk>/", views_dashboard.project_detail, name="dashboard_project"),
    path("indicators/", views_dashboard.indicator_library_page, name="dashboard_indicators"),
]
