"""A reform's revised sentences: where a figure set by `policylab reform --set` stands in its item's cite
quote as the item writes it, the quote is rewritten (最高2% → 最高3%, 不超过5000万元 → 不超过8000万元) and
the same characters are revised in the source text the quote comes from, so the draft has its own text
and its figure is checked against it again instead of being marked `derived`.

A rewrite is made only where it is unambiguous: the number as the item writes it (`2`, `5000`) stands
as a whole number at exactly one place of the item's quotes where changing it changes that figure and
no other (dsl.figures reads the quote before and after: `1000～3000万美元` keeps its shared unit).  The
new figure is written as given (8000万元), or as a number in the quote's own scale where the quote
shares a scale or unit between figures (1500 in 1500～3000万美元).  A figure written otherwise
(5千万元, 百分之二), twice, not at all, a ratio, or one whose old value another figure of the item
still needs, is left to the caller to keep `derived`, with a warning saying why the quote no longer
matches.  The source text is revised where the quote's words occur exactly once (whitespace and line
breaks ignored, as the checker reads quotes).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from compare.simulate.figures import Figure as PathFigure
from compare.simulate.figures import Node
from dsl import ast as A
from dsl.check.quotes import find_quote, fold
from dsl.figures import Figure, find_figure, quote_figures, ratio_in_quote
from dsl.model import Policy
from dsl.units import SCALES, UNITS, Dim, format_decimal
from dsl.walk import walk


@dataclass(frozen=True)
class Planned:
    """One change of a reform: the figure at `path`, its new node."""

    path: str
    figure: PathFigure
    new: Node


@dataclass
class Revision:
    """What a reform's changes revised: items' cites, one source text, and what could not be revised."""

    cites: dict[str, tuple[A.Cite, ...]] = field(default_factory=dict)  # item key -> its cites, revised
    quoted: set[str] = field(default_factory=set)  # figure paths their quotes now state
    source_path: Path | None = None  # the text revised (the base's)
    source_text: str | None = None  # that text, revised
    articles: list[str] = field(default_factory=list)  # the articles revised, in order
    warnings: list[str] = field(default_factory=list)


class _NotRevisedError(Exception):
    """Why one figure's quote is not rewritten (a warning)."""


def revise(policy: Policy, planned: Sequence[Planned], items: dict[str, Any]) -> Revision:
    """The sentences `planned` revises in `policy` (the items by key in `items`), one change after the
    other (a sentence revised twice, for a rate and a cap, is revised in turn)."""
    rev = Revision()
    for plan in planned:
        try:
            _revise_one(policy, plan, items[plan.figure.item], rev)
        except _NotRevisedError as why:
            cites = rev.cites.get(plan.figure.item) or items[plan.figure.item].cites
            article = cites[0].article if cites else ""
            rev.warnings.append(f"`{plan.path}`: the quote {article} no longer matches the figure ({why}); "
                                f"{plan.new} stays derived")
    return rev


def _revise_one(policy: Policy, plan: Planned, item: Any, rev: Revision) -> None:
    old, new = plan.figure.node, plan.new
    if not isinstance(old, A.Quantity) or not isinstance(new, A.Quantity):
        raise _NotRevisedError("a ratio is not rewritten in the text")
    if any(n.derived is not None for n in plan.figure.nodes):
        raise _NotRevisedError(f"the text does not state {old} either: it is derived")
    if str(new) == str(old):  # set to what it is: the quote states it still
        rev.quoted.add(plan.path)
        return
    cites = rev.cites.get(plan.figure.item, item.cites)
    found = [(k, *place) for k, c in enumerate(cites) for place in _places(c.quote, old, new)]
    if not found:
        raise _NotRevisedError(f"it does not write {_written(old)} as the item does")
    if len(found) > 1:
        raise _NotRevisedError(f"it writes {_written(old)} at {len(found)} places")
    k, start, end, fragment = found[0]
    quote = cites[k].quote
    new_quote = quote[:start] + fragment + quote[end:]
    revised = tuple(dataclasses.replace(c, quote=new_quote) if i == k else c for i, c in enumerate(cites))
    _still_stated(plan, item, revised)
    path, text = _source_of(policy, plan.figure.item, quote, rev)
    new_text = _revise_text(text, quote, new_quote, start, end, fragment, path)
    rev.cites[plan.figure.item] = revised
    rev.source_path, rev.source_text = path, new_text
    rev.quoted.add(plan.path)
    if cites[k].article not in rev.articles:
        rev.articles.append(cites[k].article)


# ---------------------------------------------------------------- the quote


def _written(q: A.Quantity) -> str:
    return f"{format_decimal(q.number)}{q.scale}{q.unit}"


def _amount(q: A.Quantity) -> Decimal:
    """The figure as a quote states it (a per-unit figure's amount: 30元 of 30元/平方米)."""
    return q.number * SCALES[q.scale] * UNITS[q.unit].factor


