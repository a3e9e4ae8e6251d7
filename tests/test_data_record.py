"""A city's own fields read from project files: every format, every declared type, the same columns.

The record is the run's (a policy declares `field …`, `category …`, `choice …`); the readers take
it instead of the fixed built-in record.  Expected columns are worked out by hand from the cells:
1200平方米 × 0.0015 = 1.8亩 (1亩 = 2000/3 平方米); 2024-03-01 is 54 × 365 + 13 leap days
(1972 … 2020) + 31 + 29 = 19783 days after 1970-01-01; 500万元 at 7.1元 per 美元 is
5,000,000 / 7.1 = 704,225.352… → 704,225.35美元.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import HEADER, ROOT

from compare.data.read import from_dicts, from_frame, read_projects
from compare.data.records import InputError
from compare.data.records import Record as Rec
from compare.data.validate import clean_records, columns
from compare.engine.batch import CNY, USD, ProjectBatch
from dsl.check.driver import check_text
from dsl.record import CORE, Record

DECLARATIONS = """
field new_jobs "新增就业人数" { type count 人  default 0人  en "new employees" }
field rent_area "租赁面积" { type area 平方米  default 0平方米 }
field land_area "用地面积" { type area  default 0亩 }
field zone "所在区域" { type choice { key_area "重点区域", ordinary "一般区域" }  default ordinary }
field honours "企业荣誉" { type set { gazelle "瞪羚企业", unicorn "独角兽企业" } }
field equipment "设备投资额" { type money  default 0元 }
field usd_loan "外债" { type money 美元  default 0美元 }
field hq "总部" { type bool  default false }
field remark "备注" { type text  default "" }
field patents "专利数" { type integer  default 0 }
field score "评分" { type number  default 0 }
field outside_share "市外投资占比" { type ratio  default 0% }
field landed_on "落地日期" { type date }
category little_giant "专精特新“小巨人”企业" { en "little giant" }
choice referral social_org "社会组织"
"""

LANDED = 19783.0  # 2024-03-01, worked out in the module's docstring


@pytest.fixture(scope="module")
def record() -> Record:
    policy, _ = check_text(HEADER + DECLARATIONS, "t.policy")
    assert policy is not None
    r = policy.record
    assert "rent_area" in r.fields and "landed_on" in r.declared
    return r


def write(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def errors(path: Path, record: Record) -> InputError:
    with pytest.raises(InputError) as info:
        read_projects(path, record=record)
    return info.value


def col(batch: ProjectBatch, name: str) -> list[Any]:
    return batch.columns[name].tolist()


# ---------------------------------------------------------------- 1. one record, every format

# Two projects: p1 gives every declared field (labels, units in the cells), p2 only the required date.
ROWS: list[dict[str, Any]] = [
    {"id": "p1", "new_jobs": "15人", "rent_area": "1200平方米", "land_area": "1公顷", "zone": "重点区域",
     "honours": "gazelle;独角兽企业", "equipment": "500万元", "usd_loan": "100", "hq": "是", "remark": "007",
     "patents": "3", "score": "2.5", "outside_share": "35%", "landed_on": "2024-03-01",
     "categories": "little_giant;landmark", "referral": "社会组织"},
    {"id": "p2", "landed_on": "2024-01-01"},
]


def _expect(batch: ProjectBatch, record: Record) -> None:
    assert batch.record is record
    assert col(batch, "new_jobs") == [15.0, 0.0]
    assert col(batch, "rent_area") == [1.8, 0.0]  # 1200 × 0.0015亩
    assert col(batch, "land_area") == [15.0, 0.0]  # 1公顷 = 15亩
    assert col(batch, "zone") == [0, 1]  # key_area (by its label), the default ordinary
    assert batch.columns["zone"].dtype == np.int16
    assert col(batch, "honours.gazelle") == [True, False] and col(batch, "honours.unicorn") == [True, False]
    assert col(batch, "equipment") == [5_000_000.0, 0.0] and col(batch, "equipment#cur") == [CNY, CNY]
    assert col(batch, "usd_loan") == [100.0, 0.0] and col(batch, "usd_loan#cur")[0] == USD  # `type money 美元`
    assert col(batch, "hq") == [True, False]
    assert col(batch, "remark") == ["007", ""]  # text as written, never the number 7
    assert col(batch, "patents") == [3.0, 0.0] and col(batch, "score") == [2.5, 0.0]
    assert col(batch, "outside_share") == [0.35, 0.0]
    assert col(batch, "landed_on") == [LANDED, LANDED - 31 - 29]
    assert col(batch, "categories.little_giant") == [True, False]
    assert col(batch, "categories.landmark") == [True, False]
    assert col(batch, "referral")[0] == record.choices("referral").index("social_org") == 4
    for name in ("new_jobs", "zone", "honours", "equipment", "remark"):
        assert col(batch, f"{name}#given") == [True, False], name
    assert col(batch, "landed_on#given") == [True, True]


def _csv(rows: list[dict[str, Any]], sep: str = ",") -> str:
    headers = list(dict.fromkeys(k for r in rows for k in r))
    return "\n".join([sep.join(headers), *(sep.join(str(r.get(h, "")) for h in headers) for r in rows)]) + "\n"


def test_csv(tmp_path: Path, record: Record) -> None:
    _expect(read_projects(write(tmp_path, _csv(ROWS)), record=record).batch, record)


def test_yaml(tmp_path: Path, record: Record) -> None:
    text = "\n".join("- {" + ", ".join(f"{k}: {v}" for k, v in r.items()) + "}" for r in ROWS)
    _expect(read_projects(write(tmp_path, text.replace("remark: 007", "remark: 007"), "p.yaml"),
                          record=record).batch, record)


def test_json(tmp_path: Path, record: Record) -> None:
    rows = [dict(r) for r in ROWS]
    rows[0]["honours"] = ["gazelle", "unicorn"]
    rows[0]["patents"] = 3
    _expect(read_projects(write(tmp_path, json.dumps(rows, ensure_ascii=False), "p.json"), record=record).batch,
            record)


def test_jsonl_and_dicts(tmp_path: Path, record: Record) -> None:
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS)
    _expect(read_projects(write(tmp_path, text, "p.jsonl"), record=record).batch, record)
    _expect(from_dicts(ROWS, record=record), record)


def test_xlsx_with_header_units_and_a_real_date(tmp_path: Path, record: Record) -> None:
    """Spreadsheets keep numbers: units in the headers; a date cell is a date."""
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "new_jobs[人]", "rent_area[平方米]", "zone", "equipment[万元]", "landed_on", "patents"])
    ws.append(["p1", 15, 1200, "key_area", 500, dt.datetime(2024, 3, 1), 3])
    ws.append(["p2", None, None, None, None, dt.datetime(2024, 1, 1), None])
    wb.save(tmp_path / "p.xlsx")
    batch = read_projects(tmp_path / "p.xlsx", record=record).batch
    assert col(batch, "new_jobs") == [15.0, 0.0]
    assert col(batch, "rent_area") == [1.8, 0.0]
    assert col(batch, "zone") == [0, 1]
    assert col(batch, "equipment") == [5_000_000.0, 0.0]
    assert col(batch, "landed_on") == [LANDED, LANDED - 60]
    assert col(batch, "patents") == [3.0, 0.0]


def test_parquet_native_dates_and_area_in_the_declared_unit(tmp_path: Path, record: Record) -> None:
    import datetime as dt

    table = pa.table({"id": ["p1", "p2"], "landed_on": pa.array([dt.date(2024, 3, 1), dt.date(1970, 1, 2)]),
                      "rent_area": [2000.0, None], "honours": [["unicorn"], None]})
    pq.write_table(table, tmp_path / "p.parquet")
    batch = read_projects(tmp_path / "p.parquet", record=record).batch
    assert col(batch, "landed_on") == [LANDED, 1.0]
    assert col(batch, "rent_area") == [3.0, 0.0]  # 2000平方米 (the declared unit) × 0.0015
    assert col(batch, "honours.unicorn") == [True, False]
    assert from_frame(table, record=record).batch.columns["landed_on"].tolist() == [LANDED, 1.0]


def test_areas_convert_exactly() -> None:
    """As decimals: 0.1平方米 × 0.0015 is 0.00015亩, not the float product 0.00015000000000000001."""
    p, _ = check_text(HEADER + 'field a "面积" { type area  default 0亩 }', "t.policy")
    assert p is not None
    batch = from_dicts([{"id": "p", "a": "0.1平方米"}, {"id": "q", "a": "3㎡"}], record=p.record)
    assert col(batch, "a") == [float("0.00015"), float("0.0045")]


def test_the_core_record_is_the_default(tmp_path: Path) -> None:
    """A caller that names no record reads the built-in one: a declared field's column is carried."""
    got = read_projects(write(tmp_path, "id,rent_area\np1,1200平方米\n"))
    assert got.batch.record is CORE and "rent_area" not in got.batch.columns
    assert got.carry is not None and got.carry.column_names == ["rent_area"]


