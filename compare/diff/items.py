"""Item-level structural diff: items matched by id (clauses also by concept and citations: a
rename), then compared field by field; figures through compare.diff.structural.diff_expr."""

from __future__ import annotations

from collections.abc import Sequence

from compare.diff.record_items import diff_declaration, payer_text, summary_of_declaration
from compare.diff.structural import KINDS, Change, StructuralDiff, diff_expr, text
from compare.diff.timing_items import diff_timing, replaces_text, timing_text
from dsl import ast as A
from dsl.model import Policy

_TABLES = {"clause": "clauses", "split": "splits", "param": "params", "mechanism": "mechanisms",
           "reading": "readings", "field": "fields", "category": "categories", "choice": "choices", "list": "lists",
           "condition": "conditions"}


def diff_policies(old: Policy, new: Policy) -> StructuralDiff:
    """Every difference between two merged, checked policies (extends resolved)."""
    out = StructuralDiff(old.id, new.id)
    for key in sorted(set(old.meta) | set(new.meta)):
        a, b = old.meta.get(key), new.meta.get(key)
        av = None if a is None else a.value + (f" {a.label}" if a.label else "")
        bv = None if b is None else b.value + (f" {b.label}" if b.label else "")
        if key == "replaces":  # one entry per document replaced: all of them, not the last
            av, bv = replaces_text(old), replaces_text(new)
        if av != bv:
            status = "added" if a is None else "removed" if b is None else "changed"
            out.changes.append(Change("header", key, status, "", av, bv))
    for kind in KINDS:
        _diff_table(kind, getattr(old, _TABLES[kind]), getattr(new, _TABLES[kind]), out.changes)
    olds = {(u.article, u.quote): u for u in old.unencoded}
    news = {(u.article, u.quote): u for u in new.unencoded}
    for k in sorted(olds.keys() - news.keys()):  # sorted: a set's order changes from run to run
        out.changes.append(Change("unencoded", k[0], "removed", "", k[1], None))
    for k in sorted(news.keys() - olds.keys()):
        out.changes.append(Change("unencoded", k[0], "added", "", None, k[1]))
    return out


def _cites(item: object) -> frozenset[tuple[str, str]]:
    return frozenset((c.article, c.quote) for c in getattr(item, "cites", ()))


def _diff_table(kind: str, old: dict[str, object], new: dict[str, object], out: list[Change]) -> None:
    gone = [i for i in old if i not in new]
    came = [i for i in new if i not in old]
    renamed: dict[str, str] = {}
    if kind == "clause":  # a clause renamed keeps its concept and cites at least one same passage
        for o in gone:
            oc = old[o]
            for n in came:
                nc = new[n]
                if n not in renamed.values() and getattr(oc, "concept", None) == getattr(nc, "concept", None) \
                        and _cites(oc) & _cites(nc):
                    renamed[o] = n
                    break
    for o in gone:
        if o in renamed:
            out.append(Change(kind, f"{o} → {renamed[o]}", "renamed", "", o, renamed[o]))
            _diff_item(kind, f"{renamed[o]}", old[o], new[renamed[o]], out)
        else:
            out.append(Change(kind, o, "removed", "", _summary(old[o]), None))
    for n in came:
        if n not in renamed.values():
            out.append(Change(kind, n, "added", "", None, _summary(new[n])))
    for i in old:
        if i in new:
            _diff_item(kind, i, old[i], new[i], out)


def _summary(item: object) -> str:
    declared = summary_of_declaration(item)
    if declared is not None:
        return declared
    label = getattr(item, "label", None)
    value = getattr(item, "value", None)
    head = f"“{label}”" if label else ""
    if isinstance(value, A.Target):
        return f"{head} {text(value.committed)}".strip()
    if value is not None and not isinstance(value, str):
        timed = timing_text(getattr(item, "timing", None))  # what carries it over the years, too
        return f"{head} {text(value)}".strip() + (f"; {timed}" if timed else "")
    return head or "—"


