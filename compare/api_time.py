"""The Python API over time: projects over years (docs/years.md) and figures over time (docs/panel.md).
Re-exported by compare.api, which holds the rest of the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare.api import as_batch, in_force, run_fields
from compare.data.read import is_table
from compare.data.years import ProjectsOverYears
from compare.engine.evaluate import CompiledPolicy
from compare.engine.runs import Rates
from compare.engine.years import YearOutcomes
from dsl.ast import Span
from dsl.cache import check_paths_cached
from dsl.check.record import run_record
from dsl.diagnostics import Diagnostic, PolicyError
from dsl.record import CORE, Record

# ---------------------------------------------------------------- projects over years


@dataclass
class YearTables:
    """Policies over projects' years (compare.engine.years), as tables.

    `by_year`: a row per project, year it has a row in and city: `project`, `policy`, `city`, `year`,
    `year_of_life`, the input's carried columns, then the outcome columns of `evaluate`'s long table;
    `total`: a row per project and city, the years added up (the carried columns of the project's
    first row); `due_later`: instalments falling after the file's last year, not in the totals (`project`,
    `policy`, `city`, `concept`, `low`, `high`).  pandas DataFrames (`output="arrow"`: pyarrow Tables);
    `outcomes` (compare.engine.years.YearOutcomes, one per policy) and `rates` as the run used them."""

    by_year: Any
    total: Any
    due_later: Any
    outcomes: list[YearOutcomes]
    rates: Rates


def read_project_years(projects: str | Path | Any, units: Mapping[str, str] | None = None,
                       sheet: str | None = None, record: Record = CORE) -> ProjectsOverYears:
    """Projects over years, validated (docs/data.md, "Projects over years"): a file or a table (a pandas
    DataFrame, a pyarrow Table, a dict of columns) in the long shape (a `year` column, a row per project
    and year) or the wide one (`fdi_arrived[2024]`), with `landed_on`; single-year projects as the
    one-year case.  `.years` (compare.engine.project_years.ProjectYears), `.carry`, `.warnings`.
    InputError (E820–E824 for the years, as for any field otherwise)."""
    from compare.data.locate import RowLocator
    from compare.data.years import from_cells, over_years
    from compare.data.years import read_project_years as _read

    if isinstance(projects, (str, Path)):
        return _read(Path(projects), units, sheet, record=record)
    if not is_table(projects):
        raise TypeError("projects over years are a file, a DataFrame, a pyarrow Table or a dict of columns")
    return over_years(from_cells(_arrow(projects), RowLocator("<projects>"), units, record=record))


def _arrow(data: Any) -> Any:
    import pyarrow as pa

    from compare.data.read import _array

    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, Mapping):
        return pa.table({str(k): _array(v) for k, v in data.items()})
    return pa.table({str(k): _array(data[k]) for k in data.columns})


def evaluate_years(policies: Iterable[CompiledPolicy | str | Path], projects: Any, fx: float | str | None = None,
                   as_of: dt.date | str | None = None, readings: Mapping[str, str] | None = None,
                   units: Mapping[str, str] | None = None, output: str = "pandas") -> YearTables:
    """Every policy over the projects' years at one USD→CNY rate (as `run`): each year in order, with
    the time statements between them (cumulative caps, schedules, instalments, clawbacks: docs/years.md).
    `policies`: compiled policies, files, folders, policy ids or city ids; a city or a folder gives each
    city's document in force as of `as_of` (a date or "YYYY-MM-DD"; default today).  `projects`: as
    `read_project_years`.  Returns YearTables."""
    from compare.data.table import outcome_table, to_pandas
    from compare.data.years_table import stacked, year_carry, year_rows
    from compare.engine.runs import choose_rates
    from compare.engine.years import evaluate_years as _evaluate_years

    if output not in ("pandas", "arrow"):
        raise ValueError(f"output is `pandas` or `arrow`, not `{output}`")
    compiled = _as_of(policies, as_of)
    read = read_project_years(projects, units, record=run_fields(compiled))
    rates = choose_rates([cp.policy for cp in compiled], fx)
    results = [_evaluate_years(cp, read.years, r, dict(readings or {})) for cp, r in zip(compiled, rates.rates,
                                                                                         strict=True)]
    dims = [cp.concept_dims for cp in compiled]
    rows = year_rows(read, totals=False)
    by_year = outcome_table([stacked(yo, rows) for yo in results], year_carry(read, rows), dims=dims,
                            notes=[rates.note])
    total = outcome_table([yo.total for yo in results], read.carry_of(None), dims=dims, notes=[rates.note])
    later = _due_later(results)
    if output == "arrow":
        return YearTables(by_year, total, later, results, rates)
    return YearTables(to_pandas(by_year), to_pandas(total), to_pandas(later), results, rates)


def _due_later(results: list[YearOutcomes]) -> Any:
    import numpy as np
    import pyarrow as pa

    cols: dict[str, list[Any]] = {"project": [], "policy": [], "city": [], "concept": [], "low": [], "high": []}
    for yo in results:
        for concept, (lo, hi) in sorted(yo.due_later.items()):
            for i in np.flatnonzero((lo != 0) | (hi != 0)).tolist():
                for key, v in zip(cols, (yo.ids[i], yo.policy, yo.city, concept, float(lo[i]), float(hi[i])),
                                  strict=True):
                    cols[key].append(v)
    types = [pa.string()] * 4 + [pa.float64()] * 2
    return pa.table({k: pa.array(v, t) for (k, v), t in zip(cols.items(), types, strict=True)})


def _as_of(policies: Iterable[CompiledPolicy | str | Path], as_of: dt.date | str | None) -> list[CompiledPolicy]:
    """Compiled policies as given; names (files, folders, policy ids, city ids) as of the date, as
    `load_city` takes them (a city or a folder: each city's document in force then, dsl.in_force).
    PolicyError where one has errors or a name stands for nothing; ValueError for a date that does not
    parse; a PolicyWarning for a policy named explicitly and used outside its period."""
    out: list[CompiledPolicy] = []
    for p in policies:
        out += [p] if isinstance(p, CompiledPolicy) else [CompiledPolicy(q) for q in in_force(str(p), as_of)]
    return out



# ---------------------------------------------------------------- figures over time (docs/panel.md)


def _cities(names: Iterable[str | Path], search: list[Path], cache: bool) -> Any:
    from compare.history.documents import UnknownPolicyError, cities_of, resolve

    files: list[Path] = []
    for name in map(str, names):
        try:
            files += [f for f in resolve([name], search) if f not in files]
        except UnknownPolicyError as e:
            raise PolicyError([Diagnostic("E001", e.message, Span(name, 1, 1, 1, 1), e.hint)]) from None
    result = check_paths_cached(files, search, cache)
    cities, diags = cities_of(result.policies, files, search, cache)
    errors = [d for d in [*result.diagnostics, *diags] if d.is_error]
    if errors:
        raise PolicyError(errors)
    return cities


def city_history(city: str, search: Iterable[str | Path] = (), cache: bool = True) -> Any:
    """A city's figures over time (compare.history.steps.CityHistory): `.documents`, `.figures` (per figure
    path, the steps: from, until, document, value), `.changed()`; as `policylab timeline CITY` shows them."""
    from compare.history.steps import city_history as _history

    cities = _cities([city], [Path(s) for s in search], cache)
    if city not in cities.timelines:
        raise PolicyError([Diagnostic("E001", f"`{city}` is not a city", Span(city, 1, 1, 1, 1),
                                      "cities: " + ", ".join(cities.timelines))])
    return _history(cities.timelines[city], cities.policies)


def panel(policies: Iterable[str | Path], first: int, last: int, by: str = "year", projects: Any = None,
          fx: float | None = None, search: Iterable[str | Path] = (), cache: bool = True) -> Any:
    """The panel of `policylab panel` as a pandas DataFrame (its columns: compare.history.panel.COLUMNS):
    per city (files, folders, policy ids or city ids) and date (1 January of each year from `first` to
    `last`, or the 1st of each month with `by="month"`), the figures in force, and with `projects` (as
    `read_projects` takes them) each project's outcome per concept at one rate (`fx`, else the latest
    policy year's average).  ValueError where `first` is after `last`."""
    import pandas as pd

    from compare.engine.runs import choose_rates
    from compare.history.panel import COLUMNS, build_panel, panel_dates

    dates = panel_dates(first, last, by)
    cities = _cities(policies, [Path(s) for s in search], cache)
    batch, rate = None, 0.0
    if projects is not None:
        chosen = list(cities.policies.values())
        record, diags = run_record([p.record for p in chosen])
        if any(d.is_error for d in diags):
            raise PolicyError([d for d in diags if d.is_error])
        batch = as_batch(projects, record=record)
        rate = choose_rates(chosen, fx).rates[0]
    return pd.DataFrame(list(build_panel(cities, dates, batch, rate).rows), columns=list(COLUMNS))
