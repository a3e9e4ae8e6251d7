"""The `policylab` commands: which module registers each, so that a run imports and builds its own alone.

`run()` is the console script's: the group (compare.cli.guard.GuardedGroup) loads a command when it is
named, from COMMANDS, so `policylab check` imports compare.cli.language and builds `check` only, and
`policylab --help` lists every command.  `app` (`from compare.cli.app import app`, for typer's test
runner and Python callers) is the typer app with every command registered.
"""

from __future__ import annotations

import copy
import importlib
from typing import Any

# name -> the module whose import registers it, in the order `policylab --help` lists them
# (tests/test_startup.py checks this against the commands the modules register)
COMMANDS: dict[str, str] = {
    "diff": "compare.cli.drafting",
    "impact": "compare.cli.drafting",
    "graph": "compare.cli.drafting",
    "fields": "compare.cli.fields",
    "timeline": "compare.cli.history",
    "panel": "compare.cli.history",
    "check": "compare.cli.language",
    "fmt": "compare.cli.language",
    "lsp": "compare.cli.editor",
    "report": "compare.cli.report",
    "eval": "compare.cli.run",
    "compare": "compare.cli.run",
    "simulate": "compare.cli.simulate",
    "figures": "compare.cli.simulate",
    "reform": "compare.cli.simulate",
    "test": "compare.cli.testing",
    "coverage": "compare.cli.testing",
    "site": "compare.cli.site",
    "new": "compare.cli.encode",
}


def run() -> None:
    """Run the command line (the commands load as they are named)."""
    from compare.cli.common import app as typer_app

    typer_app()


def load_command(name: str) -> Any:
    """The click command (or group) `name`, built alone with its values converted without pydantic
    (compare.cli.coerce); None for a name that is no command."""
    import typer.main

    from compare.cli.coerce import convert_plainly
    from compare.cli.common import app as typer_app

    module = COMMANDS.get(name)
    if module is None:
        return None
    importlib.import_module(module)
    alone = copy.copy(typer_app)  # the same app with this command only: typer builds just that one
    alone.registered_commands = [c for c in typer_app.registered_commands if command_name(c) == name]
    alone.registered_groups = [g for g in typer_app.registered_groups if g.name == name]
    command = typer.main.get_command(alone).commands.get(name)  # type: ignore[attr-defined]
    convert_plainly(command)
    return command


def help_of(name: str) -> str | None:
    """The help `policylab --help` shows for command `name` (its short help, else its whole help, as
    typer gives them), read from its registration without building it; None if it is hidden or none."""
    import inspect

    from compare.cli.common import app as typer_app

    module = COMMANDS.get(name)
    if module is None:
        return None
    importlib.import_module(module)
    info = next((c for c in typer_app.registered_commands if command_name(c) == name), None)
    if info is None:  # a group (`site`): built, as typer resolves a group's help from several places
        command = load_command(name)
        return None if command is None or command.hidden else command.short_help or command.help or ""
    if info.hidden:
        return None
    return info.short_help or (inspect.cleandoc(info.help) if info.help is not None
                               else inspect.getdoc(info.callback)) or ""


def command_name(info: Any) -> str:
    """The name typer gives a registered command (its own, else its function's)."""
    import typer.main

    return info.name or typer.main.get_command_name(info.callback.__name__)


def __getattr__(name: str) -> Any:
    if name == "app":  # every command registered, as typer's own callers expect
        for module in dict.fromkeys(COMMANDS.values()):
            importlib.import_module(module)
        from compare.cli.common import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
