"""The cross-city graph (compare.engine.crossgraph) written out: JSON node-link data for tools, DOT
text for Graphviz, and SVG drawn here, in pure Python, so that a comparison page can show it on a
machine without Graphviz.

The SVG layout is layered, left to right as the graph's edges run: a band per policy (its city's
name at the top), with the project fields, readings and params it reads in the first column, each
rule in the column after the longest chain of rules it reads, the policy's outcomes in one column
shared by all bands, and the taxonomy's concept nodes last, each beside the outcomes it joins.
Nodes within a column are ordered by the mean row of what they read (one barycentre sweep each
way), which keeps most edges short; a node's `<title>` (the hover text) carries its article and
quote, and `data-node`/`data-kind`/`data-city` let a page script it.  Every text is escaped
(`printable`, then XML), so a control character in a quote cannot break the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from compare.engine.crossgraph import CONCEPT, Member, cross_graph, members
from dsl.model import Policy
from dsl.textsafe import display_width, json_safe, printable

# ------------------------------------------------------------------ JSON and DOT


def to_json(g: nx.DiGraph) -> str:
    """Node-link data (networkx's `node_link_data`, edges under "edges")."""
    data = nx.node_link_data(g, edges="edges")
    return json_safe(json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False)) + "\n"


def _dot_str(s: object) -> str:
    text = printable(str(s)).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


_DOT_ATTRS = ("kind", "policy", "city", "name", "label", "article", "quote", "concept")
COLOURS = {"field": "#e8f1fb", "reading": "#fdf1dc", "param": "#eeeeee", "clause": "#ffffff", "split": "#f3e8fb",
           "outcome": "#e6f5e9", CONCEPT: "#c9ebd1"}


def _dot_node(node: str, d: dict[str, object]) -> str:
    attrs = {k: d[k] for k in _DOT_ATTRS if d.get(k) not in (None, "")}
    kind = str(d.get("kind"))
    shown = f"{d.get('label')}\n{d.get('name')}" if kind == CONCEPT else str(d.get("label") or d.get("name"))
    if d.get("article") and kind != CONCEPT:
        shown += f" ({d['article']})"
    attrs["label"] = shown
    attrs["tooltip"] = " ".join(str(x) for x in (d.get("article"), d.get("quote")) if x) or str(d.get("name"))
    attrs["fillcolor"] = COLOURS.get(kind, "#ffffff")
    if kind in (CONCEPT, "outcome"):
        attrs["shape"] = "ellipse"
    body = ", ".join(f"{k}={_dot_str(v)}" for k, v in attrs.items())
    return f"{_dot_str(node)} [{body}];"


def to_dot(g: nx.DiGraph) -> str:
    """DOT text: a cluster per policy, the concept nodes outside them."""
    lines = ["digraph policies {", '  graph [rankdir=LR, fontname="sans-serif"];',
             '  node [shape=box, style="rounded,filled", fontname="sans-serif"];']
    for k, prefix in enumerate(g.graph.get("policies", [])):
        mine = [(n, d) for n, d in g.nodes(data=True) if d.get("policy") == prefix]
        city = mine[0][1].get("city") if mine else ""
        lines.append(f"  subgraph cluster_{k} {{")
        lines.append(f"    label={_dot_str(f'{city} {prefix}')};")
        lines += [f"    {_dot_node(n, d)}" for n, d in mine]
        lines.append("  }")
    lines += [f"  {_dot_node(n, d)}" for n, d in g.nodes(data=True) if d.get("kind") == CONCEPT]
    lines += [f"  {_dot_str(a)} -> {_dot_str(b)};" for a, b in g.edges]
    return "\n".join(lines) + "\n}\n"


# ------------------------------------------------------------------ the SVG layout

ROW, GAP_X, BAND_GAP, MARGIN, CHAR_W, BOX_H, MAX_COLS = 30, 60, 40, 20, 7, 22, 26
_NOT_XML = re.compile("[\ufffe\uffff]")


def _xml(s: object) -> str:
    return escape(_NOT_XML.sub("\ufffd", printable(str(s))))


def _attr(s: object) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", printable(str(s))))


def _shorten(s: str, cols: int = MAX_COLS) -> str:
    if display_width(s) <= cols:
        return s
    out = ""
    for ch in s:
        if display_width(out + ch) > cols - 1:
            break
        out += ch
    return out + "…"


