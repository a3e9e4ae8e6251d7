"""`policylab report` of the four cities written as PDF and as Word, each a whole process, against the
same report as Markdown (the same policies loaded and compared, no charts, no typesetting) in the same
run as a baseline (aim: the PDF in at most 5 s).  Wall time is the median of the runs; CPU time (the
process's user + system) is printed beside it, as the fairer figure on a shared machine.

    python benchmarks/bench_report.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITIES = ("wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], repeat: int) -> tuple[float, float]:
    """(median wall time, median CPU time) of running `cmd` as a whole process."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    walls, cpus = [], []
    for _ in range(repeat):
        cpu0, t0 = _children_cpu(), time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True, env=env)
        walls.append(time.perf_counter() - t0)
        cpus.append(_children_cpu() - cpu0)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench-report-"))
    report = [sys.executable, "-m", "compare.cli", "report", *CITIES, "--out"]
    timed([*report, str(out / "warm.md")], 1)  # the cache of checked policies, as a user's second run has it
    rows = [("report → .pdf (4 cities, charts)", timed([*report, str(out / "r.pdf")], args.repeat), "aim ≤ 5 s"),
            ("report → .docx (4 cities, charts)", timed([*report, str(out / "r.docx")], args.repeat), ""),
            ("report → .md (baseline: no charts)", timed([*report, str(out / "r.md")], args.repeat), ""),
            ("python -c pass (bare python)", timed([sys.executable, "-c", "pass"], args.repeat), "")]
    base = rows[2][1][0]
    for name, (wall, cpu), aim in rows:
        print(f"{name:38} {wall:6.2f} s wall  {cpu:6.2f} s CPU  {wall / base:4.1f}× the .md  {aim}")
    print(f"pdf: {(out / 'r.pdf').stat().st_size / 1e3:.0f} kB, docx: {(out / 'r.docx').stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
