"""Exact money arithmetic: whole fen, exact rates, and the two operations that decide outcomes.

Money is held as whole fen (float64 arrays of integers, exact up to 2^53 fen ≈ 9×10^13元), each
project's amount in its own currency.  A money expression in the exact fragment is *affine* in
such columns (a `Lin`):

    value = Σ_j k_j · col_j + const        (fen of the expression's currency)

where each coefficient k_j is an exact rational that may differ between the column's CNY rows and
its USD rows: a rate of the policy (1.5% = 3/200), times the run's USD→CNY rate taken as the
decimal the user typed (6.0002 = 30001/5000), or its inverse.  Two operations decide outcomes, and
both are exact:

- **comparison** with zero (thresholds, tier edges): with one column, each currency's condition
  `k·a + c >= 0` is `a >= ceil(-c/k)` (k > 0; the other operators alike), an integer bound worked
  out once per run in rational arithmetic; the vectorised comparison of whole numbers with an
  integer bound is exact.  With several columns, as rounding below, on the sign.
- **rounding** to the fen, half away from zero: the float64 estimate y of the value is within
  (n + 3)·2⁻⁵³·M of it (n terms, M the largest Σ|k_j·col_j| + |const| over the rows: the
  coefficient rounds once, each product and sum once); δ is twice that.  Where |y − rint(y)| <
  0.5 − δ, the value is within 0.5 of rint(y), which is its rounding; the other rows (exact ties,
  which round figures produce, and little else) are recomputed exactly in integers (int64 where
  the numerators fit, else Python integers).  Past 2^53 fen the float64 result is the nearest
  double to the exact one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import numpy as np

Arr = np.ndarray
ZERO = Fraction(0)
ONE = Fraction(1)
U52 = 2.0 ** -52
EXACT_LIMIT = 2.0 ** 52  # below this, sums and products of whole numbers in float64 are exact


def exact_rate(fx: Any) -> Fraction:
    """The run's USD→CNY rate as the decimal the user typed: 6.0002 is 60002/10000, not the double
    nearest to it.  A float is read by its shortest repr (what was typed); not finite or not
    positive is a ValueError."""
    try:
        if isinstance(fx, Fraction):
            rate = fx
        elif isinstance(fx, (bool, np.bool_)):
            raise ValueError
        elif isinstance(fx, (float, np.floating)):
            rate = Fraction(Decimal(repr(float(fx))))
        else:
            rate = Fraction(Decimal(str(fx)))
    except (ValueError, OverflowError, InvalidOperation, TypeError):
        raise ValueError(f"the USD→CNY rate must be a finite positive number, got {fx!r}") from None
    if not rate > 0:
        raise ValueError(f"the USD→CNY rate must be a finite positive number, got {fx!r}")
    return rate


def round_half(q: Fraction) -> int:
    """Half away from zero to a whole number."""
    n, d = abs(q.numerator), q.denominator
    whole, rest = divmod(n, d)
    whole += 2 * rest >= d
    return -whole if q < 0 else whole


@dataclass(frozen=True)
class Term:
    """k · col, where k is k[0] on the rows in CNY and k[1] on the rows in USD (`usd` marks them;
    None: every row takes k[0]).  `parts` (col on the CNY rows and 0 elsewhere, col on the USD
    rows) and `bound` (max |col|) are cached per batch for a project's money field."""

    col: Arr  # whole fen, float64
    usd: Arr | None
    k: tuple[Fraction, Fraction]
    parts: Callable[[], tuple[Arr, Arr]] | None = None  # computed (and cached) only where a product needs it
    bound: float | None = None

    def uniform(self) -> bool:
        return self.usd is None or self.k[0] == self.k[1]

    def scaled(self, c: Fraction) -> Term:
        return Term(self.col, self.usd, (self.k[0] * c, self.k[1] * c), self.parts, self.bound)

    def maxabs(self) -> float:
        if self.bound is not None:
            return self.bound
        return float(max(np.max(self.col), -np.min(self.col))) if self.col.size else 0.0


