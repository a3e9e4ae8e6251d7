"""Evaluation, explanation, project inputs and the eval CLI.

Expected values are worked out by hand from the source texts; each test names its article.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import POLICIES, ROOT

from compare.api import as_batch, load_policy, outcomes
from compare.data.read import load_projects
from compare.data.records import InputError
from compare.engine.evaluate import CompiledPolicy
from compare.engine.explain import explain
from compare.engine.values import round_fen

ZJG = load_policy(POLICIES / "zhangjiagang_2017.policy")
WUXI = load_policy(POLICIES / "wuxi_2023.policy")
FOREIGN = {"foreign": True, "started": True, "licensed": True, "paid_in_ratio": "35%"}


def one(cp: CompiledPolicy, concept: str, fx: float = 7.0, readings: dict[str, str] | None = None,
        **project: object) -> object:
    (out,) = outcomes([cp], [{"id": "p", **project}], fx=fx, readings=readings)
    return out.value(concept, 0)


def test_team_reward_is_exact_to_the_fen_zhangjiagang_art13() -> None:
    # 第13条: 2～5‰ of 当年度项目到帐外资; 1400万美元 × 7.0 = 9800万元; × 2‰ = 196000元, × 5‰ = 490000元
    v = one(ZJG, "reward.team", registered_capital="1000万美元", fdi_arrived="1400万美元", **FOREIGN)
    assert v == (196000.0, 490000.0)


def test_split_three_to_seven_zhangjiagang_art13() -> None:
    # 第13条: 由引荐单位与受荐单位按3:7的比例进行分配: 30% and 70% of [196000, 490000]
    (out,) = outcomes([ZJG], [{"id": "p", "registered_capital": "1000万美元", "fdi_arrived": "1400万美元",
                               "referral": "other_district", **FOREIGN}], fx=7.0)
    assert out.value("reward.team.referrer", 0) == (58800.0, 147000.0)
    assert out.value("reward.team.host", 0) == (137200.0, 343000.0)


def test_points_keep_fractions_seventy_percent_zhangjiagang_art12() -> None:
    # 第12条: 3000万～1亿美元 → 5分; 受荐单位享受70%的加分 → 3.5分
    v = one(ZJG, "points.host_district", registered_capital="4000万美元", in_core_zone=True,
            referral="municipal_dept", **FOREIGN)
    assert v == 3.5


def test_halved_thresholds_outside_core_zone_zhangjiagang_art12() -> None:
    # 第12条: 投资规模条件对除“两区一园”外的乡镇减半: outside, 500万美元 reaches the 1000～3000 tier (2分)
    assert one(ZJG, "points.host_district", registered_capital="500万美元", **FOREIGN) == 2.0
    assert one(ZJG, "points.host_district", registered_capital="500万美元", in_core_zone=True, **FOREIGN) == 0.0


def test_reading_moves_the_tier_edge_zhangjiagang_art5() -> None:
    # 第5条: 500～1000 / 1000～3000 万美元 → 0.5 / 1分; exactly 1000万美元 is 1分 under lower_closed,
    # 0.5分 under upper_closed
    p = {"registered_capital": "1000万美元", "referral": "municipal_dept", **FOREIGN}
    assert one(ZJG, "points.referring_department", **p) == 1.0
    assert one(ZJG, "points.referring_department", readings={"tier_edges": "upper_closed"}, **p) == 0.5


def test_cap_and_up_to_wuxi_6_and_16() -> None:
    # (六) 5‰ of 实缴资金, 最高200万元: 3.9亿元 → 195万元; 4.01亿元 → capped at 200万元
    p = {"referral": "intermediary", "licensed": True}
    assert one(WUXI, "reward.intermediary", paid_in_capital="3.9亿元", **p) == 1_950_000.0
    assert one(WUXI, "reward.intermediary", paid_in_capital="4.01亿元", **p) == 2_000_000.0
    # (十六) 最高2%、不超过5000万元 of 到账外资: 1亿美元 × 7.0 = 7亿元; 2% = 1400万元 → [0, 1400万元]
    assert one(WUXI, "reward.fdi", foreign=True, fdi_arrived="1亿美元") == (0.0, 14_000_000.0)


def test_round_fen_is_half_away_from_zero() -> None:
    assert round_fen(0.125) == 0.13 and round_fen(-0.125) == -0.13 and round_fen(1.005) == 1.01
    assert round_fen(195999.99999999997) == 196000.0 and round_fen(float("inf")) == float("inf")


def test_explain_names_tier_max_condition_and_article() -> None:
    batch = as_batch([{"id": "p", "registered_capital": "4000万美元", "in_core_zone": True,
                       "referral": "municipal_dept", "categories": ["china_top_500"], **FOREIGN}])
    text = explain(ZJG, batch, "p", 7.0).render()
    assert "tier [3000万美元, 1亿美元) matched registered_capital = 4000万美元 -> 5分" in text
    assert "major_foreign_project_points wins" in text and "china_top_500_points=3分" in text
    assert "第12条: “对引进国内500强企业的，每个加3分”" in text
    assert "when referral == other_district: NO" in text
    assert "points.host_district: 3.5分" in text


# ---------------------------------------------------------------- project files


def test_a_field_misspelt_is_carried_with_a_warning(tmp_path: Path) -> None:
    """An unknown key is not an error (a company name, a note): it is carried through to the output; one
    that looks like a field gets a warning naming the field, since its value is not read."""
    from compare.data.read import read_projects

    path = tmp_path / "projects.yaml"
    path.write_text("- {id: a, regstered_capital: 1万元, company_name: 甲}\n", encoding="utf-8")
    read = read_projects(path)
    assert read.carry is not None and read.carry.column_names == ["regstered_capital", "company_name"]
    assert [(w.code, "`registered_capital`" in (w.hint or "")) for w in read.warnings] == [("W800", True)]
    assert not read.batch.columns["registered_capital#given"][0]


@pytest.mark.parametrize("content, suffix, code, line, needle", [
    ("- {id: a, registered_capital: 4000万港元}\n", ".yaml", "E802", 1, "not an amount of money"),
    ("- {id: a}\n- {id: b, registered_capital: -5万元}\n", ".yaml", "E803", 2, "negative amount"),
    ("- id: a\n  paid_in_ratio: 130%\n", ".yaml", "E803", 2, "130% is above 100%"),
    ("- {id: a, categories: [fortune_500]}\n", ".yaml", "E804", 1, "unknown category `fortune_500`"),
    ("- {foreign: true}\n", ".yaml", "E805", 1, "missing"),
    ("[{\"id\": \"a\"},\n {\"id\": \"a\"}]\n", ".json", "E806", 2, "`a` is used twice"),
    ("id,registered_capital\na,4000万美元,extra\n", ".csv", "E807", 2, "row has 3 cells"),
    ("id,registered_capital\na,\"4000万美元\nb,1\n", ".csv", "E807", 2, "malformed CSV"),
    ("- {id: a, registered_capital: 4000}\n", ".yaml", "E802", 1, "has no currency"),
    ("- {id: a\n", ".yaml", "E800", 2, "not valid YAML"),
])
def test_bad_project_files(tmp_path: Path, content: str, suffix: str, code: str, line: int, needle: str) -> None:
    path = tmp_path / f"projects{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_projects(path)
    d = e.value.diagnostics[0]
    assert (d.code, d.span.line, d.span.file) == (code, line, str(path)), d
    assert needle in d.message, d.message


def test_csv_and_yaml_give_the_same_batch(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("id,foreign,registered_capital,paid_in_ratio,categories\n"
                                    "a,true,4000万美元,35%,fortune_global_500;landmark\n", encoding="utf-8")
    (tmp_path / "p.yaml").write_text("- {id: a, foreign: true, registered_capital: USD 40000000, paid_in_ratio: 0.35,"
                                     " categories: [fortune_global_500, landmark]}\n", encoding="utf-8")
    a, b = load_projects(tmp_path / "p.csv"), load_projects(tmp_path / "p.yaml")
    for k in a.columns:
        x, y = a.columns[k], b.columns[k]
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), k


# ---------------------------------------------------------------- the eval command


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=120)


def test_eval_json_is_the_public_shape() -> None:
    r = run("eval", "policies", "--projects", "examples/projects.yaml", "--format", "json", "--fx", "7")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert {(x["project"], x["city"]) for x in rows} >= {("foreign-4000wan", "zhangjiagang"), ("sme-first", "wuxi")}
    assert all(set(x) >= {"project", "city", "outcomes"} for x in rows)  # states, assumed … were added
    zjg = next(x for x in rows if x["project"] == "foreign-4000wan" and x["city"] == "zhangjiagang")
    # 第12条: 4000万美元 in the core zone → 5分, referred by another district → 70% → 3.5分
    assert zjg["outcomes"]["points.host_district"] == 3.5
    # 第13条: 1400万美元 × 7 = 9800万元 × 2‰～5‰; referred: 3:7
    assert zjg["outcomes"]["reward.team"] == [196000, 490000]
    assert zjg["outcomes"]["reward.team.referrer"] == [58800, 147000]
    taicang = next(x for x in rows if x["project"] == "foreign-4000wan" and x["city"] == "taicang")
    assert taicang["outcomes"]["points.host_district"] == [0, None]  # promised, no figure (二(三))


def test_eval_explain_and_usage_errors() -> None:
    r = run("eval", "policies/zhangjiagang_2017.policy", "--projects", "examples/projects.yaml",
            "--explain", "foreign-4000wan", "--fx", "7")
    assert r.returncode == 0 and "split team_reward_split" in r.stdout and "reward.team.host" in r.stdout
    assert run("eval", "policies", "--projects", "examples/projects.yaml", "--reading", "tier_edge=x").returncode == 2
    assert run("eval", "policies", "--projects", "examples/projects.yaml", "--reading",
               "tier_edges=sideways").returncode == 2
    assert run("eval", "policies", "--projects", "examples/projects.yaml", "--explain", "nobody").returncode == 2
    assert run("eval", "policies", "--projects", "examples/projects.yaml", "--fx", "-1").returncode == 2


def test_eval_bad_project_file_exits_1_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: a, paid_in_ratio: 130%}\n", encoding="utf-8")
    r = run("eval", "policies", "--projects", str(bad))
    assert r.returncode == 1 and "error[E803]" in r.stderr and "Traceback" not in r.stderr
    assert f"{bad}:1:1" in r.stderr
