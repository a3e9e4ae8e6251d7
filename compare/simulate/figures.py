"""Stable paths to the figures of a policy, for reforms and sweeps (`--set PATH=VALUE`).

A param's figure is its id (`network.node_reward_max`); a clause's figures are named by the part
they play in it:
- `CLAUSE.rate`: the share in `X% of …`; `CLAUSE.cap`, `CLAUSE.floor`: the bound after `cap`/`floor`;
- `CLAUSE.amount`: a figure that is the value itself (`value up to 50万元`);
- `CLAUSE.threshold`: a figure a condition compares with (`registered_capital >= 1000万美元`);
- `CLAUSE.tiers[N]`, `.tiers[N].low`, `.tiers[N].high`: row N's value and edges (from 1); `.tiers.scale`;
- `CLAUSE.pick[N]`: the value of row N of a `pick` table (from 1; `otherwise` is the last row);
- `CLAUSE.per_unit`: a per-unit figure (`30元/平方米 * rent_area`); a value keeps what it is paid per
  in kind (`40元/平方米` or `2万元/亩`, not `40元`);
- a clause's time statements: `CLAUSE.cumulative_cap` (`.cumulative_cap.within`), `CLAUSE.schedule[N]`,
  `CLAUSE.installments[N]` (a share written 1/3: `.numerator`, `.denominator`), `CLAUSE.clawback.within`,
  `CLAUSE.clawback.threshold`, `CLAUSE.budget`, `CLAUSE.winners` (the number of projects);
- `SPLIT.SHARE`: a share of a split; `PARAM.committed`, `PARAM.stretch` for a target;
- `.low`, `.high` after any of these for the ends of a range (`2‰～5‰`); `.figure` otherwise.
One path may stand for several nodes: the same figure written in each branch of `by reading`
(`up to 2%` and `2%`) is one figure, so setting `fdi_arrival_reward.rate=3%` changes both.  Where
the nodes of one path hold different figures they are numbered in source order (`.threshold#2`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from compare.simulate.amounts import split_amount
from dsl import ast as A
from dsl.model import Policy
from dsl.units import SCALES, UNITS, Dim, format_decimal

Node = A.Quantity | A.RatioLit


@dataclass(frozen=True)
class Figure:
    path: str
    item: str  # "clause:ID", "param:ID", "split:ID"
    nodes: tuple[Node, ...]
    article: str  # the first cite's article ("(16)"), for listings

    @property
    def node(self) -> Node:
        return self.nodes[0]

    @property
    def dim(self) -> Dim:
        n = self.nodes[0]
        return n.dim if isinstance(n, A.Quantity) else Dim.RATIO

    @property
    def text(self) -> str:
        return str(self.nodes[0])


class FigureError(ValueError):
    """A path that names no figure, or a value that does not fit it; `hint` says what would."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def _in_expr(e: object, role: str) -> Iterator[tuple[str, Node]]:
    """(role path, figure node) for each figure under `e`, `role` being the part `e` plays."""
    if isinstance(e, A.Quantity) and e.per is not None:
        yield ("per_unit" if role == "amount" else role), e
    elif isinstance(e, (A.Quantity, A.RatioLit)):
        yield role, e
    elif isinstance(e, A.Unary):
        yield from _in_expr(e.operand, role)
    elif isinstance(e, A.Range):
        yield from _in_expr(e.low, f"{role}.low")
        yield from _in_expr(e.high, f"{role}.high")
    elif isinstance(e, A.Binary):
        if e.op in ("of", "*"):
            for side, other in ((e.left, e.right), (e.right, e.left)):
                if _is_rate(side) and not _is_rate(other):
                    yield from _in_expr(side, "rate")
                    yield from _in_expr(other, role)
                    return
        if e.op in ("cap", "floor"):
            yield from _in_expr(e.left, role)
            yield from _in_expr(e.right, e.op)
            return
        if e.op in (">=", "<=", ">", "<", "==", "!="):
            yield from _in_expr(e.left, "threshold")
            yield from _in_expr(e.right, "threshold")
            return
        yield from _in_expr(e.left, role)
        yield from _in_expr(e.right, role)
    elif isinstance(e, A.Tiers):
        if e.scale is not None:
            yield from _in_expr(e.scale.factor, "tiers.scale")
            yield from _in_expr(e.scale.cond, "threshold")
        for i, row in enumerate(e.rows, 1):
            yield from _in_expr(row.low, f"tiers[{i}].low")
            yield from _in_expr(row.high, f"tiers[{i}].high")
            yield from _in_expr(row.value, f"tiers[{i}]")
    elif isinstance(e, A.Pick):
        for i, prow in enumerate(e.rows, 1):
            if prow.cond is not None:
                yield from _in_expr(prow.cond, "threshold")
            yield from _in_expr(prow.value, f"pick[{i}]")
    elif isinstance(e, A.ByReading):
        for case in e.cases:
            yield from _in_expr(case.value, role)
    elif isinstance(e, A.IfExpr):
        yield from _in_expr(e.cond, "threshold")
        yield from _in_expr(e.then, role)
        yield from _in_expr(e.else_, role)
    elif isinstance(e, A.Call):
        for a in e.args:
            yield from _in_expr(a, role)
    elif isinstance(e, (A.ListValue, A.SetLit)):
        for x in e.items:
            yield from _in_expr(x, role)
    elif isinstance(e, A.InSet):
        yield from _in_expr(e.element, role)


