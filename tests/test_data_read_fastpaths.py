"""Reading a project CSV, the fast paths: the file read without pyarrow's newlines_in_values (read again
with it where a cut of the file inside quotes could show), text cells trimmed and blanked only where
their bytes say a cell may change, the CSV locator's scan resumed where it stopped, and the ids kept
as an Arrow array.  Each must give exactly what the slow path gives: the values below are the cells as
written, by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from compare.data import cells, tables
from compare.data.locate import CsvLocator
from compare.data.read import read_projects
from compare.data.records import InputError
from compare.engine.batch import ProjectBatch

# every character pyarrow's utf8_trim_whitespace trims (the Unicode White_Space set, and U+001C–U+001F)
SPACES = ["\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1f", " ", "\u0085", "\u00a0", "\u1680", "\u2000",
          "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]


def test_every_character_trimmed_starts_with_a_byte_the_check_sees() -> None:
    code_points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    trimmed = pc.utf8_length(pc.utf8_trim_whitespace(pa.array([chr(c) for c in code_points])))
    spaces = [chr(c) for c, n in zip(code_points, trimmed.to_pylist(), strict=True) if n == 0]
    assert set(SPACES) <= set(spaces)
    assert all(cells._SPACE_LEAD[s.encode("utf-8")[0]] for s in spaces)


@pytest.mark.parametrize("space", SPACES)
def test_a_space_at_either_end_of_one_cell_is_trimmed(space: str) -> None:
    plain = ["4000万元", "企业", "p1", "元", "35%"]
    for k in range(len(plain)):
        for texts in ([*plain[:k], space + plain[k], *plain[k + 1:]], [*plain[:k], plain[k] + space, *plain[k + 1:]]):
            assert cells.as_strings(pa.array(texts)).to_pylist() == plain


@pytest.mark.parametrize("word", cells.NULL_WORDS)
def test_a_null_word_among_plain_cells_is_not_given(word: str) -> None:
    texts = pa.array(["4000万元", word, "企业", None, "nan4", "NAN!"])
    assert cells.as_strings(texts).to_pylist() == ["4000万元", None, "企业", None, "nan4", "NAN!"]
    assert cells.as_strings(texts, null_words=False).to_pylist() == \
        ["4000万元", None if word == "" else word, "企业", None, "nan4", "NAN!"]


def test_plain_cells_and_a_slice_of_them_are_as_written() -> None:
    texts = pa.array([" 4000万元", "企业", "4000万元 ", "na", "NAN!", None])
    assert cells.as_strings(texts.slice(1, 2)).to_pylist() == ["企业", "4000万元"]
    assert cells.as_strings(texts.slice(1, 1)).to_pylist() == ["企业"]
    assert cells.as_strings(texts.slice(3, 3)).to_pylist() == ["na", "NAN!", None]
    assert cells.as_strings(pa.array([], pa.string())).to_pylist() == []


def _rows(n: int) -> list[str]:
    """Rows whose quoted cells hold line breaks at their start, middle and end, and commas."""
    notes = ["\nstart", "mid\ndle, too", "end\n", "\n", "plain"]
    return [f'"p{i}",{i},"{notes[i % len(notes)]}"' for i in range(n)]


@pytest.mark.parametrize("block", range(200, 330, 7))
def test_quoted_line_breaks_read_as_written_wherever_a_block_ends(tmp_path: Path, block: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "BLOCK", block)  # many blocks: some end inside a quoted cell
    path = tmp_path / "p.csv"
    path.write_bytes(("id,quality_score,note\n" + "\n".join(_rows(60)) + "\n").encode())
    read = read_projects(path)
    assert read.batch.ids == [f"p{i}" for i in range(60)]
    assert read.batch.columns["quality_score"].tolist() == [float(i) for i in range(60)]
    notes = ["\nstart", "mid\ndle, too", "end\n", "\n", "plain"]
    assert read.carry is not None
    assert read.carry.column("note").to_pylist() == [notes[i % 5] for i in range(60)]


def test_a_bad_row_is_reported_at_its_line_after_cells_with_line_breaks(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "BLOCK", 256)
    rows = _rows(40)
    rows[30] = '"p30",30,"x",4'  # four cells under a header of three, at line 2 + 30 + the breaks above
    path = tmp_path / "p.csv"
    path.write_bytes(("id,quality_score,note\n" + "\n".join(rows) + "\n").encode())
    with pytest.raises(InputError) as info:
        read_projects(path)
    # each 5 of rows 0..29 hold 4 line breaks (\nstart, mid\ndle, end\n, \n): 24 lines more than rows
    assert [(d.code, d.span.line) for d in info.value.diagnostics] == [("E807", 2 + 30 + 24)]


def test_the_locator_scans_on_from_where_it_stopped(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text('id,x\np0,1\n\n"p1","a\nb"\np2,3\n', encoding="utf-8")
    fresh = [CsvLocator(str(path)).line_of(row) for row in range(4)]
    reused = CsvLocator(str(path))
    assert [reused.line_of(row) for row in (2, 0, 1, 3)] == [fresh[2], fresh[0], fresh[1], fresh[3]]
    assert fresh == [2, 4, 6, 6]  # the header on line 1, a blank line 3, p1 over lines 4–5; no row 3: the last



def test_a_batch_of_arrow_ids_is_the_batch_of_their_list() -> None:
    batch = ProjectBatch(pa.array(["p1", "p2", "p3"]), {"x": np.array([10.0, 20.0, 30.0])})
    assert batch.n == 3 and batch._ids is None  # the list is not built to count the rows
    assert batch.ids == ["p1", "p2", "p3"]
    assert batch.select(["p3", "p1"]).ids == ["p3", "p1"]
    assert batch.select(["p3", "p1"]).columns["x"].tolist() == [30.0, 10.0]
    assert batch.row(1).ids == ["p2"] and batch.id_array().to_pylist() == ["p1", "p2", "p3"]
    batch.ids = ["a", "b", "c"]
    assert batch.id_array().to_pylist() == ["a", "b", "c"] and batch.n == 3


def test_ids_read_from_a_file_and_their_repeats(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,quality_score\np1,1\n NA ,2\np3,3\n", encoding="utf-8")
    assert read_projects(path).batch.ids == ["p1", "NA", "p3"]  # trimmed; `NA` is an id, not a null word
    path.write_text("id,quality_score\np1,1\np2,2\np1,3\n,4\np2,5\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_projects(path)
    assert [(d.code, d.span.line) for d in info.value.diagnostics] == [("E806", 4), ("E805", 5), ("E806", 6)]
    assert "`p1` is used twice (first in row 1)" in info.value.diagnostics[0].message


def test_fields_parsed_side_by_side_read_as_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compare.data import vector

    path = tmp_path / "p.csv"
    path.write_text("id,registered_capital,paid_in_ratio,foreign,started,licensed,categories,referral\n"
                    "p1,4000万美元,35%,true,true,false,landmark,none\n"
                    "p2,1.5亿元,,false,,,,\n", encoding="utf-8")
    one = read_projects(path)
    monkeypatch.setattr(vector, "PARALLEL_ROWS", 1)
    both = read_projects(path)
    assert list(both.batch.columns) == list(one.batch.columns)
    for k in one.batch.columns:  # NaN where a number is not given, on both
        np.testing.assert_array_equal(both.batch.columns[k], one.batch.columns[k])
    assert both.batch.columns["registered_capital"].tolist() == [40_000_000.0, 150_000_000.0]
    assert [d.message for d in both.warnings] == [d.message for d in one.warnings] != []  # started, not licensed
    path.write_text("id,registered_capital,paid_in_ratio,foreign\np1,4000,135%,maybe\np1,x元,5%,true\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_projects(path)
    # `p1,4000,135%,maybe`: the cells start at columns 1, 4, 9 and 14; `p1,x元`: 1 and 4
    assert [(d.code, d.span.line, d.span.column) for d in info.value.diagnostics] == \
        [("E802", 2, 4), ("E803", 2, 9), ("E802", 2, 14), ("E806", 3, 1), ("E802", 3, 4)]


def test_a_null_cell_over_bytes_is_not_given() -> None:
    # three cells over the bytes of `4000万元` `35%` `7万美元`, the second marked null (Arrow allows bytes under a null)
    data = "4000万元35%7万美元".encode()
    offsets = np.array([0, 10, 13, len(data)], dtype=np.int32)
    validity = np.packbits(np.array([1, 0, 1, 0, 0, 0, 0, 0], dtype=np.uint8), bitorder="little")
    texts = pa.StringArray.from_buffers(3, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data),
                                        pa.py_buffer(validity.tobytes()), 1)
    assert texts.to_pylist() == ["4000万元", None, "7万美元"]
    amount, cur, given = cells.money(texts, None, "registered_capital", cells.Bad(), 20)
    assert amount.tolist() == [40_000_000.0, 0.0, 70_000.0] and given.tolist() == [True, False, True]
    ratio, given = cells.ratio(texts.slice(1, 1), None, "paid_in_ratio", cells.Bad(), 20)
    assert ratio.tolist() == [0.0] and given.tolist() == [False]
