"""Monte Carlo: many portfolios drawn from the scenario's distributions (and the rate from its
range), every line's totals on each, then means, quantiles and confidence intervals.

Draws come in blocks of `DRAWS_PER_BLOCK`: block b samples all its draws' projects at once from the
seed sequence (seed, BLOCK_STREAM + b), so a draw's portfolio depends only on the seed and its
number, never on how blocks are spread over workers: a Dask run equals a local one.  With a fixed
rate a block is evaluated in one pass and split into draws by summing slices; with a range each draw
is evaluated at its own rate (drawn from (seed, FX_STREAM, draw)); so is each draw where a policy shares
a budget or a number of winners among a year's projects (a draw is one year's portfolio), and the
totals of such draws are summed together, a draw a row of one table (`_Ends`).  Blocks run in
pieces of a few (`tasks`: the policies compiled once a piece), and the rows come back as columns.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pyarrow as pa

from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.exact import exact_rate
from compare.engine.portfolio import across
from compare.simulate.executor import map_blocks
from compare.simulate.portfolio import sample_batch
from compare.simulate.totals import TOTAL_MONEY, covered_concepts, ends, money_per_project
from dsl.check.record import run_record
from dsl.model import Policy
from dsl.record import Record

DRAWS_PER_BLOCK = 50  # draws sampled together: a draw's projects depend on it (never change it)
BLOCKS_PER_TASK = 5  # blocks per piece of work (per compilation of the policies)
GROUP_ROWS = 20_000  # draws evaluated apart have their totals summed together, up to this many projects
BLOCK_STREAM = 1 << 20  # the draws' chunks are numbered apart from the portfolio's own
FX_STREAM = 1 << 21


@dataclass(frozen=True)
class Rate:
    low: float
    high: float

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2

    def draw(self, seed: int, draw: int) -> float:
        if self.fixed:
            return self.low
        rng = np.random.default_rng(np.random.SeedSequence([seed, FX_STREAM, draw]))
        return float(round(rng.uniform(self.low, self.high), 6))


def blocks(draws: int) -> list[tuple[int, int]]:
    return [(b, min(DRAWS_PER_BLOCK, draws - b * DRAWS_PER_BLOCK)) for b in range(-(-draws // DRAWS_PER_BLOCK))]


def tasks(draws: int, workers: int) -> list[list[tuple[int, int]]]:
    """The blocks grouped into pieces of work, in order: at most BLOCKS_PER_TASK blocks each (a piece
    compiles the policies once), and at least one piece per worker while there are blocks enough."""
    bs = blocks(draws)
    count = min(len(bs), max(workers, -(-len(bs) // BLOCKS_PER_TASK)))
    cuts = [len(bs) * k // count for k in range(count + 1)]
    return [bs[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def draw_all(members: Sequence[tuple[str, Policy, dict[str, str]]], spec: Mapping[str, Any], seed: int, draws: int,
             rate: Rate, folder: Path | None, executor: str, scheduler: str | None,
             progress: Callable[[int, int], None], plots: bool) -> pa.Table:
    """The `monte_carlo` table: `draws` portfolios of `spec["size"]` projects, each line's totals on each,
    their blocks run in pieces (`tasks`) by compare.simulate.executor; `progress(done, draws)` as pieces
    finish; with `plots`, what plotting needs is imported while the pieces run."""
    pieces = tasks(draws, os.cpu_count() or 1)
    done = [0]

    def finished(k: int) -> None:
        done[0] += sum(count for _, count in pieces[k])
        progress(done[0], draws)

    parts = map_blocks(run_blocks, [(members, spec, int(spec["size"]), seed, piece, rate, folder) for piece in pieces],
                       executor, scheduler, finished, ready_to_plot if plots else None)
    return table(parts)


def ready_to_plot() -> None:
    """Imports what plotting the draws needs (matplotlib: ~0.4 s), while the draws run in other processes."""
    try:
        import compare.simulate.plots  # noqa: F401
    except ImportError:  # without the `simulate` extra: said when a plot is asked for
        pass


def _slice(batch: ProjectBatch, a: int, b: int) -> ProjectBatch:
    return ProjectBatch(batch.ids[a:b], {k: v[a:b] for k, v in batch.columns.items()}, batch.record)


class Draws:
    """The rows of the `monte_carlo` table as columns (draw, fx, policy, concept, low, high), built
    a piece at a time: a whole column of draws at once, or a row."""

    NAMES = ("draw", "fx", "policy", "concept", "low", "high")

    def __init__(self) -> None:
        self.parts: dict[str, list[Any]] = {name: [] for name in self.NAMES}
        self.rows: list[tuple[int, float, str, str, float, float]] = []

    def add_column(self, draws: np.ndarray, fx: float, policy: str, concept: str, low: np.ndarray,
                   high: np.ndarray) -> None:
        self._flush()
        for name, values in zip(self.NAMES, (draws, np.full(draws.size, fx), [policy] * draws.size,
                                             [concept] * draws.size, low, high), strict=True):
            self.parts[name].append(values)

    def add_row(self, draw: int, fx: float, policy: str, concept: str, low: float, high: float) -> None:
        self.rows.append((draw, fx, policy, concept, low, high))

    def _flush(self) -> None:
        if self.rows:
            for name, values in zip(self.NAMES, zip(*self.rows, strict=True), strict=True):
                self.parts[name].append(list(values))
            self.rows = []

    def columns(self) -> dict[str, list[Any]]:
        self._flush()
        return self.parts


def table(pieces: Sequence[Draws]) -> pa.Table:
    """The `monte_carlo` table of the pieces' rows, in order (the types pa.Table.from_pylist gives the
    same rows: draw int64, fx, low and high double, policy and concept string)."""
    cols: dict[str, list[Any]] = {name: [] for name in Draws.NAMES}
    for piece in pieces:
        for name, parts in piece.columns().items():
            cols[name] += parts
    arrays = []
    for name, kind in zip(Draws.NAMES, (pa.int64(), pa.float64(), pa.string(), pa.string(), pa.float64(),
                                        pa.float64()), strict=True):
        parts = cols[name]
        if kind == pa.string():
            arrays.append(pa.array([x for part in parts for x in part], kind))
        else:
            arrays.append(pa.array(np.concatenate([np.asarray(part, dtype=kind.to_pandas_dtype()) for part in parts]),
                                   kind))
    return pa.table(arrays, names=list(Draws.NAMES))


def run_blocks(policies: Sequence[tuple[str, Policy | CompiledPolicy, dict[str, str]]], spec: Mapping[str, Any],
               size: int, seed: int, chunk: Sequence[tuple[int, int]], rate: Rate, folder: Path | None) -> Draws:
    """The totals of each line on the draws of blocks `chunk` ((block, count) pairs), the policies
    compiled once: `run_block`'s rows of each block, in order."""
    compiled = [(name, p if isinstance(p, CompiledPolicy) else CompiledPolicy(p), r) for name, p, r in policies]
    record = run_record([cp.policy.record for _, cp, _ in compiled])[0]  # the run's: the lines' declarations
    covered = {id(cp): covered_concepts(cp.policy) for _, cp, _ in compiled}
    out = Draws()
    for block, count in chunk:
        _run_block(compiled, record, covered, spec, size, seed, block, count, rate, folder, out)
    return out


