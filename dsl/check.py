"""The checker: names, types and units, tiers, splits, taxonomy, citations, readings.

It reads the merged model (dsl.load) and reports every problem it finds as a
Diagnostic; it never stops at the first.  Clause value types land in `policy.types`
for the compiler.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from dsl import ast as A
from dsl.diagnostics import Diagnostic, did_you_mean
from dsl.load import Loader
from dsl.model import Policy, PolicyFileInfo, Ty
from dsl.schema import CATEGORIES, FIELDS, GRADES
from dsl.taxonomy import Taxonomy, find_taxonomy_dir, load_taxonomy
from dsl.units import Dim, format_decimal

STATUSES = ("draft", "in_force", "superseded")
# Where a concept is measured in days and the text gives months (首谈期 1个月), a month counts as 30 days.
DAYS_PER_MONTH = 30
UNKNOWN = Ty(None)
BOOL = Ty(Dim.BOOL)
_MONEY = (Dim.USD, Dim.CNY, Dim.MONEY)

DIM_WORDS = {
    Dim.CNY: "an amount in CNY (元)", Dim.USD: "an amount in USD (美元)", Dim.MONEY: "an amount of money", Dim.RATIO: "a ratio (% or ‰)",
    Dim.SCALAR: "a plain number", Dim.POINTS: "points (分)", Dim.COUNT: "a count (人, 个, 次 …)",
    Dim.AREA: "an area (亩)", Dim.MONTHS: "months (月, 年)", Dim.DAYS: "days (天, 周)", Dim.BOOL: "true/false",
    Dim.TEXT: "text", Dim.CHOICE: "a choice", Dim.CATEGORY: "a category", Dim.SET: "a set", Dim.DATE: "a date",
}

# Taxonomy unit -> the dimensions a value may have.
CONCEPT_UNITS: dict[str, tuple[Dim, ...]] = {
    "points": (Dim.POINTS,), "CNY": (Dim.CNY, Dim.MONEY), "USD": (Dim.USD, Dim.MONEY),
    "money": _MONEY, "ratio": (Dim.RATIO, Dim.SCALAR), "count": (Dim.COUNT, Dim.SCALAR),
    "area": (Dim.AREA,), "months": (Dim.MONTHS,), "duration": (Dim.MONTHS, Dim.DAYS),
    "days": (Dim.DAYS, Dim.MONTHS),  # a month reported in days counts 30 (DAYS_PER_MONTH)
    "bool": (Dim.BOOL,), "text": (Dim.TEXT,),
}


def fold(text: str) -> str:
    """Quotes are matched with all whitespace removed (the seeds are hard-wrapped PDFs)."""
    return re.sub(r"\s+", "", text)


_ELLIPSIS = re.compile(r"……|…")


def find_quote(quote: str, source_folded: str) -> tuple[bool, str]:
    """Is the quote in the source (pieces around `……` in order)?  If not, where it stops matching."""
    pos = 0
    for piece in _ELLIPSIS.split(fold(quote)):
        if not piece:
            continue
        i = source_folded.find(piece, pos)
        if i < 0:
            lo, hi = 0, len(piece)
            while lo < hi:  # longest prefix of the piece found after pos
                mid = (lo + hi + 1) // 2
                if source_folded.find(piece[:mid], pos) >= 0:
                    hi_ok = True
                else:
                    hi_ok = False
                if hi_ok:
                    lo = mid
                else:
                    hi = mid - 1
            if lo == 0:
                return False, "no part of it occurs in the source"
            at = source_folded.find(piece[:lo], pos)
            src_next = source_folded[at + lo: at + lo + 8]
            return False, f"matches up to “{piece[:lo][-12:]}”, then the quote has “{piece[lo:lo + 8]}” " \
                          f"where the source has “{src_next}”"
        pos = i + len(piece)
    return True, ""


@dataclass
class _Bounds:
    low: Decimal | None = None
    low_closed: bool = True
    high: Decimal | None = None
    high_closed: bool = True


class Checker:
    def __init__(self, policy: Policy, taxonomy: Taxonomy | None):
        self.p = policy
        self.tax = taxonomy
        self.diags: list[Diagnostic] = []
        self._clause_ty: dict[str, Ty] = {}
        self._visiting: list[str] = []
        self._used_readings: set[str] = set()
        self._folded: dict[int, str] = {}

    # ------------------------------------------------------------ helpers
    def err(self, code: str, msg: str, span: A.Span, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code, msg, span, hint))

    def _source(self, key: str) -> PolicyFileInfo | None:
        return self.p.origin.get(key)

    def _words(self, ty: Ty) -> str:
        return DIM_WORDS.get(ty.dim, "any") if ty.dim else "any"

    def unify(self, a: Ty, b: Ty, span: A.Span, what: str) -> Ty:
        interval = a.interval or b.interval
        if a.dim is None:
            return Ty(b.dim, interval)
        if b.dim is None or a.dim == b.dim:
            return Ty(a.dim, interval)
        da, db = a.dim, b.dim
        if da in _MONEY and db in _MONEY:
            if Dim.MONEY in (da, db):
                return Ty(db if da == Dim.MONEY else da, interval)
            self.err("E300", f"{what}: USD (美元) and CNY (元) are mixed", span,
                     "the texts never give a rate: keep each figure in its text's currency, or convert "
                     "explicitly with cny(…) / usd(…) at the run's rate")
            return UNKNOWN
        for x, y in ((da, db), (db, da)):
            if x == Dim.SCALAR and y in (Dim.RATIO, Dim.COUNT):
                return Ty(y, interval)
        if Dim.SCALAR in (da, db):
            other = db if da == Dim.SCALAR else da
            self.err("E107", f"{what}: a plain number meets {self._words(Ty(other))}", span,
                     "give the number its unit, e.g. 10分, 500万美元, 30%")
            return UNKNOWN
        hint = None
        if {da, db} == {Dim.MONTHS, Dim.DAYS}:
            hint = "a month is not a fixed number of days: write both in 月/年 or both in 周/天"
        self.err("E301", f"{what}: {self._words(a)} and {self._words(b)} do not match", span, hint)
        return UNKNOWN

    def expect_bool(self, e: A.Expr, what: str) -> None:
        ty = self.infer(e)
        if ty.dim not in (None, Dim.BOOL):
            self.err("E303", f"{what} is {self._words(ty)}, not true/false", _span(e),
                     "compare it: paid_in_ratio >= 30%, registered_capital >= 500万美元")

    # ------------------------------------------------------------ names
    def resolve(self, name: A.Name) -> Ty:
        dotted = name.dotted
        if len(name.path) == 1 and dotted in FIELDS:
            return Ty(FIELDS[dotted].dim)
        if dotted in self.p.clauses:
            return self.clause_type(dotted, name.span)
        if dotted in self.p.params:
            return self.param_type(self.p.params[dotted])
        if dotted in CATEGORIES:
            self.err("E200", f"`{dotted}` is a category, not a value", name.span,
                     f"test it with `{dotted} in categories`")
        elif any(dotted in f.choices for f in FIELDS.values() if f.dim == Dim.CHOICE):
            self.err("E200", f"`{dotted}` is a choice of `referral`, not a value", name.span,
                     f"compare it: referral == {dotted}")
        elif dotted in self.p.readings:
            self.err("E200", f"`{dotted}` is a reading, not a value", name.span,
                     f"choose by it: by reading {dotted} {{ option: … }}")
        elif dotted in self.p.splits:
            self.err("E200", f"`{dotted}` is a split; refer to the clause it splits", name.span, None)
        elif len(name.path) == 1 and did_you_mean(dotted, FIELDS) and not did_you_mean(dotted, self.p.clauses):
            self.err("E202", f"`{dotted}` is not a field of the project record", name.span,
                     did_you_mean(dotted, FIELDS))
        else:
            known = [*FIELDS, *self.p.clauses, *self.p.params]
            self.err("E200", f"undefined name `{dotted}`", name.span,
                     did_you_mean(dotted, known) or "names are project fields, clause ids or param keys")
        return UNKNOWN

    def clause_type(self, cid: str, span: A.Span) -> Ty:
        if cid in self._clause_ty:
            return self._clause_ty[cid]
        if cid in self._visiting:
            cycle = " -> ".join([*self._visiting[self._visiting.index(cid):], cid])
            self.err("E207", f"clauses refer to each other in a circle: {cycle}", span,
                     "a clause cannot depend on its own value")
            return UNKNOWN
        clause = self.p.clauses[cid]
        self._visiting.append(cid)
        ty = self.infer(clause.value) if clause.value is not None else UNKNOWN
        self._visiting.pop()
        self._clause_ty[cid] = ty
        return ty

    def param_type(self, param: A.Param) -> Ty:
        v = param.value
        if isinstance(v, A.Target):
            ty = self.infer(v.committed)
            if v.stretch is not None:
                ty = self.unify(ty, self.infer(v.stretch), v.span, "the committed and stretch targets")
            return ty
        return self.infer(v)

    # ------------------------------------------------------------ expressions
    def infer(self, e: A.Expr) -> Ty:
        ty = self._infer(e)
        self.p.node_types[id(e)] = ty  # the compiler reads each node's type (e.g. its currency)
        return ty

    def _infer(self, e: A.Expr) -> Ty:  # noqa: C901 - one case per node kind
        if isinstance(e, A.Quantity):
            return Ty(e.dim)
        if isinstance(e, A.RatioLit):
            return Ty(Dim.RATIO)
        if isinstance(e, (A.Infinity, A.Promised, A.ListValue)):
            return UNKNOWN
        if isinstance(e, A.BoolLit):
            return BOOL
        if isinstance(e, A.Text):
            return Ty(Dim.TEXT)
        if isinstance(e, A.Name):
            return self.resolve(e)
        if isinstance(e, A.Unary):
            return self._unary(e)
        if isinstance(e, A.Binary):
            return self._binary(e)
        if isinstance(e, A.Range):
            lo, hi = self.infer(e.low), self.infer(e.high)
            for end, other in ((e.low, hi), (e.high, lo)):
                if isinstance(end, A.Quantity) and end.unit == "" and other.dim not in (None, Dim.SCALAR):
                    unit = e.high.unit if end is e.low and isinstance(e.high, A.Quantity) else ""
                    self.err("E107", f"one end of the range has no unit: `{end}`", end.span,
                             "give both ends their unit: the text's “2～5‰” is written 2‰~5‰"
                             + (f" (here {end}{unit})" if unit else ""))
                    return Ty(other.dim, True)
            ty = self.unify(lo, hi, e.span, "the two ends of the range")
            if isinstance(e.low, A.Quantity) and isinstance(e.high, A.Quantity) and ty.dim is not None \
                    and e.low.base_value > e.high.base_value:
                self.err("W704", f"the range {e.low}~{e.high} runs backwards", e.span, "write the low end first")
            return Ty(ty.dim, True)
        if isinstance(e, A.InSet):
            return self._in_set(e)
        if isinstance(e, A.SetLit):
            self.err("E302", "a set {…} only follows `in`", e.span, None)
            return UNKNOWN
        if isinstance(e, A.IfExpr):
            self.expect_bool(e.cond, "the condition of `if`")
            return self.unify(self.infer(e.then), self.infer(e.else_), e.span, "the two branches of `if`")
        if isinstance(e, A.Call):
            return self._call(e)
        if isinstance(e, A.Tiers):
            return self._tiers(e)
        if isinstance(e, A.ByReading):
            return self._by_reading(e)
        raise AssertionError(f"unhandled node {type(e).__name__}")

    def _numeric(self, ty: Ty, e: A.Expr, what: str) -> bool:
        if ty.dim is not None and not ty.dim.is_numeric:
            self.err("E302", f"{what} needs a figure, got {self._words(ty)}", _span(e), None)
            return False
        return True

    def _unary(self, e: A.Unary) -> Ty:
        ty = self.infer(e.operand)
        if e.op == "not":
            self.expect_bool(e.operand, "the operand of `not`")
            return BOOL
        words = {"neg": "`-`", "up_to": "`up to`", "at_most": "`at most`", "at_least": "`at least`",
                 "about": "`about`"}[e.op]
        if not self._numeric(ty, e.operand, words):
            return UNKNOWN
        return Ty(ty.dim, ty.interval or e.op in ("up_to", "at_most", "at_least"))

    def _binary(self, e: A.Binary) -> Ty:  # noqa: C901
        op = e.op
        if op in ("and", "or"):
            self.expect_bool(e.left, f"the left side of `{op}`")
            self.expect_bool(e.right, f"the right side of `{op}`")
            return BOOL
        if op in (">=", "<=", ">", "<", "==", "!="):
            return self._compare(e)
        lt, rt = self.infer(e.left), self.infer(e.right)
        interval = lt.interval or rt.interval
        if not (self._numeric(lt, e.left, f"`{op}`") and self._numeric(rt, e.right, f"`{op}`")):
            return UNKNOWN
        if op in ("+", "-"):
            return self.unify(lt, rt, e.span, f"`{op}`")
        if op in ("cap", "floor"):
            if rt.dim in (Dim.RATIO, Dim.SCALAR) and lt.dim not in (None, Dim.RATIO, Dim.SCALAR):
                self.err("E302", f"`{op}` needs {self._words(lt)}, got {self._words(rt)}", _span(e.right),
                         "a ratio is a rate; the ceiling of an amount is an amount, e.g. cap 200万元")
                return UNKNOWN
            return self.unify(lt, rt, e.span, f"`{op}`")
        if op == "of":
            if lt.dim not in (None, Dim.RATIO, Dim.SCALAR):
                self.err("E302", f"the rate before `of` must be a ratio such as 5‰, got {self._words(lt)}",
                         _span(e.left), "write `5‰ of paid_in_capital`")
                return UNKNOWN
            return Ty(rt.dim, interval)
        if op == "*":
            if lt.dim in (Dim.RATIO, Dim.SCALAR):
                return Ty(rt.dim, interval)
            if rt.dim in (Dim.RATIO, Dim.SCALAR):
                return Ty(lt.dim, interval)
            if lt.dim is None or rt.dim is None:
                return Ty(lt.dim or rt.dim, interval)
            self.err("E301", f"cannot multiply {self._words(lt)} by {self._words(rt)}", e.span,
                     "one side of `*` must be a ratio or a plain number")
            return UNKNOWN
        if op == "/":
            if rt.dim in (Dim.RATIO, Dim.SCALAR):
                return Ty(lt.dim, interval)
            ty = self.unify(lt, rt, e.span, "`/`")
            return Ty(Dim.SCALAR if ty.dim is not None else None, interval)
        raise AssertionError(op)

    def _choice_field(self, e: A.Expr) -> str | None:
        if isinstance(e, A.Name) and len(e.path) == 1 and e.dotted in FIELDS and FIELDS[e.dotted].choices \
                and FIELDS[e.dotted].dim in (Dim.CHOICE, Dim.TEXT):
            return e.dotted
        return None

    def _check_choice(self, field_name: str, value: A.Expr) -> None:
        f = FIELDS[field_name]
        if field_name == "grade":
            if not isinstance(value, A.Text):
                self.err("E302", "grades are written as texts", _span(value), 'write grade >= "B"')
            elif value.value not in GRADES:
                self.err("E203", f"unknown grade \"{value.value}\"", value.span,
                         "grades are " + ", ".join(GRADES))
            return
        if not isinstance(value, A.Name) or len(value.path) != 1:
            self.err("E302", f"`{field_name}` is compared with one of its choices", _span(value),
                     "choices: " + ", ".join(f.choices))
            return
        if value.dotted not in f.choices:
            self.err("E203", f"`{value.dotted}` is not a choice of `{field_name}`", value.span,
                     did_you_mean(value.dotted, f.choices) or "choices: " + ", ".join(f.choices))

    def _compare(self, e: A.Binary) -> Ty:
        for field_side, other in ((e.left, e.right), (e.right, e.left)):
            fname = self._choice_field(field_side)
            if fname is not None:
                if e.op not in ("==", "!=") and fname != "grade":
                    self.err("E302", f"`{fname}` has no order: compare with == or !=", e.span, None)
                self._check_choice(fname, other)
                return BOOL
        lt, rt = self.infer(e.left), self.infer(e.right)
        for side, other_ty in ((e.left, rt), (e.right, lt)):
            if isinstance(side, A.Quantity) and side.unit == "" and other_ty.dim == Dim.RATIO and side.number > 1:
                self.err("E107", f"`{side}` compared with a ratio means {format_decimal(side.number * 100)}%",
                         side.span, f"write {side}% (or {format_decimal(side.number / 100)})")
                return BOOL
        ty = self.unify(lt, rt, e.span, f"the comparison `{e.op}`")
        if ty.dim in (Dim.BOOL, Dim.TEXT, Dim.SET) and e.op not in ("==", "!="):
            self.err("E302", f"`{e.op}` orders figures; {self._words(ty)} has no order", e.span, None)
        return BOOL

    def _in_set(self, e: A.InSet) -> Ty:
        c = e.container
        if isinstance(c, A.Name):
            if c.dotted != "categories":
                self.err("E302", f"`in` needs `categories` or a set {{…}}, got `{c.dotted}`", c.span,
                         did_you_mean(c.dotted, ["categories"]))
                return BOOL
            el = e.element
            if not isinstance(el, A.Name) or len(el.path) != 1:
                self.err("E302", "name a category before `in categories`", _span(el),
                         "e.g. fortune_global_500 in categories")
            elif el.dotted not in CATEGORIES:
                self.err("E203", f"unknown category `{el.dotted}`", el.span,
                         did_you_mean(el.dotted, CATEGORIES) or "categories: " + ", ".join(CATEGORIES))
            return BOOL
        fname = self._choice_field(e.element)
        if fname is None:
            self.err("E302", "a set {…} lists choices of a field such as `referral`", _span(e.element),
                     "e.g. referral in {municipal_dept, other_district}")
            return BOOL
        for item in c.items:
            self._check_choice(fname, item)
        return BOOL

    def _call(self, e: A.Call) -> Ty:
        if e.func in ("cny", "usd"):
            if len(e.args) != 1:
                self.err("E302", f"{e.func}(…) converts one amount", e.span, None)
                return UNKNOWN
            ty = self.infer(e.args[0])
            if ty.dim is not None and ty.dim not in _MONEY:
                self.err("E302", f"{e.func}(…) converts money, got {self._words(ty)}", _span(e.args[0]), None)
            return Ty(Dim.CNY if e.func == "cny" else Dim.USD, ty.interval)
        ty = UNKNOWN
        for arg in e.args:
            aty = self.infer(arg)
            self._numeric(aty, arg, f"{e.func}(…)")
            ty = self.unify(ty, aty, _span(arg), f"the items of {e.func}(…)")
        if e.func == "max":
            self._max_never_selected(e)
        return ty

    # ------------------------------------------------------------ tiers
    def _edge(self, x: A.Expr) -> Decimal | None:
        if isinstance(x, A.Quantity):
            return x.base_value
        if isinstance(x, A.Infinity):
            return Decimal("Infinity")
        return None

    def _tiers(self, e: A.Tiers) -> Ty:
        subject = self.resolve(e.subject)
        self._numeric(subject, e.subject, "the tiers' subject")
        edge_ty = Ty(subject.dim)
        value_ty = UNKNOWN
        if e.scale is not None:
            fty = self.infer(e.scale.factor)
            if fty.dim not in (None, Dim.RATIO, Dim.SCALAR):
                self.err("E302", f"edges are scaled by a ratio such as 50%, got {self._words(fty)}",
                         _span(e.scale.factor), None)
            self.expect_bool(e.scale.cond, "the condition of `scaled`")
        rows: list[tuple[Decimal, bool, Decimal, bool, A.TierRow]] = []
        fixed = True
        for row in e.rows:
            for edge in (row.low, row.high):
                edge_ty = self.unify(edge_ty, self.infer(edge), _span(edge), "the tier edges")
            value_ty = self.unify(value_ty, self.infer(row.value), _span(row.value), "the tiers' values")
            lo, hi = self._edge(row.low), self._edge(row.high)
            if lo is None or hi is None:
                self.err("E406", "tier edges must be figures (500万美元, ∞)", row.span,
                         "a computed edge cannot be checked for gaps; scale edges with `scaled`")
                fixed = False
                continue
            rows.append((lo, row.low_closed, hi, row.high_closed, row))
        if fixed and edge_ty.dim is not None:
            self._tier_table(rows)
        return value_ty

    def _tier_table(self, rows: list[tuple[Decimal, bool, Decimal, bool, A.TierRow]]) -> None:
        prev = None
        covered: list[tuple[Decimal, bool, Decimal, bool]] = []
        for lo, lc, hi, hc, row in rows:
            if lo > hi or (lo == hi and not (lc and hc)):
                self.err("E403", f"the tier {_edges(row)} contains no value", row.span,
                         "the low edge comes first; a single value is written [x, x]")
                continue
            if prev is not None:
                plo, plc, phi, phc, prow = prev
                if lo < plo:
                    self.err("E402", f"tier {_edges(row)} starts below the tier before it ({_edges(prow)})",
                             row.span, "list tiers from the lowest edge up")
                elif _contained(lo, lc, hi, hc, covered):
                    self.err("W701", f"tier {_edges(row)} is never reached: earlier tiers cover it", row.span,
                             "the first matching tier wins")
                elif phi > lo or (phi == lo and phc and lc):
                    self.err("E401", f"tiers {_edges(prow)} and {_edges(row)} overlap at "
                             f"{_fmt_edge(row.low)}", row.span,
                             "close one side and open the other: [a, b) then [b, c)")
                elif phi < lo or (phi == lo and not phc and not lc):
                    self.err("E400", f"gap between tiers {_edges(prow)} and {_edges(row)}", row.span,
                             f"a value of exactly {_fmt_edge(row.low)} matches no tier; write `[` or `]` at that edge"
                             if phi == lo else "if the text gives nothing there, add a tier with 0")
            covered.append((lo, lc, hi, hc))
            if prev is None or hi > prev[2] or (hi == prev[2] and hc):
                prev = (lo, lc, hi, hc, row)

    # ------------------------------------------------------------ readings
    def _by_reading(self, e: A.ByReading) -> Ty:
        reading = self.p.readings.get(e.reading)
        ty = UNKNOWN
        for case in e.cases:
            ty = self.unify(ty, self.infer(case.value), _span(case.value), f"the cases of reading `{e.reading}`")
        if reading is None:
            self.err("E206", f"unknown reading `{e.reading}`", e.reading_span if e.reading_span.line else e.span,
                     did_you_mean(e.reading, self.p.readings) or "declare it: reading NAME { option … default … }")
            return ty
        self._used_readings.add(e.reading)
        options = [o.id for o in reading.options]
        given = [c.option for c in e.cases]
        for c in e.cases:
            if c.option not in options:
                self.err("E601", f"`{c.option}` is not an option of reading `{e.reading}`", c.span,
                         did_you_mean(c.option, options) or "options: " + ", ".join(options))
            elif given.count(c.option) > 1:
                self.err("E601", f"option `{c.option}` is given twice", c.span, None)
        missing = [o for o in options if o not in given]
        if missing:
            self.err("E601", f"reading `{e.reading}` has no case for " + ", ".join(f"`{m}`" for m in missing),
                     e.span, "give a value for every option")
        return ty

    # ------------------------------------------------------------ warnings
    def _max_never_selected(self, e: A.Call) -> None:
        ranges: list[tuple[A.Name, Decimal, Decimal, A.Expr | None]] = []
        for arg in e.args:
            if not (isinstance(arg, A.Name) and arg.dotted in self.p.clauses):
                return
            clause = self.p.clauses[arg.dotted]
            r = _constant_range(clause.value)
            if r is None:
                return
            ranges.append((arg, r[0], r[1], clause.when))
        for name, _lo, hi, when in ranges:
            for other, olo, _ohi, owhen in ranges:
                if other is not name and (owhen is None or owhen == when) and hi < olo:
                    self.err("W702", f"`{name.dotted}` is never the highest: `{other.dotted}` fires whenever it "
                             f"does and gives more", name.span, None)
                    break

    def _never_fires(self, clause: A.Clause) -> None:
        if clause.when is None:
            return
        bounds: dict[str, _Bounds] = {}
        bools: dict[str, bool] = {}
        choices: dict[str, str] = {}
        for atom in _conjuncts(clause.when):
            reason = _constrain(atom, bounds, bools, choices)
            if reason:
                self.err("W700", f"clause `{clause.id}` can never fire: {reason}", _span(clause.when),
                         "check the condition against the text")
                return

    # ------------------------------------------------------------ items
    def check_cites(self, key: str, cites: tuple[A.Cite, ...], span: A.Span, what: str) -> None:
        if not cites:
            self.err("E502", f"{what} cites no article", span, 'add: cite "第5条" "the original Chinese"')
            return
        info = self._source(key)
        for cite in cites:
            self.check_quote(info, cite.quote, cite.quote_span if cite.quote_span.line else cite.span)

    def check_quote(self, info: PolicyFileInfo | None, quote: str, span: A.Span) -> None:
        if info is None or info.source_text is None:
            return
        folded = self._folded.get(id(info))
        if folded is None:  # fold each source once, not once per quote
            folded = self._folded[id(info)] = fold(info.source_text)
        ok, where = find_quote(quote, folded)
        if not ok:
            name = info.source_path.name if info.source_path else "the source"
            self.err("E500", f"quote not found in {name}: {where}", span,
                     "copy the text verbatim (whitespace is ignored; full-width punctuation is not); "
                     "elide with ……")

    def check_quote_currency(self, cites: tuple[A.Cite, ...], exprs: list[A.Expr | None]) -> None:
        if not cites:
            return
        quotes = "".join(fold(c.quote) for c in cites)
        says_usd = "美元" in quotes
        says_cny = re.search(r"(?<!美)元", quotes) is not None
        for e in exprs:
            for q in _quantities(e):
                if q.unit == "元" and says_usd and not says_cny:
                    self.err("E305", f"{q} is in 元 (CNY) but the quoted text speaks of 美元 (USD)", q.span,
                             f"write {q.number}{q.scale}美元")
                elif q.unit == "美元" and says_cny and not says_usd:
                    self.err("E305", f"{q} is in 美元 (USD) but the quoted text speaks of 元 (CNY)", q.span,
                             f"write {q.number}{q.scale}元")

    def check_concept(self, concept: A.Name, kind: str, ty: Ty | None, span: A.Span) -> str | None:
        """Validate a taxonomy key; return its beneficiary."""
        if self.tax is None:
            return None
        key = concept.dotted
        c = self.tax.concepts.get(key)
        if c is None:
            self.err("E204", f"`{key}` is not a concept of the taxonomy", concept.span,
                     did_you_mean(key, [k for k, v in self.tax.concepts.items() if v.kind == kind])
                     or "declare it in policies/taxonomy/*.yaml")
            return None
        if c.kind != kind:
            self.err("E204", f"`{key}` is a{'n' if c.kind[0] in 'aeiou' else ''} {c.kind} concept; "
                     f"a {'clause' if kind == 'outcome' else 'param'} needs a{'n' if kind[0] in 'aeiou' else ''} "
                     f"{kind}", concept.span, None)
        allowed = CONCEPT_UNITS.get(c.unit)
        if ty is not None and ty.dim is not None and allowed is not None and ty.dim not in allowed:
            self.err("E304", f"`{key}` is measured in {c.unit}, but the value is {self._words(ty)}", span,
                     "check the unit of the figures against the concept in the taxonomy")
        return c.beneficiary

    def check_beneficiary(self, ben: A.Name | None) -> None:
        if ben is None or self.tax is None:
            return
        if ben.dotted not in self.tax.beneficiaries:
            self.err("E205", f"unknown beneficiary `{ben.dotted}`", ben.span,
                     did_you_mean(ben.dotted, self.tax.beneficiaries) or
                     "beneficiaries: " + ", ".join(self.tax.beneficiaries))

    def check_clause(self, c: A.Clause) -> None:
        key = f"clause:{c.id}"
        self.check_cites(key, c.cites, c.span, f"clause `{c.id}`")
        if c.when is not None:
            self.expect_bool(c.when, f"the condition of clause `{c.id}`")
            self._never_fires(c)
        if c.value is None:
            self.err("E110", f"clause `{c.id}` has no `value`", c.span, "add: value 10分")
        ty = self.clause_type(c.id, c.span)
        self.check_beneficiary(c.beneficiary)
        if c.concept is not None:
            ben = self.check_concept(c.concept, "outcome", ty, _span(c.value) if c.value else c.span)
            if ben is None and c.beneficiary is None and self.tax is not None \
                    and c.concept.dotted in self.tax.concepts and self.tax.concepts[c.concept.dotted].kind == "outcome":
                self.err("E110", f"clause `{c.id}` names no beneficiary", c.span,
                         "add: beneficiary host_district (or give the concept one in the taxonomy)")
        self.check_quote_currency(c.cites, [c.when, c.value])

    def check_split(self, s: A.Split) -> None:
        self.check_cites(f"split:{s.id}", s.cites, s.span, f"split `{s.id}`")
        if s.when is not None:
            self.expect_bool(s.when, f"the condition of split `{s.id}`")
        if s.splits is None:
            self.err("E110", f"split `{s.id}` does not say what it splits", s.span, "add: splits CLAUSE_ID")
        elif s.splits.dotted not in self.p.clauses:
            self.err("E200", f"split `{s.id}` splits `{s.splits.dotted}`, which is not a clause", s.splits.span,
                     did_you_mean(s.splits.dotted, self.p.clauses))
        else:
            base = self.p.clauses[s.splits.dotted]
            if base.concept is None:
                self.err("E302", f"`{s.splits.dotted}` has no concept, so its shares have no keys", s.splits.span,
                         "split a clause that names its concept")
            elif self.tax is not None:
                for share in s.shares:
                    out = A.Name((*base.concept.path, share.name), span=share.span)
                    self.check_concept(out, "outcome", None, share.span)
        if not s.shares:
            self.err("E110", f"split `{s.id}` has no shares", s.span, "add: shares referrer, host = 3:7")
        elif not s.ratio_form:
            total = Decimal(0)
            exact = True
            for share in s.shares:
                ty = self.infer(share.weight)
                if ty.dim not in (None, Dim.RATIO):
                    self.err("E302", f"share `{share.name}` is {self._words(ty)}; shares are ratios such as 70%",
                             _span(share.weight), None)
                if isinstance(share.weight, A.Quantity) and share.weight.dim == Dim.RATIO:
                    total += share.weight.base_value
                else:
                    exact = False
            if exact and total != 1:
                pct = format_decimal((total * 100).normalize())
                self.err("E404", f"the shares add up to {pct}%, not 100%", s.shares_span if s.shares_span.line else s.span,
                         "a text that gives only one side (受荐单位享受70%) is a scale, not a split: "
                         "value 70% of other_clause")

    def check_param(self, prm: A.Param) -> None:
        self.check_cites(f"param:{prm.id}", prm.cites, prm.span, f"param `{prm.id}`")
        ty = self.param_type(prm)
        self.check_concept(A.Name(tuple(prm.id.split(".")), span=prm.span), "parameter", ty, prm.span)
        self.check_beneficiary(prm.beneficiary)
        v = prm.value
        self.check_quote_currency(prm.cites, [v.committed, v.stretch] if isinstance(v, A.Target) else [v])

    def check_mechanism(self, m: A.Mechanism) -> None:
        self.check_cites(f"mechanism:{m.id}", m.cites, m.span, f"mechanism `{m.id}`")
        if self.tax is not None and m.id not in self.tax.mechanisms:
            self.err("E204", f"`{m.id}` is not a mechanism of the taxonomy", m.span,
                     did_you_mean(m.id, self.tax.mechanisms) or "declare it under `mechanisms:` in the taxonomy")
        names = [a.name for a in m.attrs]
        for a in m.attrs:
            if names.count(a.name) > 1 and names.index(a.name) != m.attrs.index(a):
                self.err("E201", f"attribute `{a.name}` is given twice", a.span, None)

    def check_reading(self, r: A.Reading) -> None:
        self.check_cites(f"reading:{r.id}", r.cites, r.span, f"reading `{r.id}`")
        ids = [o.id for o in r.options]
        for o in r.options:
            if ids.count(o.id) > 1 and ids.index(o.id) != r.options.index(o):
                self.err("E201", f"option `{o.id}` is listed twice", o.span, None)
        if len(set(ids)) < 2:
            self.err("E600", f"reading `{r.id}` needs at least two options", r.span,
                     "a reading is an open point: list each way of reading the text")
        if r.default is None:
            self.err("E110", f"reading `{r.id}` has no default", r.span, "add: default OPTION")
        elif r.default not in ids:
            self.err("E600", f"default `{r.default}` is not an option of reading `{r.id}`", r.default_span,
                     did_you_mean(r.default, ids) or "options: " + ", ".join(ids))
        if r.because is None:
            self.err("E110", f"reading `{r.id}` does not say why its default", r.span,
                     'add: because "one line on why"')

    def check_meta(self) -> None:
        info = self.p.files[-1]
        header = info.ast.header
        meta = self.p.meta
        if "city" not in meta:
            self.err("E110", f"policy `{header.id}` names no city", header.span, 'add: city wuxi "无锡"')
        if "source" not in meta:
            self.err("E110", f"policy `{header.id}` names no source text, so its quotes cannot be checked",
                     header.span, 'add: source "sources/wuxi_2023.txt"')
        st = meta.get("status")
        if st is not None and st.value not in STATUSES:
            self.err("E208", f"unknown status `{st.value}`", st.value_span if st.value_span.line else st.span,
                     did_you_mean(st.value, STATUSES) or "status is draft, in_force or superseded")
        for m in header.meta:
            if m.is_date:
                try:
                    dt.date.fromisoformat(m.value)
                except ValueError:
                    self.err("E109", f"`{m.value}` is not a date", m.value_span if m.value_span.line else m.span,
                             "dates are YYYY-MM-DD")

    def run(self) -> list[Diagnostic]:
        self.check_meta()
        for r in self.p.readings.values():
            self.check_reading(r)
        for c in self.p.clauses.values():
            self.check_clause(c)
        for s in self.p.splits.values():
            self.check_split(s)
        for prm in self.p.params.values():
            self.check_param(prm)
        for m in self.p.mechanisms.values():
            self.check_mechanism(m)
        for i, u in enumerate(self.p.unencoded):
            self.check_quote(self.p.origin.get(f"unencoded:{i}"), u.quote, u.span)
        for r in self.p.readings.values():
            if r.id not in self._used_readings:
                self.err("W703", f"reading `{r.id}` is declared but no value depends on it", r.span,
                         f"use it: by reading {r.id} {{ … }}, so a simulation can switch it")
        self.p.types.update(self._clause_ty)
        return self.diags


# ---------------------------------------------------------------- pure helpers


def _span(e: object) -> A.Span:
    return getattr(e, "span", A.NO_SPAN)


def _fmt_edge(x: A.Expr) -> str:
    return "∞" if isinstance(x, A.Infinity) else str(x)


def _edges(row: A.TierRow) -> str:
    return f"{'[' if row.low_closed else '('}{_fmt_edge(row.low)}, {_fmt_edge(row.high)}{']' if row.high_closed else ')'}"


def _contained(lo: Decimal, lc: bool, hi: Decimal, hc: bool, covered: list[tuple[Decimal, bool, Decimal, bool]]) -> bool:
    for clo, clc, chi, chc in covered:
        low_ok = clo < lo or (clo == lo and (clc or not lc))
        high_ok = chi > hi or (chi == hi and (chc or not hc))
        if low_ok and high_ok:
            return True
    return False


def _quantities(e: A.Expr | None) -> list[A.Quantity]:
    return [x for x in A.walk(e) if isinstance(x, A.Quantity)]


def _constant_range(e: A.Expr | None) -> tuple[Decimal, Decimal] | None:
    if isinstance(e, A.Quantity):
        return e.base_value, e.base_value
    if isinstance(e, A.Tiers):
        values = [r.value for r in e.rows]
        if all(isinstance(v, A.Quantity) for v in values):
            nums = [v.base_value for v in values]  # type: ignore[union-attr]
            return min(nums), max(nums)
    return None


def _conjuncts(e: A.Expr) -> list[A.Expr]:
    if isinstance(e, A.Binary) and e.op == "and":
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


def _constrain(atom: A.Expr, bounds: dict[str, _Bounds], bools: dict[str, bool], choices: dict[str, str]) -> str | None:
    """Add one conjunct's constraint; return why the conjunction is impossible, if it is."""
    if isinstance(atom, A.BoolLit) and not atom.value:
        return "its condition includes `false`"
    neg = isinstance(atom, A.Unary) and atom.op == "not"
    target = atom.operand if isinstance(atom, A.Unary) and atom.op == "not" else atom
    if isinstance(target, A.Name) and target.dotted in FIELDS and FIELDS[target.dotted].dim == Dim.BOOL:
        want = not neg
        if bools.setdefault(target.dotted, want) != want:
            return f"it requires both `{target.dotted}` and `not {target.dotted}`"
        return None
    if not isinstance(atom, A.Binary):
        return None
    if atom.op == "==" and isinstance(atom.left, A.Name) and isinstance(atom.right, A.Name) \
            and atom.left.dotted == "referral":
        prev = choices.setdefault("referral", atom.right.dotted)
        if prev != atom.right.dotted:
            return f"`referral` cannot be both {prev} and {atom.right.dotted}"
        return None
    if atom.op not in (">=", ">", "<=", "<"):
        return None
    left, right, op = atom.left, atom.right, atom.op
    if isinstance(left, A.Quantity) and isinstance(right, A.Name):
        left, right = right, left
        op = {">=": "<=", ">": "<", "<=": ">=", "<": ">"}[op]
    if not (isinstance(left, A.Name) and left.dotted in FIELDS and isinstance(right, A.Quantity)):
        return None
    f = FIELDS[left.dotted]
    key = f"{left.dotted}:{right.unit}" if f.dim == Dim.MONEY else left.dotted
    v = right.base_value
    b = bounds.get(key)
    if b is None:
        b = bounds[key] = _Bounds(f.low if f.dim != Dim.MONEY or f.low is not None else None, True,
                                  f.high, True)
    if op in (">=", ">"):
        if b.low is None or v > b.low or (v == b.low and op == ">"):
            b.low, b.low_closed = v, op == ">="
    else:
        if b.high is None or v < b.high or (v == b.high and op == "<"):
            b.high, b.high_closed = v, op == "<="
    if b.low is not None and b.high is not None:
        if b.low > b.high or (b.low == b.high and not (b.low_closed and b.high_closed)):
            return f"no value of `{left.dotted}` satisfies all its bounds"
    return None


