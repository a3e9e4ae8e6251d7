"""A clause's time statements (dsl.ast_time): over a project's years and across a year's projects.

The engine evaluates them above the single-year amount (compare.engine.years, .portfolio), so what
they hold must be what it can compute: a cumulative cap is a fixed figure in the unit of the clause's
value, a window a whole number of years, schedule factors and instalment shares fixed ratios (the
shares adding up to exactly 100%, as fractions: 1/3 three times is exact), a budget a fixed amount of
money, a number of winners a fixed whole count.  Names in the statements are typed like any other
expression, so a field read only by a clawback counts as read; figures are checked against the
clause's quotes like its value's.
"""

from __future__ import annotations

from fractions import Fraction

from dsl import ast as A
from dsl.check.base import MONEY_DIMS, span_of
from dsl.check.constants import ConstantChecks
from dsl.figures import find_figure, quote_figures
from dsl.model import Ty
from dsl.units import Dim, format_decimal
from dsl.walk import clause_exprs, walk

RATIO_DIMS = (Dim.RATIO, Dim.SCALAR)


def _fraction(x: Fraction) -> str:
    """A share as a reader writes it: 1/3, 50%."""
    pct = x * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    return f"{x.numerator}/{x.denominator}"


def statements(t: A.Timing) -> list[tuple[str, A.Span]]:
    """The statements a clause gives, each with its keyword and span, in the canonical order."""
    out: list[tuple[str, A.Span]] = []
    for word, node in (("cumulative cap", t.cumulative_cap), ("schedule", t.schedule),
                       ("installments", t.installments), ("once", t.once), ("clawback", t.clawback),
                       ("budget", t.budget), ("winners", t.winners)):
        if node is not None:
            out.append((word, node if isinstance(node, A.Span) else node.span))
    return out