# ---------------------------------------------------------------- 2. bad inputs


def test_required_field_missing_names_row_and_field(tmp_path: Path, record: Record) -> None:
    e = errors(write(tmp_path, "id,landed_on\np1,2024-03-01\np2,\n"), record)
    assert [d.code for d in e.diagnostics] == ["E814"]
    d = e.diagnostics[0]
    assert "p2" in d.message and "`landed_on`" in d.message and d.span.line == 3
    assert d.hint is not None and "default" in d.hint


def test_required_column_absent_is_every_row(tmp_path: Path, record: Record) -> None:
    e = errors(write(tmp_path, "id\np1\np2\np3\n"), record)
    assert [d.code for d in e.diagnostics] == ["E814"] * 3
    assert [d.span.line for d in e.diagnostics] == [2, 3, 4]


def test_wrong_type_in_an_xlsx_column(tmp_path: Path, record: Record) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "landed_on", "new_jobs", "patents", "hq"])
    ws.append(["p1", "2024-03-01", "many", 2.5, "maybe"])
    ws.append(["p2", "2024-02-30", 3, 1, True])
    wb.save(tmp_path / "p.xlsx")
    e = errors(tmp_path / "p.xlsx", record)
    got = [(d.code, d.span.line, d.span.column, d.message.split(": ", 2)[-1]) for d in e.diagnostics]
    assert got == [("E802", 2, 3, "`many` is not a count"), ("E802", 2, 4, "`2.5` is not a whole number"),
                   ("E802", 2, 5, "`maybe` is not true or false"), ("E802", 3, 2, "`2024-02-30` is not a date")]


