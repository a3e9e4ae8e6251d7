"""A Pygments lexer for policy files, registered as the plugin `policy` (pyproject's
`pygments.lexers` entry point): once policylab is installed, any Pygments-based tool highlights
`*.policy` files (`pygmentize -l policy FILE`, Sphinx, MkDocs' highlighting, rich).

Its token rules are dsl.highlight_rules' table, which the editors' TextMate grammar is generated
from too (dsl.textmate), so both show a policy alike; it follows grammar/policy.lark without
importing Lark.  Highlighting is lexical only:
what the parser or the checker would refuse (a keyword used as a name, an unknown unit) is
shown as it lexes, and a text left open ends with its line; only a character no policy may hold
outside quotes (Chinese, `;`, `@`) is an `Error` token.

Token types:

- `#` comments: Comment.Single; texts: String.Double with String.Escape for `\\"` `\\\\` …;
  the quotation of the source after `cite "ARTICLE"` (and after `unencoded "ARTICLE"`): String.Doc
- `policy`, `extends`: Keyword.Namespace, and the policy ids after them: Name.Namespace
- the item keywords (`clause` `split` `param` `mechanism` `reading` `unencoded` `override`
  `remove`, and the declarations `field` `category` `choice` `list` `condition`):
  Keyword.Declaration; the id after an item keyword (also in `remove clause ID`, `by reading ID`,
  and both names of `choice FIELD VALUE`): Name.Function
- header and statement keywords, and the structural words of expressions (`if` `then` `else`
  `tiers` `scaled` `unless` `by` `up to` `at most` `pick highest` `otherwise` …): Keyword;
  `first` after `pick` is a Keyword too (elsewhere the function)
- `city` among payers (`payer city, district`): Name, as the other payers' names
- a field's type and the unit after it (`type count 人`, `type area 平方米`): Keyword.Type
- `and` `or` `not` `in` `of` `cap` `floor`: Operator.Word
- `true` `false` `inf` `∞`: Keyword.Constant; `USD` `CNY`: Keyword.Type;
  `max` `min` `sum` `first` `cny` `usd`: Name.Builtin
- the option names of a reading (after `option`, `default`, and before `:` in `by reading`):
  Name.Constant; concept keys (after `concept`, `splits`): Name.Label; other names: Name
- figures, each one token as in the grammar: a quantity with its scale and unit (`500万美元`,
  `3000 万美元`, `5‰`, `10分`, `30平方米`), a per-unit amount (`30元/平方米`, `2000元/人`): Number;
  a ratio (`3:7`, `1.5:1`): Number; a date (`2023-09-28`): Literal.Date
- `->`, comparisons, `=`, `+ - * /`, `~` `～`: Operator; brackets (tier edges `[` `(` `]` `)`),
  `{ }`, `,`, `:`: Punctuation
"""

from __future__ import annotations

from typing import Any

import pygments.token
from pygments.lexer import RegexLexer, bygroups, default, include
from pygments.token import String

from dsl.highlight_rules import (
    ESCAPE,
    FIGURE_RULES,
    KEYWORD_GROUPS,
    LONE_BACKSLASH,
    QUOTATION,
    QUOTING_KEYWORDS,
    SIGN_RULES,
    SPACE_RULES,
    TEXT,
    TEXT_BODY,
    TEXT_CLOSE,
    TEXT_OPEN,
    WORD_RULES,
    Rule,
)

__all__ = ["PolicyLexer", "KEYWORD_GROUPS", "pygments_token"]


def pygments_token(name: str) -> Any:
    """The Pygments token of a name in the table (`Whitespace` is Pygments' `Text.Whitespace`)."""
    first, *rest = name.split(".")
    token = getattr(pygments.token, first)
    for part in rest:
        token = getattr(token, part)
    return token


def _pygments(rule: Rule, *state: str) -> tuple[Any, ...]:
    """A Pygments rule from the table's: its token, or its tokens by group, then the state to enter."""
    kinds = [pygments_token(name) for name in rule.tokens]
    action = kinds[0] if len(kinds) == 1 else bygroups(*kinds)
    return (rule.pattern, action, *state)


def _text(token: Any) -> list[Any]:
    """The inside of a text up to its closing quote; a text closes on its own line (E103)."""
    return [
        (TEXT_CLOSE, token, "#pop"),
        (ESCAPE, String.Escape),
        (TEXT_BODY, token),
        (LONE_BACKSLASH, String.Escape),
        default("#pop"),  # the next line lexes afresh
    ]


class PolicyLexer(RegexLexer):
    """Lexer for policylab policy files (grammar/policy.lark)."""

    name = "Policy"
    aliases = ["policy", "policylab"]
    filenames = ["*.policy"]
    mimetypes = ["text/x-policylab"]

    tokens = {
        "root": [
            include("space"),
            # `cite "ARTICLE" "QUOTE"` and `unencoded "ARTICLE" "QUOTE" …`: the quote is the source's
            *(_pygments(rule, "article") for rule in QUOTING_KEYWORDS),
            *(_pygments(rule) for rule in WORD_RULES),
            include("figures"),
            *(_pygments(rule) for rule in SIGN_RULES),
            (TEXT_OPEN, pygments_token(TEXT), "string"),
        ],
        "space": [_pygments(rule) for rule in SPACE_RULES],
        "figures": [_pygments(rule) for rule in FIGURE_RULES],
        "string": _text(pygments_token(TEXT)),
        "article": [
            include("space"),
            (TEXT_OPEN, pygments_token(TEXT), ("#pop", "quote", "string")),
            default("#pop"),
        ],
        "quote": [
            include("space"),
            (TEXT_OPEN, pygments_token(QUOTATION), ("#pop", "doc")),
            default("#pop"),
        ],
        "doc": _text(pygments_token(QUOTATION)),
    }


