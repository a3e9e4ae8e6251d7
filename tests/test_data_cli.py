"""`policylab eval --out FILE` as a user runs it: the layouts, the carried columns, refusals that leave
the user's files as they were, and nothing on stdout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

POLICIES = [str(ROOT / "policies" / f"{p}.policy") for p in ("zhangjiagang_2017", "wuxi_2023")]
PROJECTS = str(ROOT / "examples" / "projects.csv")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", "eval", *POLICIES, "--projects", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_out_parquet_is_one_row_per_project_with_the_carried_columns(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    r = run(PROJECTS, "--out", str(out))
    assert r.returncode == 0 and r.stdout == "", r.stderr
    assert "wrote 4 rows (4 projects × 2 policies)" in r.stderr
    table = pq.read_table(out)
    assert table.column("project").to_pylist() == ["foreign-4000wan", "fortune500-hq", "domestic-60yi", "sme-first"]
    assert table.column("company_name").to_pylist()[0] == "外资制造项目"
    # 张家港 第12条: 4000万美元 is in the 3000万～1亿美元 tier, a foreign project started with 35% paid in
    # (at least 30%) in the core zone: a figure (its amount, and the split 第13条 makes of it, are
    # worked in tests/test_data_in.py and the policy's cases)
    assert table.column("zhangjiagang_2017.points.host_district.state").to_pylist()[0] == "figure"
    assert "wuxi_2023.reward.fdi.low" in table.column_names


def test_out_csv_long_is_one_row_per_project_and_city(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    r = run(PROJECTS, "--out", str(out), "--layout", "long")
    assert r.returncode == 0 and r.stdout == "", r.stderr
    table = pcsv.read_csv(out)
    assert table.num_rows == 8
    assert table.column("policy").to_pylist()[:2] == ["zhangjiagang_2017", "wuxi_2023"]


def test_unknown_output_format_is_refused_with_a_hint(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    r = run(PROJECTS, "--out", str(out))
    assert r.returncode == 2 and "Traceback" not in r.stderr  # the command line is wrong: refused before any work
    assert "unknown output format `.txt`" in r.stderr and "\n  hint: name the file with one of" in r.stderr
    assert not out.exists()


def test_a_bad_project_file_leaves_the_old_output_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("what the user had\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,registered_capital\na,lots\n", encoding="utf-8")
    r = run(str(bad), "--out", str(out))
    assert r.returncode == 1 and "error[E802]" in r.stderr
    assert out.read_text(encoding="utf-8") == "what the user had\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "out.csv"]  # no temporary file left


def test_extra_columns_on_the_terminal_are_named_once(tmp_path: Path) -> None:
    r = run(PROJECTS)
    assert r.returncode == 0
    assert r.stderr.count("columns carried only into --out files: company_name") == 1


def test_progress_goes_to_stderr_only_past_the_delay(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The progress display: on stderr, only once a run has taken DELAY seconds, never on stdout, and
    not at all with --quiet or when stderr is not a terminal."""
    import time as clock

    from compare.cli import progress

    mp, cap = monkeypatch, capsys
    mp.setattr(progress, "DELAY", 0.05)
    mp.setattr(sys.stderr, "isatty", lambda: True)
    with progress.steps() as steps:
        steps.step("reading big.csv", total=4)
        steps.advance(2)
        clock.sleep(0.4)  # past the delay: the display starts
    shown = cap.readouterr()
    assert "reading big.csv" in shown.err and shown.out == ""
    with progress.steps() as steps:  # a quick run: nothing at all
        steps.step("quick", total=1)
    assert cap.readouterr().err == ""
    with progress.steps(quiet=True) as steps:
        steps.step("quiet", total=1)
        clock.sleep(0.2)
    assert cap.readouterr().err == ""
    mp.setattr(sys.stderr, "isatty", lambda: False)
    with progress.steps() as steps:
        steps.step("to a log file", total=1)
        clock.sleep(0.2)
    assert cap.readouterr().err == ""
