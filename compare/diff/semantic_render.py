"""A SemanticDiff as a terminal table, JSON for tools, or Markdown for a memo.

Figures are written as the texts write them (compare.engine.explain: 3000万元, 3.5分, `promised, no
figure`); a witness project lists the fields that are not at their defaults.
"""

from __future__ import annotations

import json
from typing import Any

from compare.diff.semantic import (
    EQUIVALENT,
    ONLY_NEW,
    ONLY_OLD,
    UNKNOWN,
    ConceptDiff,
    Extreme,
    Move,
    Region,
    SemanticDiff,
    Witness,
)
from compare.engine.explain import fmt_number, fmt_value
from dsl.textsafe import json_safe, printable
from dsl.units import Dim

BOUND = {"value": "value", "low": "low end", "high": "high end"}


def project_text(p: dict[str, Any]) -> str:
    parts = []
    for k, v in p.items():
        if k == "id":
            continue
        if v is True:
            parts.append(k)
        elif isinstance(v, list):
            parts.append(f"{k} [{', '.join(v)}]")
        else:
            parts.append(f"{k} {v}")
    return ", ".join(parts) or "any project (every field at its default)"


def _value(v: Any, dim: Dim | None) -> str:
    return "—" if v is None else fmt_value(v, dim)


def _witness(w: Witness | None, cd: ConceptDiff, names: tuple[str, str]) -> str:
    if w is None:
        return "(no witness: it did not reproduce under the evaluator)"
    return f"{project_text(w.project)}: {names[0]} {_value(w.old, cd.dim)} → {names[1]} {_value(w.new, cd.dim)}"


def _extreme(e: Extreme | None, cd: ConceptDiff, names: tuple[str, str]) -> str:
    if e is None:
        return "—"
    if e.kind == "promised":
        head = "a promise with no figure where the other side has a figure or nothing"
    elif e.kind == "unbounded":
        head = "unbounded (grows without limit)"
    else:
        amount = fmt_number(e.amount or 0.0, cd.dim) if cd.dim != Dim.BOOL else str(e.amount)
        head = amount + ("" if e.exact else " at least (the search stopped before a proof)")
    at = f" ({BOUND[e.bound]})" if e.bound != "value" else ""
    return head + at + (f", e.g. {_witness(e.witness, cd, names)}" if e.witness is not None else "")


def verdict_text(cd: ConceptDiff, d: SemanticDiff) -> str:
    if cd.verdict == ONLY_NEW:
        return f"only in {d.new}"
    if cd.verdict == ONLY_OLD:
        return f"only in {d.old}"
    if cd.verdict in (EQUIVALENT, UNKNOWN):
        return cd.verdict
    return f"{d.new} {cd.verdict}"


def _move_what(m: Move, cd: ConceptDiff) -> str:
    if cd.verdict in (ONLY_NEW, ONLY_OLD):
        return f"{BOUND[m.bound]} not zero"
    return f"{BOUND[m.bound]} {'up' if m.direction == 'up' else 'down'}"


def _move_line(m: Move, cd: ConceptDiff, names: tuple[str, str]) -> str:
    return f"  {_move_what(m, cd):14} {_witness(m.witness, cd, names)}"


def region_text(r: Region) -> str:
    fixed = []
    for k, v in r.fixed.items():
        if v is True:
            fixed.append(k)
        elif v is False:
            fixed.append(f"not {k}")
        elif isinstance(v, list):
            fixed.append(f"{k} {' or '.join(v)}")
        else:
            fixed.append(f"{k} {v}")
    ranges = [f"{k} {lo} – {hi if hi is not None else 'no limit'}" for k, (lo, hi) in r.ranges.items()]
    return "; ".join(x for x in (", ".join(fixed), ", ".join(r.conditions), ", ".join(ranges)) if x) or "every project"


