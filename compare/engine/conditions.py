"""Conditions on the project record in the compiler: choices, texts, sets, lists, dates and named
conditions, for the built-in fields and the fields a policy declares alike (`policy.record`).

A choice is held as a code per project, its index in the batch's record (`batch.record`): a run's
record may order declared values differently from one policy's, so a value's code is looked up
when the batch is run (`Env.code`, once per run), never when compiling.  A text (`industry`) is an
object column; membership in a set of texts or a declared list is one vectorised comparison per
text.  A date is float days since 1970-01-01 (NaN unknown: the condition does not hold there).  A
named condition is compiled once per policy and evaluated once per run (`Env.conditions`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from compare.engine.money import MoneyCompiler
from compare.engine.values import Env, Fn, Val, exact
from dsl import ast as A
from dsl.schema import GRADES
from dsl.units import Dim

EPOCH = dt.date(1970, 1, 1)
_OPS = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less, "==": np.equal,
        "!=": np.not_equal}


def date_days(iso: str) -> float:
    """An ISO date as days since 1970-01-01 (the column form of a date field)."""
    return float((dt.date.fromisoformat(iso) - EPOCH).days)


class RecordCompiler(MoneyCompiler):
    """Mixed into compare.engine.compile.Compiler: conditions on fields of the policy's record."""

    _conditions: dict[str, Fn]

    def field_dim(self, name: str) -> Dim | None:
        f = self.p.record.fields.get(name)
        return f.dim if f is not None else None

    def is_choice(self, e: A.Expr) -> bool:
        """A choice field (`referral`, a declared `type choice`), compared with its values by name."""
        return self.is_field(e) and self.field_dim(e.dotted) == Dim.CHOICE  # type: ignore[union-attr]

    def is_text(self, e: A.Expr) -> bool:
        """A free-text field (`industry`, a declared `type text`)."""
        return self.is_field(e) and e.dotted in self.p.record.text_fields()  # type: ignore[union-attr]

    # ------------------------------------------------------------------ comparisons
    def record_compare(self, e: A.Binary) -> Fn | None:
        """`referral == intermediary`, `zone != key_area`, `grade >= "B"`, `industry == "房地产"`;
        None where neither side is such a field."""
        op = e.op
        for fside, other in ((e.left, e.right), (e.right, e.left)):
            if not isinstance(fside, A.Name):
                continue
            if self.is_choice(fside) and isinstance(other, A.Name):
                return self.choice_in(fside.dotted, (other.dotted,), op == "!=")
            if fside.dotted == "grade" and isinstance(other, A.Text):
                rank = GRADES.index(other.value)
                mirror = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}
                field_op = mirror.get(op, op) if fside is e.right else op  # as if written `grade OP "B"`
                # ranks count from the best grade (A+ = 0), so "B or better" is rank <= rank("B")
                return _grade_cmp(mirror.get(field_op, field_op), rank)
            if self.is_text(fside) and isinstance(other, A.Text):
                return text_in(fside.dotted, (other.value,), op == "!=")
        return None

    def choice_in(self, name: str, values: tuple[str, ...], negated: bool) -> Fn:
        """Whether a choice field's code is one of `values` (codes looked up in the batch's record):
        a lookup table by code; an unknown value (-1) is none of them."""
        key = ("choice", name, values, negated)

        def member(env: Env) -> Val:
            got = env.memo.get(key)  # several clauses ask the same (`referral == other_district`)
            if got is None:
                codes = [k for k in (env.code(name, v) for v in values) if k >= 0]
                col = env.batch.columns[name]
                if len(codes) == 1:  # one value: one comparison of the codes (an unknown -1 is not it)
                    got = col != codes[0] if negated else col == codes[0]
                else:
                    table = np.zeros(len(env.choices(name)) + 1, dtype=bool)  # the last answers for -1
                    table[codes] = True
                    got = table[col] if not negated else ~table[col]
                env.memo[key] = got
            return exact(got)
        return member

    def in_set(self, e: A.InSet) -> Fn:
        """`x in categories`, `gazelle in honours`, `industry in {"制造", "软件"}`, `industry not in
        excluded_industries`, `referral in {municipal_dept, other_district}`."""
        neg, c = e.negated, e.container
        if isinstance(c, A.Name) and (c.dotted == "categories" or self.field_dim(c.dotted) == Dim.SET):
            assert isinstance(e.element, A.Name)
            col = f"{c.dotted}.{e.element.dotted}"
            return lambda env: exact(env.batch.columns[col] != neg)
        items = self.p.lists[c.dotted].items if isinstance(c, A.Name) else c.items
        if isinstance(e.element, A.Name) and self.is_choice(e.element):
            return self.choice_in(e.element.dotted, tuple(x.dotted for x in items if isinstance(x, A.Name)), neg)
        assert isinstance(e.element, A.Name), "the checker allows only a field before a set"
        return text_in(e.element.dotted, tuple(x.value for x in items if isinstance(x, A.Text)), neg)

    # ------------------------------------------------------------------ names
    def record_field(self, e: A.Name, want: Dim | None) -> Fn | None:
        """A field of the record as a value (money is the compiler's own); None for a set or text."""
        name, dim = e.dotted, self.field_dim(e.dotted)
        declared = self.p.record.is_declared(name)
        if dim in (Dim.SCALAR, Dim.DATE) or (declared and dim in (Dim.RATIO, Dim.COUNT, Dim.AREA)):
            def known(env: Env) -> Val:  # NaN where the record gives none: the value is absent there
                col = np.asarray(env.batch.columns[name], dtype=np.float64)
                ok = ~np.isnan(col)
                return exact(np.where(ok, col, 0.0), ok)
            return known
        if dim in (Dim.BOOL, Dim.RATIO, Dim.COUNT, Dim.AREA, Dim.CHOICE) or name == "grade":
            return lambda env: exact(env.batch.columns[name])
        return None

    def named_condition(self, name: str) -> Fn:
        """A named condition: compiled here once, its value worked out once per run."""
        if name not in self._conditions:
            decl = self.p.conditions[name]
            self._conditions[name] = lambda env: exact(True)  # a cycle is the checker's E207; never here
            inner = self.c(decl.when) if decl.when is not None else (lambda env: exact(True))

            def condition(env: Env) -> Val:
                got = env.conditions.get(name)
                if got is None:
                    got = env.conditions[name] = inner(env)
                return got
            self._conditions[name] = condition
        return self._conditions[name]


def text_in(name: str, texts: tuple[str, ...], negated: bool) -> Fn:
    """`industry == "房地产"`, `industry in {"房地产", "金融"}` (or their negations) over the batch: the
    column holds each project's text ("" where the record gives none)."""
    def member(env: Env) -> Val:
        col: Any = env.batch.columns[name]
        if col.dtype != object:
            col = np.asarray(col, dtype=object)
        hit = np.zeros(env.batch.n, dtype=bool)
        for t in texts:
            hit |= np.asarray(col == t, dtype=bool)
        return exact(~hit if negated else hit)
    return member


def _grade_cmp(op: str, rank: int) -> Fn:
    fn = _OPS[op]

    def cmp(env: Env) -> Val:
        g = env.batch.columns["grade"]
        return exact(fn(g, rank) & (g >= 0))
    return cmp
