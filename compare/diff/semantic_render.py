"""A SemanticDiff as a terminal table, JSON for tools, or Markdown for a memo.

Figures are written as the texts write them (compare.engine.explain: 3000万元, 3.5分, `promised, no
figure`); a witness project lists the fields that are not at their defaults.  Given the two compiled
policies, the table and the Markdown read each concept's verdict and witnesses as sentences in Chinese
and English (compare.diff.verdict_sentences: "对当年度到账外资10亿元的项目（外资项目），新版本多给1000万元"),
each witness with every field the concept's clauses read.
"""

from __future__ import annotations

import json
from typing import Any

from compare.diff.dates import RevisionDates, markdown_lines, text_lines
from compare.diff.semantic import (
    EQUIVALENT,
    ONLY_NEW,
    ONLY_OLD,
    UNKNOWN,
    ConceptDiff,
    Extreme,
    Move,
    Region,
    SemanticDiff,
    Witness,
)
from compare.diff.sentences import Sentence, md_text
from compare.diff.verdict_sentences import concept_words, verdict_sentences, witness_sentences
from compare.engine.evaluate import CompiledPolicy
from compare.engine.explain import fmt_number, fmt_value
from dsl.textsafe import json_safe, md_code, printable
from dsl.units import Dim

BOUND = {"value": "value", "low": "low end", "high": "high end"}


def project_text(p: dict[str, Any]) -> str:
    parts = []
    for k, v in p.items():
        if k == "id":
            continue
        if v is True:
            parts.append(k)
        elif v is False:  # said where the other fields would imply it (FDI arrived: foreign)
            parts.append(f"not {k}")
        elif isinstance(v, list):
            parts.append(f"{k} [{', '.join(v)}]")
        else:
            parts.append(f"{k} {v}")
    return ", ".join(parts) or "any project (every field at its default)"


def _value(v: Any, dim: Dim | None) -> str:
    return "—" if v is None else fmt_value(v, dim)


def _witness(w: Witness | None, cd: ConceptDiff, names: tuple[str, str]) -> str:
    if w is None:
        return "(no witness: it did not reproduce under the evaluator)"
    return f"{project_text(w.shown if w.shown is not None else w.project)}: {names[0]} {_value(w.old, cd.dim)} → {names[1]} {_value(w.new, cd.dim)}"


def _extreme(e: Extreme | None, cd: ConceptDiff, names: tuple[str, str], gain: bool) -> str:
    """The largest gain (loss) signed, which end of the interval, and the project that attains it:
    `+3000万元 (high end) on project fdi_arrived 26.6667亿元, foreign: OLD … → NEW …`."""
    if e is None:
        return "—"
    at = f" ({BOUND[e.bound]})" if e.bound != "value" else ""
    if e.kind == "promised":
        head = "a promise with no figure where the other side has a figure or nothing" + at
        on = ", on project"
    elif e.kind == "unbounded":
        head = "unbounded" + at + ": grows without limit"
        on = ", e.g. on project"
    else:
        amount = fmt_number(e.amount or 0.0, cd.dim) if cd.dim != Dim.BOOL else str(e.amount)
        head = ("+" if gain else "−") + amount + ("" if e.exact else " at least (the search stopped before a proof)") + at
        on = " on project"
    return head + (f"{on} {_witness(e.witness, cd, names)}" if e.witness is not None else "")


def largest_text(cd: ConceptDiff, names: tuple[str, str], gain: bool) -> str | None:
    """`largest gain: +X …` / `largest loss: −Y …`, or None where there is none."""
    e = cd.max_gain if gain else cd.max_loss
    return None if e is None else f"largest {'gain' if gain else 'loss'}: {_extreme(e, cd, names, gain)}"


def verdict_text(cd: ConceptDiff, d: SemanticDiff) -> str:
    if cd.verdict == ONLY_NEW:
        return f"only in {d.new}"
    if cd.verdict == ONLY_OLD:
        return f"only in {d.old}"
    if cd.verdict in (EQUIVALENT, UNKNOWN):
        return cd.verdict
    return f"{d.new} {cd.verdict}"


def _move_what(m: Move, cd: ConceptDiff) -> str:
    if cd.verdict in (ONLY_NEW, ONLY_OLD):
        return f"{BOUND[m.bound]} not zero"
    return f"{BOUND[m.bound]} {'up' if m.direction == 'up' else 'down'}"


def _move_line(m: Move, cd: ConceptDiff, names: tuple[str, str]) -> str:
    return f"  {_move_what(m, cd):14} {_witness(m.witness, cd, names)}"


