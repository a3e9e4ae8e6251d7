"""Syntax errors in the policy's own words: what was expected, common mistakes recognised
by the parser state they leave (Lark's match_examples), units and dates named as such."""

from __future__ import annotations

import re
from functools import lru_cache

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from dsl import ast as A
from dsl.diagnostics import Diagnostic
from dsl.lark_parser import MAX_DEPTH, parser

# Terminals named by what they hold; keywords and punctuation are shown as written.
TOKEN_NAMES: dict[str, str] = {
    "NAME": "a name", "STRING": 'a quoted text "…"', "QUANTITY": "a figure (500万美元, 30%)",
    "RATIO": "a ratio (3:7)", "DATE": "a date (2020-07-06)", "COMP_OP": "a comparison (>=, ==, …)",
    "RANGE_SEP": "`~`", "$END": "the end of the file",
}
# Shown first: the closing brace is the token most often missing.
_FIRST = ("`}`", "`)`", "`]`")


def _terminal_text(name: str) -> str:
    if name in TOKEN_NAMES:
        return TOKEN_NAMES[name]
    try:
        pattern = parser().get_terminal(name).pattern
    except KeyError:
        return f"`{name.lower()}`"
    return f"`{pattern.value}`" if pattern.type == "str" else f"`{name.lower()}`"


def _describe_expected(expected: set[str]) -> str:
    if {"QUANTITY", "NAME", "LPAR"} <= expected:  # anywhere an expression may start
        closers = [n for n in _FIRST if n in {_terminal_text(t) for t in expected}]
        return ", ".join([*closers, "a value: a figure (500万美元, 30%), a name, `(`, `up to`, `tiers`, `max(`, …"])
    texts = {_terminal_text(t) for t in expected}
    named = sorted(t for t in texts if not t.startswith("`"))
    rest = sorted(t for t in texts if t.startswith("`") and t not in _FIRST)
    names = [n for n in _FIRST if n in texts] + named + rest
    if len(names) > 10:
        return ", ".join(names[:10]) + ", …"
    return ", ".join(names)


def _token_text(tok: Token) -> str:
    if tok.type == "$END":
        return "the end of the file"
    text = str(tok)
    if len(text) > 30:
        text = text[:27] + "…"
    return f"`{text}`"


# Common mistakes, recognised by the parser state they leave it in (Lark match_examples).
_EXAMPLES: dict[str, list[str]] = {
    "compare with `==`, not `=`": [
        'policy p { } clause c { when referral = intermediary }',
        'policy p { } clause c { when foreign = true }',
    ],
    "a tier row is `[low, high) -> value`; the `->` is missing": [
        'policy p { } clause c { value tiers x { [1分, 2分) 3分 } }',
    ],
    "`cite` takes the article and then the quote: cite \"第5条\" \"…\"": [
        'policy p { } clause c { cite "第5条" when x }',
        'policy p { } clause c { cite "第5条" }',
        'policy p { } clause c { cite when }',
    ],
    "a block is not closed: a `}` is missing": [
        'policy p { } clause c { value 1分 ',
        'policy p { } clause c { value 1分 clause d { }',
        'policy p { city x ',
    ],
    "tier edges are two figures separated by a comma: [500万美元, 1000万美元)": [
        'policy p { } clause c { value tiers x { [1分 2分) -> 3分 } }',
        'policy p { } clause c { value tiers x { [1分, 2分 -> 3分 } }',
    ],
    "a file starts with its header: policy ID { city … }": [
        'clause c { }',
        'param x = 1',
    ],
}


_HEADER_EXAMPLE = "policy p { } "


@lru_cache(maxsize=2)
def _example_errors(start: str) -> tuple[tuple[str, UnexpectedInput], ...]:
    """Each example's error, parsed once per start rule (not once per syntax error of a file)."""
    examples = _EXAMPLES
    if start == "items":  # after a resynchronisation the parser runs the `items` rule
        examples = {label: [x[len(_HEADER_EXAMPLE):] for x in xs if x.startswith(_HEADER_EXAMPLE)]
                    for label, xs in _EXAMPLES.items()}
    out = []
    for label, xs in examples.items():
        for x in xs:
            try:
                parser().parse(x, start=start)
            except UnexpectedInput as ut:
                out.append((label, ut))
    return tuple(out)


