"""Reachability warnings: a clause that can never fire (W700), a max item never the highest (W702)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from dsl import ast as A
from dsl.check.base import CheckerBase, span_of
from dsl.schema import Field
from dsl.units import Dim
from dsl.walk import conjuncts, same


@dataclass
class _Bounds:
    low: Decimal | None = None
    low_closed: bool = True
    high: Decimal | None = None
    high_closed: bool = True



class ReachabilityChecks(CheckerBase):
    # ------------------------------------------------------------ warnings
    def max_never_selected(self, e: A.Call) -> None:
        ranges: list[tuple[A.Name, Decimal, Decimal, A.Expr | None]] = []
        for arg in e.args:
            if not (isinstance(arg, A.Name) and arg.dotted in self.p.clauses):
                return
            clause = self.p.clauses[arg.dotted]
            r = _constant_range(clause.value)
            if r is None:
                return
            ranges.append((arg, r[0], r[1], clause.when))
        for name, _lo, hi, when in ranges:
            for other, olo, _ohi, owhen in ranges:
                if other is not name and (owhen is None or same(owhen, when)) and hi < olo:
                    self.err("W702", f"`{name.dotted}` is never the highest: `{other.dotted}` fires whenever it "
                             f"does and gives more", name.span, None)
                    break

    def never_fires(self, clause: A.Clause) -> None:
        if clause.when is None:
            return
        bounds: dict[str, _Bounds] = {}
        bools: dict[str, bool] = {}
        choices: dict[str, str] = {}
        for atom in conjuncts(clause.when):
            reason = _constrain(atom, bounds, bools, choices, self.p.record.fields)
            if reason:
                self.err("W700", f"clause `{clause.id}` can never fire: {reason}", span_of(clause.when),
                         "check the condition against the text")
                return


def _constant_range(e: A.Expr | None) -> tuple[Decimal, Decimal] | None:
    if isinstance(e, A.Quantity):
        return e.base_value, e.base_value
    if isinstance(e, A.Tiers):
        values = [r.value for r in e.rows]
        if all(isinstance(v, A.Quantity) for v in values):
            nums = [v.base_value for v in values]  # type: ignore[union-attr]
            return min(nums), max(nums)
    return None



def _constrain(atom: A.Expr, bounds: dict[str, _Bounds], bools: dict[str, bool], choices: dict[str, str],
               fields: Mapping[str, Field]) -> str | None:
    """Add one conjunct's constraint; return why the conjunction is impossible, if it is."""
    if isinstance(atom, A.BoolLit) and not atom.value:
        return "its condition includes `false`"
    neg = isinstance(atom, A.Unary) and atom.op == "not"
    target = atom.operand if isinstance(atom, A.Unary) and atom.op == "not" else atom
    if isinstance(target, A.Name) and target.dotted in fields and fields[target.dotted].dim == Dim.BOOL:
        want = not neg
        if bools.setdefault(target.dotted, want) != want:
            return f"it requires both `{target.dotted}` and `not {target.dotted}`"
        return None
    if not isinstance(atom, A.Binary):
        return None
    if atom.op == "==" and isinstance(atom.left, A.Name) and isinstance(atom.right, A.Name) \
            and atom.left.dotted in fields and fields[atom.left.dotted].dim == Dim.CHOICE:
        name = atom.left.dotted  # `referral`, or a choice field the policy declares (`zone`)
        prev = choices.setdefault(name, atom.right.dotted)
        if prev != atom.right.dotted:
            return f"`{name}` cannot be both {prev} and {atom.right.dotted}"
        return None
    if atom.op not in (">=", ">", "<=", "<"):
        return None
    left, right, op = atom.left, atom.right, atom.op
    if isinstance(left, A.Quantity) and isinstance(right, A.Name):
        left, right = right, left
        op = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}[op]
    if not (isinstance(left, A.Name) and left.dotted in fields and isinstance(right, A.Quantity)):
        return None
    f = fields[left.dotted]
    key = f"{left.dotted}:{right.unit}" if f.dim == Dim.MONEY else left.dotted
    v = right.base_value
    b = bounds.get(key)
    if b is None:
        b = bounds[key] = _Bounds(f.low if f.dim != Dim.MONEY or f.low is not None else None, True,
                                  f.high, True)
    if op in (">=", ">"):
        if b.low is None or v > b.low or (v == b.low and op == ">"):
            b.low, b.low_closed = v, op == ">="
    else:
        if b.high is None or v < b.high or (v == b.high and op == "<"):
            b.high, b.high_closed = v, op == "<="
    if b.low is not None and b.high is not None:
        if b.low > b.high or (b.low == b.high and not (b.low_closed and b.high_closed)):
            return f"no value of `{left.dotted}` satisfies all its bounds"
    return None
