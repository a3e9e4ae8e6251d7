"""eval, compare and explain of a project file over years, and the API's evaluate_years.

Worked by hand from examples/time/sources/y01_fdi_over_years.txt: 第二条 a reward of 10% of the foreign
capital that arrived that year; 第三条 at most 30万元 per firm over its years (单个企业累计最高).
examples/time/projects_years.csv:
- p1: 2024 100万元 -> 10万元; 2025 150万元 -> 15万元 (25万元 so far); 2026 100万元 -> 10万元, but only
  30 − 25 = 5万元 of the cap is left -> 5万元; in total 30万元;
- p2: 2025 50万元 -> 5万元; 2026 200万元 -> 20万元 (25万元 so far, under the cap); in total 25万元.
Summed over the projects: 2024 10万元, 2025 20万元, 2026 25万元, in total 55万元.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT

EX = ROOT / "examples" / "time"
POLICY = str(EX / "y01_fdi_over_years.policy")
LONG, WIDE = str(EX / "projects_years.csv"), str(EX / "projects_years_wide.csv")
# (project, year, reward.arrival in yuan) by hand, as the module's docstring works them out
EXPECTED = [("p1", "2024", 100000), ("p1", "2025", 150000), ("p1", "2026", 50000), ("p1", "total", 300000),
            ("p2", "2025", 50000), ("p2", "2026", 200000), ("p2", "total", 250000)]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("projects", [LONG, WIDE])
def test_eval_table_has_a_row_per_project_and_year_and_the_totals(projects: str) -> None:
    r = run("eval", POLICY, "--projects", projects, "-q")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["project", "year", "city", "reward.arrival"]
    body = [line.split() for line in lines[2:9]]
    assert [(p, y, int(v)) for p, y, _, v in body] == EXPECTED


def test_eval_json_gives_each_row_its_year() -> None:
    r = run("eval", POLICY, "--projects", LONG, "-q", "--format", "json")
    rows = json.loads(r.stdout)
    assert [(x["project"], x["year"], x["outcomes"]["reward.arrival"]) for x in rows] == \
        [(p, int(y) if y != "total" else y, v) for p, y, v in EXPECTED]


def test_eval_csv_on_stdout_and_in_files_long_and_wide(tmp_path: Path) -> None:
    r = run("eval", POLICY, "--projects", WIDE, "-q", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["project"], x["year"], int(x["reward.arrival.low"])) for x in rows] == EXPECTED
    assert [x["year_of_life"] for x in rows] == ["1", "2", "3", "", "1", "2", ""]
    assert [x["company"] for x in rows] == ["甲公司"] * 4 + ["乙公司"] * 3  # a carried column, per row
    out = tmp_path / "o.parquet"
    r = run("eval", POLICY, "--projects", LONG, "-q", "--out", str(out), "--layout", "wide")
    assert r.returncode == 0 and "wrote 7 rows (5 project-years and 2 totals)" in r.stderr
    t = pq.read_table(out).to_pydict()
    assert list(zip(t["project"], t["year"], t["y01_fdi_over_years.reward.arrival.low"], strict=True)) == \
        [(p, y, float(v)) for p, y, v in EXPECTED]


def test_compare_gives_the_cities_per_year_and_in_total() -> None:
    r = run("compare", POLICY, "--projects", LONG, "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("2 projects over 2024–2026")
    block = r.stdout.split("reward.arrival", 1)[1].splitlines()
    assert [line.split() for line in block[2:6]] == [["2024", "10万元"], ["2025", "20万元"], ["2026", "25万元"],
                                                     ["total", "55万元"]]


def test_explain_shows_each_year_and_the_cap_that_binds() -> None:
    r = run("eval", POLICY, "--projects", LONG, "-q", "--explain", "p1")
    assert r.returncode == 0, r.stderr
    assert "2026 (year 3 of its life)" in r.stdout
    assert "cumulative cap 30万元: 5万元 left of it after 2024–2025 → 5万元" in r.stdout
    assert "in total over 2024–2026\n  reward.arrival: 30万元" in r.stdout


def test_explain_of_a_project_the_file_lacks_is_a_command_line_error() -> None:
    r = run("eval", POLICY, "--projects", LONG, "-q", "--explain", "p9")
    assert r.returncode == 2 and "no project `p9`" in r.stderr


def test_a_bad_year_in_the_file_is_reported_at_its_line_with_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,year,fdi_arrived\np1,2024,1万元\np1,2026,1万元\n", encoding="utf-8")
    r = run("eval", POLICY, "--projects", str(bad), "-q")
    assert r.returncode == 1 and "bad.csv:3:4: error[E820]" in r.stderr and "Traceback" not in r.stderr


def test_the_api_gives_the_tables_per_year_and_in_total() -> None:
    from compare.api import evaluate_years

    t = evaluate_years([POLICY], LONG)
    by_year = t.by_year
    assert list(zip(by_year["project"], by_year["year"], by_year["reward.arrival.low"], strict=True)) == \
        [(p, int(y), float(v)) for p, y, v in EXPECTED if y != "total"]
    assert list(zip(t.total["project"], t.total["reward.arrival.low"], strict=True)) == [("p1", 300000.0),
                                                                                     ("p2", 250000.0)]
    assert len(t.due_later) == 0


def test_the_api_reads_a_dataframe_over_years() -> None:
    import pandas as pd

    from compare.api import evaluate_years

    frame = pd.read_csv(LONG)
    assert list(evaluate_years([POLICY], frame).total["reward.arrival.low"]) == [300000.0, 250000.0]


def test_instalments_after_the_files_last_year_are_due_later_not_in_the_totals(tmp_path: Path) -> None:
    """examples/time/sources/b13_schedules.txt 第二条: 3% of the first year's arrived capital, 分三年兑现，
    每年三分之一. p1 lands in 2025 with 1000万元: 30万元, paid 10万元 in 2025 and 2026; the third 10万元 falls
    in 2027, after the file's last year: due later, and the total is 20万元."""
    path = tmp_path / "p.csv"
    path.write_text("id,year,landed_on,foreign,fdi_arrived\np1,2025,2025,true,1000万元\np1,2026,,true,0元\n",
                    encoding="utf-8")
    policy = str(EX / "b13_schedules.policy")
    r = run("eval", policy, "--projects", str(path), "-q", "--format", "json")
    rows = json.loads(r.stdout)
    assert [(x["year"], x["outcomes"]["reward.settling"]) for x in rows] == [(2025, 100000), (2026, 100000),
                                                                              ("total", 200000)]
    r = run("compare", policy, "--projects", str(path), "-q")
    assert "example_b13 reward.settling: 10万元 due after 2026 (instalments not in the totals)" in r.stdout
    block = r.stdout.split("reward.settling", 1)[1].splitlines()
    assert block[4].split() == ["total", "20万元"]
    r = run("eval", policy, "--projects", str(path), "-q")
    assert "example_b13 reward.settling: 10万元 due after 2026 (instalments not in the totals)" in r.stdout

    from compare.api import evaluate_years

    later = evaluate_years([policy], path).due_later
    assert list(zip(later["project"], later["concept"], later["low"], strict=True)) == [("p1", "reward.settling",
                                                                                          100000.0)]
