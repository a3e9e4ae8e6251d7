"""What the text at the cursor is, and what a name means: the node under a position, and the
declaration a name refers to (in this file, a base it `extends`, the record or the taxonomy)."""

from __future__ import annotations

from dataclasses import dataclass

from compare.lsp.analysis import Analysis, contains
from dsl import ast as A
from dsl.walk import walk


@dataclass(frozen=True)
class Symbol:
    """A declared thing: its kind (clause, param, reading, condition, list, field, category, concept,
    mechanism, beneficiary, payer), id, label and a line more; where it is declared (NO_SPAN: built in)."""

    kind: str
    id: str
    label: str | None
    detail: str
    span: A.Span


@dataclass(frozen=True)
class ReadingRef:
    """`by reading ID`: the reading's name is text in the tree, not a Name node."""

    id: str
    span: A.Span


Found = A.Name | A.Cite | A.Quantity | ReadingRef | A.Definition | A.Unencoded


def node_at(analysis: Analysis, line: int, column: int) -> Found | None:
    """The innermost node of interest at the 1-based (line, character column), or None."""
    if analysis.ast is None:
        return None
    best: Found | None = None
    for node in walk(analysis.ast):
        if isinstance(node, A.ByReading) and contains(node.reading_span, line, column):
            return ReadingRef(node.reading, node.reading_span)
        if isinstance(node, A.Cite | A.Name | A.Quantity | A.Unencoded | A.Clause | A.Param | A.Reading | A.Split
                      | A.Mechanism | A.FieldDecl | A.CategoryDecl | A.ChoiceDecl | A.ListDecl | A.ConditionDecl) \
                and contains(node.span, line, column):
            best = node  # parents come first: the last that holds the position is the innermost
    return best


def resolve(analysis: Analysis, name: str) -> Symbol | None:
    """The declaration `name` refers to: the policy's own items (its bases' too), then the project
    record's fields and categories, then the taxonomy's concepts, mechanisms, beneficiaries, payers."""
    p = analysis.policy
    if p is None:
        return None
    for kind, table in (("clause", p.clauses), ("param", p.params), ("condition", p.conditions),
                        ("list", p.lists), ("reading", p.readings), ("split", p.splits), ("mechanism", p.mechanisms)):
        if name in table:
            item = table[name]
            return Symbol(kind, name, getattr(item, "label", None), _item_detail(item), item.span)
    record = p.record
    if name in record.fields:
        f = record.fields[name]
        declared = record.declared.get(name)
        zh, en = record.label(name)
        where = f"declared by {declared.origin}" if declared else "a field of the core project record"
        return Symbol("field", name, zh, f"{f.dim.value} · {en or f.meaning} · {where}",
                      declared.span if declared else A.NO_SPAN)
    for key in (f"categories.{name}", name):
        if key in record.added_values:
            origin, zh, en, span = record.added_values[key]
            return Symbol("category" if key.startswith("categories.") else "value", name, zh,
                          f"{en or ''} · declared by {origin}".strip(" ·"), span)
    if name in record.categories:
        return Symbol("category", name, None, "a category of the core project record", A.NO_SPAN)
    for field_name, f in record.fields.items():  # a choice field's value compared bare: referral == municipal_dept
        if field_name != "categories" and name in f.choices:
            zh, en = record.label(f"{field_name}.{name}")
            return Symbol("value", name, zh, f"a value of the field {field_name}" + (f" · {en}" if en else ""),
                          A.NO_SPAN)
    tax = p.taxonomy
    if tax is not None:
        if name in tax.concepts:
            c = tax.concepts[name]
            return Symbol("concept", name, c.zh, f"{c.kind} · unit {c.unit} · {c.en}", c.span)
        for kind, labels in (("mechanism", tax.mechanisms), ("beneficiary", tax.beneficiaries), ("payer", tax.payers)):
            if name in labels:
                zh, en = labels[name]
                return Symbol(kind, name, zh, en, A.NO_SPAN)
    return None


def _item_detail(item: object) -> str:
    if isinstance(item, A.Clause):
        return f"concept {item.concept.dotted}" if item.concept else "a clause"
    if isinstance(item, A.Reading):
        options = ", ".join(o.id for o in item.options)
        return f"options {options}; default {item.default}"
    return ""


def definition_name(node: Found) -> str | None:
    """The name a node refers to (None: the node declares, or is no reference)."""
    if isinstance(node, A.Name):
        return node.dotted
    if isinstance(node, ReadingRef):
        return node.id
    return None


def item_symbol(node: A.Definition) -> Symbol:
    """A declaration itself (the cursor on its header)."""
    ident = f"{node.field}.{node.value}" if isinstance(node, A.ChoiceDecl) else node.id
    kind = type(node).__name__.lower().removesuffix("decl")
    return Symbol(kind, ident, getattr(node, "label", None), _item_detail(node), node.span)
