"""The requests the server answers, each by the module that does that job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as T

if TYPE_CHECKING:
    from compare.lsp.server import PolicyServer


def register(server: PolicyServer) -> None:
    from compare.lsp.formatting import format_document

    @server.feature(T.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: PolicyServer, params: T.DocumentFormattingParams) -> list[T.TextEdit] | None:
        doc = ls.workspace.get_text_document(params.text_document.uri)
        return format_document(doc.source, str(ls.path_of(doc.uri)))
