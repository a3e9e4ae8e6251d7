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
- A numeric value is an interval [lo, hi] of extended reals `X` (a z3 Real and a flag for +∞), with
  where it is present (a tier matched, an item of a max fired).  Money is held in fen of the
  expression's currency.  -∞ (the negation of a promise) is outside the encoding: `Unsupported`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import z3

from dsl.record import CORE, Record
from dsl.schema import CATEGORIES, GRADES
from dsl.units import Dim

TRUE, FALSE = z3.BoolVal(True), z3.BoolVal(False)
MAX_FEN = 10 ** 15  # compare.data.validate.MAX_AMOUNT (10万亿) in fen: the largest amount a record may give


class Unsupported(Exception):  # noqa: N818 - a verdict, not a failure: "this construct is not encoded"
    """A construct the encoding does not cover (reported per concept, never guessed)."""


def real(x: Fraction | Decimal | int) -> z3.ArithRef:
    x = Fraction(x)
    return z3.RealVal(f"{x.numerator}/{x.denominator}") if x.denominator != 1 else z3.RealVal(x.numerator)


def const_of(e: z3.ExprRef) -> Fraction | None:
    """The value of a z3 numeral, else None."""
    if z3.is_rational_value(e):
        return Fraction(e.numerator_as_long(), e.denominator_as_long())
    if z3.is_int_value(e):
        return Fraction(e.as_long())
    return None


# ------------------------------------------------------------------ booleans, folded where constant
def and_(*bs: z3.BoolRef) -> z3.BoolRef:
    out: list[z3.BoolRef] = []
    for b in bs:
        if z3.is_false(b):
            return FALSE
        if not z3.is_true(b) and not any(b.eq(o) for o in out):
            out.append(b)
    return TRUE if not out else out[0] if len(out) == 1 else z3.And(*out)


def or_(*bs: z3.BoolRef) -> z3.BoolRef:
    out: list[z3.BoolRef] = []
    for b in bs:
        if z3.is_true(b):
            return TRUE
        if not z3.is_false(b) and not any(b.eq(o) for o in out):
            out.append(b)
    return FALSE if not out else out[0] if len(out) == 1 else z3.Or(*out)


def not_(b: z3.BoolRef) -> z3.BoolRef:
    return FALSE if z3.is_true(b) else TRUE if z3.is_false(b) else z3.Not(b)


def ite(c: z3.BoolRef, a: z3.ExprRef, b: z3.ExprRef) -> z3.ExprRef:
    if z3.is_true(c) or a.eq(b):
        return a
    if z3.is_false(c):
        return b
    return z3.If(c, a, b)


# ------------------------------------------------------------------ extended reals
@dataclass(frozen=True)
class X:
    """An extended real: `v` where finite, +∞ where `inf` holds.  Hints known when building: `nonneg`
    (≥ 0), `integral` (a whole number: whole fen after rounding, so rounding again is the identity)."""

    v: z3.ArithRef
    inf: z3.BoolRef = FALSE
    nonneg: bool = False
    integral: bool = False

    @property
    def finite(self) -> bool:
        return z3.is_false(self.inf)

    @property
    def const(self) -> Fraction | None:
        return const_of(self.v) if self.finite else None


def num(x: Fraction | int) -> X:
    return X(real(x), FALSE, Fraction(x) >= 0, Fraction(x).denominator == 1)


ZERO = num(0)
INF = X(real(0), TRUE, True, True)


def x_add(a: X, b: X) -> X:
    if a.const == 0:
        return b
    if b.const == 0:
        return a
    return X(a.v + b.v, or_(a.inf, b.inf), a.nonneg and b.nonneg, a.integral and b.integral)


def x_neg(a: X) -> X:
    if not a.finite:
        raise Unsupported("the negation of an unbounded amount (-∞)")
    k = a.const
    return num(-k) if k is not None else X(-a.v, FALSE, False, a.integral)


def x_min(a: X, b: X) -> X:
    if a.finite and b.finite and a.const is not None and b.const is not None:
        return num(min(a.const, b.const))
    v = ite(a.inf, b.v, ite(b.inf, a.v, ite(a.v <= b.v, a.v, b.v)))
    return X(v, and_(a.inf, b.inf), a.nonneg and b.nonneg, a.integral and b.integral)


def x_max(a: X, b: X) -> X:
    if a.finite and b.finite and a.const is not None and b.const is not None:
        return num(max(a.const, b.const))
    v = ite(a.inf, a.v, ite(b.inf, b.v, ite(a.v >= b.v, a.v, b.v)))
    return X(v, or_(a.inf, b.inf), a.nonneg or b.nonneg, a.integral and b.integral)


