"""Project data in: every format gives the same batch; money, ratios and the other cells parsed
strictly; extra columns carried; a hand-worked evaluation through a spreadsheet-style CSV.

Refused cells and headers, where errors point and the command line are in test_data_in_errors.py.  Every expected value
here is worked out by hand from the cell (4000 in a `[万美元]` column is 4000 × 10^4 = 40,000,000 USD).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import POLICIES

from compare.data.read import from_dicts, from_frame, read_projects
from compare.data.records import InputError
from compare.data.vector import Projects
from compare.engine.batch import CNY, USD, ProjectBatch
from dsl.schema import CATEGORIES, REFERRALS

# ---------------------------------------------------------------- helpers


def write(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def read(tmp_path: Path, text: str, name: str = "p.csv", **kw: Any) -> Projects:
    return read_projects(write(tmp_path, text, name), **kw)


def errors(tmp_path: Path, text: str, name: str = "p.csv", **kw: Any) -> InputError:
    with pytest.raises(InputError) as info:
        read(tmp_path, text, name, **kw)
    return info.value


def money(batch: ProjectBatch, name: str, i: int) -> tuple[float, int, bool]:
    """(amount, currency, given) of money field `name` in row i."""
    c = batch.columns
    return float(c[name][i]), int(c[f"{name}#cur"][i]), bool(c[f"{name}#given"][i])


def ratio(batch: ProjectBatch, name: str, i: int) -> tuple[float, bool]:
    return float(batch.columns[name][i]), bool(batch.columns[f"{name}#given"][i])


def only(e: InputError, code: str) -> Any:
    """The single diagnostic of `e`, which has code `code`."""
    assert [d.code for d in e.diagnostics] == [code], str(e)
    assert e.more == 0
    return e.diagnostics[0]


# ---------------------------------------------------------------- 1. the same records in every format

# Three projects: p1 gives most fields with units in the cells, p2 other units and falses, p3 leaves
# money and ratios empty.  `company_name` is not a field: carried through.
CANON: dict[str, list[Any]] = {
    "id": ["p1", "p2", "p3"],
    "company_name": ["甲公司", "乙公司", "丙公司"],
    "foreign": [True, False, None],
    "registered_capital": ["4000万美元", "1.5亿元", None],
    "total_investment": ["2亿元", "0", None],
    "paid_in_ratio": ["35%", "0.5", None],
    "fdi_arrived": ["USD 2500000", "300万元", None],
    "started": [True, False, None],
    "in_core_zone": [True, None, False],
    "categories": ["fortune_global_500;landmark", None, "foreign_hq"],
    "referral": ["municipal_dept", None, "other_district"],
    "quality_score": [80.0, None, 55.5],
    "year": [2023, None, 2024],
    "industry": ["半导体", None, "biotech"],
}


def _cell(v: Any) -> str:
    return "" if v is None else "true" if v is True else "false" if v is False else str(v)


def delimited(data: dict[str, list[Any]], sep: str) -> str:
    rows = [sep.join(data)] + [sep.join(_cell(v) for v in row) for row in zip(*data.values(), strict=True)]
    return "\n".join(rows) + "\n"


def records(data: dict[str, list[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(data, row, strict=True)) for row in zip(*data.values(), strict=True)]


def numpy_columns(data: dict[str, list[Any]]) -> dict[str, np.ndarray]:
    out = {}
    for k, v in data.items():
        if all(x is None or (isinstance(x, (int, float)) and not isinstance(x, bool)) for x in v):
            out[k] = np.array([np.nan if x is None else float(x) for x in v])
        else:
            out[k] = np.array(v, dtype=object)
    return out


def _xlsx(tmp_path: Path) -> Projects:
    pytest.importorskip("compare.data.xlsx")
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(CANON))
    for row in zip(*CANON.values(), strict=True):
        ws.append(list(row))
    f = tmp_path / "p.xlsx"
    wb.save(f)
    return read_projects(f)


def _yaml(tmp_path: Path) -> Projects:
    pytest.importorskip("compare.data.document")
    import yaml

    return read(tmp_path, yaml.safe_dump(records(CANON), allow_unicode=True, sort_keys=False), "p.yaml")


def _json(tmp_path: Path) -> Projects:
    pytest.importorskip("compare.data.document")
    return read(tmp_path, json.dumps(records(CANON), ensure_ascii=False, indent=1), "p.json")


def _parquet(tmp_path: Path) -> Projects:
    f = tmp_path / "p.parquet"
    pq.write_table(pa.table(CANON), f)
    return read_projects(f)


LOADERS: dict[str, Callable[[Path], Projects | ProjectBatch]] = {
    "tsv": lambda t: read(t, delimited(CANON, "\t"), "p.tsv"),
    "jsonl": lambda t: read(t, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(CANON)), "p.jsonl"),
    "parquet": _parquet,
    "dataframe": lambda t: from_frame(pd.DataFrame(CANON)),
    "arrow": lambda t: from_frame(pa.table(CANON)),
    "arrow_record_batch": lambda t: from_frame(pa.RecordBatch.from_pydict(CANON)),
    "numpy": lambda t: from_frame(numpy_columns(CANON)),
    "dicts": lambda t: from_dicts(records(CANON)),
    "xlsx": _xlsx,
    "yaml": _yaml,
    "json": _json,
}


def test_csv_batch_worked_by_hand(tmp_path: Path) -> None:
    got = read(tmp_path, delimited(CANON, ","))
    b = got.batch
    assert b.ids == ["p1", "p2", "p3"]
    # p1: 4000万美元 = 4000 × 10^4 USD; 2亿元 = 2 × 10^8 CNY; USD 2500000; 35% = 0.35
    assert money(b, "registered_capital", 0) == (40_000_000.0, USD, True)
    assert money(b, "total_investment", 0) == (200_000_000.0, CNY, True)
    assert money(b, "fdi_arrived", 0) == (2_500_000.0, USD, True)
    assert ratio(b, "paid_in_ratio", 0) == (0.35, True)
    # paid_in_capital not given: registered capital × paid-in ratio = 40,000,000 × 0.35, in USD
    assert money(b, "paid_in_capital", 0) == (14_000_000.0, USD, False)
    # p2: 1.5亿元 = 150,000,000 CNY; a given 0; 300万元 = 3,000,000 CNY; bare 0.5 is a ratio
    assert money(b, "registered_capital", 1) == (150_000_000.0, CNY, True)
    assert money(b, "total_investment", 1) == (0.0, CNY, True)
    assert money(b, "fdi_arrived", 1) == (3_000_000.0, CNY, True)
    assert ratio(b, "paid_in_ratio", 1) == (0.5, True)
    assert money(b, "paid_in_capital", 1) == (75_000_000.0, CNY, False)  # 150,000,000 × 0.5
    # p3: empty money and ratio cells are not given, amount 0
    assert money(b, "registered_capital", 2)[0::2] == (0.0, False)
    assert ratio(b, "paid_in_ratio", 2) == (0.0, False)
    assert money(b, "paid_in_capital", 2)[0::2] == (0.0, False)
    c = b.columns
    # p3 gives no `foreign` but is a foreign_hq (外资总部企业, 张家港 第12条): implied foreign (compare.engine.implied)
    assert c["foreign"].tolist() == [True, False, True] and c["foreign#given"].tolist() == [True, True, False]
    assert c["foreign#implied"].tolist() == [-1, -1, 3]
    assert c["started"].tolist() == [True, False, False]
    assert c["in_core_zone"].tolist() == [True, False, False]
    assert c["in_core_zone#given"].tolist() == [True, False, True]
    for cat in CATEGORIES:
        want = [cat in ("fortune_global_500", "landmark"), False, cat == "foreign_hq"]
        assert c[f"categories.{cat}"].tolist() == want, cat
    assert c["categories#given"].tolist() == [True, False, True]
    assert c["referral"].tolist() == [REFERRALS.index("municipal_dept"), REFERRALS.index("none"),
                                      REFERRALS.index("other_district")]
    assert c["referral#given"].tolist() == [True, False, True]
    assert c["quality_score#given"].tolist() == [True, False, True]
    assert c["quality_score"][0] == 80.0 and c["quality_score"][2] == 55.5
    assert c["year"][0] == 2023 and c["year"][2] == 2024 and c["year#given"].tolist() == [True, False, True]
    assert list(c["industry"]) == ["半导体", "", "biotech"]
    assert c["industry#given"].tolist() == [True, False, True]
    assert got.carry is not None and got.carry.column_names == ["company_name"]
    assert got.carry.column("company_name").to_pylist() == ["甲公司", "乙公司", "丙公司"]
    # p2 is domestic (foreign: false) yet gives 300万元 of foreign capital arrived: the record contradicts
    # itself (外商投资法 第2条); a warning at its line (3) and the `foreign` cell (column 3: `p2,乙公司,` is 8
    # characters), and its given values stay as given
    [w] = got.warnings
    assert (w.code, w.span.line, w.span.column) == ("W803", 3, 8)
    assert w.message.startswith("row p2: field `foreign`: `foreign` is false, but the record gives `fdi_arrived > 0`")


@pytest.mark.parametrize("fmt", list(LOADERS))
def test_every_format_gives_the_csv_batch(tmp_path: Path, fmt: str) -> None:
    want = read(tmp_path, delimited(CANON, ",")).batch
    got = LOADERS[fmt](tmp_path)
    batch = got if isinstance(got, ProjectBatch) else got.batch
    assert batch.ids == want.ids
    assert sorted(batch.columns) == sorted(want.columns)
    for name, column in want.columns.items():
        np.testing.assert_array_equal(batch.columns[name], column, err_msg=name, strict=True)
    if isinstance(got, Projects):
        assert got.carry is not None and got.carry.column_names == ["company_name"]
        assert [str(x) for x in got.carry.column("company_name").to_pylist()] == ["甲公司", "乙公司", "丙公司"]


# ---------------------------------------------------------------- 2. money in spreadsheets


def test_header_units_make_bare_numbers_money(tmp_path: Path) -> None:
    b = read(tmp_path, "id,registered_capital[万美元],fdi_arrived[USD],total_investment[亿元]\n"
                       "a,4000,2500000,1.5\nb,0,0,0\nc,,,\n").batch
    assert money(b, "registered_capital", 0) == (40_000_000.0, USD, True)  # 4000 × 10^4
    assert money(b, "fdi_arrived", 0) == (2_500_000.0, USD, True)
    assert money(b, "total_investment", 0) == (150_000_000.0, CNY, True)  # 1.5 × 10^8
    for name in ("registered_capital", "fdi_arrived", "total_investment"):
        assert money(b, name, 1)[0::2] == (0.0, True), name  # 0 is zero, and given
        assert money(b, name, 2)[0::2] == (0.0, False), name  # empty: not given


def test_cells_with_a_unit_override_the_header_unit(tmp_path: Path) -> None:
    b = read(tmp_path, "id,registered_capital[万美元]\na,4000\nb,1.5亿元\nc,USD 40000000\nd,4000万美元\n"
                       "e,0\nf,\n").batch
    assert money(b, "registered_capital", 0) == (40_000_000.0, USD, True)
    assert money(b, "registered_capital", 1) == (150_000_000.0, CNY, True)  # the cell's 亿元 wins
    assert money(b, "registered_capital", 2) == (40_000_000.0, USD, True)
    assert money(b, "registered_capital", 3) == (40_000_000.0, USD, True)
    assert money(b, "registered_capital", 4)[0::2] == (0.0, True)
    assert money(b, "registered_capital", 5)[0::2] == (0.0, False)


def test_units_option_gives_a_bare_column_its_unit(tmp_path: Path) -> None:
    b = read(tmp_path, "id,registered_capital,total_investment\na,4000,3\nb,1.5亿元,\n",
             units={"registered_capital": "万美元", "total_investment": "亿元"}).batch
    assert money(b, "registered_capital", 0) == (40_000_000.0, USD, True)
    assert money(b, "total_investment", 0) == (300_000_000.0, CNY, True)  # 3 × 10^8
    assert money(b, "registered_capital", 1) == (150_000_000.0, CNY, True)
    df = pd.DataFrame({"id": ["a"], "registered_capital": [4000]})
    assert money(from_frame(df, units={"registered_capital": "万美元"}).batch, "registered_capital", 0) == (
        40_000_000.0, USD, True)


def test_dataframe_column_mixing_numbers_and_unit_cells(tmp_path: Path) -> None:
    # what pandas.read_excel gives for a column typed by hand: numbers, and one cell with its own unit
    df = pd.DataFrame({"id": ["a", "b"], "registered_capital[万美元]": pd.Series([4000, "1.5亿元"], dtype=object)})
    b = from_frame(df).batch
    assert money(b, "registered_capital", 0) == (40_000_000.0, USD, True)
    assert money(b, "registered_capital", 1) == (150_000_000.0, CNY, True)


@pytest.mark.parametrize("text", ["id,registered_capital\na,4000\n", "id,registered_capital\na,4000\nb,4000万美元\n"])
def test_bare_money_without_a_unit_is_an_error(tmp_path: Path, text: str) -> None:
    d = only(errors(tmp_path, text), "E802")
    assert "has no currency" in d.message and "registered_capital" in d.message
    assert d.hint is not None and "registered_capital[万美元]" in d.hint  # the header unit


def test_bare_zero_without_a_unit_is_zero(tmp_path: Path) -> None:
    b = read(tmp_path, "id,registered_capital\na,0\nb,\n").batch
    assert money(b, "registered_capital", 0)[0::2] == (0.0, True)
    assert money(b, "registered_capital", 1)[0::2] == (0.0, False)


def test_ratios(tmp_path: Path) -> None:
    b = read(tmp_path, "id,paid_in_ratio\na,35%\nb,0.35\nc,5‰\nd,0\ne,\n").batch
    assert [ratio(b, "paid_in_ratio", i) for i in range(5)] == [(0.35, True), (0.35, True), (0.005, True),
                                                               (0.0, True), (0.0, False)]
    b = read(tmp_path, "id,paid_in_ratio[%]\na,35\nb,35%\nc,100\n").batch  # 35 ÷ 100; a cell's % wins
    assert [ratio(b, "paid_in_ratio", i) for i in range(3)] == [(0.35, True), (0.35, True), (1.0, True)]
    b = read(tmp_path, "id,paid_in_ratio\na,35\n", units={"paid_in_ratio": "%"}).batch
    assert ratio(b, "paid_in_ratio", 0) == (0.35, True)


def test_bare_ratio_above_one_without_a_unit_is_ambiguous(tmp_path: Path) -> None:
    d = only(errors(tmp_path, "id,paid_in_ratio\na,35\n"), "E802")
    assert "paid_in_ratio" in d.message and "35" in d.message


@pytest.mark.parametrize("text", ["id,paid_in_ratio\na,130%\n", "id,paid_in_ratio[%]\na,130\n"])
def test_ratio_above_100_percent(tmp_path: Path, text: str) -> None:
    d = only(errors(tmp_path, text), "E803")
    assert "100%" in d.message


# ---------------------------------------------------------------- 3. strict parsing


@pytest.mark.parametrize("money_header,ratio_header", [("registered_capital", "paid_in_ratio"),
                                                       ("registered_capital[万美元]", "paid_in_ratio[%]")])
@pytest.mark.parametrize("word", ["NaN", "nan", "NULL", "N/A"])
def test_null_words_in_csv_are_not_given(tmp_path: Path, word: str, money_header: str, ratio_header: str) -> None:
    b = read(tmp_path, f"id,{money_header},{ratio_header},foreign,quality_score,referral,categories,year\n"
                       f"a,{word},{word},{word},{word},{word},{word},{word}\n"
                       "b,4000万美元,35%,true,50,municipal_dept,landmark,2023\n").batch
    for name in ("registered_capital", "paid_in_ratio", "foreign", "quality_score", "referral", "year"):
        assert b.columns[f"{name}#given"].tolist() == [False, True], name
    assert b.columns["categories#given"].tolist() == [False, True]
    assert money(b, "registered_capital", 0)[0] == 0.0


def test_nan_in_a_dataframe_is_not_given() -> None:
    df = pd.DataFrame({"id": ["a", "b"], "registered_capital[万美元]": [np.nan, 4000.0],
                       "paid_in_ratio": [np.nan, 0.35],
                       "quality_score": [np.nan, 50.0], "fdi_arrived": [np.nan, "USD 100"],
                       "foreign": [np.nan, True]})
    b = from_frame(df).batch
    assert money(b, "registered_capital", 0)[0::2] == (0.0, False)
    assert money(b, "registered_capital", 1) == (40_000_000.0, USD, True)
    assert money(b, "fdi_arrived", 0)[0::2] == (0.0, False)
    assert money(b, "fdi_arrived", 1) == (100.0, USD, True)
    assert ratio(b, "paid_in_ratio", 0) == (0.0, False)
    assert b.columns["quality_score#given"].tolist() == [False, True]
    assert b.columns["foreign#given"].tolist() == [False, True] and bool(b.columns["foreign"][1])


def test_quality_score_bounds_are_in_range(tmp_path: Path) -> None:
    b = read(tmp_path, "id,quality_score\na,0\nb,100\n").batch
    assert b.columns["quality_score"].tolist() == [0.0, 100.0]


def test_booleans(tmp_path: Path) -> None:
    b = read(tmp_path, "id,foreign,started,licensed,in_core_zone,expansion,manufacturing\n"
                       "a,是,true,1,yes,TRUE,Yes\nb,否,false,0,no,False,NO\n").batch
    for name in ("foreign", "started", "licensed", "in_core_zone", "expansion", "manufacturing"):
        assert b.columns[name].tolist() == [True, False], name
        assert b.columns[f"{name}#given"].tolist() == [True, True], name


def test_category_lists(tmp_path: Path) -> None:
    want = [True, True, False]
    from_lists = from_dicts([{"id": "a", "categories": ["landmark", "foreign_hq"]}, {"id": "b", "categories": ["landmark"]},
                             {"id": "c", "categories": []}])
    assert from_lists.columns["categories.landmark"].tolist() == want[:2] + [False]
    assert from_lists.columns["categories.foreign_hq"].tolist() == [True, False, False]
    arrow = from_frame(pa.table({"id": ["a", "b", "c"],
                                 "categories": [["landmark", "foreign_hq"], ["landmark"], []]})).batch
    text = read(tmp_path, 'id,categories\na,"landmark, foreign_hq"\nb,landmark\nc,\n').batch
    for b in (arrow, text):
        assert b.columns["categories.landmark"].tolist() == [True, True, False]
        assert b.columns["categories.foreign_hq"].tolist() == [True, False, False]


def test_ids_stay_text(tmp_path: Path) -> None:
    assert read(tmp_path, "id,foreign\n007,true\n1e3,false\n").batch.ids == ["007", "1e3"]


# ---------------------------------------------------------------- 4. extra and look-alike columns


def test_extra_columns_are_carried_in_input_order(tmp_path: Path) -> None:
    got = read(tmp_path, "note,id,company_name,registered_capital\n首批,a,甲公司,4000万美元\n,b,乙公司,\n")
    assert got.warnings == []
    assert got.carry is not None and got.carry.column_names == ["note", "company_name"]
    assert got.carry.column("company_name").to_pylist() == ["甲公司", "乙公司"]
    assert got.carry.column("note").to_pylist()[0] == "首批"
    assert money(got.batch, "registered_capital", 0) == (40_000_000.0, USD, True)


def test_no_extra_columns_carry_nothing(tmp_path: Path) -> None:
    got = read(tmp_path, "id,foreign\na,true\n")
    assert got.carry is None or got.carry.num_columns == 0


def test_a_column_like_a_field_warns_once_and_is_carried(tmp_path: Path) -> None:
    got = read(tmp_path, "id,registred_capital,company_name\na,4000万美元,甲公司\n")
    assert [w.code for w in got.warnings] == ["W800"]
    w = got.warnings[0]
    assert "registred_capital" in w.message
    assert "`registered_capital`" in w.message + (w.hint or "")
    assert w.span.line == 1
    assert got.carry is not None and got.carry.column_names == ["registred_capital", "company_name"]
    assert money(got.batch, "registered_capital", 0)[0::2] == (0.0, False)  # not read


# ---------------------------------------------------------------- 7. a hand-worked evaluation

# 张家港 2017, 第12条: "对新引进符合我市产业发展要求的重大外资项目、开工后并有30%以上外资到账的，按注册资本
# 1000～3000万美元、3000万～1亿美元、1亿美元以上的标准分别给予每个项目2、5、10的加分；该项加分项目的投资规模
# 条件对除“两区一园”外的乡镇减半实施。……项目如由市级机关或其他区镇引荐的，受荐单位享受70%的加分。"
# Default readings: tier edges include the lower bound (lower_closed), 30%以上 includes 30%, the halving
# halves the thresholds outside 两区一园 (500～1500万、1500万～5000万、5000万美元以上), new projects only.
EVAL_CSV = """id,foreign,started,paid_in_ratio[%],in_core_zone,referral,registered_capital[万美元],company_name
t_500,true,true,35,true,,500,below the first tier
t_1000,true,true,35,true,,1000,1000万美元 is in 1000～3000
t_2999,true,true,35,true,,2999.99,still 1000～3000
t_3000,true,true,35,true,,3000,3000万～1亿
t_9999,true,true,35,true,,9999,3000万～1亿
t_1yi,true,true,35,true,,10000,1亿美元以上
t_town400,true,true,35,false,,400,below the halved 500
t_town600,true,true,35,false,,600,halved 500～1500
t_town1500,true,true,35,false,,1500,halved 1500～5000
t_town5000,true,true,35,false,,5000,halved 5000以上
t_paid25,true,true,25,true,,4000,only 25% arrived
t_paid30,true,true,30,true,,4000,30%以上 includes 30%
t_cny,true,true,35,true,,2.8亿元,280000000 CNY at 7.0 = 4000万美元
t_referred,true,true,35,true,other_district,4000,70% of 5
t_domestic,false,true,35,true,,4000,not foreign
t_not_started,true,false,35,true,,4000,not started
"""
# id -> points to the host district, or None for not eligible
EXPECTED_POINTS: dict[str, float | None] = {
    "t_500": None, "t_1000": 2, "t_2999": 2, "t_3000": 5, "t_9999": 5, "t_1yi": 10,
    "t_town400": None, "t_town600": 2, "t_town1500": 5, "t_town5000": 10,
    "t_paid25": None, "t_paid30": 5, "t_cny": 5, "t_referred": 0.7 * 5, "t_domestic": None, "t_not_started": None,
}


@pytest.fixture(scope="module")
def zhangjiagang() -> Any:
    from compare.api import load_policy

    return load_policy(POLICIES / "zhangjiagang_2017.policy")


def _check_points(outcomes: Any) -> None:
    assert outcomes.ids == list(EXPECTED_POINTS)
    for i, (pid, want) in enumerate(EXPECTED_POINTS.items()):
        if want is None:
            assert outcomes.state("points.host_district", i) == "not_eligible", pid
        else:
            assert outcomes.value("points.host_district", i) == pytest.approx(want), pid


def test_clause_12_through_a_spreadsheet_csv(tmp_path: Path, zhangjiagang: Any) -> None:
    from compare.api import run

    f = write(tmp_path, EVAL_CSV)
    results, _ = run([zhangjiagang], f, fx=7.0)
    _check_points(results[0])


def test_clause_12_through_from_frame(tmp_path: Path, zhangjiagang: Any) -> None:
    from compare.engine.runs import evaluate_policies

    df = pd.read_csv(write(tmp_path, EVAL_CSV), dtype={"referral": object})
    got = from_frame(df)
    assert got.carry is not None and got.carry.column_names == ["company_name"]
    results, _ = evaluate_policies([zhangjiagang], got.batch, 7.0, {})
    _check_points(results[0])


def test_clause_12_arrow_table_in_arrow_table_out(tmp_path: Path, zhangjiagang: Any) -> None:
    """The API end to end: a pyarrow Table in, a wide pyarrow Table out, the same hand-worked points."""
    import pyarrow.csv as pcsv

    from compare.api import evaluate

    table = pcsv.read_csv(write(tmp_path, EVAL_CSV), convert_options=pcsv.ConvertOptions(
        column_types={"id": pa.string(), "referral": pa.string()}))
    out = evaluate([zhangjiagang], table, fx=7.0, wide=True, output="arrow")
    assert isinstance(out, pa.Table) and out.num_rows == len(EXPECTED_POINTS)
    assert out.column("company_name").to_pylist()[0] == "below the first tier"
    low = out.column("zhangjiagang_2017.points.host_district.low").to_pylist()
    state = out.column("zhangjiagang_2017.points.host_district.state").to_pylist()
    for k, want in enumerate(EXPECTED_POINTS.values()):
        if want is None:
            assert state[k] == "not_eligible"
        else:
            assert low[k] == pytest.approx(want)


def test_clause_12_dataframe_in_dataframe_out(tmp_path: Path, zhangjiagang: Any) -> None:
    from compare.api import evaluate

    df = pd.read_csv(write(tmp_path, EVAL_CSV), dtype={"referral": object})
    out = evaluate([zhangjiagang], df, fx=7.0)
    assert isinstance(out, pd.DataFrame) and list(out["project"]) == list(EXPECTED_POINTS)
    got = dict(zip(out["project"], out["points.host_district.high"], strict=True))
    assert got["t_referred"] == pytest.approx(0.7 * 5) and got["t_1yi"] == pytest.approx(10)
    assert str(out["points.host_district.state"].dtype) == "category"
