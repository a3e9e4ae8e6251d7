"""Lark tree -> typed AST (dsl.ast): one callback per grammar rule, spans built from the tokens.

Statement-level problems (a statement given twice, a missing one) are collected as diagnostics.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from lark import Token, Transformer, Tree, v_args

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.transform_record import RecordRules
from dsl.transform_rules import binary_rule, meta_rule, tok_span, unary_rule, unquote
from dsl.transform_time import TIME_KEYS, TimeRules
from dsl.units import CURRENCY_CODES, SCALES, format_decimal, split_quantity

_SKIP = re.compile(r"(?:\s|#[^\n]*)*")


class ToAst(RecordRules, TimeRules, Transformer[Token, Any]):
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
            return ToAst._edge(toks[-1] if last else toks[0], last) if toks else None
        if isinstance(x, tuple) and len(x) == 3 and isinstance(x[2], A.Span):
            x = x[2]
        if isinstance(x, (list, tuple)):
            for y in (reversed(x) if last else x):
                e = ToAst._edge(y, last)
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
        text, _, per = str(c[0]).partition("/")
        number, scale, unit = split_quantity(text)
        return A.Quantity(number, scale, unit, per=per or None, span=self._span_c(c))

    @v_args(meta=True)
    def derived_quantity(self, meta: Any, c: list[Token]) -> A.Quantity:
        text, _, per = str(c[0]).partition("/")
        number, scale, unit = split_quantity(text)
        return A.Quantity(number, scale, unit, unquote(c[1]), per=per or None, span=self._span_c(c))

    @v_args(meta=True)
    def derived_ratio(self, meta: Any, c: list[Token]) -> A.RatioLit:
        return A.RatioLit(tuple(Decimal(p) for p in str(c[0]).split(":")), unquote(c[1]), span=self._span_c(c))

    @v_args(meta=True)
    def coded_money(self, meta: Any, c: list[Any]) -> A.Quantity:
        code = str(c[0].children[0])
        number, scale, unit = split_quantity(str(c[1]))
        sp = self._span_c(c)
        if unit:  # `USD 4000万` is 4000万美元 (a scale is allowed); `USD 4000万美元` names the currency twice
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
        return A.Text(unquote(c[0]), span=self._span_c(c))

    @v_args(meta=True)
    def promised(self, meta: Any, c: list[Token]) -> A.Promised:
        return A.Promised(unquote(c[0]), span=self._span_c(c, kw="promised"))

    @v_args(meta=True)
    def dotted(self, meta: Any, c: list[Token]) -> A.Name:
        return A.Name(tuple(str(t) for t in c), span=self._span_c(c))

    def name(self, c: list[A.Name]) -> A.Name:
        return c[0]

    neg = unary_rule("neg")
    not_ = unary_rule("not")
    up_to = unary_rule("up_to")
    at_most = unary_rule("at_most")
    at_least = unary_rule("at_least")
    more_than = unary_rule("more_than")
    about = unary_rule("about")

    or_ = binary_rule("or")
    and_ = binary_rule("and")
    cap = binary_rule("cap")
    floor = binary_rule("floor")
    add = binary_rule("+")
    sub = binary_rule("-")
    mul = binary_rule("*")
    div = binary_rule("/")
    of = binary_rule("of")

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
        return A.SetLit(tuple(A.Text(unquote(t), span=tok_span(self.path, t)) if t.type == "STRING"
                              else A.Name((str(t),), span=tok_span(self.path, t)) for t in toks),
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
        return A.ByReading(str(c[0]), tuple(c[1:]), span=self._span_c(c, kw="by", close="}"), reading_span=tok_span(self.path, c[0]))

    # -- statements: returned as (keyword, value, span) for the enclosing item to sort
    @v_args(meta=True)
    def concept_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("concept", c[0], self._span_c(c, kw="concept"))

    @v_args(meta=True)
    def beneficiary_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="beneficiary")
        name = A.Name((str(c[0]),), span=tok_span(self.path, c[0]))
        return ("beneficiary", A.BeneficiaryRule(None, name, c[1], span=sp), sp)

    @v_args(meta=True)
    def share_beneficiary_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="beneficiary")
        name = A.Name((str(c[1]),), span=tok_span(self.path, c[1]))
        return ("beneficiary", A.BeneficiaryRule(str(c[0]), name, c[2], span=sp), sp)

    @v_args(meta=True)
    def cite_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="cite")
        return ("cite", A.Cite(unquote(c[0]), unquote(c[1]), span=sp, quote_span=tok_span(self.path, c[1])), sp)

    @v_args(meta=True)
    def note_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("note", unquote(c[0]), self._span_c(c, kw="note"))

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
        return self._ratio_shares(c)

    def _ratio_shares(self, c: list[Any]) -> tuple[tuple[A.Share, ...], bool]:
        *names, ratio_tok = c
        parts = [Decimal(p) for p in str(ratio_tok).split(":")]
        sp = self._span_c(c)
        if len(parts) != len(names):
            self.diags.append(Diagnostic(
                "E405", f"{len(names)} shares but {len(parts)} proportions in `{ratio_tok}`", sp,
                "give one proportion per share: referrer, host = 3:7"))
        shares = tuple(A.Share(str(n), A.Quantity(p, "", "", span=tok_span(self.path, ratio_tok)),
                               span=tok_span(self.path, n)) for n, p in zip(names, parts, strict=False))
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
        return ("option", A.Option(str(c[0]), unquote(c[1]) if c[1] is not None else None, span=sp), sp)

    @v_args(meta=True)
    def default(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("default", str(c[0]), tok_span(self.path, c[0]))

    @v_args(meta=True)
    def because(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("because", unquote(c[0]), self._span_c(c, kw="because"))

    def param_body(self, c: list[Any]) -> list[Any]:
        return c

    @v_args(meta=True)
    def target(self, meta: Any, c: list[Any]) -> A.Target:
        return A.Target(c[0], c[1], span=self._span_c(c, kw="committed"))

    # -- items
    def _collect(self, stmts: list[tuple[str, Any, A.Span]], single: set[str], what: str) -> dict[str, Any]:
        got: dict[str, Any] = {"cite": [], "note": [], "attr": [], "option": [], "beneficiary": []}
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

    @v_args(meta=True)
    def clause(self, meta: Any, c: list[Any]) -> A.Clause:
        ident, label, *stmts = c
        g = self._collect(stmts, {"concept", "when", "value", "payer", *TIME_KEYS}, f"clause `{ident}`")
        plain, conditional = self._beneficiaries(g, f"clause `{ident}`")
        return A.Clause(str(ident), self._label(label), g.get("concept"), plain, tuple(g["cite"]), g.get("when"),
                        g.get("value"), tuple(g["note"]), conditional, g.get("payer"), self.timing(g),
                        span=self._span_c(c, kw="clause", close="}"))

    def _beneficiaries(self, g: dict[str, Any], what: str) -> tuple[A.Name | None, tuple[A.BeneficiaryRule, ...]]:
        """The one unconditional beneficiary (given at most once) and the conditional ones, in order."""
        plain = [r for r in g["beneficiary"] if r.when is None]
        for extra in plain[1:]:
            self.diags.append(Diagnostic("E108", f"`beneficiary` given twice in {what}", extra.span,
                                         "one beneficiary otherwise; others say when: beneficiary X if CONDITION"))
        return (plain[0].name if plain else None), tuple(r for r in g["beneficiary"] if r.when is not None)

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
                       tuple(g["cite"]), tuple(g["note"]), tuple(g["beneficiary"]), span=self._span_c(c, kw="split", close="}"), shares_span=shares_span)

    @v_args(meta=True)
    def param(self, meta: Any, c: list[Any]) -> A.Param:
        ident, label, value, body = c
        g = self._collect(body or [], set(), f"param `{ident.dotted}`")
        plain, conditional = self._beneficiaries(g, f"param `{ident.dotted}`")
        for rule in conditional:
            self.diags.append(Diagnostic("E302", "a param's beneficiary cannot depend on a project", rule.span,
                                         "a param is city-level: drop the `if`, or make it a clause"))
        return A.Param(ident.dotted, self._label(label), value, plain, tuple(g["cite"]),
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
        return A.Unencoded(unquote(c[0]), unquote(c[1]), unquote(c[2]), span=self._span_c(c, kw="unencoded"))

    @v_args(meta=True)
    def override(self, meta: Any, c: list[Any]) -> A.Override:
        return A.Override(c[0], span=self._span_c(c, kw="override"))

    @v_args(meta=True)
    def remove(self, meta: Any, c: list[Any]) -> A.Remove:
        return A.Remove(str(c[0].children[0]), c[1].dotted, span=self._span_c(c, kw="remove"))

    # -- header
    meta_city = meta_rule("city")
    meta_title = meta_rule("title")
    meta_docno = meta_rule("docno")
    meta_issuer = meta_rule("issuer")
    meta_issued = meta_rule("issued")
    meta_effective = meta_rule("effective")
    meta_status = meta_rule("status")
    meta_source = meta_rule("source")
    meta_partial = meta_rule("partial")
    meta_note = meta_rule("note")

    @v_args(meta=True)
    def extends(self, meta: Any, c: list[Any]) -> tuple[str, A.Span]:
        return str(c[0]), tok_span(self.path, c[0])

    @v_args(meta=True)
    def header(self, meta: Any, c: list[Any]) -> A.Header:
        ident, ext, *entries = c
        metas = [m for e in entries for m in (e if isinstance(e, list) else [e])]  # `replaces a, b`: one each
        seen: dict[str, A.Meta] = {}
        for m in metas:
            if m.key in seen and m.key not in ("note", "replaces"):
                self.diags.append(Diagnostic("E108", f"`{m.key}` given twice in the header", m.span,
                                             f"first given at line {seen[m.key].span.line}"))
            seen.setdefault(m.key, m)
        return A.Header(str(ident), ext[0] if ext else None, tuple(metas), span=self._span_c(c, kw="policy", close="}"),
                        extends_span=ext[1] if ext else A.NO_SPAN)

    def start(self, c: list[Any]) -> tuple[A.Header, list[A.Item]]:
        return c[0], c[1:]

    def items(self, c: list[Any]) -> list[A.Item]:
        return list(c)

