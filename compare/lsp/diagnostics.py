"""The checker's diagnostics as the editor's: the range, the severity, the code, the hint."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as T

from compare.lsp.analysis import Analysis, span_range
from dsl.diagnostics import Diagnostic

SOURCE = "policylab"


def to_range(span_start_end: tuple[tuple[int, int], tuple[int, int]]) -> T.Range:
    (l0, c0), (l1, c1) = span_start_end
    return T.Range(start=T.Position(line=l0, character=c0), end=T.Position(line=l1, character=c1))


def editor_diagnostic(d: Diagnostic, lines: list[str]) -> T.Diagnostic:
    """One diagnostic; its hint is the message's second line (LSP has no field for a hint)."""
    severity = T.DiagnosticSeverity.Error if d.is_error else T.DiagnosticSeverity.Warning
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    return T.Diagnostic(range=to_range(span_range(d.span, lines)), message=message, severity=severity,
                        code=d.code, source=SOURCE)


def editor_diagnostics(analysis: Analysis) -> list[T.Diagnostic]:
    """The document's own diagnostics, then each error of a file it reads (a base, the taxonomy) at
    its header's `extends` (or the header): the document cannot be trusted until that file is fixed."""
    lines = analysis.lines
    out = [editor_diagnostic(d, lines) for d in analysis.diagnostics]
    if analysis.elsewhere and analysis.ast is not None:
        header = analysis.ast.header
        at = header.extends_span if header.extends_span.line else header.span
        for d in analysis.elsewhere:
            moved = Diagnostic(d.code, f"in {Path(d.span.file).name}:{d.span.line}:{d.span.column}: {d.message}",
                               at, d.hint)
            out.append(editor_diagnostic(moved, lines))
    return out
