"""The Lark parser for grammar/policy.lark (LALR, strict), built once, and its keyword list.

NAME tokens spelled like a keyword are collected by a lexer callback: the contextual lexer
lets them through where only a name can stand (`clause value {`), and dsl.parse reports
them, because keywords are reserved.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token

GRAMMAR_PATH = Path(__file__).resolve().parent.parent / "grammar" / "policy.lark"

KEYWORD_NAMES: list[Token] = []
ALL_KEYWORDS: set[str] = set()


def _on_name(tok: Token) -> Token:
    if tok.value in ALL_KEYWORDS:
        KEYWORD_NAMES.append(tok)
    return tok


@lru_cache(maxsize=1)
def parser() -> Lark:
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    # No propagate_positions: it triples the parse time.  Spans are built from the tokens
    # by the transformer instead (_ToAst._span_c).
    return Lark(grammar, parser="lalr", strict=True, propagate_positions=False,
                start=["start", "items"], maybe_placeholders=True, cache=True,
                lexer_callbacks={"NAME": _on_name})




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
