"""Explain one project over its years: each year's figures, and which time rule changed a clause's
amount and why ("cumulative cap 300万元: 60万元 left of it after 2024–2025 → 60万元").

The single-year evaluation of a year is compare.engine.explain's; this adds what happened between
the years (compare.engine.years, docs/years.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.explain import fmt_value, show
from compare.engine.explain_portfolio import shared_lines
from compare.engine.portfolio import across
from compare.engine.project_years import ProjectYears
from compare.engine.values import Arr, Env
from compare.engine.year_inputs import year_batches
from compare.engine.years import Step, YearOutcomes, evaluate_years
from dsl.textsafe import printable
from dsl.units import Dim


@dataclass
class YearsExplanation:
    project: str
    policy: str
    city: str
    fx: float
    landing: int
    years: list[int]  # the years the project has a row
    lines: list[str]

    def render(self) -> str:
        head = (f"project {self.project} under {self.policy} ({self.city}) over {_span(self.years)}, "
                f"landed {self.landing}; USD→CNY {self.fx:g}")
        return "\n".join(printable(x) for x in [head, *self.lines])


def one_project(py: ProjectYears, project_id: str) -> ProjectYears:
    """The years of one project of `py` (the years it has a row)."""
    if project_id not in py.ids:
        raise KeyError(f"no project `{project_id}`")
    i = py.ids.index(project_id)
    years = [y for y in py.years if bool(py.active[y][i])]
    return ProjectYears([project_id], years, {y: py.batches[y].row(i) for y in years},
                        {y: np.ones(1, dtype=bool) for y in years}, py.landing[i:i + 1].copy())


def shared_peers(cp: CompiledPolicy, py: ProjectYears, project_id: str, fx: Any,
                 readings: dict[str, str] | None) -> dict[int, tuple[Env, int]] | None:
    """Per year of the project, a run over that year's projects and its row in it: a clause shared
    across a year's projects (a budget, winners) gives the project its share among them, not alone."""
    if py.n < 2 or not across(cp.clauses):
        return None
    i = py.ids.index(project_id)
    out: dict[int, tuple[Env, int]] = {}
    for y, batch, idx in year_batches(cp, py):
        rows = np.flatnonzero((np.arange(py.n) if idx is None else idx) == i)
        if rows.size:
            out[y] = (cp.run(batch, fx, readings), int(rows[0]))
    return out


def explain_years(cp: CompiledPolicy, py: ProjectYears, project_id: str, fx: Any,
                  readings: dict[str, str] | None = None) -> YearsExplanation:
    """Project `project_id`'s outcomes per year and in total, with the time rules that changed them."""
    one = one_project(py, project_id)
    peers = shared_peers(cp, py, project_id, fx, readings)
    yo = evaluate_years(cp, one, fx, readings, trace=True, peers=peers)
    lines: list[str] = []
    landing = int(one.landing[0])
    for y in yo.years:
        lines.append(f"{y} (year {y - landing + 1} of its life)")
        out = yo.by_year[y]
        for concept in out.concepts:
            lines.append(f"  {concept}: {_figure(cp, out, concept)}")
        for cid, steps in (yo.steps or {}).get(y, {}).items():
            if not any(bool(s.lo[0] or s.hi[0]) for s in steps):
                continue  # nothing in the year alone, nothing after the rules
            lines.append(f"    {cid}: " + "; ".join(_describe(cp, cid, steps, yo, y, landing)))
        whole, row = (peers or {}).get(y, (None, 0))
        for cid, shared in (whole.shared.items() if whole is not None else ()):  # its place among the year's
            told = shared_lines(replace(shared, row=row))
            if told:
                lines.append(f"    {cid}: " + "; ".join(told))
    lines.append(f"in total over {_span(yo.years)}")
    for concept in yo.total.concepts:
        lines.append(f"  {concept}: {_figure(cp, yo.total, concept)}")
    for concept, (lo, hi) in yo.due_later.items():
        if lo[0] or hi[0]:
            dim = cp.concept_dims.get(concept)
            lines.append(f"  {concept}: {_fmt(float(lo[0]), float(hi[0]), dim)} due after {yo.years[-1]} "
                         "(instalments not in the total)")
    return YearsExplanation(project_id, cp.policy.id, cp.policy.city, float(yo.total.fx), landing, yo.years, lines)


