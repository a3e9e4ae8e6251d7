"""Impact: what a clause, param, reading or project field can move, and what an outcome depends on.

Computed on the policy's graph joined at concept nodes (compare.engine.crossgraph): the outcomes
a NAME reaches are the outcome nodes among its descendants, each with every path of clauses and
splits between (a tier reading reaches `points.host_district` through the major-project points,
the highest-item rule and the 70% rule) and who receives it at the end of that path (the
beneficiary rules of the clause or split share that gives it).  For an outcome concept, its
ancestors: the project fields, readings, params and rules it depends on.

A name is looked up as written (`kind:name` picks one kind: `reading:stacking` where Wuxi also has
a param `stacking`); a bare name that is several things gives the impact of each.  A project field
the policy does not read reaches nothing (and says so); a name that is none of these raises
UnknownNameError with a did-you-mean hint.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx

from compare.diff.structural import text
from compare.engine.crossgraph import concept_node, cross_graph
from compare.engine.evaluate import CompiledPolicy
from dsl.diagnostics import did_you_mean
from dsl.schema import CATEGORIES, FIELDS
from dsl.textsafe import json_safe, printable

KINDS = ("field", "reading", "param", "clause", "split", "outcome")
MAX_PATHS = 50  # per outcome: the bundled policies have at most a few


class UnknownNameError(LookupError):
    """A name that is no clause, split, param, reading, project field or outcome of the policy."""

    def __init__(self, message: str, hint: str | None):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Step:
    """A node on a path: kind, name, label, the article it cites."""

    kind: str
    name: str
    label: str
    article: str | None


@dataclass(frozen=True)
class Reached:
    """An outcome a source can move: the paths of rules between, and who receives it."""

    concept: str
    label: str
    paths: tuple[tuple[Step, ...], ...]  # rules only: the source and the outcome are not repeated
    beneficiaries: tuple[str, ...]  # every name the rules at the end of these paths can give it to
    who: str  # the same as the policy writes it: "referring_department if referral == municipal_dept; else …"
    truncated: bool = False


@dataclass(frozen=True)
class Source:
    """One node the name matched, and everything it reaches."""

    kind: str
    name: str
    label: str
    article: str | None
    quote: str | None
    reaches: tuple[Reached, ...]
    rules: tuple[str, ...]  # every clause and split it reaches, with or without an outcome
    note: str | None = None


@dataclass(frozen=True)
class Dependencies:
    """What an outcome concept depends on, by kind (names sorted), and who receives it."""

    concept: str
    label: str
    fields: tuple[str, ...]
    readings: tuple[str, ...]
    params: tuple[str, ...]
    rules: tuple[Step, ...]
    beneficiaries: tuple[str, ...]


@dataclass
class Impact:
    policy: str
    city: str  # as the policy names it: 张家港
    name: str
    sources: list[Source] = field(default_factory=list)
    depends: Dependencies | None = None

    def rows(self) -> list[dict[str, Any]]:
        """One row per (source, outcome, path), then per dependency: for a DataFrame or a CSV."""
        out: list[dict[str, Any]] = []
        for s in self.sources:
            for r in s.reaches:
                for p in r.paths:
                    out.append({"policy": self.policy, "source_kind": s.kind, "source": s.name,
                                "outcome": r.concept, "path": " → ".join(x.name for x in p),
                                "articles": ", ".join(dict.fromkeys(x.article for x in p if x.article)),
                                "beneficiaries": ", ".join(r.beneficiaries)})
        if self.depends is not None:
            d = self.depends
            for kind, names in (("field", d.fields), ("reading", d.readings), ("param", d.params),
                                ("rule", tuple(f"{x.kind}:{x.name}" for x in d.rules))):
                out += [{"policy": self.policy, "outcome": d.concept, "depends_on_kind": kind, "depends_on": n}
                        for n in names]
        return out

    def to_json(self) -> str:
        doc = {"policy": self.policy, "city": self.city, "name": self.name,
               "sources": [asdict(s) for s in self.sources],
               "depends": asdict(self.depends) if self.depends is not None else None}
        return json_safe(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"


def _candidates(g: nx.DiGraph) -> dict[str, list[str]]:
    """bare name -> the nodes of that name (a policy's graph, prefixed)."""
    out: dict[str, list[str]] = {}
    for node, d in g.nodes(data=True):
        if d.get("kind") in KINDS:
            out.setdefault(str(d["name"]), []).append(node)
    return out


def _field_name(name: str) -> str | None:
    """`fdi_arrived`, `categories.landmark` or a bare category `landmark` as a field node name."""
    if name in FIELDS and name not in ("id", "categories"):
        return name
    cat = name.removeprefix("categories.")
    return f"categories.{cat}" if cat in CATEGORIES else None


def resolve(cp: CompiledPolicy, g: nx.DiGraph, name: str) -> list[str]:
    """The nodes `name` stands for, or [] for a project field the policy does not read.
    UnknownNameError when it is none of the things impact knows."""
    prefix = cp.policy.id
    kind, sep, rest = name.partition(":")
    by_name = _candidates(g)
    if sep and kind in KINDS:
        node = f"{prefix}/{kind}:{rest}"
        if node in g:
            return [node]
        if kind == "field" and _field_name(rest) is not None:
            return []
        names = [n.partition("/")[2] for ns in by_name.values() for n in ns]
        raise UnknownNameError(f"{cp.policy.id} has no {kind} `{rest}`", did_you_mean(name, names))
    found = sorted(by_name.get(name, []), key=lambda n: KINDS.index(str(g.nodes[n]["kind"])))
    fname = _field_name(name)
    if fname is not None and f"{prefix}/field:{fname}" in g:
        return sorted({*found, f"{prefix}/field:{fname}"}, key=lambda n: KINDS.index(str(g.nodes[n]["kind"])))
    if found or fname is not None:
        return found
    known = [*by_name, *FIELDS, *CATEGORIES]
    what = "a mechanism: mechanisms have no figures that reach an outcome" if name in cp.policy.mechanisms else None
    tax = cp.policy.taxonomy
    if what is None and tax is not None and name in tax.concepts:
        what = f"a taxonomy concept {cp.policy.id} gives no outcome for"
    hint = did_you_mean(name, known) or ("names: a clause, param, reading or split id, a project field, or an "
                                         "outcome concept")
    raise UnknownNameError(f"`{name}` is {what}" if what else
                      f"{cp.policy.id} has no clause, param, reading, project field or outcome `{name}`", hint)


def _step(g: nx.DiGraph, node: str) -> Step:
    d = g.nodes[node]
    return Step(str(d["kind"]), str(d["name"]), str(d["label"]), d.get("article"))


def _who(cp: CompiledPolicy, concept: str, givers: set[str]) -> tuple[tuple[str, ...], str]:
    """The beneficiaries the rules of `givers` ("clause:ID", "split:ID") name for `concept`."""
    names: dict[str, None] = {}
    parts: list[str] = []
    for rules in cp.beneficiary_rules.get(concept, []):
        if givers and rules.source not in givers:
            continue
        for rule, _ in rules.conditional:
            names.setdefault(rule.name.dotted, None)
            parts.append(f"{rule.name.dotted} if {text(rule.when)}")
        last = rules.plain or rules.fallback
        if last is not None:
            names.setdefault(last, None)
            parts.append(("else " if rules.conditional else "") + last)
    return tuple(names), "; ".join(dict.fromkeys(parts))


def _reach(cp: CompiledPolicy, g: nx.DiGraph, source: str) -> Source:
    d = g.nodes[source]
    below = nx.descendants(g, source)
    outcomes = sorted(n for n in below if g.nodes[n]["kind"] == "outcome")
    reached = []
    for o in outcomes:
        paths: list[tuple[Step, ...]] = []
        truncated = False
        for k, p in enumerate(nx.all_simple_paths(g, source, o)):
            if k == MAX_PATHS:
                truncated = True
                break
            paths.append(tuple(_step(g, n) for n in p[1:-1]))
        paths.sort(key=lambda p: (len(p), [s.name for s in p]))
        concept = str(g.nodes[o]["concept"])
        givers = {f"{p[-1].kind}:{p[-1].name}" for p in paths if p}
        names, who = _who(cp, concept, givers)
        reached.append(Reached(concept, str(g.nodes[concept_node(concept)]["label"]), tuple(paths), names, who,
                               truncated))
    rules = tuple(sorted(f"{g.nodes[n]['kind']}:{g.nodes[n]['name']}" for n in below
                         if g.nodes[n]["kind"] in ("clause", "split")))
    note = None
    if not reached:
        note = "reaches no outcome" + (": a city-level figure no rule reads" if d["kind"] == "param" and not rules
                                       else "")
    label = str(d.get("meaning") or d["label"])  # a field: what it means (当年度到账外资)
    return Source(str(d["kind"]), str(d["name"]), label, d.get("article"), d.get("quote"), tuple(reached), rules, note)


def _depends(cp: CompiledPolicy, g: nx.DiGraph, outcome: str) -> Dependencies:
    above = nx.ancestors(g, outcome)

    def of(kind: str) -> tuple[str, ...]:
        return tuple(sorted(str(g.nodes[n]["name"]) for n in above if g.nodes[n]["kind"] == kind))

    rules = tuple(sorted((_step(g, n) for n in above if g.nodes[n]["kind"] in ("clause", "split")),
                         key=lambda s: (s.kind, s.name)))
    concept = str(g.nodes[outcome]["concept"])
    names, _ = _who(cp, concept, set())
    return Dependencies(concept, str(g.nodes[concept_node(concept)]["label"]), of("field"), of("reading"),
                        of("param"), rules, names)


def impact(cp: CompiledPolicy, name: str) -> Impact:
    """Everything `name` can reach in the policy (and, for an outcome, what it depends on)."""
    g = cross_graph([cp.policy], [cp.graph])
    nodes = resolve(cp, g, name)
    out = Impact(cp.policy.id, cp.policy.city_label, name)
    if not nodes:  # a project field this policy does not read
        fname = _field_name(name.removeprefix("field:")) or name
        out.sources.append(Source("field", fname, fname, None, None, (), (),
                                  f"{cp.policy.id} does not read the project field `{fname}`: it reaches nothing"))
        return out
    for node in nodes:
        if g.nodes[node]["kind"] == "outcome":
            out.depends = _depends(cp, g, node)
        else:
            out.sources.append(_reach(cp, g, node))
    return out


def _path_text(source: str, p: tuple[Step, ...], concept: str) -> str:
    return " → ".join([source, *(f"{s.name} ({s.article})" if s.article else s.name for s in p), concept])


def render_table(im: Impact) -> str:
    """For people: per source, each outcome it reaches with who receives it and every path between;
    for an outcome, what it depends on.  Texts from the policy pass through `printable`."""
    lines = []
    for s in im.sources:
        cite = f" ({s.article})" if s.article else ""
        lines.append(f"impact of {s.kind} {s.name}{cite} in {im.policy} ({im.city})")
        if s.label != s.name:
            lines.append(f"  {s.label}")
        if s.note:
            lines.append(f"  {s.note}")
        if s.reaches:
            n_rules = len(s.rules)
            lines.append(f"  reaches {len(s.reaches)} outcome{'s' * (len(s.reaches) != 1)} through "
                         f"{n_rules} rule{'s' * (n_rules != 1)}:")
        for r in s.reaches:
            lines.append(f"  {r.concept} {r.label} → {r.who or 'no beneficiary named'}")
            lines += [f"      {_path_text(s.name, p, r.concept)}" for p in r.paths]
            if r.truncated:
                lines.append(f"      … (more than {MAX_PATHS} paths; the first {MAX_PATHS} shown)")
        unreached = [x for x in s.rules if x.partition(":")[2] not in {st.name for r in s.reaches for p in r.paths
                                                                        for st in p}]
        if unreached:
            lines.append("  also reaches (rules that give no outcome of their own): " + ", ".join(unreached))
        lines.append("")
    if im.depends is not None:
        d = im.depends
        lines.append(f"outcome {d.concept} {d.label} in {im.policy} ({im.city}) → {', '.join(d.beneficiaries) or '—'}")
        lines.append("  depends on")
        for kind, names in (("fields", d.fields), ("readings", d.readings), ("params", d.params)):
            lines.append(f"    {kind + ':':10} {', '.join(names) if names else '—'}")
        rules = [f"{x.kind} {x.name}" + (f" ({x.article})" if x.article else "") for x in d.rules]
        lines.append(f"    {'rules:':10} {', '.join(rules) if rules else '—'}")
        lines.append("")
    return "\n".join(printable(x) for x in lines)


__all__ = ["Dependencies", "Impact", "Reached", "Source", "Step", "UnknownNameError", "impact", "render_table", "resolve"]
