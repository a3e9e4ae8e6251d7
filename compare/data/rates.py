"""A project's own USD→CNY rate: 外资按到账当日汇率折合人民币.

The column `fx_rate` gives the rate of all of a project's amounts, `fx_rate.FIELD` that of one money
field (it overrides `fx_rate`); where neither is given the run's single rate applies.  Each money
field of a row with its own rate is converted here, once, into the other currency: the exact decimal
product (USD→CNY) or quotient (CNY→USD) rounded half away from zero to the fen.  The batch gets
`FIELD#alt` (that amount), `FIELD#own` (the row has its own rate) and `FIELD#rate` (the rate, NaN
where the run's applies), and `fx_rate` (the project's rate of all its amounts, NaN where none).  A
rate that is not a positive number is E815 at its row and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data import cells
from compare.data.headers import FX_RATE
from compare.engine.batch import USD
from dsl.record import Record
from dsl.units import Dim

RATE_HINT = "a USD→CNY rate is a positive number of 元 per 美元, e.g. 7.1; leave the cell empty for the run's rate"


@dataclass
class Rates:
    """One rate column: each row's rate × 10^digits as a whole number (exact), where given."""

    scaled: np.ndarray  # Python ints (object); 0 where not given
    digits: int
    given: np.ndarray

    def at(self, digits: int) -> np.ndarray:
        """The rates × 10^digits (digits >= self.digits)."""
        k = 10 ** (digits - self.digits)
        return self.scaled if k == 1 else self.scaled * k


def parse_rates(arr: pa.Array, bad: cells.Bad, cap: int) -> Rates:
    """Each row's rate, exactly as written (a number cell as its shortest decimal: 7.1 is 7.1); bad cells
    (E815) into `bad`.  Each distinct value is read once."""
    texts, index = _distinct(arr)
    rates: list[Decimal | None] = []
    for t in texts:
        try:
            r = Decimal(t.replace(",", ""))
        except InvalidOperation:
            r = Decimal("NaN")
        rates.append(r if r.is_finite() and r > 0 else None)
    ok = np.array([r is not None for r in rates] + [False], dtype=bool)
    at = np.where(index >= 0, index, len(rates))
    bad.add((index >= 0) & ~ok[at], "E815", lambda i: f"`{cells._text(arr, i)}` is not a rate", RATE_HINT, cap)
    digits = max((max(0, -int(r.as_tuple().exponent)) for r in rates if r is not None), default=0)
    whole = np.array([int(r.scaleb(digits)) if r is not None else 0 for r in rates] + [0], dtype=object)
    return Rates(whole[at], digits, ok[at])


def _distinct(arr: pa.Array) -> tuple[list[str], np.ndarray]:
    """The column's distinct values as text, and each row's index among them (-1: not given)."""
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type):
        x = np.asarray(pc.fill_null(arr.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False), dtype=np.float64)
        present = ~np.isnan(x)
        distinct, inverse = np.unique(x[present], return_inverse=True)
        index = np.full(len(x), -1, dtype=np.int64)
        index[present] = inverse
        return [repr(float(v)) if np.isfinite(v) else "NaN" for v in distinct], index
    encoded = cells.as_strings(arr).dictionary_encode()
    return encoded.dictionary.to_pylist(), np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False),
                                                      dtype=np.int64)


def convert(fen: int, usd: bool, rate: int, digits: int) -> int:
    """An amount of `fen` (>= 0) in the other currency at rate / 10^digits, in fen, half away from zero:
    exact whole-number arithmetic."""
    num, den = (fen * rate, 10 ** digits) if usd else (fen * 10 ** digits, rate)
    q, rem = divmod(num, den)
    return q + (2 * rem >= den)


def _convert_all(fen: np.ndarray, usd: np.ndarray, rate: np.ndarray, digits: int) -> np.ndarray:
    """`convert` of every row, in int64 where no product can overflow, else in Python's integers."""
    if fen.size and float(fen.max()) * max(float(rate.max()), float(10 ** digits)) < 2.0 ** 62:
        scale = np.int64(10 ** digits)
        num = np.where(usd, fen * rate, fen * scale)
        den = np.where(usd, scale, rate)
        q, rem = np.divmod(num, den)
        return q + (2 * rem >= den)
    return np.array([convert(int(f), bool(u), int(r), digits) for f, u, r in zip(fen, usd, rate, strict=True)],
                    dtype=object)


def add_own_rates(out: dict[str, np.ndarray], n: int, record: Record, rates: dict[str, Rates]) -> None:
    """The `#alt`, `#own` and `#rate` columns of every money field (see the module), and `fx_rate`.
    `rates`: column name (`fx_rate`, `fx_rate.FIELD`) -> its rates."""
    if not rates:
        return
    digits = max(r.digits for r in rates.values())
    none = Rates(np.zeros(n, dtype=object), digits, np.zeros(n, dtype=bool))
    general = rates.get(FX_RATE, none)
    general_scaled = general.at(digits)
    out[FX_RATE] = _floats(general_scaled, general.given, digits)
    for name, f in record.fields.items():
        if f.dim != Dim.MONEY or name not in out:
            continue
        own_column = rates.get(f"{FX_RATE}.{name}", none)
        own = own_column.given | general.given
        chosen = np.where(own_column.given, own_column.at(digits), general_scaled)
        alt = np.zeros(n, dtype=np.float64)
        fen = np.rint(out[name] * 100.0)
        rows = own & (fen != 0)  # 0 is 0 in either currency
        if rows.any():
            converted = _convert_all(fen[rows].astype(np.int64), out[f"{name}#cur"][rows] == USD,
                                     chosen[rows].astype(np.int64) if _small(chosen[rows]) else chosen[rows], digits)
            alt[rows] = np.asarray(converted, dtype=np.float64) / 100.0
        out[f"{name}#alt"] = alt
        out[f"{name}#own"] = own
        out[f"{name}#rate"] = _floats(chosen, own, digits)


def _small(values: np.ndarray) -> bool:
    return bool(values.size == 0 or max(values) < 2 ** 62)


def _floats(scaled: np.ndarray, given: np.ndarray, digits: int) -> np.ndarray:
    """Rates as float64 (NaN where none), each the nearest double to its decimal (each distinct one once)."""
    out = np.full(len(scaled), np.nan)
    if given.any():
        values = scaled[given]
        distinct, inverse = np.unique(values.astype(np.int64) if _small(values) else values, return_inverse=True)
        out[given] = np.array([float(Decimal(int(r)).scaleb(-digits)) for r in distinct])[inverse]
    return out
