"""The semantic diff decides what it has found: a rate that moves with a bounded field (the quality
score) applied to an amount is decided, a verdict follows from the witnesses found whatever timed out
later, an undecided check is named, the whole diff keeps to a time budget, and the largest gain and
loss are labelled and signed.

The revision throughout is 张家港 第13条's team reward (“给予当年度项目到帐外资2～5‰的奖励”, 3:7 between
referrer and host for referred projects) made linear in the quality score: 2‰ + 3‰ × score/100 of
the year's arrived FDI — 2‰ at score 0, 5‰ at score 100, the two ends of the text's range.
"""

from __future__ import annotations

import json
import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from random import Random
from typing import Any

import pytest
import z3
from conftest import POLICIES
from test_diff_semantic import check_all, run_cli
from test_diff_structural import WUXI_DRAFT_TEXT, ZJG_TEAM_LINEAR, revision, wuxi_fdi, zjg_team_reward

from compare.api import load_policy, outcomes, semantic_diff
from compare.diff import semantic as S
from compare.diff.decide import Box, Decision, decide
from compare.diff.semantic_render import render_json, render_markdown, render_table
from compare.diff.symbolic import MAX_FEN, real

ZJG = POLICIES / "zhangjiagang_2017.policy"
TEAM = ("reward.team", "reward.team.host", "reward.team.referrer")
RATE_2017 = Decimal("6.7518")  # the 2017 average USD→CNY (docs/evaluation.md): 张家港's year, the later one


def fen(x: Decimal) -> Decimal:
    """To the fen, half away from zero, as a clause's money is rounded."""
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def linear_draft(tmp_path: Path) -> Path:
    return revision(tmp_path, "zhangjiagang_2017", zjg_team_reward(value=ZJG_TEAM_LINEAR))


ELIGIBLE = {"foreign": True, "started": True, "paid_in_ratio": "30%", "registered_capital": "500万美元"}


def yuan(text: str) -> Decimal:
    """An amount as a witness writes it (1万元, 1.5万美元, 2亿元) in yuan, USD at the 2017 rate."""
    usd = text.endswith("美元")
    number = text.removesuffix("美元" if usd else "元")
    scale = {"万": 10 ** 4, "亿": 10 ** 8}.get(number[-1:], 1)
    value = Decimal(number.rstrip("万亿")) * scale
    return value * RATE_2017 if usd else value


def team_by_hand(cny: Decimal, score: int | None, share: Decimal = Decimal(1)) -> tuple[Any, Any]:
    """第13条 by hand for an eligible project (外资, 开工, 30%以上到账, 500万美元 outside 两区一园):
    OLD 2‰～5‰ of the arrived FDI in yuan, NEW (2‰ + 3‰ × score/100) of it, nothing while the score is
    not known; a referred project's share (3/10, 7/10) taken of the rounded reward and rounded again."""
    lo, hi = fen(fen(cny * Decimal("0.002")) * share), fen(fen(cny * Decimal("0.005")) * share)
    if score is None:
        return (float(lo), float(hi)), 0.0
    rate = Decimal("0.002") + Decimal("0.003") * score / 100
    return (float(lo), float(hi)), float(fen(fen(cny * rate) * share))


def test_the_hand_figures_are_what_both_policies_give(tmp_path: Path) -> None:
    """The premise of the witnesses below, on one project: 100万美元 arrived = 675.18万元 at 6.7518.
    OLD: 2‰～5‰ = 13,503.60元 ～ 33,759.00元.  NEW at score 0: 2‰ = 13,503.60元; at 100: 5‰ = 33,759元;
    at 50: 3.5‰ = 23,631.30元.  Referred by a 机关部门 (3:7): under OLD the referrer 4,051.08 ～ 10,127.70元;
    under NEW at score 0 the referrer 3/10 × 13,503.60 = 4,051.08元 and the host 7/10 = 9,452.52元, at 100
    10,127.70 and 23,631.30元, at 50 7,089.39 and 16,541.91元."""
    old = load_policy(ZJG)
    cny = yuan("100万美元")
    assert cny == Decimal("6751800")
    assert team_by_hand(cny, 0) == ((13_503.60, 33_759.00), 13_503.60)
    assert team_by_hand(cny, 100)[1] == 33_759.00
    assert team_by_hand(cny, 50)[1] == 23_631.30
    assert team_by_hand(cny, 0, Decimal("0.3"))[0] == (4_051.08, 10_127.70)
    rec = {"id": "p", **ELIGIBLE, "fdi_arrived": "100万美元", "quality_score": 0, "referral": "municipal_dept"}
    (out,) = outcomes([old], [rec], fx=6.7518, analyse=False)
    assert out.value("reward.team", 0) == (13_503.60, 33_759.00)
    assert out.value("reward.team.referrer", 0) == (4_051.08, 10_127.70)
    new = load_policy(linear_draft(tmp_path))
    for score, team, referrer, host in ((0, 13_503.60, 4_051.08, 9_452.52), (100, 33_759.00, 10_127.70, 23_631.30),
                                        (50, 23_631.30, 7_089.39, 16_541.91)):
        (out,) = outcomes([new], [{**rec, "quality_score": score}], fx=6.7518, analyse=False)
        assert (out.value("reward.team", 0), out.value("reward.team.referrer", 0),
                out.value("reward.team.host", 0)) == (team, referrer, host), score


