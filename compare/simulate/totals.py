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
from compare.engine.values import as_rows
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


class Attribution:
    """One line's outcomes over a batch, attributed to whom each goes (`parts`): what every pass over
    them shares is found once (the split wholes; per concept paid to a name per project, its distinct
    names and where each is paid), so the totals and each beneficiary's offers build only their arrays."""

    def __init__(self, cp: CompiledPolicy, out: Outcomes, fx: float, covered: set[str] | None = None):
        self.cp, self.out, self.fx = cp, out, fx
        self.covered = covered_concepts(cp.policy) if covered is None else covered
        self.n = len(out.ids)
        self.shares: dict[str, list[str]] = {}
        for key in out.numeric:
            whole = key.rsplit(".", 1)[0]
            if whole != key and whole in out.numeric and any(sc.concept == whole for sc in cp.splits.values()):
                self.shares.setdefault(whole, []).append(key)
        self._names: dict[str, list[str]] = {}
        self._masks: dict[tuple[str, str], np.ndarray] = {}

    def names(self, concept: str, names: np.ndarray) -> list[str]:
        """The distinct names of a per-project array, sorted (one pass over its objects, then kept)."""
        if concept not in self._names:
            self._names[concept] = sorted({str(x) for x in set(names.tolist()) if x is not None})
        return self._names[concept]

    def mask(self, concept: str, names: np.ndarray, name: str) -> np.ndarray:
        if (concept, name) not in self._masks:
            self._masks[(concept, name)] = names == name
        return self._masks[(concept, name)]

    def parts(self, only: tuple[str, str] | None = None) -> Iterator[tuple[str, str, str, np.ndarray, np.ndarray]]:
        """(beneficiary, unit, concept, low, high) per project: each money (in CNY) or points outcome
        attributed to whom it goes, aggregates and split wholes not counted twice.  `only`: the parts of
        this (beneficiary, unit) alone, in the same order (the others' arrays are never built)."""
        cp, out, n = self.cp, self.out, self.n
        for concept, (lo0, hi0) in out.numeric.items():
            unit = unit_of(cp, concept)
            if concept in self.covered or unit not in ("CNY", "USD", "points"):
                continue
            choice = out.beneficiaries.get(concept)
            names = choice.names if choice is not None else None
            if names is None or isinstance(names, str):
                per_project, who = None, [names or "unnamed"]
            else:
                per_project, who = names, self.names(concept, names)
            if only is not None and (only[1] != ("CNY" if unit == "USD" else unit) or only[0] not in who):
                continue
            # contiguous float64 already: the array itself, not a copy (a sum runs the same as on a copy)
            lo = np.ascontiguousarray(as_rows(lo0, n), dtype=np.float64)
            hi = np.ascontiguousarray(as_rows(hi0, n), dtype=np.float64)
            if concept in out.eligible:  # (given everywhere: the arrays as they are, never written to)
                elig = as_rows(out.eligible[concept], n)
                lo, hi = _kept(elig, lo, hi)
            if concept in self.shares:  # the whole, less what its shares give to their own beneficiaries
                split = np.zeros(n, dtype=bool)
                for s in self.shares[concept]:
                    split |= np.broadcast_to(out.eligible.get(s, np.zeros(n, dtype=bool)), (n,))
                lo, hi = _kept(~split, lo, hi)
            if unit == "USD":
                lo, hi, unit = lo * self.fx, hi * self.fx, "CNY"
            if per_project is None:
                yield who[0], unit, concept, lo, hi
                continue
            for name in who if only is None else [only[0]]:
                mask = self.mask(concept, per_project, name)
                lo_k, hi_k = _kept(mask, lo, hi)
                yield name, unit, concept, lo_k, hi_k

    def totals(self) -> dict[tuple[str, str], tuple[float, ...]]:
        """(beneficiary, unit) -> (Σ low, Σ high, Σ low and Σ high of the outcomes with a figure, how many
        project outcomes are promises with no upper bound) over the batch."""
        acc: dict[tuple[str, str], tuple[float, ...]] = {}
        for name, unit, _, lo, hi in self.parts():
            unbounded = np.isinf(hi)
            count = np.count_nonzero(unbounded)
            low, high = float(lo.sum()), float(hi.sum())
            if count:
                lo, hi = _kept(~unbounded, lo, hi)
            part = (low, high, float(lo.sum()) if count else low, float(hi.sum()) if count else high, float(count))
            old = acc.get((name, unit), (0.0,) * 5)
            acc[(name, unit)] = tuple(a + b for a, b in zip(old, part, strict=True))
        return acc

    def offers(self, beneficiary: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per project, the money (CNY) `beneficiary` is offered: [low, high] over the outcomes with a
        figure, and where some outcome is a promise with no figure (left out of the sums)."""
        n = self.n
        lo_sum, hi_sum, promised = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
        for _, _, _, lo, hi in self.parts((beneficiary, "CNY")):
            unbounded = np.isinf(hi)
            if unbounded.any():
                promised |= unbounded
                lo, hi = _kept(~unbounded, lo, hi)
            lo_sum += lo
            hi_sum += hi
        return lo_sum, hi_sum, promised


def _kept(where: np.ndarray, *xs: np.ndarray) -> tuple[np.ndarray, ...]:
    """np.where(where, x, 0.0) of each x, bit for bit: x itself where it holds everywhere (not to be
    written to), zeros where nowhere; else x's bits masked by a word of ones where it holds (+0.0
    elsewhere), one mask for every x, without np.where's branch per element."""
    if where.all():
        return xs
    if not where.any():
        return tuple(np.zeros(len(x)) for x in xs)
    ones = where.astype(np.int64)
    np.negative(ones, out=ones)  # 1 → -1: every bit set
    return tuple(np.bitwise_and(np.ascontiguousarray(x, dtype=np.float64).view(np.int64), ones).view(np.float64)
                 for x in xs)


def beneficiary_parts(cp: CompiledPolicy, out: Outcomes, fx: float, covered: set[str] | None = None
                      ) -> Iterator[tuple[str, str, str, np.ndarray, np.ndarray]]:
    """(beneficiary, unit, concept, low, high) per project (Attribution.parts)."""
    return Attribution(cp, out, fx, covered).parts()


def beneficiary_totals(cp: CompiledPolicy, out: Outcomes, fx: float) -> dict[tuple[str, str], tuple[float, ...]]:
    """(beneficiary, unit) -> the sums over the portfolio (Attribution.totals)."""
    return Attribution(cp, out, fx).totals()


def offers(cp: CompiledPolicy, out: Outcomes, fx: float, beneficiary: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per project, the money (CNY) `beneficiary` is offered (Attribution.offers)."""
    return Attribution(cp, out, fx).offers(beneficiary)


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