def test_value_not_among_the_declared_choices(tmp_path: Path, record: Record) -> None:
    e = errors(write(tmp_path, "id,landed_on,zone,honours\np1,2024-03-01,key_aera,\np2,2024-03-01,,gazele\n"),
               record)
    assert [(d.code, d.span.line) for d in e.diagnostics] == [("E804", 2), ("E804", 3)]
    assert e.diagnostics[0].hint == "did you mean `key_area`?"
    assert e.diagnostics[1].hint == "did you mean `gazelle`?"


def test_a_category_or_referral_no_policy_of_the_run_adds(tmp_path: Path) -> None:
    """`little_giant` is a value only where a policy of the run declares it."""
    e = errors(write(tmp_path, "id,categories,referral\np1,little_giant,social_org\n"), CORE)
    assert [d.code for d in e.diagnostics] == ["E804", "E804"]


def test_negative_area_and_wrong_unit(tmp_path: Path, record: Record) -> None:
    e = errors(write(tmp_path, "id,landed_on,rent_area,new_jobs\np1,2024-03-01,-5,3亩\n"), record)
    assert [(d.code, d.message.split(": ")[-1]) for d in e.diagnostics] == [
        ("E803", "`-5` is negative"), ("E802", "`3亩` is not a count")]


def test_header_unit_that_does_not_fit(tmp_path: Path, record: Record) -> None:
    e = errors(write(tmp_path, "id,landed_on,rent_area[人],new_jobs[亩]\np1,2024-03-01,1,1\n"), record)
    assert [d.code for d in e.diagnostics] == ["E811", "E811"]


