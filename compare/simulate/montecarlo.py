"""Monte Carlo: many portfolios drawn from the scenario's distributions (and the rate from its
range), every line's totals on each, then means, quantiles and confidence intervals.

Draws come in blocks of `DRAWS_PER_BLOCK`: block b samples all its draws' projects at once from the
seed sequence (seed, BLOCK_STREAM + b), so a draw's portfolio depends only on the seed and its
number, never on how blocks are spread over workers: a Dask run equals a local one.  With a fixed
rate a block is evaluated in one pass and split into draws by summing slices; with a range each draw
is evaluated at its own rate (drawn from (seed, FX_STREAM, draw)); so is each draw where a policy shares
a budget or a number of winners among a year's projects (a draw is one year's portfolio).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pyarrow as pa

from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy
from compare.engine.portfolio import across
from compare.simulate.portfolio import sample_batch
from compare.simulate.totals import TOTAL_MONEY, ends, money_per_project
from dsl.check.record import run_record
from dsl.model import Policy

DRAWS_PER_BLOCK = 50
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


def _slice(batch: ProjectBatch, a: int, b: int) -> ProjectBatch:
    return ProjectBatch(batch.ids[a:b], {k: v[a:b] for k, v in batch.columns.items()}, batch.record)


def run_block(policies: Sequence[tuple[str, Policy | CompiledPolicy, dict[str, str]]], spec: Mapping[str, Any],
              size: int, seed: int, block: int, count: int, rate: Rate, folder: Path | None) -> list[dict[str, Any]]:
    """The totals of each line on each of the block's `count` draws: one row per draw, line and concept."""
    compiled = [(name, p if isinstance(p, CompiledPolicy) else CompiledPolicy(p), r) for name, p, r in policies]
    record = run_record([cp.policy.record for _, cp, _ in compiled])[0]  # the run's: the lines' declarations
    batch = sample_batch(spec, size * count, seed, chunk=BLOCK_STREAM + block, folder=folder, fx=rate.mid,
                         record=record)
    first = block * DRAWS_PER_BLOCK
    starts = np.arange(count) * size
    rows: list[dict[str, Any]] = []
    if rate.fixed and not any(across(cp.clauses) for _, cp, _ in compiled):  # a budget's year is one draw
        # (clauses shared across a year's projects: each draw is evaluated apart, as with a range of rates)
        for name, cp, readings in compiled:
            out = cp.outcomes(cp.run(batch, rate.low, readings))
            for concept in [*out.concepts, TOTAL_MONEY]:
                lo, hi = money_per_project(cp, out, rate.low) if concept == TOTAL_MONEY else ends(out, concept, batch.n)
                los, his = np.add.reduceat(lo, starts), np.add.reduceat(hi, starts)
                rows += [{"draw": first + d, "fx": rate.low, "policy": name, "concept": concept,
                          "low": float(los[d]), "high": float(his[d])} for d in range(count)]
        return rows
    for d in range(count):
        part = _slice(batch, d * size, (d + 1) * size)
        fx = rate.draw(seed, first + d)
        for name, cp, readings in compiled:
            out = cp.outcomes(cp.run(part, fx, readings))
            for concept in [*out.concepts, TOTAL_MONEY]:
                lo, hi = money_per_project(cp, out, fx) if concept == TOTAL_MONEY else ends(out, concept, part.n)
                rows.append({"draw": first + d, "fx": fx, "policy": name, "concept": concept,
                             "low": float(lo.sum()), "high": float(hi.sum())})
    return rows


def summary(draws: pa.Table, quantiles: Sequence[float], confidence: float) -> pa.Table:
    """Per line, concept and end (low, high): mean, standard deviation, the quantiles of the totals
    over the draws, and a normal-approximation confidence interval for the mean."""
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    policy = np.asarray(draws.column("policy").to_pylist(), dtype=object)
    concept = np.asarray(draws.column("concept").to_pylist(), dtype=object)
    rows = []
    keys = sorted({(p, c) for p, c in zip(policy, concept, strict=True)})
    for p, c in keys:
        mask = (policy == p) & (concept == c)
        for end in ("low", "high"):
            x = draws.column(end).to_numpy()[mask]
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
