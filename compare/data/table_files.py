"""Outcome tables to files, by extension: .csv, .tsv, .parquet, .jsonl, .xlsx.

Written a slice of projects at a time (compare.data.table, CHUNK projects a slice; a wide CSV, TSV or
JSON Lines file TEXT_CHUNK), so a long table of four cities and 10^6 projects is never held whole, and atomically (compare.data.atomic.atomic_output:
the file is the old one or the complete new one; a failed write leaves no temporary file).

- CSV / TSV: UTF-8, a header, `\\n` line ends; a cell is quoted only where it holds the delimiter or
  a quote.  Numbers are written with every digit they need and never an exponent (money to the
  fen: 2330720.5, 12345678901.23); null is an empty cell; true/false.  Text cells, the header's too,
  are made safe for a spreadsheet as compare.data.sheet.csv_text does: control characters escaped, a
  leading `'` on a cell starting with = + - @.  Neighbouring columns of few distinct cells in a part
  (states, tiers, true/false) are formatted once per combination that occurs and taken.
- Parquet: snappy, the schema's metadata (version, rate, readings, units) kept.  Lossless.
- JSON Lines: one object per row, keys the column names; null (never NaN); numbers that parse back
  to the same double; texts as json writes them (lossless).
- .xlsx (openpyxl, write-only): one sheet of rows and a sheet `about` with the metadata; at most
  1,048,575 rows of data.  Text cells, the header's too, are typed as text (compare.data.sheet: never a
  formula, shown as given, no `'` added).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data.atomic import WriteError, atomic_output
from compare.data.sheet import xlsx_row
from compare.data.table import CHUNK, TablePlan
from compare.data.table_text import (
    decode,
    json_text,
    none_of,
    number_text,
    repeated_number_text,
    safe_text,
    strings,
)
from compare.data.text_buffers import byte_set
from compare.engine.evaluate import Outcomes
from dsl.textsafe import json_safe
from dsl.units import Dim

FORMATS = {".csv": "CSV", ".tsv": "TSV (tab-separated)", ".parquet": "Parquet", ".jsonl": "JSON Lines",
           ".xlsx": "Excel workbook"}
XLSX_MAX_ROWS = 1_048_575  # a sheet's 1,048,576 rows, less the header
# snappy: 14% less CPU than zstd on the long table of benchmarks/bench_write.py (zstd's file is a third
# smaller: 40 MB instead of 64 MB for 10^6 projects × 4 cities)
PARQUET_COMPRESSION = "snappy"
TEXT_BYTES = 32 << 20  # CSV and JSON Lines are formatted about this much text at a time: memory stays bounded
# projects per slice of a wide CSV, TSV or JSON Lines file: their bytes do not depend on the slices
# (Parquet's row groups do, so it keeps CHUNK), and each part of text costs a fixed amount per column;
# a long table's slice of CHUNK projects is already a row per city, 4 * CHUNK rows for four
TEXT_CHUNK = 4 * CHUNK
TEXT_SUFFIXES = (".csv", ".tsv", ".jsonl")
TEXT_WORKERS = max(1, min(4, os.cpu_count() or 1))


class FormatError(WriteError, ValueError):
    """An output the writers cannot make (unknown extension, too many rows for a sheet, no openpyxl)."""


def output_format(path: Path) -> str:
    """The format of `path` by its extension; FormatError (with the formats) for any other."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(f"{s} ({name})" for s, name in FORMATS.items())
        raise FormatError(f"cannot write {path}: unknown output format `{path.suffix or '(no extension)'}`",
                          f"name the file with one of: {known}")
    return suffix


