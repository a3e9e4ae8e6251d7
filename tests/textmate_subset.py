"""A small TextMate tokenizer for the tests, so a grammar can be run without vscode-textmate: the
subset the policy grammar uses — `match` with `name` or `captures`; `begin`/`end` regions with
`name`, `beginCaptures` (with `patterns` of `match`es inside a capture), `patterns`; `include` of the
repository — read with Python's `re`.

As in vscode-textmate, a line is scanned from the current position for the pattern (or the region's
end) that matches earliest; on a tie the region's end wins, then the pattern listed first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Region:
    name: str | None
    end: re.Pattern[str] | None
    patterns: list[dict[str, Any]] = field(default_factory=list)


def _flatten(patterns: list[dict[str, Any]], repository: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in patterns:
        if "include" in p:
            target = repository[p["include"].removeprefix("#")]
            out += _flatten(target["patterns"], repository) if "patterns" in target and not (
                "begin" in target or "match" in target) else [target]
        else:
            out.append(p)
    return out


def scopes(grammar: dict[str, Any], text: str) -> list[str | None]:
    """The innermost scope of every character of `text` (None where no scope applies; None at
    each line break, as TextMate sees lines without them)."""
    repository = grammar.get("repository", {})
    compiled: dict[str, re.Pattern[str]] = {}

    def rx(pattern: str) -> re.Pattern[str]:
        if pattern not in compiled:
            compiled[pattern] = re.compile(pattern)
        return compiled[pattern]

    stack = [_Region(None, None, _flatten(grammar["patterns"], repository))]
    out: list[str | None] = []
    for line in text.split("\n"):
        painted: list[str | None] = [None] * len(line)
        pos, seen = 0, set()
        while pos <= len(line) and (pos, len(stack)) not in seen:
            seen.add((pos, len(stack)))
            region = stack[-1]
            best: tuple[int, int, dict[str, Any] | None, re.Match[str]] | None = None
            if region.end is not None and (m := region.end.search(line, pos)):
                best = (m.start(), -1, None, m)
            for i, p in enumerate(region.patterns):
                m = rx(p.get("match") or p["begin"]).search(line, pos)
                if m and (best is None or (m.start(), i) < best[:2]):
                    best = (m.start(), i, p, m)
            if best is None:
                break
            start, _, rule, m = best
            for j in range(pos, start):
                painted[j] = region.name
            if rule is None:  # the region ends
                for j in range(m.start(), m.end()):
                    painted[j] = region.name
                stack.pop()
            elif "match" in rule:
                for j in range(m.start(), m.end()):
                    painted[j] = rule.get("name", region.name)
                _paint_captures(painted, m, rule.get("captures", {}))
            else:
                name = rule.get("name", region.name)
                for j in range(m.start(), m.end()):
                    painted[j] = name
                _paint_captures(painted, m, rule.get("beginCaptures", {}))
                stack.append(_Region(name, rx(rule["end"]), _flatten(rule.get("patterns", []), repository)))
            pos = m.end()
        for j in range(pos, len(line)):
            painted[j] = stack[-1].name
        out += [*painted, None]
    return out[:-1]


def _paint_captures(painted: list[str | None], m: re.Match[str], captures: dict[str, Any]) -> None:
    """Each captured group by its name, then by the `match` patterns of the capture inside it."""
    for group, capture in captures.items():
        start, end = m.span(int(group))
        if start < 0:
            continue
        for j in range(start, end):
            painted[j] = capture.get("name", painted[j])
        pos = start
        while capture.get("patterns") and pos < end:
            found = [(f.start(), i, f) for i, p in enumerate(capture["patterns"])
                     if (f := re.compile(p["match"]).search(m.string, pos, end)) and f.end() > f.start()]
            if not found:
                break
            _, i, f = min(found, key=lambda x: x[:2])
            for j in range(f.start(), f.end()):
                painted[j] = capture["patterns"][i].get("name", painted[j])
            pos = f.end()
