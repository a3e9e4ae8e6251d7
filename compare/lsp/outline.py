"""The document outline: the header, then the items grouped by the article they cite first (in the
order the articles first appear), so the outline reads like the text's numbering."""

from __future__ import annotations

from lsprotocol import types as T

from compare.lsp.analysis import Analysis, span_range
from compare.lsp.diagnostics import to_range
from dsl import ast as A

_KINDS = {
    A.Clause: T.SymbolKind.Function, A.Split: T.SymbolKind.Operator, A.Param: T.SymbolKind.Constant,
    A.Mechanism: T.SymbolKind.Module, A.Reading: T.SymbolKind.Enum, A.Unencoded: T.SymbolKind.String,
    A.FieldDecl: T.SymbolKind.Field, A.CategoryDecl: T.SymbolKind.EnumMember, A.ChoiceDecl: T.SymbolKind.EnumMember,
    A.ListDecl: T.SymbolKind.Array, A.ConditionDecl: T.SymbolKind.Boolean,
}
NO_ARTICLE = "(no cite)"


def outline(analysis: Analysis) -> list[T.DocumentSymbol]:
    ast = analysis.ast
    if ast is None:
        return []
    lines = analysis.lines
    out = [T.DocumentSymbol(name=f"policy {ast.header.id}", kind=T.SymbolKind.Namespace,
                            range=to_range(span_range(ast.header.span, lines)),
                            selection_range=to_range(span_range(ast.header.span, lines)),
                            detail=f"extends {ast.header.extends}" if ast.header.extends else None)]
    articles: dict[str, list[T.DocumentSymbol]] = {}
    for item in ast.items:
        if isinstance(item, A.Remove):
            continue
        inner = item.item if isinstance(item, A.Override) else item
        article, symbol = _item(inner, lines, overriding=isinstance(item, A.Override))
        articles.setdefault(article, []).append(symbol)
    for article, items in articles.items():
        start = min((s.range.start.line, s.range.start.character) for s in items)
        end = max((s.range.end.line, s.range.end.character) for s in items)
        rng = T.Range(start=T.Position(line=start[0], character=start[1]), end=T.Position(line=end[0], character=end[1]))
        out.append(T.DocumentSymbol(name=article, kind=T.SymbolKind.Namespace, range=rng,
                                    selection_range=items[0].selection_range, children=items))
    return out


def _item(item: A.Definition | A.Unencoded, lines: list[str], overriding: bool) -> tuple[str, T.DocumentSymbol]:
    if isinstance(item, A.Unencoded):
        article, name = item.article, "unencoded"
        label: str | None = item.quote
    else:
        cites = getattr(item, "cites", ())
        article = cites[0].article if cites else NO_ARTICLE
        name = f"{item.field}.{item.value}" if isinstance(item, A.ChoiceDecl) else item.id
        label = getattr(item, "label", None)
    rng = to_range(span_range(item.span, lines))
    head = T.Range(start=rng.start, end=T.Position(line=rng.start.line, character=rng.start.character + 1))
    return article, T.DocumentSymbol(name=name, kind=_KINDS.get(type(item), T.SymbolKind.Object), range=rng,
                                     selection_range=head, detail=("override " if overriding else "") + (label or ""))