_ACCEPTS: dict[tuple[int, ...], frozenset[str]] = {}


def _remember_accepts(e: UnexpectedInput) -> None:
    """Give `e` the terminals its parser state accepts, found once per state stack: Lark finds them by
    feeding every terminal to a copy of the parser, for each error anew.  The answer depends on the
    stack of LALR states alone (it runs without callbacks), so one syntax error repeated a thousand
    times is worked out once."""
    if not isinstance(e, UnexpectedToken):
        return
    try:
        key = tuple(e.interactive_parser.parser_state.state_stack)
    except AttributeError:  # another Lark: let it compute
        return
    found = _ACCEPTS.get(key)
    if found is None:
        if len(_ACCEPTS) > 4096:
            _ACCEPTS.clear()
        found = _ACCEPTS[key] = frozenset(e.accepts or ())
    e._accepts = set(found)  # what the `accepts` property returns


def _classify(e: UnexpectedInput, start: str) -> str | None:
    """The label of the example that fails in the same parser state, if any: Lark's match_examples
    (use_accepts=True), against errors parsed once."""
    if getattr(e, "state", None) is None:
        return None
    candidate = None
    for label, ut in _example_errors(start):
        if ut.state != e.state:
            continue
        if isinstance(e, UnexpectedToken) and isinstance(ut, UnexpectedToken) and ut.accepts != e.accepts:
            continue
        if isinstance(e, (UnexpectedToken, UnexpectedEOF)) and isinstance(ut, (UnexpectedToken, UnexpectedEOF)) \
                and ut.token == e.token:
            return label
        candidate = candidate or label
    return candidate


# What each header keyword takes: the hint when the value after it is wrong (E101, or E100 for Chinese
# outside quotes), so the message teaches the form instead of listing token kinds.
HEADER_FORMS: dict[str, str] = {
    "city": 'a city is an ASCII id, then its name in quotes: city zhangjiagang "张家港"',
    "title": 'a title is a quoted text: title "关于进一步完善招商引资工作机制的实施办法"',
    "docno": 'a document number is a quoted text: docno "太政发〔2020〕43号"',
    "issuer": 'an issuer is a quoted text: issuer "太仓市人民政府"',
    "issued": 'issued takes a date, YYYY-MM-DD: issued 2020-07-06 (or a quoted text: issued "2020年7月")',
    "effective": 'effective takes a date, YYYY-MM-DD: effective 2017-01-01 (or a quoted text: effective "自发布之日起施行")',
    "status": "a status is one unquoted word: status in_force (or draft, superseded)",
    "source": 'the source is the path of the text in quotes, relative to the policy: source "sources/zhangjiagang_2017.txt"',
    "note": 'a note is a quoted text: note "原文无标题"',
}
_GAP = r"(?:\s|#[^\n]*)*"  # blanks and comments between a keyword and its value
_AFTER_HEADER_WORD = re.compile(rf"(?<![\w.])(?:({'|'.join(HEADER_FORMS)}){_GAP}|(city)[ \t]+[A-Za-z_]\w*[ \t]*)$")


def header_form(text: str, pos: int) -> str | None:
    """The expected form, if the token at `pos` is the value of a header keyword (`city`, `title`, …;
    also the name after `city zhangjiagang`).  The keyword must start its statement: not in a comment
    or a quoted text."""
    start = max(0, pos - 2000)
    m = _AFTER_HEADER_WORD.search(text, start, pos)
    if m is None:
        return None
    line_start = text.rfind("\n", 0, m.start()) + 1
    if "#" in text[line_start:m.start()] or text[line_start:m.start()].count('"') % 2:
        return None
    return HEADER_FORMS[m.group(1) or m.group(2)]


_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\b")
_STATEMENT_WORDS = {"concept", "beneficiary", "cite", "when", "value", "note", "splits", "shares", "option",
                    "default", "because"}


# A figure just before the unexpected text: `300万元` before `人民币`, `30元` before `每平方米`, `5万元/名`.
_FIGURE_BEFORE = re.compile(r"\d[\d.]*[ \t]*(?:万亿|万|亿|千)?([^\x00-\x7f\s]*(?:/[^\x00-\x7f\s]*)?)$")
_RUN = re.compile(r"[^\x00-\x7f\s]+")


