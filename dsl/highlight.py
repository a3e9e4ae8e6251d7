"""A Pygments lexer for policy files, registered as the plugin `policy` (pyproject's
`pygments.lexers` entry point): once policylab is installed, any Pygments-based tool highlights
`*.policy` files (`pygmentize -l policy FILE`, Sphinx, MkDocs' highlighting, rich).

It follows grammar/policy.lark without importing Lark: the keyword lists are written out here
(tests/test_highlight.py checks them against `dsl.lark_parser.keywords()`), and the figure
patterns are the grammar's terminals (QUANTITY, RATIO, DATE).  Highlighting is lexical only:
what the parser or the checker would refuse (a keyword used as a name, an unknown unit) is
shown as it lexes, and a text left open ends with its line; only a character no policy may hold
outside quotes (Chinese, `;`, `@`) is an `Error` token.

Token types:

- `#` comments: Comment.Single; texts: String.Double with String.Escape for `\\"` `\\\\` …;
  the quotation of the source after `cite "ARTICLE"` (and after `unencoded "ARTICLE"`): String.Doc
- `policy`, `extends`: Keyword.Namespace, and the policy ids after them: Name.Namespace
- the item keywords (`clause` `split` `param` `mechanism` `reading` `unencoded` `override`
  `remove`): Keyword.Declaration; the id after an item keyword (also in `remove clause ID` and
  `by reading ID`): Name.Function
- header and statement keywords, and the structural words of expressions (`if` `then` `else`
  `tiers` `scaled` `unless` `by` `up to` `at most` …): Keyword
- `and` `or` `not` `in` `of` `cap` `floor`: Operator.Word
- `true` `false` `inf` `∞`: Keyword.Constant; `USD` `CNY`: Keyword.Type;
  `max` `min` `sum` `first` `cny` `usd`: Name.Builtin
- the option names of a reading (after `option`, `default`, and before `:` in `by reading`):
  Name.Constant; concept keys (after `concept`, `splits`): Name.Label; other names: Name
- figures, each one token as in the grammar: a quantity with its scale and unit (`500万美元`,
  `3000 万美元`, `5‰`, `10分`): Number; a ratio (`3:7`, `1.5:1`): Number; a date
  (`2023-09-28`): Literal.Date
- `->`, comparisons, `=`, `+ - * /`, `~` `～`: Operator; brackets (tier edges `[` `(` `]` `)`),
  `{ }`, `,`, `:`: Punctuation
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, default, include, words
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

__all__ = ["PolicyLexer", "KEYWORD_GROUPS"]

# Every keyword of grammar/policy.lark, once, by how it is shown.
NAMESPACE_KEYWORDS = ("policy", "extends")
ITEM_KEYWORDS = ("clause", "split", "param", "mechanism", "reading", "unencoded", "override", "remove")
STATEMENT_KEYWORDS = (
    # header
    "city", "title", "docno", "issuer", "issued", "effective", "status", "source", "note",
    # statements of items
    "concept", "beneficiary", "cite", "when", "value", "splits", "shares", "option", "default", "because",
    "committed", "stretch",
    # expressions: conditionals, tier tables, readings, discretion
    "if", "then", "else", "tiers", "scaled", "unless", "by",
    "up", "to", "at", "most", "least", "more", "than", "about", "promised", "derived",
)
OPERATOR_WORDS = ("and", "or", "not", "in", "of", "cap", "floor")
CONSTANTS = ("true", "false", "inf")
CURRENCY_CODES = ("USD", "CNY")
FUNCTIONS = ("max", "min", "sum", "first", "cny", "usd")

KEYWORD_GROUPS: dict[str, tuple[str, ...]] = {
    "namespace": NAMESPACE_KEYWORDS, "item": ITEM_KEYWORDS, "statement": STATEMENT_KEYWORDS,
    "operator": OPERATOR_WORDS, "constant": CONSTANTS, "currency": CURRENCY_CODES, "function": FUNCTIONS,
}

# The grammar's terminals (grammar/policy.lark); units as in dsl/units.py UNITS.
_SCALES = "万亿|万|亿|千"
_UNITS = "%|‰|分|亩|个月|月|周|年|天|日|人|名|个|次|项|家|条|位|场|万|亿"
QUANTITY = rf"\d+(?:\.\d+)?(?:[ \t]*(?:{_SCALES})?(?:美元|元)|[ \t]*(?:{_UNITS}))?"
RATIO = r"\d+(?:\.\d+)?(?::\d+(?:\.\d+)?)+"
DATE = r"\d{4}-\d{2}-\d{2}"
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
DOTTED = rf"{NAME}(?:\.{NAME})*"
_END = r"(?![A-Za-z0-9_])"  # a keyword ends where a name would: `values` is a name, not `value`
_WS = r"[ \t\f\r\n\ufeff]+"  # the grammar's WS (a full-width space outside quotes is an error), and a BOM
_GAP = rf"({_WS})"  # between a keyword and its id (a comment there leaves the id a plain name)


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
            (rf"cite{_END}", Keyword, "article"),
            (rf"unencoded{_END}", Keyword.Declaration, "article"),
            (rf"(policy|extends){_END}{_GAP}({NAME})", bygroups(Keyword.Namespace, Whitespace, Name.Namespace)),
            (words(NAMESPACE_KEYWORDS, suffix=_END), Keyword.Namespace),
            (rf"(clause|split|param|mechanism|reading){_END}{_GAP}({DOTTED})",
             bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (words(ITEM_KEYWORDS, suffix=_END), Keyword.Declaration),
            (rf"(concept|splits){_END}{_GAP}({DOTTED})", bygroups(Keyword, Whitespace, Name.Label)),
            (rf"(option|default){_END}{_GAP}({NAME})", bygroups(Keyword, Whitespace, Name.Constant)),
            (words(STATEMENT_KEYWORDS, suffix=_END), Keyword),
            (words(OPERATOR_WORDS, suffix=_END), Operator.Word),
            (words(CONSTANTS, suffix=_END), Keyword.Constant),
            (words(CURRENCY_CODES, suffix=_END), Keyword.Type),
            (words(FUNCTIONS, suffix=_END), Name.Builtin),
            # a case of `by reading ID { OPTION: expr }`
            (rf"({NAME})([ \t]*)(:)", bygroups(Name.Constant, Whitespace, Punctuation)),
            (DOTTED, Name),
            include("figures"),
            (r"->|>=|<=|==|!=|[<>≥≤=+\-*/~～]", Operator),
            ("∞", Keyword.Constant),
            (r"[{}()\[\],:]", Punctuation),
            (r'"', String.Double, "string"),
        ],
        "space": [
            (_WS, Whitespace),
            (r"#[^\n]*", Comment.Single),
        ],
        "figures": [
            (DATE, Literal.Date),
            (RATIO, Number),
            (QUANTITY, Number),
        ],
        "string": [
            (r'"', String.Double, "#pop"),
            (r'\\[^\n]', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r"\\", String.Escape),  # a backslash at the end of the line
            default("#pop"),  # a text closes on its own line (E103): the next line lexes afresh
        ],
        "article": [
            include("space"),
            (r'"', String.Double, ("#pop", "quote", "string")),
            default("#pop"),
        ],
        "quote": [
            include("space"),
            (r'"', String.Doc, ("#pop", "doc")),
            default("#pop"),
        ],
        "doc": [
            (r'"', String.Doc, "#pop"),
            (r'\\[^\n]', String.Escape),
            (r'[^"\\\n]+', String.Doc),
            (r"\\", String.Escape),
            default("#pop"),
        ],
    }
