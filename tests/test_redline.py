"""The wording redline (compare.diff.articles, redline, redline_render): a source text cut into the
articles its policy cites, old and new aligned by label and then by wording, figures compared whole.

Expected values are read off the source texts by hand:
- policies/sources/wuxi_2023.txt (16): “对符合要求的新批外资项目，分类别按实际到账外资比例给予最高2%、
  不超过5000万元奖励”; the Wuxi draft of the shared rules raises 2% to 3% and 5000万元 to 8000万元.
  Its closing paragraph “本措施由市商务局、市财政局负责解释…” follows （二十） on a line of its own (结语).
- policies/sources/zhangjiagang_2017.txt numbers its articles “12．”, the policy cites them “第12条”.
- policies/sources/taicang_2020.txt: （二）“强化招商队伍建设” under 一、, cited “一(二)”.
- policies/sources/jiaxing_draft.txt: “2.重构工作…” follows a Word bookmark `[bookmark: _Hlk114166781]`;
  the policy cites it “二.2”.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLICIES, ROOT

from compare.diff import redline_render as rr
from compare.diff.articles import Article, cut_articles, figure_spans, numeral, policy_articles
from compare.diff.redline import align, compare_wording, redline, tokens
from compare.publish.blocks import Run
from dsl.check import check_paths
from dsl.model import Policy

WUXI_16_OLD = "分类别按实际到账外资比例给予最高2%、不超过5000万元奖励"
WUXI_16_NEW = "分类别按实际到账外资比例给予最高3%、不超过8000万元奖励"


def checked(path: Path) -> Policy:
    result = check_paths([path])
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    return result.policies[0]


def wuxi_draft(folder: Path, revise: dict[str, str] | None = None) -> Path:
    """The Wuxi draft by hand: the text with (16) revised, a policy extending wuxi_2023 with it as `source`."""
    text = (POLICIES / "sources" / "wuxi_2023.txt").read_text(encoding="utf-8")
    for old, new in (revise or {WUXI_16_OLD: WUXI_16_NEW}).items():
        assert text.count(old) == 1
        text = text.replace(old, new)
    (folder / "wuxi_draft.txt").write_text(text, encoding="utf-8")
    path = folder / "wuxi_draft.policy"
    path.write_text(f"""policy wuxi_draft extends wuxi_2023 {{
  status draft
  source "wuxi_draft.txt"
}}

override clause fdi_arrival_reward "新批外资项目到账外资奖励" {{
  concept reward.fdi
  cite "(16)" "对符合要求的新批外资项目，{WUXI_16_NEW}"
  when foreign and by reading new_project_scope {{
    new_only:       not expansion
    with_expansion: true
  }}
  value by reading ceilings {{
    range: up to 3% of cny(fdi_arrived) cap 8000万元
    full:  3% of cny(fdi_arrived) cap 8000万元
  }}
}}
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def wuxi() -> Policy:
    return checked(POLICIES / "wuxi_2023.policy")


