"""The wording redline of a revision: the old and the new text aligned article by article, the changed
words marked, each article's clauses and their figures beside it (the 对照版 of the legal databases).

    r = redline(old_policy, new_policy)
    for a in r.shown:     # the articles whose wording or clauses changed
        a.label, a.status, a.old, a.new   # "(16)", "changed", runs with `del` marks, runs with `ins` marks

Articles (compare.diff.articles) are paired by label, then, for a renumbered or renamed one, by the
similarity of their wording; what is left is added or removed.  A pair's wording is compared token by
token with difflib (no junk heuristic): a figure with its unit is one token (dsl.figures reads it), any
other character is one, so "2%" becomes "3%" whole, never "2" → "3" beside an unchanged "%".
Where the new version quotes the same text as the old (a draft that `extends` its base without a
`source` of its own) the redline says so (`own_text`) and shows the articles whose clauses changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Literal

from compare.diff.articles import Article, figure_spans, policy_articles, source_of
from compare.diff.items import diff_policies
from compare.diff.sentences import Sentence, article_sentences, with_article
from compare.diff.structural import Change, StructuralDiff
from compare.publish.blocks import Run
from dsl import ast as A
from dsl.model import Policy
from dsl.units import format_decimal
from dsl.walk import walk

Status = Literal["unchanged", "changed", "added", "removed"]
UNSAID = ("cite", "note")  # the changes an article's sentences leave to its wording
SIMILAR = 0.6  # an unpaired old and new article this alike are one article renumbered
SAME_LABEL = 0.3  # two articles of one label this unlike are two articles (the numbers moved)


@dataclass(frozen=True)
class ClauseFigures:
    """An item citing the article, in one version: its figures as the texts write them, the ones that
    differ from the other version's marked (`del` in the old, `ins` in the new)."""

    kind: str  # clause, split, param
    item: str
    label: str
    figures: tuple[Run, ...]


@dataclass(frozen=True)
class ArticleRedline:
    label: str  # the new version's label (the old one's for a removed article)
    old_label: str | None
    new_label: str | None
    status: Status
    old: tuple[Run, ...]  # the old wording, removed tokens marked `del`
    new: tuple[Run, ...]  # the new wording, added tokens marked `ins`
    inline: tuple[Run, ...]  # one text: kept, `del` and `ins` in reading order
    old_clauses: tuple[ClauseFigures, ...] = ()
    new_clauses: tuple[ClauseFigures, ...] = ()
    changes: tuple[Change, ...] = ()  # the structural changes of the items citing it
    sentences: tuple[Sentence, ...] = ()  # those changes in words (compare.diff.sentences)

    @property
    def clauses_changed(self) -> bool:
        return bool(self.changes or self.sentences)

    @property
    def shown(self) -> bool:
        return self.status != "unchanged" or self.clauses_changed


@dataclass(frozen=True)
class SemanticSection:
    """What the rules give, under one reading's option (or the defaults): the verdicts and the witness
    projects in words (compare.diff.verdict_sentences)."""

    reading: Sentence | None  # "按读法 ceilings=range" / "under the reading ceilings=range"; None: the defaults
    verdicts: tuple[Sentence, ...]
    witnesses: tuple[Sentence, ...]


@dataclass(frozen=True)
class Redline:
    old: str  # policy ids
    new: str
    old_title: str
    new_title: str
    own_text: bool  # False: the new version quotes the old one's text (no wording of its own)
    articles: tuple[ArticleRedline, ...]
    other_changes: tuple[Change, ...]  # changes of items citing no article of the text (header, …)
    other_sentences: tuple[Sentence, ...]  # those in words, and the document's own (status, source …)
    diff: StructuralDiff
    semantic: tuple[SemanticSection, ...] = ()  # with_semantic: what the rules give, in words

    @property
    def shown(self) -> list[ArticleRedline]:
        return [a for a in self.articles if a.shown]

    @property
    def unchanged(self) -> list[str]:
        return [a.label for a in self.articles if not a.shown]

    def count(self, status: Status) -> int:
        return sum(a.status == status for a in self.articles)


# ---------------------------------------------------------------- wording


def tokens(text: str) -> list[str]:
    """A figure with its unit one token (5000万元, 1000～3000万美元), every other character one."""
    out: list[str] = []
    pos = 0
    for a, b in figure_spans(text):
        out.extend(text[pos:a])
        out.append(text[a:b])
        pos = b
    out.extend(text[pos:])
    return out


