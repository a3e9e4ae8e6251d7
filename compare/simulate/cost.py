"""What a scenario run will cost, estimated before any analysis runs, and refused past a limit.

The unit of work is a project-evaluation: one project through one line.  Each analysis is a number
of runs (a line over a batch of projects): compare, one per line and chunk; a sweep, one per point;
Monte Carlo, one per draw and line; readings, one per option (the tornado) and combination; the
competition map, one per compared line over all its cells.  The time is

    Σ runs × (RUN_OVERHEAD + projects per run / EVALUATIONS_PER_SECOND)

with constants measured on one core (0.65–6 million project-evaluations a second per line on a
sampled portfolio of 10^5, some milliseconds a run for compiling a sweep point and the set-up of a
small batch; 4 × 10^6 evaluations took 21 s on a shared machine), rounded to the slow side.  Memory is
what the largest part holds at once: a chunk of the portfolio with every line's outcomes, the rows of
the sweep, Monte Carlo and map tables (Python rows, then Arrow).  Past `MAX_SECONDS` or
`MAX_BYTES` the run is refused (E908) unless asked for (`--force-large`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from math import prod
from typing import Any

from compare.simulate.readings import MAX_COMBINATIONS

EVALUATIONS_PER_SECOND = 300_000  # per line, one core
RUN_OVERHEAD = 0.008  # seconds a run costs besides its projects (a sweep point's compile, the run's set-up)
BYTES_PER_PROJECT = 250  # a project's columns and one line's outcomes, in a batch (10^6 × 4 lines: 1 GB)
BYTES_PER_ROW = 1_000  # a table row held as a Python dict, then in Arrow
BYTES_PER_CELL = 3_000  # a map cell: its record, its batch entry, its row
MAX_SECONDS = 30 * 60.0  # runs estimated longer than this are refused without --force-large
MAX_BYTES = 8 * 2**30


@dataclass(frozen=True)
class Part:
    analysis: str  # `compare`, `sweep`, … (the key under `analyses`)
    evaluations: int
    runs: int
    bytes: int

    @property
    def seconds(self) -> float:
        return self.runs * RUN_OVERHEAD + self.evaluations / EVALUATIONS_PER_SECOND


@dataclass(frozen=True)
class Estimate:
    parts: list[Part] = field(default_factory=list)

    @property
    def evaluations(self) -> int:
        return sum(p.evaluations for p in self.parts)

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.parts)

    @property
    def bytes(self) -> int:
        return max((p.bytes for p in self.parts), default=0)

    @property
    def largest(self) -> Part | None:
        return max(self.parts, key=lambda p: p.seconds, default=None)

    @property
    def too_large(self) -> bool:
        return self.seconds > MAX_SECONDS or self.bytes > MAX_BYTES

    def describe(self) -> str:
        parts = "; ".join(f"{p.analysis} {p.evaluations:,}" for p in self.parts if p.evaluations)
        return (f"about {self.evaluations:,} project-evaluations ({parts}), {duration(self.seconds)} on one core, "
                f"{size(self.bytes)} of memory at most")


@dataclass(frozen=True)
class LineCost:
    """What the estimate needs of a line: its name, how many concepts it reports, its readings' options."""

    name: str
    concepts: int
    options: Sequence[int]  # per declared reading, its number of options
    is_reform: bool = False


def estimate(analyses: Mapping[str, Any], lines: Sequence[LineCost], projects: int, chunk_size: int,
             sample_size: int | None) -> Estimate:
    """The cost of `analyses` over `projects` projects (the portfolio's; a sample's size for Monte
    Carlo's draws) and `lines`."""
    first = min(projects, chunk_size)
    n_lines = len(lines)
    concepts = sum(ln.concepts for ln in lines)
    parts = []
    if analyses.get("compare"):
        chunks = -(-projects // chunk_size) if projects else 0
        parts.append(Part("compare", projects * n_lines, chunks * n_lines, first * (n_lines + 1) * BYTES_PER_PROJECT))
    if isinstance(sweep := analyses.get("sweep"), dict):
        points = _count(sweep.get("values")) * (_count(sweep.get("values2")) if "values2" in sweep else 1)
        per = max((ln.concepts for ln in lines if ln.name == sweep.get("policy")), default=1)
        parts.append(Part("sweep", points * first, points, first * 2 * BYTES_PER_PROJECT + points * per * BYTES_PER_ROW))
    if isinstance(mc := analyses.get("monte_carlo"), dict) and sample_size:
        draws = int(mc.get("draws", 0))
        parts.append(Part("monte_carlo", draws * sample_size * n_lines, draws * n_lines,
                          min(50 * sample_size, 10**7) * (n_lines + 1) * BYTES_PER_PROJECT
                          + draws * (concepts + n_lines) * BYTES_PER_ROW))
    if isinstance(rd := analyses.get("readings"), dict):
        named = rd.get("policies") or [ln.name for ln in lines if not ln.is_reform]
        runs = 0
        for ln in lines:
            if ln.name in named:
                combos = prod(ln.options) if ln.options else 1
                runs += 1 + sum(ln.options) + (combos if combos <= MAX_COMBINATIONS else 0)
        parts.append(Part("readings", runs * first, runs, first * 3 * BYTES_PER_PROJECT + runs * 40 * BYTES_PER_ROW))
    if isinstance(cm := analyses.get("competition_map"), dict):
        cells = _steps(cm.get("x")) * _steps(cm.get("y"))
        compared = len(cm.get("policies") or [ln for ln in lines if not ln.is_reform])
        parts.append(Part("competition_map", cells * compared, compared, cells * (compared + 1) * BYTES_PER_CELL))
    return Estimate(parts)


def _count(values: Any) -> int:
    if isinstance(values, list):
        return len(values)
    if isinstance(values, dict):
        return int(values.get("steps", 0) or 0)
    return 0


def _steps(axis: Any) -> int:
    return int(axis.get("steps", 20)) if isinstance(axis, dict) else 0


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def size(n: float) -> str:
    for unit, k in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20)):
        if n >= k:
            return f"{n / k:.1f} {unit}"
    return f"{n / 2**10:.0f} KB"


__all__ = ["MAX_BYTES", "MAX_SECONDS", "Estimate", "LineCost", "Part", "estimate"]
