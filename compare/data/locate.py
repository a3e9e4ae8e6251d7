"""Where a record and its fields are in the input, for error messages with a caret under the cell.

Readers do not keep positions for every row (a million rows would pay for three errors):
a locator finds them when a problem is reported.  A CSV row's line is found by scanning
the file up to it (a quoted cell may span lines, blank lines are skipped), and the caret
goes under the field's cell; a YAML or JSON record's field at the line of its key; a
Parquet or DataFrame row is named by its number; a spreadsheet cell by row and column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compare.data.records import Record
from dsl.ast import Span
from dsl.files import PROJECTS, open_checked


@dataclass
class RowLocator:
    """Rows without lines (Parquet, Arrow, DataFrames, dicts of arrays): row k is named k + 1."""

    path: str
    noun: str = "row"
    first: int = 1  # the number of the first data row
    numbered: bool = True

    def span(self, row: int, column: int) -> Span:
        n = max(row, -1) + self.first
        return Span(self.path, max(n, 1), column + 1, max(n, 1), column + 2)

    def lines(self) -> dict[int, str]:
        return {}


@dataclass
class SheetLocator:
    """A spreadsheet: data row k is sheet row `rows[k]`, the header is `header_row`."""

    path: str
    rows: Sequence[int]
    header_row: int = 1
    noun: str = "row"
    numbered: bool = False

    def span(self, row: int, column: int) -> Span:
        n = self.header_row if row < 0 else self.rows[row]
        return Span(self.path, n, column + 1, n, column + 2)

    def lines(self) -> dict[int, str]:
        return {}


@dataclass
class CsvLocator:
    """A CSV or TSV file: data row k (blank lines skipped) starts on some line, found by scanning the
    text (read only when a problem is reported)."""

    path: str
    delimiter: str = ","
    noun: str = "row"
    numbered: bool = False
    encoding: str = "utf-8-sig"  # or UTF-16, UTF-32 with a byte-order mark (compare.data.encoding)
    _text: list[str] = field(default_factory=list)  # the file's lines read so far
    _more: Iterator[str] | None = None  # the lines after them (None: not opened yet)
    _starts: list[int] = field(default_factory=list)  # line of the header, then of each row scanned
    _shown: dict[int, str] = field(default_factory=dict)
    _rows: Any = None  # the csv reader of _starts, where its scan stopped
    _next: int = 1  # the line the reader's next row starts on

    def _read(self, upto: int) -> list[str]:
        """The file's lines, at least the first `upto` of them read (all where the file has fewer): a
        problem in the first rows of a large file reads those rows, not the whole file."""
        if self._more is None:
            self._more = _file_lines(self.path, self.encoding)
        while len(self._text) < upto:
            line = next(self._more, None)
            if line is None:
                break
            self._text.append(line)
        return self._text

    def _lines(self) -> Iterator[str]:
        k = 0
        while k < len(self._read(k + 1)):
            yield self._text[k]
            k += 1

    def _scan(self, upto: int) -> None:
        """The start lines of the header and rows 0..upto (fewer where the file has fewer), the scan
        resumed where the last one stopped (a problem at each of a hundred rows scans the file once)."""
        if len(self._starts) > upto + 1:
            return
        if self._rows is None:
            self._rows = csv.reader(self._lines(), delimiter=self.delimiter)
        reader = self._rows
        try:
            for row in reader:
                start, self._next = self._next, reader.line_num + 1
                if any(c.strip() for c in row):
                    self._starts.append(start)
                    if len(self._starts) > upto + 1:
                        break
        except csv.Error:
            self._rows = iter(())  # the scan ends at a malformed row, as a fresh one would

    def line_of(self, row: int) -> int:
        self._scan(row)
        k = row + 1
        return self._starts[k] if k < len(self._starts) else (self._starts[-1] if self._starts else 1)

    def span(self, row: int, column: int) -> Span:
        line = self.line_of(row)
        lines = self._read(line)
        text = lines[line - 1].rstrip("\r") if line <= len(lines) else ""
        col, width = cell_position(text, column, self.delimiter)
        self._shown[line] = text
        return Span(self.path, line, col, line, col + width)

    def lines(self) -> dict[int, str]:
        return dict(self._shown)


def _file_lines(path: str, encoding: str) -> Iterator[str]:
    """The lines of the file (split at \\n, a \\r kept), read a block at a time; none where it cannot
    be read (by the file rule, dsl.files, as the reader read it)."""
    from compare.data.records import InputError
    from compare.data.tables import open_project_text

    try:
        with open_project_text(Path(path), encoding=encoding) as f:
            pending: list[str] = []
            while block := f.read(1 << 20):
                *lines, last = block.split("\n")
                if lines:
                    lines[0] = "".join([*pending, lines[0]])
                    pending = []
                    yield from lines
                pending.append(last)
            yield "".join(pending)
    except (OSError, InputError):
        return


def cell_position(line: str, column: int, delimiter: str = ",") -> tuple[int, int]:
    """The 1-based character column where cell `column` of a CSV line starts, and its width."""
    k, i, start, quoted = 0, 0, 0, False
    while i <= len(line):
        ch = line[i] if i < len(line) else delimiter
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            if k == column:
                return start + 1, max(1, i - start)
            k, start = k + 1, i + 1
        i += 1
    return max(1, len(line)), 1


@dataclass
class RecordLocator:
    """YAML or JSON lists of records: a record at its line, a field at its key's line and column."""

    path: str
    records: Sequence[Record]
    headers: Sequence[str]
    text: str = ""
    noun: str = "project"
    numbered: bool = False
    _lines: list[str] | None = None
    _shown: dict[int, str] = field(default_factory=dict)

    def span(self, row: int, column: int) -> Span:
        if row < 0:
            return Span(self.path, 1, 1, 1, 2)
        rec = self.records[row]
        name = self.headers[column] if 0 <= column < len(self.headers) else ""
        line = max(rec.field_lines.get(name, rec.line) or rec.line, 1)
        if self._lines is None:
            self._lines = self.text.split("\n") if self.text else []
        text = self._lines[line - 1] if line <= len(self._lines) else ""
        col = text.find(name) + 1 if name and name in text else 1
        if text:
            self._shown[line] = text
        return Span(self.path, line, col, line, col + max(len(name), 1))

    def lines(self) -> dict[int, str]:
        return dict(self._shown)


