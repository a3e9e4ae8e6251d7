"""Transplants: one city's clauses for some concepts put into another city's policy.

"What if Zhangjiagang rewarded arrived FDI like Wuxi?": the target's clauses (and the splits of
them) for the concepts are removed and the donor's are added, with what they need: the clauses they
read (kept as intermediate clauses: their own concepts are dropped, so no other outcome is doubled),
the params and the readings (with the donor's default), and the declarations they read: the named
conditions and lists, the fields (with their values), categories and choice values the target's
record lacks (a field the target declares with another type or unit is an error, E911).  An id the target already uses is renamed
`CITY_ID` (a reading `new_project_scope` becomes `wuxi_new_project_scope`: the donor's open question
stays the donor's, to be chosen apart); a param the target has with the same figure is shared, one
with another figure is an error.  The result is a revision of the target whose source is the
donor's text (copied beside it), so every transplanted quote is checked against the sentence it
came from; compare.simulate.reform checks it like any policy.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compare.simulate.reform import ReformError, Transplant, check_revision, revision_text
from compare.simulate.rewrite import rename
from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.files import SOURCE, FileRefusedError, read_checked
from dsl.model import Policy
from dsl.walk import walk


def _error(t: Transplant, message: str, hint: str | None = None) -> ReformError:
    return ReformError([Diagnostic("E911", message, t.where, hint)])


def _names(node: Any) -> set[str]:
    return {x.dotted for x in walk(node) if isinstance(x, A.Name)}


def _readings(node: Any) -> set[str]:
    return {x.reading for x in walk(node) if isinstance(x, A.ByReading)}


def _needed(donor: Policy, top: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """The donor's clauses (top first, then what they read), splits, params and readings to take."""
    clauses: list[str] = []
    params: list[str] = []
    readings: list[str] = []
    stack = list(reversed(top))
    while stack:
        cid = stack.pop()
        if cid in clauses:
            continue
        clauses.append(cid)
        item = donor.clauses[cid]
        for n in sorted(_names(item)):
            if n in donor.clauses and n not in clauses:
                stack.append(n)
            elif n in donor.params and n not in params:
                params.append(n)
    splits = [sid for sid, s in donor.splits.items() if s.splits is not None and s.splits.dotted in top]
    for node in [donor.clauses[c] for c in clauses] + [donor.params[p] for p in params] + \
            [donor.splits[s] for s in splits]:
        readings += [r for r in sorted(_readings(node)) if r not in readings]
    return clauses, splits, params, readings


def transplant_items(target: Policy, donor: Policy, t: Transplant) -> list[A.Item]:
    """The revision items that put `donor`'s clauses for `t.concepts` into `target`."""
    concepts = set(t.concepts)
    top = [cid for cid, c in donor.clauses.items() if c.concept is not None and c.concept.dotted in concepts]
    if not top:
        have = sorted({c.concept.dotted for c in donor.clauses.values() if c.concept is not None})
        raise _error(t, f"{donor.id} has no clause for {', '.join(sorted(concepts))}",
                     "its outcome concepts: " + ", ".join(have))
    gone = {cid for cid, c in target.clauses.items() if c.concept is not None and c.concept.dotted in concepts}
    gone_splits = {sid for sid, s in target.splits.items() if s.splits is not None and s.splits.dotted in gone}
    for kind, table in (("clause", target.clauses), ("split", target.splits), ("param", target.params)):
        for ident, item in table.items():
            if (kind == "clause" and ident in gone) or (kind == "split" and ident in gone_splits):
                continue
            reads = _names(item) & gone
            if reads:
                raise _error(t, f"{target.id}'s {kind} `{ident}` reads `{sorted(reads)[0]}`, which the transplant "
                                f"replaces", "transplant the concept that reads it too, or change the clause first")
    clauses, splits, params, readings = _needed(donor, top)
    city = re.sub(r"[^a-z0-9_]", "_", donor.city.lower())
    read = [donor.clauses[c] for c in clauses] + [donor.params[p] for p in params] + \
        [donor.splits[x] for x in splits] + [donor.readings[r] for r in readings]
    decls, decl_names = _declarations(target, donor, read, city, t)
    taken_ids = (set(target.clauses) - gone) | (set(target.splits) - gone_splits)
    clause_names = {c: f"{city}_{c}" for c in [*clauses, *splits] if c in taken_ids}
    reading_names = {r: f"{city}_{r}" for r in readings if r in target.readings}
    clause_names.update(decl_names)
    items: list[A.Item] = [A.Remove("clause", c) for c in sorted(gone)]
    items += [A.Remove("split", s) for s in sorted(gone_splits)]
    for d in decls:
        d = rename(d, clause_names, reading_names)
        items.append(dataclasses.replace(d, id=clause_names[d.id]) if isinstance(d, (A.ListDecl, A.ConditionDecl))
                     and d.id in clause_names else d)
    for r in readings:
        items.append(rename(donor.readings[r], clause_names, reading_names))
    for p in params:
        mine = target.params.get(p)
        if mine is not None:
            if mine.value != donor.params[p].value:
                raise _error(t, f"param `{p}` is {_show(mine.value)} in {target.id} and {_show(donor.params[p].value)} "
                                f"in {donor.id}", "set one of them first (`set:`), so the transplant can share it")
            continue
        items.append(rename(donor.params[p], clause_names, reading_names))
    label = f"（移植自{donor.city_label} {donor.id}）"
    for cid in clauses:
        c = donor.clauses[cid]
        if cid not in top:  # what a transplanted clause reads: an intermediate clause here
            c = dataclasses.replace(c, concept=None, beneficiary=None, beneficiary_if=())
        c = dataclasses.replace(c, label=(c.label or cid) + label)
        items.append(rename(c, clause_names, reading_names))
    for sid in splits:
        items.append(rename(donor.splits[sid], clause_names, reading_names))
    return items


