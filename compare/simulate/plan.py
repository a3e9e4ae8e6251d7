"""A scenario run from start to end: policies and reforms, the portfolio, the analyses, the results.

    results = run_scenario(load_scenario(path))

Every problem the scenario's file cannot show by itself (a policy that is not found or does not
check, a figure path or value that does not fit, a reform that does not check) is a diagnostic at the
scenario key that caused it (ScenarioError), never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from compare.data.folders import temp_folder
from compare.data.records import InputError
from compare.data.table import outcome_table
from compare.data.years import ProjectsOverYears, read_any
from compare.engine.batch import ProjectBatch
from compare.engine.portfolio import across
from compare.engine.project_years import ProjectYears
from compare.engine.runs import choose_rates
from compare.simulate import montecarlo as mc
from compare.simulate import sweep as sw
from compare.simulate.comparison import PER_PROJECT_LIMIT, Comparison
from compare.simulate.compmap import competition_grid
from compare.simulate.cost import MAX_BYTES, MAX_SECONDS, Estimate, LineCost, duration, estimate, size
from compare.simulate.executor import map_blocks
from compare.simulate.figures import FigureError, figure_title, find_figure, value_of
from compare.simulate.lines import Line, build_lines
from compare.simulate.lock import lock_data
from compare.simulate.named import planned_views, view_of
from compare.simulate.names import check_names
from compare.simulate.portfolio import stream
from compare.simulate.portfolio_years import YearsPortfolio, year_count
from compare.simulate.readings import combinations, tornado
from compare.simulate.reform import Change, Reform, ReformError, Transplant
from compare.simulate.results import Results
from compare.simulate.scenario import Scenario, ScenarioError
from compare.simulate.scenario_yaml import YamlError, read_yaml
from compare.simulate.totals import concept_label, unit_of
from compare.simulate.years_run import YearTotals
from dsl.cache import check_paths_cached
from dsl.check.record import run_record
from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.files import OVERRIDES, FileRefusedError, read_checked
from dsl.load import find_policy
from dsl.model import Policy
from dsl.paths import search_dirs
from dsl.record import CORE, Record

Progress = Callable[[str, int, int], None]  # (what, done, total)
SWEEP_BLOCK = 10  # sweep points per block of work


def _fail(sc: Scenario, keys: Sequence[str | int], message: str, hint: str | None = None,
          code: str = "E904") -> ScenarioError:
    return ScenarioError([replace(sc.error(tuple(keys), message, hint), code=code)], sc.text)


def load_policies(sc: Scenario, search: Sequence[Path]) -> list[Policy]:
    """The policies of `policies`, checked; every one not found at once (E905), then a policy's errors."""
    policies, missing, _ = find_policies(sc, search)
    if missing:
        raise ScenarioError(missing, sc.text)
    return policies


def find_policies(sc: Scenario, search: Sequence[Path]) -> tuple[list[Policy], list[Diagnostic], list[str]]:
    """The policies of `policies` that are found, checked (ReformError for one that does not check),
    an E905 for each that is not, and a notice for each city id (the city's document in force as of
    the scenario's `as_of`, default today: dsl.in_force)."""
    paths: list[Path] = []
    missing: list[Diagnostic] = []
    notices: list[str] = []
    for k, ref in enumerate(sc.data["policies"]):
        path = sc.folder / ref if str(ref).endswith(".policy") else None
        if path is None:
            found, hint = find_policy(str(ref), [sc.folder, *search])
            in_force = _city_in_force(sc, str(ref), search) if found is None else None
            if in_force is not None and not in_force[0]:  # a city with no document in force then
                missing.append(sc.error(("policies", k), "; ".join(in_force[1]) or f"no document of `{ref}` in force",
                                        "give another `as_of` (or --as-of)", value=True))
            elif in_force is not None:
                paths += in_force[0]
                notices += in_force[1]
            elif found is None:
                near = did_you_mean(str(ref), _policy_ids([sc.folder, Path("policies"), *search]))
                missing.append(sc.error(("policies", k), f"no policy `{ref}`",
                                        near or hint or "a bundled id or a path to a .policy file", value=True))
            else:
                paths.append(found)
        elif not path.is_file():
            missing.append(sc.error(("policies", k), f"no such policy file: {path}",
                                    "paths are relative to the scenario file", value=True))
        else:
            paths.append(path)
    policies = []
    for path in paths:
        result = check_paths_cached([path], [path.parent, *search])
        errors = [d for d in result.diagnostics if d.is_error]
        if errors or not result.policies:
            raise ReformError(errors, result.texts)
        policies.append(result.policies[0])
    return policies, [replace(d, code="E905") for d in missing], notices


