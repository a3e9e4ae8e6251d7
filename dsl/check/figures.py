"""Figures against quotes: every figure an item states must occur in one of its own quotes.

Compared as quantities (dsl.figures): 1亿美元 = 10000万美元, 30% = 百分之三十, 2、5、10 listed in
one sentence.  A figure the text implies but does not state (a halved threshold, "full" as
100%, a reading's alternative) is written `100% derived "why"` and is not looked for; a
revision that changes a figure cites its own draft text (its `source`), so the proposal is
checked against the proposal.
"""

from __future__ import annotations

from dsl import ast as A
from dsl.check.base import CheckerBase
from dsl.figures import Figure, find_figure, nearest_figure, quote_figures, ratio_in_quote
from dsl.units import SCALES, UNITS, format_decimal
from dsl.walk import walk

# How a text names what an amount is paid per: 每平方米, 每名 (博士), 每人.
PER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "平方米": ("平方米", "㎡", "平米"), "㎡": ("平方米", "㎡", "平米"), "人": ("人", "名"), "名": ("名", "人"),
}


class FigureChecks(CheckerBase):
    def check_figures(self, what: str, cites: tuple[A.Cite, ...], exprs: list[A.Expr | None]) -> None:
        if not cites:
            return  # E502 already says the item cites nothing
        quotes = [c.quote for c in cites]
        figures: list[Figure] | None = None
        for e in exprs:
            for node in walk(e):
                if isinstance(node, (A.Quantity, A.RatioLit)) and node.derived is not None:
                    if not node.derived.strip():
                        self.err("E503", f"{what}: `{node}` is marked derived but says not why", node.span,
                                 f'give the reason: {node} derived "两区一园外减半"')
                    continue
                if isinstance(node, A.RatioLit):
                    if not any(ratio_in_quote(node.parts, q) for q in quotes):
                        self.err("E503", f"{what}: the ratio {node} does not occur in its quotes", node.span,
                                 f'quote the sentence that gives it, or write {node} derived "why"')
                elif isinstance(node, A.Quantity):
                    if figures is None:
                        figures = [f for q in quotes for f in quote_figures(q)]
                    if node.per is not None:
                        self._per_unit_figure(what, node, quotes, figures)
                    elif not find_figure(node.base_value, node.dim, figures):
                        near = nearest_figure(node.base_value, node.dim, figures)
                        said = f"the quotes give {near.text}" if near else "the quotes give no figure"
                        self.err("E503", f"{what}: `{node}` does not occur in its quotes", node.span,
                                 f'{said}; quote the sentence with {node}, or write {node} derived "why"')

    def _per_unit_figure(self, what: str, node: A.Quantity, quotes: list[str], figures: list[Figure]) -> None:
        """`30元/平方米` matches “每平方米30元”, “30元/平方米”: the amount as a figure, and the unit it is
        paid per named in the quote."""
        amount = node.number * SCALES[node.scale] * UNITS[node.unit].factor
        per_words = PER_SPELLINGS.get(node.per or "", (node.per or "",))
        if not find_figure(amount, node.dim, figures):
            near = nearest_figure(amount, node.dim, figures)
            said = f"the quotes give {near.text}" if near else "the quotes give no figure"
            self.err("E503", f"{what}: `{node}` does not occur in its quotes", node.span,
                     f'{said}; quote the sentence with 每{node.per}{format_decimal(node.number)}{node.scale}{node.unit}, '
                     f'or write {node} derived "why"')
        elif not any(w in q for q in quotes for w in per_words):
            self.err("E503", f"{what}: `{node}` is paid per {node.per}, but its quotes do not say per what",
                     node.span, f"quote the sentence that says 每{node.per} (or /{node.per}), or write {node} derived \"why\"")

    def check_split_figures(self, s: A.Split) -> None:
        """A ratio split (`= 3:7`) is checked as one ratio; percentage shares each as a figure."""
        what = f"split `{s.id}`"
        if s.ratio_form and s.shares:
            parts = tuple(sh.weight.number for sh in s.shares if isinstance(sh.weight, A.Quantity))
            if s.cites and not any(ratio_in_quote(parts, c.quote) for c in s.cites):
                ratio = ":".join(str(p) for p in parts)
                self.err("E503", f"{what}: the ratio {ratio} does not occur in its quotes",
                         s.shares_span if s.shares_span.line else s.span, "quote the sentence that gives the split")
            self.check_figures(what, s.cites, [s.when])
        else:
            self.check_figures(what, s.cites, [s.when, *[sh.weight for sh in s.shares]])
