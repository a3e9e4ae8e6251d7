"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path


def process_median(cmd: list[str], repeat: int, cwd: Path, check: bool = False) -> float:
    """Median wall time of running a command as a whole process."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True, check=check)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
