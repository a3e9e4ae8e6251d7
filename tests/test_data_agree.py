"""The column-wise validator (compare.data.vector, used for every file and the API) agrees with the
per-record one (compare.data.validate, used by the policy cases and the reference interpreter) on
random valid records: the two share no parsing code, so each checks the other."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compare.data.read import from_dicts
from compare.data.records import Record
from compare.data.validate import clean_records, columns
from dsl.schema import CATEGORIES, FIELDS, GRADES, REFERRALS
from dsl.units import Dim

SCALES = ["", "千", "万", "亿"]
UNITS = ["元", "美元"]


@st.composite
def money(draw: st.DrawFn) -> object:
    fen = draw(st.integers(0, 10**12))
    form = draw(st.sampled_from(["unit", "code", "zero", "mapping"]))
    if form == "zero":
        return 0
    yuan = f"{fen // 100}.{fen % 100:02d}"
    if form == "code":
        return f"{draw(st.sampled_from(['USD', 'CNY']))} {yuan}"
    if form == "mapping":
        return {"amount": yuan, "currency": draw(st.sampled_from(["USD", "CNY"]))}
    scale = draw(st.sampled_from(SCALES))
    digits = {"": 2, "千": 5, "万": 6, "亿": 10}[scale]  # to the fen at that scale
    whole = draw(st.integers(0, {"": 10**6, "千": 10**6, "万": 10**6, "亿": 10**4}[scale]))  # below 10万亿
    frac = draw(st.integers(0, 10**digits - 1))
    return f"{whole}.{frac:0{digits}d}{scale}{draw(st.sampled_from(UNITS))}"


def ratio() -> st.SearchStrategy[object]:
    return st.one_of(st.integers(0, 1000).map(lambda k: f"{k / 10:g}%"), st.integers(0, 100).map(lambda k: k / 100),
                     st.integers(0, 1000).map(lambda k: f"{k}‰"))


@st.composite
def record(draw: st.DrawFn, i: int) -> dict[str, object]:
    rec: dict[str, object] = {"id": f"p{i}"}
    for name, f in FIELDS.items():
        if name == "id" or not draw(st.booleans()):
            continue
        if f.dim == Dim.MONEY:
            rec[name] = draw(money())
        elif f.dim == Dim.RATIO:
            rec[name] = draw(ratio())
        elif f.dim == Dim.BOOL:
            rec[name] = draw(st.sampled_from([True, False, "是", "否", "yes", "no"]))
        elif f.dim == Dim.SET:
            rec[name] = draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))
        elif name == "referral":
            rec[name] = draw(st.sampled_from(REFERRALS))
        elif name == "grade":
            rec[name] = draw(st.sampled_from(GRADES))
        elif name == "quality_score":
            rec[name] = draw(st.integers(0, 1000)) / 10
        elif name == "year":
            rec[name] = draw(st.integers(2000, 2030))
        elif name == "year_of_life":
            rec[name] = draw(st.integers(1, 12))
        else:
            rec[name] = draw(st.sampled_from(["制造", "电子信息"]))  # an empty cell is "not given" here, by design
    return rec


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, object]]:
    n = draw(st.integers(1, 8))
    return [draw(record(i)) for i in range(n)]


@settings(max_examples=150, deadline=None)
@given(records())
def test_column_wise_and_per_record_validation_agree(rows: list[dict[str, object]]) -> None:
    vector = from_dicts(rows)
    per_record = columns(clean_records([Record(dict(r), i + 1) for i, r in enumerate(rows)]))
    assert vector.ids == per_record.ids
    for name, col in per_record.columns.items():
        mine = vector.columns[name]
        if name.endswith("#cur"):  # the currency of a field not given (0) does not matter
            given = per_record.columns[name.replace("#cur", "#given")] if name != "paid_in_capital#cur" else \
                per_record.columns["paid_in_capital"] != 0
            assert np.array_equal(mine[given], col[given]), name
        elif name == "industry":
            assert list(mine) == list(col), name
        elif col.dtype.kind == "f":
            assert np.allclose(mine, col, rtol=0, atol=0, equal_nan=True), (name, mine, col)
        else:
            assert np.array_equal(mine, col), (name, mine, col)
