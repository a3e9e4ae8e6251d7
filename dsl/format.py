"""The canonical formatter: a generator from the AST back to text (as sqlglot's generator).

Guarantees, checked on every call before anything is returned:
- meaning: parse(format(x)) == parse(x) (the AST ignores spans);
- nothing lost: every comment of the input is in the output;
- idempotence follows from the canonical layout: format(format(x)) == format(x).

The generator lays out code only, recording for each output line where its content begins in the
source; `dsl.format_comments` then puts each comment beside the line of the code it was beside.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dsl import ast as A
from dsl.diagnostics import Diagnostic, display_width
from dsl.format_comments import INDENT, Comment, Doc, Pos, SourceScan, place_comments, scan_comments
from dsl.format_expr import MAX_LINE, ExprGenerator, join_docs, quote, set_text, start_of
from dsl.units import format_decimal
from dsl.walk import same


class FormatError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


_ITEM_WORD: dict[type, str] = {A.Clause: "clause", A.Split: "split", A.Param: "param", A.Mechanism: "mechanism",
                               A.Reading: "reading", A.Unencoded: "unencoded", A.Override: "override",
                               A.Remove: "remove", A.FieldDecl: "field", A.CategoryDecl: "category",
                               A.ChoiceDecl: "choice", A.ListDecl: "list", A.ConditionDecl: "condition"}
_RECORD = (A.FieldDecl, A.CategoryDecl, A.ChoiceDecl, A.ListDecl, A.ConditionDecl)
_WHOLE = A.Quantity(Decimal(100), "", "%")  # what `payer city` alone stands for


class Generator(ExprGenerator):
    """Lays out items: the header, clauses, splits … and the declarations of a city's own record."""

    def beneficiary(self, b: A.Name | None, depth: int, rules: tuple[Any, ...] = ()) -> None:
        """`beneficiary X`, after the rules `beneficiary [SHARE =] X if COND` (first that holds wins)."""
        for r in rules:
            text = f"beneficiary {r.share + ' = ' if r.share else ''}{r.name.dotted}"
            self.emit(depth, text + (" if " + self.doc(r.when, depth) if r.when is not None else ""),
                      self._kw("beneficiary", r.span))
        if b is not None:
            self.emit(depth, f"beneficiary {b.dotted}", self._kw("beneficiary", b.span))

    def open_block(self, depth: int, head: Doc | str, start: Pos | None) -> None:
        self.emit(depth, head + " {", start)

    def close_block(self, depth: int, end: Pos | None) -> None:
        """An item's `}`, the last token before `end` (where the next item begins)."""
        self.emit(depth, "}", self._last_before(end))

    @staticmethod
    def _label(label: str | None) -> str:
        return f" {quote(label)}" if label is not None else ""

    def item(self, item: A.Item, end: Pos | None = None, depth: int = 0, prefix: str = "",  # noqa: C901
             start: Pos | None = None) -> None:
        """One item; `end` is where the next item begins in the source (None: the file's end)."""
        start = start or self._kw(_ITEM_WORD[type(item)], item.span)
        if isinstance(item, A.Override):
            self.item(item.item, end, depth, "override ", start)
            return
        if isinstance(item, A.Remove):
            self.emit(depth, f"remove {item.kind} {item.id}", start)
            return
        if isinstance(item, A.Unencoded):
            self.emit(depth, f"unencoded {quote(item.article)} {quote(item.quote)} because {quote(item.reason)}",
                      start)
            return
        if isinstance(item, _RECORD):
            self.declaration(item, end, depth, prefix, start)
            return
        d = depth + 1
        if isinstance(item, A.Clause):
            self.open_block(depth, f"{prefix}clause {item.id}{self._label(item.label)}", start)
            if item.concept is not None:
                self.emit(d, f"concept {item.concept.dotted}", self._kw("concept", item.concept.span))
            self.beneficiary(item.beneficiary, d, item.beneficiary_if)
            self.cites(item.cites, d)
            self._when_value(d, item.when, item.value)
            if item.payer is not None:
                self.emit(d, self.shares("payer", item.payer.shares, item.payer.ratio_form, d),
                          self._kw("payer", item.payer.span))
            if item.timing is not None:
                self.timing(item.timing, d)
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        elif isinstance(item, A.Split):
            self.open_block(depth, f"{prefix}split {item.id}{self._label(item.label)}", start)
            self.cites(item.cites, d)
            if item.splits is not None:
                self.emit(d, f"splits {item.splits.dotted}", self._kw("splits", item.splits.span))
            self._when_value(d, item.when, None)
            if item.shares:
                self.emit(d, self.shares("shares", item.shares, item.ratio_form, d),
                          self._kw("shares", item.shares_span))
            self.beneficiary(None, d, item.beneficiaries)
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        elif isinstance(item, A.Param):
            v = item.value
            if isinstance(v, A.Target):
                value = "committed " + self.doc(v.committed, d)
                if v.stretch is not None:
                    value = value + " stretch " + self.doc(v.stretch, d)
            else:
                value = self.doc(v, d)
            head = f"{prefix}param {item.id}{self._label(item.label)} = " + value
            if not (item.cites or item.notes or item.beneficiary):
                self.emit(depth, head, start)
                return
            self.open_block(depth, head, start)
            self.beneficiary(item.beneficiary, d)
            self.cites(item.cites, d)
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        elif isinstance(item, A.Mechanism):
            self.open_block(depth, f"{prefix}mechanism {item.id}{self._label(item.label)}", start)
            self.cites(item.cites, d)
            for a in item.attrs:
                self.emit(d, f"{a.name} = " + self.doc(a.value, d), start_of(a.span) if a.span.line else None)
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        elif isinstance(item, A.Reading):
            self.open_block(depth, f"{prefix}reading {item.id}{self._label(item.label)}", start)
            self.cites(item.cites, d)
            for o in item.options:
                self.emit(d, f"option {o.id}{self._label(o.label)}", self._kw("option", o.span))
            if item.default is not None:
                self.emit(d, f"default {item.default}", self._kw("default", item.default_span))
            if item.because is not None:
                self.emit(d, f"because {quote(item.because)}", self._nth("because", start, end))
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
        else:
            raise AssertionError(type(item).__name__)

    def shares(self, keyword: str, shares: tuple[A.Share, ...], ratio_form: bool, depth: int) -> Doc:
        """`shares`/`payer`: `a, b = 3:7`, `a = 50%, b = 50%`; a payer alone (`payer city`) or
        several with the shares not stated (`payer city, district`)."""
        names = ", ".join(s.name for s in shares)
        if ratio_form:
            parts = ":".join(format_decimal(s.weight.number) for s in shares)  # type: ignore[union-attr]
            return Doc(f"{keyword} {names} = {parts}")
        if all(s.weight is None for s in shares) or (keyword == "payer" and len(shares) == 1
                                                     and shares[0].weight == _WHOLE):
            return Doc(f"{keyword} {names}")
        return join_docs(Doc(f"{keyword} "), [f"{s.name} = " + self.doc(s.weight, depth)  # type: ignore[arg-type]
                                             for s in shares], ", ")

    # -------------------------------------------------------- the city's own record
    def declaration(self, item: A.FieldDecl | A.CategoryDecl | A.ChoiceDecl | A.ListDecl | A.ConditionDecl,
                    end: Pos | None, depth: int, prefix: str, start: Pos | None) -> None:
        """A declaration: a field's statements one a line (type, default, en, cite, note); a category,
        choice value or list on one line when it has no body; a condition laid out as a clause."""
        d = depth + 1
        if isinstance(item, A.FieldDecl):
            self.open_block(depth, f"{prefix}field {item.id}{self._label(item.label)}", start)
            if item.type is not None:
                self.emit(d, self._field_type(item, d), self._nth("type", start, end))
            if item.default is not None:
                self.emit(d, "default " + self.doc(item.default, d), self._nth("default", start, end))
        elif isinstance(item, A.ConditionDecl):
            self.open_block(depth, f"{prefix}condition {item.id}{self._label(item.label)}", start)
            self.cites(item.cites, d)
            self._when_value(d, item.when, None)
            self.notes(item.notes, d, start, end)
            self.close_block(depth, end)
            return
        else:
            head: Doc | str
            if isinstance(item, A.CategoryDecl):
                head = f"{prefix}category {item.id}{self._label(item.label)}"
            elif isinstance(item, A.ChoiceDecl):
                head = f"{prefix}choice {item.field} {item.value}{self._label(item.label)}"
            else:
                text = f"{prefix}list {item.id}{self._label(item.label)} ="
                shown = [set_text((x,))[1:-1] for x in item.items]
                head = self._braced(text, f"{text} {set_text(item.items)}", shown, [x.span for x in item.items], depth)
            if item.en is None and not item.cites and not item.notes:
                self.emit(depth, head, start)
                return
            self.open_block(depth, head, start)
        if item.en is not None:
            self.emit(d, f"en {quote(item.en)}", self._nth("en", start, end))
        self.cites(item.cites, d)
        self.notes(item.notes, d, start, end)
        self.close_block(depth, end)

    def _field_type(self, f: A.FieldDecl, depth: int) -> Doc:
        """`type count 人`, `type choice { a "甲", b "乙" }`."""
        text = f"type {f.type}" + (f" {f.unit}" if f.unit is not None else "")
        if not f.values:
            return Doc(text)
        shown = [f"{v.id}{self._label(v.label)}" for v in f.values]
        return self._braced(text, text + " { " + ", ".join(shown) + " }", shown, [v.span for v in f.values], depth)

    def _braced(self, head: str, one_line: str, shown: list[str], spans: list[A.Span], depth: int) -> Doc:
        """`one_line` if it fits in a line as a reader sees it (CJK is two columns), else `head {`,
        then an entry a line, then `}`: a field's values, a list's items."""
        if display_width(INDENT * depth + one_line) <= MAX_LINE or not shown:
            return Doc(one_line)
        out = Doc(head + " {")
        for i, (text, span) in enumerate(zip(shown, spans, strict=True)):
            out = out + ("," if i else "") + Doc.line(INDENT * (depth + 1), start_of(span) if span.line else None) + text
        return out + Doc.line(INDENT * depth, self._block_close(spans[0])) + "}"

    def header(self, h: A.Header, end: Pos | None) -> None:
        ext = f" extends {h.extends}" if h.extends else ""
        self.open_block(0, f"policy {h.id}{ext}", self._kw("policy", h.span))
        metas = list(h.meta)
        while metas:
            m = metas.pop(0)
            if m.is_date or m.key in ("valid", "trial", "revises"):  # a date, a term (3年), a policy id
                value = m.value
            elif m.key == "replaces":  # one entry per id; a run of them is one statement, as written
                ids = [m.value]
                while metas and metas[0].key == "replaces" and metas[0].span == m.span:
                    ids.append(metas.pop(0).value)
                value = ", ".join(ids)
            elif m.key in ("city", "status"):
                value = m.value + (f" {quote(m.label)}" if m.label is not None else "")
            else:
                value = quote(m.value)
            self.emit(1, f"{m.key} {value}", self._kw(m.key, m.span))
        self.close_block(0, end)

    def policy(self, p: A.PolicyFile) -> list[tuple[str, Pos | None]]:
        """The output lines (items separated by a blank line) and where each began in the source."""
        starts = [self._kw(_ITEM_WORD[type(item)], item.span) for item in p.items]
        self.header(p.header, starts[0] if starts else None)
        for item, end in zip(p.items, [*starts[1:], None][:len(p.items)], strict=True):
            self.lines.append(("", None))
            self.item(item, end)
        return self.lines




