"""Column-wise text for the table writers: numbers as positional decimals, texts made safe for a
spreadsheet, JSON literals, all over whole pyarrow arrays (no Python loop over rows, except for the
rare cells that need one: a control character in a project id, a number pyarrow would write with an
exponent that is not a whole number of fen).

- `number_text`: every digit the double needs to round-trip, never an exponent (pyarrow writes
  12345678901.23 as `1.234567890123e+10`: from 10^10 on; 2330720.5 stays `2330720.5`).
- `safe_text`: as compare.data.sheet.csv_text, for CSV cells: control characters escaped
  (dsl.textsafe.printable) and a leading `'` on a cell starting with = + - @ ("CSV injection").
- `json_text`: a JSON string literal (json.dumps rules, ensure_ascii=False; dsl.textsafe.json_safe).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data.text_buffers import byte_set, text_buffers
from dsl.textsafe import json_safe, printable

# dsl.textsafe._UNSAFE in RE2 syntax (pyarrow strings are valid UTF-8: no lone surrogates)
UNSAFE_RE2 = ("[\\x00-\\x1f\\x7f-\\x{9f}\\x{061c}\\x{200e}\\x{200f}\\x{202a}-\\x{202e}"
              "\\x{2066}-\\x{2069}\\x{2028}\\x{2029}]")
FORMULA_RE2 = "^[=+\\-@]"
JSON_ESCAPE_RE2 = '["\\\\\\x00-\\x1f\\x7f-\\x{9f}\\x{061c}\\x{200e}\\x{200f}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}\\x{2028}\\x{2029}]'

_EXPONENT_FROM = 1e10  # pyarrow's cast writes an exponent from here up …
_EXPONENT_BELOW = 1e-6  # … and below here
_FEN_EXACT_BELOW = 2.0**53 / 100  # whole fen are exact doubles below this
# the fen part of an amount, trailing zeros dropped: "", ".01", …, ".1", …, ".99"
_FEN = pa.array([""] + [f".{k:02d}".rstrip("0") for k in range(1, 100)])
_SIGN = pa.array(["", "-"])


def strings(values: Sequence[str | None]) -> pa.Array:
    return pa.array(values, type=pa.string())


def repeat_text(text: str | None, n: int) -> pa.Array:
    """One text (or null) n times, without a Python list of n items."""
    return strings([text]).take(np.zeros(n, dtype=np.int32))


def number_text(x: np.ndarray | pa.Array) -> pa.Array:
    """Each finite number as a positional decimal that parses back to the same double; null where
    null or not finite.  Money (whole fen) keeps exactly its fen: 56715.12, 2330720.5, 12345678901.23."""
    if isinstance(x, pa.Array):
        arr = x.cast(pa.float64())
        x = np.frombuffer(arr.buffers()[1], dtype=np.float64)[arr.offset:arr.offset + len(arr)] \
            if len(arr) else np.zeros(0)
        valid = np.asarray(arr.is_valid()) if arr.null_count else None
    else:
        x = np.ascontiguousarray(x, dtype=np.float64)
        arr, valid = pa.array(x), None
    finite = np.isfinite(x)
    if not finite.all():
        valid = finite if valid is None else valid & finite
        arr = pa.array(x, mask=~valid)
    text = pc.cast(arr, pa.string())
    ax = np.abs(x)
    odd = (ax >= _EXPONENT_FROM) | ((ax < _EXPONENT_BELOW) & (ax != 0))
    if valid is not None:
        odd &= valid
    if not odd.any():
        return text
    v = x[odd]
    with np.errstate(over="ignore", invalid="ignore"):
        fen = np.rint(v * 100.0)
    whole_fen = (np.abs(v) < _FEN_EXACT_BELOW) & (fen / 100.0 == v)
    # whole fen (money from 10^10 on): integer arithmetic, exact and vectorised
    units, cents = np.divmod(np.abs(np.where(whole_fen, fen, 0.0)).astype(np.int64), 100)
    sign = _SIGN.take(pa.array((v < 0).astype(np.int8)))
    odd_text = pc.binary_join_element_wise(sign, pc.cast(pa.array(units), pa.string()), _FEN.take(pa.array(cents)), "")
    if not whole_fen.all():  # huge or tiny figures that are not money: rare, one by one
        other = [np.format_float_positional(y, unique=True, trim="-") for y in v[~whole_fen].tolist()]
        odd_text = pc.replace_with_mask(odd_text, pa.array(~whole_fen), strings(other))
    return pc.replace_with_mask(text, pa.array(odd), odd_text)


def repeated_number_text(x: np.ndarray | pa.Array) -> pa.Array:
    """number_text, each distinct value formatted once and taken where values repeat (outcomes are
    mostly a few tiers); dictionary_encode tells -0.0 from 0.0, and every NaN is null either way."""
    arr = x if isinstance(x, pa.Array) else pa.array(np.ascontiguousarray(x, dtype=np.float64))
    encoded = arr.dictionary_encode()
    if 2 * len(encoded.dictionary) > len(arr):
        return number_text(x)
    return number_text(encoded.dictionary).take(encoded.indices)


def _dictionary(arr: pa.Array) -> bool:
    return pa.types.is_dictionary(arr.type)


def text_bytes(arr: pa.Array) -> np.ndarray | None:
    """The bytes of a (large) string array's cells, end to end (of null cells too, whatever they hold);
    None for another type."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    data, offsets = text_buffers(arr)
    return data[offsets[0]:offsets[-1]]


