"""Inputs an outcome depended on that the record did not give: they took the schema's default.

A project file holding only registered capital, paid-in ratio and referral used to get an almost
empty comparison, because `licensed`, `started` and `fdi_arrived` defaulted to false and 0, and
nothing said so.  Here, for each outcome concept, are the fields read by the clauses that decide
it (their conditions and values, following the clauses they refer to, and under the readings in
force only the branch taken), by the conditions of the splits that divide it, and by its
beneficiary rules; per project, those the record did not give are flagged:
"assumed `licensed` = false (not given)".  Inputs the record gave can settle a clause: where a
conjunct of its condition is false and reads only given fields (`foreign: false` for a foreign-only
reward), the clause's other fields do not count for that project.

`paid_in_capital` not given is derived (registered capital × paid-in ratio), not defaulted: reading
it flags `registered_capital` and `paid_in_ratio` where those were not given.

A field the record did not give but its other fields imply (compare.engine.implied: `started` implies
`licensed`) is listed with the implied value and the rule: "`licensed` = true (implied by started)";
for settling a clause it counts as given.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np

from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.implied import NONE, TARGETS, implied_by
from compare.engine.values import Arr, Env
from dsl import ast as A
from dsl.record import CORE, Record
from dsl.schema import FIELDS
from dsl.units import Dim
from dsl.walk import children, clause_exprs

DERIVED = {"paid_in_capital": ("registered_capital", "paid_in_ratio")}


class _Reader:
    """The project fields expressions read, under the readings in force (only the branch taken)."""

    def __init__(self, cp: CompiledPolicy, readings: dict[str, str]):
        self.policy = cp.policy
        self.fields = cp.policy.record.fields  # the core and the policy's declared fields
        self.readings = readings

    def read(self, e: object, follow: bool = True) -> tuple[set[str], set[str]]:
        """(fields, clauses referred to); with `follow`, the fields of those clauses too."""
        fields: set[str] = set()
        refs: set[str] = set()
        conditions: set[str] = set()
        stack: list[object] = [e]
        while stack:
            x = stack.pop()
            if x is None:
                continue
            if isinstance(x, A.ByReading):
                stack.extend(c.value for c in x.cases if c.option == self.readings.get(x.reading))
            elif isinstance(x, A.InSet) and isinstance(x.container, A.Name) and x.container.dotted in self.fields:
                fields.add(x.container.dotted)  # `x in categories`, `gazelle in honours`: the set field
            elif isinstance(x, A.Name):
                dotted = x.dotted
                if x.path[0] == "categories":
                    fields.add("categories")
                elif len(x.path) == 1 and dotted in self.fields:
                    fields.add(dotted)
                elif dotted in self.policy.conditions:
                    if dotted not in conditions:  # a named condition: the fields it reads (read once)
                        stack.append(self.policy.conditions[dotted].when)
                    conditions.add(dotted)
                elif dotted in self.policy.clauses:
                    if follow and dotted not in refs:
                        c = self.policy.clauses[dotted]
                        stack.extend(clause_exprs(c))
                    refs.add(dotted)
                elif dotted in self.policy.params:
                    prm = self.policy.params[dotted].value
                    stack.append(prm.committed if isinstance(prm, A.Target) else prm)
            else:
                stack.extend(children(x))
        return fields, refs


def _chosen(cp: CompiledPolicy, readings: dict[str, str] | None) -> dict[str, str]:
    chosen = cp.default_readings()
    chosen.update({k: v for k, v in (readings or {}).items() if k in cp.policy.readings})
    return chosen


def fields_read(cp: CompiledPolicy, readings: dict[str, str] | None = None) -> dict[str, set[str]]:
    """Concept key -> every project field its value may depend on under these readings (`categories`
    for any category test): the clauses that give it and those they refer to, split and beneficiary
    conditions.  Static: per project, `assumed_masks` drops what a given input already decided."""
    reader = _Reader(cp, _chosen(cp, readings))
    policy = cp.policy
    result: dict[str, set[str]] = {}
    for concept, rules in cp.beneficiary_rules.items():
        fields: set[str] = set()
        for r in rules:
            kind, ident = r.source.split(":", 1)
            if kind == "clause":
                c = policy.clauses[ident]
                for e in clause_exprs(c):
                    fields |= reader.read(e)[0]
            else:
                s = policy.splits[ident]
                fields |= reader.read(s.splits)[0] | reader.read(s.when)[0]
            for rule, _ in r.conditional:
                fields |= reader.read(rule.when)[0]
        result[concept] = fields
    return result


def _given(batch: ProjectBatch, name: str) -> Arr:
    """Given, implied by given inputs, or (paid_in_capital) derived from inputs all given."""
    given = batch.given(name)
    implied = batch.columns.get(f"{name}#implied")
    if implied is not None:
        given = given | (implied != NONE)
    if name in DERIVED:
        given = given | np.logical_and.reduce([batch.given(p) for p in DERIVED[name]])
    return given


def _all_given(batch: ProjectBatch, fields: set[str]) -> Arr:
    given = np.ones(batch.n, dtype=bool)
    for f in fields:
        given = given & _given(batch, f)
    return given


def assumed_masks(cp: CompiledPolicy, env: Env) -> dict[str, Arr]:
    """Field -> the projects where an outcome of the policy read it and the record did not give it.

    A clause whose condition is decided false by inputs the record gave (a conjunct that is false
    and reads only given fields: `foreign` given as false) reads nothing else for that project, nor
    do the clauses it refers to on its account."""
    batch, n = env.batch, env.batch.n
    reader = _Reader(cp, env.readings)
    policy = cp.policy
    relevant: dict[str, Arr] = {cid: np.ones(n, dtype=bool) if cc.clause.concept is not None
                                else np.zeros(n, dtype=bool) for cid, cc in cp.clauses.items()}
    read_where: dict[str, Arr] = {}

    def note(fields: set[str], where: Arr) -> None:
        for f in fields:
            read_where[f] = read_where[f] | where if f in read_where else where

    undecided: dict[str, Arr] = {}  # clause -> where its condition is not settled false by given inputs
    for node in reversed(cp.order):  # a clause before the clauses it refers to
        kind, cid = node.split(":", 1)
        if kind != "clause":
            continue
        cc = cp.clauses[cid]
        decided = np.zeros(n, dtype=bool)
        for x, fn in cc.conjuncts:
            fields = reader.read(x)[0]
            false = ~np.broadcast_to(np.asarray(fn(env).lo, dtype=bool), (n,))
            decided |= false & _all_given(batch, fields)
        where = relevant[cid] & ~decided
        undecided[cid] = where
        own: set[str] = set()
        refs: set[str] = set()
        for expr in clause_exprs(cc.clause):
            got, referred = reader.read(expr, follow=False)
            own |= got
            refs |= referred
        note(own, where)
        for ref in refs:
            relevant[ref] = relevant[ref] | where
    none = np.zeros(n, dtype=bool)
    for s in policy.splits.values():  # a split's condition counts where its clause's is not settled
        note(reader.read(s.when)[0], undecided.get(s.splits.dotted if s.splits else "", none))
    for rules in cp.beneficiary_rules.values():  # so do the beneficiary rules of a clause or share
        for r in rules:
            kind, ident = r.source.split(":", 1)
            split = policy.splits[ident] if kind == "split" else None
            base = ident if split is None else split.splits.dotted if split.splits else ""
            for rule, _ in r.conditional:
                note(reader.read(rule.when)[0], undecided.get(base, none))
    masks: dict[str, Arr] = {}
    for name in sorted(read_where):
        missing = read_where[name] & ~batch.given(name)
        for source in DERIVED.get(name, (name,)):  # a derived field: the inputs it is derived from
            m = missing & ~batch.given(source) if source != name else missing
            masks[source] = masks[source] | m if source in masks else m
    return {k: v for k, v in sorted(masks.items()) if v.any()}


def implied_columns(batch: ProjectBatch) -> dict[str, tuple[Arr, Arr]]:
    """Field -> (the rule that implied it per project, NONE where none did; the field's values), for the
    fields some project has implied."""
    found: dict[str, tuple[Arr, Arr]] = {}
    for name in TARGETS:
        which = batch.columns.get(f"{name}#implied")
        if which is not None and bool((which != NONE).any()):
            found[name] = (which, batch.columns[name])
    return found


def annotate_assumed(cp: CompiledPolicy, env: Env, out: Outcomes) -> Outcomes:
    out.assumed = assumed_masks(cp, env)
    out.implied = implied_columns(env.batch)
    return out


def default_value(name: str, record: Record = CORE) -> Any:
    """The default of a field, as JSON: false, 0, [], "none", "" or null (unknown); a declared field's
    as declared (a number in its base unit, a choice, a list of set members, an ISO date)."""
    if record.is_declared(name):
        d = record.fields[name].default
        if isinstance(d, Decimal):
            return int(d) if d == d.to_integral_value() else float(d)
        return list(d) if isinstance(d, tuple) else d
    f = FIELDS.get(name)
    if f is None:  # a declared field asked of a record that lacks it: its default is not known here
        return None
    if f.dim == Dim.BOOL:
        return False
    if f.dim in (Dim.MONEY, Dim.RATIO):
        return 0
    if f.dim == Dim.SET:
        return []
    if name == "referral":
        return "none"
    if f.dim == Dim.TEXT and name != "grade":
        return ""
    return None  # quality_score, grade, year: unknown


def default_text(name: str, record: Record = CORE) -> str:
    v = default_value(name, record)
    if v is None:
        return "unknown"
    if isinstance(v, bool):
        return "true" if v else "false"
    if v == []:
        return "none"
    return '""' if v == "" else str(v)


def _rule(implied: dict[str, tuple[Arr, Arr]] | None, name: str, i: int) -> int:
    entry = (implied or {}).get(name)
    return NONE if entry is None else int(entry[0][i])


def input_value(implied: dict[str, tuple[Arr, Arr]] | None, name: str, i: int, record: Record = CORE) -> Any:
    """What project i took for a field it did not give: the implied value, else the default."""
    if _rule(implied, name, i) == NONE:
        return default_value(name, record)
    v = (implied or {})[name][1][i]
    return bool(v) if FIELDS[name].dim == Dim.BOOL else float(v)  # implied fields are core fields


def input_text(implied: dict[str, tuple[Arr, Arr]] | None, name: str, i: int, record: Record = CORE) -> str:
    """`false`, or `true (implied by started)`: what project i took for a field it did not give."""
    rule = _rule(implied, name, i)
    if rule == NONE:
        return default_text(name, record)
    return implied_text(input_value(implied, name, i), implied_by(rule))


def implied_text(value: Any, by: str) -> str:
    """`true (implied by started)`, `0.3 (implied by paid_in_capital / registered_capital)`."""
    shown = ("true" if value else "false") if isinstance(value, bool) else f"{value:.6g}"
    return f"{shown} (implied by {by})"


def assumed_row(out: Outcomes, i: int) -> dict[str, Any]:
    """For project i: field -> the value it took (the default, or what other fields imply), for every
    field an outcome read and the record did not give (empty when the analysis was not run)."""
    return {name: input_value(out.implied, name, i, out.record) for name, mask in (out.assumed or {}).items()
            if bool(mask[i])}


def implied_row(out: Outcomes, i: int) -> dict[str, str]:
    """For project i: field -> the rule that implied it (`started`), for the assumed fields a rule implied."""
    return {name: implied_by(_rule(out.implied, name, i)) for name, mask in (out.assumed or {}).items()
            if bool(mask[i]) and _rule(out.implied, name, i) != NONE}


def assumed_line(out: Outcomes, i: int) -> str | None:
    row = assumed_row(out, i)
    if not row:
        return None
    return "assumed (not given): " + ", ".join(f"`{k}` = {input_text(out.implied, k, i, out.record)}" for k in row)


__all__ = ["annotate_assumed", "assumed_line", "assumed_masks", "assumed_row", "default_text", "default_value",
           "fields_read", "implied_columns", "implied_row", "input_text", "input_value"]
