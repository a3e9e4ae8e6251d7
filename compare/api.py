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
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compare.data.read import from_frame, from_records, is_table
from compare.data.read import read_projects as _read_file
from compare.data.records import InputError
from compare.data.vector import Projects
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
from dsl.ast import Span
from dsl.cache import check_paths_cached
from dsl.check.record import run_record
from dsl.diagnostics import Diagnostic, PolicyError
from dsl.record import CORE, Record

if TYPE_CHECKING:  # the semantic diff imports z3: loaded when first used
    from compare.diff.semantic import SemanticDiff
    from dsl.model import Policy


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


def in_force(name: str, as_of: dt.date | str | None, search: Sequence[Path] = (), cache: bool = True) -> list[Policy]:
    """The checked policies a name stands for as of a date (dsl.in_force): a file or policy id as is, a
    city or a folder each city's document in force then.  PolicyError where one has errors or the name
    stands for nothing; ValueError for a date that does not parse; a PolicyWarning (W722) for a policy
    named explicitly and used outside its period."""
    import warnings

    from dsl.in_force import UnknownNameError, choose
    from dsl.timeline import parse_as_of

    day = parse_as_of(as_of) if as_of is not None else dt.date.today()
    try:
        chosen = choose([name], day, list(search), cache)
    except UnknownNameError as e:
        raise PolicyError([Diagnostic("E001", str(e), Span(name, 1, 1, 1, 1),
                                      "give a .policy file, a folder, a policy id or a city id")]) from None
    errors = [d for d in chosen.result.diagnostics if d.is_error]
    if errors:
        raise PolicyError(errors)
    for w in chosen.warnings:
        warnings.warn(f"{w.code}: {w.message}", PolicyWarning, stacklevel=4)
    return list(chosen.policies)


def _chosen(name: str, search: list[Path], cache: bool, as_of: dt.date | str | None) -> CompiledPolicy:
    chosen = in_force(name, as_of, search, cache)
    if not chosen:
        day = as_of or dt.date.today()
        raise PolicyError([Diagnostic("E001", f"no document of `{name}` in force as of {day}",
                                      Span(name, 1, 1, 1, 1), "give another date")])
    return CompiledPolicy(chosen[0])


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


# projects over years and figures over time: compare.api_time (it reads the functions above)
from compare.api_time import YearTables, city_history, evaluate_years, panel, read_project_years  # noqa: E402

__all__ += ["YearTables", "city_history", "evaluate_years", "panel", "read_project_years"]
