"""Names: fields, clauses and params resolved to types; taxonomy concepts and beneficiaries."""

from __future__ import annotations

from dsl import ast as A
from dsl.check.base import BOOL, CONCEPT_UNITS, UNKNOWN, CheckerBase, span_of
from dsl.diagnostics import did_you_mean
from dsl.model import Ty
from dsl.units import Dim
from dsl.walk import walk


def declare_field_hint(name: str) -> str:
    """How a policy declares a field of its own (the record is open: a city names its own fields)."""
    return f'declare it: field {name} "中文名称" {{ type money | count 人 | area 平方米 | bool | choice {{…}} | text | date }}'


class NameChecks(CheckerBase):
    # ------------------------------------------------------------ names
    def resolve(self, name: A.Name) -> Ty:
        dotted = name.dotted
        fields = self.p.record.fields
        if len(name.path) == 1 and dotted in fields:
            self.use(f"field:{dotted}")
            return Ty(fields[dotted].dim)
        if dotted in self.p.clauses:
            return self.clause_type(dotted, name.span)
        if dotted in self.p.params:
            return self.param_type(self.p.params[dotted])
        if dotted in self.p.conditions:
            return self.condition_type(dotted, name.span)
        choice_of = [n for n, f in fields.items() if f.dim == Dim.CHOICE and dotted in f.choices]
        if dotted in self.p.record.categories:
            self.err("E200", f"`{dotted}` is a category, not a value", name.span,
                     f"test it with `{dotted} in categories`")
        elif any(dotted in f.choices for f in fields.values() if f.dim == Dim.SET):
            owner = next(n for n, f in fields.items() if f.dim == Dim.SET and dotted in f.choices)
            self.err("E200", f"`{dotted}` is a member of `{owner}`, not a value", name.span,
                     f"test it with `{dotted} in {owner}`")
        elif choice_of:
            self.err("E200", f"`{dotted}` is a choice of `{choice_of[0]}`, not a value", name.span,
                     f"compare it: {choice_of[0]} == {dotted}")
        elif dotted in self.p.lists:
            self.use(f"list:{dotted}")
            self.err("E200", f"`{dotted}` is a list, not a value", name.span,
                     f'ask whether a field is in it: industry in {dotted}')
        elif dotted in self.p.readings:
            self.err("E200", f"`{dotted}` is a reading, not a value", name.span,
                     f"choose by it: by reading {dotted} {{ option: … }}")
        elif dotted in self.p.splits:
            self.err("E200", f"`{dotted}` is a split; refer to the clause it splits", name.span, None)
        elif len(name.path) == 1 and did_you_mean(dotted, fields) and not did_you_mean(dotted, self.p.clauses):
            self.err("E202", f"`{dotted}` is not a field of the project record", name.span,
                     f"{did_you_mean(dotted, fields)}; or {declare_field_hint(dotted)}")
        else:
            known = [*fields, *self.p.clauses, *self.p.params, *self.p.conditions]
            self.err("E200", f"undefined name `{dotted}`", name.span,
                     did_you_mean(dotted, known) or "names are project fields, clause ids or param keys, or named "
                     f"conditions; for a field of the city's own, {declare_field_hint(dotted)}")
        return UNKNOWN

    def condition_type(self, cid: str, span: A.Span, used: bool = True) -> Ty:
        """A named condition is true/false; it is typed once, and may not read itself (E207)."""
        if used:
            self.use(f"condition:{cid}")
        if cid in self._condition_ty:
            return BOOL
        if cid in self._visiting:
            cycle = " -> ".join([*self._visiting[self._visiting.index(cid):], cid])
            self.err("E207", f"named conditions refer to each other in a circle: {cycle}", span,
                     "a condition cannot depend on itself")
            return BOOL
        decl = self.p.conditions[cid]
        self._visiting.append(cid)
        if decl.when is None:
            self.err("E218", f"condition `{cid}` has no `when`", decl.span, "add: when foreign and total_investment >= 1亿元")
        else:
            ty = self.infer(decl.when)
            if ty.dim not in (None, Dim.BOOL):
                self.err("E218", f"condition `{cid}` is {self._words(ty)}, not true/false", span_of(decl.when),
                         "a named condition is a test: compare it, e.g. total_investment >= 1亿元")
        self._visiting.pop()
        self._condition_ty.add(cid)
        return BOOL

    def clause_type(self, cid: str, span: A.Span) -> Ty:
        if cid in self._clause_ty:
            return self._clause_ty[cid]
        if cid in self._visiting:
            cycle = " -> ".join([*self._visiting[self._visiting.index(cid):], cid])
            self.err("E207", f"clauses refer to each other in a circle: {cycle}", span,
                     "a clause cannot depend on its own value")
            return UNKNOWN
        clause = self.p.clauses[cid]
        self._visiting.append(cid)
        ty = self.infer(clause.value) if clause.value is not None else UNKNOWN
        self._visiting.pop()
        self._clause_ty[cid] = ty
        return ty

    def param_type(self, param: A.Param) -> Ty:
        v = param.value
        if isinstance(v, A.Target):
            ty = self.infer(v.committed)
            if v.stretch is not None:
                ty = self.unify(ty, self.infer(v.stretch), v.span, "the committed and stretch targets")
            return ty
        return self.infer(v)

    def check_concept(self, concept: A.Name, kind: str, ty: Ty | None, span: A.Span) -> str | None:
        """Validate a taxonomy key; return its beneficiary."""
        if self.tax is None:
            return None
        key = concept.dotted
        c = self.tax.concepts.get(key)
        if c is None:
            self.err("E204", f"`{key}` is not a concept of the taxonomy", concept.span,
                     did_you_mean(key, [k for k, v in self.tax.concepts.items() if v.kind == kind])
                     or "declare it in policies/taxonomy/*.yaml")
            return None
        if c.kind != kind:
            self.err("E204", f"`{key}` is a{'n' if c.kind[0] in 'aeiou' else ''} {c.kind} concept; "
                     f"a {'clause' if kind == 'outcome' else 'param'} needs a{'n' if kind[0] in 'aeiou' else ''} "
                     f"{kind}", concept.span, None)
        allowed = CONCEPT_UNITS.get(c.unit)
        if ty is not None and ty.dim is not None and allowed is not None and ty.dim not in allowed:
            self.err("E304", f"`{key}` is measured in {c.unit}, but the value is {self._words(ty)}", span,
                     "check the unit of the figures against the concept in the taxonomy")
        return c.beneficiary

    def check_condition_cycles(self) -> None:
        """A clause may not depend on itself through a condition either (E207): the engine computes a
        clause after every clause its `when` or value reads (params read inline).  Cycles of values
        alone are reported while typing the values; here the ones a `when` closes."""
        def reads(e: A.Expr | None, seen: frozenset[str] = frozenset()) -> set[str]:
            out: set[str] = set()
            for n in walk(e) if e is not None else ():
                if isinstance(n, A.Name) and n.dotted in self.p.clauses:
                    out.add(n.dotted)
                elif isinstance(n, A.Name) and n.dotted in self.p.conditions and n.dotted not in seen:
                    out |= reads(self.p.conditions[n.dotted].when, seen | {n.dotted})
                elif isinstance(n, A.Name) and n.dotted in self.p.params and n.dotted not in seen:
                    v = self.p.params[n.dotted].value
                    out |= reads(v.committed if isinstance(v, A.Target) else v, seen | {n.dotted})
            return out
        when = {cid: reads(c.when) for cid, c in self.p.clauses.items()}
        deps = {cid: when[cid] | reads(c.value) for cid, c in self.p.clauses.items()}
        reported: set[str] = set()
        for cid, c in self.p.clauses.items():
            if cid in reported or c.when is None:
                continue
            path = _path(deps, when[cid], cid)  # from what the condition reads back to the clause
            if path is not None:
                reported.update(path)
                self.err("E207", "clauses refer to each other in a circle: " + " -> ".join([cid, *path]),
                         span_of(c.when), "a clause's condition cannot depend on its own value")

    def check_concept_units(self) -> None:
        """The clauses of one concept add up, so they give it one unit: under a concept of unit `any`,
        `money` or `duration` two clauses may otherwise give true/false and a count, 元 and 美元, months
        and days, which no sum holds.  A plain number, ∞ or a promise joins any figure; true/false
        joins nothing else."""
        first: dict[str, tuple[str, Dim]] = {}
        truth: dict[str, tuple[str, bool]] = {}  # concept -> its first clause, and whether that is true/false
        for cid, c in self.p.clauses.items():
            ty = self._clause_ty.get(cid)
            if c.concept is None or ty is None:
                continue
            span = span_of(c.value) if c.value is not None else c.span
            key = c.concept.dotted
            concept = self.tax.concepts.get(key) if self.tax is not None else None
            unit = concept.unit if concept is not None else None
            allowed = CONCEPT_UNITS.get(unit) if unit is not None else None
            if allowed is not None and ty.dim is not None and ty.dim not in allowed:
                continue  # E304 already: the value does not fit the concept's unit
            is_bool = ty.dim == Dim.BOOL  # true/false adds to nothing else, not even ∞ or a promise
            was, was_bool = truth.setdefault(key, (cid, is_bool))
            if was_bool != is_bool:
                yes, figure = (was, cid) if was_bool else (cid, was)
                self.err("E304", f"`{key}` is given true/false by clause `{yes}` and a figure by "
                         f"clause `{figure}`: its clauses add up, in one unit", span,
                         "give every clause of the concept true/false, or every one a figure")
                continue
            if is_bool or ty.dim is None or ty.dim == Dim.SCALAR:
                continue
            dim = (Dim.USD if unit == "USD" else Dim.CNY) if ty.dim == Dim.MONEY else \
                Dim.DAYS if ty.dim == Dim.MONTHS and unit == "days" else ty.dim  # as the engine reads them
            if key not in first:
                first[key] = (cid, dim)
            elif first[key][1] != dim:
                other, given = first[key]
                self.err("E304", f"`{key}` is given {self._words(Ty(given))} by clause `{other}`, and "
                         f"{self._words(Ty(dim))} here: its clauses add up, in one unit", span,
                         f"give the value in {self._words(Ty(given))}, or name another concept")

    def check_beneficiary(self, ben: A.Name | None) -> None:
        if ben is None or self.tax is None:
            return
        if ben.dotted not in self.tax.beneficiaries:
            self.err("E205", f"unknown beneficiary `{ben.dotted}`", ben.span,
                     did_you_mean(ben.dotted, self.tax.beneficiaries) or
                     "beneficiaries: " + ", ".join(self.tax.beneficiaries))


def _path(deps: dict[str, set[str]], start: set[str], goal: str) -> list[str] | None:
    """A path of reads from one of `start` to `goal` (breadth first), or None."""
    back: dict[str, str | None] = {x: None for x in sorted(start)}
    queue = list(back)
    while queue:
        x = queue.pop(0)
        if x == goal:
            path = [x]
            while back[path[-1]] is not None:
                path.append(back[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for y in sorted(deps.get(x, ())):
            if y not in back:
                back[y] = x
                queue.append(y)
    return None
