"""A source text cut into articles, each named as the policy cites it: "(16)", "第12条", "一(二)", "二.3", "结语".

    articles = policy_articles(policy)        # [Article(label="(16)", heading="（十六）", text="（十六）强化…"), …]

The texts number their parts in several ways (一、 （一） 1． 第1条), and a policy's citations name them in
its own way: Zhangjiagang's "12．" is cited "第12条", Wuxi's "（十六）" is "(16)", Taicang's "（二）" under
"一、" is "一(二)".  So the cut follows the text's numbering (a heading at a line's start), and each part
takes its name from the citations whose quotes lie in it (dsl.check.quotes: whitespace folded, `……`
eliding); a part no citation reaches is named after a cited sibling's pattern ("(7)" beside "(16)"), else
by its heading as written ("一、").  A citation not naming a number ("结语", "序言") starts a part at the
line its quote is on, so a closing paragraph is not read as the last article's tail.

Article text keeps the text's paragraphs ("\\n") but not a PDF's line wrapping: a line break is kept
only after a sentence's end (。；：！？), whitespace inside a line is folded as quotes are matched.
`figure_spans` gives where dsl.figures reads a figure in a text (a range with its unit, one span), so a
redline can treat "5000万元" as one word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dsl.check.quotes import ELLIPSIS, fold
from dsl.figures import quote_figures
from dsl.model import Policy

_CN = "零〇一二三四五六七八九十百"
# a heading at a line's start: 第12条, 一、, （一） or (16), 1． or 1.
_HEADING = re.compile(rf"^(?:第[0-9{_CN}]+条|[{_CN}]+、|[（(][0-9{_CN}]+[）)]|[0-9]+[．.](?![0-9]))")
# a Word file's bookmark left by its conversion to text (`[bookmark: _GoBack]7.`): not wording
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
# dsl.figures' own folding of digits and signs, one character for one: where its fragments are found
_ASCII = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "：": ":", "／": "/", "．": "."})
_SPACES = re.compile(r"\s+")
_KEEP_BREAK = "。；：！？;:!?"
_NUMERAL = re.compile(rf"[0-9]+|[{_CN}]+")
_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


@dataclass(frozen=True)
class Article:
    label: str  # as the policy cites it ("(16)"); a cited sibling's pattern or the heading where none does
    heading: str  # the numbering as written ("（十六）", "12．"); "" for an unnumbered part
    text: str  # paragraphs joined by "\n", whitespace inside them folded
    aliases: tuple[str, ...] = ()  # other labels cited in it (a 结语 quoted inside the last article)

    def cited_as(self, label: str) -> bool:
        return label == self.label or label in self.aliases


def numeral(text: str) -> int | None:
    """12 or 十六 (up to 九十九) as a number; None for anything else."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGIT and c != "十" for c in text):
        return None
    if "十" not in text:
        return _CN_DIGIT[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)


def _chinese(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else digits[tens]}十{digits[ones] if ones else ''}"


def _kind(heading: str) -> str:
    if heading.startswith("第"):
        return "article"
    if heading.endswith("、"):
        return "section"
    if heading[0] in "（(":
        return "paren"
    return "dot"


def _number(heading: str) -> int | None:
    m = _NUMERAL.search(heading)
    return numeral(m.group()) if m else None


@dataclass
class _Part:
    heading: str
    parent: int | None  # the number of the enclosing 一、 section
    lines: list[tuple[int, str, str]]  # (offset of the line in the folded text, folded line, line as shown)
    labels: Counter[str]


def _shown(line: str) -> str:
    """A line as shown: whitespace dropped (a PDF's `1000 万美元`) but between two ASCII characters (`{{ x }}`)."""
    return _SPACES.sub(lambda m: " " if m.start() and m.end() < len(line) and line[m.start() - 1].isascii()
                       and line[m.end()].isascii() else "", line.strip())


def _paragraphs(lines: Iterable[str]) -> str:
    out = ""
    for line in lines:
        if out and out[-1] not in _KEEP_BREAK:
            out += line
        else:
            out += ("\n" if out else "") + line
    return out


def _named(label: str) -> bool:
    return not _NUMERAL.search(label)


def _renamed(label: str, sibling_number: int, sibling_parent: int | None, number: int, parent: int | None) -> str | None:
    """A sibling's label with its numbers replaced: "(16)" for 16 → "(7)" for 7; "一(二)" → "一(三)"."""
    found = list(_NUMERAL.finditer(label))
    if not found or numeral(found[-1].group()) != sibling_number:
        return None
    parts, end = [], len(label)
    for k in range(len(found) - 1, -1, -1):
        m = found[k]
        if k == len(found) - 1:
            value = number
        elif numeral(m.group()) == sibling_parent and parent is not None:
            value = parent
        else:
            continue
        parts.append(label[m.end():end])
        parts.append(str(value) if m.group().isdigit() else _chinese(value))
        end = m.start()
    parts.append(label[:end])
    return "".join(reversed(parts))