def render_table(d: SemanticDiff) -> str:
    names = (d.old, d.new)
    readings = ", ".join(f"{k}={v}" for k, v in d.readings.items()) or "the defaults"
    lines = [f"{d.old} → {d.new}: semantic diff over every valid project ({d.fx_note}; readings: {readings})"]
    same = [cd.concept for cd in d.concepts if cd.verdict == EQUIVALENT]
    for cd in d.concepts:
        if cd.verdict == EQUIVALENT:
            continue
        lines += ["", f"{cd.concept}: {verdict_text(cd, d)}" + (f"  ({cd.note})" if cd.note else "")]
        lines += [_move_line(m, cd, names) for m in cd.moves]
        if cd.verdict not in (ONLY_NEW, ONLY_OLD, UNKNOWN):
            if cd.max_gain is not None:
                lines.append(f"  {'largest gain':14} {_extreme(cd.max_gain, cd, names)}")
            if cd.max_loss is not None:
                lines.append(f"  {'largest loss':14} {_extreme(cd.max_loss, cd, names)}")
        elif cd.max_gain or cd.max_loss:
            lines.append(f"  {'largest':14} {_extreme(cd.max_gain or cd.max_loss, cd, names)}")
        for ahead in ("new", "old"):
            parts = [r for r in cd.regions if r.ahead == ahead]
            if parts:
                lines.append(f"  where {names[ahead == 'new']} gives more:")
                lines += [f"    - {region_text(r)}" for r in parts]
    if same:
        lines += ["", "equivalent (proved for every valid project): " + ", ".join(same)]
    return "\n".join(printable(line) for line in lines) + "\n"


def _plain(v: Any) -> Any:
    if isinstance(v, tuple):
        return [None if x == float("inf") else x for x in v]
    return v


def to_dict(d: SemanticDiff) -> dict[str, Any]:
    def witness(w: Witness | None) -> Any:
        return None if w is None else {"project": w.project, "old": _plain(w.old), "new": _plain(w.new)}

    def extreme(e: Extreme | None) -> Any:
        return None if e is None else {"bound": e.bound, "kind": e.kind, "amount": e.amount, "exact": e.exact,
                                       "witness": witness(e.witness)}
    return {"old": d.old, "new": d.new, "fx": d.fx, "fx_note": d.fx_note, "readings": d.readings,
            "concepts": [{"concept": c.concept, "old_concept": c.old_concept, "new_concept": c.new_concept,
                          "unit": c.dim.value if c.dim else None, "verdict": c.verdict, "note": c.note,
                          "moves": [{"bound": m.bound, "direction": m.direction, "witness": witness(m.witness),
                                     "largest": extreme(m.extreme)} for m in c.moves],
                          "max_gain": extreme(c.max_gain), "max_loss": extreme(c.max_loss),
                          "regions": [{"ahead": r.ahead, "fixed": r.fixed, "conditions": r.conditions,
                                       "ranges": {k: list(v) for k, v in r.ranges.items()}} for r in c.regions]}
                         for c in d.concepts]}


def render_json(d: SemanticDiff) -> str:
    return json_safe(json.dumps(to_dict(d), ensure_ascii=False, indent=2, allow_nan=False, default=str)) + "\n"


def _md(s: str) -> str:
    return printable(s).replace("|", "\\|").replace("\n", " ")


def render_markdown(d: SemanticDiff) -> str:
    names = (d.old, d.new)
    out = [f"## {_md(d.old)} → {_md(d.new)}: semantic diff", "", f"{_md(d.fx_note)}.", "",
           "| concept | verdict | where it moves (a witness) | largest gain | largest loss |", "|---|---|---|---|---|"]
    for cd in d.concepts:
        moves = "<br>".join(_md(f"{_move_what(m, cd)}: {_witness(m.witness, cd, names)}") for m in cd.moves) or "—"
        out.append(f"| `{_md(cd.concept)}` | {_md(verdict_text(cd, d))} | {moves} | "
                   f"{_md(_extreme(cd.max_gain, cd, names))} | {_md(_extreme(cd.max_loss, cd, names))} |")
    for cd in d.concepts:
        for ahead in ("new", "old"):
            parts = [r for r in cd.regions if r.ahead == ahead]
            if parts:
                out += ["", f"Where {_md(names[ahead == 'new'])} gives more (`{_md(cd.concept)}`):", ""]
                out += [f"- {_md(region_text(r))}" for r in parts]
    return "\n".join(out) + "\n"
