"""Helpers of the Lark tree → AST transformer (dsl.transform): token spans, unquoting, and rule
callbacks made from a template (one per unary or binary operator, one per header key)."""

from __future__ import annotations

import re
from typing import Any

from lark import Token, v_args

from dsl import ast as A

UNARY_KW = {"neg": "-", "not": "not", "up_to": "up", "at_most": "at", "at_least": "at", "more_than": "more", "about": "about"}


def tok_span(path: str, tok: Token) -> A.Span:
    return A.Span(path, tok.line or 0, tok.column or 0, tok.end_line or tok.line or 0,
                  tok.end_column or tok.column or 0)


def unquote(tok: Token) -> str:
    body = str(tok)[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


# Rule callbacks made from a template: one per operator or header key.
def unary_rule(op: str) -> Any:
    @v_args(meta=True)
    def rule(self: Any, meta: Any, c: list[Any]) -> A.Unary:
        return A.Unary(op, c[-1], span=self._span_c(c, kw=UNARY_KW[op]))
    return rule


def binary_rule(op: str) -> Any:
    @v_args(meta=True)
    def rule(self: Any, meta: Any, c: list[Any]) -> A.Binary:
        return A.Binary(op, c[0], c[-1], span=self._span_c(c))
    return rule


def meta_rule(key: str) -> Any:
    @v_args(meta=True)
    def rule(self: Any, meta: Any, c: list[Any]) -> A.Meta:
        tok = c[0]
        sp = self._span_c(c, kw=key)
        vs = tok_span(self.path, tok)
        if tok.type == "DATE":
            return A.Meta(key, str(tok), is_date=True, span=sp, value_span=vs)
        if tok.type == "STRING":
            return A.Meta(key, unquote(tok), span=sp, value_span=vs)
        return A.Meta(key, str(tok), label=unquote(c[1]) if len(c) > 1 and c[1] is not None else None, span=sp,
                      value_span=vs)
    return rule
