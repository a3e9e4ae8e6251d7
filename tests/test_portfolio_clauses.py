"""Clauses shared across a year's projects (compare.engine.portfolio): a quota of winners and a budget
shared in proportion to the values.  Every expected figure is worked by hand from the small text
below (made up for these tests) or from the rule itself (docs/years.md, "Across a year's projects")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from compare.api import load_policy
from compare.data.read import from_dicts
from compare.engine.evaluate import CompiledPolicy
from compare.engine.explain import explain
from compare.engine.portfolio import ALONE, shares

SOURCE = """（本文为policylab的测试而作，并非任何城市的真实文件。）
第一条 奖金总额3元，按得分分配。
第二条 每年评选不超过2个项目，每个项目奖励10元。
第三条 得分最高的2个项目按得分分配奖金总额1元。
"""

POLICY = """policy mech {
  city example_mech "示例市"
  issued 2024-03-01
  source "mech.txt"
}

clause pool "奖金（按得分分配）" {
  concept reward.pool_share
  cite "第一条" "奖金总额3元，按得分分配"
  value quality_score
  budget 3元
}

clause top "名额" {
  concept reward.project_of_the_year
  cite "第二条" "每年评选不超过2个项目，每个项目奖励10元"
  value 10元
  winners 2 by quality_score
}

clause top_pool "前两名分配" {
  concept reward.winners_pool
  cite "第三条" "得分最高的2个项目按得分分配奖金总额1元"
  value quality_score
  winners 2
  budget 1元
}
"""

TAXONOMY = """beneficiaries:
  firm: {zh: 企业, en: firm}
