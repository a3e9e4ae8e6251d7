"""Compile a checked policy to a column-wise evaluator over a batch of projects.

Each clause's expressions are compiled once into closures over numpy arrays; evaluation
runs them in the dependency graph's order.  One code path serves one project and a
million.  Arithmetic (docs/evaluation.md):
- every numeric value is an interval [lo, hi]; exact figures have lo == hi, discretion
  ("最高", "2‰～5‰") widens it, a promise with no figure is [0, ∞];
- money is held in the currency the checker inferred for each expression; a project's
  money fields are converted at the run's USD→CNY rate where a policy reads them in the
  other currency; money results are rounded to the fen (0.01), half away from zero, once,
  at the end of each clause; points keep their fractions.  Money clauses, comparisons of
  money and tier edges are computed exactly in whole fen (compare.engine.exact); a money
  clause's result is kept in whole fen (`env.fen`) and in yuan (`env.results`);
- where a value has no number (a division by a field that is 0, ∞ - ∞ at run time) the
  clause does not fire for that project: no NaN reaches an outcome;
- a clause fires where its condition holds and its value is present (a tier matched, an
  item of a max fired); a concept's outcome sums the clauses that fired for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np

from compare.engine.batch import ProjectBatch, add_declared_defaults
from compare.engine.beneficiary import BeneficiaryRules, Choice, choose_beneficiaries, compile_beneficiaries
from compare.engine.compile import Compiler
from compare.engine.graph import build_graph, computation_order
from compare.engine.payer import NOT_STATED, Payers, divide, fen_share, payers_of
from compare.engine.portfolio import Sharing, compile_sharing
from compare.engine.reading_deps import ReadingDeps
from compare.engine.values import MONEY_DIMS, Arr, Env, Fn, Val, Yuan, as_rows, exact, writable, zero_unless
from dsl import ast as A
from dsl.model import Policy
from dsl.record import CORE, Record
from dsl.units import DAYS_PER_MONTH, Dim
from dsl.walk import conjuncts

# ---------------------------------------------------------------------- the compiled policy


@dataclass
class CompiledClause:
    id: str
    clause: A.Clause
    when: Fn | None
    conjuncts: list[tuple[A.Expr, Fn]]
    value: Fn  # money: whole fen, rounded (Compiler.rounded); otherwise in the concept's unit
    dim: Dim | None
    is_money: bool
    factor: float = 1.0  # months reported in days (DAYS_PER_MONTH)
    sharing: Sharing | None = None  # winners, budget: shared with the batch's other projects (portfolio)


@dataclass
class CompiledSplit:
    id: str
    split: A.Split
    base: str
    when: Fn | None
    weights: list[tuple[str, float]]  # share -> fraction of the whole
    concept: str | None
    exact_weights: tuple[Fraction, ...] = ()


# The state of an outcome for a project (docs/evaluation.md, "Outcome states").
NOT_ELIGIBLE, ZERO, FIGURE, PROMISED, ABSENT = "not_eligible", "zero", "figure", "promised", "absent"
STATES = (NOT_ELIGIBLE, ZERO, FIGURE, PROMISED, ABSENT)


@dataclass
class Outcomes:
    """Per concept: an interval (lo, hi arrays) or a boolean array, for each project; where some
    clause (or split) gave it (`eligible`); who receives it (`beneficiary`).  `fx` and `readings` are
    the run's; `assumed` and `alternatives` are filled by compare.engine.assumed and .sensitivity."""

    policy: str
    city: str
    ids: list[str]
    numeric: dict[str, tuple[Arr, Arr]]
    boolean: dict[str, Arr]
    fired: dict[str, Arr]
    eligible: dict[str, Arr] = field(default_factory=dict)
    beneficiaries: dict[str, Choice] = field(default_factory=dict)
    fx: Any = None  # the USD→CNY rate of the run
    readings: dict[str, str] = field(default_factory=dict)
    assumed: dict[str, Arr] | None = None  # field -> where an outcome read it and the record did not give it
    # field -> (the rule that implied it per project, compare.engine.implied.NONE where none did; its value)
    implied: dict[str, tuple[Arr, Arr]] | None = None
    alternatives: list[Any] | None = None  # sensitivity.Alternative: outcomes under another reading option
    record: Record = CORE  # the record the policy reads (the defaults of the fields it declares)
    # concept -> payer -> (lo, hi) per project: the amount each payer bears (compare.engine.payer), for the
    # concepts some clause of which names its payer
    payers: dict[str, dict[str, tuple[Arr, Arr]]] = field(default_factory=dict)
    project_fx: Arr | None = None  # a project's own USD→CNY rate (`project_rates`), NaN: the run's

    def rate_used(self, i: int) -> tuple[float, str]:
        """The USD→CNY rate project i's outcomes used, and whose it is ("project" or "run")."""
        own = float(self.project_fx[i]) if self.project_fx is not None else float("nan")
        return (own, "project") if own == own else (float(self.fx), "run")

    def merged(self, base: Outcomes, affected: set[str]) -> Outcomes:
        """These outcomes for the `affected` concepts, `base`'s for the others."""
        keep = lambda d, b: {**{k: v for k, v in b.items() if k not in affected}, **d}  # noqa: E731
        return Outcomes(self.policy, self.city, self.ids, keep(self.numeric, base.numeric),
                        keep(self.boolean, base.boolean), self.fired, keep(self.eligible, base.eligible),
                        keep(self.beneficiaries, base.beneficiaries), self.fx, self.readings, record=self.record,
                        payers=keep(self.payers, base.payers), project_fx=self.project_fx)

    def value(self, concept: str, i: int) -> float | bool | tuple[float, float]:
        if concept in self.boolean:
            return bool(self.boolean[concept][i])
        lo, hi = self.numeric[concept]
        a, b = float(lo[i]), float(hi[i])
        return a if a == b else (a, b)

    @property
    def concepts(self) -> list[str]:
        return sorted([*self.numeric, *self.boolean])

    def state(self, concept: str, i: int) -> str:
        """absent (no clause or split for it), not_eligible (none gave it), zero, promised ([0, ∞]), figure."""
        if concept not in self.numeric and concept not in self.boolean:
            return ABSENT
        if concept in self.eligible and not self.eligible[concept][i]:
            return NOT_ELIGIBLE
        v = self.value(concept, i)
        if isinstance(v, tuple):
            return PROMISED if v == (0.0, float("inf")) else FIGURE
        return FIGURE if v else ZERO

    def beneficiary(self, concept: str, i: int) -> str | None:
        """Who receives `concept` for project i (None: the policy and taxonomy name nobody)."""
        choice = self.beneficiaries.get(concept)
        return choice.name(i) if choice is not None else None


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
                sharing = compile_sharing(comp, c)  # a budget clause takes the budget's unit
                d = comp.clause_dim[ident]
                conj = [(x, comp.c(x)) for x in conjuncts(c.when)] if c.when is not None else []
                money = d in MONEY_DIMS
                if c.value is None:
                    value: Fn = lambda env: exact(0.0)  # noqa: E731
                elif sharing is not None and sharing.weight is not None:
                    value = sharing.weight  # the weights a budget is shared by
                else:
                    value = comp.rounded(c.value, d) if money else comp.c(c.value, d)
                ty = policy.types.get(ident)
                factor = float(DAYS_PER_MONTH) if ty and ty.dim == Dim.MONTHS and d == Dim.DAYS else 1.0
                self.clauses[ident] = CompiledClause(ident, c, comp.c(c.when) if c.when is not None else None,
                                                     conj, value, d, money, factor, sharing)
            else:
                s = policy.splits[ident]
                base = s.splits.dotted if s.splits is not None else ""
                parts = [(sh.name, Fraction(sh.weight.base_value)) for sh in s.shares
                         if isinstance(sh.weight, A.Quantity)]
                total = sum((w for _, w in parts), Fraction(0))
                exact_w = tuple(w / total if s.ratio_form and total else w for _, w in parts)
                weights = [(name, float(w)) for (name, _), w in zip(parts, exact_w, strict=True)]
                concept = policy.concept_of(base)
                self.splits[ident] = CompiledSplit(ident, s, base, comp.c(s.when) if s.when is not None else None,
                                                   weights, concept, exact_w)
        # clause -> the readings its value or condition depends on (directly, through params or clauses)
        reads = ReadingDeps(policy)
        for node in self.order:
            if node.startswith("clause:"):
                reads.add_clause(node.split(":", 1)[1])
        self.reading_deps = reads.clauses
        # the clauses in the order of computation, as a run takes them
        self.clause_order = [(node.split(":", 1)[1], self.clauses[node.split(":", 1)[1]]) for node in self.order
                             if node.startswith("clause:")]
        self.split_deps = {sid: reads.of(sc.split.when) for sid, sc in self.splits.items()}
        # concept -> who receives it: the beneficiary rules of each clause and share that gives it
        self.beneficiary_rules: dict[str, list[BeneficiaryRules]] = compile_beneficiaries(policy, comp)
        # clause -> who pays it; the concepts some clause of which names a payer
        self.payers = {cid: payers_of(c, comp.point) for cid, c in policy.clauses.items()}
        self.paid_concepts = {c.concept.dotted for cid, c in policy.clauses.items()
                              if c.concept is not None and self.payers[cid] is not None}
        self.beneficiary_deps = {c: frozenset().union(*(reads.of(rule.when) for r in rules for rule, _ in r.conditional))
                                 for c, rules in self.beneficiary_rules.items()}
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

    def run(self, batch: ProjectBatch, fx: Any, readings: dict[str, str] | None = None,
            trace: dict[int, Any] | None = None, base: Env | None = None,
            peers: tuple[Env, int] | str | None = None) -> Env:
        """Every clause over the batch.  `fx`: the USD→CNY rate, a float or the Decimal typed
        (ValueError unless finite and positive).  With `base` (a run over the same batch at the same
        rate), only the clauses that depend on a reading whose option differs from base's are run
        again; the others keep base's results (compare.engine.sensitivity runs every option so).  A clause
        shared across the batch's projects (winners, budget) is shared right after its value; `peers` (a
        run over a whole batch and a row of it) gives a one-project batch that row's share (explain);
        compare.engine.portfolio.ALONE shares each project as if alone (variants of one project)."""
        chosen = self.default_readings()
        chosen.update({k: v for k, v in (readings or {}).items() if k in self.policy.readings})
        if self.policy.record.declared:
            add_declared_defaults(batch, self.policy.record)
        env = Env(batch, fx, chosen, trace=trace, record=self.policy.record)
        changed: set[str] | None = None
        if base is not None and base.batch is batch and base.rate == env.rate:
            changed = {r for r in chosen if chosen[r] != base.readings.get(r)}
            env.results, env.fired, env.fen, env.cache = dict(base.results), dict(base.fired), dict(base.fen), base.cache
            env.shared = dict(base.shared)
            env.rerun = (changed, {c for c, deps in self.reading_deps.items() if deps & changed})
        n = batch.n
        for ident, cc in self.clause_order:
            if changed is not None and not self.reading_deps[ident] & changed:
                continue
            v = cc.value(env)
            if cc.factor != 1.0:
                v = Val(v.lo * cc.factor, v.lo * cc.factor if v.exact else v.hi * cc.factor, v.present)
            fired = as_rows(v.present, n, bool)
            if cc.when is not None:
                fired = fired & as_rows(cc.when(env).lo, n, bool)
            if cc.dim == Dim.BOOL:
                lo = as_rows(v.lo, n, bool) & fired
                env.results[ident] = Val(lo, lo, fired)
                env.fired[ident] = fired
                if cc.sharing is not None:
                    cc.sharing.apply(env, peers)
                continue
            fired = _defined(v, fired)
            own = writable(v, n)  # 0 where it did not fire: in the value's own arrays where it has them
            lo = zero_unless(v.lo, fired, own)
            hi = lo if v.exact else zero_unless(v.hi, fired, own)
            if cc.is_money:  # whole fen, rounded by the value's closure; yuan for readers of results
                env.fen[ident] = Val(lo, hi, fired, zeroed=True)
                env.results[ident] = Yuan(env.fen[ident])
            else:
                env.results[ident] = Val(lo, hi, fired, zeroed=True)
            env.fired[ident] = fired
            if cc.sharing is not None:
                cc.sharing.apply(env, peers)
        return env

    def evaluate(self, batch: ProjectBatch, fx: Any, readings: dict[str, str] | None = None) -> Outcomes:
        env = self.run(batch, fx, readings)
        return self.outcomes(env)

    def affected(self, env: Env) -> set[str] | None:
        """The concepts a partial run (`run(base=…)`) may have changed; None after a whole run."""
        if env.rerun is None:
            return None
        changed, clauses = env.rerun
        out = {cc.clause.concept.dotted for cid, cc in self.clauses.items() if cid in clauses and cc.clause.concept}
        for sc in self.splits.values():
            if sc.concept and (sc.base in clauses or self.split_deps[sc.id] & changed):
                out |= {f"{sc.concept}.{name}" for name, _ in sc.weights}
        return out | {c for c, deps in self.beneficiary_deps.items() if deps & changed}

    def outcomes(self, env: Env, base: Outcomes | None = None) -> Outcomes:
        """Per concept, the clauses that fired for it added up (money in whole fen, then yuan).  With
        `base` (the outcomes of the run `env` was a partial re-run of), concepts the re-run could not
        change are taken from it."""
        affected = self.affected(env) if base is not None else None
        if affected is not None and base is not None:
            return self._outcomes(env, affected).merged(base, affected)
        return self._outcomes(env, None)

    def _outcomes(self, env: Env, only: set[str] | None) -> Outcomes:
        n = env.batch.n
        numeric: dict[str, tuple[Arr, Arr]] = {}
        boolean: dict[str, Arr] = {}
        money: set[str] = set()
        eligible: dict[str, Arr] = {}  # concept -> where some clause or split share gave it
        payers: dict[str, dict[str, tuple[Arr, Arr]]] = {}  # concept -> payer -> what it bears
        gave: dict[str, Arr] = {}  # "clause:ID" / "split:ID" -> where it gave its concept
        own: set[str] = set()  # concepts whose arrays were made here (sums): turned to yuan in place
        for cid, cc in self.clauses.items():
            concept = cc.clause.concept.dotted if cc.clause.concept else None
            if concept is None or (only is not None and concept not in only):
                continue
            fired = as_rows(env.fired[cid], n, bool)
            gave[f"clause:{cid}"] = fired
            eligible[concept] = eligible[concept] | fired if concept in eligible else fired
            v = env.fen[cid] if cc.is_money else env.results[cid]
            if cc.is_money:
                money.add(concept)
            if concept in self.paid_concepts and cc.dim != Dim.BOOL:
                _pay(payers, concept, self.payers[cid], v.lo, v.hi, cc.is_money, n)
            if cc.dim == Dim.BOOL:
                boolean[concept] = boolean[concept] | v.lo if concept in boolean else v.lo
            elif concept in numeric:  # several clauses of one concept add up
                lo, hi = numeric[concept]
                total = lo + v.lo
                numeric[concept] = (total, total if hi is lo and v.exact else hi + v.hi)
                own.add(concept)
            else:  # an exact value keeps one array for both ends: each step after it works on one
                lo = as_rows(v.lo, n)
                numeric[concept] = (lo, lo if v.exact else as_rows(v.hi, n))
        for sc in self.splits.values():
            if sc.concept is None or sc.base not in env.results or \
                    (only is not None and not any(f"{sc.concept}.{name}" in only for name, _ in sc.weights)):
                continue
            is_money = self.clauses[sc.base].is_money
            base = env.fen[sc.base] if is_money else env.results[sc.base]
            applies = env.fired[sc.base]
            if sc.when is not None:
                applies = applies & as_rows(sc.when(env).lo, n, bool)
            applies = as_rows(applies, n)
            gave[f"split:{sc.id}"] = applies
            for (name, w), kw in zip(sc.weights, sc.exact_weights, strict=True):
                if is_money:  # each share rounded to the fen, exactly
                    lo, hi = (_share_where(applies, x, kw) for x in (base.lo, base.hi))
                else:
                    lo, hi = (zero_unless(np.asarray(x * w), applies, owned=np.ndim(x) > 0) for x in (base.lo, base.hi))
                key = f"{sc.concept}.{name}"
                if sc.concept in self.paid_concepts:  # a share is paid as the clause it divides
                    _pay(payers, key, self.payers[sc.base], lo, hi, is_money, n)
                if is_money:
                    money.add(key)
                if key in numeric or sc.concept in self.paid_concepts:  # the payers hold lo and hi
                    plo, phi = numeric.get(key, (np.zeros(n), np.zeros(n)))
                    lo, hi = plo + lo, phi + hi
                else:  # this loop's own arrays: 0 + x in place (-0.0 becomes 0.0, as the sum made it)
                    lo += 0.0
                    hi += 0.0
                numeric[key] = (lo, hi)
                own.add(key)
                eligible[key] = eligible[key] | applies if key in eligible else applies
        for key in money:
            lo, hi = numeric[key]
            if key in own:  # arrays made here: to yuan in place (the same division)
                for x in (lo,) if hi is lo else (lo, hi):
                    np.divide(x, 100.0, out=x)
            else:
                yuan = lo / 100.0
                numeric[key] = (yuan, yuan if hi is lo else hi / 100.0)
            for payer, (plo, phi) in payers.get(key, {}).items():
                part = plo / 100.0
                payers[key][payer] = (part, part if phi is plo else phi / 100.0)
        beneficiaries = {c: choose_beneficiaries(rules, gave, env) for c, rules in self.beneficiary_rules.items()
                         if (c in numeric or c in boolean) and all(r.source in gave for r in rules)}
        return Outcomes(self.policy.id, self.policy.city, env.batch.ids, numeric, boolean, env.fired,
                        eligible, beneficiaries, env.fx, dict(env.readings), record=self.policy.record,
                        payers=payers, project_fx=project_rates(env.batch))


