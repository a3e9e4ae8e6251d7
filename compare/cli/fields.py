"""`policylab fields`: the project record a policy (or several, or none: the core) reads."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from compare.cli.common import AsOfOption, SearchOption, app, as_of_or_exit


class FieldsFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


@app.command("fields")
def fields_(
    policies: Annotated[list[str] | None, typer.Argument(
        help=".policy files, folders, policy ids or cities (none: the built-in record)")] = None,
    format: Annotated[FieldsFormat, typer.Option("--format", help="table, csv, json or markdown")] = FieldsFormat.table,
    search: SearchOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The project record the policies read together: the built-in fields and those they declare, with
    type, unit, default, labels, who declares each, and the values of choices and sets."""
    from compare.cli.data import run_record_or_exit
    from compare.data.record_table import RENDER, field_rows
    from dsl.model import Policy
    from dsl.record import CORE

    day = as_of_or_exit(as_of, "policylab fields")
    chosen: list[Policy] = []
    folders = [Path(p) for p in policies or [] if Path(p).is_dir()]
    if folders:
        from compare.cli.common import load_compiled

        chosen += [c.policy for c in load_compiled(folders, search=search, as_of=day, command="policylab fields")]
    names = [p for p in policies or [] if not Path(p).is_dir()]
    if names:
        from compare.cli.drafting import checked

        chosen += checked(names, search, "fields", day)
    record = run_record_or_exit([p.record for p in chosen]) if chosen else CORE
    sys.stdout.write(RENDER[format.value](field_rows(record)))
