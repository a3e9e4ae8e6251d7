"""Where each quote stands in its source text, and the source text as HTML with those passages marked.

Quotes are checked with whitespace folded and `……` eliding (dsl.check.quotes), so a quote of a
hard-wrapped PDF line is found across the wrap: the folded text keeps, for each of its characters,
the offset in the original, and a found piece maps back to an original range.  A passage quoted by
several items is marked once per distinct range; each mark links back to the items that quote it
(`#item-ID`) and has an id of its own (`passage-ID-K`) that the items link to.

The text is shown as its sentences run, not as the PDF wrapped them (`reflow`): a line break inside a
sentence is dropped, paragraph breaks are kept.  Only the shown text changes; offsets, quotes and
passages stay those of the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from compare.site.escape import text as escaped
from dsl.check.quotes import ELLIPSIS, fold

_SPACE = re.compile(r"\s")
_LINE = re.compile(r"[^\n]*(?:\n|$)")
# a line that ends a sentence or a clause's lead-in (：), or a heading's or list item's opening
_ENDS = frozenset("。；：！？;:!?")
_NUMBERING = re.compile(r"\s*(?:[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十百0-9]+[）)]|[0-9]+[.．、]"
                        r"|第[一二三四五六七八九十百零0-9]+[条章节]|附件)")
# what a word processor's export leaves in the text: bookmarks, not words of the document
_ARTEFACT = re.compile(r"\[bookmark: [^\]\n]*\]")
FULL_LINE = 0.8  # a line at least this share of the text's line width was wrapped by the PDF, not ended


def reflow(text: str) -> list[tuple[int, int, str]]:
    """What to show instead of the text's wrapping, as (start, end, shown) edits in order: a break
    between two lines joined where the first is a full line (FULL_LINE of the width most of the
    text's lines reach) that ends no sentence and the second opens no numbered item ("(16)", "一、",
    "1．", "第5条"), blank lines between them or not (a page break); a text set with a blank line after every line (zhangjiagang's) reads a single blank
    line as a line break and two or more as a paragraph break.  Export artefacts (`[bookmark: _Hlk…]`)
    are not shown."""
    lines = [(m.start(), m.group()) for m in _LINE.finditer(text) if m.group()]
    filled = [(start, line.rstrip("\r\n")) for start, line in lines]
    spans: list[tuple[int, int]] = []  # (index of a non-blank line, blank lines after it)
    for k, (_start, line) in enumerate(filled):
        if line.strip():
            spans.append((k, 0))
        elif spans:
            spans[-1] = (spans[-1][0], spans[-1][1] + 1)
    gaps = [blank for _k, blank in spans[:-1]]
    double = len(gaps) >= 10 and sum(g == 1 for g in gaps) > 0.6 * len(gaps)
    widths = sorted(len(filled[k][1].strip()) for k, _b in spans)
    width = widths[int(len(widths) * 0.9)] if widths else 0
    edits: list[tuple[int, int, str]] = []
    for (k, blank), (k2, _b) in zip(spans, spans[1:], strict=False):
        start, line = filled[k]
        end_of_line = start + len(line.rstrip())
        start2, line2 = filled[k2]
        next_text = start2 + len(line2) - len(line2.lstrip())
        stripped, following = line.strip(), line2.strip()
        # blank lines after a full line inside a sentence are the PDF's page break, not a paragraph's end
        wrapped = stripped[-1] not in _ENDS and not _NUMBERING.match(following) and len(stripped) >= FULL_LINE * width
        if wrapped:
            ascii_words = stripped[-1].isascii() and stripped[-1].isalnum() and following[0].isascii() \
                and following[0].isalnum()
            edits.append((end_of_line, next_text, " " if ascii_words else ""))
        elif double:  # the blank line after every line is spacing: one break, or one paragraph break
            edits.append((end_of_line, start2, "\n" if blank <= 1 else "\n\n"))
    edits.extend((m.start(), m.end(), "") for m in _ARTEFACT.finditer(text))
    if spans and filled[spans[0][0]][0] > 0:  # the blank lines before the text's first words
        edits.append((0, filled[spans[0][0]][0], ""))
    return sorted(edits)


@dataclass(frozen=True)
class Passage:
    anchor: str  # passage-ITEM-K: the id of the passage's first mark
    item: str  # the anchor of the item quoting it (item-ID)
    ranges: tuple[tuple[int, int], ...]  # original offsets of the quote's pieces


def _folded(text: str) -> tuple[str, list[int]]:
    chars, where = [], []
    for i, ch in enumerate(text):
        if not _SPACE.match(ch):
            chars.append(ch)
            where.append(i)
    return "".join(chars), where


class SourceText:
    def __init__(self, text: str):
        self.text = text
        self.folded, self.where = _folded(text)

    def locate(self, quote: str) -> tuple[tuple[int, int], ...] | None:
        """The original ranges of the quote's pieces (in order), or None where it is not found."""
        pos, out = 0, []
        for piece in ELLIPSIS.split(fold(quote)):
            if not piece:
                continue
            i = self.folded.find(piece, pos)
            if i < 0:
                return None
            out.append((self.where[i], self.where[i + len(piece) - 1] + 1))
            pos = i + len(piece)
        return tuple(out) or None

    def html(self, passages: Sequence[Passage]) -> Markup:
        """The whole text as reflowed (`reflow`), escaped (compare.site.escape.text), with every passage
        marked and linked both ways."""
        edits = reflow(self.text)
        bounds = {0, len(self.text)}
        for p in passages:
            for a, b in p.ranges:
                bounds.update((a, b))
        for a, b, _shown in edits:
            bounds.update((a, b))
        cuts = sorted(bounds)
        first: dict[int, list[str]] = {}  # segment start -> anchors that begin there
        for p in passages:
            first.setdefault(p.ranges[0][0], []).append(p.anchor)
        replaced = {a: (b, shown) for a, b, shown in edits}
        parts: list[str] = []
        inside: tuple[int, str] | None = None  # the edit a segment lies in: (its end, what it shows)
        for a, b in zip(cuts, cuts[1:], strict=False):
            if inside is not None and a >= inside[0]:
                inside = None
            if a in replaced:
                inside = replaced[a]
                shown = inside[1]
            else:
                shown = "" if inside is not None else self.text[a:b]
            items = sorted({p.item for p in passages for lo, hi in p.ranges if lo <= a and b <= hi})
            segment = str(escaped(shown))
            ids = "".join(f'<span id="{x}"></span>' for x in sorted(first.get(a, [])))
            if not items:
                parts.append(ids + segment)
                continue
            links = " ".join(items)
            parts.append(ids + (f'<mark class="passage" data-items="{links}"><a href="#{items[0]}">{segment}</a></mark>'
                                if segment else ""))
        return Markup("".join(parts))
