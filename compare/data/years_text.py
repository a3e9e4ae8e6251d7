"""Outcomes over years for people: the cities side by side, per year and in total, summed over the
projects (`policylab compare` of a file over years), and the instalments due after the file's years."""

from __future__ import annotations

import numpy as np

from compare.data.write import aligned, human
from compare.data.years_table import TOTAL, concept_totals
from compare.engine.years import YearOutcomes
from dsl.textsafe import printable
from dsl.units import Dim


def _cell(lo: float, hi: float, dim: Dim | None) -> str:
    if lo == hi:
        return human(lo, dim)
    return human([lo, None if np.isinf(hi) else hi], dim)


def render_year_totals(results: list[YearOutcomes], labels: dict[str, str] | None = None,
                       dims: list[dict[str, Dim | None]] | None = None, notes: list[str] | None = None) -> str:
    """Per outcome concept some city gives: a row per year and the total, a column per city, each cell
    the sum over the projects (— where the city has no such measure)."""
    if not results:
        return ""
    first = results[0]
    span = f"{first.years[0]}–{first.years[-1]}" if len(first.years) > 1 else str(first.years[0])
    n = len(first.ids)
    out = [f"{n} project{'s' if n != 1 else ''} over {span}: what each city gives, per year and in total "
           "(summed over the projects)"]
    sums = [concept_totals(r, dims[k] if dims else None) for k, r in enumerate(results)]
    concepts = sorted({c for r in results for c in r.total.numeric if _given(r, c)})
    for c in concepts:
        out.append("")
        out.append(printable(f"{c} {labels.get(c, '')}".rstrip() if labels else c))
        rows: list[list[str]] = [["", *(r.city for r in results)]]
        keys: list[int | str] = [*first.years, TOTAL]
        for key in keys:
            cells = []
            for k, s in enumerate(sums):
                dim = dims[k].get(c) if dims else None
                cells.append(_cell(*s[c][key], dim) if c in s else "—")
            rows.append([str(key), *cells])
        out.extend(aligned(rows, indent="  "))
    later = due_later_lines(results, dims)
    if later:
        out.append("")
        out.extend(later)
    out.append("")
    out += [printable(x) for x in notes or []]
    return "\n".join(out) + "\n"


def due_later_lines(results: list[YearOutcomes], dims: list[dict[str, Dim | None]] | None = None,
                    project: int | None = None) -> list[str]:
    """Instalments due after the file's last year (not in the totals), per city and concept; of one
    project, or summed over all."""
    lines = []
    for k, r in enumerate(results):
        for c, (lo, hi) in sorted(r.due_later.items()):
            a, b = (float(lo[project]), float(hi[project])) if project is not None else (float(lo.sum()), float(hi.sum()))
            if a or b:
                dim = dims[k].get(c) if dims else None
                lines.append(printable(f"{r.city} {c}: {_cell(a, b, dim)} due after {r.years[-1]} "
                                       "(instalments not in the totals)"))
    return lines


def _given(r: YearOutcomes, concept: str) -> bool:
    """Whether the city gives `concept` to some project in some year (eligible, or a figure)."""
    eligible = r.total.eligible.get(concept)
    lo, hi = r.total.numeric[concept]
    return bool(eligible.any()) if eligible is not None else bool(np.any(lo != 0) or np.any(hi != 0))
