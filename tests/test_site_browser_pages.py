"""The pages a reader opens first, in headless Chromium (the setup of tests/test_site_browser.py): the
home page, a concept page, a city page and a revision's page; the zh/en switch; ids kept whole in
narrow cells.  Screenshots go to test-artifacts/ (or $POLICYLAB_ARTIFACTS) to look at."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("material")
pytest.importorskip("jieba")
pytest.importorskip("selenium.webdriver")

from test_site_browser import ROOT, _shot, _wait, browser, pytestmark  # noqa: E402, F401 - the shared fixture

__all__ = ["browser", "pytestmark"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four cities, the Zhangjiagang revision and the Wuxi draft (FDI reward (16) 2%/5000万元 →
    3%/8000万元, written by `policylab reform`), opened from disk."""
    root = tmp_path_factory.mktemp("browser-pages")
    draft = root / "wuxi_draft.policy"
    done = subprocess.run([sys.executable, "-m", "compare.cli", "reform", "wuxi_2023", "--set",
                           "fdi_arrival_reward.rate=3%", "--set", "fdi_arrival_reward.cap=8000万元", "--out", str(draft)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = root / "site"
    done = subprocess.run([sys.executable, "-m", "compare.cli", "site", "build", "--diff",
                           "zhangjiagang_base:zhangjiagang_2017", "--diff", f"wuxi_2023:{draft}", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def _open(driver: Any, site: Path, page: str, css: str = "article") -> None:
    driver.get((site / page).resolve().as_uri())
    _wait(driver, css)


def _visible(driver: Any, css: str) -> list[str]:
    """The text of the elements matching `css` that the reader sees (display not none)."""
    return list(driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).filter(e => e.offsetParent !== null)"
        ".map(e => e.innerText.trim())", css))


def _broken_ids(driver: Any) -> list[str]:
    """The ids and single words (`code`, a link, an English label) laid out on more than one line."""
    return list(driver.execute_script(
        "return Array.from(document.querySelectorAll('article code, article a, article .pl-en'))"
        ".filter(e => !e.closest('pre') && /^[A-Za-z0-9_.:-]+$/.test(e.innerText.trim()))"
        ".filter(e => e.getClientRects().length > 1).map(e => e.innerText)"))


def test_home_matrix(site: Path, browser: Any) -> None:
    """The concepts × cities matrix: 无锡 (16) “分类别按实际到账外资比例给予最高2%、不超过5000万元奖励” in its
    cell, linking to the clause beside its source text; a city without the concept marked absent."""
    _open(browser, site, "index.html", "table#pl-matrix")
    heads = [h.text.strip() for h in _wait(browser, "table#pl-matrix thead th.pl-matrix-city")]
    assert heads == ["嘉兴", "太仓", "无锡", "张家港"]
    cell = _wait(browser, "#matrix-reward-fdi--wuxi_2023")[0]
    assert cell.text.strip() == "最高2%，最高5000万元"
    assert [browser.find_element("css selector", f"#matrix-reward-fdi--{p}").text.strip()
            for p in ("jiaxing_draft", "taicang_2020", "zhangjiagang_2017")] == ["—", "—", "—"]
    article = _wait(browser, "article")[0].text
    assert "in_force" not in article and "现行有效 in force" in article and "草案 draft" in article  # statuses in words
    _shot(browser, "pages-home-matrix")
    cell.find_element("css selector", "a").click()
    _wait(browser, ".pl-items .pl-item")
    assert browser.current_url.endswith("cities/wuxi_2023.html#item-clause-fdi_arrival_reward")
    assert browser.execute_script("return document.querySelector(':target').id") == "item-clause-fdi_arrival_reward"
    # the source text beside it is scrolled to the clause's passage (assets/passages.js), not left at its top
    inside = browser.execute_script(
        "const box = document.querySelector('.pl-source').getBoundingClientRect();"
        "const mark = document.getElementById('passage-clause-fdi_arrival_reward-0').nextElementSibling"
        ".getBoundingClientRect();"
        "return [document.querySelector('.pl-source').scrollTop > 0, mark.top >= box.top && mark.bottom <= box.bottom]")
    assert inside == [True, True]
    _shot(browser, "pages-home-matrix-to-clause")
    browser.set_window_size(900, 1000)  # narrow: the cells squeeze, ids and words do not break inside
    try:
        _open(browser, site, "index.html", "table#pl-matrix")
        assert _broken_ids(browser) == []
        _shot(browser, "pages-home-narrow")
    finally:
        browser.set_window_size(1500, 1000)


def test_concept_page(site: Path, browser: Any) -> None:
    """reward.fdi: the four cities, 无锡's figures as (16) writes them, the others absent; no note about
    charts, ids whole."""
    _open(browser, site, "concepts/reward-fdi.html", "table.pl-concept tbody > tr")
    rows = _wait(browser, "table.pl-concept tr.pl-concept-city")
    assert [r.text.split()[0] for r in rows] == ["嘉兴", "太仓", "无锡", "张家港"]
    figures = {r.get_attribute("data-policy"): r.find_element("css selector", "td.pl-cell").text.strip() for r in rows}
    assert figures["wuxi_2023"] == "最高2%，最高5000万元"
    assert figures["taicang_2020"].startswith("—")
    article = _wait(browser, "article")[0].text
    assert "pip install" not in article and "matplotlib" not in article
    assert _broken_ids(browser) == []
    _shot(browser, "pages-concept-reward-fdi")


def test_city_page_states_the_document(site: Path, browser: Any) -> None:
    """无锡: 关于加强新形势下招商引资工作的若干政策措施, 无锡市人民政府, 2023年9月28日, “本措施自发布之日起实施”;
    its source text's (一) paragraph is one block, not the PDF's lines."""
    browser.execute_script("window.localStorage.clear()")
    _open(browser, site, "cities/wuxi_2023.html", "table.pl-meta")
    facts = {r.find_element("css selector", "th .pl-en").text: r.find_element("css selector", "td").text
             for r in _wait(browser, "table.pl-meta tr")}
    assert facts["title"] == "关于加强新形势下招商引资工作的若干政策措施"
    assert facts["issuer"] == "无锡市人民政府"
    assert facts["issued"] == "2023-09-28"
    assert facts["effective"] == "自发布之日起实施"
    assert _visible(browser, "table.pl-meta td.pl-status-in_force span") == ["现行有效", "in force"]
    text = _wait(browser, ".pl-source .pl-text")[0].text
    assert "（一）强化集群招引。以“465”现代产业集群为重点" in text
    _shot(browser, "pages-city-wuxi")
    _open(browser, site, "cities/zhangjiagang_2017.html", "table.pl-meta")
    text = _wait(browser, ".pl-source .pl-text")[0].text
    assert "充分发挥招商引才工作在“聚焦转型、创新驱动”路径中的重要作用" in text  # wrapped after 工 in the file
    _shot(browser, "pages-city-zhangjiagang")


def test_the_language_switch(site: Path, browser: Any) -> None:
    """Both languages by default; English only, then Chinese only, remembered from page to page."""
    browser.execute_script("window.localStorage.clear()")
    _open(browser, site, "cities/wuxi_2023.html", ".pl-lang-switch button")
    assert "状态" in _visible(browser, "table.pl-meta .pl-zh") and "status" in _visible(browser, "table.pl-meta .pl-en")
    browser.find_element("css selector", '.pl-lang-switch button[data-lang="en"]').click()
    assert "status" in _visible(browser, "table.pl-meta .pl-en") and _visible(browser, "article .pl-zh") == []
    _shot(browser, "pages-switch-en")
    _open(browser, site, "timelines/wuxi.html", ".pl-lang-switch button")  # another page: still English
    assert browser.execute_script("return document.documentElement.getAttribute('data-pl-lang')") == "en"
    browser.find_element("css selector", '.pl-lang-switch button[data-lang="zh"]').click()
    _open(browser, site, "cities/wuxi_2023.html", ".pl-lang-switch button")
    assert "状态" in _visible(browser, "table.pl-meta .pl-zh") and _visible(browser, "article .pl-en") == []
    pressed = browser.find_element("css selector", '.pl-lang-switch button[aria-pressed="true"]')
    assert pressed.get_attribute("data-lang") == "zh"
    _shot(browser, "pages-switch-zh")
    browser.execute_script("window.localStorage.clear()")


def test_revision_page(site: Path, browser: Any) -> None:
    """zhangjiagang_base → zhangjiagang_2017: 第12条 “由1:1调整为1.5:1”, the weight ratio's change."""
    _open(browser, site, "revisions/zhangjiagang_base--zhangjiagang_2017.html", "article")
    article = _wait(browser, "article")[0].text
    assert "1:1" in article and "1.5:1" in article
    _shot(browser, "pages-revision-zhangjiagang")


def test_redline_page(site: Path, browser: Any) -> None:
    """The Wuxi draft: in the wording of (16) “分类别按实际到账外资比例给予最高2%、不超过5000万元奖励” exactly
    2% and 5000万元 are struck and 3% and 8000万元 inserted, and no other article's wording is marked
    (the clauses' figures beside it are marked the same way)."""
    _open(browser, site, "revisions/wuxi_2023--wuxi_draft.html", ".pl-redline")
    marks = browser.execute_script(
        "return ['del', 'ins'].map(t => Array.from(document.querySelectorAll('article .pl-redline-text ' + t))"
        ".filter(e => e.offsetParent !== null).map(e => e.innerText.trim()))")
    assert marks == [["2%", "5000万元"], ["3%", "8000万元"]]
    in_16 = browser.execute_script(
        "return Array.from(document.querySelectorAll('#article-16 .pl-redline-text del, #article-16 .pl-redline-text "
        "ins')).map(e => e.innerText.trim())")
    assert in_16 == ["2%", "5000万元", "3%", "8000万元"]  # all in (16): old column, then new
    figures = browser.execute_script(
        "return Array.from(document.querySelectorAll('#article-16 .pl-redline-clauses del, #article-16 "
        ".pl-redline-clauses ins')).map(e => e.innerText.trim())")
    assert figures == ["2%", "5000万元", "3%", "8000万元"]
    section = _wait(browser, "#article-16")[0]
    browser.execute_script("arguments[0].scrollIntoView()", section)
    assert "分类别按实际到账外资比例给予最高" in section.text
    assert _broken_ids(browser) == []
    _shot(browser, "pages-redline-wuxi-draft")
