"""Project records validated against the record (dsl.record: the core and a run's declared fields)
and turned into columns.

Every bad value is a Diagnostic naming the record's line and the field, with a hint; the
result is a `ProjectBatch`: one numpy array per field, so one project and a million go
through the same evaluator.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import numpy as np

from compare.data.records import FieldError, InputError, Record
from compare.engine.batch import CNY, USD, ProjectBatch
from compare.engine.implied import imply
from dsl.ast import Span
from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.record import CORE
from dsl.record import Record as FieldRecord
from dsl.schema import GRADES
from dsl.units import SCALES, Dim

CURRENCIES = {"元": CNY, "CNY": CNY, "RMB": CNY, "美元": USD, "USD": USD}

_MONEY = re.compile(r"^\s*(?:(USD|CNY|RMB)\s*(-?[0-9][0-9,]*(?:\.[0-9]+)?)|(-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*"
                    r"(万亿|万|亿|千)?\s*(美元|元|USD|CNY|RMB))\s*$")
_RATIO = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(%|‰)?\s*$")
TRUE_WORDS = ("true", "yes", "y", "1", "是", "t")
FALSE_WORDS = ("false", "no", "n", "0", "否", "f")

# ------------------------------------------------------------------ value parsers

# The largest amount a record may give (10万亿, in its currency): converted at any plausible rate
# it stays below 2^53 fen, where the engine's whole-fen arithmetic is exact.
MAX_AMOUNT = Decimal(10) ** 13


def parse_money(value: Any) -> tuple[float, int]:
    """`4000万美元`, `1.5亿元`, `USD 40000000`, `40000000 CNY` -> (amount, currency)."""
    amount, cur = parse_amount(value)
    return float(amount), cur


def parse_amount(value: Any) -> tuple[Decimal, int]:
    """`4000万美元`, `1.5亿元`, `USD 40000000`, `40000000 CNY` -> (the decimal amount, currency)."""
    if isinstance(value, Mapping) and {"amount", "currency"} <= set(value):
        cur = CURRENCIES.get(str(value["currency"]).upper()) if str(value["currency"]).isascii() \
            else CURRENCIES.get(str(value["currency"]))
        if cur is None:
            raise FieldError(f"unknown currency `{value['currency']}`", "currencies are USD (美元) and CNY (元)", "E804")
        raw = value["amount"]
        try:
            if isinstance(raw, bool):
                raise InvalidOperation
            return (Decimal(repr(float(raw))) if isinstance(raw, float) else Decimal(str(raw).replace(",", ""))), cur
        except InvalidOperation:
            raise FieldError(f"`{raw}` is not a number", "write the amount as digits, e.g. 40000000") from None
    if isinstance(value, bool) or isinstance(value, (int, float)):
        if value == 0:
            return Decimal(0), CNY
        raise FieldError(f"`{value}` has no currency", "write 4000万美元, 1.5亿元 or USD 40000000")
    m = _MONEY.match(str(value))
    if not m:
        raise FieldError(f"`{value}` is not an amount of money",
                         "write it as in the texts: 4000万美元, 1.5亿元, 200万元, or USD 40000000")
    code, coded, number, scale, unit = m.groups()
    try:
        if code:
            return Decimal(coded.replace(",", "")), CURRENCIES[code]
        amount = Decimal(number.replace(",", "")) * SCALES[scale or ""]
    except InvalidOperation as e:
        raise FieldError(f"`{value}` is not a number", None) from e
    return amount, CURRENCIES[unit]


def parse_ratio(value: Any) -> float:
    if isinstance(value, bool):
        raise FieldError(f"`{value}` is not a ratio", "write 35% or 0.35")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise FieldError(f"`{value}` is not a ratio", "a ratio is in the range 0%–100%", "E803")
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
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS or s == "":  # a record's empty value: false
        return False
    raise FieldError(f"`{value}` is not true or false", "write true or false")


def parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise FieldError(f"`{value}` is not a number", None)
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError) as e:
        raise FieldError(f"`{value}` is not a number", None) from e
    if not math.isfinite(x):
        raise FieldError(f"`{value}` is not a finite number", None, "E803")
    return x


def parse_categories(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [p for p in re.split(r"[;,|，；\s]+", value) if p]
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value]
    raise FieldError(f"`{value}` is not a list of categories", "write [fortune_global_500, landmark]")


# ------------------------------------------------------------------ validation

def validate(records: list[Record], path: str = "<projects>", record: FieldRecord = CORE) -> ProjectBatch:
    """Check every record against the project record; raise InputError with every problem."""
    return columns(clean_records(records, path, record), record)


def clean_records(records: list[Record], path: str = "<projects>", record: FieldRecord = CORE,
                  warnings: list[Diagnostic] | None = None) -> list[dict[str, Any]]:
    """Validated values per record (money as (amount, currency); a declared field's value as given,
    checked); raise InputError with every problem.  A key that resembles a field is E801; another key
    no policy of the run reads is W805 (into `warnings`), ignored."""
    fields = record.fields
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
            f = fields.get(name)
            if f is None:
                guess = did_you_mean(name, fields)
                if guess is not None:
                    bad(rec, name, "unknown field", guess, "E801")
                elif warnings is not None:
                    line = rec.field_lines.get(name, rec.line) or rec.line
                    warnings.append(Diagnostic("W805", f"field `{name}` is not read by any policy of this run: ignored",
                                               Span(path, max(line, 1), 1, max(line, 1), 2),
                                               "fields: " + ", ".join(fields)))
                continue
            try:
                out[name] = _declared(name, record, raw) if record.is_declared(name) else _convert(name, f.dim, raw, record)
            except FieldError as e:
                bad(rec, name, e.message, e.hint, e.code)
        for name in record.declared:
            if record.required(name) and rec.values.get(name) is None:
                from compare.data.declared import required_hint

                bad(rec, name, f"missing; {record.declared[name].origin} declares it without a default, so every "
                    "project gives it", required_hint(name), "E814")
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


def _declared(name: str, record: FieldRecord, raw: Any) -> Any:
    """A declared field's value checked as the table readers check it (compare.data.declared); kept as
    given, for `columns` to read again with the others."""
    from compare.data import cells
    from compare.data.declared import declared_field
    from compare.data.headers import Column, declared_unit
    from compare.data.tables import _column

    bad = cells.Bad()
    declared_field(name, record.fields[name], record, _column([raw]), Column(name, name, declared_unit(name, record)),
                   bad, 1, {})
    if bad.rows:
        _, code, message, hint = bad.rows[0]
        raise FieldError(message, hint, code)
    return raw


def _convert(name: str, dim: Dim, raw: Any, record: FieldRecord = CORE) -> Any:  # noqa: C901
    if name == "id":
        return None if raw is None else str(raw)
    if dim == Dim.MONEY:
        amount, cur = parse_amount(raw)
        if not amount.is_finite():
            raise FieldError(f"`{raw}` is not a finite amount", "write the amount, e.g. 4000万美元", "E803")
        if amount < 0:
            raise FieldError(f"negative amount {raw}", "amounts are zero or more", "E803")
        if amount > MAX_AMOUNT:
            raise FieldError(f"the amount {raw} is too large", "amounts are at most 10万亿 (10^13) in their currency",
                             "E803")
        if amount != amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
            raise FieldError(f"`{raw}` is finer than a fen (0.01)", "amounts are given to the fen or cent: "
                             "round it, e.g. 1234.57元")
        return (float(amount), cur)
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
            if c not in record.categories:
                raise FieldError(f"unknown category `{c}`", did_you_mean(c, record.categories) or
                                 "categories: " + ", ".join(record.categories), "E804")
        return cats
    if name == "referral":
        s = "none" if raw is None else str(raw).strip()
        referrals = record.choices("referral")
        if s not in referrals:
            raise FieldError(f"unknown referral `{s}`", did_you_mean(s, referrals) or "one of " + ", ".join(referrals),
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
    if name in ("year", "year_of_life"):
        x = parse_number(raw)
        if x != int(x) or (name == "year_of_life" and x < 1):
            raise FieldError(f"`{raw}` is not a whole year" + (" from 1 on" if name == "year_of_life" else ""), None)
        return int(x)
    if dim == Dim.TEXT:
        return "" if raw is None else str(raw)
    if dim == Dim.SCALAR:
        return parse_number(raw)
    raise AssertionError(name)


def columns(records: list[dict[str, Any]], record: FieldRecord = CORE) -> ProjectBatch:
    """Validated records -> columns, with the record's defaults."""
    n = len(records)
    cols: dict[str, np.ndarray] = {}
    for name, f in record.fields.items():
        if name == "id":
            continue
        if record.is_declared(name):
            _declared_columns(name, record, [r.get(name) for r in records], cols)
            continue
        # where the record gave the field (elsewhere it took the schema's default): see compare.engine.assumed
        cols[f"{name}#given"] = np.array([name in r for r in records], dtype=bool)
        if f.dim == Dim.MONEY:
            amount = np.zeros(n, dtype=np.float64)
            cur = np.zeros(n, dtype=np.int8)
            for i, r in enumerate(records):
                if name in r:
                    amount[i], cur[i] = r[name]
            cols[name] = amount
            cols[f"{name}#cur"] = cur
        elif f.dim == Dim.BOOL:
            cols[name] = np.array([bool(r.get(name, f.default)) for r in records], dtype=bool)
        elif f.dim == Dim.RATIO:
            cols[name] = np.array([r.get(name, 0.0) for r in records], dtype=np.float64)
        elif f.dim == Dim.SET:
            for c in record.categories:
                cols[f"categories.{c}"] = np.array([c in r.get(name, []) for r in records], dtype=bool)
        elif name == "referral":
            referrals = record.choices("referral")
            cols[name] = np.array([referrals.index(r.get(name, "none")) for r in records], dtype=np.int8)
        elif name == "grade":
            # rank, best first (A+ = 0); -1 unknown
            cols[name] = np.array([GRADES.index(r[name]) if name in r else -1 for r in records], dtype=np.int8)
        elif name in ("quality_score", "year", "year_of_life"):
            missing = np.nan if f.default is None else f.default
            cols[name] = np.array([r.get(name, missing) for r in records], dtype=np.float64)
        else:
            cols[name] = np.array([r.get(name, f.default or "") for r in records], dtype=object)
    # 实缴资金 defaults to registered capital × paid-in ratio, in the capital's currency, rounded to the
    # fen (half away from zero) from the decimals the record gave
    given = cols["paid_in_capital#given"]
    cols["paid_in_capital"] = np.where(given, cols["paid_in_capital"],
                                       [_default_paid_in(r) for r in records] if n else cols["paid_in_capital"])
    cols["paid_in_capital#cur"] = np.where(given, cols["paid_in_capital#cur"], cols["registered_capital#cur"])
    # where a field is not given, what the given ones imply (started ⇒ licensed …): compare.engine.implied
    return ProjectBatch([r["id"] for r in records], imply(cols, n), record)


def _declared_columns(name: str, record: FieldRecord, values: list[Any], cols: dict[str, np.ndarray]) -> None:
    from compare.data import cells
    from compare.data.declared import declared_field
    from compare.data.headers import Column, declared_unit
    from compare.data.tables import _column

    declared_field(name, record.fields[name], record, _column(values), Column(name, name, declared_unit(name, record)),
                   cells.Bad(), 1, cols)


def _default_paid_in(record: dict[str, Any]) -> float:
    """registered_capital × paid_in_ratio to the fen, half away from zero, in exact decimals."""
    capital = record.get("registered_capital", (0.0, CNY))[0]
    ratio = record.get("paid_in_ratio", 0.0)
    product = Decimal(repr(float(capital))) * Decimal(repr(float(ratio)))
    return float(product.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
