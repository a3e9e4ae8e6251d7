"""Readings sensitivity: how much each open reading of a text moves a line's totals.

One reading at a time (the others at the line's choice) gives the tornado: per concept and reading,
the lowest and highest total over its options.  Every combination of the declared readings (up to
`MAX_COMBINATIONS`) gives the full table.  Each run re-evaluates only the clauses that read a changed
reading (CompiledPolicy.run(base=…)).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from compare.engine.batch import ProjectBatch
from compare.simulate.lines import Line
from compare.simulate.totals import concept_label, concept_totals

MAX_COMBINATIONS = 4096


def _totals(line: Line, batch: ProjectBatch, rate: float, chosen: dict[str, str], base: Any) -> dict[str, Any]:
    cp = line.compiled
    env = cp.run(batch, rate, chosen, base=base[0] if base else None)
    out = cp.outcomes(env, base[1] if base else None)
    return {t.concept: t for t in concept_totals(cp, out, stats=False)}


def tornado(line: Line, batch: ProjectBatch, rate: float, concepts: list[str] | None) -> list[dict[str, Any]]:
    """Per concept and reading: the options giving the lowest and highest total (high end), those totals,
    and the total under the line's readings."""
    cp = line.compiled
    chosen = {**cp.default_readings(), **line.readings}
    env = cp.run(batch, rate, chosen)
    base_out = cp.outcomes(env)
    baseline = {t.concept: t for t in concept_totals(cp, base_out, stats=False)}
    rows = []
    for rid, reading in sorted(cp.policy.readings.items()):
        per_option = {o.id: _totals(line, batch, rate, {**chosen, rid: o.id}, (env, base_out)) for o in reading.options}
        for concept, base_t in baseline.items():
            if (concepts and concept not in concepts) or base_t.unit == "bool":
                continue
            values = {o: t[concept].high if concept in t else 0.0 for o, t in per_option.items()}
            lows = {o: t[concept].low if concept in t else 0.0 for o, t in per_option.items()}
            lo_opt = min(values, key=lambda o: (values[o], lows[o]))
            hi_opt = max(values, key=lambda o: (values[o], lows[o]))
            swing = values[hi_opt] - values[lo_opt]
            swing_low = max(lows.values()) - min(lows.values())
            rows.append({"policy": line.name, "label": line.label, "concept": concept,
                         "concept_label": concept_label(line.policy, concept), "unit": base_t.unit,
                         "reading": rid, "reading_label": reading.label or rid, "default": chosen.get(rid, ""),
                         "option_low": lo_opt, "option_high": hi_opt, "total_low": values[lo_opt],
                         "total_high": values[hi_opt], "baseline": base_t.high,
                         "swing": swing if np.isfinite(swing) else float("inf"), "swing_low_end": swing_low})
    rows.sort(key=lambda r: (r["policy"], r["concept"], -float(r["swing"]), r["reading"]))
    return rows


def combinations(line: Line, batch: ProjectBatch, rate: float, concepts: list[str] | None
                 ) -> tuple[list[dict[str, Any]], str | None]:
    """Totals under every combination of the line's readings: one row per combination and concept.
    Nothing (and a note) past MAX_COMBINATIONS combinations."""
    cp = line.compiled
    readings = sorted(cp.policy.readings.items())
    count = int(np.prod([len(r.options) for _, r in readings])) if readings else 1
    if count > MAX_COMBINATIONS:
        return [], f"{line.name}: {count} combinations of readings, more than {MAX_COMBINATIONS}: only the tornado"
    chosen = {**cp.default_readings(), **line.readings}
    env = cp.run(batch, rate, chosen)
    base_out = cp.outcomes(env)
    rows = []
    for combo in itertools.product(*[[o.id for o in r.options] for _, r in readings]):
        picked = dict(zip([rid for rid, _ in readings], combo, strict=True))
        totals = _totals(line, batch, rate, picked, (env, base_out))
        text = ", ".join(f"{k}={v}" for k, v in picked.items())
        for concept, t in totals.items():
            if (concepts and concept not in concepts) or t.unit == "bool":
                continue
            rows.append({"policy": line.name, "combination": text, "concept": concept, "unit": t.unit,
                         "low": t.low, "high": t.high, **{f"reading.{k}": v for k, v in picked.items()}})
    return rows, None
