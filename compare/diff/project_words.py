"""A project and what a version gives it, in words and in the texts' notation, for the verdicts and
witnesses of compare.diff.verdict_sentences: `当年度到账外资10亿元；外资项目：是；增资扩产：否`, 最高2000万元,
0.5分～2分; the fields a concept's clauses read; a project with its figures made round (26.6667亿元 → 10亿元).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from compare.diff.witness import value_label
from compare.engine.explain import fmt_number
from compare.engine.notation import amount_text, number_text
from dsl import ast as A
from dsl.check.record import run_record
from dsl.model import Policy
from dsl.record import Record
from dsl.schema import LABELS, VALUE_LABELS
from dsl.units import Dim
from dsl.walk import walk

_SCALES = {"亿": Decimal(10) ** 8, "万": Decimal(10) ** 4, "": Decimal(1)}


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
            return ("仅承诺，无数额", "promised, no figure") if lo == 0 else (f"至少{figure_text(lo, dim)}", f"at least {figure_text(lo, dim)}")
        if lo == hi:
            return figure_text(lo, dim), figure_text(lo, dim)
        if lo == 0:
            return f"最高{figure_text(hi, dim)}", f"up to {figure_text(hi, dim)}"
        return f"{figure_text(lo, dim)}～{figure_text(hi, dim)}", f"{figure_text(lo, dim)}–{figure_text(hi, dim)}"
    return figure_text(v, dim), figure_text(v, dim)


def figure_text(x: float, dim: Dim | None) -> str:
    if dim in (Dim.CNY, Dim.USD):
        return amount_text(Decimal(str(round(float(x), 2))), "美元" if dim == Dim.USD else "元")
    return fmt_number(float(x), dim)


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(亿|万)?([^\d\s.]+)$")


def quantity(text: str) -> tuple[Decimal, str, str] | None:
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
        money = quantity(str(v)) is not None
        zh.append(f"{lz}{vz}" if money else f"{lz}：{vz}")
        en.append(f"{le} {ve}" if money else f"{le}: {ve}")
    return "；".join(zh) or "任一项目", "; ".join(en) or "any project"


def pair_record(old: Policy, new: Policy) -> Record:
    """Both policies' fields, for their labels and defaults (a field only one of them declares too)."""
    return run_record([old.record, new.record])[0]


def round_down(project: dict[str, Any]) -> dict[str, Any] | None:
    """Each figure cut to the power of ten at or below it, in its unit (26.6667亿元 → 10亿元, 25000平方米 →
    10000平方米); a share (30%) kept, as it is mostly a threshold; None where that changes nothing."""
    out = dict(project)
    for name, v in project.items():
        parsed = quantity(v) if isinstance(v, str) else None
        if parsed is None or parsed[0] <= 0 or parsed[2] in ("%", "‰"):
            continue
        size, _scale, unit = parsed
        power = Decimal(10) ** size.adjusted()
        out[name] = amount_text(power, unit) if unit in ("元", "美元") else f"{number_text(power)}{unit}"
    return None if out == project else out


def who_words(project: dict[str, Any], rec: Record) -> tuple[str, str]:
    """`当年度到账外资10亿元的项目（外资项目）` / `a project with foreign capital arrived this year 10亿元
    (foreign-invested project)`: its amounts, then what it is (a flag set by its label alone)."""
    money = {k: v for k, v in project.items() if k != "id" and quantity(str(v)) is not None}
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
