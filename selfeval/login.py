"""Sign-in with throttling: after repeated failures a username is refused from that address.

A small counter per username + client address, kept in the database
(``projects.models.LoginFailure``) so that every app-server process sees the same
count: ``LOGIN_MAX_FAILURES`` wrong passwords within ``LOGIN_LOCKOUT_SECONDS`` lock
that pair until the window has passed; a successful sign-in clears it. The address
is REMOTE_ADDR: behind a proxy that is the proxy's, and the count is then per
username, which still stops guessing one account's password.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from projects.models import LoginFailure

ERROR_LOCKED = "登录失败次数过多，请 {minutes} 分钟后再试。"


def throttle_key(username: str, address: str) -> str:
    return hashlib.sha256(f"{username.strip().lower()}\n{address}".encode()).hexdigest()


def _window_start():
    return timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def is_locked(key: str) -> bool:
    return LoginFailure.objects.filter(
        key=key, first_at__gte=_window_start(), failures__gte=settings.LOGIN_MAX_FAILURES
    ).exists()


@transaction.atomic
def failure_record(key: str) -> None:
    """Count one failure; a window that has passed starts again."""
    failure, created = LoginFailure.objects.select_for_update().get_or_create(
        key=key, defaults={"failures": 1}
    )
    if created:
        return
    if failure.first_at < _window_start():
        LoginFailure.objects.filter(key=key).update(failures=1, first_at=timezone.now())
    else:
        LoginFailure.objects.filter(key=key).update(failures=F("failures") + 1)


class ThrottledAuthenticationForm(AuthenticationForm):
    locked = False

    def clean(self):
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        key = throttle_key(self.data.get("username", ""), address)
        if is_locked(key):
            self.locked = True
            minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
            raise ValidationError(ERROR_LOCKED.format(minutes=minutes), code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            failure_record(key)
            raise
        LoginFailure.objects.filter(key=key).delete()
        return cleaned


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked:
            response.status_code = 429
        return response