def oversized_cell(path: str, encoding: str, delimiter: str, cap: int) -> tuple[int, int, int] | None:
    """The first cell of a CSV file larger than `cap` bytes (UTF-8): the line and column where it starts
    and its index in the row.  Read in chunks, never a whole cell or line at once (a quote left open
    runs to the end of the file)."""
    special = re.compile('["\\n' + re.escape(delimiter) + "]")
    line, col, start, index, size, quoted = 1, 1, (1, 1), 0, 0, False
    with io.TextIOWrapper(open_checked(Path(path), PROJECTS), encoding=encoding, errors="replace", newline="") as f:
        while chunk := f.read(1 << 20):
            pos = 0
            for m in special.finditer(chunk):
                piece = chunk[pos: m.start()]
                size += len(piece.encode("utf-8", "surrogatepass"))
                if size > cap:
                    return (*start, index)
                col, pos = col + len(piece) + 1, m.end()
                ch = m.group()
                if ch == '"':
                    quoted, size = not quoted, size + 1
                elif ch == "\n":
                    line, col = line + 1, 1
                    if quoted:
                        size += 1
                    else:
                        index, size, start = 0, 0, (line, 1)
                elif quoted:
                    size += 1
                else:
                    index, size, start = index + 1, 0, (line, col)
            size += len(chunk[pos:].encode("utf-8", "surrogatepass"))
            col += len(chunk) - pos
            if size > cap:
                return (*start, index)
    return None
