"""The evaluator on a city's own record and the new clause shapes: declared fields of every type, choice
codes read from the batch's record, texts in sets and declared lists, dates, named conditions, `pick`
tables, per-unit amounts, a project's own exchange rate and payers, over batches of several projects
with the boundaries, and what `explain` says of each.

The source is a fictional text (SOURCE below, 第二条–第八条); every expected figure is worked out by
hand in the comments beside it.  The run's USD→CNY rate is 7; project `usd_own` has its own rate,
7.1234, for `fdi_arrived` (外资按到账当日汇率折合人民币).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import POLICIES

from compare.engine.assumed import annotate_assumed, assumed_row
from compare.engine.batch import CNY, USD, ProjectBatch
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.explain import explain
from compare.engine.payer import payer_row, payer_totals
from dsl.ast import NO_SPAN
from dsl.check import check_text
from dsl.record import RecordBuilder, merge_records
from dsl.taxonomy import load_taxonomy
from dsl.units import Dim

TAXONOMY = load_taxonomy(POLICIES / "taxonomy")[0]
SOURCE = """某市招商引资奖励办法（虚构，供测试）
第二条 本办法适用于外资项目，不含房地产、金融类项目。
第三条 按到账外资的0.5%给予奖励；其中制造业项目按1%；重点区域制造业项目按2%；单个项目最高5000万元。奖励资金由市和区按1:1分担。
第四条 按每平方米30元给予租金补贴，最高100万元，由区级财政承担。
第五条 按新增就业人数每人2000元/人给予奖励，市级财政承担50%，区级财政承担50%。
第六条 实际投资1亿元以上的项目给予10万元落地奖励；专精特新“小巨人”企业项目不设下限。奖励资金由市和区共同承担。
第七条 2024年1月1日以后落地的瞪羚企业、独角兽企业项目，由社会组织引荐的，给予引荐人5万元。
第八条 到账外资折合人民币7123.4万元以上的，另奖1元。
第十条 到账外资1000万美元以上的，另行登记。
"""
POLICY = """policy t {
  city t "测试"
  source "t.txt"
}
field new_jobs "新增就业人数" { type count 人  default 0人 }
field rent_area "租赁面积" { type area 平方米  default 0平方米 }
field zone "所在区域" { type choice { key_area "重点区域", ordinary "一般区域" }  default ordinary }
field honours "企业荣誉" { type set { gazelle "瞪羚企业", unicorn "独角兽企业" } }
field landed_on "落地日期" { type date }
category little_giant "专精特新“小巨人”企业"
choice referral social_org "社会组织"
list excluded "房地产、金融类" = {"房地产", "金融"}
condition eligible "符合第二条规定的项目" {
  cite "第二条" "本办法适用于外资项目，不含房地产、金融类项目"
  when foreign and industry not in excluded
}
clause fdi_reward "到账外资奖励" {
  concept reward.fdi
  cite "第三条" "按到账外资的0.5%给予奖励；其中制造业项目按1%；重点区域制造业项目按2%；单个项目最高5000万元"
  cite "第三条" "奖励资金由市和区按1:1分担"
  when eligible
  value pick highest {
    when manufacturing and zone == key_area -> 2%
    when manufacturing -> 1%
    otherwise -> 0.5%
  } of cny(fdi_arrived) cap 5000万元
  payer city, district = 1:1
}
clause rent_subsidy "租金补贴" {
  concept reward.hq
  cite "第四条" "按每平方米30元给予租金补贴，最高100万元，由区级财政承担"
  value 30元/平方米 derived "每平方米30元" * rent_area cap 100万元
  payer district
}
clause jobs_reward "就业奖励" {
  concept reward.team
  cite "第五条" "按新增就业人数每人2000元/人给予奖励，市级财政承担50%，区级财政承担50%"
  value 2000元/人 * new_jobs
  payer city = 50%, district = 50%
}
clause landing "落地奖励" {
  concept reward.landing
  cite "第六条" "实际投资1亿元以上的项目给予10万元落地奖励；专精特新“小巨人”企业项目不设下限"
  cite "第六条" "奖励资金由市和区共同承担"
  when eligible and (total_investment >= 1亿元 or little_giant in categories)
  value 10万元
  payer city, district
}
clause referrer "引荐奖励" {
  concept reward.intermediary
  cite "第七条" "2024年1月1日以后落地的瞪羚企业、独角兽企业项目，由社会组织引荐的，给予引荐人5万元"
  when landed_on >= 2024-01-01 and (gazelle in honours or unicorn in honours) and referral == social_org
  value 5万元
}
clause large_fdi "大额外资" {
  concept reward.case_by_case
  cite "第八条" "到账外资折合人民币7123.4万元以上的，另奖1元"
  when cny(fdi_arrived) >= 7123.4万元
  value 1元
}
"""
FX = 7
IDS = ["usd_own", "usd_run", "tie", "capped", "property", "domestic", "finance"]
# days since 1970-01-01: 2024-01-01 is 54 years on, 13 of them leap (1972 … 2020): 54·365 + 13 = 19723
JAN_2024 = 19723.0


def compiled(text: str = POLICY, source: str = SOURCE) -> CompiledPolicy:
    p, diags = check_text(text, "t.policy", TAXONOMY, source)
    errors = [(d.code, d.message) for d in diags if d.is_error]
    assert p is not None and not errors, errors
    return CompiledPolicy(p)


def batch(cp: CompiledPolicy, referral_codes: list[int] | None = None) -> ProjectBatch:
    """The seven projects, columns built by hand as compare.data builds them (money in yuan or dollars
    with `#cur`; area in 亩; a choice as its code in the record; a set as one column per member)."""
    rec = cp.policy.record
    social = rec.choices("referral").index("social_org")
    inter = rec.choices("referral").index("intermediary")
    key, ordinary = rec.choices("zone").index("key_area"), rec.choices("zone").index("ordinary")
    cols: dict[str, np.ndarray] = {
        "foreign": np.array([True, True, True, True, True, False, True]),
        "manufacturing": np.array([True, False, True, True, True, True, False]),
        "industry": np.array(["制造", "软件", "", "制造", "房地产", "制造", "金融"], dtype=object),
        "zone": np.array([key, ordinary, ordinary, key, key, key, ordinary], dtype=np.int16),
        # 1000万美元 (own rate 7.1234), 100万美元 (the run's rate), 50.50元, 30亿元, 1000万元, 1000万元, 1000万元
        "fdi_arrived": np.array([10_000_000, 1_000_000, 50.5, 3_000_000_000, 10_000_000, 10_000_000, 10_000_000.0]),
        "fdi_arrived#cur": np.array([USD, USD, CNY, CNY, CNY, CNY, CNY]),
        # the data layer's conversion at the project's own rate: 1000万美元 × 7.1234 = 71,234,000元
        "fdi_arrived#own": np.array([True, False, False, False, False, False, False]),
        "fdi_arrived#alt": np.array([71_234_000.0, 0, 0, 0, 0, 0, 0]),
        "fdi_arrived#rate": np.array([7.1234, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan]),
        # 99,999,999.99元 (a fen short of 1亿元), exactly 1亿元, 99,999,999.99元 …
        "total_investment": np.array([99_999_999.99, 100_000_000, 99_999_999.99, 0, 200_000_000, 0, 0]),
        "total_investment#cur": np.full(7, CNY),
        "categories.little_giant": np.array([False, False, True, False, False, False, False]),
        # 1234平方米 = 1.851亩, 50000平方米 = 75亩, 0.5平方米 = 0.00075亩, 33333.33平方米 = 49.999995亩
        "rent_area": np.array([1234 * 0.0015, 75.0, 0.5 * 0.0015, 33333.33 * 0.0015, 0, 0, 0]),
        "new_jobs": np.array([3.0, 7, 0, 0, 0, 0, 0]),
        # 2024-01-01, 2023-12-31, 2024-06-01 (+152 days), 2025-01-01 (+366)
        "landed_on": np.array([JAN_2024, JAN_2024 - 1, JAN_2024 + 152, JAN_2024 + 366, JAN_2024, JAN_2024, JAN_2024]),
        "honours.gazelle": np.array([True, False, False, False, True, True, True]),
        "honours.unicorn": np.array([False, True, False, True, False, False, False]),
        "referral": np.array(referral_codes or [social, social, social, inter, social, social, social], dtype=np.int16),
    }
    return ProjectBatch(list(IDS), cols)


def outcome(out: Outcomes, concept: str) -> list[float | None]:
    """Per project the outcome, None where not eligible."""
    lo, _ = out.numeric[concept]
    return [float(lo[i]) if out.eligible[concept][i] else None for i in range(len(out.ids))]


def test_pick_named_condition_and_own_rate() -> None:
    """第二条, 第三条: eligible = foreign and the industry not 房地产/金融; the rate is the highest that
    applies (2% manufacturing in the key area, 1% manufacturing, else 0.5%), of the capital arrived in
    元, capped at 5000万元."""
    cp = compiled()
    out = cp.evaluate(batch(cp), FX)
    assert outcome(out, "reward.fdi") == [
        1_424_680.0,  # usd_own: 1000万美元 at its own 7.1234 = 71,234,000元; 2% (manufacturing, key area)
        35_000.0,     # usd_run: 100万美元 at the run's 7 = 7,000,000元; 0.5% (not manufacturing)
        0.51,         # tie: 50.50元 × 1% = 0.505元, half a fen: away from zero, 0.51元 (exactly, not 0.5049…)
        50_000_000.0,  # capped: 30亿元 × 2% = 6000万元, capped at 5000万元
        None,         # property: 房地产 is excluded
        None,         # domestic: not foreign
        None,         # finance: 金融 is excluded
    ]


def test_own_rate_decides_a_threshold_exactly() -> None:
    """第八条: 7123.4万元 or more.  usd_own's 1000万美元 at its own 7.1234 is exactly 7123.4万元 (it meets
    the threshold); at the run's 7 it would be 7000万元.  30亿元 meets it; the others do not."""
    cp = compiled()
    out = cp.evaluate(batch(cp), FX)
    fired = out.eligible["reward.case_by_case"].tolist()
    # usd_own 71,234,000 ≥ 71,234,000 yes; usd_run 7,000,000 no; tie no; capped 30亿 yes; the three 1000万元 no
    assert fired == [True, False, False, True, False, False, False]


