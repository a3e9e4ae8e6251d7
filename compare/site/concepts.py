"""The clause-by-clause comparison: for every taxonomy concept, what each city's clauses, params and
split shares give, with the article and quote, the value and condition as policy text, the figures as
written and in common units, the readings and the beneficiary.  The site's concept pages and the
one-file report (compare.site.report) lay it out.

    rate, note = rate_note(policies)            # one stated USD→CNY rate for all
    rows = concept_rows(policies, rate)         # every concept, one Entry per policy
    mechanisms, has = mechanism_matrix(policies)

Common units: money in CNY at the stated rate (1000万美元 at 7.0467 is 7046.7万元), ratios as %, points
as points; durations in days where the concept is measured in days (1个月 is 30 days, as the engine
counts: dsl.units.DAYS_PER_MONTH), otherwise months stay months (2年 is 24个月) and days days.

A clause that gives a concept may read clauses that give none (张家港 第12条: the host district's points
are 70% of the highest of seven items, each its own clause): those follow it as provisions with
`part_of` set, so every figure behind a concept is on its row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from compare.engine.fx import USD_CNY_ANNUAL_AVERAGE
from compare.engine.graph import build_graph, computation_order
from compare.engine.notation import amount_text as _money
from compare.engine.notation import number_text as _number
from compare.engine.reading_deps import ReadingDeps
from compare.engine.runs import choose_rates
from compare.site.escape import ref, slug
from compare.site.notation import Summary, summarise
from compare.site.record import payer_text
from dsl import ast as A
from dsl.format import Generator
from dsl.model import Policy
from dsl.taxonomy import Concept
from dsl.units import DAYS_PER_MONTH, UNITS, Dim, format_decimal
from dsl.walk import walk

ABSENT, PROMISED, PRESENT = "absent", "promised", "present"


@dataclass(frozen=True)
class Provision:
    """One clause, param or split share of a city that gives the concept (or, with `part_of`, a clause
    with no concept of its own that the one named there reads)."""

    kind: str  # "clause" | "param" | "share"
    id: str  # clause or param id, or "SPLIT.SHARE"
    label: str | None
    cites: tuple[tuple[str, str], ...]  # (article, quote), in order
    value: str  # policy text (dsl.format)
    condition: str | None  # the `when`, as policy text
    figures: tuple[str, ...]  # as written, in source order, each once: "2%", "5000万元"
    common: tuple[str, ...]  # the same figures in common units, one for one: "1000万美元" -> "7046.7万元"
    readings: tuple[str, ...]  # the readings it depends on, directly or through params and clauses
    beneficiary: str | None  # its own, else the taxonomy's; conditional rules as text
    promised: bool  # a promise without a figure, or a [0, ∞] value
    part_of: str | None = None  # the provision (clause id) that reads this one; None: gives the concept itself
    payer: str | None = None  # who pays: "由市、县（市、区）按1:1分担 / paid by city and county/district 1:1"
    summary: Summary | None = None  # its figures as the text writes them (compare.site.notation); None: none

    @property
    def anchor(self) -> str:
        """Its item's id on the city page: item-clause-ID, item-param-ID, item-split-SPLIT."""
        kind = "split" if self.kind == "share" else self.kind
        return ref(f"item-{kind}-{slug(self.id.split('.')[0] if self.kind == 'share' else self.id)}")


@dataclass(frozen=True)
class Entry:
    """One city's provisions for one concept."""

    policy: str
    city: str
    city_label: str
    state: str  # "absent" | "promised" (only promises, no figure) | "present"
    provisions: tuple[Provision, ...]
    reading_labels: tuple[tuple[str, str], ...] = ()  # (id, label) of the policy's readings

    @property
    def reading_note(self) -> str:
        """The readings its figures depend on, each with its label: `halving「…减半的是门槛还是分值」`."""
        labels = dict(self.reading_labels)
        s = self.summary
        return "; ".join(f"{r}「{labels[r]}」" if labels.get(r) else r for r in (s.readings if s else ()))

    @property
    def direct(self) -> tuple[Provision, ...]:
        """The provisions that give the concept themselves (not the clauses they read)."""
        return tuple(p for p in self.provisions if p.part_of is None)

    @property
    def summary(self) -> Summary | None:
        """The figures of its provisions that state some, each once ("；" between); None if none does."""
        got = [p.summary for p in self.direct if p.summary is not None]
        if not got:
            return None
        return Summary("；".join(dict.fromkeys(s.short for s in got)), "；".join(dict.fromkeys(s.full for s in got)),
                       tuple(sorted({r for s in got for r in s.readings})))


