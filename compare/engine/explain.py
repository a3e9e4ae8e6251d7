"""Explain one project: for every clause, in the order of computation, whether it fired,
which condition failed, which tier matched, which item won a max, which split applied,
the arithmetic, with every article and quote the item cites.  The trace comes from the same compiled
closures as the batch evaluation (a batch of one, with recording on).

Figures are written as the texts write them: money in 万/亿 where that is exact (1400万美元, 3.5亿元,
19.6万元), otherwise the exact 元 figure (44,430,121.94元), never losing a fen; points as 2分, ratios
as 35%.  Every text from a file (ids, labels, quotes) is shown through `printable`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import numpy as np

from compare.engine.batch import USD, ProjectBatch
from compare.engine.beneficiary import PLAIN, TAXONOMY, BeneficiaryRules
from compare.engine.conditions import EPOCH
from compare.engine.evaluate import CompiledPolicy
from compare.engine.graph import names_in
from compare.engine.implied import NONE, implied_by
from compare.engine.payer import divide
from compare.engine.values import Env
from dsl import ast as A
from dsl.record import CORE, Record
from dsl.schema import GRADES
from dsl.textsafe import printable
from dsl.units import UNITS, Dim
from dsl.walk import clause_exprs, walk


def show(e: A.Expr) -> str:
    from dsl.format import Generator  # here: the formatter imports the parser (Lark), which a cached run needs not

    return re.sub(r"\s+", " ", Generator([]).expr(e, 0))


def _plain(d: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 3.5, 10, 47.2626."""
    return format(d.normalize(), "f")


def fmt_money(x: float, unit: str) -> str:
    """An amount in the texts' notation, exact to the fen (the rule is in docs/evaluation.md):
    a whole number of 万 as N万 (1400万美元, 200万元), or as N亿 when it is at least 1亿 and a whole
    number of 百万 (3.5亿元; but 12345万元); a whole number of 元 from 1万 up as 万 with up to four
    decimals (19.6万元, 47.2626万元); below 1万 as 元 (500元); an amount with fen as the exact 元 figure
    with thousands separators (44,430,121.94元)."""
    if x != x:
        return "unknown"
    if x in (float("inf"), float("-inf")):
        return ("-" if x < 0 else "") + "∞"
    d = Decimal(repr(float(x)))
    sign = "-" if d < 0 else ""
    with localcontext() as ctx:  # every digit of the largest double (10^308 元): the default 28 raised InvalidOperation
        ctx.prec = 400
        return _money_text(sign, int((abs(d) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)), unit)


def _money_text(sign: str, fen: int, unit: str) -> str:
    if fen == 0:
        return f"0{unit}"
    if fen % 100:  # fen: the exact figure
        return f"{sign}{fen // 100:,}.{fen % 100:02d}{unit}"
    yuan = fen // 100
    if yuan < 10_000:
        return f"{sign}{yuan}{unit}"
    if yuan % 10_000:
        return f"{sign}{_plain(Decimal(yuan) / 10_000)}万{unit}"
    wan = yuan // 10_000
    if wan >= 10_000 and wan % 100 == 0:
        return f"{sign}{_plain(Decimal(wan) / 10_000)}亿{unit}"
    return f"{sign}{wan}万{unit}"


def fmt_number(x: float, dim: Dim | None) -> str:
    if x == float("inf"):
        return "∞"
    unit = {Dim.CNY: "元", Dim.USD: "美元", Dim.POINTS: "分", Dim.MONTHS: "个月", Dim.DAYS: "天",
            Dim.AREA: "亩", Dim.COUNT: ""}.get(dim, "") if dim else ""
    if dim in (Dim.CNY, Dim.USD):
        return fmt_money(x, unit)
    if dim == Dim.RATIO:
        return f"{x * 100:g}%"
    return f"{x:g}{unit}"


