"""A city's figures over time: per figure path, the values its documents gave it, each from the date
its document came into force until the next change (a step function of the date).

    history = city_history(timeline, policies)   # policies: policy id -> checked policy
    for f in history.changed():                   # the figures that took more than one value
        f.steps                                   # Step(None, 2017-01-01, "zhangjiagang_base", 1.0, "1:1", …),
                                                  # Step(2017-01-01, None, "zhangjiagang_2017", 1.5, "1.5:1", …)

A document that gives a figure the value it already had continues the step (the step keeps the
document and article that set it); a document without the figure ends it (a gap until a later one
gives it again).  Drafts are never in force: they are listed with the documents, not in the steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from compare.history.figures import FigureRow, figure_rows
from dsl.model import Policy
from dsl.timeline import Document, Timeline


@dataclass(frozen=True)
class Step:
    start: dt.date | None  # from (None: not stated, in force since ever as far as the record goes)
    end: dt.date | None  # until, exclusive (None: still in force)
    policy: str  # the document that set the value
    row: FigureRow  # the figure as that document states it

    @property
    def period(self) -> str:
        first = self.start.isoformat() if self.start else "not stated"
        last = (self.end - dt.timedelta(days=1)).isoformat() if self.end else "open"
        return f"{first} – {last}"


@dataclass(frozen=True)
class FigureHistory:
    concept: str
    path: str
    steps: tuple[Step, ...]  # in date order, not overlapping
    title: tuple[str, str] = ("", "")  # (zh, en) for a reader: the clause, the figure's part, the article

    @property
    def kind(self) -> str:
        return self.steps[-1].row.kind

    @property
    def unit(self) -> str:
        return self.steps[-1].row.unit

    @property
    def changed(self) -> bool:
        """Whether the figure took more than one value."""
        return len({(s.row.value, s.row.text) for s in self.steps}) > 1


@dataclass(frozen=True)
class CityHistory:
    city: str
    label: str
    documents: tuple[Document, ...]  # the timeline's, drafts included
    figures: tuple[FigureHistory, ...]  # by concept, then path (each in the order first seen)

    def changed(self) -> list[FigureHistory]:
        return [f for f in self.figures if f.changed]

    def figure(self, path: str) -> FigureHistory | None:
        return next((f for f in self.figures if f.path == path), None)


def _same(a: FigureRow, b: FigureRow) -> bool:
    return (a.value, a.unit, a.text) == (b.value, b.unit, b.text)


def _title(policy: Policy, path: str) -> tuple[str, str]:
    """A figure's name for a chart: its clause's label and part, or its param's concept in the taxonomy."""
    from compare.simulate.figures import FigureError, figure_title

    try:
        zh, en, *_ = figure_title(policy, path)
    except FigureError:
        return ("", "")
    return zh, en


def city_history(timeline: Timeline, policies: Mapping[str, Policy]) -> CityHistory:
    """Every figure of the city's documents in force (in the timeline's order) as steps over time."""
    steps: dict[str, list[Step]] = {}
    concepts: dict[str, str] = {}
    for doc in timeline.documents:
        if doc.status == "draft" or doc.policy not in policies:
            continue
        for row in figure_rows(policies[doc.policy]):
            concepts[row.path] = row.concept or concepts.get(row.path, "")
            line = steps.setdefault(row.path, [])
            last = line[-1] if line else None
            if last is not None and last.end == doc.start and doc.start is not None and _same(last.row, row):
                line[-1] = replace(last, end=doc.end)  # the value continues: the step keeps who set it
            else:
                line.append(Step(doc.start, doc.end, doc.policy, row))
    order = {c: i for i, c in enumerate(dict.fromkeys(concepts.values()))}
    seen = {p: i for i, p in enumerate(steps)}  # the source order of the first document that has it
    figures = sorted((FigureHistory(concepts[p], p, tuple(s), _title(policies[s[-1].policy], p)) for p, s in steps.items()),
                     key=lambda f: (order[f.concept], seen[f.path]))
    label = next((d.city_label for d in timeline.documents if d.city_label), timeline.city)
    return CityHistory(timeline.city, label, timeline.documents, tuple(figures))


__all__ = ["CityHistory", "FigureHistory", "Step", "city_history"]
