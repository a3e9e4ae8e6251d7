"""The typed AST of a policy file: frozen dataclasses, each carrying its source span.

Spans are excluded from equality, so two parses of texts that differ only in layout
(for example a file and its formatted version) compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from dsl.units import SCALES, UNITS, Dim, format_decimal


@dataclass(frozen=True)
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NO_SPAN = Span("<none>", 0, 0, 0, 0)


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Quantity:
    """A number with a unit in the texts' notation: number × scale × unit."""

    number: Decimal
    scale: str  # "", "千", "万", "亿", "万亿"
    unit: str  # a key of dsl.units.UNITS ("" for a bare number)
    derived: str | None = None  # `10分 derived "why"`: implied by the text, not stated in a quote
    per: str | None = None  # a per-unit amount, `30元/平方米`: the unit (a key of UNITS) it is paid per
    span: Span = _span()

    @property
    def dim(self) -> Dim:
        return UNITS[self.unit].dim

    @property
    def per_dim(self) -> Dim | None:
        """What a per-unit amount is paid per (AREA, COUNT), else None."""
        return UNITS[self.per].dim if self.per is not None else None

    @property
    def base_value(self) -> Decimal:
        """The value in the dimension's base unit (yuan, dollars, fraction, months ...); a per-unit
        amount per base unit of what it is paid per (30元/平方米 is 20000元 per 亩)."""
        v = self.number * SCALES[self.scale] * UNITS[self.unit].factor
        return v / UNITS[self.per].factor if self.per is not None else v

    def __str__(self) -> str:
        per = f"/{self.per}" if self.per is not None else ""
        return f"{format_decimal(self.number)}{self.scale}{self.unit}{per}"


@dataclass(frozen=True)
class RatioLit:
    """``1.5:1`` (a weight ratio) or ``3:7`` (split proportions)."""

    parts: tuple[Decimal, ...]
    derived: str | None = None  # `1:1 derived "why"`: implied by the text, not stated in a quote
    span: Span = _span()

    def __str__(self) -> str:
        return ":".join(format_decimal(p) for p in self.parts)


@dataclass(frozen=True)
class Infinity:
    span: Span = _span()


@dataclass(frozen=True)
class BoolLit:
    value: bool
    span: Span = _span()


@dataclass(frozen=True)
class Text:
    """A string used as a value: a grade ``"B"``, an attribute ``"市招商局"``."""

    value: str
    span: Span = _span()


@dataclass(frozen=True)
class Promised:
    """A promise with no figure ("一定比例", "按有关规定"): promised, not absent."""

    wording: str
    span: Span = _span()


@dataclass(frozen=True)
class Name:
    """A reference: a project field, a clause, a param, a category or choice value."""

    path: tuple[str, ...]
    span: Span = _span()

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Unary:
    op: str  # "neg", "not", "up_to", "at_most", "at_least", "more_than", "about"
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Binary:
    # "+", "-", "*", "/", "and", "or", "of", "cap", "floor",
    # ">=", "<=", ">", "<", "==", "!="
    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Range:
    """A range of discretion, ``2‰~5‰``: the value is the interval [low, high]."""

    low: Expr
    high: Expr
    span: Span = _span()


@dataclass(frozen=True)
class DateLit:
    """A date in a condition, ``2024-08-01`` (ISO)."""

    value: str
    span: Span = _span()


@dataclass(frozen=True)
class SetLit:
    """``{a, b}`` (choice or category values) or ``{"房地产", "金融"}`` (texts)."""

    items: tuple[Name | Text, ...]
    span: Span = _span()


@dataclass(frozen=True)
class InSet:
    element: Expr
    container: Name | SetLit
    negated: bool
    span: Span = _span()


@dataclass(frozen=True)
class IfExpr:
    cond: Expr
    then: Expr
    else_: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    """A combinator: ``max`` (取最高分值, 就高不重复), ``min``, ``sum``, ``first`` (first that fires)."""

    func: str
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True)
class TierRow:
    low: Expr
    high: Expr
    low_closed: bool  # "[" includes the low edge, "(" excludes it
    high_closed: bool  # "]" includes the high edge, ")" excludes it
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class TierScale:
    """Edges scaled by a factor under a condition: "减半实施" outside the core zone."""

    factor: Expr
    cond: Expr
    unless: bool  # True: scale unless cond holds; False: scale when it holds
    span: Span = _span()


