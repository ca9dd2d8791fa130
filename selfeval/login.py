"""Sign-in with throttling: after repeated failures a username is refused from that address.

A small counter per username + client address in Django's cache (no extra package):
``LOGIN_MAX_FAILURES`` wrong passwords within ``LOGIN_LOCKOUT_SECONDS`` lock that pair
until the window has passed; a successful sign-in clears it. The address is
REMOTE_ADDR: behind a proxy that is the proxy's, unless the proxy passes the client's
on (then the count is per username, which still stops guessing one account).

With several app-server processes the cache must be shared between them (CACHES, e.g.
Django's database cache) or each process counts on its own.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import ValidationError

ERROR_LOCKED = "登录失败次数过多，请 {minutes} 分钟后再试。"


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}\n{address}".encode()).hexdigest()
    return f"login-failures:{digest[:32]}"


class ThrottledAuthenticationForm(AuthenticationForm):
    locked = False

    def _throttle_key(self) -> str:
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return _key(self.data.get("username", ""), address)

    def clean(self):
        key, limit = self._throttle_key(), settings.LOGIN_MAX_FAILURES
        if cache.get(key, 0) >= limit:
            self.locked = True
            minutes = max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)
            raise ValidationError(ERROR_LOCKED.format(minutes=minutes), code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            # add() starts the window on the first failure; incr() keeps its expiry.
            cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
            raise
        cache.delete(key)
        return cleaned


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked:
            response.status_code = 429
        return response