def region_text(r: Region) -> str:
    fixed = []
    for k, v in r.fixed.items():
        if v is True:
            fixed.append(k)
        elif v is False:
            fixed.append(f"not {k}")
        elif isinstance(v, list):
            fixed.append(f"{k} {' or '.join(v)}")
        else:
            fixed.append(f"{k} {v}")
    ranges = [f"{k} {lo} – {hi if hi is not None else 'no limit'}" for k, (lo, hi) in r.ranges.items()]
    return "; ".join(x for x in (", ".join(fixed), ", ".join(r.conditions), ", ".join(ranges)) if x) or "every project"


def _pairs(sentences: list[Sentence], indent: str) -> list[str]:
    """Each sentence: the Chinese, the English under it, indented a step more."""
    return [line for s in sentences for line in (f"{indent}{s.zh}", f"{indent}  {s.en}")]


def render_table(d: SemanticDiff, dates: RevisionDates | None = None, old: CompiledPolicy | None = None,
                 new: CompiledPolicy | None = None) -> str:
    """Per concept that differs its verdict, then (given the policies) the verdict and the witnesses as
    sentences, else each move's witness and the largest gain and loss; where each side is ahead; the
    concepts proved the same; what was not decided."""
    names = (d.old, d.new)
    readings = ", ".join(f"{k}={v}" for k, v in d.readings.items()) or "the defaults"
    lines = [f"{d.old} → {d.new}: semantic diff over every valid project ({d.fx_note}; readings: {readings})"]
    if dates is not None:
        lines += ["", *text_lines(dates)]
    same = [cd.concept for cd in d.concepts if cd.verdict == EQUIVALENT]
    for cd in d.concepts:
        if cd.verdict == EQUIVALENT:
            continue
        lines += ["", f"{cd.concept}: {verdict_text(cd, d)}" + (f"  ({cd.note})" if cd.note else "")]
        if old is not None and new is not None:
            lines += _pairs(verdict_sentences(d, old, new, cd.concept, prefixed=False), "  ")
            seen = witness_sentences(d, old, new, cd.concept, prefixed=False)
            lines += ["  见证项目 witnesses:", *_pairs(seen, "    ")] if seen else []
        else:
            lines += [_move_line(m, cd, names) for m in cd.moves]
            lines += [f"  {t}" for t in (largest_text(cd, names, True), largest_text(cd, names, False)) if t]
        for ahead in ("new", "old"):
            parts = [r for r in cd.regions if r.ahead == ahead]
            if parts:
                lines.append(f"  where {names[ahead == 'new']} gives more:")
                lines += [f"    - {region_text(r)}" for r in parts]
    if same:
        lines += ["", "equivalent (proved for every valid project): " + ", ".join(same)]
        if old is not None and new is not None:
            words = [concept_words(cd, old.policy, new.policy) for cd in d.concepts if cd.verdict == EQUIVALENT]
            lines += [f"  对所有项目两版相同：{'、'.join(z for z, _ in words)}",
                      f"    the same for every project: {', '.join(e for _, e in words)}"]
        lines += [f"  {cd.concept}: {cd.note}" for cd in d.concepts if cd.verdict == EQUIVALENT and cd.note]
    if d.undecided:
        lines += ["", f"not decided ({_budget(d)}):"] + [f"  - {u}" for u in d.undecided]
    return "\n".join(printable(line) for line in lines) + "\n"


def _budget(d: SemanticDiff) -> str:
    limit = f"time budget {d.budget:g} s" if d.budget is not None else "no time budget"
    return f"{limit}, took {d.seconds:.1f} s"


def _plain(v: Any) -> Any:
    if isinstance(v, tuple):
        return [None if x == float("inf") else x for x in v]
    return v


def to_dict(d: SemanticDiff) -> dict[str, Any]:
    def witness(w: Witness | None) -> Any:
        return None if w is None else {"project": w.project, "old": _plain(w.old), "new": _plain(w.new)}

    def extreme(e: Extreme | None) -> Any:
        return None if e is None else {"bound": e.bound, "kind": e.kind, "amount": e.amount, "exact": e.exact,
                                       "witness": witness(e.witness)}

    def largest(c: ConceptDiff, gain: bool) -> Any:
        out = extreme(c.max_gain if gain else c.max_loss)
        if out is not None:  # signed: a loss is negative; the line the table shows
            out["change"] = None if out["amount"] is None else out["amount"] * (1 if gain else -1)
            out["text"] = largest_text(c, (d.old, d.new), gain)
        return out
    return {"old": d.old, "new": d.new, "fx": d.fx, "fx_note": d.fx_note, "readings": d.readings,
            "budget": d.budget, "seconds": round(d.seconds, 3), "undecided": d.undecided,
            "concepts": [{"concept": c.concept, "old_concept": c.old_concept, "new_concept": c.new_concept,
                          "unit": c.dim.value if c.dim else None, "verdict": c.verdict, "note": c.note,
                          "undecided": [{"bound": u.bound, "direction": u.direction, "seconds": round(u.seconds, 3),
                                         "why": u.why, "text": u.text} for u in c.undecided],
                          "moves": [{"bound": m.bound, "direction": m.direction, "witness": witness(m.witness),
                                     "largest": extreme(m.extreme)} for m in c.moves],
                          "max_gain": largest(c, True), "max_loss": largest(c, False),
                          "regions": [{"ahead": r.ahead, "fixed": r.fixed, "conditions": r.conditions,
                                       "ranges": {k: list(v) for k, v in r.ranges.items()}} for r in c.regions]}
                         for c in d.concepts]}


