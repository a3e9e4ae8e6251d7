"""Parse + check the bundled city policies: in-process, and `policylab check policies/` as a process,
each cold (no cache) and warm (the checked policies taken from dsl.cache).

Prints absolute figures and ratios against baselines measured in the same run (the machines
are noisy): in-process against lexing the same texts with the policy grammar's lexer alone; the
processes (as benchmarks/bench_startup.py runs them: the console script's start, bytecode cached,
alternating rounds) against a bare `python -c pass`.  The cache lives in a temporary folder for the run.

    python benchmarks/bench_check.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_startup import AIMS_MS, alternating_medians, prepared  # noqa: E402
from timing import best_of  # noqa: E402

from dsl.cache import check_paths_cached, clear_cache  # noqa: E402
from dsl.check import check_paths  # noqa: E402
from dsl.load import policy_files  # noqa: E402
from dsl.parse import parser  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    cache = tempfile.mkdtemp(prefix="policylab-bench-cache-")
    os.environ["POLICYLAB_CACHE_DIR"] = cache  # the processes below inherit it
    os.environ.pop("POLICYLAB_NO_CACHE", None)
    try:
        run(args.repeat)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def run(repeat: int) -> None:
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

    def from_cache() -> None:
        result = check_paths_cached([ROOT / "policies"])
        assert not result.has_errors

    def miss() -> None:
        clear_cache()
        from_cache()

    lex = best_of(lex_only, repeat)
    full = best_of(parse_and_check, repeat)
    missed = best_of(miss, repeat)  # ends with the entry written
    warm = best_of(from_cache, repeat)
    print(f"policies: {len(files)} files, {size / 1024:.1f} KiB")
    print(f"in-process parse+check, cold (no cache): {full * 1000:.1f} ms (best of {repeat}); "
          f"lexing alone {lex * 1000:.1f} ms; ratio {full / lex:.1f}x")
    print(f"in-process, a cache miss (check, note what was read, write the entry): {missed * 1000:.1f} ms; "
          f"ratio to cold {missed / full:.2f}x")
    print(f"in-process, warm cache: {warm * 1000:.1f} ms; ratio to lexing {warm / lex:.2f}x, "
          f"to cold {warm / full:.2f}x   [aim: <= 50 ms]")

    # As processes: started as the console script starts them, bytecode cached, the arms alternating
    # round by round (bench_startup.py, which prints the same figures on their own).
    n = repeat // 2 or 1
    arms = prepared(ROOT, "", Path(os.environ["POLICYLAB_CACHE_DIR"]))  # the warm arm's entry written
    medians = alternating_medians(arms, n)
    bare, helps = medians["bare python"], medians["--help"]
    hot, cold = medians["check warm"], medians["check cold"]
    print(f"process `policylab check policies/` (median of {n} alternating rounds): cold {cold * 1000:.0f} ms, "
          f"warm cache {hot * 1000:.0f} ms; bare python {bare * 1000:.0f} ms; `policylab --help` {helps * 1000:.0f} ms")
    print(f"  ratios to bare python: cold {cold / bare:.1f}x, warm {hot / bare:.1f}x, --help {helps / bare:.1f}x; "
          f"warm/cold {hot / cold:.2f}x   [aim: warm <= {AIMS_MS['check warm']} ms, cold <= {AIMS_MS['check cold']} ms]")


if __name__ == "__main__":
    main()
