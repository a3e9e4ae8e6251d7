"""Texts of a policy: a label, quote, note or header text holding a control character (W705).

A raw ESC, BEL or bidi override (U+202A–U+202E, U+2066–U+2069) in a quoted text is invisible in an
editor, acts on the terminal of whoever runs a report, and makes a quote differ from the source
where it looks the same.  Output escapes them (dsl.textsafe); the checker says where they are.
A tab or a newline written as \\t, \\n is left alone.
"""

from __future__ import annotations

from dsl import ast as A
from dsl.check.base import CheckerBase
from dsl.textsafe import char_name, control_chars, escape_char
from dsl.walk import walk

_ALLOWED = "\t\n"
# Which field of a node is which part of the item, for the message.
_WHAT = {"label": "the label", "quote": "the quote", "article": "the article", "reason": "the reason",
         "because": "the reason", "value": "the text", "wording": "the wording", "note": "the note"}


class TextChecks(CheckerBase):
    def check_texts(self) -> None:
        """Every quoted text of this policy's own file (a base policy's are reported when it is checked)."""
        info = self.p.files[-1]
        lines = info.text.split("\n")
        for node in walk(info.ast):
            fields = getattr(node, "__dataclass_fields__", None)
            if not fields:
                continue
            for name in fields:
                value = getattr(node, name)
                if not isinstance(value, str) or name in ("file", "path"):
                    continue
                bad = control_chars(value, _ALLOWED)
                if not bad:
                    continue
                span: A.Span = getattr(node, "span", A.NO_SPAN)
                own = getattr(node, f"{name}_span", None)  # Cite.quote_span, Meta.value_span
                if isinstance(own, A.Span) and own.line:
                    span = own
                shown = ", ".join(f"`{escape_char(x)}` ({char_name(x)})" for x in bad)
                what = "a control character" if len(bad) == 1 else "control characters"
                self.err("W705", f"{_WHAT.get(name, 'the text')} holds {what} {shown}", _locate(bad[0], span, lines),
                         "a terminal acts on it (colours, title, reversed text) and an editor hides it; "
                         "delete it (reports show it escaped)")


def _locate(c: str, span: A.Span, lines: list[str]) -> A.Span:
    """The character itself, if it stands raw in the span's lines; else the span."""
    for ln in range(span.line, min(span.end_line, len(lines)) + 1):
        text = lines[ln - 1]
        start = span.column - 1 if ln == span.line else 0
        stop = span.end_column - 1 if ln == span.end_line else len(text)
        i = text.find(c, start, max(start, stop))
        if i >= 0:
            return A.Span(span.file, ln, i + 1, ln, i + 2)
    return span
