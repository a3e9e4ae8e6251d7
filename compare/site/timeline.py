"""A city's documents over time, as plain data for its timeline page: each document in date order with
the day it was issued, the period it is in force (from, until, and why: dsl.timeline), its status in
words, for each revision what it changed (compare.diff) with a link to the revision's page, and per
concept the history of its figures' values (compare.history).

Nothing here depends on the day the site is built: a status is the document's own (`status in_force`)
beside the period its city's documents give it, so the same inputs give the same pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from compare.diff.dates import DocumentDates, document_dates, succession
from compare.diff.render import summary
from compare.diff.sentences import Sentence, article_sentences, with_article
from compare.diff.structural import Change
from compare.history.steps import CityHistory, FigureHistory, city_history
from compare.site.escape import ref, slug
from compare.site.pages import status_words as words
from dsl.model import Policy
from dsl.timeline import Document, Timeline, document_of, timelines

MAX_CHANGES = 12  # changes listed per revision on the timeline; its page has them all


@dataclass
class RevisionView:
    """What a document changed against the one it revises or replaces."""

    old: str
    new: str
    summary: str
    figures: list[Change]  # the figures it changed
    sentences: list[Sentence]  # every change in words, article by article (compare.diff.sentences), the first MAX_CHANGES
    more: int  # sentences not listed here
    page: Markup | None  # the revision page, where the site has one
    in_force: str  # which is in force from when


@dataclass
class DocumentRow:
    dates: DocumentDates
    title: str | None
    city_page: Markup | None  # the document's page on the site, where it has one
    status: str  # in words
    revision: RevisionView | None = None


@dataclass
class ConceptHistory:
    """A concept's figures over time (compare.history): each figure's values, from the date its
    document came into force, with the document and article that set it."""

    concept: str
    label: str | None
    figures: list[FigureHistory]

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.figures)


@dataclass
class TimelinePage:
    city: str
    city_label: str
    slug: Markup
    rows: list[DocumentRow] = field(default_factory=list)
    history: list[ConceptHistory] = field(default_factory=list)  # the concepts whose figures changed first
    figures: CityHistory | None = None  # compare.history's, for the step chart


def status_words(d: DocumentDates) -> str:
    """The document's status as stated, in words, with what its city's documents say of its end."""
    stated = " ".join(words(d.status))
    if d.status == "draft":
        return f"{stated}: never in force"
    if d.end_reason.startswith(("revised by ", "replaced by ")):
        by = d.end_reason.split(" by ", 1)[1]
        verb = "修订 revised" if d.end_reason.startswith("revised") else "废止 replaced"
        return f"{stated}; {verb} by {by} from {d.end.isoformat() if d.end else '?'}"
    if d.end is not None:
        return f"{stated}; in force to {d.last_day.isoformat() if d.last_day else '?'} ({d.end_reason})"
    return stated


def _revision(old: Policy, new: Policy, dates: tuple[DocumentDates, DocumentDates],
              pages: dict[tuple[str, str], Markup]) -> RevisionView:
    from compare.diff.items import diff_policies

    d = diff_policies(old, new)
    figures = [c for c in d.changes if c.is_figure]
    said = [with_article(article, x) for article, xs in article_sentences(d, old, new).items() for x in xs]
    return RevisionView(old.id, new.id, summary(d), figures, said[:MAX_CHANGES], max(0, len(said) - MAX_CHANGES),
                        pages.get((old.id, new.id)), succession(*dates))


def _ordered(line: Timeline) -> list[Document]:
    """Dates first (a document with no start stated first), drafts last: they were never in force."""
    return sorted(line.documents, key=lambda d: (d.status == "draft", d.start is not None, d.start or date.min,
                                                 d.policy))


def timeline_pages(policies: Sequence[Policy], revision_pages: dict[tuple[str, str], Markup],
                   city_pages: set[str]) -> list[TimelinePage]:
    """One page per city of `policies` (each id once), its documents in date order; a document that
    revises or replaces another of them shows what it changed.  `revision_pages`: (old id, new id) ->
    the revision page's path from the timeline page; `city_pages`: the slugs of the documents with a page."""
    by_id = {p.id: p for p in policies}
    docs = [document_of(p, p.path) for p in by_id.values()]
    lines, _diagnostics = timelines(docs)  # the errors are check's; the site shows what the documents say
    out = []
    for city in sorted(lines):
        line = lines[city]
        rows = []
        for doc in _ordered(line):
            dates = document_dates(by_id[doc.policy], doc)
            page = slug(doc.policy)
            rows.append(DocumentRow(dates, doc.title, ref(f"../cities/{page}.html") if page in city_pages else None,
                                    status_words(dates)))
        ended = {r.dates.policy: r.dates for r in rows}
        for row, doc in zip(rows, _ordered(line), strict=True):
            before = [p for p in (*doc.replaces, *([doc.revises] if doc.revises else [])) if p in ended]
            if before:  # a draft too: what it would change
                old = before[0]
                row.revision = _revision(by_id[old], by_id[doc.policy], (ended[old], row.dates), revision_pages)
        label = next((d.city_label for d in line.documents if d.city_label), None) or city
        history = city_history(line, by_id)
        out.append(TimelinePage(city, label, slug(city), rows, concept_histories(history, by_id), history))
    return out


def concept_histories(history: CityHistory, policies: dict[str, Policy]) -> list[ConceptHistory]:
    """The city's figures over time by concept: the concepts with a figure that changed first, each
    group in the order compare.history gives (the taxonomy's label where the documents' taxonomy has it)."""
    groups: dict[str, list[FigureHistory]] = {}
    for f in history.figures:
        groups.setdefault(f.concept, []).append(f)
    taxonomy = next((p.taxonomy for p in policies.values() if p.taxonomy is not None), None)
    out = [ConceptHistory(c, taxonomy.concepts[c].zh if taxonomy is not None and c in taxonomy.concepts else None, fs)
           for c, fs in groups.items()]
    return sorted(out, key=lambda h: not h.changed)  # stable: otherwise compare.history's order


def revision_order(pairs: Sequence[tuple[Policy, Policy]]) -> list[int]:
    """The indices of revision pairs in date order: by the new document's start (one with no start
    stated first), then the old one's, then the ids; the order they were given breaks no tie."""
    def key(k: int) -> tuple[object, ...]:
        old, new = pairs[k]
        docs = {d.policy: d for line in timelines([document_of(old, old.path), document_of(new, new.path)])[0].values()
                for d in line.documents}
        a, b = docs[old.id], docs[new.id]
        return (b.start is not None, b.start or date.min, a.start is not None, a.start or date.min, old.id, new.id)

    return sorted(range(len(pairs)), key=key)


__all__ = ["ConceptHistory", "DocumentRow", "RevisionView", "TimelinePage", "revision_order", "status_words", "timeline_pages"]
