"""The fields a city declares, drawn in a sampled portfolio: `portfolio.sample.fields`.

One entry per declared field (and the built-in free-text `industry`), its form set by the field's type:

- bool: the probability that it holds (`0.3`, `30%`), or `true`/`false`;
- money, ratio, number, integer, count, area: a fixed figure (`300万元`, `12人`, `500平方米`, `30%`),
  `{uniform: {low, high}}` or `{log_uniform: {low, high}}` (both ends above 0); integer and count
  fields draw whole numbers.  A bare number is in the field's declared unit (`type area 平方米`);
  money needs its currency unless the field declares one (`type money 美元`);
- choice: a value (`key_area`), or each value's frequency, summing to 1 (`{key_area: 0.3, ordinary: 0.7}`);
- set: each member's probability, drawn independently (`{gazelle: 0.1, unicorn: 0.01}`);
- text: a text, or each text's frequency, summing to 1 (`{"制造": 0.6, "软件": 0.4}`);
- date: a date (`2024-03-01`) or `{uniform: {low: 2023-01-01, high: 2024-12-31}}` (whole days, both
  ends included).

A declared field the spec does not name takes its default, not given (as a file without its column);
a field without a default (required) must be named here.  Columns follow compare.engine.batch: money
as an amount and `#cur` in each project's currency (a figure in the other currency converted at the
sampling rate, as the built-in money fields are), areas in 亩, dates as days since 1970-01-01,
choices as codes into the run record's values, a set as one bool column per member (`NAME.MEMBER`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from compare.engine.batch import CNY, USD, ProjectBatch
from compare.simulate.amounts import parse_amount, spec_ratio
from dsl.diagnostics import did_you_mean
from dsl.record import Record
from dsl.units import SCALES, UNITS, Dim

_EPOCH = date(1970, 1, 1)
NUMERIC = ("money", "ratio", "number", "integer", "count", "area")
CORE_SAMPLED = ("industry",)  # built-in fields no other key of `portfolio.sample` draws
_FORMS = {
    "bool": "a probability (0.3 or 30%) or true/false", "money": "an amount, {uniform: {low, high}} or {log_uniform: …}",
    "choice": "a value, or each value's frequency summing to 1", "set": "each member's probability",
    "text": "a text, or each text's frequency summing to 1", "date": "a date (2024-03-01) or {uniform: {low, high}}",
}


class FieldSpecError(ValueError):
    """A `portfolio.sample.fields` entry that does not fit its field: where (keys below `fields`),
    what is wrong, and what would fit."""

    def __init__(self, keys: tuple[str, ...], message: str, hint: str | None = None, code: str = "E907"):
        super().__init__(f"fields{''.join('.' + k for k in keys)}: {message}" + (f" ({hint})" if hint else ""))
        self.keys, self.message, self.hint = keys, message, hint
        self.code = code  # E905: names what the record does not have; E907: a value of the wrong kind; E912


@dataclass(frozen=True)
class FieldDraw:
    """How one field is drawn.  `kind`: fixed, uniform, log_uniform (numbers and dates, in the base
    unit or days), bernoulli (bool), categorical (choice codes or texts), members (a set)."""

    name: str
    type: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    whole: bool = False
    currency: int = CNY  # of a money figure
    values: tuple[Any, ...] = ()  # categorical: codes or texts; members: member names
    p: tuple[float, ...] = ()  # their frequencies (categorical) or probabilities (members, bernoulli)


def field_type(record: Record, name: str) -> str:
    d = record.declared.get(name)
    return d.type if d is not None else "text"


def sampled_fields(record: Record) -> tuple[str, ...]:
    """The fields `portfolio.sample.fields` may name: the declared ones and the built-in free text."""
    return (*CORE_SAMPLED, *record.declared)


def read_fields(spec: Any, record: Record, complete: bool = False) -> dict[str, FieldDraw]:
    """Each entry of `portfolio.sample.fields`, checked against its field's type; FieldSpecError.
    `complete`: a required field (no default) missing here is an error too."""
    if not isinstance(spec, Mapping):
        raise FieldSpecError((), "a mapping of field names to how each is drawn")
    known = sampled_fields(record)
    out: dict[str, FieldDraw] = {}
    for name, entry in spec.items():
        name = str(name)
        if name not in known:
            core = name in record.fields
            raise FieldSpecError((name,), f"`{name}` is " + ("a built-in field drawn under its own key"
                                                              if core else "not a field of the run's policies"),
                                 (("money fields under `money`, ratios under `ratios`, true/false fields under "
                                   "`flags`, categories, referral, grade and quality_score under their own keys")
                                  if core else did_you_mean(name, known) or
                                  (("declared fields: " + ", ".join(record.declared) + "; " if record.declared else
                                    "the policies declare no field: ") + "declare one with `field NAME { type … }`")),
                                 "E904" if core else "E905")
        out[name] = _read(name, field_type(record, name), entry, record)
    missing = missing_required(out, record) if complete else []
    if missing:
        raise FieldSpecError((), required_message(missing[0]), required_hint(missing[0], record), "E912")
    return out


def required_message(name: str) -> str:
    return f"`{name}` has no default and is not drawn: every project needs it"


def required_hint(name: str, record: Record) -> str:
    form = _FORMS.get(field_type(record, name), "a fixed figure, {uniform: {low, high}} or {log_uniform: {low, high}}")
    return f"say how it is drawn: `portfolio.sample.fields.{name}`: {form}; or give the field a default where it is declared"


def missing_required(names: Any, record: Record) -> list[str]:
    """The required declared fields (no default) that `portfolio.sample.fields` does not draw."""
    given = set(names) if isinstance(names, Mapping) else set()
    return [n for n in record.declared if record.required(n) and n not in given]


def _read(name: str, ftype: str, entry: Any, record: Record) -> FieldDraw:
    at = (name,)
    if ftype == "bool":
        if isinstance(entry, bool):
            return FieldDraw(name, ftype, "bernoulli", p=(1.0 if entry else 0.0,))
        return FieldDraw(name, ftype, "bernoulli", p=(_ratio(at, entry),))
    if ftype in NUMERIC:
        return _numeric(name, ftype, entry, record)
    if ftype == "date":
        if isinstance(entry, Mapping):
            low, high = _range(at, entry, _day, ("uniform",))
            return FieldDraw(name, ftype, "uniform", low, high, whole=True)
        day = _day(at, entry)
        return FieldDraw(name, ftype, "fixed", day, day)
    if ftype == "set":
        members = record.choices(name)
        probs = spec_keys_or_error(at, entry, members)
        return FieldDraw(name, ftype, "members", values=tuple(probs), p=tuple(probs.values()))
    if ftype == "choice":
        values = record.choices(name)
        if isinstance(entry, str):
            if entry not in values:
                raise FieldSpecError(at, f"`{entry}` is not a value of `{name}`",
                                     did_you_mean(entry, values) or "values: " + ", ".join(values), "E905")
            return FieldDraw(name, ftype, "categorical", values=(values.index(entry),), p=(1.0,))
        freq = _frequencies(at, entry, values)
        return FieldDraw(name, ftype, "categorical", values=tuple(values.index(v) for v in freq), p=tuple(freq.values()))
    # text
    if isinstance(entry, str):
        return FieldDraw(name, ftype, "categorical", values=(entry,), p=(1.0,))
    freq = _frequencies(at, entry, None)
    return FieldDraw(name, ftype, "categorical", values=tuple(freq), p=tuple(freq.values()))


def _ratio(at: tuple[str, ...], value: Any) -> float:
    try:
        return spec_ratio("x", value)
    except ValueError as e:
        raise FieldSpecError(at, str(e).removeprefix("x: "), "a probability from 0 to 1: 0.3, 30%") from None


def spec_keys_or_error(at: tuple[str, ...], entry: Any, allowed: tuple[str, ...]) -> dict[str, float]:
    if not isinstance(entry, Mapping):
        raise FieldSpecError(at, "give each member's probability: {" + ", ".join(f"{m}: 0.1" for m in allowed[:2]) + "}")
    out = {}
    for k, v in entry.items():
        if str(k) not in allowed:
            raise FieldSpecError(at + (str(k),), f"`{k}` is not a member of `{at[0]}`",
                                 did_you_mean(str(k), allowed) or "members: " + ", ".join(allowed), "E905")
        out[str(k)] = _ratio(at + (str(k),), v)
    return out


def _frequencies(at: tuple[str, ...], entry: Any, allowed: tuple[str, ...] | None) -> dict[Any, float]:
    if not isinstance(entry, Mapping) or not entry:
        raise FieldSpecError(at, "give a value or each value's frequency (summing to 1): {a: 0.3, b: 0.7}")
    out: dict[Any, float] = {}
    for k, v in entry.items():
        if allowed is not None and str(k) not in allowed:
            raise FieldSpecError(at + (str(k),), f"`{k}` is not a value of `{at[0]}`",
                                 did_you_mean(str(k), allowed) or "values: " + ", ".join(allowed), "E905")
        out[str(k)] = _ratio(at + (str(k),), v)
    total = math.fsum(out.values())
    if abs(total - 1.0) > 1e-6:
        raise FieldSpecError(at, f"the frequencies of `{at[0]}` sum to {total:g}, not 1", "each is the share of the projects")
    return {k: v / total for k, v in out.items()}


def _numeric(name: str, ftype: str, entry: Any, record: Record) -> FieldDraw:
    at = (name,)
    unit = record.declared[name].unit
    whole = ftype in ("integer", "count")
    currencies: set[int] = set()

    def value(keys: tuple[str, ...], v: Any) -> float:
        x, cur = _figure(keys, ftype, v, unit)
        if cur is not None:
            currencies.add(cur)
        if whole and x != math.floor(x):
            raise FieldSpecError(keys, f"`{v}` is not a whole number; `{name}` is a{'n' if ftype == 'integer' else ''} "
                                 f"{ftype} field", "give whole numbers")
        return x

    if isinstance(entry, Mapping):
        kinds = tuple(k for k in ("uniform", "log_uniform") if k in entry)
        low, high = _range(at, entry, value, ("uniform", "log_uniform"))
        kind = kinds[0]
        if kind == "log_uniform" and low <= 0:
            raise FieldSpecError(at + (kind, "low"), "a log-uniform draw starts above 0",
                                 "start at a small figure, or use `uniform`")
        if len(currencies) > 1:
            raise FieldSpecError(at + (kind,), "the ends are in two currencies", "write both in 元 or both in 美元")
        return FieldDraw(name, ftype, kind, low, high, whole, currencies.pop() if currencies else CNY)
    x = value(at, entry)
    return FieldDraw(name, ftype, "fixed", x, x, whole, currencies.pop() if currencies else CNY)


def _figure(keys: tuple[str, ...], ftype: str, v: Any, unit: str | None) -> tuple[float, int | None]:
    """(value in the base unit, currency of money or None) of one figure of a numeric field."""
    hint = {"money": "an amount with its currency, e.g. 300万元", "ratio": "a share 0–1: 0.3 or 30%",
            "count": "a count, e.g. 12人 or 12", "area": "an area, e.g. 500平方米, 2亩 or a number in the field's unit",
            "number": "a number", "integer": "a whole number"}[ftype]
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise FieldSpecError(keys, f"`{v!r}` is not a figure", hint)
    try:
        if ftype == "ratio":
            return spec_ratio("x", v), None
        x, dim = parse_amount(v)
    except ValueError as e:
        raise FieldSpecError(keys, str(e).removeprefix("x: "), hint) from None
    if dim == Dim.SCALAR and unit is not None:  # a bare number is in the declared unit (`type area 平方米`)
        scale, base = (unit[:-len(u)], u) if (u := unit.lstrip("万亿千")) in UNITS else ("", "")
        if base:
            x, dim = x * SCALES.get(scale, Decimal(1)) * UNITS[base].factor, UNITS[base].dim
    if dim == Dim.SCALAR and ftype == "area":  # no unit declared: the base unit, 亩
        dim = Dim.AREA
    if ftype == "money":
        if dim not in (Dim.CNY, Dim.USD):
            raise FieldSpecError(keys, f"`{v}` has no currency" if dim == Dim.SCALAR else f"`{v}` is not money", hint)
        return float(x), USD if dim == Dim.USD else CNY
    want = {"count": Dim.COUNT, "area": Dim.AREA}.get(ftype, Dim.SCALAR)
    if dim != want and not (dim == Dim.SCALAR and ftype in ("count", "number", "integer")):
        raise FieldSpecError(keys, f"`{v}` is {dim.value}, not a figure of a {ftype} field", hint)
    return float(x), None


def _day(keys: tuple[str, ...], v: Any) -> float:
    try:
        return float((date.fromisoformat(str(v).strip()) - _EPOCH).days)
    except ValueError:
        raise FieldSpecError(keys, f"`{v}` is not a date", "write it as 2024-03-01") from None


def _range(at: tuple[str, ...], entry: Mapping[str, Any], value: Callable[[tuple[str, ...], Any], float],
           kinds: tuple[str, ...]) -> tuple[float, float]:
    given = [k for k in kinds if k in entry]
    if len(entry) != 1 or len(given) != 1:
        raise FieldSpecError(at, "give a fixed value or one of " + ", ".join(f"{{{k}: {{low, high}}}}" for k in kinds))
    kind = given[0]
    ends = entry[kind]
    if not isinstance(ends, Mapping) or set(ends) != {"low", "high"}:
        raise FieldSpecError(at + (kind,), f"`{kind}` takes `low` and `high`")
    low, high = value(at + (kind, "low"), ends["low"]), value(at + (kind, "high"), ends["high"])
    if low > high:
        raise FieldSpecError(at + (kind, "low"), f"runs backwards: `low` {ends['low']} is above `high` {ends['high']}",
                             "write the lower end as `low`")
    return low, high


Problem = tuple[str, tuple[str, ...], str, "str | None", bool]  # code, keys below the sample, message, hint, at the value


def sample_problems(sample: Mapping[str, Any], record: Record) -> list[Problem]:
    """Every problem of a `portfolio.sample`'s names against the run's record: categories and referral
    values it does not have (E905), `fields` entries that do not fit (read_fields), required fields
    not drawn (E912)."""
    out: list[Problem] = []
    for key, values in (("categories", record.categories), ("referral", record.choices("referral"))):
        word, decl = ("category", "category") if key == "categories" else ("referral", "choice referral")
        for name in sample[key] if isinstance(sample.get(key), Mapping) else ():
            if name not in values:
                out.append(("E905", (key, str(name)), f"`{name}` is not a {word} of the run's policies",
                            did_you_mean(str(name), values) or f"declare it in a policy: `{decl} {name} \"…\"`; "
                            f"known: {', '.join(values)}", False))
    fields = sample.get("fields")
    years = sample.get("years")
    per_year = years.get("per_year") if isinstance(years, Mapping) else None
    each_year = per_year.get("fields") if isinstance(per_year, Mapping) else None  # drawn again each year
    for at, drawn in ((("fields",), fields), (("years", "per_year", "fields"), each_year)):
        for name, entry in drawn.items() if isinstance(drawn, Mapping) else ():
            try:
                read_fields({name: entry}, record)
            except FieldSpecError as e:
                out.append((e.code, (*at, *e.keys), e.message, e.hint, len(e.keys) > 1 or e.code != "E905"))
    if isinstance(each_year, Mapping):
        fields = {**(fields if isinstance(fields, Mapping) else {}), **each_year}
    for name in missing_required(fields if isinstance(fields, Mapping) else {}, record):
        keys = ("fields",) if isinstance(fields, Mapping) else ()
        out.append(("E912", keys, required_message(name), required_hint(name, record), False))
    return out


def map_problems(project: Mapping[str, Any], axes: tuple[Any, ...], record: Record) -> list[Problem]:
    """The competition map's `project` against the run's record: a field it does not have (E905), a
    required declared field neither fixed there nor an axis (E912)."""
    out: list[Problem] = []
    for name in project:
        if str(name) not in record.fields or name == "id":
            out.append(("E905", (str(name),), f"`{name}` is not a field of the run's policies",
                        did_you_mean(str(name), [f for f in record.fields if f != "id"]) or
                        "declared fields: " + (", ".join(record.declared) or "none"), False))
    for name in missing_required({**project, **{a: 1 for a in axes if isinstance(a, str)}}, record):
        out.append(("E912", (), f"`{name}` has no default and the map's projects do not give it",
                    f"fix it for every cell: `analyses.competition_map.project.{name}: …`, or give the field a "
                    "default where it is declared", False))
    return out


# ------------------------------------------------------------------ drawing

def draw(d: FieldDraw, record: Record, rng: np.random.Generator, n: int, usd: np.ndarray,
         to_fen: Callable[[np.ndarray, bool, np.ndarray], np.ndarray]) -> dict[str, np.ndarray]:
    """The columns of field `d.name` for `n` projects (`usd`: each project's currency; `to_fen`
    converts money in `d.currency` to each project's, to the fen)."""
    given = np.ones(n, dtype=bool)
    name = d.name
    if d.kind == "bernoulli":
        p = d.p[0]
        col = np.full(n, p == 1.0) if p in (0.0, 1.0) else rng.random(n) < p
        return {name: col, f"{name}#given": given}
    if d.kind == "members":
        out = {f"{name}.{m}": np.zeros(n, dtype=bool) for m in record.choices(name)}
        for m, p in zip(d.values, d.p, strict=True):
            out[f"{name}.{m}"] = rng.random(n) < p  # drawn in the spec's order: each member its own draws
        return {**out, f"{name}#given": given}
    if d.kind == "categorical":
        pick = np.searchsorted(_cumulative(np.array(d.p)), rng.random(n), side="right") if len(d.p) > 1 \
            else np.zeros(n, dtype=np.int64)
        if d.type == "choice":
            return {name: np.asarray(d.values, dtype=np.int16)[pick], f"{name}#given": given}
        return {name: np.array(d.values, dtype=object)[pick], f"{name}#given": given}
    if d.kind == "fixed":
        x = np.full(n, d.low)
    elif d.kind == "uniform":
        x = rng.integers(int(d.low), int(d.high) + 1, n).astype(np.float64) if d.whole else rng.uniform(d.low, d.high, n)
    else:  # log_uniform: log x uniform; whole numbers by flooring a draw over [low, high + 1)
        top = d.high + 1 if d.whole else d.high
        x = np.exp(rng.uniform(math.log(d.low), math.log(top), n))
        if d.whole:
            np.floor(x, out=x)
            np.minimum(x, d.high, out=x)
    if d.type == "money":
        return {name: to_fen(x, d.currency == USD, usd), f"{name}#cur": usd.astype(np.int8), f"{name}#given": given}
    return {name: x, f"{name}#given": given}


def defaults(name: str, record: Record, n: int) -> dict[str, np.ndarray]:
    """The columns of a field the spec does not draw: its default everywhere, not given."""
    f = record.fields[name]
    ftype = field_type(record, name)
    no = np.zeros(n, dtype=bool)
    if ftype == "bool":
        return {name: np.full(n, bool(f.default)), f"{name}#given": no}
    if ftype == "set":
        members = set(f.default) if isinstance(f.default, (tuple, list)) else set()
        return {**{f"{name}.{m}": np.full(n, m in members) for m in record.choices(name)}, f"{name}#given": no}
    if ftype == "choice":
        code = record.choices(name).index(str(f.default)) if f.default is not None else -1
        return {name: np.full(n, code, dtype=np.int16), f"{name}#given": no}
    if ftype == "text":
        return {name: np.full(n, f.default or "", dtype=object), f"{name}#given": no}
    if ftype == "date":
        day = float((date.fromisoformat(str(f.default)) - _EPOCH).days) if f.default is not None else np.nan
        return {name: np.full(n, day), f"{name}#given": no}
    value = float(f.default) if isinstance(f.default, (int, float, Decimal)) and not isinstance(f.default, bool) \
        else np.nan
    out = {name: np.full(n, value), f"{name}#given": no}
    if ftype == "money":
        d = record.declared.get(name)
        out[f"{name}#cur"] = np.full(n, USD if d is not None and d.unit == "美元" else CNY, dtype=np.int8)
    return out


def batch(ids: list[str], columns: dict[str, np.ndarray], record: Record) -> ProjectBatch:
    """A batch carrying the record it was drawn against (a choice's code indexes its values there)."""
    return ProjectBatch(ids, columns, record=record)


def _cumulative(p: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(p)
    cdf[-1] = np.inf  # a uniform draw below 1 always lands in a value
    return cdf


__all__ = ["CORE_SAMPLED", "FieldDraw", "FieldSpecError", "defaults", "draw", "missing_required", "read_fields",
           "map_problems", "sample_problems", "sampled_fields"]
