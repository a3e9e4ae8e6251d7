"""Source coverage: which articles a policy encodes, and which figure-bearing sentences of its
source text no item cites and no `unencoded` entry explains.

A figure is a number (Arabic or Chinese numerals) followed by a unit or measure word (万, 亿,
%, ‰, 亩, 分, 个, 名, 人, 年, 月, 周, 次 …).  A figure is covered when it lies inside a quote of
some item (or of an `unencoded` entry) as found in the whitespace-folded source; a sentence
is covered when all its figures are.

A source the policy marks `partial "…"` (a scan or a web excerpt recovered in part) is measured as
far as it goes: the report says the text is incomplete and where it breaks off, and its share is of
the recovered text, never "100%" of a document that is cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dsl import ast as A
from dsl.ast import Clause, Mechanism, Param, Reading, Split
from dsl.check.quotes import ELLIPSIS, fold
from dsl.model import Policy
from dsl.textsafe import printable

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
    partial: str | None = None  # where the source text breaks off (`partial "…"`), None: complete

    @property
    def covered(self) -> int:
        """Sentences with figures that are cited or explained."""
        return len(self.with_figures) - len(self.uncited)

    @property
    def percent(self) -> float:
        """The covered share of the sentences with figures (of the recovered text, if partial); 100 with none."""
        figs = self.with_figures
        return 100.0 * self.covered / len(figs) if figs else 100.0

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


def partial_sources(policy: Policy) -> list[str | None]:
    """Per file of the extends chain, where the text it quotes breaks off: the `partial` of the file
    that gives that text its `source` (a revision without a `source` of its own quotes its base's
    text, incomplete as the base says), or of the file itself; None where the text is complete."""
    out: list[str | None] = []
    for info in policy.files:
        header = info.ast.header
        m = header.get("partial")
        inherited = out[-1] if out and header.get("source") is None else None
        out.append(m.value if m is not None else inherited)
    return out


def source_coverage(policy: Policy) -> list[SourceCoverage]:
    """One report per source text in the policy's extends chain (normally one)."""
    reports = []
    partial = partial_sources(policy)
    for k, info in enumerate(policy.files):
        if info.source_text is None:
            continue
        folded = fold(info.source_text)
        cited: list[tuple[int, int]] = []
        explained: list[tuple[int, int]] = []
        articles: dict[str, int] = {}
        items: list[Clause | Split | Param | Mechanism | Reading | A.ConditionDecl | A.FieldDecl | A.ListDecl
                    | A.CategoryDecl | A.ChoiceDecl] = [
            *policy.clauses.values(), *policy.splits.values(), *policy.params.values(),
            *policy.mechanisms.values(), *policy.readings.values(), *policy.conditions.values(),
            *policy.fields.values(), *policy.lists.values(), *policy.categories.values(), *policy.choices.values()]
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
        reports.append(SourceCoverage(policy.id, name, sorted(articles, key=articles.__getitem__), sents,
                                      partial[k]))
    return reports


def share_text(report: SourceCoverage) -> str:
    """`7/7 (100%)`, or for an incomplete source `7/7 (100% of a partial text)`: the share is of what
    was recovered, not of the document."""
    of = " of a partial text" if report.partial is not None else ""
    return f"{report.covered}/{len(report.with_figures)} ({report.percent:.0f}%{of})"


def render(report: SourceCoverage) -> str:
    lines = [printable(f"{report.policy} ({report.source}): {len(report.articles)} articles encoded: "
                       + ", ".join(report.articles))]
    if report.partial is not None:
        lines.append(printable(f"  PARTIAL SOURCE: the text is incomplete, it breaks off: {report.partial}"))
    lines.append(f"  sentences with figures: {len(report.with_figures)}; cited or explained: {share_text(report)}; "
                 f"not cited: {len(report.uncited)}"
                 + ("; the rest of the document was not recovered and is not measured" if report.partial is not None else ""))
    for s in report.uncited:
        lines.append(printable(f"  NOT CITED [{', '.join(s.uncovered)}]: {s.text}"))
    return "\n".join(lines)
