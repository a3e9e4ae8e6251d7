"""A StructuralDiff as a terminal table, JSON for tools, or Markdown ready to paste into a memo; each
states both documents' dates where they are given (compare.diff.dates)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from typing import Any

from compare.diff.dates import RevisionDates, markdown_lines, text_lines
from compare.diff.structural import Change, StructuralDiff
from dsl.textsafe import json_safe, md_cell, md_code, printable

ORDER = {"header": 0, "field": 1, "category": 2, "choice": 3, "list": 4, "condition": 5, "clause": 6, "split": 7,
         "param": 8, "mechanism": 9, "reading": 10, "unencoded": 11}


def summary(d: StructuralDiff) -> str:
    if d.empty:
        return f"{d.old} → {d.new}: no change in the rules"
    figures = sum(c.is_figure for c in d.changes)
    counts: dict[str, set[str]] = defaultdict(set)
    for c in d.changes:
        if c.kind != "header":
            counts[c.status].add(f"{c.kind}:{c.item}")
    parts = [f"{figures} figure{'s' * (figures != 1)} changed"]
    parts += [f"{len(counts[s])} item{'s' * (len(counts[s]) != 1)} {s}" for s in ("changed", "added", "removed", "renamed")
              if counts[s]]
    return f"{d.old} → {d.new}: " + ", ".join(parts)


def _pct(rel: float | None) -> str:
    if rel is None:
        return ""
    return f"{rel * 100:+.4g}%"


def _grouped(d: StructuralDiff) -> list[tuple[tuple[str, str, str], list[Change]]]:
    groups: dict[tuple[str, str, str], list[Change]] = {}
    for c in sorted(d.changes, key=lambda c: (ORDER.get(c.kind, 9), c.item)):
        key = (c.kind, c.item, "changed" if c.where else c.status)
        groups.setdefault(key, []).append(c)
    return list(groups.items())


def _short(s: str | None, width: int = 100) -> str:
    s = s or ""
    return s if len(s) <= width else s[: width - 1] + "…"


def render_table(d: StructuralDiff, dates: RevisionDates | None = None) -> str:
    """Changed items with each field's old → new (and the relative change of a figure); added and
    removed items one line each, shortened (the JSON and Markdown forms keep every word)."""
    lines = [printable(summary(d))]
    if dates is not None:
        lines += ["", *text_lines(dates)]
    previous = ""
    for (kind, item, status), changes in _grouped(d):
        first = changes[0]
        if not first.where:
            if previous != status:
                lines.append("")
            shown = first.new if status == "added" else first.old if status == "removed" else \
                f"{first.old} → {first.new}"
            lines.append(printable(f"{status:8} {kind} {item}  {_short(shown)}".rstrip()))
            previous = status
            continue
        lines += ["", printable(f"changed  {kind} {item}")]
        for c in changes:
            arrow = f"{_short(c.old, 60) if c.old is not None else '—'} → {_short(c.new, 60) if c.new is not None else '—'}"
            lines.append(printable(f"    {c.where}: {arrow}  {_pct(c.relative)}".rstrip()))
        previous = "changed"
    return "\n".join(lines) + "\n"


def render_json(d: StructuralDiff, dates: RevisionDates | None = None) -> str:
    doc: dict[str, Any] = {"old": d.old, "new": d.new, "summary": summary(d), "changes": [asdict(c) for c in d.changes]}
    if dates is not None:
        doc["dates"] = dates.to_json()
    return json_safe(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)) + "\n"


def _md(s: str | None) -> str:
    return md_cell(s)


def render_markdown(d: StructuralDiff, dates: RevisionDates | None = None) -> str:
    out = [f"## {_md(d.old)} → {_md(d.new)}", "", _md(summary(d)) + ".", ""]
    if dates is not None:
        out += [*markdown_lines(dates), ""]
    if d.empty:
        return "\n".join(out)
    out += ["| item | what | old | new | change |", "|---|---|---|---|---|"]
    for c in sorted(d.changes, key=lambda c: (ORDER.get(c.kind, 9), c.item)):
        what = c.where or c.status
        out.append(f"| {c.kind} {md_code(c.item)} | {_md(what)} | {_md(c.old)} | {_md(c.new)} | {_pct(c.relative)} |")
    return "\n".join(out) + "\n"
