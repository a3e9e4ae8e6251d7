"""`policylab simulate` of a sampled portfolio, compared across the four cities, as a whole process.

Prints, each against baselines measured in the same run:
- bare python start-up (`python -c pass`), as a process;
- in process: drawing the sample of --n projects, and one evaluation of the four cities on them
  (run + outcomes, the evaluator alone);
- `policylab simulate` of a scenario comparing the four cities on a sampled portfolio of --n projects
  (analyses: compare; written as CSV, as the tables a user reads), as a whole process: wall time and
  peak RSS (aim ≤ 3 s at 10^6); the same with the scenario's own outputs (CSV and PNG plots);
- the same command on --big projects (streamed in chunks of 10^6): wall time against the --n run
  (aim ≤ 10× at 10^7) and peak RSS (aim ≤ 1.5 GB).

Each process's wall time is given with its CPU time (user + system: less disturbed by a shared
machine) and its peak RSS, both from a grandchild (as bench_data.TRAMPOLINE), so this process's own
memory is not counted; the best of --repeat runs.  `--tree DIR` also times another checkout's
`compare.cli` (e.g. the main branch) on the same scenario, alternating with this one's run by run,
for before/after in one sitting.

    python benchmarks/bench_sample.py [--n 1000000] [--big 10000000] [--no-big] [--repeat 2] [--tree /work/main]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_simulate import CITIES, SAMPLE  # noqa: E402
from timing import best_of  # noqa: E402

SEED, FX = 2026, 7.0


def scenario(folder: Path, size: int) -> Path:
    """A scenario comparing the four cities on `size` sampled projects (outputs: CSV and PNG)."""
    data = {"name": f"sample{size}", "seed": SEED, "fx": FX, "policies": CITIES,
            "portfolio": {"sample": {"size": size, **SAMPLE}}, "analyses": {"compare": True},
            "outputs": ["csv", "png"]}
    path = folder / f"sample{size}.scenario.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# bench_data.TRAMPOLINE, also giving the CPU time (user + system) of the command: a grandchild, so this
# process's own pages are not in its peak
TRAMPOLINE = ("import os, sys\npid = os.fork()\nif pid == 0:\n    os.execvp(sys.argv[1], sys.argv[1:])\n"
              "_, status, usage = os.wait4(pid, 0)\n"
              "sys.stderr.write(f'\\nPEAK_KB {usage.ru_maxrss} CPU {usage.ru_utime + usage.ru_stime}\\n')\n"
              "sys.exit(os.waitstatus_to_exitcode(status))")


def process(cmd: list[str], tree: Path) -> tuple[float, float, float]:
    """Wall time, CPU time and peak RSS (GiB) of a whole command run in `tree` (its code first on the path)."""
    # the processes keep their bytecode, as an installed package does (PYTHONDONTWRITEBYTECODE would make
    # each compile the project's modules again)
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(tree)}
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", TRAMPOLINE, *cmd], cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    last = [line.split() for line in r.stderr.splitlines() if line.startswith("PEAK_KB ")][-1]
    return wall, float(last[3]), int(last[1]) / 2**20


def rounds(cmd: list[str], trees: list[tuple[str, Path]], repeat: int) -> dict[str, tuple[float, float, float]]:
    """Per tree, the best wall and CPU times and the largest peak of `repeat` runs, the trees alternating."""
    runs: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _ in trees}
    for _ in range(repeat):
        for label, tree in trees:
            runs[label].append(process(cmd, tree))
    return {label: (min(r[0] for r in rs), min(r[1] for r in rs), max(r[2] for r in rs)) for label, rs in runs.items()}


def simulate(path: Path, out: Path, formats: str) -> list[str]:
    return [sys.executable, "-m", "compare.cli", "simulate", str(path), "--out", str(out), "--quiet", "--force",
            "--formats", formats]


def in_process(n: int, repeat: int) -> tuple[float, float]:
    """Best times of drawing the sample of n projects, and of one evaluation of the four cities on it
    (the batch is freed on return, before the processes run)."""
    from compare.api import load_policy
    from compare.simulate.portfolio import sample_batch

    compiled = [load_policy(ROOT / "policies" / f"{c}.policy") for c in CITIES]
    t_sample = best_of(lambda: sample_batch(SAMPLE, n, SEED, fx=FX), repeat)
    batch = sample_batch(SAMPLE, n, SEED, fx=FX)

    def evaluate() -> None:
        for cp in compiled:
            cp.outcomes(cp.run(batch, FX))

    return t_sample, best_of(evaluate, repeat)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--big", type=int, default=10_000_000)
    ap.add_argument("--no-big", action="store_true", help="skip the streamed run of --big projects")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--tree", type=Path, help="another checkout to time on the same scenarios (before/after)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-sample-"))
    os.environ.setdefault("POLICYLAB_CACHE_DIR", str(tmp / "cache"))  # warm after the first run, never the user's
    trees = [("this tree", ROOT)] + ([(str(args.tree), args.tree.resolve())] if args.tree else [])
    path = scenario(tmp, args.n)
    for _, tree in trees:  # warm the policy cache and the .pyc files of each tree
        process(simulate(path, tmp / "warm", "csv"), tree)

    bare = rounds([sys.executable, "-c", "pass"], trees[:1], max(3, args.repeat))["this tree"]
    t_sample, t_eval = in_process(args.n, args.repeat)
    print(f"simulate, compare 4 cities, a sampled portfolio of {args.n:,} projects (wall, CPU user + system)")
    print(f"  bare python start-up (baseline)              {bare[0]:8.2f} s  {bare[1]:6.2f} s CPU")
    print(f"  drawing the sample, in process               {t_sample:8.2f} s")
    print(f"  one evaluation of the 4 cities, in process   {t_eval:8.2f} s")
    csv = rounds(simulate(path, tmp / "o1", "csv"), trees, args.repeat)
    png = rounds(simulate(path, tmp / "o2", "csv,png"), trees, args.repeat)
    for label, _ in trees:
        wall, cpu, peak = csv[label]
        print(f"  `policylab simulate` as a process, CSV       {wall:8.2f} s  {cpu:6.2f} s CPU  peak {peak:.2f} GiB  "
              f"= {wall / t_eval:.1f}× one evaluation, {wall - bare[0] - t_eval:.2f} s beyond start-up and the "
              f"evaluation (aim ≤ 3 s)   [{label}]")
        wall, cpu, peak = png[label]
        print(f"    with the scenario's outputs (CSV, PNG)     {wall:8.2f} s  {cpu:6.2f} s CPU  peak {peak:.2f} GiB   "
              f"[{label}]")
    if args.no_big:
        return
    big = scenario(tmp, args.big)
    print(f"streamed: the same scenario on {args.big:,} projects (chunks of 10^6), one run each")
    for label, tree in trees:
        small = process(simulate(path, tmp / "o3", "csv"), tree)
        wall, cpu, peak = process(simulate(big, tmp / "o4", "csv"), tree)
        print(f"  {args.n:,} projects (baseline)               {small[0]:8.2f} s  {small[1]:6.2f} s CPU   [{label}]")
        print(f"  {args.big:,} projects                        {wall:8.2f} s  {cpu:6.2f} s CPU  peak {peak:.2f} GiB  "
              f"= {wall / small[0]:.1f}× the {args.n:,} run (aim ≤ 10× at 10^7 over 10^6, peak ≤ 1.5 GB = "
              f"1.40 GiB)   [{label}]")


if __name__ == "__main__":
    main()
