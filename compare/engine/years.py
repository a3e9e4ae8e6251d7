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
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from compare.engine.batch import USD, ProjectBatch
from compare.engine.beneficiary import NOBODY, Choice
from compare.engine.evaluate import CompiledClause, CompiledPolicy, Outcomes
from compare.engine.exact import Lin, Term, round_lin
from compare.engine.project_years import ProjectYears
from compare.engine.values import Arr, Env, Fn, Val, Yuan
from dsl import ast as A
from dsl.units import Dim
from dsl.walk import walk

Ends = tuple[Arr, Arr]


def cumulative_column(name: str) -> str:
    """The column the year runner fills with a field's sum over the project's years so far; a money
    field has two, the amounts given in yuan and in US dollars (`…#cny`, `…#usd`), so the sum stays
    exact whatever the currencies of its years."""
    return f"cumulative({name})"


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
                   trace: bool = False) -> YearOutcomes:
    """The policy over the projects' years (see the module's docstring)."""
    rules = {cid: _compile_rules(cp, cc) for cid, cc in cp.clauses.items()
             if cc.clause.timing is not None and cc.clause.timing.over_years and cc.dim != Dim.BOOL}
    n = py.n
    states = {cid: _State(n, len(r.installments or ())) for cid, r in rules.items()}
    sums = _Sums(cp, n)
    by_year: dict[int, Outcomes] = {}
    steps: dict[int, dict[str, list[Step]]] | None = {} if trace else None
    last = _last_years(py)
    for y in py.years:
        act = np.asarray(py.active[y], dtype=bool)
        idx = None if act.all() else np.flatnonzero(act)
        batch = _year_batch(py.batches[y], y, py, sums, idx)
        env = cp.run(batch, fx, readings)
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
        by_year[y] = out if idx is None else _scatter(out, idx, n, py.ids)
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
                        _total(cp, by_year, py.ids), due_later, steps)


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
    fired = fired | (lo != 0) | (hi != 0) | clawed_now
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
    from compare.engine.values import fen_of
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


# ---------------------------------------------------------------------- the year's batch


class _Sums:
    """The running sums of the fields read as `cumulative(x)`, per project (full length)."""

    def __init__(self, cp: CompiledPolicy, n: int):
        self.fields = sorted(cumulative_fields(cp))
        record = cp.policy.record
        self.money = {f for f in self.fields if f in record.fields and record.fields[f].dim == Dim.MONEY}
        self.sums: dict[str, Arr] = {}
        for f in self.fields:
            if f in self.money:
                self.sums[f"{f}#cny"], self.sums[f"{f}#usd"] = np.zeros(n), np.zeros(n)
            else:
                self.sums[f] = np.zeros(n)

    def add(self, batch: ProjectBatch, idx: Arr | None) -> None:
        for f in self.fields:
            if f not in batch.columns:
                continue
            if f in self.money:
                fen = batch.fen(f)
                usd = np.asarray(batch.columns[f"{f}#cur"]) == USD
                for key, part in ((f"{f}#cny", np.where(usd, 0.0, fen)), (f"{f}#usd", np.where(usd, fen, 0.0))):
                    _put(self.sums[key], idx, (self.sums[key] if idx is None else self.sums[key][idx]) +
                         (part if idx is None else part[idx]))
            else:
                x = np.nan_to_num(np.asarray(batch.columns[f], dtype=np.float64))
                _put(self.sums[f], idx, (self.sums[f] if idx is None else self.sums[f][idx]) +
                     (x if idx is None else x[idx]))

    def columns(self, idx: Arr | None) -> Iterator[tuple[str, Arr]]:
        for f in self.fields:
            if f in self.money:
                for part in ("#cny", "#usd"):
                    s = self.sums[f + part]
                    yield cumulative_column(f) + part, (s if idx is None else s[idx]) / 100.0
            else:
                s = self.sums[f]
                yield cumulative_column(f), (s.copy() if idx is None else s[idx])


def cumulative_fields(cp: CompiledPolicy) -> set[str]:
    """The fields some expression of the policy reads as `cumulative(x)`."""
    out: set[str] = set()
    p = cp.policy
    for item in (*p.clauses.values(), *p.splits.values(), *p.params.values(), *p.conditions.values()):
        for x in walk(item):
            if isinstance(x, A.Call) and x.func == "cumulative" and x.args and isinstance(x.args[0], A.Name):
                out.add(x.args[0].dotted)
    return out


