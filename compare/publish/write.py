"""One entry point for every document format: `document_bytes(doc, ".pdf")`, `write_document(doc, path)`.

    from compare.publish.write import SUFFIXES, write_document
    write_document(doc, Path("wuxi_draft.docx"))   # or .pdf; any other suffix: UnknownFormatError

The format is the suffix's (case ignored).  The file is written atomically (compare.data.atomic), so
an existing file is replaced whole or not at all.  A PDF needs a font that draws Chinese: without one,
FontMissingError (compare.publish.pdf) says how to install it.  A command asks `unavailable(path)`
first (a missing package or font, as a message with the install hint), so it fails before any work.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from compare.publish.blocks import Document

SUFFIXES = (".docx", ".pdf")
# the packages each format imports (the `report` extra installs them); a PDF's font is looked for apart
MODULES = {".docx": ("docx",), ".pdf": ("typst",)}


class UnknownFormatError(ValueError):
    """A suffix no writer here writes."""


def _suffix(path_or_suffix: str | Path) -> str:
    text = str(path_or_suffix)
    suffix = text.lower() if text.startswith(".") and "/" not in text else Path(text).suffix.lower()
    if suffix not in SUFFIXES:
        raise UnknownFormatError(f"`{suffix or '(no extension)'}` is not a document format; "
                                 f"use one of: {', '.join(SUFFIXES)}")
    return suffix


def missing_for(path_or_suffix: str | Path) -> tuple[str, ...]:
    """The packages the format needs that are not installed (empty when it can be written; a PDF's
    font is not a package: `unavailable` checks it too)."""
    return tuple(m for m in MODULES[_suffix(path_or_suffix)] if importlib.util.find_spec(m) is None)


def unavailable(path_or_suffix: str | Path) -> str | None:
    """Why the format cannot be written here, with the install hint; None when it can.  A command calls
    it before any work (UnknownFormatError for a suffix that is no format)."""
    suffix = _suffix(path_or_suffix)
    missing = missing_for(suffix)
    if missing:
        return f"writing {suffix} needs {', '.join(missing)}: pip install 'policylab[report]'"
    if suffix == ".pdf":
        from compare.publish.pdf import FontMissingError, cjk_font

        try:
            cjk_font()
        except FontMissingError as e:
            return str(e)
    return None


def document_bytes(doc: Document, path_or_suffix: str | Path) -> bytes:
    """The document in the format of the suffix (".docx", ".pdf", or a path ending in one)."""
    suffix = _suffix(path_or_suffix)
    if suffix == ".docx":
        from compare.publish.docx import to_docx

        return to_docx(doc)
    from compare.publish.pdf import to_pdf

    return to_pdf(doc)


def write_document(doc: Document, path: Path) -> None:
    """Write the document to `path` in the format its suffix names, atomically.  Raises
    UnknownFormatError, FontMissingError (PDF without a CJK font) or compare.data.atomic.WriteError."""
    from compare.data.atomic import sweep_stale, write_atomically

    data = document_bytes(doc, path)
    sweep_stale(path)
    write_atomically(path, data)
