"""Sweeps: one or two figures of a line over a range of values, the portfolio's totals at each.

The line is checked once; each point swaps the figures into the checked model and compiles it
(compare.simulate.reform.substitute, about a millisecond), so only the swept line is evaluated again.
Points are independent: an executor may run blocks of them anywhere (compare.simulate.executor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy
from compare.engine.project_years import ProjectYears
from compare.simulate.figures import Figure, FigureError, Node, find_figure, parse_value, value_of, with_value
from compare.simulate.reform import substitute
from compare.simulate.totals import concept_label, concept_totals
from compare.simulate.years_run import sweep_rows
from dsl import ast as A
from dsl.model import Policy
from dsl.units import SCALES, UNITS

MAX_POINTS = 100_000


@dataclass(frozen=True)
class Axis:
    figure: Figure
    nodes: tuple[Node, ...]  # one per value

    @property
    def labels(self) -> list[str]:
        return [str(n) for n in self.nodes]


def axis(policy: Policy, path: str, values: Any, derived: str) -> Axis:
    """The figure at `path` and its values: a list, or {from, to, steps} (evenly spaced, inclusive;
    money to the fen).  FigureError for a path or value that does not fit."""
    fig = find_figure(policy, path)
    if isinstance(values, dict):
        lo, hi = parse_value(values["from"], fig, derived), parse_value(values["to"], fig, derived)
        steps = int(values["steps"])
        if steps < 2 or steps > MAX_POINTS:
            raise FigureError(f"steps must be from 2 to {MAX_POINTS}, not {steps}")
        money = fig.dim.is_money
        if isinstance(lo, A.Quantity) and isinstance(hi, A.Quantity) and lo.per is not None and hi.per is not None:
            return Axis(fig, _per_unit_points(lo, hi, steps, money, derived))
        a, b = Decimal(str(value_of(lo))), Decimal(str(value_of(hi)))
        points = []
        for k in range(steps):
            v = a + (b - a) * k / (steps - 1)
            points.append(with_value(lo, v.quantize(Decimal("0.01")) if money else v.normalize(), derived))
        return Axis(fig, tuple(points))
    return Axis(fig, tuple(parse_value(v, fig, derived) for v in values))


def _per_unit_points(lo: A.Quantity, hi: A.Quantity, steps: int, money: bool, derived: str) -> tuple[A.Quantity, ...]:
    """Evenly spaced per-unit figures in `lo`'s units (20元/平方米 … 40元/平方米), money to the fen of the
    written unit, exactly: never through the base unit (1平方米 = 0.0015亩 does not divide evenly)."""
    assert lo.per is not None and hi.per is not None
    unit = SCALES[lo.scale] * UNITS[lo.unit].factor
    a = lo.number * SCALES[lo.scale] * UNITS[lo.unit].factor
    b = hi.number * SCALES[hi.scale] * UNITS[hi.unit].factor * UNITS[lo.per].factor / UNITS[hi.per].factor
    points = []
    for k in range(steps):
        v = a + (b - a) * k / (steps - 1)
        v = v.quantize(Decimal("0.01")) if money else v
        points.append(A.Quantity((v / unit).normalize(), lo.scale, lo.unit, derived=derived, per=lo.per))
    return tuple(points)


def sweep_points(first: Axis, second: Axis | None) -> list[tuple[int, int | None]]:
    """(index on the first axis, on the second) for every point, the first axis outermost."""
    if second is None:
        return [(i, None) for i in range(len(first.nodes))]
    return [(i, j) for i in range(len(first.nodes)) for j in range(len(second.nodes))]


def _point(policy: Policy, name: str, first: Axis, second: Axis | None, i: int, j: int | None
           ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A point's columns before a row's totals, and after them (the second figure's)."""
    row = {"policy": name, "label": f"{policy.city_label} {name}", "figure": first.figure.path,
           "value": value_of(first.nodes[i]), "value_label": str(first.nodes[i])}
    if second is None or j is None:
        return row, {}
    return row, {"figure2": second.figure.path, "value2": value_of(second.nodes[j]), "value2_label": str(second.nodes[j])}


def run_points(policy: Policy, name: str, first: Axis, second: Axis | None, points: Sequence[tuple[int, int | None]],
               batch: ProjectBatch | ProjectYears, rate: float, readings: dict[str, str],
               concepts: Sequence[str] | None) -> list[dict[str, Any]]:
    """The totals of the swept line at each point: one row per point and concept (over years: the
    totals over the years, then rows with `year`, each year's)."""
    rows: list[dict[str, Any]] = []
    for i, j in points:
        values = {first.figure.path: first.nodes[i]}
        if second is not None and j is not None:
            values[second.figure.path] = second.nodes[j]
        cp = CompiledPolicy(substitute(policy, values, {first.figure.path: first.figure,
                                                        **({second.figure.path: second.figure} if second else {})}))
        if isinstance(batch, ProjectYears):  # a portfolio over years: the totals over them, and per year
            rows += sweep_rows(cp, batch, rate, readings, concepts, *_point(policy, name, first, second, i, j))
            continue
        before, after = _point(policy, name, first, second, i, j)
        out = cp.outcomes(cp.run(batch, rate, readings))
        for t in concept_totals(cp, out, stats=False):
            if (concepts and t.concept not in concepts) or t.unit == "bool":
                continue
            rows.append({**before, "concept": t.concept, "concept_label": concept_label(policy, t.concept),
                         "unit": t.unit, "low": t.low, "high": t.high, "eligible": t.eligible, **after})
    return rows
