"""export_forms --format json: the 14 demo forms follow docs/rules.md to the cent.

The expected figures were worked out by hand from the paper forms
(see the seed: e.g. 帮扶专项资金 2133.57/2147.6 = 99.35%, 10 × 0.99346… = 9.93
rounded down, written scores 86.4 + 9.93 = 96.33 against the 91.33 on paper).
"""

import json

import pytest
from django.core.management import call_command

from projects.demo import load_demo

pytestmark = pytest.mark.django_db

EXPECTED = [
    # project, 执行率, 预算执行得分, 总分值, 总分, 等级, finding codes (sorted)
    (
        "档案整理及数字化服务",
        "100.00",
        "10.00",
        "100.00",
        "100.00",
        "优",
        ["nonstandard_l1_weights"],
    ),
    (
        "法律顾问",
        "100.00",
        "10.00",
        "100.00",
        "100.00",
        "优",
        [
            "nonstandard_l1_weights",
            "value_unparsed",
            "value_unparsed",
            "value_unparsed",
            "value_unparsed",
            "value_unparsed",
        ],
    ),
    (
        "政府投资项目评估审核费（项目建议书、可行性研究报告、初步设计概算等）",
        "99.95",
        "9.99",
        "100.00",
        "99.99",
        "优",
        [
            "nonstandard_l1_weights",
            "overachievement_unexplained",
            "overachievement_unexplained",
            "recorded_budget_score_mismatch",
            "recorded_total_mismatch",
        ],
    ),
    (
        "北京城市副中心产业高质量发展评估体系设计及持续跟踪项目",
        "100.00",
        "10.00",
        "100.00",
        "100.00",
        "优",
        ["value_unparsed", "value_unparsed"],
    ),
    (
        "深化“放管服”改革着力培育和激发市场主体活力发展路径研究",
        "100.00",
        "10.00",
        "100.00",
        "100.00",
        "优",
        ["nonstandard_l1_weights"],
    ),
    (
        "通州区“经济大脑”服务项目",
        "100.00",
        "10.00",
        "100.00",
        "100.00",
        "优",
        ["nonstandard_l1_weights"],
    ),
    (
        "2023年节能专项资金",
        "100.00",
        "10.00",
        "100.00",
        "100.00",
        "优",
        [],
    ),
    (
        "2023“疏整促”专班经费",
        "100.00",
        "10.00",
        "100.00",
        "100.00",
        "优",
        ["amount_unit_converted", "nonstandard_l1_weights"],
    ),
    (
        "帮扶专项资金",
        "99.35",
        "9.93",
        "100.00",
        "96.33",
        "优",
        [
            "nonstandard_l1_weights",
            "overachievement_unexplained",
            "overachievement_unexplained",
            "recorded_total_mismatch",
            # its two bare 成本指标 rows are upper limits, met in full; the paper scored
            # them in proportion (2.7, 3.7)
            "score_differs_from_rule",
            "score_differs_from_rule",
        ],
    ),
    (
        "北京城市副中心(通州区)“十四五”规划实施情况中期评估",
        "99.58",
        "9.95",
        "100.00",
        "99.95",
        "优",
        ["nonstandard_l1_weights", "recorded_budget_score_mismatch", "recorded_total_mismatch"],
    ),
    (
        "价格认证资金",
        "100.00",
        "10.00",
        "110.00",
        "110.00",
        "优",
        ["nonstandard_l1_weights", "recorded_total_mismatch", "value_unparsed", "weights_not_100"],
    ),
    (
        "“三庙一塔”景区门票定价成本调查",
        "100.00",
        "10.00",
        "100.00",
        "100.00",
        "优",
        ["nonstandard_l1_weights", "value_unparsed"],
    ),
    (
        "通州区与廊坊市的远程视频会议系统",
        "100.00",
        "30.00",
        "100.00",
        "100.00",
        "优",
        ["nonstandard_l1_weights"],
    ),
    (
        "通州区重大投资项目规划谋划",
        "99.99",
        "9.99",
        "100.00",
        "99.99",
        "优",
        # its bare 成本指标 rows (400 against 399.9) are upper limits, met: nothing differs
        ["nonstandard_l1_weights"],
    ),
]


