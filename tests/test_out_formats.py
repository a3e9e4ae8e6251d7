"""A file is written only in the format its name says: every command that writes by extension refuses
one it does not write (exit 2, naming those it does) before any work, and writes nothing; a --format
that contradicts the extension is refused too.  (Markdown under memo.docx, DOT under graph.svg, a
revision under foo.txt, and simulate silently leaving out `pdf` were the defect.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import POLICIES
from typer.testing import CliRunner

from compare.api import load_policy
from compare.cli.app import app
from compare.site.report import build_report, render_html, render_markdown

WUXI = str(POLICIES / "wuxi_2023.policy")
REPORT_SUFFIXES = ".md, .markdown, .html, .htm, .xlsx, .docx, .pdf"


def invoke(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stderr


@pytest.mark.parametrize("name", ["memo.doc", "memo.odt", "memo.txt", "memo"])
def test_report_refuses_an_extension_it_does_not_write(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    code, err = invoke("report", WUXI, "--out", str(out))
    assert code == 2
    assert f"is not a format it writes; name the file with one of: {REPORT_SUFFIXES}" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_report_format_must_agree_with_the_extension(tmp_path: Path) -> None:
    code, err = invoke("report", WUXI, "--format", "html", "--out", str(tmp_path / "r.md"))
    assert code == 2 and "--format html but --out r.md names markdown" in err
    code, _ = invoke("report", WUXI, "--format", "html", "--out", str(tmp_path / "r.htm"))
    assert code == 0 and (tmp_path / "r.htm").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


@pytest.mark.parametrize("name", ["graph.png", "graph.pdf", "graph"])
def test_graph_refuses_an_extension_it_does_not_write(tmp_path: Path, name: str) -> None:
    code, err = invoke("graph", WUXI, "--out", str(tmp_path / name))
    assert code == 2 and "name the file with one of: .dot, .gv, .json, .svg" in err
    assert list(tmp_path.iterdir()) == []


def test_graph_takes_its_format_from_the_extension(tmp_path: Path) -> None:
    code, _ = invoke("graph", WUXI, "--out", str(tmp_path / "g.svg"))
    assert code == 0 and "<svg" in (tmp_path / "g.svg").read_text(encoding="utf-8")[:300]
    code, _ = invoke("graph", WUXI, "--out", str(tmp_path / "g.dot"))
    assert code == 0 and (tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph")
    code, err = invoke("graph", WUXI, "--format", "json", "--out", str(tmp_path / "g2.svg"))
    assert code == 2 and "--format json but --out g2.svg names svg" in err


def test_eval_refuses_an_out_extension_before_reading_anything(tmp_path: Path) -> None:
    """The project file does not exist: the refusal of the extension comes first, so no work was done."""
    code, err = invoke("eval", WUXI, "--projects", str(tmp_path / "absent.csv"), "--out", str(tmp_path / "o.docx"))
    assert code == 2 and "unknown output format `.docx`" in err and "absent.csv" not in err
    assert list(tmp_path.iterdir()) == []


def test_simulate_refuses_a_format_it_does_not_write_before_running(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("jsonschema")
    code, err = invoke("simulate", str(tmp_path / "absent.scenario.yaml"), "--out", str(tmp_path / "o"),
                       "--formats", "csv,pdf,xlsx")
    assert code == 2
    assert "--formats: `pdf`, `xlsx` is not a format simulate writes; it writes csv, json, parquet, png, svg" in err
    assert list(tmp_path.iterdir()) == []


def test_reform_writes_only_a_policy_file(tmp_path: Path) -> None:
    code, err = invoke("reform", WUXI, "--set", "x=1", "--out", str(tmp_path / "wuxi_2024.txt"))
    assert code == 2 and "a revision is written as NAME.policy" in err
    assert list(tmp_path.iterdir()) == []


def test_the_report_says_days_once() -> None:
    report = build_report([load_policy(WUXI).policy])
    for text in (render_markdown(report), render_html(report)):
        assert "durations of a concept measured in days (1个月 = 30天)" in text
        assert "in days in days" not in text
