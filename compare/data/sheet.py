"""Text cells a spreadsheet cannot take for a formula, in every file a spreadsheet opens: .xlsx (the
outcome table, the one-file report) and CSV/TSV (the outcome table, `diff --format csv`, simulate's
tables).  Every text cell, headers included; numbers and booleans stay numbers and booleans.

- .xlsx: a text cell is written as a string cell (`t="inlineStr"`), never a formula, whatever it
  starts with, and one that starts with = + - @ (after any blanks) also carries the `quotePrefix`
  style, so editing it in Excel keeps it text.  The text a reader sees is the text given: no `'` is
  added.  Characters XML cannot carry are shown as escapes (dsl.textsafe.escape_char: `\\x1b`, and
  `\\r`, which XML would turn into a newline), bidi controls too; tabs and newlines are kept.
- CSV/TSV: a file has no types, so a text cell starting with = + - @ gets a leading `'` (what a
  spreadsheet shows for a text typed so); control characters are escaped as on the terminal
  (dsl.textsafe.printable), so a cell never starts with a tab or CR either.  `csv_text` here;
  compare.data.table_text.safe_text does the same column-wise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dsl.textsafe import escape_char, printable

FORMULA_START = ("=", "+", "-", "@")
XLSX_MAX_CHARS = 32767  # a cell's text, at most
# C0 controls but tab and newline, DEL, C1 controls, bidi controls, line separators, lone surrogates
_XLSX_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
                          "\ud800-\udfff]")


def csv_text(text: str) -> str:
    """A text cell of a CSV or TSV: control characters escaped, a leading `'` where a spreadsheet
    would read a formula."""
    text = printable(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def xlsx_text(text: str) -> str:
    """A text cell's text for .xlsx: what XML cannot carry and bidi controls as escapes, at most
    XLSX_MAX_CHARS characters."""
    text = _XLSX_UNSAFE.sub(lambda m: escape_char(m.group()), text)
    return text if len(text) <= XLSX_MAX_CHARS else text[:XLSX_MAX_CHARS - 1] + "…"


_NEEDS_CELL = re.compile(f"^[ \t\n]*[=+\\-@]|{_XLSX_UNSAFE.pattern}")  # a text_cell, not a plain value


def looks_like_formula(text: str) -> bool:
    return text.lstrip(" \t\n").startswith(FORMULA_START)


def text_cell(cell: Any, text: str) -> Any:
    """`cell` (openpyxl, a worksheet's cell or a write-only cell) holding `text` as text: a string
    cell, never a formula, with the quotePrefix style where it starts like one."""
    cell.value = xlsx_text(text)
    cell.data_type = "s"  # openpyxl types a text starting with `=` as a formula
    if looks_like_formula(text):
        cell.quotePrefix = True
    return cell


def xlsx_row(sheet: Any, values: Sequence[Any]) -> list[Any]:
    """A row for a write-only sheet's `append`: texts that need it as text cells (see text_cell),
    the rest as they are (plain texts, numbers, None)."""
    out = list(values)
    for k, v in enumerate(out):
        if isinstance(v, str) and (_NEEDS_CELL.search(v) or len(v) > XLSX_MAX_CHARS):
            from openpyxl.cell import WriteOnlyCell

            out[k] = text_cell(WriteOnlyCell(sheet), v)
    return out


__all__ = ["FORMULA_START", "csv_text", "looks_like_formula", "text_cell", "xlsx_row", "xlsx_text"]
