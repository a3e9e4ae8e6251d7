"""A clause's amount shared with the other projects of the same year: a number of winners
(`winners N [by K]`, 每年评选不超过20个项目) and a budget shared in proportion to the values
(`budget B`, 奖金总额98万元，按得分分配).

CompiledPolicy.run applies a clause's `Sharing` right after the clause's own value, over the batch it
runs (the year runner gives it the projects active that year), so a clause that reads this one reads
its share.  The rules (docs/years.md, "Across a year's projects"):
- winners: among the projects where the clause fired, the N highest by K (default: the clause's
  amount; an interval by its high end, then its low end; a project without a value of K last); a tie
  at the boundary is broken by the order in the file, and said; the others get 0 (the clause fired
  for them: state zero, "not among the N winners");
- budget: the values are weights w_i >= 0 (a negative one counts as 0); each project gets
  B × w_i / Σw, rounded down to the fen, exactly (whole numbers: Python integers where int64 could
  overflow); the fen left over are not paid, and said; Σw = 0: nothing.  With intervals,
  lo_i = B_lo·lo_i/(lo_i + Σ_{j≠i} hi_j) and hi_i = B_hi·hi_i/(hi_i + Σ_{j≠i} lo_j);
- a batch of one project: `budget` gives [0, B] (alone, up to the whole budget), `winners` keeps
  the amount (one candidate);
- winners first, then budget.
The weights are read to the smallest number of decimals (up to 9) that holds them all exactly."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from compare.engine.compile import Compiler
from compare.engine.values import MONEY_DIMS, Arr, Env, Fn, Val, Yuan
from dsl import ast as A
from dsl.units import Dim

INF = float("inf")
ALONE = "alone"  # `peers` that evaluates every project of a batch as if alone (variants of one project)
MAX_DECIMALS = 9  # weights are read to at most 9 decimals (scores, ratios); money weights are whole fen
INT64_SAFE = 2.0 ** 62


class SharingError(ValueError):
    """A budget or a number of winners that is not one figure for the whole batch, or not a whole
    number of winners: no share can be worked out.  The checker refuses such a policy (E324, E325:
    both are fixed figures), so this guards the engine's callers that compile an unchecked one."""

    def __init__(self, message: str, span: A.Span, hint: str):
        super().__init__(f"{span}: {message}; hint: {hint}")
        self.span, self.hint = span, hint


@dataclass
class Ranking:
    """`winners N [by K]` over one batch: who is ranked where, and who won."""

    count: int  # N
    by: str  # the ranking expression as written, "" for the clause's amount
    key_lo: Arr
    key_hi: Arr  # -inf where the project has no value of K (ranked last)
    rank: Arr  # 1, 2, … among the candidates; 0 where the clause did not fire
    candidates: int
    won: Arr  # bool
    tied: Arr  # bool: of the group with equal keys across the boundary (some in, some out)


@dataclass
class Pool:
    """`budget B` over one batch: the weights and the sums the shares were worked out from."""

    budget: tuple[float, float]  # B (whole fen where the clause is money)
    weight_lo: Arr  # the weights used (0 where not fired, not a winner, or negative)
    weight_hi: Arr
    total: tuple[float, float]  # Σw over the batch: (Σ lo, Σ hi); ∞ where some weight has no upper end
    unpaid: float | None  # B − Σ shares (fen): the few fen rounding down left; None where not exact
    negative: Arr  # bool: a negative weight, counted as 0
    weight_money: bool  # the weights are whole fen
    weight_unit: str = ""  # 元 or 美元 where the weights are money
    share_lo: Arr | None = None  # what each project got (whole fen where the clause is money)
    share_hi: Arr | None = None


@dataclass
class Shared:
    """What the pass did for one clause over one batch (kept in `Env.shared` for explain)."""

    clause: str
    ids: list[str]
    money: bool  # the outcome is whole fen
    dim: Dim | None  # the outcome's unit
    fired: Arr
    winners: Ranking | None = None
    pool: Pool | None = None
    row: int | None = None  # explain: the project's row in the batch (None: the batch's own row 0)
    each_alone: bool = False  # the batch's projects are variants of one project, each evaluated alone

    @property
    def alone(self) -> bool:
        return len(self.ids) == 1 or self.each_alone


