"""`policylab test` and `policylab coverage`: hand-worked cases and source coverage."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from compare.cli.common import (
    EXIT_POLICY_ERRORS,
    EXIT_USAGE,
    AsOfOption,
    SearchOption,
    app,
    as_of_or_exit,
    default_paths,
    load_compiled,
    resolve_name,
)


@app.command("test")
def test_(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="case files, policies, folders, policy ids or city ids (default: policies/)")] = None,
    coverage: Annotated[bool, typer.Option("--coverage", help="report clauses, tiers, conditions, max/split "
                                                                 "branches that no case exercised")] = False,
    fail_under: Annotated[float | None, typer.Option("--fail-under", help="fail if coverage is below N%")] = None,
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Run the hand-worked cases (*.cases.yaml) against their policies."""
    from compare.data.records import InputError
    from compare.testing.cases import Coverage, all_branches, case_files, load_cases, run_case
    from dsl.diagnostics import render
    from dsl.textsafe import printable

    day = as_of_or_exit(as_of, "policylab test")
    # a policy id or a city (its document in force on the day) stands for its file; a folder's cases are
    # all run, whatever their documents' dates
    targets = default_paths([p if p.exists() else resolve_name(str(p), search, "test", day) for p in paths or []]
                            or None, "policylab test")
    files = case_files(targets)
    if not files:
        typer.echo("policylab test: no *.cases.yaml files found", err=True)
        raise typer.Exit(EXIT_USAGE)
    compiled = {c.policy.id: c for c in load_compiled(sorted({f.parent for f in files}), search=search, pick=False)}
    failed = total = 0
    low: list[str] = []
    for f in files:
        try:
            found_in = next((p for p in targets if p.is_dir() and f.is_relative_to(p)), None)
            policy_id, cases = load_cases(f, found_in)
        except InputError as e:
            for d in e.diagnostics:
                sys.stderr.write(render(d, None) + "\n")
            failed += 1
            continue
        cp = compiled.get(policy_id)
        if cp is None:
            typer.echo(f"{f}: no policy `{policy_id}` beside it", err=True)
            failed += 1
            continue
        cov = Coverage()
        all_branches(cp, cov)
        for case in cases:
            total += 1
            r = run_case(cp, case, cov)
            if not r.ok:
                failed += 1
                typer.echo(f"FAIL {f}:{case.line}: {case.name} [{case.article or ''}]")
                for msg in r.failures:
                    typer.echo(f"     {msg}")
                if r.explanation:
                    typer.echo("     " + r.explanation.replace("\n", "\n     "))
        # an incomplete source: the branches of what was recovered are measured, and said to be so
        partial = cp.policy.partial
        of = " of a partial text" if partial is not None else ""
        if coverage:
            typer.echo(f"{policy_id}: {len(cases)} cases, branch coverage {cov.percent:.0f}%{of} "
                       f"({sum(cov.branches.values())}/{len(cov.branches)})")
            if partial is not None:
                typer.echo(printable(f"   partial source: the text breaks off ({partial}); the rest of the "
                                     f"document is not encoded and not measured"))
            for m in cov.missed():
                typer.echo(f"   not exercised: {m}")
        if fail_under is not None and cov.percent < fail_under:
            low.append(f"{policy_id} {cov.percent:.0f}%{of}")
    typer.echo(f"{total - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(EXIT_POLICY_ERRORS)
    if low:
        typer.echo(f"coverage under {fail_under:g}%: {', '.join(low)}", err=True)
        raise typer.Exit(EXIT_POLICY_ERRORS)


@app.command("coverage")
def coverage_(
    policies: Annotated[list[Path] | None, typer.Argument(
        help="policy files, folders, policy ids or city ids (default: policies/)")] = None,
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """Per document: the articles encoded, and every figure-bearing sentence that no clause cites."""
    from compare.testing.source_coverage import render, source_coverage

    day = as_of_or_exit(as_of, "policylab coverage")
    compiled = load_compiled(policies or [Path("policies")], search=search, as_of=day, command="policylab coverage")
    uncited = 0
    for cp in compiled:
        for report in source_coverage(cp.policy):
            typer.echo(render(report))
            uncited += len(report.uncited)
    if uncited:
        raise typer.Exit(EXIT_POLICY_ERRORS)

