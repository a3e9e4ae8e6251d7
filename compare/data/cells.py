"""Cells of one column, parsed column-wise: money, ratios, true/false, choices, numbers.

Each parser takes a pyarrow array of whatever type the reader inferred (numbers, strings,
booleans, lists) and returns numpy values, a `given` mask (NaN, None, empty cells and the
null words of `NULL_WORDS` are "not given": the schema's default applies) and the rows that
are bad, each with a message: no per-row Python except for the messages of bad rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from compare.data import validate
from compare.data.headers import CURRENCY_WORDS, Unit
from compare.data.text_buffers import byte_set, text_buffers
from compare.engine.batch import CNY
from dsl.units import SCALES

# Cells read as "not given", in every format (pandas writes NaN, Excel #N/A, databases NULL).
NULL_WORDS = ("", "nan", "NaN", "NAN", "none", "None", "NONE", "null", "NULL", "Null", "n/a", "N/A", "NA", "#N/A")
TRUE_WORDS, FALSE_WORDS = validate.TRUE_WORDS, validate.FALSE_WORDS

MAX_AMOUNT = float(validate.MAX_AMOUNT)  # 10万亿 in its currency: below 2^53 fen at any plausible rate

_NUM = r"-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?"
_MONEY = (r"^(?P<code>USD|CNY|RMB)?\s*(?P<num>-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<scale>万亿|万|亿|千)?\s*"
          r"(?P<unit>美元|元|人民币|USD|CNY|RMB)?$")
_RATIO = r"^(?P<num>-?[0-9]+(?:\.[0-9]+)?)\s*(?P<sign>%|‰)?$"
_SCALE = {word: float(factor) for word, factor in SCALES.items()}

MONEY_HINT = "write it as in the texts: 4000万美元, 1.5亿元, 200万元, or USD 40000000"


@dataclass
class Bad:
    """Bad rows of one column: (row index, code, message, hint)."""

    rows: list[tuple[int, str, str, str | None]] = field(default_factory=list)
    count: int = 0

    def add(self, mask: np.ndarray, code: str, message: Callable[[int], str], hint: str | None, cap: int) -> None:
        where = np.flatnonzero(mask)
        self.count += len(where)
        self.rows += [(int(i), code, message(int(i)), hint) for i in where[:cap]]


def as_strings(arr: pa.Array, null_words: bool | tuple[str, ...] = True) -> pa.Array:
    """The cells as trimmed text, empty ones and (with `null_words`) the null words as null (numbers
    as written: 4000, 0.35, never 4e+03).  Ids keep the null words: a project may be called `none`."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_large_string(arr.type):  # pandas 3 keeps text so
        arr = arr.cast(pa.string())
    if pa.types.is_floating(arr.type):
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, arr.type), arr)
        x = arr.to_numpy(zero_copy_only=False)
        texts = [None if v != v else (str(int(v)) if float(v).is_integer() and abs(v) < 2**63 else
                                      np.format_float_positional(v, trim="-")) for v in x]
        return pa.array(texts, pa.string())
    if pa.types.is_boolean(arr.type):
        return pc.if_else(arr, "true", "false")
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        try:
            arr = arr.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            arr = pa.array([None if v is None else str(v) for v in arr.to_pylist()], pa.string())
    words = NULL_WORDS if null_words is True else null_words or ("",)
    trim, word = _may_change(arr, words)
    if trim:
        arr = pc.utf8_trim_whitespace(arr)
    if not (trim or word):
        return arr
    nulls = pc.is_in(arr, value_set=pa.array(words))
    return pc.if_else(nulls, pa.scalar(None, pa.string()), arr) if pc.any(nulls).as_py() else arr


# The first bytes of every character pyarrow's utf8_trim_whitespace trims: ASCII controls and space,
# and the lead bytes of U+0080–U+00BF (NEL, NO-BREAK SPACE), U+1000–U+3FFF (OGHAM SPACE MARK, the
# spaces and separators U+2000–U+205F, IDEOGRAPHIC SPACE U+3000).  tests/test_data_read_fastpaths.py
# checks every code point.
_SPACE_LEAD = byte_set((0x00, 0x20), (0xC2, 0xC2), (0xE1, 0xE3))


