"""Figures of simulation results: DataFrames in, `matplotlib.figure.Figure` out; `save` writes PNG/SVG.

sweep_curve (a figure swept over values), sweep_heatmap (two figures), distribution (Monte Carlo
draws), city_bars (totals side by side), competition_map (who offers most where: plot_map), tornado
(how much each reading moves a total).  Every figure is a journal's full width (plot_common.size) with
its text in the language set (fonts.language: zh, en or both); axes are named for a reader and ticked
at round figures in the texts' notation (plot_ticks); lines keep the order the frame gives them (a
scenario's order).  Every function draws "没有数据 no data" for an empty frame, skips or marks ∞/NaN,
and passes its text through `fonts.safe_text`, so without a CJK font the labels are English rather than
tofu.  Shared style, scales and the byte-stable `save` live in `plot_common`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from compare.simulate.fonts import chosen, current_lang, figure_text, label, line_name, safe_text
from compare.simulate.plot_common import (
    FORMATS,
    MARKERS,
    MAX_LABELLED,
    NONE_COLOUR,
    city_colours,
    colour_for,
    finite,
    in_order,
    num,
    panels,
    plot,
    range_keys,
    render,
    save,
    scale_for,
    size,
    unbounded,
    value_ticks,
)
from compare.simulate.plot_map import competition_map
from compare.simulate.plot_ticks import plain_ticks, value_text

__all__ = ["FORMATS", "city_bars", "city_colours", "competition_map", "distribution", "render", "save",
           "sweep_curve", "sweep_heatmap", "tornado"]


@plot("policy", "label", "concept", "concept_label", "value", "value_label", "low", "high", "unit")
def sweep_curve(frame: pd.DataFrame, title: str, figure_label: str | None = None, *,
                colours: Mapping[str, str] | None = None, current: tuple[float, str] | None = None,
                promised: Sequence[tuple[str, str]] = (), absent: Sequence[str] = ()) -> Figure:
    """One line per (policy, concept): `high` solid, `low` dashed, the band between shaded; ∞ marked ▲ at the
    top; `current` (value, as the text writes it): the figure the policy has now, a dotted vertical line.
    `promised` ((policy, label), …): policies that promise the frame's concept with no figure, and `absent`
    (labels): those with nothing for it; no line for either (a line at 0 would read as "gives nothing"),
    each named in the legend instead: a hatched patch in the policy's colour, one entry for the absent."""
    colours = colours or city_colours([*frame["policy"].astype(str), *(p for p, _ in promised)])
    unshown = _unshown(promised, absent, colours)
    xlabel = safe_text(figure_label or str(frame.attrs.get("figure_label") or ""), "value") or label("取值", "value")
    units = in_order(frame["unit"])
    fig = Figure(figsize=size(0.9 + 2.7 * len(units)), layout="constrained")
    concepts, policies = in_order(frame["concept"]), in_order(frame["policy"])
    for ax, unit in zip(panels(fig, len(units), sharex=True), units, strict=True):
        sub = frame[frame["unit"].astype(str) == unit]
        scale = scale_for(unit, sub[["low", "high"]])
        pairs = [(p, c) for p in policies for c in concepts]
        for k, (policy, concept) in enumerate(pairs):
            g = sub[(sub["policy"].astype(str) == policy) & (sub["concept"].astype(str) == concept)]
            if g.empty:
                continue
            g = g.sort_values("value")
            x = g["value"].to_numpy(float)
            hi, lo = g["high"].to_numpy(float) / scale.factor, g["low"].to_numpy(float) / scale.factor
            colour = colour_for(str(policy), colours)
            name = line_name(str(g["label"].iloc[0]))
            if len(concepts) > 1:
                name += " · " + chosen(str(g["concept_label"].iloc[0]), str(concept))
            inf = np.isposinf(hi)
            if inf.any():
                name += label("（部分无上限）", " (unbounded)")
            hi_f, lo_f = np.where(np.isfinite(hi), hi, np.nan), np.where(np.isfinite(lo), lo, np.nan)
            # a marker of its own per line, smaller for later ones: lines that coincide stay visible
            big = 4.0 if len(x) <= 15 else 2.5
            ax.plot(x, hi_f, color=colour, marker=MARKERS[k % len(MARKERS)], markersize=max(big - 0.6 * k, 1.5),
                    markerfacecolor="none" if k % 2 else colour, label=name)
            ax.plot(x, lo_f, color=colour, linestyle="--", linewidth=1)
            ax.fill_between(x, lo_f, hi_f, color=colour, alpha=0.15, linewidth=0)
            if inf.any():  # an unbounded total has no height: a marker on the top edge says so
                ax.plot(x[inf], np.ones(int(inf.sum())), linestyle="none", marker="^", color=colour,
                        transform=ax.get_xaxis_transform(), clip_on=False)
        shown = in_order(sub["concept"])  # the axis names the concept it totals
        what = chosen(str(sub["concept_label"].iloc[0]), shown[0]) if len(shown) == 1 else label("合计", "total")
        ax.set_ylabel(f"{what} ({scale.name})")
        ax.grid(alpha=0.3)
        if current is not None and math.isfinite(current[0]):
            from matplotlib.lines import Line2D

            ax.axvline(current[0], color="#555555", linestyle=":", linewidth=1)
            range_keys(ax, [Line2D([], [], color="#555555", linestyle=":", linewidth=1,
                                   label=label("现行", "now") + " " + figure_text(current[1]))], unshown)
        else:
            range_keys(ax, series=unshown)
        value_ticks(ax, sub)
        plain_ticks(ax.yaxis)
    ax.set_xlabel(xlabel)
    fig.suptitle(safe_text(title))
    return fig


