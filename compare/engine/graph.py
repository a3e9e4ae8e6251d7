"""The dependency graph of a checked policy: the single source of truth for evaluation,
explanation, diff and impact.

Nodes (each with `kind`, and where one exists `article`, `quote`, `span`):
  field:<name>        a project field                       (kind="field")
  reading:<id>        an open reading                       (kind="reading")
  param:<key>         a city-level figure                   (kind="param")
  condition:<id>      a named condition                     (kind="condition")
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
from dsl.record import CORE, Record
from dsl.units import Dim
from dsl.walk import children, walk


def names_in(e: object, record: Record = CORE) -> Iterator[A.Name]:
    """Every Name an expression reads (not category names in `x in categories`, nor choices); a set
    member test `gazelle in honours` reads `honours.gazelle` (`categories.X` for a category)."""
    fields = record.fields
    stack: list[object] = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, A.Name):
            yield x
        elif isinstance(x, A.InSet):
            c = x.container
            if isinstance(c, A.Name) and c.dotted in fields and fields[c.dotted].dim == Dim.SET:
                if isinstance(x.element, A.Name):
                    yield A.Name((c.dotted, x.element.dotted), span=x.element.span)
            else:
                stack.append(x.element)
        elif isinstance(x, A.Binary) and x.op in ("==", "!=") and _is_choice_cmp(x, record):
            yield x.left if isinstance(x.left, A.Name) and x.left.dotted in fields else x.right  # type: ignore[misc]
        elif isinstance(x, A.Tiers):
            yield x.subject
            stack.extend([x.scale, *x.rows])
        else:
            stack.extend(children(x))


def readings_in(e: object) -> Iterator[str]:
    return (x.reading for x in walk(e) if isinstance(x, A.ByReading))


def _is_choice_cmp(b: A.Binary, record: Record) -> bool:
    for side in (b.left, b.right):
        if isinstance(side, A.Name) and side.dotted in record.fields and record.fields[side.dotted].choices:
            return True
    return False


def _cite_attrs(cites: tuple[A.Cite, ...]) -> dict[str, object]:
    if not cites:
        return {"article": None, "quote": None}
    return {"article": cites[0].article, "quote": cites[0].quote, "cites": cites}


def field_node(name: A.Name) -> str:
    """`field:industry`; a set's member `field:categories.foreign_hq`, `field:honours.gazelle`."""
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
    for cond_id, cond in policy.conditions.items():
        g.add_node(f"condition:{cond_id}", kind="condition", label=cond.label, span=cond.span,
                   **_cite_attrs(cond.cites))
    for cond_id, cond in policy.conditions.items():
        _read(g, policy, cond.when, f"condition:{cond_id}")
    for cid, c in policy.clauses.items():
        node = f"clause:{cid}"
        for part in (c.when, c.value, *(c.timing.exprs() if c.timing is not None else ())):
            _read(g, policy, part, node)
        if g.has_edge(node, node):  # `winners 2 by` the clause itself: its own amount, the default
            g.remove_edge(node, node)
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
        _read(g, policy, s.when, node, readings=False)
    return g


def _read(g: nx.DiGraph, policy: Policy, part: object, node: str, readings: bool = True) -> None:
    """Edges into `node` from what expression `part` reads: fields, conditions, clauses, params, and
    (with `readings`) the readings it chooses by."""
    if part is None:
        return
    for name in names_in(part, policy.record):
        src = _source_node(policy, name)
        if src is not None:
            if src.startswith("field:") and src not in g:
                g.add_node(src, kind="field")
            g.add_edge(src, node)
    if readings:
        for rid in readings_in(part):
            g.add_edge(f"reading:{rid}", node)


def _source_node(policy: Policy, name: A.Name) -> str | None:
    dotted = name.dotted
    fields = policy.record.fields
    if name.path[0] in fields and (len(name.path) == 1 or fields[name.path[0]].dim == Dim.SET):
        return field_node(name)
    if dotted in policy.conditions:
        return f"condition:{dotted}"
    if dotted in policy.clauses:
        return f"clause:{dotted}"
    if dotted in policy.params:
        return f"param:{dotted}"
    return None


def computation_order(g: nx.DiGraph) -> list[str]:
    """Clauses and splits in an order where everything a node reads comes first."""
    return [n for n in nx.lexicographical_topological_sort(g) if g.nodes[n].get("kind") in ("clause", "split")]