def test_unknown_columns(tmp_path: Path, record: Record) -> None:
    """A lookalike of a field is W800; a column with a unit in its header that no policy of the run
    reads is W805; both are carried through, as a company name is, silently."""
    got = read_projects(write(tmp_path, "id,landed_on,zoen,greenhouse[平方米],company\np1,2024-03-01,x,3,甲\n"),
                        record=record)
    assert [(w.code, w.message.split("`")[1]) for w in got.warnings] == [("W800", "zoen"), ("W805", "greenhouse[平方米]")]
    assert got.carry is not None and got.carry.column_names == ["zoen", "greenhouse[平方米]", "company"]


# ---------------------------------------------------------------- 3. a project's own exchange rate


def test_own_rates_convert_exactly_half_away_from_zero(tmp_path: Path) -> None:
    """0.05美元 × 7.1 = 0.355元 → 0.36 (the float product 0.35499… would give 0.35); 0.05元 / 2 = 0.025美元
    → 0.03 (half away from zero, not to even); 100万美元 × 7.2 (fx_rate.fdi_arrived overrides
    fx_rate 7.1) = 720万元; a row without a rate keeps the run's (NaN, not own)."""
    text = ("id,fdi_arrived,registered_capital,fx_rate,fx_rate.fdi_arrived\n"
            "p1,0.05美元,0.05元,2,\n"
            "p2,100万美元,500万元,7.1,7.2\n"
            "p3,0.05美元,,7.1,\n"
            "p4,100万美元,,,\n")
    batch = read_projects(write(tmp_path, text)).batch
    c = batch.columns
    assert c["fdi_arrived#own"].tolist() == [True, True, True, False]
    assert c["fdi_arrived#alt"].tolist()[:3] == [0.10, 7_200_000.0, 0.36]  # 0.05 × 2 = 0.10
    assert c["registered_capital#alt"].tolist()[:2] == [0.03, 704_225.35]
    assert np.isnan(c["fdi_arrived#rate"][3]) and c["fdi_arrived#rate"].tolist()[:3] == [2.0, 7.2, 7.1]
    assert c["registered_capital#rate"].tolist()[1] == 7.1
    assert np.isnan(c["fx_rate"][3]) and c["fx_rate"].tolist()[:3] == [2.0, 7.1, 7.1]
    assert batch.own_rate("fdi_arrived")


def test_own_rates_beyond_64_bits_stay_exact(tmp_path: Path) -> None:
    """Products past 2^62 fen are computed in whole numbers of any size: 1万亿美元 × 7.123456789 is
    7,123,456,789,000元 exactly, and 7,123,456,789,000元 ÷ 7.123456789 is 1万亿美元."""
    text = "id,fdi_arrived,fx_rate\np1,1万亿美元,7.123456789\np2,7123456789000元,7.123456789\np3,1美元,7.1\n"
    c = read_projects(write(tmp_path, text)).batch.columns
    assert c["fdi_arrived#alt"].tolist() == [7_123_456_789_000.0, 1_000_000_000_000.0, 7.1]


