"""Tier tables: edges in the subject's unit, no gaps, overlaps, empty or unreachable rows."""

from __future__ import annotations

from decimal import Decimal

from dsl import ast as A
from dsl.check.base import UNKNOWN, CheckerBase, span_of
from dsl.model import Ty
from dsl.units import Dim


class TierChecks(CheckerBase):
    # ------------------------------------------------------------ tiers
    def _edge(self, x: A.Expr) -> Decimal | None:
        if isinstance(x, A.Quantity):
            return x.base_value
        if isinstance(x, A.Infinity):
            return Decimal("Infinity")
        return None

    def tiers(self, e: A.Tiers) -> Ty:
        subject = self.resolve(e.subject)
        self.numeric(subject, e.subject, "the tiers' subject")
        edge_ty = Ty(subject.dim)
        value_ty = UNKNOWN
        if e.scale is not None:
            fty = self.infer(e.scale.factor)
            if fty.dim not in (None, Dim.RATIO, Dim.SCALAR):
                self.err("E302", f"edges are scaled by a ratio such as 50%, got {self._words(fty)}",
                         span_of(e.scale.factor), None)
            self.expect_bool(e.scale.cond, "the condition of `scaled`")
        rows: list[tuple[Decimal, bool, Decimal, bool, A.TierRow]] = []
        fixed = True
        for row in e.rows:
            for edge in (row.low, row.high):
                edge_ty = self.unify(edge_ty, self.infer(edge), span_of(edge), "the tier edges")
            value_ty = self.unify(value_ty, self.infer(row.value), span_of(row.value), "the tiers' values")
            lo, hi = self._edge(row.low), self._edge(row.high)
            if lo is None or hi is None:
                self.err("E406", "tier edges must be figures (500万美元, ∞)", row.span,
                         "a computed edge cannot be checked for gaps; scale edges with `scaled`")
                fixed = False
                continue
            rows.append((lo, row.low_closed, hi, row.high_closed, row))
        if fixed and edge_ty.dim is not None:
            self._tier_table(rows)
        return value_ty

    def _tier_table(self, rows: list[tuple[Decimal, bool, Decimal, bool, A.TierRow]]) -> None:
        prev = None
        covered: list[tuple[Decimal, bool, Decimal, bool]] = []
        for lo, lc, hi, hc, row in rows:
            if lo > hi or (lo == hi and not (lc and hc)):
                self.err("E403", f"the tier {_edges(row)} contains no value", row.span,
                         "the low edge comes first; a single value is written [x, x]")
                continue
            if prev is not None:
                plo, plc, phi, phc, prow = prev
                if lo < plo:
                    self.err("E402", f"tier {_edges(row)} starts below the tier before it ({_edges(prow)})",
                             row.span, "list tiers from the lowest edge up")
                elif _contained(lo, lc, hi, hc, covered):
                    self.err("W701", f"tier {_edges(row)} is never reached: earlier tiers cover it", row.span,
                             "the first matching tier wins")
                elif phi > lo or (phi == lo and phc and lc):
                    self.err("E401", f"tiers {_edges(prow)} and {_edges(row)} overlap at "
                             f"{_fmt_edge(row.low)}", row.span,
                             "close one side and open the other: [a, b) then [b, c)")
                elif phi < lo or (phi == lo and not phc and not lc):
                    self.err("E400", f"gap between tiers {_edges(prow)} and {_edges(row)}", row.span,
                             f"a value of exactly {_fmt_edge(row.low)} matches no tier; write `[` or `]` at that edge"
                             if phi == lo else "if the text gives nothing there, add a tier with 0")
            covered.append((lo, lc, hi, hc))
            if prev is None or hi > prev[2] or (hi == prev[2] and hc):
                prev = (lo, lc, hi, hc, row)


def _fmt_edge(x: A.Expr) -> str:
    return "∞" if isinstance(x, A.Infinity) else str(x)


def _edges(row: A.TierRow) -> str:
    return f"{'[' if row.low_closed else '('}{_fmt_edge(row.low)}, {_fmt_edge(row.high)}{']' if row.high_closed else ')'}"


def _contained(lo: Decimal, lc: bool, hi: Decimal, hc: bool, covered: list[tuple[Decimal, bool, Decimal, bool]]) -> bool:
    for clo, clc, chi, chc in covered:
        low_ok = clo < lo or (clo == lo and (clc or not lc))
        high_ok = chi > hi or (chi == hi and (chc or not hc))
        if low_ok and high_ok:
            return True
    return False
