"""Explain a clause shared with the other projects of a year (compare.engine.portfolio) for one
project, in words with the numbers: "rank 3 of 5 by quality_score (60): not among the 2 winners → 0",
"98万元 × 90/360 = 24.5万元", and for a project alone in its batch "shared with the other projects of
the year: alone, up to the whole budget"."""

from __future__ import annotations

from decimal import Decimal

from compare.engine.explain import fmt_money, fmt_number
from compare.engine.portfolio import Pool, Ranking, Shared
from dsl.units import Dim

NAMED_TIES = 5  # the tied projects named; more are counted


def shared_lines(s: Shared) -> list[str]:
    """The lines explaining how project `s.row` (row 0 of a batch of one) fared in the sharing."""
    i = s.row if s.row is not None else 0
    if not bool(s.fired[i]):
        return []
    out: list[str] = []
    if s.winners is not None:
        out += _winners(s, s.winners, i)
    if s.pool is not None:
        out += _pool(s, s.pool, i)
    return out


def _winners(s: Shared, r: Ranking, i: int) -> list[str]:
    if s.alone:
        if r.count == 0:
            return [f"winners {r.count}: no project wins"]
        return [f"winners {r.count}: the only project evaluated, so one candidate: it keeps its amount "
                "(with the other projects of the year it could rank below the winners)"]
    by = r.by or "the amount"
    if r.key_hi[i] == float("-inf"):
        key = f"no value of {by}: ranked last"
    else:
        key = f"{by} {_key(s, r, i)}" if r.by else f"the amount {_key(s, r, i)}"
    rank = f"rank {int(r.rank[i])} of {r.candidates} by {key}"
    lines = [f"{rank}: among the {r.count} winners" if r.won[i] else
             f"{rank}: not among the {r.count} winners → 0"]
    if r.tied[i]:
        others = [s.ids[j] for j in range(len(s.ids)) if r.tied[j] and j != i]
        named = ", ".join(others[:NAMED_TIES]) + (f" and {len(others) - NAMED_TIES} more" if len(others) > NAMED_TIES else "")
        verdict = "it comes first in the file, so it wins" if r.won[i] else "it comes later in the file, so it does not win"
        lines.append(f"tied with {named} across the boundary of the {r.count} winners: the tie is broken by the "
                     f"order in the file ({verdict})")
    return lines


def _key(s: Shared, r: Ranking, i: int) -> str:
    lo, hi = float(r.key_lo[i]), float(r.key_hi[i])
    show = (lambda x: _amount(s, x)) if not r.by else (lambda x: _num(x))
    return f"({show(lo)})" if lo == hi else f"({show(lo)} ~ {show(hi)}, ranked by its high end)"


def _pool(s: Shared, p: Pool, i: int) -> list[str]:
    b_lo, b_hi = p.budget
    budget = _amount(s, b_hi) if b_lo == b_hi else f"{_amount(s, b_lo)} ~ {_amount(s, b_hi)}"
    w_lo, w_hi = float(p.weight_lo[i]), float(p.weight_hi[i])
    weight = _weight(p, w_lo) if w_lo == w_hi else f"{_weight(p, w_lo)} ~ {_weight(p, w_hi)}"
    lines = [f"its value is its weight in the budget {budget}: {weight}"
             + (" (a negative weight counts as 0)" if p.negative[i] else "")]
    if s.alone:
        lines.append(f"shared with the other projects of the year: alone, up to the whole budget "
                     f"(0 ~ {_amount(s, b_hi)}); with the year's other projects it is {budget} × its weight / "
                     "the sum of their weights")
        return lines
    if s.winners is not None and not s.winners.won[i]:
        return lines + ["not among the winners: no share of the budget"]
    if w_hi == 0:
        return lines + ["weight 0: no share of the budget"]
    total_lo, total_hi = p.total
    if total_hi == 0:
        return lines + ["the weights of the year add up to 0: nothing is shared"]
    of_whom = " (the winners')" if s.winners is not None else ""
    lo, hi = _share(s, i)
    if w_lo == w_hi and total_lo == total_hi and b_lo == b_hi:
        exact = Decimal(repr(b_lo)) * Decimal(repr(w_lo)) / Decimal(repr(total_lo))
        rounded = " (rounded down to the fen)" if s.money and exact != exact.to_integral_value() else ""
        lines.append(f"{budget} × {_weight(p, w_lo)}/{_weight(p, total_lo)}{of_whom} = {_amount(s, lo)}{rounded}")
        if p.unpaid:
            lines.append(f"the {int(((p.weight_hi > 0)).sum())} projects sharing it weigh {_weight(p, total_lo)} in "
                         f"all; {_amount(s, p.unpaid)} of the budget is left unpaid by rounding each share down")
        return lines
    others_hi, others_lo = total_hi - w_hi, total_lo - w_lo  # the others' ends (this project's own taken out)
    lines.append(f"from {_amount(s, b_lo)} × {_weight(p, w_lo)}/({_weight(p, w_lo)} + {_weight(p, others_hi)} the "
                 f"others at most) = {_amount(s, lo)} to {_amount(s, b_hi)} × {_weight(p, w_hi)}/({_weight(p, w_hi)} + "
                 f"{_weight(p, others_lo)} the others at least) = {_amount(s, hi)}")
    return lines


def _share(s: Shared, i: int) -> tuple[float, float]:
    """The share the pass gave row i, in the outcome's unit (fen where money)."""
    assert s.pool is not None and s.pool.share_lo is not None and s.pool.share_hi is not None
    return float(s.pool.share_lo[i]), float(s.pool.share_hi[i])


def _amount(s: Shared, x: float) -> str:
    """A budget, share or amount: whole fen where money."""
    if s.money:
        return fmt_money(x / 100.0, "美元" if s.dim == Dim.USD else "元")
    return fmt_number(x, s.dim)


def _weight(p: Pool, x: float) -> str:
    return fmt_money(x / 100.0, p.weight_unit or "元") if p.weight_money else _num(x)


def _num(x: float) -> str:
    if x in (float("inf"), float("-inf")):
        return "∞" if x > 0 else "-∞"
    return f"{x:.12g}"
