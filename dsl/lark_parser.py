"""The Lark parser for grammar/policy.lark (LALR, strict), built once, and its keyword list.

NAME tokens spelled like a keyword are collected by a lexer callback: the contextual lexer
lets them through where only a name can stand (`clause value {`), and dsl.parse reports
them, because keywords are reserved.

The LALR parser is iterative, so it builds a tree of any depth; the stages after it (the
transformer is iterative too, but the checker, formatter and compiler recurse) are kept within
Python's recursion limit by `too_deep`: an item nested deeper than MAX_DEPTH is refused.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree

from dsl.cache_folder import cache_disabled, usable_dir

GRAMMAR_PATH = Path(__file__).resolve().parent.parent / "grammar" / "policy.lark"

KEYWORD_NAMES: list[Token] = []
ALL_KEYWORDS: set[str] = set()

# How deep an expression may nest: each operator, comparison, call, `if`, range, `tiers` table and
# `by reading` block inside another is one level.  Parentheses make no node; a chain `a and b and c …`
# (or `or`) is one level however long (every stage walks it as a list); figures, names, statements,
# and a table's rows and cases are no level of their own (_FLAT).  The recursive stages (the checker,
# formatter, compiler, evaluator, explain) take at most 4 Python frames a level (measured: the checker's
# `not` and `and`, the formatter's tiers), so an expression of MAX_DEPTH levels needs about 400 frames
# of the default limit of 1000, leaving the rest to the caller (pytest, the CLI).  The limit is not
# raised.  Real policies nest fewer than 10 levels.
MAX_DEPTH = 100
_CHAINS = frozenset({"and_", "or_"})
_FLAT = frozenset({
    # items and statements: the frame an expression sits in
    "clause", "split", "param", "mechanism", "reading", "unencoded", "override", "remove", "item_kind",
    "concept_stmt", "beneficiary_stmt", "cite_stmt", "note_stmt", "when_stmt", "value_stmt", "splits_stmt",
    "shares_stmt", "share_beneficiary_stmt", "shares_ratio", "shares_list", "share", "target", "param_body",
    "attr", "option", "default", "because",
    "field_decl", "category_decl", "choice_decl", "list_decl", "condition_decl", "decl_body", "en_stmt",
    "type_stmt", "field_default_stmt", "value_list", "declared_value", "payer_stmt", "payers_names",
    "payers_ratio", "payers_list", "payers_one", "payer_share", "payer_name", "field_type",
    # atoms: nothing nests in them
    "dotted", "name", "func", "currency_code", "quantity", "derived_quantity", "ratio", "derived_ratio",
    "coded_money", "infinity", "boolean", "text", "promised", "open_edge", "close_edge",
    # the parts of a `tiers` table or a `by reading` block: the table is the level
    "tier_row", "reading_case", "scale_when", "scale_unless", "pick_row", "pick_otherwise", "pick_rule", "date",
})


def _on_name(tok: Token) -> Token:
    if tok.value in ALL_KEYWORDS:
        KEYWORD_NAMES.append(tok)
    return tok


def _build(**options: object) -> Lark:
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", strict=True, start=["start", "items"], maybe_placeholders=True,
                cache=_cache_file(bool(options.get("propagate_positions"))), **options)


def _cache_file(positions: bool) -> str | bool:
    """Where the built parser is kept between runs: in policylab's private cache folder (dsl.cache_folder),
    never in a shared temporary folder (Lark's own `cache=True`), where another user could plant the pickle
    it loads.  Lark checks the grammar's hash inside the file and rebuilds it when the grammar changed.
    Without caching (POLICYLAB_NO_CACHE) an existing folder is still used, but none is created."""
    folder = usable_dir(create=not cache_disabled())
    if folder is None:
        return False
    version = "{}{}".format(*sys.version_info[:2])
    return str(folder / f"lark-{'positioned' if positions else 'parser'}-py{version}.pickle")


@lru_cache(maxsize=1)
def parser() -> Lark:
    # No propagate_positions: it triples the parse time.  Spans are built from the tokens
    # by the transformer instead (_ToAst._span_c).
    return _build(propagate_positions=False, lexer_callbacks={"NAME": _on_name})


@lru_cache(maxsize=1)
def positioned_parser() -> Lark:
    """The same parser with positions on every node (its keyword included): only to point at the
    node of an item nested too deep, which has no token of its own to point at (`- - - 1分`)."""
    return _build(propagate_positions=True)


def height(tree: Tree) -> int:
    """The number of levels of nodes of a tree, breadth first (no recursion; an upper bound of the
    depth `too_deep` measures, which does not count the links of a chain)."""
    level, n = [tree], 0
    while level:
        n += 1
        level = [c for t in level for c in t.children if isinstance(c, Tree)]
    return n


def too_deep(item: Tree) -> list[int] | None:
    """Where an item nests an expression deeper than MAX_DEPTH: the path (child indices from `item`)
    to the first node, in source order, past the limit; None if it is within it.  Iterative: any depth."""
    stack: list[list[Any]] = [[item, 0, 0]]  # node, next child, its depth
    while stack:
        frame = stack[-1]
        node, i, depth = frame
        if i == len(node.children):
            stack.pop()
            continue
        frame[1] = i + 1
        child = node.children[i]
        if not isinstance(child, Tree):
            continue
        link = i == 0 and child.data == node.data and child.data in _CHAINS  # `a and b` in `a and b and c`
        d = depth if link or child.data in _FLAT else depth + 1
        if d > MAX_DEPTH:
            return [f[1] - 1 for f in stack]
        stack.append([child, 0, d])
    return None


def keywords() -> set[str]:
    words = set()
    for t in parser().terminals:
        pat = t.pattern
        if pat.type == "str" and re.fullmatch(r"[A-Za-z_]+", pat.value):
            words.add(pat.value)
    return words


def load_keywords() -> None:
    if not ALL_KEYWORDS:
        ALL_KEYWORDS.update(keywords())