def _accepted_units() -> str:
    from dsl.units import UNITS

    counts = " ".join(u for u, x in UNITS.items() if x.dim.value == "count")
    others = " ".join(u for u, x in UNITS.items() if u and x.dim.value != "count")
    return f"units are {others} (money with 千 万 亿: 300万元), counts {counts}"


def unknown_unit(path: str, text: str, pos: int, line: int, col: int) -> Diagnostic | None:
    """E106 where a figure runs on into words that are no unit: `300万元人民币`, `30元每平方米`."""
    prefix = text[text.rfind("\n", 0, pos) + 1: pos]
    m = _FIGURE_BEFORE.search(prefix)
    run = _RUN.match(text, pos)
    if m is None or run is None:
        return None
    unit = m.group(1) + run.group(0)
    start = col - len(m.group(1))
    if "人民币" in unit:
        hint = "人民币 is written 元: 300万元 (and 美元 for US dollars)"
    elif "每" in unit:
        hint = "a per-unit amount is written AMOUNT/UNIT: 每平方米30元 is 30元/平方米, 每人2000元 is 2000元/人"
    elif "/" in unit:
        hint = "a per-unit amount is paid per a unit: 5万元/人 (declare the field counted: type count 人)"
    else:
        hint = "a per-unit amount is written 30元/平方米, 2000元/人"
    accepted = _accepted_units()
    return Diagnostic("E106", f"unknown unit `{unit}`", A.Span(path, line, start, line, start + len(unit)),
                      f"{hint}; {accepted}")


def after_closing_quote(path: str, text: str, pos: int, line: int, col: int) -> Diagnostic | None:
    """A `"` inside a quoted text closes it: `"他说"好的"就行"` stops after 他说.  Teach the escape."""
    line_end = text.find("\n", pos)
    rest = text[pos: len(text) if line_end < 0 else line_end]
    if pos == 0 or text[pos - 1] != '"' or '"' not in rest:
        return None
    return Diagnostic("E101", "this `\"` ends the quoted text, and the text goes on after it",
                      A.Span(path, line, col - 1, line, col),
                      'write a quote mark inside a quoted text as \\": "他说\\"好的\\"" (or keep the text\'s own “…”)')


