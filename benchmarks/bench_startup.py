"""Start-up as a user feels it: `policylab --help`, and `policylab check policies/` warm (the checked
policies taken from the cache) and cold (`--no-cache`), each a whole process, against a bare
`python -c pass` timed in the same run.

Each process is started as the console script starts it (`from compare.cli import main; main()`, run by
this interpreter directly: a pyenv shim would add its own ~80 ms), with this tree's code first on the path,
and with its bytecode cached, as an installed package has it (PYTHONDONTWRITEBYTECODE is dropped and each
command run once before timing).  The arms alternate round by round and each figure is the median of its
rounds, so a burst of load on a shared machine falls on all of them alike.  `--against TREE` times another
checkout (e.g. the main branch) in the same rounds.

    python benchmarks/bench_startup.py [--rounds 15] [--against ../main]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = "import sys; sys.argv[0] = 'policylab'; from compare.cli import main; main()"
AIMS_MS = {"--help": 150, "check warm": 200, "check cold": 500}


def policylab(*argv: str) -> list[str]:
    """The command line of `policylab ARGV` as its console script runs it."""
    return [sys.executable, "-c", LAUNCHER, *argv]


ARMS: dict[str, list[str]] = {
    "bare python": [sys.executable, "-c", "pass"],
    "--help": policylab("--help"),
    "check warm": policylab("check", "policies"),
    "check cold": policylab("check", "policies", "--no-cache"),
}


def environment(tree: Path, cache: Path) -> dict[str, str]:
    """The processes' environment: `tree`'s code first, a cache folder of the run's, bytecode written."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "POLICYLAB_NO_CACHE")}
    env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["POLICYLAB_CACHE_DIR"] = str(cache)
    return env


def alternating_medians(arms: dict[str, tuple[list[str], Path, dict[str, str]]], rounds: int) -> dict[str, float]:
    """Median wall time (seconds) of each arm (command, folder, environment), the arms run in turn each round."""
    times: dict[str, list[float]] = {name: [] for name in arms}
    for _ in range(rounds):
        for name, (cmd, cwd, env) in arms.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def prepared(tree: Path, label: str, cache: Path) -> dict[str, tuple[list[str], Path, dict[str, str]]]:
    """The arms for `tree`, each run once (bytecode written, the warm arm's cache entry made); a command
    that fails stops the benchmark, as a figure of a failing command means nothing."""
    env = environment(tree, cache)
    arms = {}
    for name, cmd in ARMS.items():
        if name == "bare python" and label:
            continue
        r = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"{label or 'this tree'}: `{' '.join(cmd[3:]) or name}` failed ({r.returncode}): {r.stderr[-500:]}")
        arms[f"{label}{name}"] = (cmd, tree, env)
    return arms


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--against", type=Path, help="another checkout timed in the same rounds (e.g. ../main)")
    args = ap.parse_args()
    caches = [Path(tempfile.mkdtemp(prefix="policylab-bench-startup-")) for _ in range(2)]
    try:
        arms = prepared(ROOT, "", caches[0])
        if args.against is not None:
            arms.update(prepared(args.against.resolve(), "against: ", caches[1]))
        medians = alternating_medians(arms, args.rounds)
    finally:
        for c in caches:
            shutil.rmtree(c, ignore_errors=True)
    bare = medians["bare python"]
    print(f"start-up as processes, median of {args.rounds} alternating rounds (bytecode cached; {sys.executable})")
    print(f"  bare `python -c pass`: {bare * 1000:.0f} ms")
    for name in ARMS:
        if name == "bare python":
            continue
        line = f"  `policylab {name.replace('check', 'check policies/')}`: {medians[name] * 1000:.0f} ms " \
               f"({medians[name] / bare:.1f}x bare python; {(medians[name] - bare) * 1000:.0f} ms above it)  " \
               f"[aim: <= {AIMS_MS[name]} ms]"
        if args.against is not None:
            other = medians[f"against: {name}"]
            line += f"; {args.against}: {other * 1000:.0f} ms, {other / medians[name]:.2f}x this tree"
        print(line)


if __name__ == "__main__":
    main()
