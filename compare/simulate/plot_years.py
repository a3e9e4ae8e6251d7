"""The plot of a portfolio over years: what each line pays each year (`money.total`, CNY), one line per
policy or reform, the high end solid, the low end dashed and the band between shaded, as the sweep's
curves are drawn (compare.simulate.plots).  Byte-stable through plot_common.save like every plot."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from compare.simulate.fonts import chosen, label, line_name, safe_text
from compare.simulate.plot_common import MARKERS, city_colours, colour_for, in_order, plot, range_keys, scale_for, size
from compare.simulate.plot_ticks import plain_ticks
from compare.simulate.totals import TOTAL_MONEY


@plot("policy", "label", "year", "concept", "unit", "low", "high")
def years_lines(frame: pd.DataFrame, title: str, concept: str = TOTAL_MONEY, *,
                colours: Mapping[str, str] | None = None) -> Figure:
    """Per line, `concept`'s total each year (default: the money it pays)."""
    sub = frame[frame["concept"].astype(str) == concept]
    colours = colours or city_colours(frame["policy"].astype(str))
    fig = Figure(figsize=size(3.4), layout="constrained")
    ax = fig.add_subplot()
    unit = str(sub["unit"].iloc[0]) if len(sub) else "CNY"
    scale = scale_for(unit, sub[["low", "high"]])
    order = in_order(frame["policy"])  # the scenario's order of lines
    for k, policy in enumerate(p for p in order if p in set(sub["policy"].astype(str))):
        g = sub[sub["policy"].astype(str) == policy].sort_values("year")
        x = g["year"].to_numpy(int)
        hi, lo = g["high"].to_numpy(float) / scale.factor, g["low"].to_numpy(float) / scale.factor
        colour = colour_for(policy, colours)
        hi_f, lo_f = np.where(np.isfinite(hi), hi, np.nan), np.where(np.isfinite(lo), lo, np.nan)
        ax.plot(x, hi_f, color=colour, marker=MARKERS[k % len(MARKERS)], markersize=max(5.0 - 0.6 * k, 2.0),
                markerfacecolor="none" if k % 2 else colour,
                label=line_name(str(g["label"].iloc[0])))
        ax.plot(x, lo_f, color=colour, linestyle="--", linewidth=1)
        ax.fill_between(x, lo_f, hi_f, color=colour, alpha=0.12, linewidth=0)
    years = sorted({int(y) for y in sub["year"]})
    ax.set_xticks(years, [str(y) for y in years])
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_xlabel(label("年度", "year"))
    what = chosen(str(sub["concept_label"].iloc[0]), concept) if "concept_label" in sub.columns and len(sub) else \
        label("支付", "paid")
    ax.set_ylabel(f"{what} ({scale.name})")  # each year's: the x axis says which
    ax.grid(alpha=0.3)
    plain_ticks(ax.yaxis)
    range_keys(ax)
    fig.suptitle(safe_text(title))
    return fig


__all__ = ["years_lines"]
