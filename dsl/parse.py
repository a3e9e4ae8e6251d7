"""Source text -> Lark tree -> typed AST.

`parse_text` never raises for bad input: it returns the AST it could build (or None)
and the diagnostics.  Syntax errors are reported in the policy's own words, and the
parser resynchronises at the next top-level item so one run reports every item's
syntax error, not just the first.
"""

from __future__ import annotations

import re
from pathlib import Path

from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.lark_parser import KEYWORD_NAMES, load_keywords, parser
from dsl.paths import FileRefusedError, read_regular
from dsl.syntax_errors import header_end, syntax_diag
from dsl.transform import ToAst, tok_span

# Keywords that start a top-level item: where the parser resynchronises after an error.
ITEM_KEYWORDS = ("clause", "split", "param", "mechanism", "reading", "unencoded", "override", "remove")
_FIRST_TOKEN = re.compile(r"\A(?:\s|#[^\n]*)*+(\S+?)(?=[\s{#\"]|\Z)")
_RESYNC = re.compile(r"^[ \t]*(" + "|".join(ITEM_KEYWORDS) + r")\b", re.MULTILINE)


# ---------------------------------------------------------------- entry points


def decode(data: bytes, path: str) -> tuple[str | None, list[Diagnostic]]:
    """Bytes -> text, or a diagnostic naming the line and column of the first bad byte."""
    nul = data.find(b"\x00")
    if nul >= 0:
        before = data[:nul]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        return None, [Diagnostic("E002", "the file has a NUL byte: it looks binary, not a policy text",
                                 A.Span(path, line, col, line, col + 1), "policy files are UTF-8 text, e.g. *.policy")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        return None, [Diagnostic("E002", f"invalid UTF-8 byte 0x{data[e.start]:02x}", A.Span(path, line, col, line, col + 1),
                                 "save the file as UTF-8 (GBK-encoded files must be converted first)")]
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, []


def parse_text(text: str, path: str = "<text>") -> tuple[A.PolicyFile | None, list[Diagnostic]]:
    """Parse one policy text.  Returns (AST or None, diagnostics); never raises on bad input."""
    load_keywords()
    if text.startswith("\ufeff"):  # a byte-order mark is not part of the policy
        text = " " + text[1:]
    first = _FIRST_TOKEN.search(text)
    if first is None:
        return None, [Diagnostic("E003", "the file is empty" if not text.strip() else "the file has only comments",
                                 A.Span(path, 1, 1, 1, 1),
                                 "a policy starts with a header: policy ID { city ID \"城市\" … }")]
    diags: list[Diagnostic] = []
    transformer = ToAst(path, text)
    header: A.Header | None = None
    items: list[A.Item] = []
    start_rule = "start"
    offset = 0  # where the text still to parse begins
    if first.group(1) != "policy":
        line = text.count("\n", 0, first.start(1)) + 1
        col = first.start(1) - (text.rfind("\n", 0, first.start(1)) + 1) + 1
        word = first.group(1)
        diags.append(Diagnostic("E104", f"the file starts with `{word}`, not with its header", A.Span(
            path, line, col, line, col + len(word)), 'a policy starts with: policy ID { city ID "城市" … }'))
        if word not in ITEM_KEYWORDS:
            return None, diags
        start_rule, offset = "items", first.start(1)
    KEYWORD_NAMES.clear()
    while True:
        chunk = _blank_prefix(text, offset)  # blanked, not cut: line and column numbers stay right
        try:
            result = transformer.transform(parser().parse(chunk, start=start_rule))
        except UnexpectedInput as e:
            diags.append(syntax_diag(e, path, chunk, start_rule))
            pos = _error_pos(e, chunk)
            # Keep the items before the one that failed: parse up to the start of the failing item.
            failing = [m.start() for m in _RESYNC.finditer(text, offset, pos + 1) if m.start() <= pos]
            cut = failing[-1] if failing else None
            if cut is not None and cut > offset:
                try:
                    kept = transformer.transform(parser().parse(chunk[:cut], start=start_rule))
                    if start_rule == "start":
                        header = kept[0]
                        items.extend(kept[1])
                    else:
                        items.extend(kept)
                except (UnexpectedInput, VisitError):
                    pass
            if start_rule == "start" and header is None:
                hdr_end = header_end(chunk)
                if hdr_end is not None and pos >= hdr_end:
                    header = _parse_header_only(chunk[:hdr_end], transformer)
            m = _RESYNC.search(text, _line_end(text, pos))
            if m is None:
                break
            offset = m.start()
            start_rule = "items"
            continue
        except VisitError as e:  # a bug in the transformer: report it, never a traceback
            diags.append(Diagnostic("E101", f"internal error while reading the file: {e.orig_exc}",
                                    A.Span(path, 1, 1, 1, 1), "please report this with the file"))
            break
        if start_rule == "start":
            header, items_part = result
            items.extend(items_part)
        else:
            items.extend(result)
        break
    for tok in KEYWORD_NAMES:
        diags.append(Diagnostic("E101", f"`{tok}` is a keyword and cannot be used as a name", tok_span(path, tok),
                                f"choose another name, e.g. `{tok}_item`"))
    KEYWORD_NAMES.clear()
    diags.extend(transformer.diags)
    diags = sorted(dict.fromkeys(diags), key=lambda d: (d.span.line, d.span.column))
    if header is None:
        return None, diags
    return A.PolicyFile(header, tuple(items), path=path), diags


def _blank_prefix(text: str, offset: int) -> str:
    if offset == 0:
        return text
    prefix = text[:offset]
    return re.sub(r"[^\n]", " ", prefix) + text[offset:]


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



def _parse_header_only(text: str, transformer: ToAst) -> A.Header | None:
    try:
        tree = parser().parse(text, start="start")
        header, _ = transformer.transform(tree)
        return header
    except (UnexpectedInput, VisitError):
        return None


def read_policy_bytes(path: Path) -> tuple[str | None, list[Diagnostic]]:
    """A policy file's text: only a regular file, at most MAX_BYTES (dsl.paths), decoded as UTF-8."""
    try:
        data = read_regular(path)
    except FileRefusedError as e:
        return None, [Diagnostic("E001", e.message, A.Span(str(path), 1, 1, 1, 1), e.hint)]
    return decode(data, str(path))


def parse_file(path: Path) -> tuple[A.PolicyFile | None, str | None, list[Diagnostic]]:
    """Read and parse a file: (AST or None, text or None, diagnostics)."""
    text, diags = read_policy_bytes(path)
    if text is None:
        return None, None, diags
    tree, more = parse_text(text, str(path))
    return tree, text, diags + more


__all__ = ["decode", "parse_file", "parse_text", "parser", "read_policy_bytes"]
