"""An OutcomeDiff for people (a table, Markdown for a memo) and for tools (JSON, CSV).

The table and Markdown write figures as the texts do (compare.engine.explain.fmt_number:
`5000万元`, `3.5分`), with `+`/`-` on a change; JSON and CSV carry the exact numbers (money to the
fen).  JSON has no ∞: an unbounded end, or a change to or from one, is `null` there, as in
`policylab eval --format json`; CSV writes `∞`/`-∞`.  Project ids and labels reach a terminal or
spreadsheet only through `printable` (and `csv_text`: no formula can start a cell).
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from compare.data.sheet import csv_text
from compare.data.write import aligned
from compare.diff.data import EFFECTS, ConceptTotal, OutcomeChange, OutcomeDiff, Side
from compare.diff.dates import RevisionDates, markdown_lines, text_lines
from compare.engine.evaluate import ABSENT, NOT_ELIGIBLE, PROMISED
from compare.engine.explain import fmt_number
from dsl.textsafe import json_safe, md_cell, md_code, printable
from dsl.units import Dim

INF = float("inf")
_EFFECT_TEXT = {NOT_ELIGIBLE: "not eligible under either"}


# ------------------------------------------------------------------ numbers for tools


def exact(x: float | None) -> float | int | None:
    """A figure for JSON: an int where whole, else the float as computed (already exact to the fen);
    None for an unbounded end (JSON has no ∞) or no figure."""
    if x is None or not math.isfinite(x):
        return None
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else x


def _json_side(s: Side) -> Any:
    if s.flag is not None:
        return s.flag
    if s.low is None or s.high is None:
        return None
    return exact(s.low) if s.low == s.high else [exact(s.low), exact(s.high)]


def _json_change(c: OutcomeChange) -> dict[str, Any]:
    return {"old": _json_side(c.old), "new": _json_side(c.new), "old_state": c.old.state, "new_state": c.new.state,
            "change": None if c.change_low is None else [exact(c.change_low), exact(c.change_high)],
            "effect": c.effect}


def _json_total(t: ConceptTotal) -> dict[str, Any]:
    return {"label": t.label, "unit": t.unit, "in_old": t.in_old, "in_new": t.in_new,
            "old": [exact(t.old_low), exact(t.old_high)], "new": [exact(t.new_low), exact(t.new_high)],
            "change": [exact(t.change_low), exact(t.change_high)], **t.counts,
            "rules": list(t.rules), "changed_rules": list(t.changed)}


def render_json(d: OutcomeDiff, dates: RevisionDates | None = None) -> str:
    by_project: dict[str, dict[str, Any]] = {pid: {} for pid in d.projects}
    for c in d.changes:
        by_project[c.project][c.concept] = _json_change(c)
    doc = {"old": d.old, "new": d.new, "fx": d.fx, "fx_note": d.fx_note, "readings": d.readings,
           "projects": [{"project": pid, "outcomes": outs} for pid, outs in by_project.items()],
           "totals": {t.concept: _json_total(t) for t in d.totals}}
    if dates is not None:
        doc["dates"] = dates.to_json()
    return json_safe(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)) + "\n"


def _csv_num(x: float | bool | None) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if not math.isfinite(x):
        return "∞" if x > 0 else "-∞"
    return str(exact(x))


CSV_COLUMNS = ["row", "project", "concept", "old_state", "old_low", "old_high", "new_state", "new_low", "new_high",
               "change_low", "change_high", "effect", *EFFECTS, "fx"]


def render_csv(d: OutcomeDiff) -> str:
    """One `project` row per project and concept, then one `total` row per concept (the counts of projects
    by effect filled in there)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for r in d.rows():
        w.writerow(["project", csv_text(str(r["project"])), csv_text(r["concept"]), r["old_state"], _csv_num(r["old_low"]),
                    _csv_num(r["old_high"]), r["new_state"], _csv_num(r["new_low"]), _csv_num(r["new_high"]),
                    _csv_num(r["change_low"]), _csv_num(r["change_high"]), r["effect"], *[""] * len(EFFECTS), d.fx])
    for t in d.totals:
        w.writerow(["total", "", csv_text(t.concept), "", _csv_num(t.old_low), _csv_num(t.old_high), "", _csv_num(t.new_low),
                    _csv_num(t.new_high), _csv_num(t.change_low), _csv_num(t.change_high), "",
                    *[t.counts[e] for e in EFFECTS], d.fx])
    return buf.getvalue()


# ------------------------------------------------------------------ figures for people


def _dim(d: OutcomeDiff, concept: str) -> Dim | None:
    return d.dims.get(concept)


def show(s: Side, dim: Dim | None) -> str:
    if s.state == ABSENT:
        return "—"
    if s.state == NOT_ELIGIBLE:
        return "not eligible"
    if s.flag is not None:
        return "yes" if s.flag else "no"
    lo, hi = s.low or 0.0, s.high or 0.0
    if s.state == PROMISED:
        return "promised, no figure"
    if lo == hi:
        return fmt_number(lo, dim)
    if hi == INF:
        return f"at least {fmt_number(lo, dim)}"
    return f"{fmt_number(lo, dim)} ~ {fmt_number(hi, dim)}"


def signed(x: float | None, dim: Dim | None) -> str:
    if x is None:
        return "—"
    if x == INF:
        return "+∞"
    if x == -INF:
        return "-∞"
    return ("+" if x > 0 else "") + fmt_number(x, dim)


