"""Projects over years, as the year layer reads them (compare.engine.years): for each calendar year, a
batch of every project's fields that year, aligned by project.

Built by compare.data.years from a long table (one row per project and year) or a wide one
(`fdi_arrived[2024]`); a single-year batch is the one-year case.  A project's years run without gaps
from its first to its last; a project is `active` in the years it has a row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.engine.batch import ProjectBatch


@dataclass
class ProjectYears:
    ids: list[str]  # every project, in the file's order
    years: list[int]  # the calendar years, ascending, every year from the first to the last
    batches: dict[int, ProjectBatch]  # year -> every project's fields that year (ids in `ids` order); the
    # engine's `year` and `year_of_life` columns are set; a project without a row that year: defaults
    active: dict[int, np.ndarray]  # year -> per project, whether it has a row that year
    landing: np.ndarray  # per project, the year it lands (registers): its year of life 1

    @property
    def n(self) -> int:
        return len(self.ids)

    def year_of_life(self, year: int) -> np.ndarray:
        return year - self.landing + 1

    @staticmethod
    def one_year(batch: ProjectBatch, year: int) -> ProjectYears:
        """A single-year batch as the one-year case (every project lands that year)."""
        return ProjectYears(list(batch.ids), [year], {year: batch}, {year: np.ones(batch.n, dtype=bool)},
                            np.full(batch.n, year, dtype=np.int64))