def _span(years: list[int]) -> str:
    if not years:
        return "no year"
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _figure(cp: CompiledPolicy, out: Outcomes, concept: str) -> str:
    state = out.state(concept, 0)
    if state == "not_eligible":
        return "not eligible"
    return fmt_value(out.value(concept, 0), cp.concept_dims.get(concept))


def _fmt(lo: float, hi: float, dim: Dim | None) -> str:
    return fmt_value(lo if lo == hi else (lo, hi), dim)


def _describe(cp: CompiledPolicy, cid: str, steps: list[Step], yo: YearOutcomes, year: int,
              landing: int) -> list[str]:
    """One clause's year: its single-year amount, then each rule that changed it and why."""
    cc = cp.clauses[cid]
    timing = cc.clause.timing
    assert timing is not None
    k = 100.0 if cc.is_money else 1.0
    dim = cc.dim

    def amount(lo: Arr, hi: Arr) -> str:
        return _fmt(float(lo[0]) / k, float(hi[0]) / k, dim)

    def val(x: Arr) -> float:
        return float(np.asarray(x)[0]) / k

    out = [f"{amount(steps[0].lo, steps[0].hi)} in the year alone"]
    earlier = [y for y in yo.years if y < year]
    for s in steps[1:]:
        if not bool(s.changed[0]) and s.rule != "installments":
            continue
        after = amount(s.lo, s.hi)
        if s.rule == "once":
            given = _first_given(yo, cid, year)
            out.append(f"once: given already in {given} → {after}")
        elif s.rule == "schedule":
            assert timing.schedule is not None
            factors = ", ".join(show(f) for f in timing.schedule.factors)
            life = int(s.info["year_of_life"][0])
            where = (f"year {life} of its life, {show(timing.schedule.factors[life - 1])}"
                     if 1 <= life <= len(timing.schedule.factors) else f"year {life} of its life, after the last factor")
            out.append(f"schedule {factors}: {where} → {after}")
        elif s.rule == "cumulative cap":
            assert timing.cumulative_cap is not None
            cap = timing.cumulative_cap
            name = f"cumulative cap {show(cap.amount)}" + (f" within {show(cap.within)}" if cap.within else "")
            if not bool(s.info["inside"][0]):
                out.append(f"{name}: year {year - landing + 1} of its life is past the window → {after}")
            else:
                left_lo = max(0.0, val(s.info["cap"]) - val(s.info["awarded_hi"]))
                left_hi = max(0.0, val(s.info["cap_hi"]) - val(s.info["awarded_lo"]))
                since = f" after {_span(earlier)}" if earlier else ""
                out.append(f"{name}: {_fmt(left_lo, left_hi, dim)} left of it{since} → {after}")
        elif s.rule == "installments":
            assert timing.installments is not None
            shares = ", ".join(show(x) for x in timing.installments.shares)
            awarded = amount(s.info["awarded_lo"], s.info["awarded_hi"])
            out.append(f"installments {shares}: awarded {awarded} this year; paid this year {after} "
                       "(this year's share of it and of earlier years' awards)")
        elif s.rule == "clawback":
            assert timing.clawback is not None
            cb = timing.clawback
            name = f"clawback when {show(cb.when)}" + (f" within {show(cb.within)}" if cb.within else "")
            if bool(s.info["clawed_before"][0]):
                out.append(f"{name}: clawed back in an earlier year, nothing after → {after}")
            else:
                paid = _fmt(val(s.info["paid_lo"]), val(s.info["paid_hi"]), dim)
                out.append(f"{name}: holds in year {year - landing + 1} of its life; minus the {paid} paid in "
                           f"{_span(earlier) if earlier else 'no earlier year'}, nothing this year → {after}")
    return out


def _first_given(yo: YearOutcomes, cid: str, year: int) -> str:
    for y in yo.years:
        if y >= year:
            break
        for s in (yo.steps or {}).get(y, {}).get(cid, []):
            if s.rule == "once" and float(np.asarray(s.hi)[0]) > 0:
                return str(y)
    return "an earlier year"


__all__ = ["YearsExplanation", "explain_years", "one_project"]
