"""Project files as Arrow tables: CSV, TSV, JSON Lines and Parquet read column-wise by pyarrow, and
lists of records (YAML, JSON, Python dicts) turned into columns.

pyarrow infers each column's type (numbers, booleans, text); `id` and the text fields are always
read as text (an id `007` stays `007`).  Empty cells and the null words (compare.data.cells.NULL_WORDS)
are null: not given.  Malformed rows are all reported, each at its line (E807).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import pyarrow as pa

from compare.data.encoding import UTF8, check_decodes
from compare.data.locate import CsvLocator, RecordLocator, RowLocator, oversized_cell
from compare.data.records import InputError, Record, refused, text_fields
from dsl.ast import Span
from dsl.diagnostics import Diagnostic
from dsl.files import PROJECTS, FileRefusedError, open_checked
from dsl.record import CORE
from dsl.record import Record as FieldRecord

# The largest cell read, in UTF-8 bytes: a project's cells are short (an amount, a company name, a
# note); a longer one is a quote left open or not a project file, and is refused (E813) before it is
# used.  pyarrow reads CSV in blocks of BLOCK bytes; a row longer than a block is found by a scan.
MAX_CELL_BYTES = 1 << 20
BLOCK = 1 << 24
CELL_HINT = ("a project's cells are short (an amount, a company name, a note): is a quote left open? "
             "keep long texts outside the project file")


def _problem(path: str, message: str, hint: str | None, line: int = 1, code: str = "E800") -> InputError:
    return InputError([Diagnostic(code, message, Span(path, line, 1, line, 2), hint)])


def open_project(path: Path) -> BinaryIO:
    """The project file opened by the file rule (dsl.files: a regular file, never a FIFO, a device or
    /proc), for a reader to stream; E800/E810 when refused.  Every read of a project file opens it so
    (any name the file system allows, bytes that are no UTF-8 included)."""
    try:
        return open_checked(path, PROJECTS)
    except FileRefusedError as e:
        raise refused(e) from None


def open_project_text(path: Path, errors: str = "replace", newline: str | None = "",
                      encoding: str = UTF8) -> TextIO:
    return io.TextIOWrapper(open_project(path), encoding=encoding, errors=errors, newline=newline)


def read_csv(path: Path, delimiter: str = ",", codec: str = UTF8,
             record: FieldRecord = CORE) -> tuple[pa.Table, CsvLocator]:
    """A CSV (or, with delimiter `\\t`, TSV) file in `codec` (compare.data.encoding); every row of the
    wrong length is an E807 at its line.  The text fields of `record` are read as text."""
    import pyarrow.csv as pcsv

    p = str(path)
    header = _header(path, delimiter, codec)
    if delimiter == "," and len(header) == 1 and "\t" in header[0]:
        delimiter = "\t"  # tab-separated, whatever the file is called (Excel's Unicode Text, renamed)
        header = _header(path, delimiter, codec)
    locator = CsvLocator(p, delimiter, encoding=codec)
    if not header:  # an empty file, or blank lines only: no projects (the caller warns)
        return pa.table({"id": pa.array([], pa.string())}), locator
    texts = text_fields(record)
    text_columns = {h: pa.string() for h in header if h.split("[")[0].strip() in texts}
    invalid: list[tuple[int | None, str, int, int]] = []

    def on_invalid(row: Any) -> str:
        invalid.append((row.number, row.text, row.actual_columns, row.expected_columns))
        return "skip"

    # only an empty cell is null here: the null words (NaN, NULL, N/A) are read as not given by field
    # (compare.data.cells), and an id may be `NA`
    convert = pcsv.ConvertOptions(column_types=text_columns, null_values=[""], strings_can_be_null=True,
                                  quoted_strings_can_be_null=True)
    read = pcsv.ReadOptions(block_size=BLOCK, encoding="utf8" if codec == UTF8 else codec)
    try:
        # Quoted cells may hold line breaks: with newlines_in_values pyarrow cuts the file into blocks
        # only at line breaks outside quotes (15–20% slower).  Without it a cut inside a quoted cell
        # leaves a block that starts or ends inside quotes: an error, a row of the wrong length, or
        # cells holding a line break or a quote.  So the file is read without it first, and read again
        # with it where any of these shows (a file whose cells hold line breaks or quotes).
        table = None
        fast = pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=False, invalid_row_handler=on_invalid)
        try:
            with open_project(path) as source:
                table = pcsv.read_csv(source, read_options=read, parse_options=fast, convert_options=convert)
        except pa.ArrowInvalid:
            pass
        if table is None or invalid or _any_byte(table, b'\n\r"'):
            invalid.clear()
            parse = pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid)
            with open_project(path) as source:
                table = pcsv.read_csv(source, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as e:
        check_decodes(path, codec)  # blamed at the line of the first bad byte, not pyarrow's block
        if "straddl" in str(e):
            raise _oversized(path, codec, delimiter, header) from None
        raise _csv_error(p, str(e), locator) from None
    except (OSError, UnicodeDecodeError) as e:
        check_decodes(path, codec)
        raise _problem(p, f"cannot read the project file: {e}", "save the file as UTF-8 text") from None
    if any(pa.types.is_binary(t) or pa.types.is_large_binary(t) for t in table.schema.types):
        check_decodes(path, codec)  # pyarrow reads a column with bytes that are not UTF-8 as binary
    try:
        table.column_names  # noqa: B018 - names that are not UTF-8 fail here
    except UnicodeDecodeError:
        check_decodes(path, codec)
        raise
    if _any_line_break(table):  # a cell spans lines, or a quote left open ran on: read it strictly
        _check_quotes(path, delimiter, codec)
    if invalid:
        diags = []
        for number, text, actual, expected in invalid[:20]:
            line = _find_line(path, text, codec) if number is None else number
            diags.append(Diagnostic("E807", f"row has {actual} cells but the header has {expected}",
                                    Span(p, line, 1, line, 2), "every row has one cell per column; quote cells "
                                    "that contain the delimiter"))
        raise InputError(diags, more=max(0, len(invalid) - 20))
    names = [h.strip().lstrip("\ufeff") for h in table.column_names]
    return table.rename_columns(names), locator


def _oversized(path: Path, codec: str, delimiter: str, header: list[str]) -> InputError:
    """E813 at the first cell larger than MAX_CELL_BYTES, found by reading the file in chunks."""
    found = oversized_cell(str(path), codec, delimiter, MAX_CELL_BYTES)
    if found is None:
        return _problem(str(path), f"a row is larger than {BLOCK / 2**20:g} MB", CELL_HINT, code="E813")
    line, col, field = found
    name = f"field `{header[field]}`" if field < len(header) else f"cell {field + 1} (beyond the header's {len(header)})"
    return InputError([Diagnostic("E813", f"row at line {line}: {name}: the cell is larger than "
                                  f"{MAX_CELL_BYTES >> 20} MB, the most a cell holds", Span(str(path), line, col, line,
                                                                                           col + 1), CELL_HINT)])


def _header(path: Path, delimiter: str, codec: str = UTF8) -> list[str]:
    import csv

    with open_project_text(path, encoding=codec) as f:
        for row in csv.reader(f, delimiter=delimiter):
            if any(c.strip() for c in row):
                return [c.strip() for c in row]
    return []


def _chunks_holding(table: pa.Table, among: bytes, binary: bool = True) -> Iterator[pa.Array]:
    """The chunks of the text (and, with `binary`, binary) columns whose character data holds one of the
    bytes `among`: one search of each buffer (which may hold bytes outside its cells: a chunk given may
    hold none in its cells, one not given holds none)."""
    import numpy as np

    kinds = [pa.types.is_string, pa.types.is_large_string] + ([pa.types.is_binary, pa.types.is_large_binary]
                                                               if binary else [])
    for col in table.columns:
        if not any(kind(col.type) for kind in kinds):
            continue
        for chunk in col.chunks:
            data = chunk.buffers()[2]
            if data is not None and data.size:
                bytes_ = np.frombuffer(data, dtype=np.uint8)
                if any(np.any(bytes_ == b) for b in among):
                    yield chunk


def _any_byte(table: pa.Table, among: bytes) -> bool:
    """Whether the character data of a text or binary column holds one of the bytes `among` (a yes may
    be wrong, a no never is)."""
    return next(_chunks_holding(table, among), None) is not None


def _any_line_break(table: pa.Table) -> bool:
    """Whether a text cell holds a line break: only a chunk whose character data holds a \n byte at all
    is searched cell by cell."""
    import pyarrow.compute as pc

    return any(pc.any(pc.match_substring(chunk, "\n")).as_py() for chunk in _chunks_holding(table, b"\n", False))


def _check_quotes(path: Path, delimiter: str, codec: str = UTF8) -> None:
    import csv

    with open_project_text(path, encoding=codec) as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except csv.Error as e:
            raise _problem(str(path), f"malformed CSV: {e}", "quote fields that contain commas or line breaks; "
                           "close every quote", start, "E807") from None


def _find_line(path: Path, text: str, codec: str = UTF8) -> int:
    with open_project_text(path, newline=None, encoding=codec) as f:
        for n, line in enumerate(f, 1):
            if line.rstrip("\r\n") == text:
                return n
    return 1


def _csv_error(path: str, message: str, locator: CsvLocator) -> InputError:
    if "UTF8" in message or "utf8" in message.lower():
        return _problem(path, "the file is not UTF-8 text", "save it as UTF-8 (CSV UTF-8 in Excel)")
    return _problem(path, f"malformed CSV: {message.split(':', 1)[-1].strip()}",
                    "quote fields that contain commas or line breaks; close every quote", code="E807")


def read_jsonl(path: Path, codec: str = UTF8, record: FieldRecord = CORE) -> tuple[pa.Table, RowLocator | RecordLocator]:
    """JSON Lines: one object per line.  A column whose type changes between lines (a number here, a
    text there) is read line by line instead, as JSON lists are; so is a file in UTF-16 or UTF-32."""
    import pyarrow.json as pjson

    p = str(path)
    if codec == UTF8:
        try:
            schema = pa.schema([(h, pa.string()) for h in sorted(text_fields(record))])
            with open_project(path) as source:
                table = pjson.read_json(source, read_options=pjson.ReadOptions(block_size=BLOCK),
                                        parse_options=pjson.ParseOptions(explicit_schema=schema,
                                                                         unexpected_field_behavior="infer"))
            table.validate(full=True)  # pyarrow keeps bytes that are not UTF-8 in text columns
            return table, RowLocator(p)
        except pa.ArrowInvalid:
            pass  # mixed types, a malformed or very long line, bad bytes: read it line by line for exact messages
    records = _jsonl_records(path, codec)
    return records_table(records, p)


def _jsonl_records(path: Path, codec: str = UTF8) -> list[Record]:
    p = str(path)
    records = []
    try:
        with open_project_text(path, errors="strict", newline=None, encoding=codec) as f:
            n = 0
            while line := f.readline(BLOCK):
                n += 1
                if len(line) == BLOCK and not line.endswith("\n"):
                    field = re.findall(r'"([^"\\]{1,200})"\s*:', line)
                    raise _problem(p, f"line {n}" + (f", field `{field[-1]}`" if field else "") + ": more than "
                                   f"{BLOCK / 2**20:g} MB on one line", CELL_HINT, n, "E813")
                if not line.strip():
                    continue
                records.append(_jsonl_record(line, n, p))
    except UnicodeDecodeError:
        check_decodes(path, codec)
        raise
    return records


def _jsonl_record(line: str, n: int, p: str) -> Record:
    try:
        value = json.loads(line, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise _problem(p, f"line {n} is not valid JSON: {e.msg}", "one JSON object per line", n) from None
    except _DuplicateKeyError as e:
        raise _problem(p, f"key `{e.args[0]}` is given twice", "give each field once", n, "E808") from None
    if not isinstance(value, dict):
        raise _problem(p, "each line holds one JSON object", '{"id": "p1", "foreign": true}', n)
    return Record(value, n, {k: n for k in value})


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKeyError(k)
        out[k] = v
    return out


def read_parquet(path: Path) -> tuple[pa.Table, RowLocator]:
    import pyarrow.parquet as pq

    try:
        with open_project(path) as source:
            return pq.read_table(source), RowLocator(str(path))
    except (pa.ArrowInvalid, OSError) as e:
        raise _problem(str(path), f"cannot read the Parquet file: {e}", "is it a Parquet file?") from None


def records_table(records: Sequence[Record], path: str, text: str = "") -> tuple[pa.Table, RecordLocator]:
    """Records (YAML, JSON, dicts) as columns, one per key in order of first appearance.  A column
    whose values mix types (a number and a text) becomes text, written as the record gave it."""
    headers: dict[str, None] = {}
    for r in records:
        headers.update(dict.fromkeys(r.values))
    names = list(headers)
    arrays = [_column([r.values.get(h) for r in records]) for h in names]
    table = pa.table(dict(zip(names, arrays, strict=True))) if names else pa.table({"id": pa.array([], pa.string())})
    return table, RecordLocator(path, records, names, text)


def _column(values: list[Any]) -> pa.Array:
    """Values of one key as an Arrow array; mixed types as text; NaN as null."""
    values = [None if isinstance(v, float) and v != v else v for v in values]
    kinds = {_kind(v) for v in values if v is not None}
    if len(kinds) == 1 and kinds <= {"bool", "number", "text", "list"}:
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass
    return pa.array([None if v is None else _as_text(v) for v in values], pa.string())


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
        return "list"
    return "other"


def _as_text(v: Any) -> str:
    """A value as the text a reader would write: `{amount: 4e7, currency: USD}` as `40000000 USD`."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return format(Decimal(repr(v)), "f") if v == v and v not in (float("inf"), float("-inf")) else repr(v)
    if isinstance(v, Mapping) and set(v) == {"amount", "currency"}:
        amount = v["amount"]
        if amount is None or (isinstance(amount, float) and amount != amount):  # NaN: not given
            return ""
        return f"{_as_text(amount)} {v['currency']}"
    if isinstance(v, (list, tuple)):
        return ",".join(_as_text(x) for x in v)
    return str(v)
