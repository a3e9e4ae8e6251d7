"""The panel (compare.history.panel): Zhangjiagang's two documents by month over ten years (120 dates)
with N synthetic reference projects, built and written as CSV and Parquet, against evaluating the
same projects once under each document (the work a panel cannot avoid): the ratio is what the panel's
rows and files add.

    python benchmarks/bench_panel.py [--n 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import synthetic_batch  # noqa: E402
from timing import best_of  # noqa: E402

from compare.engine.evaluate import CompiledPolicy  # noqa: E402
from compare.history.documents import cities_of, city_files  # noqa: E402
from compare.history.panel import build_panel, panel_dates  # noqa: E402
from compare.history.render import panel_csv, panel_parquet  # noqa: E402
from dsl.cache import check_paths_cached  # noqa: E402

FX = 7.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    files = city_files("zhangjiagang", [ROOT / "policies"])
    cities, _ = cities_of(check_paths_cached(files).policies, files)
    batch = synthetic_batch(args.n)
    dates = panel_dates(2015, 2024, "month")

    def evaluate() -> None:
        for p in cities.policies.values():
            cp = CompiledPolicy(p)
            cp.outcomes(cp.run(batch, FX))

    panel = build_panel(cities, dates, batch, FX)
    base = best_of(evaluate, args.repeat)
    build = best_of(lambda: build_panel(cities, dates, batch, FX), args.repeat)
    to_csv = best_of(lambda: sum(len(c) for c in panel_csv(panel)), args.repeat)
    to_parquet = best_of(lambda: panel_parquet(panel, {"policylab": "panel"}), args.repeat)
    print(f"panel of {args.n:,} projects × {len(dates)} dates: {len(panel):,} rows")
    print(f"  evaluate under each document   {base:8.3f} s")
    print(f"  build the panel                {build:8.3f} s  ({build / base:.1f}× the evaluation)")
    print(f"  CSV                            {to_csv:8.3f} s  ({to_csv / base:.1f}×)")
    print(f"  Parquet                        {to_parquet:8.3f} s  ({to_parquet / base:.1f}×)")


if __name__ == "__main__":
    main()
