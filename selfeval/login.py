"""Sign-in with throttling: after repeated failures a username is refused from that address.

A small counter per username + client address, kept in the database
(``projects.models.LoginFailure``) so that every app-server process sees the same
count. Each sign-in first *reserves* an attempt with one conditional UPDATE (the row
is created first if missing); only a reserved attempt gets its password checked, so
parallel guesses cannot get past ``LOGIN_MAX_FAILURES`` within
``LOGIN_LOCKOUT_SECONDS``: the database serialises the UPDATEs of one row (a row lock
on PostgreSQL, the write lock on SQLite) and each one re-reads the count it tests.
A successful sign-in clears the counter; a window that has passed starts again.

The client address is REMOTE_ADDR unless ``TRUSTED_PROXY_COUNT`` says how many
reverse proxies in front of the app append to X-Forwarded-For (``client_address``).
A username locked from one address still signs in from any other, so nobody can lock
a user out everywhere by guessing. Django's own ``/admin/login/`` sends people here
(``admin_login``), so there is no unthrottled way in.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from projects.models import LoginFailure

ERROR_LOCKED = "登录失败次数过多，请 {minutes} 分钟后再试。"


def throttle_key(username: str, address: str) -> str:
    return hashlib.sha256(f"{username.strip().lower()}\n{address}".encode()).hexdigest()


def client_address(request: HttpRequest) -> str:
    """The address the sign-in came from.

    With ``TRUSTED_PROXY_COUNT`` = N > 0, the N-th entry from the right of
    X-Forwarded-For: each trusted proxy appends the address it was connected from, so
    everything to the left of that entry may have been written by the client. With 0
    (the default) the header is ignored. A missing or malformed entry falls back to
    REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    entries = [e for e in entries if e]
    if not entries:
        return remote
    candidate = entries[-proxies] if len(entries) >= proxies else entries[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _window_start():
    return timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def attempt_reserve(key: str) -> bool:
    """Count one attempt for ``key`` before its password is checked; False: locked.

    One conditional UPDATE, atomic on its own: a counter whose window has passed
    starts again at 1, one below the limit goes up by one, one at the limit is left
    alone (no row updated).
    """
    now = timezone.now()
    window_start = _window_start()
    LoginFailure.objects.bulk_create(
        [LoginFailure(key=key, failures=0, first_at=now)], ignore_conflicts=True
    )
    expired = Q(first_at__lt=window_start)
    return bool(
        LoginFailure.objects.filter(
            Q(key=key) & (expired | Q(failures__lt=settings.LOGIN_MAX_FAILURES))
        ).update(
            failures=Case(When(expired, then=Value(1)), default=F("failures") + 1),
            first_at=Case(When(expired, then=Value(now)), default=F("first_at")),
        )
    )


def attempt_clear(key: str) -> None:
    LoginFailure.objects.filter(key=key).delete()


class ThrottledAuthenticationForm(AuthenticationForm):
    locked = False

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()  # a field is missing: no password is checked
        address = client_address(self.request) if self.request else ""
        key = throttle_key(username, address)
        if not attempt_reserve(key):
            self.locked = True
            minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
            raise ValidationError(ERROR_LOCKED.format(minutes=minutes), code="locked")
        cleaned = super().clean()  # a wrong password keeps the attempt counted
        attempt_clear(key)
        return cleaned


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked:
            response.status_code = 429
        return response


def admin_login(request: HttpRequest) -> HttpResponse:
    """Django admin's sign-in page: the app's throttled one, then back to the admin."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
