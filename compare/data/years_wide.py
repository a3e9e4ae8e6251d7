"""A wide project file over years (`fdi_arrived[2024]`, `fdi_arrived[2025]`: one row per project, a
field's value per year in the columns) read as the long one: a row per project and year, each cell at
its place in the file for the messages (`WideLocator`), then compare.data.years.assemble.

A field without a year in its header holds for every year.  A project's years run from the year it
lands (`landed_on`, else the first year in which one of its cells with a year is given, else the
file's first year) to the file's last year: an empty cell is the field's default that year (nothing
arrived).  The headers' years run without gaps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from compare.data import cells
from compare.data.vector import CAP, Locator, validate_table
from compare.data.years import (
    FIRST_YEAR,
    LANDED,
    LANDED_HINT,
    LAST_YEAR,
    YEAR,
    YEAR_OF_LIFE,
    Problems,
    ProjectsOverYears,
    _composite,
    _name,
    _no_year_of_life,
    _row_name,
    assemble,
    landing_years,
    year_header,
)
from dsl.ast import Span
from dsl.record import CORE, Record

_WHOLE_YEAR = re.compile(r"^[0-9]{4}$")


@dataclass
class WideLocator:
    """Row k of the long table is input row `rows[k]` and its column j input column `columns[year][j]`."""

    base: Locator
    rows: np.ndarray
    row_year: np.ndarray
    columns: dict[int, list[int]]
    first_year: int
    path: str = ""
    noun: str = "row"
    numbered: bool = False  # a message names a row by its project and year: `row p1 (2024)`

    def __post_init__(self) -> None:
        self.path, self.noun = self.base.path, self.base.noun

    def span(self, row: int, column: int) -> Span:
        if row < 0:
            return self.base.span(-1, self.columns[self.first_year][column])
        return self.base.span(int(self.rows[row]), self.columns[int(self.row_year[row])][column])

    def lines(self) -> dict[int, str]:
        return self.base.lines()


def _headers(table: pa.Table, problems: Problems) -> dict[int, tuple[str, int]]:
    """Column -> (its header without the year, the year) of the columns with a year; the problems of the
    headers: a year that is not one, a field per year that is one per project, a field given twice."""
    names = [_name(h) for h in table.column_names]
    per_year: dict[int, tuple[str, int]] = {}
    for i, h in enumerate(table.column_names):
        found = year_header(h)
        if found is None:
            continue
        rest, text = found
        name = _name(rest)
        if not _WHOLE_YEAR.match(text) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
            problems.add(-1, i, "E822", f"column `{h}`: `{text}` is not a whole year",
                         "a header's year is a calendar year: fdi_arrived[2024]")
        elif name in ("id", YEAR, YEAR_OF_LIFE, LANDED):
            problems.add(-1, i, "E822", f"column `{h}`: `{name}` is one per project, not one per year",
                         f"write the header without a year: `{name}`")
        else:
            per_year[i] = (rest, int(text))
    if YEAR in names:
        problems.add(-1, names.index(YEAR), "E821", "a `year` column and headers with a year (`fdi_arrived[2024]`): "
                     "the file gives its years twice", "a file over years is long (a `year` column, a row per "
                     "project and year) or wide (a column per field and year), not both")
    _no_year_of_life(names, problems)
    plain = {n: i for i, n in enumerate(names) if i not in per_year and year_header(table.column_names[i]) is None}
    seen: dict[tuple[str, int], int] = {}
    for i, (rest, y) in per_year.items():
        name = _name(rest)
        if name in plain:
            problems.add(-1, i, "E821", f"column `{table.column_names[i]}`: `{name}` is given for every year (column "
                         f"{plain[name] + 1}) and for {y}", f"give `{name}` in one column for every year, or in a "
                         "column per year")
        if (name, y) in seen:
            problems.add(-1, i, "E821", f"columns {seen[name, y] + 1} and {i + 1} both give `{name}` for {y}",
                         "keep one column per field and year")
        seen.setdefault((name, y), i)
    years = sorted({y for _, y in per_year.values()})
    for a, b in zip(years, years[1:], strict=False):
        if b - a > 1:
            missing = f"{a + 1}" if b - a == 2 else f"{a + 1}–{b - 1}"
            first = min(i for i, (_, y) in per_year.items() if y == b)
            problems.add(-1, first, "E820", f"column `{table.column_names[first]}`: the headers give {a} and {b} but "
                         f"no {missing}; a file's years run without gaps",
                         f"add the columns of {missing} (empty cells take the fields' defaults), or fix the header")
    return per_year


def read_wide(table: pa.Table, locator: Locator, units: Mapping[str, str] | None = None, cap: int = CAP,
              record: Record = CORE) -> ProjectsOverYears:
    """A wide table's raw cells, checked and read as the long table of its projects' years."""
    problems = Problems(locator, cap)
    per_year = _headers(table, problems)
    names = [_name(h) for h in table.column_names]
    if "id" not in names:
        problems.add(-1, 0, "E805", "there is no `id` column", "every project has an id: add a column `id`")
    problems.raise_if_any()
    iid, n = names.index("id"), table.num_rows
    ids = cells.as_strings(table.column(iid).combine_chunks(), null_words=False)
    _repeated_ids(ids, iid, problems)
    years = sorted({y for _, y in per_year.values()})
    given = np.stack([_given_in(table, [i for i, (_, y) in per_year.items() if y == yr]) for yr in years], axis=1)
    landed, landed_given = np.full(n, np.nan), np.zeros(n, dtype=bool)
    if LANDED in names:
        col = names.index(LANDED)
        arr = table.column(col).combine_chunks()
        landed, bad = landing_years(arr)
        landed_given = ~np.isnan(landed)
        for row in np.flatnonzero(bad)[:cap].tolist():
            problems.add(row, col, "E823", f"{problems.who(row, ids[row].as_py())}: field `landed_on`: "
                         f"`{cells._text(arr, row)}` is not a date or a year", LANDED_HINT)
        problems.count += max(0, int(bad.sum()) - cap)
    span = np.array(years, dtype=np.float64)
    anything = given.any(axis=1)
    first = np.where(anything, span[np.argmax(given, axis=1)], span[0])
    _before_landing(table, per_year, years, given, landed, ids, problems)
    late = landed_given & (landed > span[-1])
    for row in np.flatnonzero(late)[:cap].tolist():
        problems.add(row, names.index(LANDED), "E824", f"{problems.who(row, ids[row].as_py())}: field `landed_on`: "
                     f"the project lands in {int(landed[row])}, after the file's last year ({years[-1]})",
                     "a project has at least one year in the file: fix `landed_on`, or remove the project")
    problems.raise_if_any()
    start = np.where(landed_given, np.maximum(landed, span[0]), first)
    landing = np.where(landed_given, landed, start)
    long, rows, row_year, columns = _long_table(table, per_year, years, start, span[-1], iid)
    ids_long = ids.take(pa.array(rows, pa.int64()))
    long = long.set_column(iid, long.column_names[iid], _composite(ids_long, row_year))
    where = WideLocator(locator, rows, row_year, columns, years[0])
    read = validate_table(long, where, dict(units or {}), cap, record)
    return assemble(read, long, rows, row_year, landing, [x or "" for x in ids.to_pylist()], "wide", record)


def _repeated_ids(ids: pa.Array, column: int, problems: Problems) -> None:
    """E806 at each row whose project an earlier row already gives."""
    from compare.data.years import _codes

    code = _codes(ids)
    rows = np.flatnonzero(code >= 0)
    first = np.full(int(code.max()) + 1 if code.size else 0, -1, dtype=np.int64)
    projects, at = np.unique(code[rows], return_index=True)
    first[projects] = rows[at]
    repeated = rows[first[code[rows]] != rows]
    for row in repeated[: problems.cap].tolist():
        pid = ids[row].as_py()
        problems.add(row, column, "E806", f"{problems.who(row, pid)}: field `id`: `{pid}` is used twice (first in "
                     f"{_row_name(problems.locator, int(first[code[row]]))})", "a wide file gives each project one "
                     "row, its years in the columns (`fdi_arrived[2024]`)")
    problems.count += max(0, len(repeated) - problems.cap)


def _given_in(table: pa.Table, columns: list[int]) -> np.ndarray:
    """Per row, whether any of `columns` has a cell given."""
    out = np.zeros(table.num_rows, dtype=bool)
    for i in columns:
        s = cells.as_strings(table.column(i).combine_chunks())
        out |= np.asarray(s.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    return out


def _before_landing(table: pa.Table, per_year: dict[int, tuple[str, int]], years: list[int], given: np.ndarray,
                    landed: np.ndarray, ids: pa.Array, problems: Problems) -> None:
    """E824 at a project's first cell given for a year before the one it lands in."""
    for k, y in enumerate(years):
        early = given[:, k] & (y < landed)
        if not early.any():
            continue
        columns = [i for i, (_, yr) in per_year.items() if yr == y]
        cells_given = {i: _given_in(table, [i]) for i in columns}
        for row in np.flatnonzero(early)[: problems.cap].tolist():
            col = next(i for i in columns if cells_given[i][row])
            pid = ids[row].as_py()
            problems.add(row, col, "E824", f"{problems.who(row, pid)}: field `{_name(table.column_names[col])}`: "
                         f"a value for {y}, before the year project {pid} lands ({int(landed[row])}, by its "
                         "`landed_on`)", "a project's years start in the year it lands: move the value to a later "
                         "year, or fix `landed_on`")
        problems.count += max(0, int(early.sum()) - problems.cap)


