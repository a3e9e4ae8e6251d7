"""A per-row reference interpreter, for tests only: simple, slow, obviously right.

It walks the AST for one project at a time with exact rational arithmetic (Fraction; ±∞ as
float infinities), following the rules in docs/evaluation.md, and shares nothing with
compare/engine but the AST.  Every number is read as the decimal it was written as: a figure
of a policy, a record's amount (the shortest repr of its float), the USD→CNY rate (6.0002 is
30001/5000); so 1/rate, thresholds in the other currency and half fen are all exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from dsl import ast as A
from dsl.model import Policy
from dsl.schema import GRADES, TEXT_FIELDS
from dsl.units import Dim

INF = math.inf
ZERO = Fraction(0)
Q = Fraction | float  # a float only for ±∞ (or NaN: ∞ - ∞ at run time)


@dataclass
class Num:
    lo: Q
    hi: Q


def exact(x: Any) -> Fraction:
    """A float as the decimal it stands for (its shortest repr); Decimal and Fraction as they are."""
    if isinstance(x, Fraction):
        return x
    return Fraction(Decimal(repr(float(x))) if isinstance(x, float) else Decimal(str(x)))


def implied(project: dict[str, Any]) -> dict[str, Any]:
    """The record with the inputs its given fields imply, where it does not give them (docs/data.md,
    "Implied inputs"; written apart from compare.engine.implied): started or expansion ⇒ licensed;
    foreign capital arrived, foreign_hq or foreign_rnd_center ⇒ foreign; paid-in and registered
    capital in one currency, registered above 0 and paid-in at most registered ⇒ paid_in_ratio, exactly."""
    p = dict(project)
    if "licensed" not in project and (project.get("started") is True or project.get("expansion") is True):
        p["licensed"] = True
    if "foreign" not in project:
        categories = project.get("categories", [])
        arrived = "fdi_arrived" in project and exact(project["fdi_arrived"][0]) > 0
        if arrived or "foreign_hq" in categories or "foreign_rnd_center" in categories:
            p["foreign"] = True
    if "paid_in_ratio" not in project and "paid_in_capital" in project and "registered_capital" in project:
        (paid, paid_cur), (registered, registered_cur) = project["paid_in_capital"], project["registered_capital"]
        if paid_cur == registered_cur and 0 < exact(registered) and exact(paid) <= exact(registered):
            p["paid_in_ratio"] = exact(paid) / exact(registered)
    return p


def fen(x: Q) -> Q:
    """Half away from zero to 0.01."""
    if isinstance(x, float):
        return x
    n, d = abs(x.numerator) * 100, x.denominator
    whole = n // d + (2 * (n % d) >= d)
    return Fraction(-whole if x < 0 else whole, 100)


class Reference:
    def __init__(self, policy: Policy, fx: Any, readings: dict[str, str] | None = None):
        self.p = policy
        self.fx = exact(fx)
        self.readings = {rid: r.default for rid, r in policy.readings.items()}
        self.readings.update({k: v for k, v in (readings or {}).items() if k in policy.readings})

    # -- types (from the checker) decide currencies
    def dim(self, e: A.Expr) -> Dim | None:
        ty = self.p.node_types.get(id(e))
        return ty.dim if ty else None

    def clause_dim(self, cid: str) -> Dim | None:
        ty = self.p.types.get(cid)
        d = ty.dim if ty else None
        if d == Dim.MONEY:
            c = self.p.clauses[cid]
            unit = None
            if c.concept is not None and self.p.taxonomy is not None and c.concept.dotted in self.p.taxonomy.concepts:
                unit = self.p.taxonomy.concepts[c.concept.dotted].unit
            return Dim.USD if unit == "USD" else Dim.CNY
        return d

    def concept_unit(self, cid: str) -> str | None:
        c = self.p.clauses[cid]
        if c.concept is not None and self.p.taxonomy is not None and c.concept.dotted in self.p.taxonomy.concepts:
            return self.p.taxonomy.concepts[c.concept.dotted].unit
        return None

    def dim_of_value(self, cid: str) -> Dim | None:
        ty = self.p.types.get(cid)
        return ty.dim if ty else None

    def run(self, project: dict[str, Any]) -> dict[str, Any]:
        self.project = implied(project)
        self.memo: dict[str, tuple[Any, bool]] = {}
        out: dict[str, Any] = {}
        for cid, c in self.p.clauses.items():
            if c.concept is None:
                continue
            value, fired = self.clause(cid)
            key = c.concept.dotted
            if isinstance(value, bool):
                out[key] = out.get(key, False) or (value and fired)
            else:
                prev = out.get(key, Num(ZERO, ZERO))
                v = value if fired else Num(ZERO, ZERO)
                out[key] = Num(prev.lo + v.lo, prev.hi + v.hi)
        for s in self.p.splits.values():
            if s.splits is None:
                continue
            base = self.p.clauses[s.splits.dotted]
            if base.concept is None:
                continue
            value, fired = self.clause(base.id)
            applies = fired and (s.when is None or self.truth(s.when))
            total = sum((Fraction(sh.weight.base_value) for sh in s.shares), ZERO)  # type: ignore[union-attr]
            for sh in s.shares:
                w = Fraction(sh.weight.base_value) / total if s.ratio_form else Fraction(sh.weight.base_value)  # type: ignore[union-attr]
                key = f"{base.concept.dotted}.{sh.name}"
                part = Num(_mul(value.lo, w), _mul(value.hi, w)) if applies else Num(ZERO, ZERO)
                if self.clause_dim(base.id) in (Dim.CNY, Dim.USD):
                    part = Num(fen(part.lo), fen(part.hi))
                prev = out.get(key, Num(ZERO, ZERO))
                out[key] = Num(prev.lo + part.lo, prev.hi + part.hi)
        return out

    def clause(self, cid: str) -> tuple[Any, bool]:
        if cid in self.memo:
            return self.memo[cid]
        c = self.p.clauses[cid]
        d = self.clause_dim(cid)
        value, present = self.ev(c.value, d) if c.value is not None else (Num(ZERO, ZERO), True)
        if isinstance(value, Num) and any(isinstance(x, float) and math.isnan(x) for x in (value.lo, value.hi)):
            present = False  # no number (∞ - ∞ at run time): the clause does not fire
        fired = present and (c.when is None or self.truth(c.when))
        if isinstance(value, bool):
            result: tuple[Any, bool] = (value and fired, fired)
        else:
            if not fired:
                value = Num(ZERO, ZERO)
            elif d in (Dim.CNY, Dim.USD):
                value = Num(fen(value.lo), fen(value.hi))
            elif self.dim_of_value(cid) == Dim.MONTHS and self.concept_unit(cid) == "days":
                value = Num(value.lo * 30, value.hi * 30)  # a month reported in days counts 30
            result = (value, fired)
        self.memo[cid] = result
        return result

    def truth(self, e: A.Expr) -> bool:
        v, present = self.ev(e, None)
        return bool(v) and present

    def money_field(self, name: str, want: Dim | None) -> Q:
        if name == "paid_in_capital" and name not in self.project:  # the schema's default, to the fen
            capital, cur = self.project.get("registered_capital", (0.0, 0))
            amount = fen(exact(capital) * exact(self.project.get("paid_in_ratio", 0.0)))
        else:
            raw, cur = self.project.get(name, (0.0, 0))
            amount = exact(raw)
        if want == Dim.USD:
            return amount if cur == 1 else amount / self.fx
        return amount * self.fx if cur == 1 else amount

    def convert(self, v: Num, src: Dim | None, dst: Dim | None) -> Num:
        if src == dst or src not in (Dim.CNY, Dim.USD) or dst not in (Dim.CNY, Dim.USD):
            return v
        k = self.fx if dst == Dim.CNY else 1 / self.fx
        return Num(v.lo * k, v.hi * k)

    def eff(self, e: A.Expr, want: Dim | None) -> Dim | None:
        d = self.dim(e)
        if d == Dim.MONEY:
            return want if want in (Dim.CNY, Dim.USD) else Dim.CNY
        return d

    def ev(self, e: A.Expr, want: Dim | None) -> tuple[Any, bool]:  # noqa: C901
        if isinstance(e, A.Quantity):
            v = Num(Fraction(e.base_value), Fraction(e.base_value))
            return (self.convert(v, e.dim, want) if e.dim in (Dim.CNY, Dim.USD) else v), True
        if isinstance(e, A.Infinity):
            return Num(INF, INF), True
        if isinstance(e, A.Promised):
            return Num(ZERO, INF), True
        if isinstance(e, A.BoolLit):
            return e.value, True
        if isinstance(e, A.RatioLit):
            ratio = Fraction(e.parts[0]) / Fraction(e.parts[1]) if len(e.parts) == 2 and e.parts[1] else Fraction(e.parts[0])
            return Num(ratio, ratio), True
        if isinstance(e, A.Name):
            name = e.dotted
            if name in self.p.record.fields and name not in self.p.conditions:
                f = self.p.record.fields[name]
                if f.dim == Dim.MONEY:
                    x = self.money_field(name, want if want in (Dim.CNY, Dim.USD) else Dim.CNY)
                    return Num(x, x), True
                if f.dim == Dim.BOOL:  # a field the project does not give takes the record's default
                    return bool(self.project.get(name, f.default if f.default is not None else False)), True
                if f.dim == Dim.SCALAR and self.project.get(name) is None:
                    return Num(ZERO, ZERO), False  # unknown (no quality score): absent
                x = exact(self.project.get(name, 0.0))
                return Num(x, x), True
            if name in self.p.clauses:
                v, fired = self.clause(name)
                if isinstance(v, Num):
                    v = self.convert(v, self.clause_dim(name), want) if want in (Dim.CNY, Dim.USD) else v
                return v, fired
            prm = self.p.params[name]
            return self.ev(prm.value.committed if isinstance(prm.value, A.Target) else prm.value, want)
        if isinstance(e, A.Unary):
            v, p = self.ev(e.operand, self.eff(e, want))
            if e.op == "not":
                return not v, True
            if e.op == "neg":
                return Num(-v.hi, -v.lo), p
            if e.op in ("up_to", "at_most"):
                return Num(ZERO, v.hi), p
            if e.op in ("at_least", "more_than"):
                return Num(v.lo, INF), p
            return v, p
        if isinstance(e, A.Binary):
            return self.binary(e, want)
        if isinstance(e, A.Range):
            d = self.eff(e, want)
            (a, pa), (b, pb) = self.ev(e.low, d), self.ev(e.high, d)
            return Num(a.lo, b.hi), pa and pb
        if isinstance(e, A.InSet):
            if isinstance(e.container, A.Name):
                assert isinstance(e.element, A.Name)
                inside = e.element.dotted in self.project.get("categories", [])
            else:
                inside = self.project.get("referral", "none") in [n.dotted for n in e.container.items]
            return inside != e.negated, True
        if isinstance(e, A.IfExpr):
            d = self.eff(e, want)
            return self.ev(e.then, d) if self.truth(e.cond) else self.ev(e.else_, d)
        if isinstance(e, A.Call):
            if e.func in ("cny", "usd"):
                dst = Dim.CNY if e.func == "cny" else Dim.USD
                src = self.eff(e.args[0], dst)
                v, p = self.ev(e.args[0], src)
                return self.convert(v, src, dst), p
            d = self.eff(e, want)
            items = [self.ev(a, d) for a in e.args]
            present = [v for v, p in items if p]
            if not present:
                return Num(ZERO, ZERO), False
            if e.func == "max":
                return Num(max(v.lo for v in present), max(v.hi for v in present)), True
            if e.func == "min":
                return Num(min(v.lo for v in present), min(v.hi for v in present)), True
            if e.func == "sum":
                return Num(sum((v.lo for v in present), ZERO), sum((v.hi for v in present), ZERO)), True
            return present[0], True
        if isinstance(e, A.Tiers):
            edge_dim = next((x.dim for r in e.rows for x in (r.low, r.high) if isinstance(x, A.Quantity)), None)
            x = self.ev(e.subject, edge_dim)[0].lo
            k: Q = Fraction(1)
            if e.scale is not None and (self.truth(e.scale.cond) != e.scale.unless):
                k = self.ev(e.scale.factor, None)[0].lo
            for r in e.rows:
                lo = _mul(Fraction(r.low.base_value), k) if isinstance(r.low, A.Quantity) else -INF
                hi = _mul(Fraction(r.high.base_value), k) if isinstance(r.high, A.Quantity) else INF
                if (x >= lo if r.low_closed else x > lo) and (x <= hi if r.high_closed else x < hi):
                    return self.ev(r.value, self.eff(e, want))
            return Num(ZERO, ZERO), False
        if isinstance(e, A.ByReading):
            choice = self.readings[e.reading]
            case = next(c for c in e.cases if c.option == choice)
            return self.ev(case.value, self.eff(e, want))
        raise AssertionError(type(e).__name__)

    def binary(self, e: A.Binary, want: Dim | None) -> tuple[Any, bool]:  # noqa: C901
        op = e.op
        if op == "and":
            return self.truth(e.left) and self.truth(e.right), True
        if op == "or":
            return self.truth(e.left) or self.truth(e.right), True
        if op in ("==", "!=", ">=", "<=", ">", "<"):
            for fside, other in ((e.left, e.right), (e.right, e.left)):
                if isinstance(fside, A.Name) and fside.dotted == "referral":
                    same = self.project.get("referral", "none") == other.dotted  # type: ignore[union-attr]
                    return same == (op == "=="), True
                if isinstance(fside, A.Name) and fside.dotted == "grade" and isinstance(other, A.Text):
                    g = self.project.get("grade")
                    if g is None:
                        return False, True
                    # better grades come first in GRADES: "grade >= B" is "index(grade) <= index(B)"
                    mine, theirs = -GRADES.index(g), -GRADES.index(other.value)
                    if fside is e.right:
                        mine, theirs = theirs, mine
                    return _cmp(op, mine, theirs), True
                if isinstance(fside, A.Name) and fside.dotted in TEXT_FIELDS and isinstance(other, A.Text):
                    same = self.project.get(fside.dotted, "") == other.value  # a text the record omits is ""
                    return same == (op == "=="), True
            sub: Dim | None = next((x for x in (self.dim(e.left), self.dim(e.right)) if x in (Dim.CNY, Dim.USD)), None)
            (a, pa), (b, pb) = self.ev(e.left, sub), self.ev(e.right, sub)
            if isinstance(a, Num):
                a, b = a.lo, b.lo
            return (pa and pb and _cmp(op, a, b)), True
        d = self.eff(e, want)
        if op in ("of", "*"):
            ld = d if self.dim(e.left) in (Dim.CNY, Dim.USD, Dim.MONEY) else None
            rd = d if self.dim(e.right) in (Dim.CNY, Dim.USD, Dim.MONEY) else None
            (a, pa), (b, pb) = self.ev(e.left, self.eff(e.left, ld) if ld else d), \
                self.ev(e.right, self.eff(e.right, rd) if rd else d)
            ps = [_mul(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
            return Num(min(ps), max(ps)), pa and pb
        if op == "/":
            sub = None
            for side in (e.left, e.right):
                if self.dim(side) in (Dim.CNY, Dim.USD):
                    sub = self.dim(side)
            (a, pa), (b, pb) = self.ev(e.left, sub), self.ev(e.right, sub)
            if b.lo <= 0 <= b.hi:  # the divisor can be 0: no quotient, the project is not eligible
                return Num(ZERO, ZERO), False
            qs = [_div(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
            return Num(min(qs), max(qs)), pa and pb
        (a, pa), (b, pb) = self.ev(e.left, d), self.ev(e.right, d)
        present = pa and pb
        if op == "+":
            return Num(a.lo + b.lo, a.hi + b.hi), present
        if op == "-":
            return Num(a.lo - b.hi, a.hi - b.lo), present
        if op == "cap":
            return Num(min(a.lo, b.lo), min(a.hi, b.hi)), present
        if op == "floor":
            return Num(max(a.lo, b.lo), max(a.hi, b.hi)), present
        raise AssertionError(op)


def _mul(x: Q, y: Q) -> Q:
    if x == 0 or y == 0:  # 0 × ∞ (a promise times nothing) is 0
        return ZERO
    return x * y


def _div(x: Q, y: Q) -> Q:
    if isinstance(y, float):  # y is ±∞
        return math.nan if isinstance(x, float) else ZERO
    return x / y


def _cmp(op: str, a: Any, b: Any) -> bool:
    return {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b, "==": a == b, "!=": a != b}[op]
