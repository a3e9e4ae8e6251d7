"""The rules of a scenario's bounded draws and years that its schema cannot say, each at its key's line
(compare.simulate.scenario reports them with the schema's errors):

- E920: a bounded draw runs backwards (`between: [1亿美元, 1000万美元]`);
- E921: a lognormal's bound is not above 0, or any bound is below 0;
- E922: `years` runs backwards (`from` after `to`) or spans more than MAX_YEARS years;
- E923: a landing year outside the portfolio's years;
- E924: a lognormal's bounds lie so far from its median that it puts nothing between them.

An amount that does not read, or two bounds in two currencies, is E904 (as other inconsistent values).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from compare.simulate.amounts import parse_amount
from compare.simulate.money_spec import mass
from compare.simulate.portfolio_years import MAX_YEARS
from compare.simulate.scenario_yaml import KeyPath, dotted
from dsl.units import Dim

Problem = tuple[KeyPath, str, "str | None", str, bool]  # path, message, hint, code, at the key
_SAMPLE: KeyPath = ("portfolio", "sample")
_NOT_OVER_YEARS = ("monte_carlo", "readings")


def _at(data: Any, path: KeyPath) -> Any:
    for k in path:
        data = data.get(k) if isinstance(data, dict) and isinstance(k, str) else None
    return data


def _amount(text: Any) -> tuple[float, Dim] | str | None:
    """(value, currency) of a bound, the reason it does not read, or None where the schema reports it."""
    if not isinstance(text, str):
        return None
    if text.strip().startswith("-"):
        return -1.0, Dim.CNY
    try:
        value, dim = parse_amount(text, "money")
    except ValueError as e:
        return str(e)
    return float(value), dim


def money_entries(sample: Any) -> Iterator[tuple[KeyPath, str, Any]]:
    """(path, field, entry) of each money draw of a `portfolio.sample`: under `money`, then under
    `years.per_year.money`."""
    for base in (("money",), ("years", "per_year", "money")):
        entries = _at(sample, base)
        for name, entry in entries.items() if isinstance(entries, dict) else ():
            yield _SAMPLE + base + (name,), name, entry


def bounded_problems(data: Any) -> list[Problem]:
    """Every problem of the scenario's bounded draws and years, in no particular order."""
    if not isinstance(data, dict):
        return []
    out: list[Problem] = []
    for path, _, entry in money_entries(_at(data, _SAMPLE)):
        if isinstance(entry, dict):
            out += _draw(path, entry)
    out += list(_years(data))
    return out


def _draw(path: KeyPath, entry: dict[str, Any]) -> list[Problem]:
    kind = "lognormal" if "lognormal" in entry else "uniform" if "uniform" in entry else None
    spec = entry.get(kind) if kind else None
    between = spec.get("between") if isinstance(spec, dict) else None
    if kind is None or not isinstance(between, list) or len(between) != 2:
        return []
    assert isinstance(spec, dict)
    at = path + (kind, "between")
    out: list[Problem] = []
    read = [_amount(x) for x in between]
    for k, r in enumerate(read):
        if isinstance(r, str):
            out.append((at + (k,), r, "write an amount with its unit: 1000万美元, 5000万元", "E904", False))
        elif r is not None and (r[0] < 0 or (kind == "lognormal" and r[0] <= 0)):
            out.append((at + (k,), f"`{between[k]}`: " + ("a lognormal's bounds are above 0 (its amounts are)"
                                                          if kind == "lognormal" else "amounts drawn are not below 0"),
                        "start at a small amount, e.g. 1万美元" if kind == "lognormal" else "start at 0 or above",
                        "E921", False))
    if out or not all(isinstance(r, tuple) for r in read):
        return out
    (low, cl), (high, ch) = (r for r in read if isinstance(r, tuple))
    median = _amount(spec.get("median")) if kind == "lognormal" else None
    currencies = {cl, ch} | ({median[1]} if isinstance(median, tuple) else set())
    if len(currencies) > 1:
        return [(at, f"`{dotted(at)}` mixes currencies: 元 and 美元", "write the bounds"
                 + (" and the median" if median else "") + " in one currency, all in 美元 or all in 元", "E904", False)]
    if low > high:
        return [(at + (0,), f"the bounds run backwards: `{between[0]}` is above `{between[1]}`",
                 f"write the lower amount first: [{between[1]}, {between[0]}]", "E920", False)]
    sigma = spec.get("sigma")
    if isinstance(median, tuple) and median[0] > 0 and isinstance(sigma, (int, float)) and not isinstance(sigma, bool) \
            and 0 < sigma <= 10 and mass(median[0], float(sigma), low, high) <= 0:
        z = math.log(low / median[0]) / sigma if low > median[0] else math.log(high / median[0]) / sigma
        return [(at, f"a lognormal of median {spec['median']} and sigma {sigma:g} puts nothing between "
                     f"{between[0]} and {between[1]} (they lie {abs(z):.0f} sigma from the median)",
                 "move the median between the bounds, or widen sigma", "E924", False)]
    return []


def _years(data: dict[str, Any]) -> Iterator[Problem]:
    years = _at(data, _SAMPLE + ("years",))
    if not isinstance(years, dict):
        return
    at = _SAMPLE + ("years",)
    first, last = (y if isinstance(y, int) and not isinstance(y, bool) else None
                   for y in (years.get("from"), years.get("to")))
    if first is None or last is None:  # the schema says what a year is
        return
    if first > last:
        yield (at + ("from",), f"`years` runs backwards: from {first} to {last}",
               f"write the earlier year as `from`: {{from: {last}, to: {first}}}", "E922", False)
        return
    if last - first + 1 > MAX_YEARS:
        yield (at + ("to",), f"`years` spans {last - first + 1} years ({first}–{last}), more than {MAX_YEARS}",
               "a portfolio over years covers the years its projects' promises run", "E922", False)
        return
    landing = years.get("landing")
    for key, value in (landing.items() if isinstance(landing, dict) else [(None, landing)]):
        year = int(key) if isinstance(key, str) and key.isdigit() else value if key is None else None
        if isinstance(year, int) and not isinstance(year, bool) and not first <= year <= last:
            yield (at + ("landing",) + ((key,) if key is not None else ()),
                   f"landing year {year} is outside the portfolio's years {first}–{last}",
                   "land projects in the years evaluated, or widen `from`/`to`", "E923", key is not None)
    if isinstance(landing, dict) and landing and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                     for v in landing.values()):
        total = math.fsum(landing.values())
        if abs(total - 1) > 1e-9:
            yield (at + ("landing",), f"the landing frequencies sum to {total:g}, not 1",
                   "make them add up to 1: each is the share of the projects landing that year", "E904", True)
    analyses = data.get("analyses")
    for name in _NOT_OVER_YEARS:
        if isinstance(analyses, dict) and name in analyses:
            yield (("analyses", name), f"`analyses.{name}` does not run on a portfolio over years",
                   "run it in a scenario without `portfolio.sample.years`; over years: compare and sweep",
                   "E904", True)
