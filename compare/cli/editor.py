"""`policylab lsp`: the language server for editors, on stdin/stdout."""

from __future__ import annotations

from typing import Annotated

import typer

from compare.cli.common import EXIT_USAGE, SearchOption, app


@app.command()
def lsp(
    stdio: Annotated[bool, typer.Option("--stdio", help="talk on stdin/stdout (the default; editors pass it)")] = True,
    search: SearchOption = None,
) -> None:
    """Start the language server for an editor (the checker's diagnostics as you type, hover,
    go to definition, completion, the outline by article, formatting, a code lens of the example
    projects each clause fires for);
    it talks LSP on stdin/stdout."""
    try:
        from compare.lsp.server import serve
    except ImportError as e:
        typer.echo(f"policylab lsp: the language server needs pygls ({e.name} is not installed)", err=True)
        typer.echo("hint: pip install 'policylab[lsp]'", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    serve(search)
