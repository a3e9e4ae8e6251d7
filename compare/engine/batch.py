"""The engine's input: the columns of n project records.

Money is an amount and a currency code per row (CNY 0, USD 1); a field's `#given` column
says where the record gave it.  compare.data builds batches from files and Python objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

CNY, USD = 0, 1


@dataclass
class ProjectBatch:
    """Columns of n projects.  Money is an amount and a currency code per row (CNY 0, USD 1)."""

    ids: list[str]
    columns: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(self.ids)

    def row(self, i: int) -> ProjectBatch:
        return ProjectBatch([self.ids[i]], {k: v[i:i + 1] for k, v in self.columns.items()})

    def select(self, ids: Iterable[str]) -> ProjectBatch:
        index = {pid: i for i, pid in enumerate(self.ids)}
        rows = np.array([index[i] for i in ids], dtype=np.int64)
        return ProjectBatch([self.ids[i] for i in rows], {k: v[rows] for k, v in self.columns.items()})

