"""Policy tests with several projects, each over several years (compare.engine.years), and projects of
one year that share a budget or compete for places (compare.engine.portfolio):

    - name: "a cumulative cap binds in year 3 of 4"
      article: "第三条"
      why: "…"
      projects:
        - {id: p1, landed_on: 2024-01-01, foreign: true,        # fields for every year
           years: {2024: {fdi_arrived: 1000万元}, 2025: {…}, 2026: {…}, 2027: {…}}}
        - {id: p2, score: 90}                                     # one year: no `years`
      expect:
        p1: {2024: {reward.fdi: "100万元"}, 2026: {reward.fdi: "60万元"}, total: {reward.fdi: "300万元"},
             due_later: {reward.fdi: "25万元"}}
        p2: {reward.fdi: "10万元"}      # a case of one year: the concepts directly

A project's years run without gaps from `landed_on` (a date or a year; else its first year) on; every
project of a case gives `years`, or none does (one year: the projects' `year`, else the year they
landed, else this year).  An expected value is as in a single case, or "not eligible".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx
import numpy as np

from compare.data.headers import rate_column
from compare.data.records import InputError, Record
from compare.data.validate import clean_records, columns
from compare.engine.evaluate import NOT_ELIGIBLE, CompiledPolicy, Outcomes
from compare.engine.explain_years import explain_years
from compare.engine.fx import default_fx
from compare.engine.project_years import ProjectYears
from compare.engine.years import YearOutcomes, evaluate_years, year_batches
from compare.testing.cases import Case, CaseResult, Coverage, _matches, expected_value, record_coverage
from dsl.units import Dim

PROJECT_KEYS = ("id", "landed_on", "years")


class CaseError(Exception):
    """A case that cannot be run as written (its message says what to change)."""


def run_years_case(cp: CompiledPolicy, case: Case, coverage: Coverage | None = None) -> CaseResult:
    fx = case.fx if case.fx is not None else default_fx(cp.policy)
    unknown = [k for k in case.readings if k not in cp.policy.readings]
    if unknown:
        return CaseResult(case, cp.policy.id, False, [f"unknown reading {', '.join(unknown)}"])
    try:
        py = case_years(cp, case)
        yo = evaluate_years(cp, py, fx, case.readings)
    except CaseError as e:
        return CaseResult(case, cp.policy.id, False, [str(e)])
    except InputError as e:
        return CaseResult(case, cp.policy.id, False, [d.message for d in e.diagnostics])
    failures: list[str] = []
    failed: list[str] = []
    for pid, wants in case.expect.items():
        mine = _check_project(cp, yo, str(pid), wants)
        failures += mine
        if mine and str(pid) in yo.ids:
            failed.append(str(pid))
    failures += _decided_by(cp, case)
    if coverage is not None:
        _coverage(cp, py, fx, case.readings, coverage)
    result = CaseResult(case, cp.policy.id, not failures, failures)
    if failed:
        result.explanation = "\n".join(explain_years(cp, py, pid, fx, case.readings).render() for pid in failed)
    return result


# ---------------------------------------------------------------------- the case's projects


def case_years(cp: CompiledPolicy, case: Case) -> ProjectYears:
    """The case's projects as a ProjectYears (CaseError where they cannot be)."""
    projects = case.projects or []
    if not projects:
        raise CaseError("`projects` is empty: give one project or more")
    ids: list[str] = []
    for k, p in enumerate(projects):
        if not isinstance(p, dict) or "id" not in p:
            raise CaseError(f"project {k + 1}: each project is a mapping with an `id`")
        if str(p["id"]) in ids:
            raise CaseError(f"project `{p['id']}` is given twice")
        rates = [key for key in p if rate_column(str(key), cp.policy.record)]
        if rates:
            raise CaseError(f"project `{p['id']}`: a project's own rate ({rates[0]}) is for a case of one project; "
                              "give the case's `fx`")
        ids.append(str(p["id"]))
    with_years = [p for p in projects if "years" in p]
    if with_years and len(with_years) != len(projects):
        raise CaseError("give every project `years`, or none (a case of one year)")
    per: list[dict[int, dict[str, Any]]]
    if not with_years:
        year = _one_year(projects)
        per = [{year: {}} for _ in projects]
    else:
        per = [_years_of(p) for p in projects]
    landing = np.array([_landing(p, min(y)) for p, y in zip(projects, per, strict=True)], dtype=np.int64)
    for p, y, land in zip(projects, per, landing, strict=True):
        _check_run(str(p["id"]), sorted(y), int(land))
    years = list(range(min(min(y) for y in per), max(max(y) for y in per) + 1))
    record = cp.policy.record
    batches, active = {}, {}
    for year in years:
        rows = []
        for p, y in zip(projects, per, strict=True):
            fixed = {k: v for k, v in p.items() if k not in PROJECT_KEYS}
            own = y.get(year, y[min(y)])  # a year without a row: any of its rows (not evaluated)
            rows.append(Record({"id": str(p["id"]), **fixed, **own}, case.line))
        batches[year] = columns(clean_records(rows, case.file, record), record)
        active[year] = np.array([year in y for y in per], dtype=bool)
    return ProjectYears(ids, years, batches, active, landing)


