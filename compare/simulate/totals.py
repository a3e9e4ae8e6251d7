"""Totals over a portfolio: per outcome concept and per beneficiary, for one line (a policy or reform).

Money is summed end by end ([Σ low, Σ high]; a promise with no figure makes the high end ∞ and is
counted apart, `promised`).  By beneficiary, a concept another outcome of the same beneficiary
already adds up (无锡 `reward.firm_total` sums `reward.fdi` …) is not counted twice, and a split
concept counts its shares for their beneficiaries and the rest of the whole for the whole's.  USD
outcomes are converted to CNY at the run's rate for the beneficiary sums, which are in CNY.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from compare.engine.evaluate import CompiledPolicy, Outcomes
from dsl import ast as A
from dsl.model import Policy
from dsl.units import Dim
from dsl.walk import walk

INF = float("inf")
UNIT_NAMES = {Dim.CNY: "CNY", Dim.USD: "USD", Dim.POINTS: "points", Dim.DAYS: "days", Dim.MONTHS: "months",
              Dim.COUNT: "count", Dim.RATIO: "ratio", Dim.AREA: "mu", Dim.SCALAR: "number", Dim.BOOL: "bool"}


def unit_of(cp: CompiledPolicy, concept: str) -> str:
    """CNY, USD, points, days … as computed; a yes/no outcome is `bool`; a promise with no figure
    (no dimension of its own) takes its taxonomy concept's unit."""
    dim = cp.concept_dims.get(concept)
    if dim is not None:
        return UNIT_NAMES.get(dim, "")
    tax = cp.policy.taxonomy
    c = tax.concepts.get(concept) if tax is not None else None
    return c.unit if c is not None and c.unit != "bool" else "bool"


def concept_label(policy: Policy, concept: str) -> str:
    if concept == "money.total":
        return "支付合计（有数额部分） money paid, outcomes with a figure"
    tax = policy.taxonomy
    c = tax.concepts.get(concept) if tax is not None else None
    if c is None and "." in concept and tax is not None:  # a split share: its whole's label and the share
        whole, share = concept.rsplit(".", 1)
        parent = tax.concepts.get(whole)
        return f"{parent.zh}（{share}）" if parent else concept
    return c.zh if c else concept


def beneficiary_label(policy: Policy, name: str | None) -> str:
    if name is None:
        return "—"
    tax = policy.taxonomy
    zh = tax.beneficiaries.get(name) if tax is not None else None
    return zh[0] if zh else name


@dataclass(frozen=True)
class ConceptTotal:
    concept: str
    unit: str
    low: float
    high: float  # inf where some project's outcome is unbounded
    eligible: int  # projects it was given to (a yes/no outcome: projects where it holds)
    promised: int  # projects with a promise and no figure ([0, ∞])
    mean_high: float
    p50_high: float
    p90_high: float
    max_high: float


def concept_totals(cp: CompiledPolicy, out: Outcomes, stats: bool = True) -> list[ConceptTotal]:
    """Each concept's totals; with `stats`, also the mean, p50, p90 and max of the high end (a sort per
    concept: sweeps, readings and every chunk after a portfolio's first do without, 0 in their place)."""
    rows = []
    for concept in out.concepts:
        unit = unit_of(cp, concept)
        if concept in out.boolean:
            held = int(np.count_nonzero(out.boolean[concept]))
            rows.append(ConceptTotal(concept, "bool", float(held), float(held), held, 0, 0.0, 0.0, 0.0, 0.0))
            continue
        lo, hi = (np.broadcast_to(x, (len(out.ids),)) for x in out.numeric[concept])
        elig = np.broadcast_to(out.eligible.get(concept, np.ones(len(out.ids), dtype=bool)), (len(out.ids),))
        promised = int(np.count_nonzero(elig & np.isinf(hi)))
        finite = hi[elig & np.isfinite(hi)] if stats else hi[:0]
        q = np.quantile(finite, [0.5, 0.9]) if finite.size else np.zeros(2)
        rows.append(ConceptTotal(concept, unit, float(lo.sum()), float(hi.sum()), int(np.count_nonzero(elig)),
                                 promised, float(finite.mean()) if finite.size else 0.0, float(q[0]), float(q[1]),
                                 float(finite.max()) if finite.size else 0.0))
    return rows


def covered_concepts(policy: Policy) -> set[str]:
    """Concepts that another concept of the same beneficiary reads (directly or through clauses with
    no concept of their own): an aggregate such as 无锡 `reward.firm_total` covers what it adds up."""
    covered: set[str] = set()
    for c in policy.clauses.values():
        if c.concept is None:
            continue
        mine = _beneficiary(policy, c)
        for other in _reads_concepts(policy, c):
            if other.concept is not None and other.concept.dotted != c.concept.dotted \
                    and _beneficiary(policy, other) == mine:
                covered.add(other.concept.dotted)
    return covered


def _beneficiary(policy: Policy, c: A.Clause) -> str | None:
    if c.beneficiary is not None:
        return c.beneficiary.dotted
    tax = policy.taxonomy
    concept = tax.concepts.get(c.concept.dotted) if tax is not None and c.concept is not None else None
    return concept.beneficiary if concept else None


def _reads_concepts(policy: Policy, c: A.Clause) -> Iterator[A.Clause]:
    seen: set[str] = {c.id}
    stack = [c]
    while stack:
        x = stack.pop()
        for n in walk(x.value) if x.value is not None else ():
            if isinstance(n, A.Name) and n.dotted in policy.clauses and n.dotted not in seen:
                seen.add(n.dotted)
                read = policy.clauses[n.dotted]
                if read.concept is not None:
                    yield read
                else:
                    stack.append(read)


