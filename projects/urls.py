from django.urls import path

from projects import views

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
    path(
        "evaluations/<int:pk>/next-year/",
        views.evaluation_create_from_previous_view,
        name="evaluation_create_from_previous",
    ),
    path("indicators/library/", views.indicator_library_view, name="indicator_library"),
]
