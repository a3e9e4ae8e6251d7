"""`policylab site build`: pages for every city and taxonomy concept, clauses linked both ways to their
passages, nothing fetched from outside, links that resolve, the same bytes twice, policy text as data,
and a search index that keeps the documents' words whole."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("material")
pytest.importorskip("jieba")

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"


def _build(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "compare.cli", "site", "build", *args, "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    done = _build(out)
    assert done.returncode == 0, done.stderr
    return out


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_city_and_concept_has_a_page(site: Path) -> None:
    from compare.api import load_policy

    for city in ("wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft"):
        assert (site / "cities" / f"{city}.html").is_file()
    tax = load_policy(POLICIES / "wuxi_2023.policy").policy.taxonomy
    assert tax is not None
    for key in tax.concepts:
        assert (site / "concepts" / f"{re.sub(r'[^A-Za-z0-9_-]+', '-', key)}.html").is_file(), key
    assert (site / "revisions" / "zhangjiagang_base--zhangjiagang_2017.html").is_file()


def test_each_clause_links_to_its_passage_and_back(site: Path) -> None:
    for city in ("wuxi_2023", "zhangjiagang_2017", "taicang_2020", "jiaxing_draft"):
        html = (site / "cities" / f"{city}.html").read_text(encoding="utf-8")
        ids = set(re.findall(r'id="([^"]+)"', html))
        to_passages = re.findall(r'href="#(passage-[^"]+)"', html)
        assert to_passages, city
        assert set(to_passages) <= ids, city  # every quote link lands on its passage
        back = set(re.findall(r'<mark class="passage" data-items="[^"]*"><a href="#(item-[^"]+)"', html))
        assert back and back <= ids, city  # every passage links to an item on the page
        # 无锡 (16): the FDI reward's quote is marked in the text and its clause points at it
        if city == "wuxi_2023":
            assert 'href="#passage-clause-fdi_arrival_reward-0"' in html
            assert 'id="passage-clause-fdi_arrival_reward-0"' in html


def test_nothing_is_fetched_from_outside(site: Path) -> None:
    for path in [*_pages(site), *site.rglob("*.css")]:
        text = path.read_text(encoding="utf-8")
        external = re.findall(r'(?:src|href)="(https?:)?//[^"]+"|url\((?:"|\')?https?://', text)
        links = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(https?://[^"]+)"', text)
        assert not links, (path, links[:3])
        assert not [e for e in external if e], (path, external[:3])
    assert (site / "assets" / "iframe-worker-shim.js").is_file()  # search from file:// without unpkg


def test_relative_links_resolve(site: Path) -> None:
    broken = []
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        for ref in re.findall(r'(?:href|src)="([^"#?]+)(?:[#?][^"]*)?"', text):
            if re.match(r"^[a-z]+:", ref) or ref.startswith("/"):
                continue
            if not (page.parent / ref).exists():
                broken.append((str(page.relative_to(site)), ref))
    assert not broken, broken[:10]


def test_search_index_is_segmented_into_chinese_words(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = "".join(doc["text"] for doc in index["docs"])
    tokens = set(re.split(r"[\u200b\s，。、；：“”（）《》()]+", text))
    for word in ("注册资本", "外资", "重复"):  # 张家港 第5条; the two-character 外资; 无锡 结语 就高不重复
        assert word in tokens, word
    assert index["config"]["lang"] == ["zh"]


def test_the_same_inputs_give_the_same_site(site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert _build(again).returncode == 0

    def digests(folder: Path) -> dict[str, str]:
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    assert digests(site) == digests(again)


def test_policy_text_is_data(tmp_path: Path) -> None:
    """A label and a note holding a script, Markdown and Jinja syntax render as the text they are."""
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES / "sources", folder / "sources")
    text = (POLICIES / "wuxi_2023.policy").read_text(encoding="utf-8")
    evil = '<script>alert(1)</script> **bold** {{ 7*7 }} [x](http://example.com) | pipe'
    text = text.replace('clause fdi_arrival_reward "新批外资项目到账外资奖励"', f'clause fdi_arrival_reward "{evil}"', 1)
    text = text.replace('note "分类别:', f'note "{evil} 分类别:', 1)
    (folder / "wuxi_2023.policy").write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    done = _build(out, str(folder / "wuxi_2023.policy"), "--policies", str(POLICIES))
    assert done.returncode == 0, done.stderr
    page = (out / "cities" / "wuxi_2023.html").read_text(encoding="utf-8")
    shown = html.unescape(re.sub(r"<[^>]*>", "", page))  # the text a reader sees
    assert "<script>alert(1)</script>" not in page and "<script>alert(1)</script>" in shown
    assert "{{ 7*7 }}" in shown and "49" not in re.findall(r"\{\{[^}]*\}\}|49", shown)
    assert "<strong>bold</strong>" not in page and "**bold**" in shown
    assert 'href="http://example.com"' not in page and evil in shown  # tests/test_site_escaping.py: every field


def test_a_taxonomy_key_cut_by_an_unquoted_comma_is_an_error(tmp_path: Path) -> None:
    """`en: team reward, referrer's share` inside `{…}` is an `en` of "team reward" and a key
    "referrer's share": the labels the site shows were cut so, silently (E208 now)."""
    from dsl.taxonomy import load_taxonomy

    folder = tmp_path / "taxonomy"
    folder.mkdir()
    (folder / "t.yaml").write_text(
        "beneficiaries:\n  team: {zh: 团队, en: team}\nconcepts:\n"
        "  reward.team: {kind: outcome, unit: CNY, beneficiary: team, zh: 团队奖励, en: team reward, referrer's share}\n",
        encoding="utf-8")
    _tax, diags = load_taxonomy(folder)
    assert [(d.code, d.span.line) for d in diags] == [("E208", 4)]
    assert "unknown key `referrer's share`" in diags[0].message and 'en: "a, b"' in (diags[0].hint or "")


def test_a_simulation_gets_its_page(tmp_path: Path) -> None:
    """`--simulation DIR`: the tables (first rows) and the plots `policylab simulate` wrote."""
    pytest.importorskip("matplotlib")
    sim = tmp_path / "competition"
    done = subprocess.run([sys.executable, "-m", "compare.cli", "simulate",
                           "examples/competition_foreign_manufacturing.scenario.yaml", "--out", str(sim), "--quiet",
                           "--formats", "csv,png"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "site"
    done = _build(out, "wuxi_2023", "zhangjiagang_2017", "--simulation", str(sim), "--diff",
                  "zhangjiagang_base:zhangjiagang_2017")
    assert done.returncode == 0, done.stderr
    page = (out / "simulations" / "competition.html").read_text(encoding="utf-8")
    assert "competition_map" in page and 'src="competition/competition_map.png"' in page
    assert (out / "simulations" / "competition" / "competition_map.png").is_file()
    assert (out / "revisions" / "zhangjiagang_base--zhangjiagang_2017.html").is_file()
    bad = _build(tmp_path / "x", "wuxi_2023", "--simulation", str(tmp_path))
    assert bad.returncode == 2 and "no meta.json" in bad.stderr


def test_concept_charts_follow_the_texts(site: Path) -> None:
    """The chart of a concept is each city's value as the project grows: 无锡 (16) 2% of arrived FDI up to
    5000万元; 张家港 第12条 in the core zone 1000万–3000万美元 2分, 3000万–1亿 5分, 1亿美元以上 10分."""
    pytest.importorskip("matplotlib")
    from compare.api import load_policy
    from compare.site.charts import SIZES, concept_curves

    policies = [load_policy(POLICIES / f"{n}.policy").policy for n in ("wuxi_2023", "zhangjiagang_2017")]
    curves = concept_curves(policies, 7.0)

    def at(concept: str, policy: str, usd: float) -> float:
        k = int(abs(SIZES - usd).argmin())
        return next(r["high"] for r in curves[concept] if r["policy"] == policy and r["value"] == SIZES[k])

    assert at("reward.fdi", "wuxi_2023", 1e7) == pytest.approx(0.02 * 1e7 * 7.0)  # 1000万美元: 140万元
    assert at("reward.fdi", "wuxi_2023", 1e9) == 50_000_000.0  # capped at 5000万元
    assert at("points.host_district", "zhangjiagang_2017", 1e7) == 2.0
    assert at("points.host_district", "zhangjiagang_2017", 1e8) == 10.0
    assert (site / "concepts" / "reward-fdi.svg").is_file()
    assert 'src="reward-fdi.svg"' in (site / "concepts" / "reward-fdi.html").read_text(encoding="utf-8")
