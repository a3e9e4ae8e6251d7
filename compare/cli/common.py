"""What the commands share: the typer app, exit codes, paths, diagnostics, loading and run preparation.

Exit codes: 0 fine (warnings allowed), 1 the policy has errors (or `fmt --check` found
files to reformat), 2 the command line is wrong; 70 an internal error or no memory, 130 interrupted,
141 the output's reader stopped reading (compare.cli.guard).  Stages are imported inside functions,
so that `policylab --help` starts fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from compare.cli.guard import GuardedGroup

if TYPE_CHECKING:  # only for annotations: the CLI imports stages lazily to start fast
    from compare.cli.progress import Steps
    from compare.data.atomic import WriteError
    from compare.data.vector import Projects
    from compare.data.years import ProjectsOverYears
    from compare.engine.evaluate import CompiledPolicy
    from dsl.diagnostics import Diagnostic

EXIT_OK, EXIT_POLICY_ERRORS, EXIT_USAGE = 0, 1, 2

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, cls=GuardedGroup, rich_markup_mode=None,
                  help="policylab: write cities' investment-promotion measures as code; check, evaluate, compare.")


@app.callback()
def _options(debug: Annotated[bool, typer.Option(
        "--debug", help="on an internal error, print the Python traceback (also POLICYLAB_DEBUG=1)")] = False) -> None:
    """Options before the command (GuardedGroup reads --debug)."""


# Where base policies (`extends`) and the taxonomy are looked for after the policy's own folder.
SearchOption = Annotated[list[Path] | None, typer.Option(
    "--policies", help="a folder of base policies and taxonomy, searched after the policy's own folder "
                       "(repeatable; then $POLICYLAB_PATH, then the bundled policies)")]


# Checked policies are kept between runs (dsl.cache); this reads them afresh (so does POLICYLAB_NO_CACHE=1).
CacheOption = Annotated[bool, typer.Option(
    "--no-cache", help="check every file afresh, without the cache of checked policies "
                       "(kept in $POLICYLAB_CACHE_DIR, else ~/.cache/policylab)")]


# A results folder (--out DIR) is replaced only if policylab wrote it (compare.data.folders); this overrides that.
ForceOption = Annotated[bool, typer.Option(
    "--force", help="replace --out even if policylab did not write it, and everything in it (a folder only: never a "
                    "file, the current folder, its ancestors, the home folder or policylab's own)")]


def say_error(who: str, message: str, hint: str | None = None) -> None:
    """`who: message` and its hint on stderr, as a terminal can show them (a folder's name is the user's)."""
    from dsl.textsafe import printable

    typer.echo(printable(f"{who}: {message}") + (f"\n  hint: {printable(hint)}" if hint else ""), err=True)


def out_folder(out: Path, command: str, force: bool, inputs: list[Path]) -> None:
    """Exit 2 with one message naming `out` and why, before any work, if the run may not replace it."""
    from compare.data.folders import OutFolderError, prepare_out_folder

    try:
        prepare_out_folder(out, command, force, inputs)
    except OutFolderError as e:
        say_error(command, e.message, e.hint)
        raise typer.Exit(EXIT_USAGE) from None


def folder_not_written(command: str, e: WriteError) -> NoReturn:
    """A results folder that could not be put in place: exit 2 when it may not be replaced (it changed while
    the run worked: compare.data.folders.OutFolderError), 1 when the disk or permissions refused it."""
    from compare.data.folders import OutFolderError

    say_error(command, e.message, e.hint)
    raise typer.Exit(EXIT_USAGE if isinstance(e, OutFolderError) else EXIT_POLICY_ERRORS) from None


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def require_extra(command: str, extra: str, modules: tuple[str, ...]) -> None:
    """Exit 2 naming the install command when an extra's packages are missing (never an ImportError)."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        typer.echo(f"policylab {command} needs {', '.join(missing)}: pip install 'policylab[{extra}]'", err=True)
        raise typer.Exit(EXIT_USAGE)


def default_paths(paths: list[Path] | None, command: str = "policylab") -> list[Path]:
    """The paths given (default: policies/); a missing one is a command-line error (exit 2)."""
    targets = paths if paths else [Path("policies")]
    for p in targets:
        if not p.exists():
            typer.echo(f"{command}: no such file or folder: {p}", err=True)
            raise typer.Exit(EXIT_USAGE)
    return targets


