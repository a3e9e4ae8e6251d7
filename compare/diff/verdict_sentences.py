"""A semantic diff read as sentences, in Chinese and English (the API is listed in compare.diff.sentences).

    semantic_by_reading(old, new, diff, fx=None, budget=60.0) -> list[SemanticDiff]
        one semantic diff per option of each reading a changed figure lies under (Wuxi's `ceilings`:
        `range`, then `full`), or one at the defaults where no change depends on a reading.
    verdict_sentences(sd, old, new, concept=None, prefixed=True) -> list[Sentence]
        per outcome concept that differs (or `concept` only): the verdict in words; a round project (the project of the
        largest change, each amount cut to the power of ten below it: 26.6667亿元 → 10亿元) re-evaluated
        by the evaluator under both versions, "对当年度到账外资10亿元的项目（外资项目），新版本多给1000万元
        （2000万元→3000万元）"; the largest change and a project that attains it; then the concepts
        proved the same.  Where the diff was run at a reading (`sd.readings`), each sentence names it
        ("按读法 ceilings=full：…"), unless `prefixed` is False (a section that states it).
    witness_sentences(sd, old, new, concept=None, prefixed=True) -> list[Sentence]
        each witness project, every field the concept's clauses read shown in the texts' notation (a
        field at its default too: 增资扩产：否), and what each version gives it.

`old` and `new` are the compiled policies the diff compared (compare.engine.evaluate.CompiledPolicy).
Two cities are named by their cities (无锡多给…), a revision's sides as 旧版本 / 新版本.  The words for
projects and figures are compare.diff.project_words'.
"""

from __future__ import annotations

from typing import Any

from compare.diff.project_words import (
    fields_read,
    figure_text,
    pair_record,
    project_words,
    round_down,
    value_words,
    who_words,
)
from compare.diff.semantic import _own_origins, semantic_diff
from compare.diff.sentences import Sentence
from compare.diff.structural import StructuralDiff
from compare.diff.verdicts import (
    EQUIVALENT,
    LESS,
    LESS_OPEN,
    MIXED,
    MORE,
    MORE_OPEN,
    ONLY_NEW,
    ONLY_OLD,
    UNKNOWN,
    ConceptDiff,
    Extreme,
    SemanticDiff,
    Witness,
)
from compare.diff.witness import evaluate, fill_required
from compare.engine.evaluate import CompiledPolicy
from dsl.check.record import run_record
from dsl.model import Policy
from dsl.units import Dim

VERDICT_WORDS = {
    MORE: ("新版本给得更多，没有项目少得", "the new version gives more, and no project gets less"),
    LESS: ("新版本给得更少，没有项目多得", "the new version gives less, and no project gets more"),
    MIXED: ("有增有减：有的项目多得，有的少得", "mixed: some projects get more, some less"),
    MORE_OPEN: ("新版本给得更多；是否有项目少得，求解超时未能判定",
                "the new version gives more; whether any project gets less was not decided (timed out)"),
    LESS_OPEN: ("新版本给得更少；是否有项目多得，求解超时未能判定",
                "the new version gives less; whether any project gets more was not decided (timed out)"),
    ONLY_NEW: ("仅新版本有此项", "only the new version has it"),
    ONLY_OLD: ("仅旧版本有此项", "only the old version has it"),
    UNKNOWN: ("未能判定", "not decided"),
}


# ---------------------------------------------------------------- readings


def semantic_by_reading(old: CompiledPolicy, new: CompiledPolicy, diff: StructuralDiff, fx: Any = None,
                        budget: float = 60.0) -> list[SemanticDiff]:
    """One semantic diff per option of each reading under which a figure changed (the budget shared
    out among them); one at the defaults where none did."""
    options = {o.id: r.id for p in (old.policy, new.policy) for r in p.readings.values() for o in r.options}
    touched = sorted({options[s] for c in diff.changes for s in c.where.split(" › ") if s in options})
    runs: list[dict[str, str]] = []
    for reading in touched:
        declared = new.policy.readings.get(reading) or old.policy.readings[reading]
        runs += [{reading: o.id} for o in declared.options]
    runs = runs or [{}]
    return [semantic_diff(old, new, None, r, fx, budget=budget / len(runs)) for r in runs]


def _reading_words(sd: SemanticDiff) -> tuple[str, str]:
    if not sd.readings:
        return "", ""
    said = "、".join(f"{k}={v}" for k, v in sd.readings.items())
    return f"按读法 {said}：", f"Under the reading {said}: "


# ---------------------------------------------------------------- verdicts and witnesses


