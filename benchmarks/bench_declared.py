"""Reading a city's own fields at scale: a CSV of n projects with declared fields of each kind.

Prints, best of --repeat, reading + validating the CSV against the core record (the declared
columns carried) and against a record that declares them (an area in 平方米 cells, a count, a
choice by label, a set, a date, and a per-project exchange rate), and the cost per declared column.

    python benchmarks/bench_declared.py [--n 1000000] [--repeat 2]
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
from dsl.check.driver import check_text  # noqa: E402

DECLARATIONS = """policy bench {
  city bench "基准"
  source "x.txt"
}
field rent_area "租赁面积" { type area 平方米  default 0平方米 }
field new_jobs "新增就业人数" { type count 人  default 0人 }
field zone "所在区域" { type choice { key_area "重点区域", ordinary "一般区域" }  default ordinary }
field honours "企业荣誉" { type set { gazelle "瞪羚企业", unicorn "独角兽企业" } }
field landed_on "落地日期" { type date }
"""
DECLARED = 6  # the five fields and fx_rate


def synthetic(path: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    days = np.datetime64("2020-01-01") + rng.integers(0, 1500, n).astype("timedelta64[D]")
    pcsv.write_csv(pa.table({
        "id": pa.array(np.char.add("p", np.arange(n).astype(str))),
        "fdi_arrived": pa.array(np.char.add(np.char.mod("%.2f", np.round(rng.lognormal(6, 1.5, n), 2)), "万美元")),
        "rent_area": pa.array(np.char.add(rng.integers(0, 50_000, n).astype(str), "平方米")),
        "new_jobs": pa.array(rng.integers(0, 2000, n)),
        "zone": pa.array(np.where(rng.random(n) < 0.3, "重点区域", "一般区域")),
        "honours": pa.array(np.where(rng.random(n) < 0.2, "gazelle", "")),
        "landed_on": pa.array(days.astype(str)),
        "fx_rate": pa.array(np.round(6.8 + rng.random(n) * 0.5, 4)),
    }), path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    policy, _ = check_text(DECLARATIONS, "bench.policy")
    assert policy is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        synthetic(path, args.n)
        core = best_of(lambda: read_projects(path), args.repeat)
        own = best_of(lambda: read_projects(path, record=policy.record), args.repeat)
    print(f"{args.n:,} projects: core record {core:.2f} s (declared columns carried); with the declarations "
          f"{own:.2f} s; {(own - core) / DECLARED:.2f} s per declared column")


if __name__ == "__main__":
    main()
