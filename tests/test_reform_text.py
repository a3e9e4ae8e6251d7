"""`policylab reform --set` writes the revised sentence: where a set figure is written once in its clause's
quote as the clause writes it, the draft's quote and its own text (NAME.txt beside it, the base's text
with that sentence revised) say the new figure, which is then checked, not `derived`.  Where it is not
(5千万元, 百分之二, twice, not at all, a sentence the text holds twice), the figure stays derived and a
warning says the quote no longer matches.  A file beside the draft that the tool did not write is never
replaced.  Expected texts are worked out by hand from policies/sources/*.txt, articles cited."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import POLICIES, source
from typer.testing import CliRunner

from compare.cli.app import app
from compare.simulate.reform import Change, Draft, apply_changes, draft_changes
from dsl import ast as A
from dsl.check import check_paths
from dsl.model import Policy
from dsl.walk import walk

WUXI = str(POLICIES / "wuxi_2023.policy")
WUXI_SETS = ["--set", "fdi_arrival_reward.rate=3%", "--set", "fdi_arrival_reward.cap=8000万元"]
# 无锡 (16): "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、不超过5000万元奖励"
WUXI_OLD = "给予最高2%、不超过5000万元奖励"
WUXI_NEW = "给予最高3%、不超过8000万元奖励"


def reform(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["reform", *args])
    return r.exit_code, r.stdout, r.stderr


def checked(path: Path) -> Policy:
    result = check_paths([path], [POLICIES])
    problems = [(d.code, d.message) for d in result.diagnostics]
    assert not problems, problems  # no error and no warning
    return result.policies[0]


def figures(item: object) -> list[A.Quantity]:
    return [n for n in walk(item) if isinstance(n, A.Quantity)]


def test_the_wuxi_draft_quotes_its_figures_and_has_its_own_text(tmp_path: Path) -> None:
    out = tmp_path / "wuxi_draft.policy"
    code, stdout, stderr = reform(WUXI, *WUXI_SETS, "--out", str(out))
    assert code == 0, stderr
    assert "warning" not in stderr and "wuxi_draft.txt" in stdout
    base = source("wuxi_2023.txt")
    assert base.count(WUXI_OLD) == 1  # (16), line 39
    assert (tmp_path / "wuxi_draft.txt").read_text(encoding="utf-8") == base.replace(WUXI_OLD, WUXI_NEW)
    text = out.read_text(encoding="utf-8")
    assert '  source "wuxi_draft.txt"\n' in text
    assert '  cite "(16)" "对符合要求的新批外资项目，分类别按实际到账外资比例给予最高3%、不超过8000万元奖励"\n' in text
    assert "derived" not in text
    clause = checked(out).clauses["fdi_arrival_reward"]
    assert sorted({str(q) for q in figures(clause.value)}) == ["3%", "8000万元"]
    assert all(q.derived is None for q in figures(clause.value))
    assert sorted(tmp_path.iterdir()) == [tmp_path / "wuxi_draft.policy", tmp_path / "wuxi_draft.txt"]
    again = tmp_path / "again" / "wuxi_draft.policy"  # byte-identical on rerun
    assert reform(WUXI, *WUXI_SETS, "--out", str(again))[0] == 0
    assert again.read_bytes() == out.read_bytes()
    assert (again.parent / "wuxi_draft.txt").read_bytes() == (tmp_path / "wuxi_draft.txt").read_bytes()


def test_a_rerun_replaces_the_draft_and_its_text_and_never_a_file_it_did_not_write(tmp_path: Path) -> None:
    out, txt = tmp_path / "wuxi_draft.policy", tmp_path / "wuxi_draft.txt"
    assert reform(WUXI, *WUXI_SETS, "--out", str(out))[0] == 0
    code, _, stderr = reform(WUXI, "--set", "fdi_arrival_reward.cap=9000万元", "--out", str(out))
    assert code == 0, stderr  # its own files: replaced
    assert txt.read_text(encoding="utf-8") == source("wuxi_2023.txt").replace(
        "不超过5000万元奖励", "不超过9000万元奖励")
    assert "9000万元" in out.read_text(encoding="utf-8")

    txt.write_text(txt.read_text(encoding="utf-8") + "（编者按）\n", encoding="utf-8")  # the researcher edits it
    before = {p: p.read_bytes() for p in (out, txt)}
    code, _, stderr = reform(WUXI, *WUXI_SETS, "--out", str(out))
    assert code == 2 and f"{txt} exists and is not the text `policylab reform` wrote" in stderr
    assert "hint:" in stderr and "Traceback" not in stderr
    assert {p: p.read_bytes() for p in (out, txt)} == before

    txt.unlink()
    out.write_text("policy mine extends wuxi_2023 {\n  status draft\n}\n", encoding="utf-8")  # someone's file
    code, _, stderr = reform(WUXI, *WUXI_SETS, "--out", str(out))
    assert code == 2 and f"{out} exists and was not written by `policylab reform`" in stderr
    assert out.read_text(encoding="utf-8").startswith("policy mine") and not txt.exists()

    out.unlink()
    txt.write_text("另一份文本\n", encoding="utf-8")  # a text of the same name, not the tool's
    code, _, stderr = reform(WUXI, *WUXI_SETS, "--out", str(out))
    assert code == 2 and str(txt) in stderr
    assert txt.read_text(encoding="utf-8") == "另一份文本\n" and not out.exists()

    elsewhere = tmp_path / "elsewhere.txt"  # a link is not replaced, even to a text as the tool writes it
    elsewhere.write_text(source("wuxi_2023.txt").replace(WUXI_OLD, WUXI_NEW), encoding="utf-8")
    txt.unlink()
    txt.symlink_to(elsewhere)
    code, _, stderr = reform(WUXI, *WUXI_SETS, "--out", str(out))
    assert code == 2 and f"{txt} is not a regular file" in stderr and txt.is_symlink() and not out.exists()


def _draft(policy: Policy, tmp_path: Path, *changes: tuple[str, str]) -> Draft:
    return draft_changes(policy, [Change(p, v) for p, v in changes], "draft", tmp_path / "out",
                         [policy.path.parent, POLICIES])


def test_a_new_scale_is_written_as_given(tmp_path: Path) -> None:
    """无锡 (16): a cap of 1亿元 reads 不超过1亿元, not 10000万元."""
    draft = _draft(checked(POLICIES / "wuxi_2023.policy"), tmp_path, ("fdi_arrival_reward.cap", "1亿元"))
    assert not draft.warnings
    assert draft.source_text == source("wuxi_2023.txt").replace(WUXI_OLD, "给予最高2%、不超过1亿元奖励")
    assert '"对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、不超过1亿元奖励"' in draft.text


ZJG_12 = "按注册资本1000～3000万美元、3000万～1亿美元、1亿美元以上的标准分别给予每个项目2、5、10的加分"


@pytest.mark.parametrize(("path", "value", "quote", "old_line", "new_line"), [
    # 张家港 第12条: a tier's points, a bare number in a list that 加分 makes points
    ("major_foreign_project_points.tiers[2]", "6分", ZJG_12.replace("2、5、10", "2、6、10"),
     "个项目 2、5、10 的加分", "个项目 2、6、10 的加分"),
    # 张家港 第12条: a tier's edge whose unit and scale the range shares (1000～3000万美元)
    ("major_foreign_project_points.tiers[1].low", "1500万美元", ZJG_12.replace("1000～3000", "1500～3000"),
     "资本 1000～3000 万美元", "资本 1500～3000 万美元"),
], ids=["tier points", "range edge"])
def test_a_tier_figure_of_a_hard_wrapped_text(tmp_path: Path, path: str, value: str, quote: str,
                                              old_line: str, new_line: str) -> None:
    draft = _draft(checked(POLICIES / "zhangjiagang_2017.policy"), tmp_path, (path, value))
    assert not draft.warnings
    assert f'  cite "第12条" "{quote}"\n' in draft.text and "derived \"reform" not in draft.text
    base = source("zhangjiagang_2017.txt")
    assert base.count(old_line) == 1  # the wrapped lines of 第12条 keep their spaces
    assert draft.source_text == base.replace(old_line, new_line)
    clause = draft.policy.clauses["major_foreign_project_points"]
    assert all(q.derived is None or "两区一园" in q.derived for q in figures(clause))


# Made up for these tests, in the style of the texts (not a real document).
POLICY = '''policy t_2024 {{
  city t "测试"
  source "sources/t_2024.txt"
}}

clause fdi_reward "外资到账奖励" {{
  concept reward.fdi
  cite "第五条" "{quote}"
  value up to 2% of cny(fdi_arrived) cap 5000万元
}}

clause talent_award "人才项目奖励" {{
  concept reward.landing
  cite "第六条" "人才项目奖励50万元，每年评选不超过20个项目"
  value 50万元
  winners 20
}}
'''
TALENT = "第六条 人才项目奖励50万元，每年评选不超过20个项目。"


def made_up(folder: Path, quote: str, text: str | None = None) -> Policy:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    (folder / "sources" / "t_2024.txt").write_text(f"第五条 {quote}。\n{TALENT}\n" if text is None else text,
                                                   encoding="utf-8")
    (folder / "t_2024.policy").write_text(POLICY.format(quote=quote), encoding="utf-8")
    return checked(folder / "t_2024.policy")


def test_the_number_is_rewritten_where_it_stands_whole(tmp_path: Path) -> None:
    """2 in 12% is not the rate's 2; 20 of 20个项目 is the number of winners; 50万元 the award."""
    base = made_up(tmp_path / "t", "对年增长12%以上的企业，给予最高2%、不超过5000万元奖励")
    draft = _draft(base, tmp_path, ("fdi_reward.rate", "3%"), ("talent_award.winners", "15"),
                   ("talent_award.amount", "60万元"))
    assert not draft.warnings
    assert draft.source_text == ("第五条 对年增长12%以上的企业，给予最高3%、不超过5000万元奖励。\n"
                                 "第六条 人才项目奖励60万元，每年评选不超过15个项目。\n")
    assert "derived" not in draft.text


