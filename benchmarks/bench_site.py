"""`policylab site build` for the four cities (with the Zhangjiagang revision) as a whole command, against
`mkdocs build` of the tool's own manual (default theme, no generated pages) in the same run as a
baseline (aim: the site in at most 20 s).

    python benchmarks/bench_site.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from timing import process_median  # noqa: E402


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-site-"))
    site = process_median([sys.executable, "-m", "compare.cli", "site", "build", "--out", str(tmp / "site")], 3, ROOT, check=True)
    manual = process_median([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp / "manual")], 3, ROOT, check=True)
    pages = len(list((tmp / "site").rglob("*.html")))
    print(f"policylab site build (4 cities, 1 revision, {pages} pages)  {site:6.2f} s   (aim ≤ 20 s)")
    print(f"mkdocs build of the manual alone (baseline)              {manual:6.2f} s   ratio {site / manual:.1f}×")


if __name__ == "__main__":
    main()
