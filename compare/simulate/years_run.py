"""A scenario's portfolio over years, evaluated: each line's policy through compare.engine.years, the
totals per line, year and concept (`by_year`), and the instalments due after the last year (`due_later`).

Each year's totals are those of compare.simulate.totals over that year's outcomes (every project;
one not active that year is not eligible and counts 0), `money.total` (CNY) what the line pays that
year, a clawback's recovery negative.  The totals over the years are the engine's `total` outcomes,
which the scenario's `compare` analysis takes as it takes a single year's (compare.simulate.comparison).
A sweep over a years portfolio evaluates every point over the years (`sweep_rows`): the swept totals
over the years, and per year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.project_years import ProjectYears
from compare.engine.years import YearOutcomes, evaluate_years
from compare.simulate.lines import Line
from compare.simulate.totals import TOTAL_MONEY, concept_label, concept_totals, money_per_project, unit_of
from dsl.model import Policy

TOTAL_LABEL = "支付合计（有数额部分） money paid, outcomes with a figure"


@dataclass
class _Sum:
    low: float = 0.0
    high: float = 0.0
    eligible: int = 0
    active: int = 0


def year_totals(cp: CompiledPolicy, out: Outcomes, fx: float) -> list[tuple[str, str, float, float, int]]:
    """(concept, unit, Σ low, Σ high, projects given it) of one year's outcomes, yes/no outcomes left
    out, then `money.total` (CNY: what the line pays, to whomever)."""
    rows = [(t.concept, t.unit, t.low, t.high, t.eligible) for t in concept_totals(cp, out, stats=False)
            if t.unit != "bool"]
    lo, hi = money_per_project(cp, out, fx)
    paid = int(np.count_nonzero((lo != 0) | (hi != 0)))
    rows.append((TOTAL_MONEY, "CNY", float(lo.sum()), float(hi.sum()), paid))
    return rows


@dataclass
class YearTotals:
    """The totals of a portfolio over years, added up chunk by chunk."""

    lines: Sequence[Line]
    sums: dict[tuple[str, int, str], _Sum] = field(default_factory=dict)
    units: dict[tuple[str, str], str] = field(default_factory=dict)
    due: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)

    def evaluate(self, py: ProjectYears, fx: float) -> tuple[ProjectBatch, list[Outcomes]]:
        """Every line over the chunk's years, added to the totals; the chunk's last-year batch (every
        project) and each line's outcomes summed over the years, for the single-year analyses."""
        results = [evaluate_years(ln.compiled, py, fx, ln.readings) for ln in self.lines]
        self.add(py, results, fx)
        return py.batches[py.years[-1]], [yo.total for yo in results]

    def add(self, py: ProjectYears, results: Sequence[YearOutcomes], fx: float) -> None:
        self.years = sorted(set(self.years) | set(py.years))
        for ln, yo in zip(self.lines, results, strict=True):
            for y in yo.years:
                active = int(np.count_nonzero(py.active[y]))
                for concept, unit, lo, hi, elig in year_totals(ln.compiled, yo.by_year[y], fx):
                    s = self.sums.setdefault((ln.name, y, concept), _Sum())
                    s.low, s.high, s.eligible, s.active = s.low + lo, s.high + hi, s.eligible + elig, s.active + active
                    self.units[(ln.name, concept)] = unit
            for concept, (lo_due, hi_due) in yo.due_later.items():
                acc = self.due.setdefault((ln.name, concept), [0.0, 0.0, 0])
                acc[0] += float(np.sum(lo_due))
                acc[1] += float(np.sum(hi_due))
                acc[2] += int(np.count_nonzero(np.asarray(hi_due) != 0))

    def by_year_table(self) -> pa.Table:
        """One row per line, year and concept: the year's totals and how many projects were active."""
        lines = {ln.name: ln for ln in self.lines}
        rows = []
        for (name, year, concept), s in sorted(self.sums.items(), key=lambda kv: (_order(self.lines, kv[0][0]),
                                                                                   kv[0][2], kv[0][1])):
            ln = lines[name]
            rows.append({"policy": name, "label": ln.label, "city": ln.city, "root": ln.root, "year": year,
                         "concept": concept, "concept_label": _label(ln.policy, concept),
                         "unit": self.units[(name, concept)], "low": s.low, "high": s.high, "eligible": s.eligible,
                         "active": s.active})
        return pa.Table.from_pylist(rows)

    def due_table(self) -> pa.Table | None:
        """Instalments that fall after the portfolio's last year, per line and concept (None: none)."""
        lines = {ln.name: ln for ln in self.lines}
        rows = [{"policy": name, "label": lines[name].label, "city": lines[name].city, "concept": concept,
                 "concept_label": _label(lines[name].policy, concept), "unit": unit_of(lines[name].compiled, concept),
                 "low": v[0], "high": v[1], "projects": int(v[2])}
                for (name, concept), v in sorted(self.due.items()) if v[0] != 0 or v[1] != 0]
        return pa.Table.from_pylist(rows) if rows else None


def _order(lines: Sequence[Line], name: str) -> int:
    return next(k for k, ln in enumerate(lines) if ln.name == name)


def _label(policy: Policy, concept: str) -> str:
    return TOTAL_LABEL if concept == TOTAL_MONEY else concept_label(policy, concept)


def sweep_rows(cp: CompiledPolicy, py: ProjectYears, rate: float, readings: dict[str, str],
               concepts: Sequence[str] | None, row: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """A sweep point over the years: its totals over the years (rows as compare.simulate.sweep gives
    them: `row`'s keys, the totals, `after`'s keys), then each year's (the same, with `year`)."""
    yo = evaluate_years(cp, py, rate, readings)
    out = []
    parts: list[tuple[int | None, Outcomes]] = [(None, yo.total), *((y, yo.by_year[y]) for y in yo.years)]
    for year, outcomes in parts:
        for concept, unit, lo, hi, elig in year_totals(cp, outcomes, rate):
            if (concepts and concept not in concepts) or (not concepts and concept == TOTAL_MONEY):
                continue  # money.total when asked for: the concepts' rows already add up to it
            out.append({**row, **({} if year is None else {"year": year}), "concept": concept,
                        "concept_label": _label(cp.policy, concept), "unit": unit, "low": lo, "high": hi,
                        "eligible": elig, **after})
    return out


__all__ = ["TOTAL_LABEL", "YearTotals", "sweep_rows", "year_totals"]