@pytest.mark.parametrize(("quote", "path", "value", "why"), [
    ("给予最高2%、不超过5千万元奖励", "fdi_reward.cap", "8000万元", "it does not write 5000万元 as the item does"),
    ("给予最高百分之二、不超过5000万元奖励", "fdi_reward.rate", "3%", "it does not write 2% as the item does"),
    ("给予最高2%、不超过5000万元奖励，配套资金按2%给予", "fdi_reward.rate", "3%", "it writes 2% at 2 places"),
])
def test_a_figure_written_otherwise_stays_derived_with_a_warning(tmp_path: Path, quote: str, path: str,
                                                                 value: str, why: str) -> None:
    draft = _draft(made_up(tmp_path / "t", quote), tmp_path, (path, value))
    assert draft.warnings == [f"`{path}`: the quote 第五条 no longer matches the figure ({why}); {value} stays derived"]
    assert draft.source_name is None and draft.source_text is None and "source" not in draft.text
    assert f'cite "第五条" "{quote}"' in draft.text  # the quote as it was
    old = "5000万元" if path.endswith("cap") else "2%"
    assert f'{value} derived "reform draft: {path}={value}; its quote still says {old}"' in draft.text


def test_a_figure_the_text_does_not_state_is_not_looked_for(tmp_path: Path) -> None:
    """张家港 第13条 `3‰ derived "5‰ - 2‰: the width of the range"`: derived in the base, so no quote is
    rewritten for it; a figure set to what it is stays stated."""
    base = checked(POLICIES / "zhangjiagang_2017.policy")
    draft = _draft(base, tmp_path, ("team_reward.rate", "4‰"), ("major_foreign_project_points.tiers[2]", "5分"))
    assert draft.warnings == ["`team_reward.rate`: the quote 第13条 no longer matches the figure (the text does not "
                              "state 3‰ either: it is derived); 4‰ stays derived"]
    assert draft.source_text is None and "5分 derived" not in draft.text


