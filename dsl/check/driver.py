"""The checker's driver: every item of a merged policy through every family of checks.

It reads the merged model (dsl.load) and reports every problem it finds as a Diagnostic;
it never stops at the first.  Clause value types land in `policy.types` for the compiler.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dsl import ast as A
from dsl.check.base import STATUSES, UNKNOWN, span_of
from dsl.check.declarations import DeclarationChecks
from dsl.check.expressions import ExpressionChecks
from dsl.check.figures import FigureChecks
from dsl.check.names import NameChecks
from dsl.check.quotes import QuoteChecks
from dsl.check.reachability import ReachabilityChecks
from dsl.check.readings import ReadingChecks
from dsl.check.record import record_of, run_record
from dsl.check.splits import SplitChecks
from dsl.check.text import TextChecks
from dsl.check.tiers import TierChecks
from dsl.check.timing import TimingChecks
from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.load import Loader
from dsl.model import CheckResult, Policy, PolicyFileInfo
from dsl.paths import probe
from dsl.taxonomy import Taxonomy, find_taxonomy_dir, load_taxonomy
from dsl.timeline import document_of, header_diagnostics, timelines
from dsl.units import Dim


class Checker(NameChecks, ExpressionChecks, TierChecks, ReadingChecks, SplitChecks, QuoteChecks, FigureChecks,
              ReachabilityChecks, TextChecks, DeclarationChecks, TimingChecks):
    def check_clause(self, c: A.Clause) -> None:
        key = f"clause:{c.id}"
        self.check_cites(key, c.cites, c.span, f"clause `{c.id}`")
        if c.when is not None:
            self.expect_bool(c.when, f"the condition of clause `{c.id}`")
            self.never_fires(c)
        if c.value is None:
            self.err("E110", f"clause `{c.id}` has no `value`", c.span, "add: value 10分")
        ty = self.root_value(self.clause_type(c.id, c.span), c.value)
        if ty.dim in (Dim.TEXT, Dim.CHOICE, Dim.SET) and c.value is not None:  # under a concept of unit any, too
            self.err("E302", f"the value of clause `{c.id}` is {self._words(ty)}; a clause gives a figure, "
                     "true/false or a promise", span_of(c.value), 'compare it in a condition: when industry == "制造业"')
            ty = UNKNOWN  # one error: not E304 as well
        self.check_beneficiary(c.beneficiary)
        for rule in c.beneficiary_if:
            self.check_beneficiary(rule.name)
            if rule.when is not None:
                self.expect_bool(rule.when, f"the condition of clause `{c.id}`'s beneficiary")
        outcome = self.check_timing(c, ty)  # a budget's share is in the budget's unit (dsl.check.timing)
        if c.concept is not None:
            ben = self.check_concept(c.concept, "outcome", outcome, span_of(c.value) if c.value else c.span)
            if ben is None and c.beneficiary is None and self.tax is not None \
                    and c.concept.dotted in self.tax.concepts and self.tax.concepts[c.concept.dotted].kind == "outcome":
                self.err("E110", f"clause `{c.id}` names no beneficiary", c.span,
                         "add: beneficiary host_district (or give the concept one in the taxonomy)")
        self.check_payer(c)
        self.check_quote_currency(c.cites, [c.when, c.value])
        self.check_figures(f"clause `{c.id}`", c.cites, [c.when, c.value])

    def check_param(self, prm: A.Param) -> None:
        self.check_cites(f"param:{prm.id}", prm.cites, prm.span, f"param `{prm.id}`")
        ty = self.root_value(self.param_type(prm), prm.value.committed if isinstance(prm.value, A.Target) else prm.value)
        self.check_concept(A.Name(tuple(prm.id.split(".")), span=prm.span), "parameter", ty, prm.span)
        self.check_beneficiary(prm.beneficiary)
        v = prm.value
        exprs: list[A.Expr | None] = [v.committed, v.stretch] if isinstance(v, A.Target) else [v]
        self.check_quote_currency(prm.cites, exprs)
        self.check_figures(f"param `{prm.id}`", prm.cites, exprs)

    def check_mechanism(self, m: A.Mechanism) -> None:
        self.check_cites(f"mechanism:{m.id}", m.cites, m.span, f"mechanism `{m.id}`")
        if self.tax is not None and m.id not in self.tax.mechanisms:
            self.err("E204", f"`{m.id}` is not a mechanism of the taxonomy", m.span,
                     did_you_mean(m.id, self.tax.mechanisms) or "declare it under `mechanisms:` in the taxonomy")
        names = [a.name for a in m.attrs]
        for a in m.attrs:
            if names.count(a.name) > 1 and names.index(a.name) != m.attrs.index(a):
                self.err("E201", f"attribute `{a.name}` is given twice", a.span, None)
        self.check_figures(f"mechanism `{m.id}`", m.cites, [a.value for a in m.attrs])

    def check_meta(self) -> None:
        info = self.p.files[-1]
        header = info.ast.header
        meta = self.p.meta
        if "city" not in meta:
            self.err("E110", f"policy `{header.id}` names no city", header.span, 'add: city wuxi "无锡"')
        if "source" not in meta:
            self.err("E110", f"policy `{header.id}` names no source text, so its quotes cannot be checked",
                     header.span, 'add: source "sources/wuxi_2023.txt"')
        st = meta.get("status")
        if st is not None and st.value not in STATUSES:
            self.err("E208", f"unknown status `{st.value}`", st.value_span if st.value_span.line else st.span,
                     did_you_mean(st.value, STATUSES) or "status is draft, in_force or superseded")
        for m in header.meta:
            if m.is_date:
                try:
                    dt.date.fromisoformat(m.value)
                except ValueError:
                    self.err("E109", f"`{m.value}` is not a date", m.value_span if m.value_span.line else m.span,
                             "dates are YYYY-MM-DD")
        self.diags.extend(header_diagnostics(self.p))  # its own dates: expiry, term (dsl.timeline)

    def run(self) -> list[Diagnostic]:
        self.check_meta()
        self.check_partial()
        self.check_texts()
        for cond in self.p.conditions.values():
            self.check_condition_decl(cond)
        for lst in self.p.lists.values():
            self.check_list_decl(lst)
        self.check_record_cites()
        self.check_name_clashes()
        for r in self.p.readings.values():
            self.check_reading(r)
        for c in self.p.clauses.values():
            self.check_clause(c)
        self.check_concept_units()
        self.check_cumulative_places()
        self.check_timed_reads()
        self.check_condition_cycles()
        for s in self.p.splits.values():
            self.check_split(s)
        for prm in self.p.params.values():
            self.check_param(prm)
        for m in self.p.mechanisms.values():
            self.check_mechanism(m)
        for i, u in enumerate(self.p.unencoded):
            self.check_quote(self.p.origin.get(f"unencoded:{i}"), u.quote, u.span)
        for r in self.p.readings.values():
            if r.id not in self._used_readings:
                self.err("W703", f"reading `{r.id}` is declared but no value depends on it", r.span,
                         f"use it: by reading {r.id} {{ … }}, so a simulation can switch it")
        self.check_unused()
        self.p.types.update(self._clause_ty)
        return self.diags


# ---------------------------------------------------------------- entry points


def declarations(policy: Policy, tax: Taxonomy | None) -> list[tuple[str, A.FieldDecl | A.CategoryDecl | A.ChoiceDecl]]:
    """The record declarations a policy reads: its taxonomy files' first, then its own (base first)."""
    out: list[tuple[str, A.FieldDecl | A.CategoryDecl | A.ChoiceDecl]] = []
    out.extend(tax.declarations if tax is not None else [])
    for table in (policy.fields, policy.categories, policy.choices):
        out.extend((policy.id, d) for d in table.values())
    return out


