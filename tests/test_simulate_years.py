"""Sampled portfolios over years and bounded draws (compare.simulate.portfolio_years, money_spec), and a
portfolio over years evaluated in a scenario (compare.simulate.years_run).

The sampler: every draw within its bounds; a truncated lognormal keeps the order of the unbounded
draws it maps (the Gaussian copula); the probabilities of a truncated lognormal worked from a normal
table; the same seed draws the same, a year's draws do not depend on the other years drawn, and the
fields not drawn per year are those of the same portfolio without years.  The totals: a fixed (not
sampled) portfolio of three projects over 2024–2026 through examples/time/b12_cumulative_cap.policy,
each year's totals worked by hand from its text (examples/time/sources/b12_cumulative_cap.txt).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT

from compare.data.read import from_frame
from compare.engine.evaluate import CompiledPolicy
from compare.engine.project_years import ProjectYears
from compare.simulate.lines import Line
from compare.simulate.money_spec import normal_cdf, normal_ppf, truncated_normal
from compare.simulate.portfolio import sample_batch
from compare.simulate.portfolio_years import YearsPortfolio, sample_years
from compare.simulate.years_run import YearTotals
from dsl.cache import check_paths_cached

B12 = ROOT / "examples" / "time" / "b12_cumulative_cap.policy"
WAN = 10_000.0

BOUNDED = {
    "currency": {"USD": 1.0},
    "money": {
        "registered_capital": {"lognormal": {"median": "3000万美元", "sigma": 1.0, "between": ["1000万美元", "1亿美元"]}},
        "total_investment": {"uniform": {"between": ["2000万美元", "2亿美元"]}},
    },
}


# ------------------------------------------------------------------ bounded draws


def test_bounded_draws_lie_within_their_bounds() -> None:
    b = sample_batch(BOUNDED, 20_000, 7)
    reg, tot = b.columns["registered_capital"], b.columns["total_investment"]
    assert reg.min() >= 1000 * WAN and reg.max() <= 10_000 * WAN
    assert tot.min() >= 2000 * WAN and tot.max() <= 20_000 * WAN
    # both ends are reached closely: the bounds truncate, they do not shrink the range
    assert reg.min() < 1010 * WAN and reg.max() > 9_900 * WAN


def test_a_truncated_lognormal_has_the_truncated_probabilities() -> None:
    """median 3000万, sigma 1, between [1000万, 1亿]: a = ln(1/3) = -1.0986, b = ln(10/3) = 1.2040 sigma.
    From a normal table Φ(-1.0986) = 0.1360, Φ(0) = 0.5, Φ(1.2040) = 0.8857: P(below the median | within)
    = (0.5 - 0.1360) / (0.8857 - 0.1360) = 0.4855; P(below 2000万 | within), ln(2/3) = -0.4055,
    Φ(-0.4055) = 0.3426: (0.3426 - 0.1360) / 0.7497 = 0.2756."""
    reg = sample_batch(BOUNDED, 40_000, 11).columns["registered_capital"]
    assert abs(np.mean(reg < 3000 * WAN) - 0.4855) < 0.01  # 40 000 draws: standard error 0.0025
    assert abs(np.mean(reg < 2000 * WAN) - 0.2756) < 0.01


def test_truncation_keeps_the_order_of_the_draws_it_maps() -> None:
    """The same normal draws, bounded and not: the amounts rank the projects alike (the copula holds),
    and where the unbounded amount lies within the bounds the bounded one is not the same (it is
    re-spread over the bounds), while its rank is."""
    free = {"currency": {"USD": 1.0}, "money": {"registered_capital": {"lognormal": {"median": "3000万美元", "sigma": 1.0}}}}
    a = sample_batch(free, 5000, 3).columns["registered_capital"]
    b = sample_batch(BOUNDED, 5000, 3).columns["registered_capital"]
    order = np.argsort(a, kind="stable")
    assert np.all(np.diff(b[order]) >= 0)


def test_the_normal_quantile_is_accurate_in_the_tails() -> None:
    """Table values: Φ⁻¹(0.975) = 1.959963984540054, Φ⁻¹(1e-10) = -6.361340902404056, Φ⁻¹(0.5) = 0,
    Φ⁻¹(0.999) = 3.090232306167813."""
    x = normal_ppf(np.array([0.975, 1e-10, 0.5, 0.999]))
    assert np.allclose(x, [1.959963984540054, -6.361340902404056, 0.0, 3.090232306167813], rtol=1e-12, atol=1e-12)
    z = np.linspace(-8, 8, 161)
    assert np.allclose(normal_ppf(normal_cdf(z)[20:-20]), z[20:-20], atol=1e-9)


@pytest.mark.parametrize("a,b", [(-1.0, 1.0), (2.0, 2.5), (6.0, 7.0), (-9.0, -8.5), (-0.1, 30.0)])
def test_the_truncated_normal_stays_within_any_bounds(a: float, b: float) -> None:
    """Bounds in either tail, far out (the upper tail is mapped through its mirror image), or wide."""
    z = np.random.default_rng(5).standard_normal(10_000)
    x = truncated_normal(z.copy(), a, b)
    assert x.min() >= a and x.max() <= b
    assert np.all(np.diff(x[np.argsort(z)]) >= 0)
    assert np.ptp(x) > 0.25 * (min(b, a + 3) - a)  # spread over the bounds, not piled at an end


def test_the_same_seed_draws_the_same_bounded_portfolio() -> None:
    one, two = sample_batch(BOUNDED, 500, 42), sample_batch(BOUNDED, 500, 42)
    other = sample_batch(BOUNDED, 500, 43)
    for name in ("registered_capital", "total_investment"):
        assert np.array_equal(one.columns[name], two.columns[name])
        assert not np.array_equal(one.columns[name], other.columns[name])


# ------------------------------------------------------------------ portfolios over years

YEARS = {
    **BOUNDED,
    "flags": {"foreign": 0.8},
    "years": {"from": 2024, "to": 2026, "landing": {"2024": 0.5, "2025": 0.3, "2026": 0.2},
              "per_year": {"money": {"fdi_arrived": {"uniform": {"between": ["100万美元", "1000万美元"]}}},
                           "flags": {"started": 0.5}}},
}


def test_a_portfolio_over_years_is_project_years() -> None:
    py = sample_years(YEARS, 10_000, 1)
    assert isinstance(py, ProjectYears) and py.years == [2024, 2025, 2026] and py.n == 10_000
    shares = [np.mean(py.landing == y) for y in (2024, 2025, 2026)]
    assert np.allclose(shares, [0.5, 0.3, 0.2], atol=0.02)
    for y in py.years:
        b = py.batches[y]
        assert b.ids == py.ids
        assert np.array_equal(py.active[y], py.landing <= y)  # a row every year from landing to the last
        assert np.all(b.columns["year"] == y)
        on = py.active[y]
        assert np.array_equal(b.columns["year_of_life"][on], (y - py.landing + 1)[on])
        fdi = b.columns["fdi_arrived"]
        assert fdi.min() >= 100 * WAN and fdi.max() <= 1000 * WAN


def test_fields_per_year_are_drawn_each_year_the_others_once() -> None:
    py = sample_years(YEARS, 2000, 9)
    b24, b25 = py.batches[2024], py.batches[2025]
    for name in ("registered_capital", "total_investment", "foreign", "paid_in_capital"):
        assert b24.columns[name] is b25.columns[name], name  # kept once for all the years
    assert b24.ids is b25.ids
    assert not np.array_equal(b24.columns["fdi_arrived"], b25.columns["fdi_arrived"])
    assert not np.array_equal(b24.columns["started"], b25.columns["started"])
    # the fields drawn once are those of the same portfolio without years (common random numbers)
    flat = sample_batch({k: v for k, v in YEARS.items() if k != "years"}, 2000, 9)
    assert np.array_equal(flat.columns["registered_capital"], b24.columns["registered_capital"])
    assert np.array_equal(flat.columns["foreign"], b24.columns["foreign"])


def test_a_years_draws_do_not_depend_on_the_other_years_drawn() -> None:
    longer = {**YEARS, "years": {**YEARS["years"], "to": 2028}}
    a, b = sample_years(YEARS, 300, 5), sample_years(longer, 300, 5)
    assert np.array_equal(a.landing, b.landing)
    for y in (2024, 2025, 2026):
        assert np.array_equal(a.batches[y].columns["fdi_arrived"], b.batches[y].columns["fdi_arrived"])
    again = sample_years(YEARS, 300, 5)
    for y in a.years:
        assert np.array_equal(a.batches[y].columns["fdi_arrived"], again.batches[y].columns["fdi_arrived"])
    assert not np.array_equal(sample_years(YEARS, 300, 6).landing, a.landing)


@pytest.mark.parametrize("years,message", [
    ({"from": 2028, "to": 2024}, "runs backwards"),
    ({"from": 2024, "to": 2026, "landing": 2023}, "2023 is outside"),
    ({"from": 2024, "to": 2026, "landing": {"2024": 0.5, "2025": 0.4}}, "sum to 0.9"),
    ({"from": 2024}, "give `from` and `to`"),
    ({"from": 2024, "to": 2026, "per_year": {"money": {"fdi_arrived": {"uniform": {"between": ["9万元", "1万元"]}}}}},
     "runs backwards"),
])
def test_a_years_spec_that_does_not_hold_is_a_value_error(years: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        YearsPortfolio({"years": years})


# ------------------------------------------------------------------ totals worked by hand

def _b12_line() -> Line:
    result = check_paths_cached([B12], [B12.parent])
    assert not [d for d in result.diagnostics if d.is_error]
    policy = result.policies[0]
    return Line(policy.id, policy, CompiledPolicy(policy), policy.id)


def fixed_portfolio() -> ProjectYears:
    """Three projects over 2024–2026, given as a project file gives them (not sampled):
    p1 foreign, lands 2024, 到账外资 1000万元 / 1200万元 / 1500万元;
    p2 foreign, lands 2025, 500万元 / 3000万元;
    p3 not foreign, a new manufacturing firm, lands 2024, 固定资产投资 2000万元 each year."""
    rows = {2024: {"p1": "1000万元", "p2": None, "p3": None}, 2025: {"p1": "1200万元", "p2": "500万元", "p3": None},
            2026: {"p1": "1500万元", "p2": "3000万元", "p3": None}}
    landing = np.array([2024, 2025, 2024])
    batches, active = {}, {}
    for y, fdi in rows.items():
        b = from_frame({"id": ["p1", "p2", "p3"], "foreign": [True, True, False], "manufacturing": [False, False, True],
                        "expansion": [False, False, False], "fdi_arrived": [fdi["p1"], fdi["p2"], fdi["p3"]],
                        "fixed_asset_investment": [None, None, "2000万元"], "year": [y] * 3,
                        "year_of_life": [max(1, y - int(g) + 1) for g in landing]}).batch
        batches[y], active[y] = b, landing <= y
    return ProjectYears(["p1", "p2", "p3"], [2024, 2025, 2026], batches, active, landing)


def test_totals_per_year_of_a_fixed_portfolio_worked_by_hand() -> None:
    """第二条: 10% of the year's 到账外资, 单个企业累计奖励最高300万元.  p1: 100万, 120万, then 150万 capped
    at the 80万 left of 300万 -> 80万.  p2: 2025 50万; 2026 300万 capped at the 250万 left -> 250万.
    第三条: 5% of 固定资产投资 for a new manufacturing firm, years 1–3, 累计最高1000万元: p3 100万 a year.
    money.total: 2024 100万 (p1) + 100万 (p3) = 200万; 2025 120万 + 50万 + 100万 = 270万;
    2026 80万 + 250万 + 100万 = 430万.  Active: 2 projects in 2024 (p2 lands in 2025), 3 after."""
    line = _b12_line()
    totals = YearTotals([line])
    batch, results = totals.evaluate(fixed_portfolio(), 7.0)
    rows = {(r["year"], r["concept"]): r for r in totals.by_year_table().to_pylist()}
    expect = {(2024, "reward.arrival"): 100, (2025, "reward.arrival"): 170, (2026, "reward.arrival"): 330,
              (2024, "reward.equipment"): 100, (2025, "reward.equipment"): 100, (2026, "reward.equipment"): 100,
              (2024, "money.total"): 200, (2025, "money.total"): 270, (2026, "money.total"): 430}
    for key, wan in expect.items():
        assert rows[key]["low"] == rows[key]["high"] == wan * WAN, key
    assert [rows[(y, "money.total")]["active"] for y in (2024, 2025, 2026)] == [2, 3, 3]
    assert [rows[(y, "money.total")]["unit"] for y in (2024, 2025, 2026)] == ["CNY"] * 3
    # the totals over the years, as the compare tables take them: 300万 for p1 and p2, 300万 for p3
    (total,) = results
    lo, hi = total.numeric["reward.arrival"]
    assert list(np.broadcast_to(lo, (3,))) == [300 * WAN, 300 * WAN, 0.0]
    assert list(np.broadcast_to(total.numeric["reward.equipment"][1], (3,))) == [0.0, 0.0, 300 * WAN]
    assert batch.ids == ["p1", "p2", "p3"]
    assert totals.due_table() is None  # no instalments


def test_a_fixed_portfolio_totals_add_up_chunk_by_chunk() -> None:
    """The same portfolio given as two chunks (p1; p2 and p3) adds up to the same totals."""
    whole = fixed_portfolio()
    line = _b12_line()
    one, parts = YearTotals([line]), YearTotals([line])
    one.evaluate(whole, 7.0)
    for idx in ([0], [1, 2]):
        sub = ProjectYears([whole.ids[i] for i in idx], whole.years,
                           {y: _rows(b, idx) for y, b in whole.batches.items()},
                           {y: a[idx] for y, a in whole.active.items()}, whole.landing[idx])
        parts.evaluate(sub, 7.0)
    assert one.by_year_table().to_pylist() == parts.by_year_table().to_pylist()


def _rows(batch: Any, idx: list[int]) -> Any:
    from compare.engine.batch import ProjectBatch

    return ProjectBatch([batch.ids[i] for i in idx], {k: v[idx] for k, v in batch.columns.items()}, record=batch.record)


def test_the_example_scenario_over_years_runs(tmp_path: Path) -> None:
    """examples/time/multi_year_portfolio: every line each year, the example city's capped reward
    falling once its projects exhaust the cap, and the plot byte-identical on a rerun."""
    from compare.simulate.plan import run_scenario
    from compare.simulate.scenario import load_scenario

    sc = load_scenario(ROOT / "examples" / "time" / "multi_year_portfolio.scenario.yaml")
    res = run_scenario(sc)
    frame = res.by_year
    assert sorted(set(frame["year"])) == [2024, 2025, 2026, 2027, 2028]
    assert set(frame["policy"]) == {"zhangjiagang_2017", "wuxi_2023", "taicang_2020", "jiaxing_draft",
                                    "b12_cumulative_cap"}
    arrival = frame[(frame["policy"] == "b12_cumulative_cap") & (frame["concept"] == "reward.arrival")]
    per_year = arrival.sort_values("year")["high"].to_list()
    assert per_year[-1] < per_year[0]  # the cap binds more each year
    assert arrival["high"].sum() <= 300 * WAN * 400  # never more than the cap per project, 400 projects
    first = res.write(tmp_path / "a", formats=("png", "svg"))
    second = run_scenario(sc).write(tmp_path / "b", formats=("png", "svg"))
    assert first == second
    for rel in first:
        if rel.parts[0] == "plots":
            assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


FIXED_CSV = """\
id,year,landed_on,foreign,manufacturing,expansion,fdi_arrived,fixed_asset_investment,company
p1,2024,2024-01-01,true,false,false,1000万元,0元,甲公司
p1,2025,2024-01-01,true,false,false,1200万元,0元,甲公司
p1,2026,2024-01-01,true,false,false,1500万元,0元,甲公司
p2,2025,2025-05-01,true,false,false,500万元,0元,乙公司
p2,2026,2025-05-01,true,false,false,3000万元,0元,乙公司
p3,2024,2024-03-01,false,true,false,0元,2000万元,丙公司
p3,2025,2024-03-01,false,true,false,0元,2000万元,丙公司
p3,2026,2024-03-01,false,true,false,0元,2000万元,丙公司
"""


def test_a_scenario_over_a_project_file_over_years_worked_by_hand(tmp_path: Path) -> None:
    """The fixed portfolio above as a scenario's `portfolio.file` (a row per project and year): each
    year's money.total 200万, 270万, 430万元 (worked in test_totals_per_year_of_a_fixed_portfolio…), the
    totals over the years 900万元, the carried column kept in per_project."""
    from compare.simulate.plan import run_scenario
    from compare.simulate.scenario import parse_scenario

    (tmp_path / "fixed.csv").write_text(FIXED_CSV, encoding="utf-8")
    text = (f"name: fixed\nfx: 7.0\npolicies: [{B12}]\nportfolio: {{file: fixed.csv}}\n"
            "analyses: {compare: true}\n")
    res = run_scenario(parse_scenario(text, str(tmp_path / "fixed.scenario.yaml")))
    frame = res.by_year
    paid = frame[frame["concept"] == "money.total"].sort_values("year")
    assert paid["year"].to_list() == [2024, 2025, 2026]
    assert paid["high"].to_list() == [200 * WAN, 270 * WAN, 430 * WAN]
    assert paid["active"].to_list() == [2, 3, 3]
    totals = res.totals.set_index("concept")
    assert totals.loc["reward.arrival", "high"] == 600 * WAN  # 300万 each for p1 and p2
    assert totals.loc["reward.equipment", "high"] == 300 * WAN
    assert list(res.per_project["company"]) == ["甲公司", "乙公司", "丙公司"]


def test_instalments_after_the_last_year_are_due_later_worked_by_hand(tmp_path: Path) -> None:
    """examples/time/b13_schedules.policy 第二条: 按首年实际到账外资的3%给予一次性落户奖励，分三年兑现，每年
    三分之一 (examples/time/sources/b13_schedules.txt).  q2 lands 2024 with 600万元: 18万, paid 6万 in
    2024, 2025 and 2026.  q1 lands 2025 with 3000万元 (and 1000万元 in 2026, no second award: 一次性):
    90万, paid 30万 in 2025 and 2026, the last 30万 in 2027, after the portfolio's last year: due later.
    reward.settling per year: 2024 6万; 2025 6万 + 30万 = 36万; 2026 36万; in all 78万; due later 30万."""
    from compare.simulate.plan import run_scenario
    from compare.simulate.scenario import parse_scenario

    (tmp_path / "q.csv").write_text("id,year,landed_on,foreign,fdi_arrived\n"
                                    "q1,2025,2025,true,3000万元\nq1,2026,2025,true,1000万元\n"
                                    "q2,2024,2024,true,600万元\nq2,2025,2024,true,0元\nq2,2026,2024,true,0元\n",
                                    encoding="utf-8")
    b13 = ROOT / "examples" / "time" / "b13_schedules.policy"
    text = f"name: q\nfx: 7.0\npolicies: [{b13}]\nportfolio: {{file: q.csv}}\nanalyses: {{compare: true}}\n"
    res = run_scenario(parse_scenario(text, str(tmp_path / "q.scenario.yaml")))
    frame = res.by_year
    settling = frame[frame["concept"] == "reward.settling"].sort_values("year")
    assert settling["high"].to_list() == [6 * WAN, 36 * WAN, 36 * WAN]
    assert res.totals.set_index("concept").loc["reward.settling", "high"] == 78 * WAN
    due = res.due_later
    assert due[["concept", "low", "high", "projects"]].values.tolist() == [["reward.settling", 30 * WAN, 30 * WAN, 1]]


def test_a_reform_of_the_cap_over_a_file_over_years_worked_by_hand(tmp_path: Path) -> None:
    """Shape 12's cap raised to 500万元 (a reform), beside a bundled city whose taxonomy is another:
    the revision is checked against its own city's taxonomy.  With 500万 neither p1 (100 + 120 + 150
    = 370万) nor p2 (50 + 300 = 350万) reaches the cap: reward.arrival 2026 = 150万 + 300万 = 450万
    (330万 under 300万).  The per-project JSON writes the carried landing dates as ISO text."""
    import json

    from compare.simulate.plan import run_scenario
    from compare.simulate.scenario import parse_scenario

    (tmp_path / "fixed.csv").write_text(FIXED_CSV, encoding="utf-8")
    text = (f"name: fixed\nfx: 7.0\npolicies: [wuxi_2023, {B12}]\n"
            "reforms:\n  - {name: cap_500, base: b12_cumulative_cap, set: {arrival_reward.cumulative_cap: 500万元}}\n"
            "portfolio: {file: fixed.csv}\nanalyses: {compare: true}\n")
    res = run_scenario(parse_scenario(text, str(tmp_path / "fixed.scenario.yaml")))
    frame = res.by_year
    arrival = frame[(frame["concept"] == "reward.arrival") & (frame["year"] == 2026)].set_index("policy")["high"]
    assert arrival["b12_cumulative_cap"] == 330 * WAN and arrival["cap_500"] == 450 * WAN
    res.write(tmp_path / "out", formats=("json",))
    rows = json.loads((tmp_path / "out" / "per_project.json").read_text(encoding="utf-8"))
    assert {r["landed_on"] for r in rows} == {"2024-01-01", "2025-05-01", "2024-03-01"}


POOL = """\
name: pool
seed: 3
fx: 7.0
policies: [{policy}]
portfolio:
  sample:
    size: 50
    flags: {{foreign: 1.0, expansion: 0.0}}
    quality_score: {{uniform: {{low: 40, high: 100}}}}
    years: {{from: 2024, to: 2026, landing: {{2024: 0.4, 2025: 0.3, 2026: 0.3}}}}
