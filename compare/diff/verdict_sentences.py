"""A semantic diff read as sentences, in Chinese and English (the API is listed in compare.diff.sentences).

    semantic_by_reading(old, new, diff, fx=None, budget=60.0) -> list[SemanticDiff]
        one semantic diff per option of each reading a changed figure lies under (Wuxi's `ceilings`:
        `range`, then `full`), or one at the defaults where no change depends on a reading.
    verdict_sentences(sd, old, new) -> list[Sentence]
        per outcome concept that differs: the verdict in words; a round project (the project of the
        largest change, each amount cut to the power of ten below it: 26.6667亿元 → 10亿元) re-evaluated
        by the evaluator under both versions, "对当年度到账外资10亿元的项目（外资项目），新版本多给1000万元
        （2000万元→3000万元）"; the largest change and a project that attains it; then the concepts
        proved the same.  Under a reading other than the defaults each sentence names it.
    witness_sentences(sd, old, new) -> list[Sentence]
        each witness project, every field the concept's clauses read shown in the texts' notation (a
        field at its default too: 增资扩产：否), and what each version gives it.

`old` and `new` are the compiled policies the diff compared (compare.engine.evaluate.CompiledPolicy).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

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
from compare.diff.witness import evaluate, fill_required, value_label
from compare.engine.evaluate import CompiledPolicy
from compare.engine.explain import fmt_number
from compare.engine.notation import amount_text, number_text
from dsl import ast as A
from dsl.check.record import run_record
from dsl.model import Policy
from dsl.record import Record
from dsl.schema import LABELS, VALUE_LABELS
from dsl.units import Dim
from dsl.walk import walk

VERDICT_WORDS = {
    MORE: ("新版本给得更多，没有项目少得", "the new version gives more, and no project gets less"),
    LESS: ("新版本给得更少，没有项目多得", "the new version gives less, and no project gets more"),
    MIXED: ("有增有减：有的项目多得，有的少得", "mixed: some projects get more, some less"),
    MORE_OPEN: ("新版本给得更多；是否有项目少得，求解超时未能判定",
                "the new version gives more; whether any project gets less was not decided (timed out)"),
    LESS_OPEN: ("新版本给得更少；是否有项目多得，求解超时未能判定",
                "the new version gives less; whether any project gets more was not decided (timed out)"),
    ONLY_NEW: ("仅新版本有此项", "only the new version has it"),
    ONLY_OLD: ("新版本删去此项", "only the old version has it"),
    UNKNOWN: ("未能判定", "not decided"),
}
_SCALES = {"亿": Decimal(10) ** 8, "万": Decimal(10) ** 4, "": Decimal(1)}


# ---------------------------------------------------------------- figures and projects in words


def value_words(v: Any, dim: Dim | None) -> tuple[str, str]:
    """What a version gives, as the texts write it: 2000万元; 最高2000万元 / up to 2000万元 for [0, x];
    0.5～2分; 无 / nothing where the version has no such outcome; 仅承诺 / promised for a promise."""
    if v is None:
        return "无", "nothing"
    if isinstance(v, bool):
        return ("是", "yes") if v else ("否", "no")
    if isinstance(v, tuple):
        lo, hi = v
        if hi == float("inf"):
            return ("仅承诺，无数额", "promised, no figure") if lo == 0 else (f"至少{_figure(lo, dim)}", f"at least {_figure(lo, dim)}")
        if lo == hi:
            return _figure(lo, dim), _figure(lo, dim)
        if lo == 0:
            return f"最高{_figure(hi, dim)}", f"up to {_figure(hi, dim)}"
        return f"{_figure(lo, dim)}～{_figure(hi, dim)}", f"{_figure(lo, dim)}–{_figure(hi, dim)}"
    return _figure(v, dim), _figure(v, dim)


def _figure(x: float, dim: Dim | None) -> str:
    if dim in (Dim.CNY, Dim.USD):
        return amount_text(Decimal(str(round(float(x), 2))), "美元" if dim == Dim.USD else "元")
    return fmt_number(float(x), dim)


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(亿|万)?([^\d\s.]+)$")


def _amount(text: str) -> tuple[Decimal, str, str] | None:
    """A figure as a witness writes it: `26.6667亿元` → (2666670000, "亿", "元"), `25000平方米` →
    (25000, "", "平方米"), `30%` → (30, "", "%"); None where the text is not one."""
    m = _QUANTITY.match(text)
    if m is None:
        return None
    return Decimal(m.group(1)) * _SCALES[m.group(2) or ""], m.group(2) or "", m.group(3)


def field_words(rec: Record, name: str) -> tuple[str, str]:
    zh, en = rec.label(name)
    core = LABELS.get(name)
    return (core[0] if core else zh or en or name), (core[1] if core else en or zh or name)


def _value_label(rec: Record, name: str, value: str, labels: dict[str, str] | None) -> tuple[str, str]:
    """A choice's or a set member's labels: the built-in ones (referral none → 无 / none), else the
    policy's (its Chinese label in both), else the value as written."""
    core = VALUE_LABELS.get(f"{name}.{value}")
    if core is not None:
        return core
    zh, en = rec.label(f"{name}.{value}")
    if zh or en:
        return zh or en or value, en or zh or value
    said = value_label(rec, name, value, labels)
    return said, said


