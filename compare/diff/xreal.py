"""Extended reals and folded booleans as z3 terms: the arithmetic under the semantic diff's values
(compare.diff.symbolic).

An extended real `X` is a z3 Real and a flag for +∞, with hints known when building (≥ 0, a whole
number); booleans are folded where constant, so terms stay small.  A choice among figures times an
amount is multiplied into its branches, which keeps it linear.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import z3

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


__all__ = ["FALSE", "INF", "MAX_FEN", "TRUE", "ZERO", "Unsupported", "X", "and_", "const_of", "ite", "not_", "num",
           "or_", "real", "x_add", "x_cmp", "x_div", "x_ite", "x_max", "x_min", "x_mul", "x_neg"]
