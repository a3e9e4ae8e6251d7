"""The language server: from an edit of a bundled policy to its diagnostics, as an editor sees it.

A `policylab lsp` process is driven over a pipe by pygls's client (as tests/lsp_session.py does); each
round changes one figure of the policy (alternately breaking and restoring a clause's value, so every other
round publishes an error) and times didChange → publishDiagnostics.  Baseline in the same run:
parsing the same text in-process (dsl.parse.parse_text), the floor of any check.

    python benchmarks/bench_lsp.py [--rounds 20] [--policy policies/jiaxing_draft.policy]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from benchmarks.timing import best_of  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--policy", type=Path, default=ROOT / "policies" / "jiaxing_draft.policy")
    args = ap.parse_args()
    from lsp_session import Session, run_session

    from dsl.parse import parse_text

    path = args.policy.resolve()
    text = path.read_text(encoding="utf-8")
    at = text.index("\n  value ") + len("\n  value ")
    broken = text[:at] + "@" + text[at:]  # an unexpected character in a clause's value: E100
    floor = best_of(lambda: parse_text(text, str(path)), 5)
    times: list[float] = []
    counts: list[int] = []

    async def body(s: Session) -> None:
        uri = s.open(path)
        await s.diagnostics(uri)
        for i in range(args.rounds):
            t0 = time.perf_counter()
            s.replace(uri, broken if i % 2 == 0 else text)
            diags = await s.diagnostics(uri)
            times.append(time.perf_counter() - t0)
            counts.append(len(diags))

    run_session(body, cwd=ROOT)
    assert all(counts[i] > 0 for i in range(0, len(counts), 2)) and not any(counts[1::2]), counts
    print(f"policy: {path.name} ({len(text.splitlines())} lines); rounds: {args.rounds}")
    print(f"baseline, parse alone in-process (best of 5): {floor * 1000:.0f} ms")
    for what, part in (("breaking edit (an error)", times[0::2]), ("fixing edit (a clean check)", times[1::2])):
        print(f"{what} -> diagnostics: median {statistics.median(part) * 1000:.0f} ms, "
              f"max {max(part) * 1000:.0f} ms  (aim <= 300 ms)")


if __name__ == "__main__":
    main()