class TimingChecks(ConstantChecks):
    def fixed(self, e: A.Expr) -> Fraction | None:
        """The one exact value of a figure written with figures and params alone; None where it reads a
        project (a field, a clause), is a range or differs by reading."""
        ends = self._fold(e)
        if ends is None or len(ends) != 1:
            return None
        lo, hi = ends[0]
        return lo if isinstance(lo, Fraction) and lo == hi else None

    def check_timing(self, c: A.Clause, ty: Ty) -> Ty:
        """Check the clause's time statements; the type of its outcome (`ty`, the value's, but for a
        budget clause: its values are weights, what it pays is a share of the budget)."""
        t = c.timing
        if t is None:
            return ty
        what = f"clause `{c.id}`"
        if ty.dim is not None and not ty.dim.is_numeric:
            for word, span in statements(t):
                self.err("E327", f"`{word}` carries an amount over years or projects, but the value of {what} is "
                         f"{self._words(ty)}", span, "time statements go with a clause that gives a figure "
                         "(an amount, points, a count)")
        if t.cumulative_cap is not None:
            self._cumulative_cap(what, t.cumulative_cap, ty)
        if t.schedule is not None:
            self._ratios("schedule", t.schedule.factors, "E322")
        if t.installments is not None:
            self._installments(t.installments)
        if t.clawback is not None:
            self.expect_bool(t.clawback.when, "the condition of `clawback`")
            self._window(t.clawback.within)
            if not self._varies(t.clawback.when):
                self.err("W731", "the clawback's condition reads no project field, so it holds in every year or "
                         "in none", span_of(t.clawback.when), "name what the project does: clawback when relocated "
                         "within 10年")
        outcome = ty
        if t.budget is not None:
            outcome = self._budget(t.budget) or ty
            if c.value is not None and self._unbounded(c.value):
                self.err("E329", f"the values of {what} share a budget, but one can be unbounded (∞, a promise, "
                         "at least …): no share of the budget follows from it", span_of(c.value),
                         "a budget is shared in proportion to figures: give the weight the text gives (a score, "
                         "an amount)")
        if t.winners is not None:
            self._winners(t.winners)
        self._schedule_past_window(t)
        windows: list[A.Expr | None] = [x.within for x in (t.cumulative_cap, t.clawback) if x is not None]
        exprs: list[A.Expr | None] = list(t.exprs())
        count = t.winners.count if t.winners is not None else None
        if isinstance(count, A.Quantity) and count.unit == "" and count.derived is None and c.cites:
            exprs.remove(count)  # `winners 20` is the text's 20个项目: a count, written bare
            found = [f for q in c.cites for f in quote_figures(q.quote)]
            if not any(find_figure(count.base_value, d, found) for d in (Dim.COUNT, Dim.SCALAR)):
                self.err("E503", f"{what}: `{count}` does not occur in its quotes", count.span,
                         f'quote the sentence with the number (每年评选不超过{count}个), or write {count} derived "why"')
        self.check_quote_currency(c.cites, exprs)
        self.check_figures(what, c.cites, [*exprs, *windows])
        return outcome

    # ------------------------------------------------------------ over a project's years
    def _cumulative_cap(self, what: str, cap: A.CumulativeCap, value: Ty) -> None:
        cty = self.infer(cap.amount)
        self._window(cap.within)
        if not self.numeric(cty, cap.amount, "`cumulative cap`"):
            return
        if cty.dim is not None and value.dim is not None and value.dim.is_numeric and not _same_unit(cty.dim, value.dim):
            self.err("E320", f"the cumulative cap is {self._words(cty)}, but the value of {what} is "
                     f"{self._words(value)}", span_of(cap.amount),
                     "the cap bounds the clause's amounts added up over the years: give it in their unit "
                     "and currency")
            return
        amount = self.fixed(cap.amount)
        if amount is None or amount < 0:
            self.err("E320", "the cumulative cap is not a fixed figure of at least 0", span_of(cap.amount),
                     "write the figure the text gives: cumulative cap 300万元 (单个企业累计最高300万元)")

    def _window(self, q: A.Quantity | None) -> None:
        """`within N年`: whole years of the project's life, counted from its landing (year 1)."""
        if q is None:
            return
        if q.unit != "年" or q.scale or q.per is not None or q.number != q.number.to_integral() or q.number <= 0:
            self.err("E321", f"`within {q}` is not a whole number of years", q.span,
                     "a window counts the years of the project's life: within 3年 (3年内, 三年内)")

    def _ratios(self, word: str, parts: tuple[A.Expr, ...], code: str) -> list[Fraction] | None:
        """Each part a fixed ratio >= 0 (50%, 1/3, 0.5); their values, or None where one is not."""
        out: list[Fraction] = []
        for e in parts:
            ty = self.infer(e)
            v = self.fixed(e) if ty.dim in (None, *RATIO_DIMS) else None
            if ty.dim not in (None, *RATIO_DIMS) or v is None or v < 0:
                self.err(code, f"`{word}`: `{_text(e)}` is not a fixed ratio of at least 0", span_of(e),
                         f"give each year's share as the text does: {word} 100%, 50%, 25% (or 1/3)")
                return None
            if word == "schedule" and v > 1:
                self.err("W730", f"`schedule`: {_text(e)} pays more than the year's amount", span_of(e),
                         "a factor is a share of the amount: 100% is the whole (全额)")
            out.append(v)
        return out

    def _installments(self, inst: A.Installments) -> None:
        shares = self._ratios("installments", inst.shares, "E323")
        if shares is None:
            return
        total = sum(shares, Fraction(0))
        if total != 1:
            listed = " + ".join(_fraction(s) for s in shares)
            self.err("E323", f"the instalments add up to {_fraction(total)} ({listed}), not 100%", inst.span,
                     "an award is paid in full over the years: installments 1/3, 1/3, 1/3 or 50%, 30%, 20%")

    def _unbounded(self, e: A.Expr, seen: frozenset[str] = frozenset()) -> bool:
        """Whether a value may be ∞: ∞, a promise, `at least`/`more than`, or a param or clause that may."""
        for n in walk(e):
            if isinstance(n, (A.Infinity, A.Promised)) or (isinstance(n, A.Unary) and n.op in ("at_least", "more_than")):
                return True
            if isinstance(n, A.Name) and n.dotted not in seen:
                prm, cl = self.p.params.get(n.dotted), self.p.clauses.get(n.dotted)
                v = prm.value if prm is not None else cl.value if cl is not None else None
                v = v.committed if isinstance(v, A.Target) else v
                if v is not None and self._unbounded(v, seen | {n.dotted}):
                    return True
        return False

    def _varies(self, e: A.Expr) -> bool:
        """Whether a condition reads the project (a field, a clause, a named condition, cumulative(…))."""
        for n in walk(e):
            if isinstance(n, A.Name) and (n.dotted in self.p.record.fields or n.dotted in self.p.clauses
                                          or n.dotted in self.p.conditions or n.dotted in self.p.record.categories):
                return True
            if isinstance(n, A.Call) and n.func == "cumulative":
                return True
        return False

    def _schedule_past_window(self, t: A.Timing) -> None:
        cap = t.cumulative_cap
        if t.schedule is None or cap is None or cap.within is None:
            return
        n = cap.within.number
        if n == n.to_integral() and 0 < n < len(t.schedule.factors):
            years = int(n)
            self.err("W732", f"the schedule has {len(t.schedule.factors)} years, but the cumulative cap pays "
                     f"nothing after year {years}: its factors from year {years + 1} never pay",
                     span_of(t.schedule.factors[years]), f"drop them, or check the window (within {n}年)")

    # ------------------------------------------------------------ across a year's projects
    def _budget(self, b: A.Budget) -> Ty | None:
        ty = self.infer(b.amount)
        v = self.fixed(b.amount) if ty.dim in MONEY_DIMS else None
        if v is None or v <= 0:
            self.err("E324", f"the budget `{_text(b.amount)}` is not a fixed amount of money above 0",
                     span_of(b.amount), "give the total the text gives: budget 98万元 (奖金总额98万元)")
            return None
        return Ty(ty.dim)

    def _winners(self, w: A.Winners) -> None:
        ty = self.infer(w.count)
        v = self.fixed(w.count) if ty.dim in (None, Dim.COUNT, Dim.SCALAR) else None
        if v is None or v.denominator != 1 or v < 1:
            self.err("E325", f"`winners {_text(w.count)}` is not a fixed whole number of projects (at least 1)",
                     span_of(w.count), "give the number the text gives: winners 20 (每年评选不超过20个项目)")
        if w.by is not None:
            by = self.infer(w.by)
            if by.dim is not None and not by.dim.is_numeric:
                self.err("E326", f"the winners are ranked by {self._words(by)}; a ranking needs a figure",
                         span_of(w.by), "rank by a score or an amount: winners 20 by score")

    def check_timed_reads(self) -> None:
        """W733: a clause that names another whose amount its time statements change over the years reads
        that clause's one-year amount, before them (a split of it, by contrast, shares what it pays)."""
        for c in self.p.clauses.values():
            for e in clause_exprs(c):
                for n in walk(e):
                    if not isinstance(n, A.Name):
                        continue
                    read = self.p.clauses.get(n.dotted)
                    if read is None or read.id == c.id or read.timing is None or not read.timing.over_years:
                        continue
                    words = ", ".join(w for w, _ in statements(read.timing) if w not in ("budget", "winners"))
                    self.err("W733", f"clause `{c.id}` reads `{read.id}`'s amount of one year, before its {words}",
                             n.span, f"if the text means what `{read.id}` pays over the years, give `{c.id}` the "
                             "same time statements")

    # ------------------------------------------------------------ cumulative(…) outside clauses
    def check_cumulative_places(self) -> None:
        """cumulative(x) is a sum over a project's years, which only a clause (or a named condition it
        reads) is evaluated over; a param, a split or a mechanism holds no project's years."""
        places: list[tuple[str, A.Expr | None]] = []
        for prm in self.p.params.values():
            v = prm.value
            places += [(f"param `{prm.id}`", x) for x in ((v.committed, v.stretch) if isinstance(v, A.Target) else (v,))]
        for s in self.p.splits.values():
            places += [(f"split `{s.id}`", x) for x in (s.when, *(sh.weight for sh in s.shares))]
        for m in self.p.mechanisms.values():
            places += [(f"mechanism `{m.id}`", a.value) for a in m.attrs]
        for what, e in places:
            for n in walk(e) if e is not None else ():
                if isinstance(n, A.Call) and n.func == "cumulative":
                    self.err("E328", f"cumulative(…) in {what}: only a clause adds up a project's years", n.span,
                             "move the test into the clause's `when` (or a named condition it reads)")


def _same_unit(a: Dim, b: Dim) -> bool:
    if a == b:
        return True
    if a in MONEY_DIMS and b in MONEY_DIMS:
        return Dim.MONEY in (a, b)
    return {a, b} in ({Dim.SCALAR, Dim.RATIO}, {Dim.SCALAR, Dim.COUNT})


def _text(e: A.Expr) -> str:
    """A figure as written (`50%`, `1/3`, `a param`); the formatter is further down the pipeline."""
    if isinstance(e, A.Quantity):
        return f"{format_decimal(e.number)}{e.scale}{e.unit}"
    if isinstance(e, A.Binary) and e.op in ("/", "*", "+", "-"):
        return f"{_text(e.left)}{e.op}{_text(e.right)}"
    if isinstance(e, A.Name):
        return e.dotted
    if isinstance(e, A.Unary) and e.op == "neg":
        return f"-{_text(e.operand)}"
    return str(e) if isinstance(e, A.RatioLit) else "this figure"
