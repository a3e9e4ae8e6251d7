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
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import z3

from compare.data.read import from_dicts
from compare.diff.encode_expr import EPOCH
from compare.diff.symbolic import Project, real
from compare.engine.evaluate import CompiledPolicy
from dsl.record import Record
from dsl.units import UNITS, Dim

WAN = 10 ** 6  # 1万 in fen
MONEY_FIELDS = ("registered_capital", "total_investment", "paid_in_capital", "fdi_arrived", "fixed_asset_investment")
_BASE_UNIT = {Dim.AREA: "亩", Dim.COUNT: ""}  # the unit a declared field's value is held in, where it has none


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


def _number_text(q: Fraction, unit: str | None, dim_unit: str) -> str:
    """A declared number in the unit its field is declared in (an area in 平方米 where declared so):
    `1000平方米`, `5人`, `12.5`; the base value divided by the unit's factor, exactly."""
    shown = unit or dim_unit
    if shown and shown in UNITS:
        q = q / Fraction(UNITS[shown].factor)
    return f"{_decimal(q):f}{shown}"


def record(model: z3.ModelRef, project: Project, pid: str = "witness") -> dict[str, Any]:
    """The project a model describes: the fields the policies read that are not at their defaults (false,
    0, none, no category, unknown), in the record's notation; a declared field in its declared unit
    (`rent_area 1000平方米`), a choice by its value, a set by its members, a date as ISO, and every
    required field (declared without a default), whatever its value."""
    out: dict[str, Any] = {"id": pid}
    members: dict[str, list[str]] = {}
    rec = project.record

    def ev(x: z3.ExprRef) -> z3.ExprRef:
        return model.eval(x, model_completion=True)
    for name, v in project.vars.items():
        kind = project.kinds.get(name)
        if kind == "money":
            amount, usd = v
            fen = int(_frac(ev(amount)))
            if fen or rec.required(name):
                out[name] = money_text(fen, z3.is_true(ev(usd)))
        elif kind == "member":
            set_field, _, member = name.partition(".")
            members.setdefault(set_field, [])
            if z3.is_true(ev(v)):
                members[set_field].append(member)
        elif kind == "code":
            code = int(_frac(ev(v)))
            values = project.values(name)
            default = rec.fields[name].default if name in rec.fields else None
            if code >= 0 and (values[code] != default or rec.required(name)):
                out[name] = values[code]
        elif kind == "text":
            said = project.text_value(name, int(_frac(ev(v))), empty=not rec.required(name))
            if said != (rec.fields[name].default or ""):
                out[name] = said
        elif kind == "scalar":
            known, x = v
            if z3.is_true(ev(known)):
                q = _frac(ev(x))
                out[name] = int(q) if q.denominator == 1 else float(_decimal(q))
        elif kind == "ratio":
            r = _frac(ev(v))
            if r != _number_default(rec, name) or rec.required(name):
                out[name] = ratio_text(r)
        elif kind in ("number", "integer"):
            q = _frac(ev(v))
            if q != _number_default(rec, name) or rec.required(name):
                d = rec.declared.get(name)
                out[name] = _number_text(q, d.unit if d else None, _BASE_UNIT.get(rec.fields[name].dim, ""))
        elif kind == "date":
            day = EPOCH + timedelta(days=int(_frac(ev(v))))
            if day.isoformat() != rec.fields[name].default or rec.required(name):
                out[name] = day.isoformat()
        elif z3.is_true(ev(v)) != bool(rec.fields[name].default if name in rec.fields else False):
            out[name] = z3.is_true(ev(v))
    for set_field, chosen in members.items():
        default = _members_default(rec, set_field)
        if set(chosen) != set(default):
            out[set_field] = [c for c in project.values(set_field) if c in chosen]
    return out


def _number_default(rec: Record, name: str) -> Fraction:
    """A numeric field's default (0 where it has none, or none that is a number)."""
    d = rec.fields[name].default if name in rec.fields else None
    return Fraction(str(d)) if isinstance(d, (int, float, Decimal)) and not isinstance(d, bool) else Fraction(0)


def _members_default(rec: Record, set_field: str) -> tuple[str, ...]:
    d = rec.fields[set_field].default if set_field in rec.fields else None
    return tuple(str(x) for x in d) if isinstance(d, (tuple, list)) else ()


