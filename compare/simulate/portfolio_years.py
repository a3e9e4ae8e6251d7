"""Sampled portfolios over years: `portfolio.sample.years` drawn as compare.engine.project_years.ProjectYears.

    years:
      from: 2024
      to: 2028
      landing: {2024: 0.5, 2025: 0.3, 2026: 0.2}     # or a year; default: every project lands in `from`
      per_year:
        money: {fdi_arrived: {lognormal: {median: 500万美元, sigma: 0.8, between: [50万美元, 5000万美元]}}}
        flags: {started: 0.9}
        fields: {…}                                  # declared fields, as `portfolio.sample.fields`

Each project is drawn once (compare.simulate.portfolio): its currency, registered capital, flags,
categories … are the same in every year.  It lands in a year drawn from `landing` (its year of life 1)
and has a row every year from then to `to`, without gaps.  The fields under `per_year` are drawn again
for each year, each year from its own random numbers: the draw of field F in year Y is keyed
`money.F@Y` under the chunk's seed, so a year's draws are the same whichever other years are drawn,
and a field not drawn per year keeps its draws (common random numbers between years and between
scenarios).  Each year's batch has every project (ids in order), `year` and `year_of_life` set;
before a project's landing year it is not active (the year engine does not evaluate it there).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compare.engine.batch import ProjectBatch
from compare.engine.project_years import ProjectYears
from compare.simulate.amounts import spec_keys, spec_ratio
from compare.simulate.portfolio import Portfolio
from dsl.record import CORE, Record

PER_YEAR = ("money", "flags", "fields")
MAX_YEARS = 50  # a portfolio's calendar years; a project's life in the policies is at most a few decades


@dataclass(frozen=True)
class YearsSpec:
    first: int
    last: int
    landing: tuple[int, ...]  # the landing years drawn from …
    frequencies: tuple[float, ...]  # … with these frequencies (summing to 1)
    per_year: dict[str, dict[str, Any]]  # money / flags / fields -> field -> how it is drawn each year

    @property
    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))


def _year(context: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{context}: `{value!r}` is not a year (a whole number such as 2024)")
    return value


def read_years(spec: Any) -> YearsSpec:
    """`portfolio.sample.years`, checked: ValueError naming the key at fault (`years.landing`)."""
    spec = spec_keys("years", spec, ("from", "to", "landing", "per_year"))
    if "from" not in spec or "to" not in spec:
        raise ValueError("years: give `from` and `to`, the first and last calendar years: {from: 2024, to: 2028}")
    first, last = _year("years.from", spec["from"]), _year("years.to", spec["to"])
    if first > last:
        raise ValueError(f"years: runs backwards: `from` {first} is after `to` {last}")
    if last - first + 1 > MAX_YEARS:
        raise ValueError(f"years: {last - first + 1} years, more than {MAX_YEARS}")
    landing: tuple[int, ...] = (first,)
    frequencies: tuple[float, ...] = (1.0,)
    given = spec.get("landing")
    if isinstance(given, Mapping):
        if not given:
            raise ValueError("years.landing: give each landing year's frequency: {2024: 0.5, 2025: 0.5}")
        years = []
        for key in given:
            text = str(key)
            if not text.isdigit():
                raise ValueError(f"years.landing: `{key}` is not a year")
            years.append(int(text))
        landing = tuple(years)
        frequencies = tuple(spec_ratio(f"years.landing.{k}", v) for k, v in given.items())
        total = math.fsum(frequencies)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"years.landing: the frequencies sum to {total:g}, not 1")
    elif given is not None:
        landing = (_year("years.landing", given),)
    for y in landing:
        if not first <= y <= last:
            raise ValueError(f"years.landing: {y} is outside the portfolio's years {first}–{last}")
    per_year: dict[str, dict[str, Any]] = {}
    for part, entries in spec_keys("years.per_year", spec.get("per_year", {}), PER_YEAR).items():
        if not isinstance(entries, Mapping):
            raise ValueError(f"years.per_year.{part}: a mapping of fields to how each is drawn")
        per_year[part] = dict(entries)
    return YearsSpec(first, last, landing, frequencies, per_year)


def year_count(scenario: Mapping[str, Any]) -> int:
    """The calendar years a scenario's sampled portfolio runs over (1 without `years`)."""
    sample = scenario.get("portfolio", {}).get("sample")
    years = sample.get("years") if isinstance(sample, Mapping) else None
    return int(years["to"]) - int(years["from"]) + 1 if isinstance(years, Mapping) else 1


