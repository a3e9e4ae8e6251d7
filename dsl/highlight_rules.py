"""The token rules of the policy language's highlighting, one table for two highlighters: the
Pygments lexer (dsl.highlight) and the TextMate grammar of the editors (dsl.textmate writes
editors/vscode/syntaxes/policy.tmLanguage.json from it).

A rule is a regular expression and the token of each of its groups (or of the whole match), by
its Pygments name; `SCOPES` gives the TextMate scope of each.  The expressions keep to what
Python's `re` and Oniguruma (TextMate's engine) both read: no `\\G`, no possessive quantifiers,
lookbehinds of fixed width.  The keyword lists follow grammar/policy.lark without importing Lark
(tests/test_highlight.py checks them against `dsl.lark_parser.keywords()`); the figure patterns
are the grammar's terminals (QUANTITY, RATIO, DATE).
"""

from __future__ import annotations

from dataclasses import dataclass

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
END = r"(?![A-Za-z0-9_])"  # a keyword ends where a name would: `values` is a name, not `value`
WS = r"[ \t\f\r\n\ufeff]+"  # the grammar's WS (a full-width space outside quotes is an error), and a BOM
_GAP = rf"({WS})"  # between a keyword and its id (a comment there leaves the id a plain name)


def words(keywords: tuple[str, ...]) -> str:
    """Any of `keywords` as a whole word (longest first, though END already makes the match unique)."""
    return "(?:" + "|".join(sorted(keywords, key=lambda w: (-len(w), w))) + ")" + END


@dataclass(frozen=True)
class Rule:
    """`pattern`, shown as `tokens`: one token for the whole match, or one per group in order."""

    pattern: str
    tokens: tuple[str, ...]


# Where a text opens (`"`), and where a keyword is followed by an article and the source's quotation
# (`cite "ARTICLE" "QUOTE"`, `unencoded "ARTICLE" "QUOTE" …`): each highlighter has its own way of
# following a text to its end (Pygments' states, TextMate's begin/end), both from these.
QUOTING_KEYWORDS = (Rule(rf"cite{END}", ("Keyword",)), Rule(rf"unencoded{END}", ("Keyword.Declaration",)))
TEXT_OPEN, TEXT_CLOSE = '"', '"'
TEXT_BODY = r'[^"\\\n]+'
ESCAPE = r"\\[^\n]"
LONE_BACKSLASH = r"\\"  # a backslash at the end of the line
TEXT, QUOTATION, ESCAPED = "String.Double", "String.Doc", "String.Escape"

# The word rules, in the order they are tried (after the quoting keywords, before names and figures).
WORD_RULES: tuple[Rule, ...] = (
    Rule(rf"(policy|extends){END}{_GAP}({NAME})", ("Keyword.Namespace", "Whitespace", "Name.Namespace")),
    Rule(words(NAMESPACE_KEYWORDS), ("Keyword.Namespace",)),
    # `type count 人`, `type choice {`: the type, and the unit of unit-less cells
    Rule(rf"(type){END}{_GAP}({NAME})(?:({WS})({UNIT}))?",
         ("Keyword", "Whitespace", "Keyword.Type", "Whitespace", "Keyword.Type")),
    Rule(rf"(choice){END}{_GAP}({NAME}){_GAP}({NAME})",
         ("Keyword.Declaration", "Whitespace", "Name.Function", "Whitespace", "Name.Function")),
    Rule(rf"(clause|split|param|mechanism|reading|field|category|choice|list|condition){END}{_GAP}({DOTTED})",
         ("Keyword.Declaration", "Whitespace", "Name.Function")),
    Rule(rf"(pick){END}{_GAP}(first){END}", ("Keyword", "Whitespace", "Keyword")),
    # `payer city, district`: a payer's name, as `district` is (elsewhere `city` opens the header's city)
    Rule(rf"(payer){_GAP}(city){END}", ("Keyword", "Whitespace", "Name")),
    Rule(rf"(,)({WS})?(city){END}", ("Punctuation", "Whitespace", "Name")),
    Rule(words(ITEM_KEYWORDS), ("Keyword.Declaration",)),
    Rule(rf"(concept|splits){END}{_GAP}({DOTTED})", ("Keyword", "Whitespace", "Name.Label")),
    Rule(rf"(option|default){END}{_GAP}({NAME})", ("Keyword", "Whitespace", "Name.Constant")),
    Rule(words(STATEMENT_KEYWORDS), ("Keyword",)),
    Rule(words(OPERATOR_WORDS), ("Operator.Word",)),
    Rule(words(CONSTANTS), ("Keyword.Constant",)),
    Rule(words(CURRENCY_CODES), ("Keyword.Type",)),
    Rule(words(FUNCTIONS), ("Name.Builtin",)),
    # a case of `by reading ID { OPTION: expr }`
    Rule(rf"({NAME})([ \t]*)(:)", ("Name.Constant", "Whitespace", "Punctuation")),
    Rule(DOTTED, ("Name",)),
)
SPACE_RULES = (Rule(WS, ("Whitespace",)), Rule(r"#[^\n]*", ("Comment.Single",)))
FIGURE_RULES = (Rule(DATE, ("Literal.Date",)), Rule(RATIO, ("Number",)), Rule(QUANTITY, ("Number",)))
SIGN_RULES = (
    Rule(r"->|>=|<=|==|!=|[<>≥≤=+\-*/~～]", ("Operator",)),
    Rule("∞", ("Keyword.Constant",)),
    Rule(r"[{}()\[\],:]", ("Punctuation",)),
)

# Each token's TextMate scope (the `.policy` suffix added by dsl.textmate); Whitespace has none.
SCOPES: dict[str, str] = {
    "Comment.Single": "comment.line.number-sign",
    "String.Double": "string.quoted.double",
    "String.Doc": "string.quoted.other.quotation",
    "String.Escape": "constant.character.escape",
    "Keyword": "keyword.other",
    "Keyword.Namespace": "keyword.other.namespace",
    "Keyword.Declaration": "storage.type.declaration",
    "Keyword.Type": "support.type",
    "Keyword.Constant": "constant.language",
    "Operator.Word": "keyword.operator.word",
    "Operator": "keyword.operator",
    "Punctuation": "punctuation.separator",
    "Name": "variable.other",
    "Name.Namespace": "entity.name.namespace",
    "Name.Function": "entity.name.function",
    "Name.Label": "entity.name.tag.concept",
    "Name.Constant": "variable.other.constant.option",
    "Name.Builtin": "support.function",
    "Number": "constant.numeric",
    "Literal.Date": "constant.numeric.date",
    "Error": "invalid.illegal",
}
