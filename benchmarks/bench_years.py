"""A project's years: 10^6 synthetic projects × 5 years through the four bundled cities and one policy
with time statements (examples/time/b14_history: cumulative(x), once, a clawback), against one
single-year evaluation of the same 10^6 projects through the same five policies, in the same run.

Prints the times (the single year: the best of two runs; the years: one), their ratio (aim: at most
6×) and the process's peak memory (aim: at most 2 GB).
The years share the fields that do not change (flags, categories, referral) and differ in the money
a project is given each year and whether it moved out, as a long project file read per year would.

    python benchmarks/bench_years.py [--n 1000000] [--years 5]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import synthetic_batch  # noqa: E402

from compare.api import load_policy  # noqa: E402
from compare.engine.batch import ProjectBatch  # noqa: E402
from compare.engine.evaluate import CompiledPolicy  # noqa: E402
from compare.engine.project_years import ProjectYears  # noqa: E402
from compare.engine.years import evaluate_years  # noqa: E402
from dsl.schema import FIELDS  # noqa: E402
from dsl.units import Dim  # noqa: E402

CITIES = ["zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023"]
FX = 7.0
FIRST = 2024


def project_years(n: int, years: int) -> ProjectYears:
    """n projects over `years` years: each year's money fields drawn afresh, 1% moving out a year; the
    other fields shared by every year (one array); landing years 2020–2024."""
    base = synthetic_batch(n, seed=0)
    base.columns["year_of_life"] = np.ones(n)  # the data layer's default, for the single-year run
    rng = np.random.default_rng(1)
    batches = {}
    for k in range(years):
        cols = dict(base.columns)
        for name, f in FIELDS.items():
            if f.dim == Dim.MONEY and name != "registered_capital":
                cols[name] = np.round(rng.lognormal(17.0, 1.5, n), 2)
        cols["relocated"] = rng.random(n) < 0.01
        cols["relocated#given"] = np.ones(n, dtype=bool)
        batches[FIRST + k] = ProjectBatch(base.ids, cols)
    active = np.ones(n, dtype=bool)
    return ProjectYears(list(base.ids), list(range(FIRST, FIRST + years)), batches,
                        {y: active for y in batches}, rng.integers(FIRST - 4, FIRST + 1, n))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--years", type=int, default=5)
    args = ap.parse_args()
    policies: list[CompiledPolicy] = [load_policy(ROOT / "policies" / f"{p}.policy") for p in CITIES]
    policies.append(load_policy(ROOT / "examples" / "time" / "b14_history.policy"))
    t0 = time.perf_counter()
    py = project_years(args.n, args.years)
    print(f"{args.n:,} projects × {args.years} years built in {time.perf_counter() - t0:.1f}s; "
          f"peak so far {peak_mb():,.0f} MB")

    one = py.batches[FIRST]
    times = {}
    for cp in policies:  # warm: the compiled closures, numpy's first calls
        cp.evaluate(ProjectBatch(one.ids[:1000], {k: v[:1000] for k, v in one.columns.items()}), FX)
    for cp in policies:  # the best of two: the single year is the yardstick, so the least disturbed
        best = float("inf")
        for _ in range(2):
            t = time.perf_counter()
            out = cp.evaluate(ProjectBatch(one.ids, dict(one.columns)), FX)
            best = min(best, time.perf_counter() - t)
            del out
        times[cp.policy.id] = [best]
    single = sum(a for a, in times.values())
    gc.collect()

    totals = {}
    for cp in policies:
        t = time.perf_counter()
        yo = evaluate_years(cp, py, FX)
        times[cp.policy.id].append(time.perf_counter() - t)
        totals[cp.policy.id] = {c: float(np.sum(lo)) for c, (lo, _) in yo.total.numeric.items()}
        del yo  # one policy's years at a time, as a caller summarising them would
        gc.collect()
    over_years = sum(b for _, b in times.values())

    print(f"{'policy':<22}{'one year':>12}{'5 years':>12}{'ratio':>8}")
    for pid, (a, b) in times.items():
        print(f"{pid:<22}{a:>11.2f}s{b:>11.2f}s{b / a:>7.1f}×")
    print(f"{'all five':<22}{single:>11.2f}s{over_years:>11.2f}s{over_years / single:>7.1f}×  (aim: at most 6×)")
    print(f"peak memory of the process: {peak_mb():,.0f} MB (aim: at most 2048 MB)")
    b14 = totals["b14_history"]
    print("b14_history in total over the years: " + ", ".join(f"{c} {v / 1e8:,.2f}亿元" for c, v in sorted(b14.items())))


if __name__ == "__main__":
    main()
