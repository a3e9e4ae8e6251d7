"""Trust in every figure: figures checked against their quotes, open readings declared,
beneficiaries that depend on who referred the project.  Expected figures are worked from the texts."""

from __future__ import annotations

import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest
from conftest import POLICIES

from compare.api import load_policy, outcomes
from dsl import ast as A
from dsl.check import check_paths, check_text
from dsl.parse import parse_text


def edited_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """The bundled policies copied, with one edit in one file (the edit must apply exactly once)."""
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder)
    path = folder / f"{name}.policy"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def errors(path: Path) -> list[tuple[str, str, str | None]]:
    result = check_paths([path])
    return [(d.code, d.message, d.hint) for d in result.diagnostics if d.is_error]


# ---------------------------------------------------------------- figures against quotes (E503)

def test_bundled_policies_state_only_quoted_or_derived_figures() -> None:
    result = check_paths([POLICIES])
    assert [d for d in result.diagnostics if d.code == "E503"] == []


def test_a_changed_points_figure_is_caught(tmp_path: Path) -> None:
    """张家港 第12条 "对引进上市公司总部企业的，每个加10分": 12分 is in no quote of the clause."""
    path = edited_copy(tmp_path, "zhangjiagang_2017", "    not_required: true\n  }\n  value 10分\n}\n\nclause fortune",
                       "    not_required: true\n  }\n  value 12分\n}\n\nclause fortune")
    got = errors(path)
    assert ("E503", "clause `listed_company_hq_points`: `12分` does not occur in its quotes",
            'the quotes give 10分; quote the sentence with 12分, or write 12分 derived "why"') in got


def test_a_changed_rate_and_cap_are_caught(tmp_path: Path) -> None:
    """无锡 (6) "按实缴资金的5‰给予奖励，单个项目最高奖励200万元": 6‰ and 250万元 are in no quote."""
    path = edited_copy(tmp_path, "wuxi_2023", "  value 5‰ of cny(paid_in_capital) cap 200万元",
                       "  value 6‰ of cny(paid_in_capital) cap 250万元")
    got = [(code, msg) for code, msg, _ in errors(path)]
    assert ("E503", "clause `intermediary_referral_reward`: `6‰` does not occur in its quotes") in got
    assert ("E503", "clause `intermediary_referral_reward`: `250万元` does not occur in its quotes") in got
    hints = {msg.split("`")[3]: h for code, msg, h in errors(path) if code == "E503"}
    assert hints["6‰"] is not None and hints["6‰"].startswith("the quotes give 5‰")
    assert hints["250万元"] is not None and hints["250万元"].startswith("the quotes give 200万元")


SRC = "对首次获评“专精特新”的企业给予最高50万元的一次性奖励。"
SME = '''policy t {{
  city wuxi "无锡"
  source "s.txt"
}}

clause sme_reward {{
  concept reward.specialized_sme
  cite "(1)" "对首次获评“专精特新”的企业给予最高50万元的一次性奖励"
  when specialized_sme_first in categories
  value {value}
}}
'''


@pytest.mark.parametrize("value,ok", [
    ("up to 50万元", True),
    ("up to 500000元", True),            # the same quantity written otherwise
    ("up to 0.005亿元", True),
    ("up to 60万元", False),
    ("up to 60万元 derived \"按2024年修订稿\"", True),
    ("up to 60万元 derived \"  \"", False),  # a derived figure says why
])
def test_figures_compared_as_quantities(value: str, ok: bool, taxonomy: object) -> None:
    _, diags = check_text(SME.format(value=value), "t.policy", taxonomy=taxonomy, source_text=SRC)  # type: ignore[arg-type]
    assert (not [d for d in diags if d.code == "E503"]) == ok, [d.message for d in diags]


# ---------------------------------------------------------------- readings the review found undeclared

@pytest.fixture(scope="module")
def zjg() -> object:
    return load_policy(POLICIES / "zhangjiagang_2017.policy")


