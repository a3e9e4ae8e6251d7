"""Expressions: types, units and currencies of every node; choices, categories, calls."""

from __future__ import annotations

from dsl import ast as A
from dsl.check.base import BOOL, MONEY_DIMS, UNKNOWN, span_of
from dsl.check.constants import ConstantChecks
from dsl.check.picks import PickChecks
from dsl.check.sets import SetChecks
from dsl.model import Ty
from dsl.units import Dim, format_decimal
from dsl.walk import chain_links


class ExpressionChecks(ConstantChecks, SetChecks, PickChecks):
    # ------------------------------------------------------------ expressions
    def infer(self, e: A.Expr) -> Ty:
        ty = self._infer(e)
        self.p.node_types[id(e)] = ty  # the compiler reads each node's type (e.g. its currency)
        if ty.per is None and not (isinstance(e, A.Binary) and e.op in ("*", "of")):
            self.per_unit_consumed(e)  # a per-unit child whose parent is not per unit: E217
        if isinstance(e, (A.Quantity, A.Binary)):
            self.check_constant(e)  # a division by zero, a figure too large, ∞ − ∞ (E306–E308)
        return ty

    def _infer(self, e: A.Expr) -> Ty:  # noqa: C901 - one case per node kind
        if isinstance(e, A.Quantity):
            return Ty(e.dim, per=e.per_dim)
        if isinstance(e, A.DateLit):
            return self.date(e)
        if isinstance(e, A.Pick):
            return self.pick(e)
        if isinstance(e, A.RatioLit):
            return Ty(Dim.RATIO)
        if isinstance(e, (A.Infinity, A.Promised, A.ListValue)):
            return UNKNOWN
        if isinstance(e, A.BoolLit):
            return BOOL
        if isinstance(e, A.Text):
            return Ty(Dim.TEXT)
        if isinstance(e, A.Name):
            return self.resolve(e)
        if isinstance(e, A.Unary):
            return self._unary(e)
        if isinstance(e, A.Binary):
            return self._binary(e)
        if isinstance(e, A.Range):
            lo, hi = self.infer(e.low), self.infer(e.high)
            for end, other in ((e.low, hi), (e.high, lo)):
                if isinstance(end, A.Quantity) and end.unit == "" and other.dim not in (None, Dim.SCALAR):
                    unit = e.high.unit if end is e.low and isinstance(e.high, A.Quantity) else ""
                    self.err("E107", f"one end of the range has no unit: `{end}`", end.span,
                             "give both ends their unit: the text's “2～5‰” is written 2‰~5‰"
                             + (f" (here {end}{unit})" if unit else ""))
                    return Ty(other.dim, True, other.per)
            ty = self.unify(lo, hi, e.span, "the two ends of the range")
            if isinstance(e.low, A.Quantity) and isinstance(e.high, A.Quantity) and ty.dim is not None \
                    and e.low.base_value > e.high.base_value:
                self.err("W704", f"the range {e.low}~{e.high} runs backwards", e.span, "write the low end first")
            return Ty(ty.dim, True, ty.per)
        if isinstance(e, A.InSet):
            return self._in_set(e)
        if isinstance(e, A.SetLit):
            self.err("E302", "a set {…} only follows `in`", e.span, None)
            return UNKNOWN
        if isinstance(e, A.IfExpr):
            self.expect_bool(e.cond, "the condition of `if`")
            return self.unify(self.infer(e.then), self.infer(e.else_), e.span, "the two branches of `if`")
        if isinstance(e, A.Call):
            return self._call(e)
        if isinstance(e, A.Tiers):
            return self.tiers(e)
        if isinstance(e, A.ByReading):
            return self.by_reading(e)
        raise AssertionError(f"unhandled node {type(e).__name__}")

    def numeric(self, ty: Ty, e: A.Expr, what: str) -> bool:
        if ty.dim is not None and not ty.dim.is_numeric:
            self.err("E302", f"{what} needs a figure, got {self._words(ty)}", span_of(e), None)
            return False
        return True

    def _unary(self, e: A.Unary) -> Ty:
        if e.op == "not":  # expect_bool infers the operand: inferring it here too made `not not …` exponential
            self.expect_bool(e.operand, "the operand of `not`")
            return BOOL
        ty = self.infer(e.operand)
        words = {"neg": "`-`", "up_to": "`up to`", "at_most": "`at most`", "at_least": "`at least`", "more_than": "`more than`",
                 "about": "`about`"}[e.op]
        if not self.numeric(ty, e.operand, words):
            return UNKNOWN
        return Ty(ty.dim, ty.interval or e.op in ("up_to", "at_most", "at_least", "more_than"), ty.per)

    def _binary(self, e: A.Binary) -> Ty:  # noqa: C901
        op = e.op
        if op in ("and", "or"):  # a chain `a and b and …` nests to the left: walked as a list, any length
            links = chain_links(e)
            for link in links[1:]:
                self.p.node_types[id(link)] = BOOL
            self.expect_bool(links[-1].left, f"the left side of `{op}`")
            for link in reversed(links):
                self.expect_bool(link.right, f"the right side of `{op}`")
            return BOOL
        if op in (">=", "<=", ">", "<", "==", "!="):
            return self._compare(e)
        lt, rt = self.infer(e.left), self.infer(e.right)
        interval = lt.interval or rt.interval
        if not (self.numeric(lt, e.left, f"`{op}`") and self.numeric(rt, e.right, f"`{op}`")):
            return UNKNOWN
        if op in ("+", "-"):
            return self.unify(lt, rt, e.span, f"`{op}`")
        if op in ("cap", "floor"):
            if rt.dim in (Dim.RATIO, Dim.SCALAR) and lt.dim not in (None, Dim.RATIO, Dim.SCALAR):
                self.err("E302", f"`{op}` needs {self._words(lt)}, got {self._words(rt)}", span_of(e.right),
                         "a ratio is a rate; the ceiling of an amount is an amount, e.g. cap 200万元")
                return UNKNOWN
            return self.unify(lt, rt, e.span, f"`{op}`")
        if op in ("*", "of") and (lt.per is not None or rt.per is not None):
            return self.per_unit_product(e, lt, rt)
        if op == "of":
            if lt.dim not in (None, Dim.RATIO, Dim.SCALAR):
                self.err("E302", f"the rate before `of` must be a ratio such as 5‰, got {self._words(lt)}",
                         span_of(e.left), "write `5‰ of paid_in_capital`")
                return UNKNOWN
            return Ty(rt.dim, interval)
        if op == "*":
            if lt.dim in (Dim.RATIO, Dim.SCALAR):
                return Ty(rt.dim, interval)
            if rt.dim in (Dim.RATIO, Dim.SCALAR):
                return Ty(lt.dim, interval)
            if lt.dim is None or rt.dim is None:
                return Ty(lt.dim or rt.dim, interval)
            per = {lt.dim, rt.dim} & {Dim.COUNT, Dim.AREA}
            hint = "one side of `*` must be a ratio or a plain number"
            if per and {lt.dim, rt.dim} & set(MONEY_DIMS):  # 每人2000元: an amount per unit
                hint += "; an amount per person or per area is written " + (
                    "2000元/人 * new_jobs" if Dim.COUNT in per else "30元/平方米 * rent_area")
            self.err("E301", f"cannot multiply {self._words(lt)} by {self._words(rt)}", e.span, hint)
            return UNKNOWN
        if op == "/":
            if rt.dim in (Dim.RATIO, Dim.SCALAR):
                return Ty(lt.dim, interval, lt.per)
            ty = self.unify(lt, rt, e.span, "`/`")
            return Ty(Dim.SCALAR if ty.dim is not None else None, interval)
        raise AssertionError(op)

    def _compare(self, e: A.Binary) -> Ty:
        for field_side, other in ((e.left, e.right), (e.right, e.left)):
            fname = self._choice_field(field_side)
            if fname is not None:
                self.use(f"field:{fname}")
                self.p.node_types[id(field_side)] = Ty(self.p.record.fields[fname].dim)
                if e.op not in ("==", "!=") and fname != "grade":
                    self.err("E302", f"`{fname}` has no order: compare with == or !=", e.span, None)
                self._check_choice(fname, other)
                return BOOL
        lt, rt = self.infer(e.left), self.infer(e.right)
        for side, other_ty in ((e.left, rt), (e.right, lt)):
            if isinstance(side, A.Quantity) and side.unit == "" and other_ty.dim == Dim.RATIO and side.number > 1:
                self.err("E107", f"`{side}` compared with a ratio means {format_decimal(side.number * 100)}%",
                         side.span, f"write {side}% (or {format_decimal(side.number / 100)})")
                return BOOL
        ty = self.unify(lt, rt, e.span, f"the comparison `{e.op}`")
        if ty.dim in (Dim.BOOL, Dim.TEXT, Dim.SET) and e.op not in ("==", "!="):
            self.err("E302", f"`{e.op}` orders figures; {self._words(ty)} has no order", e.span, None)
        elif ty.dim == Dim.SET:
            self.err("E302", "sets are not compared with each other", e.span,
                     "ask for one category: fortune_global_500 in categories")
        elif ty.dim == Dim.TEXT:
            self._text_compare(e)
        return BOOL

    def _cumulative(self, e: A.Call) -> Ty:
        """累计: the sum of a project field over the project's years so far (compare.engine.years); one
        year alone, the field itself."""
        arg = e.args[0] if len(e.args) == 1 else None
        if not isinstance(arg, A.Name) or arg.dotted not in self.p.record.fields:
            self.err("E302", "cumulative(…) adds up one project field over the project's years", e.span,
                     "name a field: cumulative(fixed_asset_investment)")
            return UNKNOWN
        ty = self.infer(arg)
        self.numeric(ty, arg, "cumulative(…)")
        return ty

    def _call(self, e: A.Call) -> Ty:
        if e.func in ("cny", "usd"):
            if len(e.args) != 1:
                self.err("E302", f"{e.func}(…) converts one amount", e.span, None)
                return UNKNOWN
            ty = self.infer(e.args[0])
            if ty.dim is not None and ty.dim not in MONEY_DIMS:
                self.err("E302", f"{e.func}(…) converts money, got {self._words(ty)}", span_of(e.args[0]), None)
            return Ty(Dim.CNY if e.func == "cny" else Dim.USD, ty.interval, ty.per)
        if e.func == "cumulative":
            return self._cumulative(e)
        ty = UNKNOWN
        for arg in e.args:
            aty = self.infer(arg)
            self.numeric(aty, arg, f"{e.func}(…)")
            ty = self.unify(ty, aty, span_of(arg), f"the items of {e.func}(…)")
        if e.func == "max":
            self.max_never_selected(e)
        return ty
