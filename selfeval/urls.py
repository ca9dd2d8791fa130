from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from projects.decorators import named, post_only
from selfeval.health import healthz
from selfeval.login import ThrottledLoginView, admin_login
from selfeval.passwords import PasswordChangeView

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", post_only(named("home"))(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    # Django admin's own sign-in is not throttled: it sends people to the app's.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("jobs/", include("jobs.urls")),
    path("", include("projects.urls")),
]
