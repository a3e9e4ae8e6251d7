"""`policylab eval` and `policylab compare` of a project file over years (compare.data.years).

Each policy runs over the projects' years (compare.engine.years.evaluate_years) at the run's one
USD→CNY rate.  eval writes the long table, a row per project and year it has and its total (every
format eval writes, `year` beside `project`), or with `--explain ID` the project's years, each with
the time rules that changed its figures; compare prints, per outcome concept, the cities side by
side per year and in total, summed over the projects.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from compare.cli.common import project_or_exit

if TYPE_CHECKING:
    from compare.cli.progress import Steps
    from compare.data.years import ProjectsOverYears
    from compare.engine.evaluate import CompiledPolicy
    from compare.engine.runs import Rates
    from compare.engine.years import YearOutcomes


def evaluate_all(compiled: list[CompiledPolicy], read: ProjectsOverYears, readings: dict[str, str],
                 rate: float | str | None, progress: Steps | None = None) -> tuple[list[YearOutcomes], Rates]:
    """Every policy over the projects' years, at one rate (compare.engine.runs.choose_rates)."""
    from compare.engine.runs import choose_rates
    from compare.engine.years import evaluate_years

    rates = choose_rates([cp.policy for cp in compiled], rate)
    if progress is not None:
        py = read.years
        progress.step(f"evaluating {py.n:,} projects over {len(py.years)} years", total=len(compiled))
    results = []
    for cp, r in zip(compiled, rates.rates, strict=True):
        results.append(evaluate_years(cp, read.years, r, readings))
        if progress is not None:
            progress.advance()
    return results, rates


def eval_years(compiled: list[CompiledPolicy], read: ProjectsOverYears, readings: dict[str, str],
               rate: float | str | None, projects: Path, explain_id: str | None, fmt: str, out: Path | None,
               wide: bool, progress: Steps) -> None:
    """eval of a file over years: --explain, --out FILE, or the table, JSON or CSV on stdout."""
    from compare.data.write import outcome_rows, render_json, render_table
    from compare.data.years_table import stacked, year_carry, year_rows
    from compare.data.years_text import due_later_lines
    from compare.engine.runs import choose_rates, run_notes
    from dsl.textsafe import printable

    py = read.years
    if explain_id is not None:
        from compare.engine.explain_years import explain_years

        project_or_exit(explain_id, py.ids, projects)
        rates = choose_rates([cp.policy for cp in compiled], rate)
        for cp, r in zip(compiled, rates.rates, strict=True):
            sys.stdout.write(explain_years(cp, py, explain_id, r, readings).render() + "\n\n")
        return
    results, rates = evaluate_all(compiled, read, readings, rate, progress)
    rows = year_rows(read)
    outcomes = [stacked(yo, rows) for yo in results]
    carry = year_carry(read, rows)
    dims = [cp.concept_dims for cp in compiled]
    notes = [*due_later_lines(results, dims), *run_notes(compiled, rates, readings)]
    if out is not None:
        _write(out, outcomes, carry, wide, dims, notes, progress, read)
        return
    if fmt == "csv":
        from compare.data.table_files import write_stream

        sys.stdout.flush()
        write_stream(sys.stdout.buffer, ".csv", outcomes, carry, dims=dims, notes=notes)
        sys.stdout.buffer.flush()
        return
    if read.carry is not None:
        typer.echo(printable("policylab: note: columns carried only into --out files: "
                             + ", ".join(read.carry.column_names)), err=True)
    table = with_years(outcome_rows(outcomes), rows.labels(), len(outcomes))
    sys.stdout.write(render_table(table, notes) if fmt == "table" else render_json(table))


def with_years(rows: list[dict[str, Any]], labels: list[str], cities: int) -> list[dict[str, Any]]:
    """Rows of compare.data.write.outcome_rows (project-major, a row per city) with each row's year
    after its project: the calendar year, or `total`."""
    out = []
    for k, row in enumerate(rows):
        label = labels[k // cities]
        out.append({"project": row["project"], "year": int(label) if label.isdigit() else label,
                    **{key: v for key, v in row.items() if key != "project"}})
    return out


def _write(out: Path, outcomes: list[Any], carry: Any, wide: bool, dims: list[dict[str, Any]], notes: list[str],
           progress: Steps, read: ProjectsOverYears) -> None:
    from compare.data.atomic import WriteError, sweep_stale
    from compare.data.table import write_outcomes
    from dsl.textsafe import printable

    n = len(outcomes[0].ids) if outcomes else 0
    progress.step(f"writing {out.name}", total=n)
    sweep_stale(out)
    try:
        write_outcomes(out, outcomes, carry=carry, wide=wide, dims=dims, notes=notes, progress=progress.done)
    except WriteError as e:
        typer.echo(printable(f"policylab: {e.message}") + ("\n  hint: " + printable(e.hint) if e.hint else ""),
                   err=True)
        raise typer.Exit(1) from None
    rows = n if wide else n * len(outcomes)
    policies = f"{len(outcomes)} {'policy' if len(outcomes) == 1 else 'policies'}"
    years = n - read.n
    typer.echo(printable(f"wrote {rows:,} rows ({years:,} project-years and {read.n:,} totals"
                         + ("" if wide else f", × {policies}") + f") to {out}"), err=True)


def compare_years(compiled: list[CompiledPolicy], read: ProjectsOverYears, readings: dict[str, str],
                  rate: float | str | None, progress: Steps) -> None:
    """compare of a file over years: per concept, the cities per year and in total."""
    from compare.data.years_text import render_year_totals
    from compare.engine.runs import run_notes

    results, rates = evaluate_all(compiled, read, readings, rate, progress)
    tax = compiled[0].policy.taxonomy if compiled else None
    labels = {k: c.zh for k, c in tax.concepts.items()} if tax else {}
    sys.stdout.write(render_year_totals(results, labels, [cp.concept_dims for cp in compiled],
                                        run_notes(compiled, rates, readings)))
