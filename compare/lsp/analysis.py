"""One open document checked as the editor holds it: the text not yet saved is read in place of the
file, its bases (`extends`) and taxonomy from the disk, and the result kept per document.

The checker itself is dsl.check's: the server adds only the overlay (an open document's text) and
the conversion of spans (1-based lines, columns in characters) to editor positions (0-based, UTF-16).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.load import Loader
from dsl.model import CheckResult, Policy


class OverlayLoader(Loader):
    """A Loader that reads the open documents' texts (path -> text) in place of their files."""

    def __init__(self, overlay: dict[Path, str], search: list[Path] | None = None) -> None:
        super().__init__(search)
        self.overlay = {p.resolve(): t for p, t in overlay.items()}

    def parse(self, path: Path) -> tuple[A.PolicyFile | None, str | None, list[Diagnostic]]:
        key = path.resolve()
        if key in self.overlay and key not in self.parsed:
            from dsl.parse import normalise_newlines, parse_text

            text = normalise_newlines(self.overlay[key])
            ast, diags = parse_text(text, str(path))
            self.parsed[key] = (ast, text, diags)
            self.texts[str(path)] = text
        return super().parse(path)


@dataclass
class Analysis:
    """What the server knows of one document after a check."""

    path: Path
    text: str
    diagnostics: list[Diagnostic]  # this document's own, in order
    elsewhere: list[Diagnostic] = field(default_factory=list)  # errors in a base or the taxonomy it reads
    policy: Policy | None = None  # the merged, checked policy (None where it does not parse)
    ast: A.PolicyFile | None = None
    texts: dict[str, str] = field(default_factory=dict)  # every file read: path -> text
    # the last policy that loaded, while this text does not (a header or `extends` half typed): completion
    # still offers its names
    last_policy: Policy | None = None

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def analyse(path: Path, text: str, overlay: dict[Path, str] | None = None,
            search: list[Path] | None = None) -> Analysis:
    """Check `path` as `text` (other open documents from `overlay`): its own diagnostics and model."""
    from dsl.check.driver import check_paths
    from dsl.parse import normalise_newlines

    text = normalise_newlines(text)
    loader = OverlayLoader({**(overlay or {}), path: text}, search)
    if path.exists():
        result = check_paths([path], search, loader=loader)
    else:  # a new document not saved yet: checked alone, its bases and quotes not found
        result = _check_unsaved(path, text)
    own = [d for d in result.diagnostics if _same_file(d.span.file, path)]
    elsewhere = [d for d in result.diagnostics if d.is_error and not _same_file(d.span.file, path)]
    policy = next((p for p in result.policies if _same_file(str(p.files[-1].path), path)), None)
    parsed = loader.parsed.get(path.resolve())
    ast = policy.files[-1].ast if policy is not None else (parsed[0] if parsed else None)
    return Analysis(path, text, own, elsewhere, policy, ast, result.texts)


def _check_unsaved(path: Path, text: str) -> CheckResult:
    from dsl.check.driver import check_text

    policy, diags = check_text(text, str(path))
    return CheckResult([policy] if policy is not None else [], diags, {str(path): text})


def _same_file(name: str, path: Path) -> bool:
    return name == str(path) or Path(name).resolve() == path.resolve()


# ---------------------------------------------------------------- positions


def utf16_column(line: str, column: int) -> int:
    """The 0-based UTF-16 offset of a 1-based character column of `line` (what LSP counts)."""
    head = line[: max(0, column - 1)]
    return len(head) + sum(1 for ch in head if ord(ch) > 0xFFFF)


def char_column(line: str, utf16: int) -> int:
    """The 0-based character index of a UTF-16 offset into `line`."""
    units = 0
    for i, ch in enumerate(line):
        if units >= utf16:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def span_range(span: A.Span, lines: list[str]) -> tuple[tuple[int, int], tuple[int, int]]:
    """A span as ((line, character), (line, character)), 0-based, UTF-16; at least one character wide
    where the span is a point (an editor draws nothing under an empty range)."""
    def at(line: int, column: int) -> tuple[int, int]:
        row = min(max(line, 1), max(len(lines), 1)) - 1
        text = lines[row] if row < len(lines) else ""
        return row, utf16_column(text, min(max(column, 1), len(text) + 1))

    start = at(span.line, span.column)
    end = at(span.end_line or span.line, span.end_column or span.column)
    if end <= start:
        row = start[0]
        text = lines[row] if row < len(lines) else ""
        end = (row, min(start[1] + 1, utf16_column(text, len(text) + 1))) if text else start
    return start, end


def offset_at(lines: list[str], line: int, utf16: int) -> tuple[int, int]:
    """An editor position as a 1-based (line, character column) of the text."""
    text = lines[line] if 0 <= line < len(lines) else ""
    return line + 1, char_column(text, utf16) + 1


def contains(span: A.Span, line: int, column: int) -> bool:
    """Whether the 1-based (line, column) lies inside the span (its end excluded)."""
    if span.line == 0:
        return False
    return (span.line, span.column) <= (line, column) < (span.end_line, span.end_column)