def _one_concept(key: str, old: Policy, new: Policy) -> tuple[str, str]:
    for p in (new, old):
        tax = p.taxonomy
        c = tax.concepts.get(key) if tax is not None else None
        if c is not None:
            return f"{c.zh}（{key}）", f"{c.en} ({key})"
    return key, key


def concept_words(cd: ConceptDiff, old: Policy, new: Policy) -> tuple[str, str]:
    """A concept by its taxonomy labels, its key beside them; two concepts compared: both, old → new."""
    if cd.old_concept and cd.new_concept and cd.old_concept != cd.new_concept:
        a, b = _one_concept(cd.old_concept, old, new), _one_concept(cd.new_concept, old, new)
        return f"{a[0]}→{b[0]}", f"{a[1]} → {b[1]}"
    return _one_concept(cd.concept, old, new)


def sides(s: Sentence, old: Policy, new: Policy) -> Sentence:
    """Two cities compared: each side by its city (无锡 / wuxi), not as the old and the new version (a
    draft that extends the other is a version of it, whatever city it names)."""
    related = {f.path for f in old.files} & {f.path for f in new.files}
    if old.city == new.city or related:
        return s
    zh = s.zh.replace("新版本", new.city_label).replace("旧版本", old.city_label)
    en = s.en
    for said, city in (("new version", new.city), ("old version", old.city)):
        en = en.replace(f"The {said}", city).replace(f"the {said}", city).replace(said, city)
    return Sentence(zh, en[:1].upper() + en[1:])


def _change_words(old: Any, new: Any, dim: Dim | None) -> tuple[str, str] | None:
    """`多给1000万元` / `gives 1000万元 more` (the ceiling's move where both give a range from 0), None
    where the two give the same or the change is not a figure."""
    lo_a, hi_a = old if isinstance(old, tuple) else (old or 0.0, old or 0.0)
    lo_b, hi_b = new if isinstance(new, tuple) else (new or 0.0, new or 0.0)
    if isinstance(lo_a, bool) or isinstance(lo_b, bool) or float("inf") in (hi_a, hi_b):
        return None
    ceiling = isinstance(old, tuple) or isinstance(new, tuple)
    gap = (hi_b - hi_a) if ceiling and lo_a == lo_b else (hi_b - hi_a) if lo_b - lo_a == hi_b - hi_a else None
    if gap is None or gap == 0:
        return None
    size = figure_text(abs(gap), dim)
    if ceiling and lo_a == lo_b:
        return (f"新版本最高多给{size}", f"the new version gives up to {size} more") if gap > 0 else \
            (f"新版本最高少给{size}", f"the new version gives up to {size} less")
    return (f"新版本多给{size}", f"the new version gives {size} more") if gap > 0 else \
        (f"新版本少给{size}", f"the new version gives {size} less")


def _largest(cd: ConceptDiff) -> Extreme | None:
    found = [e for e in (cd.max_gain, cd.max_loss) if e is not None]
    return max(found, key=lambda e: e.amount or 0.0) if found else None


def _round_sentence(sd: SemanticDiff, cd: ConceptDiff, old: CompiledPolicy, new: CompiledPolicy) -> Sentence | None:
    """The largest change's project with its amounts made round, evaluated under both versions."""
    e = _largest(cd)
    if e is None or e.witness is None or e.kind != "bounded":
        return None
    project = round_down(e.witness.project)
    if project is None:
        return None
    rec, conflicts = run_record([old.policy.record, _own_origins(new.policy.record, old.policy.record)])
    if conflicts:
        return None
    given = dict(project)
    fill_required(given, rec)
    try:
        a = evaluate(old, given, sd.fx, sd.readings, cd.old_concept, rec) if cd.old_concept else None
        b = evaluate(new, given, sd.fx, sd.readings, cd.new_concept, rec) if cd.new_concept else None
    except (ValueError, KeyError):
        return None
    change = _change_words(a, b, cd.dim)
    if change is None:
        return None
    return _on_project(sd, cd, old.policy, new.policy, project, change, (a, b))


def _on_project(sd: SemanticDiff, cd: ConceptDiff, old: Policy, new: Policy, project: dict[str, Any],
                change: tuple[str, str], values: tuple[Any, Any]) -> Sentence:
    wz, we = who_words(project, pair_record(old, new))
    az, ae = value_words(values[0], cd.dim)
    bz, be = value_words(values[1], cd.dim)
    return Sentence(f"对{wz}，{change[0]}（{az}→{bz}）", f"For {we}, {change[1]} ({ae} → {be})")