def named_paths(paths: list[Path] | None, search: list[Path] | None, command: str = "policylab") -> list[Path]:
    """The paths given (default: policies/), a policy id or a city id standing for its files (every
    document of the city); a name that stands for nothing is a command-line error (exit 2)."""
    from dsl.in_force import UnknownNameError, name_of

    out: list[Path] = []
    for p in paths or [Path("policies")]:
        try:
            out.extend(name_of(str(p), search).files if not p.exists() else [p])
        except UnknownNameError:
            typer.echo(f"{command}: no such file, folder, policy id or city: {p}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
    return out


def print_diagnostics(diags: list[Diagnostic], texts: dict[str, str], fmt: OutputFormat,
                      lines: dict[str, dict[int, str]] | None = None) -> None:
    """Each diagnostic with its source line from `texts` (file -> text) or `lines` (file -> the lines a
    reader kept: a project file of a million rows)."""
    from dsl.diagnostics import render, to_json

    if fmt == OutputFormat.json:
        sys.stdout.write(to_json(diags) + "\n")
        return
    # Only texts the tool read and accepted are shown: a file is never opened again to show a line (it
    # may be a link to /proc/self/environ, or have changed since), so a diagnostic without one has none.
    cache: dict[str, list[str]] = {}
    for d in diags:
        f = d.span.file
        if f not in texts and lines and f in lines:
            sys.stderr.write(render(d, lines[f]) + "\n\n")
            continue
        if f not in cache:
            text = texts.get(f)
            cache[f] = text.split("\n") if text is not None else []
        sys.stderr.write(render(d, cache[f] or None) + "\n\n")



def write_atomically(path: Path, data: str | bytes, who: str = "policylab") -> bool:
    """Write through compare.data.atomic; a refusal (read-only file, full disk, no permission) is
    printed as `who: message` with its hint, and False returned: never a traceback, never a half-written file."""
    from compare.data.atomic import WriteError, sweep_stale
    from compare.data.atomic import write_atomically as write

    sweep_stale(path)
    try:
        write(path, data)
    except WriteError as e:
        say_error(who, e.message, e.hint)
        return False
    return True


def load_compiled(paths: list[Path] | list[str], fmt: OutputFormat = OutputFormat.text,
                  search: list[Path] | None = None, cache: bool = True, as_of: dt.date | None = None,
                  command: str = "policylab", pick: bool = True) -> list[CompiledPolicy]:
    """Check (or take from the cache: dsl.cache) and compile the policies the names stand for (files,
    folders, policy ids, city ids); a city or a folder gives, per city, its document in force as of
    `as_of` (default today: dsl.in_force), said on stderr.  Exit 2 on a name that stands for nothing,
    1 (printing the diagnostics) if any policy has errors."""
    from compare.engine.evaluate import CompiledPolicy
    from dsl.in_force import UnknownNameError, choose
    from dsl.textsafe import printable

    try:
        chosen = choose([str(p) for p in paths], as_of or dt.date.today(), search, cache, pick)
    except UnknownNameError as e:
        say_error(command, str(e), "give a .policy file, a folder, a policy id (zhangjiagang_2017) or a city id "
                                   "(zhangjiagang)")
        raise typer.Exit(EXIT_USAGE) from None
    errors = [d for d in chosen.result.diagnostics if d.is_error]
    if errors:
        print_diagnostics(errors, chosen.result.texts, fmt)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    print_diagnostics(chosen.warnings, chosen.result.texts, OutputFormat.text)
    for line in chosen.notices:  # which document of each city, so a run's date is never silent
        typer.echo(printable(line), err=True)
    if not chosen.result.policies:
        say_error(command, f"no policies in {', '.join(map(str, paths))}", "give .policy files or a folder of them")
        raise typer.Exit(EXIT_USAGE)
    if not chosen.policies:
        say_error(command, f"no document in force as of {(as_of or dt.date.today()).isoformat()}",
                  "give another date with --as-of YYYY-MM-DD, or name the policy")
        raise typer.Exit(EXIT_USAGE)
    return [CompiledPolicy(p) for p in chosen.policies]


def resolve_name(name: str, search: list[Path] | None, command: str, as_of: dt.date | None = None,
                 warn: bool = True) -> Path:
    """The one policy file a name stands for: a file or a policy id as named (W722 where `warn` and it is
    not in force as of `as_of`), or a city's document in force then (said on stderr).  Exit 2 for a
    name that stands for no policy."""
    from dsl.in_force import UnknownNameError, choose, name_of
    from dsl.textsafe import printable

    try:
        named = name_of(name, search)
    except UnknownNameError:
        named = None
    if named is None or (not named.explicit and named.city is None):
        from dsl.load import find_policy

        hint = find_policy(name, search)[1] or "give a .policy file, a policy id or a city id"
        typer.echo(printable(f"policylab {command}: no policy `{name}`: {hint}"), err=True)
        raise typer.Exit(EXIT_USAGE)
    if named.explicit and not warn:
        return named.files[0]
    chosen = choose([name], as_of or dt.date.today(), search)
    if chosen.result.has_errors:
        if named.explicit:  # the command reports them as it does for any file
            return named.files[0]
        print_diagnostics([d for d in chosen.result.diagnostics if d.is_error], chosen.result.texts, OutputFormat.text)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    print_diagnostics(chosen.warnings, chosen.result.texts, OutputFormat.text)
    for line in chosen.notices:
        typer.echo(printable(line), err=True)
    if not chosen.policies:
        say_error(f"policylab {command}", f"no document of `{name}` in force as of {(as_of or dt.date.today()).isoformat()}",
                  "give another date with --as-of YYYY-MM-DD, or name the policy")
        raise typer.Exit(EXIT_USAGE)
    return chosen.policies[0].path


# --as-of DATE: which of a city's documents applies (dsl.timeline); parsed by as_of_or_exit.
AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", metavar="DATE", help="the date whose documents apply: a city or a folder gives each city's document "
                                    "in force then (YYYY-MM-DD; default: today)")]


