"""Project files over years (compare.data.years): the long shape (a `year` column) and the wide one
(`fdi_arrived[2024]`) in every format the single-year reader takes, read into the same ProjectYears;
`landed_on` as a date or a year; a single-year file read exactly as before.

The expected values are the files' own figures, written out by hand: examples/time/projects_years.csv
has p1 (landed 2024-03-01) in 2024–2026 with 100万元, 150万元, 100万元 of foreign capital, and p2 (landed
2025) in 2025–2026 with 50万元 and 200万元.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT

from compare.data.read import read_projects
from compare.data.vector import Projects
from compare.data.years import ProjectsOverYears, is_multi_year, read_any, read_project_years, year_header

EXAMPLES = ROOT / "examples" / "time"
LONG: list[dict[str, Any]] = [
    {"id": "p1", "year": 2024, "company": "甲公司", "landed_on": "2024-03-01", "foreign": True, "fdi_arrived": "100万元"},
    {"id": "p1", "year": 2025, "company": "甲公司", "landed_on": None, "foreign": True, "fdi_arrived": "150万元"},
    {"id": "p1", "year": 2026, "company": "甲公司", "landed_on": None, "foreign": True, "fdi_arrived": "100万元"},
    {"id": "p2", "year": 2025, "company": "乙公司", "landed_on": "2025", "foreign": True, "fdi_arrived": "50万元"},
    {"id": "p2", "year": 2026, "company": "乙公司", "landed_on": None, "foreign": True, "fdi_arrived": "200万元"},
]
# by hand from the rows above: yuan per year, per project (p1, p2); p2 has no row in 2024 (its default, 0)
FDI = {2024: [1_000_000.0, 0.0], 2025: [1_500_000.0, 500_000.0], 2026: [1_000_000.0, 2_000_000.0]}
ACTIVE = {2024: [True, False], 2025: [True, True], 2026: [True, True]}
LIFE = {2024: [1, 0], 2025: [2, 1], 2026: [3, 2]}  # year − landing year + 1 (p2 lands 2025)


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    """`records` in the format `path`'s extension names (as a user would save them)."""
    suffix = path.suffix
    headers = list(dict.fromkeys(k for r in records for k in r))
    if suffix in (".csv", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        cell = lambda v: "" if v is None else ("true" if v is True else "false" if v is False else str(v))  # noqa: E731
        lines = [sep.join(headers)] + [sep.join(cell(r.get(h)) for h in headers) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif suffix == ".yaml":
        path.write_text(yaml.safe_dump([{k: v for k, v in r.items() if v is not None} for r in records],
                                       allow_unicode=True, sort_keys=False), encoding="utf-8")
    elif suffix == ".json":
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    elif suffix == ".parquet":
        pq.write_table(pa.table({h: pa.array([r.get(h) for r in records]) for h in headers}), path)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(headers)
        for r in records:
            ws.append([r.get(h) for h in headers])
        wb.save(path)
    return path


def wide_records() -> list[dict[str, Any]]:
    """The same projects, one row each, a column per field and year (p2's 2024 cells empty)."""
    out = []
    for pid in ("p1", "p2"):
        rows = [r for r in LONG if r["id"] == pid]
        rec: dict[str, Any] = {"id": pid, "company": rows[0]["company"], "landed_on": rows[0]["landed_on"]}
        for y in (2024, 2025, 2026):
            row = next((r for r in rows if r["year"] == y), None)
            rec[f"foreign[{y}]"] = row["foreign"] if row else None
            rec[f"fdi_arrived[{y}]"] = row["fdi_arrived"] if row else None
        out.append(rec)
    return out


def check_years(read: ProjectsOverYears) -> None:
    py = read.years
    assert py.ids == ["p1", "p2"] and py.years == [2024, 2025, 2026]
    assert py.landing.tolist() == [2024, 2025]
    for y in py.years:
        b = py.batches[y]
        assert b.ids == ["p1", "p2"]
        assert py.active[y].tolist() == ACTIVE[y], y
        assert b.columns["fdi_arrived"].tolist() == FDI[y], y
        assert b.columns["year"].tolist() == [y, y]
        assert b.columns["year_of_life"].tolist() == LIFE[y], y
    assert py.batches[2025].columns["foreign"].tolist() == [True, True]


FORMATS = [".csv", ".tsv", ".xlsx", ".yaml", ".json", ".jsonl", ".parquet"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_long_file_in_every_format_reads_the_years_of_each_project(tmp_path: Path, suffix: str) -> None:
    read = read_project_years(write(tmp_path / f"p{suffix}", LONG))
    assert read.form == "long"
    check_years(read)


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_wide_shape_gives_what_the_long_one_gives(tmp_path: Path, suffix: str) -> None:
    long = read_project_years(write(tmp_path / f"long{suffix}", LONG))
    wide = read_project_years(write(tmp_path / f"wide{suffix}", wide_records()))
    assert wide.form == "wide"
    check_years(wide)
    for y in long.years.years:
        a, b = long.years.batches[y].columns, wide.years.batches[y].columns
        assert set(a) == set(b)
        for k in a:  # every column of every year, the defaults of the years without a row included
            assert np.array_equal(a[k], b[k]) or (a[k].dtype.kind == "f" and np.allclose(a[k], b[k], equal_nan=True)), (y, k)


def test_the_bundled_examples_long_and_wide_agree() -> None:
    long = read_project_years(EXAMPLES / "projects_years.csv")
    wide = read_project_years(EXAMPLES / "projects_years_wide.csv")  # units in the headers: fdi_arrived[2024][万元]
    check_years(long)
    check_years(wide)


def test_a_unit_and_a_year_in_one_header_in_either_order() -> None:
    assert year_header("fdi_arrived[2024]") == ("fdi_arrived", "2024")
    assert year_header("fdi_arrived[2024][万美元]") == ("fdi_arrived[万美元]", "2024")
    assert year_header("fdi_arrived[万美元][2024]") == ("fdi_arrived[万美元]", "2024")
    assert year_header("rent_area[平方米]") is None  # a unit, not a year
    assert year_header("fdi_arrived") is None


def test_carried_columns_and_the_rows_they_come_from(tmp_path: Path) -> None:
    read = read_project_years(write(tmp_path / "p.csv", LONG))
    assert read.carry is not None and read.carry.column_names == ["company", "landed_on"]
    assert read.rows[2024].tolist() == [0, -1] and read.rows[2026].tolist() == [2, 4]
    assert read.carry_of(2024).column("company").to_pylist() == ["甲公司", "乙公司"]  # p2: its first row's


# ---------------------------------------------------------------- a single-year file is read as before


@pytest.mark.parametrize("name", ["projects.csv", "projects.yaml", "projects.xlsx"])
def test_a_single_year_file_is_read_exactly_as_by_the_single_year_reader(name: str) -> None:
    path = ROOT / "examples" / name
    found, before = read_any(path), read_projects(path)
    assert isinstance(found, Projects)
    assert found.batch.ids == before.batch.ids and set(found.batch.columns) == set(before.batch.columns)
    for k, v in before.batch.columns.items():
        assert np.array_equal(v, found.batch.columns[k]) or np.allclose(v, found.batch.columns[k], equal_nan=True), k


def test_a_year_column_with_one_row_per_project_stays_single_year(tmp_path: Path) -> None:
    """A `year` column has long been the year evaluated: one row per project is a single-year file."""
    path = tmp_path / "p.csv"
    path.write_text("id,year,fdi_arrived\np1,2023,100万元\np2,2024,50万元\n", encoding="utf-8")
    assert isinstance(read_any(path), Projects)
    assert read_any(path).batch.columns["year"].tolist() == [2023.0, 2024.0]  # type: ignore[union-attr]


def test_what_makes_a_file_one_over_years() -> None:
    t = lambda **cols: pa.table({k: pa.array(v) for k, v in cols.items()})  # noqa: E731
    assert not is_multi_year(t(id=["p1", "p2"], fdi_arrived=[1, 2]))
    assert not is_multi_year(t(id=["p1", "p2"], year=[2024, 2024]))
    assert is_multi_year(t(id=["p1", "p1"], year=[2024, 2025]))  # a project on two rows
    assert is_multi_year(t(id=["p1"], year=[2026], landed_on=["2024"]))  # its landing: year 3 of its life
    assert is_multi_year(t(id=["p1"], **{"fdi_arrived[2024]": [1]}))


def test_landed_on_as_a_date_a_year_or_a_spreadsheet_date(tmp_path: Path) -> None:
    import datetime as dt

    rows = [{"id": "p1", "year": 2025, "landed_on": dt.datetime(2023, 7, 1)}, {"id": "p1", "year": 2026}]
    read = read_project_years(write(tmp_path / "p.xlsx", rows))
    assert read.years.landing.tolist() == [2023]
    assert read.years.batches[2025].columns["year_of_life"].tolist() == [3]
    read = read_project_years(write(tmp_path / "p.parquet", [{"id": "p1", "year": 2025, "landed_on": 2024},
                                                              {"id": "p1", "year": 2026, "landed_on": 2024}]))
    assert read.years.landing.tolist() == [2024]


# ---------------------------------------------------------------- a city's own `landed_on` field


def declared_landed_on() -> Any:
    from conftest import HEADER

    from dsl.check.driver import check_text

    policy, _ = check_text(HEADER + 'field landed_on "落地日期" { type date }\n', "t.policy")
    assert policy is not None and policy.record.required("landed_on")
    return policy.record


def test_a_declared_landed_on_is_the_field_and_the_landing(tmp_path: Path) -> None:
    """A policy's own date field `landed_on` (required: no default) is read as that field on every row,
    and gives the landing; p2 has no row in 2024 and is not asked for one."""
    record = declared_landed_on()
    path = tmp_path / "p.csv"
    path.write_text("id,year,landed_on\np1,2024,2023-06-01\np1,2025,2023-06-01\np2,2025,2025-01-02\n",
                    encoding="utf-8")
    read = read_project_years(path, record=record)
    py = read.years
    assert py.landing.tolist() == [2023, 2025]
    assert py.batches[2025].columns["year_of_life"].tolist() == [3, 1]
    # days since 1970-01-01: 2023-06-01 is 19509, 2025-01-02 is 20090 (19509 + 214 + 366 + 1)
    assert py.batches[2025].columns["landed_on"].tolist() == [19509.0, 20090.0]
    assert py.active[2024].tolist() == [True, False]


def test_a_declared_landed_on_with_one_row_per_project_stays_single_year(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,year,landed_on\np1,2024,2023-06-01\np2,2025,2025-01-02\n", encoding="utf-8")
    assert isinstance(read_any(path, record=declared_landed_on()), Projects)
    assert isinstance(read_any(path), ProjectsOverYears)  # the core record: `landed_on` is the landing
