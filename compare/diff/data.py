"""Outcome diff on data: every project through an old and a new policy, at one rate and the same
readings, and what the revision changes for each project and in total.

Concepts are grouped on the graph: the two policies' graphs joined at concept nodes
(compare.engine.crossgraph), so a concept only one of them gives is compared with nothing (absent,
0) on the other side, and each concept lists the rules behind it on either side and those of them
the structural diff (compare.diff.items) reports changed.

Per project and concept the change is taken end by end, new minus old (`0元 ~ 5000万元` →
`0元 ~ 7000万元` is low +0, high +2000万元), exactly (figures are added as decimals, so money stays
to the fen).  The effect: `gains` (no end lower, one higher; a boolean turned true), `loses` (the
reverse), `mixed` (one end up, the other down), `unaffected`, or `not_eligible` (neither policy
gives it to the project).  An unbounded end (a promise with no figure) minus a figure is ±∞, and ∞
minus ∞ is 0: the same promise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from compare.diff.items import diff_policies
from compare.engine.batch import ProjectBatch
from compare.engine.crossgraph import behind, concept_node, concepts, cross_graph, givers
from compare.engine.evaluate import ABSENT, NOT_ELIGIBLE, CompiledPolicy, Outcomes
from compare.engine.runs import PER_POLICY, choose_rates, readings_in_force
from dsl.diagnostics import did_you_mean
from dsl.units import Dim

GAINS, LOSES, MIXED, UNAFFECTED = "gains", "loses", "mixed", "unaffected"
EFFECTS = (GAINS, LOSES, MIXED, UNAFFECTED, NOT_ELIGIBLE)
INF = float("inf")


@dataclass(frozen=True)
class Side:
    """One outcome of one project under one policy: its state (figure, zero, promised, not_eligible,
    absent) and its value: `low`/`high` for a number (equal for an exact figure; `high` ∞ for a
    promise with no figure), `flag` for a yes/no outcome."""

    state: str
    low: float | None = None
    high: float | None = None
    flag: bool | None = None


@dataclass(frozen=True)
class OutcomeChange:
    project: str
    concept: str
    old: Side
    new: Side
    change_low: float | None  # new minus old, end by end; None for a yes/no outcome
    change_high: float | None
    effect: str  # gains, loses, mixed, unaffected, not_eligible


@dataclass(frozen=True)
class ConceptTotal:
    """One concept over all the projects: the totals (for a yes/no outcome, how many projects have it)
    under each policy, the change, how many projects gain, lose …, and the rules behind it."""

    concept: str
    label: str
    unit: str | None  # the dimension: CNY, USD, points, days, bool …
    in_old: bool
    in_new: bool
    old_low: float
    old_high: float
    new_low: float
    new_high: float
    change_low: float
    change_high: float
    counts: dict[str, int]
    rules: tuple[str, ...]  # clauses, splits, params and readings behind it on either side
    changed: tuple[str, ...]  # those the structural diff reports added, removed, renamed or changed


@dataclass
class OutcomeDiff:
    old: str  # policy ids
    new: str
    old_city: str
    new_city: str
    fx: float
    fx_note: str
    readings: dict[str, dict[str, str]]  # policy id (the second `id#2` if both have one) -> reading -> option
    projects: list[str]
    changes: list[OutcomeChange] = field(default_factory=list)  # by project, then concept
    totals: list[ConceptTotal] = field(default_factory=list)  # by concept
    dims: dict[str, Dim | None] = field(default_factory=dict)

    def total(self, concept: str) -> ConceptTotal:
        return next(t for t in self.totals if t.concept == concept)

    def change(self, project: str, concept: str) -> OutcomeChange:
        return next(c for c in self.changes if c.project == project and c.concept == concept)

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per project and concept (the same columns as the CSV's project rows)."""
        return [_flat(c) for c in self.changes]

    def total_rows(self) -> list[dict[str, Any]]:
        """One flat dict per concept: totals, change and the counts of projects by effect."""
        return [{k: v for k, v in asdict(t).items() if k != "counts"} | t.counts for t in self.totals]

    def to_frame(self) -> Any:
        """`rows()` as a pandas DataFrame (pandas is not a dependency: ModuleNotFoundError without it)."""
        import pandas as pd

        return pd.DataFrame(self.rows())


def _flat(c: OutcomeChange) -> dict[str, Any]:
    row: dict[str, Any] = {"project": c.project, "concept": c.concept}
    for tag, s in (("old", c.old), ("new", c.new)):
        row[f"{tag}_state"] = s.state
        row[f"{tag}_low"] = s.flag if s.flag is not None else s.low
        row[f"{tag}_high"] = s.flag if s.flag is not None else s.high
    row.update(change_low=c.change_low, change_high=c.change_high, effect=c.effect)
    return row


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def minus(a: float, b: float) -> float:
    """a - b exactly (as decimals); ∞ - ∞ is 0 (the same unbounded end)."""
    if a == b:
        return 0.0
    if a in (INF, -INF) or b in (INF, -INF):
        return a - b
    return float(_dec(a) - _dec(b))


def total(xs: list[float]) -> float:
    """A sum as decimals, exact to the fen; ∞ where any term is."""
    if any(x == INF for x in xs):
        return INF
    return float(sum((_dec(x) for x in xs), Decimal(0)))


