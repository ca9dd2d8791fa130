"""Security basics of issue 4: login throttling, session expiry, CSRF on state changes."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import LoginFailure
from selfeval import settings as project_settings
from selfeval.login import ERROR_LOCKED

pytestmark = pytest.mark.django_db


def _login(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_login_is_throttled_after_repeated_failures(client, filler_a, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        assert _login(client, "filler_a", "wrong").status_code == 200
    response = _login(client, "filler_a", "pw-filler_a")  # even the right password now
    assert response.status_code == 429
    assert ERROR_LOCKED.format(minutes=15) in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address, or another username from this one, is not locked.
    assert _login(Client(), "filler_a", "pw-filler_a", address="10.0.0.2").status_code == 302
    assert _login(client, "filler_b", "wrong").status_code == 200


def test_a_successful_login_clears_the_count(client, filler_a, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        _login(client, "filler_a", "wrong")
    assert _login(client, "filler_a", "pw-filler_a").status_code == 302
    client.logout()
    for _ in range(2):
        _login(client, "filler_a", "wrong")
    assert _login(client, "filler_a", "pw-filler_a").status_code == 302


def test_sessions_expire():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    # The tests swap in a fast hasher (tests/conftest.py): read what the project declares.
    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


def test_state_changes_need_the_csrf_token(filler_a, evaluation_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(filler_a)
    response = client.post(reverse("evaluation_submit", args=[evaluation_a.pk]), {"version": 1})
    assert response.status_code == 403
    evaluation_a.refresh_from_db()
    assert evaluation_a.status == "draft"


def test_the_window_passes(client, filler_a, settings):
    settings.LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        _login(client, "filler_a", "wrong")
    assert _login(client, "filler_a", "pw-filler_a").status_code == 429
    LoginFailure.objects.update(first_at=timezone.now() - timedelta(hours=1))
    assert _login(client, "filler_a", "pw-filler_a").status_code == 302
    assert not LoginFailure.objects.exists()
