"""The last resort between an exception and the user: no command shows a Python traceback.

Every command runs inside `GuardedGroup.invoke`.  An exception that escapes a command is one line on
stderr naming the command, the exception and the files it was given, and exit 70 (EX_SOFTWARE);
`policylab --debug COMMAND …` (or POLICYLAB_DEBUG=1) prints the traceback instead.  Ctrl-C is one
line, "interrupted", exit 130; running out of memory is one line, exit 70; a reader that stopped
reading (`policylab eval … | head`) ends the run silently, exit 141, as a shell reports a process
ended by SIGPIPE.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 70, 130, 141
REPORT_TO = "to the maintainers"  # the project has no public issue tracker yet


class WholeHelpGroup(TyperGroup):
    """A command group whose --help lists each command with its whole help, wrapped to the terminal
    (click alone cuts it at its first sentence or 45 characters)."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            shown = self.help_of(ctx, name)
            if shown is not None:
                rows.append((name, " ".join(shown.split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def help_of(self, ctx: Any, name: str) -> str | None:
        """What --help shows for command `name`; None for a hidden one."""
        command = self.get_command(ctx, name)
        return None if command is None or command.hidden else command.short_help or command.help or ""


class GuardedGroup(WholeHelpGroup):
    """The policylab command group: its commands' escaping exceptions become one line and an exit code.
    A command is loaded when it is named (compare.cli.app.COMMANDS): a run builds its own command only."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if command is None:
            from compare.cli.app import load_command

            command = load_command(cmd_name)
            if command is not None:
                self.commands[cmd_name] = command
        return command

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from compare.cli.coerce import convert_plainly

        convert_plainly(self)  # its own options (--debug, --help) without pydantic too
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: Any) -> list[str]:
        from compare.cli.app import COMMANDS

        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and self.get_command(ctx, args[0]) is None:  # typer suggests among the commands it has
            for name in self.list_commands(ctx):
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def help_of(self, ctx: Any, name: str) -> str | None:
        if name in self.commands:
            return super().help_of(ctx, name)
        from compare.cli.app import help_of  # read without building the command

        return help_of(name)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except (Exception, KeyboardInterrupt) as e:
            if _is_click_exception(e):
                raise
            debug = bool(ctx.params.get("debug"))
            raise typer.Exit(last_resort(e, ctx.invoked_subcommand, debug)) from None


def _is_click_exception(e: BaseException) -> bool:
    """typer's own exceptions (a usage error, a bad parameter): typer prints them as usage errors."""
    module = type(e).__module__
    return module.startswith(("typer.", "click."))


def debug_requested(flag: bool = False) -> bool:
    return flag or os.environ.get("POLICYLAB_DEBUG", "").strip() not in ("", "0")


def last_resort(e: BaseException, command: str | None, debug: bool = False) -> int:
    """Say what happened in one line (the traceback with --debug) and give the exit code."""
    if isinstance(e, BrokenPipeError):
        silence_stdout()
        return EXIT_BROKEN_PIPE
    who = f"policylab {command}" if command else "policylab"
    if isinstance(e, KeyboardInterrupt):
        _say(f"{who}: interrupted")
        return EXIT_INTERRUPTED
    if debug_requested(debug):
        traceback.print_exception(e, file=sys.stderr)
    where = _files(e)
    while_ = f" while reading {where}" if where else ""
    if isinstance(e, MemoryError):
        _say(f"{who}: out of memory{while_}; give it fewer projects or smaller files, or more memory")
        return EXIT_INTERNAL
    rerun = f"policylab --debug {command} …" if command else "policylab --debug …"
    _say(f"{who}: internal error ({type(e).__name__}: {_first_line(e)}){while_} — please report it with "
         f"the output of `{rerun}` {REPORT_TO}")
    return EXIT_INTERNAL


def _say(line: str) -> None:
    from dsl.textsafe import printable

    try:
        sys.stderr.write(printable(line) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr itself is gone: nothing left to tell
        pass


def _first_line(e: BaseException) -> str:
    text = str(e).strip().split("\n", 1)[0]
    return text if len(text) <= 200 else text[:199] + "…"


def _files(e: BaseException) -> str:
    """The file the error names (an OSError's), else the command's arguments that are files or folders."""
    named = getattr(e, "filename", None)
    if isinstance(named, (str, os.PathLike)):
        return str(named)
    found: list[str] = []
    for arg in sys.argv[1:]:
        value = arg.partition("=")[2] if arg.startswith("--") else arg
        if value and not value.startswith("-") and value not in found:
            try:
                exists = Path(value).exists()
            except (OSError, ValueError):
                exists = False
            if exists:
                found.append(value)
    return ", ".join(found[:3]) + (", …" if len(found) > 3 else "")


def silence_stdout() -> None:
    """Point stdout at /dev/null: the reader is gone, and Python's flush at exit must not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (a test's replaced stream)
        pass


def flush_stdout() -> bool:
    """Flush stdout at the end of a run; False when its reader has gone (then it is silenced)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        return False
    except (OSError, ValueError):
        pass
    return True
