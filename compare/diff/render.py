"""A StructuralDiff as a terminal table, JSON for tools, or Markdown ready to paste into a memo; each
states both documents' dates where they are given (compare.diff.dates).

Given the two policies, the table and the Markdown read the changes as sentences, article by article,
in Chinese and English (compare.diff.sentences: "(16)：「…」的奖励比例由2%改为3%"), and the JSON adds
them beside the changes; without them, each change is listed with the path of what changed inside its
item (for tools and tests of the structural diff itself)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from typing import Any

from compare.diff.dates import RevisionDates, markdown_lines, text_lines
from compare.diff.sentences import Sentence, article_sentences, md_text, plain
from compare.diff.structural import Change, StructuralDiff
from dsl.model import Policy
from dsl.textsafe import json_safe, md_code, printable

DOCUMENT = ("文件", "the document")  # where the changes that cite no article are listed

ORDER = {"header": 0, "field": 1, "category": 2, "choice": 3, "list": 4, "condition": 5, "clause": 6, "split": 7,
         "param": 8, "mechanism": 9, "reading": 10, "unencoded": 11}


def summary(d: StructuralDiff) -> str:
    if d.empty:
        return f"{d.old} → {d.new}: no change in the rules"
    # a figure changed alike under each option of a reading (2% → 3% in `range` and in `full`) is one
    figures = len({(c.item, c.where.split(" › ")[-1], plain(c.old), plain(c.new)) for c in d.changes if c.is_figure})
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


def _article_head(article: str) -> str:
    return article or f"{DOCUMENT[0]} {DOCUMENT[1]}"


def sentence_lines(by_article: dict[str, list[Sentence]], width: int = 160) -> list[str]:
    """Each article, then its sentences: the Chinese, and the English under it (long ones shortened)."""
    lines: list[str] = []
    for article, sentences in by_article.items():
        lines += ["", printable(_article_head(article))]
        for s in sentences:
            lines += [printable(f"  {_short(s.zh, width)}"), printable(f"    {_short(s.en, width)}")]
    return lines


def render_table(d: StructuralDiff, dates: RevisionDates | None = None, old: Policy | None = None,
                 new: Policy | None = None) -> str:
    """Given the policies, the changes as sentences per article; else changed items with each field's
    old → new (and the relative change of a figure), added and removed items one line each, shortened
    (the JSON and Markdown forms keep every word)."""
    lines = [printable(summary(d))]
    if dates is not None:
        lines += ["", *text_lines(dates)]
    if old is not None and new is not None:
        return "\n".join(lines + sentence_lines(article_sentences(d, old, new))) + "\n"
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


def render_json(d: StructuralDiff, dates: RevisionDates | None = None, old: Policy | None = None,
                new: Policy | None = None) -> str:
    doc: dict[str, Any] = {"old": d.old, "new": d.new, "summary": summary(d), "changes": [asdict(c) for c in d.changes]}
    if dates is not None:
        doc["dates"] = dates.to_json()
    if old is not None and new is not None:
        doc["sentences"] = [{"article": a, "zh": s.zh, "en": s.en}
                            for a, ss in article_sentences(d, old, new).items() for s in ss]
    return json_safe(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False)) + "\n"


def _md(s: str | None) -> str:
    """Text in a cell as written: md_cell, and emphasis and math markers escaped (a label `**b**`)."""
    return md_text(s)


def render_markdown(d: StructuralDiff, dates: RevisionDates | None = None, old: Policy | None = None,
                    new: Policy | None = None) -> str:
    """A table of the changes: given the policies, one row per sentence (article, 中文, English); else
    one per change, with the path of what changed inside the item."""
    out = [f"## {_md(d.old)} → {_md(d.new)}", "", _md(summary(d)) + ".", ""]
    if dates is not None:
        out += [*markdown_lines(dates), ""]
    if d.empty:
        return "\n".join(out)
    if old is not None and new is not None:
        out += ["| 条文 article | 变化 | change |", "|---|---|---|"]
        out += [f"| {_md(_article_head(a))} | {_md(s.zh)} | {_md(s.en)} |"
                for a, ss in article_sentences(d, old, new).items() for s in ss]
        return "\n".join(out) + "\n"
    out += ["| item | what | old | new | change |", "|---|---|---|---|---|"]
    for c in sorted(d.changes, key=lambda c: (ORDER.get(c.kind, 9), c.item)):
        what = c.where or c.status
        out.append(f"| {c.kind} {md_code(c.item)} | {_md(what)} | {_md(c.old)} | {_md(c.new)} | {_pct(c.relative)} |")
    return "\n".join(out) + "\n"
