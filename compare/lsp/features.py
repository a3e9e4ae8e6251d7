"""The requests the server answers, each by the module that does that job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as T

if TYPE_CHECKING:
    from compare.lsp.server import PolicyServer


def register(server: PolicyServer) -> None:
    from compare.lsp.analysis import offset_at
    from compare.lsp.complete import completions
    from compare.lsp.formatting import format_document
    from compare.lsp.navigate import definition, hover
    from compare.lsp.outline import outline

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

    @server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=[" ", "."]))
    def on_completion(ls: PolicyServer, params: T.CompletionParams) -> T.CompletionList:
        uri = params.text_document.uri
        # the document's changes come before this request, each checked as it came: the analysis is the text's
        items = completions(ls.analysis(uri), *position(ls, uri, params.position))
        return T.CompletionList(is_incomplete=False, items=items)

    @server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_outline(ls: PolicyServer, params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
        return outline(ls.analysis(params.text_document.uri))

    @server.feature(T.TEXT_DOCUMENT_CODE_LENS)
    def on_code_lens(ls: PolicyServer, params: T.CodeLensParams) -> list[T.CodeLens]:
        from compare.lsp.codelens import example_projects, lenses

        analysis = ls.analysis(params.text_document.uri)
        roots = [ls.path_of(f.uri) for f in ls.workspace.folders.values()]
        return lenses(analysis, example_projects(analysis, roots))
