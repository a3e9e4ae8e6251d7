"""The built site as a reader meets it: one navigation entry per page, under the name the page states;
no note to the developer in any page the site generates ("Charts need matplotlib…", "pip install"):
a missing optional package stops `site build` up front with the install hint instead; ids kept whole."""

from __future__ import annotations

import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("material")
pytest.importorskip("jieba")

ROOT = Path(__file__).resolve().parents[1]
# what a note to the developer says; the manual (the repository's docs/, copied under manual/) tells the
# user how to install, so it is not searched
NOTICE = re.compile(r"pip install|\binstall\b|matplotlib|\bneeds? (?:the )?[a-z_]+\b(?: package| extra)?|"
                    r"Traceback|TODO|FIXME|not available", re.I)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four cities, the Zhangjiagang revision and one simulation (its tables and plots)."""
    pytest.importorskip("matplotlib")
    root = tmp_path_factory.mktemp("pages")
    sim = root / "wuxi_fdi_cap"
    done = subprocess.run([sys.executable, "-m", "compare.cli", "simulate", "examples/wuxi_fdi_cap.scenario.yaml",
                           "--out", str(sim), "--quiet", "--formats", "csv,png"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = root / "site"
    done = subprocess.run([sys.executable, "-m", "compare.cli", "site", "build", "--simulation", str(sim), "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def _article_text(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    m = re.search(r"<article.*?</article>", text, re.S)
    assert m, page
    return html.unescape(re.sub(r"<[^>]+>", " ", m.group(0)))


def _generated(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "manual")


def test_no_page_carries_a_note_to_the_developer(site: Path) -> None:
    pages = _generated(site)
    assert len(pages) > 40 and any(p.parent.name == "simulations" for p in pages)
    found = {str(p.relative_to(site)): NOTICE.findall(_article_text(p)) for p in pages}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_notice_pattern_finds_the_notes_it_is_for() -> None:
    """The pattern above, on the notes the site once carried and on what a page may say."""
    for note in ("(Charts need matplotlib: pip install 'policylab[simulate]'.)", "needs pandas",
                 "Install the site extra", "charts not available"):
        assert NOTICE.search(note), note
    for text in ("现行有效 in force", "by reading ceilings", "注册资本 registered capital (万美元)",
                 "zhangjiagang_2017 is in force from 2017-01-01"):
        assert not NOTICE.search(text), text


def test_a_missing_chart_package_stops_the_build_up_front(tmp_path: Path, monkeypatch: Any) -> None:
    """Without matplotlib the build does not write a site whose pages say charts are missing: it stops
    (exit 2) naming the extra, and writes nothing."""
    from typer.testing import CliRunner

    from compare.cli.app import app

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a, **k: None if name.split(".")[0] == "matplotlib" else real(name, *a, **k))
    result = CliRunner().invoke(app, ["site", "build", "wuxi_2023", "--out", str(tmp_path / "site")])
    assert result.exit_code == 2
    assert "pip install 'policylab[site]'" in result.output and "matplotlib" in result.output
    assert not (tmp_path / "site").exists()


def _nav(site: Path) -> list[tuple[str, str]]:
    """The primary navigation of the home page as (name, target) pairs, sections left out."""
    text = (site / "index.html").read_text(encoding="utf-8")
    start = text.index("md-nav--primary")
    end = text.index('<div class="md-content"')
    links = re.findall(r'<a href="([^"#]+)"[^>]*class="md-nav__link[^"]*"[^>]*>(.*?)</a>', text[start:end], re.S)
    return [(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", name)).split()), target) for target, name in links]


def test_one_navigation_entry_per_page(site: Path) -> None:
    nav = _nav(site)
    assert len(nav) > 15
    targets = [target for _name, target in nav]
    names = [name for name, _target in nav]
    assert sorted({t for t in targets if targets.count(t) > 1}) == []  # no page listed twice
    assert sorted({n for n in names if names.count(n) > 1}) == []  # no two pages under one name
    # each entry names its page as the page names itself (its <title>: "NAME - site")
    for name, target in nav:
        if target == "index.html" or target.startswith("manual/") and target != "manual/howto.html":
            continue  # the home is titled by the site's name; the manual's pages by the repository's docs
        title = re.search(r"<title>(.*?)</title>", (site / target).read_text(encoding="utf-8"), re.S)
        assert title and html.unescape(title.group(1)).startswith(name), (name, target)
    assert ("首页 Home", "index.html") in nav
    assert [t for _n, t in nav].count("graphs/index.html") == 1


def test_ids_do_not_break_inside_a_word(site: Path) -> None:
    """An id (`zhangjiagang_2017`, `reward.fdi`) is code: the site's stylesheet keeps code whole, where
    the theme's breaks it anywhere (`jiaxin|g_draf|t` in a narrow table cell)."""
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    rule = re.search(r"\.md-typeset code, \.pl-id \{([^}]*)\}", css)
    assert rule and "word-break: keep-all" in rule.group(1) and "overflow-wrap: normal" in rule.group(1)
    assert re.search(r"table\.pl-table code[^{]*\{[^}]*white-space: nowrap", css)
    page = (site / "cities" / "wuxi_2023.html").read_text(encoding="utf-8")
    assert '<code class="pl-id">wuxi&#95;2023</code>' in page  # the id escaped (compare.site.escape.text)
