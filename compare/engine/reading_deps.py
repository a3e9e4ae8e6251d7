"""Which declared readings an expression reads: `by reading` in it, in the params and named conditions
it names and in the clauses it refers to.  A run over one more option of a reading re-runs only the clauses that
read it (CompiledPolicy.run with `base`; compare.engine.sensitivity)."""

from __future__ import annotations

from dsl import ast as A
from dsl.model import Policy
from dsl.walk import walk

NONE: frozenset[str] = frozenset()


class ReadingDeps:
    """`clauses`: clause id -> the readings it reads; add the clauses in computation order, so that a
    clause's references are known before it is."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.clauses: dict[str, frozenset[str]] = {}
        self._params: dict[str, frozenset[str]] = {}

    def add_clause(self, cid: str) -> None:
        c = self.policy.clauses[cid]
        timing = c.timing.exprs() if c.timing is not None else []  # a winners' ranking, a cap, a clawback's condition
        self.clauses[cid] = self.of(c.when) | self.of(c.value) | frozenset().union(*(self.of(x) for x in timing))

    def of(self, e: object, seen: frozenset[str] = NONE) -> frozenset[str]:
        """The readings `e` reads (none for None); `seen`: the params and conditions being resolved (no cycles)."""
        if e is None:
            return NONE
        out: set[str] = set()
        for x in walk(e):
            if isinstance(x, A.ByReading):
                out.add(x.reading)
            elif isinstance(x, A.Name):
                name = x.dotted
                if name in self.clauses:
                    out |= self.clauses[name]
                elif name in self.policy.conditions and name not in seen:  # a named condition: what it reads
                    out |= self.of(self.policy.conditions[name].when, seen | {name})
                elif name in self.policy.params and name not in seen:
                    out |= self._param(name, seen | {name})
        return frozenset(out)

    def _param(self, name: str, seen: frozenset[str]) -> frozenset[str]:
        if name not in self._params:
            v = self.policy.params[name].value
            parts = [v.committed, v.stretch] if isinstance(v, A.Target) else [v]
            self._params[name] = frozenset().union(*(self.of(p, seen) for p in parts))
        return self._params[name]
