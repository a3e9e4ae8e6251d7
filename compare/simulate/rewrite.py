"""Rebuild AST items with some nodes replaced or some names renamed.

The AST is frozen dataclasses, so a change deep inside a clause rebuilds every node on the path
from the item down to it; the rest of the tree is shared.  `rebuilt` pairs each old node with its
new copy, so a checked policy's types (keyed by node) can follow the change (compare.simulate.reform).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from dsl import ast as A

# node -> its replacement, or None to keep it (and look inside)
Replacer = Callable[[Any], Any | None]


def rebuild(node: Any, replace: Replacer, rebuilt: list[tuple[Any, Any]] | None = None) -> Any:
    """`node` with every subtree `replace` returns a new node for swapped in.  Policy trees are a few
    levels deep (the parser refuses deeper nesting, E111), so recursion is safe here."""
    if isinstance(node, tuple):
        items = tuple(rebuild(x, replace, rebuilt) for x in node)
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if not dataclasses.is_dataclass(node) or isinstance(node, (type, A.Span)):
        return node
    new = replace(node)
    if new is not None:
        if rebuilt is not None:
            rebuilt.append((node, new))
        return new
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(node):
        if f.name.endswith("span"):
            continue
        old = getattr(node, f.name)
        if isinstance(old, tuple) or dataclasses.is_dataclass(old):
            value = rebuild(old, replace, rebuilt)
            if value is not old:
                changes[f.name] = value
    if not changes:
        return node
    copy = dataclasses.replace(node, **changes)
    if rebuilt is not None:
        rebuilt.append((node, copy))
    return copy


def swap(node: Any, new_nodes: Mapping[int, Any], rebuilt: list[tuple[Any, Any]] | None = None) -> Any:
    """`node` with the nodes whose id() is a key of `new_nodes` replaced by their values."""
    return rebuild(node, lambda x: new_nodes.get(id(x)), rebuilt)


def rename(node: Any, clauses: Mapping[str, str], readings: Mapping[str, str]) -> Any:
    """`node` with references to clauses (names) and readings (`by reading R`) renamed, and the item's
    own id if it is one of them."""
    def replacer(x: Any) -> Any | None:
        if isinstance(x, A.Name) and x.dotted in clauses:
            return dataclasses.replace(x, path=tuple(clauses[x.dotted].split(".")))
        if isinstance(x, A.ByReading) and x.reading in readings:
            return dataclasses.replace(x, reading=readings[x.reading],
                                       cases=rename(x.cases, clauses, readings))
        return None

    out = rebuild(node, replacer)
    if isinstance(out, (A.Clause, A.Split)) and out.id in clauses:
        out = dataclasses.replace(out, id=clauses[out.id])
    if isinstance(out, A.Reading) and out.id in readings:
        out = dataclasses.replace(out, id=readings[out.id])
    return out
