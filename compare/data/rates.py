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

from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np
import pyarrow as pa

from compare.data import cells
from compare.data.headers import FX_RATE
from compare.engine.batch import USD
from dsl.record import Record
from dsl.units import Dim

RATE_HINT = "a USD→CNY rate is a positive number of 元 per 美元, e.g. 7.1; leave the cell empty for the run's rate"


def parse_rates(arr: pa.Array, bad: cells.Bad, cap: int) -> list[Decimal | None]:
    """Each row's rate as a decimal (as written), None where not given; bad cells (E815) into `bad`."""
    texts = cells.as_strings(arr).to_pylist()
    rates: list[Decimal | None] = [None] * len(texts)
    wrong = np.zeros(len(texts), dtype=bool)
    for i, t in enumerate(texts):
        if t is None:
            continue
        try:
            r = Decimal(t.replace(",", ""))
        except InvalidOperation:
            r = Decimal("NaN")
        if not r.is_finite() or r <= 0:
            wrong[i] = True
        else:
            rates[i] = r
    bad.add(wrong, "E815", lambda i: f"`{cells._text(arr, i)}` is not a rate", RATE_HINT, cap)
    return rates


def _fen_half_away(x: Fraction) -> Decimal:
    """x rounded half away from zero to the fen (0.01), exactly."""
    fen = abs(x) * 100
    whole = int(fen + Fraction(1, 2))  # floor of a non-negative number
    return Decimal(whole if x >= 0 else -whole).scaleb(-2)


def convert(amount: float, currency: int, rate: Decimal) -> Decimal:
    """An amount (to the fen) in the other currency at `rate`, to the fen, half away from zero."""
    exact = Fraction(Decimal(repr(float(amount))))
    r = Fraction(rate)
    return _fen_half_away(exact * r if currency == USD else exact / r)


def add_own_rates(out: dict[str, np.ndarray], n: int, record: Record,
                  rates: dict[str, list[Decimal | None]]) -> None:
    """The `#alt`, `#own` and `#rate` columns of every money field (see the module), and `fx_rate`.
    `rates`: column name (`fx_rate`, `fx_rate.FIELD`) -> each row's rate."""
    if not rates:
        return
    general = rates.get(FX_RATE, [None] * n)
    out[FX_RATE] = np.array([np.nan if r is None else float(r) for r in general], dtype=np.float64)
    for name, f in record.fields.items():
        if f.dim != Dim.MONEY or name not in out:
            continue
        own_rates = rates.get(f"{FX_RATE}.{name}", [None] * n)
        chosen = [o if o is not None else g for o, g in zip(own_rates, general, strict=True)]
        own = np.array([r is not None for r in chosen], dtype=bool)
        alt = np.zeros(n, dtype=np.float64)
        amount, currency = out[name], out[f"{name}#cur"]
        for i in np.flatnonzero(own).tolist():
            r = chosen[i]
            assert r is not None
            alt[i] = float(convert(float(amount[i]), int(currency[i]), r))
        out[f"{name}#alt"] = alt
        out[f"{name}#own"] = own
        out[f"{name}#rate"] = np.array([np.nan if r is None else float(r) for r in chosen], dtype=np.float64)