def syntax_diag(e: UnexpectedInput, path: str, text: str, start: str) -> Diagnostic:  # noqa: C901
    """The diagnostic of a Lark error; its cost does not grow with the text (no split of it)."""
    _remember_accepts(e)
    if isinstance(e, UnexpectedCharacters) and (e.pos_in_stream or 0) < len(text):
        pos = e.pos_in_stream or 0
        found = after_closing_quote(path, text, pos, e.line, e.column) \
            or (unknown_unit(path, text, pos, e.line, e.column) if not text[pos].isascii() else None)
        if found is not None:
            return found
    if isinstance(e, UnexpectedToken) and e.token.start_pos is not None and e.token.type != "$END":
        tok = e.token
        found = after_closing_quote(path, text, tok.start_pos, tok.line or 1, tok.column or 1) \
            or (unknown_unit(path, text, tok.start_pos, tok.line or 1, tok.column or 1)
                if str(tok) and not str(tok)[0].isascii() else None)
        if found is not None:
            return found
    if isinstance(e, UnexpectedCharacters):
        line, col = e.line, e.column
        pos = e.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        span = A.Span(path, line, col, line, col + 1)
        if ch == '"':
            return Diagnostic("E103", "unterminated string: a quote must close on the same line", span,
                              'close it with `"`; write a literal quote mark inside as \\"')
        prev = text[text.rfind("\n", 0, pos) + 1: pos]  # the line before the character (Lark counts \n only)
        if re.search(r"\d[ \t]*(万亿|万|亿|千)?$", prev) and ch and not ch.isascii():
            m = re.match(r"[^\s\d\[\](){},~～:=<>+*/\-]+", text[pos:])
            unit = m.group(0) if m else ch
            return Diagnostic("E106", f"unknown unit `{unit}`", A.Span(path, line, col, line, col + len(unit)),
                              "units are 美元 元 (with 万 亿), % ‰ 分 亩 个月 月 周 年 天 日 and counts 人 名 个 次 项 家")
        if ch and not ch.isascii():
            return Diagnostic("E100", f"unexpected character `{ch}` outside a quoted text", span,
                              header_form(text, pos) or
                              'names are ASCII (registered_capital); put Chinese in quotes: "重大外资项目加分"')
        shown = repr(ch) if ch and not ch.isprintable() else f"`{ch}`"
        return Diagnostic("E100", f"unexpected character {shown}", span, None)
    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        body = text.rstrip()  # point just after the last character, not at trailing blank lines
        last = body.count("\n") + 1
        col = len(body) - (body.rfind("\n") + 1) + 1
        span = A.Span(path, last, col, last, col)
        label = _classify(e, start)
        expected = getattr(e, "expected", None) or getattr(e, "accepts", None) or set()
        where = "inside the header: a `}` is missing" if start == "start" and header_end(text) is None \
            else "in the middle of an item"
        return Diagnostic("E102", f"the file ends {where}", span,
                          label or (f"expected {_describe_expected(set(expected))}" if expected else None))
    assert isinstance(e, UnexpectedToken)
    tok = e.token
    end_col = (tok.end_column or tok.column + 1) if tok.end_line == tok.line else tok.column + 1
    span = A.Span(path, tok.line or 1, tok.column or 1, tok.line or 1, end_col)
    date = _DATE_LIKE.match(text, tok.start_pos) if tok.start_pos is not None else None
    if date:
        return Diagnostic("E109", f"`{date.group(0)}` is not a date", A.Span(path, span.line, span.column, span.line,
                          span.column + len(date.group(0))), "dates are YYYY-MM-DD, e.g. 2020-07-06")
    expected = set(e.accepts or e.expected)
    if str(tok) in _STATEMENT_WORDS and "CLAUSE" in expected:
        return Diagnostic("E105", f"`{tok}` is a statement of an item, outside any item", span,
                          f"put it inside a block: clause ID {{ {tok} … }}")
    form = header_form(text, tok.start_pos) if tok.start_pos is not None else None
    label = None if form else _classify(e, start)
    msg = f"unexpected {_token_text(tok)}"
    return Diagnostic("E101", msg, span, form or label or _misspelt(tok, expected) +
                      f"expected {_describe_expected(expected)}")


def _misspelt(tok: Token, expected: set[str]) -> str:
    """`did you mean `value`? ` where a name is a keyword misspelt (the list of what may come there is
    long, and alphabetical: the keyword meant may not be among the first shown)."""
    import difflib

    if tok.type != "NAME":
        return ""
    words = [t.strip("`") for t in map(_terminal_text, expected) if t.startswith("`") and t.strip("`").isalpha()]
    close = difflib.get_close_matches(str(tok), words, n=1, cutoff=0.75)
    return f"did you mean `{close[0]}`? " if close else ""



_WORD = re.compile(r"[A-Za-z_]\w*|\d[\d.]*[^\s\d()\[\]{},~～:=<>+*/\-]*|\S")


def depth_diag(path: str, text: str, pos: int, line: int, column: int) -> Diagnostic:
    """E111 at the node of an item nested too deep (`pos`: where the node begins in `text`)."""
    m = _WORD.match(text, pos)
    width = len(m.group(0)) if m else 1
    return Diagnostic("E111", f"the expression nests more than {MAX_DEPTH} levels deep here", A.Span(
        path, line, column, line, column + width),
        f"the checker stops at {MAX_DEPTH} levels: give an inner part a clause of its own and refer to it by id "
        "(a long sum a + b + … is sum(a, b, …); a chain a and b and … is not nesting and may be any length)")


def header_end(text: str) -> int | None:
    """End offset of a well-formed header block, or None."""
    m = re.match(r"\s*(#[^\n]*\s*)*policy\b", text)
    if not m:
        return None
    depth = 0
    in_str = False
    i = m.end()
    while i < len(text):
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"' or ch == "\n":
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "#":
            j = text.find("\n", i)
            i = len(text) if j < 0 else j
            continue
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None