def x_mul(a: X, b: X) -> X:
    """a × b, 0 × ∞ = 0 (a promise times nothing is nothing)."""
    ka, kb = a.const, b.const
    if ka is not None and kb is not None:
        return num(ka * kb)
    if ka == 0 or kb == 0:
        return ZERO
    if a.finite and b.finite:
        if ka == 1:
            return b
        if kb == 1:
            return a
        return X(_times(a.v, b.v), FALSE, a.nonneg and b.nonneg, a.integral and b.integral)
    if not (a.nonneg and b.nonneg):
        raise Unsupported("a product that may be -∞ or ∞ × a negative")
    a_pos, b_pos = or_(a.inf, a.v > 0), or_(b.inf, b.v > 0)
    inf = or_(and_(a.inf, b_pos), and_(b.inf, a_pos))
    return X(ite(or_(a.inf, b.inf), real(0), a.v * b.v), inf, True, a.integral and b.integral)


def _figures(e: z3.ExprRef) -> bool:
    """Whether a term is a choice among figures: a numeral, or an `If` whose branches are (a rate picked
    by conditions, `pick highest { … }`, a tier's value)."""
    if z3.is_rational_value(e) or z3.is_int_value(e):
        return True
    return z3.is_app_of(e, z3.Z3_OP_ITE) and _figures(e.arg(1)) and _figures(e.arg(2))


def _times(u: z3.ArithRef, w: z3.ArithRef) -> z3.ArithRef:
    """u × w with a choice among figures multiplied into its branches: `If(c, 2%, 1%) × fdi` is written
    `If(c, 2% × fdi, 1% × fdi)`, linear, which z3 decides (a product of two terms it only searches)."""
    for x, y in ((u, w), (w, u)):
        if z3.is_app_of(x, z3.Z3_OP_ITE) and _figures(x) and not _figures(y):
            return z3.If(x.arg(0), _times(x.arg(1), y), _times(x.arg(2), y))
    return u * w


def x_div(a: X, b: X) -> X:
    """a / b where b ≠ 0 (the caller makes the value absent where the divisor may be 0)."""
    if not a.finite:
        raise Unsupported("an unbounded amount divided")
    kb = b.const
    if kb is not None:
        return X(a.v / real(kb), FALSE, a.nonneg and kb > 0)
    return X(ite(b.inf, real(0), a.v / b.v), FALSE, a.nonneg and b.nonneg)


def x_cmp(op: str, a: X, b: X) -> z3.BoolRef:
    """a OP b on extended reals, as Python floats compare ∞ (∞ >= ∞, not ∞ > ∞).  Between whole numbers
    (two amounts rounded to the fen) a strict comparison is written `a >= b + 1`: the same condition,
    but the form z3's integer reasoning proves from (without it, comparing two roundings of linked
    amounts searches the amounts' 10^15 values and times out)."""
    if a.finite and b.finite and a.integral and b.integral and op in (">", "<"):
        big, small = (a, b) if op == ">" else (b, a)
        return x_cmp(">=", big, X(small.v + 1, small.inf, small.nonneg, True))
    if a.finite and b.finite:
        return {">=": a.v >= b.v, "<=": a.v <= b.v, ">": a.v > b.v, "<": a.v < b.v,
                "==": a.v == b.v, "!=": a.v != b.v}[op]
    both = and_(not_(a.inf), not_(b.inf))
    fin = {">=": a.v >= b.v, "<=": a.v <= b.v, ">": a.v > b.v, "<": a.v < b.v, "==": a.v == b.v, "!=": a.v != b.v}[op]
    if op == ">=":
        return or_(a.inf, and_(both, fin))
    if op == "<=":
        return or_(b.inf, and_(both, fin))
    if op == ">":
        return or_(and_(a.inf, not_(b.inf)), and_(both, fin))
    if op == "<":
        return or_(and_(b.inf, not_(a.inf)), and_(both, fin))
    if op == "==":
        return or_(and_(a.inf, b.inf), and_(both, fin))
    return not_(or_(and_(a.inf, b.inf), and_(both, a.v == b.v)))


def x_ite(c: z3.BoolRef, a: X, b: X) -> X:
    if z3.is_true(c) or a is b:
        return a
    if z3.is_false(c):
        return b
    return X(ite(c, a.v, b.v), ite(c, a.inf, b.inf), a.nonneg and b.nonneg, a.integral and b.integral)


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
