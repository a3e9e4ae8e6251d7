"""Traversal of the typed AST: children, a walk in source order, `and` chains (any operator's chain),
structural equality, item ids and kinds.

Iterative, not recursive, so any nesting depth that fits in memory is walked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, is_dataclass

from dsl.ast import (
    Binary,
    CategoryDecl,
    ChoiceDecl,
    Clause,
    ConditionDecl,
    Expr,
    FieldDecl,
    Item,
    ListDecl,
    Mechanism,
    Override,
    Param,
    Reading,
    Remove,
    Span,
    Split,
    Unencoded,
)


def children(node: object) -> list[object]:
    """The nodes directly inside a node (tuples are looked through; spans are not nodes)."""
    if isinstance(node, tuple):
        return [x for x in node if x is not None]
    fields = getattr(node, "__dataclass_fields__", None)
    if fields is None or isinstance(node, Span):
        return []
    out: list[object] = []
    for name in fields:
        if name.endswith("span"):
            continue
        value = getattr(node, name)
        if isinstance(value, tuple):
            out.extend(x for x in value if x is not None)
        elif value is not None and hasattr(value, "__dataclass_fields__"):
            out.append(value)
    return out


def walk(node: object) -> Iterator[object]:
    """Every node of a tree, parents before children, children in source order."""
    stack = [node]
    while stack:
        x = stack.pop()
        if x is None:
            continue
        if not isinstance(x, tuple):
            yield x
        stack.extend(reversed(children(x)))


def clause_exprs(c: Clause) -> list[Expr]:
    """A clause's expressions where names, figures or spans are collected: its condition, its value
    and those of its time statements (a field read only by a clawback is read; a ranking's reading is
    one the clause depends on)."""
    out = [e for e in (c.when, c.value) if e is not None]
    return out + (c.timing.exprs() if c.timing is not None else [])


def conjuncts(e: Expr) -> list[Expr]:
    """The parts of an `a and b and …` chain, left to right (iterative: any length)."""
    out: list[Expr] = []
    stack: list[Expr] = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Binary) and x.op == "and":
            stack.extend((x.right, x.left))
        else:
            out.append(x)
    return out


def chain_links(e: Binary) -> list[Binary]:
    """The nodes of the left-nested chain `a op b op c …` that `e` heads (op: e's operator), outermost
    first: the operands are links[-1].left, then each link's right from the last link back to `e`."""
    links = [e]
    while isinstance(links[-1].left, Binary) and links[-1].left.op == e.op:
        links.append(links[-1].left)
    return links


def chain(e: Expr, op: str) -> list[Expr]:
    """The operands of a left-nested chain `a op b op c …`, left to right (iterative: any length)."""
    if not (isinstance(e, Binary) and e.op == op):
        return [e]
    links = chain_links(e)
    return [links[-1].left, *(x.right for x in reversed(links))]


_COMPARED: dict[type, tuple[str, ...]] = {}


def same(a: object, b: object) -> bool:
    """`a == b` for AST nodes as their dataclasses define it (spans are not compared, nor where a
    statement is marked by its span alone, as `once`: only that it is there), without recursion:
    two trees of any depth."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y or (isinstance(x, Span) and isinstance(y, Span)):  # a span held as a value (`once`) is a mark
            continue
        names = _COMPARED.get(type(x))
        if names is None and is_dataclass(x) and not isinstance(x, type):
            names = _COMPARED[type(x)] = tuple(f.name for f in fields(x) if f.compare)
        if names is not None:
            if type(y) is not type(x):
                return False
            stack.extend((getattr(x, n), getattr(y, n)) for n in names)
        elif isinstance(x, tuple) and isinstance(y, tuple):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif x != y:
            return False
    return True


def item_id(item: Item) -> str:
    if isinstance(item, Override):
        return item_id(item.item)
    if isinstance(item, Unencoded):
        return f"unencoded:{item.article}:{item.quote}"
    return item.id


def item_kind(item: Item) -> str:
    kinds = {Clause: "clause", Split: "split", Param: "param", Mechanism: "mechanism",
             Reading: "reading", Unencoded: "unencoded", Override: "override", Remove: "remove",
             FieldDecl: "field", CategoryDecl: "category", ChoiceDecl: "choice", ListDecl: "list",
             ConditionDecl: "condition"}
    return kinds[type(item)]
