"""How a sampled portfolio draws one money field (`portfolio.sample.money.FIELD`), checked, and the
bounded draws: a uniform amount between two amounts, a lognormal one truncated between two.

    {lognormal: {median: 3000万美元, sigma: 1.0}}                                   # unbounded
    {lognormal: {median: 3000万美元, sigma: 1.0, between: [1000万美元, 1亿美元]}}   # truncated
    {uniform: {between: [1000万美元, 1亿美元]}}
    {table: FILE, column: NAME}        {share_of: FIELD, low: 0.2, high: 1.0}

A truncated lognormal keeps the draws of the unbounded one (the same standard normals, correlated as
`correlations` says) and maps each through the truncated normal's quantile: z -> Φ⁻¹(Φ(a) + Φ(z)(Φ(b) −
Φ(a))), where a, b are the bounds standardised (ln(bound / median) / sigma).  The map is increasing, so
a larger z is still a larger amount (the Gaussian copula holds), and the result lies in the bounds
exactly (clipped against the last bits of rounding).  Bounds in the upper tail are mapped through the
mirror image, where Φ keeps its precision.  Φ is math.erfc's (exact to the double); Φ⁻¹ is Acklam's
rational approximation refined by one Halley step on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from compare.engine.batch import CNY, USD
from compare.simulate.amounts import parse_amount, spec_keys, spec_number, spec_ratio
from dsl.units import Dim

FORMS = ("lognormal", "uniform", "table", "share_of")
_SQRT2 = math.sqrt(2.0)
_ERFC = np.frompyfunc(math.erfc, 1, 1)


@dataclass(frozen=True)
class Lognormal:
    median: float  # in `currency`
    currency: int
    sigma: float
    low: float | None = None  # truncated between low and high, in `currency` (None: unbounded)
    high: float | None = None


@dataclass(frozen=True)
class Uniform:
    low: float  # in `currency`
    high: float
    currency: int


@dataclass(frozen=True)
class Table:
    amounts: np.ndarray  # to the fen, each in its own currency
    currency: np.ndarray  # int8 codes


@dataclass(frozen=True)
class Share:
    of: str
    low: float
    high: float


Money = Lognormal | Uniform | Table | Share


def _where(context: str, message: str) -> ValueError:
    return ValueError(f"{context}: {message}")


def read_money(context: str, entry: Any, money_fields: Sequence[str],
               table: Callable[[str, str], Table]) -> Money:
    """One `money.FIELD` entry, checked (ValueError naming `context` and the key at fault).  `table(path,
    column)` reads a table's amounts."""
    if not isinstance(entry, Mapping) or len([k for k in FORMS if k in entry]) != 1:
        raise _where(context, "give one of {lognormal: {median, sigma}} (with `between: [low, high]` to bound it), "
                              "{uniform: {between: [low, high]}}, {table, column} or {share_of, low, high}")
    if "lognormal" in entry:
        spec_keys(context, entry, ("lognormal",))
        ln = spec_keys(f"{context}.lognormal", entry["lognormal"], ("median", "sigma", "between"))
        if "median" not in ln or "sigma" not in ln:
            raise _where(f"{context}.lognormal", "give both median (an amount, e.g. 3000万美元) and sigma")
        median, cur = _amount(f"{context}.lognormal.median", ln["median"])
        if median <= 0:
            raise _where(f"{context}.lognormal.median", "the median is above 0")
        sigma = spec_number(f"{context}.lognormal.sigma", ln["sigma"], 0.0, 10.0)
        if "between" not in ln:
            return Lognormal(median, cur, sigma)
        low, high = bounds(f"{context}.lognormal.between", ln["between"], cur, positive=True)
        if sigma == 0:
            raise _where(f"{context}.lognormal.sigma", "a lognormal bounded `between` two amounts has a sigma above 0")
        if mass(median, sigma, low, high) <= 0:
            raise _where(f"{context}.lognormal.between", "the bounds lie so far from the median that the lognormal "
                                                         "puts nothing between them: move the median or widen sigma")
        return Lognormal(median, cur, sigma, low, high)
    if "uniform" in entry:
        spec_keys(context, entry, ("uniform",))
        u = spec_keys(f"{context}.uniform", entry["uniform"], ("between",))
        if "between" not in u:
            raise _where(f"{context}.uniform", "give `between: [low, high]`, two amounts (1000万美元, 1亿美元)")
        between = u["between"]
        pair = isinstance(between, Sequence) and not isinstance(between, str) and len(between) == 2
        cur = _amount(f"{context}.uniform.between[0]", between[0])[1] if pair else CNY  # the first bound's
        low, high = bounds(f"{context}.uniform.between", between, cur, positive=False)
        return Uniform(low, high, cur)
    if "table" in entry:
        spec_keys(context, entry, ("table", "column"))
        if "column" not in entry:
            raise _where(context, "a table needs its `column`")
        return table(str(entry["table"]), str(entry["column"]))
    spec_keys(context, entry, ("share_of", "low", "high"))
    of = str(entry["share_of"])
    if of not in money_fields:
        raise _where(f"{context}.share_of", f"`{of}` is not a money field: one of " + ", ".join(money_fields))
    low, high = spec_ratio(f"{context}.low", entry.get("low", 0)), spec_ratio(f"{context}.high", entry.get("high", 1))
    if low > high:
        raise _where(context, f"low ({entry.get('low')}) is above high ({entry.get('high')})")
    return Share(of, low, high)


