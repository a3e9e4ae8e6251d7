"""Policy tests: YAML files of hand-worked cases beside the policies (`*.cases.yaml`).

    policy: zhangjiagang_2017
    cases:
      - name: "…"
        article: "第5条"
        why: "the arithmetic, by hand"
        fx: 7.0                       # optional USD→CNY rate
        readings: {tier_edges: upper_closed}   # optional
        project: {id: c1, foreign: true, registered_capital: 1000万美元, …}
        expect: {points.referring_department: 1, reward.team: "196000元", reward.fdi: ["0元", "50万元"],
                 gate.leading_group_review: true, points.host_district: {promised: "…"}}
        decided_by: [dept_referral_points]   # optional: the clauses that decide it (fired or not)
      - name: "several projects over years"       # compare.testing.year_cases
        projects: [{id: p1, landed_on: 2024-01-01, foreign: true,
                    years: {2024: {fdi_arrived: 1000万元}, 2025: {fdi_arrived: 500万元}}}]
        expect: {p1: {2024: {reward.fdi: "100万元"}, total: {reward.fdi: "150万元"}}}

Coverage counts, over all the cases of a policy, which clauses fired and did not fire, which
tier rows matched, which conditions were seen true and false, which items of a max (or
first) won, and which splits applied and did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

from compare.data import cells
from compare.data.headers import rate_column
from compare.data.rates import add_own_rates, parse_rates
from compare.data.records import FieldError, InputError, Record
from compare.data.validate import clean_records, columns, parse_money
from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import NOT_ELIGIBLE, CompiledPolicy
from compare.engine.explain import explain, fmt_value, show
from compare.engine.fx import default_fx
from dsl import ast as A
from dsl.ast import Span
from dsl.diagnostics import Diagnostic
from dsl.files import POLICY_CASES, FileRefusedError, read_checked
from dsl.record import Record as FieldRecord
from dsl.units import DAYS_PER_MONTH, SCALES, UNITS, Dim, split_quantity
from dsl.walk import walk


@dataclass
class Case:
    name: str
    article: str | None
    project: dict[str, Any]
    expect: dict[str, Any]
    fx: float | None
    readings: dict[str, str]
    decided_by: list[str]
    line: int
    file: str
    # several projects, each with its years (compare.testing.year_cases); `project` is then empty
    projects: list[dict[str, Any]] | None = None


@dataclass
class CaseResult:
    case: Case
    policy: str
    ok: bool
    failures: list[str]
    explanation: str | None = None


@dataclass
class Coverage:
    """Branches of one policy and whether some case took them."""

    branches: dict[str, bool] = field(default_factory=dict)

    def add(self, key: str, hit: bool) -> None:
        self.branches[key] = self.branches.get(key, False) or hit

    @property
    def percent(self) -> float:
        return 100.0 * sum(self.branches.values()) / len(self.branches) if self.branches else 100.0

    def missed(self) -> list[str]:
        return [k for k, v in self.branches.items() if not v]


def load_cases(path: Path, folder: Path | None = None) -> tuple[str, list[Case]]:
    """The policy id and the cases of a case file; `folder`: the folder it was found in, which it may not
    lead out of (a link to a file elsewhere is refused, as a policy's is: dsl.files)."""
    p = str(path)
    try:
        text = read_checked(path, POLICY_CASES, folder).decode("utf-8")  # never a FIFO, /dev/zero or /proc (dsl.files)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except FileRefusedError as e:
        raise InputError([Diagnostic("E800", f"cannot read the case file: {e.message}", Span(p, 1, 1, 1, 2),
                                     e.hint)]) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise InputError([Diagnostic("E800", f"cannot read the case file: {e}", Span(p, line, 1, line, 2),
                                     None)]) from None
    if not isinstance(data, dict) or "policy" not in data or not isinstance(data.get("cases"), list):
        raise InputError([Diagnostic("E800", "a case file has `policy: ID` and `cases: [...]`", Span(p, 1, 1, 1, 2),
                                     None)])
    lines: list[int] = []
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if k.value == "cases" and isinstance(v, yaml.SequenceNode):
                lines = [n.start_mark.line + 1 for n in v.value]
    cases = []
    for i, c in enumerate(data["cases"]):
        line = lines[i] if i < len(lines) else 1
        several = isinstance(c, dict) and isinstance(c.get("projects"), list) and "project" not in c
        if not isinstance(c, dict) or ("project" not in c and not several) or not isinstance(c.get("expect"), dict):
            raise InputError([Diagnostic("E800", "each case has `name`, `project` (or `projects`: a list) and `expect`",
                                         Span(p, line, 1, line, 2), None)])
        cases.append(Case(str(c.get("name", f"case {i + 1}")), c.get("article"), {} if several else dict(c["project"]),
                          dict(c["expect"]), float(c["fx"]) if "fx" in c else None, dict(c.get("readings") or {}),
                          list(c.get("decided_by") or []), line, p, list(c["projects"]) if several else None))
    return str(data["policy"]), cases


def expected_value(raw: Any) -> Any:
    """A case's expectation in the texts' notation -> a number, a bool, or an interval (lo, hi)."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, dict) and "promised" in raw:
        return (0.0, float("inf"))
    if isinstance(raw, list) and len(raw) == 2:
        lo, hi = expected_value(raw[0]), expected_value(raw[1])
        return (float(lo), float("inf") if raw[1] is None else float(hi))
    if raw is None:
        return float("inf")
    if isinstance(raw, (int, float)):
        return float(raw)
    s = str(raw).strip()
    try:
        return parse_money(s)[0] if s.endswith("元") or s[:3] in ("USD", "CNY") else _quantity(s)
    except FieldError:
        return _quantity(s)


def _quantity(s: str) -> float:
    if not s[:1].isdigit():  # a word (a misspelt "not eligible"): split_quantity reads figures only
        raise ValueError(f"cannot read the expected value `{s}`: a figure (30万元, 2分), true/false, "
                         "[low, high], {promised: …} or \"not eligible\"")
    number, scale, unit = split_quantity(s.replace(" ", ""))
    u = UNITS.get(unit)
    if u is None:
        raise ValueError(f"cannot read the expected value `{s}`")
    return float(number * SCALES[scale] * (u.factor if u.dim != Dim.RATIO else u.factor))


def _matches(want: Any, got: Any, money: bool) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return want is got or (isinstance(got, (bool, np.bool_)) and bool(got) == want)
    w = want if isinstance(want, tuple) else (want, want)
    g = got if isinstance(got, tuple) else (got, got)
    tol = 0.005 if money else 1e-9
    return all((a == b) if (a == float("inf") or b == float("inf")) else abs(a - b) <= tol + 1e-12 * abs(b)
               for a, b in zip(w, g, strict=True))


def run_case(cp: CompiledPolicy, case: Case, coverage: Coverage | None = None) -> CaseResult:
    if case.projects is not None:
        from compare.testing.year_cases import run_years_case  # it builds on this module

        return run_years_case(cp, case, coverage)
    failures: list[str] = []
    record = cp.policy.record
    project = {k: v for k, v in case.project.items() if not rate_column(k, record)}
    try:
        rec = clean_records([Record(project, case.line)], case.file, record)
    except InputError as e:
        return CaseResult(case, cp.policy.id, False, [d.message for d in e.diagnostics])
    batch = columns(rec, record)
    bad = own_rates(batch, {k: v for k, v in case.project.items() if k not in project}, record)
    if bad:
        return CaseResult(case, cp.policy.id, False, [f"project {case.project.get('id', '?')}: {bad}"])
    fx = case.fx if case.fx is not None else default_fx(cp.policy)
    unknown = [k for k in case.readings if k not in cp.policy.readings]
    if unknown:
        return CaseResult(case, cp.policy.id, False, [f"unknown reading {', '.join(unknown)}"])
    trace: dict[int, Any] = {}
    env = cp.run(batch, fx, case.readings, trace=trace)
    out = cp.outcomes(env)
    for concept, raw in case.expect.items():
        if concept not in out.numeric and concept not in out.boolean:
            failures.append(f"{concept}: the policy has no such outcome (it has {', '.join(out.concepts)})")
            continue
        if raw == "not eligible":  # no clause gives the concept (docs/testing.md)
            if out.state(concept, 0) != NOT_ELIGIBLE:
                failures.append(f"{concept}: expected not eligible, got {fmt_value(out.value(concept, 0), None)}")
            continue
        try:
            want = expected_value(raw)
        except ValueError as e:
            failures.append(f"{concept}: {e}")
            continue
        got = out.value(concept, 0)
        dim = cp.concept_dims.get(concept)
        money = dim is not None and dim.is_money
        if _months(raw) and dim == Dim.DAYS:
            want = want * DAYS_PER_MONTH  # "1个月" for a concept reported in days
        if not _matches(want, got, money):
            dim = Dim.CNY if money else None
            failures.append(f"{concept}: expected {fmt_value(want, dim)}, got {fmt_value(got, dim)}")
    # decided_by: the clauses that decide the expected outcomes, fired or not: each must feed one of them
    import networkx as nx

    targets = [f"outcome:{c}" for c in case.expect if f"outcome:{c}" in cp.graph]
    feeding = set().union(*(nx.ancestors(cp.graph, t) for t in targets)) if targets else set()
    for cid in case.decided_by:
        if cid not in env.fired:
            failures.append(f"decided_by: no clause `{cid}`")
        elif f"clause:{cid}" not in feeding:
            failures.append(f"decided_by: clause `{cid}` does not feed {', '.join(case.expect)}")
    if coverage is not None:
        record_coverage(cp, env, trace, coverage)
    result = CaseResult(case, cp.policy.id, not failures, failures)
    if failures:
        result.explanation = explain(cp, batch, batch.ids[0], fx, case.readings).render()
    return result


def _months(raw: Any) -> bool:
    return isinstance(raw, str) and raw.strip().endswith(("个月", "月")) and not raw.strip().endswith("年")


def all_branches(cp: CompiledPolicy, coverage: Coverage) -> None:
    """Register every branch of the policy (not yet hit)."""
    for cid, cc in cp.clauses.items():
        coverage.add(f"clause {cid} fires", False)
        coverage.add(f"clause {cid} does not fire", False)
        for x, _ in cc.conjuncts if len(cc.conjuncts) > 0 else []:
            coverage.add(f"clause {cid}: `{show(x)}` true", False)
            coverage.add(f"clause {cid}: `{show(x)}` false", False)
        for node in _walk(cc.clause.value):
            if isinstance(node, A.Tiers):
                for r in node.rows:
                    coverage.add(f"clause {cid}: tier {_row(r)}", False)
            elif isinstance(node, A.Call) and node.func in ("max", "min", "first"):
                for a in node.args:
                    coverage.add(f"clause {cid}: {node.func} picks {show(a)}", False)
            elif isinstance(node, A.ByReading):
                for case in node.cases:
                    coverage.add(f"clause {cid}: reading {node.reading}={case.option}", False)
    for sid in cp.splits:
        coverage.add(f"split {sid} applies", False)
        coverage.add(f"split {sid} does not apply", False)


def record_coverage(cp: CompiledPolicy, env: Any, trace: dict[int, Any], coverage: Coverage) -> None:
    for cid, cc in cp.clauses.items():
        fired = bool(env.fired[cid][0])
        coverage.add(f"clause {cid} fires", fired)
        coverage.add(f"clause {cid} does not fire", not fired)
        for x, fn in cc.conjuncts:
            v = bool(np.asarray(fn(env).lo).reshape(-1)[0])
            coverage.add(f"clause {cid}: `{show(x)}` true", v)
            coverage.add(f"clause {cid}: `{show(x)}` false", not v)
        for node in _walk(cc.clause.value):
            got = trace.get(id(node))
            if isinstance(node, A.Tiers) and got is not None and got[0] >= 0:
                coverage.add(f"clause {cid}: tier {_row(node.rows[got[0]])}", True)
            elif isinstance(node, A.Call) and node.func in ("max", "min", "first") and got is not None:
                coverage.add(f"clause {cid}: {node.func} picks {show(node.args[got])}", True)
            elif isinstance(node, A.ByReading) and got is not None:
                coverage.add(f"clause {cid}: reading {node.reading}={got}", True)
    for sid, sc in cp.splits.items():
        applies = bool(env.fired.get(sc.base, np.zeros(1, dtype=bool))[0])
        if sc.when is not None:
            applies = applies and bool(np.asarray(sc.when(env).lo).reshape(-1)[0])
        coverage.add(f"split {sid} applies", applies)
        coverage.add(f"split {sid} does not apply", not applies)


def _row(r: A.TierRow) -> str:
    return f"{'[' if r.low_closed else '('}{show(r.low)}, {show(r.high)}{']' if r.high_closed else ')'}"


def _walk(e: object) -> list[object]:
    return list(walk(e))


def case_files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(p.rglob("*.cases.yaml")))
        elif p.name.endswith(".cases.yaml"):
            out.append(p)
        elif p.suffix == ".policy":
            sibling = p.with_name(p.stem + ".cases.yaml")
            if sibling.exists():
                out.append(sibling)
    return out


def own_rates(batch: ProjectBatch, given: dict[str, Any], record: FieldRecord) -> str | None:
    """A case's own USD→CNY rates (`fx_rate`, `fx_rate.FIELD`) as the rate columns a project file
    gives (compare.data.rates); the problem with a rate that is not one, else None."""
    if not given:
        return None
    bad = cells.Bad()
    rates = {name: parse_rates(pa.array([None if v is None else str(v)], pa.string()), bad, 1)
             for name, v in given.items()}
    if bad.rows:
        _, code, message, hint = bad.rows[0]
        return f"{code} {message} ({hint})" if hint else f"{code} {message}"
    add_own_rates(batch.columns, batch.n, record, rates)
    return None
