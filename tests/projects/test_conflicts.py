"""Two tabs (issue 12.3): a refused save shows where the newer version differs, and the
input can be put onto that version in one click, losing nothing of either side."""

import pytest

from projects.models import Evaluation, Indicator
from tests.projects.form_helpers import page_data, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tabs(client, filler_a, evaluation_a):
    """Tab 1 saved a change (v2); tab 2, loaded at v1, then saves its own change."""
    client.force_login(filler_a)
    tab_2 = page_data(evaluation_a)
    tab_1 = {**tab_2, "goal_actual": "第一个窗口写的", "indicator-0-actual": "12件"}
    assert client.post(url("evaluation_save", evaluation_a), tab_1).status_code == 302
    tab_2 |= {"goal_expected": "第二个窗口写的", "indicator-1-actual": "7件"}
    return tab_2


def test_the_refusal_shows_the_other_saves_changes_beside_the_users(
    client, filler_a, evaluation_a, two_tabs
):
    response = client.post(url("evaluation_save", evaluation_a), two_tabs)
    assert response.status_code == 409
    conflict = response.context["conflict"]
    assert (conflict.version, conflict.yours, conflict.by) == (2, "1", "filler_a")
    found = {(d.field, d.current, d.yours) for d in conflict.differences}
    assert ("年度总体目标·实际完成情况", "第一个窗口写的", "") in found  # the other save
    assert ("实际完成值", "12件", two_tabs["indicator-0-actual"]) in found
    assert ("年度总体目标·预期目标", "", "第二个窗口写的") in found  # and the user's own
    html = response.content.decode()
    assert 'id="conflict-differences"' in html and "第一个窗口写的" in html
    assert 'name="rebase" value="1"' in html


def test_one_click_puts_the_input_on_the_new_version_then_it_saves(
    client, filler_a, evaluation_a, two_tabs
):
    response = client.post(url("evaluation_save", evaluation_a), {**two_tabs, "rebase": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="version" value="2"' in html and "第二个窗口写的" in html
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 2  # nothing saved yet
    data = {**two_tabs, "version": "2"}
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 302
    evaluation_a.refresh_from_db()
    assert (evaluation_a.version, evaluation_a.goal_expected) == (3, "第二个窗口写的")


def test_a_row_the_other_save_removed_is_kept_as_a_new_row(
    client, filler_a, evaluation_a, two_tabs
):
    removed = evaluation_a.indicators.get(position=2)
    Indicator.objects.filter(pk=removed.pk).delete()
    Evaluation.objects.filter(pk=evaluation_a.pk).update(version=3)
    response = client.post(url("evaluation_save", evaluation_a), two_tabs)
    assert response.status_code == 409
    assert any(d.field == "整行" for d in response.context["conflict"].differences)
    response = client.post(url("evaluation_save", evaluation_a), {**two_tabs, "rebase": "1"})
    assert response.status_code == 200
    data = {
        key: value
        for key, value in response.context["editor"].data.items()
        if key != "csrfmiddlewaretoken"
    }
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 302
    names = set(evaluation_a.indicators.values_list("actual", flat=True))
    assert "7件" in names  # the user's input on the removed row is there, as a new row
    assert evaluation_a.indicators.count() == 3


def test_a_rebase_is_scoped(client, filler_b, evaluation_a, two_tabs):
    client.force_login(filler_b)
    response = client.post(url("evaluation_save", evaluation_a), {**two_tabs, "rebase": "1"})
    assert response.status_code == 404