@dataclass
class Sharing:
    """A clause's statements across a year's projects, compiled."""

    clause: str
    span: A.Span
    dim: Dim | None  # the outcome's unit (a budget's, for a budget clause)
    money: bool
    count: Fn | None = None
    count_span: A.Span = A.NO_SPAN
    by: Fn | None = None
    by_text: str = ""
    budget: Fn | None = None
    budget_span: A.Span = A.NO_SPAN
    weight: Fn | None = None  # a budget clause's value as a weight, in its own unit
    weight_money: bool = False
    weight_unit: str = ""

    def apply(self, env: Env, peers: tuple[Env, int] | str | None = None) -> None:
        """Shares the clause's values (env.fen / env.results) among the batch's projects, in place.
        With `peers` (a run over the whole batch and a row of it), the row's share is taken from it:
        explain runs one project, whose share depends on the others.  With `peers` ALONE, each project
        is shared as a batch of one (a competition map's grid: variants of one project, not a year's)."""
        cid = self.clause
        if isinstance(peers, tuple):
            whole, row = peers
            sl = slice(row, row + 1)
            env.fired[cid] = np.asarray(whole.fired[cid])[sl]
            if self.money:
                src = whole.fen[cid]
                lo = np.asarray(src.lo)[sl]
                env.fen[cid] = Val(lo, lo if src.exact else np.asarray(src.hi)[sl], env.fired[cid])
                env.results[cid] = Yuan(env.fen[cid])
            else:
                src = whole.results[cid]
                lo = np.asarray(src.lo)[sl]
                env.results[cid] = Val(lo, lo if src.exact else np.asarray(src.hi)[sl], env.fired[cid])
            env.shared[cid] = replace(whole.shared[cid], row=row)
            return
        n = env.batch.n
        fired = np.broadcast_to(np.asarray(env.fired[cid], dtype=bool), (n,))
        raw = env.fen[cid] if self.money else env.results[cid]
        is_bool = self.dim == Dim.BOOL
        lo = np.broadcast_to(np.asarray(raw.lo, dtype=bool if is_bool else np.float64), (n,))
        hi = lo if raw.exact else np.broadcast_to(np.asarray(raw.hi, dtype=np.float64), (n,))
        shared = Shared(cid, list(env.batch.ids), self.money, self.dim, fired, each_alone=peers == ALONE)
        if self.count is not None:
            shared.winners = self._rank(env, fired, lo, hi, shared.alone)
            won, same = shared.winners.won, hi is lo
            lo = (lo & won) if is_bool else np.where(won, lo, 0.0)
            hi = lo if same else np.where(won, hi, 0.0)
        if self.budget is not None:
            shared.pool, lo, hi = self._share(env, fired, lo, hi, shared.alone)
        if lo is not hi and np.array_equal(lo, hi):
            hi = lo  # an exact outcome keeps one array for both ends
        if self.money:
            env.fen[cid] = Val(lo, hi, fired)
            env.results[cid] = Yuan(env.fen[cid])
        else:
            env.results[cid] = Val(lo, hi, fired)
        env.shared[cid] = shared

    # ------------------------------------------------------------------ winners
    def _rank(self, env: Env, fired: Arr, lo: Arr, hi: Arr, alone: bool) -> Ranking:
        n = env.batch.n
        count = self._count(env, fired)
        if self.by is None:
            key_lo = np.asarray(lo, dtype=np.float64)
            key_hi = np.asarray(hi, dtype=np.float64)
        else:
            k = self.by(env)
            present = np.broadcast_to(np.asarray(k.present, dtype=bool), (n,))
            key_lo = np.broadcast_to(np.asarray(k.lo, dtype=np.float64), (n,))
            key_hi = key_lo if k.exact else np.broadcast_to(np.asarray(k.hi, dtype=np.float64), (n,))
            unknown = ~present | np.isnan(key_lo) | np.isnan(key_hi)
            key_lo = np.where(unknown, -INF, key_lo)
            key_hi = np.where(unknown, -INF, key_hi)
        if alone:  # one candidate each: it keeps its amount
            won = fired & (count >= 1)
            return Ranking(count, self.by_text, key_lo, key_hi, fired.astype(np.int64), 1, won, np.zeros(n, dtype=bool))
        idx = np.flatnonzero(fired)
        order = idx[np.lexsort((idx, -key_lo[idx], -key_hi[idx]))]  # high end, low end, then file order
        rank = np.zeros(n, dtype=np.int64)
        rank[order] = np.arange(1, order.size + 1)
        won = np.zeros(n, dtype=bool)
        won[order[:count]] = True
        tied = np.zeros(n, dtype=bool)
        if 0 < count < order.size:
            a, b = order[count - 1], order[count]
            if key_hi[a] == key_hi[b] and key_lo[a] == key_lo[b]:
                tied = fired & (key_hi == key_hi[a]) & (key_lo == key_lo[a])
        return Ranking(count, self.by_text, key_lo, key_hi, rank, int(order.size), won, tied)

    def _count(self, env: Env, fired: Arr) -> int:
        assert self.count is not None
        v = self.count(env)
        n = self._constant(v.hi, fired, "number of winners", self.count_span)
        if not (n >= 0 and n == int(n)):
            raise SharingError(f"clause `{self.clause}`: the number of winners is {n:g}, not a whole "
                               "number of projects", self.count_span, "write a count: winners 20")
        return int(n)

    def _constant(self, x: Any, fired: Arr, what: str, span: A.Span) -> float:
        """A figure that must be one for the whole batch (a budget, a number of winners)."""
        arr = np.atleast_1d(np.asarray(x, dtype=np.float64))
        if arr.size > 1:
            arr = arr[fired] if fired.any() else arr[:1]
        if arr.size and np.any(arr != arr[0]):
            raise SharingError(f"clause `{self.clause}`: the {what} differs between the projects of "
                               f"the year ({arr.min():g} to {arr.max():g}); it is one figure for them all", span,
                               "state it as a figure (or a param), not from a project's fields")
        return float(arr[0]) if arr.size else 0.0

    # ------------------------------------------------------------------ budget
    def _share(self, env: Env, fired: Arr, lo: Arr, hi: Arr, alone: bool) -> tuple[Pool, Arr, Arr]:
        assert self.budget is not None
        n = env.batch.n
        b = self.budget(env)
        b_lo = self._constant(b.lo, fired, "budget", self.budget_span)
        b_hi = b_lo if b.exact else self._constant(b.hi, fired, "budget", self.budget_span)
        lo = np.asarray(lo, dtype=np.float64)
        hi = np.asarray(hi, dtype=np.float64)
        negative = fired & (lo < 0)
        w_lo = np.where(fired, np.maximum(lo, 0.0), 0.0)
        w_hi = w_lo if hi is lo else np.where(fired, np.maximum(hi, 0.0), 0.0)
        total = (float(np.sum(w_lo)), float(np.sum(w_hi)))
        pool = Pool((b_lo, b_hi), w_lo, w_hi, total, None, negative, self.weight_money, self.weight_unit)
        if alone:  # the others of the year are not known, so anything up to the whole budget
            s_lo, s_hi = np.zeros(n), np.where(fired & (w_hi > 0), b_hi, 0.0)
        else:
            s_lo, s_hi, pool.unpaid = shares(w_lo, w_hi, b_lo, b_hi, self.money)
        pool.share_lo, pool.share_hi = s_lo, s_hi
        return pool, s_lo, s_hi


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
        return s_lo, (s_lo if exact_in else s_hi), None
    scale = _decimals(np.concatenate([w_lo, np.where(inf_hi, 0.0, w_hi)]))
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