class YearsPortfolio:
    """A validated `portfolio.sample` with `years`: draw chunks of projects over years with `sample`/`stream`."""

    def __init__(self, spec: Mapping[str, Any], folder: Path | None = None, fx: float | None = None,
                 record: Record = CORE):
        try:
            self.spec = read_years(spec.get("years"))
        except ValueError as e:
            raise ValueError(f"portfolio.sample.{e}") from None
        merged = {k: v for k, v in spec.items() if k != "years"}
        for part, entries in self.spec.per_year.items():
            base = merged.get(part)
            merged[part] = {**(base if isinstance(base, Mapping) else {}), **entries}
        self.portfolio = Portfolio(merged, folder, fx, record)
        self.yearly = frozenset(f"{part}.{name}" for part, entries in self.spec.per_year.items() for name in entries)

    @property
    def years(self) -> list[int]:
        return self.spec.years

    def landing(self, size: int, seed: int, chunk: int) -> np.ndarray:
        """Each project's landing year (its own random numbers, keyed `years.landing`)."""
        if len(self.spec.landing) == 1:
            return np.full(size, self.spec.landing[0], dtype=np.int64)
        seq = np.random.SeedSequence([int(seed), int(chunk)], spawn_key=(zlib.crc32(b"years.landing"),))
        cdf = np.cumsum(self.spec.frequencies)
        cdf[-1] = np.inf  # a draw below 1 always lands in a year
        pick = np.searchsorted(cdf, np.random.default_rng(seq).random(size), side="right")
        return np.asarray(self.spec.landing, dtype=np.int64)[pick]

    def sample(self, size: int, seed: int, chunk: int = 0) -> ProjectYears:
        """Chunk `chunk` of the stream seeded `seed`: `size` projects over the years, ids `s{chunk}-{i}`."""
        landing = self.landing(int(size), seed, chunk)
        batches: dict[int, ProjectBatch] = {}
        active: dict[int, np.ndarray] = {}
        base: dict[str, np.ndarray] = {}
        for y in self.years:
            batch = self.portfolio.sample(size, seed, chunk, year=y, yearly=self.yearly)
            if batches:  # the same ids every year: one list
                batch.ids = batches[self.years[0]].ids
            for name, col in batch.columns.items():  # a column the years share is kept once (the engine
                kept = base.setdefault(name, col)  # never writes into a batch's columns)
                if kept is not col and kept.dtype == col.dtype and np.array_equal(kept, col):
                    batch.columns[name] = kept
            on = landing <= y
            given = np.ones(batch.n, dtype=bool)
            batch.columns["year"], batch.columns["year#given"] = np.full(batch.n, float(y)), given
            batch.columns["year_of_life"] = (y - landing + 1).astype(np.float64)  # <= 0: not landed yet
            batch.columns["year_of_life#given"] = given
            batches[y], active[y] = batch, on
        return ProjectYears(batches[self.years[0]].ids, self.years, batches, active, landing)

    def stream(self, size: int, seed: int, chunk_size: int = 1_000_000) -> Iterator[ProjectYears]:
        """`size` projects in chunks of at most `chunk_size` projects (each over every year)."""
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
            raise ValueError(f"chunk_size is an integer >= 1, got `{chunk_size!r}`")
        for k, start in enumerate(range(0, int(size), int(chunk_size))):
            yield self.sample(min(int(chunk_size), int(size) - start), seed, k)


def sample_years(spec: Mapping[str, Any], size: int, seed: int, chunk: int = 0, folder: Path | None = None, *,
                 fx: float | None = None, record: Record = CORE) -> ProjectYears:
    """`size` projects over the years of a `portfolio.sample` spec with `years`: chunk `chunk` of the stream
    seeded `seed` (reproducible anywhere).  ValueError on a spec that does not hold."""
    return YearsPortfolio(spec, folder, fx, record).sample(size, seed, chunk)


__all__ = ["MAX_YEARS", "YearsPortfolio", "YearsSpec", "read_years", "sample_years", "year_count"]