@pytest.fixture
def exported(tmp_path):
    load_demo()
    out = tmp_path / "2023.json"
    call_command("export_forms", "--year", "2023", "--format", "json", "--out", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    return {form["project_name"]: form for form in document["forms"]}


def test_lists_the_14_forms(exported):
    assert len(exported) == 14
    assert set(exported) == {row[0] for row in EXPECTED}


@pytest.mark.parametrize(
    ("project", "rate", "budget_score", "total_weight", "total_score", "grade", "codes"), EXPECTED
)
def test_figures_to_the_cent(
    exported, project, rate, budget_score, total_weight, total_score, grade, codes
):
    form = exported[project]
    assert form["budget"]["execution_rate"] == rate
    assert form["budget"]["score"] == budget_score
    assert form["total_weight"] == total_weight
    assert form["total_score"] == total_score
    assert form["grade"] == grade
    assert sorted(f["code"] for f in form["findings"] if f["severity"] != "hint") == codes


# The hints (审核提示) of each demo form, sorted; docs/rules.md「Checks」.
EXPECTED_HINTS = {
    "档案整理及数字化服务": ["all_full_marks"],  # 7 rows at full marks, 总分 100
    "法律顾问": [
        "actual_restates_target",  # 5个工作日 / 完成
        "actual_restates_target",  # 2个工作日 / 完成
        "actual_unit_mismatch",  # ≥30 / 100%
        "actual_unit_mismatch",  # ≥20 / 100%
        "actual_unit_mismatch",  # 100000元 / 100%
        "all_full_marks",
        "target_not_measurable",  # 合法合规
        "target_not_measurable",  # 合法合规
    ],
    "政府投资项目评估审核费（项目建议书、可行性研究报告、初步设计概算等）": [
        "target_not_measurable",  # 论证科学性、依据充分性、客观公正
        "target_too_easy",  # 2.5亿元 against 1亿元以上
    ],
    "北京城市副中心产业高质量发展评估体系设计及持续跟踪项目": [
        "all_full_marks",
        *["target_not_measurable"] * 4,
    ],
    "深化“放管服”改革着力培育和激发市场主体活力发展路径研究": [
        "all_full_marks",
        *["target_not_measurable"] * 4,
    ],
    "通州区“经济大脑”服务项目": ["all_full_marks"],
    "2023年节能专项资金": ["all_full_marks", "target_not_measurable", "target_not_measurable"],
    "2023“疏整促”专班经费": ["all_full_marks", *["target_not_measurable"] * 14],  # 完成, 是
    "帮扶专项资金": ["target_not_measurable", "target_too_easy", "target_too_easy"],
    "北京城市副中心(通州区)“十四五”规划实施情况中期评估": ["target_not_measurable"],  # 若干篇
    "价格认证资金": ["actual_unit_mismatch", "target_not_measurable", "target_not_measurable"],
    "“三庙一塔”景区门票定价成本调查": ["actual_restates_target", "all_full_marks"],  # 1年内
    "通州区与廊坊市的远程视频会议系统": ["all_full_marks"],
    "通州区重大投资项目规划谋划": [],
}


@pytest.mark.parametrize(("project", "codes"), EXPECTED_HINTS.items())
def test_hints_of_the_demo_forms(exported, project, codes):
    hints = [f for f in exported[project]["findings"] if f["severity"] == "hint"]
    assert sorted(f["code"] for f in hints) == codes


def test_the_hints_name_their_row_and_numbers(exported):
    legal = [f["message"] for f in exported["法律顾问"]["findings"]]
    assert any(
        message.startswith(
            "第4行「产出指标/质量指标/对规范性文件进行合法性审查」：质量指标的年度指标值「合法合规」"
        )
        for message in legal
    )
    archive = [f for f in exported["档案整理及数字化服务"]["findings"] if f["severity"] == "hint"]
    assert archive == [
        {
            "code": "all_full_marks",
            "severity": "hint",
            "message": "全部 7 个三级指标均为满分，总分 100：请核对每项实际完成值是否确实达到年度指标值",
        }
    ]


def test_findings_carry_severity_and_a_chinese_message_naming_the_row(exported):
    finding = next(
        f for f in exported["帮扶专项资金"]["findings"] if f["code"] == "score_differs_from_rule"
    )
    assert finding["severity"] == "error"
    assert "组织对接" in finding["message"]
    assert "得分 2.7 与按规则计算的得分 5 " in finding["message"]


def test_money_and_scores_are_strings(exported):
    form = exported["价格认证资金"]
    assert form["budget_lines"][0]["annual_budget"] == "23.380701"
    assert form["indicators"][0]["weight"] == "20.00"
    for key in ("total_weight", "total_score"):
        assert isinstance(form[key], str)


def test_legacy_record_beside_what_we_compute(exported):
    form = exported["帮扶专项资金"]
    assert form["recorded_total_score"] == "91.33"
    assert form["total_score"] == "96.33"
    assert form["budget"]["recorded_score"] == "9.93"