def _unshown(promised: Sequence[tuple[str, str]], absent: Sequence[str], colours: Mapping[str, str]) -> list[Patch]:
    """The legend's entries for the policies drawn as no line: "太仓 taicang_2020：有承诺、无数额" with a hatched
    patch in its colour, then "无此项：无锡 wuxi_2023、…" with an empty one."""
    en = current_lang() == "en"
    colon = ": " if en else "："
    out = [Patch(facecolor="white", edgecolor=colour_for(policy, colours), hatch="xxxx", linewidth=0.8,
                 label=line_name(name) + colon + label("有承诺、无数额", "promised, no figure", "\n"))
           for policy, name in promised]
    if absent:
        out.append(Patch(facecolor="none", edgecolor="#777777", linestyle=":",
                         label=label("无此项", "nothing for it") + colon + (", " if en else "、").join(
                             line_name(name) for name in absent)))
    return out


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
    fig = Figure(figsize=size(4.6), layout="constrained")
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad=NONE_COLOUR)
    lo_v, hi_v = (float(data[finite].min()), float(data[finite].max())) if finite.any() else (0.0, 1.0)
    im = ax.imshow(np.ma.masked_invalid(data), origin="lower", aspect="auto", cmap=cmap, interpolation="nearest",
                   vmin=lo_v, vmax=hi_v if hi_v > lo_v else lo_v + 1)
    what = chosen(str(frame["concept_label"].iloc[0]), "total") if "concept_label" in frame.columns else label("合计", "total")
    fig.colorbar(im, ax=ax, label=f"{what} ({scale.name})")
    for axis, values, col in ((ax.xaxis, xs, "value"), (ax.yaxis, ys, "value2")):
        texts = frame.drop_duplicates(col).set_index(col)[f"{col}_label"].astype(str)
        step = max(1, math.ceil(len(values) / MAX_LABELLED))
        idx = list(range(0, len(values), step))
        axis.set_ticks(idx, [figure_text(value_text(values[i], texts[values[i]])) for i in idx])
    ax.tick_params(axis="x", labelrotation=30)
    if len(xs) <= MAX_LABELLED and len(ys) <= MAX_LABELLED:
        norm = im.norm
        for (r, c), v in np.ndenumerate(data):
            light = not np.isfinite(v) or float(np.asarray(norm(v))) > 0.5
            text = unbounded().split()[0] if np.isposinf(v) else num(float(v))
            ax.text(c, r, text, ha="center", va="center", fontsize="small", color="black" if light else "white")
    if not finite.all():
        ax.set_title(label("灰色格：无上限或无数据", "grey cells: unbounded or no data"), fontsize="small")
    ax.set_xlabel(safe_text(x_label or str(frame.attrs.get("figure_label") or ""), "value") or label("取值", "value"))
    ax.set_ylabel(safe_text(y_label or str(frame.attrs.get("figure2_label") or ""), "value 2") or label("取值2", "value 2"))
    fig.suptitle(safe_text(title))
    return fig