def cut_articles(text: str, cites: Iterable[tuple[str, str]]) -> list[Article]:
    """The text's parts, named by the citations (article label, quote) whose quotes lie in them."""
    lines: list[tuple[int, str, str]] = []
    folded = ""
    for raw in text.splitlines():
        line = fold(_BOOKMARK.sub("", raw))
        if line:
            lines.append((len(folded), line, _shown(_BOOKMARK.sub("", raw))))
            folded += line
    found = [(_occurrences(folded, quote), label) for label, quote in cites]
    named_lines = {start for ats, label in found if _named(label) and ats
                   for start, line, _ in lines if start <= ats[0] < start + len(line)}
    parts: list[_Part] = []
    section: int | None = None
    for start, line, shown in lines:
        m = _HEADING.match(line)
        if m:
            heading = m.group()
            if _kind(heading) == "section":
                section = _number(heading)
            parts.append(_Part(heading, None if _kind(heading) == "section" else section, [], Counter()))
        elif not parts or (start in named_lines and parts[-1].heading):
            parts.append(_Part("", None, [], Counter()))
        parts[-1].lines.append((start, line, shown))
    for ats, label in found:
        holding = [_part_at(parts, at) for at in ats]
        agreeing = [p for p in holding if p.heading and _number(p.heading) == _number_of(label)]
        if holding:
            (agreeing or holding)[0].labels[label] += 1
    return _named_articles(parts)


def _occurrences(folded: str, quote: str) -> list[int]:
    """Where the quote starts in the folded text, each place its pieces follow in order."""
    pieces = [p for p in ELLIPSIS.split(fold(quote)) if p]
    if not pieces:
        return []
    out, at = [], folded.find(pieces[0])
    while at >= 0:
        pos = at + len(pieces[0])
        for piece in pieces[1:]:
            pos = folded.find(piece, pos)
            if pos < 0:
                break
            pos += len(piece)
        else:
            out.append(at)
        at = folded.find(pieces[0], at + 1)
    return out


def _part_at(parts: list[_Part], at: int) -> _Part:
    return next(p for p in reversed(parts) if p.lines[0][0] <= at)


def _named_articles(parts: list[_Part]) -> list[Article]:
    chosen: list[str | None] = []
    for part in parts:
        number = _number(part.heading) if part.heading else None
        agree = [lab for lab in part.labels if not _named(lab) and _number_of(lab) == number]
        ranked = agree or [lab for lab, _ in part.labels.most_common()]
        chosen.append(ranked[0] if ranked else None)
    taken = {c for c in chosen if c}
    out: list[Article] = []
    for part, label in zip(parts, chosen, strict=True):
        if label is None:
            label = _pattern_label(part, parts, chosen, taken) or part.heading or ("（开头）" if not out else "（结尾）")
        taken.add(label)
        aliases = tuple(sorted(lab for lab in part.labels if lab != label))
        out.append(Article(label, part.heading, _paragraphs(shown for _, _, shown in part.lines), aliases))
    return out


def _number_of(label: str) -> int | None:
    found = _NUMERAL.findall(label)
    return numeral(found[-1]) if found else None


def _pattern_label(part: _Part, parts: list[_Part], chosen: list[str | None], taken: set[str]) -> str | None:
    if not part.heading:
        return None
    number = _number(part.heading)
    if number is None:
        return None
    for other, label in zip(parts, chosen, strict=True):
        if label and other.heading and _kind(other.heading) == _kind(part.heading):
            other_number = _number(other.heading)
            if other_number is None:
                continue
            name = _renamed(label, other_number, other.parent, number, part.parent)
            if name and name not in taken:
                return name
    return None


def policy_cites(policy: Policy) -> list[tuple[str, str]]:
    """Every (article, quote) the policy's items and `unencoded` entries cite."""
    items: list[Sequence[object]] = [list(policy.clauses.values()), list(policy.splits.values()),
                                     list(policy.params.values()), list(policy.mechanisms.values()),
                                     list(policy.readings.values()), list(policy.conditions.values()),
                                     list(policy.fields.values()), list(policy.lists.values()),
                                     list(policy.categories.values()), list(policy.choices.values())]
    out = [(c.article, c.quote) for group in items for item in group for c in getattr(item, "cites", ())]
    return out + [(u.article, u.quote) for u in policy.unencoded]


def source_of(policy: Policy) -> str | None:
    """The text the policy quotes: its own `source`, or its base's."""
    return policy.files[-1].source_text if policy.files else None


def policy_articles(policy: Policy) -> list[Article]:
    """The policy's source text as articles ([] where it has none)."""
    text = source_of(policy)
    return cut_articles(text, policy_cites(policy)) if text else []


def figure_spans(text: str) -> list[tuple[int, int]]:
    """Where dsl.figures reads figures in `text`, as (start, end) offsets into it; overlapping ones
    merged (1000～3000万美元 is one span).  Whitespace is skipped as quotes are matched."""
    where = [i for i, ch in enumerate(text) if not ch.isspace()]
    folded = "".join(text[i] for i in where).translate(_ASCII)  # as dsl.figures writes a fragment: 1:1 characters
    spans: list[tuple[int, int]] = []
    pos = 0
    for figure in quote_figures(text):
        at = folded.find(figure.text, pos)
        if at < 0:
            continue
        pos = at
        a, b = where[at], where[at + len(figure.text) - 1] + 1
        if spans and a < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
        else:
            spans.append((a, b))
    return spans



__all__ = ["Article", "cut_articles", "figure_spans", "numeral", "policy_articles", "policy_cites", "source_of"]