def project_or_exit(project_id: str, ids: list[str], projects: Path) -> None:
    """`--explain ID`: an id the project file holds; otherwise a command-line error (exit 2) naming the
    nearest id, or the first ten."""
    if project_id in ids:
        return
    from dsl.diagnostics import did_you_mean
    from dsl.textsafe import printable

    typer.echo(printable(f"policylab: no project `{project_id}` in {projects}; "
               f"{did_you_mean(project_id, ids) or 'ids: ' + ', '.join(ids[:10])}"), err=True)
    raise typer.Exit(EXIT_USAGE)


def as_of_or_exit(text: str | None, command: str = "policylab") -> dt.date:
    """--as-of as a date (default today); a date that does not parse is a command-line error (exit 2)."""
    from dsl.timeline import parse_as_of

    if text is None:
        return dt.date.today()
    try:
        return parse_as_of(text)
    except ValueError as e:
        say_error(command, f"--as-of: {e}")
        raise typer.Exit(EXIT_USAGE) from None


PER_POLICY = "per-policy"  # as compare.engine.runs.PER_POLICY (imported lazily there)


def parse_fx(text: str | None, command: str = "policylab", per_policy: bool = True) -> float | str | None:
    """--fx RATE (a positive number), or `per-policy` where the command takes it; anything else is a
    command-line error (exit 2)."""
    if text is None:
        return None
    if per_policy and text.strip() == PER_POLICY:
        return PER_POLICY
    try:
        rate = float(text)
    except ValueError:
        rate = float("nan")
    if not rate > 0 or rate == float("inf"):
        also = f" or `{PER_POLICY}`" if per_policy else ""
        typer.echo(f"{command}: --fx takes a positive rate (e.g. --fx 7.1){also}, got `{text}`", err=True)
        raise typer.Exit(EXIT_USAGE)
    return rate


def parse_readings(pairs: list[str] | None, command: str = "policylab") -> dict[str, str]:
    """--reading NAME=OPTION options (both sides non-empty); anything else is exit 2."""
    readings: dict[str, str] = {}
    for pair in pairs or []:
        name, eq, option = pair.partition("=")
        if not eq or not name.strip() or not option.strip():
            typer.echo(f"{command}: --reading takes NAME=OPTION, got `{pair}`", err=True)
            raise typer.Exit(EXIT_USAGE)
        readings[name.strip()] = option.strip()
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


def prepare_run(policies: list[Path], projects: Path, fx: float | None, reading: list[str] | None,
                search: list[Path] | None = None, units: list[str] | None = None, sheet: str | None = None,
                steps: Steps | None = None, cache: bool = True,
                as_of: dt.date | None = None,
                years: bool = False) -> tuple[list[CompiledPolicy], Projects | ProjectsOverYears, dict[str, str]]:
    """What eval and compare share: the rate, the readings, the compiled policies, the projects (with
    `years`, a file over years as such: compare.data.years).
    Exits 2 on a wrong command line, 1 on a policy or project file with errors, 3 on no projects."""
    from compare.cli.data import read_any_or_exit, read_projects_or_exit, run_record_or_exit

    if fx is not None and not 0 < fx < float("inf"):  # NaN fails both comparisons
        typer.echo("policylab: --fx must be a positive rate, e.g. --fx 7.1", err=True)
        raise typer.Exit(EXIT_USAGE)
    readings = parse_readings(reading)
    compiled = load_compiled(policies, search=search, cache=cache, as_of=as_of)
    _validate_readings(compiled, readings)
    record = run_record_or_exit([c.policy.record for c in compiled])  # the fields the policies declare are read from the projects too
    read = read_any_or_exit if years else read_projects_or_exit
    return compiled, read(projects, units, sheet, steps, record), readings
