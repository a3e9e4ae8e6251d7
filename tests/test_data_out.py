"""Outcome tables (compare.data.table) and the files they are written to (compare.data.table_files).

Issue 11, points 6-7: intervals as two numeric columns, states as Outcomes.state gives them, money to
the fen in every format, chunked writing equal to writing at once, atomic writes.  Expected figures are
worked by hand from the texts; each names its article.  The run is at fx 6.7518 (the 2017 average,
docs/evaluation.md), as given.
"""

from __future__ import annotations

import csv
import errno
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import POLICIES

from compare.api import load_policy
from compare.data import table_files
from compare.data.atomic import WriteError
from compare.data.read import from_dicts
from compare.data.sheet import csv_text, xlsx_text
from compare.data.table import TableError, TablePlan, outcome_table, to_pandas, write_outcomes
from compare.data.table_files import FormatError
from compare.data.table_text import number_text
from compare.engine.assumed import assumed_row, default_text, implied_row
from compare.engine.evaluate import CompiledPolicy, Outcomes
from compare.engine.runs import evaluate_policies
from compare.engine.sensitivity import sensitive_row
from dsl.schema import CATEGORIES, REFERRALS

IDS = ["zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023"]
FX = 6.7518
PROJECTS: list[dict[str, Any]] = [
    {"id": "p1", "foreign": True, "started": True, "licensed": True, "paid_in_ratio": "35%",
     "registered_capital": "4000万美元", "fdi_arrived": "1400万美元", "referral": "municipal_dept"},
    {"id": "=cmd", "foreign": True, "started": True, "in_core_zone": True, "paid_in_ratio": "50%",
     "registered_capital": "2000万美元", "fdi_arrived": "116536025元"},
    {"id": "p3", "foreign": False, "registered_capital": "1亿元"},
    {"id": "big", "foreign": True, "started": True, "paid_in_ratio": "100%", "registered_capital": "1000万美元",
     "fdi_arrived": "3000000000001.23元"},
]
CARRY = pa.table({"company": ["甲公司", "=乙", "丙, \"丁\"", "戊"], "rank": [3, 1, 2, 4]})
EXTENSIONS = [".csv", ".tsv", ".parquet", ".jsonl", ".xlsx"]


@pytest.fixture(scope="module")
def compiled() -> list[CompiledPolicy]:
    return [load_policy(POLICIES / f"{p}.policy") for p in IDS]


@pytest.fixture(scope="module")
def results(compiled: list[CompiledPolicy]) -> list[Outcomes]:
    return evaluate_policies(compiled, from_dicts(PROJECTS), fx=FX)[0]


@pytest.fixture(scope="module")
def dims(compiled: list[CompiledPolicy]) -> list[Any]:
    return [cp.concept_dims for cp in compiled]


def row(table: pa.Table, project: str, policy: str) -> dict[str, Any]:
    rows = [r for r in table.to_pylist() if r["project"] == project and r["policy"] == policy]
    assert len(rows) == 1
    return rows[0]


# ---------------------------------------------------------------- the table


def test_long_rows_are_project_major_with_the_carried_columns(results: list[Outcomes]) -> None:
    t = outcome_table(results, carry=CARRY)
    assert t.column_names[:5] == ["project", "policy", "city", "company", "rank"]
    assert t.column("project").to_pylist() == [p["id"] for p in PROJECTS for _ in IDS]
    assert t.column("policy").to_pylist() == IDS * len(PROJECTS)
    assert t.column("city").to_pylist() == [o.city for o in results] * len(PROJECTS)
    assert t.column("company").to_pylist() == [c for c in CARRY.column("company").to_pylist() for _ in IDS]
    assert t.column("rank").to_pylist() == [3] * 4 + [1] * 4 + [2] * 4 + [4] * 4


