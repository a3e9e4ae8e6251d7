"""The policies' dependency graphs joined into one: the structure a comparison, a diff and an
impact question are computed on.

Each policy's graph (compare.engine.graph) is copied in under a prefix, its policy id
(`wuxi_2023/clause:fdi_arrival_reward`; a second policy with the same id gets `wuxi_2023#2/`).
The graphs are joined at the taxonomy's concept nodes: one node `concept:<key>` per outcome
key any of the policies gives, with an edge from each policy's `outcome:<key>` node into it, so
the cities that have `reward.fdi` are exactly the concept node's predecessors.

Every node carries plain, JSON-ready attributes: `kind` (field, reading, param, condition,
clause, split, outcome, concept), `policy` and `city` (None on concept nodes), `name` (the id inside its
policy: `fdi_arrival_reward`, `fdi_arrived`, `reward.fdi`), `label` (the clause's or reading's
label, the taxonomy's Chinese name for outcomes and concepts, else the name), `article` and
`quote` (the first citation, where there is one); outcome and concept nodes also `concept`, and
concept nodes `cities` (the cities that give it, in the order the policies were given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

from compare.engine.graph import build_graph
from dsl.model import Policy

CONCEPT = "concept"
KINDS = ("field", "reading", "param", "condition", "clause", "split", "outcome", CONCEPT)


@dataclass(frozen=True)
class Member:
    """One policy in a cross graph: its prefix (`wuxi_2023`), id and city."""

    prefix: str
    policy: str
    city: str
    city_label: str


def concept_node(key: str) -> str:
    return f"{CONCEPT}:{key}"


def local(node: str) -> tuple[str, str]:
    """`wuxi_2023/clause:x` -> ("wuxi_2023", "clause:x"); a concept node -> ("", "concept:key")."""
    prefix, sep, rest = node.partition("/")
    return (prefix, rest) if sep and not node.startswith(f"{CONCEPT}:") else ("", node)


def _label(policy: Policy, kind: str, name: str, taxonomy_labels: dict[str, str]) -> str:
    item: object = None
    if kind == "clause":
        item = policy.clauses.get(name)
    elif kind == "split":
        item = policy.splits.get(name)
    elif kind == "param":
        item = policy.params.get(name)
    elif kind == "reading":
        item = policy.readings.get(name)
    elif kind == "condition":
        item = policy.conditions.get(name)
    elif kind == "outcome":
        return taxonomy_labels.get(name) or name
    label = getattr(item, "label", None)
    return label or name


def _labels(policies: Sequence[Policy]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in policies:
        if p.taxonomy is not None:
            for key, c in p.taxonomy.concepts.items():
                out.setdefault(key, c.zh or c.en or key)
    return out


def members(policies: Sequence[Policy]) -> list[Member]:
    seen: dict[str, int] = {}
    out = []
    for p in policies:
        seen[p.id] = seen.get(p.id, 0) + 1
        prefix = p.id if seen[p.id] == 1 else f"{p.id}#{seen[p.id]}"
        out.append(Member(prefix, p.id, p.city, p.city_label))
    return out


def cross_graph(policies: Sequence[Policy], graphs: Sequence[nx.DiGraph] | None = None) -> nx.DiGraph:
    """The policies' graphs joined at concept nodes.  `graphs`: their dependency graphs where already
    built (CompiledPolicy.graph), in the same order; otherwise they are built here."""
    if graphs is None:
        graphs = [build_graph(p) for p in policies]
    labels = _labels(policies)
    ms = members(policies)
    g = nx.DiGraph(policies=[m.prefix for m in ms], cities=[m.city for m in ms])
    g.graph["members"] = [m.__dict__ for m in ms]
    for m, p, pg in zip(ms, policies, graphs, strict=True):
        for node, data in pg.nodes(data=True):
            kind = str(data.get("kind", ""))
            name = node.partition(":")[2]
            attrs: dict[str, object] = {
                "kind": kind, "policy": m.prefix, "city": m.city, "name": name,
                "label": _label(p, kind, name, labels), "article": data.get("article"), "quote": data.get("quote")}
            if kind == "outcome":
                attrs["concept"] = data.get("concept", name)
            if kind == "field":
                field = p.record.fields.get(name.partition(".")[0])  # core or declared: its Chinese label
                attrs["meaning"] = field.meaning if field else None
            g.add_node(f"{m.prefix}/{node}", **attrs)
        g.add_edges_from((f"{m.prefix}/{a}", f"{m.prefix}/{b}") for a, b in pg.edges)
    for m, pg in zip(ms, graphs, strict=True):
        for node, data in pg.nodes(data=True):
            if data.get("kind") != "outcome":
                continue
            key = str(data.get("concept", node.partition(":")[2]))
            c = concept_node(key)
            if c not in g:
                g.add_node(c, kind=CONCEPT, policy=None, city=None, name=key, concept=key,
                           label=labels.get(key) or key, article=None, quote=None, cities=[])
            if m.city not in g.nodes[c]["cities"]:
                g.nodes[c]["cities"].append(m.city)
            g.add_edge(f"{m.prefix}/{node}", c)
    return g


def concepts(g: nx.DiGraph) -> list[str]:
    """The concept keys of a cross graph, sorted."""
    return sorted(d["concept"] for _, d in g.nodes(data=True) if d.get("kind") == CONCEPT)


def givers(g: nx.DiGraph, key: str) -> dict[str, str]:
    """Policy prefix -> its outcome node, for each policy whose graph gives concept `key`."""
    c = concept_node(key)
    if c not in g:
        return {}
    return {str(g.nodes[o]["policy"]): o for o in g.predecessors(c)}


def behind(g: nx.DiGraph, node: str, kinds: tuple[str, ...] = ("clause", "split")) -> list[str]:
    """The names of the nodes of `kinds` an outcome (or any node) depends on, within its policy, sorted."""
    return sorted(str(g.nodes[a]["name"]) for a in nx.ancestors(g, node) if g.nodes[a].get("kind") in kinds)


__all__ = ["CONCEPT", "KINDS", "Member", "behind", "concept_node", "concepts", "cross_graph", "givers", "local",
           "members"]