def test_per_unit_amounts() -> None:
    """第四条: 30元 per 平方米, at most 100万元; 第五条: 2000元 per new employee."""
    cp = compiled()
    out = cp.evaluate(batch(cp), FX)
    # 1234 × 30 = 37,020; 50000 × 30 = 150万 capped at 100万; 0.5 × 30 = 15; 33333.33 × 30 = 999,999.90
    assert outcome(out, "reward.hq") == [37_020.0, 1_000_000.0, 15.0, 999_999.9, 0.0, 0.0, 0.0]
    # 3 × 2000 = 6000; 7 × 2000 = 14,000
    assert outcome(out, "reward.team") == [6000.0, 14_000.0, 0.0, 0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("square_metres", [3, 49])
def test_per_unit_product_meets_a_threshold_at_the_exact_area(square_metres: int) -> None:
    """3平方米 is held as 0.0045亩 and read back as 3.0000000000000004平方米, 49平方米 as
    48.99999999999999平方米; at 1元/平方米 they are exactly 3元 and 49元, so `>= N元` holds and `> N元`
    does not (第四条's form, a fictional figure), and a hundredth of a 平方米 less meets neither."""
    n = square_metres
    text = POLICY + ('clause area_probe {\n  cite "第四条" "按每平方米30元给予租金补贴"\n'
                     f'  when 1元/平方米 derived "a probe" * rent_area >= {n}元 derived "a probe"\n'
                     f'    and not (1元/平方米 derived "a probe" * rent_area > {n}元 derived "a probe")\n'
                     '  value true\n}\n')
    cp = compiled(text)
    b = batch(cp).select(IDS[:2])
    b.columns["rent_area"] = np.array([n * 0.0015, (n - 0.01) * 0.0015])
    assert cp.run(b, FX).fired["area_probe"].tolist() == [True, False]


def test_threshold_or_category_and_boundaries() -> None:
    """第六条: eligible and (total investment ≥ 1亿元 or a 小巨人 project).  usd_own is a fen short and
    no 小巨人: nothing; usd_run has exactly 1亿元: 10万元; tie is a fen short but a 小巨人: 10万元; property
    has 2亿元 but is excluded (第二条)."""
    cp = compiled()
    out = cp.evaluate(batch(cp), FX)
    assert outcome(out, "reward.landing") == [None, 100_000.0, 100_000.0, None, None, None, None]


def test_dates_sets_and_declared_choice() -> None:
    """第七条: landed on or after 2024-01-01, a gazelle or a unicorn, referred by a social organisation.
    usd_own: 2024-01-01, gazelle, social_org: 5万元; usd_run: 2023-12-31: no; tie: no honours: no;
    capped: referred by an intermediary: no; the last three: 2024-01-01, gazelle, social_org: 5万元."""
    cp = compiled()
    out = cp.evaluate(batch(cp), FX)
    assert outcome(out, "reward.intermediary") == [50_000.0, None, None, None, 50_000.0, 50_000.0, 50_000.0]


def test_choice_codes_come_from_the_batchs_record() -> None:
    """A run's record may order declared values differently from one policy's: another city of the run
    declared `referral government_body` first, so in the batch `social_org` is code 5, not 4.  The
    outcome is the same as with the policy's own codes (the code is looked up in the batch's record)."""
    cp = compiled()
    other = RecordBuilder()
    other.add_value("referral", "government_body", "other_city", "国家机关", None, NO_SPAN)
    run_record, problems = merge_records([other.build(), cp.policy.record])
    assert problems == []
    assert run_record.choices("referral").index("social_org") == 5
    codes = [5, 5, 5, 3, 5, 5, 5]  # social_org in the run's record; capped's intermediary stays 3 (core)
    b = batch(cp, codes)
    b.record = run_record  # type: ignore[attr-defined]  # the data layer sets it (ProjectBatch.record)
    out = cp.evaluate(b, FX)
    assert outcome(out, "reward.intermediary") == [50_000.0, None, None, None, 50_000.0, 50_000.0, 50_000.0]


def test_sets_exclusions_choices_and_dates() -> None:
    """`in` a set of texts, `not in` a declared list, `!=` a text, choices in and out of a set (the
    declared value `social_org` among them), a declared choice `!=` a value, and a date: an unknown date
    (NaN) meets no condition, either way."""
    industries = ["制造", "软件", "", "制造", "房地产", "制造", "金融"]
    for when, expected in [
        ('industry in {"制造", "软件"}', [i in ("制造", "软件") for i in industries]),
        ("industry not in excluded", [i not in ("房地产", "金融") for i in industries]),
        ('industry != "房地产"', [i != "房地产" for i in industries]),
        # capped alone was referred by an intermediary, the others by a social organisation
        ("referral in {social_org, municipal_dept}", [True, True, True, False, True, True, True]),
        ("referral not in {intermediary}", [True, True, True, False, True, True, True]),
        ("zone != key_area", [False, True, True, False, False, False, True]),
        # landed: 2024-01-01, 2023-12-31, 2024-06-01, 2025-01-01, unknown, 2024-01-01, 2024-01-01
        ("landed_on < 2024-01-01", [False, True, False, False, False, False, False]),
        ("landed_on >= 2024-01-01", [True, False, True, True, False, True, True]),
    ]:
        text = POLICY + f'clause probe {{\n  cite "第二条" "不含房地产、金融类项目"\n  when {when}\n  value 1分 derived \"a probe\"\n}}\n'
        cp = compiled(text)
        b = batch(cp)
        b.columns["landed_on"] = b.columns["landed_on"].copy()
        b.columns["landed_on"][4] = np.nan
        env = cp.run(b, FX)
        assert env.fired["probe"].tolist() == expected, when


def test_payers() -> None:
    """Who pays: 第三条 city and district 1:1 (each share to the fen, the last payer bearing the rest);
    第四条 the district; 第五条 50% each; 第六条 city and district, shares not stated (one joint payer)."""
    cp = compiled()
    out = cp.evaluate(batch(cp), FX)
    city, district = out.payers["reward.fdi"]["city"][0], out.payers["reward.fdi"]["district"][0]
    # 1,424,680 / 2 = 712,340 each; 35,000 / 2 = 17,500; 0.51 / 2 = 0.255: city 0.26 (half away), district
    # the rest 0.25; 5000万 / 2 = 2500万
    assert city.tolist()[:4] == [712_340.0, 17_500.0, 0.26, 25_000_000.0]
    assert district.tolist()[:4] == [712_340.0, 17_500.0, 0.25, 25_000_000.0]
    assert list(out.payers["reward.hq"]) == ["district"]
    assert list(out.payers["reward.landing"]) == ["city+district"]
    totals = payer_totals(out)
    # city: fdi 712,340 + 17,500 + 0.26 + 25,000,000 = 25,729,840.26; jobs 3000 + 7000 = 10,000
    assert totals["city"]["reward.fdi"] == (25_729_840.26, 25_729_840.26)
    assert totals["city"]["reward.team"] == (10_000.0, 10_000.0)
    # district: rent 37,020 + 1,000,000 + 15 + 999,999.90 = 2,037,034.90
    assert totals["district"]["reward.hq"] == pytest.approx((2_037_034.9, 2_037_034.9), abs=1e-9)
    # landing: usd_run and tie, 10万 each, jointly
    assert totals["city+district"]["reward.landing"] == (200_000.0, 200_000.0)
    assert "reward.intermediary" not in out.payers  # no clause of it names a payer
    assert payer_row(out, 2)["reward.fdi"] == {"city": 0.26, "district": 0.25}


def test_rate_used_per_project() -> None:
    """The output says which rate each project used: its own (`fx_rate`, or the rate its amounts'
    own rates give, `fx_rate.FIELD`) or the run's."""
    cp = compiled()
    b = batch(cp)
    out = cp.evaluate(b, FX)  # usd_own has 7.1234 for fdi_arrived only
    assert [out.rate_used(i) for i in range(2)] == [(7.1234, "project"), (7.0, "run")]
    b.columns["fx_rate"] = np.array([np.nan, 6.9] + [np.nan] * 5)
    out = cp.evaluate(b, FX)
    assert [out.rate_used(i) for i in range(3)] == [(7.1234, "project"), (6.9, "project"), (7.0, "run")]


def test_explain_names_the_row_the_condition_the_rate_and_the_payers() -> None:
    cp = compiled()
    b = batch(cp)
    text = explain(cp, b, "usd_own", FX).render()
    assert "eligible (符合第二条规定的项目) = true" in text
    assert "pick highest: row 1 `manufacturing and zone == key_area` → 2%" in text
    assert "fdi_arrived = 1000万美元 × 7.1234 (the project's rate) = 7123.4万元" in text
    assert "paid by city 50% = 712,340元" not in text  # amounts are written as the texts write them
    assert "paid by city 50% = 71.234万元, district 50% = 71.234万元" in text
    assert "paid by district\n" in text  # rent: one payer, the whole amount
    assert "zone = key_area" in text and "landed_on = 2024-01-01" in text and "honours.gazelle = yes" in text
    run = explain(cp, b, "usd_run", FX).render()
    assert "pick highest: no row holds, otherwise → 0.5%" in run
    assert "fdi_arrived = 100万美元 × 7 (the run's rate) = 700万元" in run and "project's rate" not in run
    assert "paid by city and district jointly (shares not stated)" in run
    excluded = explain(cp, b, "property", FX).render()
    assert "eligible (符合第二条规定的项目) = false" in excluded
    assert 'industry = "房地产"' in excluded


def test_named_condition_evaluated_once_per_run() -> None:
    """Two clauses read `eligible`: it is compiled once, and worked out once per run (the same value)."""
    cp = compiled()
    env = cp.run(batch(cp), FX)
    assert list(env.conditions) == ["eligible"]
    assert env.conditions["eligible"].lo.tolist() == [True, True, True, True, False, False, False]
    assert list(cp.compiler._conditions) == ["eligible"]


PICK = """policy t {
  city t "测试"
  source "t.txt"
}
clause score "加分" {
  concept points.host_district
  cite "第九条" "外资项目加1分，外资制造业项目加3分，核心区外资制造业项目加2分"
  value pick RULE {
    when foreign -> 1分
    when foreign and manufacturing -> 3分
    when foreign and manufacturing and in_core_zone -> 2分
  }
}
"""
PICK_SOURCE = "第九条 外资项目加1分，外资制造业项目加3分，核心区外资制造业项目加2分。"


@pytest.mark.parametrize(("rule", "expected"), [
    # foreign only: row 1 alone holds; + manufacturing: rows 1, 2; + core zone: rows 1, 2, 3; none: no row
    ("highest", [1.0, 3.0, 3.0, None]),
    ("lowest", [1.0, 1.0, 1.0, None]),
    ("first", [1.0, 1.0, 1.0, None]),
    ("most specific", [1.0, 3.0, 2.0, None]),  # the most and-ed parts among the rows that hold
])
def test_pick_rules(rule: str, expected: list[float | None]) -> None:
    cp = compiled(PICK.replace("RULE", rule), PICK_SOURCE)
    b = ProjectBatch(["a", "b", "c", "d"], {
        "foreign": np.array([True, True, True, False]),
        "manufacturing": np.array([False, True, True, True]),
        "in_core_zone": np.array([False, False, True, True]),
    })
    out = cp.evaluate(b, FX)
    assert outcome(out, "points.host_district") == expected


def test_pick_of_ranges_end_by_end() -> None:
    """Ranges of discretion in rows: highest takes the greatest low end and the greatest high end, as
    max does: rows 1~4分 and 2~3分 both holding give 2~4分; lowest gives 1~3分."""
    quote = "外资项目加1分至4分，外资制造业项目加2分至3分"
    text = PICK.replace("外资项目加1分，外资制造业项目加3分，核心区外资制造业项目加2分", quote) \
        .replace("-> 1分\n", "-> 1分~4分\n").replace("-> 3分", "-> 2分~3分")
    text = text.replace("    when foreign and manufacturing and in_core_zone -> 2分\n", "")
    for rule, lo, hi in (("highest", 2.0, 4.0), ("lowest", 1.0, 3.0)):
        cp = compiled(text.replace("RULE", rule), f"第九条 {quote}。")
        b = ProjectBatch(["b", "a"], {"foreign": np.array([True, True]), "manufacturing": np.array([True, False]),
                                      "in_core_zone": np.array([False, False])})
        out = cp.evaluate(b, FX)
        lows, highs = out.numeric["points.host_district"]
        assert (float(lows[0]), float(highs[0])) == (lo, hi)
        assert (float(lows[1]), float(highs[1])) == (1.0, 4.0)  # row 1 alone holds: 1~4分


def test_own_rate_in_both_views_float_and_exact() -> None:
    """A project's own rate serves both currencies and both paths.  Row 0: 1000万美元 at its own 7.1234
    is 71,234,000元.  Row 1: 71,234,000元 at its own 7.1234 is 1000万美元 (the data layer's `#alt`).
    Row 2: 700万元 at the run's 7 is 100万美元.  `usd(fdi_arrived) >= 1000万美元` holds on rows 0 and 1
    exactly (at the run's 7, row 1 would be 10,176,285.71美元 and still hold, so row 3 checks the side:
    71,233,999.99元 at its own 7.1234 is 9,999,999.99美元, a cent short)."""
    text = POLICY + ('clause usd_threshold {\n  cite "第十条" "到账外资1000万美元以上的，另行登记"\n'
                     '  when usd(fdi_arrived) >= 1000万美元\n  value true\n}\n')
    cp = compiled(text)
    cols = {
        "fdi_arrived": np.array([10_000_000, 71_234_000, 7_000_000, 71_233_999.99]),
        "fdi_arrived#cur": np.array([USD, CNY, CNY, CNY]),
        "fdi_arrived#own": np.array([True, True, False, True]),
        "fdi_arrived#alt": np.array([71_234_000, 10_000_000, 0, 9_999_999.99]),
        "fdi_arrived#rate": np.array([7.1234, 7.1234, np.nan, 7.1234]),
    }
    b = batch(cp).select(IDS[:4])
    b.columns.update(cols)
    env = cp.run(b, FX)
    assert env.money("fdi_arrived", Dim.CNY).tolist() == [71_234_000, 71_234_000, 7_000_000, 71_233_999.99]
    assert env.money("fdi_arrived", Dim.USD).tolist() == [10_000_000, 10_000_000, 1_000_000, 9_999_999.99]
    assert env.fired["usd_threshold"].tolist() == [True, True, False, False]
    assert env.fired["large_fdi"].tolist() == [True, True, False, False]  # ≥ 7123.4万元: d is a fen short


def test_assumed_declared_fields() -> None:
    """A declared field the record did not give is reported with its declared default (0 for
    rent_area's `0平方米`), through the named condition's fields too (industry, read by `eligible`)."""
    cp = compiled()
    b = batch(cp)
    b.columns["rent_area#given"] = np.array([True, False, True, True, True, True, True])
    b.columns["industry#given"] = np.array([True, True, False, True, True, True, True])
    env = cp.run(b, FX)
    out = annotate_assumed(cp, env, cp.outcomes(env))
    assert assumed_row(out, 1) == {"rent_area": 0}
    assert assumed_row(out, 2) == {"industry": ""}


def test_graph_reads_through_named_conditions_and_set_members() -> None:
    cp = compiled()
    g = cp.graph
    assert g.nodes["condition:eligible"]["kind"] == "condition"
    assert g.has_edge("field:industry", "condition:eligible") and g.has_edge("condition:eligible", "clause:landing")
    assert g.has_edge("field:honours.gazelle", "clause:referrer") and g.has_edge("field:zone", "clause:fdi_reward")
    assert g.has_edge("field:categories.little_giant", "clause:landing")


def test_a_reading_inside_a_named_condition_reruns_its_clauses() -> None:
    """A clause that reads a named condition depends on the readings the condition reads: another
    option of the reading re-runs it (the partial re-run of sensitivity analyses)."""
    text = POLICY.replace('''  when foreign and industry not in excluded
}''', '''  when foreign and industry not in excluded and by reading scope { wide: true  narrow: manufacturing }
}
reading scope "适用范围" {
  cite "第二条" "本办法适用于外资项目"
  option wide "全部外资项目"
  option narrow "外资制造业项目"
  default wide
  because "第二条写外资项目，不限行业"
}''')
    cp = compiled(text)
    assert cp.reading_deps["fdi_reward"] == frozenset({"scope"})
    b = batch(cp)
    base = cp.run(b, FX)
    narrow = cp.outcomes(cp.run(b, FX, {"scope": "narrow"}, base=base))
    # usd_run (软件, not manufacturing) loses its 35,000元 under `narrow`; the others keep theirs
    assert outcome(narrow, "reward.fdi")[:4] == [1_424_680.0, None, 0.51, 50_000_000.0]


@pytest.mark.parametrize(("rule", "row"), [("highest", 1), ("lowest", 1), ("first", 1), ("most specific", 2)])
def test_pick_first_among_equals(rule: str, row: int) -> None:
    """Two rows of equal value both hold: highest and lowest take the first listed; most specific the
    one with more `and`-ed parts.  `explain` names the row taken."""
    text = PICK.replace("-> 3分", "-> 1分").replace(
        "    when foreign and manufacturing and in_core_zone -> 2分\n", "")
    cp = compiled(text.replace("RULE", rule), PICK_SOURCE)
    b = ProjectBatch(["b"], {"foreign": np.array([True]), "manufacturing": np.array([True]),
                             "in_core_zone": np.array([False])})
    cond = "foreign" if row == 1 else "foreign and manufacturing"
    assert f"pick {rule}: row {row} `{cond}` → 1分" in explain(cp, b, "b", FX).render()
