"""Splits: what they split, shares as concept keys, shares adding up to 100%."""

from __future__ import annotations

from decimal import Decimal

from dsl import ast as A
from dsl.check.base import CheckerBase, span_of
from dsl.diagnostics import did_you_mean
from dsl.units import Dim, format_decimal


class SplitChecks(CheckerBase):
    def check_split(self, s: A.Split) -> None:
        self.check_cites(f"split:{s.id}", s.cites, s.span, f"split `{s.id}`")
        self.check_split_figures(s)
        if s.when is not None:
            self.expect_bool(s.when, f"the condition of split `{s.id}`")
        if s.splits is None:
            self.err("E110", f"split `{s.id}` does not say what it splits", s.span, "add: splits CLAUSE_ID")
        elif s.splits.dotted not in self.p.clauses:
            self.err("E200", f"split `{s.id}` splits `{s.splits.dotted}`, which is not a clause", s.splits.span,
                     did_you_mean(s.splits.dotted, self.p.clauses))
        else:
            base = self.p.clauses[s.splits.dotted]
            if base.concept is None:
                self.err("E302", f"`{s.splits.dotted}` has no concept, so its shares have no keys", s.splits.span,
                         "split a clause that names its concept")
            elif self.tax is not None:
                for share in s.shares:
                    out = A.Name((*base.concept.path, share.name), span=share.span)
                    self.check_concept(out, "outcome", None, share.span)
        names = [sh.name for sh in s.shares]
        plain: set[str] = set()
        for rule in s.beneficiaries:
            self.check_beneficiary(rule.name)
            if rule.share not in names:
                self.err("E200", f"split `{s.id}` has no share `{rule.share}`", rule.span,
                         did_you_mean(rule.share or "", names) or "shares: " + ", ".join(names))
            if rule.when is not None:
                self.expect_bool(rule.when, f"the condition of split `{s.id}`'s beneficiary")
            elif rule.share in plain:
                self.err("E108", f"share `{rule.share}` is given a beneficiary twice", rule.span,
                         "one beneficiary otherwise; others say when: beneficiary SHARE = X if CONDITION")
            else:
                plain.add(rule.share or "")
        if not s.shares:
            self.err("E110", f"split `{s.id}` has no shares", s.span, "add: shares referrer, host = 3:7")
        elif not s.ratio_form:
            total = Decimal(0)
            exact = True
            for share in s.shares:
                if share.weight is None:
                    continue  # only a payer's shares may be left unstated (the grammar gives a split's)
                ty = self.infer(share.weight)
                if ty.dim not in (None, Dim.RATIO):
                    self.err("E302", f"share `{share.name}` is {self._words(ty)}; shares are ratios such as 70%",
                             span_of(share.weight), None)
                if isinstance(share.weight, A.Quantity) and share.weight.dim == Dim.RATIO:
                    total += share.weight.base_value
                else:
                    exact = False
            if exact and total != 1:
                pct = format_decimal((total * 100).normalize())
                self.err("E404", f"the shares add up to {pct}%, not 100%", s.shares_span if s.shares_span.line else s.span,
                         "a text that gives only one side (受荐单位享受70%) is a scale, not a split: "
                         "value 70% of other_clause")