def beneficiary_parts(cp: CompiledPolicy, out: Outcomes, fx: float, covered: set[str] | None = None
                      ) -> Iterator[tuple[str, str, str, np.ndarray, np.ndarray]]:
    """(beneficiary, unit, concept, low, high) per project: each money (in CNY) or points outcome
    attributed to whom it goes, aggregates and split wholes not counted twice."""
    covered = covered_concepts(cp.policy) if covered is None else covered
    n = len(out.ids)
    shares: dict[str, list[str]] = {}
    for key in out.numeric:
        whole = key.rsplit(".", 1)[0]
        if whole != key and whole in out.numeric and any(sc.concept == whole for sc in cp.splits.values()):
            shares.setdefault(whole, []).append(key)
    for concept, (lo0, hi0) in out.numeric.items():
        unit = unit_of(cp, concept)
        if concept in covered or unit not in ("CNY", "USD", "points"):
            continue
        lo, hi = np.broadcast_to(lo0, (n,)).astype(np.float64), np.broadcast_to(hi0, (n,)).astype(np.float64)
        elig = np.broadcast_to(out.eligible.get(concept, np.ones(n, dtype=bool)), (n,))
        lo, hi = np.where(elig, lo, 0.0), np.where(elig, hi, 0.0)
        if concept in shares:  # the whole, less what its shares give to their own beneficiaries
            split = np.zeros(n, dtype=bool)
            for s in shares[concept]:
                split |= np.broadcast_to(out.eligible.get(s, np.zeros(n, dtype=bool)), (n,))
            lo, hi = np.where(split, 0.0, lo), np.where(split, 0.0, hi)
        if unit == "USD":
            lo, hi, unit = lo * fx, hi * fx, "CNY"
        choice = out.beneficiaries.get(concept)
        names = choice.names if choice is not None else None
        if names is None or isinstance(names, str):
            yield names or "unnamed", unit, concept, lo, hi
            continue
        for name in sorted({str(x) for x in names if x is not None}):
            mask = names == name
            yield name, unit, concept, np.where(mask, lo, 0.0), np.where(mask, hi, 0.0)


def beneficiary_totals(cp: CompiledPolicy, out: Outcomes, fx: float) -> dict[tuple[str, str], tuple[float, ...]]:
    """(beneficiary, unit) -> (Σ low, Σ high, Σ low and Σ high of the outcomes with a figure, how many
    project outcomes are promises with no upper bound) over the portfolio."""
    acc: dict[tuple[str, str], tuple[float, ...]] = {}
    for name, unit, _, lo, hi in beneficiary_parts(cp, out, fx):
        unbounded = np.isinf(hi)
        part = (float(lo.sum()), float(hi.sum()), float(np.where(unbounded, 0.0, lo).sum()),
                float(np.where(unbounded, 0.0, hi).sum()), float(np.count_nonzero(unbounded)))
        old = acc.get((name, unit), (0.0,) * 5)
        acc[(name, unit)] = tuple(a + b for a, b in zip(old, part, strict=True))
    return acc


def offers(cp: CompiledPolicy, out: Outcomes, fx: float, beneficiary: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per project, the money (CNY) `beneficiary` is offered: [low, high] over the outcomes with a
    figure, and where some outcome is a promise with no figure (left out of the sums)."""
    n = len(out.ids)
    lo_sum, hi_sum, promised = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    for name, unit, _, lo, hi in beneficiary_parts(cp, out, fx):
        if name != beneficiary or unit != "CNY":
            continue
        unbounded = np.isinf(hi)
        promised |= unbounded
        lo_sum += np.where(unbounded, 0.0, lo)
        hi_sum += np.where(unbounded, 0.0, hi)
    return lo_sum, hi_sum, promised


TOTAL_MONEY = "money.total"  # a line's money outcomes (CNY), each counted once: what the city pays


def money_per_project(cp: CompiledPolicy, out: Outcomes, fx: float, covered: set[str] | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per project, [low, high] of the money (CNY) the line pays, to whomever: the outcomes with a
    figure (a promise with no figure, [0, ∞], is left out, as in `offers`).  `covered`: the policy's
    covered_concepts, for a caller that runs it many times."""
    n = len(out.ids)
    lo_sum, hi_sum = np.zeros(n), np.zeros(n)
    for _, unit, _, lo, hi in beneficiary_parts(cp, out, fx, covered):
        if unit == "CNY":
            unbounded = np.isinf(hi)
            lo_sum += np.where(unbounded, 0.0, lo)
            hi_sum += np.where(unbounded, 0.0, hi)
    return lo_sum, hi_sum


def ends(out: Outcomes, concept: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A concept's [low, high] per project where it was given (0 elsewhere, and where the policy has
    no such concept); a yes/no outcome as 1 or 0."""
    if concept in out.boolean:
        held = np.broadcast_to(out.boolean[concept], (n,)).astype(np.float64)
        return held, held
    if concept not in out.numeric:
        return np.zeros(n), np.zeros(n)
    lo, hi = out.numeric[concept]
    elig = np.broadcast_to(out.eligible.get(concept, np.ones(n, dtype=bool)), (n,))
    return (np.where(elig, np.broadcast_to(lo, (n,)), 0.0).astype(np.float64),
            np.where(elig, np.broadcast_to(hi, (n,)), 0.0).astype(np.float64))