def _total_cell(lo: float, hi: float, dim: Dim | None, flags: bool) -> str:
    if flags:
        return f"{lo:g} project{'s' * (lo != 1)}"
    return fmt_number(lo, dim) if lo == hi else f"{fmt_number(lo, dim)} ~ {fmt_number(hi, dim)}"


def _shown(d: OutcomeDiff) -> list[OutcomeChange]:
    """The rows people read: what some policy gives the project."""
    return [c for c in d.changes if c.effect != NOT_ELIGIBLE]


def _project_rows(d: OutcomeDiff) -> list[list[str]]:
    return [[c.project, c.concept, show(c.old, _dim(d, c.concept)), show(c.new, _dim(d, c.concept)),
             signed(c.change_low, _dim(d, c.concept)), signed(c.change_high, _dim(d, c.concept)), c.effect]
            for c in _shown(d)]


def _nobody(d: OutcomeDiff) -> list[str]:
    """The concepts neither policy gives any of the projects (left out of the people's totals)."""
    return [t.concept for t in d.totals if t.counts[NOT_ELIGIBLE] == len(d.projects)]


def _total_rows(d: OutcomeDiff) -> list[list[str]]:
    rows = []
    skip = set(_nobody(d))
    for t in d.totals:
        if t.concept in skip:
            continue
        dim = _dim(d, t.concept)
        flags = dim == Dim.BOOL
        change = [f"{t.change_low:+g}", f"{t.change_high:+g}"] if flags else \
            [signed(t.change_low, dim), signed(t.change_high, dim)]
        rows.append([t.concept, _total_cell(t.old_low, t.old_high, dim, flags),
                     _total_cell(t.new_low, t.new_high, dim, flags), *change,
                     *[str(t.counts[e]) for e in EFFECTS], ", ".join(t.changed) or "—"])
    return rows


PROJECT_HEADER = ["project", "outcome", "old", "new", "change (low)", "change (high)", "effect"]
TOTAL_HEADER = ["outcome", "old total", "new total", "change (low)", "change (high)", *EFFECTS[:-1], "not eligible",
                "changed items"]


def summary(d: OutcomeDiff) -> list[str]:
    """One line per concept some project gains or loses on."""
    out = []
    for t in d.totals:
        if t.counts["gains"] or t.counts["loses"] or t.counts["mixed"]:
            parts = [f"{t.counts[e]} {_EFFECT_TEXT.get(e, e)}" for e in EFFECTS if t.counts[e]]
            out.append(f"{t.concept}: " + ", ".join(parts))
    return out or ["no project's outcome changes"]


def _notes(d: OutcomeDiff) -> list[str]:
    lines = [d.fx_note + " for both policies", "readings in force (--reading for both; otherwise each policy's default):"]
    for pid, rs in d.readings.items():
        lines.append(f"  {pid}: " + (", ".join(f"{k}={v}" for k, v in sorted(rs.items())) or "none declared"))
    return lines


def render_table(d: OutcomeDiff, dates: RevisionDates | None = None) -> str:
    n = len(d.projects)
    lines = [f"{d.old} ({d.old_city}) → {d.new} ({d.new_city}) on {n} project{'s' * (n != 1)}", *summary(d), ""]
    if dates is not None:
        lines += [*text_lines(dates), ""]
    rows = _project_rows(d)
    if rows:
        lines += aligned([PROJECT_HEADER, ["-" * len(h) for h in PROJECT_HEADER], *rows])
    none = [pid for pid in d.projects if all(c.effect == NOT_ELIGIBLE for c in d.changes if c.project == pid)]
    if none:
        lines.append("not eligible for anything under either: " + ", ".join(none))
    lines += ["", f"total over {n} project{'s' * (n != 1)}"]
    lines += aligned([TOTAL_HEADER, ["-" * len(h) for h in TOTAL_HEADER], *_total_rows(d)])
    if _nobody(d):
        lines.append("given to none of the projects under either: " + ", ".join(_nobody(d)))
    lines += ["", *_notes(d)]
    return "\n".join(printable(x) for x in lines) + "\n"


def _md(s: str) -> str:
    return md_cell(s)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return out + ["| " + " | ".join(_md(x) for x in row) + " |" for row in rows]


def render_markdown(d: OutcomeDiff, dates: RevisionDates | None = None) -> str:
    n = len(d.projects)
    out = [f"## {_md(d.old)} → {_md(d.new)}: outcomes on {n} project{'s' * (n != 1)}", ""]
    if dates is not None:
        out += [*markdown_lines(dates), ""]
    out += [f"- {_md(x)}" for x in summary(d)] + [""]
    out += ["### In total", "", *_md_table(TOTAL_HEADER, _total_rows(d)), ""]
    if _nobody(d):
        out += ["Given to none of the projects under either: " + ", ".join(md_code(c) for c in _nobody(d)) + ".", ""]
    rows = _project_rows(d)
    out += ["### Per project", ""]
    out += _md_table(PROJECT_HEADER, rows) if rows else ["No project is eligible for anything under either policy."]
    out += ["", *[_md(x) for x in _notes(d)]]
    return "\n".join(out) + "\n"


__all__ = ["CSV_COLUMNS", "exact", "render_csv", "render_json", "render_markdown", "render_table", "show", "signed"]
