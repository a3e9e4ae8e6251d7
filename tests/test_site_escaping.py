"""Every user-supplied string reaches the site's pages escaped for each layer it lands in (Markdown with
`attr_list`, raw HTML, the theme's titles, the search index): a payload corpus (tests/site_payloads.py)
in every field that reaches a page, the site built, and its HTML parsed: no element gets an event
handler, a `javascript:` link, an attribute list's attributes or a script of the payload's, and the
payload shows as the text it is.  The same in a browser: tests/test_site_browser.py."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup
from site_payloads import FOLDER, PAYLOADS, payload_tree

from compare.site import escape

pytest.importorskip("material")
pytest.importorskip("jieba")

TEMPLATES = Path(__file__).resolve().parents[1] / "compare" / "site" / "templates"
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


class _Page(HTMLParser):
    """A page's elements (tag, attributes), its scripts and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "br":
            self.text.append("\n")
        if tag in ("script", "style", "title", "textarea"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "script":
            self.scripts.append(data)
        elif not self._in:
            self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def visible(html: str) -> str:
    """The page's text with whitespace folded (a newline of a label shows as a space)."""
    return re.sub(r"\s+", " ", "".join(parse(html).text))


def folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def injected(html: str) -> list[str]:
    """What a payload made of the page: event handlers, script URLs, its own ids, classes and
    attributes, scripts that are not the theme's (the theme's never mention `pwned`)."""
    found = []
    page = parse(html)
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}={value!r}>")
            if name in _URL_ATTRS and re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                found.append(f"<{tag} {name}={value!r}>")
            if name == "autofocus" or (name == "id" and value == "pwn") or (name == "class" and "pwncls" in value.split()):
                found.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and attrs.get("src") and not re.match(r"(/|(\.\./)*)(assets|search)/", attrs["src"]):
            found.append(f"<script src={attrs['src']!r}>")
        if tag in ("iframe", "object", "embed", "textarea", "base"):
            found.append(f"<{tag}>")
    found += [f"<script>{s[:60]}" for s in page.scripts if "pwned" in s or "alert" in s]
    return found


