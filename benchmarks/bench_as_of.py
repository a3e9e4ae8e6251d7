"""What choosing documents by date costs `policylab compare` of the four bundled cities, in the same run.

Times, in alternating whole processes (warm cache of checked policies, each tree its own):
  - base:   an earlier version of the code (REV, default: main), `compare policies/` as before dates;
  - today:  this tree, `compare policies/` (each city's document in force today);
  - as-of:  this tree, `compare policies/ --as-of 2017-06-01`;
  - cities: this tree, `compare zhangjiagang taicang jiaxing wuxi --as-of 2024-01-01` (city ids);
and prints each median and its ratio to base (the aim: at most 1.10).  Alternating processes keep a
noisy machine's drift out of the ratios.

    python benchmarks/bench_as_of.py [--rev REV] [--rounds 7] [--projects FILE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(tree: Path, args: list[str], cache: str) -> float:
    env = {**os.environ, "POLICYLAB_CACHE_DIR": cache, "PYTHONPATH": str(tree)}
    env.pop("POLICYLAB_NO_CACHE", None)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "compare.cli", "compare", *args], cwd=tree, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rev", default="main", help="the version before dates (a git revision)")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--projects", default="examples/projects.yaml")
    args = ap.parse_args()
    projects = ["--projects", str((ROOT / args.projects).resolve())]
    with tempfile.TemporaryDirectory(prefix="policylab-as-of-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.rev], check=True,
                       capture_output=True)
        try:
            runs = {
                "base": (base, ["policies/", *projects], f"{tmp}/cache-base"),
                "today": (ROOT, ["policies/", *projects], f"{tmp}/cache-this"),
                "as-of": (ROOT, ["policies/", "--as-of", "2017-06-01", *projects], f"{tmp}/cache-this"),
                "cities": (ROOT, ["zhangjiagang", "taicang", "jiaxing", "wuxi", "--as-of", "2024-01-01", *projects],
                           f"{tmp}/cache-this"),
            }
            for tree, a, cache in runs.values():  # warm each cache
                timed(tree, a, cache)
            times: dict[str, list[float]] = {k: [] for k in runs}
            for _ in range(args.rounds):
                for name, (tree, a, cache) in runs.items():
                    times[name].append(timed(tree, a, cache))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], capture_output=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"policylab compare of the four cities ({args.projects}), median of {args.rounds} alternating processes")
    for name, m in med.items():
        print(f"  {name:7s} {m * 1000:8.0f} ms   ratio to base {m / med['base']:.3f}")
    worst = max(med["today"], med["as-of"]) / med["base"]
    print(f"--as-of adds at most {100 * (worst - 1):+.1f}% (aim: at most +10%)")


if __name__ == "__main__":
    main()
