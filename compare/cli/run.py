"""`policylab eval` and `policylab compare`: projects through policies.

Every run over several policies converts at one stated USD→CNY rate (the latest policy year's
average, or `--fx RATE`; `--fx per-policy` for each policy's own year), printed with the table
together with the readings in force (compare.engine.runs).
"""

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

PER_POLICY = "per-policy"  # as compare.engine.runs.PER_POLICY (imported lazily there)

FxOption = Annotated[str | None, typer.Option(
    "--fx", help="USD→CNY rate for every policy (default: the latest policy year's average), "
                 "or `per-policy` for each policy's own year")]


class EvalFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def parse_fx(text: str | None) -> float | str | None:
    """--fx RATE (a positive number) or `per-policy`; anything else is a command-line error (exit 2)."""
    if text is None or text.strip() == PER_POLICY:
        return None if text is None else PER_POLICY
    try:
        rate = float(text)
    except ValueError:
        rate = float("nan")
    if not rate > 0 or rate == float("inf"):
        typer.echo(f"policylab: --fx takes a positive rate (e.g. --fx 7.1) or `{PER_POLICY}`, got `{text}`", err=True)
        raise typer.Exit(EXIT_USAGE)
    return rate


@app.command("eval")
def eval_(
    policies: Annotated[list[Path], typer.Argument(help="policy files or folders")],
    projects: Annotated[Path, typer.Option("--projects", help="project records: .yaml, .json or .csv")],
    explain_id: Annotated[str | None, typer.Option("--explain", help="explain this project, clause by clause")] = None,
    format: Annotated[EvalFormat, typer.Option("--format", help="table, json or csv")] = EvalFormat.table,
    fx: FxOption = None,
    reading: Annotated[list[str] | None, typer.Option("--reading", help="NAME=CHOICE, repeatable")] = None,
    search: SearchOption = None,
) -> None:
    """Evaluate projects under each policy: one row per project and city."""
    from compare.data.write import outcome_rows, render_csv, render_json, render_table
    from compare.engine.explain import explain
    from compare.engine.runs import choose_rates, evaluate_policies, run_notes

    rate = parse_fx(fx)
    compiled, batch, readings = prepare_run(policies, projects, rate if isinstance(rate, float) else None,
                                            reading, search)
    if explain_id is not None:
        if explain_id not in batch.ids:
            from dsl.diagnostics import did_you_mean
            from dsl.textsafe import printable

            typer.echo(printable(f"policylab: no project `{explain_id}` in {projects}; "
                       f"{did_you_mean(explain_id, batch.ids) or 'ids: ' + ', '.join(batch.ids[:10])}"), err=True)
            raise typer.Exit(EXIT_USAGE)
        rates = choose_rates([cp.policy for cp in compiled], rate)
        for cp, r in zip(compiled, rates.rates, strict=True):
            sys.stdout.write(explain(cp, batch, explain_id, r, readings).render() + "\n\n")
        return
    results, rates = evaluate_policies(compiled, batch, rate, readings)
    rows = outcome_rows(results)
    if format == EvalFormat.table:
        sys.stdout.write(render_table(rows, run_notes(compiled, rates, readings)))
    else:
        sys.stdout.write({EvalFormat.json: render_json, EvalFormat.csv: render_csv}[format](rows))


@app.command("compare")
def compare_(
    policies: Annotated[list[Path], typer.Argument(help="policy files or folders")],
    projects: Annotated[Path, typer.Option("--projects", help="project records: .yaml, .json or .csv")],
    fx: FxOption = None,
    reading: Annotated[list[str] | None, typer.Option("--reading", help="NAME=CHOICE, repeatable")] = None,
    search: SearchOption = None,
) -> None:
    """The cities side by side: for each project, what each city's measures give it."""
    from compare.data.write import render_side_by_side
    from compare.engine.runs import evaluate_policies, run_notes

    rate = parse_fx(fx)
    compiled, batch, readings = prepare_run(policies, projects, rate if isinstance(rate, float) else None,
                                            reading, search)
    results, rates = evaluate_policies(compiled, batch, rate, readings)
    tax = compiled[0].policy.taxonomy if compiled else None
    labels = {k: c.zh for k, c in tax.concepts.items()} if tax else {}
    sys.stdout.write(render_side_by_side(results, labels, [cp.concept_dims for cp in compiled],
                                         run_notes(compiled, rates, readings)))
