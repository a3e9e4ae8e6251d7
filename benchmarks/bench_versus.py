"""The four bundled policies' evaluation against an earlier version of the code, in the same run.

Checks out REV (default: the first parent of HEAD) into a temporary git worktree, then times, in
alternating whole processes, each tree's compiled evaluator of the four bundled policies on the same
10^6 synthetic projects (best of 5 warm evaluations in each process), and prints the medians and
their ratio.  Alternating processes keep a noisy machine's drift out of the ratio.

    python benchmarks/bench_versus.py [--rev REV] [--n 1000000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ["zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023"]

# Run in a fresh process with one tree first on sys.path: its own compare/ and dsl/ are imported.
PROBE = f"""
import sys, time
POLICIES = {POLICIES!r}
root, n = sys.argv[1], int(sys.argv[2])
sys.path[:0] = [root, root + "/benchmarks", root + "/tests"]
from pathlib import Path
from synthetic import synthetic_batch
from compare.api import load_policy
compiled = [load_policy(Path(root) / "policies" / (p + ".policy")) for p in POLICIES]
batch = synthetic_batch(n)
for cp in compiled:
    cp.evaluate(batch, 7.0)
best = float("inf")
for _ in range(5):
    t0 = time.perf_counter()
    for cp in compiled:
        cp.evaluate(batch, 7.0)
    best = min(best, time.perf_counter() - t0)
print(best)
"""


def timed(tree: Path, n: int, cache: str) -> float:
    out = subprocess.run([sys.executable, "-c", PROBE, str(tree), str(n)], capture_output=True, text=True,
                         cwd=tempfile.gettempdir(), env={"POLICYLAB_CACHE_DIR": cache, "PATH": "/usr/bin:/bin"},
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rev", default="HEAD~1", help="the earlier version (a git revision)")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="policylab-versus-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.rev], check=True)
        try:
            now, then = [], []
            for k in range(args.rounds):
                then.append(timed(base, args.n, tmp))
                now.append(timed(ROOT, args.n, tmp))
                print(f"round {k + 1}/{args.rounds}: {args.rev} {then[-1]:.3f} s, this tree {now[-1]:.3f} s", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
    a, b = statistics.median(then), statistics.median(now)
    print(f"four bundled policies × {args.n:,} projects, median of {args.rounds} processes (best of 5 each): "
          f"{args.rev} {a:.3f} s, this tree {b:.3f} s; ratio {b / a:.3f}   [aim: <= 1.05]")


if __name__ == "__main__":
    main()
