"""The compiled evaluator agrees with the per-row reference interpreter: on random projects
for every bundled policy, and on randomly generated policies.  Money agrees to the fen exactly
(the nearest double to the reference's exact figure), except where a rate is computed from a
project's quality score (outside the exact fragment: within a fen); points to 1e-9."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import POLICIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import Num, Reference

from compare.data.records import Record
from compare.data.validate import clean_records, columns
from compare.engine.evaluate import CompiledPolicy
from dsl.check import check_paths, check_text
from dsl.schema import CATEGORIES, GRADES, REFERRALS
from dsl.taxonomy import load_taxonomy

EDGES_WAN = [0, 250, 500, 999.99, 1000, 1000.01, 1500, 3000, 5000, 10000, 20000, 50000, 100000, 300000, 1000000]
TAXONOMY = load_taxonomy(POLICIES / "taxonomy")[0]


def money() -> st.SearchStrategy[str]:
    return st.builds(lambda w, unit: f"{w}万{unit}", st.sampled_from(EDGES_WAN) | st.floats(0, 2e5).map(
        lambda x: round(x, 2)), st.sampled_from(["美元", "元"]))


@st.composite
def project(draw: st.DrawFn, pid: str) -> dict[str, object]:
    p: dict[str, object] = {"id": pid}
    for f in ("foreign", "licensed", "started", "in_core_zone", "expansion", "manufacturing",
              "needs_municipal_support"):
        if draw(st.booleans()):
            p[f] = draw(st.booleans())
    for f in ("registered_capital", "total_investment", "fdi_arrived", "fixed_asset_investment", "paid_in_capital"):
        if draw(st.integers(0, 3)):
            p[f] = draw(money())
    if draw(st.booleans()):
        p["paid_in_ratio"] = draw(st.sampled_from([0.0, 0.15, 0.2999, 0.3, 0.5, 1.0]) | st.floats(0, 1))
    elif draw(st.booleans()):  # paid-in and registered capital in one currency: the ratio is implied
        wan, unit = draw(st.sampled_from(EDGES_WAN[1:])), draw(st.sampled_from(["美元", "元"]))
        share = draw(st.sampled_from([0.2999, 0.3, 0.5, 1.0]) | st.floats(0, 1.2))
        p["registered_capital"], p["paid_in_capital"] = f"{wan}万{unit}", f"{round(wan * share, 2)}万{unit}"
    p["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
    p["referral"] = draw(st.sampled_from(REFERRALS))
    if draw(st.booleans()):
        p["grade"] = draw(st.sampled_from(GRADES))
    if draw(st.booleans()):
        p["quality_score"] = draw(st.floats(0, 100))
    return p


def batches(n: int = 12) -> st.SearchStrategy[list[dict[str, object]]]:
    return st.tuples(*[project(f"p{i}") for i in range(n)]).map(list)


def close(a: float, b: Fraction | float, money: bool, exact: bool = True) -> bool:
    if math.isinf(a) or (isinstance(b, float) and math.isinf(b)):
        return a == b
    if money and exact:
        return a == float(b)  # the nearest double to the exact figure: to the fen, no tolerance
    tol = 0.0100001 if money else 1e-9
    return abs(a - float(b)) <= tol + 1e-9 * abs(float(b))


def assert_agree(cp: CompiledPolicy, rows: list[dict[str, object]], fx: float, readings: dict[str, str]) -> None:
    exact = readings.get("quality_score_table") != "linear"  # a rate from the project's score: within a fen
    clean = clean_records([Record(r, i + 1) for i, r in enumerate(rows)])
    out = cp.evaluate(columns(clean), fx, readings)
    ref = Reference(cp.policy, fx, readings)
    money = {c: cp.compiler.clause_dim.get(cid) is not None and cp.compiler.clause_dim[cid].is_money
             for cid, cl in cp.policy.clauses.items() if cl.concept for c in [cl.concept.dotted]}
    for i, rec in enumerate(clean):
        expected = ref.run(rec)
        for concept, want in expected.items():
            got = out.value(concept, i)
            where = f"{cp.policy.id} {rec['id']} {concept}: compiled {got} reference {want}"
            if isinstance(want, bool):
                assert got is want, where
                continue
            assert isinstance(want, Num)
            lo, hi = (got, got) if not isinstance(got, tuple) else got
            m = money.get(concept.rsplit(".", 1)[0], False) or money.get(concept, False)
            assert close(float(lo), want.lo, m, exact) and close(float(hi), want.hi, m, exact), where


def bundled() -> list[CompiledPolicy]:
    result = check_paths([POLICIES])
    return [CompiledPolicy(p) for p in result.policies if not [d for d in result.diagnostics
                                                                if d.is_error and d.span.file == str(p.path)]]


BUNDLED = bundled()


@pytest.mark.parametrize("cp", BUNDLED, ids=lambda c: c.policy.id)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(rows=batches(), fx=st.sampled_from([7.0, 6.9, 7.1217]), flip=st.booleans())
def test_bundled_policies_agree_with_reference(cp: CompiledPolicy, rows: list[dict[str, object]], fx: float,
                                               flip: bool) -> None:
    readings = {}
    if flip:  # the non-default option of every reading
        for rid, r in cp.policy.readings.items():
            other = [o.id for o in r.options if o.id != r.default]
            if other:
                readings[rid] = other[0]
    assert_agree(cp, rows, fx, readings)


# ---------------------------------------------------------------- random policies

FIELDS_MONEY = ["registered_capital", "total_investment", "fdi_arrived", "paid_in_capital"]
CONDS = ["foreign", "started", "licensed", "not in_core_zone", "paid_in_ratio >= 30%", "paid_in_ratio > 0.5",
         "fortune_global_500 in categories", "referral == intermediary",
         "referral in {municipal_dept, other_district}", 'grade >= "B"', "quality_score < 60",
         "registered_capital >= 500万美元", "total_investment > 10亿元"]


@st.composite
def tiers(draw: st.DrawFn, unit: str) -> str:
    field = draw(st.sampled_from(FIELDS_MONEY))
    edges = sorted(set(draw(st.lists(st.sampled_from([100, 500, 1000, 3000, 10000, 50000]), min_size=2,
                                     max_size=5))))
    if len(edges) < 2:
        edges = [500, 1000]
    cur = draw(st.sampled_from(["美元", "元"]))
    closed_low = draw(st.booleans())
    rows = []
    for lo, hi in zip(edges, [*edges[1:], None], strict=True):
        high = "∞" if hi is None else f"{hi}万{cur}"
        o, c = ("[", ")") if closed_low else ("(", "]" if hi is not None else ")")
        rows.append(f"    {o}{lo}万{cur}, {high}{c} -> {draw(st.integers(1, 20))}{unit}")
    scale = draw(st.sampled_from(["", " scaled 50% unless in_core_zone", " scaled 2 when foreign"]))
    return f"tiers {field}{scale} {{\n" + "\n".join(rows) + "\n  }"


@st.composite
def random_policy(draw: st.DrawFn) -> str:
    parts = ['policy r {\n  city r "随机"\n  source "s.txt"\n}\n',
             'reading edge "x" {\n  cite "a" "b"\n  option one\n  option two\n  default one\n  because "c"\n}\n']
    points = []
    for i in range(draw(st.integers(1, 4))):
        cond = " and ".join(draw(st.lists(st.sampled_from(CONDS), max_size=3)))
        value = draw(st.sampled_from([f"{draw(st.integers(1, 10))}分", draw(tiers("分")),
                                      f"by reading edge {{ one: 1分 two: {draw(st.integers(1, 9))}分 }}"]))
        parts.append(f'clause p{i} {{\n  cite "a" "b"\n' + (f"  when {cond}\n" if cond else "") +
                     f"  value {value}\n}}\n")
        points.append(f"p{i}")
    func = draw(st.sampled_from(["max", "sum", "first", "min"]))
    scale = draw(st.sampled_from(["", " * 70%", " - 1分"]))
    parts.append(f'clause host {{\n  concept points.host_district\n  cite "a" "b"\n'
                 f"  value {func}({', '.join(points)}){scale}\n}}\n")
    rate = draw(st.sampled_from(["5‰", "2‰~5‰", "up to 2%", "1.5%"]))
    base = draw(st.sampled_from(FIELDS_MONEY))
    cap = draw(st.sampled_from(["", " cap 200万元", " cap 5000万元", " floor 1万元"]))
    cond = draw(st.sampled_from(CONDS))
    parts.append(f'clause reward {{\n  concept reward.team\n  cite "a" "b"\n  when {cond}\n'
                 f"  value {rate} of {base}{cap}\n}}\n")
    parts.append('split s {\n  cite "a" "b"\n  splits reward\n  when referral != none\n'
                 '  shares referrer, host = 3:7\n}\n')
    parts.append('clause gate {\n  concept gate.leading_group_review\n  cite "a" "b"\n'
                 f"  when {draw(st.sampled_from(CONDS))}\n  value true\n}}\n")
    return "\n".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=random_policy(), rows=batches(8), fx=st.sampled_from([7.0, 6.5]), reading=st.sampled_from(["one", "two"]))
def test_random_policies_agree_with_reference(text: str, rows: list[dict[str, object]], fx: float,
                                              reading: str) -> None:
    policy, diags = check_text(text, "r.policy", TAXONOMY, "b")
    errors = [d for d in diags if d.is_error and d.code != "E503"]  # figures need no quotes here
    assert policy is not None and not errors, (text, errors)
    assert_agree(CompiledPolicy(policy), rows, fx, {"edge": reading})


def test_reference_is_exercised_on_a_known_case(tmp_path: Path) -> None:
    # 张家港 第13条: 2‰ of 1400万美元 at 7.0 is exactly 196000元 (not 195999.99)
    text = ('policy r {\n city r "r"\n source "s"\n}\nclause t {\n concept reward.team\n cite "a" "b"\n'
            ' value 2‰ of fdi_arrived\n}\n')
    policy, _ = check_text(text, "r.policy", TAXONOMY, "b")
    assert policy is not None
    rows = [{"id": "x", "fdi_arrived": "1400万美元"}]
    out = CompiledPolicy(policy).evaluate(columns(clean_records([Record(rows[0], 1)])), 7.0, {})
    assert out.value("reward.team", 0) == 196000.0
    assert Reference(policy, 7.0).run(clean_records([Record(rows[0], 1)])[0])["reward.team"].lo == Fraction(196000)
