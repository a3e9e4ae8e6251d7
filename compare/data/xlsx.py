"""The first sheet (or a named one) of an .xlsx workbook as columns of raw cell values.

`read_xlsx(path, sheet)` gives a pyarrow Table, one column per header, and the spreadsheet row
number of each data row (for messages: "row 7").  The header row is the first row with a value;
headers are stripped; fully empty rows are skipped (the row numbers stay those of the sheet).

Cells: numbers stay numbers (int64, or float64 where any is fractional), booleans bool, text
string, empty cells null, dates ISO text (`2024-03-01`, `2024-03-01T08:30:00`).  A column mixing
kinds (numbers and text) is a string column, its numbers written as Excel shows them: 4000 → "4000",
0.35 → "0.35", never `4000.0` or `4e+03`; true/false as "true"/"false".

The column letter of each header (for carets: "row 7, column C") is in the Table's field metadata,
`{b"column": b"C"}`; `column_letters(table)` gives {header: letter}.

A workbook is a zip whose parts are inflated as they are read: one that would unpack beyond
MAX_PART_BYTES a part or MAX_UNPACKED_BYTES in all, or a part that inflates more than MAX_RATIO times
(a zip bomb: Excel's parts inflate about 10 times), is refused (E810) from the sizes the zip declares
(which zipfile holds it to), before openpyxl reads a byte.

Problems are InputError: E800 for a file that is not an .xlsx workbook, a sheet that does not exist
(the message lists the sheets), a column with values but no header, or a formula without a saved
value (a workbook written by a library and never opened in Excel: its cells would read as empty);
E808 for a header given twice, naming both columns.  openpyxl is imported when needed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa

from compare.data.records import InputError
from compare.data.tables import open_project
from dsl.ast import Span
from dsl.diagnostics import Diagnostic, did_you_mean

NOT_XLSX_HINT = "save the file as an Excel workbook (.xlsx); an .xls or .xlsb file, or a CSV renamed, is not one"
FORMULA_HINT = ("the file was saved without computed values: open it in Excel (or LibreOffice) and save it, "
                "or paste the column as values")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")

# A sheet of Excel's 1,048,576 rows of about 16 short columns unpacks to some 500 MB of XML.
MAX_PART_BYTES = 512 * 2**20
MAX_UNPACKED_BYTES = 2**30
MAX_RATIO = 100  # for parts above RATIO_FLOOR; small parts of repeated markup may inflate more
RATIO_FLOOR = 2**20
BOMB_HINT = "this is not a workbook Excel writes (a zip bomb?); save the projects as CSV, or as a new workbook"


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, r = divmod(index - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def column_letters(table: pa.Table) -> dict[str, str]:
    """{header: its column letter} of a table from `read_xlsx`."""
    return {f.name: (f.metadata or {}).get(b"column", b"").decode() for f in table.schema}


def _error(path: Path, message: str, hint: str | None, row: int = 1, col: int = 1, code: str = "E800") -> InputError:
    return InputError([Diagnostic(code, message, Span(str(path), row, col, row, col + 1), hint)])


def read_xlsx(path: Path, sheet: str | None = None) -> tuple[pa.Table, list[int]]:
    """The sheet named `sheet` (None: the first worksheet) of the workbook at `path`: (columns, the
    spreadsheet row number of each data row)."""
    try:
        import openpyxl
    except ImportError:
        raise _error(path, "reading .xlsx files needs openpyxl, which is not installed",
                     "pip install 'policylab[data]'") from None
    check_unpacked_size(path)
    try:
        with open_project(path) as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles, extensions and odd dates it skips
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            try:
                ws = _sheet(wb, sheet, path)
                _check_formulas(path, getattr(ws, "_worksheet_path", None))
                ws.reset_dimensions()  # a writer may state the sheet's size wrongly: read every row there is
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
            finally:
                wb.close()
    except InputError:
        raise
    except OSError as e:
        raise _error(path, f"cannot read the workbook: {e.strerror or e}", None) from None
    except Exception as e:  # zipfile, XML and openpyxl errors: not a workbook
        raise _error(path, f"not an Excel workbook (.xlsx): {type(e).__name__}: {e}", NOT_XLSX_HINT) from None
    return _table(path, rows)


def check_unpacked_size(path: Path) -> None:
    """E810 for a workbook whose parts would unpack too large, or inflate as no spreadsheet does."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip: openpyxl's error says it is not a workbook
    mb = lambda n: f"{n / 2**20:,.0f} MB"  # noqa: E731
    for part in parts:
        if part.file_size > MAX_PART_BYTES:
            raise _error(path, f"the workbook's part `{part.filename}` unpacks to {mb(part.file_size)}; a part is "
                         f"read up to {mb(MAX_PART_BYTES)}", BOMB_HINT, code="E810")
        if part.file_size > RATIO_FLOOR and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise _error(path, f"the workbook's part `{part.filename}` inflates {part.file_size // max(part.compress_size, 1):,} "
                         f"times ({mb(part.compress_size)} to {mb(part.file_size)}); a spreadsheet's inflate about 10 "
                         f"times, and at most {MAX_RATIO} are read", BOMB_HINT, code="E810")
    total = sum(part.file_size for part in parts)
    if total > MAX_UNPACKED_BYTES:
        raise _error(path, f"the workbook unpacks to {mb(total)}; a workbook is read up to {mb(MAX_UNPACKED_BYTES)}",
                     BOMB_HINT, code="E810")


