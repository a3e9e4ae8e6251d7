"""Compile checked expressions to closures over the batch's columns (Env -> Val).

Money is held in the currency the checker inferred for each expression; a project's money
fields are converted at the run's USD→CNY rate where a policy reads them in the other
currency.  Tiers, rates, caps, max/sum/first and pick tables (compare.engine.pick) each compile to a
vectorised closure; conditions on the record (choices, texts, sets, lists, dates, named conditions)
are compare.engine.conditions'.
Comparisons of money, tier edges and a money clause's value take the exact path of
compare.engine.money (whole fen, exact rates); the closures here compute in float64.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from compare.engine.conditions import RecordCompiler, date_days
from compare.engine.cumulative import CumulativeCompiler
from compare.engine.pick import PickCompiler
from compare.engine.tiers import TierCompiler
from compare.engine.values import INF, MONEY_DIMS, Env, Fn, Val, and_, as_rows, div, exact, mul, pair, zero_unless
from dsl import ast as A
from dsl.model import Policy
from dsl.units import Dim
from dsl.walk import chain


class Compiler(CumulativeCompiler, RecordCompiler, PickCompiler, TierCompiler):
    """AST expressions -> closures.  `want` carries the currency a money field is read in.  Names
    resolve against the policy's record (`policy.record`: the core and the fields it declares)."""

    def __init__(self, policy: Policy):
        self.p = policy
        self.types = policy.node_types
        self._conditions: dict[str, Fn] = {}
        self.clause_dim: dict[str, Dim | None] = {}
        for cid, c in policy.clauses.items():
            self.clause_dim[cid] = self._clause_dim(c)

    def concept_unit(self, c: A.Clause) -> str | None:
        if c.concept is not None and self.p.taxonomy is not None:
            concept = self.p.taxonomy.concepts.get(c.concept.dotted)
            return concept.unit if concept else None
        return None

    def _clause_dim(self, c: A.Clause) -> Dim | None:
        ty = self.p.types.get(c.id)
        dim = ty.dim if ty else None
        if dim == Dim.MONEY:
            return Dim.USD if self.concept_unit(c) == "USD" else Dim.CNY
        if dim == Dim.MONTHS and self.concept_unit(c) == "days":
            return Dim.DAYS  # reported in days: see CompiledClause.factor
        return dim

    def dim(self, e: A.Expr) -> Dim | None:
        ty = self.types.get(id(e))
        return ty.dim if ty else None

    def eff(self, e: A.Expr, want: Dim | None) -> Dim | None:
        """The dimension an expression is computed in: money fields take the wanted currency."""
        d = self.dim(e)
        if d == Dim.MONEY:
            return want if want in (Dim.CNY, Dim.USD) else Dim.CNY
        return d

    def common(self, a: A.Expr, b: A.Expr) -> Dim | None:
        """The currency two operands meet in: the one a figure states (a field has none of its own)."""
        for x in (self.dim(a), self.dim(b)):
            if x in (Dim.CNY, Dim.USD):
                return x
        return Dim.CNY if Dim.MONEY in (self.dim(a), self.dim(b)) else None

    def convert(self, fn: Fn, src: Dim | None, dst: Dim | None) -> Fn:
        if src == dst or src not in (Dim.CNY, Dim.USD) or dst not in (Dim.CNY, Dim.USD):
            return fn
        to_cny = dst == Dim.CNY

        def f(env: Env) -> Val:
            v = fn(env)
            k = env.fx if to_cny else 1.0 / env.fx
            lo = v.lo * k
            return Val(lo, lo if v.exact else v.hi * k, v.present)
        return f

    # ------------------------------------------------------------------ expressions
    def c(self, e: A.Expr, want: Dim | None = None) -> Fn:  # noqa: C901 - one case per node kind
        if isinstance(e, A.Quantity):
            # a per-unit amount inside a larger one (`10% of 30元/平方米`, a pick of them): per base unit
            # (20000元 per 亩), multiplied out by the checker's rule; `30元/平方米 * rent_area` itself
            # takes compare.engine.pick's per_unit
            val = exact(float(e.base_value))
            base = self.convert(lambda env: val, e.dim, want) if e.dim in (Dim.CNY, Dim.USD) else (lambda env: val)
            return base
        if isinstance(e, A.Infinity):
            inf = exact(INF)
            return lambda env: inf
        if isinstance(e, A.Promised):
            promised = Val(0.0, INF)
            return lambda env: promised
        if isinstance(e, A.BoolLit):
            b = exact(bool(e.value))
            return lambda env: b
        if isinstance(e, A.RatioLit):
            r = exact(float(e.parts[0] / e.parts[1])) if len(e.parts) == 2 and e.parts[1] else exact(float(e.parts[0]))
            return lambda env: r
        if isinstance(e, (A.Text, A.ListValue, A.SetLit)):
            raise CompileError(f"a {type(e).__name__} has no value here", e)
        if isinstance(e, A.Name):
            return self.name(e, want)
        if isinstance(e, A.Unary):
            return self.unary(e, want)
        if isinstance(e, A.Binary):
            return self.binary(e, want)
        if isinstance(e, A.Range):
            d = self.eff(e, want)
            lo_f, hi_f = self.c(e.low, d), self.c(e.high, d)

            def rng(env: Env) -> Val:
                a, b = lo_f(env), hi_f(env)
                return Val(a.lo, b.hi, and_(a.present, b.present))
            return rng
        if isinstance(e, A.InSet):
            return self.in_set(e)
        if isinstance(e, A.IfExpr):
            d = self.eff(e, want)
            return self.if_(self.c(e.cond), self.c(e.then, d), self.c(e.else_, d))
        if isinstance(e, A.Call):
            return self.call(e, want)
        if isinstance(e, A.Tiers):
            return self.tiers(e, want)
        if isinstance(e, A.ByReading):
            d = self.eff(e, want)
            return self.by_reading(e, {case.option: self.c(case.value, d) for case in e.cases})
        if isinstance(e, A.Pick):
            return self.pick(e, want)
        if isinstance(e, A.DateLit):
            day = exact(date_days(e.value))
            return lambda env: day
        raise CompileError(f"cannot evaluate {type(e).__name__}", e)

    def name(self, e: A.Name, want: Dim | None) -> Fn:
        dotted = e.dotted
        if self.is_field(e):
            if self.field_dim(dotted) == Dim.MONEY:
                d = want if want in (Dim.CNY, Dim.USD) else Dim.CNY
                return lambda env: exact(env.money(dotted, d))
            column = self.record_field(e, want)
            if column is None:
                raise CompileError(f"field `{dotted}` has no numeric value", e)
            return column
        if dotted in self.p.conditions:
            return self.named_condition(dotted)
        if dotted in self.p.clauses:
            src = self.clause_dim.get(dotted)
            fn: Fn = lambda env: env.results[dotted]  # noqa: E731
            return self.convert(fn, src, want) if want in (Dim.CNY, Dim.USD) else fn
        if dotted in self.p.params:
            prm = self.p.params[dotted]
            value = prm.value.committed if isinstance(prm.value, A.Target) else prm.value
            return self.c(value, want)
        raise CompileError(f"undefined name `{dotted}`", e)

    def unary(self, e: A.Unary, want: Dim | None) -> Fn:
        d = self.eff(e, want)
        f = self.c(e.operand, d)
        op = e.op
        if op == "not":
            return lambda env: exact(~np.asarray(f(env).lo, dtype=bool))
        if op == "neg":
            def neg(env: Env) -> Val:
                v = f(env)
                return Val(-v.hi, -v.lo, v.present) if not v.exact else exact(-v.lo, v.present)
            return neg
        if op in ("up_to", "at_most"):  # [0, X]: the low end is a scalar, broadcast where needed
            return lambda env: (lambda v: Val(0.0, v.hi, v.present))(f(env))
        if op in ("at_least", "more_than"):  # (X, ∞] is held as [X, ∞]: a bound, not a figure to pay
            return lambda env: (lambda v: Val(v.lo, INF, v.present))(f(env))
        return f  # about: the figure itself

    def binary(self, e: A.Binary, want: Dim | None) -> Fn:  # noqa: C901
        op = e.op
        if op in ("and", "or"):  # a chain `a and b and …` of any length: one closure over its operands
            fns = [self.c(x) for x in chain(e, op)]
            logic = np.logical_and if op == "and" else np.logical_or

            def chained(env: Env) -> Val:
                acc = fns[0](env).lo
                own = False  # after the first step acc is this closure's own array: the rest work in place
                for f in fns[1:]:
                    x = f(env).lo
                    if own and np.ndim(x) <= np.ndim(acc):
                        logic(acc, x, out=acc)
                    else:
                        acc = logic(acc, x)
                        own = isinstance(acc, np.ndarray)
                return exact(acc)
            return chained
        if op in ("==", "!=", ">=", "<=", ">", "<"):
            return self.compare(e)
        d = self.eff(e, want)
        per_unit = self.per_unit(e, want)
        if per_unit is not None:
            return per_unit
        if op == "of" or op == "*":
            ld = self.eff(e.left, d) if self.dim(e.left) in MONEY_DIMS else None
            rd = self.eff(e.right, d) if self.dim(e.right) in MONEY_DIMS else None
            for k_e, x_e, xd in ((e.left, e.right, rd), (e.right, e.left, ld)):
                k = self.point(k_e)
                if k is not None:  # a fixed factor: x·n/d rounds once, so 70% of 1.5分 is 1.05, not 1.0499…
                    return _times(self.c(x_e, xd or d), k)
            lf, rf = self.c(e.left, ld or d), self.c(e.right, rd or d)
            return lambda env: mul(lf(env), rf(env))
        if op == "/":
            sub = self.common(e.left, e.right)
            lf, rf = self.c(e.left, sub), self.c(e.right, sub)
            return lambda env: div(lf(env), rf(env))
        lf, rf = self.c(e.left, d), self.c(e.right, d)
        if op == "+":
            return lambda env: (lambda a, b: Val(a.lo + b.lo, a.lo + b.lo if a.exact and b.exact else a.hi + b.hi,
                                                 and_(a.present, b.present)))(lf(env), rf(env))
        if op == "-":
            return lambda env: (lambda a, b: Val(a.lo - b.hi, a.lo - b.lo if a.exact and b.exact else a.hi - b.lo,
                                                 and_(a.present, b.present)))(lf(env), rf(env))
        if op == "cap":
            return lambda env: (lambda a, b: pair(np.minimum, a, b))(lf(env), rf(env))
        if op == "floor":
            return lambda env: (lambda a, b: pair(np.maximum, a, b))(lf(env), rf(env))
        raise CompileError(f"unknown operator {op}", e)

    def compare(self, e: A.Binary) -> Fn:
        op = e.op
        on_record = self.record_compare(e)  # choices, grades, texts (compare.engine.conditions)
        if on_record is not None:
            return on_record
        sub = self.common(e.left, e.right)
        if sub in (Dim.CNY, Dim.USD):
            exact_cmp = self.money_compare(op, e.left, e.right, sub)
            if exact_cmp is not None:
                return exact_cmp
        lf, rf = self.c(e.left, sub), self.c(e.right, sub)
        fn = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less,
              "==": np.equal, "!=": np.not_equal}[op]

        def cmp(env: Env) -> Val:
            a, b = lf(env), rf(env)
            return exact(and_(fn(a.lo, b.lo), and_(a.present, b.present)))
        return cmp

    def call(self, e: A.Call, want: Dim | None) -> Fn:
        if e.func in ("cny", "usd"):
            dst = Dim.CNY if e.func == "cny" else Dim.USD
            arg = e.args[0]
            src = self.eff(arg, dst)
            return self.convert(self.c(arg, src), src, dst)
        if e.func == "cumulative":
            return self.cumulative(e, want)
        d = self.eff(e, want)
        return self.combine(e.func, [self.c(a, d) for a in e.args], id(e))

    def combine(self, func: str, fns: list[Fn], node_id: int) -> Fn:
        """max / min / first / sum over items that may be absent."""
        def combine(env: Env) -> Val:
            vals = [f(env) for f in fns]
            n = env.batch.n
            pres = [as_rows(v.present, n, bool) for v in vals]
            los = [as_rows(v.lo, n, np.float64) for v in vals]
            his = [as_rows(v.hi, n, np.float64) for v in vals]
            any_present = pres[0].copy()
            for p in pres[1:]:
                any_present |= p
            if func in ("max", "min"):
                fill = -INF if func == "max" else INF
                pick = np.maximum if func == "max" else np.minimum
                if env.trace is not None:
                    key = [np.where(p, x, fill)[0] for p, x in zip(pres, his, strict=True)]
                    env.trace[node_id] = int(np.argmax(key) if func == "max" else np.argmin(key)) \
                        if any_present[0] else None
                exact_items = all(v.exact for v in vals)
                if func == "max" and all(_unsigned(x) for x in (los if exact_items else los + his)):
                    # items all finite and not negative: the greatest of those present is the greatest of
                    # each item times its presence (0 where absent, and 0 where none is present)
                    zeroed = [v.zeroed for v in vals]
                    lo = _greatest(los, pres, zeroed)
                    return Val(lo, lo if exact_items else _greatest(his, pres, zeroed), any_present, owned=True)
                lo = np.where(pres[0], los[0], fill)
                for p, x in zip(pres[1:], los[1:], strict=True):
                    pick(lo, np.where(p, x, fill), out=lo)
                if exact_items:
                    hi = lo
                else:
                    hi = np.where(pres[0], his[0], fill)
                    for p, x in zip(pres[1:], his[1:], strict=True):
                        pick(hi, np.where(p, x, fill), out=hi)
                lo = zero_unless(lo, any_present, owned=True)  # 0 where no item is present
                return Val(lo, lo if hi is lo or exact_items else zero_unless(hi, any_present, owned=True),
                           any_present, owned=True)
            if func == "sum":
                lo = np.add.reduce([np.where(p, x, 0.0) for p, x in zip(pres, los, strict=True)])
                hi = np.add.reduce([np.where(p, x, 0.0) for p, x in zip(pres, his, strict=True)])
                return Val(lo, hi, any_present)
            # first: the first item present
            lo, hi = np.zeros(n), np.zeros(n)
            chosen = np.full(n, -1)
            for k in range(len(vals) - 1, -1, -1):
                lo = np.where(pres[k], los[k], lo)
                hi = np.where(pres[k], his[k], hi)
                chosen = np.where(pres[k], k, chosen)
            if env.trace is not None:
                env.trace[node_id] = int(chosen[0]) if chosen[0] >= 0 else None
            return Val(lo, hi, any_present)
        return combine


