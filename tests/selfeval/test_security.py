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


# --- error pages in Chinese, no codes, no caching of signed-in pages (issue 12) -------


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

    monkeypatch.setattr("projects.views.evaluation_list_page", broken)
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
