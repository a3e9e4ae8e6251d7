"""Text made safe to show to people: control characters escaped, bidi overrides made visible, and
the columns a terminal gives a text.

Project ids, labels and quotes come from files anyone may write.  Printed raw, an ESC sequence
recolours the terminal or sets its title (OSC ``\\x1b]0;…\\x07``), a BEL rings, and U+202E
(RIGHT-TO-LEFT OVERRIDE) reverses the text after it, so that what is shown is not what is there.
Every human-facing output passes its texts through `printable`, which shows such characters as
escapes (``\\x1b``, ``\\x07``, ``\\u202e``); tables align with `display_width`.  Standard library only.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls and DEL; bidi embeddings, overrides, isolates and marks; the line and paragraph
# separators (they break a line like \n); lone surrogates (they cannot be encoded at all).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")
# The bidi format characters: the warning W705 names them; JSON output escapes them.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_NAMES = {"\x1b": "ESC", "\x07": "BEL", "\x08": "BS", "\x00": "NUL", "\r": "CR", "\x7f": "DEL", "\x9b": "CSI"}


def escape_char(c: str) -> str:
    """One character as an escape: \\n \\t \\r, \\xNN up to U+00FF, else \\uNNNN."""
    if c in _SHORT:
        return _SHORT[c]
    o = ord(c)
    return f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}"


def printable(text: str) -> str:
    """The text with every control character, bidi control and line separator shown as an escape.

    Character by character, so ``printable(a + b) == printable(a) + printable(b)``, and idempotent:
    the escapes are plain ASCII.  A backslash is left alone (a path or a regex stays readable)."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: escape_char(m.group()), text)


def control_chars(text: str, allowed: str = "") -> list[str]:
    """The characters `printable` would escape, in order of first occurrence, less those `allowed`."""
    return list(dict.fromkeys(c for c in _UNSAFE.findall(text) if c not in allowed))


def char_name(c: str) -> str:
    """A short name: ESC, BEL, RIGHT-TO-LEFT OVERRIDE …"""
    return _NAMES.get(c) or unicodedata.name(c, "") or f"U+{ord(c):04X}"


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def json_safe(dumped: str) -> str:
    """JSON text from ``json.dumps(…, ensure_ascii=False)`` with the characters json leaves raw that a
    terminal acts on (DEL, C1 controls such as CSI, bidi controls, line separators) as \\uNNNN escapes.

    Lossless: json.dumps writes these characters only inside strings, where \\uNNNN decodes to the same
    character.  (It escapes the C0 controls, ESC and BEL among them, itself.)"""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


# ---------------------------------------------------------------- display width

_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_ZWJ = "\u200d"


def char_width(c: str) -> int:
    """Columns one character takes on a terminal: 0 for combining marks, zero-width and format characters
    (U+200B–U+200D, U+2060, U+FEFF), Hangul medial vowels and final consonants, emoji skin-tone modifiers;
    2 for East Asian wide and fullwidth characters; 1 otherwise."""
    if c in _ZERO_WIDTH:
        return 0
    o = ord(c)
    if 0x1160 <= o <= 0x11FF or 0x1F3FB <= o <= 0x1F3FF:  # Hangul jungseong/jongseong; skin tones
        return 0
    cat = unicodedata.category(c)
    if cat in ("Mn", "Me", "Cc") or (cat == "Cf" and c != "\u00ad"):
        return 0
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


def display_width(s: str) -> int:
    """Columns a terminal gives the text: CJK characters take two, combining marks none, and a wide
    character joined to the one before it by a ZERO WIDTH JOINER (an emoji ZWJ sequence such as
    👩‍💻) shares that character's cell."""
    total = 0
    joined = False
    for c in s:
        w = char_width(c)
        if joined and w == 2:  # 👩 ZWJ 💻: one glyph, two columns
            w = 0
        joined = c == _ZWJ
        total += w
    return total


# What, in a Markdown table cell, would become HTML, a link, an image, an attribute list or a code span,
# or end the cell: the rest (`~`, `+`, `%`) is left as written so figures read as they do elsewhere.
_MD_CELL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "{": "\\{", "}": "\\}",
            "`": "\\`", "|": "\\|", "\\": "\\\\", "\n": " ", "\r": " "}


def md_cell(text: str | None, empty: str = "—") -> str:
    """`text` (printable) as Markdown inline text that no renderer turns into markup: a diff's cells,
    headings and notes (`[c](javascript:…)`, `<img onerror=…>`, `{: onfocus=… }` all show as written)."""
    if text is None:
        return empty
    return "".join(_MD_CELL.get(c, c) for c in printable(text))


def md_code(text: str) -> str:
    """`text` as a Markdown code span in a table cell: fenced by more backticks than it holds, `|` escaped."""
    shown = printable(text).replace("\n", " ").replace("\r", " ")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", shown)), default=0) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{pad}{shown.replace('|', chr(92) + '|')}{pad}{fence}"
