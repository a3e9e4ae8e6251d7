"""Outcomes over years as one long table: a row per project and year it has a row, then its total.

Each policy's YearOutcomes (compare.engine.years) become one Outcomes whose rows are, in the file's
order of projects, the project's years and a `total` row; the columns `year` (the calendar year, or
`total`) and `year_of_life` (null on the total) lead the input's carried columns (the row's own,
the project's first on the total).  The writers of single-year outcomes (compare.data.table, .write)
then write every format they write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from compare.data.years import ProjectsOverYears
from compare.engine.beneficiary import Choice
from compare.engine.evaluate import Outcomes
from compare.engine.years import YearOutcomes
from dsl.units import Dim

TOTAL = "total"


@dataclass(frozen=True)
class YearRows:
    """The rows of the long table: per row, its project and its source (k < len(years): years[k]; the
    last: the total)."""

    years: list[int]
    project: np.ndarray
    source: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.source == len(self.years)

    def labels(self) -> list[str]:
        return [TOTAL if s == len(self.years) else str(self.years[s]) for s in self.source.tolist()]


def year_rows(read: ProjectsOverYears, totals: bool = True, years: bool = True) -> YearRows:
    """Project-major: each project's years (those it has a row in), then its total."""
    py = read.years
    sources: list[np.ndarray] = []
    projects: list[np.ndarray] = []
    if years:
        for k, y in enumerate(py.years):
            at = np.flatnonzero(py.active[y])
            projects.append(at)
            sources.append(np.full(len(at), k, dtype=np.int64))
    if totals:
        projects.append(np.arange(py.n, dtype=np.int64))
        sources.append(np.full(py.n, len(py.years), dtype=np.int64))
    project = np.concatenate(projects) if projects else np.zeros(0, dtype=np.int64)
    source = np.concatenate(sources) if sources else np.zeros(0, dtype=np.int64)
    order = np.lexsort((source, project))
    return YearRows(list(py.years), project[order], source[order])


def stacked(yo: YearOutcomes, rows: YearRows) -> Outcomes:
    """One policy's outcomes at the rows of the long table."""
    parts = [yo.by_year[y] for y in rows.years] + [yo.total]
    n = len(yo.ids)
    flat = rows.source * n + rows.project

    def pick(arrays: Sequence[Any], fill: Any = 0) -> np.ndarray:
        return np.concatenate([np.broadcast_to(np.asarray(a), (n,)) for a in arrays])[flat]

    def ends(get: Any) -> tuple[np.ndarray, np.ndarray]:
        lo = pick([get(o)[0] for o in parts])
        exact = all(get(o)[1] is get(o)[0] for o in parts)
        return lo, lo if exact else pick([get(o)[1] for o in parts])

    first = parts[0]
    numeric = {c: ends(lambda o, c=c: o.numeric[c]) for c in first.numeric}
    boolean = {c: pick([o.boolean[c] for o in parts]) for c in first.boolean}
    fired = {c: pick([o.fired[c] for o in parts]) for c in first.fired}
    eligible = {c: pick([o.eligible[c] for o in parts]) for c in first.eligible}
    payers = {c: {p: ends(lambda o, c=c, p=p: o.payers.get(c, {}).get(p, (np.zeros(n), np.zeros(n))))
                  for p in d} for c, d in first.payers.items()}
    beneficiaries = {c: _choice([o.beneficiaries[c] for o in parts], n, flat) for c in first.beneficiaries
                     if all(c in o.beneficiaries for o in parts)}
    own = None if all(o.project_fx is None for o in parts) else \
        pick([o.project_fx if o.project_fx is not None else np.full(n, np.nan) for o in parts])
    ids = [yo.ids[i] for i in rows.project.tolist()]
    return Outcomes(first.policy, first.city, ids, numeric, boolean, fired, eligible, beneficiaries, yo.total.fx,
                    dict(first.readings), record=first.record, payers=payers, project_fx=own)


def _choice(choices: list[Choice], n: int, flat: np.ndarray) -> Choice:
    """One beneficiary choice at the rows (the rules are the policy's, the same in every year)."""
    def column(get: Any, dtype: Any) -> Any:
        values = [get(c) for c in choices]
        if all(isinstance(v, int) for v in values) and len(set(values)) == 1:
            return values[0]
        return np.concatenate([np.full(n, v, dtype=dtype) if isinstance(v, int) else np.asarray(v, dtype=dtype)
                               for v in values])[flat]

    names = [c.names for c in choices]
    if all(x is None or isinstance(x, str) for x in names) and len(set(names)) == 1:
        picked: Any = names[0]
    else:
        picked = np.concatenate([np.full(n, x, dtype=object) if x is None or isinstance(x, str)
                                 else np.asarray(x, dtype=object) for x in names])[flat]
    return Choice(choices[0].rules, picked, column(lambda c: c.which, np.int64), column(lambda c: c.rule, np.int64))


def year_carry(read: ProjectsOverYears, rows: YearRows) -> pa.Table:
    """The columns beside the outcomes: `year` (text: 2024 … or `total`; a whole number where the rows
    hold no total), `year_of_life` (null on the total), then the input's carried columns of the row (the project's first row on the total)."""
    py = read.years
    years = np.array(rows.years + [0], dtype=np.int64)[rows.source]
    life = years - py.landing[rows.project] + 1
    cols: dict[str, pa.Array] = {
        "year": pa.array(rows.labels(), pa.string()) if rows.total.any() else pa.array(years, pa.int64()),
        "year_of_life": pa.array(life, pa.int64(), mask=rows.total),
    }
    if read.carry is not None:
        at = read.first_row[rows.project].copy()
        for k, y in enumerate(rows.years):
            these = rows.source == k
            at[these] = read.rows[y][rows.project[these]]
        taken = read.carry.take(pa.array(at, pa.int64()))
        for name in taken.column_names:
            if name not in cols:
                cols[name] = taken.column(name).combine_chunks()
    return pa.table(cols)


def concept_totals(yo: YearOutcomes, dims: dict[str, Dim | None] | None = None
                   ) -> dict[str, dict[int | str, tuple[float, float]]]:
    """Per numeric concept, per year and `total`: the sum over the projects (low, high); money added up
    in whole fen."""
    def add(x: np.ndarray, money: bool) -> float:
        return float(np.sum(np.rint(x * 100.0))) / 100.0 if money else float(np.sum(x))

    out: dict[str, dict[int | str, tuple[float, float]]] = {}
    for c in yo.total.numeric:
        money = (dims or {}).get(c) in (Dim.CNY, Dim.USD)
        per: dict[int | str, tuple[float, float]] = {}
        for y in yo.years:
            lo, hi = yo.by_year[y].numeric[c]
            per[y] = (add(lo, money), add(hi, money))
        lo, hi = yo.total.numeric[c]
        per[TOTAL] = (add(lo, money), add(hi, money))
        out[c] = per
    return out
