"""A table of project records validated column by column into a ProjectBatch.

Every reader (CSV, TSV, JSON Lines, Parquet, Excel, YAML and JSON lists, DataFrames, Arrow
tables, dicts of arrays) ends here, so a value means the same in every format.  Each column
is parsed at once (compare.data.cells); the bad cells of the whole file are reported together,
sorted by row, at most `cap` of them with a count of the rest, each at its row and field
(the caret under the cell, where the format has lines: see compare.data.locate).  Columns that
are not fields of the record are carried through (`Projects.carry`) for the output.

The record is the run's (dsl.record: the core and the fields its policies declare; CORE by
default): declared fields are read by compare.data.declared, a project's own exchange rates by
compare.data.rates, and the batch carries the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data import cells
from compare.data.declared import declared_field, members, required_hint
from compare.data.headers import Column, Unit, columns, declared_unit, lookalikes, rate_column, unit_text
from compare.data.rates import Rates, add_own_rates, parse_rates
from compare.data.records import FieldError, InputError
from compare.engine.batch import ProjectBatch
from compare.engine.implied import contradictions, imply
from dsl.ast import Span
from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.record import CORE, Record
from dsl.schema import GRADES, Field
from dsl.units import Dim

CAP = 20  # problems reported per file: a screenful; the rest are counted
PARALLEL_ROWS = 50_000  # from this many rows, fields are parsed two at a time


class Locator(Protocol):
    """Where row `row` (0-based data row; -1 the header) and column `column` are in the input."""

    path: str
    noun: str  # how a message names a record: "row" (tables) or "project" (YAML/JSON lists)
    numbered: bool  # no lines to point at: a message says "row k"

    def span(self, row: int, column: int) -> Span: ...

    def lines(self) -> dict[int, str]: ...


@dataclass
class Projects:
    """Validated projects: the batch, the carried columns (None when there are none) and warnings
    (`lines`: the text of the lines they point at, for the caret)."""

    batch: ProjectBatch
    carry: pa.Table | None = None
    warnings: list[Diagnostic] = field(default_factory=list)
    lines: dict[int, str] = field(default_factory=dict)


@dataclass
class _Problems:
    locator: Locator
    cap: int
    found: list[tuple[int, int, Diagnostic]] = field(default_factory=list)
    count: int = 0

    def header(self, column: int, e: FieldError) -> None:
        self.count += 1
        self.found.append((-1, column, Diagnostic(e.code, e.message, self.locator.span(-1, column), e.hint)))

    def cells(self, column: int, name: str, bad: cells.Bad, ids: pa.Array | None) -> None:
        self.count += bad.count
        for row, code, message, hint in bad.rows:
            pid = ids[row].as_py() if ids is not None else None
            shown = pid if pid not in (None, "") else "?"
            # rows without lines (Parquet, DataFrames) are named by number, the others by id
            who = f"row {row + 1} (project {shown})" if self.locator.numbered else f"{self.locator.noun} {shown}"
            self.found.append((row, column, Diagnostic(code, f"{who}: field `{name}`: {message}",
                                                       self.locator.span(row, column), hint)))

    def raise_if_any(self) -> None:
        if self.count:
            shown = sorted(self.found, key=lambda t: (t[0], t[1]))[: self.cap]
            raise InputError([d for _, _, d in shown], more=self.count - len(shown), lines=self.locator.lines())


def validate_table(table: pa.Table, locator: Locator, units: dict[str, str] | None = None,
                   cap: int = CAP, record: Record = CORE) -> Projects:
    """Check every column of `table` against the project record (`record`: the run's); InputError
    with the first `cap` problems (by row) and a count of the rest."""
    problems = _Problems(locator, cap)
    cols, header_problems = columns(table.column_names, units, record)
    for i, e in header_problems:
        problems.header(i, e)
    names = [c.header for c in cols]
    for i, name in enumerate(names):
        if name in names[:i] and cols[i].field is None:  # a field's second column: reported by `columns`
            problems.header(i, FieldError(f"column `{name}` is given twice (columns {names.index(name) + 1} and {i + 1})",
                                          "keep one column of each name", "E808"))
    fields = {c.field: i for i, c in enumerate(cols) if c.field is not None}
    n = table.num_rows
    arrays = {c.field: table.column(i).combine_chunks() for i, c in enumerate(cols) if c.field is not None}
    if "id" not in fields:
        if locator.noun == "row" or n == 0:  # a table: one problem, at the header
            problems.header(0, FieldError("there is no `id` column", "every project has an id: add a column `id`",
                                          "E805"))
            problems.raise_if_any()
        arrays["id"], fields["id"] = pa.nulls(n, pa.string()), -1  # records: each one without an id
    ids_raw = cells.as_strings(arrays["id"], null_words=False)
    out: dict[str, np.ndarray] = {}
    rates: dict[str, Rates] = {}

    def parse(name: str, f: Field) -> tuple[Column, cells.Bad, dict[str, np.ndarray]]:
        """One field's columns and bad cells (its own, so fields may be parsed side by side)."""
        col = cols[fields[name]] if name in fields else Column(name, name, _declared_unit(name, record))
        arr = arrays.get(name, pa.nulls(n))
        bad, columns_ = cells.Bad(), dict[str, np.ndarray]()
        if record.is_declared(name):
            given = declared_field(name, f, record, arr, col, bad, cap, columns_)
            if record.required(name):
                _required(name, record, arr, given, bad, cap)
        else:
            _field(name, f.dim, arr, col, bad, cap, columns_, record)
        return col, bad, columns_

    todo = [(name, f) for name, f in record.fields.items() if name != "id"]
    if n >= PARALLEL_ROWS:  # pyarrow's kernels and numpy's loops let go of the GIL: two fields at a time
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            checked = pool.submit(_ids, ids_raw, cap)
            parsed = list(pool.map(lambda task: parse(*task), todo))
            ids, id_bad = checked.result()
    else:
        ids, id_bad = _ids(ids_raw, cap)
        parsed = [parse(name, f) for name, f in todo]
    problems.cells(fields["id"], "id", id_bad, None)
    for (name, _), (col, bad, columns_) in zip(todo, parsed, strict=True):
        out.update(columns_)
        if name in fields or bad.count:
            problems.cells(fields.get(name, 0), col.header, bad, ids_raw)
    for name in (c.field for c in cols if c.field is not None and rate_column(c.field, record)):
        bad = cells.Bad()
        rates[name] = parse_rates(arrays[name], bad, cap)
        problems.cells(fields[name], name, bad, ids_raw)
    problems.raise_if_any()
    given = out["paid_in_capital#given"]
    if not given.all():
        out["paid_in_capital"] = np.where(given, out["paid_in_capital"], _default_paid_in(out))
        out["paid_in_capital#cur"] = np.where(given, out["paid_in_capital#cur"], out["registered_capital#cur"])
    out = imply(out, n)  # where a field is not given, what the given ones imply (started ⇒ licensed …)
    add_own_rates(out, n, record, rates)  # after the defaults: a derived paid-in capital is converted too
    carried = [i for i, c in enumerate(cols) if c.field is None]
    carry = table.select(carried) if carried else None
    alike = lookalikes(cols, record)
    warnings = [Diagnostic("W800", f"column `{header}` is not a field of the project record; it is carried "
                           f"through to the output as it is", locator.span(-1, names.index(header)),
                           f"did you mean `{guess}`? rename the column if it should be read")
                for header, guess in alike]
    # a unit in the header says the column is meant as a field: one that no policy of the run declares
    # (another city's, say) is not read, and the user is told so
    warnings += [Diagnostic("W805", f"column `{c.header}` is not read by any policy of this run: ignored (carried "
                            "through to the output as it is)", locator.span(-1, i),
                            "a field a city declares is read when that city's policy is in the run")
                 for i, c in enumerate(cols) if c.field is None and unit_text(c.header) is not None
                 and c.header not in dict(alike)]
    warnings += _contradictions(out, n, locator, fields, ids_raw, cap)
    return Projects(ProjectBatch(ids, out, record), carry, warnings, locator.lines())


def _declared_unit(name: str, record: Record) -> Unit | None:
    return declared_unit(name, record) if record.is_declared(name) else None


def _required(name: str, record: Record, arr: pa.Array, given: np.ndarray, bad: cells.Bad, cap: int) -> None:
    """E814 at each row that does not give a required declared field (a bad cell is reported as such)."""
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        empty = ~np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    else:
        empty = ~np.asarray(cells.as_strings(arr).is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    origin = record.declared[name].origin
    bad.add(empty & ~given, "E814", lambda i: f"missing; {origin} declares it without a default, so every project "
            "gives it", required_hint(name), cap)


def _contradictions(out: dict[str, np.ndarray], n: int, locator: Locator, fields: dict[str, int],
                    ids: pa.Array, cap: int) -> list[Diagnostic]:
    """A warning at the row and field of each record that contradicts an implied input (its given
    values are used as given), the first `cap` by row, then one counting the rest."""
    found: list[tuple[int, int, Diagnostic]] = []
    total = 0
    for c in contradictions(out, n):
        total += c.rows.size
        for row in c.rows[:cap].tolist():
            pid = ids[row].as_py()
            shown = pid if pid not in (None, "") else "?"
            who = f"row {row + 1} (project {shown})" if locator.numbered else f"{locator.noun} {shown}"
            column = fields.get(c.field, -1)
            found.append((row, column, Diagnostic(c.code, f"{who}: field `{c.field}`: {c.message}",
                                                  locator.span(row, column), c.hint)))
    found.sort(key=lambda t: (t[0], t[1]))
    warnings = [d for _, _, d in found[:cap]]
    if total > len(warnings):
        warnings.append(Diagnostic(found[0][2].code, f"… and {total - len(warnings)} more contradictions of an implied "
                                   "input (W802–W804); their given values are used", locator.span(-1, 0),
                                   "see docs/data.md, \"Implied inputs\""))
    return warnings


def _ids(ids: pa.Array, cap: int) -> tuple[pa.Array, cells.Bad]:
    """The ids as text (a missing one "": each is an error), and the missing and repeated ones."""
    bad = cells.Bad()
    missing = ~np.asarray(ids.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    bad.add(missing, "E805", lambda i: "missing", "every project has an id: - {id: p1, …}", cap)
    absent = int(missing.sum())
    texts = pc.fill_null(ids, "") if absent else ids  # text (compare.data.cells.as_strings)
    # the distinct ids by pyarrow's hash table (a Python set of 10^6 strings: 0.3 s); a null is one of them
    if len(pc.unique(ids)) + max(0, absent - 1) == len(ids):  # no id given twice: nothing to find
        return texts, bad
    codes = np.asarray(pc.fill_null(ids.dictionary_encode().indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    present = codes >= 0
    if present.any():
        _, first = np.unique(codes[present], return_index=True)
        first_row = np.flatnonzero(present)[first]
        first_of = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
        first_of[codes[first_row]] = first_row
        repeated = present & (first_of[np.where(present, codes, 0)] != np.arange(len(codes)))
        bad.add(repeated, "E806", lambda i: f"`{ids[i].as_py()}` is used twice (first in row "
                f"{int(first_of[codes[i]]) + 1})", "ids are unique", cap)
    return texts, bad


def _field(name: str, dim: Dim, arr: pa.Array, col: Column, bad: cells.Bad, cap: int,
           out: dict[str, np.ndarray], record: Record = CORE) -> None:
    """Parse one built-in field's column into the batch's columns (`out`), its bad cells into `bad`."""
    f = record.fields[name]
    if dim == Dim.MONEY:
        amount, cur, given = cells.money(arr, col.unit, name, bad, cap)
        out[name], out[f"{name}#cur"], out[f"{name}#given"] = amount, cur, given
    elif dim == Dim.RATIO:
        out[name], out[f"{name}#given"] = cells.ratio(arr, col.unit, name, bad, cap)
    elif dim == Dim.BOOL:
        value, given = cells.boolean(arr, bad, cap)
        out[name] = np.where(given, value, bool(f.default))
        out[f"{name}#given"] = given
    elif dim == Dim.SET:
        out["categories#given"] = members(arr, name, record.categories, _labels(record, name), bad, cap, out)
    elif name in ("referral", "grade"):
        choices = record.choices("referral") if name == "referral" else GRADES
        labels = _labels(record, name) if name == "referral" else {}  # a value a policy adds, by its label
        index, given, unknown = cells.choice(arr, (*choices, *labels), upper=name == "grade")
        index = np.array([*range(len(choices)), *map(choices.index, labels.values()), -1])[index]
        shown = cells.as_strings(arr)
        for i in np.flatnonzero(unknown)[:cap]:
            text = str(shown[int(i)].as_py())
            bad.rows.append((int(i), "E804", f"unknown {name} `{text}`",
                             did_you_mean(text, choices) or "one of " + ", ".join(choices)))
        bad.count += int(unknown.sum())
        given &= ~unknown
        default = choices.index("none") if name == "referral" else -1
        out[name] = np.where(given, index, default).astype(np.int8)
        out[f"{name}#given"] = given
    elif name in ("quality_score", "year", "year_of_life"):
        x, given = cells.number(arr, bad, cap)
        if name == "quality_score":
            wrong = given & ((x < 0) | (x > 100))
            bad.add(wrong, "E803", lambda i: f"{cells._text(arr, i)} is out of range",
                    "the quality score is in the range 0–100", cap)
        else:
            wrong = given & ((x != np.floor(x)) | (name == "year_of_life" and x < 1))
            bad.add(wrong, "E802", lambda i: f"`{cells._text(arr, i)}` is not a whole year" +
                    (" from 1 on" if name == "year_of_life" else ""), None, cap)
        given &= ~wrong
        missing = np.nan if f.default is None else float(f.default)  # type: ignore[arg-type]
        out[name], out[f"{name}#given"] = np.where(given, x, missing), given
    else:  # text
        s = cells.as_strings(arr)
        given = np.asarray(s.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        out[name] = np.asarray(pc.fill_null(s, f.default or "").to_numpy(zero_copy_only=False), dtype=object)
        out[f"{name}#given"] = given


def _labels(record: Record, name: str) -> dict[str, str]:
    """Labels of the values the run's policies add to a built-in field (专精特新“小巨人”企业 -> little_giant)."""
    return {zh: key.partition(".")[2] for key, (_, zh, _, _) in record.added_values.items()
            if key.startswith(name + ".") and zh}


def _default_paid_in(out: dict[str, np.ndarray]) -> np.ndarray:
    """实缴资金 not given: registered capital × paid-in ratio, to the fen, half away from zero (the
    decimal product; the tolerance absorbs the binary error of a ratio such as 0.35)."""
    fen = np.rint(out["registered_capital"] * 100.0) * out["paid_in_ratio"]
    return np.floor(fen + 0.5 + np.maximum(1e-7, fen * 4e-16)) / 100.0