def _year_batch(batch: ProjectBatch, year: int, py: ProjectYears, sums: _Sums, idx: Arr | None) -> ProjectBatch:
    """The year's batch of active projects with `year`, `year_of_life` and the cumulative columns (the
    given batch is not changed)."""
    sums.add(batch, idx)
    if idx is None:
        ids, cols = list(batch.ids), dict(batch.columns)
    else:
        ids = [batch.ids[i] for i in idx]
        cols = {k: v[idx] for k, v in batch.columns.items()}
    m = len(ids)
    landing = py.landing if idx is None else py.landing[idx]
    cols["year"] = np.full(m, float(year))
    cols["year_of_life"] = (year - landing + 1).astype(np.float64)
    cols["year#given"] = cols["year_of_life#given"] = np.ones(m, dtype=bool)
    for name, col in sums.columns(idx):
        cols[name] = col
    return ProjectBatch(ids, cols, batch.record)


# ---------------------------------------------------------------------- outcomes over the years


def _scatter(out: Outcomes, idx: Arr, n: int, ids: list[str]) -> Outcomes:
    """Outcomes of the active projects -> every project (the others: not eligible, zero)."""
    def full(a: Any, fill: Any = 0) -> Arr:
        a = np.asarray(a)
        b = np.full(n, fill, dtype=a.dtype)
        b[idx] = np.broadcast_to(a, (len(idx),))
        return b

    def ends(lo: Arr, hi: Arr) -> Ends:
        f = full(lo)
        return f, f if hi is lo else full(hi)

    numeric = {k: ends(*v) for k, v in out.numeric.items()}
    payers = {k: {p: ends(*v) for p, v in d.items()} for k, d in out.payers.items()}
    bens = {k: _scatter_choice(c, idx, n) for k, c in out.beneficiaries.items()}
    return Outcomes(out.policy, out.city, list(ids), numeric, {k: full(v, False) for k, v in out.boolean.items()},
                    {k: full(v, False) for k, v in out.fired.items()},
                    {k: full(v, False) for k, v in out.eligible.items()}, bens, out.fx, out.readings,
                    record=out.record, payers=payers,
                    project_fx=None if out.project_fx is None else full(out.project_fx, np.nan))


def _scatter_choice(c: Choice, idx: Arr, n: int) -> Choice:
    names: Any = c.names
    if names is not None and not isinstance(names, str):
        full = np.full(n, None, dtype=object)
        full[idx] = names
        names = full
    which: Any = c.which if isinstance(c.which, int) else _full_int(c.which, idx, n, 0)
    rule: Any = c.rule if isinstance(c.rule, int) else _full_int(c.rule, idx, n, NOBODY)
    return Choice(c.rules, names, which, rule)


def _full_int(a: Arr, idx: Arr, n: int, fill: int) -> Arr:
    out = np.full(n, fill, dtype=np.int64)
    out[idx] = a
    return out


def _total(cp: CompiledPolicy, by_year: dict[int, Outcomes], ids: list[str]) -> Outcomes:
    """Each project's outcomes added up over the years: money summed in whole fen (exact)."""
    outs = [by_year[y] for y in sorted(by_year)]
    first = outs[0]
    n = len(ids)

    def money(concept: str) -> bool:
        d = cp.concept_dims.get(concept)
        return d is not None and d.is_money

    def add(parts: list[Ends], is_money: bool) -> Ends:
        exact = all(hi is lo for lo, hi in parts)
        k = 100.0 if is_money else 1.0
        lo = np.zeros(n)
        hi = lo if exact else np.zeros(n)
        for a, b in parts:
            lo = lo + (np.rint(a * k) if is_money else a)
            if not exact:
                hi = hi + (np.rint(b * k) if is_money else b)
        if exact:
            hi = lo
        lo = lo / k if is_money else lo
        return lo, (lo if exact else hi / k if is_money else hi)

    numeric = {c: add([o.numeric[c] for o in outs], money(c)) for c in first.numeric}
    payers = {c: {p: add([o.payers[c][p] for o in outs if p in o.payers.get(c, {})], money(c)) for p in d}
              for c, d in first.payers.items()}
    boolean = {c: np.logical_or.reduce([o.boolean[c] for o in outs]) for c in first.boolean}
    fired = {c: np.logical_or.reduce([np.broadcast_to(o.fired[c], (n,)) for o in outs]) for c in first.fired}
    eligible = {c: np.logical_or.reduce([o.eligible[c] for o in outs]) for c in first.eligible}
    last = outs[-1]
    return Outcomes(first.policy, first.city, list(ids), numeric, boolean, fired, eligible,
                    dict(last.beneficiaries), first.fx, dict(first.readings), record=first.record, payers=payers,
                    project_fx=last.project_fx)
