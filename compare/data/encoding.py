"""The text encoding of a project file: UTF-8 (with or without a byte-order mark), or UTF-16 or UTF-32
with one (Excel's "Unicode Text" is UTF-16 LE with a BOM); anything else refused at the line and
column of its first bad byte (E812).

`sniff(path)` reads the first bytes: the codec to read the file with, or E812 for a NUL byte (a
binary file, or UTF-16 without its mark: no text project file holds one).  `check_decodes(path,
codec)` reads the whole file in chunks and raises E812 at the first bytes that do not decode,
counting lines and columns as the text does (characters, not bytes), so that a file read in blocks
by pyarrow is blamed at the line that holds the bad byte, not at a row of the block around it.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from compare.data.records import InputError
from dsl.ast import Span
from dsl.diagnostics import Diagnostic
from dsl.files import PROJECTS, FileRefusedError, open_checked

UTF8 = "utf-8-sig"  # a BOM, if any, is dropped
_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, UTF8),
          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32 LE's mark starts as UTF-16 LE's
NAMES = {UTF8: "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}
HINT = "save the file as UTF-8 (in Excel: CSV UTF-8), or as Unicode Text (UTF-16)"
_CHUNK = 1 << 20
_SNIFF = 1 << 12


def sniff(path: Path) -> str:
    """The codec to read `path` with: `utf-8-sig` unless a byte-order mark names UTF-16 or UTF-32."""
    try:
        with open_checked(path, PROJECTS) as f:  # the file rule, as every read of a project file
            head = f.read(_SNIFF)
    except (OSError, FileRefusedError):
        return UTF8  # the reader reports it
    for mark, codec in _MARKS:
        if head.startswith(mark):
            return codec
    if b"\x00" in head:
        at = head.index(b"\x00")
        line, col = _advance(1, 1, head[:at].decode("utf-8", "replace"))
        raise refusal(str(path), line, col, "a NUL byte: this is not a text file (UTF-16 without its "
                      "byte-order mark, or a binary file renamed)")
    return UTF8


def refusal(path: str, line: int, col: int, what: str) -> InputError:
    return InputError([Diagnostic("E812", f"line {line}, column {col}: {what}", Span(path, line, col, line, col + 1),
                                  HINT)])


def check_decodes(path: Path, codec: str) -> None:
    """E812 at the first bytes of `path` that are not `codec` text; nothing if all of it decodes."""
    line, col, carry, exact = 1, 1, b"", ""
    with open_checked(path, PROJECTS) as f:
        while True:
            chunk = f.read(_CHUNK)
            data = carry + chunk
            if not exact:
                data, exact = _without_mark(data, codec)
            try:
                text, carry = data.decode(exact), b""
            except UnicodeDecodeError as e:
                good = data[: e.start].decode(exact)
                if chunk and e.end == len(data) and len(data) - e.start < 4:  # a character cut by the chunk's end
                    text, carry = good, data[e.start:]
                else:
                    line, col = _advance(line, col, good)
                    raise _bad(str(path), line, col, data[e.start: e.start + 2], codec) from None
            line, col = _advance(line, col, text)
            if not chunk:
                return


def bad_text(data: bytes, path: str, codec: str) -> InputError | None:
    """For a file read whole: E812 at its first bytes that are not `codec` text, or None."""
    data, exact = _without_mark(data, codec)
    try:
        data.decode(exact)
    except UnicodeDecodeError as e:
        line, col = _advance(1, 1, data[: e.start].decode(exact))
        return _bad(path, line, col, data[e.start: e.start + 2], codec)
    return None


def _without_mark(data: bytes, codec: str) -> tuple[bytes, str]:
    """The bytes after the byte-order mark, and the codec that reads them (UTF-16 LE or BE, …)."""
    for mark, name in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                       (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(mark) and NAMES.get(codec, "").lower().replace("-", "") in name.replace("-", ""):
            return data[len(mark):], name
    return data, "utf-8" if codec == UTF8 else codec


def _bad(path: str, line: int, col: int, raw: bytes, codec: str) -> InputError:
    if len(raw) > 1 and raw[1] < 0x80:  # a GBK character is two bytes, the second of them above 0x40
        raw = raw[:1]
    shown = " ".join(f"0x{b:02x}" for b in raw)
    guess = " (GBK or GB18030, perhaps: Excel's plain CSV on a Chinese system)" if codec == UTF8 else ""
    what = f"the bytes {shown} are not" if len(raw) > 1 else f"the byte {shown} is not"
    return refusal(path, line, col, f"{what} {NAMES.get(codec, codec)} text{guess}")


def _advance(line: int, col: int, text: str) -> tuple[int, int]:
    """The line and column after `text`, starting at (line, col)."""
    n = text.count("\n")
    if n:
        return line + n, len(text) - text.rfind("\n")
    return line, col + len(text)