def test_figures_worked_by_hand(results: list[Outcomes]) -> None:
    t = outcome_table(results)
    # 张家港 第13条 "给予当年度项目到帐外资2～5‰的奖励": 1400万美元 × 6.7518 = 94,525,200元,
    # 2‰ = 189,050.40元, 5‰ = 472,626元; "由引荐单位与受荐单位按3:7的比例进行分配": 3/10 and 7/10
    p1 = row(t, "p1", "zhangjiagang_2017")
    assert (p1["reward.team.low"], p1["reward.team.high"]) == (189050.4, 472626.0)
    assert (p1["reward.team.referrer.low"], p1["reward.team.referrer.high"]) == (56715.12, 141787.8)
    assert (p1["reward.team.host.low"], p1["reward.team.host.high"]) == (132335.28, 330838.2)
    assert p1["reward.team.referrer.beneficiary"] == "referring_department"  # 机关部门引荐 (referral)
    # 无锡 (16) "按实际到账外资比例给予最高2%、不超过5000万元奖励": [0, 2% of 94,525,200元]
    w1 = row(t, "p1", "wuxi_2023")
    assert (w1["reward.fdi.low"], w1["reward.fdi.high"], w1["reward.fdi.state"]) == (0.0, 1890504.0, "figure")
    # 无锡 (16) "实施重大项目落户奖励…按照现代产业政策给予相应奖励": promised, no figure
    assert (w1["reward.landing.low"], w1["reward.landing.high"], w1["reward.landing.state"]) == (0.0, None, "promised")
    # 116,536,025元: 张家港 2‰ = 233,072.05; 5‰ = 582,680.125, paid as 582,680.13 (half away from zero);
    # in the core zone 1000万美元 qualifies (第13条 "两区一园注册资本1000万美元及以上"); no referral, no split
    p2 = row(t, "=cmd", "zhangjiagang_2017")
    assert (p2["reward.team.low"], p2["reward.team.high"]) == (233072.05, 582680.13)
    assert p2["reward.team.referrer.state"] == "not_eligible"
    assert row(t, "=cmd", "wuxi_2023")["reward.fdi.high"] == 2330720.5  # 无锡 (16): 2% of 116,536,025元
    # a domestic project: 无锡 (16) is for 新批外资项目 only; 太仓's text has no such reward
    assert row(t, "p3", "wuxi_2023")["reward.fdi.state"] == "not_eligible"
    p3 = row(t, "p3", "taicang_2020")
    assert (p3["reward.fdi.low"], p3["reward.fdi.high"], p3["reward.fdi.state"], p3["reward.fdi.beneficiary"]) \
        == (None, None, "absent", None)
    # 3,000,000,000,001.23元: 5‰ = 15,000,000,000.00615 -> 15,000,000,000.01; 无锡 capped at 5000万元
    assert row(t, "big", "zhangjiagang_2017")["reward.team.high"] == 15000000000.01
    assert row(t, "big", "wuxi_2023")["reward.fdi.high"] == 50_000_000.0