def test_a_rate_linear_in_the_quality_score_is_mixed_with_witnesses_checked_by_hand(tmp_path: Path) -> None:
    """Score 100 lifts the low end (5‰ > 2‰), score 0 lowers the high end (2‰ < 5‰): mixed, for the
    reward and both shares.  The high end never rises (the new rate is at most 2‰ + 3‰ = 5‰): that is a
    proof over every score from 0 to 100, not a sample.  Each witness is recomputed from its fields by
    hand (team_by_hand), and no check is left undecided."""
    old, new = load_policy(ZJG), load_policy(linear_draft(tmp_path))
    d = semantic_diff(old, new)
    assert d.fx == 6.7518
    check_all(d, old, new)
    assert d.undecided == []
    for key, share in zip(TEAM, (Decimal(1), Decimal("0.7"), Decimal("0.3")), strict=True):
        cd = d.of(key)
        assert cd.verdict == S.MIXED, (key, cd.note)
        assert {(m.bound, m.direction) for m in cd.moves} == {("low", "up"), ("low", "down"), ("high", "down")}
        for m in cd.moves:
            w = m.witness
            assert w is not None
            p = w.project
            assert {"foreign", "started"} <= set(p) and p["paid_in_ratio"] == "30%"
            assert (w.old, w.new) == team_by_hand(yuan(p["fdi_arrived"]), p.get("quality_score"), share), (key, p)
        # no cap on the FDI: both the gain and the loss grow with it
        assert cd.max_gain is not None and cd.max_gain.kind == "unbounded" and cd.max_gain.bound == "low"
        assert cd.max_loss is not None and cd.max_loss.kind == "unbounded"


def test_a_gain_and_a_loss_found_are_mixed_whatever_timed_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """A solver that times out on whether the high end moves up: the gain (low end) and loss (high end)
    found already prove mixed; the note names the check that timed out and after how long."""
    timed_out(monkeypatch, lambda bound, direction: (bound, direction) == ("high", "up"))
    d = semantic_diff(load_policy(ZJG), load_policy(linear_draft(tmp_path)), concepts=["reward.team"])
    cd = d.of("reward.team")
    assert cd.verdict == S.MIXED
    assert "whether the high end moves up (a gain): the solver timed out after 12.5 s" in cd.note
    assert d.undecided == ["reward.team: whether the high end moves up (a gain): the solver timed out after 12.5 s"]


