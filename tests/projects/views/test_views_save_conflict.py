"""Two tabs: the refused save shows the other save's changes and re-applies
the user's input onto the stored version in one click."""

from __future__ import annotations

from projects.forms.evaluations import INDICATOR_PREFIX
from projects.models import Evaluation, Indicator
from tests.factories import add_indicator
from tests.projects.form_helpers import page_data, url

P = INDICATOR_PREFIX


def _row_index(data: dict[str, str], pk: int) -> int:
    return next(i for i in range(int(data[f"{P}-TOTAL_FORMS"])) if data[f"{P}-{i}-id"] == str(pk))


def _name(user) -> str:
    return user.first_name or user.username


def test_a_conflict_shows_the_other_save_and_the_users_value(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    tab1, tab2 = page_data(evaluation_a), page_data(evaluation_a)
    row = _row_index(tab1, evaluation_a.indicators.order_by("pk").first().pk)
    before = tab1[f"{P}-{row}-actual"]
    tab1[f"{P}-{row}-actual"] = "对方写的值"
    tab1["goal_expected"] = "对方的年度目标"
    assert client.post(url("evaluation_save", evaluation_a), tab1).status_code == 302
    tab2[f"{P}-{row}-actual"] = "我写的值"
    tab2["goal_actual"] = "我的总体完成情况"
    response = client.post(url("evaluation_save", evaluation_a), tab2)
    html = response.content.decode()
    assert response.status_code == 409
    assert f"此表在您打开后已被 {_name(filler_a)} 于 " in html
    assert "保存为第 2 版" in html
    assert f"实际完成值：{before or '（空）'} → 对方写的值" in html
    assert "«您填写的：我写的值»" in html
    assert "→ 对方的年度目标</li>" in html  # left as opened by the user: no «您填写的»
    assert "保留我的输入，基于第 2 版继续" in html
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 2


def test_rebase_renders_the_current_version_with_the_users_input_then_saves(
    client, filler_a, evaluation_a
):
    client.force_login(filler_a)
    tab1, tab2 = page_data(evaluation_a), page_data(evaluation_a)
    first = evaluation_a.indicators.order_by("pk").first()
    row = _row_index(tab1, first.pk)
    tab1[f"{P}-{row}-actual"] = "对方写的值"
    tab1["goal_expected"] = "对方的年度目标"
    assert client.post(url("evaluation_save", evaluation_a), tab1).status_code == 302
    tab2[f"{P}-{row}-actual"] = "我写的值"
    assert client.post(url("evaluation_save", evaluation_a), tab2).status_code == 409

    response = client.post(url("evaluation_save", evaluation_a), {**tab2, "rebase": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="version" value="2"' in html
    assert ">我写的值</textarea>" in html
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 2  # nothing saved
    assert Indicator.objects.get(pk=first.pk).actual == "对方写的值"

    assert "您未改动而对方修改过的 1 处已采用对方的值" in html

    # 保存草稿 on the page as re-rendered stores the user's edit and keeps the other's.
    again = dict(response.context["editor"].data)
    assert client.post(url("evaluation_save", evaluation_a), again).status_code == 302
    stored = Evaluation.objects.get(pk=evaluation_a.pk)
    assert stored.version == 3
    assert Indicator.objects.get(pk=first.pk).actual == "我写的值"
    assert stored.goal_expected == "对方的年度目标"  # the user left it as opened


def test_rebase_keeps_a_row_the_other_save_deleted_as_a_new_row(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    doomed = evaluation_a.indicators.order_by("pk").last()
    tab2 = page_data(evaluation_a)
    row = _row_index(tab2, doomed.pk)
    tab2[f"{P}-{row}-actual"] = "我在被删的行上写的"
    doomed.delete()  # the other tab's save removed the row ...
    Evaluation.objects.filter(pk=evaluation_a.pk).update(version=2)  # ... as version 2

    conflict = client.post(url("evaluation_save", evaluation_a), tab2)
    assert conflict.status_code == 409
    response = client.post(url("evaluation_save", evaluation_a), {**tab2, "rebase": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert ">我在被删的行上写的</textarea>" in html
    assert "已被对方删除，保存时将作为新行加入" in html
    assert f'value="{doomed.pk}"' not in html

    # Saving the re-rendered page creates the row again: nothing typed is lost.
    data = dict(response.context["editor"].data)
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 302
    assert Indicator.objects.filter(evaluation=evaluation_a, actual="我在被删的行上写的").exists()


def test_rebase_keeps_a_row_the_other_save_added(client, filler_a, evaluation_a):
    client.force_login(filler_a)
    tab2 = page_data(evaluation_a)
    add_indicator(evaluation_a, name="对方新增的指标", target="1", actual="1")
    Evaluation.objects.filter(pk=evaluation_a.pk).update(version=2)
    response = client.post(url("evaluation_save", evaluation_a), {**tab2, "rebase": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert ">对方新增的指标</textarea>" in html
    assert "对方新增，或您已删除" in html and "对方新增的指标" in html
    # Saving the re-rendered page keeps the other's row.
    data = dict(response.context["editor"].data)
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 302
    assert evaluation_a.indicators.filter(name="对方新增的指标").exists()


def test_rebase_is_scoped_and_saves_nothing_on_a_get(client, filler_b, filler_a, evaluation_a):
    data = {**page_data(evaluation_a), "rebase": "1"}
    client.force_login(filler_b)
    assert client.post(url("evaluation_save", evaluation_a), data).status_code == 404
    client.force_login(filler_a)
    response = client.get(url("evaluation_save", evaluation_a), data)  # goes to the form page
    assert (response.status_code, response["Location"]) == (302, evaluation_a.get_absolute_url())
    assert Evaluation.objects.get(pk=evaluation_a.pk).version == 1