def fmt_value(v: Any, dim: Dim | None) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, tuple):
        lo, hi = v
        if hi == float("inf") and lo == 0:
            return "promised, no figure" if dim not in (Dim.COUNT,) else f"at least {fmt_number(lo, dim)}"
        return f"{fmt_number(lo, dim)} ~ {fmt_number(hi, dim)}"
    return fmt_number(float(v), dim)


@dataclass
class ClauseTrace:
    kind: str  # clause or split
    id: str
    label: str | None
    concept: str | None
    cites: list[tuple[str, str]]  # (article, quote), every one the item cites, in order
    fired: bool
    conditions: list[tuple[str, bool]] = field(default_factory=list)
    value_text: str | None = None
    value: str | None = None
    details: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)

    def render(self) -> str:
        mark = "✓" if self.fired else "·"
        head = f"{mark} {self.kind} {printable(self.id)}"
        if self.label:
            head += f" “{printable(self.label)}”"
        if self.concept:
            head += f" → {self.concept}"
        lines = [head]
        for article, quote in self.cites:
            lines.append(f"    {printable(article)}: “{printable(quote)}”")
        for text, ok in self.conditions:
            lines.append(f"    when {printable(text)}: {'yes' if ok else 'NO'}")
        if self.inputs:
            lines.append("    inputs: " + printable(", ".join(self.inputs)))
        for d in self.details:
            lines.append(f"    {printable(d)}")
        if self.value_text is not None:
            lines.append(f"    value {printable(self.value_text)} = {self.value}" if self.fired else
                         f"    value {printable(self.value_text)} (not fired)")
        return "\n".join(lines)


@dataclass
class Explanation:
    project: str
    policy: str
    city: str
    fx: float
    readings: dict[str, str]
    steps: list[ClauseTrace]
    outcomes: dict[str, str]

    def render(self) -> str:
        out = [printable(f"project {self.project} under {self.policy} ({self.city}); USD→CNY {self.fx:g}; "
                         "readings: " + (", ".join(f"{k}={v}" for k, v in sorted(self.readings.items())) or "none"))]
        out += [s.render() for s in self.steps]
        out.append("outcomes:")
        out += [printable(f"  {k}: {v}") for k, v in self.outcomes.items()]
        return "\n".join(out)


def _input(batch: ProjectBatch, name: str, env: Env, record: Record) -> str:
    """`licensed = true (implied by started)`: a clause's input as the project has it."""
    which = batch.columns.get(f"{name}#implied")
    rule = NONE if which is None else int(which[0])
    shown = f"{name} = {_field_value(batch, name, env, record)}"
    return shown + (f" (implied by {implied_by(rule)})" if rule != NONE else "")


