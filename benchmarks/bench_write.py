"""Writing outcomes: 10^6 synthetic projects × the four bundled policies to Parquet and CSV, long
(one row per project and city: 4×10^6 rows) and wide (one row per project).

Each (layout, format) runs in a fresh process, which builds the synthetic batch, evaluates it
(compare.engine.runs.evaluate_policies, with the analyses unless --no-analyse) and writes the file
with compare.data.table.write_outcomes: the table built column-wise a chunk of projects at a time
and written as it goes.  Printed per run, measured in that process:
- evaluation time; building + writing time (write_outcomes, whole), wall and CPU (the machine may
  be shared: CPU seconds are the steadier figure);
- the baseline: CPU seconds of pyarrow alone writing a table of the same shape (same columns and
  types: the first chunk of the same table, already in memory) as many times as there are chunks,
  with the same writer options (Parquet) or pyarrow.csv.CSVWriter (CSV); and the ratio of CPU times;
- the file's size; the process's peak RSS (resource.getrusage) before and after writing.

    python benchmarks/bench_write.py [--n 1000000] [--formats parquet,csv] [--layouts long,wide]
                                     [--chunk 32768] [--no-analyse] [--jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

POLICIES = ["zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def baseline(plan: Any, fmt: str, path: Path, chunk: int) -> float:
    """pyarrow alone: the first chunk's table (already built) written once per chunk of the run."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from compare.data.table_files import PARQUET_COMPRESSION

    table = plan.table(0, min(chunk, plan.n))
    times = len(plan.slices(chunk))
    t0 = time.process_time()
    if fmt == "parquet":
        stats = [f.name for f in table.schema if not pa.types.is_dictionary(f.type)]
        with pq.ParquetWriter(path, table.schema, compression=PARQUET_COMPRESSION, write_statistics=stats) as w:
            for _ in range(times):
                w.write_table(table)
    elif fmt == "csv":
        with pcsv.CSVWriter(path, table.schema) as w:
            for _ in range(times):
                w.write_table(table)
    else:
        return float("nan")
    return time.process_time() - t0


def child(n: int, layout: str, fmt: str, chunk: int, analyse: bool) -> dict[str, Any]:
    from synthetic import synthetic_batch

    from compare.api import load_policy
    from compare.data.table import TablePlan, write_outcomes
    from compare.engine.runs import evaluate_policies

    compiled = [load_policy(ROOT / "policies" / f"{p}.policy") for p in POLICIES]
    batch = synthetic_batch(n)
    t0 = time.perf_counter()
    results, rates = evaluate_policies(compiled, batch, analyse=analyse)
    t_eval = time.perf_counter() - t0
    dims = [cp.concept_dims for cp in compiled]
    before = peak_mb()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        out = Path(tmp) / f"outcomes.{fmt}"
        t0, c0 = time.perf_counter(), time.process_time()
        write_outcomes(out, results, wide=layout == "wide", dims=dims, notes=[rates.note], chunk=chunk)
        t_write, c_write = time.perf_counter() - t0, time.process_time() - c0
        size = out.stat().st_size
        after = peak_mb()
        plan = TablePlan(results, wide=layout == "wide", dims=dims)
        t_base = baseline(plan, fmt, Path(tmp) / f"baseline.{fmt}", chunk)
    return {"layout": layout, "format": fmt, "rows": plan.rows, "columns": len(plan.schema), "eval": t_eval,
            "write": t_write, "write_cpu": c_write, "baseline": t_base, "mb": size / 1e6, "rss_before": before, "rss_after": after}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--formats", default="parquet,csv")
    ap.add_argument("--layouts", default="long,wide")
    ap.add_argument("--chunk", type=int, default=1 << 15)
    ap.add_argument("--no-analyse", action="store_true")
    ap.add_argument("--jsonl", action="store_true", help="also JSON Lines (no baseline)")
    ap.add_argument("--child", nargs=2, metavar=("LAYOUT", "FORMAT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.n, args.child[0], args.child[1], args.chunk, not args.no_analyse)))
        return
    formats = args.formats.split(",") + (["jsonl"] if args.jsonl else [])
    print(f"{args.n:,} synthetic projects × {len(POLICIES)} policies, chunks of {args.chunk:,} projects, "
          f"analyses {'off' if args.no_analyse else 'on'}; each line a fresh process")
    print("write: building the table and writing the file (write_outcomes), wall and CPU seconds; pyarrow: CPU")
    print("seconds of pyarrow alone writing a table of the same shape already in memory; ratio: CPU / pyarrow")
    print(f"{'layout':6} {'format':8} {'rows':>10} {'cols':>5} {'eval s':>7} {'write s':>8} {'cpu s':>6} "
          f"{'pyarrow':>8} {'ratio':>6} {'MB':>8} {'peak RSS MB before → after write':>33}")
    for layout in args.layouts.split(","):
        for fmt in formats:
            cmd = [sys.executable, __file__, "--n", str(args.n), "--chunk", str(args.chunk),
                   "--child", layout, fmt] + (["--no-analyse"] if args.no_analyse else [])
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            ratio = r["write_cpu"] / r["baseline"] if r["baseline"] == r["baseline"] else float("nan")
            print(f"{layout:6} {fmt:8} {r['rows']:>10,} {r['columns']:>5} {r['eval']:>7.2f} {r['write']:>8.2f} "
                  f"{r['write_cpu']:>6.2f} {r['baseline']:>8.2f} {ratio:>6.2f} {r['mb']:>8.1f} "
                  f"{r['rss_before']:>14.0f} → {r['rss_after']:<14.0f}")


if __name__ == "__main__":
    main()
