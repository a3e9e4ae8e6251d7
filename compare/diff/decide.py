"""Deciding a condition over the symbolic project where a term multiplies two fields: a rate that
moves with the quality score (or a ratio) applied to an amount.  z3 decides linear arithmetic; on
such products its default tactics search without end and time out.

`decide` replaces each product of non-constant terms by a fresh variable held between the products
of the factors' ranges (McCormick's envelope: linear, and it contains every true product), the
ranges read off the fields' domains (compare.diff.symbolic.Project: a quality score is 0–100, a
ratio 0–1, an amount at most 10万亿 where the record's limits are asserted).  No project there is
a proof that there is none at all.  A project there is a candidate: with the bounded fields it reads
fixed at the candidate's values, the exact terms are linear and z3 decides them; failing that, the
widest bounded field's range is cut in two and each half tried (branch and bound) until the time
allowed runs out, and the answer is then unknown, never a guess.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from compare.diff.symbolic import MAX_FEN, Project, real

INF = float("inf")
Bound = Fraction | float  # a finite end is a Fraction; ±inf a float
Box = dict[str, tuple[z3.ArithRef, Bound, Bound]]  # variable name -> (variable, least, greatest)
WIDE = 10 ** 4  # a field whose range is wider than this (an amount) is not split: the halves never end


@dataclass
class Decision:
    result: z3.CheckSatResult
    model: z3.ModelRef | None
    seconds: float
    pieces: int = 1  # parts of the bounded fields' ranges tried (1: no product, one plain check)


def box_of(project: Project, limits: bool) -> Box:
    """The domain of each numeric field of the project as z3 asserts it (amounts up to 10万亿 only
    where the record's `limits` are among the assertions)."""
    out: Box = {}

    def put(v: z3.ArithRef, name: str) -> None:
        lo, hi = project.ranges.get(name, (None, None))
        out[_name(v)] = (v, lo if lo is not None else -INF, hi if hi is not None else INF)
    for name, v in project.vars.items():
        kind = project.kinds.get(name)
        if kind == "scalar":  # (known, value); the year is an Int
            _known, x = v
            put(x.arg(0) if z3.is_to_real(x) else x, name)
        elif kind == "money":  # (amount in fen, usd)
            amount = v[0]
            out[_name(amount)] = (amount, Fraction(0), Fraction(MAX_FEN) if limits else INF)
        elif kind in ("code", "ratio", "number", "integer", "date"):
            put(v, name)
    return out


def decide(assertions: list[z3.BoolRef], box: Box, timeout_ms: int) -> Decision:
    """Sat (with a model of the exact assertions), unsat (proved), or unknown after `timeout_ms`."""
    start = time.monotonic()
    left = lambda: int(timeout_ms - (time.monotonic() - start) * 1000)  # noqa: E731
    scan = Scan(assertions)
    if not scan.products:  # linear: z3 decides it as it is
        r, m = _check(assertions, timeout_ms)
        return Decision(r, m, time.monotonic() - start)
    assertions = [*assertions, *scan.monotone()]
    factors = {k for k in scan.fields if k in box and _finite_narrow(box[k])}
    pieces = [{k: box[k][1:] for k in factors}]
    tried, open_ = 0, False  # open_: a piece too small to cut is still undecided
    while pieces:
        if left() <= 0:
            return Decision(z3.unknown, None, time.monotonic() - start, tried)
        piece = pieces.pop()
        tried += 1
        here = {**box, **{k: (box[k][0], lo, hi) for k, (lo, hi) in piece.items()}}
        limits = [c for k, (lo, hi) in piece.items() for c in _within(box[k][0], lo, hi)]
        relaxed, envelope = Relaxation(here).apply(assertions, scan.products)
        r, m = _check([*relaxed, *envelope, *limits], left())
        if r == z3.unsat:
            continue
        if r == z3.unknown:
            return Decision(z3.unknown, None, time.monotonic() - start, tried)
        assert m is not None
        for values in _candidates(m, piece, box):
            fixed = [*values, *(b == m.eval(b, model_completion=True) for b in scan.switches)]
            exact = [z3.simplify(z3.substitute(a, *((f.arg(0), f.arg(1)) for f in fixed))) for a in assertions]
            r, m2 = _check([*exact, *fixed], min(left(), max(200, left() // 4)))
            if r == z3.sat:
                return Decision(r, m2, time.monotonic() - start, tried)
        halves = list(_halves(piece, box))
        open_ |= not halves
        pieces += halves
    return Decision(z3.unknown if open_ else z3.unsat, None, time.monotonic() - start, tried)


class Scan:
    """One walk over the assertions: the products of non-constant terms, the names of the fields and
    the yes/no fields inside their factors, and the roundings (ToInt)."""

    def __init__(self, assertions: list[z3.BoolRef]):
        self.products: list[z3.ExprRef] = []
        self.fields: set[str] = set()
        self.switches: list[z3.ExprRef] = []  # a score known, an amount in USD: fixed with the fields
        self.roundings: list[z3.ExprRef] = []
        seen: set[int] = set()
        stack: list[z3.ExprRef] = list(assertions)
        while stack:
            e = stack.pop()
            key = e.get_id()
            if key in seen:
                continue
            seen.add(key)
            if z3.is_to_int(e):
                self.roundings.append(e)
            elif _is_product(e):
                self.products.append(e)
                self._inside(e)
            stack += e.children()

    def _inside(self, e: z3.ExprRef) -> None:
        seen: set[int] = set()
        stack = [e]
        while stack:
            x = stack.pop()
            if x.get_id() in seen:
                continue
            seen.add(x.get_id())
            if z3.is_const(x) and x.decl().kind() == z3.Z3_OP_UNINTERPRETED:
                if z3.is_bool(x):
                    if not any(x.eq(s) for s in self.switches):
                        self.switches.append(x)
                else:
                    self.fields.add(_name(x))
            stack += x.children()

    def monotone(self, most: int = 24) -> list[z3.BoolRef]:
        """Rounding keeps order: for two roundings ToInt(a), ToInt(b) in the terms, a <= b implies
        ToInt(a) <= ToInt(b).  True of every project, so adding it changes no answer; z3 proves with it
        what otherwise needs a search of the amounts (an outcome rounded, split 3:7 and rounded again)."""
        terms = self.roundings[:most]
        return [z3.Implies(a.arg(0) <= b.arg(0), a <= b) for a in terms for b in terms if not a.eq(b)]


def _candidates(m: z3.ModelRef, piece: dict[str, tuple[Bound, Bound]], box: Box) -> Iterator[list[z3.BoolRef]]:
    """Values to fix the bounded fields at, plainest first: whole numbers near the candidate's, the
    ends of the piece, the candidate's own."""
    def value(k: str) -> Fraction:
        v = m.eval(box[k][0], model_completion=True)
        return Fraction(v.numerator_as_long(), v.denominator_as_long()) if z3.is_rational_value(v) \
            else Fraction(v.as_long())
    own = {k: value(k) for k in piece}
    tried: list[dict[str, Bound]] = []
    for pick in (lambda k: Fraction(round(own[k])), lambda k: piece[k][1], lambda k: piece[k][0], lambda k: own[k]):
        choice = {k: pick(k) for k in piece}
        if any(not isinstance(v, Fraction) or not piece[k][0] <= v <= piece[k][1] for k, v in choice.items()):
            continue
        if choice not in tried:
            tried.append(choice)
            yield [box[k][0] == (int(v) if box[k][0].is_int() else real(Fraction(v))) for k, v in choice.items()]


def _check(assertions: list[z3.BoolRef], timeout_ms: int) -> tuple[z3.CheckSatResult, z3.ModelRef | None]:
    if timeout_ms <= 0:
        return z3.unknown, None
    s = z3.Solver()
    s.set("timeout", timeout_ms)
    s.add(*assertions)
    r = s.check()
    return r, s.model() if r == z3.sat else None


def _within(v: z3.ArithRef, lo: Bound, hi: Bound) -> list[z3.BoolRef]:
    return [c for c, b in ((v >= _val(lo), lo), (v <= _val(hi), hi)) if isinstance(b, Fraction)]


def _halves(piece: dict[str, tuple[Bound, Bound]], box: Box) -> Iterator[dict[str, tuple[Bound, Bound]]]:
    """The piece cut in two across its widest field (an integer field at a whole number); nothing
    when every field is down to a point or a sliver (the piece is then left undecided)."""
    def width(k: str) -> Fraction:
        lo, hi = piece[k]
        return Fraction(hi - lo) if isinstance(lo, Fraction) and isinstance(hi, Fraction) else Fraction(0)
    if not piece:
        return
    k = max(piece, key=width)
    lo, hi = piece[k]
    if width(k) <= Fraction(1, 10 ** 9) or not (isinstance(lo, Fraction) and isinstance(hi, Fraction)):
        return
    integral = box[k][0].is_int()
    if integral and width(k) < 1:
        return
    mid = Fraction((lo + hi) // 2) if integral else (lo + hi) / 2
    yield {**piece, k: (lo, mid)}
    yield {**piece, k: (mid + 1 if integral else mid, hi)}


def _finite_narrow(b: tuple[Any, Bound, Bound]) -> bool:
    _, lo, hi = b
    return isinstance(lo, Fraction) and isinstance(hi, Fraction) and hi - lo <= WIDE


def _is_product(e: z3.ExprRef) -> bool:
    return z3.is_mul(e) and sum(not _numeral(a) for a in e.children()) >= 2


def _numeral(e: z3.ExprRef) -> bool:
    return z3.is_rational_value(e) or z3.is_int_value(e)


def _name(v: z3.ExprRef) -> str:
    return str(v.decl().name())


def _val(b: Bound) -> z3.ArithRef:
    assert isinstance(b, Fraction)
    return real(b)


class Relaxation:
    """Terms with each product of non-constant factors replaced by a fresh variable inside its envelope."""

    def __init__(self, box: Box):
        self.box = box
        self.pairs: list[tuple[z3.ExprRef, z3.ExprRef]] = []
        self.ranges: dict[int, tuple[Bound, Bound]] = {}
        self.envelope: list[z3.BoolRef] = []

    def apply(self, assertions: list[z3.BoolRef], products: list[z3.ExprRef]) -> tuple[list[z3.BoolRef], list[z3.BoolRef]]:
        """The assertions with each of `products` (all the products in them) replaced (z3 replaces
        the outermost match, so a product inside a factor is replaced in that factor's envelope)."""
        for e in reversed(products):  # found parents first: inner products are replaced before outer ones
            self.pairs.append((e, self._product(e)))
        return [z3.substitute(a, *self.pairs) for a in assertions], self.envelope

    def term(self, e: z3.ExprRef) -> z3.ExprRef:
        return z3.substitute(e, *self.pairs) if self.pairs else e

    def _product(self, e: z3.ExprRef) -> z3.ExprRef:
        const: z3.ExprRef | None = None
        acc: tuple[z3.ExprRef, tuple[Bound, Bound]] | None = None
        for k in e.children():
            if _numeral(k):
                const = k if const is None else const * k
                continue
            term, rng = self.term(k), self.range(k)
            if acc is None:
                acc = (term, rng)
                continue
            w = z3.FreshConst(e.sort(), "product")
            (x, (xl, xh)), (y, (yl, yh)) = acc, (term, rng)
            for a, b, upper in ((xl, yl, False), (xh, yh, False), (xh, yl, True), (xl, yh, True)):
                if isinstance(a, Fraction) and isinstance(b, Fraction):
                    bound = real(a) * y + real(b) * x - real(a * b)
                    self.envelope.append(w <= bound if upper else w >= bound)
            acc = (w, _mul((xl, xh), rng))
        assert acc is not None
        return acc[0] if const is None else const * acc[0]

    def range(self, e: z3.ExprRef) -> tuple[Bound, Bound]:  # noqa: C901 - one case per operator
        """Least and greatest value of a term over the box (interval arithmetic: wide, never narrow)."""
        key = e.get_id()
        if key in self.ranges:
            return self.ranges[key]
        kids = e.children()
        out: tuple[Bound, Bound] = (-INF, INF)
        if z3.is_rational_value(e):
            q = Fraction(e.numerator_as_long(), e.denominator_as_long())
            out = (q, q)
        elif z3.is_int_value(e):
            out = (Fraction(e.as_long()), Fraction(e.as_long()))
        elif z3.is_const(e) and _name(e) in self.box:
            out = self.box[_name(e)][1:]
        elif z3.is_add(e):
            lo: Bound = Fraction(0)
            hi: Bound = Fraction(0)
            for k in kids:
                kl, kh = self.range(k)
                lo, hi = lo + kl, hi + kh
            out = (lo, hi)
        elif z3.is_sub(e):
            lo, hi = self.range(kids[0])
            for k in kids[1:]:
                kl, kh = self.range(k)
                lo, hi = lo - kh, hi - kl
            out = (lo, hi)
        elif e.decl().kind() == z3.Z3_OP_UMINUS:
            al, ah = self.range(kids[0])
            out = (-ah, -al)
        elif z3.is_mul(e):
            out = (Fraction(1), Fraction(1))
            for k in kids:
                out = _mul(out, self.range(k))
        elif z3.is_div(e) and _numeral(kids[1]):
            d = self.range(kids[1])[0]
            if d:
                out = _mul(self.range(kids[0]), (1 / d, 1 / d))
        elif z3.is_to_real(e):
            out = self.range(kids[0])
        elif z3.is_to_int(e):
            al, ah = self.range(kids[0])
            out = (Fraction(al.__floor__()) if isinstance(al, Fraction) else al,
                   Fraction(ah.__floor__()) if isinstance(ah, Fraction) else ah)
        elif z3.is_app_of(e, z3.Z3_OP_ITE):
            (al, ah), (bl, bh) = self.range(kids[1]), self.range(kids[2])
            out = (min(al, bl), max(ah, bh))
        self.ranges[key] = out
        return out


def _mul(a: tuple[Bound, Bound], b: tuple[Bound, Bound]) -> tuple[Bound, Bound]:
    """The product of two intervals, 0 × ∞ = 0 (an end at 0 stays 0 whatever the other factor)."""
    def times(x: Bound, y: Bound) -> Bound:
        return Fraction(0) if x == 0 or y == 0 else x * y
    ps = [times(x, y) for x in a for y in b]
    return min(ps), max(ps)


__all__ = ["Box", "Decision", "Relaxation", "box_of", "decide"]