def test_a_gain_found_and_the_loss_check_timed_out_is_an_honest_gain(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Every check for a loss times out: the gain found stands, and the verdict says the loss is not
    excluded (never `unknown` while a witness exists, never `more generous` as if proved)."""
    timed_out(monkeypatch, lambda bound, direction: direction == "down")
    d = semantic_diff(load_policy(ZJG), load_policy(linear_draft(tmp_path)), concepts=["reward.team"])
    cd = d.of("reward.team")
    assert cd.verdict == S.MORE_OPEN == "more generous (loss not excluded: timed out)"
    assert [(m.bound, m.direction) for m in cd.moves] == [("low", "up")]
    assert [u.text for u in cd.undecided] == [
        "whether the low end moves down (a loss): the solver timed out after 12.5 s",
        "whether the high end moves down (a loss): the solver timed out after 12.5 s"]
    table = render_table(d)
    assert "reward.team: draft more generous (loss not excluded: timed out)" in table
    assert "not decided (time budget 60 s" in table
    assert "  - reward.team: whether the low end moves down (a loss): the solver timed out after 12.5 s" in table


def test_nothing_found_and_a_check_undecided_is_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    timed_out(monkeypatch, lambda bound, direction: True)
    d = semantic_diff(load_policy(ZJG), load_policy(linear_draft(tmp_path)), concepts=["reward.team"])
    assert d.of("reward.team").verdict == S.UNKNOWN and len(d.undecided) == 4


def timed_out(monkeypatch: pytest.MonkeyPatch, which: Any) -> None:
    """The verdict checks (Pair._move's) for which(bound, direction) time out after 12.5 s."""
    real_decide = S.decide

    def fake(assertions: list[z3.BoolRef], box: Any, timeout_ms: int) -> Decision:
        caller = sys._getframe(1)
        if caller.f_code.co_name == "_move" and which(caller.f_locals["bound"], caller.f_locals["direction"]):
            return Decision(z3.unknown, None, 12.5)
        return real_decide(assertions, box, timeout_ms)
    monkeypatch.setattr(S, "decide", fake)


def test_a_tiny_budget_names_what_it_could_not_decide(tmp_path: Path) -> None:
    """--budget: checks not run in it are named (which concept, which check, why), and the run ends."""
    draft = linear_draft(tmp_path)
    r = run_cli(str(ZJG), str(draft), "--semantic", "--budget", "0.1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "not decided (time budget 0.1 s, took" in r.stdout
    assert "the time budget was spent" in r.stdout
    d = semantic_diff(load_policy(ZJG), load_policy(draft), budget=0.0)
    assert all(c.verdict == S.UNKNOWN for c in d.concepts)
    assert "reward.team: not checked: the time budget was spent" in d.undecided
    assert len(d.undecided) == len(d.concepts)


def test_largest_gain_and_loss_are_labelled_and_signed_in_every_format(tmp_path: Path) -> None:
    """无锡 (16) 最高2%、不超过5000万元 against the draft's 3%、8000万元, both ways: the gain one way is the
    loss the other, 8000万 − 5000万 = 3000万元, on the high end, from FDI 26.6667亿元 (8000万 / 3%)."""
    draft = revision(tmp_path, "wuxi_2023", wuxi_fdi("3%", "8000万元"), WUXI_DRAFT_TEXT)
    wuxi, new = load_policy(POLICIES / "wuxi_2023.policy"), load_policy(draft)
    up = semantic_diff(wuxi, new, concepts=["reward.fdi"])
    down = semantic_diff(new, wuxi, concepts=["reward.fdi"])
    gain = "largest gain: +3000万元 (high end) on project fdi_arrived 26.6667亿元, foreign: "
    loss = "largest loss: \u22123000万元 (high end) on project fdi_arrived 26.6667亿元, foreign: "
    assert gain in render_table(up) and "largest loss" not in render_table(up)
    assert loss in render_table(down) and "largest gain" not in render_table(down)
    js = json.loads(render_json(down))["concepts"][0]
    assert js["max_loss"]["change"] == -30_000_000.0 and js["max_loss"]["text"].startswith(loss)
    assert json.loads(render_json(up))["concepts"][0]["max_gain"]["change"] == 30_000_000.0
    md = render_markdown(down)
    # `_` escaped in a cell (Markdown emphasis otherwise), shown as written once rendered
    assert "| largest gain | largest loss |" in md and "| — | \u22123000万元 (high end) on project fdi\\_arrived" in md


# ------------------------------------------------------------------ products of a bounded field and an amount


def test_decide_proves_and_finds_across_a_bounded_factor() -> None:
    """score × amount against a fixed rate × amount, score in [0, 100], the amount a whole number of fen
    up to 10万亿: for rates a + b·score (random) and c, some project gives more exactly when the best
    end of a + b·score (score 0 or 100) beats c — decided each time, the found project checked."""
    rng = Random(7)
    for _ in range(25):
        a, b, c = (Fraction(rng.randint(0, 50), 10_000) for _ in range(3))
        b = b * rng.choice((1, -1)) / 100
        score, amount = z3.Real("quality_score"), z3.Int("fdi_arrived")
        box: Box = {"quality_score": (score, Fraction(0), Fraction(100)), "fdi_arrived": (amount, Fraction(0),
                                                                                   Fraction(MAX_FEN))}
        money = z3.ToReal(amount)
        rounded = z3.ToReal(z3.ToInt((real(a) + real(b) * score) * money + real(Fraction(1, 2))))
        fixed = z3.ToReal(z3.ToInt(real(c) * money + real(Fraction(1, 2))))
        d = decide([score >= 0, score <= 100, amount >= 0, amount <= MAX_FEN, rounded >= fixed + 1], box, 20_000)
        best = max(a, a + 100 * b)
        assert d.result == (z3.sat if best > c else z3.unsat), (a, b, c, d)
        if d.result == z3.sat:
            assert d.model is not None
            q = d.model.eval(score, model_completion=True)
            n = d.model.eval(amount, model_completion=True).as_long()
            qv = Fraction(q.numerator_as_long(), q.denominator_as_long())
            assert 0 <= qv <= 100 and 0 <= n <= MAX_FEN
            half = Fraction(1, 2)
            assert int((a + b * qv) * n + half) >= int(c * n + half) + 1


def test_reordered_conjuncts_are_equivalent_in_the_semantic_diff(tmp_path: Path) -> None:
    """`a and b` → `b and a` (and `or`): the same rule, proved equivalent for every outcome."""
    old = revision(tmp_path, "zhangjiagang_2017", zjg_team_reward(
        "(foreign or started) and paid_in_ratio >= 30%\n    and registered_capital >= 500万美元"))
    (tmp_path / "new").mkdir()
    new = revision(tmp_path / "new", "zhangjiagang_2017", zjg_team_reward(
        "registered_capital >= 500万美元 and paid_in_ratio >= 30%\n    and (started or foreign)"))
    d = semantic_diff(load_policy(old), load_policy(new))
    assert {c.concept: c.verdict for c in d.concepts if c.verdict != S.EQUIVALENT} == {}
    assert d.undecided == []


def test_the_envelope_holds_every_true_product() -> None:
    """The relaxation is sound: at random points of random boxes (a bounded factor times an amount, or
    two bounded factors, each possibly negative), the true product satisfies every envelope bound."""
    from compare.diff.decide import Relaxation

    rng = Random(11)
    x, y = z3.Real("x"), z3.Real("y")
    for _ in range(200):
        xl, yl = Fraction(rng.randint(-50, 50), rng.randint(1, 9)), Fraction(rng.randint(-50, 50), rng.randint(1, 9))
        xh, yh = xl + Fraction(rng.randint(0, 90), rng.randint(1, 9)), yl + Fraction(rng.randint(0, 90), 7)
        box: Box = {"x": (x, xl, xh), "y": (y, yl, yh if rng.random() < 0.7 else float("inf"))}
        relax = Relaxation(box)
        (relaxed,), envelope = relax.apply([x * y >= 0], [x * y])
        assert envelope, box
        w = relax.pairs[0][1]
        for _ in range(5):
            px = xl + (xh - xl) * Fraction(rng.randint(0, 100), 100)
            top = yh if box["y"][2] != float("inf") else yl + 1000
            py = yl + (top - yl) * Fraction(rng.randint(0, 100), 100)
            at = [(x, real(px)), (y, real(py)), (w, real(px * py))]
            assert all(z3.is_true(z3.simplify(z3.substitute(c, *at))) for c in envelope), (box, px, py)


def test_a_bound_inside_the_range_is_proved_by_cutting_the_range() -> None:
    """score ≤ 50 asserted, the envelope over the whole 0–100 admits score × amount up to 100 × amount:
    no proof there.  Cut at 50, each half is tight enough: score × amount ≥ 50 × amount + 1 has no
    project (for score ≤ 50 the product is at most 50 × amount)."""
    score, amount = z3.Real("quality_score"), z3.Int("fdi_arrived")
    box: Box = {"quality_score": (score, Fraction(0), Fraction(100)),
           "fdi_arrived": (amount, Fraction(0), Fraction(MAX_FEN))}
    money = z3.ToReal(amount)
    base = [score >= 0, score <= 100, amount >= 0, amount <= MAX_FEN, score <= 50]
    d = decide([*base, score * money >= 50 * money + 1], box, 20_000)
    assert d.result == z3.unsat and d.pieces > 1
    d = decide([*base, score * money >= 49 * money + 1], box, 20_000)  # 50 × 1 fen ≥ 49 × 1 fen + 1
    assert d.result == z3.sat and d.model is not None
    q, n = d.model.eval(score, model_completion=True), d.model.eval(amount, model_completion=True).as_long()
    assert Fraction(q.numerator_as_long(), q.denominator_as_long()) * n >= 49 * n + 1
