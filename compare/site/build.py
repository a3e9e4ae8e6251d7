"""The comparison website: Jinja2 templates render Markdown pages, MkDocs (Material theme) builds them.

    build_site(policies, out=Path("site"))

Pages: home (the documents at a glance), one per city (every item beside its source text, linked both
ways; its dates typed: issued, in force from), one per taxonomy concept (the cities side by side), the
mechanisms matrix, the graphs (SVG drawn here), revision redlines (`diffs`, in date order, each stating
both documents' dates), a timeline per city (its documents in date order, what each revision changed:
compare.site.timeline), the simulations `policylab simulate` wrote (`simulations`), and the manual
(the language reference, the error catalogue) where the repository's docs/ is at hand.

Policy text is data: every `{{ … }}` of the templates goes through compare.site.escape (escaped for
Markdown, HTML and the theme's titles at once: a label holding `<script>`, `[c](javascript:…)`,
`{: onfocus=… }` or `{{ … }}` shows as written), links are site paths made of slugs, every page states
its title escaped (the theme shows titles unescaped), and values are never rendered as templates.  Offline: Material's `offline` plugin, no web fonts, the iframe-worker
shim served from the site itself (the plugin would fetch it from unpkg), and search built with jieba
(`lang: zh`), which segments the text at build time as the browser segments a query.
Deterministic: SOURCE_DATE_EPOCH is fixed, nothing random; the same inputs give the same bytes.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from compare.data.folders import atomic_folder, temp_folder
from compare.site import escape
from compare.site.concepts import concept_rows
from compare.site.concepts import rate_note as concept_rate
from compare.site.pages import (
    KIND_ZH,
    city_page,
    dates_of,
    home_matrix,
    home_rows,
    meta,
    slug,
    status_words,
    write_page,
)
from compare.site.record import OTHERWISE
from dsl.model import Policy

SITE_NAME = "policylab 招商引资政策对照"
EPOCH = "1700000000"  # a fixed build date: sitemap and gzip stamps do not change between builds


class SiteBuildError(RuntimeError):
    """MkDocs refused the generated pages (a warning under --strict): the message says which."""


@dataclass
class SiteInputs:
    policies: list[Policy]
    diffs: list[tuple[Policy, Policy]] = field(default_factory=list)
    simulations: list[Path] = field(default_factory=list)
    manual: Path | None = None  # a docs/ folder holding language.md and errors.md
    skipped: list[str] = field(default_factory=list)  # files of `simulations` left out (not regular files inside)


def environment() -> Environment:
    """The site's templates: every `{{ … }}` escaped by compare.site.escape.finalize unless it is Markup
    made there; `join` and `e` escape as it does (Jinja2's own escape HTML only)."""
    env = Environment(loader=PackageLoader("compare.site", "templates"), autoescape=True, finalize=escape.finalize,
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=False)
    env.globals.update(kind_zh=KIND_ZH, slug=slug, concept_slug=slug, otherwise=OTHERWISE, tr=escape.tr)
    env.filters.update(policy=highlight_policy, join=escape.join, e=escape.text, escape=escape.text)
    return env


def highlight_policy(text: str) -> Markup:
    """Policy text (a value, a condition) highlighted by the language's Pygments lexer, its text escaped."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    from dsl.highlight import PolicyLexer

    return escape.highlighted(highlight(text, PolicyLexer(), HtmlFormatter(nowrap=True)).rstrip("\n"))


def register_lexer() -> None:
    """The policy language's lexer among Pygments' own: the manual's ```policy fences are looked up by
    name once per fence, and a plugin lexer is found only by scanning every installed package's entry
    points (importing IPython on the way) each time."""
    from pygments import lexers

    from dsl.highlight import PolicyLexer

    lexers.LEXERS.setdefault("PolicyLexer", ("dsl.highlight", PolicyLexer.name, tuple(PolicyLexer.aliases),
                                             tuple(PolicyLexer.filenames), tuple(PolicyLexer.mimetypes)))
    lexers._lexer_cache.setdefault(PolicyLexer.name, PolicyLexer)  # loaded: dsl.highlight's __all__ has more


def pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="friendly").get_style_defs(".pl-code")


def render_pages(inputs: SiteInputs, docs: Path) -> list[tuple[str, Any]]:
    """Write every page's Markdown under `docs`; the nav as (title, path) pairs."""
    from compare.site import sections

    env = environment()
    nav: list[tuple[str, Any]] = [("首页 Home", "index.md")]
    rate, rate_note = concept_rate(inputs.policies)
    pages = [city_page(p) for p in inputs.policies]
    revisions = sections.revision_pages(env, inputs.diffs, docs, {slug(p.id) for p in inputs.policies})
    documents: dict[str, Policy] = {}  # a shown policy over a revision's side of the same id
    for p in [*inputs.policies, *(x for pair in inputs.diffs for x in pair)]:
        documents.setdefault(p.id, p)
    timelines = sections.timeline_pages(env, list(documents.values()), revisions, docs, {slug(p.id) for p in inputs.policies})
    simulations = sections.simulation_pages(env, inputs.simulations, docs, inputs.skipped)
    write_page(docs / "index.md", SITE_NAME, env.get_template("home.md.j2").render(
        title=SITE_NAME, intro="各城市招商引资政策逐条对照：每个数字都可追溯到原文。 The cities' investment-promotion "
        "measures side by side; every figure traces back to the sentence it comes from.",
        rows=(rows := home_rows(pages)), partial=[r for r in rows if r["partial"] is not None], rate_note=rate_note,
        revisions=revisions, simulations=simulations, timelines=timelines,
        matrix=home_matrix(concept_rows(inputs.policies, rate)), policies=inputs.policies))
    cities = []
    for page in pages:
        p = page.policy
        write_page(docs / "cities" / f"{page.slug}.md", f"{p.city_label} {p.id}", env.get_template("city.md.j2").render(
            page=page, title=meta(p, "title"), issuer=meta(p, "issuer"), docno=meta(p, "docno"), note=meta(p, "note"),
            dates=dates_of(p), status=meta(p, "status"), status_words=status_words(meta(p, "status") or None)))
        cities.append((f"{p.city_label} {p.id}", f"cities/{page.slug}.md"))
    nav.append(("城市 Cities", cities))
    nav.append(("时间线 Timelines", [(t["title"], f"timelines/{t['slug']}.md") for t in timelines]))
    nav.append(("概念 Concepts", sections.concept_pages(env, inputs.policies, rate, rate_note, docs)))
    nav.append(_section("关系图 Graphs", sections.graph_pages(env, inputs.policies, docs)))
    if revisions:
        nav.append(("修订 Revisions", [(r["title"], f"revisions/{r['slug']}.md") for r in revisions]))
    if simulations:
        nav.append(("模拟 Simulations", [(s["title"], f"simulations/{s['slug']}.md") for s in simulations]))
    if inputs.manual is not None:
        nav.append(("手册 Manual", _manual(env, inputs.manual, docs)))
    return _named(nav, docs)


_TITLE = re.compile(r'\A---\ntitle: "([^"\n]*)"\n---\n')


def _named(entries: Sequence[tuple[str, Any]], docs: Path) -> list[tuple[str, Any]]:
    """Each page in the nav under the title it states (write_page), so no page has two names; the home
    page, titled by the site's name, is 首页 Home."""
    out: list[tuple[str, Any]] = []
    for title, value in entries:
        if isinstance(value, list):
            out.append((title, _named(value, docs)))
            continue
        page = docs / value
        m = _TITLE.match(page.read_text(encoding="utf-8")[:4096]) if value != "index.md" and page.is_file() else None
        out.append((html.unescape(m.group(1)) if m else title, value))
    return out


def _section(title: str, entries: list[tuple[str, Any]]) -> tuple[str, Any]:
    """A nav section, or its one page where it holds only a page of its own name (a section "关系图
    Graphs" holding the page "关系图 Graphs" names one page twice)."""
    if len(entries) == 1 and entries[0][0] == title:
        return entries[0]
    return (title, entries)


def _manual(env: Environment, folder: Path, docs: Path) -> list[tuple[str, str]]:
    """The tool's own manual (the repository's docs/, in its mkdocs.yml order) and the how-to."""
    shutil.copytree(folder, docs / "manual", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    write_page(docs / "manual" / "howto.md", "研究者指南 How-to for researchers", env.get_template("howto.md.j2").render())
    entries = [("研究者指南 How-to for researchers", "manual/howto.md")]
    config = folder.parent / "mkdocs.yml"
    nav = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("nav", []) if config.is_file() else []
    for entry in nav:
        for title, path in (entry.items() if isinstance(entry, dict) else []):
            if isinstance(path, str) and (folder / path).is_file():
                # the manual's own home is not the site's (首页 Home): named as the manual's overview
                entries.append(("Overview of the manual" if path == "index.md" else title, f"manual/{path}"))
    return entries


def _nav(entries: Sequence[tuple[str, Any]]) -> list[Any]:
    """The nav for mkdocs.yml, its titles escaped: the theme writes them into every page unescaped."""
    return [{str(escape.text(title)): _nav(value) if isinstance(value, list) else value} for title, value in entries]


def mkdocs_config(docs: Path, site: Path, nav: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    return {
        "site_name": SITE_NAME, "docs_dir": str(docs), "site_dir": str(site), "use_directory_urls": False,
        "strict": True, "nav": _nav(nav),
        "theme": {"name": "material", "language": "zh", "font": False,
                  "features": ["navigation.sections", "search.highlight"]},
        "plugins": [{"search": {"lang": "zh"}}, "offline"],
        "extra": {"polyfills": ["assets/iframe-worker-shim.js"], "generator": False},
        "extra_css": ["assets/site.css", "assets/policy.css"],
        # the zh/en switch of the interface text (escape.tr); a city page's source text at the passage shown
        "extra_javascript": ["assets/lang.js", "assets/passages.js"],
        "markdown_extensions": ["tables", "attr_list", "md_in_html", "toc",
                                {"pymdownx.highlight": {"use_pygments": True}}, "pymdownx.superfences"],
        "validation": {"links": {"not_found": "warn", "anchors": "warn", "unrecognized_links": "warn"}},
    }


COMMAND = "policylab site build"  # the marker of the folders it writes


def build_site(inputs: SiteInputs, out: Path, force: bool = False) -> Path:
    """Build into `out` (replaced as a whole, atomically: a failed build leaves what was there; only if new,
    empty or built by `policylab site build`, else with `force`: compare.data.folders)."""
    import jieba
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines are not the user's business

    out = Path(out).absolute()  # not resolved: a link given as --out is refused, never followed
    with temp_folder("site") as work:
        docs, site = work / "docs", work / "site"
        nav = render_pages(inputs, docs)
        assets = docs / "assets"
        assets.mkdir(parents=True, exist_ok=True)
        for name in ("site.css", "iframe-worker-shim.js", "lang.js", "passages.js"):
            (assets / name).write_bytes(resources.files("compare.site").joinpath("assets", name).read_bytes())
        (assets / "policy.css").write_text(pygments_css() + "\n", encoding="utf-8")
        register_lexer()
        config_path = work / "mkdocs.yml"
        config_path.write_text(yaml.safe_dump(mkdocs_config(docs, site, nav), allow_unicode=True,
                                              sort_keys=False), encoding="utf-8")
        old = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = EPOCH
        warnings = _Warnings()
        logging.getLogger("mkdocs").addHandler(warnings)
        try:
            config = load_config(str(config_path))
            build(config)
        except Abort as e:
            raise SiteBuildError(f"MkDocs stopped the build: {e}\n" + "\n".join(warnings.messages)) from None
        finally:
            logging.getLogger("mkdocs").removeHandler(warnings)
            if old is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = old
        with atomic_folder(out, COMMAND, force) as staged:
            shutil.copytree(site, staged, dirs_exist_ok=True)
        return out


class _Warnings(logging.Handler):
    """MkDocs' warnings of one build, to say why --strict stopped it."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"  {record.levelname.lower()}: {record.getMessage()}")
