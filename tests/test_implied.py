"""Implied inputs (compare.engine.implied, docs/data.md "Implied inputs"): where a record does not give a
field, what its given fields imply; a warning at the row and field where a record contradicts a rule,
its given values used as given.  Expected figures are worked by hand from the texts, each test naming
its article."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import POLICIES

from compare.api import load_policy, read_projects, run
from compare.data.read import from_dicts
from compare.engine.assumed import assumed_row, implied_row
from compare.engine.evaluate import CompiledPolicy
from compare.engine.implied import NONE, RULES
from compare.simulate.portfolio import sample_batch

ZJG = POLICIES / "zhangjiagang_2017.policy"


@pytest.fixture(scope="module")
def zjg() -> CompiledPolicy:
    return load_policy(ZJG)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=120)


def host_points(cp: CompiledPolicy, record: dict[str, Any], **readings: str) -> tuple[str, Any]:
    (out,), _ = run([cp], [record], readings=readings)
    return out.state("points.host_district", 0), out.value("points.host_district", 0)


# ---------------------------------------------------------------- the case of the issue

def test_a_started_project_is_licensed_for_the_landing_reading(zjg: CompiledPolicy) -> None:
    # 张家港 第12条: "对引进上市公司总部企业的，每个加10分", under "引进落地重大项目"; the reading
    # landing=licensed (the default) makes landing a condition.  A project that has started
    # construction (开工) holds a licence: 10分, as with `licensed: true` given, not 0.
    record = {"id": "hq", "started": True, "categories": ["listed_company_hq"]}
    assert host_points(zjg, record) == ("figure", 10.0)
    assert host_points(zjg, {**record, "licensed": True}) == ("figure", 10.0)
    (out,), _ = run([zjg], [record])
    assert assumed_row(out, 0)["licensed"] is True and implied_row(out, 0) == {"licensed": "started"}
    # no licence and nothing that implies one: not eligible, as before
    assert host_points(zjg, {"id": "hq", "categories": ["listed_company_hq"]})[0] == "not_eligible"


def test_a_contradicting_record_is_evaluated_on_its_given_values(zjg: CompiledPolicy, tmp_path: Path) -> None:
    # started: true, licensed: false: the given `licensed` wins.  第12条 under landing=licensed: not
    # eligible; under landing=not_required the category alone gives 10分.
    record = {"id": "clash", "started": True, "licensed": False, "categories": ["listed_company_hq"]}
    assert host_points(zjg, record)[0] == "not_eligible"
    assert host_points(zjg, record, landing="not_required") == ("figure", 10.0)
    (tmp_path / "p.yaml").write_text("- id: ok\n  started: true\n- id: clash\n  started: true\n"
                                     "  licensed: false\n  categories: [listed_company_hq]\n", encoding="utf-8")
    read = read_projects(tmp_path / "p.yaml")
    [w] = read.warnings
    # the record's `licensed` key is on line 5, column 3
    assert (w.code, w.span.line, w.span.column) == ("W802", 5, 3)
    assert w.message.startswith("project clash: field `licensed`: `licensed` is false, but the record gives `started`")
    assert read.batch.columns["licensed"].tolist() == [True, False]
    assert read.batch.columns["licensed#implied"].tolist() == [0, NONE]


def test_paid_in_above_registered_is_warned_and_implies_no_ratio(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("id,registered_capital,paid_in_capital\na,1000万美元,600万美元\n"
                                    "b,100万美元,200万美元\nc,100万美元,80万元\n", encoding="utf-8")
    read = read_projects(tmp_path / "p.csv")
    [w] = read.warnings
    # row b is line 3; its paid_in_capital cell starts after `b,100万美元,` (9 characters)
    assert (w.code, w.span.line, w.span.column) == ("W804", 3, 10)
    assert "`paid_in_capital` is above `registered_capital`" in w.message
    c = read.batch.columns
    # a: 600万 / 1000万 = 60%; b: contradicts, no ratio; c: 元 against 美元, no rate to compare them
    assert c["paid_in_ratio"].tolist() == [0.6, 0.0, 0.0]
    assert c["paid_in_ratio#implied"].tolist() == [5, NONE, NONE]
    assert c["paid_in_ratio#given"].tolist() == [False, False, False]


def test_an_implied_ratio_decides_the_major_project_points(zjg: CompiledPolicy) -> None:
    # 张家港 第12条: a 重大外资项目 "开工后并有30%以上外资到账", 注册资本1000～3000万美元 → 2分 (两区一园:
    # thresholds not halved).  600万 paid in of 2000万美元 is 30% (以上 includes it): 2分; 590万 is 29.5%: none.
    base = {"id": "m", "foreign": True, "started": True, "in_core_zone": True, "registered_capital": "2000万美元"}
    assert host_points(zjg, {**base, "paid_in_capital": "600万美元"}) == ("figure", 2.0)
    assert host_points(zjg, {**base, "paid_in_capital": "590万美元"})[0] == "not_eligible"


# ---------------------------------------------------------------- each rule once

# a record whose given fields trigger each rule, the implied value, and the key of a contradicting record
TRIGGERS: dict[str, tuple[dict[str, Any], Any, dict[str, Any] | None]] = {
    "started": ({"started": True}, True, {"licensed": False}),
    "expansion": ({"expansion": True}, True, {"licensed": False}),
    "fdi_arrived > 0": ({"fdi_arrived": "100万美元"}, True, {"foreign": False}),
    "foreign_hq in categories": ({"categories": ["foreign_hq"]}, True, {"foreign": False}),
    "foreign_rnd_center in categories": ({"categories": ["foreign_rnd_center"]}, True, {"foreign": False}),
    # 300万元 of 1200万元: 25%
    "paid_in_capital / registered_capital": ({"registered_capital": "1200万元", "paid_in_capital": "300万元"},
                                             0.25, None),
}


def test_every_rule_has_a_trigger() -> None:
    assert sorted(TRIGGERS) == sorted(r.by for r in RULES)


@pytest.mark.parametrize("k", range(len(RULES)), ids=lambda k: RULES[k].by)
def test_each_rule_implies_where_not_given_and_warns_where_contradicted(k: int) -> None:
    rule = RULES[k]
    given, value, contradiction = TRIGGERS[rule.by]
    batch = from_dicts([{"id": "a", **given}, {"id": "b"}])
    c = batch.columns
    assert c[rule.target][0] == value and c[f"{rule.target}#implied"].tolist() == [k, NONE]
    assert not c[f"{rule.target}#given"][0]
    if contradiction is None:
        return
    read = read_projects([{"id": "x", **given, **contradiction}])
    assert [w.code for w in read.warnings] == [rule.code]
    assert f"field `{rule.target}`" in read.warnings[0].message and rule.by in read.warnings[0].message
    assert read.batch.columns[rule.target][0] == next(iter(contradiction.values()))  # the given value


@pytest.mark.parametrize("k", [k for k, r in enumerate(RULES) if r.value is not None], ids=lambda k: RULES[k].by)
def test_an_implied_value_evaluates_as_the_value_given(k: int) -> None:
    # the class: for every bundled policy, a record whose field a rule implies has the outcomes of the
    # same record with that value given
    rule = RULES[k]
    given, value, _ = TRIGGERS[rule.by]
    # no premise of another rule holds (started and expansion false, no foreign capital arrived, no foreign
    # category) but this rule's
    base = {"id": "p", "registered_capital": "3000万美元", "paid_in_ratio": "40%", "fdi_arrived": 0,
            "categories": ["fortune_global_500"], "in_core_zone": True, "referral": "other_district",
            "quality_score": 80, "grade": "A", "started": False, "expansion": False, "foreign": True,
            "licensed": True, "manufacturing": True, "needs_municipal_support": True}
    record = {**base, **given}
    record.pop(rule.target)
    for path in sorted(POLICIES.glob("*.policy")):
        cp = load_policy(path)
        (implied,), _ = run([cp], [record])
        assert implied_row(implied, 0).get(rule.target, rule.by) == rule.by
        (explicit,), _ = run([cp], [{**record, rule.target: value}])
        for concept in explicit.concepts:
            assert implied.value(concept, 0) == explicit.value(concept, 0), (path.name, concept)
            assert implied.state(concept, 0) == explicit.state(concept, 0), (path.name, concept)


def test_warnings_are_capped_with_a_count(tmp_path: Path) -> None:
    rows = "".join(f"p{i},true,false\n" for i in range(25))
    (tmp_path / "p.csv").write_text("id,started,licensed\n" + rows, encoding="utf-8")
    read = read_projects(tmp_path / "p.csv")
    assert [w.code for w in read.warnings] == ["W802"] * 21
    assert [w.span.line for w in read.warnings[:20]] == list(range(2, 22))
    assert read.warnings[-1].message.startswith("… and 5 more contradictions")


# ---------------------------------------------------------------- outputs

def test_implied_inputs_in_every_output(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("- id: hq\n  started: true\n  categories: [listed_company_hq]\n"
                                     "- id: clash\n  started: true\n  licensed: false\n", encoding="utf-8")
    js = cli("eval", str(ZJG), "--projects", "p.yaml", "--format", "json", "-q", cwd=tmp_path)
    assert js.returncode == 0, js.stderr
    hq = json.loads(js.stdout)[0]
    assert hq["outcomes"]["points.host_district"] == 10  # 第12条 上市公司总部企业 10分
    assert hq["assumed"]["licensed"] is True and hq["implied"] == {"licensed": "started"}
    assert "warning[W802]" in js.stderr and "p.yaml:6:3" in js.stderr and "project clash" in js.stderr
    table = cli("eval", str(ZJG), "--projects", "p.yaml", "-q", cwd=tmp_path)
    assert "`licensed` = true (implied by started)" in table.stdout
    csv = cli("eval", str(ZJG), "--projects", "p.yaml", "--format", "csv", "-q", cwd=tmp_path)
    assert "licensed=true (implied by started)" in csv.stdout
    explain = cli("eval", str(ZJG), "--projects", "p.yaml", "--explain", "hq", "-q", cwd=tmp_path)
    assert "licensed = true (implied by started)" in explain.stdout
    compare = cli("compare", str(ZJG), "--projects", "p.yaml", "-q", cwd=tmp_path)
    assert compare.returncode == 0, compare.stderr
    assert "`licensed` = true (implied by started)" in compare.stdout and "warning[W802]" in compare.stderr


# ---------------------------------------------------------------- sampled portfolios

def test_a_sampled_portfolio_gets_the_same_implication() -> None:
    # the spec samples `started` (every project) but not `licensed`: each is licensed, implied by started
    batch = sample_batch({"flags": {"started": 1.0}}, 50, 1)
    c = batch.columns
    assert c["licensed"].all() and not c["licensed#given"].any()
    assert np.array_equal(c["licensed#implied"], np.zeros(50, dtype=np.int8))
