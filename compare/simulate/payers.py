"""Who pays: totals by payer beside the totals by beneficiary.

The engine divides each outcome among its clause's payers per project (compare.engine.payer: shares
as the clause states them, exactly to the fen; payers named without their shares one joint payer
`city+district`; a clause naming none, in a concept where another names one, `not_stated`).  Here the
money counted is what `beneficiary_parts` counts — each outcome once (aggregates and split wholes not
twice), where it was given, 美元 at the run's rate — so the payers' sums are the beneficiaries' sums
cut another way; a concept no clause of which names a payer is `not_stated` whole.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.payer import JOINT, NOT_STATED
from compare.simulate.totals import beneficiary_parts, unit_of
from dsl.model import Policy

_LABELS = {NOT_STATED: "未载明出资方 payer not stated"}


def names_payers(policy: Policy) -> bool:
    return any(c.payer is not None for c in policy.clauses.values())


def payer_parts(cp: CompiledPolicy, out: Outcomes, fx: float) -> Iterator[tuple[str, str, np.ndarray, np.ndarray]]:
    """(payer, unit, low, high) per project: each money outcome's part borne by each payer, in CNY."""
    n = len(out.ids)
    counted: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # concept -> where counted, Σ lo, Σ hi
    for _, unit, concept, lo, hi in beneficiary_parts(cp, out, fx):
        if unit != "CNY":
            continue
        where, slo, shi = counted.get(concept, (np.zeros(n, dtype=bool), np.zeros(n), np.zeros(n)))
        counted[concept] = (where | (lo != 0) | (hi != 0), slo + lo, shi + hi)
    for concept, (where, lo, hi) in counted.items():
        by_payer = out.payers.get(concept)
        if not by_payer:
            yield NOT_STATED, "CNY", lo, hi
            continue
        rate = fx if unit_of(cp, concept) == "USD" else 1.0
        for payer, (plo, phi) in by_payer.items():
            plo, phi = (np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)) for x in (plo, phi))
            yield payer, "CNY", np.where(where, plo * rate, 0.0), np.where(where, phi * rate, 0.0)


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
    for n in name.split(JOINT):
        zh = table.get(n)
        parts.append((zh[0] if isinstance(zh, tuple) else getattr(zh, "zh", zh)) if zh else n)
    return "、".join(str(p) for p in parts) + ("（分担比例未载明）" if JOINT in name else "")


__all__ = ["names_payers", "payer_label", "payer_parts", "payer_totals"]
