"""Reading-sensitive outcomes: which outcomes of which projects another option of a declared reading
would change, and to what.

The policy is evaluated once per (reading, alternative option), with every other reading at the
option in force, each time over the whole batch; an outcome is sensitive for a project where its
value or its state (docs/evaluation.md) differs from the run's.  Zhangjiagang 第12条: registered
capital exactly 3000万美元 in the core zone is 5分 under tier_edges=lower_closed and 2分 under
upper_closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from compare.engine.assumed import assumed_masks, input_value
from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.implied import NONE, implied_by
from compare.engine.values import Arr, Env


@dataclass
class Alternative:
    """The outcomes under one other option of one reading, and where each concept differs."""

    reading: str
    option: str
    outcomes: Outcomes
    changed: dict[str, Arr]  # concept -> bool per project: value or state differs from the run's
    assumed: dict[str, Arr]  # field -> where this option reads it, not given, and the run's does not


def _differs(a: Outcomes, b: Outcomes, concept: str) -> Arr:
    n = len(a.ids)
    if concept in a.boolean:
        d = np.asarray(a.boolean[concept] != b.boolean.get(concept, a.boolean[concept]), dtype=bool)
    else:
        (alo, ahi), (blo, bhi) = a.numeric[concept], b.numeric.get(concept, a.numeric[concept])
        d = np.asarray((alo != blo) | (ahi != bhi), dtype=bool)
    ea, eb = a.eligible.get(concept), b.eligible.get(concept)
    if ea is not None and eb is not None:
        d = d | (ea != eb)
    return np.broadcast_to(d, (n,))


def alternatives(cp: CompiledPolicy, batch: ProjectBatch, fx: Any, base: Outcomes,
                 base_env: Env | None = None) -> list[Alternative]:
    """Every other option of every reading the policy declares, with the others as in `base`.
    With `base_env` (the run behind `base`), only the clauses that depend on the reading run again."""
    out: list[Alternative] = []
    for rid, reading in cp.policy.readings.items():
        for option in reading.options:
            if option.id == base.readings.get(rid):
                continue
            env = cp.run(batch, fx, {**base.readings, rid: option.id}, base=base_env)
            alt = cp.outcomes(env, base if base_env is not None else None)
            maybe = cp.affected(env)
            changed = {c: m for c in base.concepts
                       if (maybe is None or c in maybe) and (m := _differs(base, alt, c)).any()}
            if changed:
                before = base.assumed if base.assumed is not None else assumed_masks(cp, cp.run(batch, fx, base.readings))
                extra = {f: m & ~before[f] if f in before else m for f, m in assumed_masks(cp, env).items()}
                out.append(Alternative(rid, option.id, _only(alt, set(changed)), changed,
                                       {f: m for f, m in extra.items() if m.any()}))
    return out


def _only(out: Outcomes, concepts: set[str]) -> Outcomes:
    """The outcomes of `concepts` alone: an alternative is read only where it changes something, and a
    million projects' arrays of every concept under every option would not fit in memory."""
    keep = lambda d: {k: v for k, v in d.items() if k in concepts}  # noqa: E731
    return Outcomes(out.policy, out.city, out.ids, keep(out.numeric), keep(out.boolean), {}, keep(out.eligible),
                    keep(out.beneficiaries), out.fx, out.readings)


def annotate_sensitivity(cp: CompiledPolicy, batch: ProjectBatch, fx: Any, out: Outcomes,
                         env: Env | None = None) -> Outcomes:
    out.alternatives = alternatives(cp, batch, fx, out, env)
    return out


def sensitive_row(out: Outcomes, i: int) -> dict[str, list[dict[str, Any]]]:
    """For project i: concept -> [{reading, option, value, state[, assumed]}, …], the alternatives that
    move it.  `value` is as `Outcomes.value` gives it (a number, a bool or a (low, high) pair);
    `assumed`, where the option reads inputs the record did not give and the run did not read
    (quality_score_table=linear reads `quality_score`): field -> the default it took."""
    found: dict[str, list[dict[str, Any]]] = {}
    for alt in out.alternatives or []:
        extra = {f: input_value(out.implied, f, i, out.record) for f, m in alt.assumed.items() if bool(m[i])}
        implied = {f: implied_by(int(out.implied[f][0][i])) for f in extra
                   if out.implied and f in out.implied and int(out.implied[f][0][i]) != NONE}
        for concept, mask in alt.changed.items():
            if bool(mask[i]):
                entry = {"reading": alt.reading, "option": alt.option,
                         "value": alt.outcomes.value(concept, i), "state": alt.outcomes.state(concept, i)}
                if extra:
                    entry["assumed"] = extra
                if implied:
                    entry["implied"] = implied
                found.setdefault(concept, []).append(entry)
    return dict(sorted(found.items()))


__all__ = ["Alternative", "alternatives", "annotate_sensitivity", "sensitive_row"]