def _box_text(d: dict[str, object]) -> str:
    text = str(d.get("label") or d.get("name"))
    if d.get("kind") in (CONCEPT, "outcome"):
        text = str(d.get("name"))
    elif d.get("kind") == "field":
        text = str(d.get("name"))
    return _shorten(printable(text))


def _columns(g: nx.DiGraph) -> dict[str, int]:
    """Column of each node: sources 0, a rule after the longest chain it reads, outcomes and concepts last."""
    col: dict[str, int] = {}
    for node in nx.topological_sort(g):
        kind = g.nodes[node].get("kind")
        if kind in ("clause", "split"):
            col[node] = 1 + max((col[p] for p in g.predecessors(node) if p in col), default=0)
        elif kind not in ("outcome", CONCEPT):
            col[node] = 0
    last = max(col.values(), default=0) + 1
    for node, d in g.nodes(data=True):
        if d.get("kind") == "outcome":
            col[node] = last
        elif d.get("kind") == CONCEPT:
            col[node] = last + 1
    return col


def _centre(n: str, near: Callable[[str], Iterable[str]], pos: dict[str, int]) -> float:
    ps = [pos[p] for p in near(n) if p in pos]
    return sum(ps) / len(ps) if ps else float(pos[n])


def _order(g: nx.DiGraph, nodes: list[str], col: dict[str, int]) -> list[list[str]]:
    """Nodes by column, ordered by barycentre: one sweep left to right, then sources by what they feed."""
    width = max((col[n] for n in nodes), default=0) + 1
    cols: list[list[str]] = [sorted((n for n in nodes if col[n] == c),
                                    key=lambda n: (str(g.nodes[n].get("kind")), n)) for c in range(width)]
    for sweep in (range(1, width), range(width - 2, -1, -1)):
        for c in sweep:
            pos = {n: i for column in cols for i, n in enumerate(column)}
            near = g.predecessors if c > 0 and sweep.step == 1 else g.successors
            keys = {n: _centre(n, near, pos) for n in cols[c]}
            cols[c].sort(key=keys.__getitem__)
    return cols


def _mean_y(g: nx.DiGraph, n: str, pos: dict[str, tuple[float, float, float]], default: float) -> float:
    ys = [pos[p][1] for p in g.predecessors(n) if p in pos]
    return sum(ys) / len(ys) if ys else default


def layout(g: nx.DiGraph) -> tuple[dict[str, tuple[float, float, float]], list[tuple[str, float]], float, float]:
    """Positions: node -> (x, y, box width); the band titles (text, y); the drawing's width and height."""
    col = _columns(g)
    n_cols = max(col.values(), default=0) + 1
    box = {n: CHAR_W * display_width(_box_text(d)) + 16 for n, d in g.nodes(data=True)}
    col_w = [max((box[n] for n in g if col[n] == c), default=0) for c in range(n_cols)]
    xs = [MARGIN + sum(col_w[:c]) + GAP_X * c for c in range(n_cols)]
    right = xs[-2] + col_w[-2] if n_cols > 1 else xs[-1] + col_w[-1]  # the outcomes' right edge
    pos: dict[str, tuple[float, float, float]] = {}
    bands: list[tuple[str, float]] = []
    y: float = MARGIN
    titles = {m["prefix"]: m["city_label"] for m in g.graph.get("members", [])}
    for prefix in g.graph.get("policies", []):
        mine = [n for n, d in g.nodes(data=True) if d.get("policy") == prefix]
        bands.append((f"{titles.get(prefix, '')} · {prefix}", y + 14))
        y += 26
        cols = _order(g, [n for n in mine if g.degree(n)], col)
        bottom = y
        for c, column in enumerate(cols):  # the first column packed; each next one beside what it reads
            floor: float = y
            want = [(_mean_y(g, n, pos, y) if c else y + i * ROW, i, n) for i, n in enumerate(column)]
            for target, _, n in sorted(want):
                at = max(target, floor)
                pos[n] = (xs[c], at, box[n])
                floor = at + ROW
            bottom = max(bottom, floor)
        y = bottom
        x = float(MARGIN)  # what nothing reads and that reads nothing (most params): a row after the band
        for n in sorted((n for n in mine if not g.degree(n)), key=lambda n: (str(g.nodes[n]["kind"]), n)):
            if x > MARGIN and x + box[n] > right:
                x, y = float(MARGIN), y + ROW
            pos[n] = (x, y, box[n])
            x += box[n] + 10
        y += (ROW if x > MARGIN else 0) + BAND_GAP
    concept_nodes = [n for n, d in g.nodes(data=True) if d.get("kind") == CONCEPT]
    wanted = sorted((_mean_y(g, n, pos, MARGIN), n) for n in concept_nodes)
    floor = MARGIN + 26.0  # concepts: from the top of the drawing
    for target, n in wanted:  # beside the outcomes it joins, never overlapping the one above
        at = max(target, floor)
        pos[n] = (xs[-1], at, box[n])
        floor = at + ROW
    height = max([y, floor]) + MARGIN
    width = xs[-1] + col_w[-1] + MARGIN if xs else 2 * MARGIN
    return pos, bands, width, height


