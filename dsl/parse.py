"""Source text -> Lark tree -> typed AST.

`parse_text` never raises for bad input: it returns the AST it could build (or None)
and the diagnostics.  Syntax errors are reported in the policy's own words, and the
parser resynchronises at the next top-level item so one run reports every item's
syntax error, not just the first.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.units import CURRENCY_CODES, SCALES, format_decimal, split_quantity

GRAMMAR_PATH = Path(__file__).resolve().parent.parent / "grammar" / "policy.lark"
MAX_BYTES = 50 * 1024 * 1024

# Keywords that start a top-level item: where the parser resynchronises after an error.
ITEM_KEYWORDS = ("clause", "split", "param", "mechanism", "reading", "unencoded", "override", "remove")
_FIRST_TOKEN = re.compile(r"\A(?:\s|#[^\n]*)*+(\S+?)(?=[\s{#\"]|\Z)")
_RESYNC = re.compile(r"^[ \t]*(" + "|".join(ITEM_KEYWORDS) + r")\b", re.MULTILINE)


# NAME tokens spelled like a keyword: the contextual lexer lets them through where only a name
# can stand (`clause value {`), so they are collected here and reported: keywords are reserved.
_KEYWORD_NAMES: list[Token] = []
_SKIP = re.compile(r"(?:\s|#[^\n]*)*")
_UNARY_KW = {"neg": "-", "not": "not", "up_to": "up", "at_most": "at", "at_least": "at", "about": "about"}


def _on_name(tok: Token) -> Token:
    if tok.value in _ALL_KEYWORDS:
        _KEYWORD_NAMES.append(tok)
    return tok


@lru_cache(maxsize=1)
def parser() -> Lark:
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    # No propagate_positions: it triples the parse time.  Spans are built from the tokens
    # by the transformer instead (_ToAst._span_c).
    return Lark(grammar, parser="lalr", strict=True, propagate_positions=False,
                start=["start", "items"], maybe_placeholders=True, cache=True,
                lexer_callbacks={"NAME": _on_name})


# ---------------------------------------------------------------- friendly names

# Terminals named by what they hold; keywords and punctuation are shown as written.
TOKEN_NAMES: dict[str, str] = {
    "NAME": "a name", "STRING": 'a quoted text "…"', "QUANTITY": "a figure (500万美元, 30%)",
    "RATIO": "a ratio (3:7)", "DATE": "a date (2020-07-06)", "COMP_OP": "a comparison (>=, ==, …)",
    "RANGE_SEP": "`~`", "$END": "the end of the file",
}
# Shown first: the closing brace is the token most often missing.
_FIRST = ("`}`", "`)`", "`]`")


def _terminal_text(name: str) -> str:
    if name in TOKEN_NAMES:
        return TOKEN_NAMES[name]
    try:
        pattern = parser().get_terminal(name).pattern
    except KeyError:
        return f"`{name.lower()}`"
    return f"`{pattern.value}`" if pattern.type == "str" else f"`{name.lower()}`"


def _describe_expected(expected: set[str]) -> str:
    if {"QUANTITY", "NAME", "LPAR"} <= expected:  # anywhere an expression may start
        closers = [n for n in _FIRST if n in {_terminal_text(t) for t in expected}]
        return ", ".join([*closers, "a value: a figure (500万美元, 30%), a name, `(`, `up to`, `tiers`, `max(`, …"])
    texts = {_terminal_text(t) for t in expected}
    named = sorted(t for t in texts if not t.startswith("`"))
    rest = sorted(t for t in texts if t.startswith("`") and t not in _FIRST)
    names = [n for n in _FIRST if n in texts] + named + rest
    if len(names) > 10:
        return ", ".join(names[:10]) + ", …"
    return ", ".join(names)


def _token_text(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the file"
    text = str(tok)
    if len(text) > 30:
        text = text[:27] + "…"
    return f"`{text}`"


# Common mistakes, recognised by the parser state they leave it in (Lark match_examples).
_EXAMPLES: dict[str, list[str]] = {
    "compare with `==`, not `=`": [
        'policy p { } clause c { when referral = intermediary }',
        'policy p { } clause c { when foreign = true }',
    ],
    "a tier row is `[low, high) -> value`; the `->` is missing": [
        'policy p { } clause c { value tiers x { [1分, 2分) 3分 } }',
    ],
    "`cite` takes the article and then the quote: cite \"第5条\" \"…\"": [
        'policy p { } clause c { cite "第5条" when x }',
        'policy p { } clause c { cite "第5条" }',
        'policy p { } clause c { cite when }',
    ],
    "a block is not closed: a `}` is missing": [
        'policy p { } clause c { value 1分 ',
        'policy p { } clause c { value 1分 clause d { }',
        'policy p { city x ',
    ],
    "tier edges are two figures separated by a comma: [500万美元, 1000万美元)": [
        'policy p { } clause c { value tiers x { [1分 2分) -> 3分 } }',
        'policy p { } clause c { value tiers x { [1分, 2分 -> 3分 } }',
    ],
    "a file starts with its header: policy ID { city … }": [
        'clause c { }',
        'param x = 1',
    ],
}


_HEADER_EXAMPLE = "policy p { } "


def _classify(e: UnexpectedInput, start: str) -> str | None:
    """The label of the example that fails in the same parser state, if any."""
    examples = _EXAMPLES
    if start == "items":  # after a resynchronisation the parser runs the `items` rule
        examples = {label: [x[len(_HEADER_EXAMPLE):] for x in xs if x.startswith(_HEADER_EXAMPLE)]
                    for label, xs in _EXAMPLES.items()}
    try:
        label = e.match_examples(lambda s: parser().parse(s, start=start), examples, use_accepts=True)
    except Exception:  # match_examples re-parses; never let it mask the real error
        return None
    return label if isinstance(label, str) else None


_STATEMENT_WORDS = {"concept", "beneficiary", "cite", "when", "value", "note", "splits", "shares", "option",
                    "default", "because"}


def _syntax_diag(e: UnexpectedInput, path: str, text: str, start: str) -> Diagnostic:  # noqa: C901
    lines = text.split("\n")  # Lark counts lines by \n only (not form feeds)
    if isinstance(e, UnexpectedCharacters):
        line, col = e.line, e.column
        pos = e.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        span = A.Span(path, line, col, line, col + 1)
        if ch == '"':
            return Diagnostic("E103", "unterminated string: a quote must close on the same line", span,
                              'close it with `"`; write a literal quote mark inside as \\"')
        prev = lines[line - 1][: col - 1] if 0 < line <= len(lines) else ""
        if re.search(r"\d[ \t]*(万亿|万|亿|千)?$", prev) and ch and not ch.isascii():
            m = re.match(r"[^\s\d\[\](){},~～:=<>+*/\-]+", text[pos:])
            unit = m.group(0) if m else ch
            return Diagnostic("E106", f"unknown unit `{unit}`", A.Span(path, line, col, line, col + len(unit)),
                              "units are 美元 元 (with 万 亿), % ‰ 分 亩 个月 月 周 年 天 日 and counts 人 名 个 次 项 家")
        if ch and not ch.isascii():
            return Diagnostic("E100", f"unexpected character `{ch}` outside a quoted text", span,
                              'names are ASCII (registered_capital); put Chinese in quotes: "重大外资项目加分"')
        shown = repr(ch) if ch and not ch.isprintable() else f"`{ch}`"
        return Diagnostic("E100", f"unexpected character {shown}", span, None)
    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        body = text.rstrip().split("\n")  # point just after the last character, not at trailing blank lines
        last = len(body)
        col = len(body[-1]) + 1 if body else 1
        span = A.Span(path, max(last, 1), col, max(last, 1), col)
        label = _classify(e, start)
        expected = getattr(e, "expected", None) or getattr(e, "accepts", None) or set()
        where = "inside the header: a `}` is missing" if start == "start" and _header_end(text) is None \
            else "in the middle of an item"
        return Diagnostic("E102", f"the file ends {where}", span,
                          label or (f"expected {_describe_expected(set(expected))}" if expected else None))
    assert isinstance(e, UnexpectedToken)
    tok = e.token
    end_col = (tok.end_column or tok.column + 1) if tok.end_line == tok.line else tok.column + 1
    span = A.Span(path, tok.line or 1, tok.column or 1, tok.line or 1, end_col)
    date = re.match(r"\d{4}-\d{1,2}-\d{1,2}\b", text[tok.start_pos:]) if tok.start_pos is not None else None
    if date:
        return Diagnostic("E109", f"`{date.group(0)}` is not a date", A.Span(path, span.line, span.column, span.line,
                          span.column + len(date.group(0))), "dates are YYYY-MM-DD, e.g. 2020-07-06")
    expected = set(e.accepts or e.expected)
    if str(tok) in _STATEMENT_WORDS and "CLAUSE" in expected:
        return Diagnostic("E105", f"`{tok}` is a statement of an item, outside any item", span,
                          f"put it inside a block: clause ID {{ {tok} … }}")
    label = _classify(e, start)
    msg = f"unexpected {_token_text(tok)}"
    return Diagnostic("E101", msg, span, label or f"expected {_describe_expected(expected)}")


_ALL_KEYWORDS: set[str] = set()


# ---------------------------------------------------------------- tree -> AST


def _tok_span(path: str, tok: Token) -> A.Span:
    return A.Span(path, tok.line or 0, tok.column or 0, tok.end_line or tok.line or 0,
                  tok.end_column or tok.column or 0)


def _unquote(tok: Token) -> str:
    body = str(tok)[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


# Rule callbacks made from a template: one per operator or header key.
def _unary_rule(op: str) -> Any:
    @v_args(meta=True)
    def rule(self: _ToAst, meta: Any, c: list[Any]) -> A.Unary:
        return A.Unary(op, c[-1], span=self._span_c(c, kw=_UNARY_KW[op]))
    return rule


def _binary_rule(op: str) -> Any:
    @v_args(meta=True)
    def rule(self: _ToAst, meta: Any, c: list[Any]) -> A.Binary:
        return A.Binary(op, c[0], c[-1], span=self._span_c(c))
    return rule


def _meta_rule(key: str) -> Any:
    @v_args(meta=True)
    def rule(self: _ToAst, meta: Any, c: list[Any]) -> A.Meta:
        tok = c[0]
        sp = self._span_c(c, kw=key)
        vs = _tok_span(self.path, tok)
        if tok.type == "DATE":
            return A.Meta(key, str(tok), is_date=True, span=sp, value_span=vs)
        if tok.type == "STRING":
            return A.Meta(key, _unquote(tok), span=sp, value_span=vs)
        return A.Meta(key, str(tok), label=_unquote(c[1]) if len(c) > 1 and c[1] is not None else None, span=sp,
                      value_span=vs)
    return rule


class _ToAst(Transformer[Token, Any]):
    """Builds AST nodes bottom-up; collects statement-level problems as diagnostics."""

    def __init__(self, path: str, text: str = ""):
        super().__init__(visit_tokens=False)
        self.path = path
        self.source = text  # not `text`: that name is the transformer's rule for quoted texts
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.diags: list[Diagnostic] = []

    # Spans from the children: the first and last positioned child; a keyword the grammar drops
    # (`clause`, `when`, `up to` …) is found just before the first child, a closing `}` `)` `]` after.
    def _pos(self, line: int, col: int) -> int:
        return self.line_starts[line - 1] + col - 1 if 0 < line <= len(self.line_starts) else 0

    def _linecol(self, pos: int) -> tuple[int, int]:
        import bisect

        i = bisect.bisect_right(self.line_starts, pos) - 1
        return i + 1, pos - self.line_starts[i] + 1

    @staticmethod
    def _edge(x: Any, last: bool) -> tuple[int, int] | None:
        if isinstance(x, Token):
            return (x.end_line, x.end_column) if last else (x.line, x.column)  # type: ignore[return-value]
        if isinstance(x, Tree):
            toks = [t for t in x.children if isinstance(t, Token)]
            return _ToAst._edge(toks[-1] if last else toks[0], last) if toks else None
        if isinstance(x, tuple) and len(x) == 3 and isinstance(x[2], A.Span):
            x = x[2]
        if isinstance(x, (list, tuple)):
            for y in (reversed(x) if last else x):
                e = _ToAst._edge(y, last)
                if e is not None:
                    return e
            return None
        sp = x if isinstance(x, A.Span) else getattr(x, "span", None)
        if isinstance(sp, A.Span) and sp.line:
            return (sp.end_line, sp.end_column) if last else (sp.line, sp.column)
        return None

    def _span_c(self, c: list[Any], kw: str | None = None, close: str | None = None) -> A.Span:
        first = self._edge(c, last=False)
        last = self._edge(c, last=True)
        if first is None or last is None:
            return A.NO_SPAN
        (line, col), (end_line, end_col) = first, last
        if kw is not None:
            start = self._pos(line, col)
            i = self.source.rfind(kw, 0, start)
            if i >= 0:
                line, col = self._linecol(i)
        if close is not None:
            m = _SKIP.match(self.source, self._pos(end_line, end_col))
            j = m.end() if m else -1
            if 0 <= j < len(self.source) and self.source[j] == close:
                end_line, end_col = self._linecol(j + 1)
        return A.Span(self.path, line, col, end_line, end_col)

    # -- expressions
    @v_args(meta=True)
    def quantity(self, meta: Any, c: list[Token]) -> A.Quantity:
        number, scale, unit = split_quantity(str(c[0]))
        return A.Quantity(number, scale, unit, span=self._span_c(c))

    @v_args(meta=True)
    def coded_money(self, meta: Any, c: list[Any]) -> A.Quantity:
        code = str(c[0].children[0])
        number, scale, unit = split_quantity(str(c[1]))
        sp = self._span_c(c)
        if unit or scale:
            plain = format_decimal(number * SCALES[scale])
            self.diags.append(Diagnostic("E106", f"`{code}` is followed by a plain number, not `{c[1]}`", sp,
                                         f"write `{code} {plain}` or `{format_decimal(number)}{scale}"
                                         f"{CURRENCY_CODES[code]}`"))
        return A.Quantity(number, scale, CURRENCY_CODES[code], span=sp)

    @v_args(meta=True)
    def ratio(self, meta: Any, c: list[Token]) -> A.RatioLit:
        return A.RatioLit(tuple(Decimal(p) for p in str(c[0]).split(":")), span=self._span_c(c))

    @v_args(meta=True)
    def infinity(self, meta: Any, c: list[Any]) -> A.Infinity:
        return A.Infinity(span=self._span_c(c))

    @v_args(meta=True)
    def boolean(self, meta: Any, c: list[Any]) -> A.BoolLit:
        return A.BoolLit(str(c[0]) == "true", span=self._span_c(c))

    @v_args(meta=True)
    def text(self, meta: Any, c: list[Token]) -> A.Text:
        return A.Text(_unquote(c[0]), span=self._span_c(c))

    @v_args(meta=True)
    def promised(self, meta: Any, c: list[Token]) -> A.Promised:
        return A.Promised(_unquote(c[0]), span=self._span_c(c, kw="promised"))

    @v_args(meta=True)
    def dotted(self, meta: Any, c: list[Token]) -> A.Name:
        return A.Name(tuple(str(t) for t in c), span=self._span_c(c))

    def name(self, c: list[A.Name]) -> A.Name:
        return c[0]

    neg = _unary_rule("neg")
    not_ = _unary_rule("not")
    up_to = _unary_rule("up_to")
    at_most = _unary_rule("at_most")
    at_least = _unary_rule("at_least")
    about = _unary_rule("about")

    or_ = _binary_rule("or")
    and_ = _binary_rule("and")
    cap = _binary_rule("cap")
    floor = _binary_rule("floor")
    add = _binary_rule("+")
    sub = _binary_rule("-")
    mul = _binary_rule("*")
    div = _binary_rule("/")
    of = _binary_rule("of")

    @v_args(meta=True)
    def compare(self, meta: Any, c: list[Any]) -> A.Binary:
        op = {"≥": ">=", "≤": "<="}.get(str(c[1]), str(c[1]))
        return A.Binary(op, c[0], c[2], span=self._span_c(c))

    @v_args(meta=True)
    def range(self, meta: Any, c: list[Any]) -> A.Range:
        return A.Range(c[0], c[2], span=self._span_c(c))

    @v_args(meta=True)
    def choice_set(self, meta: Any, c: list[Any]) -> A.SetLit:
        toks = [t for t in c if t is not None]
        return A.SetLit(tuple(A.Name((str(t),), span=_tok_span(self.path, t)) for t in toks),
                        span=self._span_c(c, kw="{", close="}"))

    @v_args(meta=True)
    def in_(self, meta: Any, c: list[Any]) -> A.InSet:
        return A.InSet(c[0], c[1], False, span=self._span_c(c))

    @v_args(meta=True)
    def not_in(self, meta: Any, c: list[Any]) -> A.InSet:
        return A.InSet(c[0], c[1], True, span=self._span_c(c))

    @v_args(meta=True)
    def if_expr(self, meta: Any, c: list[Any]) -> A.IfExpr:
        return A.IfExpr(c[0], c[1], c[2], span=self._span_c(c, kw="if"))

    @v_args(meta=True)
    def call(self, meta: Any, c: list[Any]) -> A.Call:
        return A.Call(str(c[0].children[0]), tuple(c[1:]), span=self._span_c(c, close=")"))

    @v_args(meta=True)
    def list_value(self, meta: Any, c: list[Any]) -> A.ListValue:
        return A.ListValue(tuple(x for x in c if x is not None), span=self._span_c(c, kw="[", close="]"))

    @v_args(meta=True)
    def scale_when(self, meta: Any, c: list[Any]) -> A.TierScale:
        return A.TierScale(c[0], c[1], False, span=self._span_c(c, kw="scaled"))

    @v_args(meta=True)
    def scale_unless(self, meta: Any, c: list[Any]) -> A.TierScale:
        return A.TierScale(c[0], c[1], True, span=self._span_c(c, kw="scaled"))

    @v_args(meta=True)
    def tier_row(self, meta: Any, c: list[Any]) -> A.TierRow:
        open_edge, low, high, close_edge, value = c
        return A.TierRow(low, high, str(open_edge.children[0]) == "[", str(close_edge.children[0]) == "]",
                         value, span=self._span_c(c))

    @v_args(meta=True)
    def tiers(self, meta: Any, c: list[Any]) -> A.Tiers:
        subject, scale, *rows = c
        return A.Tiers(subject, scale, tuple(rows), span=self._span_c(c, kw="tiers", close="}"))

    @v_args(meta=True)
    def reading_case(self, meta: Any, c: list[Any]) -> A.ReadingCase:
        return A.ReadingCase(str(c[0]), c[1], span=self._span_c(c))

    @v_args(meta=True)
    def by_reading(self, meta: Any, c: list[Any]) -> A.ByReading:
        return A.ByReading(str(c[0]), tuple(c[1:]), span=self._span_c(c, kw="by", close="}"), reading_span=_tok_span(self.path, c[0]))

    # -- statements: returned as (keyword, value, span) for the enclosing item to sort
    @v_args(meta=True)
    def concept_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("concept", c[0], self._span_c(c, kw="concept"))

    @v_args(meta=True)
    def beneficiary_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("beneficiary", A.Name((str(c[0]),), span=_tok_span(self.path, c[0])), self._span_c(c, kw="beneficiary"))

    @v_args(meta=True)
    def cite_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="cite")
        return ("cite", A.Cite(_unquote(c[0]), _unquote(c[1]), span=sp, quote_span=_tok_span(self.path, c[1])), sp)

    @v_args(meta=True)
    def note_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("note", _unquote(c[0]), self._span_c(c, kw="note"))

    @v_args(meta=True)
    def when_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("when", c[0], self._span_c(c, kw="when"))

    @v_args(meta=True)
    def value_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("value", c[0], self._span_c(c, kw="value"))

    @v_args(meta=True)
    def splits_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("splits", c[0], self._span_c(c, kw="splits"))

    @v_args(meta=True)
    def shares_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("shares", c[0], self._span_c(c, kw="shares"))

    @v_args(meta=True)
    def shares_ratio(self, meta: Any, c: list[Any]) -> tuple[tuple[A.Share, ...], bool]:
        *names, ratio_tok = c
        parts = [Decimal(p) for p in str(ratio_tok).split(":")]
        sp = self._span_c(c)
        if len(parts) != len(names):
            self.diags.append(Diagnostic(
                "E405", f"{len(names)} shares but {len(parts)} proportions in `{ratio_tok}`", sp,
                "give one proportion per share: referrer, host = 3:7"))
        shares = tuple(A.Share(str(n), A.Quantity(p, "", "", span=_tok_span(self.path, ratio_tok)),
                               span=_tok_span(self.path, n)) for n, p in zip(names, parts, strict=False))
        return shares, True

    @v_args(meta=True)
    def shares_list(self, meta: Any, c: list[Any]) -> tuple[tuple[A.Share, ...], bool]:
        return tuple(c), False

    @v_args(meta=True)
    def share(self, meta: Any, c: list[Any]) -> A.Share:
        return A.Share(str(c[0]), c[1], span=self._span_c(c))

    @v_args(meta=True)
    def attr(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c)
        return ("attr", A.Attr(str(c[0]), c[1], span=sp), sp)

    @v_args(meta=True)
    def option(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="option")
        return ("option", A.Option(str(c[0]), _unquote(c[1]) if c[1] is not None else None, span=sp), sp)

    @v_args(meta=True)
    def default(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("default", str(c[0]), _tok_span(self.path, c[0]))

    @v_args(meta=True)
    def because(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("because", _unquote(c[0]), self._span_c(c, kw="because"))

    def param_body(self, c: list[Any]) -> list[Any]:
        return c

    @v_args(meta=True)
    def target(self, meta: Any, c: list[Any]) -> A.Target:
        return A.Target(c[0], c[1], span=self._span_c(c, kw="committed"))

    # -- items
    def _collect(self, stmts: list[tuple[str, Any, A.Span]], single: set[str], what: str) -> dict[str, Any]:
        got: dict[str, Any] = {"cite": [], "note": [], "attr": [], "option": []}
        for key, value, span in stmts:
            if key in single:
                if key in got:
                    self.diags.append(Diagnostic("E108", f"`{key}` given twice in {what}", span,
                                                 f"a {what.split()[0]} has one `{key}`"))
                    continue
                got[key] = value
            else:
                got[key].append(value)
        return got

    @staticmethod
    def _label(tok: Any) -> str | None:
        return _unquote(tok) if tok is not None else None

    @v_args(meta=True)
    def clause(self, meta: Any, c: list[Any]) -> A.Clause:
        ident, label, *stmts = c
        g = self._collect(stmts, {"concept", "beneficiary", "when", "value"}, f"clause `{ident}`")
        return A.Clause(str(ident), self._label(label), g.get("concept"), g.get("beneficiary"),
                        tuple(g["cite"]), g.get("when"), g.get("value"), tuple(g["note"]), span=self._span_c(c, kw="clause", close="}"))

    @v_args(meta=True)
    def split(self, meta: Any, c: list[Any]) -> A.Split:
        ident, label, *stmts = c
        g = self._collect(stmts, {"splits", "when", "shares"}, f"split `{ident}`")
        shares, ratio_form = g.get("shares", ((), False))
        shares_span = A.NO_SPAN
        if shares:  # from the first share to the last: where a wrong total is written
            first, last = shares[0].span, shares[-1].span
            shares_span = A.Span(self.path, first.line, first.column, last.end_line, last.end_column)
        return A.Split(str(ident), self._label(label), g.get("splits"), g.get("when"), shares, ratio_form,
                       tuple(g["cite"]), tuple(g["note"]), span=self._span_c(c, kw="split", close="}"), shares_span=shares_span)

    @v_args(meta=True)
    def param(self, meta: Any, c: list[Any]) -> A.Param:
        ident, label, value, body = c
        g = self._collect(body or [], {"beneficiary"}, f"param `{ident.dotted}`")
        return A.Param(ident.dotted, self._label(label), value, g.get("beneficiary"), tuple(g["cite"]),
                       tuple(g["note"]), span=self._span_c(c, kw="param", close="}" if body is not None else None))

    @v_args(meta=True)
    def mechanism(self, meta: Any, c: list[Any]) -> A.Mechanism:
        ident, label, *stmts = c
        g = self._collect(stmts, set(), f"mechanism `{ident}`")
        return A.Mechanism(str(ident), self._label(label), tuple(g["attr"]), tuple(g["cite"]),
                           tuple(g["note"]), span=self._span_c(c, kw="mechanism", close="}"))

    @v_args(meta=True)
    def reading(self, meta: Any, c: list[Any]) -> A.Reading:
        ident, label, *stmts = c
        g = self._collect(stmts, {"default", "because"}, f"reading `{ident}`")
        default_span = next((sp for k, _, sp in stmts if k == "default"), A.NO_SPAN)
        return A.Reading(str(ident), self._label(label), tuple(g["option"]), g.get("default"), g.get("because"),
                         tuple(g["cite"]), tuple(g["note"]), span=self._span_c(c, kw="reading", close="}"), default_span=default_span)

    @v_args(meta=True)
    def unencoded(self, meta: Any, c: list[Any]) -> A.Unencoded:
        return A.Unencoded(_unquote(c[0]), _unquote(c[1]), _unquote(c[2]), span=self._span_c(c, kw="unencoded"))

    @v_args(meta=True)
    def override(self, meta: Any, c: list[Any]) -> A.Override:
        return A.Override(c[0], span=self._span_c(c, kw="override"))

    @v_args(meta=True)
    def remove(self, meta: Any, c: list[Any]) -> A.Remove:
        return A.Remove(str(c[0].children[0]), c[1].dotted, span=self._span_c(c, kw="remove"))

    # -- header
    meta_city = _meta_rule("city")
    meta_title = _meta_rule("title")
    meta_docno = _meta_rule("docno")
    meta_issuer = _meta_rule("issuer")
    meta_issued = _meta_rule("issued")
    meta_effective = _meta_rule("effective")
    meta_status = _meta_rule("status")
    meta_source = _meta_rule("source")
    meta_note = _meta_rule("note")

    @v_args(meta=True)
    def extends(self, meta: Any, c: list[Any]) -> tuple[str, A.Span]:
        return str(c[0]), _tok_span(self.path, c[0])

    @v_args(meta=True)
    def header(self, meta: Any, c: list[Any]) -> A.Header:
        ident, ext, *metas = c
        seen: dict[str, A.Meta] = {}
        for m in metas:
            if m.key in seen and m.key != "note":
                self.diags.append(Diagnostic("E108", f"`{m.key}` given twice in the header", m.span,
                                             f"first given at line {seen[m.key].span.line}"))
            seen.setdefault(m.key, m)
        return A.Header(str(ident), ext[0] if ext else None, tuple(metas), span=self._span_c(c, kw="policy", close="}"),
                        extends_span=ext[1] if ext else A.NO_SPAN)

    def start(self, c: list[Any]) -> tuple[A.Header, list[A.Item]]:
        return c[0], c[1:]

    def items(self, c: list[Any]) -> list[A.Item]:
        return list(c)


def _keywords() -> set[str]:
    words = set()
    for t in parser().terminals:
        pat = t.pattern
        if pat.type == "str" and re.fullmatch(r"[A-Za-z_]+", pat.value):
            words.add(pat.value)
    return words


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
    if not _ALL_KEYWORDS:
        _ALL_KEYWORDS.update(_keywords())
    if text.startswith("\ufeff"):  # a byte-order mark is not part of the policy
        text = " " + text[1:]
    first = _FIRST_TOKEN.search(text)
    if first is None:
        return None, [Diagnostic("E003", "the file is empty" if not text.strip() else "the file has only comments",
                                 A.Span(path, 1, 1, 1, 1),
                                 "a policy starts with a header: policy ID { city ID \"城市\" … }")]
    diags: list[Diagnostic] = []
    transformer = _ToAst(path, text)
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
    _KEYWORD_NAMES.clear()
    while True:
        chunk = _blank_prefix(text, offset)  # blanked, not cut: line and column numbers stay right
        try:
            result = transformer.transform(parser().parse(chunk, start=start_rule))
        except UnexpectedInput as e:
            diags.append(_syntax_diag(e, path, chunk, start_rule))
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
                hdr_end = _header_end(chunk)
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
    for tok in _KEYWORD_NAMES:
        diags.append(Diagnostic("E101", f"`{tok}` is a keyword and cannot be used as a name", _tok_span(path, tok),
                                f"choose another name, e.g. `{tok}_item`"))
    _KEYWORD_NAMES.clear()
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


def _header_end(text: str) -> int | None:
    """End offset of a well-formed header block, or None."""
    m = re.match(r"\s*(#[^\n]*\s*)*policy\b", text)
    if not m:
        return None
    depth = 0
    in_str = False
    i = m.end()
    while i < len(text):
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"' or ch == "\n":
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "#":
            j = text.find("\n", i)
            i = len(text) if j < 0 else j
            continue
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _parse_header_only(text: str, transformer: _ToAst) -> A.Header | None:
    try:
        tree = parser().parse(text, start="start")
        header, _ = transformer.transform(tree)
        return header
    except (UnexpectedInput, VisitError):
        return None


def read_policy_bytes(path: Path) -> tuple[str | None, list[Diagnostic]]:
    p = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [Diagnostic("E001", f"file is {size // (1024 * 1024)} MiB; policy files are at most "
                                             f"{MAX_BYTES // (1024 * 1024)} MiB", A.Span(p, 1, 1, 1, 1),
                                     "is this really a policy file?")]
        data = path.read_bytes()
    except OSError as e:
        return None, [Diagnostic("E001", f"cannot read the file: {e.strerror or e}", A.Span(p, 1, 1, 1, 1), None)]
    return decode(data, p)


def parse_file(path: Path) -> tuple[A.PolicyFile | None, str | None, list[Diagnostic]]:
    """Read and parse a file: (AST or None, text or None, diagnostics)."""
    text, diags = read_policy_bytes(path)
    if text is None:
        return None, None, diags
    tree, more = parse_text(text, str(path))
    return tree, text, diags + more


__all__ = ["parse_text", "parse_file", "decode", "parser", "Tree"]
