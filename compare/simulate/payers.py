"""Who pays: totals by payer beside the totals by beneficiary.

A clause may say who pays its outcome (`payer city`, `payer city = 60%, district = 40%`, `payer city,
district = 1:1`); where it names payers without their shares (`payer city, district`: "由市和县（市、
区）按现行财政体制分担") the outcome goes to the joint payer `city+district`, as the text leaves it.
An outcome whose clause names no payer is `unstated`.  The money is what `beneficiary_parts` counts
(each outcome once: aggregates and split wholes not twice, 美元 at the run's rate), so the payers'
sums are the beneficiaries' sums cut another way.

`payer_shares` is the one place that reads a policy's payers; a split's shares are paid by whoever
pays the clause it divides.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import numpy as np

from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.simulate.totals import beneficiary_parts
from dsl import ast as A
from dsl.model import Policy

UNSTATED = "unstated"
_LABELS = {UNSTATED: "未载明出资方 payer not stated"}


def clause_payers(payer: A.Payer) -> tuple[tuple[str, float], ...]:
    """(payer, share) of one `payer` line, the shares summing to 1: percentages as written, a ratio
    (`1:1`) divided by its sum, names without shares one joint payer (`city+district`)."""
    if any(s.weight is None for s in payer.shares):
        return (("+".join(s.name for s in payer.shares), 1.0),)
    weights = [_weight(s.weight) for s in payer.shares]
    total = sum(weights, Decimal(0))
    if not payer.ratio_form and len(weights) == 1:
        return ((payer.shares[0].name, 1.0),)
    if total <= 0:
        return (("+".join(s.name for s in payer.shares), 1.0),)
    return tuple((s.name, float(w / total)) for s, w in zip(payer.shares, weights, strict=True))


def _weight(e: A.Expr | None) -> Decimal:
    if isinstance(e, A.Quantity):
        return e.base_value  # 60% -> 0.6; a part of a ratio, a bare number
    if isinstance(e, A.RatioLit) and len(e.parts) == 2 and e.parts[1]:
        return e.parts[0] / e.parts[1]
    return Decimal(0)


def payer_shares(policy: Policy) -> dict[str, tuple[tuple[str, float], ...]]:
    """Outcome concept -> (payer, share) … of the clauses that give it (a split's shares: of the
    clause it divides).  A concept whose clauses name different payers, or none, is left out
    (`unstated`)."""
    by_concept: dict[str, set[tuple[tuple[str, float], ...] | None]] = {}
    for c in policy.clauses.values():
        if c.concept is not None:
            by_concept.setdefault(c.concept.dotted, set()).add(clause_payers(c.payer) if c.payer else None)
    for s in policy.splits.values():
        base = policy.clauses.get(s.splits.dotted) if s.splits is not None else None
        if base is not None and base.concept is not None:
            for share in s.shares:
                key = f"{base.concept.dotted}.{share.name}"
                by_concept.setdefault(key, set()).add(clause_payers(base.payer) if base.payer else None)
    out: dict[str, tuple[tuple[str, float], ...]] = {}
    for k, v in by_concept.items():
        only = next(iter(v)) if len(v) == 1 else None
        if only is not None:
            out[k] = only
    return out


def names_payers(policy: Policy) -> bool:
    return any(c.payer is not None for c in policy.clauses.values())


def payer_parts(cp: CompiledPolicy, out: Outcomes, fx: float) -> Iterator[tuple[str, str, np.ndarray, np.ndarray]]:
    """(payer, unit, low, high) per project: each money (CNY) outcome's share by payer."""
    shares = payer_shares(cp.policy)
    for _, unit, concept, lo, hi in beneficiary_parts(cp, out, fx):
        if unit != "CNY":
            continue
        for payer, share in shares.get(concept, ((UNSTATED, 1.0),)):
            yield payer, unit, lo * share, hi * share


def payer_totals(cp: CompiledPolicy, out: Outcomes, fx: float) -> dict[tuple[str, str], tuple[float, ...]]:
    """(payer, unit) -> (Σ low, Σ high, Σ low and Σ high of the outcomes with a figure, how many
    project outcomes are promises with no upper bound), as `beneficiary_totals` by beneficiary."""
    acc: dict[tuple[str, str], tuple[float, ...]] = {}
    for name, unit, lo, hi in payer_parts(cp, out, fx):
        unbounded = np.isinf(hi)
        part = (float(lo.sum()), float(hi.sum()), float(np.where(unbounded, 0.0, lo).sum()),
                float(np.where(unbounded, 0.0, hi).sum()), float(np.count_nonzero(unbounded)))
        old = acc.get((name, unit), (0.0,) * 5)
        acc[(name, unit)] = tuple(a + b for a, b in zip(old, part, strict=True))
    return acc


def payer_label(policy: Policy, name: str) -> str:
    """The payer's Chinese name from the taxonomy (`city` 市级财政); a joint payer's joined with 、."""
    if name in _LABELS:
        return _LABELS[name]
    table = getattr(policy.taxonomy, "payers", None) or {}
    parts = []
    for n in name.split("+"):
        zh = table.get(n)
        parts.append((zh[0] if isinstance(zh, tuple) else zh) if zh else n)
    return "、".join(str(p) for p in parts) + ("（分担比例未载明）" if "+" in name else "")


__all__ = ["UNSTATED", "clause_payers", "names_payers", "payer_label", "payer_parts", "payer_shares", "payer_totals"]
