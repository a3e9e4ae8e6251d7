"""The requests the server answers, each by the module that does that job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as T

if TYPE_CHECKING:
    from compare.lsp.server import PolicyServer


def register(server: PolicyServer) -> None:
    from compare.lsp.analysis import offset_at
    from compare.lsp.formatting import format_document
    from compare.lsp.navigate import definition, hover

    def position(ls: PolicyServer, uri: str, at: T.Position) -> tuple[int, int]:
        return offset_at(ls.analysis(uri).lines, at.line, at.character)

    @server.feature(T.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: PolicyServer, params: T.HoverParams) -> T.Hover | None:
        uri = params.text_document.uri
        shown = hover(ls.analysis(uri), *position(ls, uri, params.position))
        if shown is None:
            return None
        return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value=shown))

    @server.feature(T.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: PolicyServer, params: T.DefinitionParams) -> T.Location | None:
        uri = params.text_document.uri
        return definition(ls.analysis(uri), *position(ls, uri, params.position))

    @server.feature(T.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: PolicyServer, params: T.DocumentFormattingParams) -> list[T.TextEdit] | None:
        doc = ls.workspace.get_text_document(params.text_document.uri)
        return format_document(doc.source, str(ls.path_of(doc.uri)))
