"""The Python API: load policies, evaluate batches, explain one project.

    from compare.api import load_policy, outcomes, explain
    zjg = load_policy("policies/zhangjiagang_2017.policy")
    frame = evaluate([zjg], "projects.xlsx")          # a pandas DataFrame, one row per project and city
    out = outcomes([zjg], [{"id": "p1", "foreign": True, "registered_capital": "4000万美元"}])  # numpy arrays

Several policies are evaluated at one USD→CNY rate (the latest policy year's average unless `fx`
names one; `fx="per-policy"` for each policy's own year); `run` also says which rate and carries, per
Outcomes, the inputs assumed (not given) and the outcomes another reading option would change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compare.data.read import from_frame, from_records, is_table
from compare.data.read import read_projects as _read_file
from compare.data.records import InputError
from compare.data.vector import Projects
from compare.data.years import ProjectsOverYears
from compare.diff.data import OutcomeDiff
from compare.diff.data import outcome_diff as _outcome_diff
from compare.diff.graph_export import PolicyGraph
from compare.diff.graph_export import policy_graph as _policy_graph
from compare.diff.impact import Impact, UnknownNameError
from compare.diff.impact import impact as _impact
from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.explain import explain
from compare.engine.runs import PER_POLICY, Rates, evaluate_policies
from compare.engine.years import YearOutcomes
from dsl.ast import Span
from dsl.cache import check_paths_cached
from dsl.check.record import run_record
from dsl.diagnostics import Diagnostic, PolicyError
from dsl.record import CORE, Record

if TYPE_CHECKING:  # the semantic diff imports z3: loaded when first used
    from compare.diff.semantic import SemanticDiff


def load_policy(path: str | Path, search: Iterable[str | Path] = (), cache: bool = True,
                as_of: dt.date | str | None = None) -> CompiledPolicy:
    """Parse, check and compile one policy: a file, a policy id (`zhangjiagang_2017`) or a city id (its
    document in force as of `as_of`: see `load_city`); raise PolicyError if it has errors.
    `search`: folders of base policies and taxonomy after the file's own (then $POLICYLAB_PATH, the bundled).
    `cache`: take the checked policy from the cache while no file it read has changed (dsl.cache).
    `as_of` (a date or "YYYY-MM-DD"): a file or policy id used outside its period gives a
    PolicyWarning (W722) saying so; a date that does not parse is a ValueError."""
    folders = [Path(s) for s in search]
    if as_of is None and Path(path).is_file():
        result = check_paths_cached([Path(path)], folders, cache)
        errors = [d for d in result.diagnostics if d.is_error]
        if errors or not result.policies:
            raise PolicyError(errors)
        return CompiledPolicy(result.policies[0])
    return _chosen(str(path), folders, cache, as_of)


def load_city(city: str, as_of: dt.date | str | None = None, search: Iterable[str | Path] = (),
              cache: bool = True) -> CompiledPolicy:
    """The city's document in force on `as_of` (a date or "YYYY-MM-DD"; default today), found in
    ./policies, then the search path: `load_city("zhangjiagang", as_of="2016-06-01")` is
    zhangjiagang_base.  Where none is in force, the city's draft if it has one; else PolicyError."""
    return _chosen(city, [Path(s) for s in search], cache, as_of)


class PolicyWarning(UserWarning):
    """A policy named explicitly is used on a date outside its period (W722)."""


def _chosen(name: str, search: list[Path], cache: bool, as_of: dt.date | str | None) -> CompiledPolicy:
    import warnings

    from dsl.in_force import UnknownNameError, choose
    from dsl.timeline import parse_as_of

    day = parse_as_of(as_of) if as_of is not None else dt.date.today()
    try:
        chosen = choose([name], day, search, cache)
    except UnknownNameError as e:
        raise PolicyError([Diagnostic("E001", str(e), Span(name, 1, 1, 1, 1),
                                      "give a .policy file, a policy id or a city id")]) from None
    errors = [d for d in chosen.result.diagnostics if d.is_error]
    if errors:
        raise PolicyError(errors)
    for w in chosen.warnings:
        warnings.warn(f"{w.code}: {w.message}", PolicyWarning, stacklevel=3)
    if not chosen.policies:
        raise PolicyError([Diagnostic("E001", f"no document of `{name}` in force as of {day.isoformat()}",
                                      Span(name, 1, 1, 1, 1), "give another date")])
    return CompiledPolicy(chosen.policies[0])


