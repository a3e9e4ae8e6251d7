"""What the readers hand the validator: a record with the lines its fields came from, and the errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsl.ast import Span
from dsl.diagnostics import Diagnostic
from dsl.files import CANNOT_READ, TOO_LARGE, FileRefusedError
from dsl.record import CORE
from dsl.record import Record as FieldRecord
from dsl.textsafe import printable
from dsl.units import Dim


def text_fields(record: FieldRecord = CORE) -> frozenset[str]:
    """Fields whose values are text (`id: 0123` is 0123, `referral: no` is `no`, a declared choice `1` is
    `1`, a date 2024-03-01 is that text): every reader keeps them as written."""
    return frozenset(name for name, f in record.fields.items() if f.dim in (Dim.TEXT, Dim.CHOICE, Dim.DATE))


TEXT_FIELDS = text_fields()


class FieldError(ValueError):
    """One bad value: its catalogue code, the message and a hint."""

    def __init__(self, message: str, hint: str | None = None, code: str = "E802"):
        super().__init__(message, hint)
        self.message, self.hint, self.code = message, hint, code


class InputError(Exception):
    """Problems with project data: the first of them (a screenful at most), the count of the rest
    (`more`), and the text of the lines they point at (`lines`: line -> text), for the caret."""

    def __init__(self, diagnostics: list[Diagnostic], more: int = 0, lines: dict[int, str] | None = None):
        super().__init__(diagnostics, more)
        self.diagnostics, self.more, self.lines = diagnostics, more, lines or {}

    def __str__(self) -> str:
        shown = [printable(f"{d.span.file}:{d.span.line}:{d.span.column}: {d.code}: {d.message}"
                           + (f" (hint: {d.hint})" if d.hint else "")) for d in self.diagnostics]
        if self.more:
            shown.append(f"… and {self.more} more problems")
        return "\n".join(shown)


@dataclass
class Record:
    values: dict[str, Any]
    line: int  # where the record starts in its file (1-based); 0 for Python objects
    field_lines: dict[str, int] = field(default_factory=dict)


def refused(e: FileRefusedError) -> InputError:
    """A project file the file rule (dsl.files) refused: E810 when too large, else E800, with the reason."""
    if e.code == CANNOT_READ:
        reason = "no such file" if e.reason == "does not exist" else e.reason.removeprefix("cannot be read: ")
        message = f"cannot read the project file: {reason}"
    else:
        message = f"project file refused: {e.message}"
    return InputError([Diagnostic("E810" if e.code == TOO_LARGE else "E800", message,
                                  Span(e.path, 1, 1, 1, 2), e.hint)])
