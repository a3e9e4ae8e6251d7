"""Outcomes as a columnar table (pyarrow), built column-wise a slice of projects at a time.

`outcome_table(results, …)` gives the rows of projects [start, stop):

- long (default): one row per project and city, project-major (p1 city1, p1 city2, …, as the JSON):
  `project`, `policy`, `city`, the carried columns, then per concept of the union of the policies'
  concepts, sorted: `{c}.low` and `{c}.high` (float64) for a number, `{c}` (bool) for true/false,
  `{c}.state` (dictionary: not_eligible, zero, figure, promised, absent, as `Outcomes.state`),
  `{c}.beneficiary` (dictionary); then `assumed`, `sensitive`, `fx` (the USD→CNY rate the row used:
  the project's own, `fx_rate` in its input, else the run's), `readings`.
- wide (`wide=True`): one row per project: `project`, the carried columns, then per policy in the
  order given, its own concepts only, `{policy}.{c}.low` … `{policy}.{c}.state`, `{policy}.{c}.beneficiary`
  where the policy makes the beneficiary depend on the project (a fixed one is in the metadata,
  `policylab.beneficiaries`), and `{policy}.assumed`, `{policy}.sensitive`; then `fx_rate` (the
  project's own rate, null where the run's applied) where some project gives one.

Types: project and texts string; policy, city, readings, states and beneficiaries dictionary-encoded
strings (pandas: Categorical); values float64 or bool; fx float64.  A carried column named as one of
these is written `input.NAME`.  Nulls: a concept the city's policy lacks (state `absent`) has null values and beneficiary; `high` is
null where unbounded (a promise without a figure is low 0, high null); `assumed` is "" where nothing
was assumed, `sensitive` null where no other reading option moves anything; both are left out when
the analyses did not run.  Values are the engine's own doubles (money: the nearest double to an
amount in fen), never recomputed.  The schema's metadata holds `policylab.version`, `.layout`,
`.policies` (per policy: city, rate, readings in force), `.notes` (the rate note …) and `.units`
(numeric column -> CNY, USD, points, days …); each numeric field also has its `unit`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data.atomic import WriteError
from compare.data.table_columns import STATE_NAMES, assumed_column, sensitive_text, state_codes
from compare.data.table_text import strings
from compare.engine.evaluate import Outcomes
from dsl.units import Dim

CHUNK = 1 << 15  # projects per slice: 131,072 rows of a long table of 4 cities (bench_write: +0.2 GB peak)
STATE_TYPE = pa.dictionary(pa.int8(), pa.string())
NAME_TYPE = pa.dictionary(pa.int32(), pa.string())


def _fx_column(o: Outcomes, rows: slice, m: int) -> Col:
    """The USD→CNY rate each project's outcomes used: its own (`fx_rate`) where it gives one, else the run's."""
    run = np.full(m, np.nan if o.fx is None else float(o.fx))
    if o.project_fx is not None:
        own = np.asarray(o.project_fx, dtype=np.float64)[rows]
        run = np.where(np.isnan(own), run, own)
    return Col(np.nan_to_num(run), np.isnan(run))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("policylab")
    except PackageNotFoundError:
        return "unknown"


class TablePlan:
    """What every slice of one table shares: the columns, their types, vocabularies and metadata."""

    def __init__(self, results: Sequence[Outcomes], carry: pa.Table | None = None, wide: bool = False,
                 dims: Sequence[dict[str, Dim | None]] | None = None, notes: Sequence[str] = ()):
        self.results, self.wide = list(results), wide
        self.n = len(self.results[0].ids) if self.results else 0
        if any(len(o.ids) != self.n for o in self.results):
            raise TableError("the outcomes are of different batches", "evaluate every policy on the same projects")
        if dims is not None and len(dims) != len(self.results):
            raise TableError(f"dims has {len(dims)} entries for {len(self.results)} outcomes",
                             "one CompiledPolicy.concept_dims per Outcomes, in the same order")
        if carry is not None and carry.num_rows != self.n:
            raise TableError(f"the carried columns have {carry.num_rows} rows for {self.n} projects",
                             "carry one row per project, in the batch's order")
        twice = sorted({o.policy for o in self.results if [r.policy for r in self.results].count(o.policy) > 1})
        if wide and twice:
            raise TableError(f"a wide table names its columns by policy, and {', '.join(twice)} is there twice",
                             "write the long table (one row per project and city), or each run to its own file")
        self.carry, self.dims = _renamed(carry, self._names()), list(dims) if dims is not None else None
        self.concepts = sorted({c for o in self.results for c in o.concepts})
        self.ids = strings(self.results[0].ids) if self.results else strings([])
        names = {n for o in self.results for ch in o.beneficiaries.values() for n in _beneficiary_names(ch)}
        self.beneficiaries = strings(sorted(names))
        self.policy_names = strings(list(dict.fromkeys(o.policy for o in self.results)))
        self.cities = strings(list(dict.fromkeys(o.city for o in self.results)))
        self.readings = strings(list(dict.fromkeys(_readings(o) for o in self.results)))
        own = self.results[0].project_fx if self.results else None
        self.own_rates = own is not None and bool(np.any(~np.isnan(np.asarray(own, dtype=np.float64))))
        self.schema = self._schema(notes)

    # ---------------------------------------------------------------- columns and schema
    def _names(self) -> set[str]:
        """The names the table gives its own columns (a carried column must not take one)."""
        names = {"project", "policy", "city", "assumed", "sensitive", "fx", "fx_rate", "readings"}
        for o in self.results:
            for c in o.concepts:
                for pre in ("", f"{o.policy}."):
                    names |= {f"{pre}{c}", *(f"{pre}{c}.{x}" for x in ("low", "high", "state", "beneficiary"))}
            names |= {f"{o.policy}.assumed", f"{o.policy}.sensitive"}
        return names

    def _unit(self, concept: str, which: Sequence[int]) -> str | None:
        if self.dims is None:
            return None
        found = {d.value for k in which if (d := self.dims[k].get(concept)) is not None}
        return "|".join(sorted(found)) or None

    def _own_column(self, concept: str, which: Sequence[int]) -> bool:
        """Whether `concept` gets a `.beneficiary` column: always in long (cities differ), in wide only
        where the policy makes the beneficiary depend on the project; a fixed one is in the metadata
        (`policylab.beneficiaries`): the same name on every row is a fact of the policy, and a
        tenth of a wide CSV."""
        if not self.wide:
            return True
        choice = self.results[which[0]].beneficiaries.get(concept)
        return choice is not None and choice.depends_on_project

    def _outcome_fields(self, prefix: str, concepts: list[str], which: Sequence[int]) -> list[pa.Field]:
        fields: list[pa.Field] = []
        for c in concepts:
            if any(c in self.results[k].numeric for k in which):
                unit = self._unit(c, which)
                meta = {"unit": unit} if unit else None
                fields += [pa.field(f"{prefix}{c}.low", pa.float64(), metadata=meta),
                           pa.field(f"{prefix}{c}.high", pa.float64(), metadata=meta)]
            if any(c in self.results[k].boolean for k in which):
                fields.append(pa.field(f"{prefix}{c}", pa.bool_()))
            fields.append(pa.field(f"{prefix}{c}.state", STATE_TYPE))
            if self._own_column(c, which):
                fields.append(pa.field(f"{prefix}{c}.beneficiary", NAME_TYPE))
        if any(self.results[k].assumed is not None for k in which):
            fields.append(pa.field(f"{prefix}assumed", pa.string()))
        if any(self.results[k].alternatives is not None for k in which):
            fields.append(pa.field(f"{prefix}sensitive", pa.string()))
        return fields

    def _schema(self, notes: Sequence[str]) -> pa.Schema:
        fields = [pa.field("project", pa.string())]
        if not self.wide:
            fields += [pa.field("policy", NAME_TYPE), pa.field("city", NAME_TYPE)]
        fields += list(self.carry.schema) if self.carry is not None else []
        every = range(len(self.results))
        if self.wide:
            for k, o in enumerate(self.results):
                fields += self._outcome_fields(f"{o.policy}.", o.concepts, [k])
            if self.own_rates:  # the projects' own USD→CNY rates (the run's are in the metadata)
                fields.append(pa.field("fx_rate", pa.float64()))
        else:
            fields += self._outcome_fields("", self.concepts, every)
            fields += [pa.field("fx", pa.float64()), pa.field("readings", NAME_TYPE)]
        names = [f.name for f in fields]
        twice = sorted({x for x in names if names.count(x) > 1})
        if twice:
            raise TableError(f"two outcome columns would be named {', '.join(twice)}",
                             "a concept's key ends in .low, .high, .state or .beneficiary of another's")
        policies = [{"policy": o.policy, "city": o.city, "fx": None if o.fx is None else float(o.fx),
                     "readings": dict(sorted(o.readings.items()))} for o in self.results]
        units = {f.name: f.metadata[b"unit"].decode() for f in fields if f.metadata and b"unit" in f.metadata}
        fixed = {f"{o.policy}.{c}.beneficiary": o.beneficiary(c, 0) for k, o in enumerate(self.results)
                 for c in o.concepts if self.wide and not self._own_column(c, [k]) and self.n}
        meta = {"policylab.version": _version(), "policylab.layout": "wide" if self.wide else "long",
                "policylab.policies": json.dumps(policies, ensure_ascii=False),
                "policylab.notes": json.dumps(list(notes), ensure_ascii=False),
                "policylab.units": json.dumps(units, ensure_ascii=False),
                "policylab.beneficiaries": json.dumps(fixed, ensure_ascii=False)}
        return pa.schema(fields, metadata=meta)

    # ---------------------------------------------------------------- one policy's columns for a slice
    def _outcome_columns(self, out: Outcomes, concepts: list[str], rows: slice, count: int,
                         which: Sequence[int]) -> list[Col]:
        cols: list[Col] = []
        absent = np.ones(count, dtype=bool)
        for c in concepts:
            if any(c in self.results[k].numeric for k in which):
                if c in out.numeric:
                    for a in out.numeric[c]:
                        x = np.asarray(a)[rows]
                        finite = np.isfinite(x)
                        cols.append(Col(x, None if finite.all() else ~finite))
                else:
                    cols += [Col(np.zeros(count), absent)] * 2
            if any(c in self.results[k].boolean for k in which):
                cols.append(Col(np.asarray(out.boolean[c])[rows]) if c in out.boolean
                            else Col(np.zeros(count, dtype=bool), absent))
            cols.append(Col(state_codes(out, c, rows), None, STATE_NAMES))
            if self._own_column(c, which):
                cols.append(self._beneficiary(out, c, rows, count))
        if any(self.results[k].assumed is not None for k in which):
            cols.append(Col(pa.nulls(count, pa.string()) if out.assumed is None
                            else assumed_column(out, rows, count)))
        if any(self.results[k].alternatives is not None for k in which):
            cols.append(Col(pa.nulls(count, pa.string()) if out.alternatives is None
                            else sensitive_text(out, rows, count)))
        return cols

    def _beneficiary(self, out: Outcomes, concept: str, rows: slice, count: int) -> Col:
        choice = out.beneficiaries.get(concept)
        names = None if choice is None else choice.names
        if names is None or isinstance(names, str):
            return _constant(self.beneficiaries, names, count)
        index = pc.index_in(pa.array(np.asarray(names)[rows], type=pa.string()), value_set=self.beneficiaries)
        return Col(np.asarray(pc.fill_null(index, 0)), np.asarray(pc.is_null(index)), self.beneficiaries)

    # ---------------------------------------------------------------- the rows of a slice
    def table(self, start: int = 0, stop: int | None = None) -> pa.Table:
        stop = self.n if stop is None else min(stop, self.n)
        start = max(0, min(start, stop))
        rows, m, k = slice(start, stop), stop - start, len(self.results)
        carried = self.carry.slice(start, m).columns if self.carry is not None else []
        if self.wide:
            arrays = [self.ids.slice(start, m), *carried]
            for j, o in enumerate(self.results):
                arrays += [c.arrow() for c in self._outcome_columns(o, o.concepts, rows, m, [j])]
            if self.own_rates:
                own = np.asarray(self.results[0].project_fx, dtype=np.float64)[rows]
                arrays.append(Col(np.nan_to_num(own), np.isnan(own)).arrow())
            return pa.Table.from_arrays(arrays, schema=self.schema)
        every = range(k)
        per_city = [[_constant(self.policy_names, o.policy, m), _constant(self.cities, o.city, m),
                     *self._outcome_columns(o, self.concepts, rows, m, every),
                     _fx_column(o, rows, m),
                     _constant(self.readings, _readings(o), m)] for o in self.results]
        # project-major: row i*k + j is project i under policy j
        repeat = pa.array(np.repeat(np.arange(m, dtype=np.int64), k))
        interleaved = [interleave(list(col)).arrow() for col in zip(*per_city, strict=True)]
        head = [self.ids.slice(start, m).take(repeat), *interleaved[:2], *[c.take(repeat) for c in carried]]
        return pa.Table.from_arrays([*head, *interleaved[2:]], schema=self.schema)

    def slices(self, size: int = CHUNK) -> list[tuple[int, int]]:
        return [(s, min(s + size, self.n)) for s in range(0, self.n, max(1, size))] or [(0, 0)]

    @property
    def rows(self) -> int:
        """Rows of the whole table."""
        return self.n if self.wide else self.n * len(self.results)


@dataclass
class Col:
    """One column of a slice for one policy: numpy values with the rows that are null (or indices into
    `dictionary`), or an arrow array (texts)."""

    values: np.ndarray | pa.Array
    null: np.ndarray | None = None
    dictionary: pa.Array | None = None

    def arrow(self) -> pa.Array:
        if isinstance(self.values, pa.Array):
            return self.values
        values = np.ascontiguousarray(self.values)
        if self.dictionary is not None:
            return pa.DictionaryArray.from_arrays(pa.array(values, mask=self.null), self.dictionary)
        return pa.array(values, mask=self.null)


def interleave(cols: list[Col]) -> Col:
    """k columns of m rows as one of m*k rows, row i*k + j from column j's row i."""
    first = cols[0]
    if len(cols) == 1:
        return first
    if isinstance(first.values, pa.Array):
        m, k = len(first.values), len(cols)
        order = (np.arange(m, dtype=np.int64)[:, None] + np.arange(k, dtype=np.int64)[None, :] * m).ravel()
        return Col(pa.concat_arrays([c.values for c in cols]).take(pa.array(order)))
    values = np.stack([np.broadcast_to(c.values, first.values.shape) for c in cols], axis=1).ravel()
    null = None
    if any(c.null is not None for c in cols):
        null = np.stack([np.zeros(len(first.values), dtype=bool) if c.null is None else c.null for c in cols],
                        axis=1).ravel()
    return Col(values, null, first.dictionary)


