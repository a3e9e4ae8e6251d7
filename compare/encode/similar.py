"""The bundled clause most like a draft's candidate: by the words of their quotes and the shape of their
values, so the researcher sees which concept a like clause was given and how it was written.

    index = bundled_index()                                   # the bundled policies' clauses
    nearest(index, "对首次获评…给予最高50万元的一次性奖励。", "up to 50万元")
    # Like(policy="wuxi_2023", clause="specialized_sme_reward", concept="reward.specialized_sme", score=0.96)

Words: the share of character pairs the quote has in common with the clause's closest cite (Jaccard over
bigrams, whitespace dropped); shape: a tier table, a rate, points or an amount, read off the value's figures.  A clause like
no other (under a fifth of its pairs shared) has no pointer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dsl import ast as A
from dsl.walk import walk

_THRESHOLD = 0.2


@dataclass(frozen=True)
class Like:
    policy: str
    clause: str
    concept: str
    score: float


@dataclass(frozen=True)
class Entry:
    policy: str
    clause: str
    concept: str
    shape: str
    quotes: tuple[frozenset[str], ...]  # each cite's character pairs


def _pairs(text: str) -> frozenset[str]:
    s = re.sub(r"\s+", "", text)
    return frozenset(s[i:i + 2] for i in range(len(s) - 1))


def _shape(units: set[str], tiers: bool) -> str:
    if tiers:
        return "tiers"
    if units & {"%", "‰"}:
        return "rate"
    if "分" in units:
        return "points"
    return "amount"


def shape_of_text(value: str) -> str:
    """The shape of a draft's value expression, as written by compare.encode.draft."""
    return _shape({u for u in ("%", "‰", "分") if u in value}, value.startswith("tiers"))


def bundled_index(folder: Path | None = None) -> list[Entry]:
    """The clauses of the bundled policies (or `folder`), an intermediate one's concept "" (it feeds another)."""
    from dsl.cache import check_paths_cached
    from dsl.paths import BUNDLED

    result = check_paths_cached([folder or BUNDLED])
    out = []
    for policy in result.policies:
        for clause in policy.clauses.values():
            nodes = list(walk(clause.value))
            units = {q.unit for q in nodes if isinstance(q, A.Quantity)}
            tiers = any(isinstance(n, A.Tiers) for n in nodes)
            words = tuple(_pairs(c.quote) for c in clause.cites)
            out.append(Entry(policy.id, clause.id, clause.concept.dotted if clause.concept else "", _shape(units, tiers), words))
    return out


def nearest(index: list[Entry], quote: str, value: str) -> Like | None:
    """The entry most like a candidate (its quote's words, and a like shape breaking ties), or None."""
    pairs = _pairs(quote)
    shape = shape_of_text(value)
    best: tuple[float, float, Entry] | None = None
    for entry in index:
        words = max((len(pairs & q) / len(pairs | q) for q in entry.quotes if pairs | q), default=0.0)
        key = (words + (0.1 if entry.shape == shape else 0.0), words, entry)
        if words >= _THRESHOLD and (best is None or key[:2] > best[:2]):
            best = key
    return None if best is None else Like(best[2].policy, best[2].clause, best[2].concept, round(best[1], 2))


__all__ = ["Entry", "Like", "bundled_index", "nearest", "shape_of_text"]