def _field_value(batch: ProjectBatch, name: str, env: Env | None = None, record: Record = CORE) -> str:
    cols = batch.columns
    head = name.partition(".")[0]
    f = record.fields.get(head)
    if f is None:
        return "?"
    if f.dim == Dim.SET:  # `categories.foreign_hq`, `honours.gazelle`
        return "yes" if bool(cols[name][0]) else "no"
    if f.dim == Dim.MONEY:
        return _money_value(batch, name, env.fx if env is not None else None)
    if name == "grade":
        g = int(cols[name][0])
        return GRADES[g] if g >= 0 else "none"
    if f.dim == Dim.CHOICE:
        code = int(cols[name][0])
        choices = env.choices(name) if env is not None else record.choices(name)
        return choices[code] if 0 <= code < len(choices) else "unknown"
    if f.dim == Dim.RATIO:
        return fmt_number(float(cols[name][0]), Dim.RATIO)
    if f.dim == Dim.TEXT and not f.choices:  # quoted as the condition writes it: an empty text stays visible
        return f'"{cols[name][0]}"'
    v = cols[name][0]
    if f.dim == Dim.BOOL:
        return str(bool(v)).lower()
    if isinstance(v, float) and v != v:  # NaN: the record does not give it
        return "unknown"
    if f.dim == Dim.DATE:
        return (EPOCH + dt.timedelta(days=int(v))).isoformat()
    if f.dim in (Dim.AREA, Dim.COUNT) and name in record.declared:  # in the unit the field is declared in
        unit = record.declared[name].unit or ("亩" if f.dim == Dim.AREA else "")
        size = float(UNITS[unit].factor) if unit in UNITS else 1.0
        return f"{float(v) / size:.10g}{unit}"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _money_value(batch: ProjectBatch, name: str, fx: float | None) -> str:
    """`1000万美元`; where the project has its own rate for the amount, the conversion at it:
    `1000万美元 × 7.1234 (the project's rate) = 7123.4万元`; where other projects of the batch have
    their own rate and this one has not, a USD amount's conversion at the run's rate."""
    cols = batch.columns
    amount = float(cols[name][0])
    usd = int(cols[f"{name}#cur"][0]) == USD
    shown = fmt_number(amount, Dim.USD if usd else Dim.CNY)
    own = cols.get(f"{name}#own")
    if own is None:
        return shown
    if not bool(own[0]):
        if not usd or fx is None:
            return shown
        return f"{shown} × {fx:g} (the run's rate) = {fmt_number(amount * fx, Dim.CNY)}"
    rate = float(cols[f"{name}#rate"][0])
    alt = fmt_number(float(cols[f"{name}#alt"][0]), Dim.CNY if usd else Dim.USD)
    return f"{shown} {'×' if usd else '÷'} {rate:g} (the project's rate) = {alt}"


def _details(e: object, env: Env, cp: CompiledPolicy, out: list[str]) -> None:
    """Walk a value expression and report what the trace recorded for its nodes."""
    trace = env.trace or {}
    for x in walk(e):
        if isinstance(x, A.Tiers) and id(x) in trace:
            idx, k = trace[id(x)]
            record = cp.policy.record
            subject = _field_value(env.batch, x.subject.dotted, env, record) if x.subject.dotted in record.fields \
                else x.subject.dotted
            scaled = f" (edges × {k:g})" if k != 1 else ""
            if idx >= 0:
                row = x.rows[idx]
                edges = f"{'[' if row.low_closed else '('}{show(row.low)}, {show(row.high)}{']' if row.high_closed else ')'}"
                out.append(f"tier {edges}{scaled} matched {x.subject.dotted} = {subject} -> {show(row.value)}")
            else:
                out.append(f"no tier matched {x.subject.dotted} = {subject}{scaled}")
        elif isinstance(x, A.Call) and id(x) in trace:
            won = trace[id(x)]
            parts = []
            for a in x.args:
                if isinstance(a, A.Name) and a.dotted in env.results:
                    fired = bool(env.fired[a.dotted][0])
                    r = env.results[a.dotted]
                    val = (float(np.asarray(r.lo).reshape(-1)[0]), float(np.asarray(r.hi).reshape(-1)[0]))
                    shown = fmt_value(val[0] if val[0] == val[1] else val, cp.compiler.clause_dim.get(a.dotted))
                    parts.append(f"{a.dotted}={shown if fired else 'not fired'}")
                else:
                    parts.append(show(a))
            verdict = f"{show(x.args[won])} wins" if won is not None else "nothing fired"
            out.append(f"{x.func}({', '.join(parts)}): {verdict}")
        elif isinstance(x, A.ByReading) and id(x) in trace:
            out.append(f"reading {x.reading} = {trace[id(x)]}")
        elif isinstance(x, A.Pick) and id(x) in trace:
            out.append(_picked(x, trace[id(x)]))


def _picked(e: A.Pick, row: int) -> str:
    """`pick highest: row 2 `manufacturing` → 1%`, `… otherwise → 0.5%`, `… no row holds`."""
    head = f"pick {e.rule.replace('_', ' ')}: "
    if row < 0:
        return head + "no row holds (no value)"
    r = e.rows[row]
    if r.cond is None:
        return head + f"no row holds, otherwise → {show(r.value)}"
    return head + f"row {row + 1} `{show(r.cond)}` → {show(r.value)}"


