"""The site knows dates: a timeline page per city (its documents in date order: issued, in force from,
until and why, status in words; what each revision changed, linking to its page; per concept the
history of its figures), the revision pages in date order, each stating both documents' dates, and the
city pages' dates typed (issued vs effective).  Offline, and the same bytes on a rebuild.

Expected dates are worked out by hand:
- zhangjiagang_2017: 第14条 of policies/sources/zhangjiagang_2017.txt, “本意见自2017年1月1日起实施”
  -> in force from 2017-01-01; it extends (so revises) zhangjiagang_base, which states no date: the base
  is in force until 2016-12-31.  第12条: the FDI weight ratio 由1:1调整为1.5:1 on that day.
- wuxi_2023: dated 2023年9月28日, “本措施自发布之日起实施” -> issued and in force from 2023-09-28.
- jiaxing_draft: a 征求意见稿 (status draft), 结语 “本意见自正式发布之日起实施” -> never in force.
- democity, three made-up documents (the texts below are invented for this test, not a real city's):
  demo_2019 effective 2019-04-01; demo_2021 issued 2021-05-10, 自印发之日起施行, replaces demo_2019 ->
  demo_2019 until 2021-05-09; demo_2023 effective 2023-01-01, trial 2年, replaces demo_2021 -> demo_2021
  until 2022-12-31, demo_2023 until 2024-12-31.  Training per year (第一条): 3次, then 4次, then 5次.
"""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("material")
pytest.importorskip("jieba")

ROOT = Path(__file__).resolve().parents[1]

# made up for this test: not a real city's documents
DEMO = {
    "demo_2019": (["issued 2019-03-01", "effective 2019-04-01", "status superseded"], 3),
    "demo_2021": (["issued 2021-05-10", 'effective "自印发之日起施行"', "replaces demo_2019", "status superseded"], 4),
    "demo_2023": (["effective 2023-01-01", "trial 2年", "replaces demo_2021", "status in_force"], 5),
}


def _demo(folder: Path) -> dict[str, Path]:
    (folder / "sources").mkdir(parents=True)
    paths = {}
    for pid, (header, times) in DEMO.items():
        (folder / "sources" / f"{pid}.txt").write_text(f"示例文件（虚构）\n第一条 每年组织招商培训{times}次。\n",
                                                       encoding="utf-8")
        lines = "\n".join(f"  {h}" for h in header)
        text = (f'policy {pid} {{\n  city democity "示例市"\n  title "示例市招商办法（虚构）"\n{lines}\n'
                f'  source "sources/{pid}.txt"\n}}\n\nparam training.per_year "培训次数" = {times}次 {{\n'
                f'  cite "第一条" "每年组织招商培训{times}次"\n}}\n')
        paths[pid] = folder / f"{pid}.policy"
        paths[pid].write_text(text, encoding="utf-8")
    return paths