@pytest.mark.parametrize("reading,default", [
    ("landing", "licensed"),                    # 第12条 "引进落地重大项目"加分
    ("new_project_scope", "new_only"),          # 第12条、第13条 "新引进"
    ("referral_points_scope", "foreign_only"),  # 第5条、第12条 referral points: the text does not say 外资
])
def test_zhangjiagang_declares_its_open_readings(zjg: object, reading: str, default: str) -> None:
    r = zjg.policy.readings[reading]  # type: ignore[attr-defined]
    assert r.default == default and r.because and len(r.options) == 2


def test_fortune_500_in_talks_gets_no_landing_points(zjg: object) -> None:
    """第12条: a 世界500强 project without its licence has not landed (reading landing = licensed): 0分, not 5分."""
    project = {"id": "p", "foreign": True, "categories": ["fortune_global_500"]}
    (out,) = outcomes([zjg], [project], fx=7.0)  # type: ignore[list-item]
    assert out.value("points.host_district", 0) == 0
    (out,) = outcomes([zjg], [{**project, "licensed": True}], fx=7.0)  # type: ignore[list-item]
    assert out.value("points.host_district", 0) == 5


def test_expansion_is_not_newly_introduced(zjg: object) -> None:
    """第13条: 4000万美元 in 两区一园, started, 35% arrived, 1400万美元 FDI -> 2‰～5‰ × 1400万美元 × 7 =
    19.6万元～49万元 for a new project; a settled firm's capital increase gets nothing (new_only)."""
    project = {"id": "p", "foreign": True, "registered_capital": "4000万美元", "paid_in_ratio": "35%",
               "started": True, "in_core_zone": True, "fdi_arrived": "1400万美元"}
    (out,) = outcomes([zjg], [project], fx=7.0)  # type: ignore[list-item]
    assert out.value("reward.team", 0) == (196000.0, 490000.0)
    (out,) = outcomes([zjg], [{**project, "expansion": True}], fx=7.0)  # type: ignore[list-item]
    assert out.value("reward.team", 0) == 0
    (out,) = outcomes([zjg], [{**project, "expansion": True}], fx=7.0,  # type: ignore[list-item]
                      readings={"new_project_scope": "with_expansion"})
    assert out.value("reward.team", 0) == (196000.0, 490000.0)


def test_referral_points_for_a_domestic_project_follow_the_reading(zjg: object) -> None:
    """第12条 (c): registered capital 600万美元 in [500万, 1000万美元) -> 1分 to the referring district, if the
    item covers domestic projects (all_projects); none under the default foreign_only."""
    project = {"id": "p", "foreign": False, "referral": "other_district", "licensed": True,
               "registered_capital": "600万美元", "paid_in_ratio": "30%"}
    (out,) = outcomes([zjg], [project], fx=7.0)  # type: ignore[list-item]
    assert out.value("points.referring_district", 0) == 0
    (out,) = outcomes([zjg], [project], fx=7.0, readings={"referral_points_scope": "all_projects"})  # type: ignore[list-item]
    assert out.value("points.referring_district", 0) == 1


def test_jiaxing_chao_excludes_the_figure_by_default() -> None:
    """一(二) "总投资超亿美元项目": 超 = 超过, which by 民法典第1259条 excludes the figure, so exactly 1亿美元
    does not count by default; the city-level 超7000亿元 follows the same reading."""
    jx = load_policy(POLICIES / "jiaxing_draft.policy")
    assert jx.policy.readings["over_threshold"].default == "strict"
    (out,) = outcomes([jx], [{"id": "p", "foreign": True, "total_investment": "1亿美元"}], fx=7.0)
    assert out.value("target.counts_as.project_over_100m_usd", 0) is False
    land = jx.policy.params["target.industrial_land_investment_five_year"].value
    assert isinstance(land, A.ByReading)
    cases = {c.option: c.value for c in land.cases}
    assert cases["strict"] == A.Unary("more_than", A.Quantity(D(7000), "亿", "元"))
    assert cases["inclusive"] == A.Unary("at_least", A.Quantity(D(7000), "亿", "元"))


