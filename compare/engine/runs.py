"""A run over several policies: one stated USD→CNY rate across cities, the readings in force, and the
analyses beside the outcomes (assumed inputs, reading-sensitive outcomes).

Cities compared at different rates (张家港 6.7518 for 2017, 无锡 7.0467 for 2023) are not comparable,
so a run converts at one rate: by default the average of the latest policy year
(compare.engine.fx.default_fx of the policy with the latest year), or the rate given; the dated
rate of each policy's own year only when asked (`per-policy`).  Every output states the rate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from compare.engine.assumed import annotate_assumed
from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.fx import USD_CNY_ANNUAL_AVERAGE, default_fx, policy_year
from compare.engine.sensitivity import annotate_sensitivity
from dsl.model import Policy
from dsl.textsafe import printable

PER_POLICY = "per-policy"
PARALLEL_FROM = 50_000  # projects: below this a thread pool costs more than it saves


@dataclass(frozen=True)
class Rates:
    """The rate each policy is evaluated at (in the order given) and how it was chosen."""

    rates: list[float]
    note: str  # "USD→CNY 7.0467 (2023 average, the latest policy year)"
    per_policy: bool = False


def _rate_year(year: int | None) -> int:
    """The year whose average default_fx uses for a policy of `year` (the table's nearest end)."""
    if year is not None and year in USD_CNY_ANNUAL_AVERAGE:
        return year
    return max(USD_CNY_ANNUAL_AVERAGE) if year is None or year > max(USD_CNY_ANNUAL_AVERAGE) \
        else min(USD_CNY_ANNUAL_AVERAGE)


def choose_rates(policies: Sequence[Policy], fx: float | str | None = None) -> Rates:
    """`fx` a rate: that rate for all; `per-policy`: each policy's dated default; None: one rate for
    all, the default of the latest policy year."""
    if isinstance(fx, str) and fx != PER_POLICY:
        fx = float(fx)
    if fx == PER_POLICY:
        rates = [default_fx(p) for p in policies]
        parts = [f"{p.city} {r:g} ({_rate_year(policy_year(p))})" for p, r in zip(policies, rates, strict=True)]
        return Rates(rates, "USD→CNY per policy year: " + ", ".join(parts), True)
    if fx is not None:
        rate = float(fx)
        return Rates([rate] * len(policies), f"USD→CNY {rate:g} (as given)")
    dated = [(y, p) for p in policies if (y := policy_year(p)) is not None]
    if not dated:
        year = _rate_year(None)
        rate = USD_CNY_ANNUAL_AVERAGE[year]
        return Rates([rate] * len(policies), f"USD→CNY {rate:g} ({year} average: no policy is dated)")
    latest, policy = max(dated, key=lambda yp: yp[0])
    rate, used = default_fx(policy), _rate_year(latest)
    which = "the policy's year" if len(policies) == 1 else "the latest policy year"
    why = f"{used} average, {which}" if used == latest else \
        f"{used} average, the nearest to {latest}, {which}"
    return Rates([rate] * len(policies), f"USD→CNY {rate:g} ({why})")


def readings_in_force(cp: CompiledPolicy, readings: dict[str, str] | None = None) -> list[tuple[str, str, bool]]:
    """(reading, option, whether it is the policy's default) for every reading the policy declares."""
    out = []
    for rid, r in sorted(cp.policy.readings.items()):
        option = (readings or {}).get(rid, r.default)
        if option is not None:
            out.append((rid, option, option == r.default))
    return out


def run_notes(compiled: Sequence[CompiledPolicy], rates: Rates, readings: dict[str, str] | None = None) -> list[str]:
    """The lines printed with a table: the rate, and per policy the readings in force."""
    lines = [rates.note, "readings in force:"]
    for cp in compiled:
        parts = [f"{rid}={opt}" + ("" if default else f" (chosen; default {cp.policy.readings[rid].default})")
                 for rid, opt, default in readings_in_force(cp, readings)]
        lines.append(printable(f"  {cp.policy.city}: " + (", ".join(parts) if parts else "none declared")))
    return lines


def evaluate_policies(compiled: Sequence[CompiledPolicy], batch: ProjectBatch, fx: float | str | None = None,
                      readings: dict[str, str] | None = None, analyse: bool = True,
                      done: Callable[[], None] | None = None) -> tuple[list[Outcomes], Rates]:
    """Every policy over the batch at one rate (see `choose_rates`); with `analyse`, each Outcomes also
    carries the inputs assumed (not given) and the reading alternatives that move an outcome.  Large
    batches are evaluated a policy per thread (numpy releases the GIL in the array work: about 1.6×
    on two cores); `done()` is called as each policy finishes."""
    rates = choose_rates([cp.policy for cp in compiled], fx)

    def one(cp: CompiledPolicy, rate: float) -> Outcomes:
        env = cp.run(batch, rate, readings)
        out = cp.outcomes(env)
        if analyse:
            annotate_assumed(cp, env, out)
            annotate_sensitivity(cp, batch, rate, out, env)
        if done is not None:
            done()
        return out

    workers = min(len(compiled), os.cpu_count() or 1)
    if batch.n < PARALLEL_FROM or workers < 2:
        return [one(cp, rate) for cp, rate in zip(compiled, rates.rates, strict=True)], rates
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, compiled, rates.rates)), rates


__all__ = ["PER_POLICY", "Rates", "choose_rates", "evaluate_policies", "readings_in_force", "run_notes"]