def test_a_sentence_the_text_holds_twice_is_not_revised(tmp_path: Path) -> None:
    quote = "给予最高2%、不超过5000万元奖励"
    base = made_up(tmp_path / "t", quote, f"第五条 {quote}。\n附：{quote}。\n{TALENT}\n")
    draft = _draft(base, tmp_path, ("fdi_reward.cap", "8000万元"))
    assert draft.warnings == ["`fdi_reward.cap`: the quote 第五条 no longer matches the figure (its words occur "
                              "2 times in t_2024.txt); 8000万元 stays derived"]
    assert draft.source_text is None


def test_a_scenario_reform_keeps_derived_and_writes_no_text(tmp_path: Path) -> None:
    """The in-memory reforms of `simulate` (set, overrides) are unchanged: figures derived, no text."""
    _, text = apply_changes(checked(POLICIES / "wuxi_2023.policy"), [Change("fdi_arrival_reward.rate", "3%")],
                            "r", tmp_path / "out", [POLICIES])
    assert 'up to 3% derived "reform r: fdi_arrival_reward.rate=3%"' in text and "source" not in text
    assert WUXI_OLD.removeprefix("给予") in text


def test_a_scenario_that_extends_a_draft_publishes_its_text(tmp_path: Path) -> None:
    """A draft written by `reform` as a scenario's `extends` line, and a reform stacked on it: the
    revisions in DIR/policies check there (the draft's text beside it)."""
    pytest.importorskip("pandas")
    from compare.api import simulate

    assert reform(WUXI, *WUXI_SETS, "--out", str(tmp_path / "wuxi_draft.policy"))[0] == 0
    res = simulate({"name": "s", "fx": 7.0, "seed": 1, "policies": ["wuxi_2023"],
                    "reforms": [{"name": "by_draft", "base": "wuxi_2023", "extends": str(tmp_path / "wuxi_draft.policy")},
                                {"name": "on_top", "base": "by_draft", "set": {"fdi_arrival_reward.cap": "9000万元"}}],
                    "portfolio": {"sample": {"size": 5}}, "analyses": {"compare": True}})
    res.write(tmp_path / "out", formats=("csv",))
    published = tmp_path / "out" / "policies"
    assert sorted(p.name for p in published.iterdir()) == ["on_top.policy", "wuxi_draft.policy", "wuxi_draft.txt"]
    assert (published / "wuxi_draft.txt").read_text(encoding="utf-8") == source("wuxi_2023.txt").replace(WUXI_OLD, WUXI_NEW)
    result = check_paths([published / "wuxi_draft.policy", published / "on_top.policy"], [POLICIES])
    assert not [d for d in result.diagnostics if d.is_error]