def render_json(d: SemanticDiff, dates: RevisionDates | None = None) -> str:
    doc = to_dict(d)
    if dates is not None:
        doc["dates"] = dates.to_json()
    return json_safe(json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False, default=str)) + "\n"


def _md(s: str) -> str:
    return md_text(s)


def _worded_markdown(d: SemanticDiff, old: CompiledPolicy, new: CompiledPolicy) -> list[str]:
    """A section per concept that differs: its verdict and witnesses as rows of 中文 | English."""
    out: list[str] = []
    for cd in d.concepts:
        if cd.verdict == EQUIVALENT:
            continue
        zh, en = concept_words(cd, old.policy, new.policy)
        out += [f"### {_md(zh)} / {_md(en)}", "", "| 中文 | English |", "|---|---|"]
        out += [f"| {_md(s.zh)} | {_md(s.en)} |" for s in verdict_sentences(d, old, new, cd.concept, prefixed=False)]
        out += [f"| 见证{_md(s.zh)} | witness {_md(s.en)} |"
                for s in witness_sentences(d, old, new, cd.concept, prefixed=False)]
        out.append("")
    same = [concept_words(cd, old.policy, new.policy) for cd in d.concepts if cd.verdict == EQUIVALENT]
    if same:
        out += [f"对所有项目两版相同（已证明）：{_md('、'.join(z for z, _ in same))}.", "",
                f"The same for every project (proved): {_md(', '.join(e for _, e in same))}.", ""]
    return out


def render_markdown(d: SemanticDiff, dates: RevisionDates | None = None, old: CompiledPolicy | None = None,
                    new: CompiledPolicy | None = None) -> str:
    """Given the policies, a section per concept that differs (its verdict and witnesses as sentences);
    else a table of the concepts, their moves' witnesses and largest gain and loss."""
    names = (d.old, d.new)
    readings = ", ".join(f"{k}={v}" for k, v in d.readings.items())
    out = [f"## {_md(d.old)} → {_md(d.new)}: semantic diff", "", f"{_md(d.fx_note)}."
           + (f" 读法 readings: {_md(readings)}." if readings else ""), "",
           *([*markdown_lines(dates), ""] if dates is not None else [])]
    if old is not None and new is not None:
        out += _worded_markdown(d, old, new)
    else:
        out += _table_markdown(d, names)
    for cd in d.concepts:
        for ahead in ("new", "old"):
            parts = [r for r in cd.regions if r.ahead == ahead]
            if parts:
                out += ["", f"Where {_md(names[ahead == 'new'])} gives more ({md_code(cd.concept)}):", ""]
                out += [f"- {_md(region_text(r))}" for r in parts]
    notes = [f"- {md_code(cd.concept)}: {_md(cd.note)}" for cd in d.concepts if cd.note]
    if notes:  # what the verdicts do not cover (time statements, units that do not compare)
        out += ["", "Notes:", ""] + notes
    if d.undecided:
        out += ["", f"Not decided ({_md(_budget(d))}):", ""] + [f"- {_md(u)}" for u in d.undecided]
    return "\n".join(out) + "\n"


def _table_markdown(d: SemanticDiff, names: tuple[str, str]) -> list[str]:
    out = ["| concept | verdict | where it moves (a witness) | largest gain | largest loss |", "|---|---|---|---|---|"]
    for cd in d.concepts:
        moves = "<br>".join(_md(f"{_move_what(m, cd)}: {_witness(m.witness, cd, names)}") for m in cd.moves) or "—"
        out.append(f"| {md_code(cd.concept)} | {_md(verdict_text(cd, d))} | {moves} | "
                   f"{_md(_extreme(cd.max_gain, cd, names, True))} | {_md(_extreme(cd.max_loss, cd, names, False))} |")
    return out