def _constant(vocabulary: pa.Array, value: str | None, count: int) -> Col:
    """`value` (None: null) `count` times, as indices (int32) into `vocabulary`."""
    if value is None:
        return Col(np.zeros(count, dtype=np.int32), np.ones(count, dtype=bool), vocabulary)
    return Col(np.full(count, vocabulary.to_pylist().index(value), dtype=np.int32), None, vocabulary)


class TableError(WriteError, ValueError):
    """Outcomes that do not make one table (message and hint, as WriteError)."""


def _renamed(carry: pa.Table | None, taken: set[str]) -> pa.Table | None:
    """A carried column whose name an outcome column has is renamed `input.NAME` (`input.NAME.2` …
    where that is taken too)."""
    if carry is None:
        return None
    used = taken | set(carry.column_names)
    names: list[str] = []
    for name in carry.column_names:
        new, k = name, 1
        while name in taken and (new == name or new in used):
            new, k = f"input.{name}" + (f".{k}" if k > 1 else ""), k + 1
        used.add(new)
        names.append(new)
    return carry.rename_columns(names)


def _beneficiary_names(choice: Any) -> set[str]:
    """Every beneficiary name a Choice may give."""
    found = {choice.names} if isinstance(choice.names, str) else set()
    for r in choice.rules:
        found |= {r.name(j) for j in range(len(r.conditional))} | {r.plain, r.fallback}
    return {x for x in found if x is not None}