@dataclass(frozen=True)
class ConceptRow:
    key: str
    zh: str
    en: str
    kind: str  # "outcome" | "parameter"
    unit: str
    entries: tuple[Entry, ...]  # one per policy, in the order given

    @property
    def anywhere(self) -> bool:
        """Whether some city has the concept (present or promised)."""
        return any(e.state != ABSENT for e in self.entries)


def text(e: A.Expr | A.Target | None) -> str:
    """An expression as policy text ("" for None); a target as `committed X stretch Y`."""
    if e is None:
        return ""
    if isinstance(e, A.Target):
        return f"committed {text(e.committed)}" + (f" stretch {text(e.stretch)}" if e.stretch is not None else "")
    return Generator([]).expr(e, 0)


# ---------------------------------------------------------------- figures and common units


def common_unit(q: A.Quantity, rate: float, concept_unit: str) -> str:
    """One figure in common units (see the module's docstring)."""
    base = q.base_value
    dim = q.dim
    if q.per is not None and dim in (Dim.CNY, Dim.USD):  # 30元/平方米: per the unit written, not per base unit
        per_unit = base * UNITS[q.per].factor
        return f"{_money(per_unit * Decimal(repr(rate)) if dim == Dim.USD else per_unit)}/{q.per}"
    if dim in (Dim.CNY, Dim.USD):
        return _money(base * Decimal(repr(rate)) if dim == Dim.USD else base)
    if dim == Dim.RATIO:
        return f"{_number(base * 100, 4)}%"
    if dim == Dim.MONTHS:
        return f"{_number(base * DAYS_PER_MONTH)}天" if concept_unit in ("days", "duration") else f"{_number(base)}个月"
    if dim == Dim.DAYS:
        return f"{_number(base)}天"
    return str(q)


def _fraction(e: A.Binary) -> tuple[str, str] | None:
    """`(1 / 3)` of two bare numbers: one figure, "1/3", in common units a percentage."""
    if e.op == "/" and isinstance(e.left, A.Quantity) and isinstance(e.right, A.Quantity) \
            and not e.left.unit and not e.right.unit and not e.left.scale and not e.right.scale \
            and e.right.number != 0:
        written = f"{format_decimal(e.left.number)}/{format_decimal(e.right.number)}"
        return written, f"{_number(e.left.number / e.right.number * 100, 2)}%"
    return None


