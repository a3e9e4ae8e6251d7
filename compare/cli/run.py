"""`policylab eval` and `policylab compare`: projects through policies.

Every run over several policies converts at one stated USD→CNY rate (the latest policy year's
average, or `--fx RATE`; `--fx per-policy` for each policy's own year), printed with the table
together with the readings in force (compare.engine.runs).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from compare.cli.common import (
    EXIT_USAGE,
    AsOfOption,
    CacheOption,
    SearchOption,
    app,
    as_of_or_exit,
    parse_fx,
    prepare_run,
    project_or_exit,
)
from compare.cli.data import ProjectsOption, QuietOption, SheetOption, UnitOption

if TYPE_CHECKING:
    from compare.cli.progress import Steps
    from compare.engine.batch import ProjectBatch
    from compare.engine.evaluate import CompiledPolicy, Outcomes
    from compare.engine.runs import Rates


FxOption = Annotated[str | None, typer.Option(
    "--fx", help="USD→CNY rate for every policy (default: the latest policy year's average), "
                 "or `per-policy` for each policy's own year")]


class Layout(StrEnum):
    wide = "wide"
    long = "long"


class EvalFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command("eval")
def eval_(
    policies: Annotated[list[Path], typer.Argument(help="policy files, folders, policy ids or city ids")],
    projects: ProjectsOption,
    explain_id: Annotated[str | None, typer.Option("--explain", help="explain this project, clause by clause")] = None,
    format: Annotated[EvalFormat, typer.Option("--format", help="table, json or csv (on stdout)")] = EvalFormat.table,
    out: Annotated[Path | None, typer.Option(
        "--out", help="write the outcomes to FILE: .csv, .tsv, .parquet, .jsonl or .xlsx (by extension)")] = None,
    layout: Annotated[Layout, typer.Option(
        "--layout", help="with --out: `wide`, one row per project as in the input, columns per policy; `long`, "
                         "one row per project and city")] = Layout.wide,
    fx: FxOption = None,
    reading: Annotated[list[str] | None, typer.Option("--reading", help="NAME=CHOICE, repeatable")] = None,
    unit: UnitOption = None,
    sheet: SheetOption = None,
    quiet: QuietOption = False,
    search: SearchOption = None,
    no_cache: CacheOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Evaluate projects under each policy: one row per project and city."""
    from compare.cli.progress import steps
    from compare.data.years import ProjectsOverYears
    from compare.engine.explain import explain
    from compare.engine.runs import choose_rates, run_notes

    rate = parse_fx(fx)
    day = as_of_or_exit(as_of, "policylab eval")
    if out is not None:
        _check_out(out)
    with steps(quiet) as progress:
        compiled, read, readings = prepare_run(policies, projects, rate if isinstance(rate, float) else None,
                                               reading, search, unit, sheet, progress, not no_cache, day, years=True)
        if isinstance(read, ProjectsOverYears):  # a file over years: per year and in total
            from compare.cli.years import eval_years

            eval_years(compiled, read, readings, rate, projects, explain_id, format.value, out,
                       layout == Layout.wide, progress)
            return
        batch = read.batch
        if explain_id is not None:
            project_or_exit(explain_id, batch.ids, projects)
            rates = choose_rates([cp.policy for cp in compiled], rate)
            for cp, r in zip(compiled, rates.rates, strict=True):
                sys.stdout.write(explain(cp, batch, explain_id, r, readings).render() + "\n\n")
            return
        results, rates = _evaluate(compiled, batch, rate, readings, progress)
        if out is not None:
            _write(out, results, read.carry, layout == Layout.wide, [cp.concept_dims for cp in compiled],
                   run_notes(compiled, rates, readings), progress)
            return
    if format == EvalFormat.csv:  # column-wise, as `--out FILE.csv --layout long` writes it
        from compare.data.table_files import write_stream

        sys.stdout.flush()
        write_stream(sys.stdout.buffer, ".csv", results, read.carry, dims=[cp.concept_dims for cp in compiled],
                     notes=run_notes(compiled, rates, readings))
        sys.stdout.buffer.flush()
        return
    from compare.data.write import outcome_rows, render_json, render_table

    _not_shown(read.carry)
    rows = outcome_rows(results)
    if format == EvalFormat.table:
        sys.stdout.write(render_table(rows, run_notes(compiled, rates, readings)))
    else:
        sys.stdout.write(render_json(rows))


