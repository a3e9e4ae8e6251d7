"""Formatting: the document in dsl.format's canonical layout, as one edit of the whole text."""

from __future__ import annotations

from lsprotocol import types as T

from compare.lsp.analysis import utf16_column


def format_document(text: str, path: str) -> list[T.TextEdit] | None:
    """The edits that make `text` canonical: none where it already is; None where it does not parse
    (the diagnostics say why, and formatting never guesses)."""
    from dsl.format import FormatError, format_text

    try:
        new = format_text(text, path)
    except FormatError:
        return None
    if new == text:
        return []
    lines = text.split("\n")
    end = T.Position(line=len(lines) - 1, character=utf16_column(lines[-1], len(lines[-1]) + 1))
    return [T.TextEdit(range=T.Range(start=T.Position(line=0, character=0), end=end), new_text=new)]
