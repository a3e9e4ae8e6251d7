"""`policylab new` on the four bundled texts: how long a draft takes, the share of each text's
figure-bearing sentences the draft cites, and the share of the hand-encoded clauses whose figures a
draft clause states alike.

- cited: sentences with figures (as `policylab coverage` counts them) all of whose figures lie in a
  draft's `cite`; "explained" adds those its `unencoded` entries hold;
- figures alike: of the hand-encoded clauses whose value states figures, those for which a candidate
  clause (draft_…) quoting an overlapping passage states the same set of figures (number, scale, unit);
- time: the draft written in-process (best of --repeat), and `python -m compare.cli new` as a process
  on the longest text (median of --repeat, the interpreter's start included).

    python benchmarks/bench_new.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from timing import best_of  # noqa: E402

from compare.encode.draft import draft_policy  # noqa: E402
from compare.testing.source_coverage import source_coverage  # noqa: E402
from dsl import ast as A  # noqa: E402
from dsl.check import check_paths  # noqa: E402
from dsl.check.quotes import fold  # noqa: E402
from dsl.walk import walk  # noqa: E402

BUNDLED = ["wuxi_2023", "taicang_2020", "zhangjiagang_2017", "jiaxing_draft"]


def _figures(clause: A.Clause) -> frozenset[tuple[str, str, str]]:
    return frozenset((str(q.number.normalize()), q.scale, q.unit) for q in walk(clause.value)
                     if isinstance(q, A.Quantity))


def _overlap(a: str, b: str) -> bool:
    a, b = fold(a), fold(b)
    return a in b or b in a


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="policylab-bench-new-"))
    os.environ["POLICYLAB_CACHE_DIR"] = str(work / ".cache")
    try:
        (work / "sources").mkdir()
        totals = [0, 0, 0, 0, 0]
        print(f"{'text':<20} {'chars':>6} {'draft ms':>9} {'cited':>10} {'+unencoded':>11} {'figures alike':>14}")
        for name in BUNDLED:
            text = (ROOT / "policies" / "sources" / f"{name}.txt").read_text(encoding="utf-8")
            (work / "sources" / f"{name}.txt").write_text(text, encoding="utf-8")
            seconds = best_of(lambda text=text, name=name: draft_policy(name, f"sources/{name}.txt", text), args.repeat)
            path = work / f"{name}.policy"
            path.write_text(draft_policy(name, f"sources/{name}.txt", text), encoding="utf-8")
            result = check_paths([path])
            assert not result.has_errors, [d.message for d in result.diagnostics if d.is_error]
            (report,) = source_coverage(result.policies[0])
            with_figures = len(report.with_figures)
            explained = sum(1 for s in report.with_figures if s.explained and not s.uncovered)
            cited = with_figures - len(report.uncited) - explained
            hand = check_paths([ROOT / "policies" / f"{name}.policy"]).policies[0]
            drafts = [c for c in result.policies[0].clauses.values() if c.id.startswith("draft_")]
            wanted = [c for c in hand.clauses.values() if _figures(c)]
            alike = sum(1 for h in wanted if any(_figures(d) == _figures(h) and any(
                _overlap(x.quote, y.quote) for x in d.cites for y in h.cites) for d in drafts))
            for k, v in enumerate((with_figures, cited, cited + explained, len(wanted), alike)):
                totals[k] += v
            print(f"{name:<20} {len(text):>6} {1000 * seconds:>9.1f} {cited:>4}/{with_figures:<5} "
                  f"{cited + explained:>5}/{with_figures:<5} {alike:>7}/{len(wanted):<6}")
        print(f"{'all four':<20} {'':>6} {'':>9} {totals[1]:>4}/{totals[0]:<5} {totals[2]:>5}/{totals[0]:<5} "
              f"{totals[4]:>7}/{totals[3]:<6}")
        longest = max(BUNDLED, key=lambda n: len((ROOT / "policies" / "sources" / f"{n}.txt").read_text("utf-8")))
        times = []
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for k in range(args.repeat):
            out = work / f"run{k}.policy"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "compare.cli", "new", "x", "--source",
                            str(ROOT / "policies" / "sources" / f"{longest}.txt"), "--out", str(out)],
                           cwd=work, env=env, capture_output=True, check=True)
            times.append(time.perf_counter() - t0)
        print(f"policylab new on {longest} (the longest text), as a process: {statistics.median(times):.2f} s "
              "(aim: at most 2 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
