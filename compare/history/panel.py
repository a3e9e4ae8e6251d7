"""The panel: a long table, one row per city × date × figure in force (and, with reference projects,
per city × date × project × concept: the project's outcome under the document then in force), for
difference-in-differences and other studies of how cities change their offers.

    dates = panel_dates(2015, 2019, "year")           # 2015-01-01, 2016-01-01, … 2019-01-01
    panel = build_panel(cities, dates)                # figures only
    panel = build_panel(cities, dates, batch, rate)   # and each project's outcomes

Columns (COLUMNS): city, city_label, date, policy (the document in force on the date, dsl.timeline),
concept, figure (its path, compare.simulate.figures), kind, value (base unit), unit, text (the texts'
notation), article, quote; for an outcome row kind is `outcome`, figure, value, article and quote are
empty, and project, outcome (the low end of the outcome), outcome_high (its high end: equal for a figure,
larger for a range such as 2‰～5‰ of an amount, empty for ∞) and state (compare.engine.evaluate:
figure, zero, not_eligible, promised, absent) are filled.  A concept some document of the city gives
but the one in force does not is an `absent` row, so the panel is balanced per city.
Each document is evaluated once, at one USD→CNY rate for the whole panel (a rate that changed with the
date would move every dollar-denominated outcome and confound the comparison).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from compare.data.write import human
from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import ABSENT, CompiledPolicy, Outcomes
from compare.history.documents import Cities
from compare.history.figures import BASE_UNIT, figure_rows
from dsl.units import Dim

COLUMNS = ("city", "city_label", "date", "policy", "concept", "figure", "kind", "value", "unit", "text", "article",
           "quote", "project", "outcome", "outcome_high", "state")
NUMBERS = ("value", "outcome", "outcome_high")
Cell = str | float | None


@dataclass
class Panel:
    rows: list[tuple[Cell, ...]]  # in COLUMNS' order
    notes: list[str] = field(default_factory=list)  # what is not in the rows, and why (said on stderr)
    documents: dict[str, list[str]] = field(default_factory=dict)  # city -> the documents in force, in order


def panel_dates(first: int, last: int, by: str) -> list[dt.date]:
    """1 January of each year from `first` to `last` (`by` "year"), or the 1st of each month ("month")."""
    if first > last:
        raise ValueError(f"--from {first} is after --to {last}")
    if by == "year":
        return [dt.date(y, 1, 1) for y in range(first, last + 1)]
    return [dt.date(y, m, 1) for y in range(first, last + 1) for m in range(1, 13)]


def _span(dates: Sequence[dt.date]) -> str:
    return dates[0].isoformat() if len(dates) == 1 else f"{dates[0].isoformat()} … {dates[-1].isoformat()}"


def _outcome(out: Outcomes, concept: str, i: int, dim: Dim | None) -> tuple[Cell, Cell, str, str]:
    """(outcome, outcome_high, text, state) of project i."""
    state = out.state(concept, i)
    if state == ABSENT:
        return None, None, "", state
    v = out.value(concept, i)
    if isinstance(v, bool):
        return float(v), float(v), "yes" if v else "no", state
    low, high = (v, v) if not isinstance(v, tuple) else v
    text = human([low, None if math.isinf(high) else high] if low != high else low, dim)
    return low, (None if math.isinf(high) else high), text, state


def build_panel(cities: Cities, dates: Sequence[dt.date], batch: ProjectBatch | None = None,
                rate: float = 0.0) -> Panel:
    """The panel's rows for every city (in the timelines' order) and date; with `batch` (evaluated at
    `rate`, USD→CNY), the projects' outcomes too."""
    panel = Panel([])
    for city, timeline in cities.timelines.items():
        label = cities.label(city)
        in_force = {d: timeline.as_of(d) for d in dates}
        used = list(dict.fromkeys(doc.policy for doc in in_force.values() if doc is not None))
        panel.documents[city] = used
        missing = [d for d, doc in in_force.items() if doc is None]
        if missing:
            drafts = [doc.policy for doc in timeline.documents if doc.status == "draft"]
            why = f"only a draft ({', '.join(drafts)}), never in force" if drafts and not used else \
                "no document of the city in force"
            panel.notes.append(f"{city}: {why} on {len(missing)} of the {len(dates)} dates ({_span(missing)}): "
                               "no rows for them")
        figures = {p: figure_rows(cities.policies[p]) for p in used}
        outcomes: dict[str, tuple[Outcomes, dict[str, Dim | None]]] = {}
        if batch is not None:
            for p in used:
                cp = CompiledPolicy(cities.policies[p])
                outcomes[p] = (cp.outcomes(cp.run(batch, rate)), dict(cp.concept_dims))
        concepts = sorted({c for out, _ in outcomes.values() for c in out.concepts})
        for d in dates:
            doc = in_force[d]
            if doc is None:
                continue
            head = (city, label, d.isoformat(), doc.policy)
            for r in figures[doc.policy]:
                panel.rows.append((*head, r.concept, r.path, r.kind, r.value, r.unit, r.text, r.article, r.quote,
                                   None, None, None, None))
            if batch is None:
                continue
            out, dims = outcomes[doc.policy]
            for i, project in enumerate(batch.ids):
                for concept in concepts:
                    dim = dims.get(concept)
                    unit = BASE_UNIT.get(dim, dim.value) if dim is not None else ""
                    low, high, text, state = _outcome(out, concept, i, dim)
                    panel.rows.append((*head, concept, None, "outcome", None, unit if state != ABSENT else None,
                                       text or None, None, None, project, low, high, state))
    return panel


__all__ = ["COLUMNS", "NUMBERS", "Panel", "build_panel", "panel_dates"]
