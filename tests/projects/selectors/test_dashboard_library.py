"""The indicator library page: every 三级 indicator in use, with use and typical targets."""

from collections import Counter

import pytest

from projects.demo import load_demo
from projects.models import Indicator
from tests.factories import add_indicator, level2, make_evaluation, make_project

pytestmark = pytest.mark.django_db

URL = "/dashboard/indicators/"


def test_groups_demo_indicators_by_level1_and_level2(client, admin_user):
    load_demo()
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    library = response.context["library"]
    names = {(i.level2_id, i.name) for i in Indicator.objects.exclude(name="")}
    assert library.total_names == len(names)
    shown = [(g.level1, g.level2, i) for g in library.groups for i in g.indicators]
    assert len(shown) == len(names)
    level1_order = [g.level1 for g in library.groups]
    assert level1_order.index("产出指标") < level1_order.index("满意度指标")
    uses = Counter(
        (row.level2.level1.name, row.level2.name, row.name)
        for row in Indicator.objects.exclude(name="").select_related("level2__level1")
    )
    for level1, level2_name, indicator in shown:
        assert indicator.forms == uses[(level1, level2_name, indicator.name)]
    html = response.content.decode()
    assert "产出指标 / 数量指标" in html


def test_typical_targets_are_the_most_common(client, admin_user, dept_a):
    quality = level2("产出指标", "质量指标")
    for number, target in enumerate(["≥95%", "≥95%", "≥90%", "100%"]):
        evaluation = make_evaluation(make_project(dept_a, f"项目{number}"))
        add_indicator(evaluation, level2_obj=quality, name="验收合格率", target=target, weight=10)
    client.force_login(admin_user)
    library = client.get(URL).context["library"]
    (group,) = library.groups
    (indicator,) = group.indicators
    assert (group.level1, group.level2, indicator.name, indicator.forms) == (
        "产出指标",
        "质量指标",
        "验收合格率",
        4,
    )
    assert indicator.targets == [("≥95%", 2), ("100%", 1), ("≥90%", 1)]
    assert client.get(URL, {"q": "合格"}).context["library"].total_names == 1
    assert client.get(URL, {"q": "满意"}).context["library"].total_names == 0
    assert client.get(URL, {"year": 2022}).context["library"].total_names == 0
    assert client.get(URL, {"year": "all"}).context["library"].total_names == 1


def test_the_latest_year_by_default(client, admin_user, dept_a):
    make_evaluation(make_project(dept_a, "旧项目"), 2022, indicators=1)
    add_indicator(make_evaluation(make_project(dept_a, "新项目"), 2023), name="新指标", weight=5)
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.context["year"] == 2023
    assert [i.name for g in response.context["library"].groups for i in g.indicators] == ["新指标"]
    every = client.get(URL, {"year": "all"})
    assert every.context["year"] is None
    assert every.context["library"].total_names == 2


def test_scoped_to_what_the_user_may_see(client, filler_a, filler_b, evaluation_a, evaluation_b):
    Indicator.objects.filter(evaluation=evaluation_b).update(name="档案数字化页数")
    client.force_login(filler_a)
    html = client.get(URL).content.decode()
    assert "完成件数1" in html and "档案数字化页数" not in html
    client.force_login(filler_b)
    html = client.get(URL).content.decode()
    assert "档案数字化页数" in html and "完成件数1" not in html


def test_query_count_is_fixed(client, admin_user, dept_a, django_assert_num_queries):
    for number in range(5):
        make_evaluation(make_project(dept_a, f"项目{number}"), indicators=3)
    client.force_login(admin_user)
    # session, user, roles, years, taxonomy, names, targets, 一级 list
    with django_assert_num_queries(8):
        client.get(URL)


def test_wrong_method(client, admin_user):
    client.force_login(admin_user)
    assert client.post(URL).status_code == 405
