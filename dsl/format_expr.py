"""The formatter's expressions: a generator from AST expressions back to text, and the source
positions each laid-out line begins at (for dsl.format_comments to put the comments back).

`dsl.format` lays out the items on top of it; `ExprGenerator([])` (no source) is how other modules
render a bare expression (explain, the site, the structural diff).
"""

from __future__ import annotations

from itertools import pairwise

from dsl import ast as A
from dsl.diagnostics import display_width
from dsl.format_comments import INDENT, Comment, Doc, Pos, SourceScan
from dsl.units import format_decimal
from dsl.walk import chain

MAX_LINE = 100  # a `when` or `value` longer than this is broken over lines


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


_EOF: Pos = (1 << 62, 0)  # after every position


def start_of(span: A.Span) -> Pos:
    return (span.line, span.column)


def end_of(span: A.Span) -> Pos:
    return (span.end_line, span.end_column)  # exclusive, as Lark's


class ExprGenerator:
    """Lays out expressions and the statements made of one.  With the source scan, each output line
    knows where it began in the source; `Generator([])` (no source) renders a bare expression."""

    def __init__(self, source: SourceScan | list[Comment] | None = None):
        self.src = source if isinstance(source, SourceScan) else None
        self.lines: list[tuple[str, Pos | None]] = []

    # -------------------------------------------------------- source positions (None without a source)
    # The AST keeps no span for some statement keywords, so they are found among the source's tokens.
    def _kw(self, word: str, span: A.Span) -> Pos | None:
        """The keyword `word` that opens a node whose span (or first child's span) is `span`."""
        return self.src.last(word, start_of(span)) if self.src and span.line else None

    def _nth(self, word: str, start: Pos | None, end: Pos | None, n: int = 0) -> Pos | None:
        """The n-th keyword `word` of the item from `start` to `end` (None: the file's end): for
        statements the AST keeps no span of."""
        return self.src.nth(word, start, end or _EOF, n) if self.src and start else None

    def _close(self, span: A.Span) -> Pos | None:
        """The closing `)` that ends a call's span."""
        return self.src.before(end_of(span)) if self.src and span.line else None

    def _block_close(self, first_row: A.Span) -> Pos | None:
        """The `}` matching the `{` before a block's first row."""
        opened = self.src.last("{", start_of(first_row)) if self.src and first_row.line else None
        return self.src.partner.get(opened) if self.src and opened else None

    def _last_before(self, end: Pos | None) -> Pos | None:
        """The last token before `end` (the next item), or of the file: an item's closing `}`."""
        if self.src is None or not self.src.tokens:
            return None
        return self.src.before(end) if end else self.src.tokens[-1]

    def _from(self, word: str, span: A.Span) -> Pos | None:
        """The first `word` after a node: the `and` that starts the next line of a broken chain."""
        return self.src.first(word, end_of(span)) if self.src and span.line else None

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
            per = f"/{e.per}" if e.per is not None else ""  # a per-unit amount, 30元/平方米
            return Doc(f"{format_decimal(e.number)}{e.scale}{e.unit}{per}{_derived(e)}"), P_ATOM
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
            return Doc(set_text(e.items)), P_ATOM
        if isinstance(e, A.DateLit):
            return Doc(e.value), P_ATOM
        if isinstance(e, A.InSet):
            container = Doc(e.container.dotted) if isinstance(e.container, A.Name) else self.doc(e.container, depth)
            word = " not in " if e.negated else " in "
            return self.doc(e.element, depth, P_BOUND) + word + container, P_CMP
        if isinstance(e, A.IfExpr):
            return ("if " + self.doc(e.cond, depth) + " then " + self.doc(e.then, depth) + " else "
                    + self.doc(e.else_, depth)), P_IF
        if isinstance(e, A.Call):
            return join_docs(Doc(f"{e.func}("), [self.doc(a, depth) for a in e.args], ", ") + ")", P_ATOM
        if isinstance(e, A.ListValue):
            return join_docs(Doc("["), [self.doc(a, depth) for a in e.items], ", ") + "]", P_ATOM
        if isinstance(e, A.Tiers):
            return self._tiers(e, depth), P_ATOM
        if isinstance(e, A.ByReading):
            return self._by_reading(e, depth), P_ATOM
        if isinstance(e, A.Pick):
            return self._pick(e, depth), P_ATOM
        raise AssertionError(type(e).__name__)

    def _block(self, head: Doc, rows: list[tuple[Doc, A.Span]], depth: int) -> Doc:
        """A `{ … }` block inside an expression: one row a line."""
        out = head + " {"
        for row, row_span in rows:
            out = out + Doc.line(INDENT * (depth + 1), start_of(row_span) if row_span.line else None) + row
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

    def _pick(self, p: A.Pick, depth: int) -> Doc:
        """`pick RULE { when C -> V … otherwise -> V }`: one row a line, the arrows aligned."""
        conds = [Doc("otherwise") if r.cond is None else "when " + self.doc(r.cond, depth + 1) for r in p.rows]
        width = max(display_width(c.last) for c in conds)
        rows = [(c + " " * (width - display_width(c.last)) + " -> " + self.doc(r.value, depth + 1), r.span)
                for c, r in zip(conds, p.rows, strict=True)]
        return self._block(Doc("pick " + p.rule.replace("_", " ")), rows, depth)

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
                at = self._next("(", start_of(e.span)) if i == 0 else self._next(",", end_of(e.args[i - 1].span))
                out = out + ("," if i else "") + Doc.line(pad, at) + self.doc(a, depth + 1)
            return out + Doc.line(INDENT * depth, self._close(e.span)) + ")"
        return text

    def _when_value(self, d: int, when: A.Expr | None, value: A.Expr | None) -> None:
        for keyword, e in (("when", when), ("value", value)):
            if e is not None:
                self.emit(d, self._statement(keyword, e, d), self._kw(keyword, e.span))

    def timing(self, t: A.Timing, depth: int) -> None:
        """A clause's time statements, one a line, in a fixed order (the AST keeps them by kind):
        over the project's years (cumulative cap, schedule, installments, once, clawback), then
        across the year's projects (budget, winners)."""
        def within(q: A.Quantity | None) -> str:
            return f" within {self.expr(q, depth)}" if q is not None else ""

        def share(x: A.Expr) -> Doc:  # 三分之一 is written 1/3, as the texts do
            if isinstance(x, A.Binary) and x.op == "/" and all(
                    isinstance(y, A.Quantity) and not y.unit and y.derived is None for y in (x.left, x.right)):
                return self.doc(x.left, depth) + "/" + self.doc(x.right, depth)
            return self.doc(x, depth)

        def listed(word: str, parts: tuple[A.Expr, ...]) -> Doc:
            return join_docs(Doc(word + " "), [share(x) for x in parts], ", ")

        if t.cumulative_cap is not None:
            c = t.cumulative_cap
            self.emit(depth, "cumulative cap " + self.doc(c.amount, depth) + within(c.within),
                      self._kw("cumulative", c.span))
        if t.schedule is not None:
            self.emit(depth, listed("schedule", t.schedule.factors), self._kw("schedule", t.schedule.span))
        if t.installments is not None:
            self.emit(depth, listed("installments", t.installments.shares), self._kw("installments", t.installments.span))
        if t.once is not None:
            self.emit(depth, "once", self._kw("once", t.once))
        if t.clawback is not None:
            cb = t.clawback
            self.emit(depth, self._statement("clawback when", cb.when, depth) + within(cb.within),
                      self._kw("clawback", cb.span))
        if t.budget is not None:
            self.emit(depth, "budget " + self.doc(t.budget.amount, depth), self._kw("budget", t.budget.span))
        if t.winners is not None:
            w = t.winners
            by = " by " + self.doc(w.by, depth) if w.by is not None else ""
            self.emit(depth, "winners " + self.doc(w.count, depth) + by, self._kw("winners", w.span))

    def cites(self, cites: tuple[A.Cite, ...], depth: int) -> None:
        for c in cites:
            self.emit(depth, f"cite {quote(c.article)} {quote(c.quote)}", self._kw("cite", c.span))

    def notes(self, notes: tuple[str, ...], depth: int, start: Pos | None, end: Pos | None) -> None:
        for i, n in enumerate(notes):
            self.emit(depth, f"note {quote(n)}", self._nth("note", start, end, i))



def _derived(e: A.Quantity | A.RatioLit) -> str:
    return f" derived {quote(e.derived)}" if e.derived is not None else ""


def set_text(items: tuple[A.Name | A.Text, ...]) -> str:
    """`{a, b}` (values) or `{"房地产", "金融"}` (texts)."""
    return "{" + ", ".join(quote(x.value) if isinstance(x, A.Text) else x.dotted for x in items) + "}"


def join_docs(head: Doc, parts: list[Doc], sep: str) -> Doc:
    for i, part in enumerate(parts):
        head = head + (sep if i else "") + part
    return head


def _chain(e: A.Expr, op: str) -> list[A.Expr]:
    """The operands of a left-nested chain a op b op c (iterative: any length)."""
    return chain(e, op)
