"""Security basics: login throttling, session expiry, CSRF on state changes."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import LoginFailure
from selfeval import settings as project_settings
from selfeval.login import (
    ERROR_LOCKED,
    attempt_clear,
    attempt_reserve,
    client_address,
    throttle_key,
)

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


# --- error pages in Chinese, no codes, no caching of signed-in pages ------------------


@pytest.fixture
def production(settings):
    settings.DEBUG = False


def _text(response):
    return response.content.decode()


def test_404_page_is_chinese(production, client, filler_a, evaluation_b):
    client.force_login(filler_a)
    for path in ("/no-such-page/", reverse("evaluation_detail", args=[evaluation_b.pk])):
        response = client.get(path)
        assert response.status_code == 404
        assert "页面不存在" in _text(response) and "Not Found" not in _text(response)


def test_403_page_is_chinese_with_the_reason(production, client, reviewer_a):
    client.force_login(reviewer_a)
    response = client.get(reverse("evaluation_create"))
    assert response.status_code == 403
    assert "您没有权限进行此操作" in _text(response) and "您没有填报权限" in _text(response)


def test_csrf_failure_page_is_chinese(production, filler_a, evaluation_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(filler_a)
    response = client.post(reverse("evaluation_submit", args=[evaluation_a.pk]))
    assert response.status_code == 403 and "页面已过期" in _text(response)
    assert "CSRF" not in _text(response)


def test_405_page_is_chinese_and_keeps_allow(production, client, filler_a, evaluation_a):
    client.force_login(filler_a)
    response = client.put(reverse("evaluation_submit", args=[evaluation_a.pk]))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "此地址不能这样打开" in _text(response)


def test_500_page_is_chinese_and_needs_no_database(
    production, filler_a, monkeypatch, django_assert_num_queries
):
    from django.template import loader

    with django_assert_num_queries(0):
        assert "系统出错" in loader.render_to_string("500.html")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("projects.views.evaluations.evaluation_list_page", broken)
    client = Client(raise_request_exception=False)
    client.force_login(filler_a)
    response = client.get(reverse("home"))
    assert response.status_code == 500 and "系统出错，操作未完成" in _text(response)
    assert "boom" not in _text(response)


def test_signed_in_pages_are_not_stored(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    for path in (reverse("home"), evaluation_a.get_absolute_url(), "/no-such-page/"):
        assert "no-store" in client.get(path)["Cache-Control"], path


def test_static_files_keep_their_caching(client, filler_a):
    client.force_login(filler_a)
    response = client.get(settings.STATIC_URL + "css/selfeval.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- no unthrottled way in, no race, no locking everyone out --------------------------


def test_admin_login_sends_to_the_throttled_sign_in(client, admin_user):
    admin_user.set_password("pw-admin")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    for _ in range(30):
        client.post("/admin/login/", {"username": "admin_user", "password": "wrong"})
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin_user", "password": "pw-admin"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/admin/"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    # Guessing there is throttled like any sign-in: after 5 failures even the right one fails.
    for _ in range(5):
        _login(client, "admin_user", "wrong")
    assert _login(client, "admin_user", "pw-admin").status_code == 429
    assert _login(Client(), "admin_user", "pw-admin", address="10.0.0.9").status_code == 302


def test_each_attempt_is_reserved_before_the_password_is_checked(settings):
    settings.LOGIN_MAX_FAILURES = 3
    key = throttle_key("filler_a", "10.0.0.1")
    assert [attempt_reserve(key) for _ in range(5)] == [True, True, True, False, False]
    assert LoginFailure.objects.get(key=key).failures == 3
    LoginFailure.objects.update(first_at=timezone.now() - timedelta(hours=1))
    assert attempt_reserve(key)  # the window has passed: counting starts again
    assert LoginFailure.objects.get(key=key).failures == 1
    attempt_clear(key)
    assert not LoginFailure.objects.exists()


def test_guesses_arriving_while_others_check_get_no_more_checks_than_the_limit(
    filler_a, monkeypatch
):
    """The worst interleaving, made deterministic: each of 40 guesses arrives while every
    earlier one is still checking its password. Checking first and counting afterwards
    let all 40 through; reserving first lets through LOGIN_MAX_FAILURES."""
    checked = []
    real_authenticate = auth_forms.authenticate

    def authenticate_while_the_next_arrives(*args, **kwargs):
        checked.append(1)
        if len(attempts) < 40:
            attempts.append(_login(Client(), "filler_a", f"wrong-{len(attempts)}").status_code)
        return real_authenticate(*args, **kwargs)

    monkeypatch.setattr(auth_forms, "authenticate", authenticate_while_the_next_arrives)
    attempts = []
    while len(attempts) < 40:
        attempts.append(_login(Client(), "filler_a", f"wrong-{len(attempts)}").status_code)
    assert len(checked) == settings.LOGIN_MAX_FAILURES == 5
    assert sorted(attempts) == [200] * 5 + [429] * 35
    assert LoginFailure.objects.get().failures == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_guesses_get_no_more_password_checks_than_the_limit(filler_a, monkeypatch):
    """40 guesses at once from 40 threads, each password check slow, on PostgreSQL.

    SQLite's test database is in memory and shared by the threads' connections, where a
    write meeting another fails with "table is locked" instead of waiting; the test above
    covers SQLite.
    """
    if connection.vendor == "sqlite":
        pytest.skip("needs a database that lets threads wait for each other (PostgreSQL)")
    checked = []
    real_authenticate = auth_forms.authenticate

    def slow_authenticate(*args, **kwargs):
        checked.append(1)
        time.sleep(0.05)  # a real hasher takes this long; the old check-then-count raced here
        return real_authenticate(*args, **kwargs)

    monkeypatch.setattr(auth_forms, "authenticate", slow_authenticate)
    parallel = 40
    barrier = threading.Barrier(parallel)

    def guess(number: int) -> int:
        try:
            barrier.wait()
            return _login(Client(), "filler_a", f"wrong-{number}").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(parallel) as pool:
        statuses = list(pool.map(guess, range(parallel)))
    assert len(checked) == settings.LOGIN_MAX_FAILURES == 5
    assert sorted(statuses) == [200] * 5 + [429] * 35
    assert LoginFailure.objects.get().failures == 5


def test_behind_a_trusted_proxy_each_client_is_counted_apart(client, filler_a, settings):
    """nginx appends the address it saw; whatever the client wrote to its left is ignored."""
    settings.LOGIN_MAX_FAILURES = 2
    settings.TRUSTED_PROXY_COUNT = 1

    def via_proxy(forwarded, password, session=client):
        return session.post(
            reverse("login"),
            {"username": "filler_a", "password": password},
            REMOTE_ADDR="10.0.0.1",  # the proxy
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for forged in ("1.1.1.1", "2.2.2.2"):
        via_proxy(f"{forged}, 203.0.113.5", "wrong")
    assert via_proxy("3.3.3.3, 203.0.113.5", "pw-filler_a").status_code == 429
    assert via_proxy("203.0.113.6", "pw-filler_a", Client()).status_code == 302


def test_without_a_trusted_proxy_the_header_is_ignored(client, filler_a, settings):
    settings.LOGIN_MAX_FAILURES = 2
    for number in range(2):
        client.post(
            reverse("login"),
            {"username": "filler_a", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}",
        )
    response = client.post(
        reverse("login"),
        {"username": "filler_a", "password": "pw-filler_a"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "203.0.113.5", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),
        (2, "198.51.100.1, 203.0.113.5, 10.1.1.1", "203.0.113.5"),
        (2, "203.0.113.5", "203.0.113.5"),  # came in through the inner proxy only
        (1, "198.51.100.1, not-an-address", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(rf, settings, proxies, forwarded, address):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == address
