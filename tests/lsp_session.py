"""A real LSP client session with `policylab lsp` over a pipe (pygls's client): the tests of the
language server talk to it as an editor does."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as T
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

WAIT = 60.0  # seconds a reply may take on a loaded machine before the test fails (not a timing test)


class Session:
    """A started server, the diagnostics it published by document, and the editor's documents."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.published: dict[str, asyncio.Queue[T.PublishDiagnosticsParams]] = {}
        self.versions: dict[str, int] = {}

    def queue(self, uri: str) -> asyncio.Queue[T.PublishDiagnosticsParams]:
        return self.published.setdefault(uri, asyncio.Queue())

    def open(self, path: Path, text: str | None = None) -> str:
        """Open `path` in the editor with `text` (the file's own text by default); its uri."""
        uri = from_fs_path(str(path.resolve())) or ""
        self.versions[uri] = 1
        self.client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
            uri=uri, language_id="policy", version=1,
            text=path.read_text(encoding="utf-8") if text is None else text)))
        return uri

    def replace(self, uri: str, text: str) -> None:
        """The editor's whole text changed to `text` (as typing, not saved)."""
        self.versions[uri] += 1
        self.client.text_document_did_change(T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[T.TextDocumentContentChangeWholeDocument(text=text)]))

    def edit(self, uri: str, line: int, start: int, end: int, new: str) -> None:
        """An incremental edit of one line's characters [start, end) (0-based)."""
        self.versions[uri] += 1
        rng = T.Range(start=T.Position(line=line, character=start), end=T.Position(line=line, character=end))
        self.client.text_document_did_change(T.DidChangeTextDocumentParams(
            text_document=T.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[T.TextDocumentContentChangePartial(range=rng, text=new)]))

    async def diagnostics(self, uri: str) -> list[T.Diagnostic]:
        """The next diagnostics published for the document."""
        params = await asyncio.wait_for(self.queue(uri).get(), WAIT)
        return list(params.diagnostics)

    async def request(self, call: Awaitable[Any]) -> Any:
        return await asyncio.wait_for(call, WAIT)


def run_session(body: Callable[[Session], Awaitable[None]], cwd: Path | None = None) -> None:
    """Start `python -m compare.cli lsp`, initialise, run `body`, shut the server down."""
    async def main() -> None:
        client = LanguageClient("policylab-tests", "1")
        session = Session(client)

        @client.feature(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: T.PublishDiagnosticsParams) -> None:
            session.queue(params.uri).put_nowait(params)

        await client.start_io(sys.executable, "-m", "compare.cli", "lsp", cwd=str(cwd) if cwd else None)
        try:
            await asyncio.wait_for(client.initialize_async(T.InitializeParams(
                capabilities=T.ClientCapabilities(), process_id=None)), WAIT)
            client.initialized(T.InitializedParams())
            await body(session)
        finally:  # a failed test still ends its server, so the failure is reported, not a hang
            try:
                await asyncio.wait_for(client.shutdown_async(None), WAIT)
                client.exit(None)
            except Exception:
                if client._server is not None and client._server.returncode is None:
                    client._server.kill()
            await asyncio.wait_for(client.stop(), WAIT)

    asyncio.run(main())
