"""What a semantic diff finds (compare.diff.semantic): per outcome concept a verdict, the moves with
their witness projects, the largest gain and loss, the regions, and the checks left undecided.

The verdict follows from what was found: a gain and a loss, each with its witness, is *mixed*
whatever a later check gives; where a check timed out (or the time budget ran out before it), the
verdict says what that leaves open (`more generous (loss not excluded: timed out)`) and the note
names the check and how long it ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsl.units import Dim

EQUIVALENT, MORE, LESS, MIXED = "equivalent", "more generous", "less generous", "mixed"
ONLY_OLD, ONLY_NEW, UNKNOWN = "only in OLD", "only in NEW", "unknown"
MORE_OPEN = "more generous (loss not excluded: timed out)"  # a gain found; whether any project loses, undecided
LESS_OPEN = "less generous (gain not excluded: timed out)"
BUDGET = 60.0  # seconds for a whole diff, by default
BOUND_TEXT = {"value": "value", "low": "low end", "high": "high end"}

@dataclass
class Witness:
    """A project record (the fields that matter, as compare.data reads them) and both values as the
    evaluator gives them (Outcomes.value; None where the policy has no such concept)."""

    project: dict[str, Any]
    old: Any
    new: Any
    shown: dict[str, Any] | None = None  # the project as a reader sees it: declared values by their labels


@dataclass
class Extreme:
    """The largest change of one bound: `amount` in the concept's unit (yuan for money), None when
    `kind` is unbounded or promised; `exact` False if the search stopped before proving the maximum."""

    bound: str
    kind: str  # "bounded", "unbounded", "promised"
    amount: float | None
    witness: Witness | None
    exact: bool = True


@dataclass
class Move:
    bound: str  # "value" (both exact), "low" or "high"
    direction: str  # "up": NEW gives more; "down": NEW gives less
    witness: Witness | None
    extreme: Extreme | None = None


@dataclass
class Region:
    """Part of the projects where one side is ahead (compare.diff.regions): the discrete fields that
    matter there and their values (a list: any of these), the comparisons of the policies' figures
    that hold (`not …` where one fails), and per figure field the least and greatest value it takes
    there (None: no upper limit)."""

    ahead: str  # "old" or "new"
    fixed: dict[str, Any]
    conditions: list[str]
    ranges: dict[str, tuple[str, str | None]]


@dataclass
class Undecided:
    """A check that gave no answer: whether `bound` moves `direction` ("up": a gain), after `seconds`;
    `why`: "timed out" (the check's limit), "budget" (stopped when the diff's time budget was spent) or
    "not run" (the budget was spent before it)."""

    bound: str
    direction: str
    seconds: float
    why: str

    @property
    def text(self) -> str:
        what = f"whether the {BOUND_TEXT[self.bound]} moves {'up (a gain)' if self.direction == 'up' else 'down (a loss)'}"
        if self.why == "not run":
            return f"{what}: not checked, the time budget was spent"
        if self.why == "budget":
            return f"{what}: stopped after {self.seconds:.1f} s, the time budget was spent"
        return f"{what}: the solver timed out after {self.seconds:.1f} s"


@dataclass
class ConceptDiff:
    concept: str
    old_concept: str | None
    new_concept: str | None
    dim: Dim | None  # the unit values are in: Dim.CNY (yuan), Dim.POINTS, Dim.BOOL …; None: a promise only
    verdict: str
    moves: list[Move] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    note: str = ""
    undecided: list[Undecided] = field(default_factory=list)

    def _best(self, direction: str) -> Extreme | None:
        found = [m.extreme for m in self.moves if m.direction == direction and m.extreme is not None]
        for kind in ("promised", "unbounded"):
            for e in found:
                if e.kind == kind:
                    return e
        return max(found, key=lambda e: e.amount or 0.0, default=None)

    @property
    def max_gain(self) -> Extreme | None:
        return self._best("up")

    @property
    def max_loss(self) -> Extreme | None:
        return self._best("down")


@dataclass
class SemanticDiff:
    old: str
    new: str
    fx: Any
    fx_note: str
    readings: dict[str, str]
    concepts: list[ConceptDiff] = field(default_factory=list)
    unreproduced: list[str] = field(default_factory=list)  # witnesses the evaluator disagreed with: bugs
    budget: float | None = None  # seconds allowed for the whole diff (None: no limit)
    seconds: float = 0.0  # what it took

    @property
    def undecided(self) -> list[str]:
        """What the diff could not decide, concept by concept, and why."""
        out = [f"{c.concept}: {u.text}" for c in self.concepts for u in c.undecided]
        return out + [f"{c.concept}: {c.note}" for c in self.concepts if c.verdict == UNKNOWN and not c.undecided]

    def of(self, concept: str) -> ConceptDiff:
        return next(c for c in self.concepts if concept in (c.concept, c.old_concept, c.new_concept))


def verdict(cd: ConceptDiff) -> str:
    """What the moves found prove, and what the undecided checks leave open: a gain and a loss found
    is mixed whatever else timed out; a gain found and the search for a loss undecided is a gain with
    the loss not excluded; nothing found and a check undecided is unknown."""
    ups = any(m.direction == "up" for m in cd.moves)
    downs = any(m.direction == "down" for m in cd.moves)
    open_up = any(u.direction == "up" for u in cd.undecided)
    open_down = any(u.direction == "down" for u in cd.undecided)
    if ups and downs:
        return MIXED
    if ups:
        return MORE_OPEN if open_down else MORE
    if downs:
        return LESS_OPEN if open_up else LESS
    return UNKNOWN if cd.undecided else EQUIVALENT


__all__ = ["BOUND_TEXT", "BUDGET", "EQUIVALENT", "LESS", "LESS_OPEN", "MIXED", "MORE", "MORE_OPEN", "ONLY_NEW",
           "ONLY_OLD", "UNKNOWN", "ConceptDiff", "Extreme", "Move", "Region", "SemanticDiff", "Undecided", "Witness",
           "verdict"]
