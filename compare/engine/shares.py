"""A budget shared in proportion to weights, exactly: each share B·wᵢ/Σw rounded down to the fen in
whole numbers (int64 where the products fit, else Python integers), with intervals of weights and a
weight without an upper end (compare.engine.portfolio, docs/years.md "Across a year's projects").

The weights are read to the smallest number of decimals (up to 9) that holds them all exactly, so 0.1
and 0.2 share 3元 as 1元 and 2元 (in binary floating point 3 × 0.1 / 0.3 falls just below 1)."""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.engine.values import Arr

MAX_DECIMALS = 9  # weights are read to at most 9 decimals (scores, ratios); money weights are whole fen
INT64_SAFE = 2.0 ** 62


def shares(w_lo: Arr, w_hi: Arr, b_lo: float, b_hi: float, floor: bool) -> tuple[Arr, Arr, float | None]:
    """Each weight's share of the budget [b_lo, b_hi]: B·w_i/Σw, or with intervals
    lo_i = b_lo·lo_i/(lo_i + Σ_{j≠i} hi_j), hi_i = b_hi·hi_i/(hi_i + Σ_{j≠i} lo_j).  `floor`: the budget
    is whole fen and each share is rounded down to the fen, exactly.  Returns the shares and, where
    every figure is exact and finite, the budget less what was shared (the fen left unpaid)."""
    exact_in = w_lo is w_hi or np.array_equal(w_lo, w_hi)
    inf_hi = np.isinf(w_hi)
    n_inf = int(inf_hi.sum())
    others_inf = (n_inf - inf_hi.astype(np.int64)) > 0  # some other project may weigh without end
    if not floor:  # points, counts: the proportion itself
        with np.errstate(divide="ignore", invalid="ignore"):
            fin_hi = np.where(inf_hi, 0.0, w_hi)
            den_lo = w_lo + (fin_hi.sum() - fin_hi)
            den_hi = w_hi + (w_lo.sum() - w_lo)
            s_lo = np.where(others_inf | (den_lo == 0), 0.0, b_lo * w_lo / np.where(den_lo == 0, 1.0, den_lo))
            s_hi = np.where(inf_hi, b_hi, np.where(den_hi == 0, 0.0, b_hi * w_hi / np.where(den_hi == 0, 1.0, den_hi)))
        s_hi = np.minimum(s_hi, b_hi)  # b·w/w is b in exact arithmetic, not always in floats
        s_lo = np.minimum(s_lo, s_hi)
        return s_lo, (s_lo if exact_in else s_hi), None
    scale = _decimals(w_lo if exact_in else np.concatenate([w_lo, np.where(inf_hi, 0.0, w_hi)]))
    k = 10.0 ** scale
    big_lo = _integers(w_lo * k)
    big_hi = _integers(np.where(inf_hi, 0.0, w_hi) * k)
    s_lo = _floor_share(b_lo, big_lo, big_hi, others_inf)
    s_hi = s_lo if exact_in else _floor_share(b_hi, big_hi, big_lo, np.zeros_like(inf_hi))
    if n_inf:
        s_hi = np.where(inf_hi, b_hi, s_hi)
    unpaid = None
    if exact_in and n_inf == 0 and np.isfinite(b_lo) and b_lo == b_hi and float(np.sum(w_lo)) > 0:
        unpaid = b_lo - float(np.sum(s_lo))
    return s_lo, s_hi, unpaid


def _floor_share(budget: float, own: Any, other: Any, none: Arr) -> Arr:
    """⌊budget · own_i / (own_i + Σ_{j≠i} other_j)⌋ in whole numbers (0 where `none` or the
    denominator is 0, for then own_i is 0 too)."""
    n = len(own)
    if not np.isfinite(budget):  # a budget without an upper end: unbounded for a weight above 0
        return np.where(none, 0.0, np.where(np.asarray(own, dtype=np.float64) > 0, budget, 0.0))
    b = int(budget)
    total_other = sum(int(x) for x in other) if other.dtype == object else int(other.sum())
    den = own + (total_other - other)
    fits = b * (max(int(own.max()), 1) if n else 1) < INT64_SAFE and total_other < INT64_SAFE
    if fits and own.dtype != object:
        den64 = np.asarray(den, dtype=np.int64)
        out = (b * np.asarray(own, dtype=np.int64)) // np.where(den64 == 0, 1, den64)
    else:  # Python integers: exact whatever the size
        own_o, den_o = own.astype(object), np.asarray(den).astype(object)
        out = (b * own_o) // np.where(den_o == 0, 1, den_o)
    return np.where(none, 0.0, np.asarray(out, dtype=np.float64))


def _decimals(w: Arr) -> int:
    """The fewest decimals (0 … MAX_DECIMALS) that hold every weight exactly: 87.5 needs 1."""
    finite = w[np.isfinite(w)]
    for d in range(MAX_DECIMALS + 1):
        x = finite * 10.0 ** d
        if np.all(np.abs(x - np.rint(x)) <= 1e-9 * np.maximum(1.0, np.abs(x))):
            return d
    return MAX_DECIMALS


def _integers(x: Arr) -> Any:
    """Whole numbers: int64 where they fit, else Python integers (an object array)."""
    r = np.rint(x)
    if r.size == 0 or float(np.max(np.abs(r))) < INT64_SAFE:
        return r.astype(np.int64)
    return np.array([int(v) for v in r], dtype=object)
