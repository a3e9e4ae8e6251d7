"""Who receives each outcome, per project.

A clause may name conditional beneficiaries (`beneficiary referring_department if referral ==
municipal_dept`, repeatable) besides its unconditional one (`beneficiary team`); a split names them
per share (`beneficiary referrer = referring_district`).  For one project the beneficiary is the
first conditional rule whose condition holds, otherwise the unconditional one, otherwise the
taxonomy concept's.  Where several clauses give one concept, the first of them (in the policy's
order) that fired for the project decides; where none fired, the first of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from compare.engine.compile import Compiler
from compare.engine.values import Arr, Env, Fn
from dsl import ast as A
from dsl.model import Policy

PLAIN, TAXONOMY, NOBODY = -1, -2, -3  # rule indices besides the conditional rules 0, 1, …
# Rule and contributor indices are int64: a concept may be fed by any number of clauses (int8 overflowed
# at 128).


@dataclass
class BeneficiaryRules:
    """The beneficiary rules of one clause (source "clause:ID") or split share ("split:ID")."""

    source: str
    conditional: list[tuple[A.BeneficiaryRule, Fn]]
    plain: str | None  # the unconditional `beneficiary NAME`
    fallback: str | None  # the taxonomy concept's beneficiary

    @property
    def otherwise(self) -> int:
        return PLAIN if self.plain else TAXONOMY if self.fallback else NOBODY

    def name(self, rule: int) -> str | None:
        if rule >= 0:
            return self.conditional[rule][0].name.dotted
        return self.plain if rule == PLAIN else self.fallback if rule == TAXONOMY else None

    def choose(self, env: Env) -> Any:
        """Per project the rule that decides: the first conditional rule that holds, else `otherwise`."""
        if not self.conditional:
            return self.otherwise
        n = env.batch.n
        rule = np.full(n, self.otherwise, dtype=np.int64)
        for k in range(len(self.conditional) - 1, -1, -1):  # last to first: the first that holds wins
            holds = np.broadcast_to(np.asarray(self.conditional[k][1](env).lo, dtype=bool), (n,))
            rule = np.where(holds, k, rule)
        return rule


@dataclass
class Choice:
    """One concept's beneficiary over a batch: `names` is one name where it is the same for every
    project, else an object array; `which` (the contributing clause or share) and `rule` are an int
    for all projects or an array per project."""

    rules: list[BeneficiaryRules]
    names: str | None | Arr
    which: int | Arr
    rule: int | Arr

    def name(self, i: int) -> str | None:
        return self.names if self.names is None or isinstance(self.names, str) else self.names[i]

    def at(self, i: int) -> tuple[BeneficiaryRules, int]:
        """The rules of the clause or share that decided for project i, and the rule that chose."""
        which = self.which if isinstance(self.which, int) else int(self.which[i])
        rule = self.rule if isinstance(self.rule, int) else int(self.rule[i])
        return self.rules[which], rule

    @property
    def depends_on_project(self) -> bool:
        """Whether the policy makes the beneficiary depend on the project (a conditional rule)."""
        return any(r.conditional for r in self.rules)


def compile_beneficiaries(policy: Policy, comp: Compiler) -> dict[str, list[BeneficiaryRules]]:
    """Concept key -> the beneficiary rules of each clause and split share that gives it, in order."""
    tax = policy.taxonomy

    def fallback(key: str) -> str | None:
        concept = tax.concepts.get(key) if tax is not None else None
        return concept.beneficiary if concept else None

    out: dict[str, list[BeneficiaryRules]] = {}
    for cid, c in policy.clauses.items():
        if c.concept is None:
            continue
        key = c.concept.dotted
        conditional = [(r, comp.c(r.when)) for r in c.beneficiary_if if r.when is not None]
        out.setdefault(key, []).append(BeneficiaryRules(
            f"clause:{cid}", conditional, c.beneficiary.dotted if c.beneficiary else None, fallback(key)))
    for sid, s in policy.splits.items():
        base = policy.concept_of(s.splits.dotted) if s.splits is not None else None
        if base is None:
            continue
        for share in s.shares:
            key = f"{base}.{share.name}"
            mine = [r for r in s.beneficiaries if r.share == share.name]
            plain = next((r.name.dotted for r in mine if r.when is None), None)
            conditional = [(r, comp.c(r.when)) for r in mine if r.when is not None]
            out.setdefault(key, []).append(BeneficiaryRules(f"split:{sid}", conditional, plain, fallback(key)))
    return out


def choose_beneficiaries(rules: list[BeneficiaryRules], fired: dict[str, Arr], env: Env) -> Choice:
    """The beneficiary per project of a concept given by `rules` (fired: source -> where it gave)."""
    n = env.batch.n
    chosen = [r.choose(env) for r in rules]
    if len(rules) == 1 and isinstance(chosen[0], int):
        return Choice(rules, rules[0].name(chosen[0]), 0, chosen[0])
    which = np.zeros(n, dtype=np.int64)  # the first contributor that fired decides; where none fired, the first
    for k in range(len(rules) - 1, -1, -1):
        gave = fired.get(rules[k].source)
        if gave is not None:
            which = np.where(gave, k, which)
    if all(isinstance(c, int) for c in chosen):
        names = {r.name(c) for r, c in zip(rules, chosen, strict=True)}
        if len(names) == 1:
            return Choice(rules, names.pop(), which, np.asarray(chosen, dtype=np.int64)[which])
    # per project a code into one table of every contributor's names (its conditional rules', then its
    # plain, taxonomy and no beneficiary): the distinct names are read off the codes in use, and the
    # names per project are one gather of the table
    table: list[str | None] = []
    codes = np.zeros(n, dtype=np.int64)
    rule: Any = chosen[0] if len(rules) == 1 else np.full(n, NOBODY, dtype=np.int64)
    for k, (r, c) in enumerate(zip(rules, chosen, strict=True)):
        m = len(r.conditional)
        # a rule index c (NOBODY -3, TAXONOMY -2, PLAIN -1, conditional 0…m-1) -> its position in `table`
        lut = np.array([m + 2, m + 1, m, *range(m)], dtype=np.int64) + len(table)
        table.extend([r.name(j) for j in range(m)] + [r.plain, r.fallback, None])
        if len(rules) == 1:
            codes = lut[np.asarray(c, dtype=np.int64) + 3]
            break
        mine = which == k
        c_arr = np.broadcast_to(np.asarray(c, dtype=np.int64), (n,))
        rule = np.where(mine, c_arr, rule)
        codes = np.where(mine, lut[c_arr + 3], codes)
    codes = np.broadcast_to(codes, (n,))
    used = np.flatnonzero(np.bincount(codes, minlength=len(table)))
    distinct = {table[j] for j in used}
    if len(distinct) == 1:
        return Choice(rules, distinct.pop(), which, rule)
    names_arr = np.empty(len(table), dtype=object)
    names_arr[:] = table
    return Choice(rules, names_arr[codes], which, rule)
