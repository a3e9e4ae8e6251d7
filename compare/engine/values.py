"""Values over a batch and the arithmetic on them: intervals [lo, hi] of numpy columns.

Every numeric value is an interval; exact figures have lo is hi, discretion ("最高",
"2‰～5‰") widens it, a promise with no figure is [0, ∞].  `Env` is one run's state: the
batch, the rate (as a float for float arithmetic, as the exact decimal typed for money, see
compare.engine.exact), the readings in force and each clause's result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from compare.engine.batch import USD, ProjectBatch
from compare.engine.exact import Lin, exact_rate
from dsl.record import CORE, Record
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
    owned: bool = False  # lo and hi are arrays made for this value alone: its consumer may write in them
    zeroed: bool = False  # lo and hi are +0.0 wherever the value is not present (a clause's result)

    @property
    def exact(self) -> bool:
        return self.hi is self.lo


def exact(x: Any, present: Any = True) -> Val:
    return Val(x, x, present)


class Yuan(Val):
    """A money clause's value in yuan, worked out from its whole fen (`Env.fen`) when first read:
    the float path and explanations read yuan, the exact path never does."""

    def __init__(self, fen: Val):  # not Val's own: lo and hi are computed on demand
        self.fen, self.present = fen, fen.present
        self.owned, self.zeroed = False, fen.zeroed  # +0.0 fen is +0.0 yuan
        self._lo: Any = None
        self._hi: Any = None

    @property
    def lo(self) -> Any:
        if self._lo is None:
            self._lo = self.fen.lo / 100.0
        return self._lo

    @property
    def hi(self) -> Any:
        if self._hi is None:
            self._hi = self.lo if self.fen.hi is self.fen.lo else self.fen.hi / 100.0
        return self._hi


@dataclass
class Env:
    batch: ProjectBatch
    fx: Any  # the rate as given (a float, or a Decimal); `rate` is it exactly, `fx` becomes its float
    readings: dict[str, str]
    results: dict[str, Val] = field(default_factory=dict)  # clause id -> value (0 where not fired)
    fired: dict[str, Any] = field(default_factory=dict)  # clause id -> bool array
    cache: dict[tuple[str, Dim], Arr] = field(default_factory=dict)
    trace: dict[int, Any] | None = None  # id(node) -> detail, when explaining one project
    fen: dict[str, Val] = field(default_factory=dict)  # money clause id -> its value in whole fen
    # a partial re-run (CompiledPolicy.run with base): the readings changed and the clauses run again
    rerun: tuple[set[str], set[str]] | None = None
    shared: dict[str, Any] = field(default_factory=dict)  # clause -> how a year's projects shared it (portfolio)
    conditions: dict[str, Val] = field(default_factory=dict)  # named condition -> its value, once per run
    codes: dict[tuple[str, str], int] = field(default_factory=dict)  # (choice field, value) -> code in the batch
    # the policy's record: a choice field's values where the batch's own record (`batch.record`) lacks it
    record: Record = CORE
    # what depends on the batch and the rate alone, worked out once per run for every clause that asks
    # (a ladder of tiers on a field, a choice's membership)
    memo: dict[Any, Any] = field(default_factory=dict)
    rate: Fraction = field(init=False)

    def __post_init__(self) -> None:
        self.rate = exact_rate(self.fx)  # ValueError unless finite and positive
        self.fx = float(self.rate)

    def money(self, name: str, dim: Dim) -> Arr:
        """A money field in `dim`: each row converted at the run's rate, or where the row has its own
        rate for the field (`NAME#own`), the amount the data layer converted at it (`NAME#alt`)."""
        key = (name, dim)
        if key not in self.cache:
            cols = self.batch.columns
            amt = cols[name]
            usd = cols[f"{name}#cur"] == USD
            if dim == Dim.USD:
                out = np.where(usd, amt, amt / self.fx)
            else:
                out = np.where(usd, amt * self.fx, amt)
            own = cols.get(f"{name}#own")
            if own is not None:
                converted = np.asarray(own, dtype=bool) & (~usd if dim == Dim.USD else usd)
                out = np.where(converted, cols[f"{name}#alt"], out)
            self.cache[key] = out
        return self.cache[key]

    def code(self, field_name: str, value: str) -> int:
        """The code of a choice field's value in this batch (its index in the batch's record), -2 where
        the batch's record does not have it (no row then holds it; -1 is an unknown value)."""
        key = (field_name, value)
        got = self.codes.get(key)
        if got is None:
            choices = self.choices(field_name)
            got = self.codes[key] = choices.index(value) if value in choices else -2
        return got

    def choices(self, field_name: str) -> tuple[str, ...]:
        """A choice field's values in the order of the batch's codes: the batch's record's (a run's record
        may order declared values differently from one policy's); a batch read against the core alone
        (the default) takes the policy's, whose core values have the core's codes."""
        own = self.batch.record
        for record in ((own,) if own is not CORE else ()) + (self.record, CORE):
            if field_name in record.fields:
                return record.choices(field_name)
        return ()