@pytest.mark.parametrize("name", ["wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft"])
def test_every_figure_set_revises_one_whole_number_or_warns(name: str) -> None:
    """Every figure of a city's policy set one higher in its own unit (50万元 → 51万元): either its quote
    and the text are each the old with one whole occurrence of the number replaced (nothing else, the
    text's spaces and line breaks kept), or a warning says why not and the text is left alone."""
    from compare.simulate.figures import policy_figures
    from compare.simulate.reform import _item, planned_changes
    from compare.simulate.requote import revise
    from dsl.units import format_decimal

    policy = checked(POLICIES / f"{name}.policy")
    base = source(f"{name}.txt")
    revised = 0
    for path, fig in policy_figures(policy).items():
        old = fig.node
        if not isinstance(old, A.Quantity) or old.derived is not None:
            continue
        was, now = format_decimal(old.number), format_decimal(old.number + 1)
        value = f"{now}{old.scale}{old.unit}" + (f"/{old.per}" if old.per else "")
        planned, _ = planned_changes(policy, [Change(path, value)], "d")
        item = _item(policy, fig.item)
        rev = revise(policy, planned, {fig.item: item})
        if rev.warnings:
            assert len(rev.warnings) == 1 and rev.source_text is None and not rev.quoted, path
            continue
        revised += 1
        assert rev.source_text is not None and _one_replaced(base, rev.source_text, was, now), path
        quotes = [(c.quote, n.quote) for c, n in zip(item.cites, rev.cites[fig.item], strict=True) if c != n]
        assert len(quotes) == 1 and _one_replaced(*quotes[0], was, now), path
    assert revised >= {"wuxi_2023": 15, "zhangjiagang_2017": 25, "taicang_2020": 5, "jiaxing_draft": 15}[name]


def _one_replaced(before: str, after: str, was: str, now: str) -> bool:
    """`after` is `before` with one whole occurrence of the number `was` (not a part of 2023 or 0.5)
    replaced by `now`."""
    def whole(i: int) -> bool:
        j = i + len(was)
        return (i == 0 or before[i - 1] not in "0123456789.") and (j == len(before) or not before[j].isdigit()) \
            and not (before[j:j + 1] == "." and before[j + 1:j + 2].isdigit())

    return any(before[:i] + now + before[i + len(was):] == after for i in range(len(before))
               if before.startswith(was, i) and whole(i))
