"""The plain forms are rendered by crispy-forms (Bootstrap 5): sign-in, password change,
系统管理, the new form, the list's filters, the import page and the jobs page.

Crispy wraps each field in ``<div id="div_<field id>">`` with its label, widget, help text
and errors; a page that wrote its fields by hand has no such wrapper.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from projects.forms.manage import ERROR_PASSWORDS_DIFFER
from projects.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open_round")]

ADMIN, FILLER, ANONYMOUS = "admin_user", "filler_a", None

# (page, who opens it, the ids of the fields crispy lays out on it)
PAGES = [
    ("login", ANONYMOUS, ["id_username", "id_password"]),
    ("password_change", FILLER, ["id_old_password", "id_new_password1", "id_new_password2"]),
    (
        "manage:user_create",
        ADMIN,
        [
            "id_username",
            "id_first_name",
            "id_role",
            "id_departments",
            "id_is_active",
            "id_password1",
            "id_password2",
        ],
    ),
    ("manage:users", ADMIN, ["user-q", "user-role", "user-state"]),
    ("manage:department_create", ADMIN, ["id_name", "id_parent"]),
    ("manage:year_create", ADMIN, ["id_year", "id_is_open", "id_deadline", "id_note"]),
    (
        "evaluation_create",
        FILLER,
        ["id_year", "id_project", "id_new_project_name", "id_unit", "id_from_previous"],
    ),
    ("home", FILLER, ["id_q", "id_year", "id_department", "id_status", "id_grade"]),
    ("imports:upload", ADMIN, ["id_files"]),
    # the two year cards have their own ids; the bulk import is the admin's
    ("jobs:list", ADMIN, ["zip_year", "xlsx_year", "id_files"]),
]


def _page(client, request, name: str, who: str | None) -> str:
    if who is not None:
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def _field_block(page: str, field_id: str) -> str:
    """The HTML crispy wrote for one field: from its wrapper to the next field's."""
    start = page.index(f'id="div_{field_id}"')
    following = page.find('id="div_', start + 1)
    return page[start : following if following != -1 else len(page)]


class _Ancestors(HTMLParser):
    """The classes of the elements around the element with a given id."""

    VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.open, self.found = element_id, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == self.element_id:
            self.found = [cls for _, cls in self.open]
        if tag not in self.VOID:
            self.open.append((tag, attrs.get("class") or tag))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass


def _ancestors(page: str, element_id: str) -> list[str]:
    parser = _Ancestors(element_id)
    parser.feed(page)
    assert parser.found is not None, element_id
    return parser.found


@pytest.mark.parametrize(("name", "who", "fields"), PAGES, ids=[p[0] for p in PAGES])
def test_the_page_renders_its_form_with_crispy(client, request, dept_a, name, who, fields):
    page = _page(client, request, name, who)
    for field_id in fields:
        assert f'id="div_{field_id}"' in page, field_id
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, count in ids.items() if count > 1] == []


def test_an_accounts_page_has_the_password_reset_form_once(client, admin_user, filler_a):
    client.force_login(admin_user)
    page = client.get(reverse("manage:user_edit", args=[filler_a.pk])).content.decode()
    assert 'id="div_id_username"' in page and 'id="div_id_password1"' in page  # the reset form
    assert page.count('name="password1"') == 1  # the account form has no password fields


def test_an_error_shows_under_its_field(client, admin_user, dept_a):
    client.force_login(admin_user)
    data = {
        "username": "zhang3",
        "role": Role.FILLER.value,
        "departments": [dept_a.pk],
        "is_active": "on",
        "password1": "Caizheng-2025!",
        "password2": "Caizheng-2026!",
    }
    page = client.post(reverse("manage:user_create"), data).content.decode()
    block = _field_block(page, "id_password2")
    assert ERROR_PASSWORDS_DIFFER in block and "is-invalid" in block
    assert ERROR_PASSWORDS_DIFFER not in _field_block(page, "id_password1")


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"username": "zhang3"}, "id_role", "请选择一个角色"),
        ({"username": "zhang3", "role": Role.FILLER.value}, "id_departments", "至少要分配一个"),
    ],
    ids=["role", "departments"],
)
def test_a_choice_error_shows_under_all_the_choices(client, admin_user, data, field_id, message):
    """Not inside the last choice, where the departments' scrolled list would hide it."""
    client.force_login(admin_user)
    page = client.post(reverse("manage:user_create"), data).content.decode()
    assert message in _field_block(page, field_id)
    around = _ancestors(page, f"{field_id}_error")
    assert around[-1] == "fieldset" and not any("form-check" in cls for cls in around)


def test_a_form_error_is_announced(client, filler_a):
    client.force_login(filler_a)
    page = client.post(reverse("evaluation_create"), {"year": "2024"}).content.decode()
    assert re.search(r'<div class="alert alert-danger" role="alert">\s*<ul', page)


def _filter_bar(client, name: str, params: dict[str, str]) -> str:
    html = client.get(reverse(name), params).content.decode()
    start = html.index('role="search"')
    return html[start : html.index("</form>", start)]


def test_the_list_shows_the_filters_it_applied_without_error_marks(client, filler_a, dept_a):
    client.force_login(filler_a)
    long_query = "很长" * 60
    form = _filter_bar(client, "home", {"year": "1999", "q": long_query, "status": "draft"})
    assert "is-invalid" not in form and 'aria-invalid="true"' not in form
    assert long_query not in form  # ignored, so not shown as if searched for
    assert re.search(r'<option value="draft" selected>', form)  # the valid one is kept


def test_the_user_list_shows_the_filters_it_applied_without_error_marks(client, admin_user):
    client.force_login(admin_user)
    form = _filter_bar(client, "manage:users", {"role": "nonsense", "state": "inactive"})
    assert "is-invalid" not in form and 'aria-invalid="true"' not in form
    assert re.search(r'<option value="" selected>全部</option>', form)  # the role ignored
    assert re.search(r'<option value="inactive" selected>', form)
