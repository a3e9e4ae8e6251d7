"""The competition map: over a grid of two project fields, which city offers a beneficiary the most.

Each cell is one project (the scenario's `project` with the two fields set); every line evaluates the
grid at once.  The offer is the money (CNY) the beneficiary receives with a figure, at the chosen end
of its interval (`basis`, default high: the most the text allows); a promise with no figure is left
out of the sum and marked.  `{share_of: F}` for a money field means F's amount times the project's
paid-in ratio (arrived FDI as the paid-in share of registered capital).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from compare.data.read import from_dicts
from compare.engine.portfolio import ALONE
from compare.simulate.amounts import parse_amount
from compare.simulate.lines import Line
from compare.simulate.plot_ticks import field_title
from compare.simulate.totals import offers
from dsl.check.record import run_record
from dsl.schema import FIELDS
from dsl.units import Dim

MONEY_UNITS = {Dim.CNY: "元", Dim.USD: "美元"}


def _values(axis: Mapping[str, Any]) -> tuple[list[Decimal], Dim, bool]:
    field = str(axis["field"])
    kind = "ratio" if FIELDS[field].dim == Dim.RATIO else "money" if FIELDS[field].dim.is_money else None
    lo, dim = parse_amount(axis["from"], kind)
    hi, dim2 = parse_amount(axis["to"], kind)
    if dim != dim2:
        raise ValueError(f"`{field}`: from {axis['from']} and to {axis['to']} are in different units")
    steps = int(axis.get("steps", 20))
    log = axis.get("scale", "linear") == "log"
    if log and lo <= 0:
        raise ValueError(f"`{field}`: a log scale starts above 0, not at {axis['from']}")
    if log:
        grid = np.geomspace(float(lo), float(hi), steps)
    else:
        grid = np.linspace(float(lo), float(hi), steps)
    return [Decimal(str(round(float(v), 2 if dim.is_money else 6))) for v in grid], dim, log


def _label(v: Decimal, dim: Dim) -> str:
    if dim == Dim.RATIO:
        return f"{float(v) * 100:g}%"
    for scale, k in (("亿", Decimal(100_000_000)), ("万", Decimal(10_000))):
        if abs(v) >= k:
            return f"{float(v / k):.4g}{scale}{MONEY_UNITS.get(dim, '')}"
    return f"{float(v):.4g}{MONEY_UNITS.get(dim, '')}"


def _kind(dim: Dim) -> str:
    """How an axis of the map is ticked: amounts (100万, 1亿), shares (25%) or plain numbers."""
    return "money" if dim in MONEY_UNITS else "ratio" if dim == Dim.RATIO else "number"


def _cell(v: Decimal, dim: Dim) -> Any:
    return float(v) if dim == Dim.RATIO else f"{v}{MONEY_UNITS[dim]}" if dim in MONEY_UNITS else float(v)


def grid_records(spec: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The grid's project records (x varies fastest) and the axes' values and labels."""
    xs, xdim, xlog = _values(spec["x"])
    ys, ydim, _ = _values(spec["y"])
    fixed = dict(spec.get("project", {}))
    shares = {k: v["share_of"] for k, v in fixed.items() if isinstance(v, dict)}
    for k in shares:
        fixed.pop(k)
    records = []
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            rec: dict[str, Any] = {"id": f"x{i}-y{j}", **fixed, spec["x"]["field"]: _cell(x, xdim),
                                   spec["y"]["field"]: _cell(y, ydim)}
            for k, of in shares.items():
                amount, dim = parse_amount(rec[of], "money") if isinstance(rec.get(of), str) else (None, None)
                if amount is None or dim is None:
                    raise ValueError(f"project.{k}: share_of `{of}` needs `{of}` as an amount on the map")
                ratio = Decimal(str(rec.get("paid_in_ratio", 1)))
                rec[k] = f"{(amount * ratio).quantize(Decimal('0.01'))}{MONEY_UNITS[dim]}"
            records.append(rec)
    axes = {"x": [float(v) for v in xs], "y": [float(v) for v in ys], "x_label": [_label(v, xdim) for v in xs],
            "y_label": [_label(v, ydim) for v in ys], "x_log": xlog,
            "x_kind": _kind(xdim), "y_kind": _kind(ydim), "x_unit": MONEY_UNITS.get(xdim, ""),
            "y_unit": MONEY_UNITS.get(ydim, "")}
    return records, axes


def competition_grid(spec: Mapping[str, Any], lines: Sequence[Line], rate: float,
                     done: Callable[[int, int], None] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One row per grid cell: x, y, their labels, each line's offer, the winner and its margin.
    `done(k, n)` after each of the n compared lines is evaluated."""
    records, axes = grid_records(spec)
    record = run_record([ln.policy.record for ln in lines])[0]
    batch = from_dicts(records, record=record)  # declared: defaults
    for key in ("x", "y"):  # the axes' titles: the fields' labels, never their code names
        axes[f"{key}_names"] = list(field_title(str(spec[key]["field"]), record))
    who = str(spec["beneficiary"])
    basis = 0 if spec.get("basis", "high") == "low" else 1
    names = list(spec.get("policies") or [ln.name for ln in lines if not ln.is_reform])
    chosen = [ln for ln in lines if ln.name in names]
    values = np.zeros((len(chosen), batch.n))
    promised = np.zeros((len(chosen), batch.n), dtype=bool)
    for k, ln in enumerate(chosen):
        # each cell is a variant of one project, not a year's portfolio: a budget is shared as if alone
        out = ln.compiled.outcomes(ln.compiled.run(batch, rate, ln.readings, peers=ALONE))
        lo, hi, prom = offers(ln.compiled, out, rate, who)
        values[k], promised[k] = (lo, hi)[basis], prom
        if done is not None:
            done(k + 1, len(chosen))
    order = np.argsort(-values, axis=0, kind="stable")
    nx = len(axes["x"])
    rows = []
    for c in range(batch.n):
        i, j = c % nx, c // nx
        top = values[order[0, c], c]
        second = values[order[1, c], c] if len(chosen) > 1 else 0.0
        winner = "—" if top <= 0 else ("并列 tie" if top == second else chosen[order[0, c]].label)
        # who ties, in the order of the lines: the map names them, not just "tie"
        tied = " = ".join(ln.label for k, ln in enumerate(chosen) if values[k, c] == top) if winner == "并列 tie" else ""
        row = {"x": axes["x"][i], "y": axes["y"][j], "x_label": axes["x_label"][i], "y_label": axes["y_label"][j],
               "winner": winner, "tied": tied,  # display labels; winner_policy as in the competitiveness table
               "winner_policy": "none" if top <= 0 else "tie" if top == second else chosen[order[0, c]].name,
               "best": float(top), "margin": float(top - second) if top > 0 else 0.0}
        for k, ln in enumerate(chosen):
            row[f"offer.{ln.name}"] = float(values[k, c])
            row[f"promised.{ln.name}"] = bool(promised[k, c])
        rows.append(row)
    return rows, axes
