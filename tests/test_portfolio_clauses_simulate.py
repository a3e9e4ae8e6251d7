"""A scenario's portfolio through clauses shared across a year's projects: a sampled portfolio is one
year's projects, so it is never split into chunks for them, and each Monte Carlo draw shares its own
budget.  The figures follow from the rule alone (docs/years.md, "Across a year's projects")."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jsonschema")

from test_portfolio_clauses import POLICY, SOURCE, TAXONOMY  # noqa: E402

from compare.simulate.plan import run_scenario  # noqa: E402
from compare.simulate.scenario import parse_scenario  # noqa: E402


def _scenario(tmp: Path, size: int, analyses: str, more: str = "") -> Any:
    (tmp / "mech.txt").write_text(SOURCE, encoding="utf-8")
    (tmp / "mech.policy").write_text(POLICY, encoding="utf-8")
    (tmp / "taxonomy").mkdir(exist_ok=True)
    (tmp / "taxonomy" / "mech.yaml").write_text(TAXONOMY, encoding="utf-8")
    sample = f"size: {size}\nquality_score: {{uniform: {{low: 1, high: 100}}}}" + (f"\n{more}" if more else "")
    text = ("name: pool\nseed: 7\nfx: 7.0\npolicies: [mech.policy]\nportfolio:\n  sample:\n"
            + textwrap.indent(sample, "    ") + f"\nanalyses: {analyses}\n")
    return parse_scenario(text, str(tmp / "s.yaml"))


def test_a_sampled_year_is_not_split_into_chunks(tmp_path: Path) -> None:
    """30 projects in chunks of 7 would be 5 batches, each paying 2 places (第二条) and the whole 3元
    (第一条).  One year: 2 places × 10元 = 20元 in all; the pool pays 300 fen less under 1 fen per
    project rounded down: between 2.71元 and 3元."""
    sc = _scenario(tmp_path, 30, "{compare: true}")
    res = run_scenario(sc, chunk_size=7)
    totals = {r["concept"]: (r["low"], r["high"]) for r in res.tables["totals"].to_pylist()}
    assert totals["reward.project_of_the_year"] == (20.0, 20.0)
    low, high = totals["reward.pool_share"]
    assert low == high and 2.71 <= high <= 3.0
    assert any("evaluated at once, not in chunks" in n for n in res.meta["notes"])


def test_each_monte_carlo_draw_is_its_own_year(tmp_path: Path) -> None:
    """3 draws of 10 projects: each draw's 2 places pay 20元 (a block of draws evaluated in one pass
    would give 2 places to the 30 projects of all three)."""
    sc = _scenario(tmp_path, 10, "{monte_carlo: {draws: 3}}")
    rows = [r for r in run_scenario(sc).tables["monte_carlo"].to_pylist() if r["concept"] == "reward.project_of_the_year"]
    assert len(rows) == 3 and all((r["low"], r["high"]) == (20.0, 20.0) for r in rows)


def test_a_sampled_portfolio_over_years_keeps_each_year_whole(tmp_path: Path) -> None:
    """20 projects over 2024–2026, every one landing in 2024 (a row each year), in chunks of 12 (which
    over three years would hold 4 projects each: 5 chunks).  Each year is one batch of the 20: 2 places
    × 10元 = 20元 a year (第二条), 60元 over the three years."""
    sc = _scenario(tmp_path, 20, "{compare: true}",
                   "years: {from: 2024, to: 2026, landing: {2024: 1.0}, per_year: {flags: {foreign: 1.0}}}")
    res = run_scenario(sc, chunk_size=12)
    by_year = {(r["year"], r["concept"]): (r["low"], r["high"]) for r in res.tables["by_year"].to_pylist()}
    assert [by_year[(y, "reward.project_of_the_year")] for y in (2024, 2025, 2026)] == [(20.0, 20.0)] * 3
    totals = {r["concept"]: (r["low"], r["high"]) for r in res.tables["totals"].to_pylist()}
    assert totals["reward.project_of_the_year"] == (60.0, 60.0)