def _conditions_read(cp: CompiledPolicy, parts: tuple[object, ...], env: Env) -> list[str]:
    """`eligible (符合第二条规定的项目) = true` for each named condition the parts read, directly or
    through other named conditions, in the order first read."""
    found: dict[str, None] = {}
    stack = [p for p in reversed(parts) if p is not None]
    while stack:
        for x in walk(stack.pop()):
            if isinstance(x, A.Name) and x.dotted in cp.policy.conditions and x.dotted not in found:
                found[x.dotted] = None
                inner = cp.policy.conditions[x.dotted].when
                if inner is not None:
                    stack.append(inner)
    out = []
    for name in found:
        decl = cp.policy.conditions[name]
        v = env.conditions.get(name)
        if v is None:  # not evaluated on the way (an `and` evaluates every part, so only when not read)
            v = cp.compiler.named_condition(name)(env)
        holds = bool(np.asarray(v.lo).reshape(-1)[0])
        label = f" ({decl.label})" if decl.label else ""
        out.append(f"{name}{label} = {'true' if holds else 'false'}")
    return out


def _paid_by(cp: CompiledPolicy, cid: str, env: Env, dim: Dim | None) -> str | None:
    """`paid by city 50% = 71.2340万元, district 50% = 71.2340万元`: a fired clause's payers and shares."""
    who = cp.payers.get(cid)
    if who is None:
        return None
    cc = cp.clauses[cid]
    if not who.stated or len(who.shares) == 1:
        return f"paid by {who.describe()}"
    v = env.fen[cid] if cc.is_money else env.results[cid]
    amount = np.atleast_1d(np.asarray(v.lo, dtype=np.float64))
    parts = divide(amount, who, cc.is_money)
    shown = [f"{name} {float(w) * 100:g}% = {fmt_value(float(part[0]) / (100.0 if cc.is_money else 1.0), dim)}"
             for (name, w), (_, part) in zip(who.shares, parts, strict=True)]
    return "paid by " + ", ".join(shown)


def _beneficiary(cp: CompiledPolicy, source: str, concept: str, env: Env, share: str | None = None) -> str | None:
    """Who receives `concept` from this clause or split share, and the rule that chose it."""
    rules: BeneficiaryRules | None = next((r for r in cp.beneficiary_rules.get(concept, []) if r.source == source), None)
    if rules is None:
        return None
    rule = int(np.asarray(rules.choose(env)).reshape(-1)[0])
    prefix = f"beneficiary {share} = " if share else "beneficiary "
    tried = [f"if {show(r.when)}: no" for r, _ in rules.conditional[: rule if rule >= 0 else None]]  # type: ignore[arg-type]
    if rule >= 0:
        r = rules.conditional[rule][0]
        why = f"by `{prefix}{r.name.dotted} if {show(r.when)}` (it holds)"  # type: ignore[arg-type]
    elif rule == PLAIN:
        why = f"by `{prefix}{rules.plain}`"
    elif rule == TAXONOMY:
        why = f"the taxonomy's beneficiary of {concept}"
    else:
        return f"{concept}: no beneficiary named"
    return f"{concept} → {rules.name(rule)}, {why}" + (f"; {', '.join(tried)}" if tried else "")


def _inputs(cp: CompiledPolicy, parts: tuple[object, ...]) -> set[str]:
    """The fields (and set members) the parts read, through the named conditions they use."""
    record, out = cp.policy.record, set()
    seen: set[str] = set()
    stack = [p for p in parts if p is not None]
    while stack:
        for n in names_in(stack.pop(), record):
            if n.path[0] in record.fields and (len(n.path) == 1 or record.fields[n.path[0]].dim == Dim.SET):
                out.add(n.dotted)
            elif n.dotted in cp.policy.conditions and n.dotted not in seen:
                seen.add(n.dotted)
                stack.append(cp.policy.conditions[n.dotted].when)
    return out


