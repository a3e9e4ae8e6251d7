"""Outcomes as rows for people (table) and tools (JSON); CSV and the file formats are column-wise
(compare.data.table, table_files).

The JSON shape is a public interface: a list of
`{"project": ID, "city": CITY, "outcomes": {CONCEPT: number | bool | [low, high]}, "states": {CONCEPT:
STATE}, "beneficiaries": {CONCEPT: NAME}, "assumed": {FIELD: VALUE}, "implied": {FIELD: RULE}, "sensitive": {CONCEPT: [{reading,
option, value, state}]}, "fx": RATE, "readings": {READING: OPTION}}` (docs/evaluation.md); an interval
whose upper end is unbounded (a promise with no figure, "不少于") has `null` there.  `states` covers
every concept of the run's policies: a concept this city's policy lacks is "absent".

Texts from files (project ids, labels) reach a terminal only through `dsl.textsafe.printable`: an
ESC, BEL or U+202E is shown as `\x1b`, `\x07`, `\u202e` (compare.data.sheet and table_text do the same,
and neutralise spreadsheet formulas, for CSV).  JSON stays lossless (json escapes control characters; bidi controls become \u202e).
"""

from __future__ import annotations

import json
import math
from typing import Any

from compare.engine.assumed import assumed_row, default_text, implied_row, implied_text, input_text
from compare.engine.evaluate import ABSENT, NOT_ELIGIBLE, PROMISED, ZERO, Outcomes
from compare.engine.sensitivity import sensitive_row
from dsl.textsafe import display_width, json_safe, printable
from dsl.units import Dim

Row = dict[str, Any]


def _json_value(v: float | bool | tuple[float, float]) -> Any:
    """JSON has no ∞ or NaN: an unbounded end (or figure) is null."""
    if isinstance(v, bool):
        return v
    if isinstance(v, tuple):
        return [_finite(v[0]), _finite(v[1])]
    return _finite(v)


def _finite(x: float) -> float | int | None:
    return _num(x) if math.isfinite(x) else None


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else round(float(x), 6)


def outcome_rows(results: list[Outcomes]) -> list[Row]:
    """One row per project and city, in project order, cities in the order given.  `assumed` and
    `sensitive` are there where the analyses ran (compare.engine.runs.evaluate_policies)."""
    rows: list[Row] = []
    if not results:
        return rows
    ids = results[0].ids
    every = sorted({c for out in results for c in out.concepts})
    for i, pid in enumerate(ids):
        for out in results:
            row: Row = {"project": pid, "city": out.city,
                        "outcomes": {c: _json_value(out.value(c, i)) for c in out.concepts},
                        "states": {c: out.state(c, i) for c in every},
                        "beneficiaries": {c: out.beneficiary(c, i) for c in out.concepts}}
            if out.assumed is not None:
                row["assumed"] = assumed_row(out, i)
                row["implied"] = implied_row(out, i)
            if out.alternatives is not None:
                row["sensitive"] = {c: [{**alt, "value": _json_value(alt["value"])} for alt in alts]
                                    for c, alts in sensitive_row(out, i).items()}
            if out.fx is not None:
                rate, whose = out.rate_used(i)  # the project's own (its `fx_rate`) or the run's
                row["fx"] = _num(rate)
                if whose == "project":
                    row["fx_own"] = True
            row["readings"] = dict(sorted(out.readings.items()))
            rows.append(row)
    return rows


def render_json(rows: list[Row]) -> str:
    return json_safe(json.dumps(rows, ensure_ascii=False, indent=2, allow_nan=False)) + "\n"  # never NaN/Infinity


