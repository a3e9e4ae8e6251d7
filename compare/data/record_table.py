"""The project record a run reads, as a table for people and tools (`policylab fields`).

One row per field, core first: its name, type, unit, default (or "required"), Chinese and English
labels, who declares it (core, a policy id, a taxonomy file) and, for a choice or a set, its values
with their labels and, for values a policy adds, who adds them.  Rendered as aligned text, CSV, JSON
or Markdown, every user-written text escaped for the layer it reaches (the terminal, a spreadsheet's
formulas, Markdown markup).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from compare.data.sheet import csv_text
from compare.data.write import aligned
from dsl.record import CORE_ORIGIN, Record
from dsl.schema import LABELS, VALUE_LABELS
from dsl.textsafe import json_safe, md_cell
from dsl.units import UNITS, Dim

HEADERS = ("name", "type", "unit", "default", "zh", "en", "declared_by", "values")
_CORE_TYPES = {Dim.BOOL: "bool", Dim.MONEY: "money", Dim.RATIO: "ratio", Dim.SCALAR: "number", Dim.TEXT: "text",
               Dim.CHOICE: "choice", Dim.SET: "set"}
# Built-in defaults that are not a value (domain.md's record)
_CORE_DEFAULTS = {"id": "required", "paid_in_capital": "registered_capital × paid_in_ratio",
                  "quality_score": "unknown", "grade": "unknown", "year": "the policy's first year"}


@dataclass(frozen=True)
class Value:
    value: str
    zh: str | None
    en: str | None
    declared_by: str


@dataclass(frozen=True)
class FieldRow:
    name: str
    type: str
    unit: str | None
    default: str
    zh: str | None
    en: str | None
    declared_by: str
    values: tuple[Value, ...]

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {h: getattr(self, h) for h in HEADERS[:-1]}
        d["values"] = [{"value": v.value, "zh": v.zh, "en": v.en, "declared_by": v.declared_by} for v in self.values]
        return d

    def values_text(self) -> str:
        return "; ".join(v.value + (f" {v.zh}" if v.zh else "") +
                         (f" ({v.declared_by})" if v.declared_by not in (CORE_ORIGIN, self.declared_by) else "")
                         for v in self.values)


def field_rows(record: Record) -> list[FieldRow]:
    """The record's fields, core first, each with its labels, default and values."""
    rows = []
    for name, f in record.fields.items():
        d = record.declared.get(name)
        zh: str | None
        en: str | None
        if d is None:
            zh, en = LABELS.get(name, (f.meaning, ""))
            kind = "choice" if f.choices and f.dim != Dim.SET else "integer" if name in ("year", "year_of_life") else _CORE_TYPES[f.dim]
            unit = "元 or 美元" if f.dim == Dim.MONEY else None
            default = _CORE_DEFAULTS.get(name) or _default_text(f.default, f.dim, None)
            origin = CORE_ORIGIN
        else:
            zh, en, kind, unit, origin = d.zh, d.en, d.type, d.unit, d.origin
            default = "required" if record.required(name) else _default_text(f.default, f.dim, d.unit)
        rows.append(FieldRow(name, kind, unit, default, zh, en, origin, _values(record, name)))
    return rows


def _values(record: Record, name: str) -> tuple[Value, ...]:
    f = record.fields[name]
    if not f.choices:  # a choice's values, a set's members, the grades
        return ()
    d = record.declared.get(name)
    own = dict(d.value_labels) if d is not None else {}
    out = []
    for v in f.choices:
        key = f"{name}.{v}"
        if key in record.added_values:
            origin, zh, en, _ = record.added_values[key]
        elif d is not None:
            origin, zh, en = d.origin, own.get(v), None
        else:
            origin = CORE_ORIGIN
            zh, en = VALUE_LABELS.get(key, (None, None))
        out.append(Value(v, zh, en, origin))
    return tuple(out)


def _default_text(value: object, dim: Dim, unit: str | None) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if dim == Dim.SET:
        return "{" + ", ".join(str(v) for v in value) + "}" if isinstance(value, tuple) else "{}"
    if dim == Dim.TEXT:
        return json.dumps(str(value), ensure_ascii=False)
    if dim == Dim.RATIO:
        return _number(Decimal(str(value)) * 100) + "%"
    if dim in (Dim.MONEY, Dim.AREA, Dim.COUNT):
        base = {Dim.MONEY: "元", Dim.AREA: "亩", Dim.COUNT: ""}[dim]
        shown = unit or base
        factor = UNITS[unit].factor if unit in UNITS and dim != Dim.MONEY else Decimal(1)
        return _number(Decimal(str(value)) / factor) + shown
    return str(value)


def _number(x: Decimal) -> str:
    s = format(x.normalize(), "f")
    return s


# ---------------------------------------------------------------- rendering


def _cells(r: FieldRow) -> list[str]:
    return [r.name, r.type, r.unit or "", r.default, r.zh or "", r.en or "", r.declared_by, r.values_text()]


def render_table(rows: list[FieldRow]) -> str:
    """Aligned columns for a terminal (every cell through `printable`)."""
    return "\n".join(aligned([list(HEADERS), *(_cells(r) for r in rows)])) + "\n"


def render_csv(rows: list[FieldRow]) -> str:
    """CSV; a cell a spreadsheet would read as a formula is prefixed with `'`, controls escaped."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADERS)
    for r in rows:
        w.writerow([csv_text(c) for c in _cells(r)])
    return buf.getvalue()


def render_json(rows: list[FieldRow]) -> str:
    return json_safe(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2)) + "\n"


def render_markdown(rows: list[FieldRow]) -> str:
    """A Markdown table: every cell escaped so that no text becomes markup (md_cell)."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(md_cell(c, "") for c in _cells(r)) + " |" for r in rows]
    return "\n".join(lines) + "\n"


RENDER = {"table": render_table, "csv": render_csv, "json": render_json, "markdown": render_markdown}
