"""Project data in: files and Python objects, through one column-wise validator, to a ProjectBatch.

    .csv .tsv .jsonl .parquet   read column-wise by pyarrow (compare.data.tables)
    .xlsx                       the first sheet, or `sheet` (compare.data.xlsx; openpyxl)
    .yaml .yml .json            lists of records, for small hand-written files (compare.data.document)
    DataFrame, Arrow table, dict of arrays, list of dicts   (`from_frame`, `from_dicts`)

All of them end in compare.data.vector.validate_table, so `0`, an empty cell, `4000万美元` and a
number under a `registered_capital[万美元]` header mean the same everywhere.  Problems are an
InputError: the first screenful, by row, each at its file, line (or row) and field, and a count
of the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from compare.data.encoding import UTF8, bad_text, sniff
from compare.data.locate import RowLocator
from compare.data.records import InputError, Record, refused
from compare.data.tables import CELL_HINT, MAX_CELL_BYTES, read_csv, read_jsonl, read_parquet, records_table
from compare.data.vector import CAP, Locator, Projects, validate_table
from compare.engine.batch import ProjectBatch
from dsl.ast import Span
from dsl.diagnostics import Diagnostic
from dsl.files import PROJECTS, TOO_LARGE, FileRefusedError, Kind, check_path, read_checked
from dsl.record import CORE
from dsl.record import Record as FieldRecord

FORMATS = {".csv": "CSV", ".tsv": "TSV", ".jsonl": "JSON Lines", ".parquet": "Parquet", ".xlsx": "Excel",
           ".yaml": "YAML", ".yml": "YAML", ".json": "JSON"}


def read_table(path: Path, sheet: str | None = None, record: FieldRecord = CORE) -> tuple[pa.Table, Locator]:
    """The file's records as an Arrow table of raw cells, and where each row came from (the text
    fields of `record`, the run's, read as text)."""
    p = str(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        excel = "; Excel's Unicode Text (.txt) is tab-separated: name it .tsv" if suffix == ".txt" else ""
        raise InputError([Diagnostic("E800", f"unknown project file type `{path.suffix}`", Span(p, 1, 1, 1, 1),
                                     "project files are " + ", ".join(FORMATS) + excel)])
    try:  # a regular file of bounded size: never a FIFO, a device or /proc (dsl.files)
        check_path(path, PROJECTS)
    except FileRefusedError as e:
        raise refused(e) from None
    if sheet is not None and suffix != ".xlsx":
        raise InputError([Diagnostic("E800", "--sheet applies to .xlsx files only", Span(p, 1, 1, 1, 1), None)])
    codec = UTF8 if suffix in (".parquet", ".xlsx") else sniff(path)
    if suffix in (".csv", ".tsv"):
        return read_csv(path, "\t" if suffix == ".tsv" else ",", codec, record)
    if suffix == ".jsonl":
        return read_jsonl(path, codec, record)
    if suffix == ".parquet":
        return read_parquet(path)
    if suffix == ".xlsx":
        from compare.data.locate import SheetLocator
        from compare.data.xlsx import read_xlsx

        table, rows = read_xlsx(path, sheet)
        return table, SheetLocator(p, rows, rows[0] - 1 if rows else 1)
    from compare.data.document import json_records, yaml_records

    text = _text(path, "json" if suffix == ".json" else "yaml", codec)

    records = json_records(text, p) if suffix == ".json" else yaml_records(text, p, record)
    return records_table(records, p, text)


def _text(path: Path, kind: str, codec: str = UTF8) -> str:
    from compare.data.document import MAX_DOCUMENT_BYTES, TOO_LARGE_HINT, check_size

    p = str(path)
    try:  # at most the document limit + 1 bytes: a file growing past it is refused, not read on
        data = read_checked(path, Kind(PROJECTS.noun, MAX_DOCUMENT_BYTES[kind], TOO_LARGE_HINT))
    except FileRefusedError as e:
        if e.code == TOO_LARGE:
            check_size(path.stat().st_size, kind, p)  # E810 as a document's size is reported
        raise refused(e) from None
    problem = bad_text(data, p, codec)  # E812 at the first bytes that are not text in its encoding
    if problem is not None:
        raise problem
    return data.decode(codec)


def read_projects(path: Path, units: Mapping[str, str] | None = None, sheet: str | None = None,
                  cap: int = CAP, record: FieldRecord = CORE) -> Projects:
    """A project file, validated: the batch, the carried columns, warnings (InputError on problems).
    `units`: field -> unit for columns whose header declares none (`--unit registered_capital=万美元`);
    `record`: the run's (dsl.check.record.run_record of its policies), the core by default."""
    table, locator = read_table(path, sheet, record)
    try:
        check_cell_sizes(table, locator)
        return validate_table(table, locator, dict(units or {}), cap, record)
    finally:
        del table
        pa.default_memory_pool().release_unused()  # the raw cells' pages: 0.3 GB of 10⁶ rows, back to the system


def check_cell_sizes(table: pa.Table, locator: Locator, cap: int = MAX_CELL_BYTES) -> None:
    """E813 at the first row with a text cell larger than `cap` bytes, naming its field (the line is not
    shown: it is too long to print)."""
    import pyarrow.compute as pc

    worst: tuple[int, int, int] | None = None  # row, column, size
    for i, col in enumerate(table.columns):
        if not any(check(col.type) for check in (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary,
                                                 pa.types.is_large_binary)):
            continue
        lengths = pc.binary_length(col)
        if (pc.max(lengths).as_py() or 0) <= cap:
            continue
        row = pc.indices_nonzero(pc.greater(lengths, cap).combine_chunks())[0].as_py()
        if worst is None or row < worst[0]:
            worst = (row, i, lengths[row].as_py())
    if worst is None:
        return
    row, i, size = worst
    name = table.column_names[i]
    raise InputError([Diagnostic("E813", f"{locator.noun} {row + 1}: field `{name}`: the cell is "
                                 f"{size / 2**20:.1f} MB, more than the {cap / 2**20:.0f} MB a cell holds",
                                 locator.span(row, i), CELL_HINT)])


def load_projects(path: Path, record: FieldRecord = CORE) -> ProjectBatch:
    return read_projects(path, record=record).batch


def from_dicts(rows: Iterable[Mapping[str, Any]], units: Mapping[str, str] | None = None,
               record: FieldRecord = CORE) -> ProjectBatch:
    """A list of dicts (one per project)."""
    return from_records(rows, units, record).batch


def from_records(rows: Iterable[Mapping[str, Any]], units: Mapping[str, str] | None = None,
                 record: FieldRecord = CORE) -> Projects:
    """A list of dicts (one per project), validated: the batch and the warnings."""
    records = [Record(dict(r), i + 1) for i, r in enumerate(rows)]
    table, _ = records_table(records, "<records>")
    return validate_table(table, RowLocator("<records>", "project"), dict(units or {}), CAP, record)


def from_frame(data: Any, units: Mapping[str, str] | None = None, cap: int = CAP,
               record: FieldRecord = CORE) -> Projects:
    """A pandas DataFrame, a pyarrow Table or RecordBatch, or a dict of columns (numpy arrays, lists),
    column-wise (no per-row dicts).  Row k of the input is "row k+1" in messages; NaN and None are
    "not given"; columns that are not fields are carried through."""
    if not is_table(data):
        raise TypeError("projects are a DataFrame, a pyarrow Table, a dict of columns or a list of dicts")
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        table = data
    elif isinstance(data, Mapping):
        table = pa.table({str(k): _array(v) for k, v in data.items()})
    else:  # a pandas DataFrame, column by column
        table = pa.table({str(k): _array(data[k]) for k in data.columns})
    return validate_table(table, RowLocator("<projects>"), dict(units or {}), cap, record)


def is_table(data: Any) -> bool:
    """Whether `data` is given by columns: a pyarrow Table or RecordBatch, a dict of columns, a DataFrame."""
    return isinstance(data, (pa.Table, pa.RecordBatch, Mapping)) or (hasattr(data, "columns") and hasattr(data, "dtypes"))


def _array(values: Any) -> pa.Array:
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())
