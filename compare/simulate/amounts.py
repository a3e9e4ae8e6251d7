"""Amounts as written in policies and scenarios: `3000万美元`, `1亿元`, `8000万元`, `3%`, `5‰`, `12分`, `6个月`.

One notation, the policy language's (dsl.units): a number, an optional scale (千 万 亿 万亿, with money
or a bare number only) and a unit of dsl.units.UNITS.  The value comes back in its dimension's base
unit (yuan, dollars, a fraction, points, months …) as a Decimal, exactly.  A bare number is
Dim.SCALAR unless the caller expects a ratio (`dim_hint="ratio"`: 0.3 is 30%).  Currency codes before
a plain number (`USD 40000000`) and weight ratios (`1.5:1`) are not amounts: they are refused.

`spec_keys`, `spec_number`, `spec_ratio` and `spec_frequencies` check the plain values of a scenario,
naming the place of a bad one.  `table_amounts` reads a column of money from a table file (cells with
units, or numbers under a header with one: `amount[万元]`) as the project reader does (compare.data).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from compare.data import cells
from compare.data.headers import parse_unit
from compare.data.read import read_table
from compare.data.records import FieldError, InputError
from dsl.units import DAYS_PER_MONTH, SCALES, UNITS, Dim, format_decimal

_AMOUNT = re.compile(r"^(?P<num>\d+(?:\.\d+)?)\s*(?P<scale>万亿|万|亿|千)?\s*(?P<unit>\S*?)$")
_SCALED_UNITS = ("美元", "元", "")  # a scale goes with money, or stands alone (1.5万: a bare number)

_EXAMPLES: dict[Dim, str] = {
    Dim.CNY: "8000万元", Dim.USD: "3000万美元", Dim.MONEY: "8000万元 or 3000万美元", Dim.RATIO: "3% or 5‰ (or 0.03)",
    Dim.POINTS: "12分", Dim.MONTHS: "6个月", Dim.DAYS: "30天", Dim.COUNT: "5人", Dim.AREA: "100亩",
    Dim.SCALAR: "a bare number, e.g. 1.5",
}


def _hint_dim(dim_hint: str | None) -> Dim | None:
    if dim_hint is None:
        return None
    for d in Dim:
        if dim_hint in (d.value, d.name) or dim_hint.lower() in (d.value, d.name.lower()):
            if d not in _EXAMPLES:
                raise ValueError(f"dim_hint `{dim_hint}` is not a dimension of amounts")
            return d
    raise ValueError(f"unknown dim_hint `{dim_hint}`: one of " + ", ".join(d.value for d in _EXAMPLES))


def _what(dim: Dim) -> str:
    return {Dim.CNY: "an amount in yuan", Dim.USD: "an amount in dollars", Dim.MONEY: "an amount of money",
            Dim.RATIO: "a ratio", Dim.SCALAR: "a bare number"}.get(dim, f"{dim.value}")


def parse_amount(text: str | int | float, dim_hint: str | None = None) -> tuple[Decimal, Dim]:
    """(value in the dimension's base unit, dimension) of `text`: `3000万美元` -> (30000000, Dim.USD),
    `3%` -> (0.03, Dim.RATIO), `6个月` -> (6, Dim.MONTHS), `1.5` -> (1.5, Dim.SCALAR).

    `dim_hint` (a Dim's value or name: "money", "CNY", "USD", "ratio", "points", "days", "number" …) is
    what the caller expects: the amount must be of it (ValueError otherwise, saying what to write).  With
    "money" a bare or merely scaled number (`3000万`) is refused for want of a currency; with "ratio" a
    bare number is a fraction (0.3, at most 1); with "days" months count 30 days each."""
    want = _hint_dim(dim_hint)
    raw, number, scale, unit = split_amount(text)
    if unit not in UNITS:
        raise ValueError(f"`{raw}`: unknown unit `{unit}`; write it as in the texts: "
                         + (_EXAMPLES[want] if want else "8000万元, 3000万美元, 3%, 5‰, 12分, 6个月, 30天"))
    if scale and unit not in _SCALED_UNITS:
        raise ValueError(f"`{raw}`: a scale ({scale}) goes with money only, e.g. {number}{scale}元")
    dim = UNITS[unit].dim
    value = number * SCALES[scale] * UNITS[unit].factor
    if want is None or want == dim:
        return value, dim
    if want == Dim.MONEY and dim in (Dim.CNY, Dim.USD):
        return value, dim
    if dim == Dim.SCALAR:
        shown = f"{number}{scale}"
        if want.is_money:
            choices = {Dim.CNY: f"{shown}元", Dim.USD: f"{shown}美元"}.get(want, f"{shown}元 or {shown}美元")
            raise ValueError(f"`{raw}` has no currency: write {choices}")
        if want == Dim.RATIO and not scale:
            if value > 1:
                raise ValueError(f"`{raw}` as a ratio: write {raw}% (or a fraction 0–1, e.g. {value / 100})")
            return value, Dim.RATIO
        raise ValueError(f"`{raw}` has no unit: write {_what(want)}, e.g. {_EXAMPLES[want]}")
    if want == Dim.DAYS and dim == Dim.MONTHS:
        return value * DAYS_PER_MONTH, Dim.DAYS
    if want.is_money and dim.is_money:  # the other currency
        raise ValueError(f"`{raw}` is {_what(dim)}; {_what(want)} is expected: e.g. {_EXAMPLES[want]}")
    raise ValueError(f"`{raw}` is {_what(dim)}, not {_what(want)}: write e.g. {_EXAMPLES[want]}")


def split_amount(text: str | int | float) -> tuple[str, Decimal, str, str]:
    """(the text as shown, number, scale, unit symbol)."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ValueError(f"`{text!r}` is not an amount: write a number with its unit, e.g. 8000万元")
    if isinstance(text, (int, float)):
        if isinstance(text, float) and (text != text or text in (float("inf"), float("-inf"))):
            raise ValueError(f"`{text}` is not a finite number")
        if text < 0:
            raise ValueError(f"`{text}` is negative: amounts, ratios and counts are zero or more")
        number = Decimal(str(text)) if isinstance(text, float) else Decimal(text)
        if "E" in str(number):
            number = Decimal(format_decimal(number))
        return format_decimal(number), number, "", ""
    raw = text.strip()
    norm = unicodedata.normalize("NFKC", raw).replace(",", "").strip()  # full-width digits and ％, 4,000万元
    if not norm:
        raise ValueError("an empty amount: write a number with its unit, e.g. 8000万元")
    if ":" in norm or "比" in norm:
        raise ValueError(f"`{raw}` is a ratio of parts (1.5:1), not an amount: write a single figure, e.g. 150%")
    if norm.upper().startswith(("USD", "CNY", "RMB")):
        raise ValueError(f"`{raw}`: write the amount as in the texts, with the unit after the number: "
                         "4000万美元, 8000万元")
    if norm.startswith("-"):
        raise ValueError(f"`{raw}` is negative: amounts, ratios and counts are zero or more")
    m = _AMOUNT.match(norm)
    if m is None:
        raise ValueError(f"`{raw}` is not an amount: write a number with its unit, e.g. 8000万元, 3000万美元, 3%")
    try:
        number = Decimal(m["num"])
    except InvalidOperation as e:  # pragma: no cover - the pattern admits decimals only
        raise ValueError(f"`{raw}` is not a number") from e
    return raw, number, m["scale"] or "", m["unit"]


# ---------------------------------------------------------------- scenario values, checked
# Each raises ValueError("CONTEXT: what is wrong"), CONTEXT being the value's place in the scenario.


def _at(context: str, message: str) -> ValueError:
    return ValueError(f"{context}: {message}")


def spec_keys(context: str, mapping: Any, allowed: Sequence[str]) -> Mapping[str, Any]:
    """`mapping`, a mapping whose keys are all among `allowed`."""
    if not isinstance(mapping, Mapping):
        raise _at(context, f"expected a mapping, got `{mapping!r}`")
    unknown = [str(k) for k in mapping if k not in allowed]
    if unknown:
        raise _at(context, f"unknown key `{unknown[0]}`; expected one of " + ", ".join(allowed))
    return mapping


def spec_number(context: str, value: Any, low: float | None = None, high: float | None = None) -> float:
    """A finite plain number (a YAML number or its text), within [low, high] where given."""
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError
        x = float(value)
    except ValueError:
        raise _at(context, f"`{value!r}` is not a number") from None
    if not np.isfinite(x):
        raise _at(context, f"`{value}` is not a finite number")
    if (low is not None and x < low) or (high is not None and x > high):
        raise _at(context, f"{value} is outside {low}..{high}")
    return x


def spec_ratio(context: str, value: Any) -> float:
    """A share or probability 0–1: 0.3, 30% or 300‰."""
    try:
        x = float(parse_amount(value, "ratio")[0])
    except ValueError as e:
        raise _at(context, str(e)) from None
    if not 0.0 <= x <= 1.0:
        raise _at(context, f"`{value}` is outside 0–1 (0%–100%)")
    return x


def spec_frequencies(context: str, spec: Any, choices: Sequence[str], upper: bool = False) -> np.ndarray:
    """Probabilities over `choices` (in their order) from {choice: frequency}; they sum to 1."""
    mapping = spec_keys(context, {str(k).upper() if upper else k: v for k, v in spec.items()}
                        if isinstance(spec, Mapping) else spec, choices)
    p = np.array([spec_ratio(f"{context}.{c}", mapping[c]) if c in mapping else 0.0 for c in choices])
    if abs(p.sum() - 1.0) > 1e-6:
        raise _at(context, f"the frequencies sum to {p.sum():g}, not 1")
    return p / p.sum()


def table_amounts(path: Path, column: str, field: str) -> tuple[np.ndarray, np.ndarray]:
    """(amounts to the fen, currency codes int8) of the filled cells of column `column` of a table file
    (.csv .tsv .parquet .xlsx …, as `policylab eval` reads them), for money field `field`: `column` is a
    header as written or its name before a unit (`amount` for `amount[万元]`).  ValueError on a missing
    file or column, a unit that is not money, a bad cell, or no amounts at all."""
    try:
        table, _ = read_table(path)
    except InputError as e:
        raise ValueError(f"{path}: {e}") from None
    headers = [h.strip().lstrip("\ufeff") for h in table.column_names]
    found = [i for i, h in enumerate(headers) if h == column or h.split("[")[0].strip() == column]
    if not found:
        raise ValueError(f"{path} has no column `{column}` (columns: {', '.join(headers)})")
    header = headers[found[0]]
    unit = None
    if "[" in header and header.endswith("]") and header != column:
        try:
            unit = parse_unit(field, header[header.index("[") + 1:-1])
        except FieldError as e:
            raise ValueError(f"{path}, column `{header}`: {e.message} ({e.hint})") from None
    bad = cells.Bad()
    amount, cur, given = cells.money(table.column(found[0]).combine_chunks(), unit, column, bad, 3)
    if bad.count:
        first = "; ".join(f"row {row + 1}: {message}" for row, _, message, _ in bad.rows)
        raise ValueError(f"{path}, column `{header}`: {bad.count} bad cells ({first}); {cells.MONEY_HINT}")
    if not given.any():
        raise ValueError(f"{path}, column `{header}` has no amounts")
    return amount[given].copy(), cur[given].astype(np.int8)