def random_projects(n: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        p: dict[str, Any] = {"id": f"r{i}"}
        for flag in ("foreign", "started", "licensed", "in_core_zone", "expansion"):
            if rng.random() < 0.7:
                p[flag] = bool(rng.random() < 0.5)
        p["registered_capital"] = f"{int(rng.choice([500, 1000, 3000, 5000, 10000, 20000]))}万美元"
        p["paid_in_ratio"] = f"{int(rng.integers(0, 101))}%"
        if rng.random() < 0.8:
            p["fdi_arrived"] = f"{int(rng.integers(0, 10**9))}.{int(rng.integers(0, 100)):02d}元"
        p["referral"] = str(rng.choice(REFERRALS))
        p["categories"] = [c for c in CATEGORIES if rng.random() < 0.15]
        if rng.random() < 0.5:
            p["quality_score"] = float(rng.integers(0, 101))
        out.append(p)
    return out


@pytest.fixture(scope="module")
def many(compiled: list[CompiledPolicy]) -> list[Outcomes]:
    return evaluate_policies(compiled, from_dicts(random_projects(300, 7)), fx=FX)[0]


def _show(v: Any, state: str) -> str:
    """The oracle for a `sensitive` entry's value, one project at a time."""
    words = {"not_eligible": "not eligible", "promised": "promised, no figure", "absent": "absent"}
    if state in words:
        return words[state]
    num = lambda x: "∞" if x == float("inf") else np.format_float_positional(x, unique=True, trim="-")  # noqa: E731
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"{num(v[0])}~{num(v[1])}" if isinstance(v, tuple) else num(v)


@pytest.mark.parametrize("wide", [False, True])
def test_states_beneficiaries_and_analyses_agree_with_outcomes(many: list[Outcomes], wide: bool) -> None:
    table = outcome_table(many, wide=wide)
    t = table.to_pylist()
    fixed = json.loads(table.schema.metadata[b"policylab.beneficiaries"])
    every = sorted({c for o in many for c in o.concepts})
    k = len(many)
    seen_states: set[str] = set()
    for i in range(len(many[0].ids)):
        for j, o in enumerate(many):
            r, pre = (t[i], f"{o.policy}.") if wide else (t[i * k + j], "")
            for c in o.concepts if wide else every:
                assert r[f"{pre}{c}.state"] == o.state(c, i), (i, o.policy, c)
                if not wide or o.beneficiaries[c].depends_on_project:
                    assert r[f"{pre}{c}.beneficiary"] == (o.beneficiary(c, i) if c in o.concepts else None)
                else:  # a wide table names a fixed beneficiary once, in its metadata
                    assert f"{pre}{c}.beneficiary" not in r and fixed[f"{pre}{c}.beneficiary"] == o.beneficiary(c, i)
                seen_states.add(o.state(c, i))
            assumed = ";".join(_assumed_cell(f, v, implied_row(o, i).get(f)) for f, v in assumed_row(o, i).items())
            assert r[f"{pre}assumed"] == assumed
            entries = [f"{c}: {e['reading']}={e['option']} → {_show(e['value'], e['state'])}"
                       + (f" (which reads {', '.join(_assumed_cell(f, v, e.get('implied', {}).get(f)) for f, v in e['assumed'].items())}, not given)"
                          if e.get("assumed") else "")
                       for c, es in sensitive_row(o, i).items() for e in es]
            assert r[f"{pre}sensitive"] == ("; ".join(entries) or None)
    # every state is met (a wide table holds each policy's own concepts only: none is absent)
    assert seen_states == {"not_eligible", "zero", "figure", "promised"} | (set() if wide else {"absent"})


def test_wide_names_columns_by_policy_and_keeps_its_own_concepts(results: list[Outcomes]) -> None:
    t = outcome_table(results, carry=CARRY, wide=True)
    assert t.num_rows == len(PROJECTS)
    assert t.column_names[:3] == ["project", "company", "rank"]
    assert "wuxi_2023.reward.fdi.low" in t.column_names and "taicang_2020.reward.fdi.low" not in t.column_names
    assert t.column("wuxi_2023.reward.fdi.high").to_pylist()[1] == 2330720.5  # 无锡 (16), as above
    assert t.column("jiaxing_draft.duty.signing_prereport").type == pa.bool_()
    meta = json.loads(t.schema.metadata[b"policylab.policies"])
    assert [p["policy"] for p in meta] == IDS and meta[0]["fx"] == FX
    assert meta[3]["readings"]["ceilings"] == "range"


def test_slices_make_the_whole(results: list[Outcomes]) -> None:
    for wide in (False, True):
        whole = outcome_table(results, carry=CARRY, wide=wide)
        parts = [outcome_table(results, carry=CARRY, wide=wide, start=s, stop=s + 1) for s in range(len(PROJECTS))]
        assert pa.concat_tables(parts).equals(whole)


def test_metadata_units_and_notes(results: list[Outcomes], dims: list[Any]) -> None:
    t = outcome_table(results, dims=dims, notes=["USD→CNY 6.7518 (as given)"])
    meta = t.schema.metadata
    units = json.loads(meta[b"policylab.units"])
    assert units["reward.fdi.low"] == "CNY" and units["points.host_district.high"] == "points"
    assert units["right.first_talk_exclusive_days.low"] == "days"
    assert t.schema.field("reward.team.high").metadata == {b"unit": b"CNY"}
    assert json.loads(meta[b"policylab.notes"]) == ["USD→CNY 6.7518 (as given)"]
    assert meta[b"policylab.layout"] == b"long" and meta[b"policylab.version"]


def test_a_carried_column_keeps_out_of_the_outcomes_way(results: list[Outcomes]) -> None:
    carry = pa.table({"city": ["a", "b", "c", "d"], "input.city": [1, 2, 3, 4], "fx": [5, 6, 7, 8]})
    t = outcome_table(results, carry=carry)
    assert t.column_names[:6] == ["project", "policy", "city", "input.city.2", "input.city", "input.fx"]
    assert t.column("city").to_pylist()[:2] == ["zhangjiagang", "taicang"]
    assert t.column("input.city.2").to_pylist()[:5] == ["a"] * 4 + ["b"]
    with pytest.raises(TableError, match="rows") as e:
        outcome_table(results, carry=pa.table({"x": ["a"]}))
    assert isinstance(e.value, WriteError) and e.value.hint


def test_a_wide_table_refuses_a_policy_twice(results: list[Outcomes]) -> None:
    with pytest.raises(TableError, match="wuxi_2023") as e:
        outcome_table([*results, results[3]], wide=True)
    assert e.value.hint and "long" in e.value.hint
    assert outcome_table([*results, results[3]]).num_rows == 5 * len(PROJECTS)


def test_pandas_types(results: list[Outcomes]) -> None:
    df = to_pandas(outcome_table(results))
    assert str(df["reward.fdi.state"].dtype) == "category"
    assert df["reward.fdi.low"].dtype == np.float64
    assert df["reward.fdi.low"].isna().sum() == 3 * len(PROJECTS)  # 张家港, 太仓, 嘉兴 have no reward.fdi
    assert str(df["duty.signing_prereport"].dtype) == "boolean"


# ---------------------------------------------------------------- files


def read_back(path: Path) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a written file, with that format's own reader."""
    if path.suffix in (".csv", ".tsv"):
        text = path.read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text), delimiter="\t" if path.suffix == ".tsv" else ","))
        return rows[0], rows[1:]
    if path.suffix == ".jsonl":
        objs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return list(objs[0]), [list(o.values()) for o in objs]
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        rows = [list(r) for r in wb["outcomes"].iter_rows(values_only=True)]
        width = len(rows[0])  # a read-only sheet leaves out empty cells at the end of a row
        return [str(x) for x in rows[0]], [r + [None] * (width - len(r)) for r in rows[1:]]
    t = pq.read_table(path)
    return t.column_names, [list(r.values()) for r in t.to_pylist()]