def reformed_draft(folder: Path) -> Path:
    """The Wuxi draft of the shared rules, as `policylab reform --set` writes it (with its own text)."""
    done = subprocess.run([sys.executable, "-m", "compare.cli", "reform", "wuxi_2023", "--set",
                           "fdi_arrival_reward.rate=3%", "--set", "fdi_arrival_reward.cap=8000万元", "--out",
                           str(folder / "wuxi_draft.policy")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return folder / "wuxi_draft.policy"


@pytest.fixture(scope="module")
def reformed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reformed_draft(tmp_path_factory.mktemp("reform"))


# ---------------------------------------------------------------- articles


def test_numerals() -> None:
    assert [numeral(s) for s in ("十六", "二十", "十", "七", "12", "二十一", "一百")] == [16, 20, 10, 7, 12, 21, None]


def test_wuxi_articles_are_named_as_cited(wuxi: Policy) -> None:
    arts = {a.label: a for a in policy_articles(wuxi)}
    assert arts["(16)"].heading == "（十六）"
    assert arts["(16)"].text.startswith("（十六）强化招商项目落地扶持。")
    assert WUXI_16_OLD in arts["(16)"].text
    # (7) is cited nowhere with a figure, but named after its cited siblings' pattern
    assert arts["(7)"].text.startswith("（七）创新数字化招引平台。")
    # the closing paragraph is its own part, not the tail of (20)
    assert arts["结语"].text.startswith("本措施由市商务局、市财政局负责解释。")
    assert "本措施" not in arts["(20)"].text
    assert arts["一、"].text == "一、创新招商引资模式"


@pytest.mark.parametrize("policy,label,starts", [
    ("zhangjiagang_2017", "第12条", "12．探索差异化考核体系"),
    ("taicang_2020", "一(二)", "（二）强化招商队伍建设"),
    ("jiaxing_draft", "二.2", "2.重构工作"),
    ("jiaxing_draft", "二.7", "7.落实要素协同保障"),
])
def test_other_numberings(policy: str, label: str, starts: str) -> None:
    arts = {a.label: a for a in policy_articles(checked(POLICIES / f"{policy}.policy"))}
    assert arts[label].text.startswith(starts)


def test_a_quote_found_twice_goes_to_the_article_its_label_numbers() -> None:
    text = "一、总则\n（一）给予最高50万元奖励。\n（二）给予最高50万元奖励。\n"
    arts = cut_articles(text, [("(2)", "给予最高50万元奖励"), ("(1)", "给予最高50万元奖励")])
    assert [a.label for a in arts] == ["一、", "(1)", "(2)"]


def test_hard_wrapped_lines_join_and_paragraphs_stay() -> None:
    text = "（一）对新批项目给予最高\n1000 万元奖励。\n另行制定细则。\n"
    (art,) = cut_articles(text, [("(1)", "给予最高1000万元奖励")])
    assert art.text == "（一）对新批项目给予最高1000万元奖励。\n另行制定细则。"


def test_figure_spans_take_a_range_with_its_unit_whole() -> None:
    text = "按注册资本1000～3000万美元、最高2%、不超过5000万元"
    assert [text[a:b] for a, b in figure_spans(text)] == ["1000～3000万美元", "2%", "5000万元"]
    assert tokens("最高2%奖励") == ["最", "高", "2%", "奖", "励"]


# ---------------------------------------------------------------- wording and alignment


def _marked(runs: tuple[Run, ...], mark: str) -> list[str]:
    return [r.text for r in runs if r.mark == mark]


def test_a_changed_figure_is_marked_whole() -> None:
    old, new, inline = compare_wording("给予最高2%、不超过5000万元奖励", "给予最高3%、不超过8000万元奖励")
    assert _marked(old, "del") == ["2%", "5000万元"] and _marked(old, "ins") == []
    assert _marked(new, "ins") == ["3%", "8000万元"] and _marked(new, "del") == []
    assert "".join(r.text for r in inline if r.mark != "del") == "给予最高3%、不超过8000万元奖励"
    # 20% → 25%: not "2" kept and "0" → "5"
    _, new, _ = compare_wording("最高20%", "最高25%")
    assert _marked(new, "ins") == ["25%"]


def test_changed_words_are_marked_by_character() -> None:
    old, new, _ = compare_wording("对新批外资项目给予奖励", "对新批及增资外资项目给予奖励")
    assert _marked(old, "del") == [] and _marked(new, "ins") == ["及增资"]


def test_align_by_label_then_by_wording() -> None:
    a = Article("(1)", "（一）", "（一）甲乙丙丁戊己庚辛壬癸。")
    b = Article("(2)", "（二）", "（二）子丑寅卯辰巳午未申酉。")
    c = Article("(3)", "（三）", "（三）天地玄黄宇宙洪荒日月盈昃。")
    b_renumbered = Article("(3)", "（三）", "（三）子丑寅卯辰巳午未申酉戌。")
    new_one = Article("(2)", "（二）", "（二）金木水火土。")
    pairs = align([a, b, c], [a, new_one, b_renumbered])
    # a new (2) inserted: the old (2) is now (3) (found by its wording: same label, nothing in common,
    # is no pair); the old (3), like nothing in the new text, is removed where it stood
    assert [(x.label if x else None, y.label if y else None) for x, y in pairs] == \
        [("(1)", "(1)"), (None, "(2)"), ("(2)", "(3)"), ("(3)", None)]
    # renumbered: the old (2) is the new (3), found by its wording once labels do not pair them
    pairs = align([a, b], [a, b_renumbered])
    assert [(x.label if x else None, y.label if y else None) for x, y in pairs] == [("(1)", "(1)"), ("(2)", "(3)")]


# ---------------------------------------------------------------- the Wuxi draft


@pytest.mark.parametrize("made", ["reform", "by hand"])
def test_wuxi_draft_marks_exactly_the_two_figures_in_16(made: str, tmp_path: Path, wuxi: Policy,
                                                        reformed: Path) -> None:
    r = redline(wuxi, checked(reformed if made == "reform" else wuxi_draft(tmp_path)))
    assert r.own_text
    assert [a.label for a in r.shown] == ["(16)"]
    (a,) = r.shown
    assert a.status == "changed"
    assert _marked(a.old, "del") == ["2%", "5000万元"] and _marked(a.old, "ins") == []
    assert _marked(a.new, "ins") == ["3%", "8000万元"] and _marked(a.new, "del") == []
    fdi = {c.item: c for c in a.new_clauses}["fdi_arrival_reward"]
    assert [(x.text, x.mark) for x in fdi.figures if x.text != "，"] == [("3%", "ins"), ("8000万元", "ins")]
    said = [s.zh for s in a.sentences]
    assert any("2%" in s and "3%" in s for s in said) and any("5000万元" in s and "8000万元" in s for s in said)
    page = rr.html_page(r)
    # every mark of the page: the wording's and the clause figures', nothing else
    assert sorted(set(re.findall(r"<del>(.*?)</del>", page))) == ["2%", "5000万元"]
    assert sorted(set(re.findall(r"<ins>(.*?)</ins>", page))) == ["3%", "8000万元"]
    text_row = re.search(r'<tr class="pl-redline-text"><td>(.*?)</td><td>(.*?)</td>', page)
    assert text_row is not None
    assert re.findall(r"<del>(.*?)</del>", text_row.group(1)) == ["2%", "5000万元"]
    assert re.findall(r"<ins>(.*?)</ins>", text_row.group(2)) == ["3%", "8000万元"]
    new_text = html.unescape(re.sub(r"<[^>]+>", "", text_row.group(2)))
    assert WUXI_16_NEW in new_text
    assert page.count('<section class="pl-article') == 1 and 'id="article-16"' in page


def test_a_draft_without_text_of_its_own_says_so(tmp_path: Path, wuxi: Policy) -> None:
    path = wuxi_draft(tmp_path)
    policy = path.read_text(encoding="utf-8").replace('  source "wuxi_draft.txt"\n', "")
    policy = policy.replace(WUXI_16_NEW, WUXI_16_OLD).replace("3% of", '3% derived "reform" of') \
        .replace("cap 8000万元", 'cap 8000万元 derived "reform"')
    path.write_text(policy, encoding="utf-8")
    r = redline(wuxi, checked(path))
    assert not r.own_text
    (a,) = r.shown
    assert a.label == "(16)" and a.status == "unchanged" and not _marked(a.new, "ins")
    assert "没有自己的原文" in rr.summary(r).zh and "no text of its own" in rr.summary(r).en
    page = rr.html_page(r)
    # the wording once (not twice side by side), unmarked; the clause's figures marked
    assert 'class="pl-redline-text"' not in page and page.count('class="pl-redline-same"') == 1
    assert sorted(set(re.findall(r"<ins>(.*?)</ins>", page))) == ["3%", "8000万元"]


def test_zhangjiagang_2017_quotes_its_base_text() -> None:
    """zhangjiagang_base and zhangjiagang_2017 both quote sources/zhangjiagang_2017.txt; the base
    encodes 第12条 only, so 2017's new clauses show beside unchanged wording: 第5条's referral points
    (“按注册资本500～1000万美元、1000～3000万美元、3000万～1亿美元、1亿美元以上的标准，分别给予引荐单位
    0.5、1、1.5、2的加分”) come in as new figures."""
    r = redline(checked(POLICIES / "zhangjiagang_base.policy"), checked(POLICIES / "zhangjiagang_2017.policy"))
    assert not r.own_text and {a.status for a in r.articles} == {"unchanged"}
    fifth = {a.label: a for a in r.shown}["第5条"]
    assert not fifth.old_clauses
    (points,) = [c for c in fifth.new_clauses if c.item == "dept_referral_points"]
    assert [x.text for x in points.figures if x.mark == "ins"] == \
        ["500万美元", "1000万美元", "0.5分", "3000万美元", "1分", "1亿美元", "1.5分", "2分"]


def test_what_a_text_holds_comes_out_as_written(tmp_path: Path, wuxi: Policy) -> None:
    nasty = "*_#$<b>[x](javascript:1)@\\{{ x }}"
    path = wuxi_draft(tmp_path, {WUXI_16_OLD: WUXI_16_NEW, "强化招商项目落地扶持。": f"强化招商项目落地扶持{nasty}。"})
    r = redline(wuxi, checked(path))
    page = rr.html_page(r)
    assert "<b>" not in page and "{{" not in page and "[x](" not in page
    row = re.search(r'<tr class="pl-redline-text"><td>(.*?)</td><td>(.*?)</td>', page)
    assert row is not None and nasty in html.unescape(re.sub(r"<[^>]+>", "", row.group(2)))
    md = rr.markdown(r)
    assert "<b>" not in md and "{{" not in md and "[x](" not in md


def test_outputs_are_the_same_bytes_on_rerun(tmp_path: Path, wuxi: Policy) -> None:
    new = checked(wuxi_draft(tmp_path))
    assert rr.html_page(redline(wuxi, new)) == rr.html_page(redline(wuxi, new))
    assert rr.markdown(redline(wuxi, new)) == rr.markdown(redline(wuxi, new))


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_what_a_text_holds_comes_out_as_written_in_documents(suffix: str, tmp_path: Path, wuxi: Policy) -> None:
    pytest.importorskip("docx" if suffix == ".docx" else "typst")
    from compare.publish.write import document_bytes

    nasty = "*_#$<b>[x]@\\{{ x }}"
    path = wuxi_draft(tmp_path, {WUXI_16_OLD: WUXI_16_NEW, "强化招商项目落地扶持。": f"强化招商项目落地扶持{nasty}。"})
    data = document_bytes(rr.to_document(redline(wuxi, checked(path))), suffix)
    (tmp_path / f"r{suffix}").write_bytes(data)
    if suffix == ".docx":
        import docx

        cells = [c.text for t in docx.Document(str(tmp_path / "r.docx")).tables for row in t.rows for c in row.cells]
        assert any(f"强化招商项目落地扶持{nasty}。" in c for c in cells)
        return
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(tmp_path / "r.pdf"))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "强化招商项目落地扶持*_#$<b>[x]@\\{{x}}。" in re.sub(r"\s+", "", text)
