"""Text a user supplies (labels, titles, quotes, ids, file and folder names, table cells), escaped for
every layer of a page it lands in.

The site's pages are Markdown (Python-Markdown with `attr_list`, `md_in_html`, `tables`, `toc`) holding
blocks of raw HTML, turned into HTML by MkDocs, whose theme puts nav and page titles into the page
without escaping them.  So one text may be read as Markdown (a link `[c](javascript:…)`, an image, an
attribute list `{: onfocus=… }`, emphasis, a heading, a table cell's `|`), as HTML (a tag, an entity,
an attribute value), or by a later template pass (`{{ … }}`).

- `text(s)`: the text as `Markup` in which every character any of those layers reads as markup (ASCII
  punctuation that opens or closes a construct, `&`, `<`, quotes, line breaks and other controls) is a
  numeric character reference.  Markdown passes references through untouched and HTML shows each as
  its character, so the same escaped text is safe, and reads as written, in Markdown inline text, a
  heading, raw HTML, a quoted attribute value and the theme's titles.  Chinese text and its
  punctuation (《》（）、“”), ≥, %, digits and letters are left as they are.
- `slug(s)`: an id for file names and anchors (ASCII letters, digits, `-`, `_`), safe everywhere.
- `ref(path)`: a link target built by the site: a relative path of slugs (`cities/wuxi_2023.html#item-x`),
  checked, never a scheme (`javascript:`), an absolute path or `..` taken from data.
- `highlighted(html)`: HTML from a trusted generator (Pygments) whose text is escaped as `text` is.
- `finalize(value)`: the site's Jinja2 environment passes every `{{ … }}` through it, so a template
  cannot forget: a value is escaped by `text` unless it is already `Markup` (made by the functions here).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup

# ASCII punctuation Markdown, its extensions, HTML or Jinja read as markup; line breaks, tabs, controls.
_MARKUP = re.compile("[\\\\`*_{}\\[\\]()#+\\-.!|<>&\"'~=^:\x00-\x1f\x7f]")
SLUG_MAX = 64
_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
_REF = re.compile(r"(?:\.\./)?(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+(?:\.[A-Za-z0-9]+)?(?:#[A-Za-z0-9_-]+)?|#[A-Za-z0-9_-]+")
# the report's Markdown: `<`, `&` … as references, the rest backslash-escaped (`_` inside a word starts
# no emphasis); a line's leading list, heading or setext marker
_MD_CHAR = re.compile(r"[&<~^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\\`*{}\[\]()#!|>]|(?<!\w)_|_(?!\w)")
_MD_AS_REF = frozenset("&<~^") | {chr(c) for c in (*range(0x20), 0x7f)}
_MD_LEAD = re.compile(r"^(\s*)(?:([-+=:])|(\d+)\.)")
_TAG = re.compile(r"(<[^>]*>)")


def text(value: object) -> Markup:
    """`value` as text that every layer of a page shows as written (see the module's docstring)."""
    return Markup(_MARKUP.sub(lambda m: f"&#{ord(m.group())};", str(value)))


def markdown(value: str | None) -> str:
    """Text as Markdown source that renders as written in CommonMark, GitHub's tables and Python-Markdown
    with `attr_list` alike, and stays readable as source (the one-file report): the characters both read
    as markup backslash-escaped, those Python-Markdown does not unescape (`<`, `&`, `~`) as references,
    a line's leading list or heading marker escaped, leading spaces kept, newlines as `<br>` (a table
    cell never breaks)."""
    if not value:
        return ""
    lines = []
    for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _MD_CHAR.sub(lambda m: f"&#{ord(m.group())};" if m.group() in _MD_AS_REF else "\\" + m.group(), line)
        line = _MD_LEAD.sub(_lead, line)
        stripped = line.lstrip(" ")
        lines.append("&nbsp;" * (len(line) - len(stripped)) + stripped)
    return "<br>".join(lines)


def _lead(m: re.Match[str]) -> str:
    if m.group(3):
        return f"{m.group(1)}{m.group(3)}\\."
    return m.group(1) + (f"&#{ord(m.group(2))};" if m.group(2) in "=:" else "\\" + m.group(2))


def slug(value: str) -> Markup:
    """An id for anchors and file names: ASCII letters, digits, `-` and `_` (dots become `-`); a long
    one cut, with a digest of the whole so two long names stay apart (a file name has 255 bytes)."""
    out = _SLUG.sub("-", value).strip("-") or "x"
    if len(out) > SLUG_MAX:
        out = out[:SLUG_MAX - 9] + "-" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return Markup(out)


def ref(path: str) -> Markup:
    """A link target the site built from slugs; ValueError for anything else (a scheme, `/…`, `..` inside)."""
    if not _REF.fullmatch(path):
        raise ValueError(f"not a site path made of slugs: {path!r}")
    return Markup(path)


def highlighted(markup: str) -> Markup:
    """HTML whose tags come from a trusted generator: the text between them escaped as `text` does
    (after undoing the generator's own entities, so `&lt;` stays one escape)."""
    parts = _TAG.split(markup)
    return Markup("".join(p if k % 2 else text(html.unescape(p)) for k, p in enumerate(parts)))


def finalize(value: Any) -> Markup:
    """Every `{{ … }}` of the site's templates: Markup as it is, anything else through `text`."""
    return value if isinstance(value, Markup) else text("" if value is None else value)


def join(values: Iterable[Any], separator: str = "") -> Markup:
    """Jinja2's `join`, escaping each item (and the separator) as `text`: its own escapes HTML only."""
    return Markup(finalize(separator)).join(finalize(v) for v in values)


__all__ = ["finalize", "highlighted", "join", "markdown", "ref", "slug", "text"]


def tr(zh: str, en: str) -> Markup:
    """Interface text in both languages, one span each (`lang` set): the site's zh/en switch shows one,
    or both.  Both texts are escaped as `text` escapes (interface text may quote a label)."""
    return Markup('<span class="pl-zh" lang="zh">{}</span><span class="pl-en" lang="en">{}</span>').format(text(zh), text(en))
