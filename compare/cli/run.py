"""`policylab eval` and `policylab compare`: projects through policies."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from compare.cli.common import (
    EXIT_USAGE,
    SearchOption,
    app,
    prepare_run,
)


class EvalFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command("eval")
def eval_(
    policies: Annotated[list[Path], typer.Argument(help="policy files or folders")],
    projects: Annotated[Path, typer.Option("--projects", help="project records: .yaml, .json or .csv")],
    explain_id: Annotated[str | None, typer.Option("--explain", help="explain this project, clause by clause")] = None,
    format: Annotated[EvalFormat, typer.Option("--format", help="table, json or csv")] = EvalFormat.table,
    fx: Annotated[float | None, typer.Option("--fx", help="USD→CNY rate (default: the policy year's average)")] = None,
    reading: Annotated[list[str] | None, typer.Option("--reading", help="NAME=CHOICE, repeatable")] = None,
    search: SearchOption = None,
) -> None:
    """Evaluate projects under each policy: one row per project and city."""
    from compare.data.write import outcome_rows, render_csv, render_json, render_table
    from compare.engine.explain import explain
    from compare.engine.fx import default_fx

    compiled, batch, readings = prepare_run(policies, projects, fx, reading, search)
    if explain_id is not None:
        if explain_id not in batch.ids:
            from dsl.diagnostics import did_you_mean
            from dsl.textsafe import printable

            typer.echo(printable(f"policylab: no project `{explain_id}` in {projects}; "
                       f"{did_you_mean(explain_id, batch.ids) or 'ids: ' + ', '.join(batch.ids[:10])}"), err=True)
            raise typer.Exit(EXIT_USAGE)
        for cp in compiled:
            rate = fx if fx is not None else default_fx(cp.policy)
            sys.stdout.write(explain(cp, batch, explain_id, rate, readings).render() + "\n\n")
        return
    results = [cp.evaluate(batch, fx if fx is not None else default_fx(cp.policy), readings) for cp in compiled]
    rows = outcome_rows(results)
    out = {EvalFormat.json: render_json, EvalFormat.csv: render_csv, EvalFormat.table: render_table}[format](rows)
    sys.stdout.write(out)


@app.command("compare")
def compare_(
    policies: Annotated[list[Path], typer.Argument(help="policy files or folders")],
    projects: Annotated[Path, typer.Option("--projects", help="project records: .yaml, .json or .csv")],
    fx: Annotated[float | None, typer.Option("--fx", help="USD→CNY rate (default: each policy year's average)")] = None,
    reading: Annotated[list[str] | None, typer.Option("--reading", help="NAME=CHOICE, repeatable")] = None,
    search: SearchOption = None,
) -> None:
    """The cities side by side: for each project, what each city's measures give it."""
    from compare.data.write import render_side_by_side
    from compare.engine.fx import default_fx

    compiled, batch, readings = prepare_run(policies, projects, fx, reading, search)
    results = [cp.evaluate(batch, fx if fx is not None else default_fx(cp.policy), readings) for cp in compiled]
    tax = compiled[0].policy.taxonomy if compiled else None
    labels = {k: c.zh for k, c in tax.concepts.items()} if tax else {}
    sys.stdout.write(render_side_by_side(results, labels, [cp.concept_dims for cp in compiled]))
