"""系统管理 (admins only): users, departments and years."""

from django.urls import path

from projects import views_manage

app_name = "manage"

urlpatterns = [
    path("users/", views_manage.user_list, name="users"),
    path("users/new/", views_manage.user_create_view, name="user_create"),
    path("users/<int:pk>/", views_manage.user_edit_view, name="user_edit"),
    path("users/<int:pk>/password/", views_manage.user_password_view, name="user_password"),
    path("departments/", views_manage.department_list, name="departments"),
    path("departments/new/", views_manage.department_create_view, name="department_create"),
    path("departments/<int:pk>/", views_manage.department_edit_view, name="department_edit"),
    path(
        "departments/<int:pk>/delete/",
        views_manage.department_delete_view,
        name="department_delete",
    ),
    path("years/", views_manage.year_list, name="years"),
    path("years/new/", views_manage.year_create_view, name="year_create"),
    path("years/<int:pk>/", views_manage.year_edit_view, name="year_edit"),
]
