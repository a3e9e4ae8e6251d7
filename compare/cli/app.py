"""The `policylab` typer app with every command registered (importing a module registers its commands)."""

from __future__ import annotations

from compare.cli import drafting, fields, history, language, report, run, simulate, site, testing  # noqa: F401 - registers the commands
from compare.cli.common import app

__all__ = ["app"]
