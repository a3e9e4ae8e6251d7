"""`policylab panel`: city × date × figure in force, and reference projects' outcomes.

Expected values by hand from the texts:
- 张家港 第12条: the FDI weight ratio 1:1 until 2016-12-31, 1.5:1 from 2017-01-01 (自2017年1月1日起实施).
  A foreign project of 4000万美元 registered capital, started, 35% paid in, in 两区一园, referred by another
  district: 3000万～1亿美元 gives 5分, and 受荐单位享受70%的加分 gives the host district 3.5分 (第12条); the
  team reward is 2～5‰ of its 1400万美元 arrived FDI (第13条), at 7 yuan per dollar 196000–490000元.
  Before 2017 the record of Zhangjiagang states no such clause (zhangjiagang_base): absent.
- The made-up example city (examples/time/sources/panel_example_20*.txt, 第二条): 1% of arrived FDI, at most
  100万元, from 2019-01-01; from 2021-07-01 2% at most 300万元 for 500万美元 or more.  At 7 yuan per dollar:
  1000万美元 gives 70万元, then 140万元; 300万美元 gives 21万元, then nothing (below 500万美元); 1亿美元
  gives 700万元 capped at 100万元, then 1400万元 capped at 300万元.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from compare.history.panel import COLUMNS, panel_dates

EXAMPLE = ROOT / "examples" / "time"
EXAMPLE_DOCS = [str(EXAMPLE / "panel_example_2019.policy"), str(EXAMPLE / "panel_example_2021.policy")]
PROJECTS = str(EXAMPLE / "panel_example.projects.yaml")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, env=env,
                          timeout=180)


def rows_of(r: subprocess.CompletedProcess[bytes]) -> list[dict[str, str]]:
    assert r.returncode == 0, r.stderr.decode()
    return list(csv.DictReader(io.StringIO(r.stdout.decode("utf-8"))))


def test_dates_by_year_and_by_month() -> None:
    assert [d.isoformat() for d in panel_dates(2016, 2017, "year")] == ["2016-01-01", "2017-01-01"]
    months = panel_dates(2021, 2021, "month")
    assert len(months) == 12 and months[6].isoformat() == "2021-07-01"
    with pytest.raises(ValueError, match="after"):
        panel_dates(2018, 2017, "year")


def test_zhangjiagang_2016_and_2017() -> None:
    r = run("panel", "zhangjiagang", "--from", "2016", "--to", "2017", "--projects", "examples/projects.yaml",
            "--fx", "7")
    rows = rows_of(r)
    ratio = [(x["date"], x["policy"], x["kind"], x["value"], x["unit"], x["text"], x["article"]) for x in rows
             if x["figure"] == "assessment.fdi_weight_ratio"]
    assert ratio == [("2016-01-01", "zhangjiagang_base", "ratio", "1", "ratio", "1:1", "第12条"),
                     ("2017-01-01", "zhangjiagang_2017", "ratio", "1.5", "ratio", "1.5:1", "第12条")]
    # the base states one figure only: 2016 has one figure row
    assert [x["figure"] for x in rows if x["date"] == "2016-01-01" and x["kind"] != "outcome"] == \
        ["assessment.fdi_weight_ratio"]
    mine = {(x["date"], x["concept"]): (x["outcome"], x["outcome_high"], x["unit"], x["state"]) for x in rows
            if x["project"] == "foreign-4000wan"}
    assert mine[("2016-01-01", "points.host_district")] == ("", "", "", "absent")
    assert mine[("2017-01-01", "points.host_district")] == ("3.5", "3.5", "points", "figure")
    assert mine[("2016-01-01", "reward.team")] == ("", "", "", "absent")
    assert mine[("2017-01-01", "reward.team")] == ("196000", "490000", "CNY", "figure")
    assert b"zhangjiagang_base (until 2016-12-31, start not stated), zhangjiagang_2017 (from 2017-01-01, open)" \
        in r.stderr


def test_a_revision_mid_year_by_year_and_by_month() -> None:
    rows = rows_of(run("panel", *EXAMPLE_DOCS, "--from", "2020", "--to", "2022", "--projects", PROJECTS, "--fx", "7"))
    got = {(x["date"], x["project"]): (x["policy"], x["outcome"], x["state"]) for x in rows if x["kind"] == "outcome"}
    assert got == {
        ("2020-01-01", "fdi-1000wan"): ("panel_example_2019", "700000", "figure"),
        ("2020-01-01", "fdi-300wan"): ("panel_example_2019", "210000", "figure"),
        ("2020-01-01", "fdi-1yi"): ("panel_example_2019", "1000000", "figure"),
        ("2021-01-01", "fdi-1000wan"): ("panel_example_2019", "700000", "figure"),  # the revision: 2021-07-01
        ("2021-01-01", "fdi-300wan"): ("panel_example_2019", "210000", "figure"),
        ("2021-01-01", "fdi-1yi"): ("panel_example_2019", "1000000", "figure"),
        ("2022-01-01", "fdi-1000wan"): ("panel_example_2021", "1400000", "figure"),
        ("2022-01-01", "fdi-300wan"): ("panel_example_2021", "0", "not_eligible"),
        ("2022-01-01", "fdi-1yi"): ("panel_example_2021", "3000000", "figure"),
    }
    figures = {(x["date"], x["figure"]): (x["kind"], x["value"], x["unit"], x["text"], x["article"]) for x in rows
               if x["kind"] != "outcome"}
    assert figures == {
        ("2020-01-01", "fdi_reward.rate"): ("rate", "0.01", "fraction", "1%", "第二条"),
        ("2020-01-01", "fdi_reward.cap"): ("cap", "1000000", "CNY", "100万元", "第二条"),
        ("2021-01-01", "fdi_reward.rate"): ("rate", "0.01", "fraction", "1%", "第二条"),
        ("2021-01-01", "fdi_reward.cap"): ("cap", "1000000", "CNY", "100万元", "第二条"),
        ("2022-01-01", "fdi_reward.threshold"): ("threshold", "5000000", "USD", "500万美元", "第二条"),
        ("2022-01-01", "fdi_reward.rate"): ("rate", "0.02", "fraction", "2%", "第二条"),
        ("2022-01-01", "fdi_reward.cap"): ("cap", "3000000", "CNY", "300万元", "第二条"),
    }
    monthly = rows_of(run("panel", *EXAMPLE_DOCS, "--from", "2021", "--to", "2021", "--by", "month"))
    rate = [(x["date"], x["value"]) for x in monthly if x["figure"] == "fdi_reward.rate"]
    assert rate == [(f"2021-{m:02d}-01", "0.01") for m in range(1, 7)] + [(f"2021-{m:02d}-01", "0.02")
                                                                            for m in range(7, 13)]


def test_a_document_named_on_its_own_counts_for_its_own_period() -> None:
    """zhangjiagang_base alone: 1:1 on 2016-01-01; from 2017-01-01 zhangjiagang_2017 (beside it in its folder,
    第12条) is in force instead, so the base gives no rows for 2017 and 2018, and the command says why."""
    r = run("panel", "policies/zhangjiagang_base.policy", "--from", "2016", "--to", "2018")
    rows = rows_of(r)
    assert [(x["date"], x["policy"], x["text"]) for x in rows] == [("2016-01-01", "zhangjiagang_base", "1:1")]
    assert b"zhangjiagang_2017, not among the policies given, in force on 2 of the 3 dates" in r.stderr


def test_a_city_id_found_along_the_search_path() -> None:
    rows = rows_of(run("panel", "example_panel", "--policies", str(EXAMPLE), "--from", "2019", "--to", "2019"))
    assert {x["policy"] for x in rows} == {"panel_example_2019"}


def test_parquet_keeps_numbers_and_says_who_wrote_it(tmp_path: Path) -> None:
    out = tmp_path / "p.parquet"
    r = run("panel", *EXAMPLE_DOCS, "--from", "2022", "--to", "2022", "--projects", PROJECTS, "--fx", "7",
            "--out", str(out))
    assert r.returncode == 0, r.stderr.decode()
    table = pq.read_table(out)
    assert table.column_names == list(COLUMNS)
    assert table.schema.metadata[b"policylab"] == b"panel"
    rows = table.to_pylist()
    assert [x["outcome"] for x in rows if x["project"] == "fdi-1yi"] == [3_000_000.0]
    assert run("panel", *EXAMPLE_DOCS, "--from", "2022", "--to", "2022", "--out", str(out)).returncode == 0


def test_spreadsheet_formulas_in_project_ids_are_escaped(tmp_path: Path) -> None:
    projects = tmp_path / "p.csv"
    projects.write_text("id,foreign,fdi_arrived[万美元]\n=HYPERLINK(\"http://x\"),true,1000\n", encoding="utf-8")
    out = tmp_path / "panel.csv"
    r = run("panel", *EXAMPLE_DOCS, "--from", "2020", "--to", "2020", "--projects", str(projects), "--fx", "7",
            "--out", str(out))
    assert r.returncode == 0, r.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [x["project"] for x in rows if x["kind"] == "outcome"] == ["'=HYPERLINK(\"http://x\")"]


def test_bad_input_is_a_clear_command_line_error(tmp_path: Path) -> None:
    out = str(tmp_path / "p.csv")
    r = run("panel", "zhangjiagang", "--from", "2018", "--to", "2017", "--out", out)
    assert r.returncode == 2 and b"--from 2018 is after --to 2017" in r.stderr
    r = run("panel", "zhangjiagng", "--from", "2016", "--to", "2017", "--out", out)
    assert r.returncode == 2 and b"no policy file, folder, policy id or city `zhangjiagng`" in r.stderr \
        and b"did you mean `zhangjiagang`" in r.stderr
    r = run("panel", "zhangjiagang", "--from", "2016", "--to", "2017", "--out", str(tmp_path / "p.xlsx"))
    assert r.returncode == 2 and b"unknown output format `.xlsx`" in r.stderr and b".csv, .parquet" in r.stderr
    assert not list(tmp_path.iterdir())


def test_never_over_a_file_it_did_not_write(tmp_path: Path) -> None:
    theirs = tmp_path / "data.csv"
    theirs.write_text("a,b\n1,2\n", encoding="utf-8")
    r = run("panel", *EXAMPLE_DOCS, "--from", "2020", "--to", "2020", "--out", str(theirs))
    assert r.returncode == 2 and b"did not write it" in r.stderr
    assert theirs.read_text(encoding="utf-8") == "a,b\n1,2\n"
    r = run("panel", *EXAMPLE_DOCS, "--from", "2020", "--to", "2020", "--out", str(theirs), "--force")
    assert r.returncode == 0 and theirs.read_text(encoding="utf-8").startswith(",".join(COLUMNS) + "\n")


def test_two_documents_in_force_at_once_stop_the_panel(tmp_path: Path) -> None:
    """Both examples in force from 2019 with neither replacing the other: the timeline's error, exit 1."""
    for name in ("panel_example_2019", "panel_example_2021"):
        text = (EXAMPLE / f"{name}.policy").read_text(encoding="utf-8")
        text = text.replace("effective 2021-07-01", "effective 2019-01-01").replace("  replaces panel_example_2019\n", "")
        (tmp_path / f"{name}.policy").write_text(text, encoding="utf-8")
    (tmp_path / "sources").mkdir()
    for text in (EXAMPLE / "sources").glob("panel_example_*.txt"):
        (tmp_path / "sources" / text.name).write_bytes(text.read_bytes())
    r = run("panel", str(tmp_path), "--from", "2020", "--to", "2020", cwd=tmp_path)
    assert r.returncode == 1, r.stderr.decode()
    assert b"in force at once" in r.stderr and b"Traceback" not in r.stderr


def _md_rows(text: str, first_cell: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines()
            if line.startswith(f"| {first_cell}")]


def test_the_worked_example_in_the_docs_shows_what_the_command_gives() -> None:
    doc = (ROOT / "docs" / "panel.md").read_text(encoding="utf-8")
    command = next(line for line in doc.splitlines() if line.startswith("policylab panel zhangjiagang"))
    args = command.split()[1:]
    args = args[:args.index("--out")]  # the same table, on stdout
    rows = rows_of(run(*args))
    ratio = [[x[c] for c in ("city", "date", "policy", "concept", "figure", "kind", "value", "unit", "text",
                             "article")] for x in rows if x["figure"] == "assessment.fdi_weight_ratio"]
    assert _md_rows(doc, "zhangjiagang |") == ratio
    shown = _md_rows(doc, "201")
    got = {(x["date"], x["concept"]): [x[c] for c in ("date", "policy", "concept", "project", "outcome",
                                                       "outcome_high", "unit", "state")]
           for x in rows if x["project"] == "foreign-4000wan"}
    assert shown == [got[(r[0], r[2])] for r in shown] and len(shown) == 4
