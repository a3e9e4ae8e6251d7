"""What a run says beside its outcomes: inputs assumed because the record did
not give them, one stated USD→CNY rate across cities, and outcomes another reading would change.

Expected values are worked by hand from the texts; each test names its article.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mini_policies import make_folder

from compare.api import load_policy, run
from compare.data.validate import columns
from compare.engine.assumed import assumed_row
from compare.engine.runs import choose_rates
from dsl.schema import FIELDS

TEAM = {"foreign": True, "started": True, "paid_in_ratio": "35%", "registered_capital": "1000万美元",
        "fdi_arrived": "1400万美元"}


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=120)


def write(folder: Path, text: str) -> None:
    (folder / "p.yaml").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- (4) inputs assumed, not given

def test_every_field_has_a_given_column() -> None:
    batch = columns([{"id": "a", "licensed": True, "categories": ["landmark"]}, {"id": "b"}])
    for name in FIELDS:
        if name != "id":
            assert f"{name}#given" in batch.columns, name
    assert batch.columns["licensed#given"].tolist() == [True, False]
    assert batch.columns["categories#given"].tolist() == [True, False]
    assert batch.columns["started#given"].tolist() == [False, False]


def test_the_thin_record_of_the_issue_is_flagged(folder: Path) -> None:
    # only registered capital, paid-in ratio and referral: 第12条 reads foreign and started (both left
    # false), 第13条 also in_core_zone and fdi_arrived (left 0), 第14条 fixed_asset_investment
    zjg = load_policy(folder / "zjg.policy")
    (out,), _ = run([zjg], [{"id": "thin", "registered_capital": "4000万美元", "paid_in_ratio": "35%",
                             "referral": "other_district"}])
    assert assumed_row(out, 0) == {"foreign": False, "started": False, "in_core_zone": False, "fdi_arrived": 0,
                                   "fixed_asset_investment": 0}


def test_a_given_input_that_settles_a_clause_silences_the_rest(folder: Path) -> None:
    # foreign: false settles 第12条 and 第13条 (foreign projects only): their other inputs do not count;
    # 第14条 reads fixed-asset investment, given.  The split's `referral` counts only where 第13条 may fire.
    zjg = load_policy(folder / "zjg.policy")
    (out,), _ = run([zjg], [{"id": "d", "foreign": False, "fixed_asset_investment": "20亿元"}])
    assert assumed_row(out, 0) == {}


def test_derived_paid_in_capital_flags_what_it_is_derived_from(folder: Path) -> None:
    # 无锡 (6) 5‰ of 实缴资金; 实缴资金 defaults to registered capital × paid-in ratio: without a ratio,
    # 8亿元 × 0 = 0, so the intermediary is eligible for 0 — and the ratio is flagged, not the capital
    write(folder, "- {id: i, referral: intermediary, licensed: true, registered_capital: 8亿元, foreign: false}\n"
                  "- {id: j, referral: intermediary, licensed: true, registered_capital: 8亿元, foreign: false,"
                  " paid_in_ratio: 40%}\n")
    r = cli("eval", "wuxi.policy", "--projects", "p.yaml", "--format", "json", cwd=folder)
    assert r.returncode == 0, r.stderr
    i, j = json.loads(r.stdout)
    assert i["outcomes"]["reward.intermediary"] == 0 and i["states"]["reward.intermediary"] == "zero"
    assert i["assumed"] == {"paid_in_ratio": 0}
    # 8亿元 × 40% = 3.2亿元; 5‰ = 160万元 (below 最高200万元)
    assert j["outcomes"]["reward.intermediary"] == 1600000 and j["assumed"] == {}


def test_table_and_compare_print_the_assumed_line(folder: Path) -> None:
    write(folder, "- {id: thin, registered_capital: 4000万美元, paid_in_ratio: 35%, referral: other_district}\n")
    r = cli("eval", "zjg.policy", "--projects", "p.yaml", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert ("thin zhangjiagang: assumed (not given): `fdi_arrived` = 0, `fixed_asset_investment` = 0, "
            "`foreign` = false, `in_core_zone` = false, `started` = false") in r.stdout
    r = cli("compare", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert "(no city makes this project eligible for anything)" in r.stdout
    assert ("  assumed (not given): `fdi_arrived` = 0, `fixed_asset_investment` = 0 (zhangjiagang), "
            "`foreign` = false, `in_core_zone` = false (zhangjiagang), `started` = false (zhangjiagang)") in r.stdout


# ---------------------------------------------------------------- (6) one rate across cities

def test_one_rate_the_latest_policy_year(folder: Path) -> None:
    # 张家港 is in force 2017-01-01, 无锡 issued 2023-09-28: both at the 2023 average, 7.0467.
    # 第13条: 1400万美元 × 7.0467 = 98,653,800元; 2‰ = 197,307.6元, 5‰ = 493,269元
    write(folder, "- {id: t, foreign: true, started: true, paid_in_ratio: 35%, registered_capital: 1000万美元,"
                  " fdi_arrived: 1400万美元}\n")
    r = cli("eval", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", "--format", "json", cwd=folder)
    z, w = json.loads(r.stdout)
    assert z["fx"] == w["fx"] == 7.0467
    assert z["outcomes"]["reward.team"] == [197307.6, 493269]
    # (16): 2% of 98,653,800元 = 1,973,076元
    assert w["outcomes"]["reward.fdi"] == [0, 1973076]
    r = cli("compare", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", cwd=folder)
    assert "USD→CNY 7.0467 (2023 average, the latest policy year)" in r.stdout
    assert "readings in force:\n  zhangjiagang: tier_edges=lower_closed\n  wuxi: none declared" in r.stdout


def test_per_policy_rates_when_asked(folder: Path) -> None:
    # 张家港 at 2017's 6.7518: 1400万美元 × 6.7518 = 94,525,200元; 2‰ = 189,050.4元, 5‰ = 472,626元
    write(folder, "- {id: t, foreign: true, started: true, paid_in_ratio: 35%, registered_capital: 1000万美元,"
                  " fdi_arrived: 1400万美元}\n")
    r = cli("eval", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", "--format", "json", "--fx", "per-policy",
            cwd=folder)
    z, w = json.loads(r.stdout)
    assert (z["fx"], w["fx"]) == (6.7518, 7.0467)
    assert z["outcomes"]["reward.team"] == [189050.4, 472626]
    r = cli("eval", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", "--fx", "per-policy", cwd=folder)
    assert "USD→CNY per policy year: zhangjiagang 6.7518 (2017), wuxi 7.0467 (2023)" in r.stdout
    r = cli("eval", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", "--fx", "7", cwd=folder)
    assert "USD→CNY 7 (as given)" in r.stdout
    assert cli("eval", "zjg.policy", "--projects", "p.yaml", "--fx", "yearly", cwd=folder).returncode == 2
    # --explain of several policies uses the run's one rate too
    r = cli("eval", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", "--explain", "t", cwd=folder)
    assert "under zjg_mini (张家港); USD→CNY 7.0467;" in r.stdout


def test_choose_rates() -> None:
    from compare.engine.fx import USD_CNY_ANNUAL_AVERAGE

    assert choose_rates([], 7.1).note == "USD→CNY 7.1 (as given)"
    undated = choose_rates([], None)
    assert undated.note == f"USD→CNY {USD_CNY_ANNUAL_AVERAGE[max(USD_CNY_ANNUAL_AVERAGE)]:g} " \
                           f"({max(USD_CNY_ANNUAL_AVERAGE)} average: no policy is dated)"


# ---------------------------------------------------------------- (7) reading-sensitive outcomes

EDGE = """\
- {id: edge, foreign: true, started: true, paid_in_ratio: 35%, registered_capital: 3000万美元}
- {id: inside, foreign: true, started: true, paid_in_ratio: 35%, registered_capital: 4000万美元}
"""


def test_a_tier_edge_is_marked_with_its_alternative(folder: Path) -> None:
    # 第12条 "按注册资本1000～3000万美元、3000万～1亿美元…分别给予每个项目2、5、10的加分": exactly 3000万美元 is
    # 5分 when each tier holds its lower edge (lower_closed), 2分 when it holds its upper (upper_closed);
    # 4000万美元 is 5分 either way
    write(folder, EDGE)
    r = cli("eval", "zjg.policy", "--projects", "p.yaml", "--format", "json", cwd=folder)
    edge, inside = json.loads(r.stdout)
    assert edge["outcomes"]["points.host_district"] == 5
    assert edge["sensitive"] == {"points.host_district": [
        {"reading": "tier_edges", "option": "upper_closed", "value": 2, "state": "figure"}]}
    assert inside["outcomes"]["points.host_district"] == 5 and inside["sensitive"] == {}
    # the other way round: chosen upper_closed, the default is the alternative
    r = cli("eval", "zjg.policy", "--projects", "p.yaml", "--format", "json", "--reading", "tier_edges=upper_closed",
            cwd=folder)
    edge, _ = json.loads(r.stdout)
    assert edge["outcomes"]["points.host_district"] == 2
    assert edge["sensitive"]["points.host_district"] == [
        {"reading": "tier_edges", "option": "lower_closed", "value": 5, "state": "figure"}]
    assert edge["readings"] == {"tier_edges": "upper_closed"}


def test_table_and_compare_mark_it_with_a_footnote(folder: Path) -> None:
    write(folder, EDGE)
    r = cli("eval", "zjg.policy", "--projects", "p.yaml", cwd=folder)
    lines = r.stdout.splitlines()
    row = next(x for x in lines if x.startswith("edge"))
    assert re.search(r"\s5 \*(\s|$)", row)
    assert "* edge zhangjiagang points.host_district: 2 under tier_edges=upper_closed" in lines
    assert "*" not in next(x for x in lines if x.startswith("inside"))
    r = cli("compare", "zjg.policy", "--projects", "p.yaml", "--reading", "tier_edges=upper_closed", cwd=folder)
    assert re.search(r"points\.host_district \S+\s+2分 \*", r.stdout)
    assert "  * points.host_district, zhangjiagang: 5分 under tier_edges=lower_closed" in r.stdout
    assert "  zhangjiagang: tier_edges=upper_closed (chosen; default lower_closed)" in r.stdout


def test_sensitivity_is_vectorised_over_the_batch(folder: Path) -> None:
    zjg = load_policy(folder / "zjg.policy")
    projects = [{"id": f"p{k}", "foreign": True, "started": True, "paid_in_ratio": "35%",
                 "registered_capital": f"{cap}万美元"} for k, cap in enumerate([1000, 3000, 4000, 10000])]
    (out,), _ = run([zjg], projects)
    (alt,) = out.alternatives or []
    assert (alt.reading, alt.option) == ("tier_edges", "upper_closed")
    # 1000万美元: 2分 both ways (the lowest tier is closed below in both); 3000万: 5 → 2; 4000万: 5 both;
    # 1亿美元: 10 → 5
    assert alt.changed["points.host_district"].tolist() == [False, True, False, True]
    assert np.asarray(alt.outcomes.numeric["points.host_district"][0]).tolist() == [2.0, 2.0, 5.0, 5.0]


@pytest.mark.parametrize("name", ["zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023"])
def test_a_partial_rerun_equals_a_whole_run(name: str) -> None:
    """Sensitivity re-runs only the clauses that read the changed reading (`run(base=…)`) and recomputes
    only the concepts they reach (`outcomes(env, base)`): on 2,000 random projects, every other option
    of every reading gives exactly what a whole run under that option gives."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from synthetic import synthetic_batch

    cp = load_policy(Path(__file__).resolve().parents[1] / "policies" / f"{name}.policy")
    batch = synthetic_batch(2000, seed=7)
    base_env = cp.run(batch, 7.0)
    base = cp.outcomes(base_env)
    checked = 0
    for rid, reading in cp.policy.readings.items():
        for option in reading.options:
            chosen = {**base.readings, rid: option.id}
            partial = cp.outcomes(cp.run(batch, 7.0, chosen, base=base_env), base)
            whole = cp.outcomes(cp.run(batch, 7.0, chosen))
            assert sorted(partial.concepts) == sorted(whole.concepts)
            for c in whole.concepts:
                for i in (0, 1, 1999):
                    assert partial.value(c, i) == whole.value(c, i) and partial.state(c, i) == whole.state(c, i)
                if c in whole.numeric:
                    assert all(np.array_equal(a, b) for a, b in zip(partial.numeric[c], whole.numeric[c], strict=True))
                else:
                    assert np.array_equal(partial.boolean[c], whole.boolean[c])
                assert np.array_equal(np.broadcast_to(partial.eligible[c], (batch.n,)),
                                      np.broadcast_to(whole.eligible[c], (batch.n,))), (rid, option.id, c)
                checked += 1
    assert checked > 0
