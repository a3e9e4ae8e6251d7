"""A project's years: 10^6 synthetic projects × 5 years through the four bundled cities and one policy
with time statements (examples/time/b14_history: cumulative(x), once, a clawback), against one
single-year evaluation of the same 10^6 projects through the same five policies, in the same run.

Each arm runs in its own fresh process (alternating, median of --rounds), so both start with fresh
memory: on this kind of machine a new array's pages cost more than the arithmetic, and an in-process
baseline run twice reuses the first run's memory while the years keep each year's outcomes (an
in-process best-of-two baseline gives about 8×).  Prints the times, their ratio (aim: at most 6×) and
a years process's peak memory (aim: at most 2 GB).
The years share the fields that do not change (flags, categories, referral) and differ in the money
a project is given each year and whether it moved out, as a long project file read per year would.

    python benchmarks/bench_years.py [--n 1000000] [--years 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
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
from compare.engine.years import YearOutcomes, evaluate_years  # noqa: E402
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


def arm(kind: str, n: int, years: int) -> dict[str, float]:
    """One arm, in this (fresh) process: each policy once over the single year or over the years; the
    seconds per policy and the process's peak memory."""
    policies: list[CompiledPolicy] = [load_policy(ROOT / "policies" / f"{p}.policy") for p in CITIES]
    policies.append(load_policy(ROOT / "examples" / "time" / "b14_history.policy"))
    py = project_years(n, years)
    one = py.batches[FIRST]
    for cp in policies:  # warm: the compiled closures, numpy's first calls
        cp.evaluate(ProjectBatch(one.ids[:1000], {k: v[:1000] for k, v in one.columns.items()}), FX)
    out: dict[str, float] = {}
    for cp in policies:
        t = time.perf_counter()
        if kind == "single":
            result: object = cp.evaluate(ProjectBatch(one.ids, dict(one.columns)), FX)
        else:
            result = evaluate_years(cp, py, FX)
        out[cp.policy.id] = time.perf_counter() - t
        if kind == "years" and cp.policy.id == "b14_history":
            yo = result
            assert isinstance(yo, YearOutcomes)
            out["b14_total_yuan"] = float(sum(float(np.sum(lo)) for lo, _ in yo.total.numeric.values()))
        del result  # one policy at a time, as a caller summarising them would
        gc.collect()
    out["peak_mb"] = peak_mb()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--arm", choices=["single", "years"], help=argparse.SUPPRESS)  # one arm, in a child process
    args = ap.parse_args()
    if args.arm:
        print(json.dumps(arm(args.arm, args.n, args.years)))
        return
    runs: dict[str, list[dict[str, float]]] = {"single": [], "years": []}
    for r in range(args.rounds):  # alternating processes: a noisy machine's drift falls on both arms
        for kind in ("single", "years"):
            cmd = [sys.executable, __file__, "--arm", kind, "--n", str(args.n), "--years", str(args.years)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            runs[kind].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"round {r + 1}/{args.rounds}: {kind} done", file=sys.stderr)
    ids = [*CITIES, "b14_history"]
    med = {kind: {pid: statistics.median(x[pid] for x in rs) for pid in ids} for kind, rs in runs.items()}
    print(f"{args.n:,} projects, {args.years} years; median of {args.rounds} fresh processes per arm")
    print(f"{'policy':<22}{'one year':>12}{f'{args.years} years':>12}{'ratio':>8}")
    for pid in ids:
        a, b = med["single"][pid], med["years"][pid]
        print(f"{pid:<22}{a:>11.2f}s{b:>11.2f}s{b / a:>7.1f}×")
    single, over = sum(med["single"].values()), sum(med["years"].values())
    print(f"{'all five':<22}{single:>11.2f}s{over:>11.2f}s{over / single:>7.1f}×  (aim: at most 6×)")
    peak = max(x["peak_mb"] for x in runs["years"])
    print(f"peak memory of a years process (data included): {peak:,.0f} MB (aim: at most 2048 MB)")
    print(f"b14_history in total over the years: {runs['years'][0]['b14_total_yuan'] / 1e8:,.2f}亿元")


if __name__ == "__main__":
    main()