analyses: {{compare: true}}
"""


def test_a_pool_is_shared_among_each_years_projects_in_one_piece() -> None:
    """examples/time/b15_pool.policy 第三条: 奖金总额98万元，在当年全部参评项目中按得分分配 … 计算至分，分以下
    舍去; 第四条: 每年评选不超过2个年度优秀项目 … 每个项目奖励50万元.  Over a sampled portfolio of 2024–2026,
    each year's candidates share that year's 98万元 (less under a fen each, rounded down) and two of
    them get 50万元: 100万元 a year.  Drawn in chunks of 10 projects, the run keeps each year's projects
    together (the pool is shared across them), so the totals are those of one piece."""
    from compare.simulate.plan import run_scenario
    from compare.simulate.scenario import parse_scenario

    sc = parse_scenario(POOL.format(policy=ROOT / "examples" / "time" / "b15_pool.policy"), "pool.scenario.yaml")
    whole, chunked = run_scenario(sc), run_scenario(sc, chunk_size=10)
    frame = whole.by_year
    assert frame.equals(chunked.by_year)
    pool = frame[frame["concept"] == "reward.pool_share"].set_index("year")
    for y in (2024, 2025, 2026):
        shared, candidates = pool.loc[y, "high"], pool.loc[y, "eligible"]
        assert 98 * WAN - 0.01 * candidates < shared <= 98 * WAN
    best = frame[frame["concept"] == "reward.project_of_the_year"]
    assert best["high"].to_list() == [100 * WAN] * 3
