"""`policylab check` and `policylab fmt`: the language's own commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from compare.cli.common import (
    EXIT_OK,
    EXIT_POLICY_ERRORS,
    EXIT_USAGE,
    AsOfOption,
    CacheOption,
    OutputFormat,
    SearchOption,
    app,
    as_of_or_exit,
    default_paths,
    named_paths,
    print_diagnostics,
    write_atomically,
)


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="policy files, folders, policy ids or city ids (default: policies/)")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="text for people, json for tools")] = OutputFormat.text,
    search: SearchOption = None,
    no_cache: CacheOption = False,
    as_of: AsOfOption = None,
) -> None:
    """Check policies: syntax, names, types and units, tiers, splits, taxonomy, quotes against the source;
    the documents of each city as a timeline, and those marked in force that have expired as of --as-of."""
    from dsl.cache import check_paths_cached
    from dsl.load import escaping_links, policy_files
    from dsl.timeline import document_of, expired_in_force, timelines

    day = as_of_or_exit(as_of, "policylab check")
    targets = named_paths(paths, search, "policylab check")
    if not policy_files(targets) and not escaping_links(targets):
        typer.echo(f"policylab check: no *.policy files in {', '.join(map(str, targets))}", err=True)
        raise typer.Exit(EXIT_USAGE)
    result = check_paths_cached(targets, search, cache=not no_cache)
    diags = result.diagnostics  # the date-dependent warnings after the cache: an entry holds for any day
    if not result.has_errors:
        lines = timelines(document_of(p, p.path) for p in result.policies)[0]
        diags = sorted([*diags, *expired_in_force(lines, day)],
                       key=lambda d: (d.span.file, d.span.line, d.span.column, d.code))
    print_diagnostics(diags, result.texts, format)
    n_err = sum(d.is_error for d in diags)
    n_warn = len(diags) - n_err
    if format == OutputFormat.text:
        files = len(policy_files(targets))
        summary = f"checked {files} file{'s' * (files != 1)}: {n_err} error{'s' * (n_err != 1)}, " \
                  f"{n_warn} warning{'s' * (n_warn != 1)}"
        typer.echo(summary, err=n_err > 0)
    raise typer.Exit(EXIT_POLICY_ERRORS if n_err else EXIT_OK)


@app.command()
def fmt(
    paths: Annotated[list[Path] | None, typer.Argument(help="policy files or folders (default: policies/)")] = None,
    check_only: Annotated[bool, typer.Option("--check", help="only report files that would change")] = False,
) -> None:
    """Rewrite policies in the canonical layout (meaning never changes; comments are kept)."""
    from dsl.diagnostics import render
    from dsl.format import FormatError, format_text
    from dsl.load import policy_files
    from dsl.parse import read_policy_bytes
    from dsl.textsafe import printable

    targets = default_paths(paths, "policylab fmt")
    failed = changed = 0
    for path in policy_files(targets):
        text, diags = read_policy_bytes(path)
        if text is None:
            for d in diags:
                sys.stderr.write(render(d, None) + "\n\n")
            failed += 1
            continue
        try:
            new = format_text(text, str(path))
        except FormatError as e:
            lines = text.split("\n")
            for d in e.diagnostics:
                sys.stderr.write(render(d, lines) + "\n\n")
            failed += 1
            continue
        if new != text:
            changed += 1
            if check_only:
                typer.echo(f"would reformat {printable(str(path))}")
            else:
                if write_atomically(path, new):
                    typer.echo(f"reformatted {printable(str(path))}")
                else:
                    failed += 1
    if failed:
        raise typer.Exit(EXIT_POLICY_ERRORS)
    if check_only and changed:
        raise typer.Exit(EXIT_POLICY_ERRORS)

