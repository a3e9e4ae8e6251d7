"""The comparison of a portfolio under every line: totals, by beneficiary and by payer, deltas, competitiveness.

Chunks of a portfolio are added up as they come (`Comparison.add`), so a sampled portfolio of 10^7
projects never sits in memory; the per-project tables (outcomes, deltas against the root,
competitiveness) are kept only for portfolios up to `PER_PROJECT_LIMIT` projects, the totals always.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from compare.engine.batch import ProjectBatch
from compare.engine.evaluate import Outcomes
from compare.simulate.lines import Line
from compare.simulate.payers import names_payers, payer_label, payer_totals
from compare.simulate.totals import (
    Attribution,
    beneficiary_label,
    concept_label,
    concept_totals,
    covered_concepts,
    ends,
    unit_of,
)

PER_PROJECT_LIMIT = 200_000


@dataclass
class _Sum:
    low: float = 0.0
    high: float = 0.0
    eligible: int = 0
    promised: int = 0
    stats: tuple[float, float, float, float] | None = None  # mean, p50, p90, max of the high end (one chunk only)


@dataclass
class Comparison:
    lines: list[Line]
    beneficiaries: list[str]  # whose offers the competitiveness tables compare; [] = each one paid money
    per_project: bool = True
    chunks: int = 0
    projects: int = 0
    totals: dict[tuple[str, str], _Sum] = field(default_factory=dict)
    by_beneficiary: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    by_payer: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)  # lines whose clauses name payers
    delta_sums: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # gain/loss counts, Σ deltas
    wins: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    paid: list[str] = field(default_factory=list)  # beneficiaries some line pays money to (first chunk)
    delta_parts: list[pa.Table] = field(default_factory=list)
    compete_parts: list[pa.Table] = field(default_factory=list)
    covered: dict[str, set[str]] = field(default_factory=dict)  # per line: totals.covered_concepts, found once

    def scenarios(self) -> list[tuple[str, list[Line]]]:
        """("baseline", the policies), then per reform the policies with the reform in its root's place."""
        base = [ln for ln in self.lines if not ln.is_reform]
        out = [("baseline", base)]
        for r in (ln for ln in self.lines if ln.is_reform):
            out.append((r.name, [r if ln.name == r.root else ln for ln in base]))
        return out

    def add(self, batch: ProjectBatch, results: Sequence[Outcomes], rate: float) -> None:
        self.chunks += 1
        self.projects += batch.n
        keep = self.per_project and self.projects <= PER_PROJECT_LIMIT
        by_name = {ln.name: out for ln, out in zip(self.lines, results, strict=True)}
        first_chunk = self.chunks == 1
        for ln in self.lines:
            if ln.name not in self.covered:
                self.covered[ln.name] = covered_concepts(ln.policy)
        att = {ln.name: Attribution(ln.compiled, out, rate, self.covered[ln.name])
               for ln, out in zip(self.lines, results, strict=True)}  # this chunk's, shared by every pass
        for ln, out in zip(self.lines, results, strict=True):
            for t in concept_totals(ln.compiled, out, stats=self.chunks == 1):
                s = self.totals.setdefault((ln.name, t.concept), _Sum())
                s.low, s.high = s.low + t.low, s.high + t.high
                s.eligible, s.promised = s.eligible + t.eligible, s.promised + t.promised
                s.stats = (t.mean_high, t.p50_high, t.p90_high, t.max_high) if self.chunks == 1 else None
            for (name, unit), sums in att[ln.name].totals().items():
                if first_chunk and unit == "CNY" and name not in self.paid:
                    self.paid.append(name)
                acc = self.by_beneficiary.setdefault((ln.name, name, unit), [0.0] * 5)
                for k, x in enumerate(sums):
                    acc[k] += x
            if names_payers(ln.policy):
                for (name, unit), sums in payer_totals(ln.compiled, out, rate).items():
                    acc = self.by_payer.setdefault((ln.name, name, unit), [0.0] * 5)
                    for k, x in enumerate(sums):
                        acc[k] += x
        for ln in self.lines:
            if ln.is_reform:
                self._deltas(ln, by_name[ln.name], by_name[ln.root], keep)
        for scenario, members in self.scenarios():
            for who in self.beneficiaries or sorted(self.paid):
                self._compete(scenario, members, [by_name[m.name] for m in members], [att[m.name] for m in members],
                              who, keep)
        if not keep:
            self.delta_parts.clear()
            self.compete_parts.clear()

    def _deltas(self, line: Line, new: Outcomes, old: Outcomes, keep: bool) -> None:
        n = len(new.ids)
        cols: dict[str, list[Any]] = {k: [] for k in ("concept", "low", "high", "root_low", "root_high")}
        index: list[np.ndarray] = []
        for concept in sorted(set(new.numeric) | set(old.numeric)):
            nl, nh = ends(new, concept, n)
            ol, oh = ends(old, concept, n)
            with np.errstate(invalid="ignore"):  # ∞ - ∞: unbounded on both sides, no change
                dl, dh = np.nan_to_num(nl - ol, nan=0.0), np.nan_to_num(nh - oh, nan=0.0)
            moved = (dl != 0) | (dh != 0)
            acc = self.delta_sums.setdefault((line.name, concept), [0.0, 0.0, 0.0, 0.0])
            acc[0] += float(np.count_nonzero(moved & ((dh > 0) | (dl > 0))))
            acc[1] += float(np.count_nonzero(moved & ((dh < 0) | (dl < 0))))
            acc[2] += float(dl.sum())
            acc[3] += float(dh.sum())
            if keep and moved.any():
                rows = np.flatnonzero(moved)
                index.append(rows)
                cols["concept"] += [concept] * rows.size
                for k, v in (("low", nl), ("high", nh), ("root_low", ol), ("root_high", oh)):
                    cols[k].append(v[rows])
        if not keep or not index:
            return
        rows = np.concatenate(index)
        lo, hi, rlo, rhi = (np.concatenate(cols[k]) for k in ("low", "high", "root_low", "root_high"))
        with np.errstate(invalid="ignore"):
            dlo, dhi = np.nan_to_num(lo - rlo, nan=0.0), np.nan_to_num(hi - rhi, nan=0.0)
        self.delta_parts.append(pa.table({
            "project": pa.array([new.ids[i] for i in rows], pa.string()),
            "policy": pa.array([line.name] * rows.size, pa.string()), "root": pa.array([line.root] * rows.size),
            "concept": pa.array(cols["concept"], pa.string()), "low": lo, "high": hi, "root_low": rlo,
            "root_high": rhi, "delta_low": dlo, "delta_high": dhi}))

    def _compete(self, scenario: str, members: list[Line], results: list[Outcomes], atts: list[Attribution], who: str,
                 keep: bool) -> None:
        n = len(results[0].ids)
        offered = [att.offers(who) for att in atts]
        if not keep and all(np.isfinite(hi).all() for _, hi, _ in offered):  # the counts alone: no sort
            for ln, (_, hi, promised_k), won in zip(members, offered, _sole_highest([hi for _, hi, _ in offered]),
                                                   strict=True):
                acc = self.wins.setdefault((scenario, who, ln.name), [0.0, 0.0, 0.0])
                acc[0] += float(np.count_nonzero(won))
                acc[1] += float(hi.sum())
                acc[2] += float(np.count_nonzero(promised_k))
            return
        his = np.zeros((len(members), n))
        los = np.zeros((len(members), n))
        promised = np.zeros((len(members), n), dtype=bool)
        for k, offer in enumerate(offered):
            los[k], his[k], promised[k] = offer
        del offered
        order = np.argsort(-his, axis=0, kind="stable")
        best, second = order[0], order[1] if len(members) > 1 else order[0]
        top = his[best, np.arange(n)]
        margin = top - (his[second, np.arange(n)] if len(members) > 1 else 0.0)
        nobody = top <= 0
        tie = (margin == 0) & ~nobody & (len(members) > 1)
        for k, ln in enumerate(members):
            won = (best == k) & ~nobody & ~tie
            acc = self.wins.setdefault((scenario, who, ln.name), [0.0, 0.0, 0.0])
            acc[0] += float(np.count_nonzero(won))
            acc[1] += float(his[k].sum())
            acc[2] += float(np.count_nonzero(promised[k]))
        if not keep:
            return
        winner = np.array([members[b].name for b in best], dtype=object)
        winner[tie] = "tie"
        winner[nobody] = "none"
        cols: dict[str, Any] = {"scenario": pa.array([scenario] * n), "project": pa.array(results[0].ids, pa.string()),
                                "beneficiary": pa.array([who] * n), "winner": pa.array(winner.tolist(), pa.string()),
                                "best_high": top, "margin_high": np.where(nobody, 0.0, margin)}
        for k, ln in enumerate(members):
            cols[f"{ln.name}.low"], cols[f"{ln.name}.high"] = los[k], his[k]
            cols[f"{ln.name}.promised"] = promised[k]
        self.compete_parts.append(pa.table(cols))

    # ------------------------------------------------------------ tables

    def totals_table(self) -> pa.Table:
        lines = {ln.name: ln for ln in self.lines}
        rows = []
        for (name, concept), s in self.totals.items():
            ln = lines[name]
            mean, p50, p90, top = s.stats if s.stats else (np.nan,) * 4
            rows.append({"policy": name, "label": ln.label, "city": ln.city, "root": ln.root, "concept": concept,
                         "concept_label": concept_label(ln.policy, concept),
                         "unit": unit_of(ln.compiled, concept), "low": s.low, "high": s.high,
                         "eligible": s.eligible, "promised": s.promised, "projects": self.projects,
                         "mean_high": mean, "p50_high": p50, "p90_high": p90, "max_high": top})
        return pa.Table.from_pylist(rows)

    def beneficiary_table(self) -> pa.Table:
        lines = {ln.name: ln for ln in self.lines}
        return pa.Table.from_pylist([
            {"policy": name, "label": lines[name].label, "city": lines[name].city, "beneficiary": who,
             "beneficiary_label": beneficiary_label(lines[name].policy, who), "unit": unit, "low": v[0], "high": v[1],
             "low_with_figure": v[2], "high_with_figure": v[3], "promised": int(v[4])}
            for (name, who, unit), v in sorted(self.by_beneficiary.items())])

    def payer_table(self) -> pa.Table | None:
        """Per line and payer (a joint payer `city+district` where the shares are not stated), the money
        paid, as `beneficiary_table` per beneficiary; None when no line's clauses name a payer."""
        if not self.by_payer:
            return None
        lines = {ln.name: ln for ln in self.lines}
        return pa.Table.from_pylist([
            {"policy": name, "label": lines[name].label, "city": lines[name].city, "payer": who,
             "payer_label": payer_label(lines[name].policy, who), "unit": unit, "low": v[0], "high": v[1],
             "low_with_figure": v[2], "high_with_figure": v[3], "promised": int(v[4])}
            for (name, who, unit), v in sorted(self.by_payer.items())])

    def delta_summary(self) -> pa.Table:
        lines = {ln.name: ln for ln in self.lines}
        return pa.Table.from_pylist([
            {"policy": name, "root": lines[name].root, "concept": c, "gainers": int(v[0]), "losers": int(v[1]),
             "delta_low": v[2], "delta_high": v[3]} for (name, c), v in sorted(self.delta_sums.items())],
            schema=pa.schema([("policy", pa.string()), ("root", pa.string()), ("concept", pa.string()),
                              ("gainers", pa.int64()), ("losers", pa.int64()), ("delta_low", pa.float64()),
                              ("delta_high", pa.float64())]))

    def wins_table(self) -> pa.Table:
        lines = {ln.name: ln for ln in self.lines}
        return pa.Table.from_pylist([
            {"scenario": s, "beneficiary": who, "policy": name, "label": lines[name].label, "wins": int(v[0]),
             "offered_high": v[1], "with_promise": int(v[2])} for (s, who, name), v in self.wins.items()])

    def deltas_table(self) -> pa.Table | None:
        return pa.concat_tables(self.delta_parts) if self.delta_parts else None

    def competitiveness_table(self) -> pa.Table | None:
        if not self.compete_parts:
            return None
        by_scenario: dict[str, list[pa.Table]] = {}
        for t in self.compete_parts:
            by_scenario.setdefault(t.column("scenario")[0].as_py(), []).append(t)
        return pa.concat_tables([pa.concat_tables(ts) for ts in by_scenario.values()], promote_options="default")


def _sole_highest(his: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per member, where it wins: its offer above 0 and above every other member's (finite offers).
    The same as the first of a stable sort from high to low, not tied with the second and above 0,
    without the sort: the highest offer, and how many members make it."""
    top = his[0].copy()
    for hi in his[1:]:
        np.maximum(top, hi, out=top)
    at_top = [hi == top for hi in his]
    makers = np.zeros(len(top), dtype=np.int16)
    for here in at_top:
        makers += here
    alone = (makers == 1) & (top > 0)
    return [here & alone for here in at_top]