def same(cell: Any, value: Any, suffix: str) -> bool:
    """A cell read back is the table's value: numbers exactly, texts as csv_text makes them in CSV, as
    given in .xlsx (xlsx_text escapes only what XML cannot carry), raw in the lossless formats."""
    text_format = suffix in (".csv", ".tsv")
    if value is None:
        return cell == ("" if text_format else None)
    if isinstance(value, bool):
        return cell == (("true" if value else "false") if text_format else value)
    if isinstance(value, (int, float)):
        if text_format:
            return "e" not in cell.lower() and float(cell) == value
        return not isinstance(cell, bool) and cell == value
    return cell == (csv_text(value) if text_format else xlsx_text(value) if suffix == ".xlsx" else value)


@pytest.mark.parametrize("wide", [False, True], ids=["long", "wide"])
@pytest.mark.parametrize("suffix", EXTENSIONS)
def test_every_format_reads_back_the_same(tmp_path: Path, results: list[Outcomes], dims: list[Any],
                                          suffix: str, wide: bool) -> None:
    path = tmp_path / f"out{suffix}"
    done: list[int] = []
    write_outcomes(path, results, carry=CARRY, wide=wide, dims=dims, progress=done.append, chunk=3)
    expected = outcome_table(results, carry=CARRY, wide=wide, dims=dims)
    header, rows = read_back(path)
    assert header == expected.column_names
    assert len(rows) == expected.num_rows and done == [3, 4]  # projects written
    for got, want in zip(rows, expected.to_pylist(), strict=True):
        for name, cell, value in zip(header, got, want.values(), strict=True):
            assert same(cell, value, suffix), (name, cell, value)
    if suffix == ".parquet":
        assert pq.read_table(path).equals(expected)
        assert pq.read_schema(path).metadata == expected.schema.metadata


