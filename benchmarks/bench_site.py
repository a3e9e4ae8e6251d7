"""`policylab site build` for the four cities (with the Zhangjiagang revision) as a whole command, against
`mkdocs build` of the tool's own manual (default theme, no generated pages) in the same run as a
baseline (aim: the site in at most 20 s).

    python benchmarks/bench_site.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-site-"))
    site = timed([sys.executable, "-m", "compare.cli", "site", "build", "--out", str(tmp / "site")])
    manual = timed([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp / "manual")])
    pages = len(list((tmp / "site").rglob("*.html")))
    print(f"policylab site build (4 cities, 1 revision, {pages} pages)  {site:6.2f} s   (aim ≤ 20 s)")
    print(f"mkdocs build of the manual alone (baseline)              {manual:6.2f} s   ratio {site / manual:.1f}×")


if __name__ == "__main__":
    main()