def _city_in_force(sc: Scenario, city: str, search: Sequence[Path]) -> tuple[list[Path], list[str]] | None:
    """A city's document in force as of the scenario's `as_of` (default today), the notice; None: no city."""
    import datetime as dt

    from dsl.in_force import UnknownNameError, choose

    try:
        day = dt.date.fromisoformat(str(sc.data["as_of"])) if "as_of" in sc.data else dt.date.today()
    except ValueError:
        raise _fail(sc, ("as_of",), f"`{sc.data['as_of']}` is not a real date", "dates are YYYY-MM-DD, e.g. 2017-06-01",
                    code="E109") from None
    try:
        chosen = choose([city], day, [sc.folder, *search])
    except UnknownNameError:
        return None
    return [p.path for p in chosen.policies], list(chosen.notices)


def _policy_ids(folders: Sequence[Path]) -> list[str]:
    """The ids of the policy files along the search path, by their file names (for a did-you-mean)."""
    return sorted({p.stem for d in search_dirs(list(folders)) if d.is_dir() for p in d.glob("*.policy")})


def reforms_of(sc: Scenario, texts: dict[str, str] | None = None) -> list[Reform]:
    """The scenario's reforms, each with its changes (an overrides file's at their lines there, its
    text kept in `texts`); an overrides file that is not there is left to `names` to report."""
    out = []
    for k, r in enumerate(sc.data.get("reforms", [])):
        changes: list[Change] = []
        if "overrides" in r and os.path.lexists(sc.folder / r["overrides"]):  # read by the file rule
            changes += _overrides(sc, k, sc.folder / r["overrides"], texts if texts is not None else {})
        changes += [Change(str(key), value, sc.where("reforms", k, "set", key)) for key, value in r.get("set", {}).items()]
        t = r.get("transplant")
        out.append(Reform(r["name"], r["base"], tuple(changes), sc.folder / r["extends"] if "extends" in r else None,
                          Transplant(t["from"], tuple(t["concepts"]), sc.where("reforms", k, "transplant"))
                          if t else None, sc.where("reforms", k)))
    return out


def _overrides(sc: Scenario, k: int, path: Path, texts: dict[str, str]) -> list[Change]:
    """A YAML file of `PATH: VALUE` (a reform's `overrides`), each change at its line in that file."""
    try:  # a regular file of bounded size: never a FIFO, /dev/zero or /proc (dsl.files)
        text = read_checked(path, OVERRIDES).decode("utf-8")
    except FileRefusedError as e:
        raise ScenarioError([Diagnostic("E900", f"cannot read the overrides file: {e.message}",
                                        sc.where("reforms", k, "overrides", value=True),
                                        "a YAML file of `figure.path: value` lines, relative to the scenario file")],
                            sc.text) from None
    except UnicodeDecodeError:
        raise _fail(sc, ("reforms", k, "overrides"), f"{path} is not UTF-8 text",
                    "a YAML file of `figure.path: value` lines, saved as UTF-8") from None
    try:
        data, spans, dups = read_yaml(text, str(path))
    except YamlError as e:
        raise ReformError([e.diagnostic], {str(path): text}) from None
    if dups:
        raise ReformError(dups, {str(path): text})
    texts[str(path)] = text
    if not isinstance(data, dict) or not all(isinstance(v, (str, int, float)) for v in data.values()):
        raise _fail(sc, ("reforms", k, "overrides"), f"{path} is not a mapping of figure paths to values",
                    "write one `fdi_arrival_reward.cap: 8000万元` per line")
    return [Change(str(key), value, spans.at((key,))) for key, value in data.items()]


