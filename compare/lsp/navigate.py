"""Hover and go-to-definition: what the thing under the cursor is, and where it is declared."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from lsprotocol import types as T
from pygls.uris import from_fs_path

from compare.lsp.analysis import Analysis, span_range
from compare.lsp.diagnostics import to_range
from compare.lsp.symbols import Found, ReadingRef, Symbol, definition_name, item_symbol, node_at, resolve
from dsl import ast as A
from dsl.units import SCALES, UNITS, format_decimal

CONTEXT = 60  # characters of the source text shown either side of a quote
_MARKDOWN = re.compile(r"([\\`*_\[\]#|<>~])")


def md(text: str) -> str:
    """A user's text as Markdown shows it literally (a quote's `*` or `[` is not markup)."""
    return _MARKDOWN.sub(r"\\\1", text)


def hover(analysis: Analysis, line: int, column: int) -> str | None:
    """The hover's Markdown at a 1-based (line, character column); None where there is nothing to say."""
    node = node_at(analysis, line, column)
    if node is None:
        return None
    if isinstance(node, A.Cite | A.Unencoded):
        return quote_in_context(analysis, node.article, node.quote)
    if isinstance(node, A.Quantity):
        return figure(node)
    name = definition_name(node)
    if name is not None:
        symbol = resolve(analysis, name)
        return describe(symbol) if symbol is not None else f"`{name}`: not declared"
    return describe(item_symbol(node))  # type: ignore[arg-type]  # the remaining nodes are declarations


def describe(s: Symbol) -> str:
    head = f"**{s.kind}** `{s.id}`" + (f" — {md(s.label)}" if s.label else "")
    where = f"\n\ndeclared at {md(Path(s.span.file).name)}:{s.span.line}" if s.span.line else ""
    return head + (f"\n\n{md(s.detail)}" if s.detail else "") + where


def figure(q: A.Quantity) -> str:
    """A figure's value and unit: as written, then in the unit's base (元, a fraction, 个月 …)."""
    unit = UNITS[q.unit]
    written = md(str(q))
    if q.per is not None:
        return f"**{written}**: {format_decimal(q.number * SCALES[q.scale])} {unit.english} per {UNITS[q.per].english}"
    value = q.number * SCALES[q.scale] * unit.factor
    if q.unit == "":
        return f"**{written}**: the number {format_decimal(value)}"
    shown = f"{value:,.0f}" if value == value.to_integral_value() and abs(value) >= Decimal(10_000) \
        else format_decimal(value)
    if unit.dim.value == "ratio":
        return f"**{written}** = {shown} (a fraction)"
    base = next((u for u in UNITS.values() if u.dim == unit.dim and u.factor == 1), unit)
    return f"**{written}** = {shown}{md(base.symbol)} ({base.english})"


def quote_in_context(analysis: Analysis, article: str, quote: str) -> str:
    """A cite's quote in the sentence around it in the policy's source text, the quote in bold."""
    head = f"**{md(article)}**"
    p = analysis.policy
    sources = [] if p is None else [p.files[-1].source_text, *(t for _, t in p.files[-1].base_sources)]
    for text in sources:
        at = text.find(quote) if text and quote else -1
        if text and at >= 0:
            start = max(text.rfind("\n", 0, at) + 1, at - CONTEXT)
            end_line = text.find("\n", at + len(quote))
            end = min(len(text) if end_line < 0 else end_line, at + len(quote) + CONTEXT)
            before = ("…" if start > 0 and text[start - 1] != "\n" else "") + text[start:at]
            after = text[at + len(quote):end] + ("…" if end < len(text) and text[end] != "\n" else "")
            return f"{head} {md(before)}**{md(quote)}**{md(after)}"
    return f"{head} «{md(quote)}»: not found in the source text"  # the diagnostics say so too


def definition(analysis: Analysis, line: int, column: int) -> T.Location | None:
    """Where the name under the cursor is declared (this file, a base, the taxonomy); None if built in."""
    node: Found | None = node_at(analysis, line, column)
    name = definition_name(node) if node is not None else None
    symbol = resolve(analysis, name) if name is not None else None
    if symbol is None or not symbol.span.line:
        return None
    return location(analysis, symbol.span)


def location(analysis: Analysis, span: A.Span) -> T.Location:
    text = analysis.texts.get(span.file)
    if text is None:
        try:
            text = Path(span.file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            text = ""
    uri = from_fs_path(str(Path(span.file).resolve())) or span.file
    return T.Location(uri=uri, range=to_range(span_range(span, text.split("\n"))))


__all__ = ["ReadingRef", "definition", "hover", "md"]
