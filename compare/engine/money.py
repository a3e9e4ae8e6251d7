"""Money in the compiler: the exact fragment of compare.engine.exact.

`lin(e, view)` compiles an expression affine in money columns (fields, money clauses, figures,
times or divided by fixed rates) to `Env -> (Lin, Lin)`, its two ends in fen of `view`; None
where it is not affine.  `rounded(e, view)` compiles a money value to `Env -> Val` of whole fen,
rounded half away from zero: exactly where the value is affine, or a monotone selection of
rounded values (if, tiers, by reading, max/min/first, cap/floor, up to, a fixed range of rates
times an amount) — rounding commutes with those: round(min(x, y)) = min(round(x), round(y));
elsewhere (a rate computed from a project's score, a product of two amounts) it is computed in
float64 and rounded by `fen_of`.  `money_compare` decides thresholds exactly whenever both sides are affine (through `if` and `by
reading` on either side); compare.engine.tiers decides tier edges alike.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from compare.engine.exact import ONE, ZERO, Lin, Term, add, cmp_lin, const, masked, round_lin, scale, sub
from compare.engine.values import INF, MONEY_DIMS, Env, Fn, Val, and_, capped, choose, exact, fen_of, fresh
from dsl import ast as A
from dsl.model import Policy
from dsl.units import Dim
from dsl.walk import walk

LinFn = Callable[[Env], tuple[Lin, Lin]]
Num = Fraction | float  # float only for ±∞
ZERO_LIN = const(ZERO)
UNBOUNDED_ABOVE = ("at_least", "more_than")  # [X, ∞]: (X, ∞] is held as [X, ∞], a bound


class MoneyCompiler:
    """Mixed into compare.engine.compile.Compiler, which provides the float path."""

    p: Policy
    clause_dim: dict[str, Dim | None]

    def dim(self, e: A.Expr) -> Dim | None:
        raise NotImplementedError

    def eff(self, e: A.Expr, want: Dim | None) -> Dim | None:
        raise NotImplementedError

    def c(self, e: A.Expr, want: Dim | None = None) -> Fn:
        raise NotImplementedError

    def combine(self, func: str, fns: list[Fn], node_id: int) -> Fn:
        raise NotImplementedError

    def tiers(self, e: A.Tiers, want: Dim | None, rounded: bool = False) -> Fn:
        raise NotImplementedError  # compare.engine.tiers

    def pick(self, e: A.Pick, want: Dim | None, rounded: bool = False) -> Fn:
        raise NotImplementedError  # compare.engine.pick

    def pick_times(self, e: A.Pick, xf: LinFn) -> Fn | None:
        raise NotImplementedError  # compare.engine.pick

    def lin_cumulative(self, e: A.Call, view: Dim) -> LinFn | None:
        raise NotImplementedError  # compare.engine.cumulative

    def is_field(self, e: A.Expr) -> bool:
        """A name of a field of the policy's record (core or declared)."""
        return isinstance(e, A.Name) and len(e.path) == 1 and e.dotted in self.p.record.fields

    # ------------------------------------------------------------------ figures known when compiling
    def static(self, e: A.Expr, depth: int = 0) -> tuple[Num, Num] | None:
        """A figure that is not money (a rate, a factor, points), exactly: its ends [lo, hi]."""
        if depth > 50:
            return None
        if isinstance(e, A.Quantity):
            return None if e.dim in MONEY_DIMS else (Fraction(e.base_value), Fraction(e.base_value))
        if isinstance(e, A.RatioLit):
            if len(e.parts) == 2 and e.parts[1]:
                v = Fraction(e.parts[0]) / Fraction(e.parts[1])
            else:
                v = Fraction(e.parts[0])
            return v, v
        if isinstance(e, A.Infinity):
            return math.inf, math.inf
        if isinstance(e, A.Promised):
            return ZERO, math.inf
        if isinstance(e, A.Name) and e.dotted in self.p.params and not self.is_field(e):
            pv = self.p.params[e.dotted].value
            return self.static(pv.committed if isinstance(pv, A.Target) else pv, depth + 1)
        if isinstance(e, A.Unary) and e.op in ("neg", "about", "up_to", "at_most", *UNBOUNDED_ABOVE):
            x = self.static(e.operand, depth + 1)
            if x is None:
                return None
            if e.op in UNBOUNDED_ABOVE:
                return x[0], math.inf
            return {"neg": (-x[1], -x[0]), "about": x, "up_to": (ZERO, x[1]), "at_most": (ZERO, x[1])}[e.op]
        if isinstance(e, A.Range):
            a, b = self.static(e.low, depth + 1), self.static(e.high, depth + 1)
            return (a[0], b[1]) if a is not None and b is not None else None
        if isinstance(e, A.Binary) and e.op in ("+", "-", "*", "of", "/"):
            a, b = self.static(e.left, depth + 1), self.static(e.right, depth + 1)
            if a is None or b is None or a[0] != a[1] or b[0] != b[1] or not all(map(_finite, (a[0], b[0]))):
                return None
            p, q = Fraction(a[0]), Fraction(b[0])
            if e.op == "/" and q == 0:
                return None
            v = {"+": p + q, "-": p - q, "*": p * q, "of": p * q, "/": p / q if q else ZERO}[e.op]
            return v, v
        return None

    def point(self, e: A.Expr) -> Fraction | None:
        """A finite figure known when compiling (a fixed rate or factor), else None."""
        s = self.static(e)
        return s[0] if s is not None and s[0] == s[1] and isinstance(s[0], Fraction) else None

    def unbounded(self, cid: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether a clause's value may be ∞ (a promise, `at least`, ∞): not an affine column then."""
        c = self.p.clauses.get(cid)
        if c is None or c.value is None or cid in seen:
            return False
        for x in walk(c.value):
            if isinstance(x, (A.Infinity, A.Promised)) or (isinstance(x, A.Unary) and x.op in UNBOUNDED_ABOVE):
                return True
            if isinstance(x, A.Name) and x.dotted in self.p.params and self.static(x) is None:
                return True  # a param that is not a plain figure: assume the worst
            if isinstance(x, A.Name) and x.dotted in self.p.clauses and self.unbounded(x.dotted, seen | {cid}):
                return True
        return False

    # ------------------------------------------------------------------ affine money
    def lin(self, e: A.Expr, view: Dim | None) -> LinFn | None:  # noqa: C901 - one case per node kind
        view = view if view in (Dim.CNY, Dim.USD) else Dim.CNY
        st = self.static(e)
        if st is not None:
            lo_c, hi_c = const(st[0]), const(st[1])
            ends = (lo_c, lo_c if st[0] == st[1] else hi_c)
            return lambda env: ends
        if isinstance(e, A.Quantity) and e.per is not None:
            return None  # a per-unit amount: only with what it is paid per (compare.engine.pick)
        if isinstance(e, A.Quantity) and e.dim in (Dim.CNY, Dim.USD):
            q = Fraction(e.base_value) * 100
            if e.dim == view:
                fixed = const(q)
                return lambda env: (fixed, fixed)
            to_cny = view == Dim.CNY

            def converted(env: Env) -> tuple[Lin, Lin]:
                x = const(q * env.rate if to_cny else q / env.rate)
                return x, x
            return converted
        if isinstance(e, A.Name):
            return self._lin_name(e, view)
        if isinstance(e, A.Unary):
            f = self.lin(e.operand, view)
            if f is None or e.op == "not":
                return None
            op = e.op
            if op == "neg":
                return _ends(f, lambda lo, hi: (scale(hi, -ONE), scale(lo, -ONE)))
            if op in ("up_to", "at_most"):
                return _ends(f, lambda lo, hi: (const(ZERO, hi.present), hi))
            if op in UNBOUNDED_ABOVE:
                return _ends(f, lambda lo, hi: (lo, Lin((), math.inf, lo.present)))
            return f
        if isinstance(e, A.Binary):
            return self._lin_binary(e, view)
        if isinstance(e, A.Range):
            lf, hf = self.lin(e.low, view), self.lin(e.high, view)
            if lf is None or hf is None:
                return None
            return lambda env: (lf(env)[0], hf(env)[1])
        if isinstance(e, A.Call) and e.func in ("cny", "usd"):
            return self.lin(e.args[0], view)  # conversions are exact: the view is the only currency
        if isinstance(e, A.Call) and e.func == "cumulative":
            return self.lin_cumulative(e, view)
        if isinstance(e, A.Call) and e.func == "sum":
            fns = [self.lin(a, view) for a in e.args]
            if any(f is None for f in fns) or any(self._may_be_infinite(a) for a in e.args):
                return None
            return lambda env: self._sum([f(env) for f in fns if f is not None])
        if isinstance(e, A.ByReading):
            cases = {case.option: self.lin(case.value, view) for case in e.cases}
            if any(f is None for f in cases.values()):
                return None
            default = self.p.readings[e.reading].default if e.reading in self.p.readings else None
            rid, node_id = e.reading, id(e)

            def by_reading(env: Env) -> tuple[Lin, Lin]:
                choice = env.readings.get(rid, default)
                if env.trace is not None:
                    env.trace[node_id] = choice
                return cases[choice](env)  # type: ignore[index, misc]
            return by_reading
        return None

    def _lin_name(self, e: A.Name, view: Dim) -> LinFn | None:
        dotted = e.dotted
        if self.is_field(e):
            if self.p.record.fields[dotted].dim != Dim.MONEY:
                return None

            def field(env: Env) -> tuple[Lin, Lin]:
                b = env.batch
                k = (ONE, env.rate) if view == Dim.CNY else (ONE / env.rate, ONE)
                if f"{dotted}#own" in b.columns:  # some rows have their own rate: see _own_rate_terms
                    x = Lin(_own_rate_terms(env, dotted, view, k))
                    return x, x
                parts = functools.partial(b.fen_parts, dotted)
                x = Lin((Term(b.fen(dotted), b.usd(dotted), k, parts, b.fen_bound(dotted)),))
                return x, x
            return field
        if dotted in self.p.clauses:
            src = self.clause_dim.get(dotted)
            if src not in (Dim.CNY, Dim.USD) or self.unbounded(dotted):
                return None

            def clause(env: Env) -> tuple[Lin, Lin]:
                v = env.fen[dotted]
                k = ONE if src == view else (env.rate if view == Dim.CNY else ONE / env.rate)
                lo = Lin((Term(v.lo, None, (k, k)),), ZERO, v.present, True)
                return lo, lo if v.hi is v.lo else Lin((Term(v.hi, None, (k, k)),), ZERO, v.present, True)
            return clause
        if dotted in self.p.params:
            v = self.p.params[dotted].value
            return self.lin(v.committed if isinstance(v, A.Target) else v, view)
        return None

    def _lin_binary(self, e: A.Binary, view: Dim) -> LinFn | None:
        op = e.op
        if op in ("+", "-"):
            lf, rf = self.lin(e.left, view), self.lin(e.right, view)
            if lf is None or rf is None:
                return None
            if op == "+":
                return _ends2(lf, rf, lambda a, b: (add(a[0], b[0]), add(a[1], b[1])))
            return _ends2(lf, rf, lambda a, b: (sub(a[0], b[1]), sub(a[1], b[0])))
        if op in ("*", "of", "/"):
            sides = ((e.right, e.left),) if op == "/" else ((e.left, e.right), (e.right, e.left))
            for k_e, x_e in sides:
                k = self.point(k_e)
                if k is None or (op == "/" and k == 0):
                    continue
                k = ONE / k if op == "/" else k
                f = self.lin(x_e, view)
                if f is None:
                    return None
                return _ends(f, functools.partial(_scaled, k=k))
        return None

    @staticmethod
    def _sum(items: list[tuple[Lin, Lin]]) -> tuple[Lin, Lin]:
        """sum(…) of items that may be absent: an absent item counts 0; present where any is."""
        any_present: Any = False
        lo, hi = ZERO_LIN, ZERO_LIN
        for a, b in items:
            p = a.present if a.present is b.present else and_(a.present, b.present)
            any_present = True if p is True or any_present is True else (p if any_present is False else any_present | p)
            lo, hi = add(lo, masked(a, p)), add(hi, masked(b, p))
        return Lin(lo.terms, lo.const, any_present), Lin(hi.terms, hi.const, any_present)

    def _may_be_infinite(self, e: A.Expr) -> bool:
        return any(isinstance(x, (A.Infinity, A.Promised)) or (isinstance(x, A.Unary) and x.op in UNBOUNDED_ABOVE)
                   for x in walk(e))

    # ------------------------------------------------------------------ rounded money values
    def rounded(self, e: A.Expr, view: Dim | None) -> Fn:  # noqa: C901
        """A money value in whole fen of `view`, rounded half away from zero (the end of a clause)."""
        view = view if view in (Dim.CNY, Dim.USD) else Dim.CNY
        f = self.lin(e, view)
        if f is not None:
            def rnd(env: Env) -> Val:
                lo, hi = f(env)
                a = round_lin(lo)
                b = a if hi is lo else round_lin(hi)
                return Val(a, b, and_(lo.present, hi.present), fresh(a, lo) and (b is a or fresh(b, hi)))
            return rnd
        if isinstance(e, A.Name) and e.dotted in self.p.clauses and self.clause_dim.get(e.dotted) == view:
            dotted = e.dotted
            return lambda env: env.fen[dotted]  # rounded already, at the end of its clause
        if isinstance(e, A.Range):
            lo_f, hi_f = self.rounded(e.low, view), self.rounded(e.high, view)
            return lambda env: (lambda a, b: Val(a.lo, b.hi, and_(a.present, b.present)))(lo_f(env), hi_f(env))
        if isinstance(e, A.Unary) and e.op in ("neg", "about", "up_to", "at_most", *UNBOUNDED_ABOVE):
            g = self.rounded(e.operand, view)
            return {"neg": lambda env: (lambda v: Val(-v.hi, -v.lo, v.present) if not v.exact
                                        else exact(-v.lo, v.present))(g(env)),
                    "about": g,
                    "up_to": lambda env: (lambda v: Val(0.0, v.hi, v.present))(g(env)),
                    "at_most": lambda env: (lambda v: Val(0.0, v.hi, v.present))(g(env)),
                    "at_least": lambda env: (lambda v: Val(v.lo, INF, v.present))(g(env)),
                    "more_than": lambda env: (lambda v: Val(v.lo, INF, v.present))(g(env))}[e.op]
        if isinstance(e, A.IfExpr):
            return self.if_(self.c(e.cond), self.rounded(e.then, view), self.rounded(e.else_, view))
        if isinstance(e, A.ByReading):
            return self.by_reading(e, {case.option: self.rounded(case.value, view) for case in e.cases})
        if isinstance(e, A.Tiers):
            return self.tiers(e, view, rounded=True)
        if isinstance(e, A.Pick):  # a selection, like if and max: rounding commutes with it
            return self.pick(e, view, rounded=True)
        if isinstance(e, A.Call) and e.func in ("max", "min", "first"):
            return self.combine(e.func, [self.rounded(a, view) for a in e.args], id(e))
        if isinstance(e, A.Binary) and e.op in ("cap", "floor"):
            lf, rf = self.rounded(e.left, view), self.rounded(e.right, view)
            fn = np.minimum if e.op == "cap" else np.maximum
            return lambda env: capped(fn, lf(env), rf(env))
        if isinstance(e, A.Binary) and e.op in ("of", "*"):
            for r_e, x_e in ((e.left, e.right), (e.right, e.left)):
                rates, xf = self.static(r_e), self.lin(x_e, view)
                if rates is not None and xf is not None and all(map(_finite, rates)):
                    return self._rates_times(rates, xf)  # type: ignore[arg-type]
                if isinstance(r_e, A.Pick) and xf is not None:  # a rate picked per project times an amount
                    picked = self.pick_times(r_e, xf)
                    if picked is not None:
                        return picked
        g = self.c(e, view)  # outside the exact fragment: float64, then rounded
        return lambda env: _fen_val(g(env))

    @staticmethod
    def _rates_times(rates: tuple[Fraction, Fraction], xf: LinFn) -> Fn:
        """A fixed range of rates (2‰~5‰) times an amount: the least and greatest end products."""
        def prod(env: Env) -> Val:
            lo, hi = xf(env)
            ends = [lo] if hi is lo else [lo, hi]
            ps = [round_lin(scale(x, k)) for k in dict.fromkeys(rates) for x in ends]
            a = ps[0] if len(ps) == 1 else np.minimum.reduce(np.broadcast_arrays(*ps))
            b = a if len(ps) == 1 else np.maximum.reduce(np.broadcast_arrays(*ps))
            return Val(a, b, and_(lo.present, hi.present))
        return prod

    # ------------------------------------------------------------------ comparisons and tiers
    def money_compare(self, op: str, left: A.Expr, right: A.Expr, view: Dim | None) -> Fn | None:
        """`left OP right` on money, exactly; through `if` and `by reading` on either side."""
        lf, rf = self.lin(left, view), self.lin(right, view)
        if lf is not None and rf is not None:
            def cmp(env: Env) -> Val:
                a, b = lf(env)[0], rf(env)[0]
                return exact(and_(cmp_lin(sub(a, b), op), and_(a.present, b.present)))
            return cmp
        for side in (right, left):
            def swap(x: A.Expr, side: A.Expr = side) -> tuple[A.Expr, A.Expr]:
                return (left, x) if side is right else (x, right)
            if isinstance(side, A.IfExpr):
                then, other = (self.money_compare(op, *swap(side.then), view),
                               self.money_compare(op, *swap(side.else_), view))
                if then is None or other is None:
                    return None
                return self.if_(self.c(side.cond), then, other)
            if isinstance(side, A.ByReading):
                cases = {case.option: self.money_compare(op, *swap(case.value), view) for case in side.cases}
                if any(f is None for f in cases.values()):
                    return None
                return self.by_reading(side, cases)  # type: ignore[arg-type]
        return None

    def if_(self, cond: Fn, then: Fn, other: Fn) -> Fn:
        def if_(env: Env) -> Val:
            k, a, b = cond(env).lo, then(env), other(env)
            if _bools(a.lo, b.lo, k) and a.present is True and b.present is True:  # a condition: bit operations
                k = np.asarray(k, dtype=bool)
                return exact((k & a.lo) | (~k & b.lo))
            lo = choose(k, a.lo, b.lo)
            hi = lo if a.exact and b.exact else choose(k, a.hi, b.hi)
            present = True if a.present is True and b.present is True else np.where(k, a.present, b.present)
            return Val(lo, hi, present, owned=np.ndim(lo) > 0 and np.ndim(hi) > 0)  # np.where's own arrays
        return if_

    def by_reading(self, e: A.ByReading, cases: dict[str, Fn]) -> Fn:
        default = self.p.readings[e.reading].default if e.reading in self.p.readings else None
        rid, node_id = e.reading, id(e)

        def by_reading(env: Env) -> Val:
            choice = env.readings.get(rid, default)
            if env.trace is not None:
                env.trace[node_id] = choice
            return cases[choice](env)  # type: ignore[index]
        return by_reading


def _own_rate_terms(env: Env, name: str, view: Dim, k: tuple[Fraction, Fraction]) -> tuple[Term, ...]:
    """A money field whose rows may carry their own USD→CNY rate (`NAME#own`): the rows read in their
    own currency, or converted at the run's rate, as one term; the rows converted at their own rate
    as a second term of coefficient 1 over the data layer's converted amount (`NAME#alt`, to the fen).
    Each row is 0 in one of the two, so the sum stays exact.  Cached per run."""
    b, cache = env.batch, env.cache
    fen_key, alt_key, bound_key = ((f"{name}#own-{part}", view) for part in ("fen", "alt", "bound"))
    if fen_key not in cache:
        own = np.asarray(b.columns[f"{name}#own"], dtype=bool) & (~b.usd(name) if view == Dim.USD else b.usd(name))
        cache[fen_key] = np.where(own, 0.0, b.fen(name))
        cache[alt_key] = np.where(own, np.rint(np.asarray(b.columns[f"{name}#alt"], dtype=np.float64) * 100.0), 0.0)
        cache[bound_key] = np.array([float(np.max(np.abs(cache[k]))) if b.n else 0.0 for k in (fen_key, alt_key)])
    bounds = cache[bound_key]
    return (Term(cache[fen_key], b.usd(name), k, None, float(bounds[0])),
            Term(cache[alt_key], None, (ONE, ONE), None, float(bounds[1])))


def _ends(f: LinFn, g: Callable[[Lin, Lin], tuple[Lin, Lin]]) -> LinFn:
    return lambda env: g(*f(env))


def _ends2(f: LinFn, h: LinFn, g: Callable[[tuple[Lin, Lin], tuple[Lin, Lin]], tuple[Lin, Lin]]) -> LinFn:
    return lambda env: g(f(env), h(env))


def _scaled(lo: Lin, hi: Lin, k: Fraction) -> tuple[Lin, Lin]:
    """k × [lo, hi]: the ends swap where k < 0."""
    a = scale(lo, k)
    b = a if hi is lo else scale(hi, k)
    return (b, a) if k < 0 else (a, b)


def _bools(*xs: Any) -> bool:
    return all(isinstance(x, np.ndarray) and x.dtype == np.bool_ for x in xs)


def _finite(x: Num) -> bool:
    return not isinstance(x, float) or math.isfinite(x)


def _fen_val(v: Val) -> Val:
    """A float value rounded to whole fen: an exact value's one end rounded once."""
    lo = fen_of(v.lo)
    return Val(lo, lo if v.exact else fen_of(v.hi), v.present)

