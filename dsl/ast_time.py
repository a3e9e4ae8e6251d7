"""The time layer of a clause: what happens over a project's years and across the projects of a year.

A clause's `value` is what one project gets in one year (the single-year engine).  These statements
say how that amount is carried over the years of the project's life (a cumulative cap, a schedule,
instalments, paid once, a clawback) and shared with the other projects of the same year (a budget, a
number of winners).  They are evaluated by compare.engine.years and compare.engine.portfolio, above the
single-year evaluator, which ignores them."""

from __future__ import annotations

from dataclasses import dataclass, field

from dsl.ast import NO_SPAN, Expr, Quantity, Span


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class CumulativeCap:
    """单个企业累计最高300万元: `cumulative cap 300万元`; 自注册之日起3年内累计最高: `… within 3年`
    (the clause pays nothing after the window)."""

    amount: Expr
    within: Quantity | None = None  # years from landing (year of life 1 … N)
    span: Span = _span()


@dataclass(frozen=True)
class Schedule:
    """第一年全额、第二年50%、第三年25%: `schedule 100%, 50%, 25%`, the factor applied to the clause's
    amount in year 1, 2, 3 … of the project's life; none after the last."""

    factors: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Installments:
    """分三年兑现，每年三分之一: `installments 1/3, 1/3, 1/3`: an amount awarded in a year is paid in
    that year and the following ones in these shares (which add up to 100%)."""

    shares: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Clawback:
    """承诺10年内不迁离……否则收回奖励: `clawback when relocated within 10年`.  In the first year the
    condition holds (within the window from landing), the clause's outcome is minus all it has paid the
    project so far; nothing is paid after."""

    when: Expr
    within: Quantity | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Budget:
    """奖金总额98万元，按得分分配: `budget 98万元`.  The clause's values are weights; each year the budget
    is shared among the projects of that year in proportion to them."""

    amount: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Winners:
    """每年评选不超过20个项目: `winners 20 by score`.  At most that many projects a year keep the
    clause's amount: the highest by the ranking expression (default: the amount itself)."""

    count: Expr
    by: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Timing:
    """The time statements of one clause (all optional)."""

    cumulative_cap: CumulativeCap | None = None
    schedule: Schedule | None = None
    installments: Installments | None = None
    once: Span | None = None  # the `once` keyword's span where given
    clawback: Clawback | None = None
    budget: Budget | None = None
    winners: Winners | None = None

    @property
    def over_years(self) -> bool:
        """Whether the clause's outcome in one year depends on its other years."""
        return any(x is not None for x in (self.cumulative_cap, self.schedule, self.installments, self.once,
                                           self.clawback))

    @property
    def across_projects(self) -> bool:
        """Whether the clause's outcome for one project depends on the other projects of the year."""
        return self.budget is not None or self.winners is not None

    def exprs(self) -> list[Expr]:
        """Every expression the statements hold, for walkers (names, figures, spans)."""
        out: list[Expr] = []
        if self.cumulative_cap is not None:
            out.append(self.cumulative_cap.amount)
        for part in (self.schedule.factors if self.schedule else ()), \
                (self.installments.shares if self.installments else ()):
            out.extend(part)
        if self.clawback is not None:
            out.append(self.clawback.when)
        if self.budget is not None:
            out.append(self.budget.amount)
        if self.winners is not None:
            out.append(self.winners.count)
            if self.winners.by is not None:
                out.append(self.winners.by)
        return out


NO_TIMING = Timing()
