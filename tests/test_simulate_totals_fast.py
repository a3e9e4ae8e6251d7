"""The comparison's shortcuts give the same bits as the plain computation they replace.

A chunk's outcomes are attributed once per line (compare.simulate.totals.Attribution): each
beneficiary's offers build only their own parts, a select is a bit mask instead of np.where, and the
wins are counted without a sort when the per-project tables are not kept.  Each shortcut is checked
against the computation it replaces on values at its edges (∞, NaN, -0.0, ties, offers of 0 and
below), and the whole comparison is checked both ways on a sampled portfolio.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sampled import CITIES, SPEC

from compare.simulate.comparison import _sole_highest
from compare.simulate.portfolio import _ids
from compare.simulate.totals import Attribution, _kept, beneficiary_parts

EDGES = np.array([0.0, -0.0, 1.5, -2.25, np.inf, -np.inf, np.nan, 1e300, 5e-324, 123456789.01])


def _bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64).view(np.int64)


@pytest.mark.parametrize("mask", [
    np.ones(10, dtype=bool), np.zeros(10, dtype=bool), np.arange(10) % 3 == 0, np.arange(10) % 2 == 1])
def test_kept_is_np_where_bit_for_bit(mask: np.ndarray) -> None:
    expected = np.where(mask, EDGES, 0.0)
    (kept,) = _kept(mask, EDGES)
    assert np.array_equal(_bits(kept), _bits(expected))  # NaN's bits too, and +0.0 where masked
    low, high = _kept(mask, EDGES, -EDGES)  # one mask for both ends
    assert np.array_equal(_bits(low), _bits(expected))
    assert np.array_equal(_bits(high), _bits(np.where(mask, -EDGES, 0.0)))


def test_kept_of_a_broadcast_mask_and_values() -> None:
    mask = np.broadcast_to(np.array([True]), (4,))
    values = np.broadcast_to(np.array([-0.0]), (4,))
    assert np.array_equal(_bits(_kept(mask, values)[0]), _bits(np.where(mask, values, 0.0)))
    part = np.array([True, False, True, False])
    assert np.array_equal(_bits(_kept(part, np.broadcast_to(np.array([np.inf]), (4,)))[0]),
                          _bits(np.array([np.inf, 0.0, np.inf, 0.0])))


def test_sole_highest_by_hand() -> None:
    # three cities' offers to six projects: a tie at the top (5, 5), nobody offering, a tie (3, 3),
    # city 2 alone above (7), offers all below 0, and city 0 alone above 0
    his = [np.array([5.0, 0.0, 3.0, 2.0, -1.0, 4.0]),
           np.array([5.0, 0.0, 1.0, 2.0, -2.0, 0.0]),
           np.array([1.0, -0.0, 3.0, 7.0, -3.0, 0.0])]
    won = _sole_highest(his)
    assert [w.tolist() for w in won] == [[False, False, False, False, False, True],
                                         [False] * 6,
                                         [False, False, False, True, False, False]]


def _won_by_sort(his: np.ndarray) -> list[np.ndarray]:
    """The per-project tables' definition: the first of a stable sort from high to low, above 0,
    not tied with the second."""
    m, n = his.shape
    order = np.argsort(-his, axis=0, kind="stable")
    best, second = order[0], order[1] if m > 1 else order[0]
    top = his[best, np.arange(n)]
    margin = top - (his[second, np.arange(n)] if m > 1 else 0.0)
    nobody = top <= 0
    tie = (margin == 0) & ~nobody & (m > 1)
    return [(best == k) & ~nobody & ~tie for k in range(m)]


@pytest.mark.parametrize("members", [1, 2, 3, 4, 6])
def test_sole_highest_agrees_with_the_sort(members: int) -> None:
    rng = np.random.default_rng(members)
    for _ in range(50):  # few distinct values: many ties, zeros of both signs, offers below 0
        his = rng.integers(-1, 3, (members, 60)) * rng.choice([1.0, -0.0, 0.0, 0.5], (members, 60))
        for mine, sorted_ in zip(_sole_highest(list(his)), _won_by_sort(his), strict=True):
            assert np.array_equal(mine, sorted_)


@pytest.mark.parametrize(("chunk", "n"), [(0, 0), (0, 1), (7, 12), (12, 100_001)])
def test_sampled_ids(chunk: int, n: int) -> None:
    assert _ids(chunk, n) == [f"s{chunk}-{i}" for i in range(n)]


@pytest.fixture(scope="module")
def evaluated() -> list[tuple[Any, Any]]:
    from compare.api import load_policy
    from compare.simulate.portfolio import sample_batch

    batch = sample_batch(SPEC, 4_000, 2026, fx=7.0)
    out = []
    for city in CITIES:
        cp = load_policy(f"policies/{city}.policy")
        out.append((cp, cp.outcomes(cp.run(batch, 7.0))))
    return out


def test_offers_are_the_filtered_parts(evaluated: list[tuple[Any, Any]]) -> None:
    """Each beneficiary's offers, built from its own parts alone, are the sums over every part of
    that beneficiary (the code before the filter), bit for bit; and the attribution's totals too."""
    for cp, out in evaluated:
        att = Attribution(cp, out, 7.0)
        parts = list(beneficiary_parts(cp, out, 7.0))
        assert parts, cp.policy.id
        for who in sorted({name for name, unit, *_ in parts if unit == "CNY"}):
            n = len(out.ids)
            lo_sum, hi_sum, promised = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
            for name, unit, _, lo, hi in parts:
                if name == who and unit == "CNY":
                    unbounded = np.isinf(hi)
                    promised |= unbounded
                    lo_sum += np.where(unbounded, 0.0, lo)
                    hi_sum += np.where(unbounded, 0.0, hi)
            lo2, hi2, promised2 = att.offers(who)
            assert np.array_equal(_bits(lo2), _bits(lo_sum)) and np.array_equal(_bits(hi2), _bits(hi_sum))
            assert np.array_equal(promised2, promised)
        sums: dict[tuple[str, str], list[float]] = {}
        for name, unit, _, lo, hi in parts:
            unbounded = np.isinf(hi)
            acc = sums.setdefault((name, unit), [0.0] * 5)
            for k, x in enumerate((lo.sum(), hi.sum(), np.where(unbounded, 0.0, lo).sum(),
                                   np.where(unbounded, 0.0, hi).sum(), np.count_nonzero(unbounded))):
                acc[k] += float(x)
        assert {k: list(v) for k, v in att.totals().items()} == sums