def _shares(word: str, parts: tuple[A.Expr, ...]) -> Iterator[tuple[str, Node]]:
    """`schedule[N]`, `installments[N]` (from 1); a share written 1/3 has `.numerator` and `.denominator`."""
    for i, e in enumerate(parts, 1):
        if isinstance(e, A.Binary) and e.op == "/" and isinstance(e.left, A.Quantity) and isinstance(e.right, A.Quantity):
            yield f"{word}[{i}].numerator", e.left
            yield f"{word}[{i}].denominator", e.right
        else:
            yield from _in_expr(e, f"{word}[{i}]")


def _in_timing(t: A.Timing) -> Iterator[tuple[str, Node]]:
    """The figures of a clause's time statements: `cumulative_cap` (and `.within`), `schedule[N]`,
    `installments[N]`, `clawback.threshold`, `clawback.within`, `budget`, `winners`, `winners.by`."""
    if t.cumulative_cap is not None:
        yield from _in_expr(t.cumulative_cap.amount, "cumulative_cap")
        if t.cumulative_cap.within is not None:
            yield "cumulative_cap.within", t.cumulative_cap.within
    if t.schedule is not None:
        yield from _shares("schedule", t.schedule.factors)
    if t.installments is not None:
        yield from _shares("installments", t.installments.shares)
    if t.clawback is not None:
        for role, node in _in_expr(t.clawback.when, "threshold"):  # not the `when` of the clause
            yield "clawback." + role, node
        if t.clawback.within is not None:
            yield "clawback.within", t.clawback.within
    if t.budget is not None:
        yield from _in_expr(t.budget.amount, "budget")
    if t.winners is not None:
        yield from _in_expr(t.winners.count, "winners")
        if t.winners.by is not None:
            yield from _in_expr(t.winners.by, "winners.by")


def check_time_value(path: str, node: Node) -> None:
    """A value for a figure of a time statement that the engine can compute with: a window a whole
    number of years, a number of winners a whole count of at least 1, a cap or a budget not below 0
    (a sweep's points are not checked as a reform's revision is)."""
    if isinstance(node, A.RatioLit):
        return
    v = node.base_value
    if path.endswith(".within") and (node.unit != "年" or node.scale or v % 12 or v <= 0):
        raise FigureError(f"`{path}` is a window of whole years; `{node}` is not", "write it in years: 5年")
    if re.search(r"\.winners(#\d+)?$", path) and (v != v.to_integral() or v < 1):
        raise FigureError(f"`{path}` is a number of projects; `{node}` is not a whole number of at least 1",
                          "write a whole number: 15")
    if re.search(r"\.(cumulative_cap|budget|schedule\[\d+\]|installments\[\d+\])(#\d+)?$", path) and v < 0:
        raise FigureError(f"`{path}` cannot be below 0; `{node}` is", None)


def _is_rate(e: object) -> bool:
    """A share: a percentage or ratio figure (possibly `up to`, `about` or a range of them)."""
    if isinstance(e, A.Unary):
        return _is_rate(e.operand)
    if isinstance(e, A.Range):
        return _is_rate(e.low)
    return isinstance(e, A.RatioLit) or (isinstance(e, A.Quantity) and e.dim == Dim.RATIO)


def _article(cites: tuple[A.Cite, ...]) -> str:
    return cites[0].article if cites else ""


