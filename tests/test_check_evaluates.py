"""What `check` accepts evaluates: for policies generated over every construct of the language
(tests/policy_generator.py), each one the checker accepts (quotes aside: E503 is skipped) is evaluated
without an exception, on every path a user reaches: the batch evaluator under every reading option,
the explanation of a project, the formatter, the z3 encoding of the semantic diff (a construct it does
not encode is reported per concept, `Unsupported`, never raised to the user), and the semantic diff of
a base policy against its revision where the generator made one.

The projects are the all-default record, the extremes (0, the largest amounts a record may give in
USD and CNY, ratios 0 and 1, every choice and grade, no category and every category, the industry
texts the policies name and others) and random ones.  CI runs 100 policies (10-40 s);
POLICYLAB_PROPERTY_EXAMPLES=1000 searches longer.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import z3
from conftest import POLICIES
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from policy_generator import policies

from compare.api import evaluate
from compare.data.records import Record
from compare.data.validate import clean_records, columns
from compare.diff.encode import Encoder, value_of
from compare.diff.semantic import semantic_diff
from compare.diff.symbolic import Project, Unsupported
from compare.engine.evaluate import CompiledPolicy
from compare.engine.explain import explain
from compare.engine.project_years import ProjectYears
from compare.engine.years import evaluate_years
from dsl.check.driver import Checker, declarations
from dsl.check.record import record_of
from dsl.diagnostics import Diagnostic
from dsl.format import format_text
from dsl.load import merge
from dsl.model import Policy, PolicyFileInfo
from dsl.parse import parse_text
from dsl.schema import CATEGORIES, GRADES, REFERRALS
from dsl.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy(POLICIES / "taxonomy")[0]
SOURCE = "第1条 b"
FLAGS = ("foreign", "licensed", "started", "in_core_zone", "expansion", "manufacturing", "needs_municipal_support")
MONEY = ("registered_capital", "total_investment", "paid_in_capital", "fdi_arrived", "fixed_asset_investment")

EXTREMES: list[dict[str, Any]] = [
    {},
    {**{f: "0元" for f in MONEY}, "paid_in_ratio": 0, "quality_score": 0, "year": 2017, "categories": [],
     "industry": ""},
    {**{f: "10万亿美元" for f in MONEY}, **{f: True for f in FLAGS}, "paid_in_ratio": 1, "quality_score": 100,
     "categories": list(CATEGORIES), "referral": "intermediary", "grade": "A+", "industry": "房地产"},
    {**{f: "10万亿元" for f in MONEY}, "paid_in_ratio": 1, "referral": "municipal_dept", "grade": "F",
     "industry": "制造业", "year": 2100},
    *({"referral": r, "grade": g, "industry": i, "registered_capital": m, "foreign": True, "started": True}
      for r, g, i, m in zip(REFERRALS, GRADES, ["其他", "房地产", "", "制造业"], ["1000万美元", "0.01元", "3000万元", "1亿美元"],
                            strict=False)),
]


@st.composite
def project(draw: st.DrawFn) -> dict[str, Any]:
    p: dict[str, Any] = {}
    for f in FLAGS:
        if draw(st.booleans()):
            p[f] = draw(st.booleans())
    for f in MONEY:
        if draw(st.booleans()):
            p[f] = draw(st.sampled_from(["0元", "1元", "500万美元", "1000万美元", "3000万元", "1亿美元", "10万亿元",
                                         "10万亿美元", "2.5万元"]))
    if draw(st.booleans()):
        p["paid_in_ratio"] = draw(st.sampled_from([0, 0.3, 0.2999, 1]))
    if draw(st.booleans()):
        p["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
    for name, values in (("referral", REFERRALS), ("grade", GRADES), ("industry", ("房地产", "制造业", "", "其他"))):
        if draw(st.booleans()):
            p[name] = draw(st.sampled_from(values))
    if draw(st.booleans()):
        p["quality_score"] = draw(st.sampled_from([0, 59.5, 60, 100]))
    if draw(st.booleans()):
        p["year"] = draw(st.sampled_from([2017, 2020, 2024]))
    for name, values in DECLARED.items():  # the city's own record (read only by policies that declare it)
        if draw(st.booleans()):
            p[name] = draw(st.sampled_from(values))
    return p


# Values of the fields tests/policy_generator.py's RECORD declares, at their edges.
DECLARED: dict[str, tuple[Any, ...]] = {
    "new_jobs": (0, 1, 100, 101, 10**9), "rent_area": ("0平方米", "1000平方米", "2亩", "999.99平方米", "1公顷"),
    "equipment": ("0元", "500万元", "10万亿美元", "0.01元"), "zone": ("key_area", "ordinary"),
    "honours": ([], ["gazelle"], ["gazelle", "unicorn"]), "landed_on": ("2020-01-01", "2024-01-01", "2021-06-30"),
    "score2": (0, 60, 60.5, 1e12), "staff": (0, 10, 9), "local_share": (0, 0.3, 1), "sector": ("", "软件", "芯片", "其他"),
    "hitech": (True, False),
}


def checked(text: str, revision: str | None) -> tuple[Policy | None, Policy | None, list[Diagnostic]]:
    """(the base policy, its revision, the errors but E503), each merged and checked as `check` does."""
    out: list[Policy | None] = []
    errors: list[Diagnostic] = []
    chain: list[PolicyFileInfo] = []
    for name, t in (("g.policy", text), ("g2.policy", revision)):
        if t is None:
            out.append(None)
            continue
        ast, diags = parse_text(t, name)
        if ast is None:
            errors += diags
            out.append(None)
            continue
        chain.append(PolicyFileInfo(Path(name), t, ast, Path("g.txt"), SOURCE))
        policy = merge(list(chain), diags)
        policy.taxonomy = TAXONOMY
        policy.record, d = record_of(declarations(policy, TAXONOMY))
        diags = diags + d + Checker(policy, TAXONOMY).run()
        errors += [d for d in diags if d.is_error and d.code != "E503"]
        out.append(policy)
    return out[0], out[1], errors


def every_reading(policy: Policy) -> list[dict[str, str]]:
    return [{}] + [{rid: o.id} for rid, r in policy.readings.items() for o in r.options if o.id != r.default]


def evaluates(policy: Policy, rows: list[dict[str, Any]]) -> CompiledPolicy:
    cp = CompiledPolicy(policy)
    if not policy.record.declared:  # a project file may hold fields only some cities read; here: drop them
        rows = [{k: v for k, v in r.items() if k not in DECLARED} for r in rows]
    records = clean_records([Record({"id": f"p{i}", **r}, i + 1) for i, r in enumerate(rows)], policy.record)
    batch = columns(records, policy.record)
    for readings in every_reading(policy):
        for fx in (7.0, 6.5):
            out = cp.evaluate(batch, fx, readings)
            for concept in out.concepts:
                for i in range(batch.n):
                    out.value(concept, i)
                    out.beneficiary(concept, i)
    if any(c.timing is not None and c.timing.over_years for c in policy.clauses.values()):
        over_years(cp, batch)
    for pid in ("p0", "p2"):  # the all-default record; the extreme USD project, every field given
        explain(cp, batch, pid, 7.0).render()
    # as a user runs it: records read as a table, the assumed inputs and other readings analysed, a table out
    evaluate([cp], [{"id": f"p{i}", **r} for i, r in enumerate(rows)], fx=7.0, output="arrow")
    for fx_rows in ([{**r, "fx_rate": 7.1234} for r in rows], [{**r, "fx_rate.fdi_arrived": 6.9} for r in rows]):
        evaluate([cp], [{"id": f"p{i}", **r} for i, r in enumerate(fx_rows)], fx=7.0, output="arrow")
    return cp


def over_years(cp: CompiledPolicy, batch: Any) -> None:
    """The time statements over a project's years (compare.engine.years): three years of the same
    records, every project landed in the first, under every reading."""
    years = [2024, 2025, 2026]
    py = ProjectYears(list(batch.ids), years, {y: batch for y in years}, {y: np.ones(batch.n, dtype=bool) for y in years},
                      np.full(batch.n, years[0], dtype=np.int64))
    for readings in every_reading(cp.policy):
        yo = evaluate_years(cp, py, 7.0, readings)
        for out in (yo.total, *yo.by_year.values()):
            for concept in out.concepts:
                for i in range(batch.n):
                    out.value(concept, i)


def encodes(policy: Policy) -> None:
    """Every concept as z3 terms (or Unsupported, which the diff reports as `not encoded`), read in a model."""
    for readings in every_reading(policy)[:2]:
        pr = Project(record=policy.record)
        enc = Encoder(policy, pr, Fraction(7), readings)
        terms = {}
        for key in enc.concepts:
            try:
                terms[key] = enc.concept(key)
            except Unsupported:
                continue
        s = z3.Solver()
        s.set("timeout", 2000)
        s.add(*pr.domain, *pr.limits)
        if s.check() == z3.sat:
            m = s.model()
            for term in terms.values():
                value_of(m, term)


def formats(text: str) -> None:
    out = format_text(text, "g.policy")
    assert format_text(out, "g.policy") == out


HEADER = 'policy g {\n  city g "生成"\n  source "g.txt"\n}\n'
HUGE = "1" + "0" * 200  # below the checker's limit on a figure (10^300)


def one_clause(concept: str, value: str, when: str | None = None) -> str:
    cond = f"  when {when}\n" if when else ""
    return HEADER + f'clause c {{\n  concept {concept}\n  cite "第1条" "b"\n{cond}  value {value}\n}}\n'


@example(generated=(one_clause("reward.team", f"{HUGE} * registered_capital"), None), rows=[])  # explain: 10^213 元
@example(generated=(one_clause("points.host_district", "1分", 'industry != "房地产"'), None), rows=[])
@example(generated=(one_clause("points.host_district", "(up to (if foreign then ∞ else ∞)) / 2"), None),
         rows=[])  # an interval with a scalar low end and a column high end, divided: ValueError (inhomogeneous)
@example(generated=(one_clause("reward.foreign_rnd_center", "foreign") +  # true/false and ∞ under one concept
                    one_clause("reward.foreign_rnd_center", "∞").split("}\n", 1)[1].replace("clause c ", "clause d "),
                    None), rows=[])
@example(generated=(one_clause("gate.leading_group_review", "foreign"),  # a revision's condition reads its own clause
                    'policy g2 extends g {\n  city g "生成"\n}\noverride clause c {\n  concept gate.leading_group_review\n'
                    '  cite "第1条" "b"\n  when c\n  value foreign\n}\n'), rows=[])
@settings(max_examples=int(os.environ.get("POLICYLAB_PROPERTY_EXAMPLES", "100")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                  HealthCheck.filter_too_much])
@given(generated=policies(), rows=st.lists(project(), max_size=4))
def test_every_policy_check_accepts_evaluates(generated: tuple[str, str | None], rows: list[dict[str, Any]]) -> None:
    text, revision = generated
    base, rev, errors = checked(text, revision)
    assert not [d for d in errors if "internal error" in d.message], errors
    assume(base is not None and not errors)
    assert base is not None
    projects = EXTREMES + rows
    old = evaluates(base, projects)
    formats(text)
    encodes(base)
    if rev is not None:
        new = evaluates(rev, projects)
        encodes(rev)
        semantic_diff(old, new, fx=7.0)


@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=st.lists(policies(), min_size=24, max_size=24))
def test_most_generated_policies_check(batch: list[tuple[str, str | None]]) -> None:
    """The property above is not vacuous: most generated policies (and revisions) check."""
    accepted = [not checked(text, rev)[2] for text, rev in batch]
    assert sum(accepted) >= 0.6 * len(batch), [checked(t, r)[2][:2] for (t, r), ok in zip(batch, accepted, strict=True)
                                               if not ok][:5]


def test_the_clauses_of_one_concept_give_it_one_unit() -> None:
    """A concept of unit `any` fed by a true/false clause and a count clause: no sum holds both (the z3
    encoding raised AttributeError adding them), so check refuses it."""
    text = one_clause("reward.foreign_rnd_center", "needs_municipal_support").replace("clause c ", "clause a ") + \
        one_clause("reward.foreign_rnd_center", "3人").split("}\n", 1)[1]
    base, _, errors = checked(text, None)
    assert [(d.code, d.span.line) for d in errors] == [("E304", 13)], errors
    assert "given true/false by clause `a` and a figure by clause `c`" in errors[0].message


@pytest.mark.parametrize("figure", ["∞", 'promised "按有关规定"', "3"])
def test_true_false_and_a_figure_never_share_a_concept(figure: str) -> None:
    """Found by the property test: a true/false clause and a clause of ∞ or a promise (no dimension) under
    one concept checked clean, and the z3 encoding raised AttributeError adding them."""
    for concept in ("reward.foreign_rnd_center", "gate.leading_group_review"):
        text = one_clause(concept, "foreign").replace("clause c ", "clause a ") + \
            one_clause(concept, figure).split("}\n", 1)[1]
        _, _, errors = checked(text, None)
        assert [d.code for d in errors] == ["E304"], errors  # once: a plain number is no bool concept's value
        assert "given true/false by clause `a` and a figure by clause `c`" in errors[0].message \
            or "measured in bool, but the value is a plain number" in errors[0].message


@pytest.mark.parametrize(("body", "cycle"), [
    ("clause c {\n  concept gate.leading_group_review\n  cite \"第1条\" \"b\"\n  when c\n  value foreign\n}\n", "c -> c"),
    ("clause c {\n  concept gate.leading_group_review\n  cite \"第1条\" \"b\"\n  when d\n  value foreign\n}\n"
     "clause d {\n  cite \"第1条\" \"b\"\n  value c\n}\n", "c -> d -> c"),
])
def test_a_condition_that_reads_its_own_clause_is_a_cycle(body: str, cycle: str) -> None:
    """Found by the property test: a revision's `override clause c0 { when c0 … }` checked clean, and the
    engine's computation order raised NetworkXUnfeasible (a cycle)."""
    _, _, errors = checked(HEADER + body, None)
    assert [(d.code, d.span.line) for d in errors] == [("E207", 8)], errors
    assert f"in a circle: {cycle}" in errors[0].message
