"""Reading a project file over years at scale: n projects × y years, long (a `year` column) and wide
(`fdi_arrived[2024]` …), against a single-year file of the same number of rows.

Prints, best of --repeat, the seconds to read and validate each file and the ratios to the single-year
file (the years' checks and the batch per year are the difference).

    python benchmarks/bench_read_years.py [--n 200000] [--years 5] [--repeat 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from timing import best_of  # noqa: E402

from compare.data.read import read_projects  # noqa: E402
from compare.data.years import read_project_years  # noqa: E402


def files(folder: Path, n: int, years: int) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(1)
    amounts = np.array([f"{v}万元" for v in rng.integers(0, 500, n * years)])
    ids = np.array([f"p{i}" for i in range(n)])
    first = 2024
    long = pa.table({"id": np.repeat(ids, years), "year": np.tile(np.arange(first, first + years), n),
                     "landed_on": np.where(np.tile(np.arange(years), n) == 0, "2024-03-01", ""),
                     "foreign": np.ones(n * years, dtype=bool), "fdi_arrived": amounts})
    wide = {"id": ids, "landed_on": np.full(n, "2024-03-01"), "foreign": np.ones(n, dtype=bool)}
    for k in range(years):
        wide[f"fdi_arrived[{first + k}]"] = amounts[k::years]
    single = pa.table({"id": np.array([f"q{i}" for i in range(n * years)]), "foreign": np.ones(n * years, dtype=bool),
                       "fdi_arrived": amounts})
    paths = folder / "long.csv", folder / "wide.csv", folder / "single.csv"
    for table, path in zip((long, pa.table(wide), single), paths, strict=True):
        pcsv.write_csv(table, path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        long, wide, single = files(Path(tmp), args.n, args.years)
        rows = args.n * args.years
        t_single = best_of(lambda: read_projects(single), args.repeat)
        t_long = best_of(lambda: read_project_years(long), args.repeat)
        t_wide = best_of(lambda: read_project_years(wide), args.repeat)
    print(f"single-year file, {rows:,} rows:             {t_single:7.2f} s")
    print(f"long file, {args.n:,} projects × {args.years} years: {t_long:7.2f} s  ({t_long / t_single:.2f}× the single-year file)")
    print(f"wide file, {args.n:,} projects × {args.years} years: {t_wide:7.2f} s  ({t_wide / t_single:.2f}× the single-year file)")


if __name__ == "__main__":
    main()
