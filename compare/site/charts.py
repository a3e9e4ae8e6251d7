"""A concept page's chart: what each city gives for the concept as a project grows.

The project is a new foreign manufacturing project, licensed, started, in the city's core zone, fully
paid in, referred by nobody, whose registered capital, total investment, fixed-asset investment and
arrived FDI all equal its size (from 100万美元 to 10亿美元); every city is evaluated at the stated rate
under its default readings, the fields it declares at their defaults (a city with a field that every
project must give gets no curve).  A concept gets a chart where some city gives it a figure that moves with
the size (money or points); the plot is the simulation's sweep curve (compare.simulate.plots), an
SVG with glyphs as paths, the same bytes for the same inputs.  Only a city that states a figure for
the concept (compare.site.concepts: present) is drawn: one that promises it with no figure, or has
nothing for it, would be a line at 0 that reads as "gives nothing"; the legend names those instead (a
hatched patch per promising city, one entry listing the cities with nothing).  A present city at 0 is
drawn: the project does not qualify there.  Needs matplotlib (the `simulate` extra).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

import numpy as np

from compare.data.read import from_dicts
from compare.data.records import InputError
from compare.engine.evaluate import CompiledPolicy
from compare.simulate.totals import ends
from compare.site.concepts import ABSENT, PRESENT, PROMISED, ConceptRow, concept_rows
from dsl.model import Policy

SIZES = np.geomspace(1e6, 1e9, 31)  # USD
UNITS = ("CNY", "USD", "points")
PROFILE = {"foreign": True, "licensed": True, "started": True, "manufacturing": True, "in_core_zone": True,
           "paid_in_ratio": 1.0, "expansion": False, "referral": "none"}
MONEY = ("registered_capital", "total_investment", "fixed_asset_investment", "fdi_arrived")


def available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("matplotlib", "pandas"))


def _label(usd: float) -> str:
    return f"{usd / 1e8:g}亿美元" if usd >= 1e8 else f"{usd / 1e4:g}万美元"


def concept_curves(policies: Sequence[Policy], rate: float,
                   rows: Sequence[ConceptRow] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Concept -> sweep rows (policy, label, value, low, high, unit …) of the cities present for it
    (`rows`: the concepts' rows, compare.site.concepts.concept_rows, made here when not given), for the
    concepts whose value moves with the project's size in one of them."""
    rows = concept_rows(policies, rate) if rows is None else rows
    states = {(r.key, e.policy): e.state for r in rows for e in r.entries}
    records = [{"id": f"s{i}", **PROFILE, **{f: f"{round(float(x), 2)}美元" for f in MONEY}} for i, x in enumerate(SIZES)]
    curves: dict[str, list[dict[str, Any]]] = {}
    for p in policies:
        try:  # the city's own fields at their defaults; one that every project must give: no curve for it
            batch = from_dicts(records, record=p.record)
        except InputError:
            continue
        cp = CompiledPolicy(p)
        out = cp.outcomes(cp.run(batch, rate))
        tax = p.taxonomy
        for concept in out.numeric:
            unit = tax.concepts[concept].unit if tax is not None and concept in tax.concepts else ""
            if unit not in UNITS or states.get((concept, p.id), PRESENT) != PRESENT:
                continue
            low, high = ends(out, concept, batch.n)
            entry = tax.concepts.get(concept) if tax is not None else None
            # "zh en" from the taxonomy: the plot names the concept in the language it is drawn in
            name = f"{entry.zh} {entry.en}".strip() if entry is not None else concept
            curves.setdefault(concept, []).extend(
                {"policy": p.id, "label": f"{p.city_label} {p.id}", "concept": concept, "concept_label": name,
                 "value": float(x), "value_label": _label(float(x)), "low": float(a), "high": float(b),
                 "unit": "points" if unit == "points" else "CNY"}
                for x, a, b in zip(SIZES, low, high, strict=True))
    moving = {}
    for concept, curve in curves.items():
        highs = [r["high"] for r in curve if np.isfinite(r["high"])]
        if highs and max(highs) > min(highs):
            moving[concept] = curve
    return moving


SIZE_TITLE = ("项目规模（注册资本 = 总投资 = 到账外资）", "project size (registered capital = total investment = FDI arrived)")


def chart(curve: list[dict[str, Any]], lang: str = "both", row: ConceptRow | None = None) -> Any:
    """The concept's chart as a matplotlib Figure: titled by the concept (the taxonomy's zh and en), its
    y axis naming it, the project's size on a log axis at round figures (100万, 1000万, 1亿美元).  With
    the concept's `row`, the legend names the cities that promise it with no figure and those that have
    nothing for it, and each city has its colour on every concept's chart."""
    import pandas as pd

    from compare.simulate import plots
    from compare.simulate.fonts import chosen, language
    from compare.simulate.plot_ticks import titled

    entries = row.entries if row is not None else ()
    promised = [(e.policy, f"{e.city_label} {e.policy}") for e in entries if e.state == PROMISED]
    absent = [f"{e.city_label} {e.policy}" for e in entries if e.state == ABSENT]
    colours = plots.city_colours(e.policy for e in entries) if entries else None
    with language(lang):
        frame = pd.DataFrame(curve)
        name = chosen(str(frame["concept_label"].iloc[0]), str(frame["concept"].iloc[0])) if len(frame) else ""
        return plots.sweep_curve(frame, name, titled(*SIZE_TITLE, "美元", "USD"), colours=colours,
                                 promised=promised, absent=absent)


def chart_svg(curve: list[dict[str, Any]], title: str, row: ConceptRow | None = None) -> bytes:
    """The chart as SVG, `title` (the page's) kept in the file's metadata; the figure names the concept."""
    from compare.simulate import plots

    return plots.render(chart(curve, row=row), "svg", title)