def _extreme_sentence(sd: SemanticDiff, cd: ConceptDiff, old: Policy, new: Policy, e: Extreme, gain: bool) -> Sentence:
    more_zh, more_en = ("多给", "more") if gain else ("少给", "less")
    if e.kind == "unbounded":
        head = (f"新版本{more_zh}的数额没有上限", f"the new version can give {more_en} without limit")
    elif e.kind == "promised":
        head = ("一方只作承诺、未给数额", "one version promises without a figure")
    else:
        size = figure_text(e.amount or 0.0, cd.dim)
        head = (f"新版本最多{more_zh}{size}", f"the new version gives at most {size} {more_en}")
        if not e.exact:
            head = (f"新版本至少可{more_zh}{size}（搜索未证明最大值）",
                    f"the new version gives at least {size} {more_en} (the search stopped before a proof)")
    if e.bound == "low":  # a range's floor (张家港's 2‰ of 2～5‰); its top reads as 最高 in the figures
        head = (f"就下限而言，{head[0]}", f"on the low end, {head[1]}")
    if e.witness is None:
        return Sentence(head[0], head[1][0].upper() + head[1][1:])
    w = e.witness
    wz, we = who_words(w.shown if w.shown is not None else w.project, pair_record(old, new))
    az, ae = value_words(w.old, cd.dim)
    bz, be = value_words(w.new, cd.dim)
    return Sentence(f"{head[0]}，如{wz}：{az}→{bz}", f"{head[1][0].upper()}{head[1][1:]}, e.g. for {we}: {ae} → {be}")


def verdict_sentences(sd: SemanticDiff, old: CompiledPolicy, new: CompiledPolicy, concept: str | None = None,
                      prefixed: bool = True) -> list[Sentence]:
    """The verdicts in plain words (see the module docstring); `concept`: that concept's only (and no
    sentence of the concepts proved the same); `prefixed` False: without the reading's name, for a
    section that states it."""
    out: list[Sentence] = []
    rz, re_ = _reading_words(sd) if prefixed else ("", "")
    same: list[tuple[str, str]] = []
    for cd in sd.concepts:
        if concept is not None and cd.concept != concept:
            continue
        label = concept_words(cd, old.policy, new.policy)
        if cd.verdict == EQUIVALENT:
            same.append(label)
            continue
        vz, ve = VERDICT_WORDS.get(cd.verdict, (cd.verdict, cd.verdict))
        found = [Sentence(f"{label[0]}：{vz}", f"{label[1]}: {ve}")]
        rounded = _round_sentence(sd, cd, old, new)
        if rounded is not None:
            found.append(rounded)
        found += [_extreme_sentence(sd, cd, old.policy, new.policy, e, gain)
                  for e, gain in ((cd.max_gain, True), (cd.max_loss, False)) if e is not None]
        out += [sides(Sentence(f"{rz}{x.zh}", f"{re_}{x.en}"), old.policy, new.policy) for x in found]
    if same and concept is None:
        out.append(Sentence(f"{rz}对所有项目两版相同（已证明）：" + "、".join(z for z, _ in same),
                            f"{re_}the same for every project (proved): " + ", ".join(e for _, e in same)))
    return out


def _witness_sentence(cd: ConceptDiff, w: Witness, old: Policy, new: Policy) -> Sentence:
    read = list(dict.fromkeys([*fields_read(old, cd.old_concept), *fields_read(new, cd.new_concept)]))
    pz, pe = project_words(w.shown if w.shown is not None else w.project, pair_record(old, new), read)
    az, ae = value_words(w.old, cd.dim)
    bz, be = value_words(w.new, cd.dim)
    return Sentence(f"项目（{pz}）：旧版本{az}；新版本{bz}", f"project ({pe}): old version {ae}; new version {be}")


def witness_sentences(sd: SemanticDiff, old: CompiledPolicy, new: CompiledPolicy, concept: str | None = None,
                      prefixed: bool = True) -> list[Sentence]:
    """Every witness of every concept that differs, each once (see the module docstring); `concept` and
    `prefixed` (False: neither the reading nor the concept named) as for verdict_sentences."""
    out: list[Sentence] = []
    rz, re_ = _reading_words(sd) if prefixed else ("", "")
    for cd in sd.concepts:
        if concept is not None and cd.concept != concept:
            continue
        label = concept_words(cd, old.policy, new.policy)
        lz, le = (f"{label[0]}，", f"{label[1]}, ") if prefixed else ("", "")
        seen: list[dict[str, Any]] = []
        witnesses = [m.witness for m in cd.moves] + [e.witness for e in (cd.max_gain, cd.max_loss) if e is not None]
        for w in witnesses:
            if w is None or w.project in seen:
                continue
            seen.append(w.project)
            x = _witness_sentence(cd, w, old.policy, new.policy)
            out.append(sides(Sentence(f"{rz}{lz}{x.zh}", f"{re_}{le}{x.en}"), old.policy, new.policy))
    return out
