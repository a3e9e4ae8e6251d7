"""Axes of the figures as the texts write figures: ticks at round values (1, 2 or 5 times a power of
ten) labelled 100万, 500万, 1000万, 1亿, 2%, never 1e7, 2,500万 or 189.2万; an axis title names the
record's field or the concept it totals, with the unit in brackets ("注册资本 registered capital (美元)").

    money_ticks(ax.xaxis, log=True)   # an axis in base units (元 or 美元)
    plain_ticks(ax.yaxis)             # an axis already scaled (万元): 0, 500, 1000 …
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from compare.engine.notation import number_text
from compare.simulate.fonts import current_lang, label

ROUND_STEPS = (1, 2, 2.5, 5, 10)  # a linear axis steps by one of these times a power of ten


def amount_tick(value: float) -> str:
    """A round amount in base units as the texts write it, without its currency: 500万, 1.5亿, 800."""
    d = Decimal(repr(float(value)))
    for scale, size in (("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4)):
        if abs(d) >= size:
            return f"{number_text(d / size, 4)}{scale}"
    return number_text(d, 4)


def english_amount(value: float) -> str:
    """The same round amount for an English reader: 5M, 150M, 800."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return number_text(Decimal(repr(float(value) / size)), 4) + suffix
    return number_text(Decimal(repr(float(value))), 4)


def tick_amount(value: float, lang: str | None = None) -> str:
    """The tick of an amount: the texts' notation, or English magnitudes for a figure drawn in English."""
    return english_amount(value) if (lang or current_lang()) == "en" else amount_tick(value)


def plain_tick(value: float) -> str:
    """A number on an axis already in 万元, 分 or %: 2500, 1.5, 0 (no thousands commas, no trailing zeros)."""
    return number_text(Decimal(repr(float(value))), 4)


def money_ticks(axis: Any, log: bool = False) -> None:
    """Round ticks on an axis of amounts in base units, labelled in the texts' notation."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    if log:
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=12))
        axis.set_minor_formatter(NullFormatter())
    else:
        axis.set_major_locator(MaxNLocator(nbins=6, steps=list(ROUND_STEPS)))
    lang = current_lang()  # the ticks are drawn when the figure is saved: in the language it was made in
    axis.set_major_formatter(FuncFormatter(lambda v, _: tick_amount(v, lang)))


def plain_ticks(axis: Any, percent: bool = False) -> None:
    """Round ticks on an axis already in its unit (万元, 分); `percent`: a share shown as 0%, 25% …"""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=6, steps=list(ROUND_STEPS)))
    if percent:
        axis.set_major_formatter(FuncFormatter(lambda v, _: plain_tick(round(v * 100, 6)) + "%"))
    else:
        axis.set_major_formatter(FuncFormatter(lambda v, _: plain_tick(v)))


# the built-in fields a map or a chart puts on an axis, as the texts name them (dsl.schema's meanings
# are notes for the record, half English)
FIELD_TITLES = {
    "registered_capital": ("注册资本", "registered capital"), "total_investment": ("总投资", "total investment"),
    "paid_in_ratio": ("实缴比例", "share of registered capital paid in"),
    "paid_in_capital": ("实缴资金", "paid-in capital"), "fdi_arrived": ("当年度到账外资", "FDI arrived this year"),
    "fixed_asset_investment": ("固定资产投入", "fixed-asset investment"),
    "quality_score": ("项目质量得分", "project-quality score"), "year_of_life": ("项目年度", "year of the project"),
}


def field_title(field: str, record: Any = None) -> tuple[str, str]:
    """(zh, en) of a project field: the label its policy declares, else the built-in field's title
    ("注册资本", "registered capital"), else its meaning; never only its code name."""
    from dsl.schema import FIELDS

    declared = getattr(record, "declared", {}).get(field) if record is not None else None
    if declared is not None and (declared.zh or declared.en):
        return declared.zh or declared.en or field, declared.en or field.replace("_", " ")
    if field in FIELD_TITLES:
        return FIELD_TITLES[field]
    meaning = FIELDS[field].meaning if field in FIELDS else ""
    words = field.replace("_", " ")
    return (meaning, words) if re.search(r"[\u4e00-\u9fff]", meaning) else (words, meaning or words)


def currency_of(unit: str) -> tuple[str, str]:
    """("元", "CNY") for a money unit, ("", "") for another."""
    return {"CNY": ("元", "CNY"), "USD": ("美元", "USD"), "元": ("元", "CNY"), "美元": ("美元", "USD")}.get(unit, ("", ""))


def titled(zh: str, en: str, unit_zh: str = "", unit_en: str = "", article: str = "") -> str:
    """An axis title: the name in the language set, the article it comes from, the unit in brackets
    ("新批外资项目到账外资奖励上限 cap of fdi arrival reward (16) (元, CNY)")."""
    unit = label(unit_zh, unit_en) if (unit_zh or unit_en) else ""
    if unit_zh and unit_en and current_lang() == "both":
        unit = unit_zh if unit_zh == unit_en else f"{unit_zh}, {unit_en}"
    return label(zh, en) + (f" {article}" if article else "") + (f" ({unit})" if unit else "")
