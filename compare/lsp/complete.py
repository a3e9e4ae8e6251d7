"""Completion: what may be written where the cursor is, read from the line before it.

After `concept` the taxonomy's concepts; after `by reading` the readings; inside a `by reading ID { … }`
block that reading's options, and after `default` in a reading its own; after `beneficiary` and `payer`
the taxonomy's; elsewhere the language's keywords, the project record's fields and categories, and the
policy's clauses, params, named conditions and lists."""

from __future__ import annotations

import re

from lsprotocol import types as T

from compare.lsp.analysis import Analysis

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*$")
_BY_READING = re.compile(r"by\s+reading\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{")
_READING = re.compile(r"^\s*(?:override\s+)?reading\s+([A-Za-z_][A-Za-z0-9_]*)", re.M)
Item = tuple[str, T.CompletionItemKind, str | None]


def completions(analysis: Analysis, line: int, column: int) -> list[T.CompletionItem]:
    """The candidates at a 1-based (line, character column); those that start with the word typed."""
    lines = analysis.lines
    text = lines[line - 1][: column - 1] if 0 < line <= len(lines) else ""
    typed = _WORD.search(text)
    prefix = typed.group(0) if typed else ""
    before = text[: len(text) - len(prefix)]
    items = _candidates(analysis, before, "\n".join([*lines[: line - 1], text]))
    seen: set[str] = set()
    out = []
    for label, kind, detail in items:
        if label.startswith(prefix) and label not in seen:
            seen.add(label)
            out.append(T.CompletionItem(label=label, kind=kind, detail=detail))
    return out


def _candidates(analysis: Analysis, before: str, upto: str) -> list[Item]:
    p = analysis.policy or analysis.last_policy
    words = before.split()
    last = words[-1] if words else ""
    tax = p.taxonomy if p is not None else None
    if last == "concept":
        return [(k, T.CompletionItemKind.Class, c.zh) for k, c in tax.concepts.items()] if tax else []
    if last in ("beneficiary", "payer"):
        table = (tax.beneficiaries if last == "beneficiary" else tax.payers) if tax else {}
        return [(k, T.CompletionItemKind.EnumMember, zh) for k, (zh, _) in table.items()]
    if p is None:
        return _keywords()
    if words[-2:] == ["by", "reading"]:
        return [(r.id, T.CompletionItemKind.Enum, r.label) for r in p.readings.values()]
    if last == "default":  # in a reading's block: its own options
        found = list(_READING.finditer(upto))
        reading = p.readings.get(found[-1].group(1)) if found else None
        if reading is not None:
            return [(o.id, T.CompletionItemKind.EnumMember, o.label) for o in reading.options]
    open_block = _open_by_reading(upto)
    if open_block is not None and not before.strip() and open_block in p.readings:
        return [(o.id + ":", T.CompletionItemKind.EnumMember, o.label) for o in p.readings[open_block].options]
    record = p.record
    names: list[Item] = [(n, T.CompletionItemKind.Field, record.label(n)[0] or f.meaning) for n, f in record.fields.items()]
    names += [(c, T.CompletionItemKind.EnumMember, record.label(f"categories.{c}")[0]) for c in record.categories]
    names += [(k, T.CompletionItemKind.Function, v.label) for k, v in p.clauses.items()]
    names += [(k, T.CompletionItemKind.Constant, v.label) for k, v in p.params.items()]
    names += [(k, T.CompletionItemKind.Variable, v.label) for k, v in p.conditions.items()]
    names += [(k, T.CompletionItemKind.Variable, v.label) for k, v in p.lists.items()]
    return names + _keywords()


def _open_by_reading(upto: str) -> str | None:
    """The reading of the innermost `by reading ID {` still open at the end of `upto` (strings and
    comments are not counted: a brace in a quote is text)."""
    bare = re.sub(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*', '""', upto)
    stack: list[str | None] = []
    pos = 0
    for m in re.finditer(r"[{}]", bare):
        if m.group(0) == "{":
            head = _BY_READING.search(bare, pos, m.end())
            stack.append(head.group(1) if head is not None and head.end() == m.end() else None)
        elif stack:
            stack.pop()
        pos = m.end()
    return stack[-1] if stack else None


def _keywords() -> list[Item]:
    from dsl.lark_parser import keywords

    return [(k, T.CompletionItemKind.Keyword, None) for k in sorted(keywords())]