def test_wins_counted_without_the_sort_are_the_sorted_ones(evaluated: list[tuple[Any, Any]]) -> None:
    """The comparison with its per-project tables (wins from the sort) and without (counted alone)."""
    from compare.engine.batch import ProjectBatch
    from compare.simulate.comparison import Comparison
    from compare.simulate.lines import Line

    lines = [Line(cp.policy.id, cp.policy, cp, cp.policy.id) for cp, _ in evaluated]
    results = [out for _, out in evaluated]
    batch = ProjectBatch(list(results[0].ids), {})
    kept, counted = Comparison(lines, [], per_project=True), Comparison(lines, [], per_project=False)
    kept.add(batch, results, 7.0)
    counted.add(batch, results, 7.0)
    assert kept.compete_parts and not counted.compete_parts  # the two paths were taken
    assert counted.wins == kept.wins
    assert sum(v[0] for v in kept.wins.values()) > 0  # some city won some project
    assert counted.by_beneficiary == kept.by_beneficiary



def test_freed_memory_kept_for_reuse() -> None:
    """glibc takes the settings (each mallopt returns 1); elsewhere nothing is changed."""
    import sys

    from compare.simulate.memory import keep_freed_memory

    if not sys.platform.startswith("linux"):
        assert keep_freed_memory() is False
        return
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # again: the same settings
    assert np.zeros(4 << 20).sum() == 0.0  # 32 MiB arrays still made and freed