# ---------------------------------------------------------------- entry points


@dataclass
class CheckResult:
    policies: list[Policy]
    diagnostics: list[Diagnostic]
    texts: dict[str, str]  # path -> text, for rendering

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def check_paths(paths: list[Path]) -> CheckResult:
    """Parse, merge and check each policy file; every diagnostic of every file, deduplicated."""
    from dsl.load import policy_files

    loader = Loader()
    taxonomies: dict[Path, tuple[Taxonomy, list[Diagnostic]]] = {}
    diags: list[Diagnostic] = []
    policies: list[Policy] = []
    for path in policy_files(paths):
        if not path.exists():
            diags.append(Diagnostic("E001", "no such file", A.Span(str(path), 1, 1, 1, 1),
                                    "give a .policy file or a folder of them"))
            continue
        policy, d = loader.load(path)
        diags.extend(d)
        if policy is None:
            continue
        tax_dir = find_taxonomy_dir(path)
        tax = None
        if tax_dir is not None:
            if tax_dir not in taxonomies:
                taxonomies[tax_dir] = load_taxonomy(tax_dir)
                diags.extend(taxonomies[tax_dir][1])
            tax = taxonomies[tax_dir][0]
        policy.taxonomy = tax
        diags.extend(Checker(policy, tax).run())
        policies.append(policy)
    unique = list(dict.fromkeys(diags))
    unique.sort(key=lambda d: (d.span.file, d.span.line, d.span.column, d.code))
    return CheckResult(policies, unique, loader.texts)


def check_text(text: str, path: str = "<text>", taxonomy: Taxonomy | None = None,
               source_text: str | None = None) -> tuple[Policy | None, list[Diagnostic]]:
    """Check one policy given as text (no extends): for tests and tools."""
    from dsl.load import merge
    from dsl.parse import parse_text

    ast, diags = parse_text(text, path)
    if ast is None:
        return None, diags
    info = PolicyFileInfo(Path(path), text, ast, None, source_text)
    policy = merge([info], diags)
    policy.taxonomy = taxonomy
    diags = diags + Checker(policy, taxonomy).run()
    return policy, sorted(dict.fromkeys(diags), key=lambda d: (d.span.line, d.span.column, d.code))
