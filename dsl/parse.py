"""Source text -> Lark tree -> typed AST.

`parse_text` never raises for bad input: it returns the AST it could build (or None)
and the diagnostics.  Syntax errors are reported in the policy's own words, and the
parser resynchronises at the next top-level item so one run reports every item's
syntax error, not just the first.

Linear in the text however many errors it has: after an error the parser reads on from the next
item over a window of the text (its tokens then moved to their lines: never a recount, a copy or a
re-parse of what came before), so an error costs the text up to the next one, and its message
nothing that grows with the text.  An item nesting an expression deeper than MAX_DEPTH
(dsl.lark_parser) is refused with E111 before the AST is built; the transformer is iterative.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from lark import Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError
from lark.visitors import Transformer_NonRecursive

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.lark_parser import KEYWORD_NAMES, MAX_DEPTH, height, load_keywords, parser, positioned_parser, too_deep
from dsl.paths import FileRefusedError, read_regular
from dsl.syntax_errors import depth_diag, header_end, syntax_diag
from dsl.transform import ToAst, tok_span

# Keywords that start a top-level item: where the parser resynchronises after an error.
ITEM_KEYWORDS = ("clause", "split", "param", "mechanism", "reading", "unencoded", "override", "remove",
                 "field", "category", "choice", "list", "condition")
_FIRST_TOKEN = re.compile(r"\A(?:\s|#[^\n]*)*+(\S+?)(?=[\s{#\"]|\Z)")
_RESYNC = re.compile(r"^[ \t]*(" + "|".join(ITEM_KEYWORDS) + r")\b", re.MULTILINE)


class _ToAst(Transformer_NonRecursive, ToAst):
    """dsl.transform's callbacks, applied without recursion: a tree of any depth."""


# ---------------------------------------------------------------- entry points