def run_block(policies: Sequence[tuple[str, Policy | CompiledPolicy, dict[str, str]]], spec: Mapping[str, Any],
              size: int, seed: int, block: int, count: int, rate: Rate, folder: Path | None) -> list[dict[str, Any]]:
    """The totals of each line on each of the block's `count` draws: one row per draw, line and concept."""
    cols = run_blocks(policies, spec, size, seed, [(block, count)], rate, folder).columns()
    flat = {name: [x for part in parts for x in (part.tolist() if isinstance(part, np.ndarray) else part)]
            for name, parts in cols.items()}
    return [dict(zip(Draws.NAMES, row, strict=True)) for row in zip(*flat.values(), strict=True)]


def _run_block(compiled: Sequence[tuple[str, CompiledPolicy, dict[str, str]]], record: Record,
               covered: dict[int, set[str]], spec: Mapping[str, Any], size: int, seed: int, block: int,
               count: int, rate: Rate, folder: Path | None, out: Draws) -> None:
    batch = sample_batch(spec, size * count, seed, chunk=BLOCK_STREAM + block, folder=folder, fx=rate.mid,
                         record=record)
    first = block * DRAWS_PER_BLOCK
    starts = np.arange(count) * size
    if rate.fixed and not any(across(cp.clauses) for _, cp, _ in compiled):  # a budget's year is one draw
        # (clauses shared across a year's projects: each draw is evaluated apart, as with a range of rates)
        draws = first + np.arange(count, dtype=np.int64)
        for name, cp, readings in compiled:
            res = cp.outcomes(cp.run(batch, rate.low, readings))
            for concept in [*res.concepts, TOTAL_MONEY]:
                lo, hi = money_per_project(cp, res, rate.low, covered[id(cp)]) if concept == TOTAL_MONEY \
                    else ends(res, concept, batch.n)
                out.add_column(draws, rate.low, name, concept, np.add.reduceat(lo, starts), np.add.reduceat(hi, starts))
        return
    step = max(1, GROUP_ROWS // max(size, 1))
    for a in range(0, count, step):
        _run_apart(compiled, covered, batch, size, seed, first, range(a, min(a + step, count)), rate, out)


def _run_apart(compiled: Sequence[tuple[str, CompiledPolicy, dict[str, str]]], covered: dict[int, set[str]],
               batch: ProjectBatch, size: int, seed: int, first: int, draws: range, rate: Rate, out: Draws) -> None:
    """Draws each evaluated apart (its own rate, or its own year's budget), their totals summed
    together: each draw's per-project ends kept as a row of a table of the draws, then the rows
    summed (a row's sum is the sum of its draw's array: the same additions in the same order)."""
    fxs = {d: rate.draw(seed, first + d) for d in draws}
    exact_fxs = {d: exact_rate(fx) for d, fx in fxs.items()}  # a draw's rate read once for its policies' runs
    ends_of = [_Ends(len(draws), size) for _ in compiled]
    listed: dict[tuple[int, int], list[str]] = {}
    for row, d in enumerate(draws):
        part = _slice(batch, d * size, (d + 1) * size)
        for k, (_, cp, readings) in enumerate(compiled):
            res = cp.outcomes(cp.run(part, exact_fxs[d], readings))
            listed[d, k] = res.concepts
            for concept in listed[d, k]:
                ends_of[k].put(row, concept, res)
            ends_of[k].put_money(row, *money_per_project(cp, res, fxs[d], covered[id(cp)]))
    sums = [e.sums() for e in ends_of]
    for row, d in enumerate(draws):
        for k, (name, _, _) in enumerate(compiled):
            for concept in [*listed[d, k], TOTAL_MONEY]:
                lo, hi = sums[k][concept]
                out.add_row(first + d, fxs[d], name, concept, float(lo[row]), float(hi[row]))


class _Ends:
    """Per concept, the [low, high] ends `totals.ends` gives each project of several draws, a draw a
    row; `sums` adds up each row, as `ends(…)[0].sum()` adds up a draw's array (the same additions in
    the same order: tests/test_montecarlo.py checks numpy's row sums are its sums of one row)."""

    def __init__(self, draws: int, size: int):
        self.shape = (draws, size)
        # a yes/no concept: [held] (1.0 where it holds); money.total: [low, high] (0 where not given);
        # a figure: [low, high, where given]
        self.tables: dict[str, list[np.ndarray]] = {}

    def _table(self, concept: str, kinds: tuple[type, ...]) -> list[np.ndarray]:
        if concept not in self.tables:
            self.tables[concept] = [np.zeros(self.shape, dtype=k) for k in kinds]
        return self.tables[concept]

    def put(self, row: int, concept: str, res: Outcomes) -> None:
        """A concept of draw `row`'s outcomes (assignment casts and broadcasts as `ends` does)."""
        if concept in res.boolean:
            self._table(concept, (np.float64,))[0][row] = res.boolean[concept]
            return
        lo, hi, given = self._table(concept, (np.float64, np.float64, np.bool_))
        lo[row], hi[row] = res.numeric[concept]
        given[row] = res.eligible.get(concept, True)

    def put_money(self, row: int, lo: np.ndarray, hi: np.ndarray) -> None:
        table = self._table(TOTAL_MONEY, (np.float64, np.float64))
        table[0][row], table[1][row] = lo, hi

    def sums(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for concept, table in self.tables.items():
            if len(table) == 3:
                lo, hi, given = table
                table = [np.where(given, lo, 0.0), np.where(given, hi, 0.0)]
            out[concept] = (table[0].sum(axis=1), table[-1].sum(axis=1))
        return out


def summary(draws: pa.Table, quantiles: Sequence[float], confidence: float) -> pa.Table:
    """Per line, concept and end (low, high): mean, standard deviation, the quantiles of the totals
    over the draws, and a normal-approximation confidence interval for the mean."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    groups = _groups(draws)
    ends = {end: draws.column(end).to_numpy() for end in ("low", "high")}
    rows = []
    for (p, c), where in sorted(groups.items()):
        for end in ("low", "high"):
            x = ends[end][where]
            finite = x[np.isfinite(x)]
            mean = float(finite.mean()) if finite.size else float("nan")
            sd = float(finite.std(ddof=1)) if finite.size > 1 else 0.0
            half = z * sd / np.sqrt(finite.size) if finite.size else float("nan")
            row = {"policy": p, "concept": c, "end": end, "draws": int(x.size), "unbounded": int(x.size - finite.size),
                   "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half, "confidence": confidence}
            for q in quantiles:
                row[f"q{q:g}"] = float(np.quantile(finite, q)) if finite.size else float("nan")
            rows.append(row)
    return pa.Table.from_pylist(rows)


def _groups(draws: pa.Table) -> dict[tuple[str, str], np.ndarray]:
    """(policy, concept) -> the rows of its draws, in the table's order."""
    codes, names = [], []
    for column in ("policy", "concept"):
        encoded = draws.column(column).combine_chunks().dictionary_encode()
        codes.append(encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64))
        names.append(encoded.dictionary.to_pylist())
    width = max(len(names[1]), 1)
    key = codes[0] * width + codes[1]
    order = np.argsort(key, kind="stable")  # stable: each group's rows stay in the table's order
    parts = np.split(order, np.flatnonzero(np.diff(key[order])) + 1)
    return {(names[0][int(key[rows[0]]) // width], names[1][int(key[rows[0]]) % width]): rows
            for rows in parts if rows.size}