def project_rates(batch: ProjectBatch) -> Arr | None:
    """Per project its own USD→CNY rate: the rate its given amounts were converted at where they
    share one (an amount's own `fx_rate.FIELD` counts over the project's `fx_rate`), else its
    `fx_rate` (each amount's own rate is in `explain`); NaN where the run's rate applies.  None where
    no project of the batch has one."""
    cols = batch.columns
    fields = [k[:-len("#rate")] for k in cols if k.endswith("#rate")]
    general = cols.get("fx_rate")
    if general is None and not fields:
        return None
    out = np.full(batch.n, np.nan) if general is None else np.asarray(general, dtype=np.float64)
    used = np.full(batch.n, np.nan)
    mixed = np.zeros(batch.n, dtype=bool)
    for name in fields:
        rate = np.asarray(cols[f"{name}#rate"], dtype=np.float64)
        applies = np.asarray(cols[f"{name}#own"], dtype=bool) & (np.asarray(cols[name], dtype=np.float64) != 0)
        mixed |= applies & ~np.isnan(used) & (used != rate)
        used = np.where(applies & np.isnan(used), rate, used)
    first = np.where(np.isnan(out), used, out)  # several rates: the project's own, else its first amount's
    return np.where(np.isnan(used) | mixed, first, used)


def _pay(payers: dict[str, dict[str, tuple[Arr, Arr]]], key: str, who: Payers | None, lo: Any, hi: Any,
         money: bool, n: int) -> None:
    """Adds an amount (lo, hi per project; whole fen where `money`) to what each of its payers bears."""
    who = who or Payers(((NOT_STATED, Fraction(1)),))
    same = hi is lo
    lo, hi = (as_rows(x, n, np.float64) for x in (lo, hi))
    ends = [divide(lo, who, money)] + ([] if same else [divide(hi, who, money)])
    mine = payers.setdefault(key, {})
    for k, (name, part_lo) in enumerate(ends[0]):
        part_hi = part_lo if len(ends) == 1 else ends[1][k][1]
        if name in mine:
            a, b = mine[name]
            total = a + part_lo
            mine[name] = (total, total if b is a and part_hi is part_lo else b + part_hi)
        else:
            mine[name] = (part_lo, part_hi)


def _share_where(applies: Arr, fen: Any, w: Fraction) -> Arr:
    """w of an amount in whole fen, rounded to the fen exactly (payer.fen_share), 0 where the split does
    not apply: in the share's own array where it made one."""
    col = np.asarray(fen, dtype=np.float64)
    share = fen_share(col, w)
    return zero_unless(share, applies, owned=share is not col)


def _defined(v: Val, fired: Arr) -> Arr:
    """Where a value is NaN (∞ - ∞, 0/0 at run time) it has no number: the clause does not fire."""
    for x in (v.lo,) if v.exact else (v.lo, v.hi):
        if np.ndim(x) == 0:
            if np.isnan(x):
                return np.zeros_like(fired)
        else:
            bad = np.isnan(x)
            if bad.any():
                fired = fired & ~bad
    return fired

