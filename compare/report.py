"""Outcomes as rows for people (table) and tools (JSON, CSV).

The JSON shape is a public interface: a list of
`{"project": ID, "city": CITY, "outcomes": {CONCEPT: number | bool | [low, high]}}`;
an interval whose upper end is unbounded (a promise with no figure, "不少于") has `null` there.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from compare.evaluate import Outcomes

Row = dict[str, Any]


def _json_value(v: float | bool | tuple[float, float]) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, tuple):
        return [_num(v[0]), None if v[1] == float("inf") else _num(v[1])]
    return _num(v)


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else round(float(x), 6)


def outcome_rows(results: list[Outcomes]) -> list[Row]:
    """One row per project and city, in project order, cities in the order given."""
    rows: list[Row] = []
    if not results:
        return rows
    ids = results[0].ids
    for i, pid in enumerate(ids):
        for out in results:
            rows.append({"project": pid, "city": out.city,
                         "outcomes": {c: _json_value(out.value(c, i)) for c in out.concepts}})
    return rows


def render_json(rows: list[Row]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        hi = "∞" if v[1] is None else f"{v[1]:g}"
        return f"{v[0]:g}~{hi}"
    return f"{v:g}"


def _concepts(rows: list[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        for c in r["outcomes"]:
            seen.setdefault(c, None)
    return sorted(seen)


def render_csv(rows: list[Row]) -> str:
    concepts = _concepts(rows)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["project", "city", *concepts])
    for r in rows:
        w.writerow([r["project"], r["city"], *[_cell(r["outcomes"][c]) if c in r["outcomes"] else ""
                                               for c in concepts]])
    return buf.getvalue()


def render_table(rows: list[Row]) -> str:
    """A plain-text table: one row per project and city; a concept a city does not have is blank."""
    concepts = _concepts(rows)
    header = ["project", "city", *concepts]
    body = [[r["project"], r["city"], *[_cell(r["outcomes"][c]) if c in r["outcomes"] else "—" for c in concepts]]
            for r in rows]
    from dsl.diagnostics import _display_width

    widths = [max(_display_width(str(x)) for x in col) for col in zip(header, *body, strict=True)]

    def line(cells: list[Any]) -> str:
        return "  ".join(str(c) + " " * (w - _display_width(str(c))) for c, w in zip(cells, widths, strict=True))

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(b) for b in body]
    return "\n".join(x.rstrip() for x in out) + "\n"
