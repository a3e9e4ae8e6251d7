"""A checked policy as z3 terms over one symbolic project: the semantic diff's encoding.

It mirrors the per-row reference interpreter (tests/reference.py) node for node, on symbolic
values (compare.diff.symbolic): currencies as the checker typed each expression (a money field
takes the currency it meets, `cny(…)`/`usd(…)` convert at the run's rate, an exact rational);
tiers with closed/open edges and `scaled … when/unless`; rates `of`; `cap`/`floor`; max/min/sum/
first over the items that fired; conditions, categories, referral, grades; `by reading` resolved
to the run's readings; the fields, lists, named conditions, pick tables and per-unit amounts of a
city's own record (compare.diff.encode_record).  Money is in fen; a money clause is rounded to the fen (half away from zero)
once, at its end, as the evaluator does — or not at all with `rounding=False`, the relaxation the
optimiser works on (each rounding moves a value by at most half a fen).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import z3

from compare.diff.encode_expr import ExprEncoder, Val
from compare.diff.symbolic import (
    FALSE,
    TRUE,
    ZERO,
    Bool,
    Num,
    Project,
    X,
    and_,
    ite,
    num,
    num_add,
    or_,
    point,
    real,
    x_ite,
    x_mul,
)
from dsl import ast as A
from dsl.model import Policy
from dsl.units import DAYS_PER_MONTH, Dim


class Encoder(ExprEncoder):
    """One policy over one symbolic project, at one rate and one choice of readings."""

    def __init__(self, policy: Policy, project: Project, rate: Fraction, readings: dict[str, str] | None = None,
                 rounding: bool = True):
        self.p = policy
        self.pr = project
        self.rate = rate
        self.rounding = rounding
        self.readings = {rid: r.default for rid, r in policy.readings.items() if r.default is not None}
        self.readings.update({k: v for k, v in (readings or {}).items() if k in policy.readings})
        self.memo: dict[str, tuple[Val, z3.BoolRef]] = {}
        self.roundings = 0  # money roundings in the terms built (each moves a value by ≤ half a fen)
        self.atoms: list[tuple[str, z3.BoolRef]] = []  # comparisons of figures: what regions are described by
        self.clauses_of: dict[str, list[str]] = {}
        for cid, c in policy.clauses.items():
            if c.concept is not None:
                self.clauses_of.setdefault(c.concept.dotted, []).append(cid)
        self.shares_of: dict[str, list[tuple[A.Split, Fraction]]] = {}
        for s in policy.splits.values():
            base = policy.clauses.get(s.splits.dotted) if s.splits is not None else None
            if base is None or base.concept is None:
                continue
            total = sum((Fraction(sh.weight.base_value) for sh in s.shares if isinstance(sh.weight, A.Quantity)),
                        Fraction(0))
            for sh in s.shares:
                if isinstance(sh.weight, A.Quantity):
                    w = Fraction(sh.weight.base_value)
                    w = w / total if s.ratio_form and total else w
                    self.shares_of.setdefault(f"{base.concept.dotted}.{sh.name}", []).append((s, w))

    # ------------------------------------------------------------------ what the policy gives
    @property
    def concepts(self) -> list[str]:
        return sorted({*self.clauses_of, *self.shares_of})

    def concept(self, key: str) -> Val:
        """The concept's outcome for the project: the clauses that fired added up, and split shares."""
        total: Val | None = None
        for cid in self.clauses_of.get(key, []):
            v, fired = self.clause(cid)
            if isinstance(v, Bool):
                total = Bool(or_(total.v if isinstance(total, Bool) else FALSE, and_(v.v, fired)))
            else:
                assert isinstance(v, Num)
                total = v if total is None else num_add(total, v)  # type: ignore[arg-type]
        for s, w in self.shares_of.get(key, []):
            assert s.splits is not None
            base = s.splits.dotted
            v, fired = self.clause(base)
            assert isinstance(v, Num)
            applies = and_(fired, self.truth(s.when) if s.when is not None else TRUE)
            wk = num(w)
            money = self.clause_dim(base) in (Dim.CNY, Dim.USD)
            lo = x_mul(v.lo, wk)
            lo = self.fen(lo) if money else lo
            part_lo = x_ite(applies, lo, ZERO)
            if v.exact:
                part = Num(part_lo, part_lo)
            else:
                hi = x_mul(v.hi, wk)
                part = Num(part_lo, x_ite(applies, self.fen(hi) if money else hi, ZERO))
            total = part if total is None else num_add(total, part)  # type: ignore[arg-type]
        if total is None:
            raise KeyError(key)
        return total

    def clause_dim(self, cid: str) -> Dim | None:
        ty = self.p.types.get(cid)
        d = ty.dim if ty else None
        if d == Dim.MONEY:
            return Dim.USD if self.concept_unit(cid) == "USD" else Dim.CNY
        return d

    def concept_unit(self, cid: str) -> str | None:
        c = self.p.clauses[cid]
        tax = self.p.taxonomy
        if c.concept is not None and tax is not None and c.concept.dotted in tax.concepts:
            return tax.concepts[c.concept.dotted].unit
        return None

    def clause(self, cid: str) -> tuple[Val, z3.BoolRef]:
        if cid in self.memo:
            return self.memo[cid]
        c = self.p.clauses[cid]
        d = self.clause_dim(cid)
        value, present = self.ev(c.value, d) if c.value is not None else (point(ZERO), TRUE)
        fired = and_(present, self.truth(c.when) if c.when is not None else TRUE)
        if isinstance(value, Bool):
            result: tuple[Val, z3.BoolRef] = (Bool(and_(value.v, fired), fired), fired)
        else:
            assert isinstance(value, Num)
            lo, hi = value.lo, value.hi
            if d in (Dim.CNY, Dim.USD):
                lo = self.fen(lo)
                hi = lo if value.exact else self.fen(hi)
            else:
                ty = self.p.types.get(cid)
                if ty is not None and ty.dim == Dim.MONTHS and self.concept_unit(cid) == "days":
                    lo = x_mul(lo, num(DAYS_PER_MONTH))  # a month reported in days counts 30
                    hi = lo if value.exact else x_mul(hi, num(DAYS_PER_MONTH))
            zlo = x_ite(fired, lo, ZERO)
            result = (Num(zlo, zlo if value.exact else x_ite(fired, hi, ZERO), fired), fired)
        self.memo[cid] = result
        return result

    def fen(self, x: X) -> X:
        """Half away from zero to the whole fen (identity in the relaxation)."""
        k = x.const
        if k is not None:
            n, d = abs(k.numerator), k.denominator
            whole = n // d + (2 * (n % d) >= d)
            return num(-whole if k < 0 else whole)
        if not self.rounding or x.integral:
            return x
        self.roundings += 1
        half = real(Fraction(1, 2))
        up = z3.ToReal(z3.ToInt(x.v + half))
        v = up if x.nonneg else ite(x.v >= 0, up, -z3.ToReal(z3.ToInt(-x.v + half)))
        return X(ite(x.inf, real(0), v) if not x.finite else v, x.inf, x.nonneg, True)


def value_of(model: z3.ModelRef, v: Val) -> Any:
    """A concept's value in a model: a bool, or (lo, hi) of Fractions (float('inf') for +∞)."""
    if isinstance(v, Bool):
        return z3.is_true(model.eval(v.v, model_completion=True))

    def end(x: X) -> Fraction | float:
        if z3.is_true(model.eval(x.inf, model_completion=True)):
            return float("inf")
        r = model.eval(x.v, model_completion=True)
        return Fraction(r.numerator_as_long(), r.denominator_as_long()) if z3.is_rational_value(r) \
            else Fraction(r.as_long())
    return end(v.lo), end(v.hi)


__all__ = ["Encoder", "value_of"]
