"""Lark tree -> AST for the newer parts of the language (dsl.transform's ToAst inherits them): a
city's own record (field, category, choice, list and condition declarations), `pick` tables, dates
and payers.  Each callback builds its node from the children, with spans as dsl.transform does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lark import Token, v_args

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.transform_rules import tok_span, unquote


class RecordRules:
    """Callbacks mixed into dsl.transform.ToAst, which provides the span and statement helpers."""

    path: str
    diags: list[Diagnostic]

    def _span_c(self, c: list[Any], kw: str | None = None, close: str | None = None) -> A.Span:
        raise NotImplementedError  # dsl.transform.ToAst

    def _collect(self, stmts: list[tuple[str, Any, A.Span]], single: set[str], what: str) -> dict[str, Any]:
        raise NotImplementedError  # dsl.transform.ToAst

    def _ratio_shares(self, c: list[Any]) -> tuple[tuple[A.Share, ...], bool]:
        raise NotImplementedError  # dsl.transform.ToAst

    @staticmethod
    def _label(tok: Any) -> str | None:
        return unquote(tok) if tok is not None else None

    @v_args(meta=True)
    def date(self, meta: Any, c: list[Token]) -> A.DateLit:
        return A.DateLit(str(c[0]), span=self._span_c(c))

    @v_args(meta=True)
    def pick_row(self, meta: Any, c: list[Any]) -> A.PickRow:
        return A.PickRow(c[0], c[1], span=self._span_c(c, kw="when"))

    @v_args(meta=True)
    def pick_otherwise(self, meta: Any, c: list[Any]) -> A.PickRow:
        return A.PickRow(None, c[0], span=self._span_c(c, kw="otherwise"))

    @v_args(meta=True)
    def pick(self, meta: Any, c: list[Any]) -> A.Pick:
        rule = "_".join(str(t) for t in c[0].children)
        return A.Pick(rule, tuple(c[1:]), span=self._span_c(c, kw="pick", close="}"))

    def decl_body(self, c: list[Any]) -> list[Any]:
        return c

    @v_args(meta=True)
    def en_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("en", unquote(c[0]), self._span_c(c, kw="en"))

    @v_args(meta=True)
    def type_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        name, unit, values = c
        return ("type", (str(name.children[0]), str(unit) if unit is not None else None, tuple(values or ())),
                self._span_c(c, kw="type"))

    @v_args(meta=True)
    def field_default_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        return ("default", c[0], self._span_c(c, kw="default"))

    def value_list(self, c: list[Any]) -> list[A.DeclaredValue]:
        return [x for x in c if x is not None]

    @v_args(meta=True)
    def declared_value(self, meta: Any, c: list[Any]) -> A.DeclaredValue:
        return A.DeclaredValue(str(c[0]), self._label(c[1]), span=self._span_c(c))

    @v_args(meta=True)
    def payer_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="payer")
        shares, ratio_form = c[0]
        return ("payer", A.Payer(shares, ratio_form, span=sp), sp)

    def payer_name(self, c: list[Any]) -> Token:
        return c[0]

    @v_args(meta=True)
    def payer_share(self, meta: Any, c: list[Any]) -> A.Share:
        return A.Share(str(c[0]), c[1], span=self._span_c(c))

    @v_args(meta=True)
    def payers_names(self, meta: Any, c: list[Any]) -> tuple[tuple[A.Share, ...], bool]:
        if len(c) == 1:  # one payer pays it all
            return (A.Share(str(c[0]), A.Quantity(Decimal(100), "", "%", span=tok_span(self.path, c[0])),
                            span=tok_span(self.path, c[0])),), False
        return tuple(A.Share(str(t), None, span=tok_span(self.path, t)) for t in c), False

    @v_args(meta=True)
    def payers_ratio(self, meta: Any, c: list[Any]) -> tuple[tuple[A.Share, ...], bool]:
        return self._ratio_shares(c)

    @v_args(meta=True)
    def payers_list(self, meta: Any, c: list[Any]) -> tuple[tuple[A.Share, ...], bool]:
        return tuple(c), False

    @v_args(meta=True)
    def payers_one(self, meta: Any, c: list[Any]) -> tuple[tuple[A.Share, ...], bool]:
        return (A.Share(str(c[0]), c[1], span=self._span_c(c)),), False

    @v_args(meta=True)
    def field_decl(self, meta: Any, c: list[Any]) -> A.FieldDecl:
        ident, label, *stmts = c
        g = self._collect(stmts, {"type", "default", "en"}, f"field `{ident}`")
        ftype, unit, values = g.get("type", (None, None, ()))
        type_span = next((sp for k, _, sp in stmts if k == "type"), A.NO_SPAN)
        return A.FieldDecl(str(ident), self._label(label), ftype, unit, values, g.get("default"), g.get("en"),
                           tuple(g["cite"]), tuple(g["note"]), span=self._span_c(c, kw="field", close="}"),
                           type_span=type_span)

    def _decl_body(self, body: list[Any] | None, what: str) -> dict[str, Any]:
        return self._collect(body or [], {"en"}, what)

    @v_args(meta=True)
    def category_decl(self, meta: Any, c: list[Any]) -> A.CategoryDecl:
        ident, label, body = c
        g = self._decl_body(body, f"category `{ident}`")
        return A.CategoryDecl(str(ident), self._label(label), g.get("en"), tuple(g["cite"]), tuple(g["note"]),
                              span=self._span_c(c, kw="category", close="}" if body is not None else None))

    @v_args(meta=True)
    def choice_decl(self, meta: Any, c: list[Any]) -> A.ChoiceDecl:
        fld, value, label, body = c
        g = self._decl_body(body, f"choice `{fld} {value}`")
        return A.ChoiceDecl(str(fld), str(value), self._label(label), g.get("en"), tuple(g["cite"]),
                            tuple(g["note"]), span=self._span_c(c, kw="choice", close="}" if body is not None else None))

    @v_args(meta=True)
    def list_decl(self, meta: Any, c: list[Any]) -> A.ListDecl:
        ident, label, items, body = c
        g = self._decl_body(body, f"list `{ident}`")
        return A.ListDecl(str(ident), self._label(label), items.items, g.get("en"), tuple(g["cite"]),
                          tuple(g["note"]), span=self._span_c(c, kw="list", close="}" if body is not None else None))

    @v_args(meta=True)
    def condition_decl(self, meta: Any, c: list[Any]) -> A.ConditionDecl:
        ident, label, *stmts = c
        for key, _, sp in stmts:
            if key in ("concept", "value", "beneficiary", "payer", "cumulative_cap", "schedule", "installments",
                       "once", "clawback", "budget", "winners"):
                self.diags.append(Diagnostic("E108", f"`{key}` has no place in condition `{ident}`", sp,
                                             "a condition holds `when`, `cite` and `note`; a clause uses it by name"))
        kept = [s for s in stmts if s[0] in ("when", "cite", "note")]  # the others said above, not collected
        g = self._collect(kept, {"when"}, f"condition `{ident}`")
        return A.ConditionDecl(str(ident), self._label(label), g.get("when"), tuple(g["cite"]), tuple(g["note"]),
                               span=self._span_c(c, kw="condition", close="}"))
