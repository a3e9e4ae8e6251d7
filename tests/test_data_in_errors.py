"""Project data in, the problems: the cells and headers refused (E802–E811), each at its file, line (or row) and field with the caret
under the cell; every bad row of a file in one run, by row, the first `cap` with a count of the rest;
and the `policylab eval --projects` command line (exit 1 on bad data, 2 on a bad option, 3 on no projects).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from compare.data.read import from_frame, read_projects
from compare.data.records import InputError
from compare.engine.batch import USD, ProjectBatch
from dsl.diagnostics import Diagnostic


def write(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def errors_of(path: Path, **kw: object) -> InputError:
    with pytest.raises(InputError) as info:
        read_projects(path, **kw)  # type: ignore[arg-type]
    return info.value


def where(e: InputError) -> list[tuple[int, int, str]]:
    """(line, column, code) of each diagnostic, in the order given."""
    return [(d.span.line, d.span.column, d.code) for d in e.diagnostics]


def errors(tmp_path: Path, text: str, name: str = "p.csv", **kw: object) -> InputError:
    return errors_of(write(tmp_path, text, name), **kw)


def only(e: InputError, code: str) -> Diagnostic:
    """The single diagnostic of `e`, which has code `code`."""
    assert [d.code for d in e.diagnostics] == [code], str(e)
    assert e.more == 0
    return e.diagnostics[0]


def money(batch: ProjectBatch, name: str, i: int) -> tuple[float, int, bool]:
    c = batch.columns
    return float(c[name][i]), int(c[f"{name}#cur"][i]), bool(c[f"{name}#given"][i])


# ---------------------------------------------------------------- 3. strict parsing: what is refused


@pytest.mark.parametrize("inf", ["inf", "-inf", "Infinity"])
@pytest.mark.parametrize("column", ["quality_score", "year", "registered_capital[万美元]", "paid_in_ratio[%]"])
def test_inf_in_a_numeric_csv_column(tmp_path: Path, column: str, inf: str) -> None:
    d = only(errors(tmp_path, f"id,{column}\na,50\nb,{inf}\n"), "E803")
    assert column.split("[")[0] in d.message and d.span.line == 3


@pytest.mark.parametrize("column", ["quality_score", "registered_capital[万美元]", "paid_in_ratio"])
def test_inf_in_a_dataframe(column: str) -> None:
    with pytest.raises(InputError) as info:
        from_frame(pd.DataFrame({"id": ["a", "b"], column: [0.5, np.inf]}))
    only(info.value, "E803")


def test_thousands_separators(tmp_path: Path) -> None:
    b = read_projects(write(tmp_path, 'id,registered_capital\na,"4,000万美元"\nb,"USD 40,000,000"\n')).batch
    assert money(b, "registered_capital", 0) == (40_000_000.0, USD, True)
    assert money(b, "registered_capital", 1) == (40_000_000.0, USD, True)
    d = only(errors(tmp_path, 'id,registered_capital\na,"4,0,0,0万美元"\n'), "E802")
    assert "4,0,0,0万美元" in d.message


@pytest.mark.parametrize("cell", ["lots", "4000万港元", "万美元", "4000美元万"])
def test_not_money(tmp_path: Path, cell: str) -> None:
    d = only(errors(tmp_path, f"id,registered_capital\na,{cell}\n"), "E802")
    assert "registered_capital" in d.message


@pytest.mark.parametrize("header", ["id,registered_capital,registered_capital",
                                    "id,registered_capital,registered_capital[万美元]",
                                    "id,note,note", "id,id"])
def test_duplicate_headers(tmp_path: Path, header: str) -> None:
    n = header.count(",") + 1
    e = errors(tmp_path, header + "\n" + ",".join(["a"] + ["1亿元"] * (n - 1)) + "\n")
    assert "E808" in [d.code for d in e.diagnostics], str(e)


@pytest.mark.parametrize("header", ["registered_capital[万港元]", "foreign[%]", "paid_in_ratio[万美元]",
                                    "registered_capital[%]"])
def test_unit_that_does_not_fit_the_field(tmp_path: Path, header: str) -> None:
    d = only(errors(tmp_path, f"id,{header}\na,\n"), "E811")
    assert d.span.line == 1


def test_units_option_that_does_not_fit(tmp_path: Path) -> None:
    only(errors(tmp_path, "id,registered_capital\na,\n", units={"registered_capital": "万港元"}), "E811")


def test_no_id_column(tmp_path: Path) -> None:
    d = only(errors(tmp_path, "registered_capital,foreign\n4000万美元,true\n"), "E805")
    assert "id" in d.message


def test_missing_id_cell(tmp_path: Path) -> None:
    d = only(errors(tmp_path, "id,foreign\na,true\n,false\n"), "E805")
    assert d.span.line == 3


def test_duplicate_ids_name_the_first_row(tmp_path: Path) -> None:
    d = only(errors(tmp_path, "id,foreign\nx,true\na,true\nb,true\na,false\n"), "E806")
    assert "`a`" in d.message
    assert d.span.line == 5
    assert "row 2" in d.message or "line 3" in d.message  # the first `a`: data row 2, on line 3


def test_unknown_category_with_a_suggestion(tmp_path: Path) -> None:
    d = only(errors(tmp_path, 'id,categories\na,"landmark,fortune_global500"\n'), "E804")
    assert "fortune_global500" in d.message
    assert d.hint is not None and "fortune_global_500" in d.hint


def test_unknown_referral(tmp_path: Path) -> None:
    d = only(errors(tmp_path, "id,referral\na,municipal_dept\nb,municipal\n"), "E804")
    assert "municipal" in d.message and d.span.line == 3
    assert d.hint is not None and "municipal_dept" in d.hint


def test_year_must_be_whole(tmp_path: Path) -> None:
    e = errors(tmp_path, "id,year\na,2023\nb,2023.5\n")
    assert len(e.diagnostics) == 1 and e.diagnostics[0].span.line == 3
    assert "whole" in e.diagnostics[0].message
    assert read_projects(write(tmp_path, "id,year\na,2023\n", "ok.csv")).batch.columns["year"].tolist() == [2023.0]


@pytest.mark.parametrize("score", ["120", "-1", "100.5"])
def test_quality_score_out_of_range(tmp_path: Path, score: str) -> None:
    d = only(errors(tmp_path, f"id,quality_score\na,100\nb,{score}\n"), "E803")
    assert d.span.line == 3


@pytest.mark.parametrize("cell", ["maybe", "2", "对"])
def test_not_a_boolean(tmp_path: Path, cell: str) -> None:
    d = only(errors(tmp_path, f"id,foreign\na,true\nb,{cell}\n"), "E802")
    assert "foreign" in d.message and d.span.line == 3


@pytest.mark.parametrize("column,cell", [("registered_capital[万美元]", "lots"), ("quality_score", "high"),
                                         ("year", "二〇二三"), ("paid_in_ratio[%]", "a third")])
def test_text_in_a_number_column(tmp_path: Path, column: str, cell: str) -> None:
    d = only(errors(tmp_path, f"id,{column}\na,50\nb,{cell}\n"), "E802")
    assert column.split("[")[0] in d.message and cell in d.message and d.span.line == 3


# ---------------------------------------------------------------- 5. where errors point


def test_error_names_file_line_field_and_cell(tmp_path: Path) -> None:
    f = write(tmp_path, "id,registered_capital\na,4000万美元\nb,lots\n")
    e = errors_of(f)
    assert len(e.diagnostics) == 1 and e.more == 0
    d = e.diagnostics[0]
    assert d.code == "E802"
    assert d.span.file == str(f)
    assert (d.span.line, d.span.column) == (3, 3)  # `b,lots`: lots starts at column 3
    assert d.span.end_column == 3 + len("lots")
    assert "registered_capital" in d.message and "lots" in d.message
    assert e.lines[3] == "b,lots"  # the source line, for the caret
    assert str(e).startswith(f"{f}:3:3: E802")


def test_tsv_caret_column(tmp_path: Path) -> None:
    f = write(tmp_path, "id\tforeign\tregistered_capital\nlong_id\ttrue\tlots\n", "p.tsv")
    assert where(errors_of(f)) == [(2, len("long_id\ttrue\t") + 1, "E802")]


def test_quoted_cell_with_a_comma_before_the_bad_cell(tmp_path: Path) -> None:
    f = write(tmp_path, 'id,note,registered_capital\na,"x, y",lots\n')
    assert where(errors_of(f)) == [(2, len('a,"x, y",') + 1, "E802")]


def test_quoted_multiline_cell_shifts_the_line(tmp_path: Path) -> None:
    f = write(tmp_path, 'id,note,registered_capital\na,"first line\nsecond line\nthird",4000万美元\nb,x,lots\n')
    # header on line 1, row a on lines 2-4, row b on line 5: `b,x,lots`, lots at column 5
    assert where(errors_of(f)) == [(5, 5, "E802")]


def test_bad_cell_inside_a_multiline_row(tmp_path: Path) -> None:
    f = write(tmp_path, 'id,note,registered_capital\na,"one\ntwo",4000万美元\nb,"three\nfour",lots\n')
    e = errors_of(f)
    assert [d.span.line for d in e.diagnostics] == [4]  # row b starts on line 4


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    f = write(tmp_path, "id,registered_capital\n\na,4000万美元\n\n\nb,lots\n\n")
    assert where(errors_of(f)) == [(6, 3, "E802")]
    b = read_projects(write(tmp_path, "id,registered_capital\n\na,4000万美元\n\n", "ok.csv")).batch
    assert b.ids == ["a"]


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    f = write(tmp_path, "\n\nid,registered_capital\na,lots\n")
    assert where(errors_of(f)) == [(4, 3, "E802")]


def test_byte_order_mark(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_bytes("id,registered_capital[万美元]\na,4000\nb,lots\n".encode("utf-8-sig"))  # Excel's CSV UTF-8
    assert where(errors_of(f)) == [(3, 3, "E802")]
    f.write_bytes("id,registered_capital[万美元]\na,4000\n".encode("utf-8-sig"))
    b = read_projects(f).batch
    assert b.ids == ["a"] and float(b.columns["registered_capital"][0]) == 40_000_000.0


def test_crlf_line_endings(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_bytes("id,registered_capital\r\na,4000万美元\r\nb,lots\r\n".encode())
    assert where(errors_of(f)) == [(3, 3, "E802")]


def test_header_problems_point_at_the_header_cell(tmp_path: Path) -> None:
    f = write(tmp_path, "id,foreign[%]\na,true\n")
    assert where(errors_of(f)) == [(1, 4, "E811")]


def test_every_bad_row_in_one_run_sorted_by_row(tmp_path: Path) -> None:
    f = write(tmp_path, "id,registered_capital,quality_score,foreign\n"
                        "a,4000万美元,50,true\n"      # line 2: fine
                        "b,4000万美元,120,maybe\n"    # line 3: quality_score (col 11), foreign (col 15)
                        "c,lots,50,true\n"            # line 4: registered_capital (col 3)
                        "d,4000万美元,50,true\n"      # line 5: fine
                        "e,many,-5,true\n"            # line 6: registered_capital (3), quality_score (8)
                        "b,1亿元,,\n")                # line 7: duplicate id (col 1)
    e = errors_of(f)
    assert where(e) == [(3, 11, "E803"), (3, 15, "E802"), (4, 3, "E802"), (6, 3, "E802"), (6, 8, "E803"),
                        (7, 1, "E806")]
    assert e.more == 0


def test_three_bad_rows_in_100000(tmp_path: Path) -> None:
    n = 100_000
    ids = np.char.add("p", np.arange(n).astype(str))
    capital = np.char.add((np.arange(n) % 9000 + 1).astype(str), "万美元").astype(object)
    bad = [7, 54_321, n - 1]
    capital[bad] = ["lots", '"4,0,0,0万美元"', "inf万美元"]  # the commas quoted
    body = "\n".join(np.char.add(np.char.add(ids, ","), capital.astype(str)).tolist())
    f = write(tmp_path, "id,registered_capital\n" + body + "\n")
    e = errors_of(f)
    assert [d.span.line for d in e.diagnostics] == [k + 2 for k in bad]  # header on line 1, row k on k + 2
    assert all(d.span.column == len(f"p{k},") + 1 for d, k in zip(e.diagnostics, bad, strict=True))
    assert e.more == 0
    assert [d.code for d in e.diagnostics][:2] == ["E802", "E802"]  # not money; odd separators
    assert e.diagnostics[2].code in ("E802", "E803")  # inf万美元: not money, or not finite


def _fifty_bad(tmp_path: Path) -> Path:
    rows = [f"r{k},{'lots' if k % 2 else '4000万美元'}" for k in range(100)]  # odd rows bad: 50 of them
    return write(tmp_path, "id,registered_capital\n" + "\n".join(rows) + "\n")


def test_fifty_bad_rows_show_the_first_twenty(tmp_path: Path) -> None:
    e = errors_of(_fifty_bad(tmp_path))
    assert len(e.diagnostics) == 20
    assert e.more == 30
    # bad rows r1, r3, …: data row k on line k + 2; the first twenty are r1 … r39
    assert [d.span.line for d in e.diagnostics] == [k + 2 for k in range(1, 40, 2)]
    assert "30 more" in str(e)


def test_cap_is_a_parameter(tmp_path: Path) -> None:
    e = errors_of(_fifty_bad(tmp_path), cap=5)
    assert len(e.diagnostics) == 5 and e.more == 45


def test_ten_thousand_bad_rows_from_a_dataframe_fit_a_screen() -> None:
    n = 10_000
    df = pd.DataFrame({"id": [f"p{k}" for k in range(n)], "registered_capital": ["lots"] * n})
    with pytest.raises(InputError) as info:
        from_frame(df)
    e = info.value
    assert len(e.diagnostics) == 20 and e.more == n - 20
    text = str(e)
    assert len(text.splitlines()) <= 25
    assert "9980" in text.replace(",", "")


def test_dataframe_errors_name_the_row() -> None:
    df = pd.DataFrame({"id": ["alpha", "beta", "gamma"], "registered_capital": ["4000万美元", "1亿元", "lots"]})
    with pytest.raises(InputError) as info:
        from_frame(df)
    d = info.value.diagnostics[0]
    assert d.span.line == 3 and d.code == "E802"
    assert "row 3" in str(info.value)  # the 1-based data row
    assert "registered_capital" in d.message


def test_parquet_errors_name_the_file_and_row(tmp_path: Path) -> None:
    f = tmp_path / "p.parquet"
    pq.write_table(pa.table({"id": ["alpha", "beta"], "quality_score": [50.0, 150.0]}), f)
    e = errors_of(f)
    d = e.diagnostics[0]
    assert d.span.file == str(f) and d.span.line == 2 and d.code == "E803"
    assert "row 2" in str(e)
    assert "quality_score" in d.message


# ---------------------------------------------------------------- 6. the command line

POLICY = "policies/zhangjiagang_2017.policy"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "compare.cli", "eval", POLICY, *args], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("text", ["", "id,registered_capital\n", "id,registered_capital\n\n\n"])
def test_cli_no_projects_exits_3(tmp_path: Path, text: str) -> None:
    f = write(tmp_path, text)
    r = cli("--projects", str(f))
    assert r.returncode == 3, r.stderr
    assert "W801" in r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.stderr


def test_cli_bad_row_exits_1_with_a_caret(tmp_path: Path) -> None:
    f = write(tmp_path, "id,registered_capital\na,4000万美元\nb,lots\n")
    r = cli("--projects", str(f))
    assert r.returncode == 1
    assert f"{f}:3:3: error[E802]" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    lines = r.stderr.splitlines()
    source = next(i for i, line in enumerate(lines) if line.endswith("| b,lots"))
    caret = lines[source + 1]
    assert caret.index("^") == lines[source].index("lots")
    assert caret.rstrip().endswith("^^^^")  # under the four characters of `lots`
    assert r.stdout == ""


@pytest.mark.parametrize("text,code", [("id,registered_capital,registered_capital\na,1亿元,2亿元\n", "E808"),
                                       ("id,registered_capital[万港元]\na,4000\n", "E811"),
                                       ("registered_capital\n4000万美元\n", "E805")])
def test_cli_header_errors_exit_1(tmp_path: Path, text: str, code: str) -> None:
    r = cli("--projects", str(write(tmp_path, text)))
    assert r.returncode == 1
    assert f"error[{code}]" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_cli_lookalike_column_warns_and_runs(tmp_path: Path) -> None:
    f = write(tmp_path, "id,foreign,registred_capital\na,true,4000万美元\n")
    r = cli("--projects", str(f))
    assert r.returncode == 0, r.stderr
    assert "warning[W800]" in r.stderr and "registered_capital" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_cli_unit_option_equals_unit_in_the_cell(tmp_path: Path) -> None:
    head = "id,foreign,started,licensed,paid_in_ratio,in_core_zone,registered_capital\n"
    with_units = write(tmp_path, head + "m1,true,true,true,35%,true,4000万美元\nm2,true,true,true,35%,false,1200万美元\n",
                       "cells.csv")
    bare = write(tmp_path, head + "m1,true,true,true,35%,true,4000\nm2,true,true,true,35%,false,1200\n", "bare.csv")
    a = cli("--projects", str(with_units))
    b = cli("--projects", str(bare), "--unit", "registered_capital=万美元")
    assert a.returncode == 0, a.stderr
    assert b.returncode == 0, b.stderr
    assert a.stdout and b.stdout == a.stdout
    c = cli("--projects", str(bare))  # without --unit the bare number is an error
    assert c.returncode == 1 and "has no currency" in c.stderr


@pytest.mark.parametrize("spec", ["foo=万美元", "registered_capital=万港元", "registered_capital", "foreign=%"])
def test_cli_bad_unit_option_exits_2(tmp_path: Path, spec: str) -> None:
    f = write(tmp_path, "id,registered_capital\na,4000万美元\n")
    r = cli("--projects", str(f), "--unit", spec)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr + r.stdout
    assert r.stdout == ""
