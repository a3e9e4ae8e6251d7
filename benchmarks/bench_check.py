"""Parse + check the bundled city policies: in-process, and `policylab check policies/` as a process.

Prints absolute figures and ratios against baselines measured in the same run (the machines
are noisy): in-process against lexing the same texts with the policy grammar's lexer alone; the
process against a bare `python -c pass`.

    python benchmarks/bench_check.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from timing import process_median  # noqa: E402

from dsl.check import check_paths  # noqa: E402
from dsl.load import policy_files  # noqa: E402
from dsl.parse import parser  # noqa: E402


def best_of(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    files = policy_files([ROOT / "policies"])
    texts = [f.read_text(encoding="utf-8") for f in files]
    size = sum(len(t.encode()) for t in texts)
    parser()  # built (or loaded from Lark's cache) once per process, like the CLI

    def lex_only() -> None:
        for t in texts:
            for _ in parser().lex(t):
                pass

    def parse_and_check() -> None:
        result = check_paths([ROOT / "policies"])
        assert not result.has_errors, [d.message for d in result.diagnostics if d.is_error][:3]

    lex = best_of(lex_only, args.repeat)
    full = best_of(parse_and_check, args.repeat)
    print(f"policies: {len(files)} files, {size / 1024:.1f} KiB")
    print(f"in-process parse+check: {full * 1000:.1f} ms (best of {args.repeat}); "
          f"lexing alone {lex * 1000:.1f} ms; ratio {full / lex:.1f}x   [aim: <= 50 ms]")

    bare = process_median([sys.executable, "-c", "pass"], args.repeat // 2 or 1, ROOT)
    cli = process_median([sys.executable, "-m", "compare.cli", "check", "policies"], args.repeat // 2 or 1, ROOT)
    print(f"process `policylab check policies/`: {cli * 1000:.0f} ms (median); bare python {bare * 1000:.0f} ms; "
          f"ratio {cli / bare:.1f}x   [aim: <= 1000 ms]")


if __name__ == "__main__":
    main()
