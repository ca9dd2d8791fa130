from django.urls import path

from projects import views, views_workflow

urlpatterns = [
    path("", views.home, name="home"),
    path("evaluations/new/", views.evaluation_create_view, name="evaluation_create"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/save/", views.evaluation_save, name="evaluation_save"),
    path(
        "evaluations/<int:pk>/recalculate/",
        views.evaluation_recalculate,
        name="evaluation_recalculate",
    ),
    path("evaluations/<int:pk>/rows/", views.evaluation_rows, name="evaluation_rows"),
    path("evaluations/<int:pk>/print/", views.evaluation_print, name="evaluation_print"),
    path("evaluations/<int:pk>/history/", views.evaluation_history, name="evaluation_history"),
    path(
        "evaluations/<int:pk>/next-year/",
        views.evaluation_create_from_previous_view,
        name="evaluation_create_from_previous",
    ),
    path(
        "evaluations/<int:pk>/submit/",
        views_workflow.evaluation_submit_view,
        name="evaluation_submit",
    ),
    path(
        "evaluations/<int:pk>/review/",
        views_workflow.evaluation_review_view,
        name="evaluation_review",
    ),
    path(
        "evaluations/<int:pk>/return/",
        views_workflow.evaluation_return_view,
        name="evaluation_return",
    ),
    path(
        "evaluations/<int:pk>/approve/",
        views_workflow.evaluation_approve_view,
        name="evaluation_approve",
    ),
    path(
        "evaluations/<int:pk>/reopen/",
        views_workflow.evaluation_reopen_view,
        name="evaluation_reopen",
    ),
    path("indicators/library/", views.indicator_library_view, name="indicator_library"),
]
