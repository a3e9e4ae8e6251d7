"""What every simulation figure shares: style, colours, money scales, the empty-frame guard, rendering.

Each plot builds a `matplotlib.figure.Figure` of its own (no pyplot) under `rc()`, so nothing leaks
into a caller's matplotlib state.  `render`/`save` give the same bytes for the same figure: a fixed
SVG hash salt and id, no dates or software names, glyphs as paths (the SVG needs no font on the
reader's machine), a fixed PNG dpi; files are written through `write_atomically`.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from compare.data.atomic import write_atomically
from compare.simulate.fonts import figure_text, font_chain, label, safe_text
from compare.simulate.plot_ticks import money_ticks, plain_ticks, value_text

P = ParamSpec("P")
PlotFn = Callable[Concatenate[pd.DataFrame, str, P], Figure]
DPI = 300  # a journal's resolution for line art with text
WIDTH = 174 / 25.4  # inches: a full-width figure of a two-column journal page (174 mm)
FONT_SIZE = 8  # points, at print size
FORMATS = ("png", "svg")
# tab10, fixed here so a colour never depends on the user's style settings
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
NONE_COLOUR, TIE_COLOUR = "#e0e0e0", "#555555"
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
MAX_LABELLED = 12  # up to this many values each get a tick label / a cell annotation


def rc() -> Any:  # Any: matplotlib types the keys as Literals, a plain dict[str, ...] does not fit
    """The rc settings every figure is built and saved under."""
    return {
        "font.family": font_chain(),
        "svg.fonttype": "path",  # glyphs as paths: no <text>, no font needed to view the SVG
        "svg.hashsalt": "policylab",  # clip-path ids would otherwise be random per run
        "svg.id": "policylab",
        "font.size": FONT_SIZE,
        "axes.titlesize": FONT_SIZE,
        "axes.labelsize": FONT_SIZE,
        "xtick.labelsize": FONT_SIZE - 1,
        "ytick.labelsize": FONT_SIZE - 1,
        "legend.fontsize": FONT_SIZE - 1,
        "legend.title_fontsize": FONT_SIZE - 1,
        "figure.titlesize": FONT_SIZE + 1,
        "axes.linewidth": 0.6,
        "lines.linewidth": 1.2,
        "lines.markersize": 3.5,
        "hatch.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
    }


def size(height: float) -> tuple[float, float]:
    """A figure's size in inches: the journal's full width, `height` inches tall."""
    return (WIDTH, height)


def city_colours(ids: Iterable[str]) -> dict[str, str]:
    """A colour per policy id, by sorted id: pass one mapping to every plot to keep cities' colours alike."""
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(sorted(set(ids)))}


def in_order(values: Iterable[Any]) -> list[str]:
    """The policies (or other keys) in the order the frame first gives them: the scenario's order of its
    cities, then its reforms, the same in every legend (never sorted by id)."""
    return list(dict.fromkeys(str(v) for v in values))


def colour_for(name: str, colours: Mapping[str, str]) -> str:
    # a display label "无锡 wuxi_2023" finds the colour of its id "wuxi_2023"
    words = name.split()
    return colours.get(name) or (colours.get(words[-1]) if words else None) or PALETTE[0]


