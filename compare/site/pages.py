"""What the site's pages show, as plain data: the documents at a glance, and each city's items with
their passages in the source text.  Templates (compare/site/templates) lay it out; nothing here is
HTML but the marked source text, which is escaped (compare.site.passages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from compare.diff.dates import NOT_STATED, DocumentDates, document_dates
from compare.engine.notation import STATUS_WORDS, status_words
from compare.site.concepts import ABSENT, ConceptRow, Entry, text
from compare.site.escape import ref, slug
from compare.site.escape import text as escaped
from compare.site.passages import Passage, SourceText
from compare.site.record import PickTable, RecordView, payer_text, pick_tables, record_view
from dsl import ast as A
from dsl.model import Policy
from dsl.walk import walk

KINDS = {A.Clause: "clause", A.Split: "split", A.Param: "param", A.Mechanism: "mechanism", A.Reading: "reading"}
KIND_ZH = {"clause": "条款", "split": "分成", "param": "参数", "mechanism": "机制", "reading": "解读"}
@dataclass
class CiteView:
    article: str
    quote: str
    anchor: str | None  # the passage's id in the source text, None where not found (another text)


@dataclass
class ItemView:
    kind: str
    id: str
    anchor: str  # item-KIND-ID
    label: str | None
    concept: str | None = None
    concept_label: str | None = None
    beneficiary: str | None = None
    condition: str | None = None
    value: str | None = None
    cites: list[CiteView] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    readings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)  # (name, text): options, attributes, shares
    inherited: str | None = None  # the base policy the item comes from
    picks: list[PickTable] = field(default_factory=list)  # its `pick` tables, (condition -> value) rows
    payer: tuple[str, str] | None = None  # who pays, (Chinese, English): compare.site.record.payer_text


@dataclass
class CityPage:
    policy: Policy
    slug: str
    items: list[ItemView]
    unencoded: list[A.Unencoded]
    source_name: str | None
    source_html: Markup | None  # escaped, passages marked (compare.site.passages)
    counts: dict[str, int]
    record: RecordView | None = None  # the city's own record: fields read and declared, lists, conditions
    partial: str | None = None  # where an incomplete source text breaks off (`partial "…"`)


def _figures(node: Any) -> list[str]:
    """The figures an item states; a clause's payer shares are not figures of its outcome (`payer
    district` stands for 100%, `city, district = 1:1` is who pays, shown beside it)."""
    if isinstance(node, A.Clause) and node.payer is not None:
        node = replace(node, payer=None)
    return list(dict.fromkeys(str(x) for x in walk(node) if isinstance(x, (A.Quantity, A.RatioLit))))  # each once


def _readings(node: Any) -> list[str]:
    return sorted({x.reading for x in walk(node) if isinstance(x, A.ByReading)})


def _item(policy: Policy, item: Any) -> ItemView:
    kind = KINDS[type(item)]
    view = ItemView(kind, item.id, ref(f"item-{kind}-{slug(item.id)}"), item.label,
                    notes=list(getattr(item, "notes", ())))
    if isinstance(item, A.Clause):
        view.concept = item.concept.dotted if item.concept else None
        view.beneficiary = item.beneficiary.dotted if item.beneficiary else None
        view.condition, view.value = text(item.when) or None, text(item.value) or None
        view.extra = [(f"beneficiary if {text(r.when)}", r.name.dotted) for r in item.beneficiary_if]
        view.picks = pick_tables(item.value)
        view.payer = payer_text(policy.taxonomy, item.payer)
    elif isinstance(item, A.Split):
        view.concept = policy.concept_of(item.splits.dotted) if item.splits else None
        view.condition = text(item.when) or None
        view.value = f"splits {item.splits.dotted}" if item.splits else None
        view.extra = [(s.name, text(s.weight)) for s in item.shares]
    elif isinstance(item, A.Param):
        view.concept = item.id
        view.value = text(item.value)
    elif isinstance(item, A.Mechanism):
        view.extra = [(a.name, text(a.value)) for a in item.attrs]
    elif isinstance(item, A.Reading):
        view.extra = [(o.id + (" (default)" if o.id == item.default else ""), o.label or "") for o in item.options]
        view.value = item.because
    view.figures = _figures(item)
    view.readings = _readings(item)
    tax = policy.taxonomy
    if view.concept and tax is not None and view.concept in tax.concepts:
        view.concept_label = tax.concepts[view.concept].zh
    return view


def city_page(policy: Policy) -> CityPage:
    """Every item of the policy (its `extends` chain merged), each with its quotes located in the text."""
    last = policy.files[-1]
    source = SourceText(last.source_text) if last.source_text is not None else None
    items: list[ItemView] = []
    passages: list[Passage] = []
    tables: list[dict[str, Any]] = [policy.clauses, policy.splits, policy.params, policy.readings, policy.mechanisms]
    for table in tables:
        for item in table.values():
            view = _item(policy, item)
            origin = policy.origin.get(f"{view.kind}:{item.id}")
            if origin is not None and origin is not last:
                view.inherited = origin.ast.header.id
            for k, cite in enumerate(item.cites):
                ranges = source.locate(cite.quote) if source is not None and (
                    origin is None or origin.source_text == last.source_text) else None
                anchor = ref(f"passage-{view.kind}-{slug(item.id)}-{k}") if ranges else None
                if ranges:
                    passages.append(Passage(anchor or "", view.anchor, ranges))
                view.cites.append(CiteView(cite.article, cite.quote, anchor))
            items.append(view)
    counts = {"clauses": len(policy.clauses), "params": len(policy.params), "mechanisms": len(policy.mechanisms),
              "readings": len(policy.readings), "unencoded": len(policy.unencoded), "splits": len(policy.splits)}
    return CityPage(policy, slug(policy.id), items, list(policy.unencoded),
                    last.source_path.name if last.source_path else None,
                    source.html(passages) if source is not None else None, counts, record_view(policy),
                    partial_of(policy))


def partial_of(policy: Policy) -> str | None:
    """Where the text the policy quotes breaks off, if it is incomplete (compare.testing.source_coverage)."""
    from compare.testing.source_coverage import partial_sources

    return partial_sources(policy)[-1] if policy.files else policy.partial


def write_page(path: Path, title: str, body: str) -> None:
    """A page's Markdown under a front matter `title`: MkDocs' theme shows a page's title unescaped
    (and unescapes one it takes from the first heading), so every page states its own, escaped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'---\ntitle: "{escaped(title)}"\n---\n\n{body}', encoding="utf-8")


def meta(policy: Policy, key: str) -> str:
    m = policy.meta.get(key)
    return (m.label or m.value) if m is not None and key != "city" else (m.value if m else "")


def dates_of(policy: Policy) -> DocumentDates:
    """The document's own dates, typed (issued, effective, expiry as stated; in force from, and why);
    its end as its city's other documents set it is on the city's timeline page."""
    from dsl.timeline import document_of

    return document_dates(policy, document_of(policy, policy.path))


def home_rows(pages: Sequence[CityPage]) -> list[dict[str, Any]]:
    """The documents at a glance, from their city pages (built once, for both)."""
    rows = []
    for page in pages:
        p = page.policy
        dates = dates_of(p)
        rows.append({"id": p.id, "slug": page.slug, "city": p.city_label, "city_slug": slug(p.city),
                     "title": meta(p, "title"), "issuer": meta(p, "issuer"),
                     "issued": dates.issued.isoformat() if dates.issued else NOT_STATED,
                     "start": "never (a draft)" if dates.status == "draft" else
                     dates.start.isoformat() if dates.start else NOT_STATED,
                     "status": " ".join(status_words(meta(p, "status") or None)), "partial": page.partial, **page.counts})
    return rows


# per-project outcomes a reader compares in money or points (dsl.taxonomy UNITS)
MATRIX_UNITS = frozenset({"points", "CNY", "USD", "money"})


@dataclass(frozen=True)
class MatrixCell:
    entry: Entry
    id: str  # matrix-CONCEPT--POLICY: stable, for links and the browser test
    href: str | None  # the clause on the city page (cities/ID.html#item-…); None where absent


@dataclass(frozen=True)
class MatrixRow:
    row: ConceptRow
    id: str  # matrix-CONCEPT
    cells: tuple[MatrixCell, ...]


@dataclass(frozen=True)
class HomeMatrix:
    shared: tuple[MatrixRow, ...]  # the concepts at least two cities give
    single: tuple[MatrixRow, ...]  # the per-project rewards and points one city gives


def _matrix_row(row: ConceptRow) -> MatrixRow:
    cells = []
    for e in row.entries:
        direct = e.direct
        href = ref(f"cities/{slug(e.policy)}.html#{direct[0].anchor}") if e.state != ABSENT and direct else None
        cells.append(MatrixCell(e, ref(f"matrix-{slug(row.key)}--{slug(e.policy)}"), href))
    return MatrixRow(row, ref(f"matrix-{slug(row.key)}"), tuple(cells))


def home_matrix(rows: Sequence[ConceptRow]) -> HomeMatrix:
    """The home page's concepts × cities, in the taxonomy's order (compare.site.concepts.concept_rows):
    the main concepts, those at least two cities give (a figure or a promise), then the per-project
    rewards and points (MATRIX_UNITS) that one city gives."""
    def given(r: ConceptRow) -> int:
        return sum(e.state != ABSENT for e in r.entries)

    shared = [r for r in rows if given(r) >= 2]
    single = [r for r in rows if given(r) == 1 and r.kind == "outcome" and r.unit in MATRIX_UNITS]
    return HomeMatrix(tuple(map(_matrix_row, shared)), tuple(map(_matrix_row, single)))


__all__ = ["KIND_ZH", "MATRIX_UNITS", "STATUS_WORDS", "CityPage", "HomeMatrix", "ItemView", "MatrixCell", "MatrixRow", "city_page",
           "dates_of", "home_matrix", "home_rows", "slug", "status_words", "write_page"]
