"""Clauses shared across a year's projects (compare.engine.portfolio): examples/time/b15_pool (a pool
shared by score, a quota of 2 winners) over n projects, against the same policy with its `budget` and
`winners` statements taken out (the clauses' values alone), in the same run; and the exact shares
alone (compare.engine.shares) on n weights of two decimals.

    python benchmarks/bench_portfolio.py [--n 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import numpy as np  # noqa: E402
from timing import best_of  # noqa: E402

from compare.api import load_policy  # noqa: E402
from compare.data.read import from_dicts  # noqa: E402
from compare.engine.batch import ProjectBatch  # noqa: E402
from compare.engine.evaluate import CompiledPolicy  # noqa: E402
from compare.engine.shares import shares  # noqa: E402

EXAMPLE = ROOT / "examples" / "time"


def batch_of(cp: CompiledPolicy, n: int) -> ProjectBatch:
    one = from_dicts([{"id": "p", "foreign": True, "quality_score": 70}], record=cp.policy.record)
    cols = {k: np.repeat(v, n) for k, v in one.columns.items()}
    cols["quality_score"] = np.round(np.random.default_rng(1).uniform(0, 100, n), 1)
    return ProjectBatch([f"p{i}" for i in range(n)], cols, one.record)


def without_sharing(folder: Path) -> CompiledPolicy:
    """b15_pool with `budget …` and `winners …` taken out (the score read as an amount, 1元 a point),
    beside a copy of its text and taxonomy."""
    shutil.copytree(EXAMPLE / "sources", folder / "sources")
    shutil.copytree(EXAMPLE / "taxonomy", folder / "taxonomy")
    text = (EXAMPLE / "b15_pool.policy").read_text(encoding="utf-8")
    text = text.replace("value quality_score", 'value 1元 derived "a baseline" * quality_score')
    (folder / "b15_pool.policy").write_text(re.sub(r"\n  (budget|winners) [^\n]*", "", text), encoding="utf-8")
    return load_policy(folder / "b15_pool.policy", cache=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    shared = load_policy(EXAMPLE / "b15_pool.policy", cache=False)
    with tempfile.TemporaryDirectory(prefix="policylab-bench-") as tmp:
        plain = without_sharing(Path(tmp))
    batch = batch_of(shared, args.n)
    t_plain = best_of(lambda: plain.outcomes(plain.run(batch, 7.0)), args.repeat)
    t_shared = best_of(lambda: shared.outcomes(shared.run(batch, 7.0)), args.repeat)
    print(f"{args.n:,} projects through b15_pool: {t_shared:.3f} s shared, {t_plain:.3f} s without budget "
          f"and winners; ratio {t_shared / t_plain:.2f}")
    w = np.round(np.random.default_rng(2).uniform(0, 1000, args.n), 2)
    t_shares = best_of(lambda: shares(w, w, 98e6, 98e6, True), args.repeat)
    t_float = best_of(lambda: np.floor(98e6 * w / w.sum()), args.repeat)
    print(f"exact shares of 98万元 among {args.n:,} weights: {t_shares:.3f} s; the float formula alone "
          f"{t_float:.3f} s; ratio {t_shares / t_float:.1f}")


if __name__ == "__main__":
    main()
