from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from projects.decorators import named, post_only
from selfeval.health import healthz
from selfeval.login import ThrottledLoginView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", post_only(named("home"))(auth_views.LogoutView.as_view()), name="logout"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("projects.urls_dashboard")),
    path("imports/", include("projects.urls_imports")),
    path("jobs/", include("jobs.urls")),
    path("manage/", include("projects.urls_manage")),
    path("", include("projects.urls_exports")),
    path("", include("projects.urls")),
]
