"""Conditional beneficiaries (engine side): who receives each outcome, per project.

Zhangjiagang 第13条: "对其中由区镇、机关部门引荐的项目，奖金由引荐单位与受荐单位按3:7的比例进行分配" —
the referrer's 30% goes to the referring 机关部门 (a municipal department's referral) or the referring
区镇 (another district's).  The first conditional rule that holds wins, otherwise the unconditional
one, otherwise the taxonomy concept's beneficiary (reward.team.host → host_district).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mini_policies import ZJG, make_folder

from compare.api import as_batch, explain, load_policy, outcomes
from compare.engine.evaluate import CompiledPolicy

FOREIGN = {"foreign": True, "started": True, "licensed": True, "paid_in_ratio": "35%",
           "registered_capital": "1000万美元", "fdi_arrived": "1400万美元"}


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    return make_folder(tmp_path)


@pytest.fixture()
def zjg(folder: Path) -> CompiledPolicy:
    return load_policy(folder / "zjg.policy")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=120)


def test_the_referrer_share_goes_to_who_referred(zjg: CompiledPolicy) -> None:
    projects = [{"id": "dept", "referral": "municipal_dept", **FOREIGN},
                {"id": "district", "referral": "other_district", **FOREIGN},
                {"id": "none", **FOREIGN}]
    (out,) = outcomes([zjg], projects, fx=7.0)
    assert out.beneficiary("reward.team.referrer", 0) == "referring_department"  # 机关部门引荐
    assert out.beneficiary("reward.team.referrer", 1) == "referring_district"  # 区镇引荐
    # not referred: no split (not eligible), and the unconditional rule names who would receive it
    assert out.state("reward.team.referrer", 2) == "not_eligible"
    assert out.beneficiary("reward.team.referrer", 2) == "referring_district"
    # the share has no rule of its own: the taxonomy's beneficiary of reward.team.host
    assert [out.beneficiary("reward.team.host", i) for i in range(3)] == ["host_district"] * 3
    assert out.beneficiary("reward.team", 0) == "team"  # the clause's `beneficiary team`
    # an array only where it varies; a plain name otherwise
    assert isinstance(out.beneficiaries["reward.team.referrer"].names, np.ndarray)
    assert out.beneficiaries["reward.team.host"].names == "host_district"


def test_a_batch_where_it_does_not_vary_holds_one_name(zjg: CompiledPolicy) -> None:
    (out,) = outcomes([zjg], [{"id": "a", "referral": "municipal_dept", **FOREIGN},
                              {"id": "b", "referral": "municipal_dept", **FOREIGN}], fx=7.0)
    assert out.beneficiaries["reward.team.referrer"].names == "referring_department"
    assert out.beneficiaries["reward.team.referrer"].depends_on_project  # the policy makes it depend


def test_the_first_rule_that_holds_wins(folder: Path) -> None:
    # both conditions hold for a municipal department's referral: the first, written first, wins
    text = ZJG.replace("  beneficiary referrer = referring_district\n",
                       "  beneficiary referrer = referring_district if referral != none\n"
                       "  beneficiary referrer = referring_district\n")
    (folder / "order.policy").write_text(text.replace("policy zjg_mini", "policy zjg_order"), encoding="utf-8")
    cp = load_policy(folder / "order.policy")
    (out,) = outcomes([cp], [{"id": "a", "referral": "municipal_dept", **FOREIGN},
                             {"id": "b", "referral": "other_district", **FOREIGN}], fx=7.0)
    assert [out.beneficiary("reward.team.referrer", i) for i in range(2)] == ["referring_department",
                                                                               "referring_district"]


def test_a_clause_names_conditional_beneficiaries(folder: Path) -> None:
    # 第13条's referrer share written as a clause: 30% of the reward (3 of 3:7), to whoever referred
    text = ZJG + '''
clause referrer_share "引荐单位份额" {
  concept reward.team.referrer
  beneficiary referring_department if referral == municipal_dept
  beneficiary referring_district
  cite "第13条" "对其中由区镇、机关部门引荐的项目，奖金由引荐单位与受荐单位按3:7的比例进行分配"
  when referral in {municipal_dept, other_district}
  value 30% derived "3:7的3" of team_reward
}
'''
    text = text[:text.index("split team_reward_split")] + text[text.index("clause domestic_reference"):]
    (folder / "clause.policy").write_text(text.replace("policy zjg_mini", "policy zjg_clause"), encoding="utf-8")
    cp = load_policy(folder / "clause.policy")
    (out,) = outcomes([cp], [{"id": "a", "referral": "municipal_dept", **FOREIGN},
                             {"id": "b", "referral": "other_district", **FOREIGN}], fx=7.0)
    # 1400万美元 × 7.0 = 9800万元; 2‰～5‰ = 196000～490000元; 30% = 58800～147000元
    assert out.value("reward.team.referrer", 0) == (58800.0, 147000.0)
    assert [out.beneficiary("reward.team.referrer", i) for i in range(2)] == ["referring_department",
                                                                               "referring_district"]


def test_explain_says_who_receives_and_which_rule(zjg: CompiledPolicy) -> None:
    batch = as_batch([{"id": "dept", "referral": "municipal_dept", **FOREIGN},
                      {"id": "district", "referral": "other_district", **FOREIGN}])
    dept = explain(zjg, batch, "dept", 7.0).render()
    assert ("reward.team.referrer → referring_department, by `beneficiary referrer = referring_department "
            "if referral == municipal_dept` (it holds)") in dept
    assert "reward.team.host → host_district, the taxonomy's beneficiary of reward.team.host" in dept
    assert "reward.team → team, by `beneficiary team`" in dept
    assert "  reward.team.referrer: 5.88万元 ~ 14.7万元 → referring_department" in dept  # 30% of 19.6～49万元
    district = explain(zjg, batch, "district", 7.0).render()
    assert ("reward.team.referrer → referring_district, by `beneficiary referrer = referring_district`; "
            "if referral == municipal_dept: no") in district


def test_json_and_compare_show_the_beneficiary(folder: Path) -> None:
    (folder / "p.yaml").write_text(
        "- {id: dept, referral: municipal_dept, foreign: true, started: true, paid_in_ratio: 35%, "
        "registered_capital: 1000万美元, fdi_arrived: 1400万美元}\n", encoding="utf-8")
    r = run("eval", "zjg.policy", "--projects", "p.yaml", "--format", "json", "--fx", "7", cwd=folder)
    assert r.returncode == 0, r.stderr
    (row,) = json.loads(r.stdout)
    assert row["beneficiaries"]["reward.team.referrer"] == "referring_department"
    assert row["beneficiaries"]["reward.team.host"] == "host_district"
    assert row["outcomes"]["reward.team.referrer"] == [58800, 147000]  # unchanged: 30% of 196000～490000
    r = run("compare", "zjg.policy", "--projects", "p.yaml", "--fx", "7", cwd=folder)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.strip().startswith("reward.team.referrer"))
    assert "→ referring_department" in line
    host = next(x for x in r.stdout.splitlines() if x.strip().startswith("reward.team.host"))
    assert "→" not in host  # the taxonomy's, the same for every project: not shown