# The bytes any match of UNSAFE_RE2 holds: a control byte, or the lead byte of U+0080-U+00BF (C2),
# U+0600-U+063F (D8), U+2000-U+2FFF (E2): a text with none of them has nothing to escape.
UNSAFE_BYTES = byte_set((0x00, 0x1F), (0x7F, 0x7F), (0xC2, 0xC2), (0xD8, 0xD8), (0xE2, 0xE2))


def none_of(arr: pa.Array, table: np.ndarray) -> bool:
    """Whether no cell of a string array holds a byte of `table` (False: perhaps one does)."""
    data = text_bytes(arr)
    return data is not None and not table[data].any()


def map_text(arr: pa.Array, fn: Any, pattern: str, bytes_in: np.ndarray | None = None) -> pa.Array:
    """`fn` applied (in Python) to the cells that match the RE2 `pattern`; a dictionary array's
    dictionary is mapped instead of its cells.  `bytes_in`: a byte_set every match holds a byte of
    (the cells are not searched where none holds one)."""
    if _dictionary(arr):
        return pa.DictionaryArray.from_arrays(arr.indices, map_text(arr.dictionary, fn, pattern, bytes_in))
    if len(arr) == 0 or arr.null_count == len(arr):
        return arr
    if bytes_in is not None and none_of(arr, bytes_in):
        return arr
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    if not pc.any(hit).as_py():
        return arr
    cells = arr.filter(hit).to_pylist()
    return pc.replace_with_mask(arr, hit, strings([fn(c) for c in cells]))


def safe_text(arr: pa.Array) -> pa.Array:
    """Text cells for CSV and spreadsheets: control characters escaped, a leading `'` before = + - @."""
    arr = map_text(arr, printable, UNSAFE_RE2, UNSAFE_BYTES)
    if not _dictionary(arr) and _no_formula(arr):
        return arr
    return map_text(arr, lambda t: "'" + t, FORMULA_RE2)


_FORMULA_FIRST = byte_set((ord("="), ord("=")), (ord("+"), ord("+")), (ord("-"), ord("-")), (ord("@"), ord("@")))


def _no_formula(arr: pa.Array) -> bool:
    """Whether no cell of a string array starts with = + - @ (False: perhaps one does)."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or len(arr) == 0:
        return False
    data, offsets = text_buffers(arr)
    if offsets[-1] == offsets[0]:
        return True
    filled = offsets[1:] > offsets[:-1]
    return not _FORMULA_FIRST[data[np.minimum(offsets[:-1], len(data) - 1)]][filled].any()


def json_text(arr: pa.Array) -> pa.Array:
    """Each text as a JSON string literal (null stays null): quotes added, escapes where needed."""
    arr = map_text(arr, lambda t: json_safe(json.dumps(t, ensure_ascii=False))[1:-1], JSON_ESCAPE_RE2)
    if _dictionary(arr):
        return pa.DictionaryArray.from_arrays(arr.indices, json_text(arr.dictionary))
    return pc.binary_join_element_wise('"', arr, '"', "")


def concat_text(parts: list[pa.Array]) -> pa.Array:
    """Cells joined end to end, a null part counting as "" (pyarrow 26's `skip` null handling drops
    rows where every part is null, so it is not used)."""
    return pc.binary_join_element_wise(*[pc.fill_null(p, "") for p in parts], "")


def decode(arr: pa.Array) -> pa.Array:
    """A dictionary array as plain strings."""
    return arr.dictionary.take(arr.indices) if _dictionary(arr) else arr