def write_outcomes(path: Path, results: Sequence[Outcomes], carry: pa.Table | None = None, wide: bool = False,
                   dims: Sequence[dict[str, Dim | None]] | None = None, notes: Sequence[str] = (),
                   progress: Callable[[int], None] | None = None, chunk: int | None = None) -> None:
    """Write the outcome table (compare.data.table.outcome_table: long, or wide) to `path`, in the
    format its extension names, `chunk` projects at a time (by default CHUNK, TEXT_CHUNK for a wide
    table in a text format); after each, `progress(projects written)` (in a long table each project is one row per
    policy).
    FormatError for an unknown extension or a sheet that cannot hold the rows; WriteError where the
    file cannot be written (the old file is then unchanged)."""
    path = Path(path)
    suffix = output_format(path)
    plan = TablePlan(results, carry, wide, dims, notes)
    if suffix == ".xlsx":
        _xlsx_preflight(path, plan)
    write = {".csv": _write_delimited, ".tsv": _write_delimited, ".parquet": _write_parquet,
             ".jsonl": _write_jsonl, ".xlsx": _write_xlsx}[suffix]
    if chunk is None:
        chunk = TEXT_CHUNK if suffix in TEXT_SUFFIXES and wide else CHUNK
    with atomic_output(path) as f, contextlib.closing(_slices(plan, chunk, progress)) as tables:
        write(f, plan, tables, "\t" if suffix == ".tsv" else ",")


def write_stream(f: BinaryIO, suffix: str, results: Sequence[Outcomes], carry: pa.Table | None = None,
                 wide: bool = False, dims: Sequence[dict[str, Dim | None]] | None = None, notes: Sequence[str] = (),
                 chunk: int | None = None) -> None:
    """The outcome table as CSV, TSV or JSON Lines (`suffix`) to an open binary stream (stdout): the
    same text `write_outcomes` puts in a file of that extension."""
    if suffix not in TEXT_SUFFIXES:
        raise FormatError(f"cannot stream {suffix}", "stream .csv, .tsv or .jsonl; write other formats to a file")
    plan = TablePlan(results, carry, wide, dims, notes)
    write = _write_jsonl if suffix == ".jsonl" else _write_delimited
    if chunk is None:
        chunk = TEXT_CHUNK if wide else CHUNK
    with contextlib.closing(_slices(plan, chunk, None)) as tables:
        write(f, plan, tables, "\t" if suffix == ".tsv" else ",")


def _slices(plan: TablePlan, chunk: int, progress: Callable[[int], None] | None) -> Generator[pa.Table, None, None]:
    """The table a slice at a time, the next slice built in a thread while this one is written (numpy
    and pyarrow let go of the GIL: on two cores building and writing overlap, 4.8 s -> 2.8 s for the
    long Parquet of bench_write); `progress(projects written)` once each slice is written."""
    bounds = plan.slices(chunk)
    with ThreadPoolExecutor(1, thread_name_prefix="policylab-table") as pool:
        ahead = pool.submit(plan.table, *bounds[0])
        try:
            for k, (_, stop) in enumerate(bounds):
                table = ahead.result()
                if k + 1 < len(bounds):
                    ahead = pool.submit(plan.table, *bounds[k + 1])
                yield table
                if progress is not None:
                    progress(stop)
        finally:
            ahead.cancel()


def _text_parts(tables: Any, row_bytes: int) -> Any:
    """The tables in parts of about TEXT_BYTES of text (rows of about `row_bytes`), for formatting."""
    rows = max(1, TEXT_BYTES // max(1, row_bytes))
    for table in tables:
        for start in range(0, table.num_rows, rows):
            yield table.slice(start, rows)


def _write_formatted(f: BinaryIO, tables: Any, lines: Callable[[pa.Table], pa.Array], row_bytes: int) -> None:
    """`lines` of each part of the tables, made by TEXT_WORKERS threads (pyarrow's string kernels let
    go of the GIL: 1.8 s instead of 2.4-3.2 s per 10^6 CSV rows on two cores), written in order."""
    with ThreadPoolExecutor(TEXT_WORKERS, thread_name_prefix="policylab-text") as pool:
        pending: deque[Future[pa.Array]] = deque()
        try:
            for part in _text_parts(tables, row_bytes):
                pending.append(pool.submit(lines, part))
                if len(pending) > TEXT_WORKERS:
                    _write_text(f, pending.popleft().result())
            while pending:
                _write_text(f, pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()


def _array(col: pa.ChunkedArray) -> pa.Array:
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _write_text(f: BinaryIO, lines: pa.Array) -> None:
    """Lines (each ending in \\n, none null) written straight from the array's data buffer."""
    if len(lines) == 0:
        return
    width = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    offsets = np.frombuffer(lines.buffers()[1], dtype=width)[lines.offset:lines.offset + len(lines) + 1]
    f.write(memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])])


