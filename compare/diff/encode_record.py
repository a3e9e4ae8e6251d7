"""The open record's constructs as z3 terms: membership (`in`/`not in` a set field, a declared list or a
set of values or texts), text fields, and pick tables (compare.diff.encode_expr uses them).

Each mirrors the evaluator (compare.engine.conditions, compare.engine.pick) on symbolic values: a
choice as its code in the pair's record, a text field as the texts the policies name or any other, a
pick table's rows held where their condition holds and their value is present.
"""

from __future__ import annotations

from fractions import Fraction

import z3

from compare.diff.structural import text
from compare.diff.symbolic import (
    FALSE,
    TRUE,
    ZERO,
    Bool,
    Num,
    Project,
    Unsupported,
    X,
    and_,
    ite,
    or_,
    point,
    val_ite,
    x_ite,
    x_max,
    x_min,
)
from dsl import ast as A
from dsl.model import Policy
from dsl.units import Dim
from dsl.walk import conjuncts

Val = Num | Bool


class RecordExprs:
    """`in`, texts and pick tables; the encoder (compare.diff.encode_expr.ExprEncoder) gives `ev`."""

    p: Policy
    pr: Project
    rate: Fraction

    def ev(self, e: A.Expr, want: Dim | None) -> tuple[Val, z3.BoolRef]:
        raise NotImplementedError

    def eff(self, e: A.Expr, want: Dim | None) -> Dim | None:
        raise NotImplementedError

    def truth(self, e: A.Expr) -> z3.BoolRef:
        raise NotImplementedError

    def atom(self, label: str, b: z3.BoolRef) -> z3.BoolRef:
        raise NotImplementedError

    def text_is(self, name: str, literal: str) -> z3.BoolRef:
        return self.atom(f"{name} == {text(A.Text(literal))}", self.pr.text_is(name, literal))

    def in_set(self, e: A.InSet) -> z3.BoolRef:
        """`little_giant in categories`, `gazelle in honours` (a declared set), `industry in {"制造", "软件"}`,
        `referral in {a, b}`, `industry in excluded_industries` (a declared list): each as the checker typed it."""
        fields = self.p.record.fields
        container, element = e.container, e.element
        if isinstance(container, A.Name) and container.dotted in fields:  # a member of a set field
            if not isinstance(element, A.Name) or fields[container.dotted].dim != Dim.SET:
                raise Unsupported(f"`in {container.dotted}` of this element")
            if element.dotted not in self.pr.record.choices(container.dotted):
                raise Unsupported(f"`{element.dotted}` is not a member of `{container.dotted}`")
            return self.pr.member(container.dotted, element.dotted)
        if isinstance(container, A.Name) and container.dotted in self.p.lists:
            items: tuple[A.Name | A.Text, ...] = self.p.lists[container.dotted].items
        elif isinstance(container, A.SetLit):
            items = container.items
        else:
            raise Unsupported(f"`in` a container that is not a set or list: {text(container)}")
        if not isinstance(element, A.Name) or element.dotted not in fields:
            raise Unsupported(f"`in` a set of an element that is not a field: {text(element)}")
        name = element.dotted
        f = fields[name]
        tests = []
        for item in items:
            if f.dim == Dim.CHOICE and isinstance(item, A.Name):
                tests.append(self.pr.is_value(name, item.dotted))
            elif name in self.p.record.text_fields() and isinstance(item, A.Text):
                tests.append(self.text_is(name, item.value))
            else:
                raise Unsupported(f"`{name} in` an item of another kind: {text(item)}")
        return or_(*tests)

    def pick(self, e: A.Pick, want: Dim | None) -> tuple[Val, z3.BoolRef]:
        """A pick table: of the rows whose condition holds (and whose value is present), the highest
        value, the lowest (end by end, as max/min), the first listed, or the most specific (the most
        `and`-ed parts, the first listed among equals); `otherwise` where none holds; absent without it."""
        d = self.eff(e, want)
        rows: list[tuple[A.PickRow, z3.BoolRef, Val]] = []
        other: tuple[Val, z3.BoolRef] | None = None
        for r in e.rows:
            v, p = self.ev(r.value, d)
            if r.cond is None:
                other = (v, p)
            else:
                rows.append((r, and_(self.truth(r.cond), p), v))
        if e.rule == "most_specific":  # sorted is stable: the first listed among equals stays first
            rows = sorted(rows, key=lambda x: -len(conjuncts(x[0].cond)))  # type: ignore[arg-type]
        nothing: Val = Bool(FALSE) if any(isinstance(v, Bool) for _, _, v in rows) else point(ZERO)
        fallback, fallback_p = other if other is not None else (nothing, FALSE)
        any_row = or_(*(h for _, h, _ in rows))
        if e.rule in ("first", "most_specific"):
            acc: Val = fallback
            for _, holds, v in reversed(rows):
                acc = val_ite(holds, v, acc)
            return acc, ite(any_row, TRUE, fallback_p)
        if e.rule not in ("highest", "lowest"):
            raise Unsupported(f"pick {e.rule}")
        if any(isinstance(v, Bool) for _, _, v in rows) or isinstance(fallback, Bool):
            raise Unsupported(f"pick {e.rule} of true/false values")
        best = x_max if e.rule == "highest" else x_min
        ends: tuple[X, X] | None = None
        seen: z3.BoolRef = FALSE
        exact = all(v.exact for _, _, v in rows) and fallback.exact  # type: ignore[union-attr]
        for _, holds, v in rows:
            assert isinstance(v, Num)
            if ends is None:
                ends = (v.lo, v.hi)
            else:
                both = and_(seen, holds)
                ends = (x_ite(holds, x_ite(both, best(ends[0], v.lo), v.lo), ends[0]),
                        x_ite(holds, x_ite(both, best(ends[1], v.hi), v.hi), ends[1]))
            seen = or_(seen, holds)
        assert isinstance(fallback, Num)
        if ends is None:
            return fallback, fallback_p
        lo = x_ite(any_row, ends[0], fallback.lo)
        return Num(lo, lo if exact else x_ite(any_row, ends[1], fallback.hi)), ite(any_row, TRUE, fallback_p)


__all__ = ["RecordExprs"]
