"""Units and dimensions of the policy language.

Quantities are written as in the texts: ``500万美元``, ``1.5亿元``, ``30%``, ``5‰``,
``100亩``, ``1个月``, ``10分``, ``15人``.  A unit belongs to a *dimension*; the checker
keeps dimensions apart, and keeps the two currencies apart (USD and CNY are two
dimensions of money that meet only through an explicit conversion).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class Dim(Enum):
    """What a value measures.  SCALAR is a bare number: a factor that scales anything."""

    CNY = "CNY"
    USD = "USD"
    MONEY = "money"  # a project's money field: its currency is the record's own
    RATIO = "ratio"
    SCALAR = "number"
    POINTS = "points"
    COUNT = "count"
    AREA = "area"
    MONTHS = "months"
    DAYS = "days"
    BOOL = "bool"
    TEXT = "text"
    CHOICE = "choice"
    CATEGORY = "category"
    SET = "set"
    DATE = "date"

    @property
    def is_money(self) -> bool:
        return self in (Dim.CNY, Dim.USD, Dim.MONEY)

    @property
    def is_numeric(self) -> bool:
        return self not in (Dim.BOOL, Dim.TEXT, Dim.CHOICE, Dim.CATEGORY, Dim.SET, Dim.DATE)


# Where a concept is measured in days and the text gives months (首谈期 1个月), a month counts as 30 days.
DAYS_PER_MONTH = 30

SCALES: dict[str, Decimal] = {
    "": Decimal(1),
    "千": Decimal(1000),
    "万": Decimal(10_000),
    "亿": Decimal(100_000_000),
    "万亿": Decimal(1_000_000_000_000),
}


@dataclass(frozen=True)
class Unit:
    symbol: str  # as written after the number and scale: 美元, 元, %, 分, 个月 ...
    dim: Dim
    factor: Decimal  # base value of one unit (ratio: 1% = 0.01; months: 1年 = 12)
    english: str


_UNITS = [
    Unit("美元", Dim.USD, Decimal(1), "USD"),
    Unit("元", Dim.CNY, Decimal(1), "CNY"),
    Unit("%", Dim.RATIO, Decimal("0.01"), "percent"),
    Unit("‰", Dim.RATIO, Decimal("0.001"), "per mille"),
    Unit("分", Dim.POINTS, Decimal(1), "points"),
    Unit("亩", Dim.AREA, Decimal(1), "mu"),
    # 1亩 = 2000/3 平方米 exactly, so 1平方米 = 0.0015亩; 1公顷 = 15亩
    Unit("平方米", Dim.AREA, Decimal("0.0015"), "square metres"),
    Unit("㎡", Dim.AREA, Decimal("0.0015"), "square metres"),
    Unit("公顷", Dim.AREA, Decimal(15), "hectares"),
    Unit("个月", Dim.MONTHS, Decimal(1), "months"),
    Unit("月", Dim.MONTHS, Decimal(1), "months"),
    Unit("年", Dim.MONTHS, Decimal(12), "years"),
    Unit("周", Dim.DAYS, Decimal(7), "weeks"),
    Unit("天", Dim.DAYS, Decimal(1), "days"),
    Unit("日", Dim.DAYS, Decimal(1), "days"),
    Unit("", Dim.SCALAR, Decimal(1), "number"),
]
# Measure words for counts (people, projects, times ...): all one dimension.
for _mw in ("人", "名", "个", "次", "项", "家", "条", "位", "场"):
    _UNITS.append(Unit(_mw, Dim.COUNT, Decimal(1), "count"))

UNITS: dict[str, Unit] = {u.symbol: u for u in _UNITS}

# Currency codes accepted before a plain number: ``USD 40000000``.
CURRENCY_CODES: dict[str, str] = {"USD": "美元", "CNY": "元"}


def split_quantity(text: str) -> tuple[Decimal, str, str]:
    """Split a QUANTITY token into (number, scale, unit symbol).

    ``"3000 万美元"`` -> (3000, "万", "美元"); ``"1.5万"`` -> (1.5, "万", "").
    The grammar's regex guarantees the shape, so this never fails on a token.
    """
    i = 0
    while i < len(text) and (text[i].isdigit() or text[i] == "."):
        i += 1
    number = Decimal(text[:i])
    rest = text[i:].strip()
    for scale in ("万亿", "万", "亿", "千"):
        if rest.startswith(scale) and (rest[len(scale):] in ("美元", "元", "")):
            return number, scale, rest[len(scale):]
    return number, "", rest


def format_decimal(d: Decimal) -> str:
    """Plain positional notation, never exponent notation."""
    s = format(d, "f")
    return s
