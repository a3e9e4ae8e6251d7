"""Witnesses: a solver's model as a project record, found plausible and round, and re-evaluated.

A model of the symbolic project (compare.diff.symbolic.Project) becomes a record of the fields the
policies read, written as the texts write figures (`4000万美元`, `30%`), which compare.data reads back
exactly.  Among the projects that satisfy a condition, `Finder.find` prefers the plainest: fields at
their defaults where they can be, amounts in whole 万 and as small as the condition allows, ratios in
whole percent.  `Checker` re-evaluates every witness with the vectorised evaluator
(CompiledPolicy.evaluate) and compares with the solver's values: money to the fen, other figures
exactly (up to float noise); a witness that does not reproduce is never shown.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import z3

from compare.data.read import from_dicts
from compare.diff.symbolic import Project
from compare.engine.evaluate import CompiledPolicy
from dsl.schema import CATEGORIES, GRADES, REFERRALS, TEXT_FIELDS

WAN = 10 ** 6  # 1万 in fen
MONEY_FIELDS = ("registered_capital", "total_investment", "paid_in_capital", "fdi_arrived", "fixed_asset_investment")


def _frac(r: z3.ExprRef) -> Fraction:
    if z3.is_int_value(r):
        return Fraction(r.as_long())
    if z3.is_rational_value(r):
        return Fraction(r.numerator_as_long(), r.denominator_as_long())
    if z3.is_algebraic_value(r):
        return Fraction(Decimal(r.as_decimal(20).rstrip("?")))
    raise ValueError(f"not a number: {r}")


def _decimal(q: Fraction) -> Decimal:
    """A fraction as a decimal: exact where it terminates, else to 12 places."""
    d = Decimal(q.numerator) / Decimal(q.denominator)
    return d.normalize() if Decimal(q.numerator) == d * q.denominator else round(d, 12)


def money_text(fen: int, usd: bool) -> str:
    """Whole fen as the texts write amounts: 1.2亿美元, 4000万元, 1234.56元."""
    unit = "美元" if usd else "元"
    yuan = Decimal(fen) / 100
    if yuan >= 10 ** 8 and (yuan / 10 ** 8) == (yuan / 10 ** 8).quantize(Decimal("0.0001")):
        return f"{(yuan / 10 ** 8).normalize():f}亿{unit}"
    if yuan >= 10 ** 4 and (yuan / 10 ** 4) == (yuan / 10 ** 4).quantize(Decimal("0.01")):
        return f"{(yuan / 10 ** 4).normalize():f}万{unit}"
    return f"{yuan.normalize():f}{unit}" if yuan == yuan.to_integral_value() else f"{yuan:f}{unit}"


def ratio_text(r: Fraction) -> str:
    """30% where the ratio is whole percent (30/100 reads back as the nearest double), else a decimal."""
    if (r * 100).denominator == 1:
        return f"{int(r * 100)}%"
    return f"{_decimal(r):f}"


def record(model: z3.ModelRef, project: Project, pid: str = "witness") -> dict[str, Any]:
    """The project a model describes: the fields the policies read that are not at their defaults (false,
    0, none, no category, unknown), in the record's notation."""
    out: dict[str, Any] = {"id": pid}
    cats: list[str] = []

    def ev(x: z3.ExprRef) -> z3.ExprRef:
        return model.eval(x, model_completion=True)
    for name, v in project.vars.items():
        if name in MONEY_FIELDS:
            amount, usd = v
            fen = int(_frac(ev(amount)))
            if fen:
                out[name] = money_text(fen, z3.is_true(ev(usd)))
        elif name.startswith("categories."):
            if z3.is_true(ev(v)):
                cats.append(name.split(".", 1)[1])
        elif name == "referral":
            code = int(_frac(ev(v)))
            if code:
                out[name] = REFERRALS[code]
        elif name == "grade":
            g = int(_frac(ev(v)))
            if g >= 0:
                out[name] = GRADES[g]
        elif name in TEXT_FIELDS:
            said = project.text_value(name, int(_frac(ev(v))))
            if said:
                out[name] = said
        elif name in ("quality_score", "year"):
            known, x = v
            if z3.is_true(ev(known)):
                q = _frac(ev(x))
                out[name] = int(q) if q.denominator == 1 else float(_decimal(q))
        elif name == "paid_in_ratio":
            r = _frac(ev(v))
            if r:
                out[name] = ratio_text(r)
        elif z3.is_true(ev(v)):
            out[name] = True
    if cats:
        out["categories"] = [c for c in CATEGORIES if c in cats]
    return out