Fn = Callable[[Env], Val]


def and_(a: Any, b: Any) -> Any:
    """Where both are present (True stands for everywhere)."""
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def fen_of(x: Any) -> Any:
    """Yuan (floats) -> whole fen, half away from zero: the rounding of values computed in float64
    (outside the exact fragment of compare.engine.exact).  Binary noise is absorbed first: a value
    within a few units in the last place below a half fen (1.005 is 1.00499999999999989…) counts
    as the half fen it stands for.  Infinities pass through."""
    a = np.asarray(x, dtype=np.float64)
    if not a.ndim:
        cents0 = abs(float(a)) * 100.0
        return float(np.copysign(np.floor(cents0 + 0.5 + max(cents0 * 2.0 ** -50, 1e-6)), a))
    cents = np.abs(a)
    cents *= 100.0
    # the noise allowance is 1e-6 fen below 2^50 × 1e-6 fen (about 1.1万元), relative above: one pass
    # to find that the column lies below it saves three over the column (in place, one temporary)
    top = float(cents.max()) if cents.size else 0.0
    if top * 2.0 ** -50 <= 1e-6:
        cents += 0.5
        cents += 1e-6
    else:
        allowance = cents * 2.0 ** -50
        np.maximum(allowance, 1e-6, out=allowance)
        cents += 0.5
        cents += allowance
    np.floor(cents, out=cents)
    return np.copysign(cents, a, out=cents)


ALL_BITS = np.uint64(0xFFFF_FFFF_FFFF_FFFF)


def zero_unless(x: Any, mask: Arr, owned: bool = False) -> Arr:
    """np.where(mask, x, 0.0), bit for bit, for a bool mask of the batch's shape.  np.where with a mask
    that varies from row to row is several times slower than arithmetic, so this works on the bits: the
    mask widened to all ones or all zeros per row, and-ed with x's 64 bits, keeps x (±∞, NaN and -0.0
    alike) where the mask holds and gives +0.0 elsewhere; a figure's bits times the mask's 1 or 0
    likewise.  +0.0 itself is an array of zeros.  `owned`: x is an array made for the caller alone,
    and-ed in place."""
    m = np.asarray(mask, dtype=bool)
    if (x.ndim if type(x) is np.ndarray else np.ndim(x)) == 0:
        c = np.float64(x)
        if c == 0 and not np.signbit(c):
            return np.zeros(m.shape)
        return np.multiply(m, c.view(np.uint64), dtype=np.uint64).view(np.float64)
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == m.shape:
        keep = np.multiply(m, ALL_BITS, dtype=np.uint64)
        into = x.view(np.uint64) if owned and x.flags.writeable and x.base is None else keep
        return np.bitwise_and(x.view(np.uint64), keep, out=into).view(np.float64)
    return np.where(mask, x, 0.0)


def choose(k: Arr, a: Any, b: Any) -> Any:
    """np.where(k, a, b), bit for bit, for a bool k of the batch's shape and float64 columns of its shape
    or figures (see zero_unless): b's bits xor (a's xor b's where k holds).  Anything else: np.where."""
    m = np.asarray(k)
    if m.dtype != np.bool_ or m.ndim != 1 or not all(_float_like(x, m.shape) for x in (a, b)):
        return np.where(k, a, b)
    bits_a, bits_b = (np.float64(x).view(np.uint64) if np.ndim(x) == 0 else x.view(np.uint64) for x in (a, b))
    if np.ndim(bits_a) == 0 and np.ndim(bits_b) == 0:
        return np.where(k, a, b)
    out = np.bitwise_xor(bits_a, bits_b)
    if out.base is not None or not out.flags.writeable:
        return np.where(k, a, b)
    out &= np.multiply(m, ALL_BITS, dtype=np.uint64)
    out ^= bits_b
    return out.view(np.float64)


def _float_like(x: Any, shape: tuple[int, ...]) -> bool:
    if np.ndim(x) == 0:
        return isinstance(x, (float, np.float64))
    return isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == shape


def round_fen(x: Any) -> Any:
    """Half away from zero to 0.01 (see fen_of); infinities (a promise with no figure) pass through."""
    out = np.asarray(fen_of(x)) / 100.0
    return out if out.ndim else float(out)