def _runs(pieces: Sequence[tuple[str, str]]) -> tuple[Run, ...]:
    """Adjacent pieces of one mark joined into one run."""
    out: list[Run] = []
    for text, mark in pieces:
        if not text:
            continue
        if out and out[-1].mark == mark:
            out[-1] = Run(out[-1].text + text, out[-1].mark)
        else:
            out.append(Run(text, mark))  # type: ignore[arg-type]
    return tuple(out)


def compare_wording(old: str, new: str) -> tuple[tuple[Run, ...], tuple[Run, ...], tuple[Run, ...]]:
    """(old runs, new runs, inline runs) of two wordings."""
    a, b = tokens(old), tokens(new)
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    inline: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        gone, come = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            left.append((gone, ""))
            right.append((come, ""))
            inline.append((come, ""))
            continue
        left.append((gone, "del"))
        right.append((come, "ins"))
        inline += [(gone, "del"), (come, "ins")]
    return _runs(left), _runs(right), _runs(inline)


# ---------------------------------------------------------------- alignment


def _likeness(a: Article, b: Article) -> float:
    """How alike two articles' wordings are, their numbering left out (（二） and （二） agree on nothing)."""
    if a.text == b.text:
        return 1.0
    return SequenceMatcher(None, a.text.removeprefix(a.heading), b.text.removeprefix(b.heading), autojunk=False).ratio()


def align(old: Sequence[Article], new: Sequence[Article]) -> list[tuple[Article | None, Article | None]]:
    """Pairs in the new text's order, a removed article where it stood in the old: by label where the
    wordings have something in common (ratio ≥ SAME_LABEL: an article inserted before renumbers the
    rest), then by wording (ratio ≥ SIMILAR, best first) for the articles left over."""
    by_label: dict[str, int] = {}
    for i, a in enumerate(old):
        by_label.setdefault(a.label, i)
    partner: dict[int, int] = {}  # new index -> old index
    for j, b in enumerate(new):
        same = by_label.get(b.label)
        if same is not None and same not in partner.values() and _likeness(old[same], b) >= SAME_LABEL:
            partner[j] = same
    left = [i for i in range(len(old)) if i not in partner.values()]
    right = [j for j in range(len(new)) if j not in partner]
    scored = sorted(((_likeness(old[i], new[j]), -i, -j) for i in left for j in right), reverse=True)
    for score, i, j in scored:
        if score < SIMILAR:
            break
        if -j not in partner and -i not in partner.values():
            partner[-j] = -i
    paired = set(partner.values())
    out: list[tuple[Article | None, Article | None]] = []
    at = 0  # the old articles before `at` are placed
    for j, b in enumerate(new):
        was = partner.get(j)
        if was is not None:
            out += [(old[k], None) for k in range(at, was) if k not in paired]
            at = max(at, was + 1)
        out.append((old[was] if was is not None else None, b))
    out += [(old[k], None) for k in range(at, len(old)) if k not in paired]
    return out


# ---------------------------------------------------------------- clauses


def _figure_text(node: object) -> str | None:
    if isinstance(node, A.Quantity):
        per = f"/{node.per}" if node.per else ""
        return f"{format_decimal(node.number)}{node.scale}{node.unit}{per}"
    if isinstance(node, A.RatioLit):
        return ":".join(format_decimal(p) for p in node.parts)
    return None


def item_figures(item: object) -> list[str]:
    """The figures an item states, as the texts write them (3%, 8000万元), each once, in order."""
    seen: list[str] = []
    for node in walk(getattr(item, "value", None)):
        text = _figure_text(node)
        if text is not None and text not in seen:
            seen.append(text)
    return seen


def _items(policy: Policy) -> list[tuple[str, str, object]]:
    return [*(("clause", k, v) for k, v in policy.clauses.items()), *(("split", k, v) for k, v in policy.splits.items()),
            *(("param", k, v) for k, v in policy.params.items())]


def _citing(policy: Policy, article: Article | None) -> dict[tuple[str, str], object]:
    if article is None:
        return {}
    return {(kind, name): item for kind, name, item in _items(policy)
            if any(article.cited_as(c.article) for c in getattr(item, "cites", ()))}


def _marked(mine: list[str], theirs: list[str], mark: str) -> tuple[Run, ...]:
    out: list[tuple[str, str]] = []
    for op, i1, i2, _j1, _j2 in SequenceMatcher(None, mine, theirs, autojunk=False).get_opcodes():
        for text in mine[i1:i2]:
            if out:
                out.append(("，", ""))
            out.append((text, "" if op == "equal" else mark))
    return tuple(Run(t, m) for t, m in out)  # type: ignore[arg-type]


