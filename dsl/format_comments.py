"""Comments for the formatter: where they are in the source, and where they go in the output.

The formatter lays out code only; each output line records the source position where its content
begins.  A comment then follows a code token: one ending a line follows the token before it and
stays at the end of the output line holding that token; one on a line of its own goes above the
output line holding the token after it.  Statements keep their comments however they are
reordered, and since the output's own lines begin at the positions recorded for them, formatting
the output again places every comment where it already is.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

INDENT = "  "

Pos = tuple[int, int]  # (line, column), 1-based, as in the parser's spans

# Strings never span lines (and a `#` inside one is no comment), so each line is tokenized alone.
# The tokens need not be the grammar's: only their positions, and the words and brackets, matter.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\S')


@dataclass
class Comment:
    line: int
    text: str
    column: int = 1
    trailing: bool = False  # code comes before it on its line

    @property
    def pos(self) -> Pos:
        return (self.line, self.column)


class SourceScan:
    """The code tokens and the comments of a source text, with position queries."""

    def __init__(self, text: str):
        if text.startswith("\ufeff"):  # as the parser: a byte-order mark counts as a space
            text = " " + text[1:]
        self.tokens: list[Pos] = []
        self.words: dict[str, list[Pos]] = {}
        self.comments: list[Comment] = []
        self.partner: dict[Pos, Pos] = {}  # each `{` with its `}`: spans may stop short of a closing brace
        opened: list[Pos] = []
        for n, line in enumerate(text.split("\n"), 1):  # \n only, as the parser counts lines
            for m in _TOKEN.finditer(line):
                word, pos = m.group(), (n, m.start() + 1)
                if word.startswith("#"):
                    trailing = bool(self.tokens) and self.tokens[-1][0] == n
                    self.comments.append(Comment(n, word.rstrip(), pos[1], trailing))
                else:
                    self.tokens.append(pos)
                    self.words.setdefault(word, []).append(pos)
                    if word == "{":
                        opened.append(pos)
                    elif word == "}" and opened:
                        self.partner[opened.pop()] = pos

    def last(self, word: str, at: Pos) -> Pos | None:
        """The last `word` at or before `at`."""
        found = self.words.get(word, [])
        i = bisect_right(found, at)
        return found[i - 1] if i else None

    def first(self, word: str, at: Pos) -> Pos | None:
        """The first `word` at or after `at`."""
        found = self.words.get(word, [])
        i = bisect_left(found, at)
        return found[i] if i < len(found) else None

    def nth(self, word: str, start: Pos, end: Pos, n: int) -> Pos | None:
        """The n-th (from 0) `word` in [start, end)."""
        found = self.words.get(word, [])
        i = bisect_left(found, start) + n
        return found[i] if i < len(found) and found[i] < end else None

    def before(self, at: Pos) -> Pos | None:
        """The last token strictly before `at`."""
        i = bisect_left(self.tokens, at)
        return self.tokens[i - 1] if i else None

    def after(self, at: Pos) -> Pos | None:
        """The first token strictly after `at`."""
        i = bisect_right(self.tokens, at)
        return self.tokens[i] if i < len(self.tokens) else None


def scan_comments(text: str) -> list[Comment]:
    """`#` comments outside strings, with their positions."""
    return SourceScan(text).comments


@dataclass(frozen=True)
class Doc:
    """Laid-out text: a first line (indented by whoever places it), then whole lines, each with the
    source position where its content begins (None if unknown)."""

    first: str
    rest: tuple[tuple[str, Pos | None], ...] = ()

    @staticmethod
    def line(indent: str, start: Pos | None) -> Doc:
        """A line break: what is added next goes on a new line, indented by `indent`."""
        return Doc("", ((indent, start),))

    def __add__(self, other: Doc | str) -> Doc:
        o = Doc(other) if isinstance(other, str) else other
        if not self.rest:
            return Doc(self.first + o.first, o.rest)
        (text, start) = self.rest[-1]
        return Doc(self.first, (*self.rest[:-1], (text + o.first, start), *o.rest))

    def __radd__(self, other: str) -> Doc:
        return Doc(other) + self

    @property
    def last(self) -> str:
        return self.rest[-1][0] if self.rest else self.first

    def __str__(self) -> str:
        return "\n".join([self.first, *(text for text, _ in self.rest)])


def place_comments(lines: list[tuple[str, Pos | None]], scan: SourceScan) -> str:
    """The output text: `lines` (code, and where each begins in the source) with the comments."""
    anchors = sorted((start, i) for i, (_, start) in enumerate(lines) if start is not None)
    keys = [start for start, _ in anchors]
    above: dict[int, list[Comment]] = {}
    ending: dict[int, list[Comment]] = {}
    at_end: list[Comment] = []
    for c in scan.comments:
        token = scan.before(c.pos) if c.trailing else scan.after(c.pos)
        if token is None:  # nothing follows: the comment closes the file
            at_end.append(c)
            continue
        k = bisect_right(keys, token) - 1
        i = anchors[k][1] if k >= 0 else 0
        (ending if c.trailing else above).setdefault(i, []).append(c)
    out: list[str] = []
    for i, (text, _) in enumerate(lines):
        trail = ending.get(i, [])
        # A line can end with one comment only: the others go above it, in source order.
        lead = sorted(above.get(i, []) + trail[:-1], key=lambda c: c.pos)
        indent = text[: len(text) - len(text.lstrip())]
        if text.lstrip().startswith(("}", ")")):  # a comment before a closing brace belongs to the body
            indent += INDENT
        out.extend(indent + c.text for c in lead)
        out.append(text + (f"  {trail[-1].text}" if trail else ""))
    if at_end:
        out.append("")
        out.extend(c.text for c in at_end)
    return "\n".join(line.rstrip() for line in out) + "\n"
