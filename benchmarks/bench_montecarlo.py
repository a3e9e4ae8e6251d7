"""Monte Carlo as a user runs it: `policylab simulate` of 1,000 draws × 1,000 sampled projects over the
four bundled cities, as a whole process (aim ≤ 5 s), with the USD→CNY rate fixed and drawn from a range.

Measured in the same run, alternating, best of --repeat:
- bare python start-up (`python -c pass`), the floor of any process;
- one evaluation of the same number of projects (draws × size) by the four cities in one pass, in
  process: what the draws cost if they were one batch;
- the whole process, `python -m compare.cli simulate SCENARIO --out DIR` (this tree's code), writing
  the scenario's outputs (CSV and PNG), and its CPU time (the worker processes included).

The processes run with their bytecode cached, as an installed package's is (PYTHONDONTWRITEBYTECODE
is dropped from their environment: with it, each process compiles the project's modules again).

    python benchmarks/bench_montecarlo.py [--draws 1000] [--size 1000] [--repeat 3] [--tree DIR]

`--tree`: the source tree whose `compare.cli` the processes run (default: this one), to time another
revision against this one in the same sitting.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_simulate import SAMPLE, scenario  # noqa: E402
from timing import best_of  # noqa: E402

CITIES = ["wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft"]
RATES: list[tuple[str, object]] = [("fixed rate 7.0", 7.0), ("rate drawn in [6.8, 7.3]", {"low": 6.8, "high": 7.3})]


def run_process(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall and CPU time (children included) of one run of a command."""
    before = os.times()
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = os.times()
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return wall, after.children_user + after.children_system - before.children_user - before.children_system


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--size", type=int, default=1000, help="projects per draw")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tree", type=Path, default=ROOT, help="the tree whose code the processes run")
    args = ap.parse_args()
    from compare.api import load_policy
    from compare.simulate.portfolio import sample_batch

    tmp = Path(tempfile.mkdtemp(prefix="bench-mc-"))
    tree = args.tree.resolve()
    # as installed: the bytecode compiled once (the warm-up run writes it), not again in every process
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(tree),
           "POLICYLAB_CACHE_DIR": str(tmp / "cache")}
    paths = [scenario(tmp, f"mc{k}", args.size, {"compare": False, "monte_carlo": {"draws": args.draws}}, fx)
             for k, (_, fx) in enumerate(RATES)]
    commands = [[sys.executable, "-m", "compare.cli", "simulate", str(p), "--out", str(tmp / f"out{k}"), "--quiet"]
                for k, p in enumerate(paths)]
    for cmd in commands:  # warm: the policy cache, the bytecode (__pycache__), the page cache
        run_process(cmd, env, tree)

    compiled = [load_policy(ROOT / "policies" / f"{c}.policy") for c in CITIES]
    big = sample_batch(SAMPLE, args.draws * args.size, 2026, fx=7.0)

    def one_evaluation() -> None:
        for cp in compiled:
            cp.outcomes(cp.run(big, 7.0))

    bare, evaluation = [], []
    runs: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(args.repeat):  # alternating, so a noisy spell disturbs every measure alike
        bare.append(run_process([sys.executable, "-c", "pass"], env)[0])
        evaluation.append(best_of(one_evaluation, 1))
        for k, cmd in enumerate(commands):
            runs[k].append(run_process(cmd, env, tree))
    base, floor = min(evaluation), min(bare)
    print(f"Monte Carlo: {args.draws:,} draws × {args.size:,} projects, 4 cities, as a process "
          f"(best of {args.repeat}; aim ≤ 5 s)")
    print(f"  bare python start-up                       {floor * 1000:8.0f} ms")
    print(f"  one evaluation of {args.draws * args.size:,} projects (in process) {base:6.2f} s")
    for (label, _), timed in zip(RATES, runs, strict=True):
        wall, cpu = min(timed)
        print(f"  `policylab simulate`, {label:<26}{wall:6.2f} s   (CPU {cpu:.2f} s; "
              f"{wall / base:4.1f}× one evaluation)")


if __name__ == "__main__":
    main()