def _long_table(table: pa.Table, per_year: dict[int, tuple[str, int]], years: list[int], start: np.ndarray,
                end: float, iid: int) -> tuple[pa.Table, np.ndarray, np.ndarray, dict[int, list[int]]]:
    """The rows of each project's years, a row per project and year: the columns without a year as they
    are, a column per field with a year (its header without the year), and `year`; each long row's input
    row and year, and per year the input column of each long column."""
    plain = [i for i in range(table.num_columns) if i not in per_year]
    fields: dict[str, dict[int, int]] = {}
    for i, (rest, y) in sorted(per_year.items()):
        fields.setdefault(rest, {})[y] = i
    headers = [table.column_names[i] for i in plain] + list(fields) + [YEAR]
    parts: list[list[pa.Array]] = [[] for _ in headers]
    rows_all, years_all, columns = [], [], {}
    for y in years:
        rows = np.flatnonzero((start <= y) & (y <= end))
        index = pa.array(rows, pa.int64())
        sources = plain + [by_year.get(y, next(iter(by_year.values()))) for by_year in fields.values()]
        for k, i in enumerate(plain):
            parts[k].append(table.column(i).combine_chunks().take(index))
        for k, by_year in enumerate(fields.values(), start=len(plain)):
            at = by_year.get(y)
            parts[k].append(table.column(at).combine_chunks().take(index) if at is not None else pa.nulls(len(rows)))
        parts[-1].append(pa.array(np.full(len(rows), y, dtype=np.int64)))
        columns[y] = [*sources, iid]
        rows_all.append(rows)
        years_all.append(np.full(len(rows), float(y)))
    arrays = [_concat(p) for p in parts]
    return (pa.Table.from_arrays(arrays, names=headers), np.concatenate(rows_all), np.concatenate(years_all),
            columns)


def _concat(parts: list[pa.Array]) -> pa.Array:
    """One column from the years' pieces; pieces of different types (a number in 2024, `100万美元` in 2025)
    as the text a reader would see."""
    types = {p.type for p in parts if not pa.types.is_null(p.type)}
    if len(types) <= 1:
        target = next(iter(types), pa.null())
        return pa.concat_arrays([p.cast(target) for p in parts])
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in types):
        return pa.concat_arrays([p.cast(pa.float64()) for p in parts])
    return pa.concat_arrays([cells.as_strings(p, null_words=False) if not pa.types.is_null(p.type)
                             else p.cast(pa.string()) for p in parts])
