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
        """One sweep in the order written.  Each row is compared with the earlier row that reaches
        furthest (E402 out of order, E401 overlap, E400 gap); whether one earlier row covers it (W701)
        is the greatest end among the earlier rows that start no later, kept in a Fenwick tree over
        the starts sorted once: O(n log n) for n rows, not O(n²)."""
        starts = sorted({_start(lo, lc) for lo, lc, hi, hc, _ in rows if not _empty(lo, lc, hi, hc)})
        rank = {key: i + 1 for i, key in enumerate(starts)}
        reach = _PrefixMax(len(starts))
        prev = None
        for lo, lc, hi, hc, row in rows:
            if _empty(lo, lc, hi, hc):
                self.err("E403", f"the tier {_edges(row)} contains no value", row.span,
                         "the low edge comes first; a single value is written [x, x]")
                continue
            start = rank[_start(lo, lc)]
            if prev is not None:
                plo, plc, phi, phc, prow = prev
                if lo < plo:
                    self.err("E402", f"tier {_edges(row)} starts below the tier before it ({_edges(prow)})",
                             row.span, "list tiers from the lowest edge up")
                elif reach.covers(start, _end(hi, hc)):
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
            reach.add(start, _end(hi, hc))
            if prev is None or hi > prev[2] or (hi == prev[2] and hc):
                prev = (lo, lc, hi, hc, row)


# A row's start and end as keys ordered along the line: a closed start [x comes before an open (x, and
# an open end x) before a closed x].  Row A covers row B when start(A) <= start(B) and end(A) >= end(B).
_Key = tuple[Decimal, int]


def _start(lo: Decimal, closed: bool) -> _Key:
    return (lo, 0 if closed else 1)


def _end(hi: Decimal, closed: bool) -> _Key:
    return (hi, 1 if closed else 0)


def _empty(lo: Decimal, lc: bool, hi: Decimal, hc: bool) -> bool:
    return lo > hi or (lo == hi and not (lc and hc))


class _PrefixMax:
    """A Fenwick tree: the greatest end among the rows added whose start rank is at most i."""

    def __init__(self, n: int):
        self.tree: list[_Key | None] = [None] * (n + 1)

    def add(self, i: int, end: _Key) -> None:
        while i < len(self.tree):
            cur = self.tree[i]
            if cur is None or cur < end:
                self.tree[i] = end
            i += i & -i

    def covers(self, i: int, end: _Key) -> bool:
        while i > 0:
            cur = self.tree[i]
            if cur is not None and cur >= end:
                return True
            i -= i & -i
        return False


def _fmt_edge(x: A.Expr) -> str:
    return "∞" if isinstance(x, A.Infinity) else str(x)


def _edges(row: A.TierRow) -> str:
    return f"{'[' if row.low_closed else '('}{_fmt_edge(row.low)}, {_fmt_edge(row.high)}{']' if row.high_closed else ')'}"
