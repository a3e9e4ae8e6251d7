"""`policylab diff OLD NEW`: revisions with known edits report exactly those edits.

Each revision is a small draft that `extends` a bundled policy and overrides one item, the way a
researcher drafts: the structural diff must name that item and the figures that moved, nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLICIES

from compare.diff.items import diff_policies
from compare.diff.structural import Change, StructuralDiff
from dsl.check import check_paths


def diff_files(old: Path, new: Path) -> StructuralDiff:
    results = [check_paths([p]) for p in (old, new)]
    errors = [d.message for r in results for d in r.diagnostics if d.is_error]
    assert not errors, errors
    return diff_policies(results[0].policies[0], results[1].policies[0])


def revision(tmp_path: Path, base: str, body: str, source: str | None = None) -> Path:
    """A draft extending a bundled policy: its own source text (the draft's wording) if given."""
    head = f'policy draft extends {base} {{\n  city x "草案"\n  status draft\n'
    if source is not None:
        (tmp_path / "draft.txt").write_text(source, encoding="utf-8")
        head += '  source "draft.txt"\n'
    path = tmp_path / "draft.policy"
    path.write_text(head + "}\n\n" + body, encoding="utf-8")
    return path


def item_changes(d: StructuralDiff) -> list[Change]:
    return [c for c in d.changes if c.kind != "header"]


def test_base_to_2017_reports_the_weight_ratio_as_the_one_changed_figure() -> None:
    """第12条: 考核权重比由1:1调整为1.5:1; the 2017 clauses come as added items."""
    d = diff_files(POLICIES / "zhangjiagang_base.policy", POLICIES / "zhangjiagang_2017.policy")
    figures = [c for c in d.changes if c.is_figure]
    assert [(c.kind, c.item, c.where, c.old, c.new, c.relative) for c in figures] == [
        ("param", "assessment.fdi_weight_ratio", "value", "1:1", "1.5:1", 0.5)]
    added = {c.item for c in d.changes if c.status == "added" and c.kind == "clause"}
    assert {"team_reward", "major_foreign_project_points", "dept_referral_points"} <= added
    assert not [c for c in d.changes if c.status == "removed"]


WUXI_DRAFT_TEXT = "（十六）对符合要求的新批外资项目，分类别按实际到账外资比例给予最高3%、不超过8000万元奖励。"


def wuxi_fdi(rate: str, cap: str) -> str:
    return f'''override clause fdi_arrival_reward "新批外资项目到账外资奖励（修订稿）" {{
  concept reward.fdi
  cite "(16)" "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高{rate}、不超过{cap}奖励"
  when foreign and by reading new_project_scope {{
    new_only:       not expansion
    with_expansion: true
  }}
  value by reading ceilings {{
    range: up to {rate} of cny(fdi_arrived) cap {cap}
    full:  {rate} of cny(fdi_arrived) cap {cap}
  }}
}}
'''


def test_wuxi_draft_raising_the_fdi_reward_diffs_to_that_clause_alone(tmp_path: Path) -> None:
    """无锡 (16) 最高2%、不超过5000万元 → a draft citing its own text: 3%, 8000万元."""
    wuxi = check_paths([POLICIES / "wuxi_2023.policy"]).policies[0]
    original = wuxi.clauses["fdi_arrival_reward"]
    assert "2%" in original.cites[0].quote and "5000万元" in original.cites[0].quote
    draft = revision(tmp_path, "wuxi_2023", wuxi_fdi("3%", "8000万元"), WUXI_DRAFT_TEXT)
    d = diff_files(POLICIES / "wuxi_2023.policy", draft)
    touched = {(c.kind, c.item) for c in item_changes(d)}
    assert touched == {("clause", "fdi_arrival_reward")}
    figures = {(c.where, c.old, c.new) for c in d.changes if c.is_figure}
    assert ("value › range › amount › up to › rate", "2%", "3%") not in figures  # paths name the parts
    olds_news = sorted((c.old, c.new, round(c.relative or 0, 6)) for c in d.changes if c.is_figure)
    assert olds_news == [("2%", "3%", 0.5), ("2%", "3%", 0.5), ("5000万元", "8000万元", 0.6), ("5000万元", "8000万元", 0.6)]


def test_a_reformat_or_comment_only_change_is_no_change(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    shutil.copytree(POLICIES, folder)
    path = folder / "wuxi_2023.policy"
    text = path.read_text(encoding="utf-8")
    messy = "# a new comment\n" + text.replace("\n  cite", "\n      cite").replace(" {\n", " {  # opened\n", 3)
    path.write_text(messy, encoding="utf-8")
    d = diff_files(POLICIES / "wuxi_2023.policy", path)
    assert d.empty, d.changes


def test_the_same_figure_written_otherwise_is_no_change(tmp_path: Path) -> None:
    """1亿美元 = 10000万美元: a rewrite of a figure's notation is not a change of the rule."""
    folder = tmp_path / "p"
    shutil.copytree(POLICIES, folder)
    path = folder / "zhangjiagang_2017.policy"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[3000万美元, 1亿美元)", "[3000万美元, 10000万美元)"), encoding="utf-8")
    assert diff_files(POLICIES / "zhangjiagang_2017.policy", path).empty


EDITS = [
    # (name, old text, new text, expected (where, old, new) of the figure or field change)
    ("tier edge moved", "[3000万美元, 1亿美元)", "[3000万美元, 1.2亿美元)", None),
    ("cap raised", "value 5‰ of cny(paid_in_capital) cap 200万元", "value 5‰ of cny(paid_in_capital) cap 300万元",
     ("value › cap", "200万元", "300万元")),
    ("rate changed", "value 5‰ of cny(paid_in_capital) cap 200万元", "value 6‰ of cny(paid_in_capital) cap 200万元",
     ("value › amount › rate", "5‰", "6‰")),
    ("condition dropped", "when referral == intermediary and licensed", "when referral == intermediary",
     ("when › conjunct removed", "licensed", "—")),  # the term dropped, not the whole condition rewritten
    ("currency changed", "cap 200万元", "cap 200万美元", ("value › cap", "200万元", "200万美元")),
]


@pytest.mark.parametrize("name,old,new,expected", EDITS, ids=[e[0] for e in EDITS])
def test_known_edits_are_reported_exactly(tmp_path: Path, name: str, old: str, new: str,
                                          expected: tuple[str, str, str] | None) -> None:
    policy = "zhangjiagang_2017" if name == "tier edge moved" else "wuxi_2023"
    folder = tmp_path / "p"
    shutil.copytree(POLICIES, folder)
    path = folder / f"{policy}.policy"
    text = path.read_text(encoding="utf-8")
    count = text.count(old)
    assert count >= 1, old
    text = text.replace(old, new)
    if name == "tier edge moved":  # the next row starts where this one ends
        text = text.replace("[1亿美元, ∞)", "[1.2亿美元, ∞)")
    path.write_text(text, encoding="utf-8")
    if name == "currency changed":  # the figure is no longer in the quote: a draft cites its own text
        path.write_text(path.read_text(encoding="utf-8").replace("最高200万元奖励\"", "最高200万元奖励\"\n  cite \"(6)\" \"200万\""),
                        encoding="utf-8")
    result = check_paths([path])
    new_policy = result.policies[0]
    old_policy = check_paths([POLICIES / f"{policy}.policy"]).policies[0]
    d = diff_policies(old_policy, new_policy)
    changes = [c for c in item_changes(d) if c.where != "cite"]
    if expected is None:  # the edge 1亿美元 → 1.2亿美元 in each table that has it (lower_closed readings)
        moved = {(c.old, c.new, round(c.relative or 0, 6)) for c in changes}
        assert moved == {("1亿美元", "1.2亿美元", 0.2)}
        assert {c.item for c in changes} == {"major_foreign_project_points", "dept_referral_points",
                                             "district_referral_points"}
        assert all(c.where.endswith(("› high", "› low")) for c in changes)
        return
    where, o, n = expected
    assert [(c.where, c.old, c.new) for c in changes] == [(where, o, n)] * count


def test_clause_added_removed_and_renamed(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    shutil.copytree(POLICIES, folder)
    path = folder / "wuxi_2023.policy"
    text = path.read_text(encoding="utf-8")
    text = text.replace("clause intermediary_referral_reward ", "clause intermediary_reward ")  # renamed
    start = text.index("clause landing_reward")
    end = text.index("\n}\n", start) + 3
    text = text[:start] + text[end:]  # removed
    path.write_text(text, encoding="utf-8")
    d = diff_files(POLICIES / "wuxi_2023.policy", path)
    assert {(c.kind, c.item, c.status) for c in d.changes if not c.where} == {
        ("clause", "intermediary_referral_reward → intermediary_reward", "renamed"),
        ("clause", "landing_reward", "removed")}
    d_back = diff_files(path, POLICIES / "wuxi_2023.policy")
    assert ("clause", "landing_reward", "added") in {(c.kind, c.item, c.status) for c in d_back.changes}


def test_split_changed_and_reading_default_switched(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    shutil.copytree(POLICIES, folder)
    path = folder / "zhangjiagang_2017.policy"
    text = path.read_text(encoding="utf-8")
    text = text.replace("shares referrer, host = 3:7", "shares referrer, host = 4:6")
    text = text.replace("按3:7的比例进行分配\"", "按3:7的比例进行分配\"\n  cite \"第13条\" \"4:6\"")
    text = text.replace("  default lower_closed\n", "  default upper_closed\n")
    (folder / "sources" / "zhangjiagang_2017.txt").write_text(
        (POLICIES / "sources" / "zhangjiagang_2017.txt").read_text(encoding="utf-8") + "\n4:6\n", encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    d = diff_files(POLICIES / "zhangjiagang_2017.policy", path)
    got = {(c.kind, c.item, c.where, c.old, c.new) for c in item_changes(d) if c.where != "cite"}
    assert got == {("split", "team_reward_split", "shares", "3:7", "4:6"),
                   ("reading", "tier_edges", "default", "lower_closed", "upper_closed")}


def test_cli_formats(tmp_path: Path) -> None:
    draft = revision(tmp_path, "wuxi_2023", wuxi_fdi("3%", "8000万元"), WUXI_DRAFT_TEXT)
    env = {**os.environ, "NO_COLOR": "1"}
    base = [sys.executable, "-m", "compare.cli", "diff", "wuxi_2023", str(draft)]
    table = subprocess.run(base, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert table.returncode == 0, table.stderr
    # (16) 最高2%、不超过5000万元 → 最高3%、不超过8000万元: two figures, each changed under both readings of
    # `ceilings`, read as one sentence each under the article, never as a path inside the clause
    assert "wuxi_2023 → draft: 2 figures changed, 1 item changed" in table.stdout
    section = table.stdout.split("\n(16)\n", 1)[1]
    assert section.startswith("  「新批外资项目到账外资奖励（修订稿）」的奖励比例由2%改为3%\n"
                              "    “新批外资项目到账外资奖励（修订稿）”: the reward rate changes from 2% to 3%\n"
                              "  「新批外资项目到账外资奖励（修订稿）」的上限由5000万元改为8000万元\n"
                              "    “新批外资项目到账外资奖励（修订稿）”: the cap changes from 5000万元 to 8000万元\n")
    assert " › " not in table.stdout
    js = subprocess.run([*base, "--format", "json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    doc = json.loads(js.stdout)
    assert {c["item"] for c in doc["changes"] if c["kind"] == "clause"} == {"fdi_arrival_reward"}
    assert {"article": "(16)", "zh": "「新批外资项目到账外资奖励（修订稿）」的上限由5000万元改为8000万元",
            "en": "“新批外资项目到账外资奖励（修订稿）”: the cap changes from 5000万元 to 8000万元"} in doc["sentences"]
    md = subprocess.run([*base, "--format", "markdown"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert "| 条文 article | 变化 | change |" in md.stdout
    assert "| (16) | 「新批外资项目到账外资奖励（修订稿）」的奖励比例由2%改为3% | " \
           "“新批外资项目到账外资奖励（修订稿）”: the reward rate changes from 2% to 3% |" in md.stdout
    missing = subprocess.run([sys.executable, "-m", "compare.cli", "diff", "wuxi_2023", "no_such_policy"],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert missing.returncode == 2 and "no policy `no_such_policy`" in missing.stderr


ZJG_TEAM_WHEN = ("foreign\n    and started\n    and paid_in_ratio >= 30%\n    and meets_industry_policy\n"
                 "    and registered_capital >= (if in_core_zone then 1000万美元 else 500万美元)")
ZJG_TEAM_RANGE = "2‰~5‰ of fdi_arrived"
ZJG_TEAM_LINEAR = ('(2‰ + 3‰ derived "5‰ - 2‰: the width of the range" * quality_score / 100 '
                   'derived "积分以百分计") of fdi_arrived')


def zjg_team_reward(when: str = ZJG_TEAM_WHEN, value: str = ZJG_TEAM_RANGE) -> str:
    """张家港 第13条's team reward as a revision overrides it: its conditions and its value as given."""
    return f'''override clause team_reward "重大项目团队额外奖励（修订稿）" {{
  concept reward.team
  beneficiary team
  cite "第13条" "再按引进项目质量情况对其进行额外奖励"
  cite "第13条" "“两区一园”注册资本1000万美元及以上、其他区镇注册资本500万美元及以上、开工并有30%以上外资到账的项目"
  cite "第13条" "给予当年度项目到帐外资2～5‰的奖励"
  when {when}
    and by reading new_project_scope {{
      new_only:       not expansion
      with_expansion: true
    }}
  value {value}
}}
'''


def when_changes(d: StructuralDiff) -> list[tuple[str, str | None, str | None]]:
    return [(c.where, c.old, c.new) for c in d.changes if c.where.startswith("when")]


def test_a_dropped_conjunct_is_that_removal_not_positional_rewrites(tmp_path: Path) -> None:
    """第13条's conditions without 开工 (`started`): one removal, whichever position the term had."""
    base = zjg_team_reward()
    for dropped, when in (("started", ZJG_TEAM_WHEN.replace("\n    and started", "")),
                          ("foreign", ZJG_TEAM_WHEN.replace("foreign\n    and ", ""))):
        folder = tmp_path / dropped
        folder.mkdir()
        old = revision(folder, "zhangjiagang_2017", base)
        (folder / "new").mkdir()
        new = revision(folder / "new", "zhangjiagang_2017", zjg_team_reward(when))
        assert when_changes(diff_files(old, new)) == [("when › conjunct removed", dropped, "—")]
        assert when_changes(diff_files(new, old)) == [("when › conjunct added", "—", dropped)]


def test_reordered_conjuncts_and_alternatives_are_no_change(tmp_path: Path) -> None:
    """`a and b` → `b and a`, and the same for `or`: the rule is the same, so no change is reported."""
    old = revision(tmp_path, "zhangjiagang_2017", zjg_team_reward(
        "(foreign or started) and paid_in_ratio >= 30%\n    and registered_capital >= 500万美元"))
    (tmp_path / "new").mkdir()
    new = revision(tmp_path / "new", "zhangjiagang_2017", zjg_team_reward(
        "registered_capital >= 500万美元 and paid_in_ratio >= 30%\n    and (started or foreign)"))
    assert diff_files(old, new).empty


def test_a_changed_figure_inside_reordered_conjuncts_is_that_figure(tmp_path: Path) -> None:
    """30% → 40% while the terms are also reordered: the one figure, found by the name it tests."""
    old = revision(tmp_path, "zhangjiagang_2017", zjg_team_reward("foreign and paid_in_ratio >= 30% and started"))
    (tmp_path / "new").mkdir()
    new = revision(tmp_path / "new", "zhangjiagang_2017",
                   zjg_team_reward('started and paid_in_ratio >= 40% derived "草案" and foreign'))
    d = diff_files(old, new)
    assert [(c.old, c.new, c.relative) for c in d.changes if c.is_figure] == [("30%", "40% derived \"草案\"", pytest.approx(1 / 3))]
    assert when_changes(d) == [("when › conjunct › right", "30%", "40% derived \"草案\"")]


def test_a_chain_cut_to_one_term_is_the_removal_of_the_others(tmp_path: Path) -> None:
    """`foreign and started` → `foreign`: `started` removed, `foreign` unchanged (and back: added)."""
    old = revision(tmp_path, "zhangjiagang_2017", zjg_team_reward("foreign and started"))
    (tmp_path / "new").mkdir()
    new = revision(tmp_path / "new", "zhangjiagang_2017", zjg_team_reward("foreign"))
    assert when_changes(diff_files(old, new)) == [("when › conjunct removed", "started", "—")]
    assert when_changes(diff_files(new, old)) == [("when › conjunct added", "—", "started")]
