"""Outcome states: not eligible, eligible but 0, a figure or range, promised with no
figure, and absent (the city has no such measure), in the API and in every output format.

Expected values are worked by hand from the texts; each test names its article.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLICIES
from mini_policies import make_folder

from compare.api import load_policy, outcomes, run

PROJECTS = """\
- {id: domestic, foreign: false, fixed_asset_investment: 20亿元}
- {id: foreign-no-fdi-yet, foreign: true, fdi_arrived: 0}
- {id: foreign-1yi, foreign: true, fdi_arrived: 1亿美元}
- {id: nothing, foreign: false, fixed_asset_investment: 0}
"""


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    make_folder(tmp_path)
    (tmp_path / "p.yaml").write_text(PROJECTS, encoding="utf-8")
    return tmp_path


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=120)


def test_each_state_in_the_api(folder: Path) -> None:
    zjg, wuxi = load_policy(folder / "zjg.policy"), load_policy(folder / "wuxi.policy")
    z, w = outcomes([zjg, wuxi], folder / "p.yaml", fx=7.0)
    # 无锡 (16) "对符合要求的新批外资项目…给予最高2%、不超过5000万元奖励": a domestic project is not eligible
    assert (w.state("reward.fdi", 0), w.value("reward.fdi", 0)) == ("not_eligible", 0.0)
    # a foreign project with no FDI arrived yet is eligible, for 2% of 0元 = 0
    assert (w.state("reward.fdi", 1), w.value("reward.fdi", 1)) == ("zero", 0.0)
    # 1亿美元 × 7.0 = 7亿元; 最高2% → [0, 1400万元], below 5000万元
    assert (w.state("reward.fdi", 2), w.value("reward.fdi", 2)) == ("figure", (0.0, 14_000_000.0))
    # 张家港 第14条 "可按照其固定资产实际投入量，参照本意见实施考核、激励": promised, no figure
    assert (z.state("assessment.domestic_reference", 0), z.value("assessment.domestic_reference", 0)) == \
        ("promised", (0.0, float("inf")))
    # 第14条 needs fixed-asset investment: none, not eligible
    assert z.state("assessment.domestic_reference", 3) == "not_eligible"
    # 张家港 has no reward.fdi; 无锡's text has no host-district points: absent
    assert z.state("reward.fdi", 2) == "absent" and w.state("points.host_district", 2) == "absent"


def test_bundled_wuxi_and_taicang() -> None:
    taicang, wuxi = load_policy(POLICIES / "taicang_2020.policy"), load_policy(POLICIES / "wuxi_2023.policy")
    (t, w), _ = run([taicang, wuxi], [{"id": "d", "foreign": False, "fdi_arrived": "0元"}])
    assert w.state("reward.fdi", 0) == "not_eligible"  # 无锡 (16): 新批外资项目 only
    assert t.state("reward.fdi", 0) == "absent"  # 太仓's text rewards no arrived FDI


def test_json_keeps_outcomes_and_adds_states(folder: Path) -> None:
    r = cli("eval", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", "--format", "json", "--fx", "7", cwd=folder)
    assert r.returncode == 0, r.stderr
    rows = {(x["project"], x["city"]): x for x in json.loads(r.stdout)}
    dz, dw = rows["domestic", "zhangjiagang"], rows["domestic", "wuxi"]
    # outcomes: as before, only the city's own concepts, with their numbers
    assert "reward.fdi" not in dz["outcomes"] and dw["outcomes"]["reward.fdi"] == 0
    assert dz["outcomes"]["assessment.domestic_reference"] == [0, None]
    # states: every concept of the run, absent where the city has no such measure
    assert dz["states"]["reward.fdi"] == "absent" and dw["states"]["reward.fdi"] == "not_eligible"
    assert dz["states"]["assessment.domestic_reference"] == "promised"
    assert dw["states"]["assessment.domestic_reference"] == "absent"
    assert rows["foreign-no-fdi-yet", "wuxi"]["states"]["reward.fdi"] == "zero"
    assert rows["foreign-1yi", "wuxi"]["states"]["reward.fdi"] == "figure"
    assert rows["foreign-1yi", "wuxi"]["outcomes"]["reward.fdi"] == [0, 14000000]  # (16): 2% of 7亿元
    assert set(dz["states"]) == set(dw["states"])


def test_csv_has_a_state_column_per_concept(folder: Path) -> None:
    r = cli("eval", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", "--format", "csv", "--fx", "7", cwd=folder)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    dz = next(x for x in rows if x["project"] == "domestic" and x["city"] == "zhangjiagang")
    assert (dz["reward.fdi.low"], dz["reward.fdi.high"], dz["reward.fdi.state"]) == ("", "", "absent")
    # a promise without a figure: low 0, high unbounded (empty)
    assert (dz["assessment.domestic_reference.low"], dz["assessment.domestic_reference.high"],
            dz["assessment.domestic_reference.state"]) == ("0", "", "promised")
    fw = next(x for x in rows if x["project"] == "foreign-1yi" and x["city"] == "wuxi")
    assert (fw["reward.fdi.low"], fw["reward.fdi.high"], fw["reward.fdi.state"]) == ("0", "14000000", "figure")
    zero = next(x for x in rows if x["project"] == "foreign-no-fdi-yet" and x["city"] == "wuxi")
    assert (zero["reward.fdi.low"], zero["reward.fdi.high"], zero["reward.fdi.state"]) == ("0", "0", "zero")
    assert r.stdout.splitlines()[0].startswith("project,policy,city,")  # as `--out FILE.csv --layout long`


def _table(text: str) -> dict[tuple[str, str], dict[str, str]]:
    lines = text.splitlines()
    header = re.split(r"\s{2,}", lines[0].strip())
    out = {}
    for line in lines[2:]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) != len(header):
            break  # the notes under the table
        out[cells[0], cells[1]] = dict(zip(header, cells, strict=True))
    return out


def test_table_shows_each_state(folder: Path) -> None:
    r = cli("eval", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", "--fx", "7", cwd=folder)
    assert r.returncode == 0, r.stderr
    t = _table(r.stdout)
    assert t["domestic", "zhangjiagang"]["reward.fdi"] == "—"
    assert t["domestic", "wuxi"]["reward.fdi"] == "not eligible"
    assert t["foreign-no-fdi-yet", "wuxi"]["reward.fdi"] == "0"
    assert t["foreign-1yi", "wuxi"]["reward.fdi"] == "0~14000000"
    assert t["domestic", "zhangjiagang"]["assessment.domestic_reference"] == "promised, no figure"


def test_compare_shows_each_state(folder: Path) -> None:
    r = cli("compare", "zjg.policy", "wuxi.policy", "--projects", "p.yaml", "--fx", "7", cwd=folder)
    assert r.returncode == 0, r.stderr
    blocks = {b.splitlines()[0]: b for b in r.stdout.split("\n\n")}

    def cells(project: str, concept: str) -> list[str]:
        line = next(x for x in blocks[f"project {project}"].splitlines() if x.strip().startswith(concept))
        return re.split(r"\s{2,}", line.strip())[1:]

    assert cells("domestic", "assessment.domestic_reference") == ["promised, no figure", "—"]
    assert cells("foreign-no-fdi-yet", "reward.fdi") == ["—", "0元"]
    assert cells("foreign-1yi", "reward.fdi") == ["—", "0元~1,400万元"]
    # an outcome no city makes the project eligible for has no row
    assert "reward.intermediary" not in blocks["project foreign-1yi"]
    assert "(no city makes this project eligible for anything)" in blocks["project nothing"]
