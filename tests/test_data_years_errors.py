"""Bad project files over years: each problem of a project's years (a gap, a repeated year, a year that
is not one, a landing that does not read, a row before the landing) is an error naming the file, the
row (its line, in a text file) and the field, with a hint; never a traceback, and reported before the
fields are read.  The lines and columns are counted by hand in the texts below."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from compare.data.records import InputError
from compare.data.years import read_project_years


def problems(tmp_path: Path, text: str, name: str = "p.csv") -> list[tuple[str, int, int, str, str | None]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_project_years(path)
    return [(d.code, d.span.line, d.span.column, d.message, d.hint) for d in e.value.diagnostics]


def test_a_gap_in_a_projects_years(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,year,fdi_arrived\np1,2024,1\np1,2026,2\np2,2024,1\np2,2025,1\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E820", 3, 4)]  # line 3, the `year` cell
    code, _, _, message, hint = found[0]
    assert "field `year`" in message and "no row for 2025, between 2024 and 2026" in message
    assert hint is not None and "add a row for p1 in 2025" in hint


def test_a_gap_of_several_years_names_them(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,year\np1,2021\np1,2025\n")
    assert found[0][0] == "E820" and "no row for 2022–2024" in found[0][3]


def test_a_year_given_twice(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,year,fdi_arrived\np1,2024,1\np1,2025,2\np1,2024,3\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E821", 4, 4)]
    assert "year 2024 is given twice (first in line 2)" in found[0][3]
    assert found[0][4] is not None and "one row per project and year" in found[0][4]


@pytest.mark.parametrize("cell, words", [("2024.5", "`2024.5` is not a whole year"),
                                         ("二〇二四", "`二〇二四` is not a whole year"),
                                         ("24", "`24` is not a calendar year (1900–2200)"),
                                         ("", "no year given")])
def test_a_year_that_is_not_one(tmp_path: Path, cell: str, words: str) -> None:
    found = problems(tmp_path, f"id,year\np1,2024\np1,{cell}\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E822", 3, 4)]
    assert words in found[0][3] and found[0][4] == "write the calendar year as a whole number: 2024"


@pytest.mark.parametrize("cell", ["2024-13-01", "next year", "2024/02/30"])
def test_a_landing_date_that_does_not_parse(tmp_path: Path, cell: str) -> None:
    found = problems(tmp_path, f"id,year,landed_on\np1,2024,{cell}\np1,2025,\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E823", 2, 9)]
    assert f"field `landed_on`: `{cell}` is not a date or a year" in found[0][3]
    assert found[0][4] is not None and "2024-03-01" in found[0][4]


def test_two_landing_dates_of_one_project(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,year,landed_on\np1,2024,2024-03-01\np1,2025,2023-01-01\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E823", 3, 9)]
    assert "differs from the project's landing on its first row (`2024-03-01`)" in found[0][3]


def test_a_row_before_the_landing_year(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,year,landed_on\np1,2023,2024-05-01\np1,2024,\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E824", 2, 4)]
    assert "2023 is before the year project p1 lands (2024" in found[0][3]


def test_year_of_life_is_not_given_in_a_file_over_years(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,year,year_of_life\np1,2024,1\np1,2025,2\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E823", 1, 9)]


def test_every_problem_of_a_file_at_once_by_row(tmp_path: Path) -> None:
    text = "id,year,landed_on\np1,2024,2024\np1,2026,\np2,2024.5,\np3,2025,x\n"
    assert [(c, line) for c, line, *_ in problems(tmp_path, text)] == [("E820", 3), ("E822", 4), ("E823", 5)]


def test_the_fields_are_read_as_in_a_single_year_file_and_named_with_their_year(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,year,fdi_arrived\np1,2024,100万元\np1,2025,lots\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E802", 3, 9)]
    assert found[0][3].startswith("row p1 (2025): field `fdi_arrived`")


# ---------------------------------------------------------------- the wide shape


def test_wide_headers_with_a_gap_a_bad_year_or_a_field_given_twice(tmp_path: Path) -> None:
    header = "id,fdi_arrived[2024],fdi_arrived[2026],tax_paid[2024.5],id[2025],foreign,foreign[2024]"
    found = problems(tmp_path, header + "\np1,1,2,,,true,true\n")
    by_code = {(c, col): m for c, _, col, m, _ in found}
    assert ("E820", 22) in by_code and "give 2024 and 2026 but no 2025" in by_code["E820", 22]
    assert ("E822", 40) in by_code and "`2024.5` is not a whole year" in by_code["E822", 40]
    assert ("E822", 57) in by_code and "`id` is one per project" in by_code["E822", 57]
    assert ("E821", 74) in by_code and "`foreign` is given for every year (column 6) and for 2024" in by_code["E821", 74]
    assert all(line == 1 for _, line, *_ in found)


def test_a_wide_value_before_the_landing_year(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,landed_on,fdi_arrived[2024],fdi_arrived[2025]\np1,2025,1,2\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E824", 2, 9)]  # the 2024 cell
    assert "field `fdi_arrived`: a value for 2024, before the year project p1 lands (2025" in found[0][3]


def test_a_wide_long_file_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,year,fdi_arrived[2024]\np1,2024,1\n")
    assert found[0][0] == "E821" and "gives its years twice" in found[0][3]


def test_a_wide_project_twice(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,fdi_arrived[2024]\np1,1\np1,2\n")
    assert [(c, line) for c, line, *_ in found] == [("E806", 3)] and "first in line 2" in found[0][3]


def test_a_wide_cell_in_error_is_at_its_own_cell(tmp_path: Path) -> None:
    found = problems(tmp_path, "id,fdi_arrived[2024],fdi_arrived[2025]\np1,1万元,lots\n")
    assert [(c, line, col) for c, line, col, _, _ in found] == [("E802", 2, 8)]  # the 2025 cell, characters counted
    assert found[0][3].startswith("row p1 (2025): field `fdi_arrived`")


def test_a_parquet_file_names_its_row_by_number(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"id": ["p1", "p1", "p1"], "year": [2024, 2026, 2027]}), path)
    with pytest.raises(InputError) as e:
        read_project_years(path)
    d = e.value.diagnostics[0]
    assert (d.code, d.span.line) == ("E820", 2) and d.message.startswith("row 2 (project p1): field `year`")
