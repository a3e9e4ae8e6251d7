"""Project records: read from YAML, CSV or JSON (or Python dicts), validate, make columns.

Every problem is a Diagnostic naming the file and the row's line (YAML/JSON records by
the line where they start, CSV rows by their line) and the field, with a hint.  The
result is a `ProjectBatch`: one numpy array per field, so one project and a million go
through the same evaluator.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from dsl.ast import Span
from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.schema import CATEGORIES, FIELDS, GRADES, REFERRALS
from dsl.units import SCALES, Dim

CNY, USD = 0, 1
CURRENCIES = {"元": CNY, "CNY": CNY, "RMB": CNY, "美元": USD, "USD": USD}

_MONEY = re.compile(r"^\s*(?:(USD|CNY|RMB)\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)|(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*"
                    r"(万亿|万|亿|千)?\s*(美元|元|USD|CNY|RMB))\s*$")
_RATIO = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(%|‰)?\s*$")
_TRUE = {"true", "yes", "y", "1", "是", "t"}
_FALSE = {"false", "no", "n", "0", "否", "f", ""}


class FieldError(ValueError):
    """One bad value: its catalogue code, the message and a hint."""

    def __init__(self, message: str, hint: str | None = None, code: str = "E802"):
        super().__init__(message, hint)
        self.message, self.hint, self.code = message, hint, code


class InputError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass
class Record:
    values: dict[str, Any]
    line: int  # where the record starts in its file (1-based); 0 for Python objects
    field_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class ProjectBatch:
    """Columns of n projects.  Money is an amount and a currency code per row (CNY 0, USD 1)."""

    ids: list[str]
    columns: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(self.ids)

    def row(self, i: int) -> ProjectBatch:
        return ProjectBatch([self.ids[i]], {k: v[i:i + 1] for k, v in self.columns.items()})

    def select(self, ids: Iterable[str]) -> ProjectBatch:
        index = {pid: i for i, pid in enumerate(self.ids)}
        rows = np.array([index[i] for i in ids], dtype=np.int64)
        return ProjectBatch([self.ids[i] for i in rows], {k: v[rows] for k, v in self.columns.items()})


# ------------------------------------------------------------------ value parsers

def parse_money(value: Any) -> tuple[float, int]:
    """`4000万美元`, `1.5亿元`, `USD 40000000`, `40000000 CNY` -> (amount, currency)."""
    if isinstance(value, Mapping) and {"amount", "currency"} <= set(value):
        cur = CURRENCIES.get(str(value["currency"]).upper()) if str(value["currency"]).isascii() \
            else CURRENCIES.get(str(value["currency"]))
        if cur is None:
            raise FieldError(f"unknown currency `{value['currency']}`", "currencies are USD (美元) and CNY (元)", "E804")
        return float(value["amount"]), cur
    if isinstance(value, bool) or isinstance(value, (int, float)):
        if value == 0:
            return 0.0, CNY
        raise FieldError(f"`{value}` has no currency", "write 4000万美元, 1.5亿元 or USD 40000000")
    m = _MONEY.match(str(value))
    if not m:
        raise FieldError(f"`{value}` is not an amount of money",
                         "write it as in the texts: 4000万美元, 1.5亿元, 200万元, or USD 40000000")
    code, coded, number, scale, unit = m.groups()
    try:
        if code:
            return float(Decimal(coded.replace(",", ""))), CURRENCIES[code]
        amount = Decimal(number.replace(",", "")) * SCALES[scale or ""]
    except InvalidOperation as e:
        raise FieldError(f"`{value}` is not a number", None) from e
    return float(amount), CURRENCIES[unit]


def parse_ratio(value: Any) -> float:
    if isinstance(value, bool):
        raise FieldError(f"`{value}` is not a ratio", "write 35% or 0.35")
    if isinstance(value, (int, float)):
        return float(value)
    m = _RATIO.match(str(value))
    if not m:
        raise FieldError(f"`{value}` is not a ratio", "write 35%, 5‰ or 0.35")
    number = float(m.group(1))
    return number / {"%": 100, "‰": 1000, None: 1}[m.group(2)]


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    s = str(value).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise FieldError(f"`{value}` is not true or false", "write true or false")


def parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise FieldError(f"`{value}` is not a number", None)
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise FieldError(f"`{value}` is not a number", None) from e


def parse_categories(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [p for p in re.split(r"[;,|，；\s]+", value) if p]
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value]
    raise FieldError(f"`{value}` is not a list of categories", "write [fortune_global_500, landmark]")


# ------------------------------------------------------------------ readers

def _yaml_records(text: str, path: str) -> list[Record]:
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InputError([Diagnostic("E800", f"the project file is not valid YAML/JSON: {getattr(e, 'problem', e)}",
                                     Span(path, line, col, line, col + 1), "check brackets, quotes and indentation")]) from None
    if root is None:
        return []
    if isinstance(root, yaml.MappingNode):  # {projects: [...]} is accepted too
        for k, v in root.value:
            if k.value == "projects":
                root = v
                break
    if not isinstance(root, yaml.SequenceNode):
        raise InputError([Diagnostic("E800", "a project file holds a list of projects",
                                     Span(path, root.start_mark.line + 1, 1, root.start_mark.line + 1, 2),
                                     "- {id: p1, registered_capital: 4000万美元, foreign: true}")])
    records = []
    for node in root.value:
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            raise InputError([Diagnostic("E800", "each project is a mapping of fields",
                                         Span(path, line, node.start_mark.column + 1, line, node.start_mark.column + 2),
                                         "- {id: p1, foreign: true}")])
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for k, v in node.value:
            values[str(k.value)] = yaml.SafeLoader(io.StringIO("")).construct_object(v, deep=True)
            lines[str(k.value)] = k.start_mark.line + 1
        records.append(Record(values, line, lines))
    return records


def _csv_records(text: str, path: str) -> list[Record]:
    rows_with_lines = []
    reader = csv.reader(io.StringIO(text), strict=True)
    row_start = 1  # a quoted cell may span lines: a row is named by the line it starts on
    try:
        for row in reader:
            rows_with_lines.append((row_start, row))
            row_start = reader.line_num + 1
    except csv.Error as e:
        raise InputError([Diagnostic("E807", f"malformed CSV: {e}", Span(path, row_start, 1, row_start, 2),
                                     "quote fields that contain commas or line breaks; close every quote")]) from None
    rows_with_lines = [(n, r) for n, r in rows_with_lines if any(c.strip() for c in r)]
    if not rows_with_lines:
        return []
    header_line, header = rows_with_lines[0]
    header = [h.strip().lstrip("\ufeff") for h in header]
    records = []
    for line, row in rows_with_lines[1:]:
        if len(row) != len(header):
            raise InputError([Diagnostic("E807", f"row has {len(row)} cells but the header has {len(header)}",
                                         Span(path, line, 1, line, 2), "every row has one cell per column")])
        values = {h: c for h, c in zip(header, row, strict=True) if c.strip() != "" or h == "id"}
        records.append(Record(values, line, {h: line for h in header}))
    return records


def read_records(path: Path) -> list[Record]:
    p = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError([Diagnostic("E800", f"cannot read the project file: {e.strerror or e}",
                                     Span(p, 1, 1, 1, 1), None)]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError([Diagnostic("E800", f"invalid UTF-8 byte 0x{data[e.start]:02x}",
                                     Span(p, line, 1, line, 2), "save the file as UTF-8")]) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_records(text, p)
    if suffix in (".yaml", ".yml", ".json"):
        return _yaml_records(text, p)
    raise InputError([Diagnostic("E800", f"unknown project file type `{path.suffix}`", Span(p, 1, 1, 1, 1),
                                 "project files are .yaml, .yml, .json or .csv")])


# ------------------------------------------------------------------ validation

def validate(records: list[Record], path: str = "<projects>") -> ProjectBatch:
    """Check every record against the project record schema; raise InputError with every problem."""
    return columns(clean_records(records, path))


def clean_records(records: list[Record], path: str = "<projects>") -> list[dict[str, Any]]:
    """Validated values per record (money as (amount, currency)); raise InputError with every problem."""
    diags: list[Diagnostic] = []
    clean: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def bad(rec: Record, name: str, msg: str, hint: str | None, code: str = "E802") -> None:
        line = rec.field_lines.get(name, rec.line) or rec.line
        diags.append(Diagnostic(code, f"{'row' if path.endswith('.csv') else 'project'} "
                                f"{rec.values.get('id', '?')}: field `{name}`: {msg}",
                                Span(path, max(line, 1), 1, max(line, 1), 2), hint))

    for rec in records:
        out: dict[str, Any] = {}
        for name, raw in rec.values.items():
            f = FIELDS.get(name)
            if f is None:
                bad(rec, name, "unknown field", did_you_mean(name, FIELDS) or
                    "fields: " + ", ".join(FIELDS), "E801")
                continue
            try:
                out[name] = _convert(f.name, f.dim, raw)
            except FieldError as e:
                bad(rec, name, e.message, e.hint, e.code)
        pid = out.get("id")
        if pid is None or str(pid).strip() == "":
            bad(rec, "id", "missing", "every project has an id: - {id: p1, …}", "E805")
            continue
        pid = str(pid)
        if pid in seen:
            bad(rec, "id", f"`{pid}` is used twice (first at line {seen[pid]})", "ids are unique", "E806")
            continue
        seen[pid] = rec.line
        out["id"] = pid
        clean.append(out)
    if diags:
        raise InputError(diags)
    return clean


def _convert(name: str, dim: Dim, raw: Any) -> Any:  # noqa: C901
    if name == "id":
        return None if raw is None else str(raw)
    if dim == Dim.MONEY:
        amount, cur = parse_money(raw)
        if amount < 0:
            raise FieldError(f"negative amount {raw}", "amounts are zero or more", "E803")
        return (amount, cur)
    if dim == Dim.RATIO:
        r = parse_ratio(raw)
        if r < 0 or r > 1:
            raise FieldError(f"{raw} is above 100%" if r > 1 else f"{raw} is negative",
                             "a ratio is in the range 0%–100%", "E803")
        return r
    if dim == Dim.BOOL:
        return parse_bool(raw)
    if dim == Dim.SET:
        cats = parse_categories(raw)
        for c in cats:
            if c not in CATEGORIES:
                raise FieldError(f"unknown category `{c}`", did_you_mean(c, CATEGORIES) or
                                 "categories: " + ", ".join(CATEGORIES), "E804")
        return cats
    if name == "referral":
        s = "none" if raw is None else str(raw).strip()
        if s not in REFERRALS:
            raise FieldError(f"unknown referral `{s}`", did_you_mean(s, REFERRALS) or "one of " + ", ".join(REFERRALS),
                             "E804")
        return s
    if name == "grade":
        s = str(raw).strip().upper()
        if s not in GRADES:
            raise FieldError(f"unknown grade `{raw}`", "grades: " + ", ".join(GRADES), "E804")
        return s
    if name == "quality_score":
        x = parse_number(raw)
        if not 0 <= x <= 100:
            raise FieldError(f"{raw} is out of range", "the quality score is in the range 0–100", "E803")
        return x
    if name == "year":
        x = parse_number(raw)
        if x != int(x):
            raise FieldError(f"`{raw}` is not a whole year", None)
        return int(x)
    if dim == Dim.TEXT:
        return "" if raw is None else str(raw)
    if dim == Dim.SCALAR:
        return parse_number(raw)
    raise AssertionError(name)


def columns(records: list[dict[str, Any]]) -> ProjectBatch:
    """Validated records -> columns, with the schema's defaults."""
    n = len(records)
    cols: dict[str, np.ndarray] = {}
    for name, f in FIELDS.items():
        if name == "id":
            continue
        if f.dim == Dim.MONEY:
            amount = np.zeros(n, dtype=np.float64)
            cur = np.zeros(n, dtype=np.int8)
            given = np.zeros(n, dtype=bool)
            for i, r in enumerate(records):
                if name in r:
                    amount[i], cur[i] = r[name]
                    given[i] = True
            cols[name] = amount
            cols[f"{name}#cur"] = cur
            cols[f"{name}#given"] = given
        elif f.dim == Dim.BOOL:
            cols[name] = np.array([bool(r.get(name, f.default)) for r in records], dtype=bool)
        elif f.dim == Dim.RATIO:
            cols[name] = np.array([r.get(name, 0.0) for r in records], dtype=np.float64)
        elif f.dim == Dim.SET:
            for c in CATEGORIES:
                cols[f"categories.{c}"] = np.array([c in r.get(name, []) for r in records], dtype=bool)
        elif name == "referral":
            cols[name] = np.array([REFERRALS.index(r.get(name, "none")) for r in records], dtype=np.int8)
        elif name == "grade":
            # rank, best first (A+ = 0); -1 unknown
            cols[name] = np.array([GRADES.index(r[name]) if name in r else -1 for r in records], dtype=np.int8)
        elif name in ("quality_score", "year"):
            cols[name] = np.array([r.get(name, np.nan) for r in records], dtype=np.float64)
        else:
            cols[name] = np.array([r.get(name, f.default or "") for r in records], dtype=object)
    # 实缴资金 defaults to registered capital × paid-in ratio, in the capital's currency.
    given = cols["paid_in_capital#given"]
    cols["paid_in_capital"] = np.where(given, cols["paid_in_capital"],
                                       cols["registered_capital"] * cols["paid_in_ratio"])
    cols["paid_in_capital#cur"] = np.where(given, cols["paid_in_capital#cur"], cols["registered_capital#cur"])
    return ProjectBatch([r["id"] for r in records], cols)


def load_projects(path: Path) -> ProjectBatch:
    return validate(read_records(path), str(path))


def from_dicts(rows: Iterable[Mapping[str, Any]]) -> ProjectBatch:
    """The Python API: a list of dicts (or a pandas DataFrame's records)."""
    records = [Record(dict(r), i + 1) for i, r in enumerate(rows)]
    return validate(records, "<records>")
