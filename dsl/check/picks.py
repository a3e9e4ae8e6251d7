"""Pick tables, per-unit amounts and dates.

`pick highest { when A -> 2%  when B -> 1%  otherwise -> 0.5% }`: each row's condition is true/false,
the rows' values have one type (E216), `otherwise` comes last.  `30元/平方米 * rent_area`: a per-unit
amount is multiplied (`*` or `of`) by a quantity of what it is paid per, which gives money; a
per-unit amount anywhere else has no meaning (E217).  `2024-01-01` is a date."""

from __future__ import annotations

import datetime as dt

from dsl import ast as A
from dsl.check.base import UNKNOWN, CheckerBase, span_of
from dsl.model import Ty
from dsl.units import Dim
from dsl.walk import children

PICK_RULES = ("highest", "lowest", "first", "most_specific")
_PER_WORDS = {Dim.AREA: "an area (平方米, 亩)", Dim.COUNT: "a count (人, 个 …)"}
_PER_EXAMPLE = {Dim.AREA: "rent_area", Dim.COUNT: "new_jobs"}


def per_words(dim: Dim | None) -> str:
    return _PER_WORDS.get(dim, dim.value if dim else "a quantity") if dim is not None else "a quantity"


class PickChecks(CheckerBase):
    def date(self, e: A.DateLit) -> Ty:
        try:
            dt.date.fromisoformat(e.value)
        except ValueError:
            self.err("E109", f"`{e.value}` is not a date", e.span, "dates are YYYY-MM-DD, e.g. 2024-01-01")
        return Ty(Dim.DATE)

    def pick(self, e: A.Pick) -> Ty:
        if e.rule not in PICK_RULES:
            self.err("E216", f"`{e.rule}` is not a rule of `pick`", e.span, "pick highest | lowest | first | most specific")
        ty = UNKNOWN
        typed: A.PickRow | None = None
        for i, row in enumerate(e.rows):
            if row.cond is None and i != len(e.rows) - 1:
                self.err("E216", "`otherwise` is the last row of a pick table", row.span,
                         "move it to the end: it applies when no row above holds")
            elif row.cond is not None:
                self.expect_bool(row.cond, "the condition of a `pick` row")
            rty = self.infer(row.value)
            mark = len(self.diags)
            joined = self.unify(ty, rty, span_of(row.value), "the rows of `pick`")
            if len(self.diags) > mark:  # the type clash said once, as a pick table's fault
                del self.diags[mark:]
                first = f"line {typed.span.line}" if typed is not None and typed.span.line else "an earlier row"
                self.err("E216", f"this row of `pick` gives {self._words(rty)}, the row at {first} "
                         f"{self._words(ty)}: a pick table gives one type", span_of(row.value),
                         "give every row's value in one unit, e.g. all rates (2%, 1%, 0.5%) or all amounts")
                continue
            if ty.dim is None and rty.dim is not None:
                typed = row
            ty = joined
        if e.rule in ("highest", "lowest") and ty.dim is not None and not ty.dim.is_numeric:
            self.err("E216", f"`pick {e.rule}` orders the rows' values, but they are {self._words(ty)}", e.span,
                     "use `pick first` (the first row that holds) or `pick most specific`")
        return ty

    # ------------------------------------------------------------ per-unit amounts
    def per_unit_product(self, e: A.Binary, lt: Ty, rt: Ty) -> Ty:
        """`30元/平方米 * rent_area`, `2000元/人 * new_jobs`, `30元/平方米 of rent_area`: money."""
        interval = lt.interval or rt.interval
        if lt.per is not None and rt.per is not None:
            self.err("E217", "two per-unit amounts are multiplied", e.span,
                     "multiply one per-unit amount by the quantity it is paid per")
            return UNKNOWN
        per_side, per_ty, other, other_ty = (e.left, lt, e.right, rt) if lt.per is not None else (e.right, rt, e.left, lt)
        if e.op == "of" and per_side is e.right:  # `10% of 30元/平方米`: still a rate per square metre
            if lt.dim not in (None, Dim.RATIO, Dim.SCALAR):
                self.err("E217", f"{self._per_text(per_side)} is paid per {per_words(per_ty.per)}: "
                         f"it cannot be taken `of` {self._words(lt)}", e.span,
                         f"multiply it by {per_words(per_ty.per)}")
                return UNKNOWN
            return Ty(per_ty.dim, interval, per_ty.per)
        if other_ty.dim == per_ty.per:
            return Ty(per_ty.dim, interval)
        if other_ty.dim is None:
            return Ty(per_ty.dim, interval)  # an error already, or ∞: no second report
        if other_ty.dim in (Dim.RATIO, Dim.SCALAR) and not (isinstance(other, A.Name) and e.op == "*"):
            return Ty(per_ty.dim, interval, per_ty.per)  # scaled: still per unit
        hint = f"e.g. {self._per_text(per_side)} * {_PER_EXAMPLE.get(per_ty.per, 'FIELD') if per_ty.per else 'FIELD'}"
        if other_ty.dim == Dim.SCALAR:
            hint += f"; a field counted in this unit is declared with it, e.g. type {'count 人' if per_ty.per == Dim.COUNT else 'area 平方米'}"
        self.err("E217", f"{self._per_text(per_side)} is paid per {per_words(per_ty.per)}, but is multiplied by "
                 f"{self._words(other_ty)}", span_of(other), hint)
        return UNKNOWN

    def per_unit_consumed(self, e: A.Expr) -> None:
        """A per-unit child whose parent is not a per-unit value nor its product: E217 at the child."""
        for child in children(e):
            ty = self.p.node_types.get(id(child))
            if ty is not None and ty.per is not None:
                self.per_unit_alone(child, ty)

    def per_unit_alone(self, e: object, ty: Ty) -> None:
        self.err("E217", f"{self._per_text(e)} is paid per {per_words(ty.per)}; alone it is no amount",
                 span_of(e), f"multiply it by what it is paid per: {self._per_text(e)} * "
                 f"{_PER_EXAMPLE.get(ty.per, 'FIELD') if ty.per else 'FIELD'} (then cap it if the text caps it)")

    def root_value(self, ty: Ty, e: A.Expr | None) -> Ty:
        """A clause's or param's value: a per-unit amount must have been multiplied out."""
        if ty.per is not None and e is not None:
            self.per_unit_alone(e, ty)
            return UNKNOWN
        return ty

    def _per_text(self, e: object) -> str:
        if isinstance(e, A.Quantity):
            return f"`{e}`"
        return "a per-unit amount"
