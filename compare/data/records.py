"""What the readers hand the validator: a record with the lines its fields came from, and the errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsl.diagnostics import Diagnostic


class FieldError(ValueError):
    """One bad value: its catalogue code, the message and a hint."""

    def __init__(self, message: str, hint: str | None = None, code: str = "E802"):
        super().__init__(message, hint)
        self.message, self.hint, self.code = message, hint, code


class InputError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass
class Record:
    values: dict[str, Any]
    line: int  # where the record starts in its file (1-based); 0 for Python objects
    field_lines: dict[str, int] = field(default_factory=dict)

