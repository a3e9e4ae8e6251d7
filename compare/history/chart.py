"""The step chart of a city's figures over time: one panel per figure that took more than one value
(at most MAX_PANELS, the first in the history's order), each value a horizontal step from the date it
came into force, labelled with the texts' notation, the article and the document.

Deterministic: the same history gives the same bytes (as compare.simulate.plot_common.render: a fixed
SVG salt and id, no dates or software names); no date depends on today (an open end is drawn past the last
change, by a year or more).  Chinese through compare.simulate.fonts (English where no font draws it).
"""

from __future__ import annotations

import datetime as dt
import io

from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure

from compare.history.steps import CityHistory, FigureHistory
from compare.simulate.fonts import figure_text, label, language, safe_text
from compare.simulate.plot_common import DPI, PALETTE, no_data, rc, size

MAX_PANELS = 8
MARGIN = dt.timedelta(days=365)  # at least, before the first date (a start not stated) and after the last


def _bounds(figures: list[FigureHistory]) -> tuple[dt.date, dt.date]:
    dates = sorted({d for f in figures for s in f.steps for d in (s.start, s.end) if d is not None})
    if not dates:
        return dt.date(2000, 1, 1), dt.date(2001, 1, 1)
    # the last step's label starts at its date and runs right: room for it, whatever the span
    after = max(MARGIN, (dates[-1] - dates[0]) * 0.8)
    return dates[0] - MARGIN, dates[-1] + after


def _panel(ax: Axes, f: FigureHistory, left: dt.date, right: dt.date, colour: str) -> None:
    values = []
    for s in f.steps:
        x0, x1 = date2num(s.start or left), date2num(s.end or right)
        ax.hlines(s.row.value, x0, x1, colors=colour, linewidth=2.5)
        values.append(s.row.value)
        since = "" if s.start else "  (" + label("起始日未载明", "start not stated") + ")"
        ax.annotate(figure_text(s.row.text) + safe_text(f"  {s.row.article}  {s.policy}{since}", f"  {s.policy}"),
                    (x0, s.row.value), xytext=(4, 4), textcoords="offset points", fontsize="small")
    for a, b in zip(f.steps, f.steps[1:], strict=False):  # the change itself, where one step follows another
        if a.end is not None and a.end == b.start:
            ax.vlines(date2num(b.start), a.row.value, b.row.value, colors=colour, linestyles="dotted")
    low, high = min(values), max(values)
    pad = (high - low) * 0.35 or abs(high) * 0.35 or 1.0
    ax.set_ylim(low - pad * 0.5, high + pad)
    shown = {s.row.value: s.row.text for s in f.steps}
    ax.set_yticks(sorted(shown), [figure_text(shown[v]) for v in sorted(shown)])
    zh, en = f.title
    article = f.steps[-1].row.article
    # the figure by its clause and part ("新批外资项目到账外资奖励上限 (16)"); the path only where none is known
    title = label(zh, en) if zh or en else f.path
    if article and article not in title:
        title += f" {article}"
    ax.set_title(safe_text(title, f.path), loc="left", fontsize="small")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)


def step_chart(history: CityHistory, lang: str = "both") -> Figure:
    """The chart of the figures that changed; a figure saying none did where none did; text in `lang`."""
    with language(lang):
        return _step_chart(history)


def _step_chart(history: CityHistory) -> Figure:
    import matplotlib

    title = f"{history.label} {history.city}：" + label("政策数值变化", "figures over time")
    every = history.changed()
    changed = every[:MAX_PANELS]
    if len(every) > len(changed):  # the rest are in the table (`policylab timeline CITY --out FILE.csv`)
        title += label(f"（前{MAX_PANELS}项，共{len(every)}项）", f" (the first {MAX_PANELS} of {len(every)})")
    with matplotlib.rc_context(rc()):
        if not changed:
            fig = no_data(title)
            fig.axes[0].texts[0].set_text(label("各文件间数值未变", "no figure changed"))
            return fig
        left, right = _bounds(changed)
        fig = Figure(figsize=size(0.8 + 1.2 * len(changed)), layout="constrained")
        axes = fig.subplots(len(changed), 1, squeeze=False, sharex=True)[:, 0]
        for i, (ax, f) in enumerate(zip(axes, changed, strict=True)):
            _panel(ax, f, left, right, PALETTE[i % len(PALETTE)])
        changes = sorted({s.start for f in changed for s in f.steps if s.start is not None})
        axes[-1].set_xlim(date2num(left), date2num(right))
        axes[-1].set_xticks([date2num(d) for d in changes])
        axes[-1].xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
        fig.suptitle(safe_text(title))
    return fig


def chart_bytes(history: CityHistory, fmt: str, title: str, lang: str = "both") -> bytes:
    """The chart as SVG or PNG bytes (`fmt` "svg" or "png") as compare.simulate.plot_common.render makes
    them, with `title` in the file's metadata (the mark of the command that wrote it)."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context(rc()):
        if fmt == "svg":
            step_chart(history, lang).savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Title": title})
        else:
            step_chart(history, lang).savefig(buf, format="png", dpi=DPI, metadata={"Software": None, "Title": title})
    return buf.getvalue()


__all__ = ["MAX_PANELS", "chart_bytes", "step_chart"]
