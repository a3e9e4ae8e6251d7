"""The `policylab` command: a thin layer over compare.api, the stages and dsl/.

Takes the command line; gives text, JSON or CSV on stdout, diagnostics on stderr, an exit code.
One module per command group: `language` (check, fmt), `run` (eval, compare), `testing` (test, coverage).
"""

from __future__ import annotations


def main() -> None:
    """Run the command; whatever escapes it is one line and an exit code (compare.cli.guard)."""
    _escape_what_the_terminal_cannot_show()
    from compare.cli import guard

    try:
        from compare.cli.app import run  # a command's own module only once it runs

        run()
    except SystemExit as e:  # every run ends here: typer exits with the command's code
        if not guard.flush_stdout():
            raise SystemExit(guard.EXIT_BROKEN_PIPE) from None
        raise e from None
    except (Exception, KeyboardInterrupt) as e:  # before a command runs: an import, the command line
        raise SystemExit(guard.last_resort(e, None)) from None


def _escape_what_the_terminal_cannot_show() -> None:
    """Any output encoding works: a character stdout or stderr cannot encode (城市 on an ASCII, Latin-1
    or Big5 terminal, a lone surrogate anywhere) is written as a backslash escape, not a crash."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)  # absent on a replaced stream (tests)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a detached or closed stream: leave it as it is
                pass
