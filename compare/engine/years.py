"""A project's years: the single-year evaluator run year by year, and the time statements between them.

`evaluate_years` runs `CompiledPolicy.run` on each calendar year's active projects (ids in file
order), with the columns `year`, `year_of_life` and, for every field some expression reads as
`cumulative(x)`, the sum of x over the project's years so far (compare.engine.compile reads them).
Then, per clause with time statements over years (`Timing.over_years`), per project in year order and
vectorised over projects (docs/years.md):

1. a = the single-year amount (money in whole fen; an interval [lo, hi]);
2. `once`: 0 where the clause gave an amount (> 0) in an earlier year;
3. `schedule f1, f2, …`: a × f[year of life] rounded to the fen (0 after the last factor);
4. `cumulative cap C [within N年]`: 0 after year N of life, else min(a, C − awarded so far);
5. `installments s1, s2, …`: the year's award paid s1 this year, s2 next year …, each share rounded
   to the fen; shares after the project's last year are `due_later`, not in the totals;
6. `clawback when K [within N年]`: in the first year of life (<= N) that K holds, the clause's outcome
   is minus all it paid the project in earlier years; nothing this year, nothing after.

The adjusted amounts replace the clause's result in the year's run before its concepts are added up,
so splits, payers and beneficiaries follow.  A clause that reads another clause's value reads its
single-year amount (the time statements apply to what a clause pays, not to what it is worth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from compare.engine.evaluate import CompiledClause, CompiledPolicy, Outcomes
from compare.engine.exact import Lin, Term, round_lin
from compare.engine.project_years import ProjectYears
from compare.engine.values import Arr, Env, Fn, Val, Yuan, fen_of
from compare.engine.year_inputs import cumulative_column, cumulative_fields, year_batches
from compare.engine.year_outcomes import scatter, total
from dsl import ast as A
from dsl.units import Dim

Ends = tuple[Arr, Arr]


@dataclass
class YearOutcomes:
    """A policy's outcomes for projects over years: each year (every project; inactive: not eligible)
    and in total (the years added up).  `due_later`: per concept, instalments that fall after a
    project's last year (yuan, or the concept's unit), not in the totals.  `steps` (with `trace`):
    per year and clause, how the time statements changed the clause's amount."""

    policy: str
    city: str
    ids: list[str]
    years: list[int]
    by_year: dict[int, Outcomes]
    total: Outcomes
    due_later: dict[str, tuple[np.ndarray, np.ndarray]]
    steps: dict[int, dict[str, list[Step]]] | None = None


@dataclass
class Step:
    """One time rule applied to one clause in one year, over every project of the year (full length):
    the amount before and after it (whole fen for money) and the figures it used."""

    rule: str  # single, once, schedule, cumulative cap, installments, clawback
    lo: Arr
    hi: Arr
    changed: Arr  # where the rule changed the amount
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Rules:
    """One clause's time statements, compiled: exact factors, the cap's value and the clawback's test."""

    cc: CompiledClause
    once: bool
    schedule: tuple[Fraction, ...] | None
    schedule_fns: tuple[Fn, ...] | None  # factors that depend on the project (float, then rounded)
    cap: Fn | None
    cap_years: int | None
    installments: tuple[Fraction, ...] | None
    clawback: Fn | None
    clawback_years: int | None


class _State:
    """What one clause has done so far, per project (full length)."""

    def __init__(self, n: int, shares: int):
        z = lambda: np.zeros(n)  # noqa: E731
        self.gave_lo, self.gave_hi = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        self.awarded = (z(), z())  # what the cumulative cap let through
        self.due: list[Ends] = [(z(), z()) for _ in range(shares)]  # instalments due in 0, 1, … years
        self.due_later = (z(), z())
        self.paid = (z(), z())  # what the clause paid, for a clawback
        self.clawed = np.zeros(n, dtype=bool)


