"""The fast routes of the evaluator agree with the exact ones right at the edges.

Money is rounded to the fen from a float64 estimate, and only the rows whose estimate lies near a
half fen are worked out again in integers (compare.engine.exact.round_lin); thresholds are integer
bounds on whole fen, or a float estimate with the rows near the threshold redone exactly (cmp_lin);
a ladder of tiers is matched by counting the lower edges a value passes (compare.engine.tiers); a
clause's 0 where it does not fire and an if/else are made on the float64 bits (compare.engine.values).
Each test puts values exactly at an edge and one fen either side of it, checks the result against
figures worked by hand, and checks the fast route against the exact one forced on every row.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from compare.engine import exact as X
from compare.engine.batch import ProjectBatch
from compare.engine.compile import Compiler
from compare.engine.exact import ONE, Lin, Term, cmp_lin, const, round_lin, sub
from compare.engine.tiers import _climb, _holds, _ladder
from compare.engine.values import Env, Val, choose, zero_unless


def _exact_rounding(a: Lin) -> list[float]:
    """Every row through the integer route (what round_lin does for the rows near a half fen)."""
    n = len(a.terms[0].col)
    return list(X._round_num(*X._numerators(a, np.arange(n))))


def _exact_sign(a: Lin) -> list[int]:
    nums, _ = X._numerators(a, np.arange(len(a.terms[0].col)))
    return [(int(v) > 0) - (int(v) < 0) for v in nums]


def _rows_redone(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Records the rows each call sends to the exact integer route."""
    seen: list[list[int]] = []
    real = X._numerators

    def spy(a: Lin, idx: Any) -> Any:
        seen.append([int(i) for i in idx])
        return real(a, idx)
    monkeypatch.setattr(X, "_numerators", spy)
    return seen