# ---------------------------------------------------------------- CSV / TSV

_NEEDS_QUOTES = {",": '[,"]', "\t": '[\t"]'}
_QUOTE_BYTES = {d: byte_set((ord(d), ord(d)), (ord('"'), ord('"'))) for d in _NEEDS_QUOTES}
FEW = 64  # a column of at most this many distinct cells in a part is written from its codes
_CODE_BOUND = 1 << 40  # a run's combined code is renumbered before it could pass this


def _quoted(arr: pa.Array, delimiter: str) -> pa.Array:
    """Text cells quoted where they hold the delimiter or a quote (a quote doubled inside)."""
    if pa.types.is_dictionary(arr.type):
        return pa.DictionaryArray.from_arrays(arr.indices, _quoted(arr.dictionary, delimiter))
    if none_of(arr, _QUOTE_BYTES[delimiter]):
        return arr
    need = pc.fill_null(pc.match_substring_regex(arr, _NEEDS_QUOTES[delimiter]), False)
    if not pc.any(need).as_py():
        return arr
    return pc.if_else(need, pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', ""), arr)


def _csv_cell(col: pa.Array, delimiter: str) -> pa.Array:
    """A column's cells as text (null: an empty cell, left to the join)."""
    if pa.types.is_dictionary(col.type):
        col = decode(col)
    if pa.types.is_floating(col.type):
        return repeated_number_text(col)
    if pa.types.is_boolean(col.type):
        return pc.if_else(col, "true", "false")
    if pa.types.is_integer(col.type) or pa.types.is_decimal(col.type):
        return pc.cast(col, pa.string())
    return _quoted(safe_text(col if _is_text(col.type) else pc.cast(col, pa.string())), delimiter)


_PROBE = 1024  # rows looked at first: a column of more distinct cells than FEW there is not encoded


def _codes(col: pa.Array, delimiter: str) -> tuple[np.ndarray, list[str]] | None:
    """A column of at most FEW distinct cells in this part as (a code per row, the cell of each code:
    the last, "", for null), or None for a column of more."""
    if pa.types.is_dictionary(col.type) and not _is_text(col.type):
        col = decode(col)
    if pa.types.is_boolean(col.type):
        if col.null_count:
            return np.asarray(pc.fill_null(col.cast(pa.int8()), 2)), ["false", "true", ""]
        return np.asarray(col).view(np.int8), ["false", "true", ""]
    if pa.types.is_dictionary(col.type):
        dictionary, indices = col.dictionary, col.indices
    elif pa.types.is_floating(col.type) or _is_text(col.type):
        if len(col) > _PROBE and len(col.slice(0, _PROBE).dictionary_encode().dictionary) > FEW:
            return None
        encoded = col.dictionary_encode()
        dictionary, indices = encoded.dictionary, encoded.indices
    else:
        return None
    if len(dictionary) > FEW:
        return None
    if pa.types.is_floating(dictionary.type):  # by their bits: 0.0 == -0.0, but "0" is not "-0"
        texts = _cell_texts(np.asarray(dictionary.cast(pa.float64())).tobytes(), delimiter)
    else:
        texts = _cell_texts(tuple(dictionary.to_pylist()), delimiter)
    if indices.null_count:
        return np.asarray(pc.fill_null(indices, len(texts) - 1)), texts
    return np.asarray(indices), texts


@functools.lru_cache(maxsize=256)
def _cell_texts(values: tuple[Any, ...] | bytes, delimiter: str) -> list[str]:
    """The CSV cell of each distinct value of a dictionary (texts, or doubles as their bytes), then ""
    for null: formatted once for every part that has the same values (a state's, a beneficiary's)."""
    if isinstance(values, bytes):
        words = number_text(np.frombuffer(values, dtype=np.float64))
    else:
        words = _quoted(safe_text(strings(list(values))), delimiter)
    return [w if w is not None else "" for w in words.to_pylist()] + [""]


def _run_cells(run: list[tuple[np.ndarray, list[str]]], code: np.ndarray, delimiter: str) -> pa.Array:
    """Neighbouring columns of few cells (`run`, with `code` numbering each row's combination) as one
    text of their cells and delimiters: each combination that occurs is joined once, then taken."""
    if len(run) == 1:
        codes, texts = run[0]
        return strings(texts).take(pa.array(codes))
    index, distinct = _renumber(code)
    first = np.empty(distinct, dtype=np.int64)
    first[index] = np.arange(len(code), dtype=np.int64)  # a row of each combination (any one will do)
    parts = [strings(texts).take(pa.array(codes[first])) for codes, texts in run]
    return pc.binary_join_element_wise(*parts, delimiter).take(pa.array(index))


def _renumber(code: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes as 0 … k-1 (by a hash, not a sort), and k."""
    encoded = pa.array(code).dictionary_encode()
    return np.asarray(encoded.indices), len(encoded.dictionary)


def _csv_cells(table: pa.Table, delimiter: str) -> list[pa.Array]:
    """The table's cells as text columns, neighbouring columns of few distinct cells (states, tiers,
    true/false, a beneficiary) joined into one column per run (a few dozen distinct lines of cells
    instead of a hundred columns to format and join)."""
    cells: list[pa.Array] = []
    run: list[tuple[np.ndarray, list[str]]] = []
    code, bound = np.zeros(table.num_rows, dtype=np.int64), 1
    few = max(1, table.num_rows // 16)  # a run of more combinations than this gains nothing
    for col in map(_array, table.columns):
        coded = _codes(col, delimiter)
        if coded is None:
            if run:
                cells.append(_run_cells(run, code, delimiter))
                run, code, bound = [], np.zeros(table.num_rows, dtype=np.int64), 1
            cells.append(_csv_cell(col, delimiter))
            continue
        width = len(coded[1])
        if bound * width > _CODE_BOUND:
            code, bound = _renumber(code)
            code = code.astype(np.int64)
            if bound > few:  # too many combinations already: a new run from this column
                cells.append(_run_cells(run, code, delimiter))
                run, code, bound = [], np.zeros(table.num_rows, dtype=np.int64), 1
        run.append(coded)
        code = code * width + coded[0]
        bound *= width
    if run:
        cells.append(_run_cells(run, code, delimiter))
    return cells


def _is_text(t: pa.DataType) -> bool:
    return (pa.types.is_string(t) or pa.types.is_large_string(t)
            or (pa.types.is_dictionary(t) and pa.types.is_string(t.value_type)))


def _write_delimited(f: BinaryIO, plan: TablePlan, tables: Any, delimiter: str) -> None:
    header = [_quoted(safe_text(pa.array([name], pa.string())), delimiter)[0].as_py() for name in plan.schema.names]
    f.write((delimiter.join(header) + "\n").encode("utf-8"))
    _write_formatted(f, tables, lambda part: _lines(_csv_cells(part, delimiter), delimiter),
                     12 * len(plan.schema))


def _lines(cells: list[pa.Array], separator: str, end: str = "\n") -> pa.Array:
    """Each row's cells joined by `separator`, then `end`.  Joined eight columns at a time, then the
    groups: pyarrow's join over a hundred arrays at once is slower by half."""
    def join(*parts: Any) -> pa.Array:  # a null cell is empty
        return pc.binary_join_element_wise(*parts, null_handling="replace", null_replacement="")

    cells = [*cells[:-1], join(cells[-1], end, "")]
    groups = [join(*cells[i:i + 8], separator) for i in range(0, len(cells), 8)]
    return groups[0] if len(groups) == 1 else join(*groups, separator)


# ---------------------------------------------------------------- Parquet


def _write_parquet(f: BinaryIO, plan: TablePlan, tables: Any, _: str) -> None:
    import pyarrow.parquet as pq

    # min/max statistics of the dictionary columns (states, beneficiaries, city …) cost more than all
    # the rest and say nothing useful: kept for numbers and texts only
    stats = [fld.name for fld in plan.schema if not pa.types.is_dictionary(fld.type)]
    writer = pq.ParquetWriter(f, plan.schema, compression=PARQUET_COMPRESSION, write_statistics=stats)
    try:
        for table in tables:
            writer.write_table(table)
    finally:
        writer.close()


# ---------------------------------------------------------------- JSON Lines


def _json_cell(col: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(col.type) and not _is_text(col.type):
        col = decode(col)
    if pa.types.is_floating(col.type):
        text = number_text(col)
    elif pa.types.is_boolean(col.type):
        text = pc.if_else(col, "true", "false")
    elif pa.types.is_integer(col.type) or pa.types.is_decimal(col.type):
        text = pc.cast(col, pa.string())
    else:
        text = json_text(col if _is_text(col.type) else pc.cast(col, pa.string()))
        if pa.types.is_dictionary(text.type):
            text = text.dictionary.take(text.indices)
    return text


def _write_jsonl(f: BinaryIO, plan: TablePlan, tables: Any, _: str) -> None:
    keys = [json_safe(json.dumps(name, ensure_ascii=False)) + ":" for name in plan.schema.names]
    keys[0] = "{" + keys[0]

    def lines(part: pa.Table) -> pa.Array:
        cells = [pc.binary_join_element_wise(key, _json_cell(_array(col)), "", null_handling="replace",
                                             null_replacement="null")
                 for key, col in zip(keys, part.columns, strict=True)]
        return _lines(cells, ",", "}\n")

    _write_formatted(f, tables, lines, sum(len(k) + 12 for k in keys))


# ---------------------------------------------------------------- Excel


def _xlsx_preflight(path: Path, plan: TablePlan) -> None:
    if plan.rows > XLSX_MAX_ROWS:
        raise FormatError(f"cannot write {path}: {plan.rows:,} rows do not fit in a spreadsheet "
                          f"(at most {XLSX_MAX_ROWS:,})",
                          "write one row per project (wide), or use .parquet or .csv")
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise FormatError(f"cannot write {path}: .xlsx needs openpyxl",
                          "pip install 'policylab[data]'") from None


def _write_xlsx(f: BinaryIO, plan: TablePlan, tables: Any, _: str) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("outcomes")
    sheet.append(xlsx_row(sheet, plan.schema.names))
    try:
        for table in tables:
            for row in zip(*[_array(col).to_pylist() for col in table.columns], strict=True):
                sheet.append(xlsx_row(sheet, row))
    except BaseException:  # finish the sheet's stream and remove openpyxl's own temporary file
        with contextlib.suppress(Exception):
            sheet.close()
            sheet._writer.cleanup()
        raise
    about = wb.create_sheet("about")
    for key, value in (plan.schema.metadata or {}).items():
        about.append(xlsx_row(about, [key.decode(), value.decode()]))
    wb.save(f)


__all__ = ["FORMATS", "XLSX_MAX_ROWS", "FormatError", "output_format", "write_outcomes"]
