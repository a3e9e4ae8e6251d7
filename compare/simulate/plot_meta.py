"""What the plots need to name things for a reader, gathered when a scenario runs (kept in
`Results.meta`, so a plot drawn later, or from a saved run, names them alike):

- `english`: the taxonomy's English of each concept and beneficiary ("beneficiary:firm" → "firm");
- `figure_labels`: a swept figure's title (compare.simulate.figures.figure_title: its clause, its part,
  its unit and article), `figure_values`: its value now and as the text writes it (the sweep marks it);
- `option_labels`: each reading option's words ("每档含上限：…"), by "line:reading.option";
- `line_notes`: what each reform sets, in words (["上限8000万元", "cap 80M CNY"]), for the legends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from compare.simulate.figures import figure_part, figure_title, find_figure, value_of
from compare.simulate.fonts import ascii_text
from compare.simulate.lines import Line


def plot_meta(lines: Sequence[Line], analyses: Mapping[str, Any]) -> dict[str, Any]:
    english: dict[str, str] = {}
    for ln in lines:
        tax = ln.policy.taxonomy
        if tax is not None:
            english.update({k: c.en for k, c in tax.concepts.items() if c.en})
            english.update({f"beneficiary:{k}": en for k, (_, en) in tax.beneficiaries.items() if en})
    meta: dict[str, Any] = {"english": dict(sorted(english.items()))}
    by_name = {ln.name: ln for ln in lines}
    notes = {ln.name: _changes(ln, by_name) for ln in lines if ln.reform is not None}
    meta["line_notes"] = {k: v for k, v in notes.items() if v[0]}
    sweep = analyses.get("sweep")
    if sweep and sweep.get("policy") in by_name:
        policy = by_name[sweep["policy"]].policy
        paths = [sweep[k] for k in ("figure", "figure2") if k in sweep]
        meta["figure_labels"] = {p: list(figure_title(policy, p)) for p in paths}
        meta["figure_values"] = {p: [value_of(find_figure(policy, p).node), find_figure(policy, p).text] for p in paths}
    readings = analyses.get("readings")
    if readings:
        names = readings.get("policies") or [ln.name for ln in lines if not ln.is_reform]
        meta["option_labels"] = {f"{name}:{rid}.{o.id}": o.label for name in names if name in by_name
                                 for rid, r in sorted(by_name[name].policy.readings.items()) for o in r.options if o.label}
    return meta


def _changes(line: Line, by_name: Mapping[str, Line]) -> list[str]:
    """A reform's figures as set, its base's first ("上限1亿元，比例3%", "cap 100M CNY, rate 3%"), for a
    legend to say what the reform is; ["", ""] where a change's part has no words (or none is a `set`)."""
    chain: list[Line] = []
    at: Line | None = line
    while at is not None and at.reform is not None and at not in chain:
        chain.insert(0, at)
        at = by_name.get(at.reform.base)
    zh, en = [], []
    for step in chain:
        assert step.reform is not None
        for change in step.reform.changes:
            part = figure_part(change.path)
            if not part[0]:
                return ["", ""]
            zh.append(f"{part[0]}{change.value}")
            en.append(f"{part[1]} {ascii_text(str(change.value))}")
    return ["，".join(zh), ", ".join(en)]


__all__ = ["plot_meta"]