def check_paths(paths: list[Path], search: list[Path] | None = None, loader: Loader | None = None) -> CheckResult:
    """Parse, merge and check each policy file; every diagnostic of every file, deduplicated.

    `search`: folders where base policies and the taxonomy are looked for after the policy's own
    folder (then $POLICYLAB_PATH and the bundled policies: dsl.paths).  `loader`: one that reads some
    files otherwise (the language server's, an editor's unsaved texts in place of the files)."""
    from dsl.load import escaping_links, policy_files

    loader = loader or Loader(search)
    taxonomies: dict[Path, tuple[Taxonomy, list[Diagnostic]]] = {}
    diags: list[Diagnostic] = []
    policies: list[Policy] = []
    for link in escaping_links(paths):
        diags.append(Diagnostic("E006", "a link to a file outside the folder is not read", A.Span(str(link), 1, 1, 1, 1),
                                "copy the policy into the folder instead of linking to it"))
    for path in policy_files(paths):
        if probe(path) == "missing":
            diags.append(Diagnostic("E001", "no such file", A.Span(str(path), 1, 1, 1, 1),
                                    "give a .policy file or a folder of them"))
            continue
        policy, d = loader.load(path)
        diags.extend(d)
        if policy is None:
            continue
        tax_dir = find_taxonomy_dir(path, loader.search)
        tax = None
        if tax_dir is None:
            diags.append(Diagnostic("E209", "no taxonomy found, so concept keys cannot be checked",
                                    policy.files[-1].ast.header.span,
                                    "put a taxonomy/ folder beside the policy, or name one with --policies DIR"))
        else:
            if tax_dir not in taxonomies:
                taxonomies[tax_dir] = load_taxonomy(tax_dir, loader.texts)
                diags.extend(taxonomies[tax_dir][1])
            tax = taxonomies[tax_dir][0]
        policy.taxonomy = tax
        policy.record, d = record_of(declarations(policy, tax))
        diags.extend(d)
        diags.extend(Checker(policy, tax).run())
        policies.append(policy)
    # the documents checked together as each city's timeline: two in force at once, one ended before it starts
    diags.extend(timelines(document_of(p, p.path) for p in policies)[1])
    if len(policies) > 1:  # two cities may share a declared field only with the same type and unit
        diags.extend(run_record([p.record for p in policies])[1])
    unique = list(dict.fromkeys(diags))
    unique.sort(key=lambda d: (d.span.file, d.span.line, d.span.column, d.code))
    return CheckResult(policies, unique, loader.texts)


def check_text(text: str, path: str = "<text>", taxonomy: Taxonomy | None = None,
               source_text: str | None = None) -> tuple[Policy | None, list[Diagnostic]]:
    """Check one policy given as text (no extends): for tests and tools."""
    from dsl.load import merge
    from dsl.parse import parse_text

    ast, diags = parse_text(text, path)
    if ast is None:
        return None, diags
    info = PolicyFileInfo(Path(path), text, ast, None, source_text)
    policy = merge([info], diags)
    policy.taxonomy = taxonomy
    policy.record, d = record_of(declarations(policy, taxonomy))
    diags = diags + d + Checker(policy, taxonomy).run()
    return policy, sorted(dict.fromkeys(diags), key=lambda d: (d.span.line, d.span.column, d.code))