def policy_figures(policy: Policy) -> dict[str, Figure]:
    """Every figure of the policy's clauses, splits and params, by path (in source order)."""
    found: list[tuple[str, str, Node, str]] = []  # path, item, node, article
    for cid, c in policy.clauses.items():
        art = _article(c.cites)
        for role, node in _in_expr(c.when, "threshold") if c.when is not None else ():
            found.append((f"{cid}.{role}", f"clause:{cid}", node, art))
        for role, node in _in_expr(c.value, "amount") if c.value is not None else ():
            found.append((f"{cid}.{role}", f"clause:{cid}", node, art))
        for role, node in _in_timing(c.timing) if c.timing is not None else ():
            found.append((f"{cid}.{role}", f"clause:{cid}", node, art))
    for sid, s in policy.splits.items():
        for share in s.shares:
            for role, node in _in_expr(share.weight, share.name):
                found.append((f"{sid}.{role}", f"split:{sid}", node, _article(s.cites)))
    for pid, prm in policy.params.items():
        parts = [("committed", prm.value.committed), ("stretch", prm.value.stretch)] \
            if isinstance(prm.value, A.Target) else [("", prm.value)]
        for part, expr in parts:
            for role, node in _in_expr(expr, part):
                path = ".".join(x for x in (pid, role) if x and x != "threshold") if role != "threshold" \
                    else f"{pid}.threshold"
                found.append((path, f"param:{pid}", node, _article(prm.cites)))
    grouped: dict[str, list[tuple[str, Node, str]]] = {}
    for path, item, node, art in found:
        grouped.setdefault(path, []).append((item, node, art))
    out: dict[str, Figure] = {}
    for path, entries in grouped.items():
        if len({str(n) for _, n, _ in entries}) == 1:
            out[path] = Figure(path, entries[0][0], tuple(n for _, n, _ in entries), entries[0][2])
            continue
        for k, (item, node, art) in enumerate(entries, 1):  # different figures at one path: numbered
            out[f"{path}#{k}"] = Figure(f"{path}#{k}", item, (node,), art)
    return out


def find_figure(policy: Policy, path: str) -> Figure:
    figures = policy_figures(policy)
    if path in figures:
        return figures[path]
    numbered = [p for p in figures if p.startswith(path + "#")]
    if numbered:
        listing = ", ".join(f"{p} = {figures[p].text}" for p in numbered)
        raise FigureError(f"`{path}` holds different figures in {policy.id}", f"name one: {listing}")
    from dsl.diagnostics import did_you_mean

    item = path.split(".")[0]
    near = did_you_mean(path, figures) or \
        (f"figures of {item}: " + ", ".join(p for p in figures if p.startswith(item + ".")) if any(
            p.startswith(item + ".") for p in figures) else None)
    raise FigureError(f"{policy.id} has no figure `{path}`",
                      near or f"`policylab figures {policy.id}` lists the figure paths")


# ---------------------------------------------------------------- values

_RATIO = re.compile(r"^\s*\d+(?:\.\d+)?(?:\s*:\s*\d+(?:\.\d+)?)+\s*$")


def parse_value(text: str | int | float, figure: Figure, derived: str) -> Node:
    """`text` as a figure in place of `figure`'s: a quantity in the same dimension (a currency for
    money, `%` or `‰` for a rate, `分` for points), marked `derived` (it is not in the quoted text)."""
    raw = str(text).strip()
    old = figure.node
    if isinstance(old, A.RatioLit) or (_RATIO.match(raw) and ":" in raw):
        if not _RATIO.match(raw):
            raise FigureError(f"`{raw}` is not a ratio for `{figure.path}` ({old})", "write it as in the text, e.g. 1.5:1")
        if not isinstance(old, A.RatioLit):
            raise FigureError(f"`{figure.path}` is {old} ({figure.dim.value}), not a ratio", _unit_hint(old))
        parts = tuple(Decimal(p.strip()) for p in raw.split(":"))
        if len(parts) != len(old.parts):
            raise FigureError(f"`{raw}` has {len(parts)} parts; `{figure.path}` ({old}) has {len(old.parts)}")
        return A.RatioLit(parts, derived=derived)
    per = None
    if isinstance(text, str) and "/" in text:  # a per-unit figure: 40元/平方米
        text, _, per = (x.strip() for x in text.partition("/"))
    try:
        _, number, scale, unit = split_amount(text)  # one reading of amounts: scenario values, portfolios, here
    except ValueError as e:
        raise FigureError(f"`{raw}` is not a figure: {e}", _unit_hint(old)) from None
    if (per is not None) != (old.per is not None) or (per is not None and (
            per not in UNITS or old.per is None or UNITS[per].dim != UNITS[old.per].dim)):
        raise FigureError(f"`{figure.path}` is {old}" + (", a figure per " + old.per if old.per else
                                                         ", not a per-unit figure") + f"; `{raw}` is not",
                          _unit_hint(old))
    if unit not in UNITS:
        raise FigureError(f"`{raw}` is not a figure: unknown unit `{unit}`", _unit_hint(old))
    new = A.Quantity(number, scale, unit, derived=derived, per=per)
    check_time_value(figure.path, new)
    if new.dim != old.dim:
        if old.dim in (Dim.CNY, Dim.USD) and new.dim in (Dim.CNY, Dim.USD):
            raise FigureError(f"`{figure.path}` is in {old.dim.value} ({old}); `{raw}` is {new.dim.value}",
                              f"a figure keeps its currency: write it in {UNITS[old.unit].symbol}, "
                              f"e.g. {format_decimal(number)}{scale}{old.unit}")
        have = "a bare number" if new.dim == Dim.SCALAR else f"{new.dim.value}"
        raise FigureError(f"`{figure.path}` is {old.dim.value} ({old}); `{raw}` is {have}", _unit_hint(old))
    if scale and new.dim not in (Dim.CNY, Dim.USD, Dim.SCALAR):
        raise FigureError(f"`{raw}`: a scale ({scale}) goes with money only", _unit_hint(old))
    return new