def test_no_rate_columns_no_rate_columns_in_the_batch(tmp_path: Path) -> None:
    batch = read_projects(write(tmp_path, "id,fdi_arrived\np1,100万美元\n")).batch
    assert not any(k.startswith("fx_rate") or k.endswith(("#alt", "#own", "#rate")) for k in batch.columns)


@pytest.mark.parametrize("cell", ["0", "-7.1", "abc", "inf"])
def test_bad_rate(tmp_path: Path, cell: str) -> None:
    e = errors(write(tmp_path, f"id,fdi_arrived,fx_rate\np1,100万美元,{cell}\n"), CORE)
    assert [(d.code, d.span.line) for d in e.diagnostics] == [("E815", 2)]
    assert "`fx_rate`" in e.diagnostics[0].message and "p1" in e.diagnostics[0].message


def test_a_misspelt_rate_column_is_told(tmp_path: Path) -> None:
    got = read_projects(write(tmp_path, "id,fdi_arrived,fx_rates\np1,100万美元,7.1\n"))
    assert [(w.code, w.hint) for w in got.warnings] == [("W800", "did you mean `fx_rate`? rename the column if it "
                                                                 "should be read")]
    assert "fx_rate" not in got.batch.columns


def test_rate_of_a_field_that_is_not_money(tmp_path: Path) -> None:
    e = errors(write(tmp_path, "id,fdi_arrived,fx_rate.fdi_arived\np1,100万美元,7.1\n"), CORE)
    assert [d.code for d in e.diagnostics] == ["E815"] and e.diagnostics[0].hint == "did you mean `fdi_arrived`?"


# ---------------------------------------------------------------- 4. policy cases (records one by one)


def test_case_records_read_the_policy_record(record: Record) -> None:
    rows = clean_records([Rec({"id": "c1", "rent_area": "1200平方米", "zone": "重点区域", "landed_on": "2024-03-01",
                               "honours": ["gazelle"]}, 1)], "c.cases.yaml", record)
    batch = columns(rows, record)
    assert col(batch, "rent_area") == [1.8] and col(batch, "zone") == [0] and col(batch, "landed_on") == [LANDED]
    assert col(batch, "honours.gazelle") == [True] and batch.record is record


def test_case_records_required_lookalike_and_other_keys(record: Record) -> None:
    warnings: list[Any] = []
    with pytest.raises(InputError) as info:
        clean_records([Rec({"id": "c1", "rent_aera": "1", "xyzzy": "red"}, 1)], "c.cases.yaml", record, warnings)
    assert sorted(d.code for d in info.value.diagnostics) == ["E801", "E814"]
    assert [w.code for w in warnings] == ["W805"]


# ---------------------------------------------------------------- 5. the command line


POLICY = """policy {id} {{
  city {id} "{city}"
  source "src.txt"
}}
field rent_area "租赁面积" {{ type area {unit}  default 0{unit} }}
field landed_on "落地日期" {{ type date }}
clause c "奖励" {{ concept reward.fdi  cite "第一条" "奖励1元"  value 1元 }}
"""


def _policy(folder: Path, pid: str, unit: str = "平方米") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "src.txt").write_text("第一条 奖励1元。\n", encoding="utf-8")
    path = folder / f"{pid}.policy"
    path.write_text(POLICY.format(id=pid, city=pid.upper(), unit=unit), encoding="utf-8")
    return path


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_eval_reads_the_declared_fields(tmp_path: Path) -> None:
    """The run's record reaches the reader: a required declared field missing is E814 (with the core
    record the column would be carried silently and nothing reported)."""
    policy = _policy(tmp_path / "a", "city_a")
    ok = write(tmp_path, "id,rent_area,landed_on\np1,1200平方米,2024-03-01\n")
    r = _cli("eval", policy, "--projects", ok)
    assert r.returncode == 0, r.stderr
    missing = write(tmp_path, "id,rent_area\np1,1200平方米\n", "m.csv")
    r = _cli("eval", policy, "--projects", missing)
    assert r.returncode == 1 and "error[E814]" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("command", ["eval", "compare", "diff"])