def figures(nodes: Sequence[object], rate: float, concept_unit: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The figures of the nodes (as written, each once, in source order) and the same in common units."""
    seen: dict[str, str] = {}
    skip: set[int] = set()
    for node in nodes:
        for x in walk(node):
            if id(x) in skip:
                continue
            pair: tuple[str, str] | None = None
            if isinstance(x, A.Binary) and (pair := _fraction(x)) is not None:
                skip.update((id(x.left), id(x.right)))
            elif isinstance(x, A.Quantity):
                pair = (str(x), common_unit(x, rate, concept_unit))
            elif isinstance(x, A.RatioLit):
                pair = (str(x), str(x))
            if pair is not None and pair[0] not in seen:
                seen[pair[0]] = pair[1]
    return tuple(seen), tuple(seen.values())


def _is_zero(e: A.Expr) -> bool:
    return isinstance(e, A.Quantity) and e.number == 0


def unbounded(e: A.Expr | A.Target | None) -> bool:
    """A promise without a figure: `promised "…"`, or a value of [0, ∞] (`up to ∞`, `0~∞`, `at least 0`),
    or a reading every option of which is one."""
    if isinstance(e, A.Promised):
        return True
    if isinstance(e, A.Target):
        return unbounded(e.committed) and (e.stretch is None or unbounded(e.stretch))
    if isinstance(e, A.ByReading):
        return all(unbounded(c.value) for c in e.cases)
    if isinstance(e, A.Unary):
        return (e.op == "up_to" and isinstance(e.operand, A.Infinity)) or (e.op == "at_least" and _is_zero(e.operand))
    if isinstance(e, A.Range):
        return _is_zero(e.low) and isinstance(e.high, A.Infinity)
    return False


# ---------------------------------------------------------------- one policy's provisions


class _Policy:
    """What one policy gives per concept."""

    def __init__(self, policy: Policy, rate: float, taxonomy: dict[str, Concept]):
        self.policy, self.rate, self.taxonomy = policy, rate, taxonomy
        self.deps = ReadingDeps(policy)
        self.defaults = {r.id: r.default for r in policy.readings.values() if r.default is not None}
        for node in computation_order(build_graph(policy)):
            if node.startswith("clause:"):
                self.deps.add_clause(node.split(":", 1)[1])

    def _unit(self, concept: str) -> str:
        c = self.taxonomy.get(concept)
        return c.unit if c is not None else ""

    def _fallback(self, concept: str) -> str | None:
        c = self.taxonomy.get(concept)
        return c.beneficiary if c is not None else None

    def _value(self, name: str) -> A.Expr | A.Target | None:
        """The value of the clause or param `name` (what a summary reads in its place), None for a field."""
        c = self.policy.clauses.get(name)
        if c is not None:
            return c.value
        p = self.policy.params.get(name)
        return p.value if p is not None else None

    def summary(self, value: A.Expr | A.Target | None) -> Summary | None:
        return summarise(value, self._value, self.defaults)

    def _clause(self, c: A.Clause, concept: str, part_of: str | None) -> Provision:
        figs, common = figures([x for x in (c.when, c.value) if x is not None], self.rate, self._unit(concept))
        who: str | None = None
        if part_of is None:
            otherwise = c.beneficiary.dotted if c.beneficiary else self._fallback(concept)
            who = _rules(c.beneficiary_if, otherwise)
        paid = payer_text(self.policy.taxonomy, c.payer)
        return Provision("clause", c.id, c.label, _cites(c.cites), text(c.value), text(c.when) or None, figs, common,
                         tuple(sorted(self.deps.clauses.get(c.id, frozenset()))), who, unbounded(c.value), part_of,
                         " / ".join(paid) if paid else None, self.summary(c.value))

    def _parts(self, c: A.Clause, concept: str, seen: set[str]) -> Iterator[Provision]:
        """The clauses without a concept that `c` reads, depth first, each once."""
        for x in (c.when, c.value):
            for node in walk(x) if x is not None else ():
                if not isinstance(node, A.Name):
                    continue
                ref = self.policy.clauses.get(node.dotted)
                if ref is None or ref.concept is not None or ref.id in seen:
                    continue
                seen.add(ref.id)
                yield self._clause(ref, concept, c.id)
                yield from self._parts(ref, concept, seen)

    def provisions(self, concept: str) -> list[Provision]:
        out: list[Provision] = []
        for c in self.policy.clauses.values():
            if c.concept is not None and c.concept.dotted == concept:
                out.append(self._clause(c, concept, None))
                out += self._parts(c, concept, {c.id})
        for s in self.policy.splits.values():
            base = s.splits.dotted if s.splits is not None else ""
            whole = self.policy.concept_of(base)
            for share in s.shares:
                if whole is not None and f"{whole}.{share.name}" == concept:
                    out.append(self._share(s, share, base, concept))
        p = self.policy.params.get(concept)
        if p is not None:
            figs, common = figures([p.value], self.rate, self._unit(concept))
            who = p.beneficiary.dotted if p.beneficiary else self._fallback(concept)
            parts = [p.value.committed, p.value.stretch] if isinstance(p.value, A.Target) else [p.value]
            reads = frozenset().union(*(self.deps.of(x) for x in parts))
            out.append(Provision("param", p.id, p.label, _cites(p.cites), text(p.value), None, figs, common,
                                 tuple(sorted(reads)), who, unbounded(p.value), summary=self.summary(p.value)))
        return out

    def _share(self, s: A.Split, share: A.Share, base: str, concept: str) -> Provision:
        weights = [(sh.name, Fraction(sh.weight.base_value)) for sh in s.shares if isinstance(sh.weight, A.Quantity)]
        total = sum((w for _, w in weights), Fraction(0))
        mine = dict(weights).get(share.name, Fraction(0))
        part = mine / total if s.ratio_form and total else mine
        pct = f"{_number(Decimal(part.numerator) / Decimal(part.denominator) * 100, 4)}%"
        written = ":".join(text(sh.weight) for sh in s.shares) if s.ratio_form else text(share.weight)
        rules = tuple(r for r in s.beneficiaries if r.share == share.name)
        plain = next((r.name.dotted for r in rules if r.when is None), None)
        who = _rules(tuple(r for r in rules if r.when is not None), plain or self._fallback(concept))
        reads = self.deps.of(s.when) | self.deps.clauses.get(base, frozenset())
        whole = self.summary(self._value(base))
        summary = None if whole is None else Summary(f"{whole.short}的{pct}", f"{whole.full}的{pct}（{written}）",
                                                     whole.readings)
        return Provision("share", f"{s.id}.{share.name}", s.label, _cites(s.cites), f"{pct} of {base}",
                         text(s.when) or None, (written,), (pct,), tuple(sorted(reads)), who,
                         base in self.policy.clauses and unbounded(self.policy.clauses[base].value), summary=summary)


def _cites(cites: tuple[A.Cite, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((c.article, c.quote) for c in cites)


def _rules(conditional: tuple[A.BeneficiaryRule, ...], otherwise: str | None) -> str | None:
    """`referring_department if referral == municipal_dept; otherwise referring_district`."""
    parts = [f"{r.name.dotted} if {text(r.when)}" for r in conditional if r.when is not None]
    if not parts:
        return otherwise
    return "; ".join(parts) + (f"; otherwise {otherwise}" if otherwise else "")


def _state(provisions: Sequence[Provision]) -> str:
    direct = [p for p in provisions if p.part_of is None]
    if not direct:
        return ABSENT
    return PROMISED if all(p.promised for p in direct) else PRESENT


# ---------------------------------------------------------------- across policies


def _taxonomy(policies: Sequence[Policy]) -> dict[str, Concept]:
    """Every concept of the policies' taxonomies: the first policy's order, then others' additions."""
    out: dict[str, Concept] = {}
    for p in policies:
        for key, c in (p.taxonomy.concepts if p.taxonomy is not None else {}).items():
            out.setdefault(key, c)
    return out


def concept_rows(policies: Sequence[Policy], rate: float) -> list[ConceptRow]:
    """Every taxonomy concept (outcome and parameter), in the taxonomy's order, each with one Entry per
    policy (absent where the policy has nothing for it), even a concept no city has.  A concept a policy
    uses that no taxonomy declares (a policy checked without one) follows, with empty labels."""
    taxonomy = _taxonomy(policies)
    views = [_Policy(p, rate, taxonomy) for p in policies]
    keys: dict[str, tuple[str, str, str, str]] = {k: (c.zh, c.en, c.kind, c.unit) for k, c in taxonomy.items()}
    for p in policies:
        for c in p.clauses.values():
            if c.concept is not None:
                keys.setdefault(c.concept.dotted, ("", "", "outcome", ""))
        for key in p.params:
            keys.setdefault(key, ("", "", "parameter", ""))
    rows = []
    for key, (zh, en, kind, unit) in keys.items():
        entries = []
        for p, view in zip(policies, views, strict=True):
            provisions = tuple(view.provisions(key))
            labels = tuple((r.id, r.label or "") for r in p.readings.values())
            entries.append(Entry(p.id, p.city, p.city_label, _state(provisions), provisions, labels))
        rows.append(ConceptRow(key, zh, en, kind, unit, tuple(entries)))
    return rows


def mechanism_matrix(policies: Sequence[Policy]) -> tuple[list[tuple[str, str, str]],
                                                          dict[tuple[str, str], A.Mechanism | None]]:
    """(key, zh, en) of every mechanism of the taxonomies (their order) or of a policy (after them), and
    (key, policy id) -> the policy's Mechanism, or None where it has none."""
    names: dict[str, tuple[str, str]] = {}
    for p in policies:
        for key, (zh, en) in (p.taxonomy.mechanisms if p.taxonomy is not None else {}).items():
            names.setdefault(key, (zh, en))
    for p in policies:
        for key in p.mechanisms:
            names.setdefault(key, ("", ""))
    matrix = {(key, p.id): p.mechanisms.get(key) for key in names for p in policies}
    return [(k, zh, en) for k, (zh, en) in names.items()], matrix


def rate_note(policies: Sequence[Policy], fx: float | None = None) -> tuple[float, str]:
    """One stated USD→CNY rate for all the policies (compare.engine.runs.choose_rates) and how it was chosen."""
    rates = choose_rates(policies, fx)
    if rates.rates:
        return rates.rates[0], rates.note
    return (fx if fx is not None else USD_CNY_ANNUAL_AVERAGE[max(USD_CNY_ANNUAL_AVERAGE)]), rates.note


__all__ = ["ABSENT", "PRESENT", "PROMISED", "ConceptRow", "Entry", "Provision", "common_unit", "concept_rows",
           "figures", "mechanism_matrix", "rate_note", "text", "unbounded"]