@dataclass(frozen=True)
class Lin:
    """An exact affine value over the batch: Σ terms + const (fen).  `const` is a float only for
    ±∞ (an unbounded end: the terms are then dropped) or NaN (∞ − ∞)."""

    terms: tuple[Term, ...] = ()
    const: Fraction | float = ZERO
    present: Any = True
    zero_where_absent: bool = False  # a clause's result: already 0 where it did not fire

    @property
    def finite(self) -> bool:
        return not isinstance(self.const, float)


INF_LIN = Lin((), math.inf)


def and_(a: Any, b: Any) -> Any:
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def const(c: Fraction | float, present: Any = True) -> Lin:
    return Lin((), c, present)


def add(a: Lin, b: Lin) -> Lin:
    present = and_(a.present, b.present)
    if not (a.finite and b.finite):
        return Lin((), float(a.const) + float(b.const), present)  # ∞ + x = ∞; ∞ - ∞ = NaN
    terms = list(a.terms)
    for t in b.terms:
        for i, s in enumerate(terms):
            if s.col is t.col and s.usd is t.usd:
                terms[i] = Term(s.col, s.usd, (s.k[0] + t.k[0], s.k[1] + t.k[1]))
                break
        else:
            terms.append(t)
    return Lin(tuple(terms), a.const + b.const, present)


def scale(a: Lin, k: Fraction) -> Lin:
    if k == 0:  # 0 × ∞ (nothing of a promise) is 0
        return Lin((), ZERO, a.present)
    if not a.finite:
        return Lin((), float(a.const) * (1 if k > 0 else -1), a.present)
    return Lin(tuple(t.scaled(k) for t in a.terms), a.const * k, a.present)


def sub(a: Lin, b: Lin) -> Lin:
    return add(a, scale(b, -ONE))


def masked(a: Lin, p: Any) -> Lin:
    """The value where p holds, 0 elsewhere (p a bool array); the Lin must be finite."""
    if p is True:
        return a
    if a.zero_where_absent and p is a.present and a.const == 0:
        return Lin(a.terms, ZERO, True)
    terms = [Term(t.col * p, t.usd, t.k, None, t.bound) for t in a.terms]  # × 1 or × 0: exact
    if a.const != 0:
        terms.append(Term(np.asarray(p, dtype=np.float64), None, (a.const, a.const), None, 1.0))  # type: ignore[arg-type]
    return Lin(tuple(terms), ZERO, True)


# ---------------------------------------------------------------------- estimate and exact values


def _product(t: Term) -> Arr:
    """fl(col · fl(k)) per row: one rounding of the coefficient, one of the product.  With the
    currency parts, one of the two products is 0 on each row, so their sum is the other, exactly."""
    if t.uniform():
        return t.col * float(t.k[0])
    if t.parts is not None:
        cny, usd = t.parts()
        y = cny * float(t.k[0])
        y += usd * float(t.k[1])  # in place: the same sum, one array fewer
        return y
    return t.col * np.array([float(t.k[0]), float(t.k[1])])[np.asarray(t.usd).view(np.int8)]


def _estimate(a: Lin) -> tuple[Arr, float]:
    """(y, δ): the float64 value, and a bound of its error on every row that is at least twice the
    worst case (n + 3)·2⁻⁵³·(Σ|k_j·col_j| + |const|), from the columns' maxima."""
    c = float(a.const)
    y = _product(a.terms[0])  # a new array: the sums below are made in it (where the shapes agree)
    for t in a.terms[1:]:
        if t.uniform() and t.k[0] == 1 and t.col.shape == y.shape and t.col.dtype == np.float64:
            y += t.col  # x·1 is x: added as it is
            continue
        p = _product(t)
        if p.shape == y.shape:
            y += p
        else:
            y = y + p
    if c:
        y = y + c if y.ndim == 0 else np.add(y, c, out=y)
    mag = abs(c) + sum(t.maxabs() * float(max(abs(t.k[0]), abs(t.k[1]))) for t in a.terms)
    return y, mag * (len(a.terms) + 3) * U52


