"""A policy's figures by concept: one row per figure path (compare.simulate.figures names them), with
the part it plays, its value in the base unit, the texts' notation and the article and quote stating it.

    rows = figure_rows(policy)   # FigureRow("assessment.fdi_weight_ratio", "assessment.fdi_weight_ratio",
                                 #           "ratio", 1.5, "ratio", "1.5:1", "第12条", "…由1:1调整为1.5:1…")

Kinds: `rate` (a share: `2% of …`, a value in %), `cap`, `floor`, `threshold` (a figure a condition
compares with), `tier_edge` (a tier row's lower or upper edge), `scale` (a tier table's factor),
`points`, `amount` (money), `per_unit` (`30元/平方米`), `ratio` (`1.5:1`), `share` (a split's share,
as a fraction of the whole), `duration`, `count`, `area`, `number`.
Base units: CNY and USD in yuan and dollars, `fraction` for a rate (30% is 0.3), `ratio` for a ratio's
first part over its second (1.5:1 is 1.5), `points`, `months`, `days`, `count`, `mu`, `number`; a per-unit
figure per base unit of what it is paid per (30元/平方米 is 20000 CNY/mu).

A clause with no concept of its own counts under the concept of the clause that reads it (张家港 第12条:
the seven items behind points.host_district); a param's concept is its id; a split share's is the
split clause's concept and the share (`reward.team.referrer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from compare.simulate.figures import Figure, policy_figures, value_of
from dsl import ast as A
from dsl import figures as quoted
from dsl.model import Policy
from dsl.units import UNITS, Dim
from dsl.walk import walk

BASE_UNIT = {Dim.CNY: "CNY", Dim.USD: "USD", Dim.RATIO: "fraction", Dim.POINTS: "points", Dim.MONTHS: "months",
             Dim.DAYS: "days", Dim.COUNT: "count", Dim.AREA: "mu", Dim.SCALAR: "number"}
_BY_DIM = {Dim.POINTS: "points", Dim.CNY: "amount", Dim.USD: "amount", Dim.RATIO: "rate", Dim.MONTHS: "duration",
           Dim.DAYS: "duration", Dim.COUNT: "count", Dim.AREA: "area", Dim.SCALAR: "number"}
_ROLES = {"rate": "rate", "cap": "cap", "floor": "floor", "threshold": "threshold", "tiers.scale": "scale",
          "per_unit": "per_unit"}


@dataclass(frozen=True)
class FigureRow:
    concept: str  # the concept the figure counts under ("" where no clause with a concept reads it)
    path: str  # as compare.simulate.figures names it: `team_reward.rate.low`, `assessment.fdi_weight_ratio`
    kind: str  # see the module's docstring
    value: float  # in the base unit
    unit: str  # the base unit
    text: str  # the texts' notation: "1.5:1", "500万美元", "2‰"
    article: str
    quote: str  # the quote of the item that states the figure ("" where none does: a derived figure)
    derived: str | None = None  # why a figure the quotes do not state is implied


def _role(figure: Figure) -> str:
    """The part a path names after its item: `rate.low` -> `rate`, `tiers[2].high` -> `tiers[2].high`."""
    role = figure.path.split("#")[0].split(".", 1)[1] if "." in figure.path else ""
    if figure.item.startswith("param:"):
        role = figure.path.split("#")[0][len(figure.item.split(":", 1)[1]):].lstrip(".")
    if not role.startswith("tiers[") and role.endswith((".low", ".high")):
        role = role.rsplit(".", 1)[0]
    return role


def _kind(figure: Figure) -> str:
    node, role = figure.node, _role(figure)
    if isinstance(node, A.RatioLit):
        return "ratio"
    if figure.item.startswith("split:"):
        return "share"
    if role.startswith("tiers[") and role.endswith((".low", ".high")):
        return "tier_edge"
    if role in _ROLES:
        return _ROLES[role]
    return _BY_DIM.get(node.dim, "number")


def _unit(node: A.Quantity | A.RatioLit) -> str:
    if isinstance(node, A.RatioLit):
        return "ratio"
    base = BASE_UNIT.get(node.dim, node.dim.value)
    return f"{base}/{BASE_UNIT.get(UNITS[node.per].dim, '')}" if node.per is not None else base


def _states(cite: A.Cite, node: A.Quantity | A.RatioLit, whole: tuple[Decimal, ...] | None) -> bool:
    """Whether the quote states the figure (a split's share: the whole ratio)."""
    if whole is not None:
        return quoted.ratio_in_quote(whole, cite.quote)
    if isinstance(node, A.RatioLit):
        return quoted.ratio_in_quote(node.parts, cite.quote)
    if node.per is not None:
        return False
    return quoted.find_figure(node.base_value, node.dim, quoted.quote_figures(cite.quote), bare_counts=True)


def _cite(cites: tuple[A.Cite, ...], node: A.Quantity | A.RatioLit,
          whole: tuple[Decimal, ...] | None = None) -> tuple[str, str]:
    """(article, quote) of the first cite stating the figure; else the first cite's article, no quote."""
    for c in cites:
        if _states(c, node, whole):
            return c.article, c.quote
    return (cites[0].article if cites else ""), ""


def _readers(policy: Policy) -> dict[str, str]:
    """Clause id (of a clause without a concept) -> the concept of the first clause that reads it."""
    out: dict[str, str] = {}

    def visit(clause: A.Clause, concept: str) -> None:
        for x in (clause.when, clause.value):
            for n in walk(x) if x is not None else ():
                ref = policy.clauses.get(n.dotted) if isinstance(n, A.Name) else None
                if ref is not None and ref.concept is None and ref.id not in out:
                    out[ref.id] = concept
                    visit(ref, concept)

    for c in policy.clauses.values():
        if c.concept is not None:
            visit(c, c.concept.dotted)
    return out


def _share_fraction(split: A.Split, name: str) -> tuple[float, tuple[Decimal, ...] | None]:
    """A split share as a fraction of the whole (3 of 3:7 is 0.3), and the ratio's parts where written so."""
    weights = [(s.name, s.weight.base_value) for s in split.shares if isinstance(s.weight, A.Quantity)]
    mine = Fraction(dict(weights).get(name, Decimal(0)))
    if not split.ratio_form:
        return float(mine), None
    total = sum((Fraction(w) for _, w in weights), Fraction(0))
    return (float(mine / total) if total else 0.0), tuple(w for _, w in weights)


def figure_rows(policy: Policy) -> list[FigureRow]:
    """Every figure of the policy (clauses, split shares, params) in source order, each path once."""
    readers = _readers(policy)
    rows = []
    for path, figure in policy_figures(policy).items():
        kind, node = figure.item.split(":", 1), figure.node
        value, unit, text, whole = value_of(node), _unit(node), str(node), None
        if kind[0] == "clause":
            clause = policy.clauses[kind[1]]
            concept = clause.concept.dotted if clause.concept else readers.get(clause.id, "")
            cites = clause.cites
        elif kind[0] == "split":
            split = policy.splits[kind[1]]
            share = path.split("#")[0].split(".")[1]
            whole_concept = policy.concept_of(split.splits.dotted) if split.splits is not None else None
            concept = f"{whole_concept}.{share}" if whole_concept else ""
            cites = split.cites
            value, whole = _share_fraction(split, share)
            unit = "fraction"
            if whole is not None:
                text = ":".join(str(s.weight) for s in split.shares)
        else:
            concept, cites = kind[1], policy.params[kind[1]].cites
        article, quote = _cite(cites, node, whole)
        rows.append(FigureRow(concept, path, _kind(figure), value, unit, text, article, quote, node.derived))
    return rows


__all__ = ["BASE_UNIT", "FigureRow", "figure_rows"]