def shown(project: dict[str, Any], rec: Record) -> dict[str, Any]:
    """A witness as a reader sees it: a declared choice by its label (`zone 重点区域`), a set's members
    by theirs (`categories [专精特新“小巨人”企业]`); everything else as the record gives it."""
    out: dict[str, Any] = {}
    for name, v in project.items():
        f = rec.fields.get(name)
        if f is not None and f.dim == Dim.CHOICE and isinstance(v, str):
            out[name] = rec.label(f"{name}.{v}")[0] or _declared_label(rec, name, v) or v
        elif f is not None and f.dim == Dim.SET and isinstance(v, list):
            out[name] = [rec.label(f"{name}.{m}")[0] or _declared_label(rec, name, m) or m for m in v]
        else:
            out[name] = v
    return out


def _declared_label(rec: Record, name: str, value: str) -> str | None:
    d = rec.declared.get(name)
    return dict(d.value_labels).get(value) if d is not None else None


class Finder:
    """Plain projects satisfying conditions.  `base`: the schema's domains and the record's limits."""

    def __init__(self, project: Project, timeout_ms: int = 3000):
        self.pr = project
        self.timeout_ms = timeout_ms

    def base(self) -> list[z3.BoolRef]:
        return [*self.pr.domain, *self.pr.limits]

    def _round(self, tag: str) -> tuple[list[z3.BoolRef], list[z3.ArithRef], list[z3.ArithRef]]:
        """Granularity (whole 万, whole percent, whole points of a score, whole units of a declared
        number in its declared unit) and the costs of a plain project (a field off its default)."""
        grains: list[z3.BoolRef] = []
        sizes: list[z3.ArithRef] = []
        odd: list[z3.ArithRef] = []
        rec = self.pr.record
        for name, v in self.pr.vars.items():
            kind = self.pr.kinds.get(name)
            default = rec.fields[name].default if name in rec.fields else None
            if kind == "money":
                amount, _usd = v
                n = z3.Int(f"{tag}{name}#wan")
                grains += [amount == n * WAN]
                sizes.append(n)
            elif kind == "ratio":
                pct = z3.Int(f"{tag}{name}#pct")
                grains.append(v * 100 == z3.ToReal(pct))
                odd.append(z3.If(pct != 0, 1, 0))
                sizes.append(pct)
            elif kind == "number":  # whole units of the declared unit (1000平方米, not 0.7亩)
                d = rec.declared.get(name)
                unit = d.unit if d is not None and d.unit in UNITS else None
                whole = z3.Int(f"{tag}{name}#whole")
                grains.append(v == z3.ToReal(whole) * real(Fraction(UNITS[unit].factor) if unit else Fraction(1)))
                odd.append(z3.If(v != real(_number_default(rec, name)), 1, 0))
                sizes.append(whole)
            elif kind == "integer":
                odd.append(z3.If(v != int(_number_default(rec, name)), 1, 0))
                sizes.append(v)
            elif kind == "scalar":
                known, x = v
                if name != "year":
                    grains.append(x == z3.ToReal(z3.Int(f"{tag}{name}#int")))
                odd.append(z3.If(known, 1, 0))
            elif kind == "code":
                values = self.pr.values(name)
                home = values.index(default) if isinstance(default, str) and default in values else \
                    (-1 if name == "grade" else 0)
                odd.append(z3.If(v != home, 1, 0))
            elif kind == "text":  # code 0: a text no policy names, "" where it can be
                odd.append(z3.If(v != 0, 1, 0))
            elif kind == "date":
                pass  # a date has no plainer value
            elif kind == "member":
                set_field, _, member = name.partition(".")
                inside = member in _members_default(rec, set_field)
                odd.append(z3.If(v != z3.BoolVal(inside), 1, 0))
            else:
                odd.append(z3.If(v != z3.BoolVal(bool(default)), 1, 0))
        return grains, sizes, odd

    def find(self, exact: list[z3.BoolRef], relaxed: list[z3.BoolRef] | None = None) -> z3.ModelRef | None:
        """A plain project where every `exact` condition holds, or None when none does.  The plain one
        is sought on `relaxed` (the same conditions without rounding: linear, fast) and kept if it meets
        `exact`; else among exact models, rounded where the conditions allow."""
        grains, sizes, odd = self._round("g_")
        foreign = [z3.If(usd != (self.pr.views.get(name) == "USD"), 1, 0) for name, (_a, usd) in
                   ((n, v) for n, v in self.pr.vars.items() if self.pr.kinds.get(n) == "money")]
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


def evaluate(policy: CompiledPolicy, rec: dict[str, Any], fx: Any, readings: dict[str, str], concept: str,
             record: Record | None = None) -> Any:
    """The concept's value for one project under one policy, read with the pair's record (both
    policies' declared fields), as a run of the two would read it."""
    out = policy.evaluate(from_dicts([rec], record=record or policy.policy.record), fx, readings)
    return out.value(concept, 0)
