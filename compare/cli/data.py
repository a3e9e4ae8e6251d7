"""What commands that read project files share: the options (--unit, --sheet, --quiet), reading
with every problem printed at its file, line and field, and the exit code of an empty input.

Exit codes beside common's: 3 when the project file holds no projects (a warning, not an error:
a script should notice, and nothing was evaluated).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from compare.cli.common import EXIT_POLICY_ERRORS, EXIT_USAGE

if TYPE_CHECKING:
    from compare.cli.progress import Steps
    from compare.data.records import InputError
    from compare.data.vector import Projects
    from compare.data.years import ProjectsOverYears
    from dsl.record import Record

EXIT_NO_PROJECTS = 3

UnitOption = Annotated[list[str] | None, typer.Option(
    "--unit", help="FIELD=UNIT: the unit of bare numbers in a column whose header declares none "
                   "(--unit registered_capital=万美元, --unit paid_in_ratio=%); repeatable")]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="the sheet of an .xlsx file (default: the first)")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="no progress display")]
ProjectsOption = Annotated[Path, typer.Option(
    "--projects", help="project records: .csv, .tsv, .jsonl, .parquet, .xlsx, .yaml or .json")]


def run_record_or_exit(records: list[Record]) -> Record:
    """The record the run's policies read together (dsl.check.record.run_record); two declarations of
    one field that disagree (E212) are printed once and exit 1, as when the checker finds them."""
    from compare.cli.common import OutputFormat, print_diagnostics
    from dsl.check.record import run_record

    record, diags = run_record(records)
    errors = [d for d in diags if d.is_error]
    if errors:
        print_diagnostics(errors, {}, OutputFormat.text)
        raise typer.Exit(EXIT_POLICY_ERRORS)
    return record


def parse_units(specs: list[str] | None, record: Record | None = None) -> dict[str, str]:
    """--unit FIELD=UNIT options; a wrong one is a command-line error (exit 2)."""
    from compare.data.headers import parse_unit_option
    from compare.data.records import FieldError
    from dsl.record import CORE

    units: dict[str, str] = {}
    for spec in specs or []:
        try:
            name, unit = parse_unit_option(spec, record or CORE)
        except FieldError as e:
            typer.echo(f"policylab: {e.message}" + (f"\n  hint: {e.hint}" if e.hint else ""), err=True)
            raise typer.Exit(EXIT_USAGE) from None
        units[name] = unit
    return units


def print_input_error(e: InputError) -> None:
    """Every problem with its source line and a caret under the cell, then the count of the rest."""
    from dsl.diagnostics import render

    for d in e.diagnostics:
        sys.stderr.write(render(d, e.lines) + "\n\n")
    if e.more:
        sys.stderr.write(f"… and {e.more} more problems in this file (the first {len(e.diagnostics)} are shown)\n")


def read_projects_or_exit(projects: Path, units: list[str] | None, sheet: str | None,
                          steps: Steps | None = None, record: Record | None = None) -> Projects:
    """The project file validated against `record` (the run's; the core by default); problems printed
    and exit 1; no projects: a warning and exit 3."""
    from compare.data.read import read_projects

    return _read_or_exit(projects, units, sheet, steps, record,
                         lambda path, chosen, rec: read_projects(path, chosen, sheet, record=rec))


def read_any_or_exit(projects: Path, units: list[str] | None, sheet: str | None,
                     steps: Steps | None = None, record: Record | None = None) -> Projects | ProjectsOverYears:
    """As `read_projects_or_exit`, and a file over years (compare.data.years) as such."""
    from compare.data.years import read_any

    return _read_or_exit(projects, units, sheet, steps, record,
                         lambda path, chosen, rec: read_any(path, chosen, sheet, record=rec))


Read = TypeVar("Read", "Projects", "Projects | ProjectsOverYears")


def _read_or_exit(projects: Path, units: list[str] | None, sheet: str | None, steps: Steps | None,
                  record: Record | None, read_file: Callable[[Path, dict[str, str], Record], Read]) -> Read:
    from compare.data.records import InputError
    from compare.data.years import ProjectsOverYears
    from dsl.diagnostics import render
    from dsl.record import CORE
    from dsl.textsafe import printable

    record = record or CORE
    chosen = parse_units(units, record)
    if not projects.exists():
        typer.echo(printable(f"policylab: no such project file: {projects}"), err=True)
        raise typer.Exit(EXIT_USAGE)
    if steps is not None:
        steps.step(printable(f"reading {projects.name}"))
    try:
        read = read_file(projects, chosen, record)
    except InputError as e:
        print_input_error(e)
        raise typer.Exit(EXIT_POLICY_ERRORS) from None
    for w in read.warnings:
        sys.stderr.write(render(w, read.lines) + "\n\n")
    if (read.n if isinstance(read, ProjectsOverYears) else read.batch.n) == 0:
        sys.stderr.write(printable(f"{projects}: warning[W801]: the file holds no projects; nothing was evaluated")
                         + "\n  hint: a CSV needs a header row and one row per project\n")
        raise typer.Exit(EXIT_NO_PROJECTS)
    return read