def evaluate_years(cp: CompiledPolicy, py: ProjectYears, fx: Any, readings: dict[str, str] | None = None,
                   trace: bool = False, peers: dict[int, tuple[Env, int]] | None = None) -> YearOutcomes:
    """The policy over the projects' years (see the module's docstring).  `trace`: keep each rule's
    step per year and clause (`YearOutcomes.steps`, for compare.engine.explain_years).  `peers`: per
    year, a run over that year's projects and the row of `py`'s one project in it, whose share of a
    clause shared across the year's projects it takes (compare.engine.portfolio; explain)."""
    if not py.years:
        raise ValueError("the projects have no year to evaluate")
    rules = {cid: _compile_rules(cp, cc) for cid, cc in cp.clauses.items()
             if cc.clause.timing is not None and cc.clause.timing.over_years and cc.dim != Dim.BOOL}
    n = py.n
    states = {cid: _State(n, len(r.installments or ())) for cid, r in rules.items()}
    by_year: dict[int, Outcomes] = {}
    steps: dict[int, dict[str, list[Step]]] | None = {} if trace else None
    last = _last_years(py)
    for y, batch, idx in year_batches(cp, py):
        env = cp.run(batch, fx, readings, peers=(peers or {}).get(y))
        yol = y - py.landing + 1
        yol = yol if idx is None else yol[idx]
        ends_here = last <= y  # a project's last year: instalments still due go to `due_later`
        year_steps: dict[str, list[Step]] = {}
        for cid, r in rules.items():
            _apply(r, states[cid], env, idx, yol, ends_here if idx is None else ends_here[idx], n,
                   year_steps if trace else None)
        if steps is not None:
            steps[y] = year_steps
        out = cp.outcomes(env)
        by_year[y] = out if idx is None else scatter(out, idx, n, py.ids)
    due_later: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for cid, st in states.items():
        concept = rules[cid].cc.clause.concept
        if concept is None or not rules[cid].installments:
            continue
        money = rules[cid].cc.is_money
        lo, hi = (x / 100.0 if money else x for x in st.due_later)
        prev = due_later.get(concept.dotted)
        due_later[concept.dotted] = (lo, hi) if prev is None else (prev[0] + lo, prev[1] + hi)
    return YearOutcomes(cp.policy.id, cp.policy.city, list(py.ids), list(py.years), by_year,
                        total(cp, by_year, py.ids), due_later, steps)


# ---------------------------------------------------------------------- the rules


def _years_of(q: A.Quantity | None) -> int | None:
    """`within 3年` -> 3 (years of life 1 … 3)."""
    if q is None:
        return None
    months = Fraction(q.base_value) if q.dim == Dim.MONTHS else Fraction(q.base_value) * 12
    return math.floor(months / 12)


def _compile_rules(cp: CompiledPolicy, cc: CompiledClause) -> _Rules:
    t = cc.clause.timing
    assert t is not None
    comp = cp.compiler
    view = cc.dim if cc.is_money else None
    static: tuple[Fraction, ...] | None = None
    fns: tuple[Fn, ...] | None = None
    if t.schedule is not None:
        points = [comp.point(f) for f in t.schedule.factors]
        if all(p is not None for p in points):
            static = tuple(p for p in points if p is not None)
        else:
            fns = tuple(comp.c(f) for f in t.schedule.factors)
    cap = None
    if t.cumulative_cap is not None:
        e = t.cumulative_cap.amount
        cap = comp.rounded(e, view) if cc.is_money else comp.c(e, view)
    shares = None
    if t.installments is not None:
        got = [comp.point(s) for s in t.installments.shares]
        if any(s is None or s < 0 for s in got):
            raise ValueError(f"clause `{cc.id}`: the shares of `installments` are fixed figures")
        shares = tuple(s for s in got if s is not None)
    claw = comp.c(t.clawback.when) if t.clawback is not None else None
    return _Rules(cc, t.once is not None, static, fns, cap,
                  _years_of(t.cumulative_cap.within) if t.cumulative_cap else None, shares, claw,
                  _years_of(t.clawback.within) if t.clawback else None)