def _cell(v: Any) -> str:
    """A JSON value as a cell, every digit kept (56715.12, not 56715.1; 1000000, not 1e+06)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:  # an unbounded figure
        return "∞"
    if isinstance(v, list):
        hi = "∞" if v[1] is None else _figure(v[1])
        return f"{'-∞' if v[0] is None else _figure(v[0])}~{hi}"
    return _figure(v)


def _figure(x: float | int) -> str:
    n = _num(x) if x == x and abs(x) != float("inf") else x
    return format(n, "f").rstrip("0").rstrip(".") if isinstance(n, float) else str(n)


def _concepts(rows: list[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        for c in [*r["outcomes"], *r.get("states", {})]:
            seen.setdefault(c, None)
    return sorted(seen)


_STATE_CELL = {ABSENT: "—", NOT_ELIGIBLE: "not eligible", PROMISED: "promised, no figure"}


def _state(r: Row, c: str) -> str:
    return str(r.get("states", {}).get(c, "figure" if c in r["outcomes"] else ABSENT))


def _alternatives(alts: list[dict[str, Any]], show: Any) -> str:
    """`2分 under tier_edges=upper_closed`; with what the option reads that the record did not give."""
    return "; ".join(f"{show(a['value'], a['state'])} under {a['reading']}={a['option']}"
                     + (f" (which reads {_assumed_text(a['assumed'], a.get('implied'))}, not given)"
                        if a.get("assumed") else "")
                     for a in alts)


def _assumed_text(assumed: dict[str, Any], implied: dict[str, str] | None = None) -> str:
    """`licensed` = true (implied by started), `fdi_arrived` = 0."""
    def one(k: str, v: Any) -> str:
        return implied_text(v, implied[k]) if implied and k in implied else default_text(k)

    return ", ".join(f"`{k}` = {one(k, v)}" for k, v in assumed.items())


def _table_cell(r: Row, c: str) -> str:
    state = _state(r, c)
    cell = _STATE_CELL.get(state) or ("0" if state == ZERO else _cell(r["outcomes"][c]))
    return cell + (" *" if c in r.get("sensitive", {}) else "")


def render_table(rows: list[Row], notes: list[str] | None = None) -> str:
    """A plain-text table: one row per project and city; cells show the state (— absent, not eligible,
    0, promised, no figure) or the figure, `*` where another reading option moves it.  Below it: the
    footnotes, the inputs each project was assumed to have, and `notes` (the rate, the readings)."""
    concepts = _concepts(rows)
    lead = ["project", "year", "city"] if rows and "year" in rows[0] else ["project", "city"]  # a file over years
    header = [*lead, *concepts]
    body = [[*(r[k] for k in lead), *[_table_cell(r, c) for c in concepts]] for r in rows]
    rule = ["-" * w for w in column_widths([header, *body])]
    lines = aligned([header, rule, *body])
    cell = lambda v, state: _STATE_CELL.get(state) or _cell(v)  # noqa: E731
    for r in rows:
        for c, alts in r.get("sensitive", {}).items():
            lines.append(printable(f"* {r['project']} {r['city']} {c}: {_alternatives(alts, cell)}"))
    for r in rows:
        if r.get("assumed"):
            lines.append(printable(f"{r['project']} {r['city']}: assumed (not given): "
                                   f"{_assumed_text(r['assumed'], r.get('implied'))}"))
    own = {r["project"]: r["fx"] for r in rows if r.get("fx_own")}
    lines += [printable(f"{pid}: USD→CNY {_figure(rate)}, the project's own rate (fx_rate)") for pid, rate in own.items()]
    lines += [printable(n) for n in notes or []]
    return "\n".join(lines) + "\n"


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
    if v is None or (isinstance(v, list) and v[0] is None):  # an unbounded figure
        return "unbounded"
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
                        dims: list[dict[str, Dim | None]] | None = None, notes: list[str] | None = None) -> str:
    """Per project: the outcomes some city makes it eligible for (rows) and the cities (columns).

    A cell: — (that city has no such measure), not eligible, 0, promised, no figure, or the figure;
    `→ NAME` where the beneficiary depends on the project; `*` where another option of a reading
    would change it (a footnote under the project names the reading and the alternative).  Under the
    project, the inputs an outcome read that the record did not give; at the end, `notes`."""
    if not results:
        return ""
    out: list[str] = []
    cities = [r.city for r in results]

    def show(k: int, c: str, v: Any, state: str) -> str:
        if state in _STATE_CELL:
            return _STATE_CELL[state]
        return human(_json_value(v), dims[k].get(c) if dims else None)

    for i, pid in enumerate(results[0].ids):
        concepts = sorted({c for r in results for c in r.concepts if r.state(c, i) not in (ABSENT, NOT_ELIGIBLE)})
        sensitive = [sensitive_row(r, i) for r in results]
        notes_here: list[str] = []
        rows = []
        for c in concepts:
            label = f"{c} {labels.get(c, '')}".rstrip() if labels else c
            depends = {r.beneficiary(c, i) for r in results if c in r.beneficiaries
                       and r.beneficiaries[c].depends_on_project and r.state(c, i) not in (ABSENT, NOT_ELIGIBLE)}
            if len(depends) == 1:
                label += f" → {depends.pop()}"
            cells = []
            for k, r in enumerate(results):
                cell = show(k, c, r.value(c, i) if c in r.concepts else 0, r.state(c, i))
                if len(depends) > 1 and r.state(c, i) not in (ABSENT, NOT_ELIGIBLE) \
                        and r.beneficiaries[c].depends_on_project:
                    cell += f" → {r.beneficiary(c, i)}"
                if c in sensitive[k]:
                    cell += " *"
                    alts = _alternatives(sensitive[k][c], lambda v, st, k=k, c=c: show(k, c, v, st))
                    notes_here.append(f"  * {c}, {r.city}: {alts}")
                cells.append(cell)
            rows.append([label, *cells])
        out.append(f"project {printable(pid)}")
        if rows:
            out.extend(aligned([["", *cities], *rows], indent="  "))
        else:
            out.append("  (no city makes this project eligible for anything)")
        out.extend(printable(n) for n in notes_here)
        assumed: dict[str, list[str]] = {}
        for r in results:
            for name in assumed_row(r, i):
                assumed.setdefault(name, []).append(r.city)
        if assumed:
            parts = [f"`{k}` = {input_text(results[0].implied, k, i)}"
                     + ("" if len(v) == len(results) else f" ({', '.join(v)})") for k, v in sorted(assumed.items())]
            out.append(printable("  assumed (not given): " + ", ".join(parts)))
        if results[0].fx is not None and results[0].rate_used(i)[1] == "project":
            out.append(f"  USD→CNY {_figure(results[0].rate_used(i)[0])}: the project's own rate (fx_rate)")
        for k, r in enumerate(results):
            paid = _by_payer(r, dims[k] if dims else {}, i)
            if paid:
                out.append(printable(f"  paid by ({r.city}): " + ", ".join(f"{p} {v}" for p, v in paid)))
        out.append("")
    totals = [[r.city, *(f"{p} {v}" for p, v in _by_payer(r, dims[k] if dims else {}, None))]
              for k, r in enumerate(results)]
    if any(len(row) > 1 for row in totals):
        out.append("totals by payer, all projects (money outcomes; `not_stated`: no payer named):")
        out.extend(printable(f"  {row[0]}: " + ", ".join(row[1:])) for row in totals if len(row) > 1)
        out.append("")
    out += [printable(n) for n in notes or []]
    return "\n".join(out) + ("\n" if notes else "")


def _by_payer(r: Outcomes, dims: dict[str, Dim | None], i: int | None) -> list[tuple[str, str]]:
    """What each payer bears of a city's money outcomes, for project i (None: all the projects), in
    the order the payers first appear; a range where an outcome is one."""
    sums: dict[str, list[float]] = {}
    for concept, by_payer in r.payers.items():
        if dims.get(concept) not in (Dim.CNY, Dim.USD) and dims.get(concept.rsplit(".", 1)[0]) not in (Dim.CNY, Dim.USD):
            continue
        for payer, (lo, hi) in by_payer.items():
            a, b = (float(lo[i]), float(hi[i])) if i is not None else (float(lo.sum()), float(hi.sum()))
            acc = sums.setdefault(payer, [0.0, 0.0])
            acc[0] += a
            acc[1] += b
    unit = next((dims[c] for c in r.payers if dims.get(c) in (Dim.CNY, Dim.USD)), Dim.CNY)
    return [(p, human(lo if lo == hi else [lo, None if math.isinf(hi) else hi], unit))
            for p, (lo, hi) in sums.items() if lo or hi]