def normalise_newlines(text: str) -> str:
    """`\\r\\n` (Windows) and a lone `\\r` (old Mac) become `\\n`: the parser, the comments (which run to
    the end of a line) and every line number count `\\n` only."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _line_col(before: bytes) -> tuple[int, int]:
    """Line and column just after `before`, lines ending with \\n, \\r\\n or \\r."""
    before = before.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    line = before.count(b"\n") + 1
    col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
    return line, col


def decode(data: bytes, path: str) -> tuple[str | None, list[Diagnostic]]:
    """Bytes -> text (line ends as \\n), or a diagnostic naming the line and column of the first bad byte."""
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data[:nul])
        return None, [Diagnostic("E002", "the file has a NUL byte: it looks binary, not a policy text",
                                 A.Span(path, line, col, line, col + 1), "policy files are UTF-8 text, e.g. *.policy")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, col = _line_col(data[: e.start])
        return None, [Diagnostic("E002", f"invalid UTF-8 byte 0x{data[e.start]:02x}", A.Span(path, line, col, line, col + 1),
                                 "save the file as UTF-8 (GBK-encoded files must be converted first)")]
    if text.startswith("\ufeff"):
        text = text[1:]
    return normalise_newlines(text), []


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a tree is built.  A parse allocates hundreds of
    thousands of objects that all live on: each automatic collection walks everything allocated so
    far, which made parsing 1 MB about twice as slow as parsing 512 KB twice.  The few cycles a parse
    makes (a syntax error's traceback) are collected once collection resumes (if it was on)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def parse_text(text: str, path: str = "<text>") -> tuple[A.PolicyFile | None, list[Diagnostic]]:
    """Parse one policy text.  Returns (AST or None, diagnostics); never raises on bad input."""
    with _no_cyclic_gc():
        return _parse_text(text, path)


def _parse_text(text: str, path: str) -> tuple[A.PolicyFile | None, list[Diagnostic]]:
    load_keywords()
    text = normalise_newlines(text)
    if text.startswith("\ufeff"):  # a byte-order mark is not part of the policy
        text = " " + text[1:]
    first = _FIRST_TOKEN.search(text)
    if first is None:
        return None, [Diagnostic("E003", "the file is empty" if not text.strip() else "the file has only comments",
                                 A.Span(path, 1, 1, 1, 1),
                                 "a policy starts with a header: policy ID { city ID \"城市\" … }")]
    reader = _Reader(text, path)
    if first.group(1) != "policy":
        line = text.count("\n", 0, first.start(1)) + 1
        col = first.start(1) - (text.rfind("\n", 0, first.start(1)) + 1) + 1
        word = first.group(1)
        reader.diags.append(Diagnostic("E104", f"the file starts with `{word}`, not with its header", A.Span(
            path, line, col, line, col + len(word)), 'a policy starts with: policy ID { city ID "城市" … }'))
        if word not in ITEM_KEYWORDS:
            return None, reader.diags
        reader.read("items", text.rfind("\n", 0, first.start(1)) + 1)  # only blanks before it on its line
    else:
        reader.read("start", 0)
    diags = reader.diags + reader.names + reader.transformer.diags  # at one spot, `unexpected `max`` comes first
    diags = sorted(dict.fromkeys(diags), key=lambda d: (d.span.line, d.span.column))
    if reader.header is None:
        return None, diags
    return A.PolicyFile(reader.header, tuple(reader.items), path=path), diags


# After a syntax error the parser goes on over a window of the text that starts this size and doubles
# while it parses: the cost of an error is the text up to the next one, never the rest of the file.
WINDOW = 64 * 1024
# A window that goes on where the one before stopped starts with this item, dropped afterwards: the
# parser is then in the state it would be in had it read on (Lark matches a hint's examples by state).
_GO_ON = "remove clause _\n"


class _Reader:
    """One text read item by item: the header, the items, the diagnostics."""

    def __init__(self, text: str, path: str):
        self.text, self.path = text, path
        self.diags: list[Diagnostic] = []
        self.names: list[Diagnostic] = []  # keywords used as names (E101)
        self.transformer = _ToAst(path, text)
        self.header: A.Header | None = None
        self.items: list[A.Item] = []

    def read(self, rule: str, offset: int) -> None:
        """Parse from `offset` (the start of a line) to the end, resuming after each syntax error."""
        text = self.text
        lines = text.count("\n", 0, offset)  # lines before `offset`: kept up to date, never recounted
        size = len(text)  # all of it at first; after an error, a window that doubles while it parses
        going_on = False
        while True:
            end = _window_end(text, offset, size)
            prefix = _GO_ON if going_on else ""
            window = prefix + text[offset:end] if offset or end < len(text) else text
            shift_lines, shift_chars = lines - prefix.count("\n"), offset - len(prefix)
            try:
                tree = _parse(window, rule, self.path, shift_lines, self.diags, self.names)
            except UnexpectedInput as e:
                if end < len(text) and isinstance(e, UnexpectedToken) and e.token.type == "$END":
                    size *= 2  # the window ends inside an item: not an error of the text
                    continue
                self.diags.append(_shifted(syntax_diag(e, self.path, window, rule), shift_lines))
                resume = self._after_error(rule, offset, lines, _error_pos(e, window) + shift_chars, window)
                if resume is None:
                    return
                lines += text.count("\n", offset, resume)
                offset, rule, size, going_on = resume, "items", WINDOW, False
                continue
            if end < len(text) and not _RESYNC.match(text, end):
                size *= 2  # it parsed, but the next line may continue its last item (a param's body): wider
                continue
            try:
                result = self.transformer.transform(_shift(tree, shift_lines, shift_chars))
            except VisitError as e:  # a bug in the transformer: report it, never a traceback
                self.diags.append(Diagnostic("E101", f"internal error while reading the file: {e.orig_exc}",
                                             A.Span(self.path, 1, 1, 1, 1), "please report this with the file"))
                return
            self._keep(rule, result[1:] if going_on else result)
            if end == len(text):
                return
            lines += text.count("\n", offset, end)
            offset, rule, size, going_on = end, "items", size * 2, True

    def _keep(self, rule: str, result: Any) -> None:
        if rule == "start":
            self.header = result[0]
            self.items.extend(result[1])
        else:
            self.items.extend(result)

    def _after_error(self, rule: str, offset: int, lines: int, pos: int, window: str) -> int | None:
        """Keep what parsed before the error at `pos`; where to resume (the next item), or None."""
        text = self.text
        # Keep the items before the one that failed: parse up to the start of the failing item.
        failing = [m.start() for m in _RESYNC.finditer(text, offset, pos + 1) if m.start() <= pos]
        cut = failing[-1] if failing else None
        if cut is not None and cut > offset:
            try:
                tree = _parse(text[offset:cut], rule, self.path, lines, self.diags, self.names)
                self._keep(rule, self.transformer.transform(_shift(tree, lines, offset)))
            except (UnexpectedInput, VisitError):
                pass
        if rule == "start" and self.header is None:  # offset is 0: positions in the window are the text's
            hdr_end = header_end(window)
            if hdr_end is not None and pos >= hdr_end:
                try:
                    self.header = self.transformer.transform(
                        _parse(window[:hdr_end], "start", self.path, 0, self.diags, self.names))[0]
                except (UnexpectedInput, VisitError):
                    pass
        m = _RESYNC.search(text, _line_end(text, pos))
        return None if m is None else m.start()


def _window_end(text: str, offset: int, size: int) -> int:
    """Where a window of about `size` characters from `offset` ends: at the line of the next item's
    keyword if one comes soon, else at a line end (the start of a line, or the end of the text)."""
    at = offset + size
    if at >= len(text):
        return len(text)
    m = _RESYNC.search(text, at, at + size)
    if m is not None:
        return m.start()
    nl = text.find("\n", at)
    return len(text) if nl < 0 else nl + 1


def _shifted(d: Diagnostic, lines: int) -> Diagnostic:
    """A diagnostic of a window, moved to its line in the text (a window begins at the start of a line)."""
    if not lines:
        return d
    return replace(d, span=replace(d.span, line=d.span.line + lines, end_line=d.span.end_line + lines))


def _shift(tree: Tree, lines: int, chars: int) -> Tree:
    """The tokens of a window's tree, moved to their place in the text."""
    if not (lines or chars):
        return tree
    stack = [tree]
    while stack:
        for c in stack.pop().children:
            if isinstance(c, Tree):
                stack.append(c)
            elif isinstance(c, Token):
                if c.line is not None:
                    c.line += lines
                if c.end_line is not None:
                    c.end_line += lines
                if c.start_pos is not None:
                    c.start_pos += chars
                if c.end_pos is not None:
                    c.end_pos += chars
    return tree


