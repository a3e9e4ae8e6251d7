"""Traversal of the typed AST: children, a walk in source order, `and` chains, item ids and kinds.

Iterative, not recursive, so any nesting depth that fits in memory is walked.
"""

from __future__ import annotations

from collections.abc import Iterator

from dsl.ast import Binary, Clause, Expr, Item, Mechanism, Override, Param, Reading, Remove, Span, Split, Unencoded


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


def item_id(item: Item) -> str:
    if isinstance(item, Override):
        return item_id(item.item)
    if isinstance(item, Unencoded):
        return f"unencoded:{item.article}:{item.quote}"
    return item.id


def item_kind(item: Item) -> str:
    kinds = {Clause: "clause", Split: "split", Param: "param", Mechanism: "mechanism",
             Reading: "reading", Unencoded: "unencoded", Override: "override", Remove: "remove"}
    return kinds[type(item)]
