"""Outcomes as rows for people (table) and tools (JSON, CSV).

The JSON shape is a public interface: a list of
`{"project": ID, "city": CITY, "outcomes": {CONCEPT: number | bool | [low, high]}}`;
an interval whose upper end is unbounded (a promise with no figure, "不少于") has `null` there.

Texts from files (project ids, labels) reach a terminal or a spreadsheet only through
`dsl.textsafe.printable`: an ESC, BEL or U+202E is shown as `\x1b`, `\x07`, `\u202e`.  In CSV a
project id or city starting with = + - @ gets a leading `'`, so a spreadsheet does not run it as a
formula.  JSON stays lossless (json escapes control characters; bidi controls become \u202e).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from compare.engine.evaluate import Outcomes
from dsl.textsafe import display_width, json_safe, printable
from dsl.units import Dim

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
    return json_safe(json.dumps(rows, ensure_ascii=False, indent=2)) + "\n"


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


_FORMULA_START = ("=", "+", "-", "@")


def csv_text(text: str) -> str:
    """A text cell of a CSV for spreadsheets: control characters escaped, and a leading `'` on a cell a
    spreadsheet would take for a formula (=, +, -, @: "CSV injection").  Only text cells: figures
    are written as numbers."""
    text = printable(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(rows: list[Row]) -> str:
    concepts = _concepts(rows)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["project", "city", *concepts])
    for r in rows:
        w.writerow([csv_text(str(r["project"])), csv_text(str(r["city"])),
                    *[_cell(r["outcomes"][c]) if c in r["outcomes"] else "" for c in concepts]])
    return buf.getvalue()


def render_table(rows: list[Row]) -> str:
    """A plain-text table: one row per project and city; a concept a city does not have is blank."""
    concepts = _concepts(rows)
    header = ["project", "city", *concepts]
    body = [[r["project"], r["city"], *[_cell(r["outcomes"][c]) if c in r["outcomes"] else "—" for c in concepts]]
            for r in rows]
    rule = ["-" * w for w in column_widths([header, *body])]
    return "\n".join(aligned([header, rule, *body])) + "\n"


def column_widths(rows: list[list[Any]]) -> list[int]:
    """Each column's width in terminal columns (CJK two, combining marks none), cells escaped."""
    return [max(display_width(printable(str(x))) for x in col) for col in zip(*rows, strict=True)]


def aligned(rows: list[list[Any]], indent: str = "") -> list[str]:
    """Rows of cells as text columns; every cell through `printable` (ESC, BEL, U+202E escaped)."""
    widths = column_widths(rows)
    cells = [[printable(str(x)) for x in row] for row in rows]
    return [(indent + "  ".join(x + " " * (w - display_width(x))
                                for x, w in zip(row, widths, strict=True))).rstrip() for row in cells]


def human(v: Any, dim: Dim | None) -> str:
    """A value for people: money in 万元 where large, points with 分, a promise as such."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        if v[1] is None:
            return "promised, no figure" if v[0] == 0 else f"at least {human(v[0], dim)}"
        return f"{human(v[0], dim)}~{human(v[1], dim)}"
    x = float(v)
    if dim in (Dim.CNY, Dim.USD):
        unit = "元" if dim == Dim.CNY else "美元"
        if abs(x) >= 10_000:
            return f"{x / 10_000:,.2f}".rstrip("0").rstrip(".") + "万" + unit
        return f"{x:,.2f}".rstrip("0").rstrip(".") + unit
    suffix = {Dim.POINTS: "分", Dim.MONTHS: "个月", Dim.DAYS: "天"}.get(dim, "") if dim else ""
    return f"{x:g}{suffix}"


def render_side_by_side(results: list[Outcomes], labels: dict[str, str] | None = None,
                        dims: list[dict[str, Dim | None]] | None = None) -> str:
    """Per project: the outcomes any city gives it (rows) and the cities (columns).

    A blank cell: that city's policy has no such concept; 0: it has, and gives nothing here."""
    if not results:
        return ""
    out: list[str] = []
    cities = [r.city for r in results]
    for i, pid in enumerate(results[0].ids):
        concepts: dict[str, None] = {}
        for r in results:
            for c in r.concepts:
                v = r.value(c, i)
                if v is True or (not isinstance(v, bool) and v != 0):
                    concepts.setdefault(c, None)
        header = ["", *cities]
        rows = []
        for c in sorted(concepts):
            label = f"{c} {labels.get(c, '')}".rstrip() if labels else c
            rows.append([label, *[human(_json_value(r.value(c, i)), dims[k].get(c) if dims else None)
                                  if c in r.concepts else "" for k, r in enumerate(results)]])
        out.append(f"project {printable(pid)}")
        if not rows:
            out.append("  (no city gives this project anything)\n")
            continue
        out.extend(aligned([header, *rows], indent="  "))
        out.append("")
    return "\n".join(out)