def _years_of(p: dict[str, Any]) -> dict[int, dict[str, Any]]:
    raw = p["years"]
    if not isinstance(raw, dict) or not raw:
        raise CaseError(f"project `{p['id']}`: `years` maps each year to its fields: {{2024: {{…}}, 2025: {{…}}}}")
    out: dict[int, dict[str, Any]] = {}
    for k, v in raw.items():
        try:
            year = int(str(k))
        except ValueError:
            raise CaseError(f"project `{p['id']}`: `{k}` is not a year") from None
        if v is not None and not isinstance(v, dict):
            raise CaseError(f"project `{p['id']}`, {year}: the year's fields are a mapping")
        out[year] = dict(v or {})
    return out


def _one_year(projects: list[dict[str, Any]]) -> int:
    years = {int(p["year"]) for p in projects if "year" in p}
    landed = {_landing(p, 0) for p in projects if "landed_on" in p}
    if len(years) > 1:
        raise CaseError(f"the projects give different years ({', '.join(map(str, sorted(years)))}); give each "
                          "its `years`")
    return years.pop() if years else max(landed) if landed else dt.date.today().year


def _landing(p: dict[str, Any], first: int) -> int:
    raw = p.get("landed_on")
    if raw is None:
        return first
    if isinstance(raw, dt.date):
        return raw.year
    text = str(raw).strip()
    try:
        return int(text) if text.isdigit() else dt.date.fromisoformat(text).year
    except ValueError:
        raise CaseError(f"project `{p['id']}`: landed_on `{raw}` is not a date (YYYY-MM-DD) or a year") from None


def _check_run(pid: str, years: list[int], landing: int) -> None:
    if years[0] < landing:
        raise CaseError(f"project `{pid}`: a row for {years[0]}, before it landed in {landing}")
    gaps = [y for y in range(years[0], years[-1] + 1) if y not in years]
    if gaps:
        raise CaseError(f"project `{pid}`: its years have a gap at {', '.join(map(str, gaps))}; a project's years "
                          "run without gaps (give the year, with 0 where nothing happened)")


# ---------------------------------------------------------------------- the expectations


def _check_project(cp: CompiledPolicy, yo: YearOutcomes, pid: str, wants: Any) -> list[str]:
    if pid not in yo.ids:
        return [f"{pid}: no such project in the case (it has {', '.join(yo.ids)})"]
    if not isinstance(wants, dict):
        return [f"{pid}: expect a mapping of years (2024: {{…}}), `total` and `due_later`"]
    i = yo.ids.index(pid)
    failures: list[str] = []
    for key, raw in wants.items():
        where = str(key)
        if where == "total":
            failures += _check_outcomes(cp, yo.total, i, raw, f"{pid}, total")
        elif where == "due_later":
            failures += _check_due(cp, yo, i, raw, pid)
        elif where.isdigit():
            year = int(where)
            if year not in yo.by_year:
                failures.append(f"{pid}: no year {year} in the case ({yo.years[0]}–{yo.years[-1]})")
            else:
                failures += _check_outcomes(cp, yo.by_year[year], i, raw, f"{pid}, {year}")
        elif len(yo.years) == 1:  # one year: the concepts directly
            failures += _check_outcomes(cp, yo.by_year[yo.years[0]], i, {key: raw}, pid)
        else:
            failures.append(f"{pid}: `{key}`: say the year (2024: {{{key}: …}}) or `total`")
    return failures


