"""Columns of the fields a run's policies declare (dsl.record), parsed as the built-in ones are.

Each declared type becomes the batch columns compare.engine.batch describes: bool; money with
`#cur`; ratio, number, integer, count and area as float64 in the base unit (area in 亩: a cell
`1200平方米`, or a bare number under `rent_area[平方米]` or a field declared `type area 平方米`, is
converted exactly, as a decimal, 1平方米 = 0.0015亩); a choice as int16 codes into
`record.choices(field)`; a set as one bool column `FIELD.MEMBER` per member; text as str; a date
(`2024-03-01`) as float days since 1970-01-01.  A choice or a set member may be written as its
value (`key_area`) or its label (`重点区域`).  A field declared without a default is required: a
project that does not give it is E814, at its row and field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data import cells
from compare.data.headers import Column, Unit
from dsl.diagnostics import did_you_mean
from dsl.record import Record
from dsl.schema import Field
from dsl.units import SCALES, UNITS, Dim

EPOCH = dt.date(1970, 1, 1)
_MEASURE = re.compile(r"^(?P<num>-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<scale>万亿|万|亿|千)?\s*(?P<unit>\D*?)\s*$")
_DATE = re.compile(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:[T ]00:00(?::00)?)?$")
DATE_HINT = "write the date as 2024-03-01 (year-month-day)"


def required_hint(name: str) -> str:
    return f"give `{name}` for every project, or declare a default: field {name} {{ … default … }}"


def declared_field(name: str, f: Field, record: Record, arr: pa.Array, col: Column, bad: cells.Bad, cap: int,
                   out: dict[str, np.ndarray]) -> np.ndarray:
    """Parse a declared field's column into `out`; its bad cells into `bad`.  Returns `given`."""
    d = record.declared[name]
    n = len(arr)
    if f.dim == Dim.BOOL:
        value, given = cells.boolean(arr, bad, cap)
        out[name] = np.where(given, value, bool(f.default))
    elif f.dim == Dim.MONEY:
        default_unit = col.unit
        amount, cur, given = cells.money(arr, default_unit, name, bad, cap)
        if f.default:  # a default other than 0: in the declared currency
            fallback = (default_unit.currency if default_unit is not None and default_unit.currency is not None else 0)
            amount = np.where(given, amount, float(Decimal(str(f.default))))
            cur = np.where(given, cur, fallback).astype(np.int8)
        out[name], out[f"{name}#cur"] = amount, cur
    elif f.dim == Dim.RATIO:
        value, given = cells.ratio(arr, col.unit, name, bad, cap)
        out[name] = np.where(given, value, float(Decimal(str(f.default))) if f.default is not None else np.nan)
    elif f.dim in (Dim.SCALAR, Dim.COUNT, Dim.AREA):
        value, given = measure(arr, col.unit, f.dim, name, bad, cap, whole=d.integer)
        out[name] = np.where(given, value, _number_default(f))
    elif f.dim == Dim.CHOICE:
        code, given = choice(arr, name, record, bad, cap)
        fallback = record.choices(name).index(str(f.default)) if f.default in record.choices(name) else -1
        out[name] = np.where(given, code, fallback).astype(np.int16)
    elif f.dim == Dim.SET:
        members_default = f.default if isinstance(f.default, tuple) else ()
        given = members(arr, name, record.choices(name), _labels(record, name), bad, cap, out, members_default)
    elif f.dim == Dim.DATE:
        days, given = dates(arr, bad, cap)
        default_day = _date_days(f.default) if f.default else None
        out[name] = np.where(given, days, np.nan if default_day is None else default_day)
    else:  # text
        s = cells.as_strings(arr)
        given = np.asarray(s.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        out[name] = np.asarray(pc.fill_null(s, str(f.default or "")).to_numpy(zero_copy_only=False), dtype=object)
    given = np.asarray(given, dtype=bool) if len(given) == n else np.zeros(n, dtype=bool)
    out[f"{name}#given"] = given
    return given


def _number_default(f: Field) -> float:
    return float(Decimal(str(f.default))) if f.default is not None else np.nan


def _labels(record: Record, name: str) -> dict[str, str]:
    """A choice's or set's labels -> values (`重点区域` -> key_area), declared or added."""
    out: dict[str, str] = {}
    d = record.declared.get(name)
    for value, label in d.value_labels if d is not None else ():
        if label:
            out.setdefault(label, value)
    for key, (_, zh, _, _) in record.added_values.items():
        field, _, value = key.partition(".")
        if field == name and zh:
            out.setdefault(zh, value)
    return out


def measure(arr: pa.Array, unit: Unit | None, dim: Dim, name: str, bad: cells.Bad, cap: int,
            whole: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(value in the base unit, given) of a number, count or area column.  A cell may carry its unit
    (`1200平方米`, `15人`); a bare number takes the column's (or the declaration's) unit, else the base
    unit.  Converted as decimals, then to float (1200平方米 is 1.8亩, not 1.7999…)."""
    column_factor = unit.factor if unit is not None and unit.factor is not None else Decimal(1)
    kind = {Dim.AREA: "an area", Dim.COUNT: "a count"}.get(dim, "a number")
    hint = {Dim.AREA: f"write 1200平方米, 1.5亩 or 1公顷, or a number under `{name}[平方米]`",
            Dim.COUNT: "write a number, e.g. 15 or 15人"}.get(dim)

    def read(t: str) -> float | None:
        m = _MEASURE.match(t)
        u = UNITS.get(m.group("unit")) if m else None
        if m is None or (m.group("unit") and (u is None or u.dim != dim)):
            return None
        try:
            x = Decimal(m.group("num").replace(",", "")) * SCALES[m.group("scale") or ""]
        except InvalidOperation:
            return None
        return float(x * (u.factor if u is not None and m.group("unit") else column_factor))

    value, given, mask = by_text(cells.as_strings(arr), read)
    bad.add(mask, "E802", lambda i: f"`{cells._text(arr, i)}` is not {kind}", hint, cap)
    with np.errstate(invalid="ignore"):
        negative = given & (value < 0) & (dim in (Dim.AREA, Dim.COUNT))
        fraction = given & ~negative & (value != np.floor(value)) & whole
    bad.add(negative, "E803", lambda i: f"`{cells._text(arr, i)}` is negative", f"{kind[2:]} is zero or more", cap)
    bad.add(fraction, "E802", lambda i: f"`{cells._text(arr, i)}` is not a whole number",
            f"`{name}` is an integer field", cap)
    given &= ~negative & ~fraction
    return np.where(given, value, np.nan), given


def choice(arr: pa.Array, name: str, record: Record, bad: cells.Bad, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """(code into record.choices(name), given) of a choice column: values or their labels."""
    values = record.choices(name)
    labels = _labels(record, name)
    keys = [*values, *labels]
    codes = [*range(len(values)), *(values.index(v) for v in labels.values())]
    index, given, unknown = cells.choice(arr, tuple(keys), upper=False)
    shown = cells.as_strings(arr)
    for i in np.flatnonzero(unknown)[:cap]:
        text = str(shown[int(i)].as_py())
        bad.rows.append((int(i), "E804", f"`{text}` is not a value of `{name}`",
                         did_you_mean(text, keys) or "values: " + ", ".join(values)))
    bad.count += int(unknown.sum())
    given = given & ~unknown
    lookup = np.array([*codes, -1], dtype=np.int64)
    return lookup[np.where(index >= 0, index, len(codes))], given


def members(arr: pa.Array, name: str, values: tuple[str, ...], labels: dict[str, str], bad: cells.Bad, cap: int,
            out: dict[str, np.ndarray], default: tuple[str, ...] = ()) -> np.ndarray:
    """One bool column `NAME.MEMBER` per member of a set column (lists, or text split at , ; | and
    spaces); a member may be written as its label.  Returns `given` (rows with an unknown member are
    bad and not given).  A text column of many rows is read once per distinct text (a column of a
    million projects holds a few hundred)."""
    n = len(arr)
    if n > 1024 and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        encoded = arr.dictionary_encode()
        if len(encoded.dictionary) * 8 <= n:
            return _members_by_text(encoded, name, values, labels, bad, cap, out, default)
    lists = cells.category_lists(arr)
    given = np.asarray(lists.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    flat = cells.as_strings(pc.list_flatten(lists))
    parent = np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False), dtype=np.int64)
    valid = np.asarray(flat.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    keys = [*values, *labels]
    codes = np.array([*range(len(values)), *(values.index(v) for v in labels.values()), -1], dtype=np.int64)
    found = np.asarray(pc.fill_null(pc.index_in(flat, value_set=pa.array(keys, pa.string())), -1)
                       .to_numpy(zero_copy_only=False), dtype=np.int64)
    index = codes[np.where(found >= 0, found, len(codes) - 1)]
    unknown = valid & (index < 0)
    rows_bad = np.zeros(n, dtype=bool)
    rows_bad[parent[unknown]] = True
    first_unknown: dict[int, str] = {}
    for at in np.flatnonzero(unknown):
        row = int(parent[at])
        first_unknown.setdefault(row, str(flat[int(at)].as_py()))
        if len(first_unknown) > cap:
            break
    what = "category" if name == "categories" else f"member of `{name}`"
    for row in sorted(first_unknown)[:cap]:
        word = first_unknown[row]
        message = f"unknown category `{word}`" if name == "categories" else f"`{word}` is not a {what}"
        bad.rows.append((row, "E804", message, did_you_mean(word, keys) or
                         ("categories: " if name == "categories" else "members: ") + ", ".join(values)))
    bad.count += int(rows_bad.sum())
    given = given & ~rows_bad
    for k, member in enumerate(values):
        column = np.zeros(n, dtype=bool)
        column[parent[valid & (index == k)]] = True
        out[f"{name}.{member}"] = np.where(given, column, member in default)
    return given


def _members_by_text(encoded: pa.DictionaryArray, name: str, values: tuple[str, ...], labels: dict[str, str],
                     bad: cells.Bad, cap: int, out: dict[str, np.ndarray], default: tuple[str, ...]) -> np.ndarray:
    """`members` of a dictionary-encoded text column: of each distinct text, then taken for every row
    (a null cell: not given, the default members), its problems at the rows that hold the text."""
    texts = encoded.dictionary
    k = len(texts)
    found, each = cells.Bad(), dict[str, np.ndarray]()
    given = np.append(members(texts, name, values, labels, found, k, each, default), False)
    index = np.asarray(pc.fill_null(encoded.indices, k).to_numpy(zero_copy_only=False), dtype=np.int64)
    for member in values:
        out[f"{name}.{member}"] = np.append(each[f"{name}.{member}"], member in default)[index]
    if found.rows:
        problem = np.zeros(k + 1, dtype=bool)
        problem[[at for at, _, _, _ in found.rows]] = True
        rows = np.flatnonzero(problem[index])
        said = {at: (code, message, hint) for at, code, message, hint in found.rows}
        bad.rows += [(int(row), *said[int(index[row])]) for row in rows[:cap]]
        bad.count += len(rows)
    return given[index]


def dates(arr: pa.Array, bad: cells.Bad, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01, given) of a date column: ISO text (2024-03-01), or Arrow dates."""
    t = arr.type
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        days = arr.cast(pa.date32()).cast(pa.int32()) if not pa.types.is_date32(t) else arr.cast(pa.int32())
        x = np.asarray(pc.fill_null(days.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False), dtype=np.float64)
        return x, ~np.isnan(x)
    x, given, wrong = by_text(cells.as_strings(arr), _date_days)
    bad.add(wrong, "E802", lambda i: f"`{cells._text(arr, i)}` is not a date", DATE_HINT, cap)
    return x, given


def _date(text: str) -> dt.date | None:
    m = _DATE.match(text.strip())
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _date_days(text: object) -> float | None:
    day = _date(str(text))
    return float((day - EPOCH).days) if day is not None else None


def by_text(s: pa.Array, read: Callable[[str], float | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, given, bad) of a text column read cell by cell by `read` (None: not readable), each
    distinct text read once (a column of a million projects holds a few thousand texts)."""
    encoded = s.dictionary_encode()
    values = [read(t) for t in encoded.dictionary.to_pylist()]
    lookup = np.array([np.nan if v is None else v for v in values] + [np.nan], dtype=np.float64)
    readable = np.array([v is not None for v in values] + [False], dtype=bool)
    index = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    present = index >= 0
    at = np.where(present, index, len(values))
    ok = readable[at]
    return lookup[at], present & ok, present & ~ok
