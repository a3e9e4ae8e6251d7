"""Semantic diff: for each outcome concept, is NEW more or less generous than OLD, for which projects,
and by how much at most?  Proved with z3 over the encoded clauses (compare.diff.encode).

For a concept, each bound of the outcome interval is compared separately — the low end with the low
end, the high end with the high end (one comparison where both values are exact figures).  A bound
"moves up" where some valid project record gets more under NEW; the verdict is *equivalent* when no
bound moves for any project (unsat: a proof over every record the schema admits), *more generous*
when bounds only move up, *less generous* when only down, *mixed* otherwise.  Each move comes with a
witness project, re-evaluated by the vectorised evaluator before it is shown (compare.diff.witness),
and the largest change of that bound: the exact maximum (proved on the exact, rounded terms: no
project beats it; z3's optimum of the unrounded relaxation only says where to start), `unbounded` (the
change outgrows anything a valid record gives rise to, as a rate of an amount with no cap) or
`promised` (one side promises with no figure where the other gives a figure or nothing).

The verdict follows from what was found (compare.diff.verdicts, which holds the results).  Products of a bounded field and an amount (a rate that moves
with the quality score) are decided by compare.diff.decide.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import z3

from compare.diff.decide import box_of, decide
from compare.diff.encode import Encoder, value_of
from compare.diff.symbolic import MAX_FEN, ZERO, Bool, Num, Project, Unsupported, X, and_, num, or_, x_cmp, x_mul
from compare.diff.timing_items import timing_note
from compare.diff.verdicts import (
    BOUND_TEXT,
    BUDGET,
    EQUIVALENT,
    LESS,
    LESS_OPEN,
    MIXED,
    MORE,
    MORE_OPEN,
    ONLY_NEW,
    ONLY_OLD,
    UNKNOWN,
    ConceptDiff,
    Extreme,
    Move,
    Region,
    SemanticDiff,
    Undecided,
    Witness,
    verdict,
)
from compare.diff.witness import (
    Finder,
    against_implied,
    evaluate,
    fill_required,
    record,
    reproduces,
    shown,
    value_labels,
)
from compare.engine.evaluate import CompiledPolicy
from compare.engine.exact import exact_rate
from compare.engine.runs import choose_rates
from dsl.check.record import run_record
from dsl.record import CORE, Record
from dsl.units import Dim

MONEY = (Dim.CNY, Dim.USD)
HUGE = MAX_FEN * 10 ** 6  # a change beyond this (in fen, or points …) is unbounded, not a figure


class Pair:
    """One concept of OLD against one of NEW, over one symbolic project."""

    def __init__(self, ctx: Context, ko: str | None, kn: str | None):
        self.ctx, self.ko, self.kn = ctx, ko, kn
        self.pr = Project(record=ctx.record)
        self.finder = Finder(self.pr, ctx.quick_ms)
        self.atoms: list[tuple[str, z3.BoolRef]] = []  # the comparisons of figures either side makes
        self.ex = [self._term(ctx.old, ko, True), self._term(ctx.new, kn, True)]
        self.rx = [self._term(ctx.old, ko, False), self._term(ctx.new, kn, False)]
        self.dims = (ctx.dims[0].get(ko) if ko else None, ctx.dims[1].get(kn) if kn else None)
        self.money = [d in MONEY for d in self.dims]
        # a USD concept against a CNY one is compared (and its changes told) in CNY
        self.to_cny = [d == Dim.USD and Dim.CNY in self.dims for d in self.dims]

    def _term(self, cp: CompiledPolicy, key: str | None, rounding: bool) -> Num | Bool | None:
        if key is None:
            return None
        enc = Encoder(cp.policy, self.pr, self.ctx.rate, self.ctx.readings, rounding)
        value = enc.concept(key) if key in enc.concepts else None
        if rounding:
            self.atoms += [a for a in enc.atoms if not any(a[1].eq(b) for _, b in self.atoms)]
        return value

    def witness(self, m: z3.ModelRef) -> Witness | None:
        rec = record(m, self.pr, always=self.ctx.defaults_differ)
        filled = fill_required(rec, self.ctx.record)
        against_implied(rec, self.pr, m, self.ctx.record)
        got: list[Any] = []
        for side, key in ((0, self.ko), (1, self.kn)):
            if key is None or self.ex[side] is None:
                got.append(None)
                continue
            cp = (self.ctx.old, self.ctx.new)[side]
            value = evaluate(cp, rec, self.ctx.fx, self.ctx.readings, key, self.ctx.record)
            want = value_of(m, self.ex[side])  # type: ignore[arg-type]
            if not reproduces(value, want, self.money[side]):
                self.ctx.unreproduced.append(f"{key} ({cp.policy.id}): solver {want}, evaluator {value} for {rec}")
                return None
            got.append(value)
        return Witness(rec, got[0], got[1], shown(rec, self.pr.record, filled, self.ctx.labels))

    def ends(self, bound: str) -> tuple[X, X, X, X]:
        """(old, new) ends of `bound`, exact then relaxed, in one currency."""
        out = []
        for terms in (self.ex, self.rx):
            for side in (0, 1):
                v = terms[side]
                assert isinstance(v, Num)
                x = v.hi if bound == "high" else v.lo
                if self.to_cny[side]:
                    x = x_mul(x, num(self.ctx.rate))
                out.append(x)
        return out[0], out[1], out[2], out[3]

    def extreme(self, bound: str, up: bool, move_witness: Witness | None) -> Extreme | None:
        o, n, ro, rn = self.ends(bound)
        big, small, rbig, rsmall = (n, o, rn, ro) if up else (o, n, ro, rn)
        scale = 100 if any(self.money) else 1
        if not (big.finite and small.finite):
            m = self.finder.find([big.inf, z3.Not(small.inf)], [rbig.inf, z3.Not(rsmall.inf)])
            if m is not None:
                w = self.witness(m)
                v = (w.new if up else w.old) if w is not None else None
                kind = "promised" if v == (0.0, float("inf")) else "unbounded"
                return Extreme(bound, kind, None, w)
        fin = [z3.Not(big.inf), z3.Not(small.inf)]
        rfin = [z3.Not(rbig.inf), z3.Not(rsmall.inf)]
        gap, rgap = big.v - small.v, rbig.v - rsmall.v
        if self.ctx.spent:
            return None
        # beyond anything a record (at most 10万亿) gives rise to
        outgrows = decide([*self.pr.domain, *fin, gap >= _real(Fraction(HUGE))], box_of(self.pr, limits=False),
                          self.ctx.ms(self.ctx.quick_ms)).result
        if outgrows == z3.sat:
            return Extreme(bound, "unbounded", None, move_witness)
        s = z3.Solver()
        s.set("timeout", self.ctx.ms(self.ctx.quick_ms))
        s.add(*self.pr.domain, *fin, *self.pr.limits)
        opt = z3.Optimize()  # the relaxation's optimum: a hint where to start (z3's optimum is not trusted)
        opt.set("timeout", self.ctx.ms(self.ctx.quick_ms))
        opt.add(*self.pr.domain, *self.pr.limits, *rfin)
        h = opt.maximize(rgap)
        hint = None
        if opt.check() == z3.sat:
            inf_coeff, value, _eps = (_frac(x) for x in h.upper_values())
            hint = value if inf_coeff == 0 else None
        best, exact = _climb(s, gap, hint, big.integral and small.integral)
        if best is None or best <= 0:
            return None
        self.finder.timeout_ms = self.ctx.ms(self.ctx.quick_ms)
        m = self.finder.find([*fin, gap >= _real(best)], [*rfin, rgap >= _real(best)])
        w = self.witness(m) if m is not None else None
        return Extreme(bound, "bounded", float(best / scale), w, exact and outgrows == z3.unsat)

    def compare(self) -> ConceptDiff:
        label = self.kn if self.ko in (self.kn, None) else self.ko if self.kn is None else f"{self.ko} → {self.kn}"
        dim = Dim.CNY if any(self.to_cny) else self.dims[1] or self.dims[0]
        out = ConceptDiff(label or "", self.ko, self.kn, dim, UNKNOWN)
        o, n = self.ex
        if o is None or n is None:
            only = n if o is None else o
            out.verdict = ONLY_NEW if o is None else ONLY_OLD
            if isinstance(only, Bool):
                m = self.finder.find([only.v], [self.rx[1 if o is None else 0].v])  # type: ignore[union-attr]
                if m is not None:
                    out.moves.append(Move("value", "up" if o is None else "down", self.witness(m)))
                return out
            assert isinstance(only, Num)
            zero = Num(ZERO, ZERO)  # the side without the concept gives nothing
            self.ex = [self.ex[0] or zero, self.ex[1] or zero]
            self.rx = [self.rx[0] or zero, self.rx[1] or zero]
            for bound in ("value",) if only.exact else ("low", "high"):
                self._move(out, bound, o is None, only=True)
            return out
        if isinstance(o, Bool) != isinstance(n, Bool):
            out.note = "one side is true/false, the other a figure: not comparable"
            return out
        if isinstance(o, Num) and isinstance(n, Num):
            dims = set(self.dims) - {None}  # None: a promise only, which fits any unit
            if len(dims) > 1 and not dims <= {Dim.CNY, Dim.USD}:
                out.note = f"different units ({', '.join(str(d and d.value) for d in dims)}): not comparable"
                return out
            bounds = ("value",) if o.exact and n.exact else ("low", "high")
        else:
            bounds = ("value",)
        for bound in bounds:
            for up in (True, False):
                self._move(out, bound, up)
        out.verdict = verdict(out)
        return out

    def _move(self, out: ConceptDiff, bound: str, up: bool, only: bool = False) -> None:
        """Find where `bound` moves up (down) — with `only`, where the one side's value is not 0 — and add
        a Move with a witness and the largest change, or an Undecided where the check gave no answer."""
        o, n = self.ex
        ro, rn = self.rx
        if isinstance(o, Bool) and isinstance(n, Bool) and isinstance(ro, Bool) and isinstance(rn, Bool):
            a, b, ra, rb = (n.v, o.v, rn.v, ro.v) if up else (o.v, n.v, ro.v, rn.v)
            cond, rcond = and_(a, z3.Not(b)), and_(ra, z3.Not(rb))
        else:
            eo, en, ro_, rn_ = self.ends(bound)
            if only:
                x, rx = (en, rn_) if up else (eo, ro_)
                cond, rcond = or_(x.inf, x_cmp("!=", x, ZERO)), or_(rx.inf, x_cmp("!=", rx, ZERO))
            else:
                op = ">" if up else "<"
                cond, rcond = x_cmp(op, en, eo), x_cmp(op, rn_, ro_)
        direction = "up" if up else "down"
        if self.ctx.spent:
            out.undecided.append(Undecided(bound, direction, 0.0, "not run"))
            return
        if self.ctx.progress is not None:
            self.ctx.progress(f"{out.concept}: does the {BOUND_TEXT[bound]} move {direction}?")
        limit = self.ctx.ms(self.ctx.timeout_ms)
        d = decide([*self.pr.domain, *self.pr.limits, cond], box_of(self.pr, limits=True), limit)
        if d.result == z3.unknown:  # stopped by the check's own limit, or by what was left of the budget
            out.undecided.append(Undecided(bound, direction, d.seconds,
                                           "timed out" if limit >= self.ctx.timeout_ms else "budget"))
            return
        if d.result == z3.unsat:
            return
        self.finder.timeout_ms = self.ctx.ms(self.ctx.quick_ms)
        m = self.finder.find([cond], [rcond])
        m = d.model if m is None else m
        w = self.witness(m) if m is not None else None
        move = Move(bound, direction, w)
        if isinstance(self.ex[0], Num):
            move.extreme = self.extreme(bound, up, w)
        out.moves.append(move)


@dataclass
class Context:
    old: CompiledPolicy
    new: CompiledPolicy
    fx: Any
    rate: Fraction
    readings: dict[str, str]
    dims: tuple[dict[str, Dim | None], dict[str, Dim | None]]
    timeout_ms: int = 10_000  # a verdict's check: "unknown" after this
    quick_ms: int = 2_000  # the searches for a plain witness, the largest change, a region's bounds
    unreproduced: list[str] = field(default_factory=list)
    deadline: float | None = None  # time.monotonic() by which the whole diff ends (None: no budget)
    progress: Callable[[str], None] | None = None  # told each check as it starts
    record: Record = CORE  # the pair's record: the core and the fields either policy declares
    defaults_differ: frozenset[str] = frozenset()  # declared by both with different defaults: witnesses give them
    labels: dict[str, str] = field(default_factory=dict)  # FIELD.VALUE -> label, from both policies

    @property
    def spent(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def ms(self, want: int) -> int:
        """A check's timeout: `want`, or what is left of the budget if less (at least 1: z3 reads 0 as none)."""
        if self.deadline is None:
            return want
        return max(1, min(want, int((self.deadline - time.monotonic()) * 1000)))