def _check_outcomes(cp: CompiledPolicy, out: Outcomes, i: int, wants: Any, where: str) -> list[str]:
    from compare.engine.explain import fmt_value

    if not isinstance(wants, dict):
        return [f"{where}: expect a mapping of concepts to values"]
    failures = []
    for concept, raw in wants.items():
        if concept not in out.numeric and concept not in out.boolean:
            failures.append(f"{where}: {concept}: the policy has no such outcome (it has {', '.join(out.concepts)})")
            continue
        dim = cp.concept_dims.get(concept)
        money = dim is not None and dim.is_money
        state = out.state(concept, i)
        if raw == "not eligible":
            if state != NOT_ELIGIBLE:
                failures.append(f"{where}: {concept}: expected not eligible, got {fmt_value(out.value(concept, i), dim)}")
            continue
        try:
            want = expected_value(raw)
        except ValueError as e:
            failures.append(f"{where}: {concept}: {e}")
            continue
        got = out.value(concept, i)
        if not _matches(want, got, money):
            shown = "not eligible" if state == NOT_ELIGIBLE else fmt_value(got, Dim.CNY if money else dim)
            failures.append(f"{where}: {concept}: expected {fmt_value(want, Dim.CNY if money else dim)}, got {shown}")
    return failures


def _check_due(cp: CompiledPolicy, yo: YearOutcomes, i: int, wants: Any, pid: str) -> list[str]:
    from compare.engine.explain import fmt_value

    if not isinstance(wants, dict):
        return [f"{pid}, due_later: expect a mapping of concepts to values"]
    failures = []
    for concept, raw in wants.items():
        lo, hi = yo.due_later.get(concept, (np.zeros(len(yo.ids)), np.zeros(len(yo.ids))))
        a, b = float(lo[i]), float(hi[i])
        got: Any = a if a == b else (a, b)
        want = expected_value(raw)
        dim = cp.concept_dims.get(concept)
        money = dim is not None and dim.is_money
        if not _matches(want, got, money):
            failures.append(f"{pid}, due_later: {concept}: expected {fmt_value(want, dim)}, got {fmt_value(got, dim)}")
    return failures


def _decided_by(cp: CompiledPolicy, case: Case) -> list[str]:
    concepts = {str(c) for wants in case.expect.values() if isinstance(wants, dict)
                for key, v in wants.items() for c in (v if isinstance(v, dict) else {key: v})}
    targets = [f"outcome:{c}" for c in concepts if f"outcome:{c}" in cp.graph]
    feeding = set().union(*(nx.ancestors(cp.graph, t) for t in targets)) if targets else set()
    out = []
    for cid in case.decided_by:
        if cid not in cp.clauses:
            out.append(f"decided_by: no clause `{cid}`")
        elif f"clause:{cid}" not in feeding:
            out.append(f"decided_by: clause `{cid}` does not feed the expected outcomes")
    return out


def _coverage(cp: CompiledPolicy, py: ProjectYears, fx: Any, readings: dict[str, str], coverage: Coverage) -> None:
    """Branch coverage of each project's year as the single-year evaluator ran it."""
    for _, batch, _ in year_batches(cp, py):
        for k in range(batch.n):
            row = batch.row(k)
            trace: dict[int, Any] = {}
            env = cp.run(row, fx, readings, trace=trace)
            record_coverage(cp, env, trace, coverage)
