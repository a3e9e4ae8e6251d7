"""Compile a checked policy to a column-wise evaluator over a batch of projects.

Each clause's expressions are compiled once into closures over numpy arrays; evaluation
runs them in the dependency graph's order.  One code path serves one project and a
million.  Arithmetic (docs/evaluation.md):
- every numeric value is an interval [lo, hi]; exact figures have lo == hi, discretion
  ("最高", "2‰～5‰") widens it, a promise with no figure is [0, ∞];
- money is held in the currency the checker inferred for each expression; a project's
  money fields are converted at the run's USD→CNY rate where a policy reads them in the
  other currency; money results are rounded to the fen (0.01), half away from zero, once,
  at the end of each clause; points keep their fractions;
- a clause fires where its condition holds and its value is present (a tier matched, an
  item of a max fired); a concept's outcome sums the clauses that fired for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from compare.engine.batch import ProjectBatch
from compare.engine.compile import Compiler
from compare.engine.graph import build_graph, computation_order
from compare.engine.values import MONEY_DIMS, Arr, Env, Fn, Val, exact, round_fen
from dsl import ast as A
from dsl.model import Policy
from dsl.units import DAYS_PER_MONTH, Dim
from dsl.walk import conjuncts

# ---------------------------------------------------------------------- the compiled policy


@dataclass
class CompiledClause:
    id: str
    clause: A.Clause
    when: Fn | None
    conjuncts: list[tuple[A.Expr, Fn]]
    value: Fn
    dim: Dim | None
    is_money: bool
    factor: float = 1.0  # months reported in days (DAYS_PER_MONTH)


@dataclass
class CompiledSplit:
    id: str
    split: A.Split
    base: str
    when: Fn | None
    weights: list[tuple[str, float]]  # share -> fraction of the whole
    concept: str | None


@dataclass
class Outcomes:
    """Per concept: an interval (lo, hi arrays) or a boolean array, for each project."""

    policy: str
    city: str
    ids: list[str]
    numeric: dict[str, tuple[Arr, Arr]]
    boolean: dict[str, Arr]
    fired: dict[str, Arr]

    def value(self, concept: str, i: int) -> float | bool | tuple[float, float]:
        if concept in self.boolean:
            return bool(self.boolean[concept][i])
        lo, hi = self.numeric[concept]
        a, b = float(lo[i]), float(hi[i])
        return a if a == b else (a, b)

    @property
    def concepts(self) -> list[str]:
        return sorted([*self.numeric, *self.boolean])


class CompiledPolicy:
    """A policy compiled once; `evaluate` runs it over any batch."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.graph: nx.DiGraph = build_graph(policy)
        self.order = computation_order(self.graph)
        comp = Compiler(policy)
        self.compiler = comp
        self.clauses: dict[str, CompiledClause] = {}
        self.splits: dict[str, CompiledSplit] = {}
        for node in self.order:
            kind, ident = node.split(":", 1)
            if kind == "clause":
                c = policy.clauses[ident]
                d = comp.clause_dim[ident]
                conj = [(x, comp.c(x)) for x in conjuncts(c.when)] if c.when is not None else []
                value = comp.c(c.value, d) if c.value is not None else (lambda env: exact(0.0))
                ty = policy.types.get(ident)
                factor = float(DAYS_PER_MONTH) if ty and ty.dim == Dim.MONTHS and d == Dim.DAYS else 1.0
                self.clauses[ident] = CompiledClause(ident, c, comp.c(c.when) if c.when is not None else None,
                                                     conj, value, d, d in MONEY_DIMS, factor)
            else:
                s = policy.splits[ident]
                base = s.splits.dotted if s.splits is not None else ""
                total = sum(float(sh.weight.base_value) for sh in s.shares if isinstance(sh.weight, A.Quantity))
                weights = [(sh.name, float(sh.weight.base_value) / total if s.ratio_form else
                            float(sh.weight.base_value)) for sh in s.shares if isinstance(sh.weight, A.Quantity)]
                concept = policy.concept_of(base)
                self.splits[ident] = CompiledSplit(ident, s, base, comp.c(s.when) if s.when is not None else None,
                                                   weights, concept)
        # concept -> the dimension its outcome is reported in (a split's shares take their clause's)
        self.concept_dims: dict[str, Dim | None] = {}
        for c in policy.clauses.values():
            if c.concept is not None:
                self.concept_dims[c.concept.dotted] = comp.clause_dim[c.id]
        for sc in self.splits.values():
            if sc.concept:
                for name, _ in sc.weights:
                    self.concept_dims[f"{sc.concept}.{name}"] = self.concept_dims.get(sc.concept)

    def default_readings(self) -> dict[str, str]:
        return {rid: r.default for rid, r in self.policy.readings.items() if r.default is not None}

    def run(self, batch: ProjectBatch, fx: float, readings: dict[str, str] | None = None,
            trace: dict[int, Any] | None = None) -> Env:
        chosen = self.default_readings()
        chosen.update({k: v for k, v in (readings or {}).items() if k in self.policy.readings})
        env = Env(batch, fx, chosen, trace=trace)
        n = batch.n
        for node in self.order:
            kind, ident = node.split(":", 1)
            if kind != "clause":
                continue
            cc = self.clauses[ident]
            v = cc.value(env)
            if cc.factor != 1.0:
                v = Val(v.lo * cc.factor, v.lo * cc.factor if v.exact else v.hi * cc.factor, v.present)
            always = v.present is True and cc.when is None  # fires for every project
            fired = np.broadcast_to(np.asarray(v.present, dtype=bool), (n,))
            if cc.when is not None:
                fired = fired & np.broadcast_to(np.asarray(cc.when(env).lo, dtype=bool), (n,))
            if cc.dim == Dim.BOOL:
                lo = np.broadcast_to(np.asarray(v.lo, dtype=bool), (n,)) & fired
                env.results[ident] = Val(lo, lo, fired)
            else:
                if always:
                    lo = np.broadcast_to(np.asarray(v.lo, dtype=np.float64), (n,))
                    hi = lo if v.exact else np.broadcast_to(np.asarray(v.hi, dtype=np.float64), (n,))
                elif cc.is_money and np.ndim(v.lo) == 0 and np.ndim(v.hi) == 0:
                    # a fixed amount (最高50万元): round the figure once, not a million copies of it
                    lo = np.where(fired, round_fen(v.lo), 0.0)
                    hi = lo if v.exact else np.where(fired, round_fen(v.hi), 0.0)
                    env.results[ident] = Val(lo, hi, fired)
                    env.fired[ident] = fired
                    continue
                else:
                    lo = np.where(fired, v.lo, 0.0)
                    hi = lo if v.exact else np.where(fired, v.hi, 0.0)
                if cc.is_money:
                    lo = round_fen(lo)
                    hi = lo if v.exact else round_fen(hi)
                env.results[ident] = Val(lo, hi, fired)
            env.fired[ident] = fired
        return env

    def evaluate(self, batch: ProjectBatch, fx: float, readings: dict[str, str] | None = None) -> Outcomes:
        env = self.run(batch, fx, readings)
        return self.outcomes(env)

    def outcomes(self, env: Env) -> Outcomes:
        n = env.batch.n
        numeric: dict[str, tuple[Arr, Arr]] = {}
        boolean: dict[str, Arr] = {}
        for cid, cc in self.clauses.items():
            concept = cc.clause.concept.dotted if cc.clause.concept else None
            if concept is None:
                continue
            v = env.results[cid]
            if cc.dim == Dim.BOOL:
                boolean[concept] = boolean[concept] | v.lo if concept in boolean else v.lo
            elif concept in numeric:  # several clauses of one concept add up
                lo, hi = numeric[concept]
                numeric[concept] = (lo + v.lo, hi + v.hi)
            else:
                numeric[concept] = (np.broadcast_to(v.lo, (n,)), np.broadcast_to(v.hi, (n,)))
        for sc in self.splits.values():
            if sc.concept is None or sc.base not in env.results:
                continue
            base = env.results[sc.base]
            applies = env.fired[sc.base]
            if sc.when is not None:
                applies = applies & np.broadcast_to(np.asarray(sc.when(env).lo, dtype=bool), (n,))
            money = self.clauses[sc.base].is_money
            for name, w in sc.weights:
                lo = np.where(applies, base.lo * w, 0.0)
                hi = np.where(applies, base.hi * w, 0.0)
                if money:
                    lo, hi = round_fen(lo), round_fen(hi)
                key = f"{sc.concept}.{name}"
                plo, phi = numeric.get(key, (np.zeros(n), np.zeros(n)))
                numeric[key] = (plo + lo, phi + hi)
        return Outcomes(self.policy.id, self.policy.city, env.batch.ids, numeric, boolean, env.fired)

