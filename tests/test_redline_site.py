"""The site's revision page shows the wording redline: for the Wuxi draft of the shared rules
(policylab reform wuxi_2023 --set fdi_arrival_reward.rate=3% --set fdi_arrival_reward.cap=8000万元),
policies/sources/wuxi_2023.txt (16) “…给予最高2%、不超过5000万元奖励” against the draft's “…给予最高3%、
不超过8000万元奖励”: the one article shown is (16), marked there and nowhere else.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest
from conftest import ROOT
from test_redline import reformed_draft


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    pytest.importorskip("mkdocs")
    folder = tmp_path_factory.mktemp("site")
    draft = reformed_draft(folder)
    done = subprocess.run([sys.executable, "-m", "compare.cli", "site", "build", "wuxi_2023", str(draft), "--diff",
                           f"wuxi_2023:{draft}", "--out", str(folder / "site")], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return (folder / "site" / "revisions" / "wuxi_2023--wuxi_draft.html").read_text(encoding="utf-8")


def test_the_revision_page_marks_the_two_figures_of_16(page: str) -> None:
    start = page.index('<div class="pl-redline"')
    redline = page[start:page.index('<h2 id="semantic"', start)]
    assert re.findall(r'<section class="pl-article pl-(\w+)" id="([\w-]+)"', redline) == [("changed", "article-16")]
    assert sorted(set(re.findall(r"<del>(.*?)</del>", page))) == ["2%", "5000万元"]
    assert sorted(set(re.findall(r"<ins>(.*?)</ins>", page))) == ["3%", "8000万元"]
    row = re.search(r'<tr class="pl-redline-text"><td>(.*?)</td><td>(.*?)</td>', redline)
    assert row is not None
    old, new = (html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in row.groups())
    assert "分类别按实际到账外资比例给予最高2%、不超过5000万元奖励" in old
    assert "分类别按实际到账外资比例给予最高3%、不超过8000万元奖励" in new
    # interface text in both languages, for the site's switch
    assert '<span class="pl-zh" lang="zh">修改</span><span class="pl-en" lang="en">changed</span>' in redline
    # the change in words, not as a path inside the clause
    assert "奖励比例由2%改为3%" in redline and "›" not in redline


def test_the_revision_page_gives_the_verdict_and_witnesses_in_words(page: str) -> None:
    """(16) by hand, the reading `full`: for 10亿元 of FDI arrived, 2% = 2000万元 under the 5000万元 cap,
    3% = 3000万元 under the 8000万元 cap: 1000万元 more; the most more is 8000万元 - 5000万元 = 3000万元,
    from 8000万元 / 3% = 26.6667亿元 of FDI on."""
    semantic = page[page.index('<h2 id="semantic"'):]
    text = html.unescape(re.sub(r"<[^>]+>", "", semantic))
    assert "按读法 ceilings=full" in text
    assert "新版本多给1000万元（2000万元→3000万元）" in text
    assert "the new version gives 1000万元 more (2000万元 → 3000万元)" in text
    assert "新版本最多多给3000万元，如当年度到账外资26.6667亿元的项目" in text
    # a witness shows the fields the clause reads, the ones at their default too
    witness = "项目（外资项目：是；当年度到账外资26.6667亿元；增资扩产：否）：旧版本5000万元"
    assert witness in text and "新版本8000万元" in text[text.index(witness):]
