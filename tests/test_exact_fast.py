"""The exact arithmetic's short paths give what the general case gives, bit for bit.

- `round_times` (a split's or a payer's share of whole fen) is round_lin of one term, -0.0 included,
  at ties (half fens), just off them, and past the range where the float estimate decides;
- `_bound` (the integer bound of a comparison, worked out in integers) is the set of whole numbers
  that satisfy the comparison;
- `as_rows` is np.broadcast_to: the same values, dtype and shape, and a view that cannot be written.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compare.engine.exact import Lin, Term, _bound, round_lin, round_times
from compare.engine.payer import fen_share
from compare.engine.values import as_rows


def bits(x: np.ndarray) -> list[int]:
    return np.asarray(x, dtype=np.float64).view(np.int64).tolist()


def test_shares_at_half_fen_round_away_from_zero() -> None:
    # 3:7 of a reward (张家港 第13条: 引荐项目奖金按3:7分配): 3/10 of 5 fen is 1.5 fen -> 2; of 15 -> 4.5 -> 5;
    # of -5 -> -2; of 1 -> 0.3 -> 0; 7/10 of 5 -> 3.5 -> 4; 1/2 of 1 -> 0.5 -> 1, of 3 -> 2
    col = np.array([5.0, 15.0, -5.0, 1.0, 0.0])
    assert round_times(col, Fraction(3, 10)).tolist() == [2.0, 5.0, -2.0, 0.0, 0.0]
    assert round_times(np.array([5.0]), Fraction(7, 10)).tolist() == [4.0]
    assert fen_share(np.array([1.0, 3.0, -1.0]), Fraction(1, 2)).tolist() == [1.0, 2.0, -1.0]
    # a tie near 2^52 fen: 3/10 of 4,503,599,627,370,505 is 1,351,079,888,211,151.5 exactly -> …152
    big = float(2 ** 52 + 9)
    assert round_times(np.array([big, -big]), Fraction(3, 10)).tolist() == [1351079888211152.0, -1351079888211152.0]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.integers(-10, 10), st.integers(-2 ** 53, 2 ** 53), st.just(-0.0)), max_size=30),
       st.fractions(min_value=-3, max_value=3, max_denominator=10 ** 6).filter(lambda w: w != 0),
       st.integers(0, 5))
def test_round_times_is_round_lin(values: list, w: Fraction, ties: int) -> None:
    # whole fen (both signs of zero), the first `ties` of them at ties of w = p/q (q even: odd multiples of
    # q/2, whose p/q-th part is a half fen)
    col = np.array(values, dtype=np.float64)
    m = min(ties, col.size)
    col[:m] = np.where(col[:m] < 0, -1.0, 1.0) * (w.denominator // 2 or 1) * (2 * np.arange(m) + 1)
    want = round_lin(Lin((Term(col.copy(), None, (w, w)),)))
    assert bits(round_times(col.copy(), w)) == bits(want)


@pytest.mark.parametrize("op", [">=", ">", "<=", "<", "=="])
def test_bound_at_the_rate_typed(op: str) -> None:
    # 180,006,000元 at 6.0002 is exactly 3000万美元: a (fen of CNY) · 5000/30001 - 3×10^9 fen OP 0
    k, c = Fraction(5000, 30001), Fraction(-3 * 10 ** 9)
    edge = 18_000_600_000.0
    want = {">=": (edge, math.inf), ">": (edge + 1, math.inf), "<=": (-math.inf, edge), "<": (-math.inf, edge - 1),
            "==": (edge, edge)}[op]
    assert _bound(k, c, op) == want


@settings(max_examples=400, deadline=None)
@given(st.fractions(min_value=-50, max_value=50, max_denominator=40), st.fractions(min_value=-50, max_value=50,
                                                                                    max_denominator=40),
       st.sampled_from([">=", ">", "<=", "<", "=="]))
def test_bound_is_the_set_it_names(k: Fraction, c: Fraction, op: str) -> None:
    ops = {">=": lambda x: x >= 0, ">": lambda x: x > 0, "<=": lambda x: x <= 0, "<": lambda x: x < 0,
           "==": lambda x: x == 0}
    lo, hi = _bound(k, c, op)
    t = math.floor(-c / k) if k else 0  # the edges of the set lie next to -c/k; far from it, each side
    for a in [*range(t - 3, t + 4), -10 ** 6, 10 ** 6]:
        assert ops[op](k * a + c) == (lo <= a <= hi), (a, lo, hi)


@pytest.mark.parametrize("x,dtype", [(np.array([1.5, -0.0, np.inf]), None), (np.array([True, False, True]), bool),
                                     (np.array([1, 0, 2]), bool), (True, bool), (False, bool), (2.5, np.float64),
                                     (np.float64(-0.0), None), (np.array([0.5]), np.float64),
                                     (np.array([1.0, 2.0, 3.0])[::1], np.float64)])
def test_as_rows_is_broadcast_to(x: object, dtype: object) -> None:
    n = 3 if np.ndim(x) == 0 or np.shape(x) == (3,) else 1
    got, want = as_rows(x, n, dtype), np.broadcast_to(np.asarray(x, dtype=dtype), (n,))
    assert got.shape == want.shape and got.dtype == want.dtype
    assert got.tobytes() == want.tobytes()
    assert not got.flags.writeable
    with pytest.raises(ValueError):
        got[0] = got[0]


def test_rounding_past_int64_is_exact() -> None:
    # amounts past 2^63 fen, where int64 wraps (fuzzed records reach them): 3/10 of 2^70 fen is
    # 354,177,486,215,223,391,027.2 fen -> …027; of 2^64 it is 5,534,023,222,112,865,484.8 -> …485
    col = np.array([float(2 ** 70), -float(2 ** 70), float(2 ** 64)])
    want = [float(354177486215223391027), -float(354177486215223391027), float(5534023222112865485)]
    assert bits(round_lin(Lin((Term(col.copy(), None, (Fraction(3, 10), Fraction(3, 10))),)))) == bits(np.array(want))
    assert bits(round_times(col.copy(), Fraction(3, 10))) == bits(np.array(want))
