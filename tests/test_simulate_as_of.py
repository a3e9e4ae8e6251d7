"""A scenario may name a city by its id: the city's document in force as of the scenario's `as_of`
(or `policylab simulate --as-of`), said in the run's notes.

Zhangjiagang's 2017 opinions take effect on 2017-01-01 (policies/sources/zhangjiagang_2017.txt: 本意见
自2017年1月1日起施行) and revise the earlier rule, zhangjiagang_base: as of 2016-06-01 the city is the
base, as of 2017-06-01 the 2017 revision."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from compare.api import simulate  # noqa: E402
from compare.simulate.scenario import ScenarioError  # noqa: E402

ROOT = Path(__file__).parent.parent

SCENARIO = """\
name: zjg-as-of
fx: 7.0
policies: [zhangjiagang]
{as_of}portfolio:
  file: projects.yaml
analyses:
  compare: true
"""
PROJECTS = """\
- {id: p1, foreign: true, registered_capital: 2000万美元, paid_in_ratio: 50%, fdi_arrived: 1000万美元, licensed: true,
   started: true}
"""


def _scenario(tmp_path: Path, as_of: str | None) -> Path:
    (tmp_path / "projects.yaml").write_text(PROJECTS, encoding="utf-8")
    path = tmp_path / "s.scenario.yaml"
    path.write_text(SCENARIO.format(as_of=f"as_of: {as_of}\n" if as_of else ""), encoding="utf-8")
    return path


@pytest.mark.parametrize(("as_of", "policy"), [("2016-06-01", "zhangjiagang_base"),
                                               ("2017-06-01", "zhangjiagang_2017")])
def test_a_city_id_is_its_document_in_force_as_of_the_date(tmp_path: Path, as_of: str, policy: str) -> None:
    res = simulate(_scenario(tmp_path, as_of), search=[ROOT / "policies"])
    assert [line["name"] for line in res.meta["lines"]] == [policy]
    assert any(note.startswith(f"zhangjiagang: {policy}") and as_of in note for note in res.meta["notes"])


def test_a_date_that_is_not_real_is_an_error_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as e:
        simulate(_scenario(tmp_path, "2017-02-30"), search=[ROOT / "policies"])
    d = e.value.diagnostics[0]
    assert (d.code, d.span.line) == ("E109", 4)
    assert "2017-02-30" in d.message


def test_the_command_line_date_overrides_the_scenarios(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "2017-06-01")
    env = {**os.environ, "POLICYLAB_PATH": str(ROOT / "policies")}
    run = subprocess.run([sys.executable, "-m", "compare.cli", "simulate", str(path), "--out", str(tmp_path / "out"),
                          "--as-of", "2016-06-01", "--quiet", "--formats", "csv"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "zhangjiagang: zhangjiagang_base" in run.stdout + run.stderr


def test_a_city_with_no_document_in_force_then_is_an_error_naming_the_date(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "2016-06-01")  # 无锡's document is issued and in force from 2023-09-28
    path.write_text(path.read_text(encoding="utf-8").replace("[zhangjiagang]", "[wuxi]"), encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        simulate(path, search=[ROOT / "policies"])
    d = e.value.diagnostics[0]
    assert (d.code, d.span.line) == ("E905", 3)
    assert "2016-06-01" in d.message and "wuxi_2023" in d.message