def test_two_cities_one_field_two_units(tmp_path: Path, command: str) -> None:
    """Checked together (eval, compare) or one by one (diff's two policies), the conflict is one E212
    and exit 1, never a traceback."""
    a = _policy(tmp_path / "a", "city_a", "平方米")
    b = _policy(tmp_path / "b", "city_b", "亩")
    projects = write(tmp_path, "id,landed_on\np1,2024-03-01\n")
    r = _cli(command, a, b, "--projects", projects)
    assert r.returncode == 1, r.stderr
    assert r.stderr.count("[E212]") == 1 and "rent_area" in r.stderr and "Traceback" not in r.stderr


def test_units_option_names_a_declared_field(record: Record) -> None:
    """`--unit land_area=平方米` (units= in the API): bare numbers of a field declared in 亩 read in 平方米."""
    batch = from_dicts([{"id": "p1", "land_area": 2000, "landed_on": "2024-03-01"}], {"land_area": "平方米"}, record)
    assert col(batch, "land_area") == [3.0]  # 2000 × 0.0015


def test_api_reads_with_the_policies_record(tmp_path: Path) -> None:
    """compare.api: evaluate and run read the declared fields of the policies they are given; two that
    disagree on a field are a PolicyError (E212), not a traceback from the reader."""
    from compare import api
    from dsl.diagnostics import PolicyError

    a = api.load_policy(_policy(tmp_path / "a", "city_a"))
    b = api.load_policy(_policy(tmp_path / "b", "city_b", "亩"))
    assert api.run_fields([a]).declared["rent_area"].unit == "平方米"
    with pytest.raises(InputError) as info:
        api.outcomes([a], [{"id": "p1"}])
    assert [d.code for d in info.value.diagnostics] == ["E814"]
    frame = api.evaluate([a], [{"id": "p1", "landed_on": "2024-03-01", "rent_area": "1200平方米"}])
    assert list(frame["project"]) == ["p1"]
    with pytest.raises(PolicyError) as conflict:
        api.run([a, b], [{"id": "p1", "landed_on": "2024-03-01"}])
    assert [d.code for d in conflict.value.diagnostics] == ["E212"]


def test_outputs_say_which_rate_each_project_used(tmp_path: Path) -> None:
    """p1 gives its own rate (7.1), p2 none: the run's (--fx 7.0) is p2's.  JSON rows, the long table's
    `fx`, the wide table's `fx_rate` and the text table's note each say so."""
    projects = write(tmp_path, "id,fdi_arrived,fx_rate\np1,100万美元,7.1\np2,100万美元,\n")
    wuxi = ROOT / "policies" / "wuxi_2023.policy"
    r = _cli("eval", wuxi, "--projects", projects, "--fx", "7.0", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert [(x["project"], x["fx"], x.get("fx_own", False)) for x in json.loads(r.stdout)] == [
        ("p1", 7.1, True), ("p2", 7.0, False)]
    r = _cli("eval", wuxi, "--projects", projects, "--fx", "7.0")
    assert "p1: USD→CNY 7.1, the project's own rate (fx_rate)" in r.stdout and "p2: USD→CNY" not in r.stdout
    long, wide = tmp_path / "long.parquet", tmp_path / "wide.parquet"
    assert _cli("eval", wuxi, "--projects", projects, "--fx", "7.0", "--out", long, "--layout", "long").returncode == 0
    assert _cli("eval", wuxi, "--projects", projects, "--fx", "7.0", "--out", wide).returncode == 0
    assert pq.read_table(long).column("fx").to_pylist() == [7.1, 7.0]
    assert pq.read_table(wide).column("fx_rate").to_pylist() == [7.1, None]
    r = _cli("compare", wuxi, "--projects", projects, "--fx", "7.0")
    assert r.stdout.count("the project's own rate") == 1
