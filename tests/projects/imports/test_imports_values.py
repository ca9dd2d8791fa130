"""Reading cells as people write them, and mapping their labels to the taxonomy (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from projects.imports import REFUSED_EXTENSIONS, ImportFailure, TaxonomyMap, importer_for
from projects.imports.values import (
    ValueProblem,
    find_year,
    indicator_name,
    is_blank,
    is_placeholder_name,
    label,
    level_label,
    read_amount,
    read_score,
)

TAXONOMY_2020 = TaxonomyMap(
    (
        ("产出指标", ("数量指标", "质量指标", "时效指标", "成本指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    )
)
# The 2021 variant: 成本指标 is its own 一级.
TAXONOMY_2021 = TaxonomyMap(
    (
        ("产出指标", ("数量指标", "质量指标", "时效指标")),
        ("成本指标", ("经济成本指标", "社会成本指标", "生态环境成本指标")),
        ("效益指标", ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    )
)


@pytest.mark.parametrize(
    ("text", "number", "unit", "rest"),
    [
        ("10", "10", "", ""),
        ("1,863,180", "1863180", "", ""),
        ("150万元", "150", "万元", ""),
        ("149.375 万", "149.375", "万元", ""),
        ("23.380701万元成", "23.380701", "万元", "成"),
        ("100000元", "100000", "元", ""),
        ("1.5亿元", "1.5", "亿元", ""),
        ("１５０万元", "150", "万元", ""),  # full-width digits
        ("—", None, "", ""),
        ("-", None, "", ""),
        ("/", None, "", ""),
        ("", None, "", ""),
    ],
)
def test_read_amount(text, number, unit, rest):
    amount = read_amount(text)
    assert amount.number == (None if number is None else Decimal(number))
    assert (amount.unit, amount.rest) == (unit, rest)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("见附件", "不是金额"),
        ("-5", "负数"),
        ("10/20", "不是一个金额"),
        ("100%", "不是一个金额"),
        # projects.numbers' rule: a comma only between groups of three digits
        ("12,34", "「12,34」不是数字：.*逗号只能作千位分隔符"),
        ("12,3万元", "「12,3万元」不是数字：.*逗号只能作千位分隔符"),
        ("1，5", "「1，5」不是数字：.*逗号只能作千位分隔符"),
        ("1e3", "不是一个金额"),
    ],
)
def test_read_amount_refuses(text, problem):
    with pytest.raises(ValueProblem, match=problem):
        read_amount(text)


def test_amount_units_to_wan():
    assert read_amount("1,863,180").in_wan(bare_is_yuan=True) == Decimal("186.318")
    assert read_amount("1,863,180").in_wan(bare_is_yuan=False) == Decimal("1863180")
    assert read_amount("100000元").in_wan(bare_is_yuan=False) == Decimal("10")
    assert read_amount("1.5亿元").in_wan(bare_is_yuan=True) == Decimal("15000")
    assert read_amount("150万元").in_wan(bare_is_yuan=True) == Decimal("150")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10", "10"), ("9.93", "9.93"), ("10分", "10"), (" 5 ", "5"), ("—", None), ("", None)],
)
def test_read_score(text, expected):
    assert read_score(text) == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("十", "不是数字"),
        ("2.725", "2 位小数"),
        ("100%", "不是数字"),
        ("12,3", "「12,3」不是数字：.*逗号只能作千位分隔符"),
        ("1e3", "不是数字"),
        ("100000", "「100000」数值过大，最大为 99999.99"),
    ],
)
def test_read_score_refuses(text, problem):
    with pytest.raises(ValueProblem, match=problem):
        read_score(text)


def test_labels_broken_over_lines_and_weights_in_labels():
    assert label("绩\n效\n指\n标") == "绩效指标"
    assert label("年初     预算数") == "年初预算数"
    assert label("项目名称：") == "项目名称"
    assert level_label("产出指标70") == "产出指标"
    assert level_label("产出指标（50分）") == "产出指标"
    assert level_label("满意度\n\n指标") == "满意度指标"


def test_names_placeholders_years_blanks():
    assert indicator_name("指标1：文书档案数字化件数") == "文书档案数字化件数"
    assert indicator_name("指标：完成数量（个）") == "完成数量（个）"
    assert indicator_name("通州区发展和改革\n\n委员会") == "通州区发展和改革委员会"
    assert all(is_placeholder_name(t) for t in ("指标2：", "……", "", "指标：", "..."))
    assert not is_placeholder_name("指标1：减少纸张浪费")
    assert find_year("（  2023  年度）") == 2023
    assert find_year("2023年度项目支出绩效自评表") == 2023
    assert find_year("（1999年度）") is None
    assert is_blank("——") and is_blank(" / ") and not is_blank("0")


@pytest.mark.parametrize(
    ("level1", "level2", "expected"),
    [
        ("产出指标", "数量指标", ("产出指标", "数量指标")),
        ("产出指标70", "数量", ("产出指标", "数量指标")),
        ("产出", "时效指标", ("产出指标", "时效指标")),
        ("效益指标", "经济效益", ("效益指标", "经济效益指标")),
        ("效益指标30", "社会效益\n指标", ("效益指标", "社会效益指标")),
        ("满意度\n\n指标", "服务对象满意度", ("满意度指标", "服务对象满意度指标")),
        ("满意度指标", "满意度指标", ("满意度指标", "服务对象满意度指标")),
        ("", "可持续影响指标", ("效益指标", "可持续影响指标")),
        ("效益指标", "效益", None),  # ambiguous
        ("产出指标", "创新指标", None),
    ],
)
def test_taxonomy_variants(level1, level2, expected):
    mapped1 = TAXONOMY_2020.level1(level1) if level1 else None
    assert TAXONOMY_2020.level2(mapped1, level2) == expected


def test_the_2021_taxonomy_is_data_too():
    assert TAXONOMY_2021.level2(TAXONOMY_2021.level1("成本指标"), "经济成本") == (
        "成本指标",
        "经济成本指标",
    )
    assert TAXONOMY_2021.level1("过程指标") is None


@pytest.mark.parametrize("extension", sorted(REFUSED_EXTENSIONS))
def test_refused_extensions_say_why(extension):
    with pytest.raises(ImportFailure, match="另存为"):
        importer_for(f"表{extension}")


@pytest.mark.parametrize("name", ["表.DOCX", "表.Xlsx", "表.json"])
def test_extensions_are_case_insensitive(name):
    assert importer_for(name).extensions[0] == "." + name.rsplit(".", 1)[1].lower()
