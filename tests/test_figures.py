"""dsl.figures: the figures a quote states.  Quotes are taken from the bundled policies and their
sources (article in the test id); every expected value is written out by hand in base units."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal as D
from pathlib import Path

import pytest

from dsl.figures import Figure, find_figure, nearest_figure, quote_figures, ratio_in_quote
from dsl.units import Dim

POLICIES = Path(__file__).resolve().parents[1] / "policies"

USD, CNY, RATIO, POINTS, COUNT = Dim.USD, Dim.CNY, Dim.RATIO, Dim.POINTS, Dim.COUNT
MONTHS, DAYS, AREA, SCALAR = Dim.MONTHS, Dim.DAYS, Dim.AREA, Dim.SCALAR


def figures(quote: str) -> Counter[tuple[D, Dim]]:
    return Counter((f.value, f.dim) for f in quote_figures(quote))


# ---------------------------------------------------------------- every figure of a quote, exactly

EXACT = [
    pytest.param(
        "按注册资本500～1000万美元、1000～3000万美元、3000万～1亿美元、1亿美元以上的标准",
        [(D("5000000"), USD), (D("10000000"), USD), (D("10000000"), USD), (D("30000000"), USD),
         (D("30000000"), USD), (D("100000000"), USD), (D("100000000"), USD)],
        id="zjg-5-tiers-unit-written-once",
    ),
    pytest.param(  # the hard-wrapped source text, spaces and line breaks inside figures
        "资本 1000～3000 万美元、3000 万～1 亿美元、1 亿美元以上的标准分别给予每\n个项目 2、5、10 的加分",
        [(D("10000000"), USD), (D("30000000"), USD), (D("30000000"), USD), (D("100000000"), USD),
         (D("100000000"), USD), (D("2"), POINTS), (D("5"), POINTS), (D("10"), POINTS)],
        id="zjg-12-source-wrapped-tiers-and-bare-points",
    ),
    pytest.param(
        "按注册资本1000～3000万美元、3000万～1亿美元、1亿美元以上的标准分别给予每个项目2、5、10的加分",
        [(D("10000000"), USD), (D("30000000"), USD), (D("30000000"), USD), (D("100000000"), USD),
         (D("100000000"), USD), (D("2"), POINTS), (D("5"), POINTS), (D("10"), POINTS)],
        id="zjg-12-host-tiers-2-5-10",
    ),
    pytest.param("分别给予引荐单位0.5、1、1.5、2的加分",
                 [(D("0.5"), POINTS), (D("1"), POINTS), (D("1.5"), POINTS), (D("2"), POINTS)], id="zjg-5-points-list"),
    pytest.param("分别给予引荐区镇1、2、5、10的加分",
                 [(D("1"), POINTS), (D("2"), POINTS), (D("5"), POINTS), (D("10"), POINTS)], id="zjg-12c-points-list"),
    pytest.param("对每个注册资本超500万美元以上的项目（领取工商营业执照并有30%以上首期资金到账）",
                 [(D("5000000"), USD), (D("0.3"), RATIO)], id="zjg-5-threshold-and-first-instalment"),
    pytest.param("对每个注册资本超 500 万美\n元以上的项目（领\n取工商营业执照并有 30%以上首期资金到账）",
                 [(D("5000000"), USD), (D("0.3"), RATIO)], id="zjg-5-source-wrapped-500万美元"),
    pytest.param("对引进上市公司总部企业的，每个加10分", [(D("10"), POINTS)], id="zjg-12-listed-hq-10分"),
    pytest.param("对引进世界500强企业的，每个加5分", [(D("500"), SCALAR), (D("5"), POINTS)], id="zjg-12-fortune500-5分"),
    pytest.param("项目如由市级机关或其他区镇引荐的，受荐单位享受70%的加分", [(D("0.7"), RATIO)], id="zjg-12-referred-70pct"),
    pytest.param("“两区一园”注册资本1000万美元及以上、其他区镇注册资本500万美元及以上、开工并有30%以上外资到账的项目",
                 [(D("10000000"), USD), (D("5000000"), USD), (D("0.3"), RATIO)], id="zjg-13-team-thresholds"),
    pytest.param("组织招商队伍培训每年不少于三次", [(D("12"), MONTHS), (D("3"), COUNT)], id="zjg-11-three-times-a-year"),
    pytest.param("一次本地学习参观，了解本市经济发展和产业结构特点、重点企业运行情况", [(D("1"), COUNT)], id="zjg-11-once-local"),
    pytest.param("本意见自2017年1月1日起实施", [], id="zjg-14-date-is-not-a-figure"),
    pytest.param("该项加分项目的投资规模条件对除“两区一园”外的乡镇减半实施", [(D("0.5"), RATIO)], id="zjg-12-halved"),
    pytest.param("全市实现实际利用外资160亿美元以上", [(D("16000000000"), USD)], id="jx-1-2-fdi-160亿美元"),
    pytest.param("总投资超亿美元项目200个", [(D("100000000"), USD), (D("200"), COUNT)], id="jx-1-2-超亿美元-is-1亿"),
    pytest.param("新增工业用地备案投资额超7000亿元", [(D("700000000000"), CNY)], id="jx-1-2-7000亿元"),
    pytest.param("其中：2024年实际利用外资确保32亿美元，力争35亿美元",
                 [(D("3200000000"), USD), (D("3500000000"), USD)], id="jx-1-2-2024-is-a-year"),
    pytest.param("其中超百亿元项目不少于5个", [(D("10000000000"), CNY), (D("5"), COUNT)], id="jx-1-2-百亿元"),
    pytest.param("由市投资促进中心对全市在谈总投资10亿元和1亿美元以上项目进行报备纳库管理",
                 [(D("1000000000"), CNY), (D("100000000"), USD)], id="jx-2-3-10亿元-and-1亿美元"),
    pytest.param("各地拟签约总投资30亿元、1亿美元以上和标志性重大项目",
                 [(D("3000000000"), CNY), (D("100000000"), USD)], id="jx-2-3-30亿元-1亿美元"),
    pytest.param("赋予首报地1个月的排他性首谈资格", [(D("1"), MONTHS)], id="jx-2-3-1个月"),
    pytest.param("提前一周将签约信息报送至市投资促进中心", [(D("7"), DAYS)], id="jx-2-3-一周"),
    pytest.param("建立全市连片100亩以上可供招商土地清单", [(D("100"), AREA)], id="jx-2-7-100亩"),
    pytest.param("加大对200亩以上连片净地的储备", [(D("200"), AREA)], id="jx-2-7-200亩"),
    pytest.param("市级部门建立双周例会机制", [(D("14"), DAYS)], id="jx-2-1-双周"),
    pytest.param("实行全年目标任务月度通报、季度评价、年度评优的全周期综合激励评价机制",
                 [(D("1"), MONTHS), (D("3"), MONTHS), (D("12"), MONTHS)], id="jx-3-1-monthly-quarterly-yearly"),
    pytest.param("“十四五”期间", [], id="jx-1-2-unencoded-十四五-is-a-name"),
    pytest.param("（1214征求意见稿）", [(D("1214"), SCALAR)], id="jx-title-unencoded-bare-number"),
    pytest.param("在全市组建一支规模100人左右的专业招商队伍", [(D("1"), SCALAR), (D("100"), COUNT)], id="tc-1-2-about-100人"),
    pytest.param("引进产业招商专员40名左右", [(D("40"), COUNT)], id="tc-1-2-40名"),
    pytest.param("港区、高新区各配备专职招商人员不少于15人", [(D("15"), COUNT)], id="tc-1-2-15人"),
    pytest.param("各区镇每两月上报在谈项目、签约项目、落户项目信息", [(D("2"), MONTHS)], id="tc-2-1-每两月"),
    pytest.param("根据最终得分评定“A+”~“F”共7个等级", [(D("7"), COUNT)], id="tc-2-2-7个等级"),
    pytest.param("对连续两年考核不合格人员予以解聘", [(D("24"), MONTHS)], id="tc-3-3-两年"),
    pytest.param("太政发〔2020〕43号", [], id="tc-docno-is-not-a-figure"),
    pytest.param("已经市政府第46次常务会议审议通过", [], id="tc-ordinal-第46次"),
    pytest.param("2020年7月6日", [], id="tc-issue-date"),
    pytest.param("在全市冲刺“两个高于”和“22321”三年目标任务中勇挑重担",
                 [(D("2"), COUNT), (D("22321"), SCALAR), (D("36"), MONTHS)], id="tc-preface-三年"),
    pytest.param("给予最高50万元的一次性奖励", [(D("500000"), CNY), (D("1"), COUNT)], id="wx-1-50万元"),
    pytest.param("对符合要求的重大产业项目，落地后按项目实缴资金给予引荐中介机构5‰、最高200万元奖励",
                 [(D("0.005"), RATIO), (D("2000000"), CNY)], id="wx-6-5permille-200万元"),
    pytest.param("按照“一事一议”原则，给予最高300万元支持", [(D("3000000"), CNY)], id="wx-6-300万元"),
    pytest.param("评选招商金、银、铜牌项目分别不超过5个、10个、20个",
                 [(D("5"), COUNT), (D("10"), COUNT), (D("20"), COUNT)], id="wx-15-5-10-20个"),
    pytest.param("评选招商先锋不超过30名", [(D("30"), COUNT)], id="wx-15-30名"),
    pytest.param("全年评选招商护商先进集体不超过总基数25%", [(D("0.25"), RATIO)], id="wx-15-25pct"),
    pytest.param("其中制造业项目占比不低于80%", [(D("0.8"), RATIO)], id="wx-15-80pct"),
    pytest.param("分类别按实际到账外资比例给予最高2%、不超过5000万元奖励",
                 [(D("0.02"), RATIO), (D("50000000"), CNY)], id="wx-16-最高2%-5000万元"),
    pytest.param("分别给予最高600万元和200万元资金补助", [(D("6000000"), CNY), (D("2000000"), CNY)], id="wx-16-600-and-200万元"),
    pytest.param("建立“全球百场重点经贸招商活动清单”", [(D("100"), COUNT)], id="wx-14-百场"),
    pytest.param("深入贯彻落实党的二十大精神", [(D("20"), SCALAR)], id="wx-preface-二十"),
    pytest.param("2023年9月28日", [], id="wx-issue-date"),
    pytest.param("（十五）健全招商引资激励机制", [], id="wx-source-heading-十五"),
]


@pytest.mark.parametrize(("quote", "expected"), EXACT)
def test_quote_figures_exact(quote: str, expected: list[tuple[D, Dim]]) -> None:
    assert figures(quote) == Counter(expected)


# ---------------------------------------------------------------- forms of notation

@pytest.mark.parametrize(
    ("quote", "value", "dim"),
    [
        pytest.param("给予当年度项目到帐外资2～5‰的奖励", D("0.002"), RATIO, id="zjg-13-2～5‰-low"),
        pytest.param("给予当年度项目到帐外资2～5‰的奖励", D("0.005"), RATIO, id="zjg-13-2～5‰-high"),
        pytest.param("奖励为到账外资的2‰～5‰区间", D("0.002"), RATIO, id="zjg-reading-2‰～5‰-low"),
        pytest.param("奖励为到账外资的2‰～5‰区间", D("0.005"), RATIO, id="zjg-reading-2‰～5‰-high"),
        pytest.param("其中超百亿元项目不少于1/3", D(1) / D(3), RATIO, id="jx-1-2-1/3"),
        pytest.param("其中超百亿元项目不少于1/3", D("0.3333333333333333"), RATIO, id="jx-1-2-1/3-as-float-digits"),
        pytest.param("确保主平台招引项目集聚度超过3/4", D("0.75"), RATIO, id="jx-2-7-3/4"),
        pytest.param("确保主平台招引项目集聚度超过3/4", D("0.75"), SCALAR, id="jx-2-7-3/4-as-number"),
        pytest.param("确保主平台招引项目集聚度超过四分之三", D("0.75"), RATIO, id="jx-2-7-四分之三-variant"),
        pytest.param("其中超百亿元项目不少于三分之一", D(1) / D(3), RATIO, id="jx-1-2-三分之一-variant"),
        pytest.param("推动资源要素百分之七十以上向开发区（园区）集聚", D("0.7"), RATIO, id="jx-2-7-百分之七十-variant"),
        pytest.param("按项目实缴资金给予引荐中介机构千分之五", D("0.005"), RATIO, id="wx-6-千分之五-variant"),
        pytest.param("当年度职级奖金系数可最高按照上浮50%的标准进行奖励", D("0.5"), RATIO, id="tc-3-2-上浮50%"),
        pytest.param("利用外资和招大引强综合考核得分连续两年排名全市末位的", D("24"), MONTHS, id="jx-3-1-两年"),
        pytest.param("做到亲自研究产业发展、亲自谋划项目、亲自招引项目、亲自推进项目落地，每月听取工作情况汇报",
                     D("1"), MONTHS, id="jx-2-1-每月"),
        pytest.param("每条产业链由一名市领导担任“链长”", D("1"), COUNT, id="jx-2-8-一名"),
        pytest.param("各镇配备专职招商人员不少于5人", D("5"), COUNT, id="tc-1-2-5人"),
        # numerals not met in the bundled quotes, in the texts' style
        pytest.param("配备专职招商人员十五人", D("15"), COUNT, id="numeral-十五"),
        pytest.param("建立全市连片一百亩以上可供招商土地清单", D("100"), AREA, id="numeral-一百"),
        pytest.param("首谈期半年", D("6"), MONTHS, id="numeral-半年"),
        pytest.param("给予最高五十万元的一次性奖励", D("500000"), CNY, id="numeral-五十万元"),
        pytest.param("给予最高一亿五千万元奖励", D("150000000"), CNY, id="numeral-一亿五千万元"),
        pytest.param("给予三至五万元奖励", D("30000"), CNY, id="numeral-三至五万元-scale-shared"),
        pytest.param("约100名", D("100"), COUNT, id="about-100名"),
        pytest.param("每年至少3次", D("3"), COUNT, id="每年至少3次"),
    ],
)
def test_figure_found(quote: str, value: D, dim: Dim) -> None:
    assert find_figure(value, dim, quote_figures(quote))


def test_list_with_scale_and_unit_written_once() -> None:
    # domain.md's summary of 第5条: one 万美元 for the whole list
    found = figures("500～1000、1000～3000、3000万～1亿、1亿以上万美元")
    assert found == Counter({(D("5000000"), USD): 1, (D("10000000"), USD): 2, (D("30000000"), USD): 2, (D("100000000"), USD): 2})


def test_points_written_once_after_list() -> None:
    assert figures("0.5、1、1.5、2分") == Counter([(D("0.5"), POINTS), (D("1"), POINTS), (D("1.5"), POINTS), (D("2"), POINTS)])


def test_equal_as_quantities() -> None:
    for quote in ("总投资超亿美元项目200个", "1亿美元以上", "10000万美元", "100000000美元"):
        assert find_figure(D("100000000"), USD, quote_figures(quote)), quote
    assert find_figure(D("0.3"), RATIO, quote_figures("百分之三十"))
    assert find_figure(D("0.3"), RATIO, quote_figures("30%"))
    assert find_figure(D("0.30"), RATIO, quote_figures("有30%以上首期资金到账"))


def test_years_are_not_durations() -> None:
    for quote in ("“十四五”期间（2021-2025年）", "2024年实际利用外资确保32亿美元", "本意见自2017年1月1日起实施"):
        dims = {f.dim for f in quote_figures(quote)}
        assert Dim.MONTHS not in dims and Dim.DAYS not in dims, quote
    assert not find_figure(D("2024") * 12, MONTHS, quote_figures("2024年"))


def test_names_are_not_figures() -> None:
    assert quote_figures("各地党政主要负责人坚持招大引强“一把手工程”") == []  # jx 二.1
    assert quote_figures("全市“一盘棋”招商工作体系") == []  # jx 一(一)
    assert quote_figures("按累计投资额的一定比例给予奖励") == []  # jx 三(二): 一定 is "a certain"
    assert not find_figure(D("1000"), POINTS, quote_figures("在区镇绩效千分制考核中"))  # zjg 第12条


# ---------------------------------------------------------------- negatives and hints

def test_12_points_not_in_the_2_5_10_sentence() -> None:  # zjg 第12条
    figs = quote_figures("按注册资本1000～3000万美元、3000万～1亿美元、1亿美元以上的标准分别给予每个项目2、5、10的加分")
    assert not find_figure(D("12"), POINTS, figs)
    assert not find_figure(D("1000"), SCALAR, figs)  # 1000 took the 万美元 of the range
    hint = nearest_figure(D("12"), POINTS, figs)
    assert hint is not None and hint.value == D("10") and hint.dim == POINTS


def test_wuxi_6_wrong_rate_and_cap() -> None:  # wx (6)
    figs = quote_figures("对符合要求的重大产业项目，落地后按项目实缴资金给予引荐中介机构5‰、最高200万元奖励")
    assert find_figure(D("0.005"), RATIO, figs) and find_figure(D("2000000"), CNY, figs)
    assert not find_figure(D("0.006"), RATIO, figs)
    assert not find_figure(D("2500000"), CNY, figs)
    assert not find_figure(D("2000000"), USD, figs)
    hint = nearest_figure(D("2500000"), CNY, figs)
    assert hint is not None and hint.value == D("2000000")
    hint = nearest_figure(D("0.006"), RATIO, figs)
    assert hint is not None and hint.value == D("0.005")


def test_currency_is_kept_apart() -> None:  # zjg 第13条
    figs = quote_figures("“两区一园”注册资本1000万美元及以上、其他区镇注册资本500万美元及以上")
    assert not find_figure(D("10000000"), CNY, figs)
    assert find_figure(D("10000000"), USD, figs)
    assert find_figure(D("10000000"), Dim.MONEY, figs)  # a record-currency money figure takes either
    hint = nearest_figure(D("10000000"), CNY, figs)  # no CNY figure: the closest of any dimension
    assert hint is not None and hint.dim == USD and hint.value == D("10000000")


def test_bare_numbers_confirm_counts_only_on_request() -> None:  # wx (2): 500 names a ranking
    figs = quote_figures("瞄准世界500强、中国500强")
    assert not find_figure(D("500"), COUNT, figs)
    assert find_figure(D("500"), COUNT, figs, bare_counts=True)
    assert not find_figure(D("500"), CNY, figs, bare_counts=True)


def test_nearest_of_nothing() -> None:
    assert nearest_figure(D("1"), COUNT, []) is None


# ---------------------------------------------------------------- ratios

@pytest.mark.parametrize(
    ("parts", "quote", "expected"),
    [
        pytest.param((D(1), D(1)), "考核权重比由1:1调整为1.5:1", True, id="zjg-12-1:1"),
        pytest.param((D("1.5"), D(1)), "考核权重比由1:1调整为1.5:1", True, id="zjg-12-1.5:1"),
        pytest.param((D("1.50"), D("1.0")), "考核权重比由1:1调整为1.5:1", True, id="zjg-12-1.5:1-other-digits"),
        pytest.param((D(2), D(1)), "考核权重比由1:1调整为1.5:1", False, id="zjg-12-not-2:1"),
        pytest.param((D(1), D("1.5")), "考核权重比由1:1调整为1.5:1", False, id="zjg-12-order-matters"),
        pytest.param((D(3), D(7)), "奖金由引荐单位与受荐单位按3:7的比例进行分配", True, id="zjg-13-3:7"),
        pytest.param((D(7), D(3)), "奖金由引荐单位与受荐单位按3:7的比例进行分配", False, id="zjg-13-not-7:3"),
        pytest.param((D(1), D(1)), "考核权重比由1：1调整为1.5：1", True, id="zjg-12-full-width-colon-variant"),
        pytest.param((D(3), D(7)), "按3比7的比例进行分配", True, id="zjg-13-3比7-variant"),
        pytest.param((D(3), D(7)), "按三比七的比例进行分配", True, id="zjg-13-三比七-variant"),
        pytest.param((D(1), D(1)), "在考核上予以共享地和流转承接地同等赋分", False, id="jx-2-3-同等-has-no-figure"),
    ],
)
def test_ratio_in_quote(parts: tuple[D, ...], quote: str, expected: bool) -> None:
    assert ratio_in_quote(parts, quote) is expected


# ---------------------------------------------------------------- the whole corpus

_QUOTE = re.compile(r'(?:cite|unencoded)\s+"((?:[^"\\]|\\.)*)"\s+"((?:[^"\\]|\\.)*)"')


def _corpus_quotes() -> list[str]:
    quotes = []
    for path in sorted(POLICIES.glob("*.policy")):
        quotes += [m.group(2) for m in _QUOTE.finditer(path.read_text(encoding="utf-8"))]
    return quotes


def test_every_bundled_quote_scans() -> None:
    quotes = _corpus_quotes()
    assert len(quotes) > 300
    for quote in quotes:
        for fig in quote_figures(quote):
            assert isinstance(fig, Figure) and fig.text and fig.value >= 0, (quote, fig)
        ratio_in_quote((D(1), D(1)), quote)


def test_every_source_sentence_scans() -> None:
    for path in sorted((POLICIES / "sources").glob("*.txt")):
        for sentence in re.split(r"[。；]", path.read_text(encoding="utf-8")):
            quote_figures(sentence)