def _field_value(rec: Record, name: str, v: Any, labels: dict[str, str] | None = None) -> tuple[str, str]:
    f = rec.fields.get(name)
    if isinstance(v, bool):
        return ("是", "yes") if v else ("否", "no")
    if isinstance(v, list):
        shown = [_value_label(rec, name, str(m), labels) for m in v]
        return ("、".join(z for z, _ in shown), ", ".join(e for _, e in shown)) if shown else ("无", "none")
    if v is None or v == "":
        return "未填", "not given"
    if f is not None and f.dim in (Dim.CHOICE, Dim.TEXT) and f.choices:
        return _value_label(rec, name, str(v), labels)
    if f is not None and f.dim == Dim.RATIO and not isinstance(v, str):
        return f"{v * 100:g}%", f"{v * 100:g}%"
    return str(v), str(v)


def fields_read(policy: Policy, concept: str | None) -> list[str]:
    """The record's fields the clauses of a concept read, through the clauses, splits and named
    conditions they name, in the record's order."""
    if concept is None:
        return []
    items: list[Any] = [c for c in policy.clauses.values() if c.concept is not None and c.concept.dotted == concept]
    for s in policy.splits.values():  # a share of a split: `reward.team.referrer` of the clause it divides
        whole = policy.concept_of(s.splits.dotted) if s.splits is not None else None
        if whole is not None and concept.startswith(whole + "."):
            items += [s, policy.clauses[s.splits.dotted]] if s.splits is not None else [s]
    seen: set[int] = set()
    names: set[str] = set()
    while items:
        item = items.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        for part in (getattr(item, "when", None), getattr(item, "value", None), getattr(item, "expr", None)):
            for n in walk(part) if part is not None else ():
                if not isinstance(n, A.Name):
                    continue
                if n.dotted in policy.clauses:
                    items.append(policy.clauses[n.dotted])
                elif n.dotted in policy.conditions:
                    items.append(policy.conditions[n.dotted])
                elif n.dotted in policy.record.fields:
                    names.add(n.dotted)
    return [f for f in policy.record.fields if f in names and f != "id"]


def project_words(project: dict[str, Any], rec: Record, read: list[str], labels: dict[str, str] | None = None,
                  defaults: bool = True) -> tuple[str, str]:
    """A project as `当年度到账外资10亿元；外资项目：是；增资扩产：否` / `foreign capital arrived this year
    10亿元; foreign-invested project: yes; …`: every field in `read` (at its default too, where `defaults`),
    then any other field the project gives."""
    zh: list[str] = []
    en: list[str] = []
    for name in [*read, *(k for k in project if k not in read and k != "id")]:
        if name not in project and not defaults:
            continue
        f = rec.fields.get(name)
        v = project.get(name, f.default if f is not None else None)
        if f is not None and f.dim == Dim.MONEY and name not in project:
            v = "0元"
        if f is not None and f.dim == Dim.SET and v is None:
            v = []
        lz, le = field_words(rec, name)
        vz, ve = _field_value(rec, name, list(v) if isinstance(v, tuple) else v, labels)
        money = _amount(str(v)) is not None
        zh.append(f"{lz}{vz}" if money else f"{lz}：{vz}")
        en.append(f"{le} {ve}" if money else f"{le}: {ve}")
    return "；".join(zh) or "任一项目", "; ".join(en) or "any project"


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


def concept_words(cd: ConceptDiff, old: Policy, new: Policy) -> tuple[str, str]:
    for p in (new, old):
        tax = p.taxonomy
        c = tax.concepts.get(cd.concept) if tax is not None else None
        if c is not None:
            return f"{c.zh}（{cd.concept}）", f"{c.en} ({cd.concept})"
    return cd.concept, cd.concept


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
    size = _figure(abs(gap), dim)
    if ceiling and lo_a == lo_b:
        return (f"新版本最高多给{size}", f"the new version gives up to {size} more") if gap > 0 else \
            (f"新版本最高少给{size}", f"the new version gives up to {size} less")
    return (f"新版本多给{size}", f"the new version gives {size} more") if gap > 0 else \
        (f"新版本少给{size}", f"the new version gives {size} less")


