"""Values over a batch and the arithmetic on them: intervals [lo, hi] of numpy columns.

Every numeric value is an interval; exact figures have lo is hi, discretion ("最高",
"2‰～5‰") widens it, a promise with no figure is [0, ∞].  `Env` is one run's state: the
batch, the rate, the readings in force and each clause's result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from compare.engine.batch import USD, ProjectBatch
from dsl.units import Dim

INF = float("inf")
MONEY_DIMS = (Dim.CNY, Dim.USD, Dim.MONEY)
Arr = np.ndarray


@dataclass
class Val:
    """A value over the batch: numeric [lo, hi] (hi is lo when exact) or boolean (lo only)."""

    lo: Any  # ndarray or a Python scalar (broadcasts)
    hi: Any
    present: Any = True  # bool ndarray or True: where the value exists (a tier matched ...)

    @property
    def exact(self) -> bool:
        return self.hi is self.lo


def exact(x: Any, present: Any = True) -> Val:
    return Val(x, x, present)


@dataclass
class Env:
    batch: ProjectBatch
    fx: float
    readings: dict[str, str]
    results: dict[str, Val] = field(default_factory=dict)  # clause id -> value (0 where not fired)
    fired: dict[str, Any] = field(default_factory=dict)  # clause id -> bool array
    cache: dict[tuple[str, Dim], Arr] = field(default_factory=dict)
    trace: dict[int, Any] | None = None  # id(node) -> detail, when explaining one project

    def money(self, name: str, dim: Dim) -> Arr:
        key = (name, dim)
        if key not in self.cache:
            amt = self.batch.columns[name]
            cur = self.batch.columns[f"{name}#cur"]
            if dim == Dim.USD:
                self.cache[key] = np.where(cur == USD, amt, amt / self.fx)
            else:
                self.cache[key] = np.where(cur == USD, amt * self.fx, amt)
        return self.cache[key]


Fn = Callable[[Env], Val]


def and_(a: Any, b: Any) -> Any:
    """Where both are present (True stands for everywhere)."""
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def round_fen(x: Any) -> Any:
    """Half away from zero to 0.01; first to 1e-6 fen so that binary noise (195999.99999) cannot tip it.
    Infinities (a promise with no figure) pass through unchanged."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        return float(np.copysign(np.floor(np.round(abs(float(a)) * 100.0, 6) + 0.5) / 100.0, float(a)))
    cents = np.abs(a) * 100.0
    np.round(cents, 6, out=cents)
    cents += 0.5
    np.floor(cents, out=cents)
    cents /= 100.0
    out = np.copysign(cents, a)
    return out if out.ndim else float(out)



def mul(a: Val, b: Val) -> Val:
    present = and_(a.present, b.present)
    if a.exact and b.exact:
        return exact(a.lo * b.lo, present)
    for r, x in ((a, b), (b, a)):  # a fixed range of rates (2‰~5‰) times an exact amount: two products
        if x.exact and np.ndim(r.lo) == 0 and np.ndim(r.hi) == 0 and np.isfinite(r.lo) and np.isfinite(r.hi):
            p, q = r.lo * x.lo, r.hi * x.lo
            return Val(np.minimum(p, q), np.maximum(p, q), present)
    ps = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
    with np.errstate(invalid="ignore"):  # 0 × ∞ (a promise times nothing) is 0
        ps = [np.nan_to_num(p, nan=0.0, posinf=INF, neginf=-INF) for p in ps]
    return Val(np.minimum.reduce(ps), np.maximum.reduce(ps), present)


def div(a: Val, b: Val) -> Val:
    present = and_(a.present, b.present)
    with np.errstate(divide="ignore", invalid="ignore"):
        if a.exact and b.exact:
            return exact(a.lo / b.lo, present)
        qs = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi]
    return Val(np.minimum.reduce(qs), np.maximum.reduce(qs), present)


def pair(fn: Any, a: Val, b: Val) -> Val:
    lo = fn(a.lo, b.lo)
    return Val(lo, lo if a.exact and b.exact else fn(a.hi, b.hi), and_(a.present, b.present))