def no_data(title: str) -> Figure:
    fig = Figure(figsize=size(2.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, label("没有数据", "no data"), ha="center", va="center", fontsize="x-large", color="#666666")
    fig.suptitle(safe_text(title))
    return fig


def plot(*columns: str) -> Callable[[PlotFn[P]], PlotFn[P]]:
    """Shared guard: the rc settings, a "no data" figure for an empty frame, a clear error for a wrong one."""
    def wrap(fn: PlotFn[P]) -> PlotFn[P]:
        @functools.wraps(fn)
        def inner(frame: pd.DataFrame, title: str, *args: P.args, **kwargs: P.kwargs) -> Figure:
            import matplotlib

            with matplotlib.rc_context(rc()):
                if frame is None or frame.empty:
                    return no_data(title)
                missing = [c for c in columns if c not in frame.columns]
                if missing:
                    raise ValueError(f"{fn.__name__}: the frame has no column(s) {', '.join(missing)}")
                return fn(frame, title, *args, **kwargs)
        return inner
    return wrap


@dataclass(frozen=True)
class Scale:
    factor: float
    name: str  # the unit shown on an axis, e.g. 万元


def finite(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    return arr[np.isfinite(arr)]


def scale_for(unit: str, values: Any) -> Scale:
    """Money in 万 or 亿 of its currency, points as they are."""
    vals = finite(values)
    top = float(np.abs(vals).max()) if vals.size else 0.0
    if unit in ("CNY", "USD"):
        zh = "元" if unit == "CNY" else "美元"
        if top >= 1e8:
            return Scale(1e8, _unit(f"亿{zh}", f"{unit} 100M"))
        return Scale(1e4, _unit(f"万{zh}", f"{unit} 10k"))
    if unit == "points":
        return Scale(1.0, _unit("分", "points"))
    return Scale(1.0, safe_text(unit))


def _unit(zh: str, en: str) -> str:
    """A unit in an axis title: one language, or both as "万元, CNY 10k"."""
    text = label(zh, en)
    return f"{zh}, {en}" if text == f"{zh} {en}" else text


def num(x: float) -> str:
    """A figure on a plot as the texts write numbers: 4000, 11.15 (no thousands commas)."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.2f}".rstrip("0").rstrip(".")


def unbounded() -> str:
    return label("无上限", "unbounded")


def panels(fig: Figure, n: int, sharex: bool = False, heights: Sequence[float] | None = None) -> list[Axes]:
    return list(fig.subplots(n, 1, squeeze=False, sharex=sharex, height_ratios=heights)[:, 0])


def legend_outside(ax: Axes, handles: Sequence[Any], title: str | None = None) -> None:
    ax.legend(handles=list(handles), title=title, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)


def range_keys(ax: Axes, extra: Sequence[Any] = (), series: Sequence[Any] = ()) -> None:
    """The legend: the plotted series and `series` (those drawn otherwise, or not at all), then what solid
    and dashed mean, then `extra`."""
    from matplotlib.lines import Line2D

    handles, _ = ax.get_legend_handles_labels()
    keys = [Line2D([], [], color="black", label=label("上限", "high")),
            Line2D([], [], color="black", linestyle="--", linewidth=1, label=label("下限", "low"))]
    legend_outside(ax, [*handles, *series, *keys, *extra])


def _geometric(values: np.ndarray) -> bool:
    """Whether swept values are spaced more evenly by ratio than by difference (1000万, 3000万, 1亿 …)."""
    if values.size < 2 or (values <= 0).any():
        return False
    if values.size == 2:
        return bool(values.max() / values.min() >= 50)
    steps, ratios = np.diff(values), np.diff(np.log(values))

    def spread(d: np.ndarray) -> float:
        return float(d.std() / d.mean()) if d.mean() > 0 else math.inf
    return spread(ratios) < spread(steps)


def value_ticks(ax: Axes, frame: pd.DataFrame) -> None:
    """Ticks at the swept values with their own labels when few, else at round figures (1000万, 5000万, 1亿)."""
    from matplotlib.ticker import NullFormatter

    pairs = frame[["value", "value_label"]].drop_duplicates("value").sort_values("value")
    values = pairs["value"].to_numpy(float)
    values_ok = values[np.isfinite(values)]
    texts = [value_text(v, str(t)) for t, v in zip(pairs["value_label"], values, strict=True) if np.isfinite(v)]
    log = _geometric(values_ok)
    if log:
        ax.set_xscale("log")  # 1000万 … 10亿 evenly apart, not the small ones in a heap
        ax.xaxis.set_minor_formatter(NullFormatter())
    if values_ok.size <= MAX_LABELLED:
        pos = np.log10(values_ok) if log else values_ok
        span = float(pos.max() - pos.min()) if pos.size > 1 else 1.0
        many = values_ok.size > 5 or (pos.size > 1 and float(np.diff(pos).min()) < 0.12 * span)
        ax.set_xticks(values_ok, [figure_text(t) for t in texts], rotation=30 if many else 0, ha="right" if many else "center")
    elif all(t.strip().endswith("%") for t in texts):
        plain_ticks(ax.xaxis, percent=True)
    elif all(t.strip().endswith("元") for t in texts):  # 元 or 美元: 1000万, 5000万, 1亿
        money_ticks(ax.xaxis, log)
    else:
        plain_ticks(ax.xaxis)


def render(fig: Figure, fmt: str, title: str | None = None) -> bytes:
    """The figure as PNG or SVG bytes, the same bytes for the same figure; `title` in the file's metadata."""
    import matplotlib

    if fmt not in FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}; use one of {', '.join(FORMATS)}")
    buf = io.BytesIO()
    with matplotlib.rc_context(rc()):
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, **({"Title": title} if title else {})})
        else:
            fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None, **({"Title": title} if title else {})})
    return buf.getvalue()


def save(fig: Figure, stem: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write `stem.png` / `stem.svg` atomically (each rendered in memory first); the paths written."""
    wanted = list(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    data = {fmt: render(fig, fmt) for fmt in wanted}  # all rendered before any is written
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, raw in data.items():
        path = stem.parent / f"{stem.name}.{fmt}"
        write_atomically(path, raw)
        paths.append(path)
    return paths