def _numerators(a: Lin, idx: Arr) -> tuple[Any, int]:
    """The exact values at the rows idx as integers over one common denominator: int64 where
    they fit with room to spare (vectorised), else Python integers."""
    den = 1
    for f in [x for t in a.terms for x in t.k] + [a.const]:
        den = math.lcm(den, f.denominator)  # type: ignore[union-attr]
    const_num = int(a.const * den)
    ks = [(int(t.k[0] * den), int(t.k[1] * den)) for t in a.terms]
    cols = [t.col[idx] for t in a.terms]
    bound = abs(const_num) + sum(max(abs(k0), abs(k1)) * (int(np.abs(c).max()) if c.size else 0)
                                 for (k0, k1), c in zip(ks, cols, strict=True))
    if bound < 2 ** 61 and den < 2 ** 61:
        total = np.full(len(idx), const_num, dtype=np.int64)
        for t, (k0, k1), c in zip(a.terms, ks, cols, strict=True):
            k = k0 if t.uniform() else np.where(np.asarray(t.usd)[idx], k1, k0).astype(np.int64)
            total += c.astype(np.int64) * k
        return total, den
    big = [const_num] * len(idx)
    for t, (k0, k1), c in zip(a.terms, ks, cols, strict=True):
        flags = [False] * len(idx) if t.uniform() else np.asarray(t.usd)[idx].tolist()
        # int() of each float, not astype(int64): a whole-fen float past 2^63 is exact, its int64 cast wraps
        big = [s + int(v) * (k1 if u else k0) for s, v, u in zip(big, c.tolist(), flags, strict=True)]
    return big, den


def _round_num(num: Any, den: int) -> Any:
    """num / den half away from zero, for integers num (int64 array or Python ints)."""
    if isinstance(num, np.ndarray):
        mag = np.abs(num)
        q = mag // den
        q += 2 * (mag - q * den) >= den
        return np.where(num < 0, -q, q).astype(np.float64)
    return [float(round_half(Fraction(v, den))) for v in num]


def round_lin(a: Lin) -> Any:
    """The value rounded to whole fen, half away from zero: exact (see the module's docstring)."""
    if not a.finite:
        return float(a.const)
    if not a.terms:
        return float(round_half(a.const))  # type: ignore[arg-type]
    t0 = a.terms[0]
    if len(a.terms) == 1 and a.const == 0 and t0.uniform() and t0.k[0] == 1:
        return t0.col  # already whole fen
    y, delta = _estimate(a)
    if y.size == 0:
        return y
    if all(x.denominator == 1 for t in a.terms for x in t.k) and a.const.denominator == 1:  # type: ignore[union-attr]
        if delta < EXACT_LIMIT * U52:
            return y  # whole numbers all the way, below 2^52: exact as computed
    return _rounded(y, delta, lambda idx: _round_num(*_numerators(a, idx)))


def _rounded(y: Arr, delta: float, exactly: Callable[[Arr], Arr]) -> Arr:
    """The estimate y (error below δ) rounded to whole fen: its nearest where y is farther than δ from a
    half fen, else `exactly(rows)` (y is used up)."""
    out = np.rint(y)
    if delta >= 0.25:  # past 2^50 fen or so the estimate decides nothing
        near = np.ones(y.shape, dtype=bool)
    else:  # y farther than δ from a half fen: its nearest whole fen is the value's
        e = np.subtract(y, out, out=y) if isinstance(y, np.ndarray) else y - out  # exact (Sterbenz); y unused after
        np.abs(e, out=e)
        near = e >= 0.5 - delta
    if near.any():
        idx = np.flatnonzero(near)
        out[idx] = exactly(idx)
    return out


