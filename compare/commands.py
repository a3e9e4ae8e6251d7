"""Commands of the `policylab` CLI.  Each is a thin wrapper: parse args, call a stage, print.

Exit codes: 0 fine (warnings allowed), 1 the policy has errors (or `fmt --check` found
files to reformat), 2 the command line is wrong.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # only for annotations: the CLI imports stages lazily to start fast
    from compare.evaluate import CompiledPolicy
    from compare.projects import ProjectBatch
    from dsl.diagnostics import Diagnostic

EXIT_OK, EXIT_POLICY_ERRORS, EXIT_USAGE = 0, 1, 2

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="policylab: write cities' investment-promotion measures as code; check, evaluate, compare.")


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _default_paths(paths: list[Path] | None, command: str = "policylab") -> list[Path]:
    """The paths given (default: policies/); a missing one is a command-line error (exit 2)."""
    targets = paths if paths else [Path("policies")]
    for p in targets:
        if not p.exists():
            typer.echo(f"{command}: no such file or folder: {p}", err=True)
            raise typer.Exit(EXIT_USAGE)
    return targets


def _print_diagnostics(diags: list[Diagnostic], texts: dict[str, str], fmt: OutputFormat) -> None:
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
            cache[f] = text.split("\n") if text is not None else []
        sys.stderr.write(render(d, cache[f] or None) + "\n\n")


@app.command()
def check(
    paths: Annotated[list[Path] | None, typer.Argument(help="policy files or folders (default: policies/)")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="text for people, json for tools")] = OutputFormat.text,
) -> None:
    """Check policies: syntax, names, types and units, tiers, splits, taxonomy, quotes against the source."""
    from dsl.check import check_paths
    from dsl.load import policy_files

    targets = _default_paths(paths, "policylab check")
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

    targets = _default_paths(paths, "policylab fmt")
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

    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode)  # mkstemp makes the file owner-only; keep the user's permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class EvalFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _load_compiled(paths: list[Path], fmt: OutputFormat = OutputFormat.text) -> list[CompiledPolicy]:
    """Check and compile policies; print diagnostics and exit 1 if any has errors."""
    from compare.evaluate import CompiledPolicy
    from dsl.check import check_paths
    from dsl.load import policy_files

    _default_paths(paths)
    files = policy_files(paths)
    result = check_paths(paths)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors:
        _print_diagnostics(errors, result.texts, fmt)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    # A folder may hold bases that only exist to be extended: skip the superseded ones.
    wanted = {f.resolve() for f in files}
    compiled = [CompiledPolicy(p) for p in result.policies if p.path.resolve() in wanted]
    if len(compiled) > 1:
        compiled = [c for c in compiled if c.policy.meta.get("status") is None
                    or c.policy.meta["status"].value != "superseded"] or compiled
    return compiled


def _parse_readings(pairs: list[str] | None) -> dict[str, str]:
    readings: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            typer.echo(f"policylab: --reading takes NAME=CHOICE, got `{pair}`", err=True)
            raise typer.Exit(EXIT_USAGE)
        k, v = pair.split("=", 1)
        readings[k.strip()] = v.strip()
    return readings


def _validate_readings(compiled: list[CompiledPolicy], readings: dict[str, str]) -> None:
    from dsl.diagnostics import did_you_mean

    for name, choice in readings.items():
        declaring = [c for c in compiled if name in c.policy.readings]
        if not declaring:
            known = sorted({r for c in compiled for r in c.policy.readings})
            typer.echo(f"policylab: no policy declares the reading `{name}`; "
                       f"{did_you_mean(name, known) or 'readings: ' + ', '.join(known)}", err=True)
            raise typer.Exit(EXIT_USAGE)
        for c in declaring:
            options = [o.id for o in c.policy.readings[name].options]
            if choice not in options:
                typer.echo(f"policylab: `{choice}` is not an option of reading `{name}` in {c.policy.id}; "
                           f"options: {', '.join(options)}", err=True)
                raise typer.Exit(EXIT_USAGE)


def _prepare_run(policies: list[Path], projects: Path, fx: float | None,
                 reading: list[str] | None) -> tuple[list[CompiledPolicy], ProjectBatch, dict[str, str]]:
    """What eval and compare share: the rate, the readings, the compiled policies, the projects.
    Exits 2 on a wrong command line, 1 on a policy or project file with errors."""
    from compare.projects import InputError, load_projects
    from dsl.diagnostics import render

    if fx is not None and not fx > 0:
        typer.echo("policylab: --fx must be a positive rate, e.g. --fx 7.1", err=True)
        raise typer.Exit(EXIT_USAGE)
    readings = _parse_readings(reading)
    compiled = _load_compiled(policies)
    _validate_readings(compiled, readings)
    if not projects.exists():
        typer.echo(f"policylab: no such project file: {projects}", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        batch = load_projects(projects)
    except InputError as e:
        try:
            lines: list[str] | None = projects.read_text(encoding="utf-8-sig").split("\n")
        except (OSError, UnicodeDecodeError):
            lines = None
        for d in e.diagnostics:
            sys.stderr.write(render(d, lines) + "\n\n")
        raise typer.Exit(EXIT_POLICY_ERRORS) from None
    return compiled, batch, readings


@app.command("eval")
def eval_(
    policies: Annotated[list[Path], typer.Argument(help="policy files or folders")],
    projects: Annotated[Path, typer.Option("--projects", help="project records: .yaml, .json or .csv")],
    explain_id: Annotated[str | None, typer.Option("--explain", help="explain this project, clause by clause")] = None,
    format: Annotated[EvalFormat, typer.Option("--format", help="table, json or csv")] = EvalFormat.table,
    fx: Annotated[float | None, typer.Option("--fx", help="USD→CNY rate (default: the policy year's average)")] = None,
    reading: Annotated[list[str] | None, typer.Option("--reading", help="NAME=CHOICE, repeatable")] = None,
) -> None:
    """Evaluate projects under each policy: one row per project and city."""
    from compare.explain import explain
    from compare.fx import default_fx
    from compare.report import outcome_rows, render_csv, render_json, render_table

    compiled, batch, readings = _prepare_run(policies, projects, fx, reading)
    if explain_id is not None:
        if explain_id not in batch.ids:
            from dsl.diagnostics import did_you_mean

            typer.echo(f"policylab: no project `{explain_id}` in {projects}; "
                       f"{did_you_mean(explain_id, batch.ids) or 'ids: ' + ', '.join(batch.ids[:10])}", err=True)
            raise typer.Exit(EXIT_USAGE)
        for cp in compiled:
            rate = fx if fx is not None else default_fx(cp.policy)
            typer.echo(explain(cp, batch, explain_id, rate, readings).render() + "\n")
        return
    results = [cp.evaluate(batch, fx if fx is not None else default_fx(cp.policy), readings) for cp in compiled]
    rows = outcome_rows(results)
    out = {EvalFormat.json: render_json, EvalFormat.csv: render_csv, EvalFormat.table: render_table}[format](rows)
    sys.stdout.write(out)


@app.command("test")
def test_(
    paths: Annotated[list[Path] | None, typer.Argument(help="case files, policies or folders (default: policies/)")] = None,
    coverage: Annotated[bool, typer.Option("--coverage", help="report clauses, tiers, conditions, max/split "
                                                                 "branches that no case exercised")] = False,
    fail_under: Annotated[float | None, typer.Option("--fail-under", help="fail if coverage is below N%")] = None,
) -> None:
    """Run the hand-worked cases (*.cases.yaml) against their policies."""
    from compare.casetest import Coverage, all_branches, case_files, load_cases, run_case
    from compare.projects import InputError
    from dsl.diagnostics import render

    targets = _default_paths(paths, "policylab test")
    files = case_files(targets)
    if not files:
        typer.echo("policylab test: no *.cases.yaml files found", err=True)
        raise typer.Exit(EXIT_USAGE)
    compiled = {c.policy.id: c for c in _load_compiled(sorted({f.parent for f in files}))}
    failed = total = 0
    low: list[str] = []
    for f in files:
        try:
            policy_id, cases = load_cases(f)
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
        if coverage:
            typer.echo(f"{policy_id}: {len(cases)} cases, branch coverage {cov.percent:.0f}% "
                       f"({sum(cov.branches.values())}/{len(cov.branches)})")
            for m in cov.missed():
                typer.echo(f"   not exercised: {m}")
        if fail_under is not None and cov.percent < fail_under:
            low.append(f"{policy_id} {cov.percent:.0f}%")
    typer.echo(f"{total - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(EXIT_POLICY_ERRORS)
    if low:
        typer.echo(f"coverage under {fail_under:g}%: {', '.join(low)}", err=True)
        raise typer.Exit(EXIT_POLICY_ERRORS)


@app.command("coverage")
def coverage_(
    policies: Annotated[list[Path] | None, typer.Argument(help="policy files or folders (default: policies/)")] = None,
) -> None:
    """Per document: the articles encoded, and every figure-bearing sentence that no clause cites."""
    from compare.coverage import render, source_coverage

    compiled = _load_compiled(_default_paths(policies))
    uncited = 0
    for cp in compiled:
        for report in source_coverage(cp.policy):
            typer.echo(render(report))
            uncited += len(report.uncited)
    if uncited:
        raise typer.Exit(EXIT_POLICY_ERRORS)


@app.command("compare")
def compare_(
    policies: Annotated[list[Path], typer.Argument(help="policy files or folders")],
    projects: Annotated[Path, typer.Option("--projects", help="project records: .yaml, .json or .csv")],
    fx: Annotated[float | None, typer.Option("--fx", help="USD→CNY rate (default: each policy year's average)")] = None,
    reading: Annotated[list[str] | None, typer.Option("--reading", help="NAME=CHOICE, repeatable")] = None,
) -> None:
    """The cities side by side: for each project, what each city's measures give it."""
    from compare.fx import default_fx
    from compare.report import render_side_by_side

    compiled, batch, readings = _prepare_run(policies, projects, fx, reading)
    results = [cp.evaluate(batch, fx if fx is not None else default_fx(cp.policy), readings) for cp in compiled]
    tax = compiled[0].policy.taxonomy if compiled else None
    labels = {k: c.zh for k, c in tax.concepts.items()} if tax else {}
    sys.stdout.write(render_side_by_side(results, labels, [cp.concept_dims for cp in compiled]))