def _places(quote: str, old: A.Quantity, new: A.Quantity) -> list[tuple[int, int, str]]:
    """(start, end, new text) of each place in `quote` where the number of `old` stands whole and the
    new text changes that figure alone: the figure as given (8000万元) where the quote writes the whole
    figure there, else the number in the quote's scale and unit (1500 of 1500～3000万美元)."""
    before = quote_figures(quote)
    number = format_decimal(old.number)
    whole = re.compile(rf"(?<![\d.．０-９]){re.escape(number)}(?![\d０-９]|[.．][\d０-９])")
    out = []
    for m in whole.finditer(quote):
        for end, fragment in _variants(quote, m.end(), old, new):
            if _one_changed(before, quote_figures(quote[:m.start()] + fragment + quote[end:]), old, new):
                out.append((m.start(), end, fragment))
                break
    return out


def _variants(quote: str, after: int, old: A.Quantity, new: A.Quantity) -> list[tuple[int, str]]:
    """The texts that may replace the number ending at `after`: (end of what is replaced, new text).
    In the same scale and unit only the number changes (a space or line break the text has between
    1000 and 万美元 stays); else the whole figure where the quote writes it, then the number alone in
    the scale the quote gives it (shared: 1000～3000万美元)."""
    rest = f"{old.scale}{old.unit}"
    out = []
    same = (new.scale, new.unit) == (old.scale, old.unit)
    if rest and not same and quote.startswith(rest, after):  # the whole figure is written here: 5000万元
        out.append((after + len(rest), _written(new)))
    if new.unit == old.unit:
        scaled = _amount(new) / (SCALES[old.scale] * UNITS[old.unit].factor)
        out.append((after, format_decimal(scaled.normalize())))
    return out


def _one_changed(before: list[Figure], after: list[Figure], old: A.Quantity, new: A.Quantity) -> bool:
    """Whether exactly one figure of the quote changed, and from `old` to `new`."""
    if len(before) != len(after):
        return False
    changed = [(b, a) for b, a in zip(before, after, strict=True) if (b.value, b.dim) != (a.value, a.dim)]
    return len(changed) == 1 and _is(changed[0][0], old) and _is(changed[0][1], new)


def _is(figure: Figure, q: A.Quantity) -> bool:
    """The quote's figure is `q`: a bare number of the item (20, a count of winners) is the text's
    20个 as the checker reads it."""
    if q.dim == Dim.SCALAR and figure.dim in (Dim.COUNT, Dim.POINTS):
        return figure.value == _amount(q)
    return find_figure(_amount(q), q.dim, [figure], bare_counts=True)


def _still_stated(plan: Planned, item: Any, cites: tuple[A.Cite, ...]) -> None:
    """The item's other figures of the old value (not derived, not changed) must still be in its quotes."""
    old = plan.figure.node
    assert isinstance(old, A.Quantity)
    figures = [f for c in cites for f in quote_figures(c.quote)]
    changed = {id(n) for n in plan.figure.nodes}
    for node in walk(item):
        if isinstance(node, A.Quantity) and node.derived is None and id(node) not in changed \
                and node.dim == old.dim and _amount(node) == _amount(old) \
                and not find_figure(_amount(node), node.dim, figures):
            raise _NotRevisedError(f"its {_written(old)} is also the item's figure {node} that is not changed")
        if isinstance(node, A.RatioLit) and node.derived is None and \
                not any(ratio_in_quote(node.parts, c.quote) for c in cites):
            raise _NotRevisedError(f"its ratio {node} would no longer be stated")


# ---------------------------------------------------------------- the source text


def _source_of(policy: Policy, key: str, quote: str, rev: Revision) -> tuple[Path, str]:
    """The text the quote comes from (as revised so far): the item's file's own source, then the texts
    it revises.  One text per draft: a quote from another text than the one revised is not rewritten."""
    info = policy.origin.get(key)
    texts = ([(info.source_path, info.source_text)] if info and info.source_path and info.source_text else []) \
        + (list(info.base_sources) if info else [])
    for path, text in texts:
        current = rev.source_text if path == rev.source_path and rev.source_text is not None else text
        if find_quote(quote, fold(current))[0]:
            if rev.source_path is not None and path != rev.source_path:
                raise _NotRevisedError(f"it quotes {path.name}, and the draft revises {rev.source_path.name}")
            return path, current
    raise _NotRevisedError("its words are not in a source text the draft could revise")


def _revise_text(text: str, quote: str, new_quote: str, start: int, end: int, fragment: str, path: Path) -> str:
    """`text` with the characters of quote[start:end] replaced by `fragment` where the quote occurs.

    The quote is matched as the checker matches it (whitespace folded; pieces around …… in order): the
    piece holding the figure must occur once in the text, so the sentence revised is the one quoted."""
    at, length = len(fold(quote[:start])), len(fold(quote[start:end]))
    piece = next((m for m in re.finditer(r"[^…]+", fold(quote)) if m.start() <= at < m.end()), None)
    if piece is None:
        raise _NotRevisedError("the figure is in an elision")
    folded_text = fold(text)
    count = folded_text.count(piece.group())
    if count != 1:
        raise _NotRevisedError(f"its words occur {count} times in {path.name}")
    visible = [m.start() for m in re.finditer(r"\S", text)]  # folded position -> position in the text
    first = folded_text.index(piece.group()) + at - piece.start()
    lo, hi = visible[first], visible[first + length - 1] + 1
    revised = text[:lo] + fragment + text[hi:]
    if not find_quote(new_quote, fold(revised))[0]:
        raise _NotRevisedError(f"the revised sentence is not found in the revised {path.name}")
    return revised


__all__ = ["Planned", "Revision", "revise"]
