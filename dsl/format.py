"""The canonical formatter: a generator from the AST back to text (as sqlglot's generator).

Guarantees, checked on every call before anything is returned:
- meaning: parse(format(x)) == parse(x) (the AST ignores spans);
- nothing lost: every comment of the input is in the output;
- idempotence follows from the canonical layout: format(format(x)) == format(x).

The generator lays out code only, recording for each output line where its content begins in the
source; `dsl.format_comments` then puts each comment beside the line of the code it was beside.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from dsl import ast as A
from dsl.diagnostics import Diagnostic, display_width
from dsl.format_comments import INDENT, Comment, Doc, Pos, SourceScan, place_comments, scan_comments
from dsl.units import format_decimal
from dsl.walk import chain, same

MAX_LINE = 100  # a `when` or `value` longer than this is broken over lines


class FormatError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


# Binding strength, loosest to tightest (mirrors the grammar's expression layers).
P_IF, P_OR, P_AND, P_NOT, P_CMP, P_BOUND, P_SUM, P_PRODUCT, P_PREFIX, P_OF, P_RANGE, P_ATOM = range(12)
_BINARY = {
    "or": (P_OR, P_OR, P_AND), "and": (P_AND, P_AND, P_NOT),
    "cap": (P_BOUND, P_BOUND, P_SUM), "floor": (P_BOUND, P_BOUND, P_SUM),
    "+": (P_SUM, P_SUM, P_PRODUCT), "-": (P_SUM, P_SUM, P_PRODUCT),
    "*": (P_PRODUCT, P_PRODUCT, P_PREFIX), "/": (P_PRODUCT, P_PRODUCT, P_PREFIX),
    "of": (P_OF, P_RANGE, P_OF),
}
_PREFIX = {"neg": "-", "up_to": "up to ", "at_most": "at most ", "at_least": "at least ", "more_than": "more than ", "about": "about "}


_ITEM_WORD: dict[type, str] = {A.Clause: "clause", A.Split: "split", A.Param: "param", A.Mechanism: "mechanism",
                               A.Reading: "reading", A.Unencoded: "unencoded", A.Override: "override",
                               A.Remove: "remove"}
_EOF: Pos = (1 << 62, 0)  # after every position


def _start(span: A.Span) -> Pos:
    return (span.line, span.column)


def _end(span: A.Span) -> Pos:
    return (span.end_line, span.end_column)  # exclusive, as Lark's


class Generator:
    """Lays out an AST.  With the source scan, each output line knows where it began in the source;
    `Generator([])` (no source) is how other modules render a bare expression."""

    def __init__(self, source: SourceScan | list[Comment] | None = None):
        self.src = source if isinstance(source, SourceScan) else None
        self.lines: list[tuple[str, Pos | None]] = []

    # -------------------------------------------------------- source positions (None without a source)
    # The AST keeps no span for some statement keywords, so they are found among the source's tokens.
    def _kw(self, word: str, span: A.Span) -> Pos | None:
        """The keyword `word` that opens a node whose span (or first child's span) is `span`."""
        return self.src.last(word, _start(span)) if self.src and span.line else None

    def _nth(self, word: str, start: Pos | None, end: Pos | None, n: int = 0) -> Pos | None:
        """The n-th keyword `word` of the item from `start` to `end` (None: the file's end): for
        statements the AST keeps no span of."""
        return self.src.nth(word, start, end or _EOF, n) if self.src and start else None

    def _close(self, span: A.Span) -> Pos | None:
        """The closing `)` that ends a call's span."""
        return self.src.before(_end(span)) if self.src and span.line else None

    def _block_close(self, first_row: A.Span) -> Pos | None:
        """The `}` matching the `{` before a block's first row."""
        opened = self.src.last("{", _start(first_row)) if self.src and first_row.line else None
        return self.src.partner.get(opened) if self.src and opened else None

    def _last_before(self, end: Pos | None) -> Pos | None:
        """The last token before `end` (the next item), or of the file: an item's closing `}`."""
        if self.src is None or not self.src.tokens:
            return None
        return self.src.before(end) if end else self.src.tokens[-1]

    def _from(self, word: str, span: A.Span) -> Pos | None:
        """The first `word` after a node: the `and` that starts the next line of a broken chain."""
        return self.src.first(word, _end(span)) if self.src and span.line else None

    def _next(self, word: str, at: Pos) -> Pos | None:
        """The token after the first `word` from `at`: an argument after `(` or `,`."""
        if self.src is None or not at[0]:
            return None
        found = self.src.first(word, at)
        return self.src.after(found) if found else None

    # -------------------------------------------------------- output
    def emit(self, depth: int, text: Doc | str, start: Pos | None) -> None:
        """One statement, which begins at `start` in the source; its further lines know their own."""
        doc = Doc(text) if isinstance(text, str) else text
        self.lines.append((INDENT * depth + doc.first, start))
        self.lines.extend(doc.rest)

    # -------------------------------------------------------- expressions
    def expr(self, e: A.Expr, depth: int, need: int = P_IF) -> str:
        return str(self.doc(e, depth, need))

    def doc(self, e: A.Expr, depth: int, need: int = P_IF) -> Doc:
        text, prec = self._expr(e, depth)
        return "(" + text + ")" if prec < need else text

    def _expr(self, e: A.Expr, depth: int) -> tuple[Doc, int]:  # noqa: C901
        if isinstance(e, A.Quantity):
            return Doc(f"{format_decimal(e.number)}{e.scale}{e.unit}{_derived(e)}"), P_ATOM
        if isinstance(e, A.RatioLit):
            return Doc(f"{e}{_derived(e)}"), P_ATOM
        if isinstance(e, A.Infinity):
            return Doc("∞"), P_ATOM
        if isinstance(e, A.BoolLit):
            return Doc("true" if e.value else "false"), P_ATOM
        if isinstance(e, A.Text):
            return Doc(quote(e.value)), P_ATOM
        if isinstance(e, A.Promised):
            return Doc(f"promised {quote(e.wording)}"), P_ATOM
        if isinstance(e, A.Name):
            return Doc(e.dotted), P_ATOM
        if isinstance(e, A.Unary):
            if e.op == "not":
                return "not " + self.doc(e.operand, depth, P_NOT), P_NOT
            return _PREFIX[e.op] + self.doc(e.operand, depth, P_PREFIX), P_PREFIX
        if isinstance(e, A.Binary):
            if e.op in ("and", "or"):  # a chain of any length, as a list: no recursion along it
                prec, lneed, rneed = _BINARY[e.op]
                parts = chain(e, e.op)
                out = self.doc(parts[0], depth, lneed)
                for x in parts[1:]:
                    out = out + f" {e.op} " + self.doc(x, depth, rneed)
                return out, prec
            if e.op in _BINARY:
                prec, lneed, rneed = _BINARY[e.op]
                return self.doc(e.left, depth, lneed) + f" {e.op} " + self.doc(e.right, depth, rneed), prec
            return self.doc(e.left, depth, P_BOUND) + f" {e.op} " + self.doc(e.right, depth, P_BOUND), P_CMP
        if isinstance(e, A.Range):
            return self.doc(e.low, depth, P_ATOM) + "~" + self.doc(e.high, depth, P_ATOM), P_RANGE
        if isinstance(e, A.SetLit):
            return Doc("{" + ", ".join(n.dotted for n in e.items) + "}"), P_ATOM
        if isinstance(e, A.InSet):
            container = Doc(e.container.dotted) if isinstance(e.container, A.Name) else self.doc(e.container, depth)
            word = " not in " if e.negated else " in "
            return self.doc(e.element, depth, P_BOUND) + word + container, P_CMP
        if isinstance(e, A.IfExpr):
            return ("if " + self.doc(e.cond, depth) + " then " + self.doc(e.then, depth) + " else "
                    + self.doc(e.else_, depth)), P_IF
        if isinstance(e, A.Call):
            return _join(Doc(f"{e.func}("), [self.doc(a, depth) for a in e.args], ", ") + ")", P_ATOM
        if isinstance(e, A.ListValue):
            return _join(Doc("["), [self.doc(a, depth) for a in e.items], ", ") + "]", P_ATOM
        if isinstance(e, A.Tiers):
            return self._tiers(e, depth), P_ATOM
        if isinstance(e, A.ByReading):
            return self._by_reading(e, depth), P_ATOM
        raise AssertionError(type(e).__name__)

    def _block(self, head: Doc, rows: list[tuple[Doc, A.Span]], depth: int) -> Doc:
        """A `{ … }` block inside an expression: one row a line."""
        out = head + " {"
        for row, row_span in rows:
            out = out + Doc.line(INDENT * (depth + 1), _start(row_span) if row_span.line else None) + row
        return out + Doc.line(INDENT * depth, self._block_close(rows[0][1])) + "}"

    def _tiers(self, t: A.Tiers, depth: int) -> Doc:
        head = Doc(f"tiers {t.subject.dotted}")
        if t.scale is not None:
            word = "unless" if t.scale.unless else "when"
            head = (head + " scaled " + self.doc(t.scale.factor, depth, P_PREFIX) + f" {word} "
                    + self.doc(t.scale.cond, depth))
        edges = [("[" if r.low_closed else "(") + self.doc(r.low, depth) + ", " + self.doc(r.high, depth)
                 + ("]" if r.high_closed else ")") for r in t.rows]
        width = max(display_width(x.last) for x in edges)
        rows = [(edge + " " * (width - display_width(edge.last)) + " -> " + self.doc(r.value, depth + 1), r.span)
                for edge, r in zip(edges, t.rows, strict=True)]
        return self._block(head, rows, depth)

    def _by_reading(self, b: A.ByReading, depth: int) -> Doc:
        width = max(len(c.option) for c in b.cases)
        rows = [(f"{c.option}:{' ' * (width - len(c.option))} " + self.doc(c.value, depth + 1), c.span)
                for c in b.cases]
        return self._block(Doc(f"by reading {b.reading}"), rows, depth)

    # -------------------------------------------------------- statements
    def _statement(self, keyword: str, e: A.Expr, depth: int) -> Doc:
        """`when`/`value`: a long chain of `and`/`or` gets one operand a line; a long max(…) one item a line."""
        text = keyword + " " + self.doc(e, depth)
        if len(INDENT * depth + text.first) <= MAX_LINE:
            return text
        pad = INDENT * (depth + 1)
        if isinstance(e, A.Binary) and e.op in ("and", "or"):
            need = P_NOT if e.op == "and" else P_AND
            operands = _chain(e, e.op)
            out = keyword + " " + self.doc(operands[0], depth + 1, need)
            for prev, x in pairwise(operands):
                out = out + Doc.line(pad, self._from(e.op, prev.span)) + f"{e.op} " + self.doc(x, depth + 1, need)
            return out
        if isinstance(e, A.Call) and len(e.args) > 1:
            out = Doc(f"{keyword} {e.func}(")
            for i, a in enumerate(e.args):
                # an argument's line begins after the call's `(`, or after the `,` ending the one before
                at = self._next("(", _start(e.span)) if i == 0 else self._next(",", _end(e.args[i - 1].span))
                out = out + ("," if i else "") + Doc.line(pad, at) + self.doc(a, depth + 1)
            return out + Doc.line(INDENT * depth, self._close(e.span)) + ")"
        return text

    def _when_value(self, d: int, when: A.Expr | None, value: A.Expr | None) -> None:
        for keyword, e in (("when", when), ("value", value)):
            if e is not None:
                self.emit(d, self._statement(keyword, e, d), self._kw(keyword, e.span))

    def cites(self, cites: tuple[A.Cite, ...], depth: int) -> None:
        for c in cites:
            self.emit(depth, f"cite {quote(c.article)} {quote(c.quote)}", self._kw("cite", c.span))

    def notes(self, notes: tuple[str, ...], depth: int, start: Pos | None, end: Pos | None) -> None:
        for i, n in enumerate(notes):
            self.emit(depth, f"note {quote(n)}", self._nth("note", start, end, i))

    def beneficiary(self, b: A.Name | None, depth: int, rules: tuple[Any, ...] = ()) -> None:
        """`beneficiary X`, after the rules `beneficiary [SHARE =] X if COND` (first that holds wins)."""
        for r in rules:
            text = f"beneficiary {r.share + ' = ' if r.share else ''}{r.name.dotted}"
            self.emit(depth, text + (" if " + self.doc(r.when, depth) if r.when is not None else ""),
                      self._kw("beneficiary", r.span))
        if b is not None:
            self.emit(depth, f"beneficiary {b.dotted}", self._kw("beneficiary", b.span))

    def open_block(self, depth: int, head: Doc | str, start: Pos | None) -> None:
        self.emit(depth, head + " {", start)

    def close_block(self, depth: int, end: Pos | None) -> None:
        """An item's `}`, the last token before `end` (where the next item begins)."""
        self.emit(depth, "}", self._last_before(end))

    @staticmethod
    def _label(label: str | None) -> str:
        return f" {quote(label)}" if label is not None else ""

    def item(self, item: A.Item, end: Pos | None = None, depth: int = 0, prefix: str = "",  # noqa: C901
             start: Pos | None = None) -> None:
        """One item; `end` is where the next item begins in the source (None: the file's end)."""
        start = start or self._kw(_ITEM_WORD[type(item)], item.span)
        if isinstance(item, A.Override):
            self.item(item.item, end, depth, "override ", start)
            return
        if isinstance(item, A.Remove):
            self.emit(depth, f"remove {item.kind} {item.id}", start)
            return
        if isinstance(item, A.Unencoded):
            self.emit(depth, f"unencoded {quote(item.article)} {quote(item.quote)} because {quote(item.reason)}",
                      start)
            return
        d = depth + 1
        if isinstance(item, A.Clause):
            self.open_block(depth, f"{prefix}clause {item.id}{self._label(item.label)}", start)
            if item.concept is not None:
                self.emit(d, f"concept {item.concept.dotted}", self._kw("concept", item.concept.span))
            self.beneficiary(item.beneficiary, d, item.beneficiary_if)
            self.cites(item.cites, d)
            self._when_value(d, item.when, item.value)
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        elif isinstance(item, A.Split):
            self.open_block(depth, f"{prefix}split {item.id}{self._label(item.label)}", start)
            self.cites(item.cites, d)
            if item.splits is not None:
                self.emit(d, f"splits {item.splits.dotted}", self._kw("splits", item.splits.span))
            self._when_value(d, item.when, None)
            if item.shares:
                if item.ratio_form:
                    parts = ":".join(format_decimal(s.weight.number) for s in item.shares  # type: ignore[union-attr]
                                     )
                    text: Doc | str = f"shares {', '.join(s.name for s in item.shares)} = {parts}"
                else:
                    text = _join(Doc("shares "), [f"{s.name} = " + self.doc(s.weight, d) for s in item.shares], ", ")
                self.emit(d, text, self._kw("shares", item.shares_span))
            self.beneficiary(None, d, item.beneficiaries)
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        elif isinstance(item, A.Param):
            v = item.value
            if isinstance(v, A.Target):
                value = "committed " + self.doc(v.committed, d)
                if v.stretch is not None:
                    value = value + " stretch " + self.doc(v.stretch, d)
            else:
                value = self.doc(v, d)
            head = f"{prefix}param {item.id}{self._label(item.label)} = " + value
            if not (item.cites or item.notes or item.beneficiary):
                self.emit(depth, head, start)
                return
            self.open_block(depth, head, start)
            self.beneficiary(item.beneficiary, d)
            self.cites(item.cites, d)
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        elif isinstance(item, A.Mechanism):
            self.open_block(depth, f"{prefix}mechanism {item.id}{self._label(item.label)}", start)
            self.cites(item.cites, d)
            for a in item.attrs:
                self.emit(d, f"{a.name} = " + self.doc(a.value, d), _start(a.span) if a.span.line else None)
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        elif isinstance(item, A.Reading):
            self.open_block(depth, f"{prefix}reading {item.id}{self._label(item.label)}", start)
            self.cites(item.cites, d)
            for o in item.options:
                self.emit(d, f"option {o.id}{self._label(o.label)}", self._kw("option", o.span))
            if item.default is not None:
                self.emit(d, f"default {item.default}", self._kw("default", item.default_span))
            if item.because is not None:
                self.emit(d, f"because {quote(item.because)}", self._nth("because", start, end))
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        else:
            raise AssertionError(type(item).__name__)

    def header(self, h: A.Header, end: Pos | None) -> None:
        ext = f" extends {h.extends}" if h.extends else ""
        self.open_block(0, f"policy {h.id}{ext}", self._kw("policy", h.span))
        for m in h.meta:
            if m.is_date:
                value = m.value
            elif m.key in ("city", "status"):
                value = m.value + (f" {quote(m.label)}" if m.label is not None else "")
            else:
                value = quote(m.value)
            self.emit(1, f"{m.key} {value}", self._kw(m.key, m.span))
        self.close_block(0, end)

    def policy(self, p: A.PolicyFile) -> list[tuple[str, Pos | None]]:
        """The output lines (items separated by a blank line) and where each began in the source."""
        starts = [self._kw(_ITEM_WORD[type(item)], item.span) for item in p.items]
        self.header(p.header, starts[0] if starts else None)
        for item, end in zip(p.items, [*starts[1:], None][:len(p.items)], strict=True):
            self.lines.append(("", None))
            self.item(item, end)
        return self.lines


def _derived(e: A.Quantity | A.RatioLit) -> str:
    return f" derived {quote(e.derived)}" if e.derived is not None else ""


def _join(head: Doc, parts: list[Doc], sep: str) -> Doc:
    for i, part in enumerate(parts):
        head = head + (sep if i else "") + part
    return head


def _chain(e: A.Expr, op: str) -> list[A.Expr]:
    """The operands of a left-nested chain a op b op c (iterative: any length)."""
    return chain(e, op)


def format_ast(p: A.PolicyFile, source: str = "") -> str:
    """The canonical text of `p`, with the comments of `source` (the text `p` was parsed from)."""
    scan = SourceScan(source)
    return place_comments(Generator(scan).policy(p), scan)


def format_text(text: str, path: str = "<text>") -> str:
    """Canonical text of a policy; raises FormatError (with diagnostics) if it does not parse."""
    from dsl.parse import normalise_newlines, parse_text  # Lark only here: the Generator alone prints expressions

    text = normalise_newlines(text)  # as the parser reads it: a CR-only file's comments end at each line
    ast, diags = parse_text(text, path)
    errors = [d for d in diags if d.is_error]
    if ast is None or errors:
        raise FormatError(errors or diags)
    comments = scan_comments(text)
    out = format_ast(ast, text)
    again, diags2 = parse_text(out, path)
    if again is None or not same(again, ast) or any(d.is_error for d in diags2):  # iterative: any depth
        raise FormatError([Diagnostic("E101", "the formatter would change the meaning of this file; it was left "
                                      "as it is", A.Span(path, 1, 1, 1, 1), "please report this with the file")])
    if sorted(c.text for c in scan_comments(out)) != sorted(c.text for c in comments):
        raise FormatError([Diagnostic("E101", "the formatter would lose a comment; the file was left as it is",
                                      A.Span(path, 1, 1, 1, 1), "please report this with the file")])
    return out


__all__ = ["format_text", "format_ast", "FormatError", "scan_comments", "Comment", "Generator"]
