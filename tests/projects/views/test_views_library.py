"""The indicator library behind the 三级 name cell: every name already used, searchable."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import add_indicator, level2

pytestmark = pytest.mark.django_db

LIBRARY = reverse("indicator_library")


@pytest.fixture
def names(evaluation_a, evaluation_b):
    social = level2("效益指标", "社会效益指标")
    add_indicator(evaluation_b, level2_obj=social, name="群众满意度", weight=Decimal("1"))
    add_indicator(evaluation_b, level2_obj=social, name="档案查询效率", weight=Decimal("1"))


def test_search_finds_names_used_anywhere(client, filler_a, names):
    client.force_login(filler_a)
    response = client.get(LIBRARY, {"q": "满意"})
    assert response.status_code == 200
    assert 'data-value="群众满意度"' in response.content.decode()
    assert "档案查询效率" not in response.content.decode()


def test_names_of_the_same_level2_come_first(client, filler_a, names):
    client.force_login(filler_a)
    social = level2("效益指标", "社会效益指标")
    html = client.get(LIBRARY, {"level2": social.pk}).content.decode()
    assert html.index("档案查询效率") < html.index("完成件数1")


@pytest.mark.parametrize("level2_id", ["9" * 26, "²", "-1", "1e3"])
def test_an_impossible_level2_is_ignored(client, filler_a, names, level2_id):
    # 26 digits used to be a 500 (Python int too large for the database).
    client.force_login(filler_a)
    response = client.get(LIBRARY, {"q": "满意", "level2": level2_id})
    assert response.status_code == 200
    assert 'data-value="群众满意度"' in response.content.decode()


def test_nothing_found(client, filler_a, names):
    client.force_login(filler_a)
    assert "没有匹配" in client.get(LIBRARY, {"q": "不存在的名称"}).content.decode()


def test_names_are_escaped(client, filler_a, evaluation_a):
    add_indicator(evaluation_a, name='<script>alert("x")</script>')
    client.force_login(filler_a)
    html = client.get(LIBRARY, {"q": "script"}).content.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_only_fillers_use_it(client, reviewer_a):
    client.force_login(reviewer_a)
    assert client.get(LIBRARY).status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get(LIBRARY).status_code == 302


def test_wrong_method(client, filler_a):
    client.force_login(filler_a)
    assert client.post(LIBRARY).status_code == 405
