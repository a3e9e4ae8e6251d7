"""Source coverage: which articles a policy encodes, and which figure-bearing sentences of its
source text no item cites and no `unencoded` entry explains.

A figure is a number (Arabic or Chinese numerals) followed by a unit or measure word (万, 亿,
%, ‰, 亩, 分, 个, 名, 人, 年, 月, 周, 次 …).  A figure is covered when it lies inside a quote of
some item (or of an `unencoded` entry) as found in the whitespace-folded source; a sentence
is covered when all its figures are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dsl.ast import Clause, Mechanism, Param, Reading, Split
from dsl.check.quotes import ELLIPSIS, fold
from dsl.model import Policy

_NUM = r"(?:[0-9０-９]+(?:[.．][0-9]+)?|[一二三四五六七八九十百千两半]+)"
FIGURE = re.compile(_NUM + r"(?:万亿|万|亿)?(?:美元|元|%|％|‰|亩|个月|分|个|名|人|年|月|周|次|项|家|倍|天|日)")
_SENTENCE_END = re.compile(r"[。；！？]")


@dataclass
class Sentence:
    text: str
    start: int
    end: int
    figures: list[tuple[int, int, str]]
    uncovered: list[str] = field(default_factory=list)
    explained: bool = False


@dataclass
class SourceCoverage:
    policy: str
    source: str
    articles: list[str]
    sentences: list[Sentence]

    @property
    def with_figures(self) -> list[Sentence]:
        return [s for s in self.sentences if s.figures]

    @property
    def uncited(self) -> list[Sentence]:
        return [s for s in self.with_figures if s.uncovered]


def sentences(folded: str) -> list[Sentence]:
    out: list[Sentence] = []
    start = 0
    for m in _SENTENCE_END.finditer(folded + "。"):
        end = min(m.end(), len(folded))
        text = folded[start:end]
        if text.strip():
            figs = [(start + f.start(), start + f.end(), f.group(0)) for f in FIGURE.finditer(text)]
            out.append(Sentence(text, start, end, figs))
        start = end
    return out


def _spans(quote: str, folded: str) -> list[tuple[int, int]]:
    """Where a quote's pieces occur in the folded source (every occurrence)."""
    spans = []
    for piece in ELLIPSIS.split(fold(quote)):
        if not piece:
            continue
        i = folded.find(piece)
        while i >= 0:
            spans.append((i, i + len(piece)))
            i = folded.find(piece, i + 1)
    return spans


def source_coverage(policy: Policy) -> list[SourceCoverage]:
    """One report per source text in the policy's extends chain (normally one)."""
    reports = []
    for info in policy.files:
        if info.source_text is None:
            continue
        folded = fold(info.source_text)
        cited: list[tuple[int, int]] = []
        explained: list[tuple[int, int]] = []
        articles: dict[str, int] = {}
        items: list[Clause | Split | Param | Mechanism | Reading] = [
            *policy.clauses.values(), *policy.splits.values(), *policy.params.values(),
            *policy.mechanisms.values(), *policy.readings.values()]
        for item in items:
            for cite in item.cites:
                spans = _spans(cite.quote, folded)
                cited.extend(spans)
                if spans:
                    articles.setdefault(cite.article, min(s[0] for s in spans))
        for u in policy.unencoded:
            explained.extend(_spans(u.quote, folded))
        if info is not policy.files[-1] and policy.files[-1].source_text == info.source_text:
            continue  # a base on the same text is reported once, with the revision
        sents = sentences(folded)
        for s in sents:
            for a, b, text in s.figures:
                if any(x <= a and b <= y for x, y in cited):
                    continue
                if any(x <= a and b <= y for x, y in explained):
                    s.explained = True
                    continue
                s.uncovered.append(text)
        name = info.source_path.name if info.source_path else "source"
        reports.append(SourceCoverage(policy.id, name, sorted(articles, key=articles.__getitem__), sents))
    return reports


def render(report: SourceCoverage) -> str:
    figs = report.with_figures
    lines = [f"{report.policy} ({report.source}): {len(report.articles)} articles encoded: "
             + ", ".join(report.articles),
             f"  sentences with figures: {len(figs)}; cited or explained: {len(figs) - len(report.uncited)}; "
             f"not cited: {len(report.uncited)}"]
    for s in report.uncited:
        lines.append(f"  NOT CITED [{', '.join(s.uncovered)}]: {s.text}")
    return "\n".join(lines)
