"""Who pays each outcome: a clause's `payer` (市级财政 `city`, 县（市、区）级财政 `district` …), per
project, so that totals can be reported by payer as well as by beneficiary.

A clause's payer is one payer, shares (`city = 50%, district = 50%`, or `city, district = 1:1`, the
proportions normalised), or several payers whose shares the text does not state (`city, district`):
those are reported as one joint payer, `city+district`, bearing the whole amount.  A money amount is
divided to the fen exactly: each share rounded half away from zero, the last payer bearing the rest,
so the shares always add up to the amount.  A split's shares are paid as the clause they divide.
Outcomes of clauses that name no payer, in a concept where another clause names one, are `not_stated`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from compare.engine.exact import round_times
from compare.engine.values import Arr
from dsl import ast as A

NOT_STATED = "not_stated"  # the payer of an amount whose clause names none
JOINT = "+"  # joins the names of payers whose shares are not stated: `city+district`


@dataclass(frozen=True)
class Payers:
    """A clause's payers: (payer, share of the amount), shares adding up to 1; `stated` is False where
    the text names payers without their shares (one joint payer then)."""

    shares: tuple[tuple[str, Fraction], ...]
    stated: bool = True

    def describe(self) -> str:
        """`city 50%, district 50%`, or `city and district jointly (shares not stated)`."""
        if not self.stated:
            names = self.shares[0][0].split(JOINT)
            return f"{', '.join(names[:-1])} and {names[-1]} jointly (shares not stated)"
        if len(self.shares) == 1 and self.shares[0][1] == 1:
            return self.shares[0][0]
        return ", ".join(f"{name} {float(w) * 100:g}%" for name, w in self.shares)


def payers_of(clause: A.Clause, point: Callable[[A.Expr], Fraction | None]) -> Payers | None:
    """A clause's payers, or None where it names none; `point` works out a share that is not written as
    a figure (a param's name) when compiling (the compiler's `point`)."""
    p = clause.payer
    if p is None or not p.shares:
        return None
    if any(s.weight is None for s in p.shares):
        return Payers(((JOINT.join(s.name for s in p.shares), Fraction(1)),), stated=False)
    weights = [(s.name, point(s.weight) or Fraction(0)) for s in p.shares if s.weight is not None]
    total = sum((w for _, w in weights), Fraction(0))
    if p.ratio_form and total:
        weights = [(name, w / total) for name, w in weights]
    return Payers(tuple(weights))


def divide(amount: Any, payers: Payers, money: bool) -> list[tuple[str, Any]]:
    """The amount (whole fen where `money`, else a figure) divided among the payers, per project."""
    if len(payers.shares) == 1:
        return [(payers.shares[0][0], amount)]
    col = np.asarray(amount, dtype=np.float64)
    out: list[tuple[str, Any]] = []
    rest = col
    for name, w in payers.shares[:-1]:
        part = fen_share(col, w) if money else col * float(w)
        out.append((name, part))
        with np.errstate(invalid="ignore"):  # ∞ − ∞: the rest of an unbounded amount is unbounded
            rest = np.where(np.isinf(rest), rest, rest - part)
    out.append((payers.shares[-1][0], rest))
    return out


def fen_share(fen: Arr, w: Fraction) -> Arr:
    """w of whole fen, rounded to the fen half away from zero, exactly (∞ stays ∞)."""
    finite = np.isfinite(fen)
    if not finite.all():
        return np.where(finite, fen_share(np.where(finite, fen, 0.0), w), fen * float(w))
    return np.asarray(round_times(np.atleast_1d(fen), w), dtype=np.float64)


def payer_totals(out: Any) -> dict[str, dict[str, tuple[float, float]]]:
    """Payer -> concept -> the amount it bears over all the projects of an Outcomes (lo, hi: a range
    where an outcome is one), for the concepts whose clauses name payers."""
    totals: dict[str, dict[str, tuple[float, float]]] = {}
    for concept, by_payer in sorted(out.payers.items()):
        for payer, (lo, hi) in by_payer.items():
            totals.setdefault(payer, {})[concept] = (float(np.sum(lo)), float(np.sum(hi)))
    return totals


def payer_row(out: Any, i: int) -> dict[str, dict[str, float | tuple[float, float]]]:
    """For project i: concept -> payer -> the amount it bears (only the payers bearing something)."""
    row: dict[str, dict[str, float | tuple[float, float]]] = {}
    for concept, by_payer in out.payers.items():
        for payer, (lo, hi) in by_payer.items():
            a, b = float(lo[i]), float(hi[i])
            if a or b:
                row.setdefault(concept, {})[payer] = a if a == b else (a, b)
    return row


__all__ = ["JOINT", "NOT_STATED", "Payers", "divide", "payer_row", "payer_totals", "payers_of"]