def test_promises_kept_as_mechanisms_are_outcomes() -> None:
    """嘉兴 三(二) “一企一策” and 无锡 (16) 重大项目落户奖励 are promises to a landed project, not only mechanisms."""
    jx = load_policy(POLICIES / "jiaxing_draft.policy")
    wx = load_policy(POLICIES / "wuxi_2023.policy")
    out_jx, out_wx = outcomes([jx, wx], [{"id": "p", "licensed": True}], fx=7.0)
    assert out_jx.value("reward.case_by_case", 0) == (0.0, float("inf"))
    assert out_wx.value("reward.landing", 0) == (0.0, float("inf"))


# ---------------------------------------------------------------- beneficiaries chosen by a condition

def test_split_beneficiary_rules_parse() -> None:
    """张家港 第13条: 奖金由引荐单位与受荐单位按3:7的比例进行分配; the 引荐单位 is a department or a district."""
    ast, diags = parse_text('''policy t { }
split s {
  splits c
  shares referrer, host = 3:7
  beneficiary referrer = referring_department if referral == municipal_dept
  beneficiary referrer = referring_district
}
''', "t.policy")
    assert ast is not None and diags == []
    split = ast.items[0]
    assert isinstance(split, A.Split)
    first, second = split.beneficiaries
    assert (first.share, first.name.dotted, second.share, second.name.dotted, second.when) == \
        ("referrer", "referring_department", "referrer", "referring_district", None)
    assert first.when == A.Binary("==", A.Name(("referral",)), A.Name(("municipal_dept",)))


def test_zhangjiagang_team_split_names_both_referrers(zjg: object) -> None:
    split = zjg.policy.splits["team_reward_split"]  # type: ignore[attr-defined]
    assert [(r.share, r.name.dotted, r.when is not None) for r in split.beneficiaries] == [
        ("referrer", "referring_department", True), ("referrer", "referring_district", False)]


BEN = '''policy t {{
  city wuxi "无锡"
  source "s.txt"
}}

clause sme_reward {{
  concept reward.specialized_sme
  beneficiary firm
  {rule}
  cite "(1)" "对首次获评“专精特新”的企业给予最高50万元的一次性奖励"
  when specialized_sme_first in categories
  value up to 50万元
}}
'''


@pytest.mark.parametrize("rule,code", [
    ("beneficiary intermediary if referral == intermediary", None),
    ("beneficiary middleman if referral == intermediary", "E205"),  # not a beneficiary of the taxonomy
    ("beneficiary intermediary if registered_capital", "E303"),     # a condition is true/false
    ("beneficiary intermediary", "E108"),                           # two unconditional beneficiaries
])
def test_clause_beneficiary_rules_checked(rule: str, code: str | None, taxonomy: object) -> None:
    _, diags = check_text(BEN.format(rule=rule), "t.policy", taxonomy=taxonomy, source_text=SRC)  # type: ignore[arg-type]
    codes = [d.code for d in diags if d.is_error]
    assert codes == ([code] if code else []), [d.message for d in diags]


def test_split_beneficiary_for_a_missing_share_is_an_error(tmp_path: Path) -> None:
    path = edited_copy(tmp_path, "zhangjiagang_2017", "  beneficiary referrer = referring_district\n",
                       "  beneficiary referer = referring_district\n")
    got = errors(path)
    assert ("E200", "split `team_reward_split` has no share `referer`", "did you mean `referrer`?") in got


def test_new_syntax_is_formatted_canonically_and_kept() -> None:
    from dsl.format import format_text

    messy = '''policy t {
city wuxi "无锡"
}
clause c {
beneficiary  firm
beneficiary intermediary   if referral==intermediary
value (if in_core_zone then 100%   derived "两区一园内不减" else 50%) of 10分
}
split s {
splits c
shares referrer,host=3:7
beneficiary referrer=referring_department if referral == municipal_dept
}
param target.x = committed more than (3 / 4)
'''
    out = format_text(messy, "t.policy")
    assert '  beneficiary intermediary if referral == intermediary\n  beneficiary firm\n' in out
    assert '(if in_core_zone then 100% derived "两区一园内不减" else 50%) of 10分' in out
    assert '  beneficiary referrer = referring_department if referral == municipal_dept\n' in out
    assert 'param target.x = committed more than (3 / 4)' in out
    assert format_text(out, "t.policy") == out
    assert parse_text(out, "t.policy")[0] == parse_text(messy, "t.policy")[0]
