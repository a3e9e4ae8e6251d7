"""`pick` tables and per-unit amounts in the compiler.

A pick table's rows are (condition -> value); of the rows whose condition holds and whose value is
present, the `highest` value, the `lowest`, the `first` listed or the `most_specific` (the most
`and`-ed parts; the first listed among equals) is taken; `otherwise` where none holds, else the
value is absent (the clause does not fire).  Ranges of discretion in rows are taken end by end, as
max and min take them.  The selection is vectorised: one comparison per row over the batch.

In the exact money path a pick is a monotone selection like `if` and `max`: rounding commutes with
it, so each row's money value is rounded exactly and the selection picks among the rounded values;
a picked rate times an amount (`pick {…} of cny(fdi_arrived)`) is each row's fixed rate times the
amount, rounded exactly, then selected.

A per-unit amount (`30元/平方米 * rent_area`, `2000元/人 * new_jobs`) multiplies a fixed figure by a
count or area column, which holds float64 in the base unit (亩 for area), not whole fen: the
product is computed in float64 in the figure's own unit (the column divided by the unit's size in
亩, rounded to a millionth of the unit: 1234平方米 is 1.851亩 and back 1234.0000000000002平方米, then
1234 again; then times the figure) and rounded to the fen by `fen_of` at the end of the clause.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from compare.engine.exact import Lin, Term, round_lin, scale
from compare.engine.money import LinFn, MoneyCompiler
from compare.engine.values import INF, Env, Fn, Val, and_, exact
from dsl import ast as A
from dsl.units import SCALES, UNITS, Dim
from dsl.walk import conjuncts

Chooser = Callable[[Env, list[Val]], tuple[Any, Any]]


class PickCompiler(MoneyCompiler):
    def convert(self, fn: Fn, src: Dim | None, dst: Dim | None) -> Fn:
        raise NotImplementedError  # compare.engine.compile

    def pick(self, e: A.Pick, want: Dim | None, rounded: bool = False) -> Fn:
        d = self.eff(e, want)
        values = [self.rounded(r.value, d) if rounded else self.c(r.value, d) for r in e.rows]
        choose = self.chooser(e)

        def pick(env: Env) -> Val:
            vals = [v(env) for v in values]
            lo_idx, hi_idx = choose(env, vals)
            lo, lo_present = _gather(vals, lo_idx, "lo")
            if hi_idx is lo_idx and all(v.exact for v in vals):
                return Val(lo, lo, lo_present)
            hi, _ = _gather(vals, hi_idx, "hi")
            return Val(lo, hi, lo_present)
        return pick

    def chooser(self, e: A.Pick) -> Chooser:
        """(env, the rows' values) -> per project the row giving the low end and the row giving the
        high end (the same array for first and most_specific), -1 where none holds."""
        rows = e.rows
        conds = [self.c(r.cond) if r.cond is not None else None for r in rows]
        otherwise = len(rows) - 1 if rows and rows[-1].cond is None else None
        ranked = [i for i in range(len(rows)) if conds[i] is not None]
        if e.rule == "most_specific":  # the most and-ed parts first; the order listed among equals
            ranked.sort(key=lambda i: -len(conjuncts(rows[i].cond)))  # type: ignore[arg-type]
        rule, node_id = e.rule, id(e)

        def choose(env: Env, vals: list[Val]) -> tuple[Any, Any]:
            n = env.batch.n
            holds = {i: _column(and_(conds[i](env).lo, vals[i].present), n, bool)  # type: ignore[misc]
                     for i in ranked}
            fixed = rule in ("highest", "lowest") and all(v.exact and np.ndim(v.lo) == 0 for v in vals)
            if rule in ("first", "most_specific") or fixed:
                order = ranked
                if fixed:  # fixed figures (the usual table): the greatest (least) that holds, the first among equals
                    sign = -1.0 if rule == "highest" else 1.0
                    order = sorted(ranked, key=lambda i: (sign * float(vals[i].lo), ranked.index(i)))
                lo_idx = np.full(n, -1, dtype=np.int64)
                for i in reversed(order):  # last to first: the first that holds wins
                    lo_idx[holds[i]] = i
                hi_idx = lo_idx
            else:
                lo_idx = _best(ranked, holds, vals, "lo", rule == "highest", n)
                hi_idx = lo_idx if all(v.exact for v in vals) else \
                    _best(ranked, holds, vals, "hi", rule == "highest", n)
            if otherwise is not None:
                take = (lo_idx < 0) & _column(vals[otherwise].present, n, bool)
                if take.any():
                    same = hi_idx is lo_idx
                    lo_idx = np.where(take, otherwise, lo_idx)
                    hi_idx = lo_idx if same else np.where(take, otherwise, hi_idx)
            if env.trace is not None:
                env.trace[node_id] = int(hi_idx[0])
            return lo_idx, hi_idx
        return choose

    def pick_times(self, e: A.Pick, xf: LinFn) -> Fn | None:
        """A picked fixed rate times an amount, rounded exactly: every row's rate times the amount
        rounded to the fen, then the row chosen per project (by the rates' exact order); None where a
        row's value is not a fixed figure."""
        ends: list[tuple[Fraction, Fraction]] = []
        for r in e.rows:
            s = self.static(r.value)
            if s is None or not all(isinstance(x, Fraction) for x in s):
                return None
            ends.append((Fraction(s[0]), Fraction(s[1])))
        order = sorted({x for pair in ends for x in pair})
        rank = [Val(float(order.index(a)), float(order.index(b))) if a != b else exact(float(order.index(a)))
                for a, b in ends]  # compared by rank: the exact order of the rates, not their doubles
        choose = self.chooser(e)
        fixed = all(a == b for a, b in ends)  # no row is a range: one candidate product per row

        def times(env: Env) -> Val:
            lo, hi = xf(env)
            lo_idx, hi_idx = choose(env, rank)
            xs = [lo] if hi is lo else [lo, hi]
            sides = ((lo_idx, 0),) if fixed else ((lo_idx, 0), (hi_idx, 1))
            # per project: the chosen row's rate (each end) times each end of the amount, rounded exactly
            # on the projects that chose that row only
            picked = [_rounded_products(x, ends, end, idx) for idx, end in sides for x in xs]
            present = and_(and_(lo.present, hi.present), lo_idx >= 0)
            if len(picked) == 1:
                return Val(picked[0], picked[0], present)
            return Val(np.minimum.reduce(picked), np.maximum.reduce(picked), present)
        return times

    # ------------------------------------------------------------------ per-unit amounts
    def per_unit(self, e: A.Binary, want: Dim | None) -> Fn | None:
        """`30元/平方米 * rent_area` (or `of`): the figure times the column in the figure's own unit,
        in float64 (see the module's docstring); None where neither side is a per-unit figure."""
        if e.op not in ("*", "of"):
            return None
        for q, x_e in ((e.left, e.right), (e.right, e.left)):
            if isinstance(q, A.Quantity) and q.per is not None:
                figure = float(q.number * SCALES[q.scale] * UNITS[q.unit].factor)
                size = float(UNITS[q.per].factor)  # base units (亩, 人) in one unit it is paid per
                product = _per_unit_product(self.c(x_e), figure, size)
                return self.convert(product, q.dim, want) if want in (Dim.CNY, Dim.USD) else product
        return None


def _rounded_products(x: Lin, ends: list[tuple[Fraction, Fraction]], end: int, idx: Any) -> Any:
    """Per project, row idx's rate (its `end`) times x rounded to the fen exactly (0 where idx is -1)."""
    out = np.zeros(idx.shape[0])
    for i, k in enumerate(ends):
        rows = np.flatnonzero(idx == i)
        if rows.size:
            out[rows] = round_lin(scale(_take(x, rows), k[end]))
    return out


def _take(a: Lin, rows: Any) -> Lin:
    """The Lin on the projects `rows` only (each column's bound stays a bound)."""
    if not a.terms:
        return a
    terms = tuple(Term(t.col[rows], None if t.usd is None else np.asarray(t.usd)[rows], t.k, None, t.bound)
                  for t in a.terms)
    return Lin(terms, a.const, a.present if a.present is True else np.asarray(a.present)[rows])


def _per_unit_product(x: Fn, figure: float, size: float) -> Fn:
    """figure × (x / size): the column in the unit the figure is paid per, times the figure.  Read back
    in 平方米 from 亩, an area is rounded to a millionth of its unit, which drops the division's noise
    (1234.0000000000002平方米 is 1234平方米 again, so a comparison of the product with a figure is
    not decided by it) and nothing a record gives."""
    def units(a: Any) -> Any:
        u = np.asarray(a, dtype=np.float64) / size
        return np.round(u, 6) if size != 1.0 else u

    def product(env: Env) -> Val:
        v = x(env)
        with np.errstate(invalid="ignore"):  # 0 × ∞ (a promise of nothing) is 0
            lo = np.nan_to_num(units(v.lo) * figure, nan=0.0, posinf=INF)
            if v.exact:
                return Val(lo, lo, v.present)
            hi = np.nan_to_num(units(v.hi) * figure, nan=0.0, posinf=INF)
        return Val(np.minimum(lo, hi), np.maximum(lo, hi), v.present)
    return product


def _column(x: Any, n: int, dtype: type) -> Any:
    return np.broadcast_to(np.asarray(x, dtype=dtype), (n,))


def _best(ranked: list[int], holds: dict[int, Any], vals: list[Val], end: str, highest: bool, n: int) -> Any:
    """Per project the row with the greatest (least) `end` among those that hold; the first among equals."""
    idx = np.full(n, -1, dtype=np.int64)
    best = np.full(n, -INF if highest else INF)
    for i in ranked:
        x = _column(getattr(vals[i], end), n, np.float64)
        better = holds[i] & ((x > best) if highest else (x < best))
        idx[better] = i
        best = np.where(better, x, best)
    return idx


def _gather(vals: list[Val], idx: Any, end: str) -> tuple[Any, Any]:
    """The `end` of the value of row idx per project (0 and absent where idx is -1)."""
    n = idx.shape[0]
    ends = [getattr(v, end) for v in vals]
    if all(np.ndim(x) == 0 for x in ends):  # fixed figures per row (the usual case): one gather
        table = np.array([float(x) for x in ends] + [0.0])
        out = table[idx]
    else:
        out = np.zeros(n)
        for i, x in enumerate(ends):
            out = np.where(idx == i, x, out)
    present = idx >= 0
    if any(v.present is not True for v in vals):
        for i, v in enumerate(vals):
            if v.present is not True:
                present = present & ((idx != i) | _column(v.present, n, bool))
    return out, present