def to_svg(g: nx.DiGraph) -> str:
    pos, bands, width, height = layout(g)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="12">',
           "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" "
           "markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#888\"/>"
           "</marker></defs>",
           '<rect width="100%" height="100%" fill="white"/>']
    for text, y in bands:
        out.append(f'<text x="{MARGIN}" y="{y:.0f}" font-size="14" font-weight="bold">{_xml(text)}</text>')
    out.append('<g class="edges" fill="none" stroke="#888" stroke-width="1">')
    for a, b in g.edges:
        (x1, y1, w1), (x2, y2, _) = pos[a], pos[b]
        sx, sy, tx, ty = x1 + w1, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
        mid = (sx + tx) / 2
        out.append(f'<path d="M {sx:.1f} {sy:.1f} C {mid:.1f} {sy:.1f}, {mid:.1f} {ty:.1f}, {tx:.1f} {ty:.1f}" '
                   f'marker-end="url(#arrow)"/>')
    out.append("</g>")
    out.append('<g class="nodes">')
    for k, (n, d) in enumerate(g.nodes(data=True)):
        x, y, w = pos[n]
        kind = str(d.get("kind"))
        rx = 11 if kind in ("outcome", CONCEPT) else 4
        tip = "\n".join(str(t) for t in (d.get("label"), d.get("name"), d.get("city"), d.get("article"), d.get("quote"))
                        if t)
        out.append(f'<g class="node {kind}" id="n{k}" data-node={_attr(n)} data-kind={_attr(kind)} '
                   f'data-city={_attr(d.get("city") or "")}><title>{_xml(tip)}</title>'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.0f}" height="{BOX_H}" rx="{rx}" '
                   f'fill="{COLOURS.get(kind, "#ffffff")}" stroke="#555"/>'
                   f'<text x="{x + 8:.1f}" y="{y + 15:.1f}">{_xml(_box_text(d))}</text></g>')
    out += ["</g>", "</svg>"]
    return "\n".join(out) + "\n"


@dataclass
class PolicyGraph:
    """The cross-city graph (`graph`, a networkx DiGraph) with its members, and its exports."""

    graph: nx.DiGraph
    members: list[Member] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per node: its id and attributes (for a DataFrame or a CSV)."""
        return [{"id": n, **{k: v for k, v in d.items()}} for n, d in self.graph.nodes(data=True)]

    def edge_rows(self) -> list[dict[str, str]]:
        return [{"source": a, "target": b} for a, b in self.graph.edges]

    def to_frame(self) -> Any:
        """`rows()` as a pandas DataFrame (pandas is not a dependency: ModuleNotFoundError without it)."""
        import pandas as pd

        return pd.DataFrame(self.rows())

    def to_json(self) -> str:
        return to_json(self.graph)

    def to_dot(self) -> str:
        return to_dot(self.graph)

    def to_svg(self) -> str:
        return to_svg(self.graph)


def policy_graph(policies: Sequence[Policy], graphs: Sequence[nx.DiGraph] | None = None) -> PolicyGraph:
    return PolicyGraph(cross_graph(policies, graphs), members(policies))


__all__ = ["PolicyGraph", "layout", "policy_graph", "to_dot", "to_json", "to_svg"]
