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
ITEM_KEYWORDS = ("clause", "split", "param", "mechanism", "reading", "unencoded", "override", "remove",
                 "field", "category", "choice", "list", "condition")
STATEMENT_KEYWORDS = (
    # header
    "city", "title", "docno", "issuer", "issued", "effective", "status", "source", "partial", "note",
    "expires", "valid", "trial", "replaces", "revises",
    # statements of items
    "concept", "beneficiary", "cite", "when", "value", "splits", "shares", "option", "default", "because",
    "committed", "stretch", "payer", "type", "en",
    # expressions: conditionals, tier tables, readings, discretion
    "if", "then", "else", "tiers", "scaled", "unless", "by",
    "up", "to", "at", "most", "least", "more", "than", "about", "promised", "derived",
    # pick tables
    "pick", "highest", "lowest", "specific", "otherwise",
    # over the years and across a year's projects
    "schedule", "installments", "once", "clawback", "within", "budget", "winners",
)
OPERATOR_WORDS = ("and", "or", "not", "in", "of", "cap", "floor")
CONSTANTS = ("true", "false", "inf")
CURRENCY_CODES = ("USD", "CNY")
FUNCTIONS = ("max", "min", "sum", "first", "cny", "usd", "cumulative")

KEYWORD_GROUPS: dict[str, tuple[str, ...]] = {
    "namespace": NAMESPACE_KEYWORDS, "item": ITEM_KEYWORDS, "statement": STATEMENT_KEYWORDS,
    "operator": OPERATOR_WORDS, "constant": CONSTANTS, "currency": CURRENCY_CODES, "function": FUNCTIONS,
}

# The grammar's terminals (grammar/policy.lark); units as in dsl/units.py UNITS.
_SCALES = "万亿|万|亿|千"
_PER = "平方米|㎡|公顷|亩|人|名|个|次|项|家|条|位|场"  # what an amount may be paid per: area and counts
_UNITS = f"%|‰|分|个月|月|周|年|天|日|{_PER}|万|亿"  # 个月 before 个: the first alternative that matches wins
_CURRENCY = f"(?:{_SCALES})?(?:美元|元)"
QUANTITY = rf"\d+(?:\.\d+)?(?:[ \t]*{_CURRENCY}(?:/(?:{_PER}))?|[ \t]*(?:{_UNITS}))?"
UNIT = f"{_CURRENCY}|{_UNITS}"  # a unit on its own, after a field's type
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
            # `type count 人`, `type choice {`: the type, and the unit of unit-less cells
            (rf"(type){_END}{_GAP}({NAME})(?:({_WS})({UNIT}))?", bygroups(Keyword, Whitespace, Keyword.Type,
                                                                         Whitespace, Keyword.Type)),
            (rf"(choice){_END}{_GAP}({NAME}){_GAP}({NAME})",
             bygroups(Keyword.Declaration, Whitespace, Name.Function, Whitespace, Name.Function)),
            (rf"(clause|split|param|mechanism|reading|field|category|choice|list|condition){_END}{_GAP}({DOTTED})",
             bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (rf"(pick){_END}{_GAP}(first){_END}", bygroups(Keyword, Whitespace, Keyword)),
            # `payer city, district`: a payer's name, as `district` is (elsewhere `city` opens the header's city)
            (rf"(payer){_GAP}(city){_END}", bygroups(Keyword, Whitespace, Name)),
            (rf"(,)({_WS})?(city){_END}", bygroups(Punctuation, Whitespace, Name)),
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
