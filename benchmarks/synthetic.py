"""Synthetic project records as columns, for benchmarks (and later for simulations)."""

from __future__ import annotations

import numpy as np

from compare.engine.batch import ProjectBatch
from dsl.schema import CATEGORIES, FIELDS
from dsl.units import Dim

BOOLS = ("foreign", "licensed", "started", "in_core_zone", "expansion", "manufacturing", "needs_municipal_support")


def synthetic_batch(n: int, seed: int = 0) -> ProjectBatch:
    """n projects: money log-normal around a few million (USD or CNY at random), flags at 50%,
    each category at 10%, referrals and grades uniform."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {}
    for name, f in FIELDS.items():
        if f.dim == Dim.MONEY:
            cols[name] = np.round(rng.lognormal(17.0, 1.5, n), 2)
            cols[f"{name}#cur"] = rng.integers(0, 2, n).astype(np.int8)
            cols[f"{name}#given"] = np.ones(n, dtype=bool)
    for b in BOOLS:
        cols[b] = rng.random(n) < 0.5
    cols["paid_in_ratio"] = rng.random(n)
    for c in CATEGORIES:
        cols[f"categories.{c}"] = rng.random(n) < 0.1
    cols["referral"] = rng.integers(0, 4, n).astype(np.int8)
    cols["grade"] = rng.integers(-1, 8, n).astype(np.int8)
    cols["quality_score"] = rng.random(n) * 100.0
    cols["year"] = np.full(n, 2024.0)
    cols["industry"] = np.full(n, "", dtype=object)
    return ProjectBatch([f"p{i}" for i in range(n)], cols)
