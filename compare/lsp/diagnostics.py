"""The checker's diagnostics as the editor's: the range, the severity, the code, the hint."""

from __future__ import annotations

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
    lines = analysis.lines
    return [editor_diagnostic(d, lines) for d in analysis.diagnostics]
