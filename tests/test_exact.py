"""Exact arithmetic where it decides an outcome: thresholds, tier edges and caps in either
currency at any rate, and rounding to the fen, half away from zero.

The evaluator is pitted against the reference interpreter (tests/reference.py, exact rationals)
with no tolerance, on amounts drawn at and around every threshold and tier edge of the bundled
policies; the reproducers are worked by hand.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from conftest import POLICIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import Num, Reference

from compare.api import load_policy, outcomes
from compare.data.read import from_dicts
from compare.data.records import Record
from compare.data.validate import clean_records, columns
from compare.engine.evaluate import CompiledPolicy
from compare.engine.exact import Lin, Term, round_lin
from dsl import ast as A
from dsl.check import check_text
from dsl.schema import CATEGORIES, FIELDS, GRADES, REFERRALS
from dsl.taxonomy import load_taxonomy
from dsl.units import Dim
from dsl.walk import walk

ZJG = load_policy(POLICIES / "zhangjiagang_2017.policy")
BUNDLED = [ZJG, *(load_policy(POLICIES / f"{p}.policy") for p in ("taicang_2020", "jiaxing_draft", "wuxi_2023"))]
TAXONOMY = load_taxonomy(POLICIES / "taxonomy")[0]
CORE = {"foreign": True, "started": True, "licensed": True, "paid_in_ratio": "35%", "in_core_zone": True}
MONEY_FIELDS = [name for name, f in FIELDS.items() if f.dim == Dim.MONEY]


def one_clause(value: str, quote: str, when: str | None = None, concept: str = "reward.team") -> CompiledPolicy:
    """A policy of one clause whose quote is its whole source text."""
    condition = f"  when {when}\n" if when else ""
    text = (f'policy r {{\n  city r "r"\n  source "s.txt"\n}}\nclause c {{\n  concept {concept}\n  beneficiary team\n'
            f'  cite "第1条" "{quote}"\n{condition}  value {value}\n}}\n')
    policy, diags = check_text(text, "r.policy", TAXONOMY, quote)
    assert policy is not None and not [d for d in diags if d.is_error], diags
    return CompiledPolicy(policy)


# ---------------------------------------------------------------- the reproducers, worked by hand


def test_equal_amounts_in_either_currency_meet_the_same_tier_zhangjiagang_art12() -> None:
    # 第12条: 按注册资本1000～3000万美元、3000万～1亿美元 … 分别给予每个项目2、5 … 的加分.
    # At 6.0002, 3000万美元 = 30,000,000 × 6.0002 = 180,006,000元 exactly: the tier [3000万美元, 1亿美元), 5分,
    # the same as 3000万美元 itself.  One fen less is below the edge: 2分.
    for capital, points in (("180006000元", 5.0), ("3000万美元", 5.0), ("180005999.99元", 2.0)):
        (out,) = outcomes([ZJG], [{"id": "p", "registered_capital": capital, **CORE}], fx=6.0002)
        assert out.value("points.host_district", 0) == points, capital
        # the engine takes the decimal as typed too
        direct = ZJG.evaluate(from_dicts([{"id": "p", "registered_capital": capital, **CORE}]), Decimal("6.0002"))
        assert direct.value("points.host_district", 0) == points, capital


def test_a_threshold_in_usd_met_in_cny_at_the_2023_rate() -> None:
    # 3300万美元 × 7.0467 = 33,000,000 × 7.0467 = 232,541,100元: exactly the threshold, so it is met
    # (in binary floating point 232541100 / 7.0467 is 32999999.999999996).  One fen less is not.
    cp = one_clause("1万元", "注册资本3300万美元以上的项目奖励1万元", when="registered_capital >= 3300万美元")
    (out,) = outcomes([cp], [{"id": "a", "registered_capital": "232541100元"},
                             {"id": "b", "registered_capital": "232541099.99元"}], fx=7.0467)
    assert out.value("reward.team", 0) == 10000.0 and out.value("reward.team", 1) == 0.0


def test_half_fen_rounds_away_from_zero_above_4e7() -> None:
    # 1.5% × 2,962,008,129元 = 44,430,121.935元, exactly half a fen: half away from zero gives 44,430,121.94元
    cp = one_clause("1.5% of fdi_arrived", "按当年到账外资的1.5%给予奖励")
    (out,) = outcomes([cp], [{"id": "p", "fdi_arrived": "2962008129元"}], fx=7.0)
    assert out.value("reward.team", 0) == 44430121.94
    ref = Reference(cp.policy, 7.0).run(clean_records([Record({"id": "p", "fdi_arrived": "2962008129元"}, 1)])[0])
    assert ref["reward.team"].lo == Fraction(4443012194, 100)


def test_rounding_is_exact_up_to_a_trillion_yuan() -> None:
    # 1.5% of a fen amount a is 15a/1000 fen, a tie exactly when a ≡ 100 (mod 200): a = 200k + 100 gives
    # 3k + 1.5 fen, which rounds to 3k + 2.  The largest here is 10^12元 (10^14 fen).
    ks = np.array([0, 1, 10**6, 123456789, 2 * 10**11, 5 * 10**11 - 1], dtype=np.int64)
    amounts = 200 * ks + 100
    out = round_lin(Lin((Term(amounts.astype(np.float64), None, (Fraction(3, 200), Fraction(3, 200))),)))
    assert out.tolist() == (3 * ks + 2).astype(float).tolist()
    assert amounts.max() <= 10 ** 14


@settings(max_examples=300, deadline=None)
@given(fen=st.integers(0, 10 ** 14), rate_num=st.integers(1, 99999), fx_num=st.integers(50000, 80000),
       usd=st.booleans(), tie=st.booleans(), negative=st.booleans())
def test_round_lin_is_exact(fen: int, rate_num: int, fx_num: int, usd: bool, tie: bool, negative: bool) -> None:
    """Whole fen × (rate, or rate × a 4-decimal USD→CNY rate), rounded half away from zero, against
    Fraction arithmetic, up to 10^12元; `tie` moves the amount onto an exact half fen where there is one."""
    k_cny = Fraction(rate_num, 100000)
    k = k_cny * Fraction(fx_num, 10000) if usd else k_cny
    n, d = k.numerator, k.denominator
    if tie and d % 2 == 0:  # the next amount whose product is a whole number and a half: a·n ≡ d/2 (mod d)
        h = d // 2  # n is odd (n/d is reduced, d even), so n is invertible modulo d
        fen += (h * pow(n, -1, d) - fen) % d
        assert Fraction(fen * n, d).denominator == 2
    a = -fen if negative else fen
    col = np.array([float(a)])
    got = round_lin(Lin((Term(col, np.array([usd]), (k_cny, k_cny * Fraction(fx_num, 10000))),)))
    exact = Fraction(a) * k
    whole, rest = divmod(abs(exact.numerator), exact.denominator)
    want = whole + (2 * rest >= exact.denominator)
    assert float(got[0]) == float(-want if exact < 0 else want)


# ---------------------------------------------------------------- every threshold of the bundled policies


def _figures(cp: CompiledPolicy) -> tuple[set[tuple[Fraction, Dim]], set[Fraction]]:
    """Every money figure (thresholds, tier edges, caps) and every rate the policy states."""
    money: set[tuple[Fraction, Dim]] = set()
    rates: set[Fraction] = set()
    items = [x for c in cp.policy.clauses.values() for x in (c.when, c.value)]
    for x in (node for item in items for node in walk(item)):
        if isinstance(x, A.Quantity) and x.dim in (Dim.CNY, Dim.USD):
            money.add((Fraction(x.base_value), x.dim))
        elif isinstance(x, A.Quantity) and x.dim == Dim.RATIO and x.base_value > 0:
            rates.add(Fraction(x.base_value))
    return money, rates


FIGURES = {cp.policy.id: _figures(cp) for cp in BUNDLED}


def _targets(cp: CompiledPolicy) -> tuple[list[tuple[Fraction, Dim]], list[tuple[Fraction, Dim]]]:
    """The amounts where an outcome may change: every threshold, tier edge and cap T, and T halved
    (the edges scaled 50% outside the core zone); and T / r for each rate r of the policy (where r of
    an amount reaches a cap)."""
    money, rates = FIGURES[cp.policy.id]
    edges = sorted({(x, dim) for t, dim in money for x in (t, t / 2)}, key=str)
    caps = sorted({(t / r, dim) for t, dim in money for r in rates}, key=str)
    return edges, caps


def _decimal(a: Fraction) -> str:
    return f"{Decimal(a.numerator) / Decimal(a.denominator):.2f}"


def near_threshold(rng: random.Random, targets: tuple[list[tuple[Fraction, Dim]], list[tuple[Fraction, Dim]]],
                   fx: Fraction) -> str:
    """An amount at or beside a threshold (mostly an edge, sometimes where a rate reaches a cap), in
    its currency or, more often, the other one (T × fx, T / fx)."""
    edges, caps = targets
    t, dim = rng.choice(edges if edges and (not caps or rng.randrange(4)) else caps)
    if rng.randrange(3):
        t, dim = (t * fx, Dim.CNY) if dim == Dim.USD else (t / fx, Dim.USD)
    fen = t * 100
    whole = fen.numerator // fen.denominator + (rng.random() < 0.5 and fen.denominator != 1)  # floor or ceil
    whole += rng.choice([0, 0, 0, 0, -1, 1, -100, 100])  # at it, ±1 fen, ±1元
    return f"{'CNY' if dim == Dim.CNY else 'USD'} {_decimal(Fraction(max(whole, 0), 100))}"


def at_a_tie(rng: random.Random, rates: list[Fraction], fx: Fraction) -> str:
    """A large amount whose product with a rate of the policy (× fx for an amount in USD paid in CNY)
    is exactly a whole fen and a half, where there is such an amount."""
    usd = rng.random() < 0.5
    r = rng.choice(rates) * (fx if usd else 1)
    fen = rng.randint(10 ** 9, 10 ** 14)  # 10^7元 … 10^12元
    n, d = r.numerator, r.denominator
    if d % 2 == 0:  # a·n ≡ d/2 (mod d): n is odd, so invertible modulo d
        fen += ((d // 2) * pow(n, -1, d) - fen) % d
    return f"{'USD' if usd else 'CNY'} {_decimal(Fraction(fen, 100))}"


def random_rate(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(50000, 80000)) / 10000  # 5.0000 … 8.0000, four decimals


def amount(rng: random.Random, cp: CompiledPolicy, fx: Fraction, ties: bool | None = None) -> str:
    """At a threshold (ties False), at a half fen of a rate (ties True), or either (None)."""
    targets, rates = _targets(cp), sorted(FIGURES[cp.policy.id][1])
    if ties is None:
        ties = bool(rates) and (not targets[0] or rng.random() < 0.3)
    if ties and rates:
        return at_a_tie(rng, rates, fx)
    return near_threshold(rng, targets, fx) if targets[0] else "CNY 0.00"


@st.composite
def scenario(draw: st.DrawFn, cp: CompiledPolicy) -> tuple[Any, list[dict[str, object]], dict[str, str]]:
    rng = random.Random(draw(st.integers(0, 2 ** 32 - 1)))  # amounts and rates varied widely, from a seed
    fx_dec = random_rate(rng)
    fx: Any = fx_dec if draw(st.booleans()) else float(fx_dec)  # the typed decimal, or its float
    rows = []
    for i in range(draw(st.integers(1, 8))):
        p: dict[str, object] = {"id": f"p{i}"}
        for f in ("foreign", "licensed", "started", "in_core_zone", "expansion", "manufacturing",
                  "needs_municipal_support"):
            p[f] = draw(st.booleans()) if f in ("in_core_zone", "needs_municipal_support") else \
                draw(st.sampled_from([True, True, True, False] if f != "expansion" else [False, False, True]))
        for name in MONEY_FIELDS:
            if draw(st.integers(0, 4)):
                p[name] = amount(rng, cp, Fraction(fx_dec))
        p["paid_in_ratio"] = draw(st.sampled_from([0.0, 0.2999, 0.3, 0.35, 0.5, 1.0]))
        p["categories"] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
        p["referral"] = draw(st.sampled_from(REFERRALS))
        if draw(st.booleans()):
            p["grade"] = draw(st.sampled_from(GRADES))
        rows.append(p)
    readings = {}
    for rid, r in cp.policy.readings.items():
        options = [o.id for o in r.options if not (rid == "quality_score_table" and o.id == "linear")]
        readings[rid] = draw(st.sampled_from(options))  # `linear` rates by the project's score: not a fixed rate
    return fx, rows, readings


def assert_exactly(cp: CompiledPolicy, fx: Any, rows: list[dict[str, object]], readings: dict[str, str]) -> None:
    clean = clean_records([Record(r, i + 1) for i, r in enumerate(rows)])
    out = cp.evaluate(columns(clean), fx, readings)
    ref = Reference(cp.policy, fx, readings)
    for i, rec in enumerate(clean):
        for concept, want in ref.run(rec).items():
            got = out.value(concept, i)
            where = f"{cp.policy.id} fx={fx} {readings} {rec} {concept}: evaluator {got}, reference {want}"
            if isinstance(want, bool):
                assert got is want, where
                continue
            assert isinstance(want, Num)
            lo, hi = got if isinstance(got, tuple) else (got, got)
            assert (lo, hi) == (float(want.lo), float(want.hi)), where  # no tolerance


@given(data=st.data())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_bundled_policies_agree_exactly_at_every_threshold(data: st.DataObject) -> None:
    cp = data.draw(st.sampled_from(BUNDLED), label="policy")
    fx, rows, readings = data.draw(scenario(cp), label="scenario")
    assert_exactly(cp, fx, rows, readings)


def eligible_rows(rng: random.Random, cp: CompiledPolicy, fx: Fraction, ties: bool) -> list[dict[str, object]]:
    """40 projects the money rules apply to (foreign or not, started, licensed, 35% paid in, new), every
    money field at a threshold (`ties`: at a half fen of a rate)."""
    rows = []
    for i in range(40):
        p: dict[str, object] = {"id": f"p{i}", "foreign": rng.random() < 0.7, "started": True, "licensed": True,
                                "paid_in_ratio": 0.35, "in_core_zone": rng.random() < 0.5,
                                "referral": rng.choice(REFERRALS)}
        for name in MONEY_FIELDS:
            p[name] = amount(rng, cp, fx, ties)
        rows.append(p)
    return rows


@given(seed=st.integers(0, 2 ** 32 - 1), ties=st.booleans())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_money_rules_agree_exactly_on_eligible_projects(seed: int, ties: bool) -> None:
    """Many eligible projects per run, every amount at a threshold or a half-fen tie, for every policy
    with money rules, each at its own rate: where floating point goes wrong one time in a hundred,
    this finds it."""
    rng = random.Random(seed)
    for cp in BUNDLED:
        if FIGURES[cp.policy.id][1 if ties else 0]:
            fx = random_rate(rng)
            defaults = {rid: r.default for rid, r in cp.policy.readings.items() if r.default is not None}
            assert_exactly(cp, fx, eligible_rows(rng, cp, Fraction(fx), ties), defaults)


def test_the_targets_are_the_thresholds_their_halves_and_the_caps_reach() -> None:
    edges, _ = _targets(ZJG)
    # 第12条's edge 3000万美元 and its half outside 两区一园 (1500万美元); 第13条's 500万美元
    assert {(Fraction(3 * 10 ** 7), Dim.USD), (Fraction(15 * 10 ** 6), Dim.USD), (Fraction(5 * 10 ** 6), Dim.USD)} \
        <= set(edges)
    _, caps = _targets(BUNDLED[3])
    # (六) 5‰ of 实缴资金, 最高200万元: reached at 200万元 / 5‰ = 4亿元; (十六) 2%, 5000万元: at 25亿元
    assert {(Fraction(4 * 10 ** 8), Dim.CNY), (Fraction(25 * 10 ** 8), Dim.CNY)} <= set(caps)
