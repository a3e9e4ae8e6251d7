"""Expressions as z3 terms: the node-by-node half of the encoding (compare.diff.encode).

Each case mirrors tests/reference.py on symbolic values: currencies as the checker typed the node (a
money field takes the currency it meets; `cny(…)`/`usd(…)` convert at the run's rate), presence (a
tier matched, an item of a max fired, a score known), `not` ignoring presence, comparisons false where
a side is absent, tiers' first matching row, `by reading` resolved to the run's choice.  Comparisons of
figures are remembered as `atoms` (with their policy text): the region descriptions are made of them.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import z3

from compare.diff.structural import text
from compare.diff.symbolic import (
    FALSE,
    INF,
    TRUE,
    ZERO,
    Bool,
    Num,
    Project,
    Unsupported,
    X,
    and_,
    ends,
    greatest,
    ite,
    least,
    not_,
    num,
    num_add,
    or_,
    point,
    product,
    real,
    val_ite,
    x_add,
    x_cmp,
    x_div,
    x_ite,
    x_max,
    x_min,
    x_mul,
    x_neg,
)
from dsl import ast as A
from dsl.model import Policy
from dsl.schema import GRADES
from dsl.units import Dim
from dsl.walk import conjuncts

MONEY = (Dim.CNY, Dim.USD, Dim.MONEY)
Val = Num | Bool
EPOCH = date(1970, 1, 1)


def days(iso: str) -> int:
    """A date as days since 1970-01-01, as the project columns hold it (compare.engine.batch)."""
    return (date.fromisoformat(iso) - EPOCH).days


class ExprEncoder:
    """Provides `ev(e, want)`; the subclass provides clauses (compare.diff.encode.Encoder)."""

    p: Policy
    pr: Project
    rate: Fraction
    readings: dict[str, str]
    atoms: list[tuple[str, z3.BoolRef]]

    def clause(self, cid: str) -> tuple[Val, z3.BoolRef]:
        raise NotImplementedError

    def clause_dim(self, cid: str) -> Dim | None:
        raise NotImplementedError

    def atom(self, label: str, b: z3.BoolRef) -> z3.BoolRef:
        """A comparison of figures, remembered (with its policy text) where it depends on the project."""
        if not (z3.is_true(b) or z3.is_false(b)) and not any(b.eq(x) for _, x in self.atoms):
            self.atoms.append((label, b))
        return b

    # ------------------------------------------------------------------ expressions
    def dim(self, e: A.Expr) -> Dim | None:
        ty = self.p.node_types.get(id(e))
        return ty.dim if ty else None

    def eff(self, e: A.Expr, want: Dim | None) -> Dim | None:
        d = self.dim(e)
        if d == Dim.MONEY:
            return want if want in (Dim.CNY, Dim.USD) else Dim.CNY
        return d

    def truth(self, e: A.Expr) -> z3.BoolRef:
        v, present = self.ev(e, None)
        if not isinstance(v, Bool):
            raise Unsupported(f"a figure used as a condition: {type(e).__name__}")
        return and_(v.v, present)

    def convert(self, v: Num, src: Dim | None, dst: Dim | None) -> Num:
        if src == dst or src not in (Dim.CNY, Dim.USD) or dst not in (Dim.CNY, Dim.USD):
            return v
        k = num(self.rate if dst == Dim.CNY else 1 / self.rate)
        lo = x_mul(v.lo, k)
        return Num(lo, lo if v.exact else x_mul(v.hi, k), v.present)

    def ev(self, e: A.Expr, want: Dim | None) -> tuple[Val, z3.BoolRef]:  # noqa: C901 - one case per node kind
        if isinstance(e, A.Quantity):
            scale = 100 if e.dim in MONEY else 1  # money is held in fen
            v = point(num(Fraction(e.base_value) * scale))
            return (self.convert(v, e.dim, want) if e.dim in (Dim.CNY, Dim.USD) else v), TRUE
        if isinstance(e, A.Infinity):
            return point(INF), TRUE
        if isinstance(e, A.Promised):
            return Num(ZERO, INF), TRUE
        if isinstance(e, A.BoolLit):
            return Bool(TRUE if e.value else FALSE), TRUE
        if isinstance(e, A.RatioLit):
            parts = e.parts
            r = Fraction(parts[0]) / Fraction(parts[1]) if len(parts) == 2 and parts[1] else Fraction(parts[0])
            return point(num(r)), TRUE
        if isinstance(e, A.Name):
            return self.name(e, want)
        if isinstance(e, A.Unary):
            return self.unary(e, want)
        if isinstance(e, A.Binary):
            return self.binary(e, want)
        if isinstance(e, A.Range):
            d = self.eff(e, want)
            (a, pa), (b, pb) = self.ev(e.low, d), self.ev(e.high, d)
            assert isinstance(a, Num) and isinstance(b, Num)
            return Num(a.lo, b.hi), and_(pa, pb)
        if isinstance(e, A.InSet):
            inside = self.in_set(e)
            return Bool(not_(inside) if e.negated else inside), TRUE
        if isinstance(e, A.DateLit):
            return point(num(days(e.value))), TRUE
        if isinstance(e, A.Pick):
            return self.pick(e, want)
        if isinstance(e, A.IfExpr):
            d = self.eff(e, want)
            cond = self.truth(e.cond)
            (a, pa), (b, pb) = self.ev(e.then, d), self.ev(e.else_, d)
            return val_ite(cond, a, b), ite(cond, pa, pb)
        if isinstance(e, A.Call):
            return self.call(e, want)
        if isinstance(e, A.Tiers):
            return self.tiers(e, want)
        if isinstance(e, A.ByReading):
            choice = self.readings.get(e.reading)
            case = next((c for c in e.cases if c.option == choice), None)
            if case is None:
                raise Unsupported(f"no case for reading {e.reading}={choice}")
            return self.ev(case.value, self.eff(e, want))
        raise Unsupported(f"{type(e).__name__} has no value here")

    def name(self, e: A.Name, want: Dim | None) -> tuple[Val, z3.BoolRef]:
        name = e.dotted
        if name in self.p.record.fields:
            f = self.p.record.fields[name]
            if f.dim == Dim.MONEY:
                return point(self.pr.money_in(name, want if want == Dim.USD else Dim.CNY, self.rate)), TRUE
            if f.dim == Dim.BOOL:
                return Bool(self.pr.boolean(name)), TRUE
            if f.dim == Dim.RATIO:
                return point(X(self.pr.ratio(name), FALSE, True)), TRUE
            if f.dim == Dim.SCALAR and not self.p.record.is_declared(name):
                # unknown: absent, and 0 where a tier reads it regardless
                known, v = self.pr.scalar(name)
                return point(X(ite(known, v, real(0)), FALSE, True)), known
            if f.dim in (Dim.SCALAR, Dim.COUNT, Dim.AREA):  # declared: always known
                return point(X(self.pr.number(name), FALSE, f.low is not None and f.low >= 0)), TRUE
            if f.dim == Dim.DATE:
                return point(X(self.pr.date(name), FALSE, False, True)), TRUE
            raise Unsupported(f"field `{name}` has no numeric value")
        if name in self.p.conditions:  # a named condition: its `when`, inlined
            cond = self.p.conditions[name].when
            if cond is None:
                raise Unsupported(f"condition `{name}` has no `when`")
            return Bool(self.truth(cond)), TRUE
        if name in self.p.clauses:
            v, fired = self.clause(name)
            if isinstance(v, Num) and want in (Dim.CNY, Dim.USD):
                v = self.convert(v, self.clause_dim(name), want)
            return v, fired
        if name in self.p.params:
            prm = self.p.params[name]
            return self.ev(prm.value.committed if isinstance(prm.value, A.Target) else prm.value, want)
        raise Unsupported(f"undefined name `{name}`")

    def unary(self, e: A.Unary, want: Dim | None) -> tuple[Val, z3.BoolRef]:
        v, p = self.ev(e.operand, self.eff(e, want))
        if e.op == "not":
            assert isinstance(v, Bool)
            return Bool(not_(v.v)), TRUE
        assert isinstance(v, Num)
        if e.op == "neg":
            lo = x_neg(v.hi)
            return Num(lo, lo if v.exact else x_neg(v.lo)), p
        if e.op in ("up_to", "at_most"):
            return Num(ZERO, v.hi), p
        if e.op in ("at_least", "more_than"):
            return Num(v.lo, INF), p
        return v, p

    def binary(self, e: A.Binary, want: Dim | None) -> tuple[Val, z3.BoolRef]:  # noqa: C901
        op = e.op
        if op in ("and", "or"):
            a, b = self.truth(e.left), self.truth(e.right)
            return Bool(and_(a, b) if op == "and" else or_(a, b)), TRUE
        if op in ("==", "!=", ">=", "<=", ">", "<"):
            return self.compare(e), TRUE
        d = self.eff(e, want)
        if op in ("of", "*"):
            ld = d if self.dim(e.left) in MONEY else None
            rd = d if self.dim(e.right) in MONEY else None
            (a, pa) = self.ev(e.left, self.eff(e.left, ld) if ld else d)
            (b, pb) = self.ev(e.right, self.eff(e.right, rd) if rd else d)
            assert isinstance(a, Num) and isinstance(b, Num)
            return product(a, b), and_(pa, pb)
        if op == "/":
            sub = None
            for side in (e.left, e.right):
                if self.dim(side) in (Dim.CNY, Dim.USD):
                    sub = self.dim(side)
            (a, pa), (b, pb) = self.ev(e.left, sub), self.ev(e.right, sub)
            assert isinstance(a, Num) and isinstance(b, Num)
            zero = and_(x_cmp("<=", b.lo, ZERO), x_cmp(">=", b.hi, ZERO))
            qs = [x_div(x, y) for x in ends(a) for y in ends(b)]
            lo, hi = least(qs), greatest(qs)
            z = x_ite(zero, ZERO, lo)
            return Num(z, z if a.exact and b.exact else x_ite(zero, ZERO, hi)), and_(pa, pb, not_(zero))
        (a, pa), (b, pb) = self.ev(e.left, d), self.ev(e.right, d)
        assert isinstance(a, Num) and isinstance(b, Num)
        present = and_(pa, pb)
        if op == "+":
            return num_add(a, b), present
        if op == "-":
            lo = x_add(a.lo, x_neg(b.hi))
            return Num(lo, lo if a.exact and b.exact else x_add(a.hi, x_neg(b.lo))), present
        if op in ("cap", "floor"):
            f = x_min if op == "cap" else x_max
            lo = f(a.lo, b.lo)
            return Num(lo, lo if a.exact and b.exact else f(a.hi, b.hi)), present
        raise Unsupported(f"operator {op}")

    def compare(self, e: A.Binary) -> Bool:
        op = e.op
        fields = self.p.record.fields
        for fside, other in ((e.left, e.right), (e.right, e.left)):
            f = fields.get(fside.dotted) if isinstance(fside, A.Name) else None
            if f is not None and f.dim == Dim.CHOICE:  # referral, a declared choice: `zone == key_area`
                if not isinstance(other, A.Name):
                    raise Unsupported(f"{f.name} compared with something other than one of its values")
                same = self.pr.is_value(f.name, other.dotted)
                return Bool(same if op == "==" else not_(same))
            if isinstance(fside, A.Name) and fside.dotted == "grade" and isinstance(other, A.Text):
                g = self.pr.code("grade")
                mine, theirs = -g, z3.IntVal(-GRADES.index(other.value))
                if fside is e.right:
                    mine, theirs = theirs, mine
                cmp = {">=": mine >= theirs, "<=": mine <= theirs, ">": mine > theirs, "<": mine < theirs,
                       "==": mine == theirs, "!=": mine != theirs}[op]
                return Bool(and_(g >= 0, cmp))
            if f is not None and f.name in self.p.record.text_fields() and isinstance(other, A.Text):
                same = self.text_is(f.name, other.value)
                return Bool(same if op == "==" else not_(same))
        sub = next((x for x in (self.dim(e.left), self.dim(e.right)) if x in (Dim.CNY, Dim.USD)), None)
        (a, pa), (b, pb) = self.ev(e.left, sub), self.ev(e.right, sub)
        if isinstance(a, Num) and isinstance(b, Num):
            return Bool(and_(pa, pb, self.atom(text(e), x_cmp(op, a.lo, b.lo))))
        if isinstance(a, Bool) and isinstance(b, Bool) and op in ("==", "!="):
            same = a.v == b.v
            return Bool(and_(pa, pb, same if op == "==" else not_(same)))
        raise Unsupported(f"comparison `{op}` of these values")

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

    def call(self, e: A.Call, want: Dim | None) -> tuple[Val, z3.BoolRef]:
        if e.func in ("cny", "usd"):
            dst = Dim.CNY if e.func == "cny" else Dim.USD
            src = self.eff(e.args[0], dst)
            v, p = self.ev(e.args[0], src)
            assert isinstance(v, Num)
            return self.convert(v, src, dst), p
        d = self.eff(e, want)
        items = [self.ev(a, d) for a in e.args]
        if not all(isinstance(v, Num) for v, _ in items):
            raise Unsupported(f"{e.func} of true/false items")
        any_p = or_(*(p for _, p in items))
        exact = all(v.exact for v, _ in items)  # type: ignore[union-attr]
        if e.func == "sum":
            lo, hi = ZERO, ZERO
            for v, p in items:
                assert isinstance(v, Num)
                lo, hi = x_add(lo, x_ite(p, v.lo, ZERO)), x_add(hi, x_ite(p, v.hi, ZERO))
            return Num(lo, lo if exact else hi), any_p
        if e.func == "first":
            lo, hi = ZERO, ZERO
            for v, p in reversed(items):
                assert isinstance(v, Num)
                lo, hi = x_ite(p, v.lo, lo), x_ite(p, v.hi, hi)
            return Num(lo, lo if exact else hi), any_p
        if e.func not in ("max", "min"):
            raise Unsupported(f"function {e.func}")
        pick = x_max if e.func == "max" else x_min
        acc: tuple[X, X] | None = None
        seen: z3.BoolRef = FALSE
        for v, p in items:
            assert isinstance(v, Num)
            if acc is None:
                acc = (v.lo, v.hi)
            else:
                both = and_(seen, p)
                acc = (x_ite(p, x_ite(both, pick(acc[0], v.lo), v.lo), acc[0]),
                       x_ite(p, x_ite(both, pick(acc[1], v.hi), v.hi), acc[1]))
            seen = or_(seen, p)
        assert acc is not None
        lo = x_ite(any_p, acc[0], ZERO)
        return Num(lo, lo if exact else x_ite(any_p, acc[1], ZERO)), any_p

    def tiers(self, e: A.Tiers, want: Dim | None) -> tuple[Val, z3.BoolRef]:
        edge_dim = next((x.dim for r in e.rows for x in (r.low, r.high) if isinstance(x, A.Quantity)), None)
        subject, _ = self.ev(e.subject, edge_dim)
        assert isinstance(subject, Num)
        x = subject.lo
        k: X = num(1)
        if e.scale is not None:
            applies = self.truth(e.scale.cond)
            if e.scale.unless:
                applies = not_(applies)
            factor, _ = self.ev(e.scale.factor, None)
            assert isinstance(factor, Num)
            k = x_ite(applies, factor.lo, num(1))
        unit = 100 if edge_dim in MONEY else 1
        d = self.eff(e, want)
        subject_text = text(e.subject)
        scaled = "" if e.scale is None else \
            f" (edges × {text(e.scale.factor)} {'unless' if e.scale.unless else 'when'} {text(e.scale.cond)})"
        rows = []
        for r in e.rows:
            holds = TRUE
            if isinstance(r.low, A.Quantity):
                lo = x_mul(num(Fraction(r.low.base_value) * unit), k)
                op = ">=" if r.low_closed else ">"
                holds = self.atom(f"{subject_text} {op} {text(r.low)}{scaled}", x_cmp(op, x, lo))
            if isinstance(r.high, A.Quantity):
                hi = x_mul(num(Fraction(r.high.base_value) * unit), k)
                op = "<=" if r.high_closed else "<"
                holds = and_(holds, self.atom(f"{subject_text} {op} {text(r.high)}{scaled}", x_cmp(op, x, hi)))
            rows.append((holds, *self.ev(r.value, d)))
        acc: Val = point(ZERO)
        present: z3.BoolRef = FALSE
        for holds, v, p in reversed(rows):
            if isinstance(v, Bool):
                raise Unsupported("a tier table of true/false values")
            acc = val_ite(holds, v, acc)
            present = ite(holds, p, present)
        return acc, present