def _sheet(wb: Any, name: str | None, path: Path) -> Any:
    sheets = [ws for ws in wb.worksheets if hasattr(ws, "iter_rows")]  # not chart sheets
    if name is None:
        if not sheets:
            raise _error(path, "the workbook has no worksheet", "put the projects in a worksheet")
        return sheets[0]
    for ws in sheets:
        if ws.title == name:
            return ws
    names = [ws.title for ws in sheets]
    raise _error(path, f"no sheet `{name}` in the workbook; its sheets: " + ", ".join(f"`{n}`" for n in names),
                 did_you_mean(name, names) or "give --sheet one of these names")


def _check_formulas(path: Path, member: str | None) -> None:
    """E800 at the first formula cell without a saved value: read with data_only it would be empty.
    Excel saves a formula's result beside it (`<f>…</f><v>…</v>`, an empty text as t="str" with an
    empty <v>); a library writing formulas leaves <v> empty or out."""
    if member is None:
        return
    with open_project(path) as fh, zipfile.ZipFile(fh) as z:
        if not _FORMULA_TAG.search(xml := z.read(member)):
            return
    missing: list[tuple[str, str]] = []
    for _, el in ElementTree.iterparse(io.BytesIO(xml), events=("end",)):
        if el.tag.rpartition("}")[2] != "c":
            continue
        children = {c.tag.rpartition("}")[2]: c for c in el}
        if "f" in children and not (children["v"].text if "v" in children else None) and el.get("t") != "str":
            missing.append((el.get("r") or "?", f"the formula `={children['f'].text}`" if children["f"].text
                            else "a shared formula"))
        el.clear()
    if missing:
        ref, what = missing[0]
        m = re.fullmatch(r"([A-Z]+)([0-9]+)", ref)
        row, letters = (int(m.group(2)), m.group(1)) if m else (1, "?")
        more = f" (and {len(missing) - 1} more such cells)" if len(missing) > 1 else ""
        raise _error(path, f"row {row}, column {letters}: {what} has no saved value{more}",
                     FORMULA_HINT, row, _column_number(letters))


def _column_number(letters: str) -> int:
    n = 0
    for c in letters:
        n = n * 26 + ord(c) - 64 if "A" <= c <= "Z" else n
    return max(n, 1)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _cell(v: Any) -> Any:
    """A cell's value: dates and times as ISO text, text as is, numbers and booleans as they are."""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v)
    return v


def number_text(v: int | float | bool) -> str:
    """A number as Excel shows it: 4000 (not 4000.0), 0.35, 0.0000001 (never scientific notation)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if v.is_integer() and abs(v) < 2**63:
        return str(int(v))
    return str(np.format_float_positional(v, trim="-"))


def _table(path: Path, rows: list[list[Any]]) -> tuple[pa.Table, list[int]]:
    numbered = [(n, [_cell(v) for v in r]) for n, r in enumerate(rows, start=1) if not all(map(_blank, r))]
    if not numbered:
        return pa.table({}), []
    (header_row, header), data = numbered[0], numbered[1:]
    width = max(len(r) for _, r in numbered)
    names = [None if h is None else (number_text(h) if isinstance(h, (int, float)) else str(h)).strip() or None
             for h in header + [None] * (width - len(header))]
    columns: dict[str, pa.Array] = {}
    fields: list[pa.Field] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        values = [r[i] if i < len(r) else None for _, r in data]
        if name is None:
            filled = next((n for (n, _), v in zip(data, values, strict=True) if not _blank(v)), None)
            if filled is not None:
                raise _error(path, f"column {column_letter(i + 1)} has values (row {filled}) but no header",
                             f"give the column a name in the header row (row {header_row}), or delete it",
                             header_row, i + 1)
            continue
        if name in seen:
            raise _error(path, f"the header `{name}` is given twice: columns {column_letter(seen[name] + 1)} and "
                         f"{column_letter(i + 1)}", "keep one column per header", header_row, i + 1, "E808")
        seen[name] = i
        columns[name] = _column(values)
        fields.append(pa.field(name, columns[name].type, metadata={"column": column_letter(i + 1)}))
    return pa.Table.from_arrays(list(columns.values()), schema=pa.schema(fields)), [n for n, _ in data]


def _column(values: list[Any]) -> pa.Array:
    """One column's cells: numbers, booleans or text as they are; mixed kinds as text."""
    kinds = {"bool" if isinstance(v, bool) else "number" if isinstance(v, (int, float)) else "text"
             for v in values if v is not None}
    if not kinds:
        return pa.nulls(len(values))
    if kinds == {"bool"}:
        return pa.array(values, pa.bool_())
    if kinds == {"number"}:
        ints = all(isinstance(v, int) for v in values if v is not None)
        try:
            return pa.array(values, pa.int64() if ints else pa.float64())
        except (OverflowError, pa.ArrowInvalid):  # an integer beyond int64: as text below
            pass
    return pa.array([None if v is None else v if isinstance(v, str) else number_text(v) if
                     isinstance(v, (int, float)) else str(v) for v in values], pa.string())
