"""Every user changes their own password; an account an admin set up
or reset (系统管理) must choose a new one at its first sign-in."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from projects.demo import DEMO_PASSWORD, load_demo
from projects.models import PasswordChangeRequired
from projects.roles import Role

pytestmark = pytest.mark.django_db

NEW = "Ziji-de-mima-2025"
STRONG = "Caizheng-2025!"


def _change(client, old, new=NEW, again=None):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(reverse("password_change"), data)


@pytest.mark.parametrize("persona", ["filler_a", "reviewer_a", "admin_user"])
def test_every_role_finds_it_in_the_navigation_bar(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("password_change")}">修改密码</a>' in page


def test_change_ones_own_password(client, filler_a):
    client.force_login(filler_a)
    page = client.get(reverse("password_change")).content.decode()
    assert "修改密码" in page and 'name="old_password"' in page and "先设置" not in page
    response = _change(client, "pw-filler_a")
    assert response["Location"] == reverse("home")
    assert "密码已修改" in client.get(reverse("home")).content.decode()  # still signed in
    filler_a.refresh_from_db()
    assert filler_a.check_password(NEW)
    client.logout()
    assert not client.login(username="filler_a", password="pw-filler_a")
    assert client.login(username="filler_a", password=NEW)


@pytest.mark.parametrize(
    ("old", "new", "again", "message"),
    [
        ("wrong", NEW, None, "你的旧密码不正确"),
        ("pw-filler_a", NEW, "Other-2025!", "输入的两个密码不一致"),
        ("pw-filler_a", "12345678", None, "密码只包含数字"),
        ("pw-filler_a", "short", None, "密码太短，至少需要 8 个字符"),
    ],
)
def test_refused_with_a_message(client, filler_a, old, new, again, message):
    client.force_login(filler_a)
    response = _change(client, old, new, again)
    assert response.status_code == 200 and message in response.content.decode()
    filler_a.refresh_from_db()
    assert filler_a.check_password("pw-filler_a")


def test_signed_out_and_wrong_method(client, filler_a):
    response = client.get(reverse("password_change"))
    assert response["Location"].startswith(reverse("login"))
    assert _change(client, "pw-filler_a")["Location"].startswith(reverse("login"))
    client.force_login(filler_a)
    assert client.put(reverse("password_change")).status_code == 405
    assert client.delete(reverse("password_change")).status_code == 405
    filler_a.refresh_from_db()
    assert filler_a.check_password("pw-filler_a")


def _admin_creates(client, admin_user, dept_a) -> User:
    client.force_login(admin_user)
    data = {
        "username": "zhang3",
        "first_name": "张三",
        "role": Role.FILLER.value,
        "departments": [dept_a.pk],
        "is_active": "on",
        "password1": STRONG,
        "password2": STRONG,
    }
    client.post(reverse("manage:user_create"), data)
    client.logout()
    return User.objects.get(username="zhang3")


def test_an_account_an_admin_created_must_choose_its_own_password(
    client, admin_user, dept_a, evaluation_a
):
    user = _admin_creates(client, admin_user, dept_a)
    assert PasswordChangeRequired.objects.filter(user=user).exists()
    response = client.post(reverse("login"), {"username": "zhang3", "password": STRONG})
    assert response.status_code == 302
    for url in (
        reverse("home"),
        reverse("dashboard"),
        reverse("jobs:list"),
        reverse("evaluation_detail", args=[evaluation_a.pk]),
        "/admin/",
    ):
        assert client.get(url)["Location"] == reverse("password_change"), url
    assert client.post(reverse("evaluation_submit", args=[evaluation_a.pk]))["Location"] == (
        reverse("password_change")
    )
    page = client.get(reverse("password_change")).content.decode()
    assert "请设置一个只有您自己知道的新密码" in page
    assert _change(client, STRONG)["Location"] == reverse("home")
    assert not PasswordChangeRequired.objects.filter(user=user).exists()
    assert "价格认证资金" in client.get(reverse("home")).content.decode()
    client.logout()
    assert client.login(username="zhang3", password=NEW)
    assert client.get(reverse("home")).status_code == 200  # not asked again


def test_sign_out_is_allowed_before_choosing(client, admin_user, dept_a):
    _admin_creates(client, admin_user, dept_a)
    assert client.login(username="zhang3", password=STRONG)
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.login(username="zhang3", password=STRONG)  # asked again next time
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_a_password_an_admin_reset_must_be_replaced(client, admin_user, filler_a):
    client.force_login(admin_user)
    url = reverse("manage:user_password", args=[filler_a.pk])
    client.post(url, {"password1": STRONG, "password2": STRONG})
    assert PasswordChangeRequired.objects.filter(user=filler_a).exists()
    # The admin's own password reset there is their own choice already.
    client.post(
        reverse("manage:user_password", args=[admin_user.pk]),
        {"password1": STRONG, "password2": STRONG},
    )
    assert not PasswordChangeRequired.objects.filter(user=admin_user).exists()
    client.logout()
    assert client.login(username="filler_a", password=STRONG)
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_demo_accounts_are_not_asked():
    load_demo()
    assert not PasswordChangeRequired.objects.exists()
    client = Client()
    assert client.login(username="filler1", password=DEMO_PASSWORD)
    assert client.get(reverse("home")).status_code == 200