def _parse(chunk: str, start: str, path: str, lines: int, diags: list[Diagnostic], names: list[Diagnostic]) -> Tree:
    """The LALR parse of `chunk`, a window of the text `lines` lines down, without the items nested
    deeper than MAX_DEPTH (each one E111); names spelled as keywords are reported (E101)."""
    KEYWORD_NAMES.clear()
    try:
        tree = parser().parse(chunk, start=start)
    finally:  # even when it fails: the names it read before the error are reported too
        for tok in KEYWORD_NAMES:
            names.append(_shifted(Diagnostic("E101", f"`{tok}` is a keyword and cannot be used as a name",
                                             tok_span(path, tok), f"choose another name, e.g. `{tok}_item`"), lines))
        KEYWORD_NAMES.clear()
    first = 1 if start == "start" else 0  # the header comes first and holds no expression
    if height(tree) <= MAX_DEPTH + 2:  # the root, an item, then at most MAX_DEPTH levels: nothing to measure
        return tree
    positioned: Tree | None = None
    kept = tree.children[:first]
    for i, item in enumerate(tree.children[first:], first):
        where = too_deep(item) if isinstance(item, Tree) else None
        if where is None:
            kept.append(item)
            continue
        if positioned is None:  # the same parse, with positions: the node itself has none
            positioned = positioned_parser().parse(chunk, start=start)
        node: Any = positioned.children[i]
        for j in where:
            node = node.children[j]
        meta = node.meta
        diags.append(_shifted(depth_diag(path, chunk, meta.start_pos, meta.line, meta.column), lines))
    tree.children = kept
    return tree


def _error_pos(e: UnexpectedInput, chunk: str) -> int:
    if isinstance(e, UnexpectedToken) and e.token.type != "$END" and e.token.start_pos is not None:
        return int(e.token.start_pos)
    pos = getattr(e, "pos_in_stream", None)
    if isinstance(pos, int) and pos >= 0:
        return pos
    return len(chunk)


def _line_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl


def read_policy_bytes(path: Path) -> tuple[str | None, list[Diagnostic]]:
    """A policy file's text: only a regular file, at most MAX_BYTES (dsl.paths), decoded as UTF-8."""
    try:
        data = read_regular(path)
    except FileRefusedError as e:
        return None, [Diagnostic(e.code, e.message, A.Span(str(path), 1, 1, 1, 1), e.hint)]
    return decode(data, str(path))


def parse_file(path: Path) -> tuple[A.PolicyFile | None, str | None, list[Diagnostic]]:
    """Read and parse a file: (AST or None, text or None, diagnostics)."""
    text, diags = read_policy_bytes(path)
    if text is None:
        return None, None, diags
    tree, more = parse_text(text, str(path))
    return tree, text, diags + more


__all__ = ["decode", "normalise_newlines", "parse_file", "parse_text", "parser", "read_policy_bytes"]