def _build(out: Path, demo: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    # the revisions given out of date order: the site orders them
    args = ["wuxi_2023", "zhangjiagang_2017", "jiaxing_draft", str(demo["demo_2023"]),
            "--diff", f"{demo['demo_2021']}:{demo['demo_2023']}", "--diff", f"{demo['demo_2019']}:{demo['demo_2021']}",
            "--diff", "zhangjiagang_base:zhangjiagang_2017"]
    return subprocess.run([sys.executable, "-m", "compare.cli", "site", "build", *args, "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _demo(tmp_path_factory.mktemp("demo") / "policies")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, demo: dict[str, Path]) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    done = _build(out, demo)
    assert done.returncode == 0, done.stderr
    return out


def _article(site: Path, page: str) -> str:
    text = (site / page).read_text(encoding="utf-8")
    m = re.search(r"<article.*?</article>", text, re.S)
    assert m, page
    return m.group(0)


def _rows(fragment: str) -> list[list[str]]:
    """A table's rows as the text of their cells (tags dropped, references resolved, spaces folded)."""
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<br ?/?>", " ", re.sub(r"<(?!br)[^>]+>", "", c))).split())
                     for c in cells])
    return rows


def _table(article: str, css: str) -> list[list[str]]:
    m = re.search(rf'<table class="pl-table {css}">(.*?)</table>', article, re.S)
    assert m, css
    return _rows(m.group(1))


def test_a_timeline_page_per_city(site: Path) -> None:
    for city in ("wuxi", "zhangjiagang", "jiaxing", "democity"):
        assert (site / "timelines" / f"{city}.html").is_file(), city


def test_zhangjiagang_documents_in_date_order_with_their_periods(site: Path) -> None:
    rows = _table(_article(site, "timelines/zhangjiagang.html"), "pl-timeline")
    assert rows[1:] == [
        ["zhangjiagang_base", "未载明not stated", "未载明not stated", "2016-12-31 revised by zhangjiagang_2017",
         "已被取代 superseded; 修订 revised by zhangjiagang_2017 from 2017-01-01"],
        ["zhangjiagang_2017", "未载明not stated", "2017-01-01 effective 2017-01-01", "未载明终止日期no end stated", "现行有效 in force"],
    ]


def test_the_revision_shows_what_it_changed_and_links_to_its_page(site: Path) -> None:
    article = _article(site, "timelines/zhangjiagang.html")
    assert 'href="../revisions/zhangjiagang_base--zhangjiagang_2017.html"' in article
    section = article[article.index('id="changes-zhangjiagang_2017"'):]
    assert ["param assessment.fdi_weight_ratio value", "1:1 → 1.5:1", "+50.0%"] in _rows(section)
    text = html.unescape(re.sub(r"<[^>]+>", "", section))
    assert ("zhangjiagang_2017 is in force from 2017-01-01 in place of zhangjiagang_base "
            "(in force until 2016-12-31).") in text


def test_the_weight_ratio_history_on_the_timeline(site: Path) -> None:
    """第12条: 1:1 until 2016-12-31 (the base), 1.5:1 from 2017-01-01."""
    article = _article(site, "timelines/zhangjiagang.html")
    start = article.index('id="concept-assessment-fdi_weight_ratio"')
    table = article[start:article.index("</table>", start)]
    rows = _rows(table)
    assert [r[-5:-1] if len(r) == 6 else r[:4] for r in rows[1:]] == [
        ["未载明not stated", "2016-12-31", "1:1", "zhangjiagang_base"],
        ["2017-01-01", "—", "1.5:1", "zhangjiagang_2017"],
    ]
    assert all(r[-1].startswith("第12条") for r in rows[1:])
    # the concept whose figure changed comes first
    assert article.index('id="concept-assessment-fdi_weight_ratio"') < article.index('id="concept-points-')
    # the step chart (compare.history.chart) of the figures that changed; none where none did (无锡: one document)
    assert '<img src="zhangjiagang.svg"' in article and (site / "timelines" / "zhangjiagang.svg").is_file()
    assert "<img" not in _article(site, "timelines/wuxi.html")


def test_wuxi_issued_and_in_force_from_the_day_of_issue(site: Path) -> None:
    rows = _table(_article(site, "timelines/wuxi.html"), "pl-timeline")
    assert rows[1] == ["wuxi_2023 关于加强新形势下招商引资工作的若干政策措施", "2023-09-28",
                       "2023-09-28 issued 2023-09-28 (自发布之日起实施)", "未载明终止日期no end stated", "现行有效 in force"]


def test_a_draft_is_never_in_force(site: Path) -> None:
    rows = _table(_article(site, "timelines/jiaxing.html"), "pl-timeline")
    assert rows[1][1:] == ["未载明not stated", "未施行（草案）never (a draft)", "—", "草案 draft: never in force"]


def test_three_made_up_documents_in_date_order(site: Path) -> None:
    article = _article(site, "timelines/democity.html")
    rows = _table(article, "pl-timeline")
    assert [r[0].split()[0] for r in rows[1:]] == ["demo_2019", "demo_2021", "demo_2023"]
    assert [r[1:4] for r in rows[1:]] == [
        ["2019-03-01", "2019-04-01 effective 2019-04-01", "2021-05-09 replaced by demo_2021"],
        ["2021-05-10", "2021-05-10 issued 2021-05-10 (自印发之日起施行)", "2022-12-31 replaced by demo_2023"],
        ["未载明not stated", "2023-01-01 effective 2023-01-01", "2024-12-31 trial 2年"],
    ]
    assert rows[3][4] == "现行有效 in force; in force to 2024-12-31 (trial 2年)"
    # each revision's change, in date order, each linking to its page
    changes = re.findall(r'<h2 id="changes-([^"]+)"', article)
    assert changes == ["demo_2021", "demo_2023"]
    assert ["param training.per_year value", "3次 → 4次", "+33.3%"] in _rows(article)
    assert ["param training.per_year value", "4次 → 5次", "+25.0%"] in _rows(article)
    for pair in ("demo_2019--demo_2021", "demo_2021--demo_2023"):
        assert f'href="../revisions/{pair}.html"' in article
    history = _rows(article[article.index('id="concept-training-per_year"'):])
    assert [r[-5:-2] if len(r) == 6 else r[:3] for r in history[1:4]] == [
        ["2019-04-01", "2021-05-09", "3次"], ["2021-05-10", "2022-12-31", "4次"], ["2023-01-01", "2024-12-31", "5次"]]


def test_revisions_are_listed_in_date_order(site: Path) -> None:
    """By the new document's start: 2017-01-01, 2021-05-10, 2023-01-01 (given in another order)."""
    home = _article(site, "index.html")
    line = home[home.index("修订 Revisions"):]
    order = re.findall(r'href="revisions/([^"]+)\.html"', line)
    assert order == ["zhangjiagang_base--zhangjiagang_2017", "demo_2019--demo_2021", "demo_2021--demo_2023"]
    nav = (site / "index.html").read_text(encoding="utf-8")
    in_nav = [m for m in re.findall(r'href="revisions/([^"]+)\.html"', nav) if m in order]
    assert list(dict.fromkeys(in_nav)) == order


def test_the_revision_page_states_both_dates(site: Path) -> None:
    rows = _table(_article(site, "revisions/zhangjiagang_base--zhangjiagang_2017.html"), "pl-dates")
    assert rows[1:] == [
        ["old", "zhangjiagang_base", "not stated", "not stated", "not stated",
         "from a date not stated, to 2016-12-31 (revised by zhangjiagang_2017)"],
        ["new", "zhangjiagang_2017", "not stated", "2017-01-01", "not stated",
         "from 2017-01-01 (effective 2017-01-01), with no end stated"],
    ]
    rows = _table(_article(site, "revisions/demo_2021--demo_2023.html"), "pl-dates")
    assert rows[1][2:] == ["2021-05-10", "自印发之日起施行", "not stated",
                           "from 2021-05-10 (issued 2021-05-10 (自印发之日起施行)), to 2022-12-31 (replaced by demo_2023)"]
    assert rows[2][2:] == ["not stated", "2023-01-01", "trial 2年",
                           "from 2023-01-01 (effective 2023-01-01), to 2024-12-31 (trial 2年)"]


def test_city_pages_type_their_dates(site: Path) -> None:
    """Each date as the policy states it (wuxi_2023: issued 2023-09-28, “本措施自发布之日起实施”;
    zhangjiagang_2017: 自2017年1月1日起实施, no title, issuer or date of issue in the text; jiaxing_draft: a
    draft, “本意见自正式发布之日起实施”), both languages of each label shown (the zh/en switch hides one)."""
    def facts(page: str) -> dict[str, str]:
        return {row[0]: row[1] for row in _table(_article(site, page), "pl-meta")}

    assert facts("cities/wuxi_2023.html") == {
        "标题title": "关于加强新形势下招商引资工作的若干政策措施", "发文机关issuer": "无锡市人民政府",
        "发布日期issued": "2023-09-28", "施行日期effective": "自发布之日起实施", "有效期expiry": "未载明not stated",
        "施行期间in force": "自2023-09-28起from 2023-09-28 (issued 2023-09-28 (自发布之日起实施))",
        "状态status": "现行有效in force",
        "说明note": "The covering notice carries no document number. Amounts are paid in 元; a project's 美元 figures "
                  "are converted with cny(…) at the run's USD→CNY rate."}
    zjg = facts("cities/zhangjiagang_2017.html")
    assert zjg["标题title"] == "原文无标题the text states no title" and zjg["发文机关issuer"] == "未载明not stated"
    assert zjg["发布日期issued"] == "未载明not stated" and zjg["施行日期effective"] == "2017-01-01"
    assert zjg["施行期间in force"] == "自2017-01-01起from 2017-01-01 (effective 2017-01-01)"
    jiaxing = facts("cities/jiaxing_draft.html")  # a draft is not issued: never in force
    assert jiaxing["施行日期effective"] == "自正式发布之日起实施"
    assert jiaxing["施行期间in force"] == "未施行（草案）never in force (a draft)"
    assert jiaxing["状态status"] == "草案draft"
    home = _table(_article(site, "index.html"), "pl-documents")
    assert home[0][3:5] == ["发布 issued", "施行 in force from"]
    wuxi = next(r for r in home if r[0].endswith("wuxi_2023"))
    assert wuxi[3:5] == ["2023-09-28", "2023-09-28 时间线 timeline"]


def test_the_timeline_pages_work_offline_and_their_links_resolve(site: Path) -> None:
    for page in sorted((site / "timelines").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert not re.findall(r'(?:src|href)="(?:https?:)?//', text), page
        for target in re.findall(r'(?:href|src)="([^"#?]+)(?:[#?][^"]*)?"', text):
            if not re.match(r"^[a-z]+:", target):
                assert (page.parent / target).exists(), (page.name, target)
        for anchor in re.findall(r'href="#([^"]+)"', _article(site, f"timelines/{page.name}")):
            assert f'id="{anchor}"' in text, (page.name, anchor)


def test_the_same_inputs_give_the_same_site(site: Path, demo: dict[str, Path], tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert _build(again, demo).returncode == 0

    def digests(folder: Path) -> dict[str, str]:
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    assert digests(site) == digests(again)


def test_a_revision_on_the_timeline_reads_as_sentences(site: Path) -> None:
    """What zhangjiagang_2017 changed, in words by article, each in both languages: its clause
    dept_referral_points "市级机关单位引荐项目加分" (cite "第5条") is added; no item is named by its code."""
    article = _article(site, "timelines/zhangjiagang.html")
    m = re.search(r'<ul class="pl-revision-sentences">(.*?)</ul>', article, re.S)
    assert m
    items = [html.unescape(re.sub(r"<[^>]+>", "|", li)) for li in re.findall(r"<li>(.*?)</li>", m.group(1), re.S)]
    assert "|第5条：新增条款「市级机关单位引荐项目加分」||第5条: adds the clause “市级机关单位引荐项目加分”|" in items
    assert not any("dept_referral_points" in i or "added clause" in i for i in items)
