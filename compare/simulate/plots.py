"""Figures of simulation results: DataFrames in, `matplotlib.figure.Figure` out; `save` writes PNG/SVG.

sweep_curve (a figure swept over values), sweep_heatmap (two figures), distribution (Monte Carlo
draws), city_bars (totals side by side), competition_map (who offers most where), tornado (how
much each reading moves a total).  Every function draws "没有数据 no data" for an empty frame,
skips or marks ∞/NaN, and passes its text through `fonts.safe_text`, so without a CJK font the
labels are English rather than tofu.  Shared style, scales and the byte-stable `save` live in
`plot_common`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from compare.simulate.fonts import label, safe_text
from compare.simulate.plot_common import (
    FORMATS,
    MARKERS,
    MAX_LABELLED,
    NONE_COLOUR,
    TIE_COLOUR,
    city_colours,
    colour_for,
    finite,
    legend_outside,
    num,
    panels,
    plot,
    range_keys,
    render,
    save,
    scale_for,
    unbounded,
    value_ticks,
)

__all__ = ["FORMATS", "city_bars", "city_colours", "competition_map", "distribution", "render", "save",
           "sweep_curve", "sweep_heatmap", "tornado"]


@plot("policy", "label", "concept", "concept_label", "value", "value_label", "low", "high", "unit")
def sweep_curve(frame: pd.DataFrame, title: str, figure_label: str | None = None, *,
                colours: Mapping[str, str] | None = None) -> Figure:
    """One line per (policy, concept): `high` solid, `low` dashed, the band between shaded; ∞ marked ▲ at the top."""
    colours = colours or city_colours(frame["policy"].astype(str))
    xlabel = safe_text(figure_label or str(frame.attrs.get("figure_label") or ""), "value") or label("取值 value", "value")
    units = sorted(frame["unit"].astype(str).unique())
    fig = Figure(figsize=(9, 1 + 3.8 * len(units)), layout="constrained")
    concepts = sorted(frame["concept"].astype(str).unique())
    for ax, unit in zip(panels(fig, len(units), sharex=True), units, strict=True):
        sub = frame[frame["unit"].astype(str) == unit]
        scale = scale_for(unit, sub[["low", "high"]])
        for (policy, concept), g in sub.groupby(["policy", "concept"], sort=True):
            g = g.sort_values("value")
            x = g["value"].to_numpy(float)
            hi, lo = g["high"].to_numpy(float) / scale.factor, g["low"].to_numpy(float) / scale.factor
            colour = colour_for(str(policy), colours)
            name = safe_text(str(g["label"].iloc[0]), str(policy))
            if len(concepts) > 1:
                name += " · " + safe_text(str(g["concept_label"].iloc[0]), str(concept))
            inf = np.isposinf(hi)
            if inf.any():
                name += label(" (部分无上限 unbounded)", " (unbounded)")
            hi_f, lo_f = np.where(np.isfinite(hi), hi, np.nan), np.where(np.isfinite(lo), lo, np.nan)
            marker = MARKERS[concepts.index(str(concept)) % len(MARKERS)]
            ax.plot(x, hi_f, color=colour, marker=marker, markersize=4, label=name)
            ax.plot(x, lo_f, color=colour, linestyle="--", linewidth=1)
            ax.fill_between(x, lo_f, hi_f, color=colour, alpha=0.15, linewidth=0)
            if inf.any():  # an unbounded total has no height: a marker on the top edge says so
                ax.plot(x[inf], np.ones(int(inf.sum())), linestyle="none", marker="^", color=colour,
                        transform=ax.get_xaxis_transform(), clip_on=False)
        ax.set_ylabel(label("合计 total", "total") + f" ({scale.name})")
        if len(units) > 1:
            ax.set_title(scale.name)
        ax.grid(alpha=0.3)
        range_keys(ax)
        value_ticks(ax, sub)
    ax.set_xlabel(xlabel)
    fig.suptitle(safe_text(title))
    return fig


@plot("value", "value2", "value_label", "value2_label", "high")
def sweep_heatmap(frame: pd.DataFrame, title: str, x_label: str | None = None, y_label: str | None = None) -> Figure:
    """`high` over a two-figure grid (one policy, one concept); cells annotated when the grid is at most 12×12."""
    import matplotlib

    xs = sorted(frame["value"].astype(float).unique())
    ys = sorted(frame["value2"].astype(float).unique())
    grid = (frame.drop_duplicates(["value", "value2"]).pivot(index="value2", columns="value", values="high")
            .reindex(index=ys, columns=xs).to_numpy(float))
    unit = str(frame["unit"].iloc[0]) if "unit" in frame.columns else "CNY"
    scale = scale_for(unit, grid)
    data = grid / scale.factor
    finite = np.isfinite(data)
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad=NONE_COLOUR)
    lo_v, hi_v = (float(data[finite].min()), float(data[finite].max())) if finite.any() else (0.0, 1.0)
    im = ax.imshow(np.ma.masked_invalid(data), origin="lower", aspect="auto", cmap=cmap, interpolation="nearest",
                   vmin=lo_v, vmax=hi_v if hi_v > lo_v else lo_v + 1)
    what = safe_text(str(frame["concept_label"].iloc[0]), "total") if "concept_label" in frame.columns else label("合计 total", "total")
    fig.colorbar(im, ax=ax, label=f"{what} ({scale.name})")
    for axis, values, col in ((ax.xaxis, xs, "value"), (ax.yaxis, ys, "value2")):
        texts = frame.drop_duplicates(col).set_index(col)[f"{col}_label"].astype(str)
        step = max(1, math.ceil(len(values) / MAX_LABELLED))
        idx = list(range(0, len(values), step))
        axis.set_ticks(idx, [safe_text(texts[values[i]]) for i in idx])
    ax.tick_params(axis="x", labelrotation=30)
    if len(xs) <= MAX_LABELLED and len(ys) <= MAX_LABELLED:
        norm = im.norm
        for (r, c), v in np.ndenumerate(data):
            light = not np.isfinite(v) or float(np.asarray(norm(v))) > 0.5
            text = unbounded().split()[0] if np.isposinf(v) else num(float(v))
            ax.text(c, r, text, ha="center", va="center", fontsize="small", color="black" if light else "white")
    if not finite.all():
        ax.set_title(label("灰色格：无上限或无数据 grey: unbounded or no data", "grey cells: unbounded or no data"), fontsize="small")
    ax.set_xlabel(safe_text(x_label or str(frame.attrs.get("figure_label") or ""), "value") or label("取值 value", "value"))
    ax.set_ylabel(safe_text(y_label or str(frame.attrs.get("figure2_label") or ""), "value 2") or label("取值2 value 2", "value 2"))
    fig.suptitle(safe_text(title))
    return fig


@plot("draw", "policy", "label", "concept", "concept_label", "low", "high", "unit")
def distribution(frame: pd.DataFrame, title: str, *, colours: Mapping[str, str] | None = None, bins: int = 30) -> Figure:
    """Histograms of the drawn totals per policy: `high` solid, `low` light; mean and the 5%/95% quantiles marked."""
    from matplotlib.lines import Line2D

    colours = colours or city_colours(frame["policy"].astype(str))
    facets = sorted({(str(c), str(u)) for c, u in zip(frame["concept"], frame["unit"], strict=True)})
    fig = Figure(figsize=(10, 1 + 3.6 * len(facets)), layout="constrained")
    for ax, (concept, unit) in zip(panels(fig, len(facets)), facets, strict=True):
        sub = frame[(frame["concept"].astype(str) == concept) & (frame["unit"].astype(str) == unit)]
        scale = scale_for(unit, sub[["low", "high"]])
        pool = finite(sub[["low", "high"]]) / scale.factor
        if pool.size == 0:
            ax.text(0.5, 0.5, label("没有有限值 no finite values", "no finite values"), ha="center", transform=ax.transAxes)
            edges = np.linspace(0, 1, 2)
        elif pool.min() == pool.max():  # every draw alike: one bar, not a zero-width range
            pad = max(abs(pool.min()) * 0.05, 1.0)
            edges = np.linspace(pool.min() - pad, pool.max() + pad, 4)
        else:
            edges = np.histogram_bin_edges(pool, bins=bins)
        for policy, g in sub.groupby("policy", sort=True):
            colour = colour_for(str(policy), colours)
            hi, lo = g["high"].to_numpy(float) / scale.factor, finite(g["low"]) / scale.factor
            fin, n_inf = hi[np.isfinite(hi)], int(np.isposinf(hi).sum())
            name = safe_text(str(g["label"].iloc[0]), str(policy))
            if lo.size:
                ax.hist(lo, bins=edges.tolist(), histtype="step", color=colour, alpha=0.45, linestyle="--", linewidth=1)
            if fin.size:
                mean, q05, q95 = float(fin.mean()), *(float(q) for q in np.quantile(fin, [0.05, 0.95]))
                name += label(f"\n均值 mean {num(mean)}，5%–95% {num(q05)}–{num(q95)}",
                              f"\nmean {num(mean)}, 5%-95% {num(q05)}-{num(q95)}")
                ax.hist(fin, bins=edges.tolist(), histtype="step", color=colour, linewidth=1.8)
                ax.axvline(mean, color=colour, linewidth=1.5, linestyle="-.")
                for q in (q05, q95):
                    ax.axvline(q, color=colour, linewidth=1, linestyle=":")
            if n_inf:
                name += label(f"\n{n_inf} 次无上限 unbounded（未计入）", f"\n{n_inf} unbounded draws left out")
            ax.plot([], [], color=colour, linewidth=1.8, label=name)
        ax.set_xlabel(safe_text(str(sub["concept_label"].iloc[0]), concept) + f" ({scale.name})")
        ax.set_ylabel(label("抽样次数 draws", "draws"))
        ax.grid(alpha=0.3)
        extra = [Line2D([], [], color="black", linewidth=1.5, linestyle="-.", label=label("均值 mean", "mean")),
                 Line2D([], [], color="black", linewidth=1, linestyle=":", label="5% / 95%")]
        range_keys(ax, extra)
    fig.suptitle(safe_text(title))
    return fig


def _bar_end(ax: Axes, y: float, left: float, right: float, height: float, colour: str, inf: bool) -> None:
    """The light, hatched part of a [low, high] bar; an unbounded one runs to the edge with an arrow."""
    ax.barh(y, right - left, left=left, height=height, color=colour, alpha=0.3, hatch="//", edgecolor=colour, linewidth=0)
    if inf:
        ax.plot([right], [y], marker=">", color=colour, markersize=8)
        ax.annotate(unbounded(), (right, y), xytext=(8, 0), textcoords="offset points", va="center", fontsize="x-small", color=colour)


@plot("policy", "label", "concept", "concept_label", "beneficiary", "beneficiary_label", "low", "high", "unit")
def city_bars(frame: pd.DataFrame, title: str, *, colours: Mapping[str, str] | None = None) -> Figure:
    """Grouped horizontal bars per (concept, beneficiary) and policy: solid to `low`, hatched on to `high`; one panel per unit."""
    from matplotlib.patches import Patch

    colours = colours or city_colours(frame["policy"].astype(str))
    units = sorted(frame["unit"].astype(str).unique())
    sizes = [frame[frame["unit"].astype(str) == u][["concept", "beneficiary", "policy"]].drop_duplicates().shape[0] for u in units]
    fig = Figure(figsize=(10, 1 + sum(1.3 + 0.32 * n for n in sizes)), layout="constrained")
    axes = panels(fig, len(units), heights=[1.3 + 0.32 * n for n in sizes])
    for ax, unit in zip(axes, units, strict=True):
        sub = frame[frame["unit"].astype(str) == unit]
        scale = scale_for(unit, sub[["low", "high"]])
        groups = sorted({(str(c), str(b)) for c, b in zip(sub["concept"], sub["beneficiary"], strict=True)})
        policies = sorted(sub["policy"].astype(str).unique())
        vals = finite(sub[["low", "high"]]) / scale.factor
        top = float(vals.max()) if vals.size and vals.max() > 0 else 1.0
        edge = top * 1.15  # where an unbounded bar stops
        height = 0.8 / len(policies)
        ticks = []
        for gi, (concept, ben) in enumerate(groups):
            rows = sub[(sub["concept"].astype(str) == concept) & (sub["beneficiary"].astype(str) == ben)]
            first = rows.iloc[0]
            ticks.append(safe_text(str(first["concept_label"]), concept) + "\n" + safe_text(str(first["beneficiary_label"]), ben))
            for pi, policy in enumerate(policies):
                hit = rows[rows["policy"].astype(str) == policy]
                if hit.empty:
                    continue
                y = gi + (pi - (len(policies) - 1) / 2) * height
                lo, hi = float(hit["low"].iloc[0]) / scale.factor, float(hit["high"].iloc[0]) / scale.factor
                colour = colour_for(policy, colours)
                base = lo if math.isfinite(lo) else 0.0
                if math.isfinite(lo):
                    ax.barh(y, lo, height=height * 0.9, color=colour)
                if math.isinf(hi) and hi > 0:
                    _bar_end(ax, y, base, edge, height * 0.9, colour, inf=True)
                elif math.isfinite(hi) and hi > base:
                    _bar_end(ax, y, base, hi, height * 0.9, colour, inf=False)
                elif math.isnan(hi):  # say so rather than let a missing total look like high == low
                    ax.annotate(label("上限 n/a", "high n/a"), (base, y), xytext=(4, 0), textcoords="offset points",
                                va="center", fontsize="x-small", color="#666666")
        ax.set_yticks(range(len(groups)), ticks)
        ax.invert_yaxis()
        low_edge = min(0.0, float(vals.min())) if vals.size else 0.0
        ax.set_xlim(low_edge, edge * 1.25)
        ax.set_xlabel((label("金额 amount", "amount") if unit in ("CNY", "USD") else label("分值 score", "score")) + f" ({scale.name})")
        ax.set_ylabel(label("政策项 concept", "concept"))
        ax.grid(axis="x", alpha=0.3)
        names = dict(zip(sub["policy"].astype(str), sub["label"].astype(str), strict=False))
        handles = [Patch(color=colour_for(p, colours), label=safe_text(names[p], p)) for p in policies]
        handles += [Patch(color="#777777", label=label("下限 low", "low")),
                    Patch(facecolor="#77777750", hatch="//", edgecolor="#777777", label=label("至上限 up to high", "up to high"))]
        legend_outside(ax, handles)
    fig.suptitle(safe_text(title))
    return fig


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


@plot("x", "y", "x_label", "y_label", "winner", "margin", "best")
def competition_map(frame: pd.DataFrame, title: str, x_label: str, y_label: str, x_log: bool = False, *,
                    colours: Mapping[str, str] | None = None) -> Figure:
    """Who offers most at each grid point: colour by winner, stronger colour for a larger lead; lead in 万元."""
    import matplotlib.colors as mcolors
    from matplotlib.patches import Patch

    cells = frame.drop_duplicates(["x", "y"])
    xs, ys = sorted(cells["x"].astype(float).unique()), sorted(cells["y"].astype(float).unique())
    if x_log and min(xs) <= 0:
        x_log = False  # a log axis cannot hold zero or less
    winners = cells.pivot(index="y", columns="x", values="winner").reindex(index=ys, columns=xs).fillna("—").to_numpy(str)
    margin = cells.pivot(index="y", columns="x", values="margin").reindex(index=ys, columns=xs).to_numpy(float) / 1e4
    cities = sorted({w for w in winners.ravel() if w != "—" and not _is_tie(w)})
    # winners are display labels ("无锡 wuxi_2023"): colour them by their ids, as the other plots do
    palette = colours or city_colours(c.split()[-1] for c in cities)
    colour_of = {c: colour_for(c, palette) for c in cities}
    top = float(np.nanmax(np.where(np.isfinite(margin) & (margin > 0), margin, np.nan))) if (np.isfinite(margin) & (margin > 0)).any() else 1.0
    rgba = np.zeros((*winners.shape, 4))
    for (r, c), w in np.ndenumerate(winners):
        m = margin[r, c]
        if w == "—":
            rgba[r, c] = mcolors.to_rgba(NONE_COLOUR)
        elif _is_tie(w):
            rgba[r, c] = mcolors.to_rgba(TIE_COLOUR, 0.5)
        else:  # a narrow lead is faint, a wide one solid
            strength = min(m / top, 1.0) if np.isfinite(m) and m > 0 else (1.0 if np.isposinf(m) else 0.0)
            rgba[r, c] = mcolors.to_rgba(colour_of[w], 0.3 + 0.7 * strength)
    fig = Figure(figsize=(10, 6), layout="constrained")
    ax = fig.add_subplot()
    ax.pcolormesh(_edges(xs, x_log), _edges(ys, False), rgba)
    if x_log:
        from matplotlib.ticker import NullFormatter, NullLocator

        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
    small = len(xs) <= MAX_LABELLED and len(ys) <= MAX_LABELLED
    if small:
        for (r, c), w in np.ndenumerate(winners):
            if w == "—":
                continue
            text = "=" if _is_tie(w) else num(float(margin[r, c]))
            ax.text(xs[c], ys[r], text, ha="center", va="center", fontsize="small")
        note = label("格内数字：领先第二名（万元）；颜色越深领先越多", "numbers: lead over the runner-up (CNY 10k); darker = wider lead")
    else:
        finite = np.where(np.isfinite(margin), margin, np.nan)
        if np.isfinite(finite).sum() >= 4 and np.nanmax(finite) > np.nanmin(finite):
            cs = ax.contour(xs, ys, finite, levels=5, colors="black", linewidths=0.6)
            ax.clabel(cs, fontsize="x-small", fmt=lambda v: num(float(v)))
        note = label("等值线：领先第二名（万元）；颜色越深领先越多", "contours: lead over the runner-up (CNY 10k); darker = wider lead")
    ax.set_title(note, fontsize="small")
    for axis, values, col in ((ax.xaxis, xs, "x_label"), (ax.yaxis, ys, "y_label")):
        key = "x" if col == "x_label" else "y"
        texts = cells.drop_duplicates(key).set_index(key)[col].astype(str)
        step = max(1, math.ceil(len(values) / 10))
        picked = values[::step]
        axis.set_ticks(picked, [safe_text(texts[v]) for v in picked])
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_xlabel(safe_text(x_label, "x"))
    ax.set_ylabel(safe_text(y_label, "y"))
    handles = [Patch(color=colour_of[c], label=safe_text(c)) for c in cities]
    handles += [Patch(color=NONE_COLOUR, label=label("— 无人提供 none", "— none offers")),
                Patch(color=mcolors.to_rgba(TIE_COLOUR, 0.5), label=label("= 并列 tie", "= tie"))]
    legend_outside(ax, handles, title=label("最优 best offer", "best offer"))
    fig.suptitle(safe_text(title))
    return fig


@plot("policy", "label", "reading", "reading_label", "option_low", "option_high", "total_low", "total_high",
       "baseline", "concept_label", "unit")
def tornado(frame: pd.DataFrame, title: str, *, colours: Mapping[str, str] | None = None) -> Figure:
    """Per reading, a bar from its lowest to its highest total, widest on top; the default readings' total as a line."""
    from matplotlib.lines import Line2D

    colours = colours or city_colours(frame["policy"].astype(str))
    facets = sorted({(str(p), str(u)) for p, u in zip(frame["policy"], frame["unit"], strict=True)})
    sizes = [int(((frame["policy"].astype(str) == p) & (frame["unit"].astype(str) == u)).sum()) for p, u in facets]
    fig = Figure(figsize=(10, 1 + sum(1.4 + 0.45 * n for n in sizes)), layout="constrained")
    axes = panels(fig, len(facets), heights=[1.4 + 0.45 * n for n in sizes])
    for ax, (policy, unit) in zip(axes, facets, strict=True):
        sub = frame[(frame["policy"].astype(str) == policy) & (frame["unit"].astype(str) == unit)].copy()
        scale = scale_for(unit, sub[["total_low", "total_high", "baseline"]])
        sub["_width"] = (sub["total_high"].astype(float) - sub["total_low"].astype(float)).fillna(-1.0)
        sub = sub.sort_values(["_width", "reading"], ascending=[False, True], kind="stable")
        colour = colour_for(policy, colours)
        vals = finite(sub[["total_low", "total_high", "baseline"]]) / scale.factor
        lo_all, hi_all = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
        pad = (hi_all - lo_all) * 0.25 or max(abs(hi_all) * 0.25, 1.0)
        edge = hi_all + pad * 0.6  # where an unbounded bar stops
        for i, row in enumerate(sub.itertuples(index=False)):
            lo, hi = float(row.total_low) / scale.factor, float(row.total_high) / scale.factor
            if not math.isfinite(lo):
                ax.text(lo_all, i, " n/a", va="center", fontsize="x-small", color="#666666")
                continue
            inf = math.isinf(hi)
            right = edge if inf else hi
            if math.isnan(right):
                right = lo
            ax.barh(i, right - lo, left=lo, height=0.6, color=colour, alpha=0.35 if inf else 0.8,
                    hatch="//" if inf else None, edgecolor=colour, linewidth=0)
            low_name, high_name = safe_text(str(row.option_low)), safe_text(str(row.option_high))
            if right == lo:  # a reading that changes nothing: a tick, and both options on one side
                ax.plot([lo], [i], marker="|", color=colour, markersize=14)
                ax.annotate(f"{low_name} = {high_name}", (lo, i), xytext=(6, 0), textcoords="offset points",
                            va="center", fontsize="x-small")
                continue
            ax.text(lo, i, low_name + " ", ha="right", va="center", fontsize="x-small")
            ax.text(right, i, " " + high_name + (f" ({unbounded()})" if inf else ""), ha="left", va="center", fontsize="x-small")
        base = finite(sub["baseline"]) / scale.factor
        if base.size:
            ax.axvline(float(base[0]), color="black", linestyle="--", linewidth=1)
        ax.set_yticks(range(len(sub)), [safe_text(str(r), str(k)) for r, k in zip(sub["reading_label"], sub["reading"], strict=True)])
        ax.set_ylim(len(sub) - 0.4, -0.6)  # widest (first) on top
        ax.set_xlim(lo_all - pad, edge + pad)
        ax.set_xlabel(safe_text(str(sub["concept_label"].iloc[0]), "total") + f" ({scale.name})")
        ax.set_ylabel(label("解读 reading", "reading"))
        ax.set_title(safe_text(str(sub["label"].iloc[0]), policy))
        ax.grid(axis="x", alpha=0.3)
        ax.legend(handles=[Line2D([], [], color="black", linestyle="--", linewidth=1,
                                  label=label("默认解读 baseline", "baseline (default readings)"))],
                  loc="lower right")
    fig.suptitle(safe_text(title))
    return fig
