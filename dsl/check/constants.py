"""Constant faults: arithmetic on figures alone that has no value is an error when checking, not a
crash or a NaN when evaluating — a division by zero (E306), a figure too large to compute with
(E307), ∞ − ∞ or ∞ / ∞ (E308).

Figures are folded exactly (Fraction, ±∞) to the intervals they can take: one per reading option
where a `by reading` chooses between figures.  Division by a project field that can be 0 is not a
fault of the policy: the evaluator makes such a project not eligible.
"""

from __future__ import annotations

import math
from fractions import Fraction

from dsl import ast as A
from dsl.check.base import CheckerBase, span_of

Num = Fraction | float  # float only for ±∞
Ends = tuple[Num, Num]
MAX_FIGURE = Fraction(10) ** 300  # any larger figure overflows float64 once scaled to fen and converted
MAX_ALTERNATIVES = 16


class ConstantChecks(CheckerBase):
    def check_constant(self, e: A.Expr) -> None:
        """Report the constant faults of one expression node (each node once)."""
        self._fold(e)

    def _fold(self, e: A.Expr) -> list[Ends] | None:
        memo: dict[int, list[Ends] | None] = self.__dict__.setdefault("_constants", {})
        key = id(e)
        if key not in memo:
            memo[key] = None  # a reference cycle (reported as E207 elsewhere) folds to nothing
            memo[key] = self._fold_node(e)
        return memo[key]

    def _fold_node(self, e: A.Expr) -> list[Ends] | None:  # noqa: C901 - one case per node kind
        if isinstance(e, A.Quantity):
            v = Fraction(e.base_value)
            if abs(v) > MAX_FIGURE:
                self.err("E307", f"the figure `{_short(str(e))}` is too large to compute with", e.span,
                         "figures are at most 10^300; check the number of digits")
                return None
            return [(v, v)]
        if isinstance(e, A.RatioLit):
            v = Fraction(e.parts[0]) / Fraction(e.parts[1]) if len(e.parts) == 2 and e.parts[1] else Fraction(e.parts[0])
            return [(v, v)]
        if isinstance(e, A.Infinity):
            return [(math.inf, math.inf)]
        if isinstance(e, A.Promised):
            return [(Fraction(0), math.inf)]
        if isinstance(e, A.Name):
            prm = self.p.params.get(e.dotted)
            if prm is None or e.dotted in self.p.record.fields:
                return None
            return self._fold(prm.value.committed if isinstance(prm.value, A.Target) else prm.value)
        if isinstance(e, A.Unary):
            x = self._fold(e.operand)
            if x is None or e.op == "not":
                return None
            if e.op == "neg":
                return [(-hi, -lo) for lo, hi in x]
            if e.op in ("up_to", "at_most"):
                return [(Fraction(0), hi) for _, hi in x]
            if e.op in ("at_least", "more_than"):
                return [(lo, math.inf) for lo, _ in x]
            return x
        if isinstance(e, A.Range):
            a, b = self._fold(e.low), self._fold(e.high)
            return _pairs(a, b, lambda x, y: (x[0], y[1]))
        if isinstance(e, A.ByReading):
            alts = [self._fold(case.value) for case in e.cases]
            if any(a is None for a in alts):
                return None
            out = [x for a in alts for x in a or []]
            return out if len(out) <= MAX_ALTERNATIVES else None
        if isinstance(e, A.Call) and e.func in ("cny", "usd") and len(e.args) == 1:
            return self._fold(e.args[0])  # a positive, finite rate keeps zero, sign and ∞ as they are
        if isinstance(e, A.Binary) and e.op in ("+", "-", "*", "of", "/", "cap", "floor"):
            return self._fold_binary(e)
        return None

    def _fold_binary(self, e: A.Binary) -> list[Ends] | None:
        a, b = self._fold(e.left), self._fold(e.right)
        if a is None or b is None:
            return None
        if e.op == "/" and any(lo <= 0 <= hi for lo, hi in b):
            exactly = all(lo == hi == 0 for lo, hi in b)
            self.err("E306", "division by zero: the divisor " + ("is 0" if exactly else "can be 0"), span_of(e.right),
                     "a divisor written with figures alone must not be 0 (nor a range that holds 0)")
            return None
        out: list[Ends] = []
        for x in a:
            for y in b:
                ends = _ends(e.op, x, y)
                if ends is None:
                    what = "∞ / ∞" if e.op == "/" else "∞ − ∞"
                    self.err("E308", f"{what} has no value", e.span,
                             "an unbounded figure (∞, promised, at least …) cannot be subtracted from (or divide) "
                             "another; give the figure, or drop the arithmetic")
                    return None
                for v in ends:
                    if isinstance(v, Fraction) and abs(v) > MAX_FIGURE:
                        self.err("E307", "the result of this arithmetic is too large to compute with", e.span,
                                 "figures are at most 10^300; check the number of digits")
                        return None
                out.append(ends)
        return out if len(out) <= MAX_ALTERNATIVES else None


def _pairs(a: list[Ends] | None, b: list[Ends] | None, fn: object) -> list[Ends] | None:
    if a is None or b is None:
        return None
    out = [fn(x, y) for x in a for y in b]  # type: ignore[operator]
    return out if len(out) <= MAX_ALTERNATIVES else None


def _ends(op: str, x: Ends, y: Ends) -> Ends | None:
    """The interval of `x op y`; None where an end has no value (∞ − ∞, ∞ / ∞)."""
    if op == "+":
        vs = [_add(x[0], y[0]), _add(x[1], y[1])]
    elif op == "-":
        vs = [_add(x[0], -y[1]), _add(x[1], -y[0])]
    elif op in ("*", "of"):
        vs = [_mul(p, q) for p in x for q in y]
    elif op == "/":
        vs = [_div(p, q) for p in x for q in y]
    else:
        pick = min if op == "cap" else max
        return pick(x[0], y[0]), pick(x[1], y[1])
    if any(v is None for v in vs):
        return None
    nums = [v for v in vs if v is not None]
    return min(nums), max(nums)


def _add(p: Num, q: Num) -> Num | None:
    if isinstance(p, float) and isinstance(q, float):
        return None if p != q else p  # ∞ + ∞ is ∞; ∞ − ∞ has no value
    if isinstance(p, float) or isinstance(q, float):
        return p if isinstance(p, float) else q  # ∞ + a figure is ∞
    return p + q


def _mul(p: Num, q: Num) -> Num:
    if p == 0 or q == 0:  # 0 × ∞ (nothing of a promise) is 0
        return Fraction(0)
    if isinstance(p, float) or isinstance(q, float):
        return math.inf if (p > 0) == (q > 0) else -math.inf
    return p * q


def _div(p: Num, q: Num) -> Num | None:
    if isinstance(q, float):  # q is ±∞
        return None if isinstance(p, float) else Fraction(0)
    if isinstance(p, float):
        return p if q > 0 else -p
    return p / q


def _short(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:12]}…{text[-12:]} ({len(text)} characters)"
