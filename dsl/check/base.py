"""The checker's state, type constants and shared primitives (errors, unification)."""

from __future__ import annotations

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.model import Policy, PolicyFileInfo, Ty
from dsl.taxonomy import Taxonomy
from dsl.units import Dim

STATUSES = ("draft", "in_force", "superseded")
UNKNOWN = Ty(None)
BOOL = Ty(Dim.BOOL)
MONEY_DIMS = (Dim.USD, Dim.CNY, Dim.MONEY)

DIM_WORDS = {
    Dim.CNY: "an amount in CNY (元)", Dim.USD: "an amount in USD (美元)", Dim.MONEY: "an amount of money", Dim.RATIO: "a ratio (% or ‰)",
    Dim.SCALAR: "a plain number", Dim.POINTS: "points (分)", Dim.COUNT: "a count (人, 个, 次 …)",
    Dim.AREA: "an area (亩)", Dim.MONTHS: "months (月, 年)", Dim.DAYS: "days (天, 周)", Dim.BOOL: "true/false",
    Dim.TEXT: "text", Dim.CHOICE: "a choice", Dim.CATEGORY: "a category", Dim.SET: "a set", Dim.DATE: "a date",
}

# Taxonomy unit -> the dimensions a value may have.
CONCEPT_UNITS: dict[str, tuple[Dim, ...]] = {
    "points": (Dim.POINTS,), "CNY": (Dim.CNY, Dim.MONEY), "USD": (Dim.USD, Dim.MONEY),
    "money": MONEY_DIMS, "ratio": (Dim.RATIO, Dim.SCALAR), "count": (Dim.COUNT, Dim.SCALAR),
    "area": (Dim.AREA,), "months": (Dim.MONTHS,), "duration": (Dim.MONTHS, Dim.DAYS),
    "days": (Dim.DAYS, Dim.MONTHS),  # a month reported in days counts 30 (DAYS_PER_MONTH)
    "bool": (Dim.BOOL,), "text": (Dim.TEXT,),
}


def span_of(e: object) -> A.Span:
    return getattr(e, "span", A.NO_SPAN)


class CheckerBase:
    """The checker's state and the primitives every family of checks uses.

    Each family (names, expressions, tiers, readings, splits, quotes, reachability) is a mixin
    over this base; the stubs below are the methods one family calls in another."""

    def __init__(self, policy: Policy, taxonomy: Taxonomy | None):
        self.p = policy
        self.tax = taxonomy
        self.diags: list[Diagnostic] = []
        self._clause_ty: dict[str, Ty] = {}
        self._visiting: list[str] = []
        self._used_readings: set[str] = set()
        self._folded: dict[int, str] = {}
        self._condition_ty: set[str] = set()
        self._used: set[str] = set()  # "field:x", "list:x", "condition:x", "categories.x": for W706

    def use(self, key: str) -> None:
        self._used.add(key)

    # ------------------------------------------------------------ helpers
    def err(self, code: str, msg: str, span: A.Span, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(code, msg, span, hint))

    def _source(self, key: str) -> PolicyFileInfo | None:
        return self.p.origin.get(key)

    def _words(self, ty: Ty) -> str:
        return DIM_WORDS.get(ty.dim, "any") if ty.dim else "any"

    def unify(self, a: Ty, b: Ty, span: A.Span, what: str) -> Ty:
        """The type of two values that meet (branches, sums, rows).  A per-unit amount stays per
        unit only where both are (a figure and a per-unit amount meeting is E217, reported by
        `infer` at the per-unit side: its parent is then not per unit)."""
        interval = a.interval or b.interval
        per = a.per if a.per == b.per or b.dim is None else b.per if a.dim is None else None
        if a.dim is None:
            return Ty(b.dim, interval, per)
        if b.dim is None or a.dim == b.dim:
            return Ty(a.dim, interval, per)
        da, db = a.dim, b.dim
        if da in MONEY_DIMS and db in MONEY_DIMS:
            if Dim.MONEY in (da, db):
                return Ty(db if da == Dim.MONEY else da, interval, per)
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
            self.err("E303", f"{what} is {self._words(ty)}, not true/false", span_of(e),
                     "compare it: paid_in_ratio >= 30%, registered_capital >= 500万美元")


    # ------------------------------------------------------------ implemented by the families
    def infer(self, e: A.Expr) -> Ty:
        raise NotImplementedError

    def resolve(self, name: A.Name) -> Ty:
        raise NotImplementedError

    def clause_type(self, cid: str, span: A.Span) -> Ty:
        raise NotImplementedError

    def condition_type(self, cid: str, span: A.Span, used: bool = True) -> Ty:
        raise NotImplementedError

    def root_value(self, ty: Ty, e: A.Expr | None) -> Ty:
        raise NotImplementedError

    def check_figures(self, what: str, cites: tuple[A.Cite, ...], exprs: list[A.Expr | None]) -> None:
        raise NotImplementedError

    def check_quote_currency(self, cites: tuple[A.Cite, ...], exprs: list[A.Expr | None]) -> None:
        raise NotImplementedError

    def param_type(self, param: A.Param) -> Ty:
        raise NotImplementedError

    def numeric(self, ty: Ty, e: A.Expr, what: str) -> bool:
        raise NotImplementedError

    def tiers(self, e: A.Tiers) -> Ty:
        raise NotImplementedError

    def by_reading(self, e: A.ByReading) -> Ty:
        raise NotImplementedError

    def max_never_selected(self, e: A.Call) -> None:
        raise NotImplementedError

    def never_fires(self, clause: A.Clause) -> None:
        raise NotImplementedError

    def check_concept(self, concept: A.Name, kind: str, ty: Ty | None, span: A.Span) -> str | None:
        raise NotImplementedError

    def check_beneficiary(self, ben: A.Name | None) -> None:
        raise NotImplementedError

    def check_cites(self, key: str, cites: tuple[A.Cite, ...], span: A.Span, what: str) -> None:
        raise NotImplementedError

    def check_split_figures(self, s: A.Split) -> None:
        raise NotImplementedError

    def check_quote(self, info: PolicyFileInfo | None, quote: str, span: A.Span) -> None:
        raise NotImplementedError