def mul(a: Val, b: Val) -> Val:
    present = and_(a.present, b.present)
    if a.exact and b.exact:
        with np.errstate(invalid="ignore"):  # 0 × ∞ (a promise times nothing) is 0
            p = np.multiply(a.lo, b.lo)
        return exact(np.nan_to_num(p, nan=0.0, posinf=INF, neginf=-INF) if np.isnan(p).any() else p, present)
    for r, x in ((a, b), (b, a)):  # a fixed range of rates (2‰~5‰) times an exact amount: two products
        if x.exact and np.ndim(r.lo) == 0 and np.ndim(r.hi) == 0 and np.isfinite(r.lo) and np.isfinite(r.hi):
            p, q = (0.0 if k == 0 else k * x.lo for k in (r.lo, r.hi))  # 0 × ∞ is 0
            return Val(np.minimum(p, q), np.maximum(p, q), present)
    with np.errstate(invalid="ignore"):  # 0 × ∞ (a promise times nothing) is 0
        ps = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        ps = [np.nan_to_num(p, nan=0.0, posinf=INF, neginf=-INF) for p in ps]
    return _span(ps, present)


def _span(xs: list[Any], present: Any) -> Val:
    """[least, greatest] of candidate ends, which may mix a scalar end (`up to X` holds 0) and columns."""
    if any(np.ndim(x) for x in xs):
        xs = list(np.broadcast_arrays(*xs))
    return Val(np.minimum.reduce(xs), np.maximum.reduce(xs), present)


def div(a: Val, b: Val) -> Val:
    """a / b; where b can be 0 (its interval holds 0) there is no quotient: the value is absent
    there (not eligible), never ∞ or NaN."""
    zero = b.lo == 0 if b.exact else (np.less_equal(b.lo, 0) & np.greater_equal(b.hi, 0))
    present = and_(and_(a.present, b.present), ~np.asarray(zero) if np.ndim(zero) else not zero)
    with np.errstate(divide="ignore", invalid="ignore"):
        if a.exact and b.exact:
            return exact(np.true_divide(a.lo, b.lo), present)
        qs = [np.true_divide(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return _span(qs, present)


def pair(fn: Any, a: Val, b: Val) -> Val:
    lo = fn(a.lo, b.lo)
    return Val(lo, lo if a.exact and b.exact else fn(a.hi, b.hi), and_(a.present, b.present))


def fresh(x: Any, a: Lin) -> bool:
    """Whether round_lin's result x is an array it made (not one of the columns of a, nor a figure)."""
    return isinstance(x, np.ndarray) and x.ndim > 0 and all(x is not t.col for t in a.terms)


def capped(fn: Any, a: Val, b: Val) -> Val:
    """cap / floor of two rounded values: in a's own arrays where it has them (the same minimum)."""
    if a.owned and (not a.exact or b.exact) and all(
            isinstance(x, np.ndarray) and x.ndim == 1 and x.dtype == np.float64 and np.ndim(y) <= 1
            and np.broadcast_shapes(x.shape, np.shape(y)) == x.shape for x, y in ((a.lo, b.lo), (a.hi, b.hi))):
        lo = fn(a.lo, b.lo, out=a.lo)
        hi = lo if a.exact else fn(a.hi, b.hi, out=a.hi)
        return Val(lo, hi, and_(a.present, b.present), owned=True)
    return pair(fn, a, b)


def as_rows(x: Any, n: int, dtype: Any = None) -> Arr:
    """np.broadcast_to(np.asarray(x, dtype), (n,)): a read-only view of n rows.  Where x already is an
    ndarray of n rows of that dtype (the usual case) the view is made directly, without broadcast_to's
    checks (some microseconds a call, which a run over a few projects makes hundreds of times)."""
    if type(x) is np.ndarray and x.shape == (n,) and (dtype is None or x.dtype == dtype):
        view = x.view()
    elif dtype is bool and type(x) is bool:  # present or fired everywhere (or nowhere): one value, stride 0
        view = np.ndarray((n,), dtype=np.bool_, buffer=_ONE_BOOL[x], strides=(0,))
    else:
        return np.broadcast_to(np.asarray(x, dtype=dtype), (n,))
    view.flags.writeable = False
    return view


_ONE_BOOL = {False: np.zeros(1, dtype=bool), True: np.ones(1, dtype=bool)}


def writable(v: Val, n: int) -> bool:
    """Whether a value is in arrays of its own of n floats (`owned`), to be written in place."""
    return v.owned and all(isinstance(x, np.ndarray) and x.shape == (n,) and x.dtype == np.float64
                           and x.flags.writeable for x in (v.lo, v.hi))
