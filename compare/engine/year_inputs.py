"""The year runner's input: each year's batch of the active projects, with the columns the engine reads
over years (`year`, `year_of_life`, and `cumulative(x)`: x summed over the project's years so far).

A money field's sum is two columns, the amounts given in yuan and in dollars (`cumulative(x)#cny`,
`cumulative(x)#usd`), so it stays exact whatever the currencies of its years; compare.engine.compile
reads them at the run's rate.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from compare.engine.batch import USD, ProjectBatch
from compare.engine.evaluate import CompiledPolicy
from compare.engine.project_years import ProjectYears
from compare.engine.values import Arr
from dsl import ast as A
from dsl.units import Dim
from dsl.walk import walk


def cumulative_column(name: str) -> str:
    """The column the year runner fills with a field's sum over the project's years so far; a money
    field has two, the amounts given in yuan and in US dollars (`…#cny`, `…#usd`), so the sum stays
    exact whatever the currencies of its years."""
    return f"cumulative({name})"




class _Sums:
    """The running sums of the fields read as `cumulative(x)`, per project (full length)."""

    def __init__(self, cp: CompiledPolicy, n: int):
        self.fields = sorted(cumulative_fields(cp))
        record = cp.policy.record
        self.money = {f for f in self.fields if f in record.fields and record.fields[f].dim == Dim.MONEY}
        self.sums: dict[str, Arr] = {}
        for f in self.fields:
            if f in self.money:
                self.sums[f"{f}#cny"], self.sums[f"{f}#usd"] = np.zeros(n), np.zeros(n)
            else:
                self.sums[f] = np.zeros(n)

    def add(self, batch: ProjectBatch, idx: Arr | None) -> None:
        for f in self.fields:
            if f not in batch.columns:
                continue
            if f in self.money:
                fen = batch.fen(f)
                usd = np.asarray(batch.columns[f"{f}#cur"]) == USD
                for key, part in ((f"{f}#cny", np.where(usd, 0.0, fen)), (f"{f}#usd", np.where(usd, fen, 0.0))):
                    _put(self.sums[key], idx, (self.sums[key] if idx is None else self.sums[key][idx]) +
                         (part if idx is None else part[idx]))
            else:
                x = np.nan_to_num(np.asarray(batch.columns[f], dtype=np.float64))
                _put(self.sums[f], idx, (self.sums[f] if idx is None else self.sums[f][idx]) +
                     (x if idx is None else x[idx]))

    def columns(self, idx: Arr | None) -> Iterator[tuple[str, Arr]]:
        for f in self.fields:
            if f in self.money:
                for part in ("#cny", "#usd"):
                    s = self.sums[f + part]
                    yield cumulative_column(f) + part, (s if idx is None else s[idx]) / 100.0
            else:
                s = self.sums[f]
                yield cumulative_column(f), (s.copy() if idx is None else s[idx])


def cumulative_fields(cp: CompiledPolicy) -> set[str]:
    """The fields some expression of the policy reads as `cumulative(x)`."""
    out: set[str] = set()
    p = cp.policy
    for item in (*p.clauses.values(), *p.splits.values(), *p.params.values(), *p.conditions.values()):
        for x in walk(item):
            if isinstance(x, A.Call) and x.func == "cumulative" and x.args and isinstance(x.args[0], A.Name):
                out.add(x.args[0].dotted)
    return out


def year_batches(cp: CompiledPolicy, py: ProjectYears) -> Iterator[tuple[int, ProjectBatch, Arr | None]]:
    """Each year's batch of the active projects, as the runner evaluates it (with `year`, `year_of_life`
    and the cumulative columns), and their rows among all the projects (None: every project)."""
    sums = _Sums(cp, py.n)
    for y in py.years:
        act = np.asarray(py.active[y], dtype=bool)
        idx = None if act.all() else np.flatnonzero(act)
        yield y, _year_batch(py.batches[y], y, py, sums, idx), idx


def _year_batch(batch: ProjectBatch, year: int, py: ProjectYears, sums: _Sums, idx: Arr | None) -> ProjectBatch:
    """The year's batch of active projects with `year`, `year_of_life` and the cumulative columns (the
    given batch is not changed)."""
    sums.add(batch, idx)
    if idx is None:
        ids, cols = list(batch.ids), dict(batch.columns)
    else:
        ids = [batch.ids[i] for i in idx]
        cols = {k: v[idx] for k, v in batch.columns.items()}
    m = len(ids)
    landing = py.landing if idx is None else py.landing[idx]
    cols["year"] = np.full(m, float(year))
    cols["year_of_life"] = (year - landing + 1).astype(np.float64)
    cols["year#given"] = cols["year_of_life#given"] = np.ones(m, dtype=bool)
    for name, col in sums.columns(idx):
        cols[name] = col
    return ProjectBatch(ids, cols, batch.record)



def _put(target: Arr, idx: Arr | None, value: object) -> None:
    if idx is None:
        target[...] = value
    else:
        target[idx] = value