def _unit_hint(old: Node) -> str:
    if isinstance(old, A.RatioLit):
        return f"write a ratio like {old}"
    if old.per is not None:
        return f"the figure is {old}: write an amount per {old.per} (or per another unit of {UNITS[old.per].dim.value}), " \
               f"e.g. 40{old.unit}/{old.per}"
    examples = {Dim.CNY: "8000万元", Dim.USD: "1000万美元", Dim.RATIO: "3% or 5‰", Dim.POINTS: "12分",
                Dim.MONTHS: "6个月", Dim.DAYS: "30天", Dim.COUNT: f"5{old.unit or '个'}", Dim.AREA: "100亩"}
    return f"the figure is {old}: write a {old.dim.value} figure, e.g. {examples.get(old.dim, str(old))}"


def value_of(node: Node) -> float:
    """A figure's value in its dimension's base unit (yuan, dollars, a fraction, points …)."""
    if isinstance(node, A.RatioLit):
        return float(node.parts[0] / node.parts[1]) if len(node.parts) == 2 and node.parts[1] else float(node.parts[0])
    return float(node.base_value)


def with_value(node: Node, base_value: Decimal, derived: str) -> Node:
    """A figure like `node` (same unit and scale where it divides evenly) holding `base_value`."""
    if isinstance(node, A.RatioLit):
        return A.RatioLit((base_value, Decimal(1)), derived=derived)
    factor = SCALES[node.scale] * UNITS[node.unit].factor / (UNITS[node.per].factor if node.per is not None else 1)
    number = (base_value / factor).normalize()
    return A.Quantity(number if number == number.to_integral() else number, node.scale, node.unit, derived=derived,
                      per=node.per)


# ---------------------------------------------------------------- titles

_ROLES = {"rate": ("比例", "rate"), "cap": ("上限", "cap"), "floor": ("下限", "floor"), "amount": ("金额", "amount"),
          "threshold": ("门槛", "threshold"), "per_unit": ("单价", "amount per unit"),
          "cumulative_cap": ("累计上限", "cumulative cap"), "budget": ("预算", "budget"),
          "winners": ("名额", "number of winners"), "committed": ("承诺值", "committed value"),
          "stretch": ("争取值", "stretch value"), "within": ("期限", "period"), "low": ("下沿", "lower end"),
          "high": ("上沿", "upper end"), "scale": ("折算比例", "scale factor"), "numerator": ("分子", "numerator"),
          "denominator": ("分母", "denominator"), "clawback": ("收回", "clawback"), "schedule": ("分年比例", "schedule"),
          "installments": ("分期", "installment"), "tiers": ("档", "tier"), "pick": ("项", "row")}


def figure_title(policy: Policy, path: str) -> tuple[str, str, str, str, str]:
    """(zh, en, unit zh, unit en, article) naming a figure for a reader: its clause's label (a param's
    concept in the taxonomy) and the part the figure plays ("新批外资项目到账外资奖励上限", "cap of fdi
    arrival reward", "元", "CNY", "(16)"), not its path (`fdi_arrival_reward.cap`)."""
    figure = find_figure(policy, path)
    kind, _, key = figure.item.partition(":")
    rest = path.partition("#")[0][len(key):].lstrip(".")
    clause = policy.clauses.get(key) if kind == "clause" else None
    tax = policy.taxonomy
    concept = tax.concepts.get(key) if kind == "param" and tax is not None else None
    name_zh = (clause.label if clause is not None else None) or (concept.zh if concept is not None else None) or key
    name_en = concept.en if concept is not None and concept.en else key.replace("_", " ")
    zh_parts, en_parts = [], []
    for part in (p for p in rest.split(".") if p):
        m = re.fullmatch(r"(\w+?)(?:\[(\d+)\])?", part)
        word, n = (m.group(1), m.group(2)) if m else (part, None)
        zh, en = _ROLES.get(word, (word, word.replace("_", " ")))
        zh_parts.append(f"第{n}{zh}" if n and word == "tiers" else f"{zh}{n}" if n else zh)
        en_parts.append(f"{en} {n}" if n else en)
    en_title = f"{' '.join(reversed(en_parts))} of {name_en}" if en_parts else name_en
    unit = {Dim.CNY: ("元", "CNY"), Dim.USD: ("美元", "USD"), Dim.POINTS: ("分", "points")}.get(figure.dim, ("", ""))
    return f"{name_zh}{''.join(zh_parts)}", en_title, *unit, figure.article
