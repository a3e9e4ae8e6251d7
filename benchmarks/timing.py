"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The best wall time of `repeat` calls of `fn` (the least disturbed by a noisy machine)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def process_median(cmd: list[str], repeat: int, cwd: Path, check: bool = False) -> float:
    """Median wall time of running a command as a whole process."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True, check=check)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
