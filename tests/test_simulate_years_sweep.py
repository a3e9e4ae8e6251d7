"""A sweep over a cumulative cap on a portfolio over years (compare.simulate.sweep with ProjectYears).

Worked by hand on one project through examples/time/b12_cumulative_cap.policy, 第二条 ("按当年实际到账
外资的10%给予到账奖励，单个企业累计奖励最高300万元", examples/time/sources/b12_cumulative_cap.txt): p1,
foreign, lands 2024, 到账外资 1000万元, 1200万元, 1500万元 -> 100万, 120万, 150万元 a year before the cap,
370万元 in all.  The cap C lets through min(amount, C − paid so far):
  C = 100万: 100, 0, 0 = 100万       C = 200万: 100, 100, 0 = 200万
  C = 300万: 100, 120, 80 = 300万    C = 400万: 100, 120, 150 = 370万 (the cap no longer binds)
so the total rises with the cap (never falls) and levels off at 370万.
"""

from __future__ import annotations

import numpy as np
from conftest import ROOT
from test_simulate_years import WAN, _b12_line, _rows, fixed_portfolio

from compare.engine.project_years import ProjectYears
from compare.simulate import sweep as sw

CAPS = ["100万元", "200万元", "300万元", "400万元"]


def _p1() -> ProjectYears:
    whole = fixed_portfolio()
    return ProjectYears(["p1"], whole.years, {y: _rows(b, [0]) for y, b in whole.batches.items()},
                        {y: a[[0]] for y, a in whole.active.items()}, whole.landing[[0]])


def _sweep(values: list[str]) -> list[dict]:
    line = _b12_line()
    axis = sw.axis(line.policy, "arrival_reward.cumulative_cap", values, "sweep")
    return sw.run_points(line.policy, line.name, axis, None, sw.sweep_points(axis, None), _p1(), 7.0, {},
                         ["reward.arrival"])


def test_the_cap_swept_on_one_project_worked_by_hand() -> None:
    rows = _sweep(CAPS)
    totals = [r for r in rows if "year" not in r]
    assert [r["value_label"] for r in totals] == CAPS
    assert [(r["low"], r["high"]) for r in totals] == [(w * WAN, w * WAN) for w in (100, 200, 300, 370)]
    by_year = {(r["value_label"], r["year"]): r["high"] for r in rows if "year" in r}
    assert [by_year[("100万元", y)] for y in (2024, 2025, 2026)] == [100 * WAN, 0.0, 0.0]
    assert [by_year[("200万元", y)] for y in (2024, 2025, 2026)] == [100 * WAN, 100 * WAN, 0.0]
    assert [by_year[("300万元", y)] for y in (2024, 2025, 2026)] == [100 * WAN, 120 * WAN, 80 * WAN]
    assert [by_year[("400万元", y)] for y in (2024, 2025, 2026)] == [100 * WAN, 120 * WAN, 150 * WAN]
    for cap in CAPS:  # each point's years add up to its total over the years
        total = next(r["high"] for r in totals if r["value_label"] == cap)
        assert sum(by_year[(cap, y)] for y in (2024, 2025, 2026)) == total


def test_the_cap_never_lowers_the_total_and_levels_off_where_it_no_longer_binds() -> None:
    """From 0 to 500万 in steps of 50万: non-decreasing, equal to the cap up to 370万 exactly reached
    (min(C, 370万) on this project), and 370万 from 400万 on."""
    rows = _sweep([f"{k * 50}万元" for k in range(11)])
    highs = [r["high"] for r in rows if "year" not in r]
    assert all(b >= a for a, b in zip(highs, highs[1:], strict=False))
    assert highs == [min(k * 50, 370) * WAN for k in range(11)]


def test_the_example_sweep_over_years_rises_with_the_cap() -> None:
    """examples/time/cumulative_cap_sweep: on a sampled portfolio over five years, the total over the
    years never falls as the cap rises, and each point's years add up to its total."""
    from compare.simulate.plan import run_scenario
    from compare.simulate.scenario import load_scenario

    res = run_scenario(load_scenario(ROOT / "examples" / "time" / "cumulative_cap_sweep.scenario.yaml"))
    sweep = res.sweep.sort_values("value")
    highs = sweep["high"].to_numpy()
    assert np.all(np.diff(highs) >= 0)
    assert highs[-1] > highs[0]
    by_year = res.sweep_by_year
    assert sorted(set(by_year["year"])) == [2024, 2025, 2026, 2027, 2028]
    # each point's years add up to its total over the years (to the fen)
    summed = by_year.groupby("value")["high"].sum().sort_index().to_numpy()
    assert np.allclose(summed, highs, rtol=0, atol=0.5)
