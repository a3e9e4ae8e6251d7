"""The diff read as sentences: structural changes per article, semantic verdicts in plain words, witnesses
with the fields that matter (compare.diff.sentences, compare.diff.verdict_sentences).

Every expected sentence is worked out by hand from 无锡 (16) (policies/sources/wuxi_2023.txt): "对符合要求的新批
外资项目，分类别按实际到账外资比例给予最高2%、不超过5000万元奖励", and the draft raising it to 最高3%、不超过8000万元.
Under the reading `ceilings=full` the reward is min(rate × FDI, cap): for 10亿元 arrived, 2% = 2000万元 (under
5000万元) before and 3% = 3000万元 (under 8000万元) after, 1000万元 more; the gain min(3%F, 8000万) − min(2%F,
5000万) is largest, 3000万元, from F = 8000万元 / 3% = 26.6667亿元 on.  Under `ceilings=range` (the default)
each version gives [0, that figure], so the ceiling moves by the same amounts.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from conftest import POLICIES
from markdown_it import MarkdownIt
from test_diff_structural import WUXI_DRAFT_TEXT, revision, wuxi_fdi

from compare.diff.items import diff_policies
from compare.diff.project_words import fields_read, round_down, value_words
from compare.diff.render import render_markdown, render_table
from compare.diff.semantic import semantic_diff
from compare.diff.semantic_render import render_markdown as semantic_markdown
from compare.diff.semantic_render import render_table as semantic_table
from compare.diff.sentences import Sentence, article_order, article_sentences, tier_words, with_article
from compare.diff.verdict_sentences import semantic_by_reading, verdict_sentences, witness_sentences
from compare.engine.evaluate import CompiledPolicy
from dsl.check import check_paths
from dsl.model import Policy
from dsl.units import Dim

FX = 7.0467  # the 2023 average (docs/evaluation.md): no 美元 figure enters these verdicts
LABEL = "新批外资项目到账外资奖励（修订稿）"


def checked(path: Path) -> Policy:
    result = check_paths([path])
    errors = [d.message for d in result.diagnostics if d.is_error]
    assert not errors, errors
    return result.policies[0]


def wuxi() -> Policy:
    return checked(POLICIES / "wuxi_2023.policy")


def draft(tmp_path: Path, rate: str = "3%", cap: str = "8000万元") -> Policy:
    return checked(revision(tmp_path, "wuxi_2023", wuxi_fdi(rate, cap), WUXI_DRAFT_TEXT))


# ---------------------------------------------------------------- structural changes as sentences


def test_the_wuxi_draft_reads_as_the_rate_and_the_cap_changed_in_16(tmp_path: Path) -> None:
    """(16) 最高2%、不超过5000万元 → 最高3%、不超过8000万元: each figure changed under both readings of
    `ceilings` is one sentence, the figures before the clause's name and quotation."""
    old, new = wuxi(), draft(tmp_path)
    by_article = article_sentences(diff_policies(old, new), old, new)
    assert list(by_article) == ["", "(16)"]  # the document's header first, then the one article
    assert by_article["(16)"] == [
        Sentence(f"「{LABEL}」的奖励比例由2%改为3%", f"“{LABEL}”: the reward rate changes from 2% to 3%"),
        Sentence(f"「{LABEL}」的上限由5000万元改为8000万元", f"“{LABEL}”: the cap changes from 5000万元 to 8000万元"),
        Sentence(f"「{LABEL}」的名称由“新批外资项目到账外资奖励”改为“{LABEL}”",
                 f"“{LABEL}”: the name changes from “新批外资项目到账外资奖励” to “{LABEL}”"),
        # the quotation dropped and the draft's added: one sentence, the article not repeated
        Sentence(f"「{LABEL}」的所引原文由“对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、不超过5000万元奖励”"
                 "改为“对符合要求的新批外资项目，分类别按实际到账外资比例给予最高3%、不超过8000万元奖励”",
                 f"“{LABEL}”: the quoted text changes from “对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、"
                 "不超过5000万元奖励” to “对符合要求的新批外资项目，分类别按实际到账外资比例给予最高3%、不超过8000万元奖励”"),
        by_article["(16)"][4],  # the base's note, dropped by the override (its wording is the policy's)
    ]
    assert by_article["(16)"][4].zh.startswith(f"「{LABEL}」删去注释：分类别")
    assert Sentence("文件状态由现行有效改为草案", "the document's status changes from in force to draft") in by_article[""]
    assert with_article("(16)", by_article["(16)"][0]) == Sentence(
        f"(16)：「{LABEL}」的奖励比例由2%改为3%", f"(16): “{LABEL}”: the reward rate changes from 2% to 3%")


