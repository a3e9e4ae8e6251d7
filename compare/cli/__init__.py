"""The `policylab` command: a thin layer over compare.api, the stages and dsl/.

Takes the command line; gives text, JSON or CSV on stdout, diagnostics on stderr, an exit code.
One module per command group: `language` (check, fmt), `run` (eval, compare), `testing` (test, coverage).
"""

from __future__ import annotations


def main() -> None:
    from compare.cli.app import app  # heavy imports only once a command runs

    app()
