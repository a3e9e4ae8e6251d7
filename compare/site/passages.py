"""Where each quote stands in its source text, and the source text as HTML with those passages marked.

Quotes are checked with whitespace folded and `……` eliding (dsl.check.quotes), so a quote of a
hard-wrapped PDF line is found across the wrap: the folded text keeps, for each of its characters,
the offset in the original, and a found piece maps back to an original range.  A passage quoted by
several items is marked once per distinct range; each mark links back to the items that quote it
(`#item-ID`) and has an id of its own (`passage-ID-K`) that the items link to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from compare.site.escape import text as escaped
from dsl.check.quotes import ELLIPSIS, fold

_SPACE = re.compile(r"\s")


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
        """The whole text, escaped (compare.site.escape.text), with every passage marked and linked both ways."""
        bounds = {0, len(self.text)}
        for p in passages:
            for a, b in p.ranges:
                bounds.update((a, b))
        cuts = sorted(bounds)
        first: dict[int, list[str]] = {}  # segment start -> anchors that begin there
        for p in passages:
            first.setdefault(p.ranges[0][0], []).append(p.anchor)
        parts: list[str] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            items = sorted({p.item for p in passages for lo, hi in p.ranges if lo <= a and b <= hi})
            segment = str(escaped(self.text[a:b]))
            if not items:
                parts.append(segment)
                continue
            ids = "".join(f'<span id="{x}"></span>' for x in sorted(first.get(a, [])))
            links = " ".join(items)
            parts.append(f'{ids}<mark class="passage" data-items="{links}"><a href="#{items[0]}">{segment}</a></mark>')
        return Markup("".join(parts))
