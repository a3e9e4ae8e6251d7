"""Monte Carlo's pieces of work and its sums: how draws are grouped and added up never changes a figure.

The draws' table is checked against the rows of its definition (tests' `definition_rows`: each block
sampled, then evaluated in one pass and split by `np.add.reduceat` at a fixed rate, or a draw at a time at
its own rate, each total a `.sum()` of `totals.ends`), whatever the pieces the blocks are grouped into
and however many draws are summed together.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from sampled import CITIES, SPEC

from compare.api import load_policy
from compare.engine.evaluate import CompiledPolicy
from compare.engine.portfolio import across
from compare.simulate import montecarlo as mc
from compare.simulate.portfolio import sample_batch
from compare.simulate.totals import TOTAL_MONEY, ends, money_per_project
from dsl.check.record import run_record

ROOT = Path(__file__).resolve().parents[1]
SIZE, SEED, DRAWS = 30, 7, 60  # two blocks: 50 draws and 10


@pytest.fixture(scope="module")
def members() -> list[tuple[str, Any, dict[str, str]]]:
    return [(c, load_policy(ROOT / "policies" / f"{c}.policy").policy, {}) for c in CITIES]


def definition_rows(members: list[Any], block: int, count: int, rate: mc.Rate, spec: dict[str, Any] = SPEC
                    ) -> list[dict[str, Any]]:
    """A block's rows by their definition, one dict a row (the way the module built them, row by row)."""
    compiled = [(name, CompiledPolicy(p), r) for name, p, r in members]
    record = run_record([cp.policy.record for _, cp, _ in compiled])[0]
    batch = sample_batch(spec, SIZE * count, SEED, chunk=mc.BLOCK_STREAM + block, fx=rate.mid, record=record)
    first, starts = block * mc.DRAWS_PER_BLOCK, np.arange(count) * SIZE
    rows = []
    if rate.fixed and not any(across(cp.clauses) for _, cp, _ in compiled):
        for name, cp, readings in compiled:
            out = cp.outcomes(cp.run(batch, rate.low, readings))
            for concept in [*out.concepts, TOTAL_MONEY]:
                lo, hi = money_per_project(cp, out, rate.low) if concept == TOTAL_MONEY else ends(out, concept, batch.n)
                los, his = np.add.reduceat(lo, starts), np.add.reduceat(hi, starts)
                rows += [{"draw": first + d, "fx": rate.low, "policy": name, "concept": concept,
                          "low": float(los[d]), "high": float(his[d])} for d in range(count)]
        return rows
    for d in range(count):
        part = mc._slice(batch, d * SIZE, (d + 1) * SIZE)
        fx = rate.draw(SEED, first + d)
        for name, cp, readings in compiled:
            out = cp.outcomes(cp.run(part, fx, readings))
            for concept in [*out.concepts, TOTAL_MONEY]:
                lo, hi = money_per_project(cp, out, fx) if concept == TOTAL_MONEY else ends(out, concept, part.n)
                rows.append({"draw": first + d, "fx": fx, "policy": name, "concept": concept,
                             "low": float(lo.sum()), "high": float(hi.sum())})
    return rows


@pytest.mark.parametrize("rate", [mc.Rate(7.0, 7.0), mc.Rate(6.8, 7.3)], ids=["fixed", "drawn"])
@pytest.mark.parametrize("group_rows", [mc.GROUP_ROWS, 70, 1])  # all draws of a block summed together, 2, 1
def test_the_table_is_its_definition_whatever_the_pieces(members: list[Any], rate: mc.Rate, group_rows: int,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mc, "GROUP_ROWS", group_rows)
    expected = pa.Table.from_pylist([row for b, count in mc.blocks(DRAWS) for row in definition_rows(members, b, count,
                                                                                                    rate)])
    one_piece = mc.table([mc.run_blocks(members, SPEC, SIZE, SEED, mc.blocks(DRAWS), rate, None)])
    a_piece_a_block = mc.table([mc.run_blocks(members, SPEC, SIZE, SEED, [b], rate, None) for b in mc.blocks(DRAWS)])
    assert expected.num_rows > DRAWS * len(CITIES)  # every concept of every line, and money.total
    for got in (one_piece, a_piece_a_block):
        assert got.schema == expected.schema
        assert got.equals(expected)  # NaN where NaN, every float to the bit
    assert mc.run_block(members, SPEC, SIZE, SEED, 1, 10, rate, None) == definition_rows(members, 1, 10, rate)


def test_a_shared_budget_sums_each_draw_apart(tmp_path: Path) -> None:
    """Clauses shared across a year's projects (2 places for the year's best projects, a pool) at a fixed
    rate: each draw is evaluated apart, and its totals are still the definition's."""
    from test_portfolio_clauses import POLICY, SOURCE, TAXONOMY

    (tmp_path / "mech.txt").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "mech.policy").write_text(POLICY, encoding="utf-8")
    (tmp_path / "taxonomy").mkdir()
    (tmp_path / "taxonomy" / "mech.yaml").write_text(TAXONOMY, encoding="utf-8")
    member = [("mech", load_policy(tmp_path / "mech.policy").policy, {})]
    assert any(across(CompiledPolicy(member[0][1]).clauses))
    spec = {"quality_score": {"uniform": {"low": 1, "high": 100}}}
    rate = mc.Rate(7.0, 7.0)
    for group_rows in (mc.GROUP_ROWS, 3 * SIZE):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(mc, "GROUP_ROWS", group_rows)
            got = mc.table([mc.run_blocks(member, spec, SIZE, SEED, [(0, 12)], rate, None)])
        assert got.equals(pa.Table.from_pylist(definition_rows(member, 0, 12, rate, spec)))


