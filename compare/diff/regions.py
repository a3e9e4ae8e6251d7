"""Where each side is ahead: the region of projects, described part by part (cross-city questions).

The region where NEW (OLD) gives more on some bound is covered by disjoint parts.  A part starts from
any project in the region and keeps what its membership depends on: each discrete field (true/false,
categories, referral, grade) and each comparison of the policies' figures (`paid_in_ratio >= 30%`, a tier
edge) is dropped when, given the rest of the part, flipping it never moves a project in or out of the
region (checked by substituting both values into the region's formula: unsat means it does not matter);
referral and grade keep the set of values that behave alike.  For each money field the part states the
least and greatest amount it takes there, exact to the fen, in the currency the policies read it in (None:
no upper limit); a ratio is described by the comparisons kept (`paid_in_ratio >= 30%`).  Parts are blocked
and the search repeated, so they cover the region unless `MAX_PARTS` stops it (a final entry says so).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import z3

from compare.diff.symbolic import MAX_FEN, Num, and_, or_, x_cmp
from compare.diff.witness import money_text

if TYPE_CHECKING:
    from compare.diff.semantic import ConceptDiff, Pair, Region

MAX_PARTS = 6
UNKNOWN = "unknown"


def describe(pair: Pair, cd: ConceptDiff) -> list[Region]:
    out: list[Region] = []
    for direction, ahead in (("up", "new"), ("down", "old")):
        bounds = sorted({m.bound for m in cd.moves if m.direction == direction})
        if bounds:
            exact = or_(*(_ahead(pair, b, direction == "up", True) for b in bounds))
            relaxed = or_(*(_ahead(pair, b, direction == "up", False) for b in bounds))
            out += _parts(pair, ahead, exact, relaxed)
    return out


def _ahead(pair: Pair, bound: str, up: bool, exact: bool) -> z3.BoolRef:
    o, n = pair.ex if exact else pair.rx
    if not isinstance(o, Num) or not isinstance(n, Num):
        ov = o.v if o is not None else z3.BoolVal(False)  # type: ignore[union-attr]
        nv = n.v if n is not None else z3.BoolVal(False)  # type: ignore[union-attr]
        return and_(nv, z3.Not(ov)) if up else and_(ov, z3.Not(nv))
    eo, en, ro, rn = pair.ends(bound)
    a, b = (en, eo) if exact else (rn, ro)
    return x_cmp(">" if up else "<", a, b)


class Feature:
    """Something a part may fix: a Bool (field, category, a score's being known, a comparison) or a
    code (referral, grade) with the values it may take."""

    def __init__(self, name: str, term: z3.ExprRef, values: tuple[int, ...] = (), comparison: bool = False,
                 names: tuple[str, ...] = ()):
        self.name, self.term, self.values, self.comparison = name, term, values, comparison
        self.names = names  # a code's values, code 0 first (grade: -1 is unknown)

    def value(self, m: z3.ModelRef) -> Any:
        v = m.eval(self.term, model_completion=True)
        return (v.as_long(),) if self.values else z3.is_true(v)

    def literal(self, kept: Any) -> z3.BoolRef:
        if self.values:
            return or_(*(self.term == c for c in kept))
        return self.term if kept else z3.Not(self.term)

    def shown(self, kept: Any) -> Any:
        if not self.values:
            return kept
        names = [self.names[c] if c >= 0 else "unknown" for c in kept]
        return names[0] if len(names) == 1 else names


def _features(pair: Pair) -> list[Feature]:
    out: list[Feature] = []
    for name, v in pair.pr.vars.items():
        kind = pair.pr.kinds.get(name)
        if kind in ("money", "ratio", "text", "number", "integer", "date"):
            continue  # told by ranges and by the comparisons naming them (`industry == "房地产"`), among the atoms
        if kind == "code":
            names = pair.pr.values(name)
            out.append(Feature(name, v, tuple(range(-1 if name == "grade" else 0, len(names))), names=names))
        elif kind == "scalar":
            out.append(Feature(f"{name} known", v[0]))
        else:
            out.append(Feature(name, v))
    return out + [Feature(label, atom, comparison=True) for label, atom in pair.atoms]


def _parts(pair: Pair, ahead: str, exact: z3.BoolRef, relaxed: z3.BoolRef) -> list[Region]:
    from compare.diff.semantic import Region

    s = z3.Solver()
    s.set("timeout", pair.ctx.quick_ms)
    s.add(*pair.pr.domain, *pair.pr.limits)
    feats = _features(pair)
    blocks: list[z3.BoolRef] = []
    regions: list[Region] = []
    for _ in range(MAX_PARTS):
        s.push()  # any project of the region left: the part is made of what its membership depends on
        s.add(exact, *blocks)
        found = s.check()
        m = s.model() if found == z3.sat else None
        s.pop()
        if m is None:
            return regions
        kept: dict[int, Any] = {i: f.value(m) for i, f in enumerate(feats)}
        for i, f in enumerate(feats):
            rest = [feats[j].literal(k) for j, k in kept.items() if j != i]
            same = [c for c in f.values if c in kept[i] or not _matters(s, rest, exact, f.term, kept[i][0], c)] \
                if f.values else []
            if f.values and len(same) < len(f.values):
                kept[i] = tuple(same)
            elif f.values or not _matters(s, rest, exact, f.term, True, False):
                del kept[i]
        cube = [feats[j].literal(k) for j, k in kept.items()]
        fixed = {feats[j].name: feats[j].shown(k) for j, k in kept.items() if not feats[j].comparison}
        conditions = [feats[j].name if k else f"not ({feats[j].name})" for j, k in kept.items() if feats[j].comparison]
        s.push()
        s.add(exact)
        regions.append(Region(ahead, fixed, conditions, _ranges(pair, s, cube)))
        s.pop()
        blocks.append(z3.Not(and_(*cube)) if cube else z3.BoolVal(False))
    s.push()
    s.add(exact, *blocks)
    if s.check() == z3.sat:
        regions.append(Region(ahead, {"…": f"more than {MAX_PARTS} parts: the rest not listed"}, [], {}))
    s.pop()
    return regions


def _matters(s: z3.Solver, rest: list[z3.BoolRef], region: z3.BoolRef, term: z3.ExprRef, a: Any, b: Any) -> bool:
    """Whether, given `rest`, the region differs anywhere between `term` = a and `term` = b."""
    def at(x: Any) -> z3.BoolRef:
        value = z3.IntVal(x) if isinstance(x, int) and not isinstance(x, bool) else z3.BoolVal(bool(x))
        return z3.substitute(region, (term, value))
    s.push()
    s.add(*rest, at(a) != at(b))
    r = s.check()
    s.pop()
    return r != z3.unsat


def _ranges(pair: Pair, s: z3.Solver, cube: list[z3.BoolRef]) -> dict[str, tuple[str, str | None]]:
    """Per money field: its least and greatest amount in the part, for projects that give it in the
    currency the policies read it in (1000万美元, not 6751.8万元; exact either way).  A ratio's
    range is what the comparisons kept in the part say (`paid_in_ratio >= 30%`)."""
    out: dict[str, tuple[str, str | None]] = {}
    for name, v in pair.pr.vars.items():
        if pair.pr.kinds.get(name) == "money":
            amount, usd = v
            is_usd = pair.pr.views.get(name) == "USD"  # told in the currency the policies read it in
            fix = usd if is_usd else z3.Not(usd)
            lo, hi = _int_end(s, [*cube, fix], amount, False), _int_end(s, [*cube, fix], amount, True)
            if not isinstance(lo, Fraction) or hi == UNKNOWN or (lo == 0 and hi is None):
                continue  # no condition on the field in this part (or the solver could not tell)
            out[name] = (money_text(int(lo), is_usd), money_text(int(hi), is_usd) if isinstance(hi, Fraction) else None)
    return out


def _int_end(s: z3.Solver, cube: list[z3.BoolRef], var: z3.ArithRef, up: bool) -> Fraction | str | None:
    """The greatest (least) whole value of `var` where the solver's assertions and `cube` hold: galloping
    from a model's value while the solver finds better ones, halving the step when it does not.  None:
    the greatest is at the record's limit (no upper limit in the part), or the part is empty."""
    s.push()
    s.add(*cube)
    try:
        s.push()
        s.add(var >= MAX_FEN if up else var <= 0)
        r = s.check()
        s.pop()
        if r == z3.sat:
            return None if up else Fraction(0)
        if r != z3.unsat:
            return UNKNOWN
        if s.check() != z3.sat:
            return None
        best, step = _val(s.model(), var), 1
        for _ in range(400):
            s.push()
            s.add(var >= best + step if up else var <= best - step)
            r = s.check()
            if r == z3.sat:
                best = _val(s.model(), var)
            s.pop()
            if r == z3.sat:
                step *= 2
            elif r != z3.unsat:
                return UNKNOWN
            elif step == 1:
                return best
            else:
                step //= 2
        return UNKNOWN
    finally:
        s.pop()


def _val(m: z3.ModelRef, var: z3.ArithRef) -> Fraction:
    r = m.eval(var, model_completion=True)
    if z3.is_int_value(r):
        return Fraction(r.as_long())
    return Fraction(r.numerator_as_long(), r.denominator_as_long())


__all__ = ["MAX_PARTS", "describe"]
