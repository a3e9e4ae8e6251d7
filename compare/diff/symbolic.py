"""Symbolic values for the semantic diff: a project record as z3 variables, and the reference
interpreter's values over it (tests/reference.py, docs/evaluation.md).

- The fields are those of the pair's record (dsl.record: the core and what either policy declares).
  A project's money field is an amount in whole fen (an Int ≥ 0) and a currency (a Bool: USD);
  ratios, the quality score and the year are Reals/Ints in their schema domains; a declared number,
  count or area a Real in its domain (≥ 0 for counts and areas; an area in 亩, the base unit), an
  integer an Int; a date an Int (days since 1970-01-01); a choice field (referral, grade, a declared
  one) an Int coding its values as compare.engine.batch does (the index in the record's values); each
  category and each member of a declared set a Bool; a free-text field (industry) is an open choice:
  an Int coding the texts the policies compare it with, and any other text.  Variables are made when a
  policy first reads a field, so a witness gives only the fields that matter; `kinds` says what each is.
- A numeric value is an interval [lo, hi] of extended reals `X` (compare.diff.xreal), with
  where it is present (a tier matched, an item of a max fired).  Money is held in fen of the
  expression's currency.  -∞ (the negation of a promise) is outside the encoding: `Unsupported`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

from compare.diff.xreal import (
    FALSE,
    INF,
    MAX_FEN,
    TRUE,
    ZERO,
    Unsupported,
    X,
    and_,
    const_of,
    ite,
    not_,
    num,
    or_,
    real,
    x_add,
    x_cmp,
    x_div,
    x_ite,
    x_max,
    x_min,
    x_mul,
    x_neg,
)
from dsl.record import CORE, Record
from dsl.schema import CATEGORIES, GRADES
from dsl.units import Dim


# ------------------------------------------------------------------ values
@dataclass(frozen=True)
class Num:
    lo: X
    hi: X
    present: z3.BoolRef = TRUE

    @property
    def exact(self) -> bool:
        return self.lo is self.hi


@dataclass(frozen=True)
class Bool:
    v: z3.BoolRef
    present: z3.BoolRef = TRUE


def point(x: X, present: z3.BoolRef = TRUE) -> Num:
    return Num(x, x, present)


def val_ite(c: z3.BoolRef, a: Num | Bool, b: Num | Bool) -> Num | Bool:
    if isinstance(a, Bool) and isinstance(b, Bool):
        return Bool(ite(c, a.v, b.v), ite(c, a.present, b.present))
    assert isinstance(a, Num) and isinstance(b, Num)
    lo = x_ite(c, a.lo, b.lo)
    hi = lo if a.exact and b.exact else x_ite(c, a.hi, b.hi)
    return Num(lo, hi, ite(c, a.present, b.present))


# ------------------------------------------------------------------ interval arithmetic
def num_add(a: Num, b: Num) -> Num:
    lo = x_add(a.lo, b.lo)
    return Num(lo, lo if a.exact and b.exact else x_add(a.hi, b.hi), and_(a.present, b.present))


def ends(v: Num) -> list[X]:
    return [v.lo] if v.exact else [v.lo, v.hi]


def least(xs: list[X]) -> X:
    out = xs[0]
    for x in xs[1:]:
        out = x_min(out, x)
    return out


def greatest(xs: list[X]) -> X:
    out = xs[0]
    for x in xs[1:]:
        out = x_max(out, x)
    return out


def product(a: Num, b: Num) -> Num:
    """[a] × [b]: the least and greatest of the end products (one product where both are exact; a
    fixed non-negative range of rates times a non-negative amount: the two matching ends)."""
    if a.exact and b.exact:
        p = x_mul(a.lo, b.lo)
        return Num(p, p)
    for r, x in ((a, b), (b, a)):
        klo, khi = r.lo.const, r.hi.const
        if klo is not None and khi is not None and 0 <= klo <= khi and x.lo.nonneg and x.hi.nonneg:
            return Num(x_mul(x.lo, num(klo)), x_mul(x.hi, num(khi)))
    ps = [x_mul(x, y) for x in ends(a) for y in ends(b)]
    return Num(least(ps), greatest(ps))


# ------------------------------------------------------------------ the project record
EPOCH_DAY_LOW, EPOCH_DAY_HIGH = -25567, 47481  # 1900-01-01 … 2099-12-31 in days since 1970-01-01


@dataclass
class Project:
    """The fields of one symbolic project; `domain` holds the record's domains of the fields made."""

    prefix: str = ""
    record: Record = CORE  # the pair's record: which fields there are, each choice's values and their codes
    vars: dict[str, Any] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # money bool ratio scalar number integer date code member text
    domain: list[z3.BoolRef] = field(default_factory=list)
    limits: list[z3.BoolRef] = field(default_factory=list)  # amounts at most 10万亿: a record's limit
    views: dict[str, str] = field(default_factory=dict)  # money field -> the currency first read in: its natural one
    texts: dict[str, list[str]] = field(default_factory=dict)  # text field -> the texts named, code 1 … k
    text_bound: dict[str, int] = field(default_factory=dict)  # text field -> its bound's place in `domain`
    ranges: dict[str, tuple[Fraction | None, Fraction | None]] = field(default_factory=dict)  # numeric var -> domain

    def _name(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _made(self, name: str, kind: str, v: Any) -> Any:
        self.vars[name], self.kinds[name] = v, kind
        return v

    def money(self, name: str) -> tuple[z3.ArithRef, z3.BoolRef]:
        if name not in self.vars:
            amount, usd = z3.Int(self._name(name)), z3.Bool(self._name(f"{name}#usd"))
            self._made(name, "money", (amount, usd))
            self.domain.append(amount >= 0)
            self.limits.append(amount <= MAX_FEN)
        return self.vars[name]

    def money_in(self, name: str, view: Dim, rate: Fraction) -> X:
        """The field in fen of `view` (CNY unless USD), converted exactly at the run's rate."""
        amount, usd = self.money(name)
        self.views.setdefault(name, "USD" if view == Dim.USD else "CNY")
        a = z3.ToReal(amount)
        if view == Dim.USD:
            return X(ite(usd, a, a / real(rate)), FALSE, True)
        return X(ite(usd, a * real(rate), a), FALSE, True)

    def boolean(self, name: str) -> z3.BoolRef:
        if name not in self.vars:
            self._made(name, "bool", z3.Bool(self._name(name)))
        return self.vars[name]

    def category(self, name: str) -> z3.BoolRef:
        return self.member("categories", name)

    def member(self, set_field: str, value: str) -> z3.BoolRef:
        """`value in set_field`: a category (`categories.little_giant`) or a member of a declared set."""
        key = f"{set_field}.{value}"
        if key not in self.vars:
            self._made(key, "member", z3.Bool(self._name(key)))
        return self.vars[key]

    def _bounded(self, name: str, v: z3.ArithRef, low: Any, high: Any) -> None:
        lo = Fraction(low) if low is not None else None
        hi = Fraction(high) if high is not None else None
        self.ranges[name] = (lo, hi)
        self.domain += [c for c, b in ((v >= real(lo or 0), lo), (v <= real(hi or 0), hi)) if b is not None]

    def ratio(self, name: str) -> z3.ArithRef:
        if name not in self.vars:
            r = self._made(name, "ratio", z3.Real(self._name(name)))
            f = self.record.fields[name]
            self._bounded(name, r, f.low or 0, f.high if f.high is not None else 1)
        return self.vars[name]

    def number(self, name: str) -> z3.ArithRef:
        """A declared number, count or area (a Real, an area in 亩) or integer (an Int), always known
        (a declared field has a default or must be given), in the record's domain."""
        if name not in self.vars:
            f = self.record.fields[name]
            integer = name in self.record.declared and self.record.declared[name].integer
            v = z3.Int(self._name(name)) if integer else z3.Real(self._name(name))
            self._made(name, "integer" if integer else "number", v)
            self._bounded(name, v, f.low, f.high)
        v = self.vars[name]
        return z3.ToReal(v) if v.is_int() else v

    def date(self, name: str) -> z3.ArithRef:
        """A date field in days since 1970-01-01 (an Int), within 1900 … 2099."""
        if name not in self.vars:
            v = self._made(name, "date", z3.Int(self._name(name)))
            self._bounded(name, v, EPOCH_DAY_LOW, EPOCH_DAY_HIGH)
        return z3.ToReal(self.vars[name])

    def scalar(self, name: str) -> tuple[z3.BoolRef, z3.ArithRef]:
        """A field that may be unknown (quality_score, year): (known, value)."""
        if name not in self.vars:
            known = z3.Bool(self._name(f"{name}#known"))
            if name == "year":
                y = z3.Int(self._name(name))
                v: z3.ArithRef = z3.ToReal(y)
                self.domain += [v >= 1990, v <= 2100]
                self.ranges[name] = (Fraction(1990), Fraction(2100))
            else:
                v = z3.Real(self._name(name))
                f = self.record.fields[name]
                self._bounded(name, v, f.low, f.high)
            self._made(name, "scalar", (known, v))
        return self.vars[name]

    def values(self, name: str) -> tuple[str, ...]:
        """A choice field's values in code order (grade: GRADES, -1 unknown)."""
        return GRADES if name == "grade" else self.record.choices(name)

    def code(self, name: str) -> z3.ArithRef:
        """A choice field's code: referral and a declared choice 0 … n-1 (the record's values, core ones
        first), grade -1 unknown, 0 = A+ … 7 = F (GRADES)."""
        if name not in self.vars:
            v = self._made(name, "code", z3.Int(self._name(name)))
            self._bounded(name, v, -1 if name == "grade" else 0, len(self.values(name)) - 1)
        return self.vars[name]

    def is_value(self, name: str, value: str) -> z3.BoolRef:
        """`name == value` for a choice field; Unsupported for a value the record does not know."""
        values = self.values(name)
        if value not in values:
            raise Unsupported(f"`{value}` is not a value of `{name}`")
        return self.code(name) == values.index(value)

    def text_is(self, name: str, literal: str) -> z3.BoolRef:
        """`name == literal` for a free-text field (industry): an open choice held as an Int code, 1 … k
        the texts the policies name (in the order met), 0 any other text."""
        if name not in self.vars:
            v = self._made(name, "text", z3.Int(self._name(name)))
            self.texts[name] = []
            self.text_bound[name] = len(self.domain)  # the bound's place: widened as texts are met
            self.domain.append(z3.And(v >= 0, v <= 0))
        names = self.texts[name]
        if literal not in names:
            names.append(literal)
            v = self.vars[name]
            self.domain[self.text_bound[name]] = z3.And(v >= 0, v <= len(names))
        return self.vars[name] == names.index(literal) + 1

    def text_value(self, name: str, code: int, empty: bool = True) -> str:
        """The text a code of `text_is` stands for: a named text, else one no policy names ("" if it can,
        and `empty` allows it: a required field is given a text)."""
        names = self.texts.get(name, [])
        if 1 <= code <= len(names):
            return names[code - 1]
        first = ("",) if empty else ()
        return next(t for t in (*first, "其他", *(f"其他{i}" for i in range(1, len(names) + 2))) if t not in names)

    def fields(self) -> list[str]:
        return list(self.vars)


__all__ = ["CATEGORIES", "FALSE", "INF", "MAX_FEN", "TRUE", "ZERO", "Bool", "Num", "Project", "Unsupported", "X",
           "and_", "const_of", "ends", "greatest", "ite", "least", "not_", "num", "num_add", "or_", "point", "product",
           "real", "val_ite", "x_add", "x_cmp", "x_div", "x_ite", "x_max", "x_min", "x_mul", "x_neg"]
