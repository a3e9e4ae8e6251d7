"""Compile checked expressions to closures over the batch's columns (Env -> Val).

Money is held in the currency the checker inferred for each expression; a project's money
fields are converted at the run's USD→CNY rate where a policy reads them in the other
currency.  Tiers, rates, caps and max/sum/first each compile to a vectorised closure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.engine.values import INF, MONEY_DIMS, Env, Fn, Val, and_, div, exact, mul, pair
from dsl import ast as A
from dsl.model import Policy
from dsl.schema import FIELDS, GRADES, REFERRALS
from dsl.units import Dim


class Compiler:
    """AST expressions -> closures.  `want` carries the currency a money field is read in."""

    def __init__(self, policy: Policy):
        self.p = policy
        self.types = policy.node_types
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
            cond, then, other = self.c(e.cond), self.c(e.then, d), self.c(e.else_, d)

            def if_(env: Env) -> Val:
                k, a, b = cond(env).lo, then(env), other(env)
                lo = np.where(k, a.lo, b.lo)
                hi = lo if a.exact and b.exact else np.where(k, a.hi, b.hi)
                present = True if a.present is True and b.present is True else np.where(k, a.present, b.present)
                return Val(lo, hi, present)
            return if_
        if isinstance(e, A.Call):
            return self.call(e, want)
        if isinstance(e, A.Tiers):
            return self.tiers(e, want)
        if isinstance(e, A.ByReading):
            d = self.eff(e, want)
            cases = {case.option: self.c(case.value, d) for case in e.cases}
            default = self.p.readings[e.reading].default if e.reading in self.p.readings else None
            rid = e.reading

            def by_reading(env: Env) -> Val:
                choice = env.readings.get(rid, default)
                if env.trace is not None:
                    env.trace[id(e)] = choice
                return cases[choice](env)  # type: ignore[index]
            return by_reading
        raise CompileError(f"cannot evaluate {type(e).__name__}", e)

    def name(self, e: A.Name, want: Dim | None) -> Fn:
        dotted = e.dotted
        if len(e.path) == 1 and dotted in FIELDS:
            f = FIELDS[dotted]
            if f.dim == Dim.MONEY:
                d = want if want in (Dim.CNY, Dim.USD) else Dim.CNY
                return lambda env: exact(env.money(dotted, d))
            if f.dim == Dim.SCALAR:  # quality_score may be unknown (NaN): then the value is absent
                def scalar(env: Env) -> Val:
                    col = env.batch.columns[dotted]
                    known = ~np.isnan(col)
                    return exact(np.where(known, col, 0.0), known)
                return scalar
            if f.dim in (Dim.BOOL, Dim.RATIO) or dotted in ("referral", "grade"):
                return lambda env: exact(env.batch.columns[dotted])
            raise CompileError(f"field `{dotted}` has no numeric value", e)
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
        if op == "at_least":
            return lambda env: (lambda v: Val(v.lo, INF, v.present))(f(env))
        return f  # about: the figure itself

    def binary(self, e: A.Binary, want: Dim | None) -> Fn:  # noqa: C901
        op = e.op
        if op in ("and", "or"):
            lf, rf = self.c(e.left), self.c(e.right)
            if op == "and":
                return lambda env: exact(np.logical_and(lf(env).lo, rf(env).lo))
            return lambda env: exact(np.logical_or(lf(env).lo, rf(env).lo))
        if op in ("==", "!=", ">=", "<=", ">", "<"):
            return self.compare(e)
        d = self.eff(e, want)
        if op == "of" or op == "*":
            ld = self.eff(e.left, d) if self.dim(e.left) in MONEY_DIMS else None
            rd = self.eff(e.right, d) if self.dim(e.right) in MONEY_DIMS else None
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
        for fside, other in ((e.left, e.right), (e.right, e.left)):
            if isinstance(fside, A.Name) and fside.dotted == "referral":
                code = REFERRALS.index(other.dotted) if isinstance(other, A.Name) else -1
                eq = op == "=="
                return lambda env: exact((env.batch.columns["referral"] == code) == eq)
            if isinstance(fside, A.Name) and fside.dotted == "grade" and isinstance(other, A.Text):
                rank = GRADES.index(other.value)
                mirror = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}
                field_op = mirror.get(op, op) if fside is e.right else op  # as if written `grade OP "B"`
                # ranks count from the best grade (A+ = 0), so "B or better" is rank <= rank("B")
                real = mirror.get(field_op, field_op)
                return self._grade_cmp(real, rank)
        sub = self.common(e.left, e.right)
        lf, rf = self.c(e.left, sub), self.c(e.right, sub)
        fn = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less,
              "==": np.equal, "!=": np.not_equal}[op]

        def cmp(env: Env) -> Val:
            a, b = lf(env), rf(env)
            return exact(and_(fn(a.lo, b.lo), and_(a.present, b.present)))
        return cmp

    @staticmethod
    def _grade_cmp(op: str, rank: int) -> Fn:
        fn = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less,
              "==": np.equal, "!=": np.not_equal}[op]

        def cmp(env: Env) -> Val:
            g = env.batch.columns["grade"]
            return exact(fn(g, rank) & (g >= 0))
        return cmp

    def in_set(self, e: A.InSet) -> Fn:
        neg = e.negated
        if isinstance(e.container, A.Name):
            assert isinstance(e.element, A.Name)
            col = f"categories.{e.element.dotted}"
            return lambda env: exact(env.batch.columns[col] != neg)
        table = np.zeros(len(REFERRALS), dtype=bool)  # a lookup by code beats np.isin
        table[[REFERRALS.index(n.dotted) for n in e.container.items]] = True
        if neg:
            table = ~table
        return lambda env: exact(table[env.batch.columns["referral"]])

    def call(self, e: A.Call, want: Dim | None) -> Fn:
        if e.func in ("cny", "usd"):
            dst = Dim.CNY if e.func == "cny" else Dim.USD
            arg = e.args[0]
            src = self.eff(arg, dst)
            return self.convert(self.c(arg, src), src, dst)
        d = self.eff(e, want)
        fns = [self.c(a, d) for a in e.args]
        func = e.func
        node_id = id(e)

        def combine(env: Env) -> Val:
            vals = [f(env) for f in fns]
            n = env.batch.n
            pres = [np.broadcast_to(np.asarray(v.present, dtype=bool), (n,)) for v in vals]
            los = [np.broadcast_to(np.asarray(v.lo, dtype=np.float64), (n,)) for v in vals]
            his = [np.broadcast_to(np.asarray(v.hi, dtype=np.float64), (n,)) for v in vals]
            any_present = pres[0].copy()
            for p in pres[1:]:
                any_present |= p
            if func in ("max", "min"):
                fill = -INF if func == "max" else INF
                pick = np.maximum if func == "max" else np.minimum
                lo = np.where(pres[0], los[0], fill)
                for p, x in zip(pres[1:], los[1:], strict=True):
                    pick(lo, np.where(p, x, fill), out=lo)
                if all(v.exact for v in vals):
                    hi = lo
                else:
                    hi = np.where(pres[0], his[0], fill)
                    for p, x in zip(pres[1:], his[1:], strict=True):
                        pick(hi, np.where(p, x, fill), out=hi)
                if env.trace is not None:
                    key = [np.where(p, x, fill)[0] for p, x in zip(pres, his, strict=True)]
                    env.trace[node_id] = int(np.argmax(key) if func == "max" else np.argmin(key)) \
                        if any_present[0] else None
                lo = np.where(any_present, lo, 0.0)
                return Val(lo, lo if hi is lo else np.where(any_present, hi, 0.0), any_present)
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

    def tiers(self, e: A.Tiers, want: Dim | None) -> Fn:
        edge_dim = next((x.dim for r in e.rows for x in (r.low, r.high) if isinstance(x, A.Quantity)), None)
        subject = self.c(e.subject, edge_dim)
        d = self.eff(e, want)
        rows = []
        for r in e.rows:
            lo = float(r.low.base_value) if isinstance(r.low, A.Quantity) else -INF
            hi = float(r.high.base_value) if isinstance(r.high, A.Quantity) else INF
            rows.append((lo, r.low_closed, hi, r.high_closed, self.c(r.value, d)))
        scale = None
        if e.scale is not None:
            scale = (self.c(e.scale.factor), self.c(e.scale.cond), e.scale.unless)
        node_id = id(e)

        def tier(env: Env) -> Val:
            x = np.asarray(subject(env).lo, dtype=np.float64)
            k: Any = 1.0
            if scale is not None:
                factor, cond, unless = scale
                applies = np.asarray(cond(env).lo, dtype=bool)
                k = np.where(~applies if unless else applies, factor(env).lo, 1.0)
            n = x.shape[0]
            matched = np.full(n, -1, dtype=np.int64)
            for i in range(len(rows) - 1, -1, -1):  # last to first, so the first match wins
                lo, lc, hi, hc, _ = rows[i]
                lo_k, hi_k = lo * k, hi * k
                m = (x >= lo_k if lc else x > lo_k) & (x <= hi_k if hc else x < hi_k)
                matched[m] = i
            values = [value(env) for *_, value in rows]
            if all(np.ndim(v.lo) == 0 and np.ndim(v.hi) == 0 for v in values):
                # fixed figures per tier (the usual case): one gather; index -1 picks the trailing 0
                table_lo = np.array([float(v.lo) for v in values] + [0.0])
                table_hi = np.array([float(v.hi) for v in values] + [0.0])
                out_lo = table_lo[matched]
                out_hi = out_lo if np.array_equal(table_lo, table_hi) else table_hi[matched]
            else:
                out_lo = np.zeros(n)
                out_hi = np.zeros(n)
                for i, v in enumerate(values):
                    m = matched == i
                    out_lo = np.where(m, v.lo, out_lo)
                    out_hi = np.where(m, v.hi, out_hi)
            if env.trace is not None:
                env.trace[node_id] = (int(matched[0]), float(np.broadcast_to(k, (n,))[0]))
            return Val(out_lo, out_hi, matched >= 0)
        return tier


class CompileError(Exception):
    def __init__(self, message: str, node: object):
        super().__init__(message)
        self.node = node

