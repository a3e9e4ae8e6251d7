"""Tiers in the compiler: the first row whose edges hold the subject wins.

A money subject is compared with each edge (scaled by a fixed factor where `scaled` applies)
exactly, in whole fen (compare.engine.exact): 180,006,000元 at 6.0002 is 3000万美元 and meets
the edge [3000万美元, …).  Other subjects (points, a computed factor) are compared in float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from compare.engine.exact import ONE, Lin, and_, cmp_lin, const, sub
from compare.engine.money import MoneyCompiler, Num, _finite
from compare.engine.values import Env, Fn, Val, as_rows
from dsl import ast as A
from dsl.units import Dim


class TierCompiler(MoneyCompiler):
    def tiers(self, e: A.Tiers, want: Dim | None, rounded: bool = False) -> Fn:
        d = self.eff(e, want)
        values = [self.rounded(r.value, d) if rounded else self.c(r.value, d) for r in e.rows]
        match = self.tier_match(e)
        node_id = id(e)

        def tier(env: Env) -> Val:
            matched, k = match(env)
            n = matched.shape[0]
            vals = [value(env) for value in values]
            if all(np.ndim(v.lo) == 0 and np.ndim(v.hi) == 0 for v in vals):
                # fixed figures per tier (the usual case): one gather; index -1 picks the trailing 0
                table_lo = np.array([float(v.lo) for v in vals] + [0.0])
                table_hi = np.array([float(v.hi) for v in vals] + [0.0])
                out_lo = table_lo[matched]
                out_hi = out_lo if np.array_equal(table_lo, table_hi) else table_hi[matched]
            else:
                out_lo, out_hi = np.zeros(n), np.zeros(n)
                for i, v in enumerate(vals):
                    m = matched == i
                    out_lo = np.where(m, v.lo, out_lo)
                    out_hi = np.where(m, v.hi, out_hi)
            if env.trace is not None:
                env.trace[node_id] = (int(matched[0]), float(np.broadcast_to(k, (n,))[0]))
            return Val(out_lo, out_hi, matched >= 0, owned=True)  # gathered or built here: its own arrays
        return tier

    def tier_match(self, e: A.Tiers) -> Callable[[Env], tuple[Any, Any]]:
        """Env -> (the index of the first row holding the subject, -1 for none; the edges' factor)."""
        edge_dim = next((x.dim for r in e.rows for x in (r.low, r.high) if isinstance(x, A.Quantity)), None)
        money = edge_dim in (Dim.CNY, Dim.USD)
        rows = [(_edge(r.low, -math.inf, money), r.low_closed, _edge(r.high, math.inf, money), r.high_closed)
                for r in e.rows]
        subject = self.lin(e.subject, edge_dim) if money else None
        factor = self.point(e.scale.factor) if e.scale is not None else ONE
        scale_fns = (self.c(e.scale.factor), self.c(e.scale.cond), e.scale.unless) if e.scale is not None else None
        if subject is None or factor is None:
            return self._float_tier_match(e, rows, edge_dim, scale_fns)
        fk = float(factor)
        ladder = _ladder(rows) and factor > 0
        # tiers of a field with the same edges (two clauses' tables of one ladder) match once per run
        memo_key = ("tiers", e.subject.dotted, edge_dim, tuple(rows)) \
            if scale_fns is None and isinstance(e.subject, A.Name) and self.is_field(e.subject) else None

        def match(env: Env) -> tuple[Any, Any]:
            if memo_key is not None and memo_key in env.memo:
                return env.memo[memo_key], 1.0
            x = subject(env)[0]
            use: Any = False
            if scale_fns is not None:
                applies = np.asarray(scale_fns[1](env).lo, dtype=bool)
                use = ~applies if scale_fns[2] else applies
            n = env.batch.n

            def holds(row: tuple[Num, bool, Num, bool]) -> Any:
                m = _holds(x, row, ONE)
                if use is not False and factor != 1:
                    m = (use & _holds(x, row, factor)) | (~use & m)
                return m
            if ladder:
                matched = _climb(x, rows, holds, n)
            else:
                matched = np.full(n, -1, dtype=np.int64)
                for i in range(len(rows) - 1, -1, -1):  # last to first, so the first match wins
                    matched[as_rows(holds(rows[i]), n)] = i
            if memo_key is not None:
                env.memo[memo_key] = matched
            if env.trace is None or use is False:  # the factor is only shown when explaining
                return matched, 1.0
            return matched, np.where(use, fk, 1.0)
        return match

    def _float_tier_match(self, e: A.Tiers, rows: list[tuple[Num, bool, Num, bool]], edge_dim: Dim | None,
                          scale_fns: tuple[Fn, Fn, bool] | None) -> Callable[[Env], tuple[Any, Any]]:
        subject = self.c(e.subject, edge_dim)
        div = 100.0 if edge_dim in (Dim.CNY, Dim.USD) else 1.0
        edges = [(float(lo) / div, lc, float(hi) / div, hc) for lo, lc, hi, hc in rows]

        def match(env: Env) -> tuple[Any, Any]:
            x = np.asarray(subject(env).lo, dtype=np.float64)
            k: Any = 1.0
            if scale_fns is not None:
                factor, cond, unless = scale_fns
                applies = np.asarray(cond(env).lo, dtype=bool)
                k = np.where(~applies if unless else applies, factor(env).lo, 1.0)
            n = env.batch.n
            matched = np.full(n, -1, dtype=np.int64)
            for i in range(len(edges) - 1, -1, -1):
                lo, lc, hi, hc = edges[i]
                lo_k, hi_k = lo * k, hi * k
                m = (x >= lo_k if lc else x > lo_k) & (x <= hi_k if hc else x < hi_k)
                matched[np.broadcast_to(m, (n,))] = i
            return matched, k
        return match


def _edge(x: A.Expr, none: float, money: bool) -> Num:
    if isinstance(x, A.Quantity):
        return Fraction(x.base_value) * (100 if money else 1)
    return none  # ∞ (the checker allows only figures and ∞ as edges)


def _holds(x: Lin, row: tuple[Num, bool, Num, bool], k: Fraction) -> Any:
    lo, lc, hi, hc = row
    m: Any = True
    if _finite(lo):
        m = cmp_lin(sub(x, const(lo * k)), ">=" if lc else ">")
    if _finite(hi):
        m = and_(m, cmp_lin(sub(x, const(hi * k)), "<=" if hc else "<"))
    return m


def _ladder(rows: list[tuple[Num, bool, Num, bool]]) -> bool:
    """Whether the rows climb one ladder: each row's upper edge is the next row's lower edge, closed on
    exactly one side of it, the edges rising; only the first row may start at -∞.  Then the row holding
    x is the number of lower edges x passes, less one (a row's upper edge is failing the next lower)."""
    if not rows or len(rows) > 100:
        return False
    for (lo, _, hi, hc), (nlo, nlc, _, _) in zip(rows, rows[1:], strict=False):
        if not (_finite(hi) and _finite(nlo) and hi == nlo and hc != nlc and (not _finite(lo) or lo < hi)):
            return False
    return all(_finite(r[0]) for r in rows[1:])


def _climb(x: Lin, rows: list[tuple[Num, bool, Num, bool]], holds: Callable[[Any], Any], n: int) -> Any:
    """The first row holding x, -1 for none, for rows that climb one ladder (_ladder): each lower edge
    is compared once, and the count of edges passed is the row."""
    count: Any = None
    base = -1
    for lo, lc, _, _ in rows:
        passed = holds((lo, lc, math.inf, False))
        if passed is True or (not isinstance(passed, np.ndarray) and passed):
            base += 1
        elif isinstance(passed, np.ndarray):
            p = as_rows(passed, n)
            count = p.astype(np.int8) if count is None else np.add(count, p, out=count)
    matched = np.full(n, base, dtype=np.int8) if count is None else np.add(count, base, out=count)
    top = rows[-1]
    if _finite(top[2]):  # past the last row's upper edge: no row holds
        within = as_rows(holds((-math.inf, False, top[2], top[3])), n)
        matched[(matched == len(rows) - 1) & ~within] = -1
    return matched