# ---------------------------------------------------------------------- compiling


def compile_sharing(comp: Compiler, c: A.Clause) -> Sharing | None:
    """The clause's `winners` and `budget`, compiled with the policy's compiler; None where it has
    neither.  A budget clause's outcome takes the budget's unit (the concept's currency where that is
    money): comp.clause_dim is set to it, so that clauses reading this one read its share."""
    t = c.timing
    if t is None or not t.across_projects:
        return None
    dim = comp.clause_dim.get(c.id)
    sharing = Sharing(c.id, c.span, dim, dim in MONEY_DIMS)
    if t.winners is not None:
        sharing.count = comp.c(t.winners.count)
        sharing.count_span = t.winners.count.span if hasattr(t.winners.count, "span") else t.winners.span
        if t.winners.by is not None:
            from dsl.format import Generator  # here: the formatter imports the parser, which a cached run needs not

            sharing.by = comp.c(t.winners.by, _dim_of(comp, t.winners.by))
            sharing.by_text = " ".join(Generator([]).expr(t.winners.by, 0).split())
    if t.budget is not None:
        b = t.budget.amount
        unit = comp.concept_unit(c)
        own = _dim_of(comp, b)
        out = {"CNY": Dim.CNY, "USD": Dim.USD}.get(unit or "") or (Dim.CNY if own == Dim.MONEY else own)
        sharing.dim, sharing.money = out, out in MONEY_DIMS
        sharing.budget = comp.rounded(b, out) if sharing.money else comp.c(b, out)
        sharing.budget_span = getattr(b, "span", t.budget.span)
        if c.value is not None:
            vd = _dim_of(comp, c.value)
            if vd in MONEY_DIMS:
                cur = vd if vd in (Dim.CNY, Dim.USD) else (out if out in (Dim.CNY, Dim.USD) else Dim.CNY)
                sharing.weight, sharing.weight_money = comp.rounded(c.value, cur), True
                sharing.weight_unit = "美元" if cur == Dim.USD else "元"
            else:
                sharing.weight = comp.c(c.value, vd)
        comp.clause_dim[c.id] = out
    return sharing


def _dim_of(comp: Compiler, e: A.Expr) -> Dim | None:
    """An expression's unit: the checker's type, else what its figures and names say."""
    d = comp.dim(e)
    if d is not None:
        return d
    if isinstance(e, A.Quantity):
        return e.dim
    if isinstance(e, A.Name):
        if comp.is_field(e):
            return comp.field_dim(e.dotted)
        if e.dotted in comp.p.clauses:
            return comp.clause_dim.get(e.dotted)
        if e.dotted in comp.p.params:
            v = comp.p.params[e.dotted].value
            return _dim_of(comp, v.committed if isinstance(v, A.Target) else v)
    if isinstance(e, A.Unary):
        return _dim_of(comp, e.operand)
    if isinstance(e, A.Range):
        return _dim_of(comp, e.low)
    if isinstance(e, A.Binary) and e.op in ("+", "-", "cap", "floor"):
        return _dim_of(comp, e.left)
    return None


def across(clauses: dict[str, Any]) -> list[str]:
    """The ids of a compiled policy's clauses (CompiledPolicy.clauses) shared across a year's projects:
    a batch evaluated with them is a year's projects, never a part of them."""
    return [cid for cid, cc in clauses.items() if getattr(cc, "sharing", None) is not None]
