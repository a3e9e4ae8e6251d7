"""`policylab diff`: what a revision changed, between two policies or two versions of one.

Structural by default (the rules as written, figure by figure).  `--projects FILE` evaluates both on
project records and gives each outcome's change (compare.diff.data).  `--semantic` compares what the
rules give for every valid project (compare.diff.semantic): per outcome concept, equivalent or which
side is more generous, with witness projects and the largest gain and loss; `--concept KEY` (or
`OLD_KEY=NEW_KEY`, implies --semantic) limits it to that concept and describes where each side gives
more.  `--reading NAME=OPTION` and `--fx RATE` apply to both policies.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from compare.cli.common import (
    EXIT_POLICY_ERRORS,
    EXIT_USAGE,
    AsOfOption,
    OutputFormat,
    SearchOption,
    app,
    as_of_or_exit,
    parse_fx,
    parse_readings,
    print_diagnostics,
)

if TYPE_CHECKING:
    from dsl.model import Policy


class DiffFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"  # the wording redline, article by article (compare.diff.redline)
    csv = "csv"  # with --projects


def resolve(name: str, search: list[Path] | None, command: str = "diff", as_of: dt.date | None = None,
            warn: bool = True) -> Path:
    """A policy file, a policy id found along the search path, or a city (its document in force as of
    `as_of`, default today: `wuxi`); exit 2 when none (compare.cli.common.resolve_name)."""
    from compare.cli.common import resolve_name

    return resolve_name(name, search, command, as_of, warn)


@app.command("diff")
def diff_(
    old: Annotated[str, typer.Argument(help="the old policy: a .policy file, a policy id (zhangjiagang_base) "
                                            "or a city (wuxi)")],
    new: Annotated[str, typer.Argument(help="the new policy: a .policy file, a policy id or a city")],
    format: Annotated[DiffFormat, typer.Option("--format", help="table, json, markdown for a memo, or csv "
                                                              "(with --projects)")] = DiffFormat.table,
    semantic: Annotated[bool, typer.Option("--semantic", help="compare what the rules give, for every valid "
                                                             "project (z3): verdicts, witnesses, largest gain/loss")] = False,
    concept: Annotated[list[str] | None, typer.Option("--concept", help="only this outcome concept (repeatable); "
                                                      "OLD_KEY=NEW_KEY compares two; describes where each side "
                                                      "gives more. Implies --semantic")] = None,
    reading: Annotated[list[str] | None, typer.Option("--reading", help="NAME=OPTION, repeatable: a reading other "
                                                      "than its default, for both. Without --projects, implies "
                                                      "--semantic")] = None,
    fx: Annotated[str | None, typer.Option("--fx", help="USD→CNY rate for both (default: the later policy year's "
                                           "average). Without --projects, implies --semantic")] = None,
    projects: Annotated[Path | None, typer.Option("--projects", help="project records: each one's outcomes under "
                                                  "OLD and NEW and the change (compare.diff.data)")] = None,
    budget: Annotated[float, typer.Option("--budget", min=0.1, help="seconds the semantic diff may take in all; "
                                          "what it could not decide in them is named at the end")] = 60.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress display")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="write the wording redline here (atomically), in the "
                                             "format its extension names: .html, .md, .docx or .pdf")] = None,
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """What changed between two policies: items added, removed, renamed, and every figure with its old and
    new value (extends chains resolved; a reformat gives no change).  With --projects: each project's
    outcomes under both.  With --semantic: what changed in what they give, proved over every valid project."""
    from compare.diff.dates import revision_dates
    from compare.diff.items import diff_policies
    from compare.diff.render import render_json, render_markdown, render_table
    from dsl.cache import check_paths_cached as check_paths  # POLICYLAB_NO_CACHE=1 bypasses it

    semantic = semantic or bool(concept) or (projects is None and (bool(reading) or fx is not None))
    day = as_of_or_exit(as_of, "policylab diff")
    rate = parse_fx(fx, "policylab diff", per_policy=False)
    assert not isinstance(rate, str)
    readings = parse_readings(reading, "policylab diff")
    if projects is not None and semantic:
        _usage("--projects evaluates both policies on records; --semantic and --concept prove over every "
               "project: give one")
    if format == DiffFormat.csv and projects is None:
        _usage("--format csv goes with --projects (a row per project and concept)")
    if projects is not None and not projects.is_file():
        _usage(f"no such project file: {projects}")
    wording = out is not None or format == DiffFormat.html
    if wording and (projects is not None or concept or reading):
        _usage("--format html and --out write the wording redline (with --semantic, the verdicts after it): "
               "give them without --projects, --concept and --reading")
    if out is not None:
        from compare.cli.redline import check_out

        check_out(out, "policylab diff")
    # two versions are compared whatever their dates: a city given by id is its document in force on the day
    paths = [resolve(old, search, as_of=day, warn=False), resolve(new, search, as_of=day, warn=False)]
    results = [check_paths([p], search) for p in paths]
    errors = [d for r in results for d in r.diagnostics if d.is_error]
    if errors:
        print_diagnostics(errors, {k: v for r in results for k, v in r.texts.items()}, OutputFormat.text)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    if (projects is not None or semantic) and not wording:
        _by_value(results[0].policies[0], results[1].policies[0], format, projects, concept, readings, rate,
                  budget, quiet)
        return
    d = diff_policies(results[0].policies[0], results[1].policies[0])
    if wording:
        from compare.cli.redline import write_redline

        write_redline(results[0].policies[0], results[1].policies[0], d, out, "policylab diff",
                      (rate, budget) if semantic else None)
        return
    dates = revision_dates(results[0].policies[0], results[1].policies[0])
    render = {DiffFormat.table: render_table, DiffFormat.json: render_json, DiffFormat.markdown: render_markdown}
    sys.stdout.write(render[format](d, dates, results[0].policies[0], results[1].policies[0]))


def _usage(message: str) -> None:
    typer.echo(f"policylab diff: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _by_value(old: Policy, new: Policy, format: DiffFormat, projects: Path | None, concept: list[str] | None,
              readings: dict[str, str], rate: float | None, budget: float = 60.0, quiet: bool = False) -> None:
    """What the two policies give: on project records (--projects), or proved over every project (--semantic)."""
    from compare.diff.data import check_readings
    from compare.diff.dates import revision_dates
    from compare.engine.evaluate import CompiledPolicy

    dates = revision_dates(old, new)  # a row per project and concept (csv) has no place for them

    a, b = CompiledPolicy(old), CompiledPolicy(new)
    try:
        check_readings([a, b], readings)
    except ValueError as e:
        _usage(str(e))
    if projects is not None:
        from compare.cli.data import read_projects_or_exit, run_record_or_exit
        from compare.diff import data_render as dr
        from compare.diff.data import outcome_diff

        batch = read_projects_or_exit(projects, None, None, record=run_record_or_exit([old.record, new.record])).batch
        d = outcome_diff(a, b, batch, rate, readings)
        render = {DiffFormat.table: dr.render_table, DiffFormat.json: dr.render_json,
                  DiffFormat.markdown: dr.render_markdown}
        sys.stdout.write(dr.render_csv(d) if format == DiffFormat.csv else render[format](d, dates))
        return
    from compare.cli.progress import steps
    from compare.diff import semantic_render as sr
    from compare.diff.semantic import semantic_diff

    if format != DiffFormat.json and not concept and not readings:
        # for a reader: one diff per option of each reading a changed figure lies under
        from compare.diff.items import diff_policies
        from compare.diff.verdict_sentences import semantic_by_reading

        with steps(quiet) as progress:
            progress.step(f"semantic diff, reading by reading (budget {budget:g} s)")
            found = semantic_by_reading(a, b, diff_policies(old, new), rate, budget)
        worded = sr.render_table if format == DiffFormat.table else sr.render_markdown
        sys.stdout.write("\n".join(worded(sd, dates if i == 0 else None, a, b) for i, sd in enumerate(found)))
        return
    try:
        with steps(quiet) as progress:
            progress.step(f"semantic diff (budget {budget:g} s)")
            sd = semantic_diff(a, b, concept or None, readings, rate, regions=bool(concept), budget=budget,
                               progress=progress.describe)
    except ValueError as e:
        _usage(str(e))
    if format == DiffFormat.json:
        sys.stdout.write(sr.render_json(sd, dates))
        return
    worded = sr.render_table if format == DiffFormat.table else sr.render_markdown
    sys.stdout.write(worded(sd, dates, a, b))


# ---------------------------------------------------------------- impact and the joined graph (compare.diff)


def checked(names: list[str], search: list[Path] | None, command: str, as_of: dt.date | None = None) -> list[Policy]:
    """Policies named by file, id or city (its document in force as of `as_of`), checked; exit 2 for a
    name that is none, 1 for errors."""
    from dsl.cache import check_paths_cached as check_paths  # POLICYLAB_NO_CACHE=1 bypasses it

    results = [check_paths([resolve(n, search, command, as_of)], search) for n in names]
    errors = [d for r in results for d in r.diagnostics if d.is_error]
    if errors:
        print_diagnostics(errors, {k: v for r in results for k, v in r.texts.items()}, OutputFormat.text)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    return [r.policies[0] for r in results]


class ImpactFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("impact")
def impact_(
    policy: Annotated[str, typer.Argument(help="a .policy file, a policy id (zhangjiagang_2017) or a city")],
    name: Annotated[str, typer.Argument(help="a clause, param, reading, project field or outcome concept; "
                                             "`reading:stacking` picks one kind")],
    format: Annotated[ImpactFormat, typer.Option("--format", help="table or json")] = ImpactFormat.table,
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """What NAME can move: every outcome and beneficiary it reaches and the rules between; for an outcome
    concept, the fields, readings and params it depends on."""
    from compare.diff.impact import UnknownNameError, impact, render_table
    from compare.engine.evaluate import CompiledPolicy
    from dsl.textsafe import printable

    (p,) = checked([policy], search, "impact", as_of_or_exit(as_of, "policylab impact"))
    try:
        im = impact(CompiledPolicy(p), name)
    except UnknownNameError as e:
        typer.echo(printable(f"policylab impact: {e.message}" + (f"; {e.hint}" if e.hint else "")), err=True)
        raise typer.Exit(EXIT_USAGE) from None
    sys.stdout.write(im.to_json() if format == ImpactFormat.json else render_table(im))


class GraphFormat(StrEnum):
    dot = "dot"
    json = "json"
    svg = "svg"


_GRAPH_SUFFIXES = {".dot": GraphFormat.dot, ".gv": GraphFormat.dot, ".json": GraphFormat.json, ".svg": GraphFormat.svg}


def _graph_format(out: Path | None, format: GraphFormat | None) -> GraphFormat:
    """As report's: --out's extension names the format, and --format must agree with it."""
    if out is None:
        return format or GraphFormat.dot
    by_suffix = _GRAPH_SUFFIXES.get(out.suffix.lower())
    problem = (f"cannot write {out}: `{out.suffix or '(no extension)'}` is not a format it writes; name the file "
               f"with one of: {', '.join(_GRAPH_SUFFIXES)}" if by_suffix is None else
               f"--format {format.value} but --out {out.name} names {by_suffix.value}"
               if format is not None and format != by_suffix else None)
    if problem is not None or by_suffix is None:
        from dsl.textsafe import printable

        typer.echo(printable(f"policylab graph: {problem}"), err=True)
        raise typer.Exit(EXIT_USAGE)
    return by_suffix


@app.command("graph")
def graph_(
    policies: Annotated[list[str], typer.Argument(help=".policy files, policy ids or cities")],
    format: Annotated[GraphFormat | None, typer.Option("--format", help="dot, json (node-link) or svg (default: "
                                                       "from the --out suffix, else dot)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write here (atomically) instead of to stdout: .dot, .gv, "
                                             ".json or .svg")] = None,
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The policies' dependency graphs joined at the taxonomy's concept nodes (the SVG is drawn without
    Graphviz)."""
    from compare.cli.common import write_atomically
    from compare.diff.graph_export import policy_graph

    format = _graph_format(out, format)
    day = as_of_or_exit(as_of, "policylab graph")
    g = policy_graph(checked(policies, search, "graph", day))
    text = {GraphFormat.dot: g.to_dot, GraphFormat.json: g.to_json, GraphFormat.svg: g.to_svg}[format]()
    if out is None:
        sys.stdout.write(text)
    elif not write_atomically(out, text):
        raise typer.Exit(EXIT_POLICY_ERRORS)
