"""The language server: documents kept as the editor holds them, checked after each change.

Each open document's last Analysis (compare.lsp.analysis) is kept, so hover, definition, completion
and the outline read the parsed and checked model without parsing again.
"""

from __future__ import annotations

import logging
from pathlib import Path

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from compare.lsp.analysis import Analysis, analyse
from compare.lsp.diagnostics import editor_diagnostics

NAME = "policylab"


class PolicyServer(LanguageServer):
    def __init__(self, search: list[Path] | None = None) -> None:
        super().__init__(NAME, "1")
        self.search = search
        self.analyses: dict[str, Analysis] = {}  # uri -> the document's last check

    def path_of(self, uri: str) -> Path:
        return Path(to_fs_path(uri) or uri)

    def open_texts(self) -> dict[Path, str]:
        """The open documents' texts, which the checker reads in place of their files (a base edited
        and not saved is the base its revisions are checked against)."""
        return {self.path_of(uri): doc.source for uri, doc in self.workspace.text_documents.items()}

    def refresh(self, uri: str) -> Analysis:
        """Check the document again and publish its diagnostics."""
        doc = self.workspace.get_text_document(uri)
        analysis = analyse(self.path_of(uri), doc.source, self.open_texts(), self.search)
        before = self.analyses.get(uri)
        if analysis.policy is None and before is not None:
            analysis.last_policy = before.policy or before.last_policy
        self.analyses[uri] = analysis
        self.text_document_publish_diagnostics(T.PublishDiagnosticsParams(
            uri=uri, diagnostics=editor_diagnostics(analysis), version=doc.version))
        return analysis

    def refresh_dependents(self, uri: str) -> None:
        """Check again the open documents that extend this one (directly or through another base):
        a base edited in the editor changes what its revisions mean."""
        path = self.path_of(uri).resolve()
        for other, analysis in list(self.analyses.items()):
            chain = analysis.policy.files[:-1] if analysis.policy is not None else []
            if other != uri and other in self.workspace.text_documents \
                    and any(info.path.resolve() == path for info in chain):
                self.refresh(other)

    def analysis(self, uri: str) -> Analysis:
        """The document's last check (checked now if it has none)."""
        return self.analyses.get(uri) or self.refresh(uri)


def build(search: list[Path] | None = None) -> PolicyServer:
    """The server with every feature registered."""
    from compare.lsp.features import register

    server = PolicyServer(search)

    @server.feature(T.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PolicyServer, params: T.DidOpenTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PolicyServer, params: T.DidChangeTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)
        ls.refresh_dependents(params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PolicyServer, params: T.DidSaveTextDocumentParams) -> None:
        ls.refresh(params.text_document.uri)
        ls.refresh_dependents(params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PolicyServer, params: T.DidCloseTextDocumentParams) -> None:
        ls.analyses.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    register(server)
    return server


class _OneLine(logging.Formatter):
    """pygls logs a message it cannot read with its traceback: the editor's log gets one line."""

    def formatException(self, ei: object) -> str:  # noqa: N802 (logging's name)
        return ""


def serve(search: list[Path] | None = None) -> None:
    """Run the server on stdin/stdout until the client ends it (its log on stderr, one line a message)."""
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLine("policylab lsp: %(levelname)s: %(message)s"))
    log = logging.getLogger("pygls")
    log.addHandler(handler)
    log.propagate = False
    build(search).start_io()