def semantic_diff(old: CompiledPolicy, new: CompiledPolicy, concepts: list[str] | None = None,
                  readings: dict[str, str] | None = None, fx: Any = None, regions: bool = False,
                  budget: float | None = BUDGET, progress: Callable[[str], None] | None = None,
                  timeout_ms: int | None = None) -> SemanticDiff:
    """Every outcome concept of OLD and NEW (or `concepts`: keys, or `OLD_KEY=NEW_KEY` to compare two
    concepts), compared over all valid projects.  `fx`: the USD→CNY rate (default: the average of the
    newer policy's year, compare.engine.runs.choose_rates), every project's (one with its own rate,
    `fx_rate`, is outside the proof); `readings`: options other than the defaults,
    for both (ValueError for a name no policy declares or an option it does not have); `regions`: also
    describe where each side is ahead (compare.diff.regions); `budget`: seconds for the whole diff (None:
    no limit), checks not run in it are named in SemanticDiff.undecided; `progress`: told each check as
    it starts; `timeout_ms`: the limit of one verdict's check (default Context.timeout_ms)."""
    started = time.monotonic()
    readings = dict(readings or {})
    for name, option in readings.items():
        declared = [p.policy.readings[name] for p in (old, new) if name in p.policy.readings]
        if not declared:
            raise ValueError(f"no policy declares a reading `{name}`")
        if not any(option in {o.id for o in r.options} for r in declared):
            raise ValueError(f"reading `{name}` has no option `{option}`")
    if fx is None:  # the newer policy's year, as a run over both would convert (compare.engine.runs)
        chosen = choose_rates([old.policy, new.policy])
        fx, note = chosen.rates[0], chosen.note
    else:
        note = f"USD→CNY {fx} (as given)"
    record, conflicts = run_record([old.policy.record, _own_origins(new.policy.record, old.policy.record)])
    if conflicts:  # one name, two meanings: no project record gives both policies what they read
        raise ValueError(conflicts[0].message)
    ctx = Context(old, new, fx, exact_rate(fx), readings, (old.concept_dims, new.concept_dims),
                  deadline=None if budget is None else started + budget, progress=progress, record=record,
                  defaults_differ=_defaults_differ(old.policy.record, new.policy.record),
                  labels=value_labels(new.policy.record, old.policy.record))
    if timeout_ms is not None:
        ctx.timeout_ms = timeout_ms
    out = SemanticDiff(old.policy.id, new.policy.id, fx, note, readings, budget=budget)
    pairs: list[tuple[str | None, str | None]] = []
    if concepts:
        for c in concepts:
            a, _, b = c.partition("=")
            b = b or a
            pairs.append((a if a in old.concept_dims else None, b if b in new.concept_dims else None))
            if pairs[-1] == (None, None):
                raise ValueError(f"neither {old.policy.id} nor {new.policy.id} has an outcome `{c}`")
    else:
        pairs = [(k if k in old.concept_dims else None, k if k in new.concept_dims else None)
                 for k in sorted({*old.concept_dims, *new.concept_dims})]
    for ko, kn in pairs:
        if ctx.spent:  # not even encoded: the concept is named, with why
            out.concepts.append(ConceptDiff(kn or ko or "", ko, kn, None, UNKNOWN,
                                            note="not checked: the time budget was spent"))
            continue
        try:
            pair = Pair(ctx, ko, kn)
            cd = pair.compare()
            if regions and cd.verdict in (MORE, LESS, MIXED):
                from compare.diff.regions import describe
                cd.regions = describe(pair, cd)
        except Unsupported as e:
            cd = ConceptDiff(kn or ko or "", ko, kn, None, UNKNOWN, note=f"not encoded: {e}")
        if cd.undecided:
            cd.note = "; ".join([cd.note] * bool(cd.note) + [u.text for u in cd.undecided])
        timed = timing_note((old.policy, new.policy), (ko, kn))
        if timed:  # said, not taken for equal
            cd.note = "; ".join([cd.note] * bool(cd.note) + [timed])
        out.concepts.append(cd)
    out.unreproduced = ctx.unreproduced
    out.seconds = time.monotonic() - started
    return out