def _declarations(target: Policy, donor: Policy, read: list[Any], city: str, t: Transplant
                  ) -> tuple[list[Any], dict[str, str]]:
    """The donor's declarations that the transplanted items read and the target lacks, and the new
    names of its conditions and lists whose ids the target uses for something else."""
    conditions: list[str] = []
    lists: list[str] = []
    names: set[str] = set()
    stack = [n for item in read for n in sorted(_names(item))]
    while stack:  # named conditions read other conditions and lists
        n = stack.pop()
        names.add(n)
        if n in donor.conditions and n not in conditions:
            conditions.append(n)
            stack += sorted(_names(donor.conditions[n]))
        elif n in donor.lists and n not in lists:
            lists.append(n)
            stack += sorted(_names(donor.lists[n]))
    mine, theirs = target.record, donor.record
    out: list[Any] = []
    for f in (n for n in theirs.declared if n in names or any(x.startswith(n + ".") for x in names)):
        d = theirs.declared[f]
        if f in mine.fields:
            have = mine.declared.get(f)
            if have is None or (have.type, have.unit) != (d.type, d.unit):
                words = "a built-in field" if have is None else f"{have.type}" + (f" in {have.unit}" if have.unit else "")
                raise _error(t, f"field `{f}` is {words} in {target.id} and {d.type}" + (f" in {d.unit}" if d.unit else "")
                             + f" in {donor.id}", "a transplant shares a field only with the same type and unit: "
                             "rename the field in one of the policies")
            out += [A.ChoiceDecl(f, v, label, None, (), ()) for v, label in d.value_labels if v not in mine.choices(f)]
        elif f in donor.fields:
            out.append(donor.fields[f])
        else:
            raise _error(t, f"field `{f}` that {donor.id}'s clauses read is declared by {d.origin}, not by {donor.id}",
                         f"let {target.id} read that taxonomy file too")
    out += [donor.categories[c] for c in donor.categories if c in names and c not in mine.categories]
    out += [d for d in donor.choices.values() if d.value in names and d.field in mine.fields
            and d.value not in mine.choices(d.field)]
    renamed = {x: f"{city}_{x}" for x in lists if x in target.lists and
               _words(target.lists[x]) != _words(donor.lists[x])}
    renamed.update({x: f"{city}_{x}" for x in conditions if x in target.conditions})
    out += [donor.lists[x] for x in lists if x not in target.lists or x in renamed]
    out += [donor.conditions[x] for x in reversed(conditions)]  # each after what it reads
    return out, renamed


def _words(decl: A.ListDecl) -> list[str]:
    return [x.value if isinstance(x, A.Text) else x.dotted for x in decl.items]


def _show(e: Any) -> str:
    return str(e) if isinstance(e, (A.Quantity, A.RatioLit)) else type(e).__name__


def donor_source(donor: Policy, t: Transplant) -> Path:
    """The source text the donor's clauses for the concepts quote (one file)."""
    sources = {donor.origin[f"clause:{cid}"].source_path for cid, c in donor.clauses.items()
               if c.concept is not None and c.concept.dotted in t.concepts and f"clause:{cid}" in donor.origin}
    sources.discard(None)
    if len(sources) != 1:
        raise _error(t, f"{donor.id}'s clauses for {', '.join(t.concepts)} quote "
                        f"{'no source' if not sources else 'several sources'}", "transplant one document's clauses")
    return next(iter(sources))  # type: ignore[return-value]


def apply_transplant(target: Policy, donor: Policy, t: Transplant, name: str, folder: Path,
                     search: Sequence[Path]) -> tuple[Policy, str]:
    """`target` with `donor`'s clauses for the concepts, checked, and the revision's text."""
    items = transplant_items(target, donor, t)
    src = donor_source(donor, t)
    sources = folder / "sources"
    sources.mkdir(parents=True, exist_ok=True)
    copied = sources / src.name
    try:  # the donor's text, read by the file rule (dsl.files) as its loader read it
        data = read_checked(src, SOURCE)
    except FileRefusedError as e:
        raise _error(t, f"{donor.id}'s source text cannot be copied: {e.message}", e.hint) from None
    if not copied.is_file() or copied.read_bytes() != data:  # `folder` is the run's own
        copied.write_bytes(data)
    note = f"transplant {name}: {donor.id}'s clauses for {', '.join(t.concepts)} into {target.id}"
    text = revision_text(name, target.id, items, note, source=f"sources/{src.name}")
    return check_revision(text, folder, name, search), text


__all__ = ["apply_transplant", "donor_source", "transplant_items"]