def rate_of(sc: Scenario, policies: Sequence[Policy]) -> tuple[mc.Rate, str]:
    fx = sc.data.get("fx")
    if isinstance(fx, dict):
        return mc.Rate(float(fx["low"]), float(fx["high"])), f"USD→CNY {fx['low']}–{fx['high']} (a range: Monte " \
                                                             f"Carlo draws it; single runs use the midpoint)"
    rates = choose_rates(policies, fx)
    return mc.Rate(rates.rates[0], rates.rates[0]), rates.note


def portfolio(sc: Scenario, rate: mc.Rate, chunk_size: int, record: Record = CORE
              ) -> tuple[Any, pa.Table | None, int, int]:
    """An iterator of batches (a sample's drawn as they are taken; over years, of ProjectYears), the
    carried columns of a file portfolio, the number of projects, and the number of calendar years (0:
    a single year).  `record`: the run's (its lines' declarations)."""
    spec = sc.data["portfolio"]
    if "file" in spec:
        try:
            read = read_any(sc.folder / spec["file"], record=record)
        except InputError as e:
            raise ScenarioError(e.diagnostics, sc.text) from e
        if isinstance(read, ProjectsOverYears):  # a file over years (a `year` column, `fdi_arrived[2024]`)
            return iter([read.years]), read.carry_of(None), read.n, len(read.years.years)
        return iter([read.batch]), read.carry, read.batch.n, 0
    sample = spec["sample"]
    try:
        if "years" in sample:  # chunks of projects over every year: a chunk's years together bound memory
            over = YearsPortfolio(sample, sc.folder, rate.mid, record)
            return over.stream(int(sample["size"]), int(sc.data["seed"]), max(1, chunk_size // len(over.years))), \
                None, int(sample["size"]), len(over.years)
        return stream(sample, int(sample["size"]), int(sc.data["seed"]), chunk_size, fx=rate.mid,
                      folder=sc.folder, record=record), None, int(sample["size"]), 0
    except ValueError as e:
        raise _fail(sc, ("portfolio", "sample"), str(e)) from e


def run_scenario(sc: Scenario, search: Sequence[Path] = (), executor: str = "local", scheduler: str | None = None,
                 progress: Progress | None = None, chunk_size: int = 1_000_000,
                 extra: Sequence[Reform] = (), force_large: bool = False,
                 announce: Callable[[Estimate], None] | None = None) -> Results:
    """Run the scenario; `extra`: reforms after the scenario's own (`--set` on the command line).
    Its cost is estimated before any analysis runs (given to `announce`); past compare.simulate.cost's
    limits the run is refused (E908) unless `force_large`."""
    with temp_folder("sim") as work:  # the reforms' revisions, checked as files; removed on any exit
        return _run(sc, search, executor, scheduler, progress, chunk_size, extra, force_large, announce, work)


def _run(sc: Scenario, search: Sequence[Path], executor: str, scheduler: str | None, progress: Progress | None,
         chunk_size: int, extra: Sequence[Reform], force_large: bool, announce: Callable[[Estimate], None] | None,
         work: Path) -> Results:
    tick = progress or (lambda what, done, total: None)
    policies, missing, notices = find_policies(sc, search)
    texts: dict[str, str] = {}
    reforms = reforms_of(sc, texts)
    baselines = [p.id for p in policies]
    views = planned_views(policies, [*reforms, *extra], [str(ref) for k, ref in enumerate(sc.data["policies"])
                                                         if any(d.span == sc.where("policies", k, value=True)
                                                                for d in missing)])
    _raise_if(sc, missing + check_names(sc, views, baselines, reforms), texts)
    try:
        lines = build_lines(policies, [*reforms, *extra], sc.data.get("readings", {}), work, search)
    except FigureError as e:  # pragma: no cover - reforms report FigureError as E910
        raise _fail(sc, ("reforms",), str(e), e.hint) from e
    waited = [name for name, v in views.items() if v is None]
    if waited:
        built = {ln.name: view_of(ln.name, ln.compiled) for ln in lines}
        _raise_if(sc, check_names(sc, built, baselines, reforms, waited), texts)
    rate, note = rate_of(sc, policies)
    analyses = sc.data["analyses"]
    res = Results(sc.data["name"], sc.data.get("title", sc.data["name"]))
    res.meta = {"rate": note, "fx": rate.mid, "lines": [{"name": ln.name, "label": ln.label, "city": ln.city,
                                                         "root": ln.root, "readings": ln.readings} for ln in lines],
                "labels": {ln.name: ln.label for ln in lines}, "notes": list(notices)}
    res.revisions = {stem: text for ln in lines for stem, text in ln.revisions}  # every step, so each checks
    for src in sorted(work.rglob("*.txt")):  # the texts transplants and drafts quote, where they name them
        res.sources[src.relative_to(work).as_posix()] = src.read_bytes()
    shared = sorted({f"{ln.name}.{cid}" for ln in lines for cid in across(ln.compiled.clauses)})
    sample_size = int(sc.data["portfolio"].get("sample", {}).get("size", 0))
    if shared and sample_size * year_count(sc.data) > chunk_size:  # a year's projects share a budget: one piece
        chunk_size = sample_size * year_count(sc.data)  # (over years, a chunk holds its projects' every year)
        res.meta["notes"].append(f"{', '.join(shared)} shared across the portfolio's projects: its {sample_size} "
                                 "projects are evaluated at once, not in chunks")
    batches, carry, projects, n_years = portfolio(sc, rate, chunk_size, line_record(lines))
    years = YearTotals(lines) if n_years else None
    if years is not None:
        res.meta["notes"].append(f"the portfolio runs over {n_years} years: the compare tables add up each project's "
                                 "years; by_year (and sweep_by_year) give each year's totals")
    _check_cost(sc, lines, projects * max(n_years, 1), chunk_size, force_large, announce)
    first: ProjectBatch | ProjectYears | None = None
    size = int(sc.data["portfolio"].get("sample", {}).get("size", 0)) or None
    comp = Comparison(lines, [], per_project=(size or 0) <= PER_PROJECT_LIMIT)
    per: list[pa.Table] = []
    if not analyses.get("compare", False):  # the other analyses take the first chunk only
        batches = iter([next(batches)])
    for chunk in batches:
        first = first or (chunk if "sweep" in analyses or "readings" in analyses else None)  # they take it alone
        if not analyses.get("compare", False):
            break
        batch, results = years.evaluate(chunk, rate.mid) if years is not None else \
            (chunk, [ln.compiled.outcomes(ln.compiled.run(chunk, rate.mid, ln.readings)) for ln in lines])
        comp.add(batch, results, rate.mid)
        tick("portfolio", comp.projects, size or batch.n)
        if comp.per_project and comp.projects <= PER_PROJECT_LIMIT:
            per.append(outcome_table(results, carry if comp.chunks == 1 else None, False,
                                     dims=[ln.compiled.concept_dims for ln in lines], notes=[note]))
        del chunk, batch, results  # the next chunk is built before this one would otherwise be freed
    if analyses.get("compare", False):
        res.tables.update({"totals": comp.totals_table(), "by_beneficiary": comp.beneficiary_table(),
                           "wins": comp.wins_table()})
        if any(ln.is_reform for ln in lines):
            res.tables["delta_summary"] = comp.delta_summary()
        for name, table in (("deltas", comp.deltas_table()), ("competitiveness", comp.competitiveness_table()),
                            ("by_payer", comp.payer_table())):
            if table is not None:
                res.tables[name] = table
        if years is not None:  # the totals above add up the years; these are each year's
            res.tables["by_year"] = years.by_year_table()
            if (due := years.due_table()) is not None:
                res.tables["due_later"] = due
        if per and comp.projects <= PER_PROJECT_LIMIT:
            res.tables["per_project"] = pa.concat_tables(per, promote_options="default")
        else:
            res.meta["notes"].append(f"{comp.projects} projects, more than {PER_PROJECT_LIMIT}: the per-project tables "
                                     f"(per_project, deltas, competitiveness) are not kept, the totals are")
    if comp.chunks > 1 and first is not None:  # kept for sweep and readings alone
        res.meta["notes"].append(f"sweep and readings use the portfolio's first chunk ({first.n} projects)")
    _concept_meta(res, lines)
    if "sweep" in analyses and first is not None:
        rows = _sweep(sc, analyses["sweep"], lines, first, rate.mid, executor, scheduler, tick)
        swept = _line(sc, lines, analyses["sweep"]["policy"], ("analyses", "sweep", "policy")).policy
        res.meta["figure_labels"] = {analyses["sweep"][k]: list(figure_title(swept, analyses["sweep"][k]))
                                     for k in ("figure", "figure2") if k in analyses["sweep"]}
        # the figure as the policy has it now: the sweep's plot marks it
        res.meta["figure_values"] = {analyses["sweep"][k]: [value_of(find_figure(swept, analyses["sweep"][k]).node),
                                                            find_figure(swept, analyses["sweep"][k]).text]
                                     for k in ("figure", "figure2") if k in analyses["sweep"]}
        res.tables["sweep"] = pa.Table.from_pylist([r for r in rows if "year" not in r])
        if years is not None:  # each year's totals at each point
            res.tables["sweep_by_year"] = pa.Table.from_pylist([r for r in rows if "year" in r])
    if "monte_carlo" in analyses:
        _monte_carlo(sc, analyses["monte_carlo"], lines, rate, executor, scheduler, tick, res)
    if "readings" in analyses and isinstance(first, ProjectBatch):  # over years: refused (scenario_bounds)
        _readings(sc, analyses["readings"], lines, first, rate.mid, res, tick)
    if "competition_map" in analyses:
        _competition_map(sc, analyses["competition_map"], lines, rate.mid, res, tick)
    res.lock = lock_data(sc, lines)
    return res


def line_record(lines: Sequence[Line]) -> Record:
    """The record of the run: the built-in one with what every line's policy declares."""
    return run_record([ln.policy.record for ln in lines])[0]  # conflicts: each line checked alone first


def _check_cost(sc: Scenario, lines: Sequence[Line], projects: int, chunk_size: int, force_large: bool,
                announce: Callable[[Estimate], None] | None) -> None:
    sample = sc.data["portfolio"].get("sample")
    costs = [LineCost(ln.name, len(ln.compiled.concept_dims), [len(r.options) for r in ln.policy.readings.values()],
                      ln.is_reform) for ln in lines]
    est = estimate(sc.data["analyses"], costs, projects, chunk_size, int(sample["size"]) if sample else None)
    if announce is not None and (force_large or not est.too_large):
        announce(est)
    if est.too_large and not force_large:
        part = est.largest
        raise _fail(sc, ("analyses", part.analysis) if part else ("analyses",),
                    f"this run is too large: {est.describe()}; the limit is {duration(MAX_SECONDS)} "
                    f"and {size(MAX_BYTES)}", "make it smaller (fewer points, steps, draws, projects or cells), "
                    "or run it anyway with `--force-large`", code="E908")


def _raise_if(sc: Scenario, problems: list[Diagnostic], texts: dict[str, str]) -> None:
    if problems:  # the scenario's in the order of the file, then those in other files (overrides)
        ordered = sorted(problems, key=lambda d: (d.span.file != str(sc.path), d.span.file, d.span.line, d.span.column))
        raise ScenarioError(ordered, sc.text, texts=texts)


def _concept_meta(res: Results, lines: Sequence[Line]) -> None:
    res.meta["concept_labels"] = {"money.total": "支付合计（有数额部分） money paid, outcomes with a figure"}
    res.meta["units"] = {"money.total": "CNY"}
    english: dict[str, str] = {}  # the plots' English: concept -> en, "beneficiary:NAME" -> en (the taxonomy's)
    for ln in lines:
        for c in ln.compiled.concept_dims:
            res.meta["concept_labels"].setdefault(c, concept_label(ln.policy, c))
            res.meta["units"].setdefault(c, unit_of(ln.compiled, c))
        tax = ln.policy.taxonomy
        if tax is not None:
            english.update({k: c.en for k, c in tax.concepts.items() if c.en})
            english.update({f"beneficiary:{k}": en for k, (_, en) in tax.beneficiaries.items() if en})
    res.meta["english"] = dict(sorted(english.items()))


def _line(sc: Scenario, lines: Sequence[Line], name: str, keys: tuple[str | int, ...]) -> Line:
    for ln in lines:
        if ln.name == name:
            return ln
    raise _fail(sc, keys, f"`{name}` is neither a policy nor a reform of the scenario",
                "names: " + ", ".join(ln.name for ln in lines))


def _sweep(sc: Scenario, spec: dict[str, Any], lines: Sequence[Line], batch: ProjectBatch | ProjectYears, rate: float,
           executor: str, scheduler: str | None, tick: Progress) -> list[dict[str, Any]]:
    ln = _line(sc, lines, spec["policy"], ("analyses", "sweep", "policy"))
    axes = []
    for fkey, vkey in (("figure", "values"), ("figure2", "values2")):
        if fkey not in spec:
            continue
        try:
            axes.append(sw.axis(ln.policy, spec[fkey], spec[vkey], f"sweep of {spec[fkey]}"))
        except FigureError as e:
            raise _fail(sc, ("analyses", "sweep", fkey), str(e), e.hint) from e
    first, second = axes[0], axes[1] if len(axes) > 1 else None
    points = sw.sweep_points(first, second)
    blocks = [(ln.policy, ln.name, first, second, points[i:i + SWEEP_BLOCK], batch, rate, ln.readings,
               spec.get("concepts")) for i in range(0, len(points), SWEEP_BLOCK)]
    parts = map_blocks(sw.run_points, blocks, executor, scheduler,
                       lambda k: tick("sweep", min((k + 1) * SWEEP_BLOCK, len(points)), len(points)))
    return [row for part in parts for row in part]


def _monte_carlo(sc: Scenario, spec: dict[str, Any], lines: Sequence[Line], rate: mc.Rate, executor: str,
                 scheduler: str | None, tick: Progress, res: Results) -> None:
    sample = sc.data["portfolio"].get("sample")
    if sample is None:
        raise _fail(sc, ("analyses", "monte_carlo"), "Monte Carlo draws portfolios: the portfolio must be `sample`",
                    "declare portfolio.sample (a file portfolio is one fixed draw)")
    draws = int(spec["draws"])
    members = [(ln.name, ln.policy, ln.readings) for ln in lines]  # checked policies pickle; compiled ones do not
    plots = bool({"png", "svg"} & set(sc.data.get("outputs", ["png"])))  # imported while the draws run
    table = mc.draw_all(members, sample, int(sc.data["seed"]), draws, rate, sc.folder, executor, scheduler,
                        lambda done, total: tick("monte carlo", done, total), plots)
    res.tables["monte_carlo"] = table
    res.tables["monte_carlo_summary"] = mc.summary(table, spec.get("quantiles", [0.05, 0.5, 0.95]),
                                                   float(spec.get("confidence", 0.95)))
    res.meta["mc_concepts"] = spec.get("concepts")


def _readings(sc: Scenario, spec: dict[str, Any], lines: Sequence[Line], batch: ProjectBatch, rate: float,
              res: Results, tick: Progress) -> None:
    names = spec.get("policies") or [ln.name for ln in lines if not ln.is_reform]
    rows, combos = [], []
    for k, name in enumerate(names):
        ln = _line(sc, lines, name, ("analyses", "readings", "policies", k))
        rows += tornado(ln, batch, rate, spec.get("concepts"))
        tick("readings", 2 * k + 1, 2 * len(names))
        more, note = combinations(ln, batch, rate, spec.get("concepts"))
        tick("readings", 2 * k + 2, 2 * len(names))
        combos += more
        if note:
            res.meta["notes"].append(note)
    res.tables["tornado"] = pa.Table.from_pylist(rows)
    res.meta["option_labels"] = {f"{name}:{rid}.{o.id}": o.label for name in names
                                 for rid, r in _line(sc, lines, name, ("analyses", "readings")).policy.readings.items()
                                 for o in r.options if o.label}
    res.tables["readings"] = pa.Table.from_pylist(combos)


def _competition_map(sc: Scenario, spec: dict[str, Any], lines: Sequence[Line], rate: float, res: Results,
                     tick: Progress) -> None:
    for k, name in enumerate(spec.get("policies") or []):
        _line(sc, lines, name, ("analyses", "competition_map", "policies", k))
    try:
        rows, axes = competition_grid(spec, lines, rate, lambda k, n: tick("competition map", k, n))
    except (ValueError, InputError) as e:
        raise _fail(sc, ("analyses", "competition_map"), str(e)) from e
    res.tables["competition_map"] = pa.Table.from_pylist(rows)
    axes["x_title"] = f"{spec['x']['field']}"
    axes["y_title"] = f"{spec['y']['field']}"
    res.axes = axes