def format_ast(p: A.PolicyFile, source: str = "") -> str:
    """The canonical text of `p`, with the comments of `source` (the text `p` was parsed from)."""
    scan = SourceScan(source)
    return place_comments(Generator(scan).policy(p), scan)


def format_text(text: str, path: str = "<text>") -> str:
    """Canonical text of a policy; raises FormatError (with diagnostics) if it does not parse."""
    from dsl.parse import normalise_newlines, parse_text  # Lark only here: the Generator alone prints expressions

    text = normalise_newlines(text)  # as the parser reads it: a CR-only file's comments end at each line
    ast, diags = parse_text(text, path)
    errors = [d for d in diags if d.is_error]
    if ast is None or errors:
        raise FormatError(errors or diags)
    comments = scan_comments(text)
    out = format_ast(ast, text)
    again, diags2 = parse_text(out, path)
    if again is None or not same(again, ast) or any(d.is_error for d in diags2):  # iterative: any depth
        raise FormatError([Diagnostic("E101", "the formatter would change the meaning of this file; it was left "
                                      "as it is", A.Span(path, 1, 1, 1, 1), "please report this with the file")])
    if sorted(c.text for c in scan_comments(out)) != sorted(c.text for c in comments):
        raise FormatError([Diagnostic("E101", "the formatter would lose a comment; the file was left as it is",
                                      A.Span(path, 1, 1, 1, 1), "please report this with the file")])
    return out


__all__ = ["format_text", "format_ast", "FormatError", "scan_comments", "Comment", "Generator"]
