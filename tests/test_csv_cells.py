"""CSV cells written from codes: neighbouring columns of few distinct cells (states, tiers, true/false)
are joined once per combination that occurs and taken, and float columns whose values repeat are
formatted once per distinct value.  Whatever path a column takes, each cell must be exactly the text
the cell-by-cell formatting gives; the lines below are written by hand from the rules of
compare.data.table_files (numbers with every digit and no exponent, -0 kept, null and NaN empty,
a leading `'` before = + - @, a cell with a comma or quote quoted and its quotes doubled)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from compare.data import table_files
from compare.data.table_text import repeated_number_text

STATES = pa.array(["zero", "figure"], pa.string())
TABLE = pa.table({
    "project": pa.array(["p1", "p2", "p3", "p4"]),
    "amount": pa.array([0.0, -0.0, 12345678901.23, None], pa.float64()),
    "given": pa.array([True, False, None, True]),
    "state": pa.DictionaryArray.from_arrays(pa.array([0, 1, 1, None], pa.int8()), STATES),
    "note": pa.array(["=1+1", 'a,"b"', "=1+1", None]),
    "figure": pa.array([2330720.5, 1e-7, float("nan"), 490000.0]),
})
LINES = ("p1,0,true,zero,'=1+1,2330720.5\n"
         'p2,-0,false,figure,"a,""b""",0.0000001\n'
         "p3,12345678901.23,,figure,'=1+1,\n"
         "p4,,true,,,490000\n")


def _text(table: pa.Table) -> str:
    lines = table_files._lines(table_files._csv_cells(table, ","), ",")
    return "".join(lines.to_pylist())


@pytest.mark.parametrize(("few", "bound"), [(64, 1 << 40), (1, 1 << 40), (64, 4), (0, 1 << 40)],
                         ids=["runs", "few-means-one", "renumbered-runs", "cell-by-cell"])
def test_cells_from_codes_are_the_cells_by_hand(monkeypatch: pytest.MonkeyPatch, few: int, bound: int) -> None:
    monkeypatch.setattr(table_files, "FEW", few)
    monkeypatch.setattr(table_files, "_CODE_BOUND", bound)
    assert _text(TABLE) == LINES


def test_a_repeated_value_is_formatted_as_each_of_its_cells() -> None:
    # 2 distinct values in 8 rows: formatted once each and taken (the dictionary path of repeated_number_text)
    values = pa.array([12345678901.23, -0.0] * 4)
    assert repeated_number_text(values).to_pylist() == ["12345678901.23", "-0"] * 4


def test_a_slice_of_a_table_gives_its_own_rows() -> None:
    assert _text(TABLE.slice(1, 2)) == "".join(LINES.splitlines(keepends=True)[1:3])


def test_parts_with_equal_but_different_values_keep_their_own_cells() -> None:
    # 0.0 == -0.0 and "1" == "1" in Python, but the cells differ: "0" and "-0"; a text and its number
    # formatted once per part must never be taken for another part's
    zero, minus = pa.table({"x": [0.0, 0.0]}), pa.table({"x": [-0.0, -0.0]})
    assert [_text(zero), _text(minus), _text(zero)] == ["0\n0\n", "-0\n-0\n", "0\n0\n"]
    texts, numbers = pa.table({"x": ["1", "=1"]}), pa.table({"x": [1.0, 1.0]})
    assert [_text(texts), _text(numbers)] == ["1\n'=1\n", "1\n1\n"]


def test_repeated_numbers_keep_every_cell_of_the_values_by_hand() -> None:
    # 8 cells, 4 distinct: each formatted once; infinite and NaN have no text (null), -0 keeps its sign
    x = np.array([490000.0, float("inf"), float("nan"), -0.0] * 2)
    assert repeated_number_text(x).to_pylist() == ["490000", None, None, "-0"] * 2
