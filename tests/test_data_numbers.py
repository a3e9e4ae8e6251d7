"""The number in a text cell, read to the double `float(text)` gives, bit for bit: at the edges where a
parse straight from the bytes (digits to an integer mantissa m and a count k of digits after the point,
then m / 10**k) stops being exact: m at 2**53 - 1, 2**53 and 2**53 + 1, 15 to 17 significant digits,
k from 0 to 23, leading and trailing zeros, a bare point, a minus zero.  The cells are read through
the ratio column (a bare number up to 1 is taken as it is, nothing rounded) and the plain number
column; each beside a cell only the regular expression reads, so a fast path and the general one
both meet it.  The expected doubles are Python literals written out by hand (a literal is the
correctly rounded double of its digits).
"""

from __future__ import annotations

import math
import struct

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compare.data import cells

# 2**53 = 9007199254740992
EDGES = {
    "0.9007199254740991": 0.9007199254740991,  # m = 2**53 - 1, k = 16
    "0.9007199254740992": 0.9007199254740992,  # m = 2**53
    "0.9007199254740993": 0.9007199254740993,  # m = 2**53 + 1: no longer exact as a double
    "0.123456789012345": 0.123456789012345,  # 15 significant digits
    "0.1234567890123456": 0.1234567890123456,  # 16
    "0.12345678901234567": 0.12345678901234567,  # 17
    "0.99999999999999999": 1.0,  # 17 nines round up to 1
    "1": 1.0,  # k = 0
    "0": 0.0,
    "0.5": 0.5,  # k = 1
    "0.25": 0.25,  # k = 2
    "0.1": 0.1,
    "0.0000000000000000000001": 1e-22,  # k = 22: 10**22 is the last power of ten exact as a double
    "0.00000000000000000000001": 1e-23,  # k = 23
    "0.50000000000000000000": 0.5,  # trailing zeros
    "000.25": 0.25,  # leading zeros
    "00001": 1.0,
    "0.0": 0.0,
}


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _ratios(texts: list[str]) -> tuple[np.ndarray, np.ndarray, cells.Bad]:
    bad = cells.Bad()
    value, ok = cells.ratio(pa.array(texts, pa.string()), None, "paid_in_ratio", bad, 100)
    return value, ok, bad


def _numbers(texts: list[str]) -> tuple[np.ndarray, np.ndarray, cells.Bad]:
    bad = cells.Bad()
    value, ok = cells.number(pa.array(texts, pa.string()), bad, 100)
    return value, ok, bad


@pytest.mark.parametrize("company", [[], ["35 %"]], ids=["alone", "among-slow-cells"])
@pytest.mark.parametrize(("text", "expected"), list(EDGES.items()))
def test_ratio_reads_the_double_of_its_digits(company: list[str], text: str, expected: float) -> None:
    value, ok, bad = _ratios([*company, text])
    assert bad.count == 0 and ok.all()
    assert _bits(float(value[-1])) == _bits(expected), text


@pytest.mark.parametrize(("text", "expected"), [*EDGES.items(), ("9007199254740991", 9007199254740991.0),
                                                ("9007199254740992", 9007199254740992.0),
                                                ("9007199254740993", 9007199254740992.0),  # ties to even
                                                ("9007199254740995", 9007199254740996.0),
                                                ("123456789012345678", 123456789012345680.0)])
def test_number_reads_the_double_of_its_digits(text: str, expected: float) -> None:
    value, ok, bad = _numbers([text, "x"])
    assert ok.tolist() == [True, False] and bad.count == 1
    assert _bits(float(value[0])) == _bits(expected), text


@pytest.mark.parametrize("text", ["-0", "-0.0"])
def test_minus_zero_keeps_its_sign(text: str) -> None:
    value, ok, bad = _ratios([text])
    assert bad.count == 0 and ok.all()
    assert value[0] == 0.0 and math.copysign(1.0, float(value[0])) == -1.0


@pytest.mark.parametrize("text", [".5", "5.", "0..5", "0.5.", "+0.5", "0.5 5"])
def test_a_ratio_with_a_bare_point_or_an_odd_byte_is_refused(text: str) -> None:
    _, ok, bad = _ratios([text])
    assert not ok[0] and bad.count == 1 and bad.rows[0][2] == f"`{text}` is not a ratio"


def test_money_with_a_point_last_and_a_bare_point_first() -> None:
    bad = cells.Bad()
    amount, _, given_ = cells.money(pa.array(["5.元", ".5元", "0.5元"], pa.string()), None, "registered_capital", bad, 10)
    assert given_.tolist() == [True, False, True]
    assert amount[0] == 5.0 and amount[2] == 0.5
    assert [row for row, *_ in bad.rows] == [1]


_DIGITS = st.text("0123456789", min_size=1, max_size=24)


@settings(max_examples=300, deadline=None)
@given(fraction=_DIGITS, leading=st.integers(0, 3), slow=st.booleans())
def test_a_ratio_is_float_of_its_text(fraction: str, leading: int, slow: bool) -> None:
    text = "0" * leading + "0." + fraction
    value, ok, bad = _ratios(["35 %", text] if slow else [text])
    assert bad.count == 0 and ok.all()
    assert _bits(float(value[-1])) == _bits(float(text))


@settings(max_examples=300, deadline=None)
@given(whole=_DIGITS, fraction=st.one_of(st.none(), _DIGITS))
def test_a_number_is_float_of_its_text(whole: str, fraction: str | None) -> None:
    text = whole if fraction is None else f"{whole}.{fraction}"
    value, ok, _ = _numbers([text])
    assert ok.all()
    assert _bits(float(value[0])) == _bits(float(text))