def _apply(r: _Rules, st: _State, env: Env, idx: Arr | None, yol: Arr, last: Arr, n: int,
           steps: dict[str, list[Step]] | None) -> None:
    """The clause's time statements on this year's run (rows: the year's active projects; `idx` their
    rows in the full length, None: all)."""
    cc = r.cc
    cid, money = cc.id, cc.is_money
    v = env.fen[cid] if money else env.results[cid]
    m = env.batch.n
    fired = np.broadcast_to(np.asarray(env.fired[cid], dtype=bool), (m,))
    lo = np.broadcast_to(np.asarray(v.lo, dtype=np.float64), (m,))
    hi = lo if v.hi is v.lo else np.broadcast_to(np.asarray(v.hi, dtype=np.float64), (m,))
    at = (lambda a: a.copy()) if idx is None else (lambda a: a[idx])  # noqa: E731 - never a view of the state
    log: list[Step] | None = [] if steps is not None else None

    def note(rule: str, new: Ends, old: Ends, **info: Any) -> None:
        if log is not None:
            changed = (new[0] != old[0]) | (new[1] != old[1])
            log.append(Step(rule, _full(new[0], idx, n), _full(new[1], idx, n), _full(changed, idx, n),
                            {k: _full(np.broadcast_to(x, (m,)), idx, n) for k, x in info.items()}))

    note("single", (lo, hi), (lo, hi))
    if r.once:
        before_lo, before_hi = at(st.gave_lo), at(st.gave_hi)
        new = (np.where(before_hi, 0.0, lo), np.where(before_lo, 0.0, hi))
        note("once", new, (lo, hi), given_before=before_lo | before_hi)
        lo, hi = new
        _put(st.gave_lo, idx, before_lo | (lo > 0))
        _put(st.gave_hi, idx, before_hi | (hi > 0))
    if r.schedule is not None or r.schedule_fns is not None:
        new = _scheduled(r, env, lo, hi, yol, money)
        note("schedule", new, (lo, hi), year_of_life=yol)
        lo, hi = new
    if r.cap is not None:
        c = r.cap(env)
        c_lo = np.broadcast_to(np.asarray(c.lo, dtype=np.float64), (m,))
        c_hi = np.broadcast_to(np.asarray(c.hi, dtype=np.float64), (m,))
        so_lo, so_hi = at(st.awarded[0]), at(st.awarded[1])
        inside = yol <= r.cap_years if r.cap_years is not None else np.ones(m, dtype=bool)
        new_lo = np.where(inside, np.minimum(lo, np.maximum(0.0, c_lo - so_hi)), 0.0)
        new_hi = np.where(inside, np.minimum(hi, np.maximum(0.0, c_hi - so_lo)), 0.0)
        note("cumulative cap", (new_lo, new_hi), (lo, hi), cap=c_lo, cap_hi=c_hi, awarded_lo=so_lo,
             awarded_hi=so_hi, inside=inside)
        lo, hi = new_lo, new_hi
        _put(st.awarded[0], idx, so_lo + lo)
        _put(st.awarded[1], idx, so_hi + hi)
    if r.installments:
        old = (lo, hi)
        for k, s in enumerate(r.installments):
            dlo, dhi = st.due[k]
            _put(dlo, idx, at(dlo) + _times(lo, s, money))
            _put(dhi, idx, at(dhi) + (_times(hi, s, money) if hi is not lo else _times(lo, s, money)))
        lo, hi = at(st.due[0][0]).copy(), at(st.due[0][1]).copy()
        # shift the queue: next year's instalments come first; a project's last year sends the rest to later
        for k in range(len(st.due) - 1):
            _put(st.due[k][0], idx, at(st.due[k + 1][0]))
            _put(st.due[k][1], idx, at(st.due[k + 1][1]))
        _put(st.due[-1][0], idx, 0.0)
        _put(st.due[-1][1], idx, 0.0)
        rest = [at(st.due_later[j]) + np.where(last, sum(at(st.due[k][j]) for k in range(len(st.due))), 0.0)
                for j in (0, 1)]
        for j in (0, 1):
            _put(st.due_later[j], idx, rest[j])
            for k in range(len(st.due)):
                _put(st.due[k][j], idx, np.where(last, 0.0, at(st.due[k][j])))
        note("installments", (lo, hi), old, awarded_lo=old[0], awarded_hi=old[1],
             due_later_lo=at(st.due_later[0]), due_later_hi=at(st.due_later[1]))
    clawed_now = np.zeros(m, dtype=bool)
    if r.clawback is not None:
        old = (lo, hi)
        done = at(st.clawed)
        holds = np.broadcast_to(np.asarray(r.clawback(env).lo, dtype=bool), (m,))
        if r.clawback_years is not None:
            holds = holds & (yol <= r.clawback_years)
        clawed_now = holds & ~done
        paid_lo, paid_hi = at(st.paid[0]), at(st.paid[1])
        lo = np.where(done, 0.0, np.where(clawed_now, -paid_hi, lo))
        hi = np.where(done, 0.0, np.where(clawed_now, -paid_lo, hi))
        _put(st.paid[0], idx, paid_lo + np.where(clawed_now | done, 0.0, old[0]))
        _put(st.paid[1], idx, paid_hi + np.where(clawed_now | done, 0.0, old[1]))
        _put(st.clawed, idx, done | clawed_now)
        if st.due:  # nothing after a clawback: instalments still due are not paid
            for k in range(len(st.due)):
                for j in (0, 1):
                    _put(st.due[k][j], idx, np.where(clawed_now | done, 0.0, at(st.due[k][j])))
            for j in (0, 1):
                _put(st.due_later[j], idx, np.where(clawed_now | done, 0.0, at(st.due_later[j])))
        note("clawback", (lo, hi), old, clawed=clawed_now, paid_lo=paid_lo, paid_hi=paid_hi, clawed_before=done)
    fired = fired | (lo != 0) | (hi != 0)  # an instalment or a clawback in a year the clause did not fire
    exact_now = bool(np.array_equal(lo, hi))
    val = Val(lo, lo if exact_now else hi, fired)
    if money:
        env.fen[cid] = val
        env.results[cid] = Yuan(val)
    else:
        env.results[cid] = val
    env.fired[cid] = fired
    if steps is not None and log is not None:
        steps[cid] = log


