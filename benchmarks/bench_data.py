"""Project data in and out at scale: `policylab eval` of the four policies on a 10^6-row CSV.

Prints, measured in the same run (best of --repeat):
- the I/O floor: pyarrow alone reading the same CSV and writing a Parquet (and a CSV) file of the
  shape `eval --out` writes (the output read back gives the shape), and the ratio to it;
- `policylab eval … --projects big.csv --out out.parquet` (and `out.csv`), wide (the default: one
  row per project) and long (one row per project and city), as whole processes, with their peak
  memory (max RSS of the child, measured per run with a fresh `/usr/bin/time`-like wait4);
- in process: reading + validating the CSV alone, against pyarrow's bare read of it (the two taking
  turns, best of max(--repeat, 3); wall time and CPU time, both with pyarrow's threads).
Two input styles: `header` (numbers under `registered_capital[万美元]` headers, as a spreadsheet
exports) and `cells` (every amount with its unit: `4000.5万美元`).

    python benchmarks/bench_data.py [--n 1000000] [--repeat 2] [--style header|cells|both] [--layouts wide long]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from timing import best_of  # noqa: E402

from compare.data.read import read_projects  # noqa: E402
from dsl.schema import CATEGORIES, REFERRALS  # noqa: E402

POLICIES = [f"policies/{p}.policy" for p in ("zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023")]
MONEY = ("registered_capital", "total_investment", "fdi_arrived", "fixed_asset_investment")


def synthetic_csv(path: Path, n: int, style: str, seed: int = 0) -> None:
    """n projects as a spreadsheet would hold them (see the module docstring for the styles)."""
    rng = np.random.default_rng(seed)
    cols: dict[str, pa.Array] = {"id": pa.array(np.char.add("p", np.arange(n).astype(str)))}
    for name in MONEY:
        wan = np.round(rng.lognormal(6.0, 1.5, n), 2)  # 万, to the hundredth of a 万 (100 units)
        usd = rng.random(n) < 0.5
        if style == "header":
            cols[f"{name}[万元]"] = pa.array(np.where(usd, wan * 7, wan).round(2))
        else:
            text = np.char.add(np.char.mod("%.2f", wan), np.where(usd, "万美元", "万元"))
            cols[name] = pa.array(text)
    ratio = np.round(rng.random(n) * 100, 1)
    cols["paid_in_ratio[%]" if style == "header" else "paid_in_ratio"] = \
        pa.array(ratio) if style == "header" else pa.array(np.char.add(np.char.mod("%.1f", ratio), "%"))
    for b in ("foreign", "licensed", "started", "in_core_zone", "expansion", "manufacturing"):
        cols[b] = pa.array(rng.random(n) < 0.5)
    cats = np.array(["", *CATEGORIES], dtype=object)
    cols["categories"] = pa.array(cats[np.where(rng.random(n) < 0.3, rng.integers(1, len(cats), n), 0)].astype(str))
    cols["referral"] = pa.array(np.array(REFERRALS)[rng.integers(0, len(REFERRALS), n)])
    cols["company_name"] = pa.array(np.char.add("企业", np.arange(n).astype(str)))
    pcsv.write_csv(pa.table(cols), path)


# Runs the command in a grandchild and reports its peak RSS: a child forked from this (large) process
# would count this process's pages in its own high-water mark.
TRAMPOLINE = ("import os, sys\npid = os.fork()\nif pid == 0:\n    os.execvp(sys.argv[1], sys.argv[1:])\n"
              "_, status, usage = os.wait4(pid, 0)\nsys.stderr.write(f'\\nPEAK_KB {usage.ru_maxrss}\\n')\n"
              "sys.exit(os.waitstatus_to_exitcode(status))")


def run_process(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time of the command as a process, and the peak RSS (GiB) of its largest run."""
    times, peak = [], 0.0
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-c", TRAMPOLINE, *cmd], cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
        kb = [int(line.split()[1]) for line in r.stderr.splitlines() if line.startswith("PEAK_KB ")]
        peak = max(peak, kb[-1] / 2**20)
    return min(times), peak


def alternating(arms: list[Callable[[], object]], repeat: int) -> list[tuple[float, float]]:
    """Each arm's best wall time and best CPU time (all threads) of `repeat` rounds, the arms taking
    turns in each round: a spell of load on a shared machine falls on all of them.  Both arms read
    with pyarrow's threads; the CPU time, the work done, swings least with the load."""
    best = [(float("inf"), float("inf")) for _ in arms]
    for _ in range(repeat):
        for k, arm in enumerate(arms):
            t0, c0 = time.perf_counter(), time.process_time()
            arm()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            best[k] = (min(best[k][0], wall), min(best[k][1], cpu))
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--style", choices=("header", "cells", "both"), default="both")
    ap.add_argument("--layouts", nargs="+", default=["wide", "long"], choices=("wide", "long"))
    ap.add_argument("--read-only", action="store_true", help="time the read line alone (no eval processes)")
    args = ap.parse_args()
    styles = ("header", "cells") if args.style == "both" else (args.style,)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for style in styles:
            src = folder / f"projects_{style}.csv"
            synthetic_csv(src, args.n, style)
            print(f"== {args.n:,} projects, style `{style}` ({src.stat().st_size / 2**20:.0f} MiB CSV)")
            (bare_read, bare_cpu), (ours_read, ours_cpu) = alternating(
                [lambda src=src: pcsv.read_csv(src), lambda src=src: read_projects(src)], max(args.repeat, 3))
            print(f"read CSV: pyarrow alone {bare_read:.2f} s; read + validate {ours_read:.2f} s "
                  f"({ours_read / bare_read:.1f}x); CPU time {bare_cpu:.2f} s / {ours_cpu:.2f} s "
                  f"({ours_cpu / bare_cpu:.1f}x)")
            for layout, ext in (("wide", "parquet"), ("wide", "csv"), ("long", "parquet"), ("long", "csv")):
                if layout not in args.layouts or args.read_only:
                    continue
                out = folder / f"out.{ext}"
                cmd = [sys.executable, "-m", "compare.cli", "eval", *POLICIES, "--projects", str(src),
                       "--out", str(out), "--layout", layout, "--quiet"]
                wall, peak = run_process(cmd, args.repeat)
                shape = pq.read_table(out) if ext == "parquet" else pcsv.read_csv(out)

                def floor(src: Path = src, shape: pa.Table = shape, ext: str = ext) -> None:
                    pcsv.read_csv(src)
                    if ext == "parquet":
                        pq.write_table(shape, folder / "floor.parquet")
                    else:
                        pcsv.write_csv(shape, folder / "floor.csv")

                io_floor = best_of(floor, args.repeat)
                print(f"eval --out {ext} --layout {layout}: {wall:.2f} s as a process ({shape.num_rows:,} rows × "
                      f"{shape.num_columns} columns); I/O floor (pyarrow: read the CSV, write {ext} of the same "
                      f"shape) {io_floor:.2f} s; ratio {wall / io_floor:.1f}x; peak RSS {peak:.2f} GiB")
                del shape


if __name__ == "__main__":
    main()
