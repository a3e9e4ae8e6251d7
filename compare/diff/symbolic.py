"""Symbolic values for the semantic diff: a project record as z3 variables, and the reference
interpreter's values over it (tests/reference.py, docs/evaluation.md).

- A project's money field is an amount in whole fen (an Int ≥ 0) and a currency (a Bool: USD);
  ratios, the quality score and the year are Reals/Ints in their schema domains; referral and grade
  are Ints (codes as in compare.engine.batch); each category is a Bool; a free-text field (industry) is an
  open choice: an Int coding the texts the policies compare it with, and any other text.  Variables are made when a
  policy first reads a field, so a witness gives only the fields that matter.
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

from dsl.schema import CATEGORIES, FIELDS, GRADES, REFERRALS
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
        return X(a.v * b.v, FALSE, a.nonneg and b.nonneg, a.integral and b.integral)
    if not (a.nonneg and b.nonneg):
        raise Unsupported("a product that may be -∞ or ∞ × a negative")
    a_pos, b_pos = or_(a.inf, a.v > 0), or_(b.inf, b.v > 0)
    inf = or_(and_(a.inf, b_pos), and_(b.inf, a_pos))
    return X(ite(or_(a.inf, b.inf), real(0), a.v * b.v), inf, True, a.integral and b.integral)


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
@dataclass
class Project:
    """The fields of one symbolic project; `domain` holds the schema's domains of the fields made."""

    prefix: str = ""
    vars: dict[str, Any] = field(default_factory=dict)
    domain: list[z3.BoolRef] = field(default_factory=list)
    limits: list[z3.BoolRef] = field(default_factory=list)  # amounts at most 10万亿: a record's limit
    views: dict[str, str] = field(default_factory=dict)  # money field -> the currency first read in: its natural one
    texts: dict[str, list[str]] = field(default_factory=dict)  # text field -> the texts named, code 1 … k
    text_bound: dict[str, int] = field(default_factory=dict)  # text field -> its bound's place in `domain`

    def _name(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def money(self, name: str) -> tuple[z3.ArithRef, z3.BoolRef]:
        if name not in self.vars:
            amount, usd = z3.Int(self._name(name)), z3.Bool(self._name(f"{name}#usd"))
            self.vars[name] = (amount, usd)
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
            self.vars[name] = z3.Bool(self._name(name))
        return self.vars[name]

    def category(self, name: str) -> z3.BoolRef:
        return self.boolean(f"categories.{name}")

    def ratio(self, name: str) -> z3.ArithRef:
        if name not in self.vars:
            r = z3.Real(self._name(name))
            f = FIELDS[name]
            self.vars[name] = r
            self.domain += [r >= real(f.low or 0), r <= real(f.high if f.high is not None else 1)]
        return self.vars[name]

    def scalar(self, name: str) -> tuple[z3.BoolRef, z3.ArithRef]:
        """A field that may be unknown (quality_score, year): (known, value)."""
        if name not in self.vars:
            known = z3.Bool(self._name(f"{name}#known"))
            if name == "year":
                v: z3.ArithRef = z3.ToReal(z3.Int(self._name(name)))
                self.domain += [v >= 1990, v <= 2100]
            else:
                v = z3.Real(self._name(name))
                f = FIELDS[name]
                if f.low is not None:
                    self.domain.append(v >= real(f.low))
                if f.high is not None:
                    self.domain.append(v <= real(f.high))
            self.vars[name] = (known, v)
        return self.vars[name]

    def code(self, name: str) -> z3.ArithRef:
        """referral (0 … 3, REFERRALS) or grade (-1 unknown, 0 = A+ … 7 = F, GRADES)."""
        if name not in self.vars:
            v = z3.Int(self._name(name))
            self.vars[name] = v
            top = len(REFERRALS) - 1 if name == "referral" else len(GRADES) - 1
            self.domain += [v >= (0 if name == "referral" else -1), v <= top]
        return self.vars[name]

    def text_is(self, name: str, literal: str) -> z3.BoolRef:
        """`name == literal` for a free-text field (industry): an open choice held as an Int code, 1 … k
        the texts the policies name (in the order met), 0 any other text."""
        if name not in self.vars:
            v = z3.Int(self._name(name))
            self.vars[name], self.texts[name] = v, []
            self.text_bound[name] = len(self.domain)  # the bound's place: widened as texts are met
            self.domain.append(z3.And(v >= 0, v <= 0))
        names = self.texts[name]
        if literal not in names:
            names.append(literal)
            v = self.vars[name]
            self.domain[self.text_bound[name]] = z3.And(v >= 0, v <= len(names))
        return self.vars[name] == names.index(literal) + 1

    def text_value(self, name: str, code: int) -> str:
        """The text a code of `text_is` stands for: a named text, else one no policy names ("" if it can)."""
        names = self.texts.get(name, [])
        if 1 <= code <= len(names):
            return names[code - 1]
        return next(t for t in ("", "其他", *(f"其他{i}" for i in range(1, len(names) + 2))) if t not in names)

    def fields(self) -> list[str]:
        return list(self.vars)


__all__ = ["CATEGORIES", "FALSE", "INF", "MAX_FEN", "TRUE", "ZERO", "Bool", "Num", "Project", "Unsupported", "X",
           "and_", "const_of", "ends", "greatest", "ite", "least", "not_", "num", "num_add", "or_", "point", "product",
           "real", "val_ite", "x_add", "x_cmp", "x_div", "x_ite", "x_max", "x_min", "x_mul", "x_neg"]
