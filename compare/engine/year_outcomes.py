"""Outcomes over the years: a year's outcomes of the active projects spread to every project (the others
not eligible), and each project's outcomes added up over the years (money in whole fen, exactly)."""

from __future__ import annotations

from typing import Any

import numpy as np

from compare.engine.beneficiary import NOBODY, Choice
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.values import Arr

Ends = tuple[Arr, Arr]

def scatter(out: Outcomes, idx: Arr, n: int, ids: list[str]) -> Outcomes:
    """Outcomes of the active projects -> every project (the others: not eligible, zero)."""
    def full(a: Any, fill: Any = 0) -> Arr:
        a = np.asarray(a)
        b = np.full(n, fill, dtype=a.dtype)
        b[idx] = np.broadcast_to(a, (len(idx),))
        return b

    def ends(lo: Arr, hi: Arr) -> Ends:
        f = full(lo)
        return f, f if hi is lo else full(hi)

    numeric = {k: ends(*v) for k, v in out.numeric.items()}
    payers = {k: {p: ends(*v) for p, v in d.items()} for k, d in out.payers.items()}
    bens = {k: _scatter_choice(c, idx, n) for k, c in out.beneficiaries.items()}
    return Outcomes(out.policy, out.city, list(ids), numeric, {k: full(v, False) for k, v in out.boolean.items()},
                    {k: full(v, False) for k, v in out.fired.items()},
                    {k: full(v, False) for k, v in out.eligible.items()}, bens, out.fx, out.readings,
                    record=out.record, payers=payers,
                    project_fx=None if out.project_fx is None else full(out.project_fx, np.nan))


def _scatter_choice(c: Choice, idx: Arr, n: int) -> Choice:
    names: Any = c.names
    if names is not None and not isinstance(names, str):
        full = np.full(n, None, dtype=object)
        full[idx] = names
        names = full
    which: Any = c.which if isinstance(c.which, int) else _full_int(c.which, idx, n, 0)
    rule: Any = c.rule if isinstance(c.rule, int) else _full_int(c.rule, idx, n, NOBODY)
    return Choice(c.rules, names, which, rule)


def _full_int(a: Arr, idx: Arr, n: int, fill: int) -> Arr:
    out = np.full(n, fill, dtype=np.int64)
    out[idx] = a
    return out


def total(cp: CompiledPolicy, by_year: dict[int, Outcomes], ids: list[str]) -> Outcomes:
    """Each project's outcomes added up over the years: money to the fen, exactly."""
    outs = [by_year[y] for y in sorted(by_year)]
    first = outs[0]
    n = len(ids)

    def money(concept: str) -> bool:
        d = cp.concept_dims.get(concept)
        return d is not None and d.is_money

    def add(parts: list[Ends], is_money: bool) -> Ends:
        """The years' sum; money rounded once to the fen: each year's is a whole number of fen, and the
        float sum of a few of them lies within far less than half a fen of it (below 10^12元)."""
        exact = all(hi is lo for lo, hi in parts)
        ends = [0] if exact else [0, 1]
        out = []
        for j in ends:
            acc = np.zeros(n)
            for part in parts:
                acc += part[j]
            if is_money:
                acc *= 100.0
                np.rint(acc, out=acc)
                acc /= 100.0
            out.append(acc)
        return out[0], out[-1]

    numeric = {c: add([o.numeric[c] for o in outs], money(c)) for c in first.numeric}
    payers = {c: {p: add([o.payers[c][p] for o in outs if p in o.payers.get(c, {})], money(c)) for p in d}
              for c, d in first.payers.items()}
    boolean = {c: np.logical_or.reduce([o.boolean[c] for o in outs]) for c in first.boolean}
    fired = {c: np.logical_or.reduce([np.broadcast_to(o.fired[c], (n,)) for o in outs]) for c in first.fired}
    eligible = {c: np.logical_or.reduce([o.eligible[c] for o in outs]) for c in first.eligible}
    last = outs[-1]
    return Outcomes(first.policy, first.city, list(ids), numeric, boolean, fired, eligible,
                    dict(last.beneficiaries), first.fx, dict(first.readings), record=first.record, payers=payers,
                    project_fx=last.project_fx)