def explain(cp: CompiledPolicy, batch: ProjectBatch, project_id: str, fx: float,
            readings: dict[str, str] | None = None) -> Explanation:
    one = batch.select([project_id])
    trace: dict[int, Any] = {}
    peers = None  # a share of a year's budget, a place among its winners: worked out over the whole batch
    if batch.n > 1 and any(cc.sharing is not None for cc in cp.clauses.values()):
        peers = (cp.run(batch, fx, readings), batch.ids.index(project_id))
    env = cp.run(one, fx, readings, trace=trace, peers=peers)
    outcomes = cp.outcomes(env)
    steps: list[ClauseTrace] = []
    for node in cp.order:
        kind, ident = node.split(":", 1)
        if kind == "clause":
            cc = cp.clauses[ident]
            c = cc.clause
            fired = bool(env.fired[ident][0])
            conds = [(show(x), bool(np.asarray(fn(env).lo).reshape(-1)[0])) for x, fn in cc.conjuncts]
            r = env.results[ident]
            lo, hi = float(np.asarray(r.lo).reshape(-1)[0]), float(np.asarray(r.hi).reshape(-1)[0])
            value: Any = bool(lo) if cc.dim == Dim.BOOL else (lo if lo == hi else (lo, hi))
            record = cp.policy.record
            inputs = sorted(_inputs(cp, tuple(clause_exprs(c))))  # a clawback's field too
            details: list[str] = _conditions_read(cp, (c.when, c.value), env)
            if c.value is not None:
                _details(c.value, env, cp, details)
            if ident in env.shared:
                from compare.engine.explain_portfolio import shared_lines  # it imports this module's figures

                details += shared_lines(env.shared[ident])
            who = _beneficiary(cp, f"clause:{ident}", c.concept.dotted, env) if c.concept and fired else None
            if who is not None:
                details.append(who)
            paid = _paid_by(cp, ident, env, cc.dim) if fired else None
            if paid is not None:
                details.append(paid)
            steps.append(ClauseTrace(
                "clause", ident, c.label, c.concept.dotted if c.concept else None,
                [(x.article, x.quote) for x in c.cites], fired, conds,
                show(c.value) if c.value is not None else None, fmt_value(value, cc.dim), details,
                [_input(one, name, env, record) for name in inputs]))
        else:
            sc = cp.splits[ident]
            s = sc.split
            applies = bool(env.fired.get(sc.base, np.zeros(1, dtype=bool))[0])
            conds = []
            if sc.when is not None:
                ok = bool(np.asarray(sc.when(env).lo).reshape(-1)[0])
                conds.append((show(s.when), ok))  # type: ignore[arg-type]
                applies = applies and ok
            details = []
            if applies and sc.concept:
                for name, w in sc.weights:
                    key = f"{sc.concept}.{name}"
                    details.append(f"{key} = {w:.0%} of {sc.base} = "
                                   f"{fmt_value(outcomes.value(key, 0), cp.compiler.clause_dim.get(sc.base))}")
                    who = _beneficiary(cp, f"split:{ident}", key, env, name)
                    if who is not None:
                        details.append(who)
            steps.append(ClauseTrace("split", ident, s.label, sc.concept, [(x.article, x.quote) for x in s.cites],
                                     applies, conds, None, None, details))
    shown = {c: fmt_value(outcomes.value(c, 0), cp.concept_dims.get(c))
             + (f" → {outcomes.beneficiary(c, 0)}" if outcomes.beneficiary(c, 0) else "") for c in outcomes.concepts}
    chosen = cp.default_readings()
    chosen.update({k: v for k, v in (readings or {}).items() if k in cp.policy.readings})
    return Explanation(project_id, cp.policy.id, cp.policy.city_label, fx, chosen, steps, shown)


__all__ = ["explain", "Explanation"]
