"""indicators.parsing: every value of the seed forms, the grammar, and never raising."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.parsing import (
    LOOKS_NUMERIC_MAX_LENGTH,
    Comparator,
    Direction,
    ParsedValue,
    looks_numeric,
    parse_actual,
    parse_target,
)

# (comparator, number, unit, percent): the parts of a ParsedValue a test pins down
Expected = tuple[str, Decimal, str, bool] | None


def V(comparator: str, number: str, unit: str = "", *, percent: bool = False) -> Expected:
    return (comparator, Decimal(number), unit, percent)


def parts(value: ParsedValue | None) -> Expected:
    if value is None:
        return None
    return (str(value.comparator), value.number, value.unit, value.percent)


# Every distinct 年度指标值 and 实际完成值 of seeds/000_3db43c30d19b3157.txt (14 forms, 2023).

SEED_TARGETS: list[tuple[str, Expected]] = [
    ("350卷", V("=", "350", "卷")),
    ("100%", V("=", "1", "", percent=True)),
    ("各科室档案整理完成后一个月内完成数字化", None),
    ("≥30", V("≥", "30", "")),
    ("≥20", V("≥", "20", "")),
    ("合法合规", None),
    ("5个工作日", V("=", "5", "个工作日")),
    ("2个工作日", V("=", "2", "个工作日")),
    ("100000元", V("=", "100000", "元")),
    ("完成年度指标", None),
    ("20", V("=", "20", "")),
    ("论证科学性、依据充分性、客观公正", None),
    ("根据项目难易程度，正式委托后一般不超过20个工作日", None),
    ("不超过200万", V("≤", "2000000", "")),
    ("1亿元以上", V("≥", "100000000", "元")),
    ("一份", V("=", "1", "份")),
    ("梳理出发展问题与痛点，为副中心未来发展方向与政策需求指明方向", None),
    (
        (
            "深度了解各部门工作，优化跨部门协作机制，并从企业集聚、产业发展、行业领先、"
            "经济贡献、开放创新、政策保障、机制创新、公共服务等多个维度出发，对任务及目"
            "标进行战略性指导，明确各部门任务实施路径"
        ),
        None,
    ),
    (
        (
            "围绕国务院、北京市、通州区区政府对于副中心高质量发展的总体要求，围绕着通州"
            "区经济产业特色，聚焦副中心重要载体，研究谋划副中心经济产业均衡发展战略，为"
            "区领导调度工作提供咨询建议。"
        ),
        None,
    ),
    ("完成报告编写", None),
    ("42万元", V("=", "420000", "元")),
    ("精准招商，精准扶持小巨人企业发展，培育高科技创新独角兽", None),
    ("创造更加优质的营商环境，实现通州区经济高质量发展", None),
    ("通过招商引资、动能转换、绿色低碳产业发展等工作实现", None),
    ("通过每年相关工作持续推进", None),
    (
        (
            "为副中心提供全年的产业经济跟踪、监测服务，根据通州区实际发展、区域规划，指"
            "标体系、任务评价标准将动态调整，提高使用单位的满意度。"
        ),
        None,
    ),
    (
        (
            "结合区级实际情况，借鉴国内外先进经验，研究提出适合区级落地的先进经验做法，"
            "并适时开展营商环境培训。"
        ),
        None,
    ),
    ("1份", V("=", "1", "份")),
    (("根据工作需要，对副中心政务服务中心、不动产登记分中心以及人力社保专业大厅等进行走访"), None),
    ("根据工作计划安排，有序推进各项工作", None),
    ("按照预算执行", None),
    ("作为三方智库，全力做好支撑，推动我区营商环境改革", None),
    ("1", V("=", "1", "")),
    ("3332440.18元", V("=", "3332440.18", "元")),
    ("对我区经济社会发展产生正向引导和推动", None),
    ("不少于2个", V("≥", "2", "个")),
    ("不少于2项", V("≥", "2", "项")),
    ("不少于1次", V("≥", "1", "次")),
    ("以市级下达为准", None),
    ("完成节能审查", None),
    ("2023年度完成", None),
    ("247万", V("=", "2470000", "")),
    ("完成节能宣传相关活动", None),
    ("通过节能宣传、节能管理、节能指标等工作实现。", None),
    ("通过每年相关工作持续推进。", None),
    ("完成", None),
    ("是", None),
    ("1863180", V("=", "1863180", "")),
    ("有所提升", None),
    ("有所改善", None),
    (">95%", V(">", "0.95", "", percent=True)),
    ("≥13个", V("≥", "13", "个")),
    ("≥1次", V("≥", "1", "次")),
    ("防止出现规模性返贫", None),
    ("2023年12月底前完成", None),
    ("2023年9月底前全部开工", None),
    ("2099万元", V("=", "20990000", "元")),
    ("8.6万元", V("=", "86000", "元")),
    ("40万元", V("=", "400000", "元")),
    ("通过支持产业项目、带动就业、消费帮扶带动受援地脱贫人口稳定增收", None),
    ("2个受援地区巩固拓展脱贫攻坚成果显著，无返贫现象发生", None),
    (("通过支持各受援地产业项目，增强各地产业发展动力，为有效衔接乡村振兴打下坚实基础"), None),
    ("1篇", V("=", "1", "篇")),
    ("若干篇", None),
    ("2023年", None),
    ("149.375万元", V("=", "1493750", "元")),
    ("加快推动“十四五”规划纲要实施，加快经济社会发展，提升综合实力。", None),
    ("加快推动“十四五”规划纲要实施，推动社会事业领域项目落实。", None),
    ("加快推动“十四五”规划纲要实施，提升通州区生态环境水平。", None),
    ("≥80件", V("≥", "80", "件")),
    ("符合价格认定规定", None),
    ("按价格认定协助书约定日期内完成", None),
    ("23.380701万元", V("=", "233807.01", "元")),
    ("公平公正", None),
    ("1年内", V("≤", "1", "年")),
    ("3.3", V("=", "3.3", "")),
    ("12月底", None),
    ("3.2万元", V("=", "32000", "元")),
    ("项目总投资不低于100亿元以上的重大投资项目", None),
    ("400", V("=", "400", "")),
    ("100", V("=", "100", "")),
    (
        (
            "精心筛选出的对促进经济社会发展具有战略性、基础性、先导性、全局性意义的重大"
            "投资项目谋划储备清单"
        ),
        None,
    ),
    ("重大投资项目谋划储备清单", None),
]

SEED_ACTUALS: list[tuple[str, Expected]] = [
    ("373卷", V("=", "373", "卷")),
    ("100%", V("=", "1", "", percent=True)),
    ("按期完成", None),
    ("完成", None),
    ("32", V("=", "32", "")),
    ("论证科学性、依据充分性、客观公正", None),
    ("根据项目难易程度，正式委托后按时限完成", None),
    ("199.9万", V("=", "1999000", "")),
    ("2.5亿元", V("=", "250000000", "元")),
    ("已完成《2022年北京城市副中心经济产业高质量发展", None),
    ("已梳理出副中心产业发展中存在的症结问题", None),
    ("已建立发展评估指标体系", None),
    ("针对副中心经济产业均衡发展提出意见建议，为区领导调度工作提供咨询建议", None),
    ("已完成《2022年北京城市副中心经济产业高质量发展评估报告》", None),
    ("已全部支出", None),
    ("为副中心未来产业发展方向、扶持相关企业发展提出意见建议", None),
    ("为副中心产业发展、营商环境等工作提出意见建议", None),
    ("为副中心绿色发展提出相关建议", None),
    ("为副中心产业发展提供未来发展建议", None),
    ("满意", None),
    (
        (
            "相关经验做法已纳入《通州区全面优化营商环境助力企业高质量发展实施方案》，并"
            "开展营商环境培训。"
        ),
        None,
    ),
    ("1份", V("=", "1", "份")),
    ("已按照实际计划开展走访工作。", None),
    (
        (
            "作为智库，能及时为我区优化营商环境工作提供支撑，提出各地先进经验，加快推进"
            "我区营商环境改革。"
        ),
        None,
    ),
    ("该项目在预算范围内", None),
    ("按照要求做好各项工作，提升我区营商环境水平。", None),
    ("1", V("=", "1", "")),
    ("3332440.18元", V("=", "3332440.18", "元")),
    ("对我区经济社会发展产生正向引导和推动", None),
    ("2", V("=", "2", "")),
    ("以市级下达为准", None),
    ("完成节能审查", None),
    ("2023年度完成", None),
    ("247万", V("=", "2470000", "")),
    ("已完成", None),
    ("是", None),
    ("1863180", V("=", "1863180", "")),
    ("有所提升", None),
    ("有所改善", None),
    ("26", V("=", "26", "")),
    ("拨付受援地帮扶资金聚焦巩固脱贫攻坚成果", None),
    ("全部完成", None),
    ("9月底前全部开工建设，年底100%已完工", None),
    ("2099万元", V("=", "20990000", "元")),
    ("4.69万元", V("=", "46900", "元")),
    ("29.62万元", V("=", "296200", "元")),
    (
        (
            "2023年，为内蒙两旗引进企业11家，新增社会资本投额额3.2亿元，吸纳农村劳动力"
            "就业423人；采购和帮助销售农畜牧产品和特色手工艺产品11.2亿元"
        ),
        None,
    ),
    ("2个受援地区巩固拓展脱贫攻坚成果显著，无返贫现象发生", None),
    (("围绕五大振兴，实施26个项目，不断增强受援地区造血能力，帮助农村劳动力实现就业5990人"), None),
    ("1篇", V("=", "1", "篇")),
    ("10篇", V("=", "10", "篇")),
    ("2023年", None),
    ("149.375万元", V("=", "1493750", "元")),
    ("“十四五”规划纲要有序实施，城市综合实力进一步提升。", None),
    ("“十四五”规划纲要有序实施，城市副中心高质量发展步伐持续加快。", None),
    ("“十四五”规划纲要有序实施，通州区生态环境水平进一步提升。", None),
    ("119件", V("=", "119", "件")),
    ("3.3", V("=", "3.3", "")),
    ("12月底", None),
    ("3.2万元", V("=", "32000", "元")),
    ("101.4亿元", V("=", "10140000000", "元")),
    ("2023年12月底前完成", None),
    ("399.9", V("=", "399.9", "")),
    ("399.95", V("=", "399.95", "")),
    ("99", V("=", "99", "")),
    ("99.95", V("=", "99.95", "")),
]

# Seed targets short enough to be values: the ones with a digit look numeric except dates.
SEED_LOOKS_NUMERIC: list[tuple[str, bool]] = [
    ("350卷", True),
    ("100%", True),
    ("各科室档案整理完成后一个月内完成数字化", False),
    ("≥30", True),
    ("≥20", True),
    ("合法合规", False),
    ("5个工作日", True),
    ("2个工作日", True),
    ("100000元", True),
    ("完成年度指标", False),
    ("20", True),
    ("论证科学性、依据充分性、客观公正", False),
    ("不超过200万", True),
    ("1亿元以上", True),
    ("一份", False),
    ("完成报告编写", False),
    ("42万元", True),
    ("通过每年相关工作持续推进", False),
    ("1份", True),
    ("根据工作计划安排，有序推进各项工作", False),
    ("按照预算执行", False),
    ("1", True),
    ("3332440.18元", True),
    ("对我区经济社会发展产生正向引导和推动", False),
    ("不少于2个", True),
    ("不少于2项", True),
    ("不少于1次", True),
    ("以市级下达为准", False),
    ("完成节能审查", False),
    ("2023年度完成", False),
    ("247万", True),
    ("完成节能宣传相关活动", False),
    ("通过每年相关工作持续推进。", False),
    ("完成", False),
    ("是", False),
    ("1863180", True),
    ("有所提升", False),
    ("有所改善", False),
    (">95%", True),
    ("≥13个", True),
    ("≥1次", True),
    ("防止出现规模性返贫", False),
    ("2023年12月底前完成", False),
    ("2023年9月底前全部开工", False),
    ("2099万元", True),
    ("8.6万元", True),
    ("40万元", True),
    ("1篇", True),
    ("若干篇", False),
    ("2023年", False),
    ("149.375万元", True),
    ("≥80件", True),
    ("符合价格认定规定", False),
    ("按价格认定协助书约定日期内完成", False),
    ("23.380701万元", True),
    ("公平公正", False),
    ("1年内", True),
    ("3.3", True),
    ("12月底", False),
    ("3.2万元", True),
    ("400", True),
    ("100", True),
    ("重大投资项目谋划储备清单", False),
]


@pytest.mark.parametrize(("text", "expected"), SEED_TARGETS)
def test_seed_targets(text: str, expected: Expected) -> None:
    assert parts(parse_target(text)) == expected


@pytest.mark.parametrize(("text", "expected"), SEED_ACTUALS)
def test_seed_actuals(text: str, expected: Expected) -> None:
    assert parts(parse_actual(text)) == expected


@pytest.mark.parametrize(("text", "expected"), SEED_LOOKS_NUMERIC)
def test_seed_looks_numeric(text: str, expected: bool) -> None:
    assert looks_numeric(text) is expected


def test_no_seed_target_that_looks_numeric_is_left_unparsed() -> None:
    # The seed's numeric-looking targets all parse, so none of them raises value_unparsed.
    unparsed = [t for t, _ in SEED_LOOKS_NUMERIC if looks_numeric(t) and parse_target(t) is None]
    assert unparsed == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # comparators in front
        ("≥30", V("≥", "30")),
        ("≥ 30", V("≥", "30")),
        (">=30", V("≥", "30")),
        ("≧30", V("≥", "30")),
        ("大于等于30", V("≥", "30")),
        ("不少于2个", V("≥", "2", "个")),
        ("不低于90%", V("≥", "0.9", percent=True)),
        ("不小于5", V("≥", "5")),
        ("至少3次", V("≥", "3", "次")),
        ("达到95%", V("≥", "0.95", percent=True)),
        (">95%", V(">", "0.95", percent=True)),
        ("大于10", V(">", "10")),
        ("高于10", V(">", "10")),
        ("超过10家", V(">", "10", "家")),
        ("≤5个工作日", V("≤", "5", "个工作日")),
        ("<=5", V("≤", "5")),
        ("不超过200万", V("≤", "2000000")),
        ("不高于3%", V("≤", "0.03", percent=True)),
        ("不大于3", V("≤", "3")),
        ("至多2次", V("≤", "2", "次")),
        ("最多2次", V("≤", "2", "次")),
        ("<2%", V("<", "0.02", percent=True)),
        ("小于2%", V("<", "0.02", percent=True)),
        ("低于2%", V("<", "0.02", percent=True)),
        ("少于3起", V("<", "3", "起")),
        # comparators behind
        ("1亿元以上", V("≥", "100000000", "元")),
        ("90%及以上", V("≥", "0.9", percent=True)),
        ("200万元以内", V("≤", "2000000", "元")),
        ("5%以下", V("≤", "0.05", percent=True)),
        ("3起及以下", V("≤", "3", "起")),
        ("30日内", V("≤", "30", "日")),
        ("一个月内", V("≤", "1", "个月")),
        ("5个工作日之内", V("≤", "5", "个工作日")),
        # both, agreeing: the prefix decides (it may be strict)
        ("不低于100亿元以上", V("≥", "10000000000", "元")),
        ("控制在200万元以内", V("≤", "2000000", "元")),
        (">5以上", V(">", "5")),
        # bare values
        ("350卷", V("=", "350", "卷")),
        ("100%", V("=", "1", percent=True)),
        ("99.35%", V("=", "0.9935", percent=True)),
        ("0", V("=", "0")),
        ("0%", V("=", "0", percent=True)),
        ("20", V("=", "20")),
        ("42万元", V("=", "420000", "元")),
        ("2.5亿元", V("=", "250000000", "元")),
        ("5千万元", V("=", "50000000", "元")),
        ("3百万", V("=", "3000000")),
        ("1万亿元", V("=", "1000000000000", "元")),
        ("1万人", V("=", "10000", "人")),
        ("100000元", V("=", "100000", "元")),
        ("1,863,180", V("=", "1863180")),
        ("1,863,180.5元", V("=", "1863180.5", "元")),
        ("5个百分点", V("=", "5", "个百分点")),
        ("751平方公里", V("=", "751", "平方公里")),
        ("3.5km", V("=", "3.5", "km")),
        ("200m²", V("=", "200", "m2")),
        ("300人次", V("=", "300", "人次")),
        # Chinese numerals
        ("一份", V("=", "1", "份")),
        ("两个", V("=", "2", "个")),
        ("十个", V("=", "10", "个")),
        ("十二次", V("=", "12", "次")),
        ("二十篇", V("=", "20", "篇")),
        ("一百零五", V("=", "105")),
        ("一千零十", V("=", "1010")),
        ("三千", V("=", "3000")),
        ("五千万元", V("=", "50000000", "元")),
        ("不少于三次", V("≥", "3", "次")),
        ("二〇二三", V("=", "2023")),
        # full-width and stray spacing
        ("３０％", V("=", "0.3", percent=True)),
        ("＞９５％", V(">", "0.95", percent=True)),
        (" 350 卷 ", V("=", "350", "卷")),
        ("100%。", V("=", "1", percent=True)),
    ],
)
def test_parse_target_grammar(text: str, expected: Expected) -> None:
    assert parts(parse_target(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "—",
        "-",
        "/",
        "%",
        "万元",
        "≥",
        "以上",
        "完成",
        "100%完成",
        "完成率100%",
        "约100",
        "100左右",
        "90%-100%",
        "1/2",
        "-5",
        "1.2.3",
        "1,86",
        "30,",
        "2023年",  # a calendar year, not a count of years
        "二〇二三年",
        "12月底",
        "2023年12月底前完成",
        "5个工作日内完成",
        "正式委托后一般不超过20个工作日",  # a sentence that contains a value
        "项目总投资不低于100亿元以上的重大投资项目",
        ">5以下",  # contradicting comparators
        "不超过5以上",
        "5万%",
        "10月份",
        "一二",  # not a numeral
        "十百",
        "零五",
        "五零十",
        "100亿元以上的",
        "1" * 100,  # longer than any value
    ],
)
def test_parse_target_rejects(text: str) -> None:
    assert parse_target(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("373卷", V("=", "373", "卷")),
        ("199.9万", V("=", "1999000")),
        ("2.5亿元", V("=", "250000000", "元")),
        ("100%", V("=", "1", percent=True)),
        ("32", V("=", "32")),
        ("一份", V("=", "1", "份")),
        ("0", V("=", "0")),
        # an achieved value carries no comparator
        ("≥30", None),
        ("100%以上", None),
        ("不超过200万", None),
        ("已完成", None),
        ("", None),
    ],
)
def test_parse_actual(text: str, expected: Expected) -> None:
    assert parts(parse_actual(text)) == expected


@pytest.mark.parametrize(
    ("comparator", "direction"),
    [
        (Comparator.GE, Direction.POSITIVE),
        (Comparator.GT, Direction.POSITIVE),
        (Comparator.EQ, Direction.POSITIVE),
        (Comparator.LE, Direction.REVERSE),
        (Comparator.LT, Direction.REVERSE),
    ],
)
def test_direction_follows_comparator(comparator: Comparator, direction: Direction) -> None:
    texts = {Comparator.GE: "≥1", Comparator.GT: ">1", Comparator.EQ: "1"}
    texts |= {Comparator.LE: "≤1", Comparator.LT: "<1"}
    value = parse_target(texts[comparator])
    assert value is not None
    assert value.direction == direction
    assert value.direction in {"positive", "reverse"}  # plain strings for templates and JSON


def test_parsed_value_keeps_raw_text_and_multiplier() -> None:
    value = parse_target(" 不超过 200万 ")
    assert value == ParsedValue(
        comparator=Comparator.LE,
        direction=Direction.REVERSE,
        number=Decimal("2000000"),
        unit="",
        percent=False,
        raw=" 不超过 200万 ",
        multiplier=Decimal("10000"),
    )


def test_numbers_carry_no_exponent() -> None:
    value = parse_target("1亿元以上")
    assert value is not None
    assert str(value.number) == "100000000"


@pytest.mark.parametrize(
    ("target", "actual", "comparable"),
    [
        ("350卷", "373卷", True),  # same unit
        ("不少于2个", "2", True),  # only one side has a unit
        ("≥30", "32个", True),
        ("不超过200万", "199.9万", True),
        ("200万元", "199.9万", True),  # 万 on both sides, one says 元
        ("100000元", "10万元", True),  # same unit, different scale: numbers are normalised
        ("1亿元以上", "25000万元", True),
        ("100%", "100%", True),
        (">95%", "0.96", False),  # a percentage against a plain number
        ("≥30", "100%", False),
        ("100000元", "100%", False),
        ("100个", "100件", False),  # two different units
        ("5个工作日", "5天", False),
        ("42万元", "42", False),  # "42" most likely means 万元 too: do not compare
        ("42", "42万元", False),
        ("42万", "420000元", False),
    ],
)
def test_comparable_with(target: str, actual: str, comparable: bool) -> None:
    t, a = parse_target(target), parse_actual(actual)
    assert t is not None and a is not None
    assert t.comparable_with(a) is comparable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("≥30", True),  # looks numeric whether or not it parses
        ("5个工作日内完成", True),
        ("30次/年", True),
        ("约100", True),
        ("9" * LOOKS_NUMERIC_MAX_LENGTH, True),
        ("9" * (LOOKS_NUMERIC_MAX_LENGTH + 1), False),
        ("一份", False),  # no Arabic digit
        ("若干篇", False),
        ("完成", False),
        ("", False),
        ("2023年", False),  # dates
        ("2023年度完成", False),
        ("12月底", False),
        ("9月底前全部开工", False),
        ("15日前", False),
        ("正式委托后一般不超过20个工作日", True),  # short enough to be a mistyped value
        ("根据项目难易程度，正式委托后一般不超过20个工作日", False),  # prose
    ],
)
def test_looks_numeric(text: str, expected: bool) -> None:
    assert looks_numeric(text) is expected


@pytest.mark.parametrize("bad", [None, 5, Decimal("5"), b"30", ["30"]])
def test_non_strings_give_none(bad: object) -> None:
    assert parse_target(bad) is None  # type: ignore[arg-type]
    assert parse_actual(bad) is None  # type: ignore[arg-type]
    assert looks_numeric(bad) is False  # type: ignore[arg-type]


VALUE_ALPHABET = (
    "0123456789.,%‰ ≥≤<>=－-万亿千百十元个件卷次年月日以上下内不少于超过至多一二两三零〇"
)


@given(st.text())
def test_parsing_never_raises_on_any_text(text: str) -> None:
    parse_target(text)
    parse_actual(text)
    looks_numeric(text)


@given(st.text(alphabet=VALUE_ALPHABET, max_size=25))
def test_parsed_values_are_consistent(text: str) -> None:
    # Text made of value characters exercises the grammar far more than random unicode.
    for value in (parse_target(text), parse_actual(text)):
        if value is None:
            continue
        assert value.number >= 0
        assert value.raw == text
        assert value.direction == (
            Direction.REVERSE
            if value.comparator in {Comparator.LE, Comparator.LT}
            else Direction.POSITIVE
        )
    actual = parse_actual(text)
    if actual is not None:
        assert actual.comparator == Comparator.EQ