@pytest.fixture(scope="module", params=range(len(PAYLOADS)), ids=["attr-list-at-end", "heading-lines"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    from compare.api import load_policy
    from compare.site.build import SiteInputs, build_site

    payload = PAYLOADS[request.param]
    root = tmp_path_factory.mktemp("payloads")
    policy, revision, sim = payload_tree(root / "tree", payload)
    old, new = load_policy(policy, cache=False), load_policy(revision, cache=False)  # PolicyError on errors
    out = build_site(SiteInputs([old.policy], diffs=[(old.policy, new.policy)], simulations=[sim]), root / "site")
    return payload, out


def _pages(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}


def test_no_page_holds_anything_a_payload_made(built: tuple[str, Path]) -> None:
    _, site = built
    pages = _pages(site)
    assert len(pages) >= 10
    bad = {name: found for name, html in pages.items() if (found := injected(html))}
    assert bad == {}


def test_the_payload_shows_as_written(built: tuple[str, Path]) -> None:
    """On each page a field reaches, the payload's text is there as text: in the title and nav too."""
    payload, site = built
    shown = folded(payload)
    pages = _pages(site)
    city = next(v for k, v in pages.items() if k.startswith("cities/"))
    # the title, document no., issuer, date, note; labels, articles, quotes (items and source text),
    # option labels, `because`, the unencoded sentence's three texts: at least 20 times on the city page
    assert visible(city).count(shown) >= 20
    for name in ("index.html", "concepts/index.html", "concepts/reward-evil.html", "concepts/mechanisms.html",
                 "graphs/index.html", "revisions/evil_2024--evil_2025.html", "timelines/evilcity.html"):
        assert shown in visible(pages[name]), name
    sim = next(v for k, v in pages.items() if k.startswith("simulations/"))
    assert folded(FOLDER) in visible(sim) and visible(sim).count(shown) >= 4  # rate, note, header and body cell
    title = re.search(r"<title>(.*?)</title>", city, re.S)
    assert title and folded(shown) in folded(parse(f"<p>{title.group(1)}</p>").text[0])


def test_the_search_index_holds_no_markup_of_the_payload(built: tuple[str, Path]) -> None:
    """The theme's search shows titles and texts of its index as HTML."""
    _, site = built
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    bad = [(d["location"], found) for d in docs for field in ("title", "text")
           if (found := injected(f"<div>{d[field]}</div>"))]
    assert bad == []


def test_the_built_markdown_states_each_page_title(built: tuple[str, Path]) -> None:
    """The theme writes a page's title unescaped (and unescapes one taken from its first heading):
    every generated page gives its own, escaped, so none is taken from a heading."""
    _, site = built
    for name, html in _pages(site).items():
        if name.startswith(("manual/", "404")):
            continue
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        assert title and "<" not in title.group(1), name


# ---------------------------------------------------------------- the escaping layer itself

CORPUS = [
    "[c](javascript:alert(1))", "![i](javascript:alert(1))", "<javascript:alert(1)>",
    "{: onfocus=alert(1) autofocus=1 tabindex=0 }", "{#id .class onclick=x}", "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>", "</textarea>", "&lt;script&gt;", "{{ 7*7 }}", "{% raw %}", "`tick`", "a | b",
    "<!--", "line\nline", "# heading", "**bold** _u_ ~~s~~", 'say "hi" it\'s', "a\\*b", "a\rb\tc",
]


@pytest.mark.parametrize("payload", CORPUS)
@pytest.mark.parametrize("context", ["heading", "paragraph", "html", "attribute", "table"])
def test_escaped_text_renders_as_written_in_every_markdown_context(payload: str, context: str) -> None:
    """The escaped text through Python-Markdown with the site's extensions: no element or attribute of
    its own, and the text a reader sees is the payload's (whitespace folded)."""
    import markdown

    t = escape.text(payload)
    source = {"heading": f"# x {t}\n", "paragraph": f"x {t}\n", "html": f'<div class="x">\n<p>{t}</p>\n</div>\n',
              "attribute": f'<p><img src="a.png" alt="{t}"></p>\n', "table": f"| a | b |\n|---|---|\n| {t} | y |\n"}[context]
    html = markdown.markdown(source, extensions=["tables", "attr_list", "md_in_html", "toc"])
    tags = [tag for tag, _ in parse(html).elements]
    assert tags == {"heading": ["h1"], "paragraph": ["p"], "html": ["div", "p"], "attribute": ["p", "img"],
                    "table": ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]}[context]
    assert injected(html) == []
    if context == "attribute":
        assert parse(html).elements[1][1]["alt"] == payload
    else:
        assert folded(payload) in visible(html)


def test_escaped_text_keeps_readable_text_as_it_is() -> None:
    assert escape.text("张家港《若干政策》（试行）、“两区一园”≥30% 1000万美元 abc 123") == \
        "张家港《若干政策》（试行）、“两区一园”≥30% 1000万美元 abc 123"
    # by hand: [ is U+005B (91), ] 93, ( 40, ) 41, : 58
    assert escape.text("[c](j:x)") == "&#91;c&#93;&#40;j&#58;x&#41;"
    assert escape.text("a\nb") == "a&#10;b"


def test_refs_are_site_paths_made_of_slugs() -> None:
    for good in ("cities/wuxi_2023.html", "../cities/a-b.html#item-clause-x", "#passage-clause-x-0", "x.svg",
                 "item-clause-x"):
        assert escape.ref(good) == good
    for bad in ("javascript:alert(1)", "/etc/passwd", "a/../../b", "a b.png", "https://x.org/", "data:text/html,x",
                "a.png) ![x](y", ""):
        with pytest.raises(ValueError):
            escape.ref(bad)
    assert escape.slug("模拟 [c](javascript:x)") == "c-javascript-x"
    assert isinstance(escape.slug("x"), Markup)


def test_a_long_name_gets_a_short_slug_of_its_own() -> None:
    a, b = escape.slug("x" * 300 + "a"), escape.slug("x" * 300 + "b")
    assert len(a) <= 64 and len(b) <= 64 and a != b


def test_templates_escape_by_default() -> None:
    """The templates print values only through the environment's finalize: no `|safe`, no filter
    that builds markup from unescaped text, no value inside a Markdown code span (shown literally)."""
    allowed = {"policy", "join", "length", "format", "e", "escape"}
    for path in TEMPLATES.glob("*.j2"):
        source = path.read_text(encoding="utf-8")
        used = set(re.findall(r"\|\s*([a-z_]+)", "".join(re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source, re.S))))
        assert used <= allowed, (path.name, used - allowed)
        if path.name != "report.html.j2":
            assert not re.search(r"`[^`\n]*\{\{", source), path.name
    from compare.site.build import environment

    env = environment()
    assert env.from_string("{{ x }} {{ xs | join(', ') }}").render(x="[c](y)", xs=["{: a }", "<b>"]) == \
        "&#91;c&#93;&#40;y&#41; &#123;&#58; a &#125;, &#60;b&#62;"