def load_policies(paths: Iterable[str | Path], search: Iterable[str | Path] = (),
                  cache: bool = True) -> list[CompiledPolicy]:
    folders = list(search)
    return [load_policy(p, folders, cache) for p in paths]


def run_fields(policies: Iterable[CompiledPolicy]) -> Record:
    """The project record the policies read together: the core and the fields, categories and choice
    values they declare.  PolicyError (E212) where two declare one field with different types or units."""
    record, diags = run_record([cp.policy.record for cp in policies])
    errors = [d for d in diags if d.is_error]
    if errors:
        raise PolicyError(errors)
    return record


def as_batch(projects: ProjectBatch | str | Path | Iterable[Mapping[str, Any]] | Any,
             units: Mapping[str, str] | None = None, record: Record = CORE) -> ProjectBatch:
    """Projects as the engine's columns; see `read_projects`."""
    return projects if isinstance(projects, ProjectBatch) else read_projects(projects, units, record=record).batch


def read_projects(projects: str | Path | Any, units: Mapping[str, str] | None = None,
                  sheet: str | None = None, record: Record = CORE) -> Projects:
    """Projects validated, from a file (.csv .tsv .jsonl .parquet .xlsx .yaml .json), a pandas
    DataFrame, a pyarrow Table, a dict of columns (numpy arrays or lists) or a list of dicts; columns
    are read column-wise.  `.batch` (ProjectBatch), `.carry` (the columns that are not fields, e.g. a
    company name, as a pyarrow Table), `.warnings`.  `units`: field -> unit of bare numbers
    (`{"registered_capital": "万美元"}`), where a column's header does not say (`registered_capital[万美元]`).
    `record`: the fields read (`run_fields(policies)`: the core and the fields the policies declare).
    InputError (str() is a screenful: the first problems, each with row and field, and a count)."""
    if isinstance(projects, (str, Path)):
        return _read_file(Path(projects), units, sheet, record=record)
    if is_table(projects):
        return from_frame(projects, units, record=record)
    return from_records(projects, units, record)


def run(policies: Iterable[CompiledPolicy], projects: Any, fx: float | str | None = None,
        readings: Mapping[str, str] | None = None, analyse: bool = True) -> tuple[list[Outcomes], Rates]:
    """Every project under every policy at one rate: one Outcomes per policy, and the rate chosen
    (`Rates.note`: "USD→CNY 7.0467 (2023 average, the latest policy year)").  With `analyse`, each
    Outcomes has `assumed` and `alternatives` (see compare.engine.assumed and .sensitivity)."""
    chosen = list(policies)
    return evaluate_policies(chosen, as_batch(projects, record=run_fields(chosen)), fx, dict(readings or {}), analyse)


def outcomes(policies: Iterable[CompiledPolicy], projects: Any, fx: float | str | None = None,
             readings: Mapping[str, str] | None = None, analyse: bool = True) -> list[Outcomes]:
    """Every project under every policy: one Outcomes (numpy arrays per concept) per policy."""
    return run(policies, projects, fx, readings, analyse)[0]


