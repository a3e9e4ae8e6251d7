"""A source text read for drafting: its bytes decoded, its articles and their figure-bearing sentences.

    text = decode(raw, "wuxi.txt")               # UTF-8 (a BOM dropped), else GB18030 (GBK's superset)
    for article in articles(text):               # [DraftArticle(label="(16)", heading="（十六）", …), …]
        article.sentences                        # the sentences coverage counts, each copied from the text

The articles are those compare.diff.articles cuts by the text's numbering (一、 （一） 1． 第X条 (1)).  A
sentence is quoted as the text has it with whitespace dropped (quotes are matched whitespace-folded), so
a scanned figure broken by a space or a line break ("50 万\\n元") is quoted whole ("50万元").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from compare.diff.articles import cut_articles, numeral
from compare.testing.source_coverage import FIGURE

_SENTENCE = re.compile(r"[^。；！？]*[。；！？]?")
_SPACES = re.compile(r"\s+")


class SourceError(Exception):
    """A source text that cannot be drafted from: the message names the file and says what to do."""


@dataclass(frozen=True)
class DraftArticle:
    label: str  # as a cite names it: "(16)", "第12条", "一", "结尾"
    heading: str  # the numbering as written, "" for an unnumbered part
    sentences: tuple[str, ...]  # the figure-bearing sentences, whitespace dropped


def decode(raw: bytes, path: str) -> str:
    """The text of `raw`: UTF-8 (with or without a byte-order mark), UTF-16 with one, else GB18030/GBK;
    SourceError otherwise (a PDF or a Word file is named as such)."""
    if raw.startswith(b"%PDF") or raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        kind = "a PDF" if raw.startswith(b"%PDF") else "a Word or other office file"
        raise SourceError(f"{path}:1:1: this is {kind}, not text; hint: copy its text into a .txt file "
                          "(pdftotext, or Save As plain text)")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            raw = raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise SourceError(f"{path}:1:1: a UTF-16 mark, but the text is not UTF-16; hint: save it as UTF-8 "
                              "text") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            line = raw[: e.start].count(b"\n") + 1
            col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
            raise SourceError(f"{path}:{line}:{col}: the text is neither UTF-8 nor GBK/GB18030 "
                              f"(byte 0x{raw[e.start]:02x}); hint: save it as UTF-8 text") from None
    if "\x00" in text:
        raise SourceError(f"{path}:1:1: a NUL character: this is not a text file (UTF-16, or a binary file); "
                          "hint: save it as UTF-8 text")
    if not text.strip():
        raise SourceError(f"{path}:1:1: the text is empty; hint: give the document's text, copied from its "
                          "PDF or web page")
    return text


def _label(heading: str, parent: str | None) -> str:
    """How a draft cites a part: （十六） → "(16)", 一、 → "一", 12． → "12", 第12条 as written."""
    if not heading:
        return ""
    if heading.startswith("第"):
        return heading
    body = heading.strip("（()）、．.")
    if heading[0] in "（(":
        n = numeral(body)
        inner = f"({n if n is not None else body})"
        return f"{parent}{inner}" if parent else inner
    return body


def articles(text: str) -> list[DraftArticle]:
    """The text's parts with their figure-bearing sentences; a text with no numbering is one part."""
    parts = cut_articles(text, [])
    sections = [p.heading for p in parts if p.heading.endswith("、")]
    # items numbered （一） afresh under each 一、 are cited with their section ("一(二)"); numbered on
    # through the sections (无锡's （一）…（二十）) they are cited alone ("(16)")
    paren = [p.heading for p in parts if p.heading[:1] in "（("]
    nested = len(sections) > 0 and len(set(paren)) < len(paren)
    # a heading's title on a line of its own ("三、附则"): the article's text runs on after it with no
    # sentence end between, so it is cut off, not quoted as the first sentence's start
    titles = {line for raw in text.splitlines() if (line := _SPACES.sub("", raw)) and len(line) <= 30
              and not re.search(r"[。；！？：:，,0-9０-９]", line) and not FIGURE.search(line)}
    out: list[DraftArticle] = []
    section: str | None = None
    taken: set[str] = set()
    for k, part in enumerate(parts):
        if part.heading.endswith("、"):
            section = part.heading.strip("、")
        label = _label(part.heading, section if nested else None)
        if not label:
            label = "开头" if k == 0 else "结尾"
        base, n = label, 2
        while label in taken:  # a numbering the text repeats: the draft's labels stay apart
            label, n = f"{base}-{n}", n + 1
        taken.add(label)
        body = _SPACES.sub("", part.text)
        title = next((t for t in titles if part.heading and t.startswith(part.heading) and body.startswith(t)),
                     part.heading if body.startswith(part.heading) else "")  # the numbering is the label
        out.append(DraftArticle(label, part.heading, tuple(figure_sentences(body[len(title):]))))
    return out


def figure_sentences(text: str) -> list[str]:
    """The sentences of `text` that state a figure (as `policylab coverage` counts them), whitespace dropped."""
    out = []
    for m in _SENTENCE.finditer(_SPACES.sub("", text)):
        sentence = m.group()
        if sentence and FIGURE.search(sentence):
            out.append(sentence)
    return out


__all__ = ["DraftArticle", "SourceError", "articles", "decode", "figure_sentences"]
