"""The structural diff of a city's own record: the fields, categories, choice values, lists and named
conditions a policy declares, compared declaration by declaration (compare.diff.items matches them by
id), and who pays an outcome, in words a reader of the rules knows (`type count 人 → area 平方米`,
`value key_area added “重点区域”`, `item added "金融"`)."""

from __future__ import annotations

from collections.abc import Callable

from compare.diff.structural import set_item_text, text
from dsl import ast as A

Emit = Callable[..., None]  # (where, old, new[, relative])
Expr = Callable[[str, object, object], None]  # (where, old expression, new expression)


def _label(label: str | None) -> str:
    return f"“{label}”" if label else ""


def type_text(d: A.FieldDecl) -> str:
    """`count 人`, `area 平方米`, `choice`: a field's type as written after `type` (its values apart)."""
    return " ".join(x for x in (d.type or "—", d.unit) if x)


def value_text(v: A.DeclaredValue) -> str:
    return f"{v.id} {_label(v.label)}".strip()


def payer_text(p: A.Payer | None) -> str:
    """Who pays, as the policy writes it: `city`, `city = 60%, district = 40%`, `city, district = 1:1`,
    `city, district` (shares not stated); `—` where the clause names no payer."""
    if p is None:
        return "—"
    if p.ratio_form:
        ratio = ":".join(text(s.weight) for s in p.shares if s.weight is not None)
        return ", ".join(s.name for s in p.shares) + f" = {ratio}"
    if len(p.shares) == 1:
        return p.shares[0].name
    return ", ".join(s.name if s.weight is None else f"{s.name} = {text(s.weight)}" for s in p.shares)


def summary_of_declaration(item: object) -> str | None:
    """One line for a declaration added or removed; None for the rules' items."""
    if isinstance(item, A.FieldDecl):
        values = f" {{{', '.join(value_text(v) for v in item.values)}}}" if item.values else ""
        default = f", default {text(item.default)}" if item.default is not None else ", no default (required)"
        return f"{_label(item.label)} type {type_text(item)}{values}{default}".strip()
    if isinstance(item, A.CategoryDecl):
        return f"{_label(item.label)} a category of projects".strip()
    if isinstance(item, A.ChoiceDecl):
        return f"{_label(item.label)} a value of `{item.field}`".strip()
    if isinstance(item, A.ListDecl):
        return f"{_label(item.label)} {{{', '.join(set_item_text(n) for n in item.items)}}}".strip()
    if isinstance(item, A.ConditionDecl):
        return f"{_label(item.label)} when {text(item.when)}".strip()
    return None


def diff_declaration(a: object, b: object, emit: Emit, expr: Expr) -> bool:
    """Emit each difference between two declarations of one id; False where they are not declarations."""
    decls = (A.FieldDecl, A.CategoryDecl, A.ChoiceDecl, A.ListDecl, A.ConditionDecl)
    if not isinstance(a, decls) or type(a) is not type(b):
        return False
    for name in ("label", "en"):
        x, y = getattr(a, name, None), getattr(b, name, None)
        if x != y:
            emit(name, x, y)
    _lines("cite", [f"{c.article} “{c.quote}”" for c in a.cites], [f"{c.article} “{c.quote}”" for c in b.cites], emit)
    _lines("note", list(a.notes), list(b.notes), emit)
    if isinstance(a, A.FieldDecl) and isinstance(b, A.FieldDecl):
        if a.type != b.type:
            emit("type", type_text(a), type_text(b))
        elif a.unit != b.unit:
            emit("unit", a.unit or "—", b.unit or "—")
        _values(a, b, emit)
        if (a.default is None) != (b.default is None):
            emit("default", text(a.default) if a.default is not None else "none (required)",
                 text(b.default) if b.default is not None else "none (required)")
        else:
            expr("default", a.default, b.default)
    elif isinstance(a, A.ListDecl) and isinstance(b, A.ListDecl):
        expr("items", A.SetLit(a.items), A.SetLit(b.items))
    elif isinstance(a, A.ConditionDecl) and isinstance(b, A.ConditionDecl):
        expr("when", a.when, b.when)
    elif isinstance(a, A.ChoiceDecl) and isinstance(b, A.ChoiceDecl) and a.field != b.field:
        emit("field", a.field, b.field)
    return True


def _values(a: A.FieldDecl, b: A.FieldDecl, emit: Emit) -> None:
    """A choice's or set's values: each added, removed, or relabelled."""
    olds = {v.id: v for v in a.values}
    news = {v.id: v for v in b.values}
    for k, v in olds.items():
        if k not in news:
            emit(f"value {k} removed", value_text(v), None)
        elif v.label != news[k].label:
            emit(f"value {k} label", v.label or "—", news[k].label or "—")
    for k, v in news.items():
        if k not in olds:
            emit(f"value {k} added", None, value_text(v))


def _lines(what: str, old: list[str], new: list[str], emit: Emit) -> None:
    for x in old:
        if x not in new:
            emit(what, x, None)
    for y in new:
        if y not in old:
            emit(what, None, y)
