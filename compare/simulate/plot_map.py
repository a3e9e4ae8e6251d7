"""The competition map: over a grid of two project fields, which city offers the most, by colour; a
stronger colour for a wider lead, the lead written in the cells (or as contours on a large grid); a tie
drawn in the colours of the cities that tie (stripes), and named in the legend ("并列：无锡 = 张家港")."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from compare.simulate.fonts import label, line_name, safe_text
from compare.simulate.plot_common import (
    MAX_LABELLED,
    NONE_COLOUR,
    TIE_COLOUR,
    city_colours,
    colour_for,
    num,
    plot,
    size,
)
from compare.simulate.plot_ticks import money_ticks, plain_ticks


def _edges(values: Sequence[float], log: bool) -> np.ndarray:
    """Cell edges around grid points: midpoints, geometric ones on a log axis."""
    v = np.log10(values) if log else np.asarray(values, dtype=float)
    if v.size == 1:
        mid = np.array([v[0] - 0.5, v[0] + 0.5]) if log else np.array([v[0] - max(abs(v[0]) * 0.5, 0.5), v[0] + max(abs(v[0]) * 0.5, 0.5)])
    else:
        inner = (v[1:] + v[:-1]) / 2
        mid = np.concatenate([[2 * v[0] - inner[0]], inner, [2 * v[-1] - inner[-1]]])
    return np.power(10, mid) if log else mid


def _is_tie(winner: str) -> bool:
    return winner.startswith("并列") or winner.casefold() == "tie"


def _grid(cells: pd.DataFrame, column: str, xs: list[float], ys: list[float], fill: object) -> np.ndarray:
    return cells.pivot(index="y", columns="x", values=column).reindex(index=ys, columns=xs).fillna(fill).to_numpy()


def _axis_ticks(axis: object, kind: str, log: bool) -> None:
    if kind == "money":
        money_ticks(axis, log)
    else:
        plain_ticks(axis, percent=kind == "ratio")


@plot("x", "y", "x_label", "y_label", "winner", "margin", "best")
def competition_map(frame: pd.DataFrame, title: str, x_label: str, y_label: str, x_log: bool = False, *,
                    colours: Mapping[str, str] | None = None, kinds: tuple[str, str] = ("money", "ratio"),
                    names: Mapping[str, str] | None = None) -> Figure:
    """Who offers most at each grid point: colour by winner, stronger colour for a larger lead (万元); a tie
    in stripes of the tied cities' colours, each pair named; `+` where a city promises an amount with no
    figure (left out of the offers).  `kinds`: the axes' kinds ("money", "ratio" or "number") for their ticks;
    `names`: the lines' labels by name (for a line that promises and never leads)."""
    import matplotlib.colors as mcolors
    from matplotlib.patches import Patch, Rectangle

    cells = frame.drop_duplicates(["x", "y"])
    xs, ys = sorted(cells["x"].astype(float).unique()), sorted(cells["y"].astype(float).unique())
    if x_log and min(xs) <= 0:
        x_log = False  # a log axis cannot hold zero or less
    winners = _grid(cells, "winner", xs, ys, "—").astype(str)
    tied = _grid(cells, "tied", xs, ys, "").astype(str) if "tied" in cells.columns else np.full(winners.shape, "")
    margin = _grid(cells, "margin", xs, ys, np.nan).astype(float) / 1e4
    ties = [t for t in dict.fromkeys(tied.ravel()) if t]
    won = sorted({w for w in winners.ravel() if w != "—" and not _is_tie(w)})
    # the legend in the order of the compared lines (the `offer.NAME` columns), then any other winner
    lines = [str(c)[len("offer."):] for c in frame.columns if str(c).startswith("offer.")]
    cities = [w for name in lines for w in won if w.split()[-1] == name]
    cities += [w for w in won if w not in cities]
    members = [c for t in ties for c in t.split(" = ")]
    # winners are display labels ("无锡 wuxi_2023"): colour them by their ids, as the other plots do
    palette = colours or city_colours(c.split()[-1] for c in dict.fromkeys([*cities, *members]))
    colour_of = {c: colour_for(c, palette) for c in dict.fromkeys([*cities, *members])}
    positive = np.isfinite(margin) & (margin > 0)
    top = float(np.nanmax(np.where(positive, margin, np.nan))) if positive.any() else 1.0
    xe, ye = _edges(xs, x_log), _edges(ys, False)
    rgba = np.zeros((*winners.shape, 4))
    stripes = []
    for (r, c), w in np.ndenumerate(winners):
        m = margin[r, c]
        if w == "—":
            rgba[r, c] = mcolors.to_rgba(NONE_COLOUR)
        elif _is_tie(w):
            who = tied[r, c].split(" = ") if tied[r, c] else []
            rgba[r, c] = mcolors.to_rgba(colour_of[who[0]] if who else TIE_COLOUR, 0.55)
            if len(who) > 1:  # stripes in the second city's colour over the first's
                stripes.append(Rectangle((xe[c], ye[r]), xe[c + 1] - xe[c], ye[r + 1] - ye[r], facecolor="none",
                                         edgecolor=colour_of[who[1]], hatch="////", linewidth=0))
        else:  # a narrow lead is faint, a wide one solid
            strength = min(m / top, 1.0) if np.isfinite(m) and m > 0 else (1.0 if np.isposinf(m) else 0.0)
            rgba[r, c] = mcolors.to_rgba(colour_of[w], 0.3 + 0.7 * strength)
    fig = Figure(figsize=size(4.0), layout="constrained")
    ax = fig.add_subplot()
    ax.pcolormesh(xe, ye, rgba)
    for patch in stripes:
        ax.add_patch(patch)
    if x_log:
        ax.set_xscale("log")
    small = len(xs) <= MAX_LABELLED and len(ys) <= MAX_LABELLED
    if small:
        for (r, c), w in np.ndenumerate(winners):
            if w != "—" and not _is_tie(w):
                ax.text(xs[c], ys[r], num(float(margin[r, c])), ha="center", va="center", fontsize="small")
        note = label("格内数字：领先第二名（万元）；颜色越深领先越多", "numbers: lead over the runner-up (CNY 10k); darker = wider lead", "\n")
    else:
        lead = np.vectorize(lambda w: w != "—" and not _is_tie(w))(winners) if winners.size else winners
        finite = np.where(np.isfinite(margin) & lead, margin, np.nan)
        if np.isfinite(finite).sum() >= 4 and np.nanmax(finite) > np.nanmin(finite):
            cs = ax.contour(xs, ys, finite, levels=5, colors="black", linewidths=0.5)
            ax.clabel(cs, fontsize=6, fmt=lambda v: num(float(v)))
        note = label("等值线：领先第二名（万元）；颜色越深领先越多", "contours: lead over the runner-up (CNY 10k); darker = wider lead", "\n")
    ax.set_title(note, fontsize="small")
    promised, promising = np.zeros(winners.shape, dtype=bool), []
    for col in (c for c in cells.columns if str(c).startswith("promised.")):
        here = _grid(cells, col, xs, ys, False).astype(bool)
        if here.any():
            promised |= here
            name = str(col)[len("promised."):]
            promising.append((names or {}).get(name) or next((w for w in won if w.split()[-1] == name), name))
    if promised.any():  # marked on every cell of a small grid, on a thinned lattice of a large one
        step = max(1, math.ceil(max(len(xs), len(ys)) / MAX_LABELLED))
        rr, cc = np.nonzero(promised)
        keep = (rr % step == 0) & (cc % step == 0)
        ax.plot(np.asarray(xs)[cc[keep]], np.asarray(ys)[rr[keep]], linestyle="none", marker="+", markersize=3,
                color="#333333", alpha=0.5, markeredgewidth=0.5)
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    _axis_ticks(ax.xaxis, kinds[0], x_log)
    _axis_ticks(ax.yaxis, kinds[1], False)
    ax.set_xlabel(safe_text(x_label, "x"))
    ax.set_ylabel(safe_text(y_label, "y"))
    handles = [Patch(color=colour_of[c], label=line_name(c)) for c in cities]
    handles += [Patch(facecolor=mcolors.to_rgba(colour_of[t.split(" = ")[0]], 0.55),
                      edgecolor=colour_of[t.split(" = ")[-1]], hatch="////", linewidth=0,
                      label=f"{label('并列', 'tie')}：" + " = ".join(line_name(m) for m in t.split(" = "))) for t in ties]
    if (winners == "—").any():
        handles.append(Patch(color=NONE_COLOUR, label=label("无人提供", "none offers")))
    if promised.any():
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], linestyle="none", marker="+", color="#333333",
                              label="、".join(line_name(p) for p in promising) + "：\n" +
                              label("承诺无数额（未计入）", "promised, no figure (not counted)")))
    fig.legend(handles=handles, title=label("出价最高", "best offer"), loc="outside lower center", ncols=2)
    fig.suptitle(safe_text(title))
    return fig


__all__ = ["competition_map"]
