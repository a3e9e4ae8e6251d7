"""`policylab site build` as a whole command: the four cities, the Zhangjiagang revision and one
simulation (examples/wuxi_fdi_cap, run once before the timing), against `mkdocs build` of the tool's
own manual (default theme, no generated pages) in the same run as a baseline (aim: the site in at most
10 s).

    python benchmarks/bench_site.py [--runs 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from timing import process_median  # noqa: E402

AIM = 10.0  # seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (the median is shown)")
    runs = parser.parse_args().runs
    tmp = Path(tempfile.mkdtemp(prefix="bench-site-"))
    sim = tmp / "wuxi_fdi_cap"
    subprocess.run([sys.executable, "-m", "compare.cli", "simulate", "examples/wuxi_fdi_cap.scenario.yaml", "--out",
                    str(sim), "--quiet", "--formats", "csv,png"], cwd=ROOT, capture_output=True, check=True)
    site = process_median([sys.executable, "-m", "compare.cli", "site", "build", "--simulation", str(sim), "--out",
                           str(tmp / "site")], runs, ROOT, check=True)
    manual = process_median([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp / "manual")], runs, ROOT,
                            check=True)
    pages = len(list((tmp / "site").rglob("*.html")))
    met = "met" if site <= AIM else "not met"
    print(f"policylab site build (4 cities, 1 revision, 1 simulation, {pages} pages)  {site:6.2f} s   "
          f"(aim ≤ {AIM:.0f} s: {met})")
    print(f"mkdocs build of the manual alone (baseline)                          {manual:6.2f} s   "
          f"ratio {site / manual:.1f}×")


if __name__ == "__main__":
    main()
