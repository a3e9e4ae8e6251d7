"""Quotes against the source text: found verbatim (whitespace folded, …… elisions), currency agrees."""

from __future__ import annotations

import re

from dsl import ast as A
from dsl.check.base import CheckerBase
from dsl.model import PolicyFileInfo
from dsl.walk import walk


def fold(text: str) -> str:
    """Quotes are matched with all whitespace removed (the seeds are hard-wrapped PDFs)."""
    return re.sub(r"\s+", "", text)


ELLIPSIS = re.compile(r"……|…")


def find_quote(quote: str, source_folded: str) -> tuple[bool, str]:
    """Is the quote in the source (pieces around `……` in order)?  If not, where it stops matching."""
    pos = 0
    for piece in ELLIPSIS.split(fold(quote)):
        if not piece:
            continue
        i = source_folded.find(piece, pos)
        if i < 0:
            lo, hi = 0, len(piece)
            while lo < hi:  # longest prefix of the piece found after pos
                mid = (lo + hi + 1) // 2
                if source_folded.find(piece[:mid], pos) >= 0:
                    hi_ok = True
                else:
                    hi_ok = False
                if hi_ok:
                    lo = mid
                else:
                    hi = mid - 1
            if lo == 0:
                return False, "no part of it occurs in the source"
            at = source_folded.find(piece[:lo], pos)
            src_next = source_folded[at + lo: at + lo + 8]
            return False, f"matches up to “{piece[:lo][-12:]}”, then the quote has “{piece[lo:lo + 8]}” " \
                          f"where the source has “{src_next}”"
        pos = i + len(piece)
    return True, ""



class QuoteChecks(CheckerBase):
    # ------------------------------------------------------------ items
    def check_cites(self, key: str, cites: tuple[A.Cite, ...], span: A.Span, what: str) -> None:
        if not cites:
            self.err("E502", f"{what} cites no article", span, 'add: cite "第5条" "the original Chinese"')
            return
        info = self._source(key)
        for cite in cites:
            self.check_quote(info, cite.quote, cite.quote_span if cite.quote_span.line else cite.span)

    def check_quote(self, info: PolicyFileInfo | None, quote: str, span: A.Span) -> None:
        if info is None or info.source_text is None:
            return
        folded = fold(quote)
        if not folded.replace("…", ""):
            self.err("E500", "the quote is empty" if not folded else "the quote is only an elision (……)", span,
                     "quote the words of the text that the item rests on")
            return
        texts = [(info.source_path, info.source_text), *info.base_sources]
        where = ""
        for _path, text in texts:  # its own text first, then the texts it revises
            ok, found = find_quote(quote, self._fold_once(text))
            if ok:
                return
            where = where or found
        name = info.source_path.name if info.source_path else "the source"
        self.err("E500", f"quote not found in {name}: {where}", span,
                 "copy the text verbatim (whitespace is ignored; full-width punctuation is not); "
                 "elide with ……")

    def _fold_once(self, text: str) -> str:
        """Fold each source once, not once per quote."""
        folded = self._folded.get(id(text))
        if folded is None:
            folded = self._folded[id(text)] = fold(text)
        return folded

    def check_quote_currency(self, cites: tuple[A.Cite, ...], exprs: list[A.Expr | None]) -> None:
        if not cites:
            return
        quotes = "".join(fold(c.quote) for c in cites)
        says_usd = "美元" in quotes
        says_cny = re.search(r"(?<!美)元", quotes) is not None
        for e in exprs:
            for q in _quantities(e):
                if q.unit == "元" and says_usd and not says_cny:
                    self.err("E305", f"{q} is in 元 (CNY) but the quoted text speaks of 美元 (USD)", q.span,
                             f"write {q.number}{q.scale}美元")
                elif q.unit == "美元" and says_cny and not says_usd:
                    self.err("E305", f"{q} is in 美元 (USD) but the quoted text speaks of 元 (CNY)", q.span,
                             f"write {q.number}{q.scale}元")


def _quantities(e: A.Expr | None) -> list[A.Quantity]:
    return [x for x in walk(e) if isinstance(x, A.Quantity)]
