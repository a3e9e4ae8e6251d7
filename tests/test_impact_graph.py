"""`policylab impact` and `policylab graph`: the dependency graph as the shared structure.

The expected reaches are read off the texts in policies/sources/, not produced by the code:
- 张家港 第13条: the team reward is “当年度项目到帐外资2～5‰”, and for a referred project “奖金由引荐单位与
  受荐单位按3:7的比例进行分配”: arrived FDI moves reward.team and both shares, nothing else (第5条 and
  第12条 give points by registered capital, not by arrived FDI).
- The tier edges (第5条 “500～1000万美元、1000～3000万美元…”, 第12条 the same bands twice) are in the
  department referral points (第5条), the referring-district points (第12条 c) and the major-project
  points that feed the host district's highest item and its 70% (第12条 b).
- Of the four cities only 无锡 (16) rewards arrived FDI (“按实际到账外资比例给予最高2%”); 落户地加分 is in
  张家港 第12条, 太仓 二(三) and 嘉兴 二.3 (the receiver of a transferred project scores).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from conftest import POLICIES

from compare.api import CompiledPolicy, PolicyGraph, UnknownNameError, impact, load_policy, policy_graph
from compare.diff.graph_export import BOX_H, layout, to_dot, to_svg

FOUR = ["zhangjiagang_2017", "taicang_2020", "jiaxing_draft", "wuxi_2023"]
SVG = "{http://www.w3.org/2000/svg}"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "compare.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture(scope="module")
def zjg() -> CompiledPolicy:
    return load_policy(POLICIES / "zhangjiagang_2017.policy")


@pytest.fixture(scope="module")
def four() -> PolicyGraph:
    return policy_graph([POLICIES / f"{p}.policy" for p in FOUR])


def test_arrived_fdi_reaches_the_team_reward_and_its_shares(zjg: CompiledPolicy) -> None:
    im = impact(zjg, "fdi_arrived")
    (src,) = im.sources
    assert (src.kind, src.name) == ("field", "fdi_arrived")
    reached = {r.concept: r for r in src.reaches}
    assert set(reached) == {"reward.team", "reward.team.referrer", "reward.team.host"}
    paths = {k: [[(s.kind, s.name, s.article) for s in p] for p in r.paths] for k, r in reached.items()}
    assert paths["reward.team"] == [[("clause", "team_reward", "第13条")]]
    assert paths["reward.team.referrer"] == [[("clause", "team_reward", "第13条"), ("split", "team_reward_split", "第13条")]]
    assert paths["reward.team.host"] == paths["reward.team.referrer"]
    assert reached["reward.team"].beneficiaries == ("team",)
    # the referrer's share goes to the referring department or district, whichever referred (第13条 引荐单位)
    assert reached["reward.team.referrer"].beneficiaries == ("referring_department", "referring_district")
    assert reached["reward.team.host"].beneficiaries == ("host_district",)


def test_the_tier_edges_reading_reaches_the_three_point_outcomes(zjg: CompiledPolicy) -> None:
    (src,) = impact(zjg, "tier_edges").sources
    assert src.kind == "reading"
    got = {r.concept: [[s.name for s in p] for p in r.paths] for r in src.reaches}
    assert got == {
        "points.referring_department": [["dept_referral_points"]],
        "points.referring_district": [["district_referral_points"]],
        "points.host_district": [["major_foreign_project_points", "host_points_highest", "host_district_points"]],
    }


def test_an_outcome_lists_what_it_depends_on(zjg: CompiledPolicy) -> None:
    """第13条: foreign, started, ≥30% arrived, 符合我市产业发展要求 (the declared meets_industry_policy), registered
    capital by zone, 新引进 (not an expansion), the FDI arrived and, under the linear reading, the quality score."""
    d = impact(zjg, "reward.team").depends
    assert d is not None
    assert set(d.fields) == {"foreign", "started", "paid_in_ratio", "meets_industry_policy", "registered_capital",
                             "in_core_zone", "expansion", "fdi_arrived", "quality_score"}
    assert set(d.readings) == {"new_project_scope", "quality_score_table"}
    assert [(s.kind, s.name) for s in d.rules] == [("clause", "team_reward")]
    assert d.beneficiaries == ("team",)


def test_names_that_are_two_things_or_nothing(zjg: CompiledPolicy) -> None:
    wuxi = load_policy(POLICIES / "wuxi_2023.policy")
    assert [s.kind for s in impact(wuxi, "stacking").sources] == ["reading", "param"]  # 结语: both
    (only,) = impact(wuxi, "reading:stacking").sources
    assert [r.concept for r in only.reaches] == ["reward.firm_total"]
    (grade,) = impact(zjg, "grade").sources  # a field 张家港 never reads (太仓's grades)
    assert grade.reaches == () and "does not read" in (grade.note or "")
    with pytest.raises(UnknownNameError) as e:
        impact(zjg, "fdi_arive")
    assert e.value.hint == "did you mean `fdi_arrived`?"


def test_impact_cli(tmp_path: Path) -> None:
    table = run("impact", "zhangjiagang_2017", "fdi_arrived", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "fdi_arrived → team_reward (第13条) → team_reward_split (第13条) → reward.team.host" in table.stdout
    js = run("impact", "zhangjiagang_2017", "tier_edges", "--format", "json", cwd=tmp_path)
    assert js.returncode == 0, js.stderr
    doc = json.loads(js.stdout)
    assert {r["concept"] for r in doc["sources"][0]["reaches"]} == {
        "points.referring_department", "points.referring_district", "points.host_district"}
    bad = run("impact", "zhangjiagang_2017", "fdi_arive", cwd=tmp_path)
    assert bad.returncode == 2 and "did you mean `fdi_arrived`?" in bad.stderr and not bad.stdout


def test_the_four_cities_join_at_concept_nodes(four: PolicyGraph) -> None:
    g = four.graph
    fdi = [n for n, d in g.nodes(data=True) if d["kind"] == "concept" and d["concept"] == "reward.fdi"]
    assert fdi == ["concept:reward.fdi"]
    assert list(g.predecessors("concept:reward.fdi")) == ["wuxi_2023/outcome:reward.fdi"]
    assert g.nodes["concept:reward.fdi"]["cities"] == ["wuxi"]
    host = {g.nodes[p]["city"] for p in g.predecessors("concept:points.host_district")}
    assert host == {"zhangjiagang", "taicang", "jiaxing"}
    # one concept node per outcome key any city gives: the keys of the four policies' own graphs
    keys = {d["concept"] for cp in (load_policy(POLICIES / f"{p}.policy") for p in FOUR)
            for _, d in cp.graph.nodes(data=True) if d.get("kind") == "outcome"}
    assert {d["concept"] for _, d in g.nodes(data=True) if d["kind"] == "concept"} == keys
    for n, d in g.nodes(data=True):
        assert {"kind", "city", "label", "article", "quote"} <= set(d), n
    wuxi_fdi = g.nodes["wuxi_2023/clause:fdi_arrival_reward"]
    assert (wuxi_fdi["city"], wuxi_fdi["article"]) == ("wuxi", "(16)") and "5000万元" in wuxi_fdi["quote"]


def test_json_is_node_link_data(four: PolicyGraph) -> None:
    doc = json.loads(four.to_json())
    back = nx.node_link_graph(doc, edges="edges")
    assert set(back.nodes) == set(four.graph.nodes) and set(back.edges) == set(four.graph.edges)
    assert back.nodes["concept:reward.fdi"]["label"] == "外资到账奖励"


_DOT_ID = r'"(?:[^"\\]|\\.)*"'
_DOT_ATTR = rf"[a-z_]+={_DOT_ID}"


def _parse_dot(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """A strict reader for the DOT subset written: every line is a known statement; quoted ids unescaped."""
    unq = lambda s: re.sub(r"\\(.)", r"\1", s[1:-1])  # noqa: E731
    nodes: set[str] = set()
    edges: set[tuple[str, str]] = set()
    lines = text.strip().splitlines()
    assert lines[0] == "digraph policies {" and lines[-1] == "}"
    depth = 1
    for line in lines[1:-1]:
        s = line.strip()
        if m := re.fullmatch(rf"({_DOT_ID}) \[({_DOT_ATTR}(?:, {_DOT_ATTR})*)\];", s):
            nodes.add(unq(m.group(1)))
        elif m := re.fullmatch(rf"({_DOT_ID}) -> ({_DOT_ID});", s):
            edges.add((unq(m.group(1)), unq(m.group(2))))
        elif re.fullmatch(r"subgraph cluster_\d+ \{", s):
            depth += 1
        elif s == "}":
            depth -= 1
        elif not re.fullmatch(rf"(graph|node) \[.*\];|label={_DOT_ID};", s):
            raise AssertionError(f"not a DOT statement: {s}")
    assert depth == 1
    return nodes, edges


def test_dot_parses_to_the_same_graph(four: PolicyGraph) -> None:
    nodes, edges = _parse_dot(four.to_dot())
    assert nodes == set(four.graph.nodes) and edges == set(four.graph.edges)


def test_svg_is_xml_with_a_box_per_node_and_a_path_per_edge(four: PolicyGraph) -> None:
    root = ET.fromstring(four.to_svg().encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    boxes = root.findall(f".//{SVG}g[@class]")
    node_boxes = [b for b in boxes if b.get("class", "").startswith("node ")]
    assert {b.get("data-node") for b in node_boxes} == set(four.graph.nodes)
    assert len(root.findall(f".//{SVG}g[@class='edges']/{SVG}path")) == four.graph.number_of_edges()
    fdi = next(b for b in node_boxes if b.get("data-node") == "wuxi_2023/clause:fdi_arrival_reward")
    assert "(16)" in (fdi.findtext(f"{SVG}title") or "")


def test_svg_layout_keeps_boxes_apart_and_edges_left_to_right(four: PolicyGraph) -> None:
    pos, _, width, height = layout(four.graph)
    items = list(pos.items())
    for i, (a, (x, y, w)) in enumerate(items):
        assert 0 <= x and x + w <= width and 0 <= y and y + BOX_H <= height, a
        for b, (x2, y2, w2) in items[i + 1:]:
            assert not (x < x2 + w2 and x2 < x + w and y < y2 + BOX_H and y2 < y + BOX_H), (a, b)
    assert all(pos[a][0] < pos[b][0] for a, b in four.graph.edges)


def test_texts_from_files_cannot_break_the_outputs(four: PolicyGraph) -> None:
    g = four.graph.copy()
    g.nodes["wuxi_2023/clause:fdi_arrival_reward"]["quote"] = 'a\x1b]0;x\x07 <b>&"\\ \ufffe \u202e'
    g.nodes["wuxi_2023/clause:fdi_arrival_reward"]["label"] = 'l"\n<'
    ET.fromstring(to_svg(g).encode("utf-8"))
    nodes, _ = _parse_dot(to_dot(g))
    assert "wuxi_2023/clause:fdi_arrival_reward" in nodes
    assert "\x1b" not in to_dot(g) and "\x1b" not in to_svg(g)


def test_graph_cli_writes_each_format(tmp_path: Path) -> None:
    for fmt in ("dot", "json", "svg"):
        out = tmp_path / f"g.{fmt}"
        r = run("graph", "zhangjiagang_2017", "wuxi_2023", "--format", fmt, "--out", str(out), cwd=tmp_path)
        assert r.returncode == 0 and r.stdout == "", r.stderr
        text = out.read_text(encoding="utf-8")
        stdout = run("graph", "zhangjiagang_2017", "wuxi_2023", "--format", fmt, cwd=tmp_path).stdout
        assert text == stdout
    nodes = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))["nodes"]
    assert "concept:reward.fdi" in {n["id"] for n in nodes}
    ET.parse(tmp_path / "g.svg")
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []  # no temporary file left
    refused = run("graph", "wuxi_2023", "--out", str(tmp_path / "no" / "such" / "g.dot"), cwd=tmp_path)
    assert refused.returncode == 1 and "cannot write" in refused.stderr
    missing = run("graph", "wuxi_2023", "no_such_policy", cwd=tmp_path)
    assert missing.returncode == 2 and "policylab graph: no policy `no_such_policy`" in missing.stderr