def _check_out(out: Path) -> None:
    """An --out extension eval does not write is a command-line error before any work (exit 2)."""
    from compare.data.table_files import FormatError, output_format
    from dsl.textsafe import printable

    try:
        output_format(out)
    except FormatError as e:
        typer.echo(printable(f"policylab eval: {e.message}") + (f"\n  hint: {printable(e.hint)}" if e.hint else ""),
                   err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _evaluate(compiled: list[CompiledPolicy], batch: ProjectBatch, rate: float | str | None,
              readings: dict[str, str], progress: Steps) -> tuple[list[Outcomes], Rates]:
    """Every policy over the batch, a progress step per policy."""
    from compare.engine.runs import evaluate_policies

    progress.step(f"evaluating {batch.n:,} projects", total=len(compiled))
    return evaluate_policies(compiled, batch, rate, readings, done=progress.advance)


def _not_shown(carry: Any) -> None:
    """One line naming the input's extra columns, which only files (--out) and DataFrames carry."""
    if carry is not None:
        from dsl.textsafe import printable

        typer.echo(printable("policylab: note: columns carried only into --out files: " + ", ".join(carry.column_names)),
                   err=True)


def _write(out: Path, results: list[Outcomes], carry: Any, wide: bool, dims: list[dict[str, Any]],
           notes: list[str], progress: Steps) -> None:
    """The outcomes to a file, atomically; a refusal is printed with its hint (exit 1)."""
    from compare.data.atomic import WriteError, sweep_stale
    from compare.data.table import write_outcomes
    from dsl.textsafe import printable

    n = len(results[0].ids) if results else 0
    progress.step(f"writing {out.name}", total=n)
    sweep_stale(out)
    try:
        write_outcomes(out, results, carry=carry, wide=wide, dims=dims, notes=notes, progress=progress.done)
    except WriteError as e:
        typer.echo(printable(f"policylab: {e.message}") + ("\n  hint: " + printable(e.hint) if e.hint else ""),
                   err=True)
        raise typer.Exit(1) from None
    rows = n if wide else n * len(results)
    policies = f"{len(results)} {'policy' if len(results) == 1 else 'policies'}"
    typer.echo(printable(f"wrote {rows:,} rows ({n:,} projects × {policies}) to {out}"), err=True)


@app.command("compare")
def compare_(
    policies: Annotated[list[Path], typer.Argument(help="policy files, folders, policy ids or city ids")],
    projects: ProjectsOption,
    fx: FxOption = None,
    reading: Annotated[list[str] | None, typer.Option("--reading", help="NAME=CHOICE, repeatable")] = None,
    unit: UnitOption = None,
    sheet: SheetOption = None,
    quiet: QuietOption = False,
    search: SearchOption = None,
    no_cache: CacheOption = False,
    as_of: AsOfOption = None,
) -> None:
    """The cities side by side: for each project, what each city's measures give it."""
    from compare.cli.progress import steps
    from compare.data.write import render_side_by_side
    from compare.data.years import ProjectsOverYears
    from compare.engine.runs import run_notes

    rate = parse_fx(fx)
    day = as_of_or_exit(as_of, "policylab compare")
    with steps(quiet) as progress:
        compiled, read, readings = prepare_run(policies, projects, rate if isinstance(rate, float) else None,
                                               reading, search, unit, sheet, progress, not no_cache, day, years=True)
        if isinstance(read, ProjectsOverYears):  # a file over years: the cities per year and in total
            from compare.cli.years import compare_years

            compare_years(compiled, read, readings, rate, progress)
            return
        results, rates = _evaluate(compiled, read.batch, rate, readings, progress)
    _not_shown(read.carry)
    tax = compiled[0].policy.taxonomy if compiled else None
    labels = {k: c.zh for k, c in tax.concepts.items()} if tax else {}
    sys.stdout.write(render_side_by_side(results, labels, [cp.concept_dims for cp in compiled],
                                         run_notes(compiled, rates, readings)))