def _diff_item(kind: str, ident: str, a: object, b: object, out: list[Change]) -> None:  # noqa: C901
    if a == b:
        return

    def emit(where: str, old: str | None, new: str | None, rel: float | None = None) -> None:
        out.append(Change(kind, ident, "changed", where, old, new, rel))

    def expr(where: str, x: object, y: object) -> None:
        diff_expr(where, x, y, lambda w, o, n, r: emit(w, o, n, r))  # type: ignore[arg-type]

    if diff_declaration(a, b, emit, expr):
        return
    for name in ("label", "concept", "beneficiary", "splits", "default", "because"):
        x, y = getattr(a, name, None), getattr(b, name, None)
        if x != y:
            emit(name, text(x) if isinstance(x, A.Name) else x, text(y) if isinstance(y, A.Name) else y)
    _sets("cite", [f"{c.article} “{c.quote}”" for c in getattr(a, "cites", ())],
          [f"{c.article} “{c.quote}”" for c in getattr(b, "cites", ())], emit)
    _sets("note", list(getattr(a, "notes", ())), list(getattr(b, "notes", ())), emit)
    rules_a = [_rule(r) for r in (*getattr(a, "beneficiary_if", ()), *getattr(a, "beneficiaries", ()))]
    rules_b = [_rule(r) for r in (*getattr(b, "beneficiary_if", ()), *getattr(b, "beneficiaries", ()))]
    if rules_a != rules_b:
        emit("beneficiary rules", "; ".join(rules_a) or "—", "; ".join(rules_b) or "—")
    if isinstance(a, A.Clause) and isinstance(b, A.Clause):
        expr("when", a.when, b.when)
        expr("value", a.value, b.value)
        _payer(a.payer, b.payer, emit, expr)
        diff_timing(a.timing, b.timing, emit, expr)
    elif isinstance(a, A.Split) and isinstance(b, A.Split):
        expr("when", a.when, b.when)
        if a.ratio_form and b.ratio_form and len(a.shares) == len(b.shares):
            ra = A.RatioLit(tuple(s.weight.number for s in a.shares if isinstance(s.weight, A.Quantity)))
            rb = A.RatioLit(tuple(s.weight.number for s in b.shares if isinstance(s.weight, A.Quantity)))
            expr("shares", ra, rb)
            if [s.name for s in a.shares] != [s.name for s in b.shares]:
                emit("share names", ", ".join(s.name for s in a.shares), ", ".join(s.name for s in b.shares))
        else:
            _named("share", {s.name: s.weight for s in a.shares}, {s.name: s.weight for s in b.shares}, emit, expr)
    elif isinstance(a, A.Param) and isinstance(b, A.Param):
        va, vb = a.value, b.value
        if isinstance(va, A.Target) and isinstance(vb, A.Target):
            expr("committed", va.committed, vb.committed)
            expr("stretch", va.stretch, vb.stretch)
        else:
            expr("value", va, vb)
    elif isinstance(a, A.Mechanism) and isinstance(b, A.Mechanism):
        _named("attribute", {x.name: x.value for x in a.attrs}, {x.name: x.value for x in b.attrs}, emit, expr)
    elif isinstance(a, A.Reading) and isinstance(b, A.Reading):
        _named("option", {o.id: o.label for o in a.options}, {o.id: o.label for o in b.options}, emit, None)


def _payer(a: A.Payer | None, b: A.Payer | None, emit: object, expr: object) -> None:
    """Who pays: the shares compared as figures where the same payers keep the same form (`city = 50%`
    → `city = 60%`, a ratio `1:1` → `2:1`); any other change as the whole statement, old and new."""
    if a == b:
        return
    same_names = a is not None and b is not None and [s.name for s in a.shares] == [s.name for s in b.shares]
    stated = same_names and all(s.weight is not None for s in (*a.shares, *b.shares))  # type: ignore[union-attr]
    if a is not None and b is not None and stated and a.ratio_form == b.ratio_form:
        if a.ratio_form:
            ra = A.RatioLit(tuple(s.weight.number for s in a.shares if isinstance(s.weight, A.Quantity)))
            rb = A.RatioLit(tuple(s.weight.number for s in b.shares if isinstance(s.weight, A.Quantity)))
            expr("payer shares", ra, rb)  # type: ignore[operator]
        else:
            for sa, sb in zip(a.shares, b.shares, strict=True):
                expr(f"payer {sa.name}", sa.weight, sb.weight)  # type: ignore[operator]
        return
    emit("payer", payer_text(a), payer_text(b))  # type: ignore[operator]


def _rule(r: A.BeneficiaryRule) -> str:
    head = f"{r.share} = " if r.share else ""
    return head + r.name.dotted + (f" if {text(r.when)}" if r.when is not None else "")


def _sets(what: str, old: Sequence[str], new: Sequence[str], emit: object) -> None:
    for x in old:
        if x not in new:
            emit(what, x, None)  # type: ignore[operator]
    for y in new:
        if y not in old:
            emit(what, None, y)  # type: ignore[operator]


def _named(what: str, old: dict[str, object], new: dict[str, object], emit: object, expr: object) -> None:
    for k, v in old.items():
        if k not in new:
            emit(f"{what} {k}", text(v) if not isinstance(v, str) else v, None)  # type: ignore[operator]
        elif expr is not None:
            expr(f"{what} {k}", v, new[k])  # type: ignore[operator]
        elif v != new[k]:
            emit(f"{what} {k}", v, new[k])  # type: ignore[operator]
    for k, v in new.items():
        if k not in old:
            emit(f"{what} {k}", None, text(v) if not isinstance(v, str) else v)  # type: ignore[operator]
