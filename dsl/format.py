"""The canonical formatter: a generator from the AST back to text (as sqlglot's generator).

Guarantees, checked on every call before anything is returned:
- meaning: parse(format(x)) == parse(x) (the AST ignores spans);
- nothing lost: every comment of the input is in the output;
- idempotence follows from the canonical layout: format(format(x)) == format(x).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from dsl import ast as A
from dsl.diagnostics import Diagnostic, display_width
from dsl.parse import parse_text
from dsl.units import format_decimal

INDENT = "  "
MAX_LINE = 100  # a `when` or `value` longer than this is broken over lines


class FormatError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass
class Comment:
    line: int
    text: str


def scan_comments(text: str) -> list[Comment]:
    """`#` comments outside strings, with their line numbers (strings never span lines)."""
    out: list[Comment] = []
    for n, line in enumerate(text.split("\n"), 1):  # \n only, as the parser counts lines
        in_str = False
        i = 0
        while i < len(line):
            ch = line[i]
            if in_str:
                if ch == "\\":
                    i += 1
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch == "#":
                out.append(Comment(n, line[i:].rstrip()))
                break
            i += 1
    return out


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
_PREFIX = {"neg": "-", "up_to": "up to ", "at_most": "at most ", "at_least": "at least ", "about": "about "}


class Generator:
    def __init__(self, comments: list[Comment]):
        self.comments = comments
        self.lines: list[str] = []

    # -------------------------------------------------------- comments
    def flush_before(self, line: int, depth: int) -> None:
        while self.comments and self.comments[0].line < line:
            self.lines.append(INDENT * depth + self.comments.pop(0).text)

    def trailing(self, upto_line: int, depth: int) -> None:
        """Comments on the lines a statement occupied: the first trails it, the rest follow it."""
        first = True
        while self.comments and self.comments[0].line <= upto_line:
            c = self.comments.pop(0)
            if first and self.lines:
                self.lines[-1] += "  " + c.text
                first = False
            else:
                self.lines.append(INDENT * depth + c.text)

    def emit(self, depth: int, text: str | Callable[[], str], node_span: A.Span | None = None) -> None:
        """One statement.  `text` may be a thunk: comments before the statement are placed
        first, so that a block inside it (tiers) does not swallow them."""
        if node_span is not None and node_span.line:
            self.flush_before(node_span.line, depth)
        if callable(text):
            text = text()
        for i, part in enumerate(text.split("\n")):
            self.lines.append((INDENT * depth if i == 0 else "") + part)
        if node_span is not None and node_span.line:
            self.trailing(node_span.end_line, depth)

    # -------------------------------------------------------- expressions
    def expr(self, e: A.Expr, depth: int, need: int = P_IF) -> str:
        text, prec = self._expr(e, depth)
        return f"({text})" if prec < need else text

    def _expr(self, e: A.Expr, depth: int) -> tuple[str, int]:  # noqa: C901
        if isinstance(e, A.Quantity):
            return f"{format_decimal(e.number)}{e.scale}{e.unit}", P_ATOM
        if isinstance(e, A.RatioLit):
            return str(e), P_ATOM
        if isinstance(e, A.Infinity):
            return "∞", P_ATOM
        if isinstance(e, A.BoolLit):
            return ("true" if e.value else "false"), P_ATOM
        if isinstance(e, A.Text):
            return quote(e.value), P_ATOM
        if isinstance(e, A.Promised):
            return f"promised {quote(e.wording)}", P_ATOM
        if isinstance(e, A.Name):
            return e.dotted, P_ATOM
        if isinstance(e, A.Unary):
            if e.op == "not":
                return f"not {self.expr(e.operand, depth, P_NOT)}", P_NOT
            return f"{_PREFIX[e.op]}{self.expr(e.operand, depth, P_PREFIX)}", P_PREFIX
        if isinstance(e, A.Binary):
            if e.op in _BINARY:
                prec, lneed, rneed = _BINARY[e.op]
                return f"{self.expr(e.left, depth, lneed)} {e.op} {self.expr(e.right, depth, rneed)}", prec
            return f"{self.expr(e.left, depth, P_BOUND)} {e.op} {self.expr(e.right, depth, P_BOUND)}", P_CMP
        if isinstance(e, A.Range):
            return f"{self.expr(e.low, depth, P_ATOM)}~{self.expr(e.high, depth, P_ATOM)}", P_RANGE
        if isinstance(e, A.SetLit):
            return "{" + ", ".join(n.dotted for n in e.items) + "}", P_ATOM
        if isinstance(e, A.InSet):
            container = e.container.dotted if isinstance(e.container, A.Name) else self.expr(e.container, depth)
            return f"{self.expr(e.element, depth, P_BOUND)} {'not in' if e.negated else 'in'} {container}", P_CMP
        if isinstance(e, A.IfExpr):
            return (f"if {self.expr(e.cond, depth)} then {self.expr(e.then, depth)} "
                    f"else {self.expr(e.else_, depth)}"), P_IF
        if isinstance(e, A.Call):
            return f"{e.func}(" + ", ".join(self.expr(a, depth) for a in e.args) + ")", P_ATOM
        if isinstance(e, A.ListValue):
            return "[" + ", ".join(self.expr(a, depth) for a in e.items) + "]", P_ATOM
        if isinstance(e, A.Tiers):
            return self._tiers(e, depth), P_ATOM
        if isinstance(e, A.ByReading):
            return self._by_reading(e, depth), P_ATOM
        raise AssertionError(type(e).__name__)

    def _block(self, head: str, rows: list[tuple[str | Callable[[], str], A.Span]], depth: int, end: A.Span) -> str:
        """A `{ … }` block inside an expression: rows one per line, comments kept in place."""
        saved, self.lines = self.lines, []
        for text, span in rows:
            self.emit(depth + 1, text, span)
        if end.end_line:
            self.flush_before(end.end_line, depth + 1)
        body = self.lines
        self.lines = saved
        return "\n".join([head + " {", *body, INDENT * depth + "}"])

    def _tiers(self, t: A.Tiers, depth: int) -> str:
        head = f"tiers {t.subject.dotted}"
        if t.scale is not None:
            word = "unless" if t.scale.unless else "when"
            head += f" scaled {self.expr(t.scale.factor, depth, P_PREFIX)} {word} {self.expr(t.scale.cond, depth)}"
        edges = [f"{'[' if r.low_closed else '('}{self.expr(r.low, depth)}, {self.expr(r.high, depth)}"
                 f"{']' if r.high_closed else ')'}" for r in t.rows]
        width = max(display_width(x) for x in edges)
        rows: list[tuple[str | Callable[[], str], A.Span]] = [
            (partial(self._arrow, f"{edge}{' ' * (width - display_width(edge))}", r.value, depth + 1), r.span)
            for edge, r in zip(edges, t.rows, strict=True)]
        return self._block(head, rows, depth, t.span)

    def _by_reading(self, b: A.ByReading, depth: int) -> str:
        width = max(len(c.option) for c in b.cases)
        rows: list[tuple[str | Callable[[], str], A.Span]] = [
            (partial(self._keyword, f"{c.option}:{' ' * (width - len(c.option))}", c.value, depth + 1), c.span)
            for c in b.cases]
        return self._block(f"by reading {b.reading}", rows, depth, b.span)

    # -------------------------------------------------------- statements
    # Statement texts are built lazily (see `emit`): these make the thunks.
    def _keyword(self, keyword: str, e: A.Expr, depth: int) -> str:
        return f"{keyword} {self.expr(e, depth)}"

    def _arrow(self, edges: str, e: A.Expr, depth: int) -> str:
        return f"{edges} -> {self.expr(e, depth)}"

    def _statement(self, keyword: str, e: A.Expr, depth: int) -> str:
        """`when`/`value`: a long chain of `and`/`or` gets one operand a line; a long max(…) one item a line."""
        text = self._keyword(keyword, e, depth)
        if len(INDENT * depth + text.split("\n")[0]) <= MAX_LINE:
            return text
        pad = INDENT * (depth + 1)
        if isinstance(e, A.Binary) and e.op in ("and", "or"):
            need = P_NOT if e.op == "and" else P_AND
            parts = [self.expr(x, depth + 1, need) for x in _chain(e, e.op)]
            return f"{keyword} {parts[0]}" + "".join(f"\n{pad}{e.op} {x}" for x in parts[1:])
        if isinstance(e, A.Call) and len(e.args) > 1:
            args = [self.expr(a, depth + 1) for a in e.args]
            return f"{keyword} {e.func}(\n" + ",\n".join(pad + a for a in args) + f"\n{INDENT * depth})"
        return text

    def cites(self, cites: tuple[A.Cite, ...], depth: int) -> None:
        for c in cites:
            self.emit(depth, f"cite {quote(c.article)} {quote(c.quote)}", c.span)

    def notes(self, notes: tuple[str, ...], depth: int) -> None:
        for n in notes:
            self.emit(depth, f"note {quote(n)}")

    def open_block(self, depth: int, head: str, span: A.Span) -> None:
        self.flush_before(span.line, depth)
        self.lines.append(INDENT * depth + head + " {")
        self.trailing(span.line, depth)

    def close_block(self, depth: int, span: A.Span) -> None:
        if span.end_line:
            self.flush_before(span.end_line, depth + 1)
        self.lines.append(INDENT * depth + "}")
        if span.end_line:
            self.trailing(span.end_line, depth)

    @staticmethod
    def _label(label: str | None) -> str:
        return f" {quote(label)}" if label is not None else ""

    def item(self, item: A.Item, depth: int = 0, prefix: str = "") -> None:  # noqa: C901
        if isinstance(item, A.Override):
            self.item(item.item, depth, "override ")
            return
        if isinstance(item, A.Remove):
            self.emit(depth, f"remove {item.kind} {item.id}", item.span)
            return
        if isinstance(item, A.Unencoded):
            self.emit(depth, f"unencoded {quote(item.article)} {quote(item.quote)} because {quote(item.reason)}",
                      item.span)
            return
        d = depth + 1
        if isinstance(item, A.Clause):
            self.open_block(depth, f"{prefix}clause {item.id}{self._label(item.label)}", item.span)
            if item.concept is not None:
                self.emit(d, f"concept {item.concept.dotted}")
            if item.beneficiary is not None:
                self.emit(d, f"beneficiary {item.beneficiary.dotted}")
            self.cites(item.cites, d)
            if item.when is not None:
                self.emit(d, partial(self._statement, "when", item.when, d), _stmt_span(item.when))
            if item.value is not None:
                self.emit(d, partial(self._statement, "value", item.value, d), _stmt_span(item.value))
            self.notes(item.notes, d)
            self.close_block(depth, item.span)
        elif isinstance(item, A.Split):
            self.open_block(depth, f"{prefix}split {item.id}{self._label(item.label)}", item.span)
            self.cites(item.cites, d)
            if item.splits is not None:
                self.emit(d, f"splits {item.splits.dotted}")
            if item.when is not None:
                self.emit(d, partial(self._statement, "when", item.when, d), _stmt_span(item.when))
            if item.shares:
                if item.ratio_form:
                    parts = ":".join(format_decimal(s.weight.number) for s in item.shares  # type: ignore[union-attr]
                                     )
                    self.emit(d, f"shares {', '.join(s.name for s in item.shares)} = {parts}")
                else:
                    self.emit(d, "shares " + ", ".join(f"{s.name} = {self.expr(s.weight, d)}" for s in item.shares))
            self.notes(item.notes, d)
            self.close_block(depth, item.span)
        elif isinstance(item, A.Param):
            v = item.value
            if isinstance(v, A.Target):
                value = f"committed {self.expr(v.committed, d)}"
                if v.stretch is not None:
                    value += f" stretch {self.expr(v.stretch, d)}"
            else:
                value = self.expr(v, d)
            head = f"{prefix}param {item.id}{self._label(item.label)} = {value}"
            if not (item.cites or item.notes or item.beneficiary):
                self.emit(depth, head, item.span)
                return
            self.open_block(depth, head, item.span)
            if item.beneficiary is not None:
                self.emit(d, f"beneficiary {item.beneficiary.dotted}")
            self.cites(item.cites, d)
            self.notes(item.notes, d)
            self.close_block(depth, item.span)
        elif isinstance(item, A.Mechanism):
            self.open_block(depth, f"{prefix}mechanism {item.id}{self._label(item.label)}", item.span)
            self.cites(item.cites, d)
            for a in item.attrs:
                self.emit(d, partial(self._keyword, f"{a.name} =", a.value, d), a.span)
            self.notes(item.notes, d)
            self.close_block(depth, item.span)
        elif isinstance(item, A.Reading):
            self.open_block(depth, f"{prefix}reading {item.id}{self._label(item.label)}", item.span)
            self.cites(item.cites, d)
            for o in item.options:
                self.emit(d, f"option {o.id}{self._label(o.label)}", o.span)
            if item.default is not None:
                self.emit(d, f"default {item.default}")
            if item.because is not None:
                self.emit(d, f"because {quote(item.because)}")
            self.notes(item.notes, d)
            self.close_block(depth, item.span)
        else:
            raise AssertionError(type(item).__name__)

    def header(self, h: A.Header) -> None:
        ext = f" extends {h.extends}" if h.extends else ""
        self.open_block(0, f"policy {h.id}{ext}", h.span)
        for m in h.meta:
            if m.is_date:
                value = m.value
            elif m.key in ("city", "status"):
                value = m.value + (f" {quote(m.label)}" if m.label is not None else "")
            else:
                value = quote(m.value)
            self.emit(1, f"{m.key} {value}", m.span)
        self.close_block(0, h.span)

    def policy(self, p: A.PolicyFile) -> str:
        self.header(p.header)
        for item in p.items:
            self.lines.append("")
            self.item(item)
        if self.comments:
            self.lines.append("")
            self.lines.extend(c.text for c in self.comments)
            self.comments = []
        return "\n".join(line.rstrip() for line in self.lines) + "\n"


def _chain(e: A.Expr, op: str) -> list[A.Expr]:
    """The operands of a left-nested chain a op b op c."""
    if isinstance(e, A.Binary) and e.op == op:
        return [*_chain(e.left, op), e.right]
    return [e]


def _stmt_span(e: A.Expr) -> A.Span:
    return getattr(e, "span", A.NO_SPAN)


def format_ast(p: A.PolicyFile, comments: list[Comment] | None = None) -> str:
    return Generator(list(comments or [])).policy(p)


def format_text(text: str, path: str = "<text>") -> str:
    """Canonical text of a policy; raises FormatError (with diagnostics) if it does not parse."""
    ast, diags = parse_text(text, path)
    errors = [d for d in diags if d.is_error]
    if ast is None or errors:
        raise FormatError(errors or diags)
    comments = scan_comments(text)
    out = format_ast(ast, comments)
    again, diags2 = parse_text(out, path)
    if again != ast or any(d.is_error for d in diags2):
        raise FormatError([Diagnostic("E101", "the formatter would change the meaning of this file; it was left "
                                      "as it is", A.Span(path, 1, 1, 1, 1), "please report this with the file")])
    if len(scan_comments(out)) != len(comments):
        raise FormatError([Diagnostic("E101", "the formatter would lose a comment; the file was left as it is",
                                      A.Span(path, 1, 1, 1, 1), "please report this with the file")])
    return out


__all__ = ["format_text", "format_ast", "FormatError", "scan_comments"]