def test_a_rate_of_an_amount_at_a_half_fen_and_one_fen_either_side(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2‰ of 12.50元 (1250 fen) is 2.5 fen exactly: half away from zero, 3 fen; of 12.49元 2.498 fen: 2;
    # of 12.51元 2.502 fen: 3.  Negative amounts mirror them: -3, -2, -3.
    # In USD at 7.0 (2‰ × 7 = 7/500 per fen): 2.50美元 (250 fen) is 3.5 fen: 4; 2.49美元 3.486: 3; 2.51美元 3.514: 4.
    col = np.array([1250, 1249, 1251, -1250, -1249, -1251, 250, 249, 251], dtype=np.float64)
    usd = np.array([False] * 6 + [True] * 3)
    k = Fraction(2, 1000)
    a = Lin((Term(col, usd, (k, k * 7)),))
    seen = _rows_redone(monkeypatch)
    got = list(round_lin(a))
    want = [3.0, 2.0, 3.0, -3.0, -2.0, -3.0, 4.0, 3.0, 4.0]
    assert got == want
    # only the rows on a half fen took the integer route; one fen either side the estimate decided
    assert seen == [[0, 3, 6]]
    assert _exact_rounding(a) == want


def test_thirty_percent_share_of_whole_fen_at_the_half(monkeypatch: pytest.MonkeyPatch) -> None:
    # 第13条's 3:7 split: 30% of 5 fen is 1.5 fen: 2; of 4 fen 1.2: 1; of 6 fen 1.8: 2; of 15 fen 4.5: 5.
    col = np.array([5, 4, 6, 15, 14, 16], dtype=np.float64)
    a = Lin((Term(col, None, (Fraction(3, 10), Fraction(3, 10))),))
    seen = _rows_redone(monkeypatch)
    want = [2.0, 1.0, 2.0, 5.0, 4.0, 5.0]  # 14 × 0.3 = 4.2 → 4; 16 × 0.3 = 4.8 → 5
    assert list(round_lin(a)) == want
    assert seen == [[0, 3]]
    assert _exact_rounding(a) == want


def test_a_usd_threshold_met_in_cny_at_a_rate_binary_cannot_hold() -> None:
    # 500万美元 at 6.0002 is 5,000,000 × 6.0002 = 30,001,000元 = 3,000,100,000 fen.  Read in USD, a CNY row
    # is col × 5000/30001: at 3,000,100,000 fen exactly 500,000,000 fen, the threshold (met); one fen less
    # is below (not met), one fen more above (met).  USD rows at 500万美元 and either side alike.
    rate = Fraction(60002, 10000)
    col = np.array([3_000_100_000, 3_000_099_999, 3_000_100_001, 500_000_000, 499_999_999, 500_000_001],
                   dtype=np.float64)
    usd = np.array([False, False, False, True, True, True])
    x = Lin((Term(col, usd, (ONE / rate, ONE)),))
    threshold = const(Fraction(500_000_000))
    for op, want in ((">=", [True, False, True, True, False, True]), (">", [False, False, True, False, False, True]),
                     ("<", [False, True, False, False, True, False]), ("==", [True, False, False, True, False, False])):
        got = cmp_lin(sub(x, threshold), op)
        assert list(got) == want, op


def test_a_sum_of_two_amounts_at_a_threshold_redone_exactly_only_near_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two amounts read in USD at 6.0002 against 500万美元 (500,000,000 fen): 1,500,050,000 fen in CNY is
    # 250,000,000 fen in USD (× 5000/30001), plus 250,000,000 fen in USD: exactly the threshold.  One fen
    # more or less of the CNY amount is 1/6.0002 fen either side: far beyond the estimate's error bound (a
    # few units in the last place), so the estimate decides them, and only the row on the threshold is redone.
    rate = Fraction(60002, 10000)
    a_col = np.array([1_500_050_000, 1_500_049_999, 1_500_050_001, 1_000_000_000], dtype=np.float64)
    b_col = np.array([250_000_000] * 4, dtype=np.float64)
    no = np.zeros(4, dtype=bool)
    yes = np.ones(4, dtype=bool)
    total = Lin((Term(a_col, no, (ONE / rate, ONE)), Term(b_col, yes, (ONE / rate, ONE))))
    seen = _rows_redone(monkeypatch)
    got = cmp_lin(sub(total, const(Fraction(500_000_000))), ">=")
    assert list(got) == [True, False, True, False]
    assert seen == [[0]]
    assert _exact_sign(sub(total, const(Fraction(500_000_000)))) == [0, -1, 1, -1]


LOWER_CLOSED = [(Fraction(500_000_000), True, Fraction(1_000_000_000), False),  # [500万, 1000万)美元 in fen
                (Fraction(1_000_000_000), True, Fraction(3_000_000_000), False),
                (Fraction(3_000_000_000), True, Fraction(10_000_000_000), False),
                (Fraction(10_000_000_000), True, math.inf, False)]
UPPER_CLOSED = [(Fraction(500_000_000), True, Fraction(1_000_000_000), True),  # [500万, 1000万], (1000万, 3000万] …
                (Fraction(1_000_000_000), False, Fraction(3_000_000_000), True),
                (Fraction(3_000_000_000), False, Fraction(10_000_000_000), True),
                (Fraction(10_000_000_000), False, math.inf, False)]
BOUNDED = [(-math.inf, False, Fraction(100), False), (Fraction(100), True, Fraction(200), True)]  # (-∞, 1元), [1元, 2元]


def _first_row(x: Lin, rows: list[Any], n: int) -> list[int]:
    """The first row holding x, row by row (the general route)."""
    matched = np.full(n, -1)
    for i in range(len(rows) - 1, -1, -1):
        matched[np.broadcast_to(_holds(x, rows[i], ONE), (n,))] = i
    return matched.tolist()


@pytest.mark.parametrize(("rows", "fen", "want"), [
    # 张家港 第5条's tiers of registered capital in USD fen: each edge, and one fen either side
    (LOWER_CLOSED, [499_999_999, 500_000_000, 500_000_001, 999_999_999, 1_000_000_000, 1_000_000_001,
                    2_999_999_999, 3_000_000_000, 9_999_999_999, 10_000_000_000, 10_000_000_001],
     [-1, 0, 0, 0, 1, 1, 1, 2, 2, 3, 3]),
    (UPPER_CLOSED, [499_999_999, 500_000_000, 500_000_001, 999_999_999, 1_000_000_000, 1_000_000_001,
                    2_999_999_999, 3_000_000_000, 3_000_000_001, 10_000_000_000, 10_000_000_001],
     [-1, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3]),
    # a ladder from -∞ that ends at a closed upper edge: 2元 holds, 2.01元 is past every row
    (BOUNDED, [-5, 99, 100, 101, 199, 200, 201], [0, 0, 1, 1, 1, 1, -1]),
])
def test_a_ladder_of_tiers_counted_agrees_with_row_by_row(rows: list[Any], fen: list[int], want: list[int]) -> None:
    assert _ladder(rows)
    x = Lin((Term(np.array(fen, dtype=np.float64), None, (ONE, ONE)),))
    n = len(fen)
    got = _climb(x, rows, lambda row: _holds(x, row, ONE), n)
    assert got.tolist() == want
    assert _first_row(x, rows, n) == want


def test_rows_that_do_not_climb_one_ladder_are_matched_row_by_row() -> None:
    gap = [(Fraction(0), True, Fraction(100), False), (Fraction(200), True, math.inf, False)]  # a gap at [1元, 2元)
    overlap = [(Fraction(0), True, Fraction(100), True), (Fraction(100), True, math.inf, False)]  # 1元 in both
    down = [(Fraction(100), True, Fraction(200), False), (Fraction(0), True, Fraction(100), False)]
    assert not any(_ladder(r) for r in (gap, overlap, down))


# ---------------------------------------------------------------- masks and selections on the bits

SPECIAL = np.array([1.5, -2.0, 0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e308])


def _bits(x: Any) -> bytes:
    return np.ascontiguousarray(x, dtype=np.float64).tobytes()


@pytest.mark.parametrize("value", [SPECIAL, 0.0, -0.0, 3.0, -3.0, np.inf, -np.inf, np.nan, 7, True])
def test_zero_unless_is_np_where_bit_for_bit(value: Any) -> None:
    # np.where keeps the value where the mask holds (-0.0, ±∞ and NaN as they are) and gives +0.0 elsewhere:
    # the bit route must give the same bytes, for columns and figures, into a new array or in place
    mask = np.array([True, False] * 5)
    want = np.where(mask, value, 0.0)
    assert _bits(zero_unless(value, mask)) == _bits(want)
    assert _bits(zero_unless(value, np.broadcast_to(np.asarray(False), (10,)))) == bytes(80)  # +0.0 everywhere
    if isinstance(value, np.ndarray):
        own = value.copy()
        assert _bits(zero_unless(own, mask, owned=True)) == _bits(want)
    # by hand, on the column (the mask holds on every other row): 1.5 kept, -2.0 → +0.0, 0.0 kept,
    # -0.0 → +0.0, ∞ kept, -∞ → +0.0, NaN kept, 5e-324 → +0.0, -5e-324 kept (its sign too), 1e308 → +0.0
    if value is SPECIAL:
        by_hand = np.array([1.5, 0.0, 0.0, 0.0, np.inf, 0.0, np.nan, 0.0, -5e-324, 0.0])
        assert _bits(zero_unless(value, mask)) == _bits(by_hand)


@pytest.mark.parametrize("a", [SPECIAL, SPECIAL[::-1].copy(), 0.0, -0.0, np.inf, np.nan, 2.5])
@pytest.mark.parametrize("b", [SPECIAL, -0.0, -np.inf, 1.0])
def test_choose_is_np_where_bit_for_bit(a: Any, b: Any) -> None:
    k = np.array([True, True, False, True, False, False, True, False, True, False])
    assert _bits(choose(k, a, b)) == _bits(np.where(k, a, b))


def _item(lo: list[float], present: list[bool], zeroed: bool = False) -> Any:
    val = Val(np.array(lo), None, np.array(present), zeroed=zeroed)
    val.hi = val.lo
    return lambda env: val


@pytest.mark.parametrize(("items", "want"), [
    # 10分 and 5分 items (张家港 第12条's highest of the items): the greatest of those present; 0 where none is
    ([([10.0, 0.0, 0.0, 0.0], [True, False, False, False], True),
      ([5.0, 5.0, 5.0, 0.0], [True, True, True, False], True)], [10.0, 5.0, 5.0, 0.0]),
    # an absent item's own figure does not count (not zeroed: 7 where absent)
    ([([7.0, 7.0, 7.0, 7.0], [False, False, True, False], False),
      ([2.0, 0.0, 1.0, 0.0], [True, True, True, False], False)], [2.0, 0.0, 7.0, 0.0]),
    # a negative item: the route over signs (a present -3 beats an absent 9; none present is 0)
    ([([-3.0, -3.0, 9.0, 9.0], [True, True, False, False], False),
      ([-5.0, 1.0, -1.0, 4.0], [True, False, True, False], False)], [-3.0, -3.0, -1.0, 0.0]),
])
def test_max_of_items_counts_only_those_present(items: list[Any], want: list[float]) -> None:
    fn = Compiler.combine(None, "max", [_item(*i) for i in items], 0)  # type: ignore[arg-type]
    env = Env(ProjectBatch([f"p{i}" for i in range(4)], {}), 7.0, {})
    got = fn(env)
    assert _bits(got.lo) == _bits(np.array(want))  # +0.0 where none is present, as np.where gave