@pytest.mark.parametrize("suffix", EXTENSIONS)
def test_money_keeps_every_fen(tmp_path: Path, results: list[Outcomes], suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    write_outcomes(path, results, wide=True)
    header, rows = read_back(path)
    col = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    # worked out in test_figures_worked_by_hand: 张家港 第13条, 无锡 (16)
    want = {("zhangjiagang_2017.reward.team.referrer.low", 0): "56715.12",
            ("wuxi_2023.reward.fdi.high", 1): "2330720.5",
            ("zhangjiagang_2017.reward.team.high", 1): "582680.13",
            ("zhangjiagang_2017.reward.team.high", 3): "15000000000.01"}
    for (name, i), text in want.items():
        cell = col[name][i]
        assert (cell == text) if suffix in (".csv", ".tsv") else (cell == float(text)), (name, cell)
    if suffix in (".csv", ".tsv", ".jsonl"):
        raw = path.read_text(encoding="utf-8")
        assert "56715.12" in raw and "2330720.5" in raw and "15000000000.01" in raw and "e+" not in raw


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
def test_a_formula_is_not_run(tmp_path: Path, results: list[Outcomes], suffix: str) -> None:
    path = tmp_path / f"out{suffix}"
    write_outcomes(path, results, carry=CARRY)
    header, rows = read_back(path)
    if suffix == ".xlsx":  # typed as text: shown as given (tests/test_spreadsheet_safety.py reads the XML)
        assert [r[0] for r in rows][4] == "=cmd" and [r[3] for r in rows][4] == "=乙"
    else:
        assert [r[0] for r in rows][4] == "'=cmd" and [r[3] for r in rows][4] == "'=乙"
    if suffix == ".csv":
        assert '"丙, ""丁"""' in path.read_text(encoding="utf-8")


def test_lossless_formats_keep_the_text(tmp_path: Path, results: list[Outcomes]) -> None:
    write_outcomes(tmp_path / "o.jsonl", results)
    first = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()[4])
    assert first["project"] == "=cmd"
    write_outcomes(tmp_path / "o.parquet", results)
    assert pq.read_table(tmp_path / "o.parquet").column("project")[4].as_py() == "=cmd"


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl"])
def test_chunks_make_the_same_bytes(tmp_path: Path, results: list[Outcomes], suffix: str) -> None:
    write_outcomes(tmp_path / f"one{suffix}", results, carry=CARRY)
    write_outcomes(tmp_path / f"many{suffix}", results, carry=CARRY, chunk=1)
    assert (tmp_path / f"one{suffix}").read_bytes() == (tmp_path / f"many{suffix}").read_bytes()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_text_made_in_parts_is_the_same(tmp_path: Path, results: list[Outcomes], suffix: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write_outcomes(tmp_path / f"one{suffix}", results, carry=CARRY)
    monkeypatch.setattr(table_files, "TEXT_BYTES", 1)  # 16 rows formatted one at a time
    write_outcomes(tmp_path / f"parts{suffix}", results, carry=CARRY)
    assert (tmp_path / f"one{suffix}").read_bytes() == (tmp_path / f"parts{suffix}").read_bytes()


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_chunks_make_the_same_values(tmp_path: Path, results: list[Outcomes], suffix: str) -> None:
    write_outcomes(tmp_path / f"one{suffix}", results, carry=CARRY)
    write_outcomes(tmp_path / f"many{suffix}", results, carry=CARRY, chunk=1)
    one, many = read_back(tmp_path / f"one{suffix}"), read_back(tmp_path / f"many{suffix}")
    assert one == many and len(one[1]) == 16


@pytest.mark.parametrize("suffix", EXTENSIONS)
def test_a_failed_write_leaves_the_old_file(tmp_path: Path, results: list[Outcomes], suffix: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"the old file")
    table = TablePlan.table
    calls: list[int] = []

    def failing(self: TablePlan, start: int = 0, stop: int | None = None) -> pa.Table:
        calls.append(start)
        if len(calls) == 3:  # two slices written, then the run fails
            raise RuntimeError("killed mid-way")
        return table(self, start, stop)

    monkeypatch.setattr(TablePlan, "table", failing)
    with pytest.raises(RuntimeError, match="mid-way"):
        write_outcomes(target, results, chunk=1)
    assert target.read_bytes() == b"the old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]
    fresh = tmp_path / f"new{suffix}"
    calls.clear()
    with pytest.raises(RuntimeError):
        write_outcomes(fresh, results, chunk=1)
    assert not fresh.exists() and sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_without_the_analyses_there_are_no_analysis_columns(compiled: list[CompiledPolicy]) -> None:
    plain = evaluate_policies(compiled, from_dicts(PROJECTS), fx=FX, analyse=False)[0]
    names = outcome_table(plain).column_names
    assert "assumed" not in names and "sensitive" not in names and "fx" in names
    assert not any(n.endswith((".assumed", ".sensitive")) for n in outcome_table(plain, wide=True).column_names)


@pytest.mark.parametrize("suffix", EXTENSIONS)
def test_no_projects_is_a_header(tmp_path: Path, compiled: list[CompiledPolicy], suffix: str) -> None:
    empty = evaluate_policies(compiled, from_dicts([]), fx=FX)[0]
    write_outcomes(tmp_path / f"out{suffix}", empty)
    if suffix in (".csv", ".tsv", ".xlsx", ".parquet"):
        header, rows = read_back(tmp_path / f"out{suffix}")
        assert header == outcome_table(empty).column_names and rows == []
    else:
        assert (tmp_path / f"out{suffix}").read_bytes() == b""


def test_an_unknown_extension_names_the_formats(tmp_path: Path, results: list[Outcomes]) -> None:
    with pytest.raises(FormatError) as e:
        write_outcomes(tmp_path / "out.xls", results)
    assert isinstance(e.value, ValueError) and isinstance(e.value, WriteError)
    assert "`.xls`" in e.value.message and e.value.hint and ".parquet" in e.value.hint and ".jsonl" in e.value.hint
    assert list(tmp_path.iterdir()) == []


def test_a_sheet_refuses_too_many_rows(tmp_path: Path, results: list[Outcomes], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_files, "XLSX_MAX_ROWS", 10)  # 16 long rows, 4 wide
    with pytest.raises(FormatError) as e:
        write_outcomes(tmp_path / "out.xlsx", results)
    assert "16 rows" in e.value.message and e.value.hint and "wide" in e.value.hint
    write_outcomes(tmp_path / "out.xlsx", results, wide=True)
    assert len(read_back(tmp_path / "out.xlsx")[1]) == 4


def test_a_sheet_without_openpyxl_says_what_to_install(tmp_path: Path, results: list[Outcomes],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "openpyxl", None)
    with pytest.raises(FormatError) as e:
        write_outcomes(tmp_path / "out.xlsx", results)
    assert e.value.hint == "pip install 'policylab[data]'"
    assert list(tmp_path.iterdir()) == []


def test_numbers_as_text_never_use_an_exponent() -> None:
    x = np.array([12345678901.23, -98765432101.5, 1e-7, 2.5e-6, 1e20, 0.35, 3.5, 0.0, np.inf, np.nan])
    got = number_text(x).to_pylist()
    assert got[:8] == ["12345678901.23", "-98765432101.5", "0.0000001", "0.0000025", "100000000000000000000",
                       "0.35", "3.5", "0"]
    assert got[8:] == [None, None]


def test_carried_columns_of_any_type(tmp_path: Path, results: list[Outcomes]) -> None:
    import datetime

    carry = pa.table({"signed": [datetime.date(2024, 1, 2), None, None, None],
                      "grade": pa.array([1, 2, 1, 2]).dictionary_encode(), "area": [0.1, 1e20, 2.5, 3.0],
                      "note": ["x\ny", "\u202e", "a\tb", "ok"]})
    write_outcomes(tmp_path / "o.csv", results, carry=carry, wide=True)
    write_outcomes(tmp_path / "o.tsv", results, carry=carry, wide=True)
    write_outcomes(tmp_path / "o.jsonl", results, carry=carry, wide=True)
    header, rows = read_back(tmp_path / "o.csv")
    assert rows[0][1:5] == ["2024-01-02", "1", "0.1", "x\\ny"]  # texts escaped as csv_text escapes them
    assert rows[1][1:5] == ["", "2", "100000000000000000000", "\\u202e"]
    assert read_back(tmp_path / "o.tsv")[1][2][4] == "a\\tb"
    objs = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [o["note"] for o in objs] == ["x\ny", "\u202e", "a\tb", "ok"]  # lossless
    assert [o["grade"] for o in objs] == [1, 2, 1, 2] and objs[1]["area"] == 1e20 and objs[1]["signed"] is None
    assert "\u202e" not in (tmp_path / "o.jsonl").read_text(encoding="utf-8")  # written as \u202e


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "named temporary"])
def test_atomic_output_either_way(tmp_path: Path, results: list[Outcomes], unnamed: bool,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    write_outcomes(target, results)
    assert target.read_text(encoding="utf-8").startswith("project,policy,city,")
    assert target.stat().st_mode & 0o777 == 0o640  # the file's permissions are kept
    def disk_full(*args: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(table_files, "_write_delimited", disk_full)
    with pytest.raises(WriteError) as e:
        write_outcomes(target, results)
    assert "disk is full" in e.value.message
    assert target.read_text(encoding="utf-8").startswith("project,") and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def _assumed_cell(name: str, value: object, rule: str | None) -> str:
    """A field of the `assumed` column, from the per-row analysis: the default it took, or the value a
    rule implied (a flag's value; the ratio computed per row is named by its rule)."""
    if rule is None:
        return f"{name}={default_text(name)}"
    if isinstance(value, bool):
        return f"{name}={'true' if value else 'false'} (implied by {rule})"
    return f"{name}={rule} (implied)"
