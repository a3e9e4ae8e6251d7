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
A document named on its own (a file, a policy id) has rows on the dates it is in force only: on a date
on which another document of its city is (one in its folder says so), it has none, and the command
says so.  Each document is evaluated once, at one USD→CNY rate for the whole panel (a rate that changed with the
date would move every dollar-denominated outcome and confound the comparison).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
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


Row = tuple[Cell, ...]


@dataclass
class Panel:
    """The rows in parts: per city and date, the head (city, city_label, date, policy) and the rows of the
    document then in force (one list per document, shared by every date it is in force)."""

    parts: list[tuple[Row, list[Row]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what is not in the rows, and why (said on stderr)
    documents: dict[str, list[str]] = field(default_factory=dict)  # city -> the documents in force, in order

    @property
    def rows(self) -> Iterator[Row]:
        """Every row, in COLUMNS' order."""
        for head, block in self.parts:
            for tail in block:
                yield (*head, *tail)

    def __len__(self) -> int:
        return sum(len(block) for _, block in self.parts)


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


def _block(cities: Cities, policy: str, evaluated: tuple[Outcomes, dict[str, Dim | None]] | None,
           concepts: list[str], batch: ProjectBatch | None) -> list[Row]:
    """One document's rows after (city, city_label, date, policy): its figures, then each project's outcomes."""
    rows: list[Row] = [(r.concept, r.path, r.kind, r.value, r.unit, r.text, r.article, r.quote,
                                     None, None, None, None) for r in figure_rows(cities.policies[policy])]
    if batch is None or evaluated is None:
        return rows
    out, dims = evaluated
    for i, project in enumerate(batch.ids):
        for concept in concepts:
            dim = dims.get(concept)
            unit = BASE_UNIT.get(dim, dim.value) if dim is not None else ""
            low, high, text, state = _outcome(out, concept, i, dim)
            rows.append((concept, None, "outcome", None, unit if state != ABSENT else None, text or None, None,
                         None, project, low, high, state))
    return rows


def build_panel(cities: Cities, dates: Sequence[dt.date], batch: ProjectBatch | None = None,
                rate: float = 0.0) -> Panel:
    """The panel's rows for every city (in the timelines' order) and date; with `batch` (evaluated at
    `rate`, USD→CNY), the projects' outcomes too."""
    panel = Panel()
    for city, timeline in cities.timelines.items():
        label = cities.label(city)
        on = {d: timeline.as_of(d) for d in dates}
        in_force = {d: doc if doc is not None and doc.policy in cities.policies else None for d, doc in on.items()}
        used = list(dict.fromkeys(doc.policy for doc in in_force.values() if doc is not None))
        panel.documents[city] = used
        missing = [d for d, doc in in_force.items() if doc is None]
        if missing:
            others = list(dict.fromkeys(doc.policy for d in missing if (doc := on[d]) is not None))
            drafts = [doc.policy for doc in timeline.documents if doc.status == "draft"]
            why = f"{', '.join(others)}, not among the policies given, in force" if others else \
                f"only a draft ({', '.join(drafts)}), never in force" if drafts and not used else \
                "no document of the city in force"
            panel.notes.append(f"{city}: {why} on {len(missing)} of the {len(dates)} dates ({_span(missing)}): "
                               "no rows for them")
        outcomes: dict[str, tuple[Outcomes, dict[str, Dim | None]]] = {}
        if batch is not None:
            for p in used:
                cp = CompiledPolicy(cities.policies[p])
                outcomes[p] = (cp.outcomes(cp.run(batch, rate)), dict(cp.concept_dims))
        concepts = sorted({c for out, _ in outcomes.values() for c in out.concepts})
        # a document's rows are the same on every date it is in force: made once, repeated per date
        blocks = {p: _block(cities, p, outcomes.get(p), concepts, batch) for p in used}
        for d in dates:
            doc = in_force[d]
            if doc is not None:
                head = (city, label, d.isoformat(), doc.policy)
                panel.parts.append((head, blocks[doc.policy]))
    return panel


__all__ = ["COLUMNS", "NUMBERS", "Panel", "build_panel", "panel_dates"]