# ---------------------------------------------------------------- the one-file report (Markdown, HTML)


def _commonmark(source: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(source)


def _python_markdown(source: str) -> str:
    import markdown

    return markdown.markdown(source, extensions=["tables", "attr_list", "md_in_html", "toc"])


@pytest.mark.parametrize("payload", CORPUS)
@pytest.mark.parametrize("render", [_commonmark, _python_markdown], ids=["commonmark", "python-markdown"])
def test_report_markdown_renders_as_written(payload: str, render: Any) -> None:
    """escape.markdown in a paragraph, a heading, a list item and a table cell: no element of its own,
    the text as written (a newline of the text is a <br>, a line break)."""
    m = escape.markdown(payload)
    for source, tags in ((f"x {m}\n", ["p"]), (f"### x {m}\n", ["h3"]), (f"- x {m}\n", ["ul", "li"]),
                         (f"| a | b |\n|---|---|\n| {m} | y |\n", ["table", "thead", "tr", "th", "th", "tbody", "tr",
                                                                  "td", "td"])):
        html = render(source)
        assert [t for t, _ in parse(html).elements if t != "br"] == tags, (source, html)
        assert injected(html) == []
        assert folded(payload) in visible(html), (source, html)


def test_the_report_shows_payloads_as_text(built: tuple[str, Path], tmp_path: Path) -> None:
    """`policylab report` of the payload policy: its Markdown through both renderers and its HTML hold
    nothing a payload made, and show the payload."""
    from compare.api import load_policy
    from compare.site.report import build_report, render_html, render_markdown

    payload, _ = built
    policy, _, _ = payload_tree(tmp_path / "tree", payload)
    report = build_report([load_policy(policy, cache=False).policy])
    for html in (_commonmark(render_markdown(report)), _python_markdown(render_markdown(report)), render_html(report)):
        assert injected(html) == []
        assert visible(html).count(folded(payload)) >= 5  # the city, title, issuer, label, quote …


def test_names_that_slug_alike_keep_a_page_and_a_plot_each(tmp_path: Path) -> None:
    """模拟甲 and 模拟乙 both slug to `x`, as 图一.png and 图二.png do: each keeps its own page and file."""
    from conftest import POLICIES
    from site_payloads import PNG

    from compare.api import load_policy
    from compare.site.build import SiteInputs, build_site

    sims = []
    for name, other in (("模拟甲", "图二"), ("模拟乙", "图四")):
        sim = tmp_path / name
        (sim / "plots").mkdir(parents=True)
        for plot in ("图一" if name == "模拟甲" else "图三", other):
            (sim / "plots" / f"{plot}.png").write_bytes(PNG + plot.encode())
        (sim / "meta.json").write_text(json.dumps({"notes": [f"{name}的说明"]}, ensure_ascii=False), encoding="utf-8")
        sims.append(sim)
    wuxi = load_policy(POLICIES / "wuxi_2023.policy").policy
    site = build_site(SiteInputs([wuxi], simulations=sims), tmp_path / "site")
    pages = {p.name: visible(p.read_text(encoding="utf-8")) for p in (site / "simulations").glob("*.html")}
    assert sorted(pages) == ["x-2.html", "x.html"]
    assert "模拟甲的说明" in pages["x.html"] and "模拟乙的说明" in pages["x-2.html"]
    assert sorted(p.read_bytes()[len(PNG):].decode() for p in (site / "simulations").rglob("*.png")) == \
        ["图一", "图三", "图二", "图四"]
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="simulations/x.html"' in home and 'href="simulations/x-2.html"' in home


def test_highlighted_policy_text_is_escaped_too() -> None:
    """A value or condition holding a text (`"…"`) is highlighted by Pygments, whose escaping is HTML's
    only: its text is escaped as every other text, in a heading as in raw HTML."""
    import markdown

    from compare.site.build import highlight_policy

    payload = '<img src=x onerror=alert(1)> [c](javascript:x) {: onclick=y } &amp; `t`'
    code = f'industry == "{payload}"'
    shown = highlight_policy(code)
    assert "<img" not in shown and "[c]" not in shown and "{:" not in shown
    for source in (f"# x {shown}\n", f'<div>\n<p><span class="pl-code">{shown}</span></p>\n</div>\n'):
        html = markdown.markdown(source, extensions=["tables", "attr_list", "md_in_html", "toc"])
        assert injected(html) == [] and code in visible(html)
