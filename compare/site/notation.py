"""A clause's figures summarised as the texts write them, for the home page's matrix and the concept
pages: "最高2%，最高5000万元" (无锡 (16)), "2‰～5‰" (张家港 第13条), "0.5～2分" (张家港 第5条's tiers),
"5‰，最高200万元" (无锡 (6)), "30元/平方米，最高100万元", "确保32亿美元，力争35亿美元".

    s = summarise(clause.value, lookup)     # lookup(name) -> the value of a clause or param, or None
    s.short                                 # a matrix cell: tiers as a span, "0.5～2分"
    s.full                                  # a concept page: every tier with its edges,
                                            # "500～1000万美元 0.5分、…、1亿美元以上 2分"
    s.readings                              # the readings whose options would change it

What it reads (the value's AST, never its evaluation):
- a figure as written ("50万元", "2分", "5‰"); a per-unit amount times a field as its rate ("30元/平方米");
- `R of BASE`: the rate R (the base is a field the reader finds on the clause); of another clause's
  value, that value "或其70%" where a condition picks between the share and the whole;
- `E cap C` "E，最高C"; `E floor F` "E，最低F"; `up to E` "最高E"; `at least` "E以上"; `at most`
  "不超过E"; `more than` "超E"; `about` "E左右"; `a~b` "a～b", the unit and a scale both ends share
  written once ("500～1000万美元", "3000万～1亿美元"; a ratio's sign on both ends: "2‰～5‰");
- alternatives (`tiers`, `pick`, `if`, `max`, `min`): the figures of all, "2/3/5/10分" in full (one
  table's tiers with their edges), "2～10分" short; ceilings only, "最高600万元" short (the most any
  alternative gives);
- `by reading`: one summary where the options give the same figures (a ceiling's `range` and `full`
  readings of 最高50万元 both give "最高50万元"), else the default option's, with the reading named;
- a name: the clause or param it reads, summarised in its place; `sum(a, b)` "（a）＋（b）";
- `promised "…"`: no summary (None): the cell says "promised, no figure" instead.
Anything else gives its figures as written, joined by "、".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from compare.engine.notation import amount_text, number_text
from dsl import ast as A
from dsl.units import Dim, format_decimal
from dsl.walk import walk

Lookup = Callable[[str], "A.Expr | A.Target | None"]
_MONEY = {Dim.CNY: "元", Dim.USD: "美元"}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_SCALED = re.compile(r"-?\d+(?:\.\d+)?(?:万亿|亿|万)?")
_BOUNDS = {"at_least": "{}以上", "at_most": "不超过{}", "more_than": "超{}", "about": "{}左右"}


@dataclass(frozen=True)
class Figures:
    """Alternative figures of one unit ("分", "元", "%" …): money in 元 or 美元, others as written."""

    unit: str
    money: bool
    values: frozenset[Decimal]
    ceiling: bool = False  # 最高: each is the most given
    scaled: tuple[str, ...] = ()  # "70%": or that share of it, where a condition says so
    tiers: tuple[tuple[str, Decimal], ...] = ()  # (edges, value) row by row, where the figures are one table's

    def one(self, v: Decimal) -> str:
        return amount_text(v, self.unit) if self.money else f"{number_text(v)}{self.unit}"

    def span(self, low: Decimal, high: Decimal) -> str:
        """"0.5～2分", "500～1000万美元", "3000万～1亿美元", "2‰～5‰": the unit (and a scale both ends
        share) written once, as the texts do; a ratio keeps its sign at both ends."""
        a, b = self.one(low), self.one(high)
        if self.unit not in ("%", "‰"):
            for scale in ("万亿", "亿", "万", ""):  # "5亿～1万亿美元": 亿 is not shared
                suffix = scale + self.unit
                if suffix and a.endswith(suffix) and b.endswith(suffix) \
                        and (_NUMBER if scale else _SCALED).fullmatch(a[:-len(suffix)]) \
                        and (_NUMBER if scale else _SCALED).fullmatch(b[:-len(suffix)]):
                    return f"{a[:-len(suffix)]}～{b}"
        return f"{a}～{b}"

    def render(self, short: bool) -> str:
        vs = sorted(self.values)
        if self.tiers and not short:
            text = "、".join(f"{edges} {self.one(v)}" for edges, v in self.tiers)
        elif self.ceiling and short:
            text = "最高" + self.one(vs[-1])
        elif len(vs) == 1:
            text = ("最高" if self.ceiling else "") + self.one(vs[0])
        elif short:
            text = self.span(vs[0], vs[-1])
        else:
            parts = [self.one(v) for v in vs] if self.money or self.unit in ("%", "‰") else \
                [number_text(v) for v in vs[:-1]] + [self.one(vs[-1])]
            text = ("最高" if self.ceiling else "") + "/".join(parts)
        return text + "".join(f"或其{s}" for s in self.scaled)


@dataclass(frozen=True)
class Phrase:
    """A figure in a fixed form: a rate with its cap, a span, a bound."""

    short: str
    full: str

    def render(self, short: bool) -> str:
        return self.short if short else self.full


Part = Figures | Phrase


@dataclass(frozen=True)
class Summary:
    short: str
    full: str
    readings: tuple[str, ...] = ()  # the readings whose options give other figures


@dataclass
class _Walk:
    lookup: Lookup
    defaults: dict[str, str]  # reading -> its default option
    readings: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)


def summarise(value: A.Expr | A.Target | None, lookup: Lookup | None = None,
              defaults: dict[str, str] | None = None) -> Summary | None:
    """The value's figures in the texts' notation (see the module's docstring); None for a promise or a
    value without figures (`true`)."""
    if value is None:
        return None
    w = _Walk(lookup or (lambda _: None), defaults or {})
    part = _part(value, w)
    if part is None:
        return None
    return Summary(part.render(True), part.render(False), tuple(sorted(w.readings)))


def _phrase(text: str, full: str | None = None) -> Phrase:
    return Phrase(text, text if full is None else full)


def _quantity(q: A.Quantity) -> Part:
    if q.per is not None:
        return _phrase(str(q))
    if q.dim in _MONEY:
        return Figures(_MONEY[q.dim], True, frozenset({q.base_value}))
    if q.dim == Dim.RATIO or not q.unit:
        return Figures(q.unit, False, frozenset({q.number}))
    return Figures(f"{q.scale}{q.unit}", False, frozenset({q.number}))


def _map(p: Part, f: Callable[[str], str]) -> Phrase:
    return Phrase(f(p.render(True)), f(p.render(False)))


def _union(parts: Sequence[Part | None]) -> Part | None:
    """Alternatives: figures of one unit merged; otherwise each once, "/" between."""
    got = [p for p in parts if p is not None]
    if not got:
        return None
    if all(isinstance(p, Figures) for p in got):
        figs = [p for p in got if isinstance(p, Figures)]
        if len({(f.unit, f.money) for f in figs}) == 1:
            scaled = tuple(dict.fromkeys(s for f in figs for s in f.scaled))
            if len(figs) == 1:
                return figs[0]
            return Figures(figs[0].unit, figs[0].money, frozenset().union(*(f.values for f in figs)),
                           any(f.ceiling for f in figs), scaled)
    shorts = list(dict.fromkeys(p.render(True) for p in got))
    fulls = list(dict.fromkeys(p.render(False) for p in got))
    return Phrase("/".join(shorts), "/".join(fulls))


def _part(e: A.Expr | A.Target, w: _Walk) -> Part | None:
    if isinstance(e, A.Target):
        committed = _part(e.committed, w)
        if e.stretch is None or committed is None:
            return committed
        stretch = _part(e.stretch, w)
        return committed if stretch is None else Phrase(f"确保{committed.render(True)}，力争{stretch.render(True)}",
                                                        f"确保{committed.render(False)}，力争{stretch.render(False)}")
    if isinstance(e, A.Quantity):
        return _quantity(e)
    if isinstance(e, A.RatioLit):
        return _phrase(str(e))
    if isinstance(e, (A.Promised, A.BoolLit, A.Text, A.Infinity)):
        return None
    if isinstance(e, A.Name):
        return _name(e, w)
    if isinstance(e, A.Unary):
        return _unary(e, w)
    if isinstance(e, A.Range):
        return _range(e, w)
    if isinstance(e, A.Binary):
        return _binary(e, w)
    if isinstance(e, A.Tiers):
        return _tiers(e, w)
    if isinstance(e, A.Pick):
        return _union([_part(r.value, w) for r in e.rows])
    if isinstance(e, A.IfExpr):
        return _union([_part(e.then, w), _part(e.else_, w)])
    if isinstance(e, A.Call):
        return _call(e, w)
    if isinstance(e, A.ByReading):
        return _by_reading(e, w)
    return _as_written(e)


def _tiers(e: A.Tiers, w: _Walk) -> Part | None:
    """The rows' figures; in full, each row's edges beside its figure, as the text lists them
    ("500～1000万美元 0.5分、…、1亿美元以上 2分")."""
    parts = [_part(r.value, w) for r in e.rows]
    whole = _union(parts)
    if not isinstance(whole, Figures) or not all(isinstance(p, Figures) and len(p.values) == 1 for p in parts):
        return whole
    rows = []
    for r, p in zip(e.rows, parts, strict=True):
        assert isinstance(p, Figures)
        rows.append((_edges(r, w), min(p.values)))
    return Figures(whole.unit, whole.money, whole.values, whole.ceiling, whole.scaled, tuple(rows))


def _edges(r: A.TierRow, w: _Walk) -> str:
    low = _part(r.low, w)
    if isinstance(r.high, A.Infinity):
        return f"{low.render(True)}以上" if low is not None else ""
    part = _range(A.Range(r.low, r.high), w)
    return part.render(True) if part is not None else ""


def _as_written(e: object) -> Part | None:
    figs = list(dict.fromkeys(str(x) for x in walk(e) if isinstance(x, (A.Quantity, A.RatioLit))))
    return _phrase("、".join(figs)) if figs else None


def _name(e: A.Name, w: _Walk) -> Part | None:
    name = e.dotted
    if name in w.seen:
        return None
    value = w.lookup(name)
    if value is None:
        return None
    w.seen.add(name)
    try:
        return _part(value, w)
    finally:
        w.seen.discard(name)


def _unary(e: A.Unary, w: _Walk) -> Part | None:
    if e.op == "up_to" and isinstance(e.operand, A.Infinity):
        return None
    inner = _part(e.operand, w)
    if inner is None:
        return None
    if e.op == "up_to":
        if isinstance(inner, Figures):
            return Figures(inner.unit, inner.money, inner.values, True, inner.scaled)
        return _map(inner, lambda s: s if s.startswith("最高") else "最高" + s)
    if e.op in _BOUNDS:
        return _map(inner, _BOUNDS[e.op].format)
    return inner


def _range(e: A.Range, w: _Walk) -> Part | None:
    low, high = _part(e.low, w), _part(e.high, w)
    if isinstance(high, Figures) and isinstance(low, Figures) and (low.unit, low.money) == (high.unit, high.money) \
            and len(low.values) == len(high.values) == 1:
        return _phrase(low.span(min(low.values), max(high.values)))
    if low is None or high is None:
        return low or high
    return _phrase(f"{low.render(True)}～{high.render(True)}", f"{low.render(False)}～{high.render(False)}")


def _binary(e: A.Binary, w: _Walk) -> Part | None:
    if e.op in ("cap", "floor"):
        inner, bound = _part(e.left, w), _part(e.right, w)
        if inner is None or bound is None:
            return inner or bound
        word = "最高" if e.op == "cap" else "最低"
        return Phrase(f"{inner.render(True)}，{word}{bound.render(True)}", f"{inner.render(False)}，{word}{bound.render(False)}")
    if e.op == "of":
        rate = _part(e.left, w)
        whole = _part(e.right, w) if isinstance(e.right, A.Name) else None
        if whole is None:
            return rate  # a share of a field: the rate is the figure
        if isinstance(whole, Figures) and isinstance(rate, Figures) and len(rate.values) == 1:
            return Figures(whole.unit, whole.money, whole.values, whole.ceiling, (*whole.scaled, rate.render(True)))
        return _phrase(f"{whole.render(True)}的{rate.render(True)}" if rate else whole.render(True),
                       f"{whole.render(False)}的{rate.render(False)}" if rate else whole.render(False))
    if e.op == "*":  # 30元/平方米 * rent_area: the per-unit amount is the figure
        parts = [p for p in (_part(e.left, w), _part(e.right, w)) if p is not None]
        return parts[0] if len(parts) == 1 else _as_written(e)
    if e.op == "/" and (fraction := _fraction(e)) is not None:
        return _phrase(fraction)
    return _as_written(e)


def _fraction(e: A.Binary) -> str | None:
    if isinstance(e.left, A.Quantity) and isinstance(e.right, A.Quantity) and not e.left.unit \
            and not e.right.unit and not e.left.scale and not e.right.scale:
        return f"{format_decimal(e.left.number)}/{format_decimal(e.right.number)}"
    return None


def _call(e: A.Call, w: _Walk) -> Part | None:
    if e.func in ("max", "min"):
        return _union([_part(a, w) for a in e.args])
    if e.func == "sum":
        parts = [p for p in (_part(a, w) for a in e.args) if p is not None]
        if not parts:
            return None
        return Phrase("＋".join(f"（{p.render(True)}）" for p in parts), "＋".join(f"（{p.render(False)}）" for p in parts))
    if len(e.args) == 1:  # cny(x), usd(x): the argument's figures
        return _part(e.args[0], w)
    return _as_written(e)


def _by_reading(e: A.ByReading, w: _Walk) -> Part | None:
    options = [(c.option, _part(c.value, w)) for c in e.cases]
    parts = [p for _, p in options]
    if len({None if p is None else (p.render(True), p.render(False)) for p in parts}) == 1:
        return parts[0]
    if all(isinstance(p, Figures) for p in parts):  # 最高50万元 read as a range or as the full amount
        figs = [p for p in parts if isinstance(p, Figures)]
        if len({(f.unit, f.money, f.values, f.scaled) for f in figs}) == 1:
            return _union(figs)
    stripped = {None if p is None else p.render(False).replace("最高", "") for p in parts}
    if len(stripped) == 1:  # the same figures, some options reading 最高 as a ceiling: keep it
        return max(parts, key=lambda p: 0 if p is None else p.render(False).count("最高"))
    w.readings.add(e.reading)
    default = w.defaults.get(e.reading, e.cases[0].option)
    return next((p for o, p in options if o == default), parts[0])


__all__ = ["Figures", "Phrase", "Summary", "summarise"]