def _readings(out: Outcomes) -> str:
    return ";".join(f"{k}={v}" for k, v in sorted(out.readings.items()))


def outcome_table(results: Sequence[Outcomes], carry: pa.Table | None = None, wide: bool = False,
                  start: int = 0, stop: int | None = None, dims: Sequence[dict[str, Dim | None]] | None = None,
                  notes: Sequence[str] = ()) -> pa.Table:
    """The rows of projects [start, stop) (all by default), long or wide (see the module's docstring).
    `carry`: columns of the input to repeat beside the outcomes (one row per project, e.g. a company
    name); `dims`: per result, concept -> Dim (CompiledPolicy.concept_dims), for the units; `notes`:
    lines for the metadata (the rate note).  A carried column named as an outcome column is renamed
    `input.NAME`.  TableError (a WriteError and a ValueError: message and hint) for outcomes of
    different batches or, in a wide table, a policy id twice."""
    return TablePlan(results, carry, wide, dims, notes).table(start, stop)


def write_outcomes(path: Path, results: Sequence[Outcomes], carry: pa.Table | None = None, wide: bool = False,
                   dims: Sequence[dict[str, Dim | None]] | None = None, notes: Sequence[str] = (),
                   progress: Callable[[int], None] | None = None, chunk: int | None = None) -> None:
    """The table to a .csv, .tsv, .parquet, .jsonl or .xlsx file, by extension, `chunk` projects at a
    time (by default as compare.data.table_files chooses for the format), atomically; `progress(projects written)` after each chunk.  See compare.data.table_files
    (FormatError, a WriteError and a ValueError, for an unknown extension; WriteError where the file
    cannot be written)."""
    from compare.data import table_files

    table_files.write_outcomes(path, results, carry, wide, dims, notes, progress, chunk)


def to_pandas(table: pa.Table) -> Any:
    """A pandas DataFrame: states, beneficiaries, policy and city as Categorical, numbers float64 (NaN
    where null), true/false as the nullable `boolean` dtype (NA where the city has no such measure)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("a DataFrame needs pandas: pip install 'policylab[data]'") from None
    return table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


__all__ = ["CHUNK", "TableError", "TablePlan", "outcome_table", "state_codes", "to_pandas", "write_outcomes"]