def _clauses(mine: dict[tuple[str, str], object], theirs_policy: Policy, mark: str) -> tuple[ClauseFigures, ...]:
    others = {(k, n): v for k, n, v in _items(theirs_policy)}
    out = []
    for (kind, name), item in mine.items():
        figures = item_figures(item)
        other = item_figures(others[(kind, name)]) if (kind, name) in others else []
        out.append(ClauseFigures(kind, name, getattr(item, "label", None) or "", _marked(figures, other, mark)))
    return tuple(out)


# ---------------------------------------------------------------- the redline


def same_text(old: Policy, new: Policy) -> bool:
    """Whether the new version has no wording of its own: it quotes the old one's text."""
    return source_of(new) is not None and source_of(new) == source_of(old)


def redline(old: Policy, new: Policy, diff: StructuralDiff | None = None) -> Redline:
    d = diff if diff is not None else diff_policies(old, new)
    old_articles, new_articles = policy_articles(old), policy_articles(new)
    # the quotes' wording is the redline itself, and a note is the encoder's, not the text's: not retold
    told_apart = StructuralDiff(d.old, d.new, [c for c in d.changes if c.where.split(" › ")[-1] not in UNSAID])
    said = article_sentences(told_apart, old, new)
    placed: set[int] = set()
    told: set[str] = set()
    out = []
    for a, b in align(old_articles, new_articles):
        old_items, new_items = _citing(old, a), _citing(new, b)
        keys = set(old_items) | set(new_items)
        changes = tuple(c for c in d.changes if (c.kind, c.item) in keys)
        placed.update(id(c) for c in changes)
        left, right, inline = compare_wording(a.text if a else "", b.text if b else "")
        status: Status = "added" if a is None else "removed" if b is None else \
            "unchanged" if a.text == b.text else "changed"
        label = b.label if b is not None else a.label if a is not None else ""
        keys_said = [k for k in said if k and k not in told and any(x is not None and x.cited_as(k) for x in (a, b))]
        told.update(keys_said)
        words = tuple(s for k in keys_said for s in said[k])
        out.append(ArticleRedline(label, a.label if a else None, b.label if b else None, status, left, right, inline,
                                  _clauses(old_items, new, "del"), _clauses(new_items, old, "ins"), changes, words))
    rest = tuple(c for c in d.changes if id(c) not in placed)
    rest_said = tuple(with_article(k, s) for k, v in said.items() if k not in told for s in v)
    return Redline(old.id, new.id, _title(old), _title(new), not same_text(old, new), tuple(out), rest, rest_said, d)


def with_semantic(r: Redline, old: Policy, new: Policy, fx: float | None = None, budget: float = 60.0) -> Redline:
    """The redline with the semantic verdicts and witnesses in words, one section per option of a reading
    a changed figure lies under (compare.diff.verdict_sentences.semantic_by_reading)."""
    from compare.diff.verdict_sentences import concept_words, semantic_by_reading, verdict_sentences, witness_sentences
    from compare.diff.verdicts import EQUIVALENT
    from compare.engine.evaluate import CompiledPolicy

    a, b = CompiledPolicy(old), CompiledPolicy(new)
    sections = []
    for sd in semantic_by_reading(a, b, r.diff, fx, budget):
        said = "、".join(f"{k}={v}" for k, v in sd.readings.items())
        reading = Sentence(f"按读法 {said}", f"under the reading {said}") if said else None
        witnesses = []  # each headed by its concept (the section states the reading)
        for cd in sd.concepts:
            if cd.verdict == EQUIVALENT:
                continue
            zh, en = concept_words(cd, old, new)
            witnesses += [Sentence(f"{zh}：{w.zh}", f"{en}: {w.en}")
                          for w in witness_sentences(sd, a, b, cd.concept, prefixed=False)]
        sections.append(SemanticSection(reading, tuple(verdict_sentences(sd, a, b, prefixed=False)),
                                        tuple(witnesses)))
    return replace(r, semantic=tuple(sections))


def _title(policy: Policy) -> str:
    m = policy.meta.get("title")
    return m.value if m is not None else policy.id


__all__ = ["ArticleRedline", "ClauseFigures", "Redline", "SemanticSection", "align", "with_semantic", "compare_wording", "item_figures", "redline",
           "same_text", "tokens"]