def _unsigned(x: Any) -> bool:
    """A column (or figure) finite everywhere with no sign bit set: x·0 is +0.0 (see zero_unless)."""
    a = np.asarray(x)
    return a.dtype == np.float64 and bool(np.isfinite(a).all()) and not np.signbit(a).any()


def _greatest(xs: list[Any], pres: list[Any], zeroed: list[bool]) -> Any:
    """max over k of xs[k]·pres[k], for items _unsigned: a new array.  An item already +0.0 where it is
    absent (`zeroed`, a clause's result) is its own product."""
    out = np.array(xs[0], dtype=np.float64) if zeroed[0] else np.multiply(xs[0], pres[0])
    for x, p, z in zip(xs[1:], pres[1:], zeroed[1:], strict=True):
        np.maximum(out, x if z else np.multiply(x, p), out=out)
    return out


def _times(f: Fn, k: Fraction) -> Fn:
    """x × k for a fixed k = n/d: x·n then /d (one rounding each way; exact for whole numbers)."""
    n, d = float(k.numerator), float(k.denominator)
    if k == 0:  # 0 × ∞ (nothing of a promise) is 0
        return lambda env: (lambda v: exact(0.0, v.present))(f(env))

    def times(env: Env) -> Val:
        v = f(env)
        lo = _scaled(v.lo, n, d)
        if v.exact:
            return Val(lo, lo, v.present, owned=isinstance(lo, np.ndarray))
        hi = _scaled(v.hi, n, d)
        owned = isinstance(lo, np.ndarray) and isinstance(hi, np.ndarray)
        return Val(lo, hi, v.present, owned) if k > 0 else Val(hi, lo, v.present, owned)
    return times


def _scaled(x: Any, n: float, d: float) -> Any:
    """x·n then /d, each rounded once; a column's product is divided in place (the same two roundings)."""
    p = x * n
    if d == 1:
        return p
    if isinstance(p, np.ndarray) and p.dtype == np.float64 and p.ndim:
        p /= d
        return p
    return p / d


class CompileError(Exception):
    def __init__(self, message: str, node: object):
        super().__init__(message)
        self.node = node