class Finder:
    """Plain projects satisfying conditions.  `base`: the schema's domains and the record's limits."""

    def __init__(self, project: Project, timeout_ms: int = 3000):
        self.pr = project
        self.timeout_ms = timeout_ms

    def base(self) -> list[z3.BoolRef]:
        return [*self.pr.domain, *self.pr.limits]

    def _round(self, tag: str) -> tuple[list[z3.BoolRef], list[z3.ArithRef], list[z3.ArithRef]]:
        """Granularity (whole 万, whole percent, whole points of a score) and the costs of a plain project."""
        grains: list[z3.BoolRef] = []
        sizes: list[z3.ArithRef] = []
        odd: list[z3.ArithRef] = []
        for name, v in self.pr.vars.items():
            if name in MONEY_FIELDS:
                amount, _usd = v
                n = z3.Int(f"{tag}{name}#wan")
                grains += [amount == n * WAN]
                sizes.append(n)
            elif name == "paid_in_ratio":
                pct = z3.Int(f"{tag}{name}#pct")
                grains.append(v * 100 == z3.ToReal(pct))
                odd.append(z3.If(pct != 0, 1, 0))
                sizes.append(pct)
            elif name == "quality_score":
                known, x = v
                grains.append(x == z3.ToReal(z3.Int(f"{tag}{name}#int")))
                odd.append(z3.If(known, 1, 0))
            elif name == "referral":
                odd.append(z3.If(v != 0, 1, 0))
            elif name == "grade":
                odd.append(z3.If(v >= 0, 1, 0))
            elif name in TEXT_FIELDS:  # code 0: a text no policy names, "" where it can be
                odd.append(z3.If(v != 0, 1, 0))
            elif name == "year":
                known, _x = v
                odd.append(z3.If(known, 1, 0))
            else:
                odd.append(z3.If(v, 1, 0))
        return grains, sizes, odd

    def find(self, exact: list[z3.BoolRef], relaxed: list[z3.BoolRef] | None = None) -> z3.ModelRef | None:
        """A plain project where every `exact` condition holds, or None when none does.  The plain one
        is sought on `relaxed` (the same conditions without rounding: linear, fast) and kept if it meets
        `exact`; else among exact models, rounded where the conditions allow."""
        grains, sizes, odd = self._round("g_")
        foreign = [z3.If(usd != (self.pr.views.get(name) == "USD"), 1, 0) for name, (_a, usd) in
                   ((n, self.pr.vars[n]) for n in MONEY_FIELDS if n in self.pr.vars)]
        if relaxed is not None:
            opt = z3.Optimize()
            opt.set("timeout", self.timeout_ms)
            opt.add(*self.base(), *relaxed, *grains)
            if odd:
                opt.minimize(z3.Sum(odd))
            if foreign:
                opt.minimize(z3.Sum(foreign))
            if sizes:
                opt.minimize(z3.Sum(sizes))
            if opt.check() == z3.sat:
                m = opt.model()
                if all(z3.is_true(m.eval(c, model_completion=True)) for c in exact):
                    return m
        s = z3.Solver()
        s.set("timeout", self.timeout_ms)
        s.add(*self.base(), *exact)
        if s.check() != z3.sat:
            return None
        best = s.model()
        s.push()
        s.add(*grains)
        if s.check() == z3.sat:
            best = s.model()
            for bound in (10 ** 4, 10 ** 6):  # as few 万 as the condition allows, roughly
                s.push()
                s.add(*(n <= bound for n in sizes))
                if s.check() == z3.sat:
                    best = s.model()
                    s.pop()
                    break
                s.pop()
        s.pop()
        return best


def reproduces(value: Any, expected: Any, money: bool) -> bool:
    """The evaluator's value against the solver's: money to the fen, other figures up to float noise."""
    if isinstance(expected, bool) or isinstance(value, bool):
        return bool(value) == bool(expected)
    lo, hi = value if isinstance(value, tuple) else (value, value)
    for got, want in ((lo, expected[0]), (hi, expected[1])):
        if isinstance(want, float) or math.isinf(got):
            if got != want:
                return False
        elif money:
            if round(got * 100) != want:
                return False
        elif abs(got - float(want)) > 1e-9 * max(1.0, abs(float(want))):
            return False
    return True


def evaluate(policy: CompiledPolicy, rec: dict[str, Any], fx: Any, readings: dict[str, str], concept: str) -> Any:
    out = policy.evaluate(from_dicts([rec]), fx, readings)
    return out.value(concept, 0)
