"""The dependency graph of a checked policy: the single source of truth for evaluation,
explanation, diff and impact.

Nodes (each with `kind`, and where one exists `article`, `quote`, `span`):
  field:<name>        a project field                       (kind="field")
  reading:<id>        an open reading                       (kind="reading")
  param:<key>         a city-level figure                   (kind="param")
  clause:<id>         a rule; `concept` set if it has one   (kind="clause")
  split:<id>          divides a clause's amount             (kind="split")
  outcome:<concept>   a per-project outcome key             (kind="outcome")
Edges point from what is read to what reads it, so a topological order is an order of
computation, and the descendants of a field are everything a change of it can move.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from dsl import ast as A
from dsl.model import Policy
from dsl.schema import FIELDS
from dsl.walk import children, walk


def names_in(e: object) -> Iterator[A.Name]:
    """Every Name an expression reads (not category names in `x in categories`, nor choices)."""
    stack: list[object] = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, A.Name):
            yield x
        elif isinstance(x, A.InSet):
            if isinstance(x.container, A.Name) and x.container.dotted == "categories":
                if isinstance(x.element, A.Name):
                    yield A.Name(("categories", x.element.dotted), span=x.element.span)
            else:
                stack.append(x.element)
        elif isinstance(x, A.Binary) and x.op in ("==", "!=") and _is_choice_cmp(x):
            yield x.left if isinstance(x.left, A.Name) and x.left.dotted in FIELDS else x.right  # type: ignore[misc]
        elif isinstance(x, A.Tiers):
            yield x.subject
            stack.extend([x.scale, *x.rows])
        else:
            stack.extend(children(x))


def readings_in(e: object) -> Iterator[str]:
    return (x.reading for x in walk(e) if isinstance(x, A.ByReading))


def _is_choice_cmp(b: A.Binary) -> bool:
    for side in (b.left, b.right):
        if isinstance(side, A.Name) and side.dotted in FIELDS and FIELDS[side.dotted].choices:
            return True
    return False


def _cite_attrs(cites: tuple[A.Cite, ...]) -> dict[str, object]:
    if not cites:
        return {"article": None, "quote": None}
    return {"article": cites[0].article, "quote": cites[0].quote, "cites": cites}


def field_node(name: A.Name) -> str:
    if name.path[0] == "categories" and len(name.path) == 2:
        return f"field:categories.{name.path[1]}"
    return f"field:{name.dotted}"


def build_graph(policy: Policy) -> nx.DiGraph:
    g = nx.DiGraph(policy=policy.id, city=policy.city)
    for rid, r in policy.readings.items():
        g.add_node(f"reading:{rid}", kind="reading", default=r.default, options=[o.id for o in r.options],
                   span=r.span, **_cite_attrs(r.cites))
    for key, p in policy.params.items():
        g.add_node(f"param:{key}", kind="param", span=p.span, **_cite_attrs(p.cites))
    for cid, c in policy.clauses.items():
        g.add_node(f"clause:{cid}", kind="clause", concept=c.concept.dotted if c.concept else None,
                   label=c.label, span=c.span, **_cite_attrs(c.cites))
    for cid, c in policy.clauses.items():
        node = f"clause:{cid}"
        for part in (c.when, c.value):
            if part is None:
                continue
            for name in names_in(part):
                src = _source_node(policy, name)
                if src is not None:
                    if src.startswith("field:") and src not in g:
                        g.add_node(src, kind="field")
                    g.add_edge(src, node)
            for rid in readings_in(part):
                g.add_edge(f"reading:{rid}", node)
        if c.concept is not None:
            out = f"outcome:{c.concept.dotted}"
            g.add_node(out, kind="outcome", concept=c.concept.dotted)
            g.add_edge(node, out)
    for sid, s in policy.splits.items():
        node = f"split:{sid}"
        g.add_node(node, kind="split", span=s.span, **_cite_attrs(s.cites))
        if s.splits is not None and s.splits.dotted in policy.clauses:
            g.add_edge(f"clause:{s.splits.dotted}", node)
            base = policy.clauses[s.splits.dotted]
            for share in s.shares:
                if base.concept is not None:
                    out = f"outcome:{base.concept.dotted}.{share.name}"
                    g.add_node(out, kind="outcome", concept=f"{base.concept.dotted}.{share.name}")
                    g.add_edge(node, out)
        if s.when is not None:
            for name in names_in(s.when):
                src = _source_node(policy, name)
                if src is not None:
                    if src.startswith("field:") and src not in g:
                        g.add_node(src, kind="field")
                    g.add_edge(src, node)
    return g


def _source_node(policy: Policy, name: A.Name) -> str | None:
    dotted = name.dotted
    if name.path[0] == "categories" or (len(name.path) == 1 and dotted in FIELDS):
        return field_node(name)
    if dotted in policy.clauses:
        return f"clause:{dotted}"
    if dotted in policy.params:
        return f"param:{dotted}"
    return None


def computation_order(g: nx.DiGraph) -> list[str]:
    """Clauses and splits in an order where everything a node reads comes first."""
    return [n for n in nx.lexicographical_topological_sort(g) if g.nodes[n].get("kind") in ("clause", "split")]