@dataclass(frozen=True)
class Tiers:
    subject: Name
    scale: TierScale | None
    rows: tuple[TierRow, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ReadingCase:
    option: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class ByReading:
    """The value depends on an open reading of the text: one case per option."""

    reading: str
    cases: tuple[ReadingCase, ...]
    span: Span = _span()
    reading_span: Span = _span()


@dataclass(frozen=True)
class PickRow:
    """One row of a `pick` table: `when COND -> VALUE`; `otherwise -> VALUE` has no condition."""

    cond: Expr | None
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Pick:
    """(condition -> value) rows with the overlap rule stated once: of the rows whose condition holds,
    the `highest` value, the `lowest`, the `first` listed, or the `most_specific` (the condition with
    the most `and`-ed parts; the first listed among equals).  `otherwise` applies when no row holds."""

    rule: str  # highest, lowest, first, most_specific
    rows: tuple[PickRow, ...]
    span: Span = _span()


@dataclass(frozen=True)
class ListValue:
    items: tuple[Expr, ...]
    span: Span = _span()


Expr = (
    Quantity | RatioLit | Infinity | BoolLit | Text | Promised | Name | Unary | Binary | Range | SetLit | InSet | IfExpr | Call | Tiers | ByReading | ListValue
    | DateLit | Pick
)


# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class Cite:
    article: str
    quote: str
    span: Span = _span()
    quote_span: Span = _span()


@dataclass(frozen=True)
class BeneficiaryRule:
    """`beneficiary referring_department if referral == municipal_dept`: who receives an outcome,
    chosen per project.  In a split, `share` names the share it is for."""

    share: str | None
    name: Name
    when: Expr | None
    span: Span = _span()


@dataclass(frozen=True)
class Clause:
    """A per-project rule: when its condition holds, its value goes to its concept."""

    id: str
    label: str | None
    concept: Name | None
    beneficiary: Name | None
    cites: tuple[Cite, ...]
    when: Expr | None
    value: Expr | None
    notes: tuple[str, ...]
    # conditional beneficiaries, first that holds wins; `beneficiary` above is the one otherwise
    beneficiary_if: tuple[BeneficiaryRule, ...] = ()
    payer: Payer | None = None  # who pays the outcome (None: not stated)
    timing: Timing | None = None  # over the years and across a year's projects (dsl.ast_time); None: neither
    span: Span = _span()


@dataclass(frozen=True)
class Payer:
    """Who pays an outcome: one payer, shares (`city = 50%, district = 50%`, `city, district = 1:1`),
    or several jointly with the shares not stated (`city, district`: weights all None)."""

    shares: tuple[Share, ...]  # Share.weight is None where the text gives no shares
    ratio_form: bool = False
    span: Span = _span()


@dataclass(frozen=True)
class Share:
    name: str
    weight: Expr | None  # None only in a Payer whose shares are not stated
    span: Span = _span()


@dataclass(frozen=True)
class Split:
    """Divides another clause's outcome among beneficiaries (``3:7``, ``70%``)."""

    id: str
    label: str | None
    splits: Name | None  # the clause whose value is divided
    when: Expr | None
    shares: tuple[Share, ...]
    ratio_form: bool  # written as ``a, b = 3:7`` rather than ``a = 30%, b = 70%``
    cites: tuple[Cite, ...]
    notes: tuple[str, ...]
    beneficiaries: tuple[BeneficiaryRule, ...] = ()  # per share; conditional ones first that holds wins
    span: Span = _span()
    shares_span: Span = _span()


@dataclass(frozen=True)
class Target:
    """A target with a committed (确保) and an optional stretch (力争) value."""

    committed: Expr
    stretch: Expr | None
    span: Span = _span()


@dataclass(frozen=True)
class Param:
    """A city-level figure: staffing, quotas, weights, targets, durations, land."""

    id: str  # dotted taxonomy key, e.g. staffing.port_zone
    label: str | None
    value: Expr | Target
    beneficiary: Name | None
    cites: tuple[Cite, ...]
    notes: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Attr:
    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Mechanism:
    """An institutional arrangement present in the text, with attributes."""

    id: str
    label: str | None
    attrs: tuple[Attr, ...]
    cites: tuple[Cite, ...]
    notes: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Option:
    id: str
    label: str | None
    span: Span = _span()


@dataclass(frozen=True)
class Reading:
    """An open point of the text, its alternatives, and the default this policy takes."""

    id: str
    label: str | None
    options: tuple[Option, ...]
    default: str | None
    because: str | None
    cites: tuple[Cite, ...]
    notes: tuple[str, ...]
    span: Span = _span()
    default_span: Span = _span()


@dataclass(frozen=True)
class Unencoded:
    """A passage with a figure that is deliberately not encoded, and why."""

    article: str
    quote: str
    reason: str
    span: Span = _span()


# The file level and a city's own record live in their own modules; their names are dsl.ast's too.
from dsl.ast_file import Definition, Header, Item, Meta, Override, PolicyFile, Remove  # noqa: E402
from dsl.ast_record import CategoryDecl, ChoiceDecl, ConditionDecl, DeclaredValue, FieldDecl, ListDecl  # noqa: E402

__all__ = ["CategoryDecl", "ChoiceDecl", "ConditionDecl", "DeclaredValue", "Definition", "FieldDecl", "Header",
           "Item", "ListDecl", "Meta", "Override", "PolicyFile", "Remove",
           "NO_TIMING", "Budget", "Clawback", "CumulativeCap", "Installments", "Schedule", "Timing", "Winners"]
from dsl.ast_time import (  # noqa: E402
    NO_TIMING,
    Budget,
    Clawback,
    CumulativeCap,
    Installments,
    Schedule,
    Timing,
    Winners,
)