def round_times(col: Arr, w: Fraction) -> Arr:
    """round_lin(Lin((Term(col, None, (w, w)),))) bit for bit (-0.0 included), for a finite float64
    column of whole fen: w of each amount (a split's or a payer's share), rounded to the fen half away
    from zero.  The same estimate, the same rows decided by it and the same rows recomputed exactly,
    without the general case's bookkeeping (common denominators of several terms' coefficients), which
    costs more than the arithmetic on a batch of a few thousand rows."""
    p, q = w.numerator, w.denominator
    if q == 1 or col.ndim != 1 or col.size == 0:  # whole multiples, or the shapes the general case takes
        return round_lin(Lin((Term(col, None, (w, w)),)))
    top = float(max(np.max(col), -np.min(col)))  # Term.maxabs
    if not top * abs(p) < 2.0 ** 60 or q >= 2 ** 61:  # the exact values may not fit in int64
        return round_lin(Lin((Term(col, None, (w, w)),)))
    y = col * float(w)  # _estimate: one rounding of the coefficient, one of each product
    delta = (top * float(abs(w))) * (1 + 3) * U52
    return _rounded(y, delta, lambda idx: _round_num(col[idx].astype(np.int64) * p, q))  # |num| < 2^60: exact


_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!="}
_OPS = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less, "==": np.equal,
        "!=": np.not_equal}


def _truth(op: str, x: float) -> bool:
    return bool(_OPS[op](x, 0.0))


def _bound(k: Fraction, c: Fraction, op: str) -> tuple[float, float]:
    """The whole numbers a with k·a + c OP 0, as an inclusive range [lo, hi] (lo > hi: none);
    op is not `!=`."""
    kn, kd, cn, cd = k.numerator, k.denominator, c.numerator, c.denominator
    if kn == 0:
        return (-math.inf, math.inf) if _truth(op, float((cn > 0) - (cn < 0))) else (1.0, 0.0)
    if kn < 0:
        kn, cn, op = -kn, -cn, _FLIP[op]
    # t = -c/k = num/den (den > 0), in integers: floor and ceiling need no common factor taken out
    # (Fraction's division would take it out, with a gcd, for each comparison of each run)
    num, den = -cn * kd, cd * kn
    fl = num // den
    ce = -((-num) // den)
    if op == ">=":
        return _f(ce, -math.inf), math.inf
    if op == ">":
        return _f(fl + 1, -math.inf), math.inf
    if op == "<=":
        return -math.inf, _f(fl, math.inf)
    if op == "<":
        return -math.inf, _f(ce - 1, math.inf)
    return (_f(fl, -math.inf), _f(fl, math.inf)) if fl == ce else (1.0, 0.0)  # "==": t whole, or no a


def _f(x: int | None, none: float) -> float:
    if x is None:
        return none
    if abs(x) > 2 ** 60:  # far beyond any whole fen a column holds: the side of it is what counts
        return math.copysign(math.inf, x)
    return float(x)


def cmp_lin(a: Lin, op: str) -> Any:
    """`a OP 0` for every row, exactly (the presence of `a` is the caller's)."""
    if not a.finite:
        c = float(a.const)
        return False if math.isnan(c) else _truth(op, c)
    if not a.terms:
        return _truth(op, 0.0) if a.const == 0 else _truth(op, 1.0 if a.const > 0 else -1.0)
    if op == "!=":
        return ~np.asarray(cmp_lin(a, "=="))
    if len(a.terms) == 1:
        t = a.terms[0]
        lo0, hi0 = _bound(t.k[0], a.const, op)  # type: ignore[arg-type]
        lo1, hi1 = _bound(t.k[1], a.const, op) if not t.uniform() else (lo0, hi0)  # type: ignore[arg-type]
        x = t.col
        out: Any = True
        for b0, b1, fn, none in ((lo0, lo1, np.greater_equal, -math.inf), (hi0, hi1, np.less_equal, math.inf)):
            if b0 == none and b1 == none:
                continue
            if b0 == b1:
                r = fn(x, b0)
            else:  # each currency its own integer bound; bit operations, not np.where
                usd = np.asarray(t.usd)
                r = (fn(x, b1) & usd) | (fn(x, b0) & ~usd)
            out = r if out is True else out & r
        return np.ones(x.shape, dtype=bool) if out is True else out
    y, delta = _estimate(a)
    sign = np.sign(y)
    near = np.abs(y) <= delta
    if near.any():
        idx = np.flatnonzero(near)
        nums, _ = _numerators(a, idx)
        sign[idx] = np.sign(nums) if isinstance(nums, np.ndarray) else [(v > 0) - (v < 0) for v in nums]
    return _OPS[op](sign, 0.0)