def _round_down(project: dict[str, Any]) -> dict[str, Any] | None:
    """Each figure cut to the power of ten at or below it, in its unit (26.6667亿元 → 10亿元, 25000平方米 →
    10000平方米); a share (30%) kept, as it is mostly a threshold; None where that changes nothing."""
    out = dict(project)
    for name, v in project.items():
        parsed = _amount(v) if isinstance(v, str) else None
        if parsed is None or parsed[0] <= 0 or parsed[2] in ("%", "‰"):
            continue
        size, _scale, unit = parsed
        power = Decimal(10) ** size.adjusted()
        out[name] = amount_text(power, unit) if unit in ("元", "美元") else f"{number_text(power)}{unit}"
    return None if out == project else out


def _largest(cd: ConceptDiff) -> Extreme | None:
    found = [e for e in (cd.max_gain, cd.max_loss) if e is not None]
    return max(found, key=lambda e: e.amount or 0.0) if found else None


def _round_sentence(sd: SemanticDiff, cd: ConceptDiff, old: CompiledPolicy, new: CompiledPolicy) -> Sentence | None:
    """The largest change's project with its amounts made round, evaluated under both versions."""
    e = _largest(cd)
    if e is None or e.witness is None or e.kind != "bounded":
        return None
    project = _round_down(e.witness.project)
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


def _who(project: dict[str, Any], rec: Record) -> tuple[str, str]:
    """`当年度到账外资10亿元的项目（外资项目）` / `a project with foreign capital arrived this year 10亿元
    (foreign-invested project)`: its amounts, then what it is (a flag set by its label alone)."""
    money = {k: v for k, v in project.items() if k != "id" and _amount(str(v)) is not None}
    fz, fe = project_words(money, rec, [], defaults=False)
    flags_zh: list[str] = []
    flags_en: list[str] = []
    for k, v in project.items():
        if k == "id" or k in money:
            continue
        lz, le = field_words(rec, k)
        if v is True or v is False:
            flags_zh.append(lz if v else f"{lz}：否")
            flags_en.append(le if v else f"not {le}")
        else:
            vz, ve = _field_value(rec, k, v)
            flags_zh.append(f"{lz}：{vz}")
            flags_en.append(f"{le}: {ve}")
    gz, ge = "；".join(flags_zh), "; ".join(flags_en)
    if not money:
        return (f"项目（{gz}）", f"a project ({ge})") if flags_zh else ("任一项目", "any project")
    return f"{fz}的项目" + (f"（{gz}）" if gz else ""), f"a project with {fe}" + (f" ({ge})" if ge else "")


def _on_project(sd: SemanticDiff, cd: ConceptDiff, old: Policy, new: Policy, project: dict[str, Any],
                change: tuple[str, str], values: tuple[Any, Any]) -> Sentence:
    wz, we = _who(project, new.record)
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
        size = _figure(e.amount or 0.0, cd.dim)
        head = (f"新版本最多{more_zh}{size}", f"the new version gives at most {size} {more_en}")
        if not e.exact:
            head = (f"新版本至少可{more_zh}{size}（搜索未证明最大值）",
                    f"the new version gives at least {size} {more_en} (the search stopped before a proof)")
    if e.witness is None:
        return Sentence(head[0], head[1][0].upper() + head[1][1:])
    w = e.witness
    wz, we = _who(w.shown if w.shown is not None else w.project, new.record)
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
        out += [Sentence(f"{rz}{x.zh}", f"{re_}{x.en}") for x in found]
    if same and concept is None:
        out.append(Sentence(f"{rz}对所有项目两版相同（已证明）：" + "、".join(z for z, _ in same),
                            f"{re_}the same for every project (proved): " + ", ".join(e for _, e in same)))
    return out


def _witness_sentence(cd: ConceptDiff, w: Witness, old: Policy, new: Policy) -> Sentence:
    read = list(dict.fromkeys([*fields_read(old, cd.old_concept), *fields_read(new, cd.new_concept)]))
    pz, pe = project_words(w.shown if w.shown is not None else w.project, new.record, read)
    az, ae = value_words(w.old, cd.dim)
    bz, be = value_words(w.new, cd.dim)
    return Sentence(f"项目（{pz}）：旧版本{az}，新版本{bz}", f"project ({pe}): old version {ae}, new version {be}")


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
            out.append(Sentence(f"{rz}{lz}{x.zh}", f"{re_}{le}{x.en}"))
    return out