def test_the_draft_policylab_reform_writes_reads_the_same(tmp_path: Path) -> None:
    """The draft of `policylab reform wuxi_2023 --set fdi_arrival_reward.rate=3% --set
    fdi_arrival_reward.cap=8000万元`, whatever it does with the quotation: its figures read as sentences."""
    r = subprocess.run([sys.executable, "-m", "compare.cli", "reform", "wuxi_2023", "--set", "fdi_arrival_reward.rate=3%",
                        "--set", "fdi_arrival_reward.cap=8000万元", "--out", "wuxi_draft.policy"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    old, new = wuxi(), checked(tmp_path / "wuxi_draft.policy")
    sixteen = article_sentences(diff_policies(old, new), old, new)["(16)"]
    assert sixteen[:2] == [
        Sentence("「新批外资项目到账外资奖励」的奖励比例由2%改为3%", "“新批外资项目到账外资奖励”: the reward rate changes from 2% to 3%"),
        Sentence("「新批外资项目到账外资奖励」的上限由5000万元改为8000万元",
                 "“新批外资项目到账外资奖励”: the cap changes from 5000万元 to 8000万元")]


def test_a_figure_changed_under_one_reading_only_names_that_reading(tmp_path: Path) -> None:
    """Only the `full` case of (16) raised to 3%: the sentence says under which reading."""
    text = (POLICIES / "wuxi_2023.policy").read_text(encoding="utf-8")
    body = wuxi_fdi("2%", "5000万元").replace("full:  2% of", 'full:  3% derived "草案" of')
    old, new = wuxi(), checked(revision(tmp_path, "wuxi_2023", body))
    assert "full:  2% of cny(fdi_arrived) cap 5000万元" in text  # the line the draft edits
    sixteen = article_sentences(diff_policies(old, new), old, new)["(16)"]
    assert sixteen[0] == Sentence(f"「{LABEL}」（读法 ceilings=full）的奖励比例由2%改为3%",
                                  f"“{LABEL}” (reading ceilings=full): the reward rate changes from 2% to 3%")


def test_no_change_of_any_bundled_clause_reads_as_a_path() -> None:
    """Every one-figure, one-comparison and one-conjunct edit of every bundled clause (the edits the
    semantic diff's property tests make): no sentence carries a path (` › `) or a step of one, and each
    edited item is named by its label in its article's sentences."""
    from test_diff_semantic import BUNDLED, CANDIDATES, edit_policy

    steps = re.compile(r"\bunary\b|\bconjunct\b|\balternative\b|\bamount › |\btierscale\b|\bper unit ›")
    for candidate in CANDIDATES:
        new, what = edit_policy(*candidate, Decimal("1.5"))
        old = BUNDLED[candidate[0]]
        d = diff_policies(old, new)
        by_article = article_sentences(d, old, new)
        for sentences in by_article.values():
            for s in sentences:
                for text in (s.zh, s.en):
                    assert " › " not in text and not steps.search(text), (what, text)
        for c in d.changes:
            label = new.clauses[c.item].label or c.item
            assert any(label in s.zh for ss in by_article.values() for s in ss), (what, c)


def test_tiers_read_as_the_texts_write_them() -> None:
    assert tier_words("[500万美元, 1000万美元)") == ("500万美元（含）至1000万美元", "500万美元 (inclusive) to 1000万美元")
    assert tier_words("(1000万美元, 3000万美元]") == (
        "1000万美元（不含）至3000万美元（含）", "1000万美元 (exclusive) to 3000万美元 (inclusive)")
    assert tier_words("[1亿美元, ∞)") == ("1亿美元（含）以上", "1亿美元 (inclusive) and above")


def test_articles_in_the_texts_order() -> None:
    """(2) before (16) (not as strings: "(16)" < "(2)"), 第二条 before 第十二条, the header first, 结语 last."""
    given = ["结语", "(16)", "第十二条", "(2)", "", "第二条", "第5条"]
    assert sorted(given, key=article_order) == ["", "(2)", "第二条", "第5条", "第十二条", "(16)", "结语"]


def test_the_markdown_keeps_a_hostile_label_as_written(tmp_path: Path) -> None:
    """A label holding Markdown, HTML and template syntax comes out as written, one row per sentence."""
    bad = r"<script>x</script> **b** _u_ #h $m$ [l](y) @a \\ {{ x }} | p"
    body = wuxi_fdi("3%", "8000万元").replace(f'"{LABEL}"', f'"{bad}"')
    old, new = wuxi(), checked(revision(tmp_path, "wuxi_2023", body, WUXI_DRAFT_TEXT))
    page = MarkdownIt("commonmark").enable("table").render(render_markdown(diff_policies(old, new), None, old, new))
    assert "<script" not in page and "<strong>" not in page and "<a " not in page
    plain = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "「<script>x</script> **b** _u_ #h $m$ [l](y) @a \\ {{ x }} | p」的奖励比例由2%改为3%" in plain
    for table in re.findall(r"<table>.*?</table>", page, re.S):
        widths = {len(re.findall(r"<t[dh][ >]", r)) for r in re.findall(r"<tr>.*?</tr>", table, re.S)}
        assert widths == {3}, widths  # no `|` broke a row


def test_structural_outputs_are_the_same_bytes_on_rerun(tmp_path: Path) -> None:
    old, new = wuxi(), draft(tmp_path)
    outputs = [(render_table(diff_policies(old, new), None, old, new), render_markdown(diff_policies(old, new), None, old, new))
               for _ in range(2)]
    assert outputs[0] == outputs[1]
    assert " › " not in outputs[0][0] and " › " not in outputs[0][1]


# ---------------------------------------------------------------- verdicts and witnesses


def test_figures_in_the_texts_notation() -> None:
    assert value_words(20_000_000.0, Dim.CNY) == ("2000万元", "2000万元")
    assert value_words((0.0, 20_000_000.0), Dim.CNY) == ("最高2000万元", "up to 2000万元")  # (16)'s 最高
    assert value_words((0.5, 2.0), Dim.POINTS) == ("0.5分～2分", "0.5分–2分")
    assert value_words((0.0, float("inf")), Dim.CNY) == ("仅承诺，无数额", "promised, no figure")
    assert value_words(None, Dim.CNY) == ("无", "nothing")


def test_a_round_project_is_each_figure_cut_to_its_power_of_ten() -> None:
    assert round_down({"id": "w", "fdi_arrived": "26.6667亿元", "foreign": True}) == {
        "id": "w", "fdi_arrived": "10亿元", "foreign": True}
    assert round_down({"rent_area": "25000平方米", "paid_in_ratio": "30%"}) == {
        "rent_area": "10000平方米", "paid_in_ratio": "30%"}  # a share is a threshold: kept
    assert round_down({"land": "0.5亩"}) == {"land": "0.1亩"}
    assert round_down({"fdi_arrived": "1亿美元"}) is None  # already round


def _wuxi_pair(tmp_path: Path) -> tuple[CompiledPolicy, CompiledPolicy]:
    return CompiledPolicy(wuxi()), CompiledPolicy(draft(tmp_path))


def test_the_verdict_under_full_ceilings_in_plain_words(tmp_path: Path) -> None:
    a, b = _wuxi_pair(tmp_path)
    sd = semantic_diff(a, b, ["reward.fdi"], {"ceilings": "full"}, FX)
    assert verdict_sentences(sd, a, b, prefixed=False) == [
        Sentence("外资到账奖励（reward.fdi）：新版本给得更多，没有项目少得",
                 "reward on arrived foreign capital (reward.fdi): the new version gives more, and no project gets less"),
        Sentence("对当年度到账外资10亿元的项目（外资项目），新版本多给1000万元（2000万元→3000万元）",
                 "For a project with foreign capital arrived this year 10亿元 (foreign-invested project), the new "
                 "version gives 1000万元 more (2000万元 → 3000万元)"),
        Sentence("新版本最多多给3000万元，如当年度到账外资26.6667亿元的项目（外资项目）：5000万元→8000万元",
                 "The new version gives at most 3000万元 more, e.g. for a project with foreign capital arrived this "
                 "year 26.6667亿元 (foreign-invested project): 5000万元 → 8000万元"),
    ]
    prefixed = verdict_sentences(sd, a, b)
    assert all(s.zh.startswith("按读法 ceilings=full：") and s.en.startswith("Under the reading ceilings=full: ")
               for s in prefixed)


def test_the_verdict_under_range_ceilings_moves_the_ceiling(tmp_path: Path) -> None:
    a, b = _wuxi_pair(tmp_path)
    sd = semantic_diff(a, b, ["reward.fdi"], {"ceilings": "range"}, FX)
    assert verdict_sentences(sd, a, b, prefixed=False)[1] == Sentence(
        "对当年度到账外资10亿元的项目（外资项目），新版本最高多给1000万元（最高2000万元→最高3000万元）",
        "For a project with foreign capital arrived this year 10亿元 (foreign-invested project), the new version "
        "gives up to 1000万元 more (up to 2000万元 → up to 3000万元)")


def test_a_witness_shows_every_field_its_clauses_read_defaults_too(tmp_path: Path) -> None:
    """(16)'s clause reads `foreign`, `fdi_arrived` and (reading new_project_scope=new_only) `not
    expansion`: the witness shows 增资扩产：否 though the solver's project leaves it at its default."""
    a, b = _wuxi_pair(tmp_path)
    assert fields_read(a.policy, "reward.fdi") == ["foreign", "fdi_arrived", "expansion"]
    sd = semantic_diff(a, b, ["reward.fdi"], {"ceilings": "full"}, FX)
    largest = sd.of("reward.fdi").max_gain
    assert largest is not None and largest.witness is not None and "expansion" not in largest.witness.project
    assert Sentence("项目（外资项目：是；当年度到账外资26.6667亿元；增资扩产：否）：旧版本5000万元；新版本8000万元",
                    "project (foreign-invested project: yes; foreign capital arrived this year 26.6667亿元; capital "
                    "increase by a settled firm: no): old version 5000万元; new version 8000万元") \
        in witness_sentences(sd, a, b, prefixed=False)


def test_two_cities_are_named_by_their_cities_and_a_draft_is_a_version(tmp_path: Path) -> None:
    """张家港 against 无锡 is no revision: "无锡多给…", not "新版本多给…"; a draft extending 无锡 is its new
    version, whatever city its header names (the test drafts name `x`)."""
    from compare.diff.verdict_sentences import sides

    said = Sentence("新版本多给1000万元；旧版本2000万元", "the new version gives 1000万元 more; old version 2000万元")
    zhangjiagang = checked(POLICIES / "zhangjiagang_2017.policy")
    assert sides(said, zhangjiagang, wuxi()) == Sentence("无锡多给1000万元；张家港2000万元",
                                                         "Wuxi gives 1000万元 more; zhangjiagang 2000万元")
    assert sides(said, wuxi(), draft(tmp_path)) == said


def test_one_semantic_diff_per_option_of_the_reading_the_changed_figures_lie_under(tmp_path: Path) -> None:
    a, b = _wuxi_pair(tmp_path)
    found = semantic_by_reading(a, b, diff_policies(a.policy, b.policy), FX, budget=60)
    assert [sd.readings for sd in found] == [{"ceilings": "range"}, {"ceilings": "full"}]


def test_semantic_outputs_in_words_and_the_same_bytes_on_rerun(tmp_path: Path) -> None:
    a, b = _wuxi_pair(tmp_path)
    sd = semantic_diff(a, b, None, {"ceilings": "full"}, FX)
    table = semantic_table(sd, None, a, b)
    assert table == semantic_table(sd, None, a, b)
    assert "  对当年度到账外资10亿元的项目（外资项目），新版本多给1000万元（2000万元→3000万元）\n" in table
    assert "fdi_arrived 26.6667亿元, foreign" not in table  # the code names of the old lines
    md = semantic_markdown(sd, None, a, b)
    assert md == semantic_markdown(sd, None, a, b)
    assert "| 对当年度到账外资10亿元的项目（外资项目），新版本多给1000万元（2000万元→3000万元） | For a project with" in md
