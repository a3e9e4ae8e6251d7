"""Progress for long commands: reading, evaluating and writing, on stderr, only past a second.

A run that ends within a second shows nothing; a longer one shows each stage with a bar where
its size is known.  Nothing goes to stdout (it may be the data), nothing at all with `--quiet`
or when stderr is not a terminal (a log file would fill with frames).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DELAY = 1.0  # seconds before anything is shown


class Steps:
    """Stages of a run: `step(label, total)` starts one (and ends the previous), `advance(n)` moves it."""

    def __init__(self, progress: Any | None):
        self._progress = progress
        self._task: Any = None
        self._total: float | None = None

    def step(self, label: str, total: float | None = None) -> None:
        if self._progress is None:
            return
        if self._task is not None:
            if self._total is not None:
                self._progress.update(self._task, completed=self._total)
            self._progress.stop_task(self._task)
        self._task, self._total = self._progress.add_task(label, total=total), total

    def describe(self, label: str) -> None:
        """A new label for the stage under way (what a long stage is doing now)."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=label)

    def advance(self, n: float = 1) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)

    def done(self, completed: float) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=completed)


@contextmanager
def steps(quiet: bool = False) -> Iterator[Steps]:
    """A Steps whose display appears on stderr once the run has taken DELAY seconds."""
    import sys

    if quiet or not sys.stderr.isatty():
        yield Steps(None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    timer = threading.Timer(DELAY, progress.start)
    timer.daemon = True
    timer.start()
    try:
        yield Steps(progress)
    finally:
        timer.cancel()
        progress.stop()
