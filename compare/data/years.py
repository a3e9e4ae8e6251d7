"""Project files over years, read into compare.engine.project_years.ProjectYears.

Two shapes of one file, in every format the single-year reader takes (compare.data.read):

- long: a `year` column, one row per project and year (`p1,2024,…` / `p1,2025,…`);
- wide: one row per project, a field's value per year in headers with a year, `fdi_arrived[2024]`
  (with a unit: `fdi_arrived[2024][万美元]`); a field without a year in its header holds for every year
  (compare.data.years_wide turns the wide shape into the long one).

A `landed_on` column (a date, 2024-03-01, or a year, 2024) gives the year a project lands: its year of
life 1; without it, the project's first year in the file.  A project's years run without gaps and
without repeats, and none lies before its landing year: the problems (E820–E824) are reported, like the
fields', at their file, row and field with a hint, before any field is read.  The rows are then read
once, as one table, by compare.data.vector.validate_table (each row named `p1 (2024)` in its messages),
so a cell means what it means in a single-year file.

A file is over years (`is_multi_year`) where a header has a year, or where it has a `year` column and
either some project has several rows or a `landed_on` column that no policy of the run declares as its
own field.  Any other file, one with a `year` column and one row per project among them, is read by the
single-year reader exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data import cells
from compare.data.declared import _date
from compare.data.records import InputError
from compare.data.vector import CAP, Locator, Projects, validate_table
from compare.engine.batch import ProjectBatch
from compare.engine.project_years import ProjectYears
from dsl.diagnostics import Diagnostic
from dsl.record import CORE, Record

YEAR, LANDED, YEAR_OF_LIFE = "year", "landed_on", "year_of_life"
FIRST_YEAR, LAST_YEAR = 1900, 2200  # a calendar year outside these is a typing slip (202, 20244)
YEAR_HINT = "write the calendar year as a whole number: 2024"
LANDED_HINT = "write the landing date as 2024-03-01 (year-month-day), or the year alone: 2024"
_YEAR_TEXT = re.compile(r"^\s*([0-9]{4})\s*$")
_BRACKETS = re.compile(r"^\s*(?P<name>[^\[\]]*?)\s*(?P<groups>(?:\[[^\[\]]*\]\s*)+)$")
_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]*)?$")


@dataclass
class ProjectsOverYears:
    """A project file over years, validated: the projects' years (the engine's input), the input's
    columns that are not fields (`carry`, one row per row of the long table the file was read as, or
    None) and, per year, each project's row of it (`rows`, -1 where the project has no row that year);
    the warnings and the lines they point at, as compare.data.vector.Projects."""

    years: ProjectYears
    form: str  # "long" or "wide"
    carry: pa.Table | None = None
    rows: dict[int, np.ndarray] = field(default_factory=dict)
    first_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # per project
    warnings: list[Diagnostic] = field(default_factory=list)
    lines: dict[int, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.years.n

    def carry_of(self, year: int | None) -> pa.Table | None:
        """The carried columns for every project in `year` (None: each project's first row); a project
        without a row that year takes its first row's."""
        if self.carry is None:
            return None
        rows = self.first_row if year is None else np.where(self.rows[year] >= 0, self.rows[year], self.first_row)
        return self.carry.take(pa.array(rows, pa.int64()))


def year_header(header: str) -> tuple[str, str] | None:
    """(the header without its year, the year as written) where a header states a year in brackets:
    `fdi_arrived[2024]` -> (`fdi_arrived`, `2024`), `fdi_arrived[2024][万美元]` -> (`fdi_arrived[万美元]`,
    `2024`); a number in brackets is a year, never a unit (`rent_area[平方米]` is a unit)."""
    m = _BRACKETS.match(header.strip().lstrip("\ufeff"))
    if m is None:
        return None
    groups = re.findall(r"\[\s*([^\[\]]*?)\s*\]", m.group("groups"))
    numbers = [g for g in groups if _NUMBER.match(g)]
    if len(numbers) != 1:
        return None
    units = [g for g in groups if g is not numbers[0] and not _NUMBER.match(g)]
    rest = m.group("name") + "".join(f"[{u}]" for u in units)
    return rest, numbers[0]


def _name(header: str) -> str:
    """A header's field name: without its unit or year (`fdi_arrived[2024][万美元]` -> `fdi_arrived`)."""
    m = _BRACKETS.match(header.strip().lstrip("\ufeff"))
    return m.group("name") if m else header.strip().lstrip("\ufeff")


def is_multi_year(table: pa.Table, record: Record = CORE) -> bool:
    """Whether a file's raw cells are over years (see the module's docstring): a header with a year, or
    a `year` column with some project on several rows, or with an undeclared `landed_on` column."""
    headers = table.column_names
    if any(year_header(h) is not None for h in headers):
        return True
    names = [_name(h) for h in headers]
    if YEAR not in names or "id" not in names:
        return False
    if LANDED in names and not record.is_declared(LANDED):
        return True
    ids = cells.as_strings(table.column(names.index("id")).combine_chunks(), null_words=False)
    given = ids.drop_null()
    return len(given) > 0 and pc.count_distinct(given).as_py() < len(given)


# ---------------------------------------------------------------- problems at their row and field


@dataclass
class Problems:
    """Problems of a file's years, each at its row and column, the first `cap` by row shown."""

    locator: Locator
    cap: int = CAP
    found: list[tuple[int, int, Diagnostic]] = field(default_factory=list)
    count: int = 0

    def who(self, row: int, pid: str | None) -> str:
        shown = pid if pid not in (None, "") else "?"
        return f"row {row + 1} (project {shown})" if self.locator.numbered else f"{self.locator.noun} {shown}"

    def add(self, row: int, column: int, code: str, message: str, hint: str | None) -> None:
        self.count += 1
        self.found.append((row, column, Diagnostic(code, message, self.locator.span(row, column), hint)))

    def raise_if_any(self) -> None:
        if self.count:
            shown = sorted(self.found, key=lambda t: (t[0], t[1]))[: self.cap]
            raise InputError([d for _, _, d in shown], more=self.count - len(shown), lines=self.locator.lines())


def landing_years(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the year, NaN where not given or not read; where a cell is given but is not a date or a year) of
    a `landed_on` column: 2024-03-01, 2024, or a spreadsheet's date."""
    t = arr.type
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        years = pc.year(arr)
        x = np.asarray(pc.fill_null(years.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False), dtype=np.float64)
        return x, np.zeros(len(arr), dtype=bool)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        x, given = cells.number(arr, cells.Bad(), 0)
        bad = given & ((x != np.floor(x)) | (x < FIRST_YEAR) | (x > LAST_YEAR))
        return np.where(given & ~bad, x, np.nan), bad
    from compare.data.declared import by_text

    x, given, bad = by_text(cells.as_strings(arr), _landing_text)
    return np.where(given, x, np.nan), bad


def _landing_text(text: str) -> float | None:
    m = _YEAR_TEXT.match(text)
    day = _date(text) if m is None else None
    year = int(m.group(1)) if m is not None else (day.year if day is not None else None)
    return float(year) if year is not None and FIRST_YEAR <= year <= LAST_YEAR else None


def _whole(text: str) -> bool:
    """Whether a cell's text is a whole number (24, 99999): a year out of range rather than no year."""
    return text.strip().isdigit()


def calendar_years(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the year as a float, NaN where not read; where the cell is not a whole year) of a `year` column;
    an empty cell is not a year either (each row of a long file is one year's)."""
    x, given = cells.number(arr, cells.Bad(), 0)
    whole = given & (x == np.floor(x)) & (x >= FIRST_YEAR) & (x <= LAST_YEAR)
    return np.where(whole, x, np.nan), ~whole


# ---------------------------------------------------------------- the long shape


def read_long(table: pa.Table, locator: Locator, units: Mapping[str, str] | None = None, cap: int = CAP,
              record: Record = CORE) -> ProjectsOverYears:
    """A long table's raw cells (a `year` column, one row per project and year), checked and read."""
    problems = Problems(locator, cap)
    names = [_name(h) for h in table.column_names]
    iid, iyear = names.index("id"), names.index(YEAR)
    ids = cells.as_strings(table.column(iid).combine_chunks(), null_words=False)
    code = _codes(ids)
    raw_year = table.column(iyear).combine_chunks()
    year, bad_year = calendar_years(raw_year)
    for row in np.flatnonzero(bad_year)[:cap].tolist():
        text = cells._text(raw_year, row)
        pid = ids[row].as_py()
        problems.add(row, iyear, "E822", f"{problems.who(row, pid)}: field `year`: " +
                     ("no year given; each row is one year's" if not text.strip() else
                      f"`{text}` is not a calendar year ({FIRST_YEAR}–{LAST_YEAR})" if _whole(text) else
                      f"`{text}` is not a whole year"),
                     YEAR_HINT)
    problems.count += max(0, int(bad_year.sum()) - cap)
    _no_year_of_life(names, problems)
    landing, landed_given = _landing(table, names, code, year, ids, problems)
    ok = (code >= 0) & ~np.isnan(year)
    early = ok & landed_given[np.where(code >= 0, code, 0)] & (year < landing[np.where(code >= 0, code, 0)])
    for row in np.flatnonzero(early)[:cap].tolist():
        pid, land = ids[row].as_py(), int(landing[code[row]])
        problems.add(row, iyear, "E824", f"{problems.who(row, pid)}: field `year`: {int(year[row])} is before the "
                     f"year project {pid} lands ({land}, by its `landed_on`)",
                     f"a project's rows start in the year it lands: fix the year, or `landed_on` (year of life 1 "
                     f"is {land})")
    problems.count += max(0, int(early.sum()) - cap)
    _runs(code, year, ok, ids, iyear, problems)
    problems.raise_if_any()
    composite = _composite(ids, year)
    named = table.set_column(iid, table.column_names[iid], composite)
    read = validate_table(named, locator, dict(units or {}), cap, record)
    return assemble(read, named, code, year, landing, ids.dictionary_encode().dictionary.to_pylist()
                    if len(ids) else [], "long", record)


def _codes(ids: pa.Array) -> np.ndarray:
    """Per row, its project's index (in order of first appearance); -1 where the row has no id."""
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(pc.fill_null(ids.dictionary_encode().indices, -1).to_numpy(zero_copy_only=False),
                      dtype=np.int64)


def _no_year_of_life(names: list[str], problems: Problems) -> None:
    if YEAR_OF_LIFE in names:
        problems.add(-1, names.index(YEAR_OF_LIFE), "E823", "column `year_of_life`: in a file over years a row's "
                     "year of life is its year less the year the project lands, plus 1",
                     "give the landing date in a column `landed_on` (2024-03-01, or 2024) and remove `year_of_life`")


def _landing(table: pa.Table, names: list[str], code: np.ndarray, year: np.ndarray, ids: pa.Array,
             problems: Problems) -> tuple[np.ndarray, np.ndarray]:
    """Per project, the year it lands (`landed_on`'s year where given, else its first year) and whether
    `landed_on` gave it; E823 at a cell that is not a date or a year, or that differs from the project's
    first landing date."""
    n = int(code.max()) + 1 if code.size else 0
    first = np.full(n, np.inf)
    present = code >= 0
    np.minimum.at(first, code[present & ~np.isnan(year)], year[present & ~np.isnan(year)])
    landed, given = np.full(n, np.nan), np.zeros(n, dtype=bool)
    if LANDED not in names:
        return np.where(np.isfinite(first), first, 0.0), given
    col = names.index(LANDED)
    arr = table.column(col).combine_chunks()
    land, bad = landing_years(arr)
    for row in np.flatnonzero(bad)[: problems.cap].tolist():
        problems.add(row, col, "E823", f"{problems.who(row, ids[row].as_py())}: field `landed_on`: "
                     f"`{cells._text(arr, row)}` is not a date or a year", LANDED_HINT)
    problems.count += max(0, int(bad.sum()) - problems.cap)
    rows = np.flatnonzero(present & ~np.isnan(land))  # a project's rows in file order: its first landing rules
    projects, at = np.unique(code[rows], return_index=True)
    first_rows = np.full(n, -1, dtype=np.int64)
    first_rows[projects] = rows[at]
    landed[projects], given[projects] = land[rows[at]], True
    differ = rows[land[rows] != landed[code[rows]]]
    for row in differ[: problems.cap].tolist():
        problems.add(row, col, "E823", f"{problems.who(row, ids[row].as_py())}: field `landed_on`: "
                     f"`{cells._text(arr, row)}` differs from the project's landing on its first row "
                     f"(`{cells._text(arr, int(first_rows[code[row]]))}`)", "a project lands once: give the same "
                     "`landed_on` on each of its rows, or on its first row only")
    problems.count += max(0, len(differ) - problems.cap)
    return np.where(given, landed, np.where(np.isfinite(first), first, 0.0)), given


def _runs(code: np.ndarray, year: np.ndarray, ok: np.ndarray, ids: pa.Array, column: int,
          problems: Problems) -> None:
    """E821 at each repeat of a project's year, E820 at the row after each gap in its years."""
    rows = np.flatnonzero(ok)
    order = rows[np.lexsort((rows, year[rows], code[rows]))]
    same = code[order[1:]] == code[order[:-1]]
    step = year[order[1:]] - year[order[:-1]]
    for k in np.flatnonzero(same & (step == 0)).tolist():
        first, row = int(order[k]), int(order[k + 1])
        first, row = min(first, row), max(first, row)
        y, pid = int(year[row]), ids[row].as_py()
        problems.add(row, column, "E821", f"{problems.who(row, pid)}: field `year`: project {pid}'s year {y} is "
                     f"given twice (first in {_row_name(problems.locator, first)})",
                     f"keep one row per project and year: merge the two rows of {y}, or fix the year of one")
    for k in np.flatnonzero(same & (step > 1)).tolist():
        before, row = int(order[k]), int(order[k + 1])
        pid, a, b = ids[row].as_py(), int(year[before]), int(year[row])
        missing = f"{a + 1}" if b - a == 2 else f"{a + 1}–{b - 1}"
        problems.add(row, column, "E820", f"{problems.who(row, pid)}: field `year`: project {pid} has no row for "
                     f"{missing}, between {a} and {b}; a project's years run without gaps",
                     f"add a row for {pid} in {missing} (its empty cells take the fields' defaults: nothing arrived "
                     "that year), or fix the year")


def _row_name(locator: Locator, row: int) -> str:
    """How a message names another row: its line where the format has lines, else its number."""
    span = locator.span(row, 0)
    return f"row {row + 1}" if locator.numbered else f"line {span.line}"


def _composite(ids: pa.Array, year: np.ndarray) -> pa.Array:
    """Each row's id for the validator's messages: `p1 (2024)` (a row without an id stays without one)."""
    years = pc.cast(pa.array(np.nan_to_num(year).astype(np.int64)), pa.string())
    return pc.binary_join_element_wise(ids, " (", years, ")", "")


# ---------------------------------------------------------------- the projects' years


def assemble(read: Projects, table: pa.Table, code: np.ndarray, year: np.ndarray, landing: np.ndarray,
             ids: list[str], form: str, record: Record) -> ProjectsOverYears:
    """The validated rows (one per project and year) as a batch per calendar year of every project: a
    project without a row that year takes the fields' defaults there (`active` is False)."""
    n = len(ids)
    if n == 0:
        return ProjectsOverYears(ProjectYears([], [], {}, {}, np.zeros(0, dtype=np.int64)), form, read.carry,
                                 warnings=read.warnings, lines=read.lines)
    years = list(range(int(np.nanmin(year)), int(np.nanmax(year)) + 1))
    big = read.batch
    default = _default_row(table, record)
    columns = {k: np.concatenate([v, default.columns.get(k, v[:1])]) for k, v in big.columns.items()}
    spare = big.n  # the index of the defaults' row
    batches, active, rows = {}, {}, {}
    for y in years:
        at = np.full(n, -1, dtype=np.int64)
        these = np.flatnonzero(year == y)
        at[code[these]] = these
        active[y] = at >= 0
        rows[y] = at
        take = np.where(at >= 0, at, spare)
        cols = {k: v[take] for k, v in columns.items()}
        cols[YEAR], cols[f"{YEAR}#given"] = np.full(n, float(y)), np.ones(n, dtype=bool)
        cols[YEAR_OF_LIFE] = (y - landing + 1).astype(np.float64)
        cols[f"{YEAR_OF_LIFE}#given"] = np.ones(n, dtype=bool)
        batches[y] = ProjectBatch(list(ids), cols, big.record)
    first = np.full(n, big.n, dtype=np.int64)
    np.minimum.at(first, code, np.arange(big.n))
    return ProjectsOverYears(ProjectYears(list(ids), years, batches, active, landing.astype(np.int64)), form,
                             read.carry, rows, first, read.warnings, read.lines)


def _default_row(table: pa.Table, record: Record) -> ProjectBatch:
    """One row of the fields' defaults, read as the file's columns are (a required declared field, which
    has no default, takes the first row's cell: a project without a row that year is not evaluated)."""
    from compare.data.locate import RowLocator

    names = [_name(h) for h in table.column_names]
    arrays = []
    for name, col in zip(names, table.columns, strict=True):
        if name == "id":
            arrays.append(pa.array(["-"], pa.string()))
        elif record.required(name) and table.num_rows:
            arrays.append(col.combine_chunks().slice(0, 1))
        else:
            arrays.append(pa.nulls(1, col.type))
    one = pa.Table.from_arrays(arrays, names=table.column_names)
    return validate_table(one, RowLocator("<defaults>"), {}, 1, record).batch


def read_project_years(path: Path, units: Mapping[str, str] | None = None, sheet: str | None = None,
                       cap: int = CAP, record: Record = CORE) -> ProjectsOverYears:
    """A project file over years (long or wide, any format of compare.data.read), validated; a
    single-year file as the one-year case (`over_years`)."""
    return over_years(read_any(path, units, sheet, cap, record))


def _single_year(batch: ProjectBatch) -> int:
    col = batch.columns.get(YEAR)
    given = col[~np.isnan(col)] if col is not None else np.zeros(0)
    import datetime as dt

    return int(given[0]) if given.size and (given == given[0]).all() else dt.date.today().year


def read_any(path: Path, units: Mapping[str, str] | None = None, sheet: str | None = None, cap: int = CAP,
             record: Record = CORE) -> Projects | ProjectsOverYears:
    """A project file read once: single-year (Projects, exactly as compare.data.read.read_projects) or
    over years (ProjectsOverYears), as `is_multi_year` tells from its cells."""
    from compare.data.read import check_cell_sizes, read_table

    table, locator = read_table(path, sheet, record)
    try:
        check_cell_sizes(table, locator)
        return from_cells(table, locator, units, cap, record)
    finally:
        del table
        pa.default_memory_pool().release_unused()


def from_cells(table: pa.Table, locator: Locator, units: Mapping[str, str] | None = None, cap: int = CAP,
               record: Record = CORE) -> Projects | ProjectsOverYears:
    """Raw cells (a file's, or a DataFrame's) as single-year projects or as projects over years."""
    from compare.data.years_wide import read_wide

    if not is_multi_year(table, record):
        return validate_table(table, locator, dict(units or {}), cap, record)
    if any(year_header(h) is not None for h in table.column_names):
        return read_wide(table, locator, units, cap, record)
    return read_long(table, locator, units, cap, record)


def over_years(found: Projects | ProjectsOverYears) -> ProjectsOverYears:
    """Single-year projects as the one-year case (the year of their `year` column where they all give
    one, else the current year: a label only, the batch's `year` column is left as read)."""
    if isinstance(found, ProjectsOverYears):
        return found
    batch = found.batch
    year = _single_year(batch)
    every = np.arange(batch.n, dtype=np.int64)
    return ProjectsOverYears(ProjectYears.one_year(batch, year), "single", found.carry, {year: every}, every,
                             found.warnings, found.lines)