@plot("draw", "policy", "label", "concept", "concept_label", "low", "high", "unit")
def distribution(frame: pd.DataFrame, title: str, *, colours: Mapping[str, str] | None = None, bins: int = 30) -> Figure:
    """Histograms of the drawn totals per policy: `high` solid, `low` light; mean and the 5%/95% quantiles marked."""
    from matplotlib.lines import Line2D

    colours = colours or city_colours(frame["policy"].astype(str))
    facets = list(dict.fromkeys(zip(frame["concept"].astype(str), frame["unit"].astype(str), strict=True)))
    fig = Figure(figsize=size(0.9 + 2.6 * len(facets)), layout="constrained")
    for ax, (concept, unit) in zip(panels(fig, len(facets)), facets, strict=True):
        sub = frame[(frame["concept"].astype(str) == concept) & (frame["unit"].astype(str) == unit)]
        scale = scale_for(unit, sub[["low", "high"]])
        pool = finite(sub[["low", "high"]]) / scale.factor
        if pool.size == 0:
            ax.text(0.5, 0.5, label("没有有限值", "no finite values"), ha="center", transform=ax.transAxes)
            edges = np.linspace(0, 1, 2)
        elif pool.min() == pool.max():  # every draw alike: one bar, not a zero-width range
            pad = max(abs(pool.min()) * 0.05, 1.0)
            edges = np.linspace(pool.min() - pad, pool.max() + pad, 4)
        else:
            edges = np.histogram_bin_edges(pool, bins=bins)
        for policy in in_order(sub["policy"]):
            g = sub[sub["policy"].astype(str) == policy]
            colour = colour_for(str(policy), colours)
            hi, lo = g["high"].to_numpy(float) / scale.factor, finite(g["low"]) / scale.factor
            fin, n_inf = hi[np.isfinite(hi)], int(np.isposinf(hi).sum())
            name = line_name(str(g["label"].iloc[0]))
            if lo.size:
                ax.hist(lo, bins=edges.tolist(), histtype="step", color=colour, alpha=0.45, linestyle="--", linewidth=1)
            if fin.size:
                mean, q05, q95 = float(fin.mean()), *(float(q) for q in np.quantile(fin, [0.05, 0.95]))
                en = current_lang() == "en"  # the figures once, the words in the language set
                name += f"\n{label('均值', 'mean')} {num(mean)}{', ' if en else '，'}5%{'-' if en else '～'}95% " \
                        f"{num(q05)}{'-' if en else '～'}{num(q95)}"
                ax.hist(fin, bins=edges.tolist(), histtype="step", color=colour, linewidth=1.8)
                ax.axvline(mean, color=colour, linewidth=1.5, linestyle="-.")
                for q in (q05, q95):
                    ax.axvline(q, color=colour, linewidth=1, linestyle=":")
            if n_inf:
                name += label(f"\n{n_inf}次无上限（未计入）", f"\n{n_inf} unbounded draws left out")
            ax.plot([], [], color=colour, linewidth=1.8, label=name)
        ax.set_xlabel(chosen(str(sub["concept_label"].iloc[0]), concept) + f" ({scale.name})")
        ax.set_ylabel(label("抽样次数", "draws"))
        ax.grid(alpha=0.3)
        plain_ticks(ax.xaxis)
        extra = [Line2D([], [], color="black", linewidth=1.5, linestyle="-.", label=label("均值", "mean")),
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
def city_bars(frame: pd.DataFrame, title: str, *, colours: Mapping[str, str] | None = None,
              axis: tuple[str, str] = ("", ""), groups: tuple[str, str] = ("政策项", "concept")) -> Figure:
    """Grouped horizontal bars per (concept, beneficiary) and policy: solid to `low`, hatched on to `high`; one
    panel per unit.  A `promised` column (projects promised an amount with no figure) is drawn as its own
    marked bar with the count, never as a bar of zero.  `axis`: what the amounts are (zh, en)."""

    colours = colours or city_colours(frame["policy"].astype(str))
    units = in_order(frame["unit"])
    promised = frame["promised"].fillna(0).astype(int) if "promised" in frame.columns else pd.Series(0, index=frame.index)
    sizes = [frame[frame["unit"].astype(str) == u][["concept", "beneficiary", "policy"]].drop_duplicates().shape[0] for u in units]
    heights = [0.9 + 0.2 * n for n in sizes]
    fig = Figure(figsize=size(1.0 + sum(heights)), layout="constrained")
    promises = ranged = False
    for ax, unit in zip(panels(fig, len(units), heights=heights), units, strict=True):
        sub = frame[frame["unit"].astype(str) == unit]
        scale = scale_for(unit, sub[["low", "high"]])
        groups_of = list(dict.fromkeys(zip(sub["concept"].astype(str), sub["beneficiary"].astype(str), strict=True)))
        policies = in_order(sub["policy"])
        vals = finite(sub[["low", "high"]]) / scale.factor
        top = float(vals.max()) if vals.size and vals.max() > 0 else 1.0
        edge = top * 1.1  # where an unbounded bar stops
        height = 0.8 / len(policies)
        ticks, marked = [], False
        for gi, (concept, ben) in enumerate(groups_of):
            rows = sub[(sub["concept"].astype(str) == concept) & (sub["beneficiary"].astype(str) == ben)]
            first = rows.iloc[0]
            tick = chosen(str(first["concept_label"]), concept.replace("_", " "), "\n")
            if str(first["beneficiary_label"]):
                tick += "\n" + chosen(str(first["beneficiary_label"]), ben.replace("_", " "), "\n")
            ticks.append(tick)
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
                    ranged = True
                elif math.isfinite(hi) and hi > base:
                    _bar_end(ax, y, base, hi, height * 0.9, colour, inf=False)
                    ranged = True
                elif math.isnan(hi):  # say so rather than let a missing total look like high == low
                    ax.annotate(label("上限不明", "high n/a"), (base, y), xytext=(4, 0), textcoords="offset points",
                                va="center", fontsize="x-small", color="#666666")
                n = int(promised[hit.index].max())
                if n:  # a promise with no figure: a marked stub and the count, not an empty row
                    marked = True
                    right = max(base, hi if math.isfinite(hi) else edge)
                    ax.barh(y, top * 0.03, left=right, height=height * 0.9, facecolor="white", edgecolor=colour,
                            hatch="xxxx", linewidth=0.6)
                    ax.annotate(f"+{n}", (right + top * 0.03, y), xytext=(2, 0), textcoords="offset points",
                                va="center", fontsize="x-small", color=colour)
        ax.set_yticks(range(len(groups_of)), ticks)
        ax.invert_yaxis()
        low_edge = min(0.0, float(vals.min())) if vals.size else 0.0
        ax.set_xlim(low_edge, edge * (1.2 if marked else 1.1))
        what = axis if any(axis) else (("金额", "amount") if unit in ("CNY", "USD") else ("分值", "score"))
        ax.set_xlabel(f"{label(*what)} ({scale.name})")
        ax.set_ylabel(label(*groups))
        ax.grid(axis="x", alpha=0.3)
        plain_ticks(ax.xaxis)
        promises = promises or marked
    # one legend under the panels: the lines in the scenario's order, then what the marks mean
    names = dict(zip(frame["policy"].astype(str), frame["label"].astype(str), strict=False))
    handles = [Patch(color=colour_for(p, colours), label=line_name(names[p])) for p in in_order(frame["policy"])]
    if ranged:  # what solid and hatched mean, where some bar has both ends
        handles += [Patch(color="#777777", label=label("下限", "low")),
                    Patch(facecolor="#77777750", hatch="//", edgecolor="#777777", label=label("至上限", "up to high"))]
    if promises:
        handles.append(Patch(facecolor="white", hatch="xxxx", edgecolor="#777777",
                             label=label("+N：N个项目承诺无数额", "+N: N projects promised, no figure", "\n")))
    fig.legend(handles=handles, loc="outside lower center", ncols=3)
    fig.suptitle(safe_text(title))
    return fig


def _wrapped(text: str, width: int = 16) -> str:
    """A long tick label on lines of about `width` characters (Chinese breaks anywhere, English at spaces)."""
    if len(text) <= width:
        return text
    if " " in text and not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        import textwrap

        return "\n".join(textwrap.wrap(text, width * 2))
    lines, line = [], ""
    for k, ch in enumerate(text):  # never inside a figure or a word (3000万, 1亿)
        nxt = text[k + 1] if k + 1 < len(text) else ""
        line += ch
        if len(line) >= width and nxt and not (ch.isascii() and ch.isalnum() and nxt.isascii() and nxt.isalnum()):
            lines.append(line)
            line = ""
    return "\n".join([*lines, line] if line else lines)


@plot("policy", "label", "reading", "reading_label", "option_low", "option_high", "total_low", "total_high",
       "baseline", "concept_label", "unit")
def tornado(frame: pd.DataFrame, title: str, *, colours: Mapping[str, str] | None = None) -> Figure:
    """Per reading, a bar from its lowest to its highest total, widest on top; the default readings' total as a line."""

    colours = colours or city_colours(frame["policy"].astype(str))
    facets = list(dict.fromkeys(zip(frame["policy"].astype(str), frame["unit"].astype(str), strict=True)))
    sizes = [int(((frame["policy"].astype(str) == p) & (frame["unit"].astype(str) == u)).sum()) for p, u in facets]
    fig = Figure(figsize=size(0.6 + sum(1.0 + 0.32 * n for n in sizes)), layout="constrained")
    axes = panels(fig, len(facets), heights=[1.0 + 0.32 * n for n in sizes])
    for ax, (policy, unit) in zip(axes, facets, strict=True):
        sub = frame[(frame["policy"].astype(str) == policy) & (frame["unit"].astype(str) == unit)].copy()
        scale = scale_for(unit, sub[["total_low", "total_high", "baseline"]])
        sub["_width"] = (sub["total_high"].astype(float) - sub["total_low"].astype(float)).fillna(-1.0)
        sub = sub.sort_values(["_width", "reading"], ascending=[False, True], kind="stable")
        colour = colour_for(policy, colours)
        vals = finite(sub[["total_low", "total_high", "baseline"]]) / scale.factor
        lo_all, hi_all = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
        pad = (hi_all - lo_all) * 0.45 or max(abs(hi_all) * 0.45, 1.0)  # room for the options' names
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
        ax.set_yticks(range(len(sub)), [_wrapped(chosen(str(r), str(k).replace("_", " ")))
                                        for r, k in zip(sub["reading_label"], sub["reading"], strict=True)])
        ax.set_ylim(len(sub) - 0.4, -0.6)  # widest (first) on top
        ax.set_xlim(lo_all - pad, edge + pad)
        ax.set_xlabel(chosen(str(sub["concept_label"].iloc[0]), "total") + f" ({scale.name})")
        ax.set_ylabel(label("解读", "reading"))
        plain_ticks(ax.xaxis)
        ax.set_title(line_name(str(sub["label"].iloc[0])) + "    " +
                     label("虚线：默认解读", "dashed line: the default readings", "; "), fontsize="small")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(safe_text(title))
    return fig