def _scheduled(r: _Rules, env: Env, lo: Arr, hi: Arr, yol: Arr, money: bool) -> Ends:
    """a × the factor of the year of life (0 before year 1 and after the last factor)."""
    out_lo, out_hi = np.zeros_like(lo), np.zeros_like(hi)
    count = len(r.schedule) if r.schedule is not None else len(r.schedule_fns or ())
    for k in range(count):
        rows = yol == k + 1
        if not rows.any():
            continue
        if r.schedule is not None:
            f = r.schedule[k]
            a, b = _times(lo, f, money), (_times(hi, f, money) if hi is not lo else None)
        else:
            assert r.schedule_fns is not None
            fv = r.schedule_fns[k](env)
            fk = np.broadcast_to(np.asarray(fv.lo, dtype=np.float64), lo.shape)
            a = _fen_round(lo * fk) if money else lo * fk
            b = (_fen_round(hi * fk) if money else hi * fk) if hi is not lo else None
        out_lo = np.where(rows, a, out_lo)
        out_hi = np.where(rows, a if b is None else b, out_hi)
    return out_lo, out_hi


def _times(col: Arr, k: Fraction, money: bool) -> Arr:
    """k × an amount; money in whole fen, rounded half away from zero, exactly."""
    col = np.asarray(col, dtype=np.float64)
    if not money:
        return col * float(k)
    if k == 0:
        return np.zeros_like(col)
    finite = np.isfinite(col)
    if not finite.all():  # an unbounded end stays unbounded (k > 0)
        return np.where(finite, _times(np.where(finite, col, 0.0), k, money), col * float(k))
    return np.asarray(round_lin(Lin((Term(np.atleast_1d(col), None, (k, k)),))), dtype=np.float64)


def _fen_round(x: Arr) -> Arr:
    return np.asarray(fen_of(x / 100.0), dtype=np.float64)


def _put(target: Arr, idx: Arr | None, value: Any) -> None:
    if idx is None:
        target[...] = value
    else:
        target[idx] = value


def _full(a: Arr, idx: Arr | None, n: int) -> Arr:
    a = np.asarray(a)
    if idx is None:
        return np.array(a, copy=True)
    out = np.zeros(n, dtype=a.dtype)
    out[idx] = a
    return out


def _last_years(py: ProjectYears) -> Arr:
    """Per project, the last year it has a row."""
    last = np.full(py.n, min(py.years) - 1 if py.years else 0, dtype=np.int64)
    for y in py.years:
        last = np.where(np.asarray(py.active[y], dtype=bool), y, last)
    return last


__all__ = ["Step", "YearOutcomes", "cumulative_column", "cumulative_fields", "evaluate_years", "year_batches"]