def _own_origins(new: Record, old: Record) -> Record:
    """NEW's record with each declaration that OLD's has from the same origin (a policy revised under its
    own id) told apart, so that the pair's record reads both: merging keeps one declaration per field
    and origin, and would drop NEW's changed values or type unseen."""
    shared = {n: d for n, d in new.declared.items() if n in old.declared and old.declared[n].origin == d.origin
              and old.declared[n] != d}
    if not shared:
        return new
    declared = {**new.declared, **{n: replace(d, origin=f"{d.origin} (NEW)") for n, d in shared.items()}}
    return replace(new, declared=MappingProxyType(declared))


def _defaults_differ(a: Record, b: Record) -> frozenset[str]:
    """Fields both records have whose defaults differ (a revision that changes `default ordinary` to
    `default key_area`): a witness that left one out would read differently under each policy."""
    return frozenset(n for n in a.fields if n in b.fields and a.fields[n].default != b.fields[n].default)


def _climb(s: z3.Solver, gap: z3.ArithRef, hint: Fraction | None, integral: bool) -> tuple[Fraction | None, bool]:
    """The greatest value of `gap` under the solver's assertions, and whether it is proved (no project
    beats it): from a project at the hint (or any with a positive gap), galloping up in whole units
    while the solver finds better ones (a whole number of fen or points), else by strict increases."""
    def at_least(x: Fraction, strict: bool = False) -> tuple[z3.CheckSatResult, Fraction | None]:
        s.push()
        s.add(gap > _real(x) if strict else gap >= _real(x))
        r = s.check()
        value = _frac(s.model().eval(gap, model_completion=True)) if r == z3.sat else None
        s.pop()
        return r, value

    best: Fraction | None = None
    if hint is not None and hint > 0:
        best = at_least(hint)[1]
    if best is None:
        r, best = at_least(Fraction(0), strict=True)
        if best is None:
            return None, r == z3.unsat
    step = 1
    for _ in range(200):
        r, value = at_least(best + step) if integral and step >= 1 else at_least(best, strict=True)
        if value is not None:
            best, step = value, step * 2
        elif r != z3.unsat:
            return best, False
        elif not integral or step <= 1:
            return best, True
        else:
            step //= 2
    return best, False


def _frac(r: z3.ExprRef) -> Fraction:
    if z3.is_rational_value(r):
        return Fraction(r.numerator_as_long(), r.denominator_as_long())
    if z3.is_int_value(r):
        return Fraction(r.as_long())
    return Fraction(z3.simplify(r).as_decimal(20).rstrip("?"))


def _real(q: Fraction | None) -> z3.ArithRef:
    q = q or Fraction(0)
    return z3.RealVal(f"{q.numerator}/{q.denominator}")


__all__ = ["EQUIVALENT", "LESS", "LESS_OPEN", "MIXED", "MORE", "MORE_OPEN", "ONLY_NEW", "ONLY_OLD", "UNKNOWN", "ConceptDiff",
           "Context", "Extreme", "Move", "Pair", "Region", "SemanticDiff", "Undecided", "Witness", "semantic_diff"]