concepts:
  reward.pool_share: {kind: outcome, unit: CNY, beneficiary: firm, zh: 奖金, en: a share of a pool}
  reward.project_of_the_year: {kind: outcome, unit: CNY, beneficiary: firm, zh: 名额奖励, en: a place among the winners}
  reward.winners_pool: {kind: outcome, unit: CNY, beneficiary: firm, zh: 前两名奖金, en: the winners' pool}
"""


@pytest.fixture(scope="module")
def cp(tmp_path_factory: pytest.TempPathFactory) -> CompiledPolicy:
    d = tmp_path_factory.mktemp("mech")
    (d / "mech.txt").write_text(SOURCE, encoding="utf-8")
    (d / "mech.policy").write_text(POLICY, encoding="utf-8")
    (d / "taxonomy").mkdir()
    (d / "taxonomy" / "mech.yaml").write_text(TAXONOMY, encoding="utf-8")
    return load_policy(d / "mech.policy", cache=False)


def run(cp: CompiledPolicy, scores: list[float | None], peers: str | None = None) -> dict[str, list[float]]:
    rows = [{"id": f"p{i + 1}", **({"quality_score": s} if s is not None else {})} for i, s in enumerate(scores)]
    batch = from_dicts(rows, record=cp.policy.record)
    env = cp.run(batch, 7.0, peers=peers)
    out = cp.outcomes(env)
    return {c: [out.value(c, i) for i in range(batch.n)] for c in out.concepts}  # type: ignore[misc]


# ---------------------------------------------------------------------- a budget shared by the values

def test_budget_shared_by_score_rounded_down_to_the_fen(cp: CompiledPolicy) -> None:
    """第一条: 3元 = 300 fen by scores 1, 1, 1: 100 fen each (exact); by 2, 2, 2, 1 (Σ 7): 300 × 2/7 =
    85.71… -> 85 fen, 300 × 1/7 = 42.86… -> 42 fen; 3 × 85 + 42 = 297 fen paid, 3 fen left."""
    assert run(cp, [1, 1, 1])["reward.pool_share"] == [1.0, 1.0, 1.0]
    assert run(cp, [2, 2, 2, 1])["reward.pool_share"] == [0.85, 0.85, 0.85, 0.42]


def test_decimal_weights_are_exact(cp: CompiledPolicy) -> None:
    """Scores 0.1 and 0.2 (Σ 0.3): 300 fen × 0.1/0.3 = 100 fen and 200 fen exactly.  In binary floats
    300 × 0.1 / (0.1 + 0.2) is 99.999…, which rounding down would make 99 fen."""
    assert 300 * 0.1 / (0.1 + 0.2) < 100  # the trap the exact arithmetic avoids
    assert run(cp, [0.1, 0.2])["reward.pool_share"] == [1.0, 2.0]
    # 87.5 and 12.5 (Σ 100): 300 × 0.875 = 262.5 -> 262 fen; 300 × 0.125 = 37.5 -> 37 fen
    assert run(cp, [87.5, 12.5])["reward.pool_share"] == [2.62, 0.37]


def test_zero_weights(cp: CompiledPolicy) -> None:
    """A weight of 0 gets nothing and the others share the whole (0, 1, 2: 0, 100, 200 fen); weights
    that add up to 0 share nothing (the clause fired: 0, not 'not eligible')."""
    assert run(cp, [0, 1, 2])["reward.pool_share"] == [0.0, 1.0, 2.0]
    assert run(cp, [0, 0, 0])["reward.pool_share"] == [0.0, 0.0, 0.0]


def test_a_project_without_the_value_takes_no_part(cp: CompiledPolicy) -> None:
    """p2 gives no score: the clause does not fire for it, and p1 and p3 (1, 2) share 300 fen: 100, 200."""
    assert run(cp, [1, None, 2])["reward.pool_share"] == [1.0, 0.0, 2.0]


def test_large_budget_exact_beyond_int64() -> None:
    """1万亿元 = 10^14 fen by three weights of 10^9: 10^14 × 10^9 overflows int64, and each share is
    ⌊10^14/3⌋ = 33,333,333,333,333 fen; 1 fen left."""
    w = np.full(3, 1e9)
    lo, hi, unpaid = shares(w, w, 1e14, 1e14, True)
    assert lo.tolist() == [33_333_333_333_333.0] * 3 and hi is lo
    assert unpaid == 1.0


def test_interval_weights() -> None:
    """Budget 10000 fen; weights [1, 3], [2, 2], [1, 1] (Σ lo 4, Σ hi 6).  Worked from the rule
    lo_i = B·lo_i/(lo_i + Σ_{j≠i} hi_j), hi_i = B·hi_i/(hi_i + Σ_{j≠i} lo_j), rounded down:
    p1 lo 10000·1/(1 + 2 + 1) = 2500, hi 10000·3/(3 + 2 + 1) = 5000;
    p2 lo 10000·2/(2 + 3 + 1) = 3333.3 -> 3333, hi 10000·2/(2 + 1 + 1) = 5000;
    p3 lo 10000·1/(1 + 3 + 2) = 1666.7 -> 1666, hi 10000·1/(1 + 1 + 2) = 2500."""
    lo, hi, unpaid = shares(np.array([1.0, 2.0, 1.0]), np.array([3.0, 2.0, 1.0]), 10000.0, 10000.0, True)
    assert lo.tolist() == [2500.0, 3333.0, 1666.0]
    assert hi.tolist() == [5000.0, 5000.0, 2500.0]
    assert unpaid is None  # not one figure: nothing to say about the fen left


def test_weight_without_upper_end() -> None:
    """A weight [0, ∞] (a promise with no figure) may take the whole budget, and leaves the others
    anything from nothing: p1 [0, 10000], p2 (weight 1) [0, 10000·1/(1 + 0)] = [0, 10000]."""
    lo, hi, _ = shares(np.array([0.0, 1.0]), np.array([np.inf, 1.0]), 10000.0, 10000.0, True)
    assert lo.tolist() == [0.0, 0.0] and hi.tolist() == [10000.0, 10000.0]


def test_negative_weight_counts_as_zero() -> None:
    """−5 counts 0: 1 and 3 share 400 fen as 100 and 300."""
    w = np.maximum(np.array([-5.0, 1.0, 3.0]), 0)
    lo, _, unpaid = shares(w, w, 400.0, 400.0, True)
    assert lo.tolist() == [0.0, 100.0, 300.0] and unpaid == 0.0


# ---------------------------------------------------------------------- a quota of winners

def test_winners_by_score(cp: CompiledPolicy) -> None:
    """第二条: 2 places, 10元 each, by score: 70, 95, 60, 88 -> 95 and 88 (p2, p4)."""
    assert run(cp, [70, 95, 60, 88])["reward.project_of_the_year"] == [0.0, 10.0, 0.0, 10.0]


def test_tie_at_the_boundary_goes_to_the_earlier_project(cp: CompiledPolicy) -> None:
    """90, 75, 60, 75: p2 and p4 tie at 75 for the 2nd place; p2 comes first in the file and wins.
    Reversed (75 listed first at p2 … ) the other way round: 90, 60, 75, 75 -> p3 wins, p4 not."""
    assert run(cp, [90, 75, 60, 75])["reward.project_of_the_year"] == [10.0, 10.0, 0.0, 0.0]
    assert run(cp, [90, 60, 75, 75])["reward.project_of_the_year"] == [10.0, 0.0, 10.0, 0.0]


def test_tie_inside_the_places_wins_both(cp: CompiledPolicy) -> None:
    """80, 80, 70: the tie is for places 1 and 2, both within the 2: both win, no tie to break."""
    batch = from_dicts([{"id": f"p{i}", "quality_score": s} for i, s in enumerate([80, 80, 70])],
                       record=cp.policy.record)
    env = cp.run(batch, 7.0)
    r = env.shared["top"].winners
    assert r.won.tolist() == [True, True, False] and not r.tied.any()


def test_fewer_candidates_than_places(cp: CompiledPolicy) -> None:
    """One candidate (p2 has no score: the ranking key has no value, so it ranks last but still competes)."""
    got = run(cp, [50, None])["reward.project_of_the_year"]
    assert got == [10.0, 10.0]  # 2 places, 2 candidates: both win


def test_winners_then_budget(cp: CompiledPolicy) -> None:
    """第三条: the 2 highest scores (90, 60 of 90, 30, 60) share 1元 = 100 fen by score (Σ 150):
    90 -> 100 × 90/150 = 60 fen, 60 -> 40 fen; the third gets 0."""
    assert run(cp, [90, 30, 60])["reward.winners_pool"] == [0.6, 0.0, 0.4]


# ---------------------------------------------------------------------- one project, alone

def test_one_project_alone(cp: CompiledPolicy) -> None:
    """A batch of one: the budget is a range [0, 3元] (the others of the year are not known); the
    quota keeps the amount (one candidate); the winners' pool too is [0, 1元]."""
    got = run(cp, [40])
    assert got["reward.pool_share"] == [(0.0, 3.0)]
    assert got["reward.project_of_the_year"] == [10.0]
    assert got["reward.winners_pool"] == [(0.0, 1.0)]
    assert run(cp, [0])["reward.pool_share"] == [0.0]  # a weight of 0 gets nothing, alone or not


def test_each_alone(cp: CompiledPolicy) -> None:
    """ALONE (a competition map's cells, variants of one project): each row as a batch of one."""
    got = run(cp, [90, 30, 60], peers=ALONE)
    assert got["reward.pool_share"] == [(0.0, 3.0)] * 3
    assert got["reward.project_of_the_year"] == [10.0] * 3


# ---------------------------------------------------------------------- explain

def explained(cp: CompiledPolicy, scores: list[float], pid: str) -> str:
    batch = from_dicts([{"id": f"p{i + 1}", "quality_score": s} for i, s in enumerate(scores)], record=cp.policy.record)
    return explain(cp, batch, pid, 7.0).render()


def test_explain_the_share(cp: CompiledPolicy) -> None:
    text = explained(cp, [2, 2, 2, 1], "p4")
    assert "3元 × 1/7 = 0.42元 (rounded down to the fen)" in text
    assert "the 4 projects sharing it weigh 7 in all; 0.03元 of the budget is left unpaid" in text
    assert "reward.pool_share: 0.42元" in text  # the project's own share, worked over the whole batch


def test_explain_the_ranking_and_the_tie(cp: CompiledPolicy) -> None:
    text = explained(cp, [90, 75, 60, 75], "p4")
    assert "rank 3 of 4 by quality_score (75): not among the 2 winners → 0" in text
    assert "tied with p2 across the boundary of the 2 winners" in text
    assert "it comes later in the file, so it does not win" in text
    text = explained(cp, [90, 75, 60, 75], "p2")
    assert "rank 2 of 4 by quality_score (75): among the 2 winners" in text
    assert "it comes first in the file, so it wins" in text


def test_explain_alone(cp: CompiledPolicy) -> None:
    text = explained(cp, [40], "p1")
    assert "shared with the other projects of the year: alone, up to the whole budget (0 ~ 3元)" in text
    assert "the only project evaluated, so one candidate: it keeps its amount" in text


def test_explain_the_example_pool() -> None:
    """examples/time/b15_pool: 98万元 by scores 90, 75, 60, 75, 60 (Σ 360, 第三条): A 98万元 × 90/360."""
    cp = load_policy(Path(__file__).parent.parent / "examples" / "time" / "b15_pool.policy", cache=False)
    batch = from_dicts([{"id": k, "foreign": True, "quality_score": s}
                        for k, s in zip("ABCDE", [90, 75, 60, 75, 60], strict=True)], record=cp.policy.record)
    assert "98万元 × 90/360 = 24.5万元" in explain(cp, batch, "A", 7.0).render()


# ---------------------------------------------------------------------- a reading the ranking reads

RANKED = """policy ranked {
  city example_ranked "示例市"
  issued 2024-03-01
  source "ranked.txt"
}

reading order "名次" {
  cite "第一条" "按得分排名"
  option high_first "得分高者优先"
  option low_first "得分低者优先"
  default high_first
  because "made up for a test"
}

clause rank_key "排名依据" {
  concept score.key
  cite "第一条" "按得分排名"
  value by reading order { high_first: quality_score  low_first: -quality_score }
}

clause top_one "第一名" {
  concept reward.top_place
  cite "第一条" "评选1个项目，奖励10元"
  value 10元
  winners 1 by rank_key
}
"""


def test_a_rerun_over_another_reading_ranks_again(tmp_path: Path) -> None:
    """Only the ranking reads the reading: a run over its other option (CompiledPolicy.run with base,
    as sensitivity runs it) must rank again.  Scores 30, 90: high first gives the place to p2, low first
    to p1 (the reading's options here: high_first, low_first)."""
    (tmp_path / "ranked.txt").write_text("（测试用）\n第一条 按得分排名，评选1个项目，奖励10元。\n", encoding="utf-8")
    (tmp_path / "ranked.policy").write_text(RANKED, encoding="utf-8")
    (tmp_path / "taxonomy").mkdir()
    (tmp_path / "taxonomy" / "t.yaml").write_text(
        "beneficiaries:\n  firm: {zh: 企业, en: firm}\nconcepts:\n"
        "  score.key: {kind: outcome, unit: any, beneficiary: firm, zh: 排名依据, en: the ranking key}\n"
        "  reward.top_place: {kind: outcome, unit: CNY, beneficiary: firm, zh: 第一名, en: the first place}\n",
        encoding="utf-8")
    cp = load_policy(tmp_path / "ranked.policy", cache=False)
    batch = from_dicts([{"id": "p1", "quality_score": 30}, {"id": "p2", "quality_score": 90}], record=cp.policy.record)
    base = cp.run(batch, 7.0)
    assert cp.outcomes(base).numeric["reward.top_place"][0].tolist() == [0.0, 10.0]
    other = cp.run(batch, 7.0, {"order": "low_first"}, base=base)
    assert cp.outcomes(other).numeric["reward.top_place"][0].tolist() == [10.0, 0.0]


@pytest.mark.parametrize("seed", range(5))
def test_shares_agree_with_rational_arithmetic(seed: int) -> None:
    """Against ⌊B·wᵢ/Σw⌋ in Python fractions on the weights as written (two decimals, as scores and
    yuan amounts are): every share, and B − Σ shares below one fen per sharer."""
    from decimal import Decimal
    from fractions import Fraction

    rng = np.random.default_rng(seed)
    written = [f"{x:.2f}" for x in rng.uniform(0, 1000, 200)]
    w = np.array([float(x) for x in written])
    budget = int(rng.integers(1, 10**12))
    lo, hi, unpaid = shares(w, w, float(budget), float(budget), True)
    exact = [Fraction(Decimal(x)) for x in written]
    total = sum(exact, Fraction(0))
    assert lo.tolist() == [float((budget * x) // total) for x in exact] and hi is lo
    assert unpaid == budget - sum(int(x) for x in lo) and 0 <= unpaid < 200
