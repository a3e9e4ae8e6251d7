"""`policylab diff OLD NEW --projects FILE`: what a revision does to each project's outcomes.

Every expected figure below is worked by hand from the texts in policies/sources/, never produced by
the code under test:

无锡 (16) “分类别按实际到账外资比例给予最高2%、不超过5000万元奖励”, paid in 元 (fdi_arrived in 美元
is converted at the run's rate); the policy's default reading of 最高 is a range [0, ceiling].
A draft raises the cap to 8000万元.  At --fx 7.1:
  small: 1000万美元 × 7.1 = 7100万元; 2% = 142万元 < 5000万元 → [0, 142万元] under both: unaffected.
  big:   5亿美元 × 7.1 = 35.5亿元; 2% = 7100万元 → capped [0, 5000万元] old, [0, 7100万元] new
         (7100万元 < 8000万元): low +0, high +2100万元: gains.
  dom:   a domestic project; (16) names 外资项目 → not eligible under either.
  Totals of reward.fdi: old [0, 5142万元], new [0, 7242万元], change [+0, +2100万元].
结语 “同类政策按照‘就高不重复’原则执行”, default reading same_concept: the firm's total adds (1), (16)
and the HQ subsidy, so reward.firm_total moves exactly as reward.fdi for these three projects.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import POLICIES

from compare.api import load_policy, outcome_diff
from compare.diff.data import GAINS, LOSES, MIXED, UNAFFECTED, Side, effect_of
from compare.engine.evaluate import NOT_ELIGIBLE

WUXI_DRAFT_TEXT = "（十六）对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、不超过8000万元奖励。"
WUXI_DRAFT = '''policy wuxi_draft extends wuxi_2023 {
  status draft
  source "draft.txt"
}

override clause fdi_arrival_reward "新批外资项目到账外资奖励（修订稿）" {
  concept reward.fdi
  cite "(16)" "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、不超过8000万元奖励"
  when foreign and by reading new_project_scope {
    new_only:       not expansion
    with_expansion: true
  }
  value by reading ceilings {
    range: up to 2% of cny(fdi_arrived) cap 8000万元
    full:  2% of cny(fdi_arrived) cap 8000万元
  }
}
'''
PROJECTS = '''- id: small
  foreign: true
  fdi_arrived: 1000万美元
- id: big
  foreign: true
  fdi_arrived: 5亿美元
- id: dom
  foreign: false
  registered_capital: 1亿元
  fixed_asset_investment: 8000万元
'''
WAN = 10_000


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture()
def wuxi_draft(tmp_path: Path) -> Path:
    (tmp_path / "draft.txt").write_text(WUXI_DRAFT_TEXT, encoding="utf-8")
    (tmp_path / "draft.policy").write_text(WUXI_DRAFT, encoding="utf-8")
    (tmp_path / "projects.yaml").write_text(PROJECTS, encoding="utf-8")
    return tmp_path / "draft.policy"


def test_cli_json_per_project_and_total(wuxi_draft: Path) -> None:
    r = run("diff", "wuxi_2023", "draft.policy", "--projects", "projects.yaml", "--fx", "7.1", "--format", "json",
            cwd=wuxi_draft.parent)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["old"], doc["new"], doc["fx"]) == ("wuxi_2023", "wuxi_draft", 7.1)
    outs = {p["project"]: p["outcomes"] for p in doc["projects"]}
    assert outs["small"]["reward.fdi"] == {"old": [0, 142 * WAN], "new": [0, 142 * WAN], "old_state": "figure",
                                           "new_state": "figure", "change": [0, 0], "effect": "unaffected"}
    assert outs["big"]["reward.fdi"] == {"old": [0, 5000 * WAN], "new": [0, 7100 * WAN], "old_state": "figure",
                                         "new_state": "figure", "change": [0, 2100 * WAN], "effect": "gains"}
    assert outs["dom"]["reward.fdi"]["effect"] == "not_eligible"
    assert (outs["dom"]["reward.fdi"]["old_state"], outs["dom"]["reward.fdi"]["new_state"]) == ("not_eligible",) * 2
    fdi = doc["totals"]["reward.fdi"]
    assert (fdi["old"], fdi["new"], fdi["change"]) == ([0, 5142 * WAN], [0, 7242 * WAN], [0, 2100 * WAN])
    assert (fdi["gains"], fdi["loses"], fdi["mixed"], fdi["unaffected"], fdi["not_eligible"]) == (1, 0, 0, 1, 1)
    assert fdi["changed_rules"] == ["fdi_arrival_reward"]  # the clause the draft overrides, found on the graph
    total = doc["totals"]["reward.firm_total"]  # 结语: same_concept sums (1), (16) and the HQ subsidy
    assert (total["change"], total["gains"], total["unaffected"]) == ([0, 2100 * WAN], 1, 1)
    # nothing else moves: no other concept has a project that gains or loses
    moved = {c for c, t in doc["totals"].items() if t["gains"] or t["loses"] or t["mixed"]}
    assert moved == {"reward.fdi", "reward.firm_total"}


def test_cli_table_writes_money_as_the_texts_do(wuxi_draft: Path) -> None:
    r = run("diff", "wuxi_2023", "draft.policy", "--projects", "projects.yaml", "--fx", "7.1", cwd=wuxi_draft.parent)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "reward.fdi: 1 gains, 1 unaffected, 1 not eligible under either" in out
    big = next(line for line in out.splitlines() if line.startswith("big") and "reward.fdi" in line).split()
    assert big == ["big", "reward.fdi", "0元", "~", "5000万元", "0元", "~", "7100万元", "0元", "+2100万元", "gains"]
    small = next(line for line in out.splitlines() if line.startswith("small") and "reward.fdi" in line).split()
    assert small[-3:] == ["0元", "0元", "unaffected"] and "142万元" in small
    assert "not eligible for anything under either: dom" in out
    assert "USD→CNY 7.1 (as given) for both policies" in out


def test_cli_csv_and_markdown(wuxi_draft: Path) -> None:
    r = run("diff", "wuxi_2023", "draft.policy", "--projects", "projects.yaml", "--fx", "7.1", "--format", "csv",
            cwd=wuxi_draft.parent)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    big = next(x for x in rows if x["row"] == "project" and x["project"] == "big" and x["concept"] == "reward.fdi")
    assert (big["old_low"], big["old_high"], big["new_high"], big["change_high"], big["effect"]) == \
        ("0", "50000000", "71000000", "21000000", "gains")
    tot = next(x for x in rows if x["row"] == "total" and x["concept"] == "reward.fdi")
    assert (tot["old_high"], tot["new_high"], tot["gains"], tot["unaffected"], tot["not_eligible"]) == \
        ("51420000", "72420000", "1", "1", "1")
    md = run("diff", "wuxi_2023", "draft.policy", "--projects", "projects.yaml", "--fx", "7.1", "--format",
             "markdown", cwd=wuxi_draft.parent)
    assert md.returncode == 0, md.stderr
    assert "| big | reward.fdi | 0元 ~ 5000万元 | 0元 ~ 7100万元 | 0元 | +2100万元 | gains |" in md.stdout
    assert "| reward.fdi | 0元 ~ 5142万元 | 0元 ~ 7242万元 | 0元 | +2100万元 | 1 | 0 | 0 | 1 | 1 | fdi_arrival_reward |" \
        in md.stdout


def test_default_rate_is_the_later_policy_years_and_shared(wuxi_draft: Path) -> None:
    """No --fx: both at the 2023 average 7.0467 (wuxi_2023 issued 2023-09-28; the draft inherits the date).
    small: 1000万美元 × 7.0467 = 70,467,000元; 2% = 1,409,340元 under both."""
    d = outcome_diff(POLICIES / "wuxi_2023.policy", wuxi_draft, wuxi_draft.parent / "projects.yaml")
    assert d.fx == 7.0467
    c = d.change("small", "reward.fdi")
    assert (c.old.low, c.old.high, c.new.high, c.effect) == (0.0, 1_409_340.0, 1_409_340.0, UNAFFECTED)


def test_a_reading_applies_to_both_policies(wuxi_draft: Path) -> None:
    """ceilings=full (按上限足额给予): exact figures.  big: 5000万元 → 7100万元, both ends +2100万元."""
    d = outcome_diff(POLICIES / "wuxi_2023.policy", wuxi_draft, wuxi_draft.parent / "projects.yaml", fx=7.1,
                     readings={"ceilings": "full"})
    assert d.readings == {p: {"ceilings": "full", "new_project_scope": "new_only", "stacking": "same_concept"}
                          for p in ("wuxi_2023", "wuxi_draft")}
    big = d.change("big", "reward.fdi")
    assert (big.old.low, big.old.high, big.new.low, big.new.high) == (5000 * WAN, 5000 * WAN, 7100 * WAN, 7100 * WAN)
    assert (big.change_low, big.change_high, big.effect) == (2100 * WAN, 2100 * WAN, GAINS)
    small = d.change("small", "reward.fdi")
    assert (small.old.low, small.new.low, small.effect) == (142 * WAN, 142 * WAN, UNAFFECTED)


def test_a_split_moved_from_3_7_to_4_6_gains_one_share_and_loses_the_other(tmp_path: Path) -> None:
    """张家港 第13条: 2～5‰ of the year's arrived FDI; 引荐单位与受荐单位按3:7分配.  A draft splits 4:6.
    A 两区一园 project, 2000万美元 registered, 35% paid in, started, 1000万美元 arrived, referred by another
    district, at 7.0: 7000万元 × 2‰～5‰ = [14万元, 35万元]; 3:7 → referrer [4.2万, 10.5万], host
    [9.8万, 24.5万]; 4:6 → referrer [5.6万, 14万], host [8.4万, 21万]."""
    (tmp_path / "draft.txt").write_text("奖金由引荐单位与受荐单位按4:6的比例进行分配。", encoding="utf-8")
    (tmp_path / "draft.policy").write_text('''policy zjg_draft extends zhangjiagang_2017 {
  status draft
  source "draft.txt"
}

override split team_reward_split "引荐项目奖金按4:6分配" {
  cite "第13条" "奖金由引荐单位与受荐单位按4:6的比例进行分配"
  splits team_reward
  when referral in {municipal_dept, other_district}
  shares referrer, host = 4:6
  beneficiary referrer = referring_department if referral == municipal_dept
  beneficiary referrer = referring_district
}
''', encoding="utf-8")
    project = {"id": "referred", "foreign": True, "started": True, "in_core_zone": True,
               "registered_capital": "2000万美元", "paid_in_ratio": "35%", "fdi_arrived": "1000万美元",
               "referral": "other_district"}
    d = outcome_diff(POLICIES / "zhangjiagang_2017.policy", tmp_path / "draft.policy", [project], fx=7.0)
    ref, host, whole = (d.change("referred", k) for k in ("reward.team.referrer", "reward.team.host", "reward.team"))
    assert (ref.old.low, ref.old.high, ref.new.low, ref.new.high) == (42_000, 105_000, 56_000, 140_000)
    assert (ref.change_low, ref.change_high, ref.effect) == (14_000, 35_000, GAINS)
    assert (host.old.low, host.old.high, host.new.low, host.new.high) == (98_000, 245_000, 84_000, 210_000)
    assert (host.change_low, host.change_high, host.effect) == (-14_000, -35_000, LOSES)
    assert (whole.old.low, whole.old.high, whole.effect) == (140_000, 350_000, UNAFFECTED)
    assert d.total("reward.team.host").counts[LOSES] == 1
    assert d.total("reward.team.referrer").changed == ("team_reward_split",)


def test_a_concept_only_the_new_policy_gives_is_compared_with_nothing(wuxi_draft: Path) -> None:
    """张家港 has no reward on arrived FDI; 无锡 (16) does: big gets [0, 5000万元] where it had nothing."""
    d = outcome_diff(POLICIES / "zhangjiagang_2017.policy", POLICIES / "wuxi_2023.policy",
                     wuxi_draft.parent / "projects.yaml", fx=7.1)
    t = d.total("reward.fdi")
    assert (t.in_old, t.in_new) == (False, True)
    big = d.change("big", "reward.fdi")
    assert (big.old.state, big.new.high, big.change_high, big.effect) == ("absent", 5000 * WAN, 5000 * WAN, GAINS)


def test_effects_end_by_end() -> None:
    fig = "figure"
    assert effect_of(Side(fig, 0, 100), Side(fig, 10, 90))[2] == MIXED
    assert effect_of(Side(fig, 0, float("inf")), Side(fig, 0, float("inf"))) == (0.0, 0.0, UNAFFECTED)
    assert effect_of(Side(fig, 0, float("inf")), Side(fig, 0, 500)) == (0.0, -float("inf"), LOSES)
    assert effect_of(Side(NOT_ELIGIBLE, flag=False), Side(fig, flag=True))[2] == GAINS
    assert effect_of(Side("absent"), Side(NOT_ELIGIBLE, 0, 0))[2] == NOT_ELIGIBLE
    assert effect_of(Side(fig, 0.1, 0.1), Side(fig, 0.3, 0.3))[:2] == (0.2, 0.2)  # as decimals, not 0.19999…


def test_api_rows_and_frame(wuxi_draft: Path) -> None:
    d = outcome_diff(load_policy(POLICIES / "wuxi_2023.policy"), wuxi_draft,
                     [{"id": "big", "foreign": True, "fdi_arrived": "5亿美元"}], fx=7.1)
    rows = [r for r in d.rows() if r["concept"] == "reward.fdi"]
    assert rows == [{"project": "big", "concept": "reward.fdi", "old_state": "figure", "old_low": 0.0,
                     "old_high": 5000 * WAN, "new_state": "figure", "new_low": 0.0, "new_high": 7100 * WAN,
                     "change_low": 0.0, "change_high": 2100 * WAN, "effect": GAINS}]
    total = next(r for r in d.total_rows() if r["concept"] == "reward.fdi")
    assert (total["gains"], total["change_high"]) == (1, 2100 * WAN)
    try:
        import pandas  # noqa: F401
    except ModuleNotFoundError:
        with pytest.raises(ModuleNotFoundError):
            d.to_frame()
    else:
        assert list(d.to_frame()["effect"])[:1] == [d.rows()[0]["effect"]]


def test_command_line_errors(wuxi_draft: Path) -> None:
    cwd = wuxi_draft.parent
    bad = run("diff", "wuxi_2023", "draft.policy", "--projects", "projects.yaml", "--reading", "celings=full", cwd=cwd)
    assert bad.returncode == 2 and "did you mean `ceilings`?" in bad.stderr
    option = run("diff", "wuxi_2023", "draft.policy", "--projects", "projects.yaml", "--reading", "ceilings=all",
                 cwd=cwd)
    assert option.returncode == 2 and "options: range, full" in option.stderr
    missing = run("diff", "wuxi_2023", "draft.policy", "--projects", "nope.yaml", cwd=cwd)
    assert missing.returncode == 2 and "no such project file" in missing.stderr
    csv_alone = run("diff", "wuxi_2023", "draft.policy", "--format", "csv", cwd=cwd)
    assert csv_alone.returncode == 2 and "--projects" in csv_alone.stderr
    with pytest.raises(ValueError, match="did you mean `ceilings`"):
        outcome_diff(POLICIES / "wuxi_2023.policy", wuxi_draft, cwd / "projects.yaml", readings={"celings": "full"})


def test_markdown_shows_a_project_id_as_written_and_never_as_markup(wuxi_draft: Path) -> None:
    """Project ids come from the user's file: in `--format markdown` no id becomes HTML, a link, an
    image or an attribute list once rendered (Python-Markdown with attr_list, as MkDocs renders it)."""
    import markdown

    payloads = ["<img src=x onerror=alert(1)>", "[c](javascript:alert(2))", "x {: onclick=alert(3) }",
                "a | b `c` \\d"]
    cwd = wuxi_draft.parent
    rows = "".join(f"- id: {json.dumps(p)}\n  foreign: true\n  fdi_arrived: 1000万美元\n  registered_capital: 5000万美元\n"
                   for p in payloads)
    (cwd / "payloads.yaml").write_text(rows, encoding="utf-8")
    md = run("diff", "wuxi_2023", "draft.policy", "--projects", "payloads.yaml", "--fx", "7.1", "--format",
             "markdown", cwd=cwd)
    assert md.returncode == 0, md.stderr
    html = markdown.markdown(md.stdout, extensions=["tables", "attr_list"])
    tags: list[tuple[str, list[tuple[str, str | None]]]] = []
    texts: list[str] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append((tag, attrs))

        def handle_data(self, data: str) -> None:
            texts.append(data)

    Collect(convert_charrefs=True).feed(html)
    assert not [t for t, _ in tags if t in ("img", "a", "script")], tags
    assert not [(t, a) for t, attrs in tags for a, _ in attrs if a.startswith("on") or a in ("id", "class")]
    shown = "".join(texts)
    for p in payloads:
        assert p in shown, (p, shown)