def _side(out: Outcomes, concept: str, i: int) -> Side:
    state = out.state(concept, i)
    if state == ABSENT:
        return Side(state)
    if concept in out.boolean:
        return Side(state, flag=bool(out.boolean[concept][i]))
    lo, hi = out.numeric[concept]
    return Side(state, float(lo[i]), float(hi[i]))


def effect_of(old: Side, new: Side) -> tuple[float | None, float | None, str]:
    """The change end by end and the effect (module docstring)."""
    if old.state in (ABSENT, NOT_ELIGIBLE) and new.state in (ABSENT, NOT_ELIGIBLE):
        both = old.flag is not None or new.flag is not None
        return (None, None, NOT_ELIGIBLE) if both else (0.0, 0.0, NOT_ELIGIBLE)
    if old.flag is not None or new.flag is not None:
        a, b = bool(old.flag), bool(new.flag)
        return None, None, UNAFFECTED if a == b else GAINS if b else LOSES
    dlo = minus(new.low or 0.0, old.low or 0.0)
    dhi = minus(new.high or 0.0, old.high or 0.0)
    if dlo == 0 and dhi == 0:
        return dlo, dhi, UNAFFECTED
    if dlo >= 0 and dhi >= 0:
        return dlo, dhi, GAINS
    if dlo <= 0 and dhi <= 0:
        return dlo, dhi, LOSES
    return dlo, dhi, MIXED


def check_readings(compiled: list[CompiledPolicy], readings: dict[str, str]) -> None:
    """ValueError for a reading neither policy declares, or an option a declaring policy lacks."""
    for name, option in readings.items():
        declaring = [cp for cp in compiled if name in cp.policy.readings]
        if not declaring:
            known = sorted({r for cp in compiled for r in cp.policy.readings})
            raise ValueError(f"no policy declares the reading `{name}`; "
                             f"{did_you_mean(name, known) or 'readings: ' + ', '.join(known)}")
        for cp in declaring:
            options = [o.id for o in cp.policy.readings[name].options]
            if option not in options:
                raise ValueError(f"`{option}` is not an option of reading `{name}` in {cp.policy.id}; "
                                 f"options: {', '.join(options)}")


def outcome_diff(old: CompiledPolicy, new: CompiledPolicy, batch: ProjectBatch, fx: float | str | None = None,
                 readings: dict[str, str] | None = None) -> OutcomeDiff:
    """Both policies over the batch at one rate (`fx`, else the default of the later policy year:
    compare.engine.runs.choose_rates) and the same readings (each policy's default otherwise)."""
    if fx == PER_POLICY:
        raise ValueError("an outcome diff evaluates both policies at one rate: give a rate, or none for the default")
    readings = dict(readings or {})
    check_readings([old, new], readings)
    rates = choose_rates([old.policy, new.policy], fx)
    rate = rates.rates[0]
    outs = [cp.evaluate(batch, rate, readings) for cp in (old, new)]
    g = cross_graph([old.policy, new.policy], [old.graph, new.graph])
    prefixes = list(g.graph["policies"])
    changed_items: set[str] = set()
    for ch in diff_policies(old.policy, new.policy).changes:
        if ch.kind in ("clause", "split", "param", "reading"):
            changed_items.update(x.strip() for x in ch.item.split("→"))
    d = OutcomeDiff(old.policy.id, new.policy.id, old.policy.city_label, new.policy.city_label, rate, rates.note,
                    {prefix: {r: o for r, o, _ in readings_in_force(cp, readings)}
                     for prefix, cp in zip(prefixes, (old, new), strict=True)},
                    list(batch.ids))
    keys = concepts(g)
    for key in keys:
        d.dims[key] = new.concept_dims.get(key, old.concept_dims.get(key))
    for i, pid in enumerate(batch.ids):
        for key in keys:
            o, n = _side(outs[0], key, i), _side(outs[1], key, i)
            d.changes.append(OutcomeChange(pid, key, o, n, *effect_of(o, n)))
    for key in keys:
        mine = [c for c in d.changes if c.concept == key]
        by = givers(g, key)
        rules = sorted({r for p in prefixes if p in by
                        for r in behind(g, by[p], ("clause", "split", "param", "reading"))})
        counts = {e: sum(c.effect == e for c in mine) for e in EFFECTS}
        is_bool = any(c.old.flag is not None or c.new.flag is not None for c in mine)
        if is_bool:
            ends = [float(sum(bool(getattr(c, s).flag) for c in mine)) for s in ("old", "new")]
            olo = ohi = ends[0]
            nlo = nhi = ends[1]
        else:
            olo, ohi = total([c.old.low or 0.0 for c in mine]), total([c.old.high or 0.0 for c in mine])
            nlo, nhi = total([c.new.low or 0.0 for c in mine]), total([c.new.high or 0.0 for c in mine])
        label = str(g.nodes[concept_node(key)]["label"])
        dim = d.dims.get(key)
        d.totals.append(ConceptTotal(key, label, dim.value if dim else None, prefixes[0] in by, prefixes[1] in by,
                                     olo, ohi, nlo, nhi, minus(nlo, olo), minus(nhi, ohi), counts, tuple(rules),
                                     tuple(r for r in rules if r in changed_items)))
    return d


__all__ = ["EFFECTS", "GAINS", "LOSES", "MIXED", "UNAFFECTED", "ConceptTotal", "OutcomeChange", "OutcomeDiff", "Side",
           "check_readings", "effect_of", "minus", "outcome_diff", "total"]