def evaluate(policies: Iterable[CompiledPolicy | str | Path], projects: Any, fx: float | str | None = None,
             readings: Mapping[str, str] | None = None, wide: bool = False, output: str = "pandas",
             units: Mapping[str, str] | None = None, analyse: bool = True) -> Any:
    """Every project under every policy, as a table: a pandas DataFrame (`output="pandas"`, needs
    pandas: `pip install 'policylab[data]'`) or a pyarrow Table (`output="arrow"`).

    Long (default): one row per project and city: `project`, `policy`, `city`, the carried columns
    of the input (a company name), then per outcome concept `CONCEPT.low` / `CONCEPT.high` (float64;
    money in yuan or dollars to the fen, points with their fractions; `high` missing where
    unbounded), `CONCEPT` for a yes/no outcome, `CONCEPT.state` (not_eligible, zero, figure,
    promised, absent), `CONCEPT.beneficiary`, then `assumed` (inputs not given that an outcome
    read), `sensitive` (outcomes another reading would change), `fx`, `readings`.  `wide=True`: one
    row per project, the columns prefixed by the policy id.  The rate and readings are also in the
    table's metadata (docs/data.md)."""
    from compare.data.table import outcome_table, to_pandas

    compiled = [_compiled(p) for p in policies]
    read = read_projects(projects, units, record=run_fields(compiled))
    results, rates = evaluate_policies(compiled, read.batch, fx, dict(readings or {}), analyse)
    table = outcome_table(results, read.carry, wide, dims=[cp.concept_dims for cp in compiled], notes=[rates.note])
    if output == "arrow":
        return table
    if output != "pandas":
        raise ValueError(f"output is `pandas` or `arrow`, not `{output}`")
    return to_pandas(table)


__all__ = ["PER_POLICY", "CompiledPolicy", "InputError", "Outcomes", "ProjectBatch", "Projects", "Rates", "as_batch",
           "evaluate", "explain", "load_city", "load_policies", "load_policy", "PolicyWarning", "outcomes", "read_projects", "run", "run_fields"]


# ---------------------------------------------------------------- revisions on data, impact, the graph
# Plain dataclasses; `.rows()` gives a list of dicts (pandas is not a dependency: `.to_frame()` makes a
# DataFrame where pandas is installed).


def _compiled(policy: CompiledPolicy | str | Path) -> CompiledPolicy:
    return policy if isinstance(policy, CompiledPolicy) else load_policy(policy)


def outcome_diff(old: CompiledPolicy | str | Path, new: CompiledPolicy | str | Path, projects: Any,
                 fx: float | None = None, readings: Mapping[str, str] | None = None) -> OutcomeDiff:
    """Each project's outcomes under `old` and `new` at one rate (`fx`, else the later policy year's
    average) and the same readings, the change end by end, and per concept the totals and how many
    projects gain, lose or are unaffected.  ValueError for a reading or option neither policy has."""
    a, b = _compiled(old), _compiled(new)
    return _outcome_diff(a, b, as_batch(projects, record=run_fields([a, b])), fx, dict(readings or {}))


def impact(policy: CompiledPolicy | str | Path, name: str) -> Impact:
    """What `name` (a clause, param, reading, project field or outcome concept) can move in the policy.
    UnknownNameError (a LookupError, with `.hint`) for a name that is none of these."""
    return _impact(_compiled(policy), name)


def policy_graph(policies: Iterable[CompiledPolicy | str | Path]) -> PolicyGraph:
    """The policies' dependency graphs joined at the taxonomy's concept nodes; `.to_json()`, `.to_dot()`,
    `.to_svg()` (no Graphviz needed), `.graph` (networkx)."""
    compiled = [_compiled(p) for p in policies]
    return _policy_graph([cp.policy for cp in compiled], [cp.graph for cp in compiled])


__all__ += ["Impact", "OutcomeDiff", "PolicyGraph", "UnknownNameError", "impact", "outcome_diff", "policy_graph"]


# ---------------------------------------------------------------- semantic diff (z3)


