"""Commands of the `policylab` CLI.  Each is a thin wrapper: parse args, call a stage, print.

Exit codes: 0 fine (warnings allowed), 1 the policy has errors (or `fmt --check` found
files to reformat), 2 the command line is wrong.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

EXIT_OK, EXIT_POLICY_ERRORS, EXIT_USAGE = 0, 1, 2

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="policylab: write cities' investment-promotion measures as code; check, evaluate, compare.")


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _default_paths(paths: list[Path] | None) -> list[Path]:
    return paths if paths else [Path("policies")]


def _print_diagnostics(diags: list, texts: dict[str, str], fmt: OutputFormat) -> None:
    from dsl.diagnostics import render, to_json

    if fmt == OutputFormat.json:
        sys.stdout.write(to_json(diags) + "\n")
        return
    cache: dict[str, list[str]] = {}
    for d in diags:
        f = d.span.file
        if f not in cache:
            text = texts.get(f)
            if text is None:
                try:
                    text = Path(f).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    text = None
            cache[f] = text.splitlines() if text is not None else []
        sys.stderr.write(render(d, cache[f] or None) + "\n\n")


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(help="policy files or folders (default: policies/)")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="text for people, json for tools")] = OutputFormat.text,
) -> None:
    """Check policies: syntax, names, types and units, tiers, splits, taxonomy, quotes against the source."""
    from dsl.check import check_paths
    from dsl.load import policy_files

    targets = _default_paths(paths)
    for p in targets:
        if not p.exists():
            typer.echo(f"policylab check: no such file or folder: {p}", err=True)
            raise typer.Exit(EXIT_USAGE)
    if not policy_files(targets):
        typer.echo(f"policylab check: no *.policy files in {', '.join(map(str, targets))}", err=True)
        raise typer.Exit(EXIT_USAGE)
    result = check_paths(targets)
    _print_diagnostics(result.diagnostics, result.texts, format)
    n_err = sum(d.is_error for d in result.diagnostics)
    n_warn = len(result.diagnostics) - n_err
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

    targets = _default_paths(paths)
    for p in targets:
        if not p.exists():
            typer.echo(f"policylab fmt: no such file or folder: {p}", err=True)
            raise typer.Exit(EXIT_USAGE)
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
            lines = text.splitlines()
            for d in e.diagnostics:
                sys.stderr.write(render(d, lines) + "\n\n")
            failed += 1
            continue
        if new != text:
            changed += 1
            if check_only:
                typer.echo(f"would reformat {path}")
            else:
                _write_atomically(path, new)
                typer.echo(f"reformatted {path}")
    if failed:
        raise typer.Exit(EXIT_POLICY_ERRORS)
    if check_only and changed:
        raise typer.Exit(EXIT_POLICY_ERRORS)


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the file, then rename: an interrupted write never truncates the user's file."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
