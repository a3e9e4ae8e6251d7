"""The engine's input: the columns of n project records.

Money is an amount and a currency code per row (CNY 0, USD 1); every field's `#given` column
(`categories#given` for the set) says where the record gave it, elsewhere it took the schema's default.  Amounts are to the fen (0.01): the engine computes with them
as whole fen (`fen`), exactly.  compare.data builds batches from files and Python objects.

The batch carries the record it was read against (`record`: the core and the run's declared fields;
a choice's code is its index in `record.choices(field)`).  Declared fields: bool, money (+ `#cur`),
numbers in the dimension's base unit (area in 亩; NaN unknown), choice int16 codes (-1 unknown), a set
as one bool column `FIELD.MEMBER` per member, text as str, a date as float days since 1970-01-01.
Where a project gives its own USD→CNY rate (`fx_rate`, or `fx_rate.FIELD` for one money field),
each money field has `FIELD#alt` (the amount in the other currency at that rate, to the fen),
`FIELD#own` (the row has its own rate) and `FIELD#rate` (the rate, NaN where the run's applies), and
`fx_rate` is the project's rate (NaN: none); without rate columns in the input these are absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from dsl.record import CORE, Record

CNY, USD = 0, 1


class ProjectBatch:
    """Columns of n projects.  Money is an amount and a currency code per row (CNY 0, USD 1).

    `ids` may be given as a list or as an Arrow text array (a file's reader keeps its column: a list of
    10^6 ids costs 0.1 s to build); `ids` is then the list, built when first asked for, and
    `id_array()` the array."""

    def __init__(self, ids: Any, columns: dict[str, np.ndarray], record: Record = CORE) -> None:
        arrow = hasattr(ids, "to_pylist") and not isinstance(ids, list)
        self._ids: list[str] | None = None if arrow else ids
        self._id_array: Any = ids if arrow else None
        self.columns = columns
        self.record = record
        self._cache: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        return f"ProjectBatch(n={self.n}, columns={list(self.columns)}, record={self.record!r})"

    @property
    def ids(self) -> list[str]:
        if self._ids is None:
            self._ids = self._id_array.to_pylist()
        return self._ids

    @ids.setter
    def ids(self, ids: list[str]) -> None:
        self._ids, self._id_array = ids, None

    def id_array(self) -> Any:
        """The ids as an Arrow text array (pyarrow.StringArray)."""
        if self._id_array is None:
            import pyarrow as pa

            self._id_array = pa.array(self._ids, pa.string())
        return self._id_array

    @property
    def n(self) -> int:
        return len(self._ids) if self._ids is not None else len(self._id_array)

    def fen(self, name: str) -> np.ndarray:
        """A money field as whole fen (cents), each row in its own currency: exact, as the amounts
        are to the fen (the nearest double to a 2-decimal amount times 100 rounds back to it)."""
        key = f"{name}#fen"
        if key not in self._cache:
            self._cache[key] = np.rint(np.asarray(self.columns[name], dtype=np.float64) * 100.0)
        return self._cache[key]

    def fen_parts(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The whole fen on the CNY rows (0 on the others), and on the USD rows."""
        key = f"{name}#parts"
        if key not in self._cache:
            fen, usd = self.fen(name), self.usd(name)
            self._cache[key] = np.stack([fen * ~usd, fen * usd])
        parts = self._cache[key]
        return parts[0], parts[1]

    def fen_bound(self, name: str) -> float:
        """The largest |amount| of a money field, in whole fen (of either currency)."""
        key = f"{name}#bound"
        if key not in self._cache:
            fen = self.fen(name)
            self._cache[key] = np.array(float(np.max(np.abs(fen))) if fen.size else 0.0)
        return float(self._cache[key])

    def usd(self, name: str) -> np.ndarray:
        """Where a money field is in USD."""
        key = f"{name}#usd"
        if key not in self._cache:
            self._cache[key] = np.asarray(self.columns[f"{name}#cur"]) == USD
        return self._cache[key]

    def given(self, name: str) -> np.ndarray:
        """Where the record gave field `name`; a batch built without `#given` columns counts as given."""
        col = self.columns.get(f"{name}#given")
        return np.ones(self.n, dtype=bool) if col is None else col

    def row(self, i: int) -> ProjectBatch:
        return ProjectBatch([self.ids[i]], {k: v[i:i + 1] for k, v in self.columns.items()}, self.record)

    def select(self, ids: Iterable[str]) -> ProjectBatch:
        index = {pid: i for i, pid in enumerate(self.ids)}
        rows = np.array([index[i] for i in ids], dtype=np.int64)
        return ProjectBatch([self.ids[i] for i in rows], {k: v[rows] for k, v in self.columns.items()}, self.record)

    def own_rate(self, name: str) -> bool:
        """Whether some row gives its own USD→CNY rate for money field `name` (`#alt` columns exist)."""
        return f"{name}#own" in self.columns


def add_declared_defaults(batch: ProjectBatch, record: Record) -> None:
    """Adds to the batch, in place, a column for each field `record` declares that the batch lacks
    (a batch read against another policy's record, or built by hand): the field's default on every
    row, marked not given.  In place, so the batch stays the one a partial re-run compares with.  A
    required field (no default) that is absent is a ValueError naming it."""
    import datetime as dt

    cols, n = batch.columns, batch.n
    for name in record.declared:
        f = record.fields[name]
        members = [f"{name}.{m}" for m in f.choices] if f.dim.value == "set" else []
        if (members and all(m in cols for m in members)) or (not members and name in cols):
            continue
        default = f.default
        if default is None and not members:
            raise ValueError(f"field `{name}` is declared without a default, and the projects do not give it")
        kind = f.dim.value
        if kind == "set":
            given = tuple(default) if isinstance(default, (tuple, list)) else ()
            for m, col in zip(f.choices, members, strict=True):
                cols.setdefault(col, np.full(n, m in given, dtype=bool))
        elif kind == "bool":
            cols[name] = np.full(n, bool(default), dtype=bool)
        elif kind == "money":
            unit = record.declared[name].unit or ""
            cols[name] = np.full(n, float(default))  # type: ignore[arg-type]
            cols[f"{name}#cur"] = np.full(n, USD if unit.endswith("美元") else CNY, dtype=np.int8)
        elif kind == "choice":
            values = (batch.record if name in batch.record.fields else record).choices(name)
            cols[name] = np.full(n, values.index(str(default)) if default in values else -1, dtype=np.int16)
        elif kind == "text":
            cols[name] = np.full(n, str(default), dtype=object)
        elif kind == "date":
            days = (dt.date.fromisoformat(str(default)) - dt.date(1970, 1, 1)).days
            cols[name] = np.full(n, float(days))
        else:  # ratio, number, integer, count, area: in the dimension's base unit
            cols[name] = np.full(n, float(default))  # type: ignore[arg-type]
        cols[f"{name}#given"] = np.zeros(n, dtype=bool)