def semantic_diff(old: CompiledPolicy | str | Path, new: CompiledPolicy | str | Path,
                  concepts: Iterable[str] | None = None, readings: Mapping[str, str] | None = None,
                  fx: float | str | None = None, regions: bool = False, budget: float | None = 60.0) -> SemanticDiff:
    """Per outcome concept, what `new` gives against `old` over every valid project, proved with z3:
    a verdict (equivalent, more generous, less generous, mixed, only in OLD/NEW), witness projects
    (re-evaluated by the evaluator) with both values, the largest gain and loss per bound of the
    interval.  `concepts`: keys, or `OLD_KEY=NEW_KEY` across cities; `regions`: describe where each
    side gives more; `budget`: seconds for the whole diff (None: no limit), what it could not decide in
    them is in `.undecided`.  ValueError for a reading or option neither policy has."""
    from compare.diff.semantic import semantic_diff as _semantic_diff

    return _semantic_diff(_compiled(old), _compiled(new), list(concepts) if concepts else None,
                          dict(readings or {}), fx, regions, budget)


__all__ += ["semantic_diff"]


# ---------------------------------------------------------------- what-if simulation


def simulate(scenario: str | Path | Mapping[str, Any], search: Iterable[str | Path] = (), executor: str = "local",
             scheduler: str | None = None, force_large: bool = False) -> Any:
    """Run a what-if scenario (docs/simulation.md): a scenario file, or the same as a dict (paths in it
    relative to the current folder).  Returns compare.simulate.results.Results: `.totals`,
    `.per_project`, `.by_beneficiary`, `.deltas`, `.competitiveness`, `.sweep`, `.monte_carlo`,
    `.monte_carlo_summary`, `.tornado`, `.readings`, `.competition_map` (pandas DataFrames),
    `.plot_totals()`, `.plot_sweep()`, `.plot_distribution()`, `.plot_tornado()`,
    `.plot_competition_map()` (matplotlib Figures), `.tables` (pyarrow), `.write(folder)`.
    ScenarioError / ReformError (a PolicyError: `.diagnostics`, each at its key and line) for a
    scenario that cannot run, or one estimated too large to run (E908) unless `force_large`.  Needs
    `pip install 'policylab[simulate]'`."""
    import importlib.util

    missing = [m for m in ("matplotlib", "pandas", "jsonschema") if importlib.util.find_spec(m) is None]
    if missing:
        raise ImportError(f"compare.api.simulate needs {', '.join(missing)}: pip install 'policylab[simulate]'")
    from compare.simulate.plan import run_scenario
    from compare.simulate.scenario import load_scenario, parse_scenario

    if isinstance(scenario, Mapping):
        import yaml

        text = yaml.safe_dump(dict(scenario), allow_unicode=True, sort_keys=False)
        sc = parse_scenario(text, str(Path.cwd() / "<scenario>.yaml"))
    else:
        sc = load_scenario(Path(scenario))
    return run_scenario(sc, [Path(s) for s in search], executor, scheduler, force_large=force_large)


__all__ += ["simulate"]


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
    import warnings

    from dsl.in_force import UnknownNameError, choose
    from dsl.timeline import parse_as_of

    day = parse_as_of(as_of) if isinstance(as_of, str) else as_of or dt.date.today()
    out: list[CompiledPolicy] = []
    for p in policies:
        if isinstance(p, CompiledPolicy):
            out.append(p)
            continue
        try:
            chosen = choose([str(p)], day)
        except UnknownNameError as e:
            raise PolicyError([Diagnostic("E001", str(e), Span(str(p), 1, 1, 1, 1),
                                          "give a .policy file, a folder, a policy id or a city id")]) from None
        errors = [d for d in chosen.result.diagnostics if d.is_error]
        if errors:
            raise PolicyError(errors)
        for w in chosen.warnings:
            warnings.warn(f"{w.code}: {w.message}", PolicyWarning, stacklevel=3)
        out += [CompiledPolicy(q) for q in chosen.policies]
    return out


__all__ += ["YearTables", "evaluate_years", "read_project_years"]

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


__all__ += ["city_history", "panel"]
