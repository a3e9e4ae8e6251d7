"""Project data in and out, the fast paths: money and ratio cells read by their bytes (the regular
expression only for the rest), a set column read once per distinct text, the CSV locator reading only
as far as the rows it names, and the writers' byte searches that skip the per-cell work.  Each fast
path must give exactly what the slow one gives: the amounts below are worked out by hand (万 = 10^4,
亿 = 10^8, 万亿 = 10^12, 千 = 10^3; % = 1/100, ‰ = 1/1000), and each shape is read both where the fast
path takes it and where it sits among cells only the regular expression reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from compare.data import cells
from compare.data.locate import CsvLocator
from compare.data.read import read_projects
from compare.data.records import InputError
from compare.data.table_files import _quoted
from compare.data.table_text import safe_text
from compare.data.tables import _any_line_break
from compare.engine.batch import CNY, USD

# cell -> (amount, currency) in the unit of the cell, by hand
MONEY = {
    "4000.5万美元": (40_005_000.0, USD),
    "1.5亿元": (150_000_000.0, CNY),
    "200万元": (2_000_000.0, CNY),
    "3千美元": (3_000.0, USD),
    "2万亿元": (2_000_000_000_000.0, CNY),
    "7美元": (7.0, USD),
    "12.34元": (12.34, CNY),
    "5.万元": (50_000.0, CNY),  # a point with nothing after it is read as before: 5万元
    "0": (0.0, CNY),
}
# cells no fast path may take, each refused as the regular expression refuses it
NOT_MONEY = ["万元", "1.2.3万元", ".5万元", "万万元", "4000.5万美元元", "1e5万元", "４０００万元"]
# cells only the regular expression reads, with their amounts by hand
SLOW_MONEY = {"USD 40000000": (40_000_000.0, USD), "4,000万美元": (40_000_000.0, USD), "1.5 亿元": (150_000_000.0, CNY)}


def _money(texts: list[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray, cells.Bad]:
    bad = cells.Bad()
    amount, cur, given = cells.money(pa.array(texts, pa.string()), None, "registered_capital", bad, 100)
    return amount, cur, given, bad


@pytest.mark.parametrize("company", [[], list(SLOW_MONEY)], ids=["alone", "among-slow-cells"])
def test_money_cells_by_suffix_are_the_amounts_by_hand(company: list[str]) -> None:
    texts = [*company, *MONEY, None]
    amount, cur, given, bad = _money(texts)
    assert bad.count == 0
    expected = {**SLOW_MONEY, **MONEY} if company else MONEY
    for i, text in enumerate(texts[:-1]):
        assert (amount[i], int(cur[i])) == expected[text], text
    assert given.tolist() == [True] * (len(texts) - 1) + [False]


def test_cells_no_fast_path_takes_are_refused_at_their_rows() -> None:
    texts = ["200万元", *NOT_MONEY, "3千美元"]
    amount, _, given, bad = _money(texts)
    assert [row for row, *_ in bad.rows] == list(range(1, len(NOT_MONEY) + 1))
    assert all(code == "E802" and "is not an amount of money" in message for _, code, message, _ in bad.rows)
    assert (amount[0], amount[-1]) == (2_000_000.0, 3_000.0)
    assert not given[1:-1].any()


def test_money_from_a_sliced_column_reads_its_own_cells() -> None:
    column = pa.array(["9亿元", "4000.5万美元", "200万元", "9亿元"], pa.string()).slice(1, 2)
    bad = cells.Bad()
    amount, cur, _ = cells.money(column, None, "registered_capital", bad, 10)
    assert amount.tolist() == [40_005_000.0, 2_000_000.0] and cur.tolist() == [USD, CNY]


@pytest.mark.parametrize(("text", "value"), [("35%", 0.35), ("5‰", 0.005), ("0.35", 0.35), ("100%", 1.0),
                                             ("0%", 0.0), ("12.5%", 0.125)])
def test_ratio_cells_by_hand(text: str, value: float) -> None:
    for company in ([], ["35 %"]):  # beside a cell only the regular expression reads (a space)
        bad = cells.Bad()
        ratio, given = cells.ratio(pa.array([*company, text], pa.string()), None, "paid_in_ratio", bad, 10)
        assert bad.count == 0 and given.all()
        assert ratio[-1] == pytest.approx(value, abs=0)  # the same division as the regular expression's
        if company:
            assert ratio[0] == pytest.approx(0.35, abs=0)


@pytest.mark.parametrize("text", ["35.%", ".5%", "%%35", "35%%", "3.5.1%", "35%‰", "-5%"])
def test_ratio_cells_no_fast_path_takes(text: str) -> None:
    bad = cells.Bad()
    _, given = cells.ratio(pa.array([text], pa.string()), None, "paid_in_ratio", bad, 10)
    assert not given[0] and bad.count == 1
    assert bad.rows[0][2] in (f"`{text}` is not a ratio", f"{text} is negative")


def _csv(tmp_path: Path, rows: list[str], header: str = "id,categories,registered_capital[万元]") -> Path:
    path = tmp_path / "p.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_set_column_of_many_rows_reports_as_a_short_one(tmp_path: Path) -> None:
    # 3,000 rows hold four distinct texts (read once each); the bad ones are at rows 1,501 and 2,999
    words = ["landmark", "", "\"landmark,fortune_global_500\"", "china_top_500"]
    rows = [f"p{i},{words[i % 4]},1" for i in range(3000)]
    rows[1500], rows[2998] = "p1500,landmrk,1", "p2998,china_top_500 bogus,1"
    with pytest.raises(InputError) as info:
        read_projects(_csv(tmp_path, rows))
    big = info.value.diagnostics
    assert [(d.span.line, d.message) for d in big] == [
        (1502, "row p1500: field `categories`: unknown category `landmrk`"),
        (3000, "row p2998: field `categories`: unknown category `bogus`")]
    small = tmp_path / "small"
    small.mkdir()
    with pytest.raises(InputError) as info:
        read_projects(_csv(small, ["p1500,landmrk,1"]))
    (one,) = info.value.diagnostics
    assert (one.code, one.message, one.hint) == (big[0].code, big[0].message, big[0].hint)


def test_a_set_column_of_many_rows_gives_each_row_its_members(tmp_path: Path) -> None:
    words = ["landmark", "", "\"landmark,fortune_global_500\""]
    rows = [f"p{i},{words[i % 3]},1" for i in range(3000)]
    batch = read_projects(_csv(tmp_path, rows)).batch
    landmark, fortune = batch.columns["categories.landmark"], batch.columns["categories.fortune_global_500"]
    assert landmark[:6].tolist() == [True, False, True, True, False, True]
    assert fortune[:6].tolist() == [False, False, True, False, False, True]
    assert batch.columns["categories#given"][:3].tolist() == [True, False, True]


def test_the_locator_reads_only_as_far_as_the_row_it_names(tmp_path: Path) -> None:
    path = _csv(tmp_path, [f'p{i},"a\nb",1' if i == 1 else f"p{i},,1" for i in range(50_000)])
    locator = CsvLocator(str(path))
    assert locator.line_of(2) == 5  # the header, p0, p1 over two lines, then p2 on line 5
    assert len(locator._text) < 1000
    assert locator.span(2, 2).column == 5  # `p2,,1`: the third cell starts at column 5
    assert locator.line_of(49_999) == 50_002  # and on to the last row when asked


def test_lines_of_the_locator_as_the_file_splits_them(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"id,x\r\np1,\xe4\xb8\x87\r\n" + b"p2,2" * 1 + b"\r\n" * 1 + b"p3,3")
    locator = CsvLocator(str(path))
    assert locator.line_of(2) == 4
    assert locator._read(10) == ["id,x\r", "p1,万\r", "p2,2\r", "p3,3"]


def test_no_id_twice_with_two_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_projects(_csv(tmp_path, ["p1,,1", ",,1", ",,1", "p2,,1"]))
    assert [(d.code, d.span.line) for d in info.value.diagnostics] == [("E805", 3), ("E805", 4)]


def test_a_line_break_is_found_only_in_a_cell() -> None:
    texts = pa.array(["a\nb", "plain", "c"], pa.string())
    assert _any_line_break(pa.table({"x": texts}))
    # the buffer of a slice still holds the first cell's line break: its own cells hold none
    assert not _any_line_break(pa.table({"x": texts.slice(1, 2)}))


@pytest.mark.parametrize("text", ["a\u0085b", "a\u061cb", "a\u200eb", "a\u2028b", "a\x7fb", "a\tb", "a\u202eb"])
def test_safe_text_escapes_every_kind_of_unsafe_character(text: str) -> None:
    out = safe_text(pa.array(["plain", text], pa.string())).to_pylist()
    assert out[0] == "plain"
    assert out[1] != text and out[1].startswith("a") and out[1].endswith("b")
    assert all(ord(ch) >= 0x20 for ch in out[1])


def test_safe_text_guards_formulas_in_a_slice_only_at_its_own_cells() -> None:
    texts = pa.array(["=1+1", "a=1", "-5", "@x", "+1", "企业"], pa.string())
    assert safe_text(texts).to_pylist() == ["'=1+1", "a=1", "'-5", "'@x", "'+1", "企业"]
    assert safe_text(texts.slice(1, 1)).to_pylist() == ["a=1"]
    assert safe_text(texts.slice(5, 1)).to_pylist() == ["企业"]


def test_quoted_only_where_the_cell_holds_the_delimiter_or_a_quote() -> None:
    texts = pa.array(['a,b', 'say "hi"', "plain", None], pa.string())
    assert _quoted(texts, ",").to_pylist() == ['"a,b"', '"say ""hi"""', "plain", None]
    assert _quoted(texts.slice(2, 2), ",").to_pylist() == ["plain", None]
    assert _quoted(texts, "\t").to_pylist() == ["a,b", '"say ""hi"""', "plain", None]
