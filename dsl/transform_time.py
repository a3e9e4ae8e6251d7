"""Lark tree -> AST for the time layer of the language (dsl.transform's ToAst inherits them): a
document's dates and the documents it replaces (header), and a clause's statements over a project's
years and across the projects of a year (dsl.ast_time)."""

from __future__ import annotations

from typing import Any

from lark import Token, v_args

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.transform_rules import meta_rule, tok_span
from dsl.units import split_quantity

TIME_KEYS = ("cumulative_cap", "schedule", "installments", "once", "clawback", "budget", "winners")


class TimeRules:
    """Callbacks mixed into dsl.transform.ToAst, which provides the span and statement helpers."""

    path: str
    diags: list[Diagnostic]

    def _span_c(self, c: list[Any], kw: str | None = None, close: str | None = None) -> A.Span:
        raise NotImplementedError  # dsl.transform.ToAst

    def _quantity_tok(self, tok: Token | None) -> A.Quantity | None:
        if tok is None:
            return None
        number, scale, unit = split_quantity(str(tok))
        return A.Quantity(number, scale, unit, span=tok_span(self.path, tok))

    # -- header
    meta_expires = meta_rule("expires")
    meta_valid = meta_rule("valid")
    meta_trial = meta_rule("trial")
    meta_revises = meta_rule("revises")

    @v_args(meta=True)
    def meta_replaces(self, meta: Any, c: list[Token]) -> list[A.Meta]:
        """One entry per document replaced (`replaces a, b`), each with its own span."""
        sp = self._span_c(c, kw="replaces")
        return [A.Meta("replaces", str(tok), span=sp, value_span=tok_span(self.path, tok)) for tok in c]

    # -- clause statements
    @v_args(meta=True)
    def cumulative_cap_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="cumulative")
        return ("cumulative_cap", A.CumulativeCap(c[0], self._quantity_tok(c[1]), span=sp), sp)

    @v_args(meta=True)
    def schedule_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="schedule")
        return ("schedule", A.Schedule(tuple(c), span=sp), sp)

    @v_args(meta=True)
    def installments_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="installments")
        return ("installments", A.Installments(tuple(c), span=sp), sp)

    @v_args(meta=True)
    def once_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = tok_span(self.path, c[0])
        return ("once", sp, sp)

    @v_args(meta=True)
    def clawback_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="clawback")
        return ("clawback", A.Clawback(c[0], self._quantity_tok(c[1]), span=sp), sp)

    @v_args(meta=True)
    def budget_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="budget")
        return ("budget", A.Budget(c[0], span=sp), sp)

    @v_args(meta=True)
    def winners_stmt(self, meta: Any, c: list[Any]) -> tuple[str, Any, A.Span]:
        sp = self._span_c(c, kw="winners")
        return ("winners", A.Winners(c[0], c[1], span=sp), sp)

    @staticmethod
    def timing(g: dict[str, Any]) -> A.Timing | None:
        """The clause's time statements, None where it has none (the common case)."""
        if not any(k in g for k in TIME_KEYS):
            return None
        return A.Timing(g.get("cumulative_cap"), g.get("schedule"), g.get("installments"), g.get("once"),
                        g.get("clawback"), g.get("budget"), g.get("winners"))
