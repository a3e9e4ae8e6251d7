"""Drawing a sampled portfolio over years: 10^6 projects × 5 years (registered capital a truncated
lognormal, the arrived FDI drawn again each year, a declared-free record) against one year of the same
10^6 projects drawn alone, in the same run.

Prints both times, their ratio (each year is a full draw of the parts, so about the number of years;
the columns the years share are kept once) and the process's peak memory.

    python benchmarks/bench_sample_years.py [--n 1000000] [--years 5]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from compare.simulate.portfolio import sample_batch  # noqa: E402
from compare.simulate.portfolio_years import sample_years  # noqa: E402

SPEC = {
    "currency": {"USD": 0.9, "CNY": 0.1},
    "money": {"registered_capital": {"lognormal": {"median": "2500万美元", "sigma": 1.0,
                                                   "between": ["1000万美元", "1亿美元"]}}},
    "flags": {"foreign": 1.0, "manufacturing": 0.7},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--years", type=int, default=5)
    args = ap.parse_args()
    years = {"from": 2024, "to": 2024 + args.years - 1, "landing": 2024,
             "per_year": {"money": {"fdi_arrived": {"lognormal": {"median": "400万美元", "sigma": 0.9,
                                                                  "between": ["50万美元", "3000万美元"]}}}}}
    started = time.perf_counter()
    one = sample_batch(SPEC, args.n, 1, fx=7.0)
    single = time.perf_counter() - started
    del one
    started = time.perf_counter()
    py = sample_years({**SPEC, "years": years}, args.n, 1, fx=7.0)
    over = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    print(f"one year of {args.n:,} projects: {single:.2f} s")
    print(f"{args.years} years of {py.n:,} projects: {over:.2f} s ({over / single:.1f}× one year)")
    print(f"peak memory: {peak:.2f} GB")


if __name__ == "__main__":
    main()