def _may_change(arr: pa.Array, words: tuple[str, ...]) -> tuple[bool, bool]:
    """(whether trimming may change a cell, whether a cell may be one of `words`), from the bytes of a
    text column: no cell is trimmed where its bytes hold no first byte of a space (above), and none is a
    word where none is as short as a word and starts as one does.  Either answer may be a wrong yes,
    never a wrong no (a chunked column is said yes to both)."""
    if isinstance(arr, pa.ChunkedArray) or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return True, True
    data, offsets = text_buffers(arr)
    text = data[offsets[0]:offsets[-1]]
    trim = bool(_SPACE_LEAD[text].any())
    encoded = [w.encode("utf-8") for w in words]
    size = np.diff(offsets)
    short = np.flatnonzero(size <= max(len(w) for w in encoded))
    if not short.size:
        return trim, False
    leads = np.zeros(257, dtype=bool)  # 256: an empty cell
    leads[[w[0] if w else 256 for w in encoded]] = True
    first = np.where(size[short] > 0, data[np.minimum(offsets[short], len(data) - 1)].astype(np.int64), 256)
    candidates = short[leads[first]]
    if candidates.size and arr.null_count:
        candidates = candidates[np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)[candidates]]
    return trim, bool(candidates.size)


def _given(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _floats(arr: pa.Array) -> np.ndarray:
    """A numeric column as float64, null as NaN."""
    return np.asarray(pc.fill_null(arr.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False), dtype=np.float64)


def _is_number(arr: pa.Array) -> bool:
    t = arr.type
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _text(arr: pa.Array, i: int) -> str:
    v = arr[i].as_py()
    return "" if v is None else str(v)


def money(arr: pa.Array, unit: Unit | None, name: str, bad: Bad, cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(amount to the fen, currency code, given) of a money column.  A bare number takes the column's
    unit; a cell with a unit (`4000万美元`, `USD 40000000`) its own; a bare number without one is an
    error unless it is 0."""
    no_unit_hint = (f"say the unit in the header (`{name}[万美元]`), with --unit {name}=万美元, "
                    "or in the cell: 4000万美元")
    if _is_number(arr) or pa.types.is_null(arr.type):
        x = _floats(arr) if not pa.types.is_null(arr.type) else np.full(len(arr), np.nan)
        given = ~np.isnan(x)
        cur = np.full(len(x), CNY if unit is None or unit.currency is None else unit.currency, dtype=np.int8)
        if unit is None:  # a bare figure needs a unit; infinities are refused as such below
            bad.add(given & np.isfinite(x) & (x != 0), "E802", lambda i: f"`{_text(arr, i)}` has no currency",
                    no_unit_hint, cap)
            amount = np.where(np.isfinite(x), 0.0, x)
        else:
            amount = x * float(unit.scale)
        return _checked_amount(amount, given, arr, bad, cap), np.where(given, cur, CNY).astype(np.int8), given
    s = as_strings(arr)
    given = _given(s)
    ok, odd_commas, x, scale_of, cur_of = _money_texts(s, given)
    infinite = given & ~ok
    if infinite.any():
        infinite &= _np(pc.match_substring_regex(s, r"^[+-]?(inf|infinity)\b", ignore_case=True)).astype(bool)
    bad.add(infinite, "E803", lambda i: f"`{_text(arr, i)}` is not a finite amount", "write the amount, e.g. 4000万美元",
            cap)
    odd_commas &= ~infinite
    bad.add(given & ~ok & ~odd_commas & ~infinite, "E802", lambda i: f"`{_text(arr, i)}` is not an amount of money", MONEY_HINT, cap)
    bad.add(given & odd_commas, "E802", lambda i: f"`{_text(arr, i)}` has thousands separators in odd places",
            "separate thousands in threes (4,000万美元) or not at all (4000万美元)", cap)
    bare = ok & (cur_of < 0)
    if unit is None:
        bad.add(given & bare & (x != 0), "E802", lambda i: f"`{_text(arr, i)}` has no currency", no_unit_hint, cap)
        column_scale, column_cur = 1.0, CNY
    else:
        column_scale, column_cur = float(unit.scale), (CNY if unit.currency is None else unit.currency)
    amount = np.where(bare, x * column_scale, x * scale_of)
    given &= ok
    cur = np.where(given, np.where(bare, column_cur, cur_of), CNY).astype(np.int8)
    return _checked_amount(amount, given, arr, bad, cap), cur, given


# Units a cell most often ends with, longest first: read without a regular expression.
_SUFFIXES = sorted(((scale + unit, factor, CURRENCY_WORDS[unit]) for scale, factor in _SCALE.items()
                    for unit in ("美元", "元")), key=lambda s: -len(s[0]))


def _np(arr: pa.Array, fill: object = False) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, fill).to_numpy(zero_copy_only=False))


def _money_texts(s: pa.Array, given: np.ndarray) -> tuple[np.ndarray, ...]:
    """(ok, odd thousands separators, number, the cell's scale, its currency or -1 where bare) of
    money texts.  The common shapes (`4000`, `4000.5万美元`) are read by suffix; the rest
    (`USD 40000000`, `4,000万美元`, spaces) by the regular expression."""
    if isinstance(s, pa.ChunkedArray):
        s = s.combine_chunks()
    n = len(s)
    ok, odd = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    x, scale, cur = np.zeros(n), np.ones(n), np.full(n, -1, dtype=np.int64)
    num = pc.utf8_rtrim(s, characters=_UNIT_CHARS)
    digits = _plain_decimals(num)
    # the unit after the number: every character of it is one of _UNIT_CHARS, three bytes in UTF-8
    chars = np.where(given, _sizes(s) - _sizes(num), 0) // 3
    which = _SUFFIX_AT[_unit_codes(s, chars)]  # the unit's index in _SUFFIXES (len: none), -1 another
    fast = digits & (chars <= _LONGEST) & (which >= 0)
    if fast.any():
        words = which[fast]
        scale[fast], cur[fast] = _SUFFIX_SCALE[words], _SUFFIX_CUR[words]
        x[fast] = _floats((num if fast.all() else pc.filter(num, pa.array(fast))).cast(pa.float64()))
    ok |= fast
    slow = given & ~fast
    if slow.any():
        where = np.flatnonzero(slow)
        o, d, xs, sc, cu = _money_regex(pc.filter(s, pa.array(slow)))
        ok[where], odd[where], x[where], scale[where], cur[where] = o, d, xs, sc, cu
    return ok, odd, x, scale, cur


# The units a cell most often ends with (_SUFFIXES, and none), each a code: its characters, last first,
# as digits 1-5 in base 6 (a character by its middle UTF-8 byte, which tells the five apart).
_UNIT_CHARS = "万亿千美元"
_CHAR_DIGIT = np.zeros(256, dtype=np.int16)
for _k, _ch in enumerate(_UNIT_CHARS):
    _CHAR_DIGIT[_ch.encode("utf-8")[1]] = _k + 1
_LONGEST = max(len(w) for w, _, _ in _SUFFIXES)
_SUFFIX_AT = np.full(6 ** _LONGEST, -1, dtype=np.int64)
for _k, (_word, _, _) in enumerate(_SUFFIXES):
    _SUFFIX_AT[sum(int(_CHAR_DIGIT[c.encode("utf-8")[1]]) * 6 ** j for j, c in enumerate(reversed(_word)))] = _k
_SUFFIX_AT[0] = len(_SUFFIXES)  # no unit: a bare number
_SUFFIX_SCALE = np.array([f for _, f, _ in _SUFFIXES] + [1.0])
_SUFFIX_CUR = np.array([c for _, _, c in _SUFFIXES] + [-1], dtype=np.int64)


def _unit_codes(s: pa.Array, chars: np.ndarray) -> np.ndarray:
    """The code of the last `chars` characters (each one of _UNIT_CHARS) of each cell (0 where `chars`
    is 0 or more than _LONGEST)."""
    data, offsets = text_buffers(s)
    ends = offsets[1:]
    unit = chars <= _LONGEST
    code = np.zeros(len(ends), dtype=np.int16)
    for j in range(min(_LONGEST, int(chars[unit].max(initial=0)))):
        middle = np.maximum(ends - (3 * j + 2), 0)  # the character's middle byte (another's where chars <= j)
        code += _CHAR_DIGIT[data[middle]] * ((chars > j) & unit) * np.int16(6 ** j)
    return code


def _sizes(s: pa.Array) -> np.ndarray:
    """Each cell's length in bytes (a null cell's: whatever its offsets say; callers mask it)."""
    return np.diff(text_buffers(s)[1])


def _plain_decimals(num: pa.Array, point_last: bool = True) -> np.ndarray:
    """Where a text is ASCII digits with at most one `.`, not first (`4000`, `4000.5`, `4000.`): as
    `ascii_is_decimal` of it without its first `.`, and not starting with one; nor ending with one
    unless `point_last`."""
    data, offsets = text_buffers(num)
    size = np.diff(offsets)
    # per byte: 1 for a `.`, 16 for anything but a digit or a `.`; per text their sum is at most 1
    total = np.empty(len(data) + 1, dtype=np.int32 if len(data) < 1 << 26 else np.int64)
    total[0] = 0
    np.cumsum(_DECIMAL_WEIGHT[data], dtype=total.dtype, out=total[1:])
    sums = total[offsets[1:]] - total[offsets[:-1]]
    first = data[np.minimum(offsets[:-1], len(data) - 1)]
    plain = (sums <= 1) & (size > sums) & (first != 46) & (size > 0)
    return plain if point_last else plain & (data[np.maximum(offsets[1:] - 1, 0)] != 46)


_DECIMAL_WEIGHT = np.full(256, 16, dtype=np.uint8)
_DECIMAL_WEIGHT[ord("0"):ord("9") + 1] = 0
_DECIMAL_WEIGHT[ord(".")] = 1


def _money_regex(s: pa.Array) -> tuple[np.ndarray, ...]:
    parts = pc.extract_regex(pc.utf8_upper(s), _MONEY)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    code, num, scale, cell_unit = (pc.struct_field(parts, k) for k in ("code", "num", "scale", "unit"))
    has_code, has_scale, has_unit = _nonempty(code), _nonempty(scale), _nonempty(cell_unit)
    wrong = matched & ((has_code & (has_scale | has_unit)) | (has_scale & ~has_unit))
    commas = _np(pc.match_substring(num, ",")).astype(bool)
    odd = matched & commas & ~_np(pc.match_substring_regex(num, "^" + _NUM + "$")).astype(bool)
    ok = matched & ~wrong & ~odd
    numbers = pc.replace_substring(pc.if_else(pa.array(ok), num, pa.scalar(None, pa.string())), ",", "")
    x = np.nan_to_num(_floats(numbers.cast(pa.float64())), nan=0.0)
    cur = _lookup(pc.if_else(pa.array(has_code), code, cell_unit), CURRENCY_WORDS, -1).astype(np.int64)
    return ok, odd, x, _lookup(scale, _SCALE, 1.0), cur


def _nonempty(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.greater(pc.utf8_length(arr), 0), False).to_numpy(zero_copy_only=False), dtype=bool)


def _lookup(arr: pa.Array, table: dict[str, float] | dict[str, int], missing: float) -> np.ndarray:
    keys = list(table)
    index = pc.fill_null(pc.index_in(arr, value_set=pa.array(keys)), -1).to_numpy(zero_copy_only=False)
    values = np.array([*table.values(), missing], dtype=np.float64)
    return values[np.asarray(index, dtype=np.int64)]


def _checked_amount(amount: np.ndarray, given: np.ndarray, raw: pa.Array, bad: Bad, cap: int) -> np.ndarray:
    """Finite, not negative, at most 10万亿, to the fen; rounded to the fen (the nearest double)."""
    with np.errstate(invalid="ignore"):
        infinite = given & ~np.isfinite(amount)
        negative = given & ~infinite & (amount < 0)
        large = given & ~infinite & (amount > MAX_AMOUNT)
        fen = amount * 100.0
        whole = np.rint(fen)
        fine = given & ~infinite & ~large & (np.abs(fen - whole) > 1e-6 * np.maximum(1.0, np.abs(fen)))
    bad.add(infinite, "E803", lambda i: f"`{_text(raw, i)}` is not a finite amount", "write the amount, e.g. 4000万美元", cap)
    bad.add(negative, "E803", lambda i: f"negative amount {_text(raw, i)}", "amounts are zero or more", cap)
    bad.add(large, "E803", lambda i: f"the amount {_text(raw, i)} is too large",
            "amounts are at most 10万亿 (10^13) in their currency", cap)
    bad.add(fine, "E802", lambda i: f"`{_text(raw, i)}` is finer than a fen (0.01)",
            "amounts are given to the fen or cent: round it, e.g. 1234.57元", cap)
    ok = given & ~infinite & ~negative & ~large & ~fine
    return np.where(ok, whole / 100.0, 0.0)


def ratio(arr: pa.Array, unit: Unit | None, name: str, bad: Bad, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """(ratio 0–1, given).  `35%`, `5‰`, `0.35`; a bare number in a `[%]` column is a percentage; a bare
    number above 1 in a column without a unit is ambiguous (35 or 35%?), an error."""
    divisor = float(unit.divisor) if unit is not None and unit.divisor is not None else None
    if _is_number(arr) or pa.types.is_null(arr.type):
        x = _floats(arr) if not pa.types.is_null(arr.type) else np.full(len(arr), np.nan)
        given = ~np.isnan(x)
        bare, sign = np.ones(len(x), dtype=bool), np.ones(len(x))
        shown = arr
    else:
        s = as_strings(arr)
        given = _given(s)
        ok, x, sign, bare = _ratio_texts(s, given)
        bad.add(given & ~ok, "E802", lambda i: f"`{_text(arr, i)}` is not a ratio", "write 35%, 5‰ or 0.35", cap)
        given &= ok
        shown = arr
    with np.errstate(invalid="ignore"):
        infinite = given & ~np.isfinite(x)
        bad.add(infinite, "E803", lambda i: f"`{_text(shown, i)}` is not a ratio", "a ratio is in the range 0%–100%", cap)
        given &= ~infinite
        if divisor is None:
            vague = given & bare & (x > 1)
            bad.add(vague, "E802", lambda i: f"`{_text(shown, i)}` in a column without a unit: is it "
                    f"{_text(shown, i)}% or {_text(shown, i)} times?", "write the % in the cell (35%), give the "
                    f"header a unit (`{name}[%]`) or --unit {name}=%", cap)
            given &= ~vague
            value = np.where(bare, x, x / sign)
        else:
            value = np.where(bare, x / divisor, x / sign)
        above, below = given & (value > 1), given & (value < 0)
    bad.add(above, "E803", lambda i: f"{_text(shown, i)} is above 100%", "a ratio is in the range 0%–100%", cap)
    bad.add(below, "E803", lambda i: f"{_text(shown, i)} is negative", "a ratio is in the range 0%–100%", cap)
    given &= ~above & ~below
    return np.where(given, value, 0.0), given


def _ratio_texts(s: pa.Array, given: np.ndarray) -> tuple[np.ndarray, ...]:
    """(ok, number, its divisor by the sign: 100 for %, 1000 for ‰, else 1, no sign) of ratio texts: the
    common shapes (`35`, `35.5%`, `5‰`) read by their bytes, the rest by the regular expression."""
    if isinstance(s, pa.ChunkedArray):
        s = s.combine_chunks()
    n = len(s)
    ok, x, sign, bare = np.zeros(n, dtype=bool), np.zeros(n), np.ones(n), np.ones(n, dtype=bool)
    num = pc.utf8_rtrim(s, characters="%‰")
    after = np.where(given, _sizes(s) - _sizes(num), 0)
    data, offsets = text_buffers(s)
    last = data[np.maximum(offsets[1:] - 1, 0)]
    # after the number: nothing, one % (1 byte), or one ‰ (3 bytes, the last 0xB0; %%% ends in %)
    per_mille = (after == 3) & (last == 0xB0)
    fast = _plain_decimals(num, point_last=False) & ((after <= 1) | per_mille)
    if fast.any():
        x[fast] = _floats((num if fast.all() else pc.filter(num, pa.array(fast))).cast(pa.float64()))
        sign[fast & (after == 1)], sign[fast & per_mille] = 100.0, 1000.0
        bare[fast] = after[fast] == 0
        ok |= fast
    slow = given & ~fast
    if slow.any():
        where = np.flatnonzero(slow)
        parts = pc.extract_regex(pc.filter(s, pa.array(slow)), _RATIO)
        ok[where] = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        x[where] = np.nan_to_num(_floats(pc.struct_field(parts, "num").cast(pa.float64())), nan=0.0)
        sign[where] = _lookup(pc.struct_field(parts, "sign"), {"%": 100.0, "‰": 1000.0}, 1.0)
        bare[where] = ~_nonempty(pc.struct_field(parts, "sign"))
    return ok, x, sign, bare


def boolean(arr: pa.Array, bad: Bad, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """(true/false, given): booleans, 0/1, or true/false, yes/no, 是/否."""
    if pa.types.is_boolean(arr.type):
        return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool), _given(arr)
    s = pc.utf8_lower(as_strings(arr))
    given = _given(s)
    yes = np.asarray(pc.is_in(s, value_set=pa.array(TRUE_WORDS)).to_numpy(zero_copy_only=False), dtype=bool)
    no = np.asarray(pc.is_in(s, value_set=pa.array(FALSE_WORDS)).to_numpy(zero_copy_only=False), dtype=bool)
    bad.add(given & ~yes & ~no, "E802", lambda i: f"`{_text(arr, i)}` is not true or false", "write true or false", cap)
    return yes, given & (yes | no)


def number(arr: pa.Array, bad: Bad, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """(float, given) of a plain number column; text that is not a number, and infinities, are errors."""
    if not _is_number(arr) and not pa.types.is_null(arr.type):
        s = as_strings(arr)
        ok = np.asarray(pc.fill_null(pc.match_substring_regex(s, r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"), True)
                        .to_numpy(zero_copy_only=False), dtype=bool)
        bad.add(~ok, "E802", lambda i: f"`{_text(arr, i)}` is not a number", None, cap)
        arr = pc.if_else(pa.array(ok), s, pa.scalar(None, pa.string())).cast(pa.float64())
    x = _floats(arr) if not pa.types.is_null(arr.type) else np.full(len(arr), np.nan)
    given = ~np.isnan(x)
    infinite = given & np.isinf(x)
    bad.add(infinite, "E803", lambda i: f"`{_text(arr, i)}` is not a finite number", None, cap)
    return np.where(given & ~infinite, x, np.nan), given & ~infinite


def choice(arr: pa.Array, choices: tuple[str, ...], upper: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(index into `choices` or -1, given, unknown) of a choice column."""
    s = as_strings(arr, tuple(w for w in NULL_WORDS if w not in choices))  # `none` is a referral
    if upper:
        s = pc.utf8_upper(s)
    given = _given(s)
    index = np.asarray(pc.fill_null(pc.index_in(s, value_set=pa.array(choices)), -1).to_numpy(zero_copy_only=False),
                       dtype=np.int64)
    return index, given, given & (index < 0)


def category_lists(arr: pa.Array) -> pa.Array:
    """A categories column as lists: a list column as it is, text split at , ; | and spaces."""
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        return arr
    s = as_strings(arr)
    parts = pc.split_pattern_regex(pc.fill_null(s, ""), r"[;,|，；\s]+")
    return pc.if_else(s.is_valid(), parts, pa.scalar(None, parts.type))
