"""Diagnostics: every problem the tool reports about a policy, with a stable code.

Rendering follows compilers: ``file:line:col: error[E012]: message``, then the source
line with a caret under the spot, then a hint.  The catalogue below is the single
source of the codes; docs/errors.md is checked against it by a test.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dsl.ast import Span
from dsl.textsafe import display_width, json_safe, printable

# code -> (severity, title).  Never renumber: tools and docs refer to these codes.
CATALOGUE: dict[str, tuple[str, str]] = {
    # reading the file
    "E001": ("error", "file cannot be read"),
    "E002": ("error", "file is not UTF-8 text"),
    "E003": ("error", "file is empty"),
    # the file rule (dsl.files): every file read or published
    "E004": ("error", "not a regular file"),
    "E005": ("error", "file too large"),
    "E006": ("error", "file outside its folder"),
    "E007": ("error", "system file"),
    "E008": ("error", "file changed while read"),
    # syntax
    "E100": ("error", "unexpected character"),
    "E101": ("error", "unexpected token"),
    "E102": ("error", "unexpected end of file"),
    "E103": ("error", "unterminated string"),
    "E104": ("error", "missing policy header"),
    "E105": ("error", "statement outside a block"),
    "E106": ("error", "unknown unit"),
    "E107": ("error", "number has no unit where one is expected"),
    "E108": ("error", "repeated statement"),
    "E109": ("error", "invalid date"),
    "E110": ("error", "missing statement"),
    "E111": ("error", "expression nested too deep"),
    # names
    "E200": ("error", "undefined name"),
    "E201": ("error", "duplicate id"),
    "E202": ("error", "unknown project field"),
    "E203": ("error", "unknown category or choice"),
    "E204": ("error", "unknown taxonomy concept"),
    "E205": ("error", "unknown beneficiary"),
    "E206": ("error", "unknown reading or option"),
    "E207": ("error", "circular reference"),
    "E208": ("error", "unknown metadata value"),
    "E209": ("error", "no taxonomy found"),
    # a city's own record (field, category, choice, list, condition declarations) and payers
    "E210": ("error", "bad field declaration"),
    "E211": ("error", "declaration redeclares a built-in field"),
    "E212": ("error", "one field declared with two types or units"),
    "E213": ("error", "new value for a field that takes none"),
    "E214": ("error", "default not of the field's type"),
    "E215": ("error", "unknown payer or payers' shares not 100%"),
    "E216": ("error", "pick table error"),
    "E217": ("error", "per-unit amount not multiplied by its unit's quantity"),
    "E218": ("error", "named condition or list error"),
    # documents in force (dsl.timeline)
    "E220": ("error", "document expires before it takes effect"),
    "E221": ("error", "term not in whole years"),
    "E222": ("error", "two documents of one city in force at once"),
    "E223": ("error", "document replaces or revises itself"),
    "E224": ("error", "document ended before it takes effect"),
    # types and units
    "E300": ("error", "currencies mixed without conversion"),
    "E301": ("error", "dimensions do not match"),
    "E302": ("error", "wrong kind of value"),
    "E303": ("error", "condition is not true/false"),
    "E304": ("error", "value does not fit the concept's unit"),
    "E305": ("error", "figure's currency differs from the quoted text"),
    "E306": ("error", "division by zero"),
    "E307": ("error", "figure too large"),
    "E308": ("error", "arithmetic with no value"),
    # tiers and splits
    "E400": ("error", "gap between tiers"),
    "E401": ("error", "overlapping tiers"),
    "E402": ("error", "tier edges out of order"),
    "E403": ("error", "empty tier"),
    "E404": ("error", "shares do not add up to the whole"),
    "E405": ("error", "shares and proportions do not match"),
    "E406": ("error", "tier edges are not fixed figures"),
    # citations and sources
    "E500": ("error", "quote not found in the source text"),
    "E501": ("error", "source text cannot be read"),
    "E502": ("error", "item has no citation"),
    "E503": ("error", "figure not in the quotes"),
    # readings, extends
    "E600": ("error", "reading's default is not one of its options"),
    "E601": ("error", "reading cases do not match its options"),
    "E602": ("error", "base policy not found"),
    "E603": ("error", "override or remove of an id the base does not have"),
    "E604": ("error", "circular extends"),
    # project records (inputs to evaluation)
    "E800": ("error", "project file cannot be read"),
    "E801": ("error", "unknown project field"),
    "E802": ("error", "project value is malformed"),
    "E803": ("error", "project value out of range"),
    "E804": ("error", "unknown category or choice in a project"),
    "E805": ("error", "project has no id"),
    "E806": ("error", "duplicate project id"),
    "E807": ("error", "malformed CSV"),
    "E808": ("error", "key or column given twice"),
    "E809": ("error", "unsafe YAML (tag or alias)"),
    "E810": ("error", "project file too large for its format"),
    "E811": ("error", "unit of a column does not fit its field"),
    "E812": ("error", "project file is not UTF-8, UTF-16 or UTF-32 text"),
    "E813": ("error", "project file cell too large"),
    "E814": ("error", "a required declared field is missing from a project"),
    "E815": ("error", "bad exchange rate of a project"),
    # scenario files (what-if simulation)
    "E900": ("error", "scenario file cannot be read"),
    "E901": ("error", "scenario does not match the schema"),
    "E902": ("error", "unsafe YAML in a scenario (tag, anchor, alias or merge key)"),
    "E903": ("error", "key given twice in a scenario"),
    "E904": ("error", "scenario is inconsistent"),
    "E905": ("error", "scenario names something that does not exist"),
    "E906": ("error", "scenario names something the run does not produce"),
    "E907": ("error", "scenario value out of its plausible range"),
    "E908": ("error", "scenario run too large"),
    "E910": ("error", "reform does not fit its policy"),
    "E911": ("error", "transplant cannot be made"),
    "E912": ("error", "scenario projects lack a required field"),
    # warnings
    "W700": ("warning", "clause can never fire"),
    "W701": ("warning", "tier is shadowed by an earlier tier"),
    "W702": ("warning", "item a max can never select"),
    "W703": ("warning", "reading is never used"),
    "W704": ("warning", "value range is empty"),
    "W705": ("warning", "control character in a text"),
    "W706": ("warning", "declaration is never used"),
    "W707": ("warning", "source text is partial"),
    "W720": ("warning", "document replaces or revises another city's"),
    "W721": ("warning", "document in force has expired"),
    "W722": ("warning", "document used outside its period"),
    # project data
    "W800": ("warning", "column is not a field of the project record"),
    "W801": ("warning", "no projects in the file"),
    "W802": ("warning", "a record's licence contradicts its other fields"),
    "W803": ("warning", "a record's `foreign` contradicts its other fields"),
    "W804": ("warning", "paid-in capital above registered capital"),
    "W805": ("warning", "column not read by any policy of the run"),
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    hint: str | None = None

    @property
    def severity(self) -> str:
        return CATALOGUE[self.code][0]

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


class PolicyError(Exception):
    """Raised when a stage cannot go on; carries every diagnostic found so far."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def render(diag: Diagnostic, source_lines: Sequence[str] | Mapping[int, str] | None) -> str:
    """The diagnostic for a terminal.  File name, message, hint and the echoed source line pass through
    `printable` (an ESC or U+202E in a policy is shown as ``\\x1b``, ``\\u202e``), and the caret is
    measured on the escaped text, so it stays under the spot.  `source_lines`: the file's lines, or
    just the ones diagnostics point at (line number -> text: a project file of a million rows)."""
    s = diag.span
    out = [printable(f"{s.file}:{s.line}:{s.column}: {diag.severity}[{diag.code}]: {diag.message}")]
    if isinstance(source_lines, Mapping):
        text = source_lines.get(s.line)
    else:
        text = source_lines[s.line - 1] if source_lines is not None and 1 <= s.line <= len(source_lines) else None
    if text is not None:
        line = text.rstrip("\r\n").replace("\t", " ")
        if len(line) > 200:  # a huge line: show the window around the spot
            start = max(0, s.column - 80)
            prefix = "…" if start else ""
            shown = prefix + line[start:start + 160]
            col_in_shown = len(prefix) + (s.column - 1 - start)
        else:
            shown, col_in_shown = line, s.column - 1
        pad = display_width(printable(shown[:col_in_shown]))
        width = 1
        if s.end_line == s.line and s.end_column > s.column:
            width = max(1, display_width(printable(line[s.column - 1:s.end_column - 1])))
            width = min(width, 80)
        out.append(f"  {s.line:>4} | {printable(shown)}")
        out.append(f"       | {' ' * pad}{'^' * width}")
    if diag.hint:
        out.append(f"  hint: {printable(diag.hint)}")
    return "\n".join(out)


def to_json(diags: list[Diagnostic]) -> str:
    return json_safe(json.dumps([d.as_json() for d in diags], ensure_ascii=False, indent=2))
