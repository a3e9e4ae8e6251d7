"""Figures as the texts write them (compare.engine.notation): the amounts of the texts' own sentences."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compare.engine.notation import amount_text, number_text, ratio_text


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (Decimal("50000000"), "元", "5000万元"),        # 无锡 (16) 不超过5000万元
    (Decimal("80000000"), "元", "8000万元"),
    (Decimal("126000000"), "元", "1.26亿元"),       # 3% of 42亿元
    (Decimal("100000000"), "美元", "1亿美元"),      # 张家港 第12条 1亿美元以上
    (Decimal("30000000"), "美元", "3000万美元"),
    (Decimal("500000"), "元", "50万元"),            # 无锡 (1) 最高50万元
    (Decimal("10000"), "元", "1万元"),
    (Decimal("9999.5"), "元", "9999.5元"),
    (Decimal("800"), "元", "800元"),
    (Decimal("0"), "元", "0元"),
    (Decimal("-20000000"), "元", "-2000万元"),      # a difference: the new version gives less
])
def test_amounts_in_wan_and_yi(amount: Decimal, currency: str, text: str) -> None:
    assert amount_text(amount, currency) == text


@pytest.mark.parametrize(("ratio", "per_mille", "text"), [
    (Decimal("0.02"), False, "2%"), (Decimal("0.03"), False, "3%"), (Decimal("0.005"), False, "0.5%"),
    (Decimal("0.002"), True, "2‰"), (Decimal("0.005"), True, "5‰"), (Decimal("0.3"), False, "30%"),
])
def test_shares_in_percent_or_per_mille(ratio: Decimal, per_mille: bool, text: str) -> None:
    assert ratio_text(ratio, per_mille) == text


def test_numbers_drop_trailing_zeros_and_round_past_the_places() -> None:
    assert number_text(Decimal("7046.7000")) == "7046.7"
    assert number_text(Decimal("33.33333333")) == "33.333333"
    assert number_text(Decimal("100"), 4) == "100"
