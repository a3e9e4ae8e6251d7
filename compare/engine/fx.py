"""The USD→CNY rate: a dated parameter.  None of the four texts gives a rate (open reading 7),
so a run takes the year's default below unless it names one (`--fx 7.1`).

Defaults: the annual average of the People's Bank of China central parity rate, rounded to
four places (published yearly figures; approximate for the latest year).  The year is the
policy's own: its `effective` date, else its `issued` date, else the latest year here.
"""

from __future__ import annotations

import datetime as dt

from dsl.model import Policy

USD_CNY_ANNUAL_AVERAGE: dict[int, float] = {
    2016: 6.6423, 2017: 6.7518, 2018: 6.6174, 2019: 6.8985, 2020: 6.8976,
    2021: 6.4515, 2022: 6.7261, 2023: 7.0467, 2024: 7.1217, 2025: 7.1800,
}


def policy_year(policy: Policy) -> int | None:
    for key in ("effective", "issued"):
        m = policy.meta.get(key)
        if m is not None and m.is_date:
            return dt.date.fromisoformat(m.value).year
    return None


def default_fx(policy: Policy) -> float:
    year = policy_year(policy)
    if year is None or year not in USD_CNY_ANNUAL_AVERAGE:
        year = max(USD_CNY_ANNUAL_AVERAGE) if year is None or year > max(USD_CNY_ANNUAL_AVERAGE) \
            else min(USD_CNY_ANNUAL_AVERAGE)
    return USD_CNY_ANNUAL_AVERAGE[year]