def _amount(context: str, text: Any) -> tuple[float, int]:
    if isinstance(text, str) and text.strip().startswith("-"):
        raise _where(context, f"`{text}` is below 0: amounts drawn are not negative")
    try:
        value, dim = parse_amount(text, "money")
    except ValueError as e:
        raise _where(context, str(e)) from None
    return float(value), USD if dim == Dim.USD else CNY


def bounds(context: str, spec: Any, currency: int, positive: bool) -> tuple[float, float]:
    """`[low, high]`: two amounts in `currency`, low <= high, both above 0 where `positive`."""
    if not isinstance(spec, Sequence) or isinstance(spec, str) or len(spec) != 2:
        raise _where(context, "give two amounts: `[1000万美元, 1亿美元]`")
    (low, cl), (high, ch) = (_amount(f"{context}[{k}]", x) for k, x in enumerate(spec))
    if {cl, ch} != {currency}:
        raise _where(context, "the bounds are in another currency than the " + ("median" if positive else "other bound")
                     + ": write them in one currency")
    if positive and low <= 0:
        raise _where(f"{context}[0]", f"`{spec[0]}`: a lognormal's bounds are above 0")
    if low > high:
        raise _where(context, f"runs backwards: {spec[0]} is above {spec[1]}")
    return low, high


# ------------------------------------------------------------------ the truncated normal

def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / _SQRT2)


def standardised(median: float, sigma: float, low: float, high: float) -> tuple[float, float]:
    return math.log(low / median) / sigma, math.log(high / median) / sigma


def mass(median: float, sigma: float, low: float, high: float) -> float:
    """The lognormal's probability between `low` and `high` (0 where the bounds lie too far out)."""
    a, b = standardised(median, sigma, low, high)
    return _phi(-a) - _phi(-b) if a > 0 else _phi(b) - _phi(a)


def normal_cdf(z: np.ndarray) -> np.ndarray:
    out = np.asarray(_ERFC(z * (-1.0 / _SQRT2)), dtype=np.float64)
    out *= 0.5
    return out


_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
      -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
      -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
      4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)


def _poly(c: Sequence[float], x: np.ndarray) -> np.ndarray:
    out = np.full_like(x, c[0])
    for k in c[1:]:
        out = out * x + k
    return out


def normal_ppf(p: np.ndarray) -> np.ndarray:
    """Φ⁻¹(p) for 0 < p < 1 (Acklam's approximation, then one Halley step against math.erfc)."""
    p = np.asarray(p, dtype=np.float64)
    x = np.empty_like(p)
    lower, upper = p < 0.02425, p > 1 - 0.02425
    mid = ~(lower | upper)
    q = p[mid] - 0.5
    r = q * q
    x[mid] = _poly(_A, r) * q / (_poly(_B, r) * r + 1.0)
    for tail, sign in ((lower, 1.0), (upper, -1.0)):
        t = np.sqrt(-2.0 * np.log(p[tail] if sign > 0 else 1.0 - p[tail]))
        x[tail] = sign * _poly(_C, t) / (_poly(_D, t) * t + 1.0)
    e = normal_cdf(x) - p
    u = e * math.sqrt(2 * math.pi) * np.exp(x * x / 2)
    x -= u / (1.0 + x * u / 2)
    return x


def truncated_normal(z: np.ndarray, a: float, b: float) -> np.ndarray:
    """Standard normal draws `z` mapped, increasingly, onto the standard normal truncated to [a, b]."""
    if a > 0:  # the upper tail: map the mirror image, where Φ is exact
        return -truncated_normal(-z, -b, -a)
    fa, fb = _phi(a), _phi(b)
    p = normal_cdf(z)
    p *= fb - fa
    p += fa
    np.clip(p, np.nextafter(0.0, 1.0), np.nextafter(1.0, 0.0), out=p)
    x = normal_ppf(p)
    np.clip(x, a, b, out=x)
    return x


def lognormal_amounts(ln: Lognormal, z: np.ndarray) -> np.ndarray:
    """The amounts (in `ln.currency`) of standard normal draws `z` (overwritten where it can be)."""
    if ln.low is not None and ln.high is not None:
        a, b = standardised(ln.median, ln.sigma, ln.low, ln.high)
        z = truncated_normal(z, a, b)
    z *= ln.sigma
    np.exp(z, out=z)
    z *= ln.median
    if ln.low is not None and ln.high is not None:
        np.clip(z, ln.low, ln.high, out=z)
    return z


def own_currencies(entry: Money) -> set[int]:
    """The currencies a money entry's amounts are written in (a share: its base's, so none)."""
    if isinstance(entry, (Lognormal, Uniform)):
        return {entry.currency}
    if isinstance(entry, Table):
        return set(np.unique(entry.currency).tolist())
    return set()


__all__ = ["FORMS", "Lognormal", "Money", "Share", "Table", "Uniform", "bounds", "lognormal_amounts", "mass",
           "normal_cdf", "normal_ppf", "own_currencies", "read_money", "truncated_normal"]
