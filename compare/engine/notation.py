"""Figures as the texts write them: 1000万元, 1.26亿元, 50万美元, 2%, 3‰ (not 10000000.00 or 0.02).

    amount_text(Decimal("100000000"))            # "1亿元"
    amount_text(Decimal("12600000"), "美元")     # "1260万美元"
    number_text(Decimal("7046.7000"))            # "7046.7"
    ratio_text(Decimal("0.002"))                 # "0.2%"; ratio_text(Decimal("0.002"), per_mille=True) "2‰"

Exact (Decimal in, no float on the way): a witness's 10亿元 must read 10亿元, not 999999999.99元.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from dsl.units import format_decimal

_SCALES = (("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4))


def number_text(d: Decimal, places: int = 6) -> str:
    """Plain notation, at most `places` decimals, no trailing zeros: 7046.7, 33.3333, 30."""
    try:
        d = d.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # too many digits to round: as it is
        pass
    return "0" if d == 0 else format_decimal(d.normalize())


def amount_text(amount: Decimal, currency: str = "元", places: int = 6) -> str:
    """An amount in the largest of 亿 and 万 it reaches, as the texts write money: 5000万元, 1.26亿元, 800元."""
    for scale, size in _SCALES:
        if abs(amount) >= size:
            return f"{number_text(amount / size, places)}{scale}{currency}"
    return f"{number_text(amount, places)}{currency}"


def ratio_text(ratio: Decimal, per_mille: bool = False) -> str:
    """A share as a percentage (0.02 → 2%), or per mille (0.002 → 2‰) where the text counts in ‰."""
    return f"{number_text(ratio * 1000, 4)}‰" if per_mille else f"{number_text(ratio * 100, 4)}%"


# a document's `status` in words (Chinese, English), one table for every page, report and sentence
STATUS_WORDS = {"in_force": ("现行有效", "in force"), "superseded": ("已被取代", "superseded"), "draft": ("草案", "draft")}


def status_words(status: str | None) -> tuple[str, str]:
    """(Chinese, English) for a document's stated status; one not stated says so."""
    if not status:
        return ("状态未载明", "status not stated")
    return STATUS_WORDS.get(status, (status, status))