def test_row_sums_are_the_sums_of_each_row() -> None:
    """What `_Ends.sums` rests on: numpy's sum of each row of a C-ordered table is, to the bit, the sum of
    that row as a 1-d array (pairwise summation over the same run of numbers), around its block sizes."""
    rng = np.random.default_rng(2026)
    for size in (1, 2, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 4097, 8193):
        table = rng.lognormal(10, 4, (6, size)) * rng.choice([-1.0, 1.0], (6, size))
        table[1, size // 2] = math.inf
        table[2, 0], table[2, -1] = math.inf, -math.inf
        table[3, size // 3] = math.nan
        table[4] = -0.0
        with np.errstate(invalid="ignore"):  # ∞ − ∞
            sums = table.sum(axis=1)
            ones = [np.ascontiguousarray(row).sum() for row in table]
        for k, one in enumerate(ones):
            assert (one == sums[k] and math.copysign(1, one) == math.copysign(1, sums[k])) or \
                (math.isnan(one) and math.isnan(sums[k])), (size, k)


def test_pieces_keep_the_blocks_in_order() -> None:
    assert mc.blocks(1000) == [(b, 50) for b in range(20)]
    # at most 5 blocks a piece, at least one piece per worker while there are blocks enough
    assert mc.tasks(1000, 2) == [[(b, 50) for b in range(k, k + 5)] for k in (0, 5, 10, 15)]
    assert mc.tasks(60, 2) == [[(0, 50)], [(1, 10)]]
    assert mc.tasks(60, 8) == [[(0, 50)], [(1, 10)]]
    assert mc.tasks(50, 4) == [[(0, 50)]]
    assert [len(p) for p in mc.tasks(1100, 2)] == [4, 4, 5, 4, 5]  # 22 blocks in 5 pieces, as even as can be
    for draws, workers in ((1, 1), (499, 3), (1100, 2), (12_345, 16)):
        pieces = mc.tasks(draws, workers)
        assert [b for p in pieces for b in p] == mc.blocks(draws)
        assert all(0 < len(p) <= mc.BLOCKS_PER_TASK for p in pieces)


def test_summary_groups_keep_each_lines_draws_in_order() -> None:
    """Rows of several lines interleaved: each line's draws are taken in the table's order.  The mean of
    1e16, 1, -1e16 in that order is 0 (1e16 + 1 rounds back to 1e16: its neighbours are 2 apart); in
    another order it would not be."""
    rows = [("b", "y", 10.0, 10.0), ("a", "x", 1e16, 2.0), ("b", "y", 20.0, math.inf), ("a", "x", 1.0, 4.0),
            ("a", "w", 5.0, 5.0), ("a", "x", -1e16, 6.0)]
    table = pa.Table.from_pylist([{"draw": k, "fx": 7.0, "policy": p, "concept": c, "low": lo, "high": hi}
                                  for k, (p, c, lo, hi) in enumerate(rows)])
    got = mc.summary(table, [0.5], 0.95).to_pylist()
    assert [(r["policy"], r["concept"], r["end"]) for r in got] == [
        ("a", "w", "low"), ("a", "w", "high"), ("a", "x", "low"), ("a", "x", "high"), ("b", "y", "low"),
        ("b", "y", "high")]
    ax_low, ax_high, by_low, by_high = got[2], got[3], got[4], got[5]
    assert ax_low["mean"] == 0.0 and ax_low["draws"] == 3
    assert ax_high["mean"] == 4.0 and ax_high["sd"] == 2.0 and ax_high["q0.5"] == 4.0  # 2, 4, 6
    assert by_low["mean"] == 15.0 and by_low["draws"] == 2 and by_low["unbounded"] == 0
    assert by_high["mean"] == 10.0 and by_high["unbounded"] == 1 and by_high["sd"] == 0.0  # ∞ left out
    assert got[0]["mean"] == 5.0 and got[0]["draws"] == 1


def _double(x: int) -> int:
    return 2 * x


def test_meanwhile_runs_once_while_blocks_run_elsewhere() -> None:
    """What plotting needs is imported while the draws run in worker processes: once, the results in
    the blocks' order; with one block (run here) there is no while, and nothing is called."""
    from compare.simulate.executor import map_blocks

    calls: list[int] = []
    blocks = [(k,) for k in range(5)]
    got = map_blocks(_double, blocks, meanwhile=lambda: calls.append(1))
    assert got == [0, 2, 4, 6, 8]
    assert calls == ([1] if (os.cpu_count() or 1) > 1 else [])
    calls.clear()
    assert map_blocks(_double, [(3,)], meanwhile=lambda: calls.append(1)) == [6] and calls == []
