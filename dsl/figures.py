"""The figures a Chinese quote states, so a checker can verify a clause's figures against its quotes.

``quote_figures("按注册资本1000～3000万美元、3000万～1亿美元")`` gives 1000万, 3000万, 3000万 and
1亿 美元, each as a ``Figure`` in the dimension's base unit (dollars, yuan, a fraction for 30%,
points, months, days, a count, mu).  The scanner follows what these documents write:

- whitespace is folded first (the Zhangjiagang text is hard-wrapped: ``1000 万美元``);
- a unit or scale written once covers a range or list (``1000～3000万美元``, ``2～5‰``,
  ``0.5、1、1.5、2分``); a list of bare numbers followed in the same sentence by 加分 is points
  (``分别给予每个项目2、5、10的加分``);
- fractions: ``1/3``, ``三分之一``, ``百分之三十``, ``千分之五``; ``减半`` is 50%;
- Chinese numerals (一, 两, 十五, 一百, 百 as in 超百亿元) and a bare scale (超亿美元 = 1亿美元);
- implicit periods: 每月/月度 = 1个月, 季度 = 3个月, 每年/年度 = 1年, 双周 = 2周, 每周 = 1周;
- not figures: dates and years (``2024年``, ``2021-2025年``, ``7月6日``), document numbers
  (``〔2020〕43号``), ordinals (``第12条``, ``第46次``), heading numbers (``(16)``, ``1．``) and
  words whose numeral is not a quantity (一定, 统一, 十分, 一盘棋 ...).

Ratios (``1.5:1``, ``1：1``, ``3比7``) are matched by ``ratio_in_quote``; their parts, and the
numbers of a fraction, are also given as bare numbers (Dim.SCALAR).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from dsl.units import UNITS, Dim

__all__ = ["Figure", "find_figure", "nearest_figure", "quote_figures", "ratio_in_quote"]


@dataclass(frozen=True)
class Figure:
    """One figure found in a quote."""

    value: Decimal  # in the dimension's base unit; a fraction for a ratio (30% -> 0.3)
    dim: Dim
    text: str  # the fragment of the (whitespace-folded) quote it came from


# ---------------------------------------------------------------- normalisation

_TRANSLATE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "：": ":", "／": "/"})


def _fold(quote: str) -> str:
    """Drop all whitespace and make digits, %, : and / ASCII; a full-width point between digits is a decimal point."""
    s = re.sub(r"\s+", "", quote).translate(_TRANSLATE)
    return re.sub(r"(?<=\d)．(?=\d)", ".", s)


# ---------------------------------------------------------------- Chinese numerals

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_CHARS = "零〇一二两三四五六七八九十百千万亿"
_SCALE_CHARS = {"百": Decimal(100), "千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}


def _cn_small(s: str) -> int | None:
    """A numeral below 10000 (三, 十五, 一百零五, 两千), or None if the characters are not one number."""
    if all(c in _CN_DIGITS for c in s):
        if len(s) == 1:
            return _CN_DIGITS[s]
        # digit by digit is a number only when written so (二〇二四); 十四五 and 三三 are names
        return int("".join(str(_CN_DIGITS[c]) for c in s)) if any(c in "零〇" for c in s) else None
    value, digit, last_unit = 0, None, 10**9
    for c in s:
        if c in _CN_DIGITS:
            if digit:  # two digits in a row (十四五): not one numeral
                return None
            digit = _CN_DIGITS[c]
        elif c in _CN_UNITS:
            unit = _CN_UNITS[c]
            if unit >= last_unit or digit == 0:
                return None
            value += (1 if digit is None else digit) * unit  # leading 十/百 stand for 一十/一百
            digit, last_unit = None, unit
        else:
            return None
    return value + (digit or 0)


def _cn_int(s: str) -> int | None:
    for ch, mult in (("亿", 10**8), ("万", 10**4)):
        if ch in s:
            hi, _, lo = s.partition(ch)
            h = _cn_int(hi) if hi else 1
            lo_v = _cn_int(lo) if lo else 0
            return None if h is None or lo_v is None else h * mult + lo_v
    return _cn_small(s) if s else None


def _number(text: str) -> Decimal | None:
    """An Arabic or Chinese number (no trailing scale split off)."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    if text == "半":
        return Decimal("0.5")
    n = _cn_int(text)
    return None if n is None else Decimal(n)


def _scale(text: str) -> Decimal:
    result = Decimal(1)
    for c in text:
        result *= _SCALE_CHARS[c]
    return result


# ---------------------------------------------------------------- patterns

_AR = r"\d+(?:\.\d+)?"
_NUM = rf"(?:{_AR}|[{_CN_CHARS}]+)"
_SEP_CHARS = "、～~〜\\-–—－至到和或及与"

# Words whose numeral is not a quantity; longest first so 三位一体 wins over 一体.
_STOP_WORDS = sorted(
    """十分 一定 统一 一体 三位一体 一批 一步 一致 一起 一直 一般 一流 一切 一旦 一律 一并 一同 唯一
    万一 一些 一系列 一把手 一盘棋 一号 同一 一线 一带一路 千分制 半导体 上半年 下半年 一事一议 一企一策
    一站式 一揽子 一方面 一代 零部件 零售 两区一园""".split(),
    key=len,
    reverse=True,
)
_NOT_FIGURES = re.compile(
    "|".join(
        [
            "|".join(map(re.escape, _STOP_WORDS)),
            r"(?<!分)之一",  # 之一 "one of", but not 三分之一
            r"(?<![\d.])\d{4}(?:[-～~〜–—－至到]\d{4})?年(?:\d{1,2}月(?:\d{1,2}日)?)?",  # years and dates
            r"[〇零一二三四五六七八九]{4}年",  # 二〇二四年
            r"(?<![\d.])\d{1,2}月\d{1,2}日",  # 7月6日
            r"〔\d{4}〕\d*号?",  # document numbers: 太政发〔2020〕43号
            rf"第[\d{_CN_CHARS}]+",  # ordinals: 第12条, 第46次, 第一
            r"[（(][\d一二三四五六七八九十]+[)）]",  # heading numbers: (16), （一）
            r"(?<![\d.])\d+[．.](?!\d)",  # heading numbers: 1．, 2.
        ]
    )
)
_RATIO = re.compile(rf"{_NUM}(?:[:比]{_NUM})+")
_FRACTION = re.compile(rf"(?P<den>{_NUM})分之(?P<num>{_NUM})|(?<![\d.])(?P<a>{_AR})/(?P<b>{_AR})(?![\d.])")
_HALF = re.compile(r"减半|一半|折半")
# Periods stated without a numeral: (number, unit symbol).
_IMPLICIT = {
    "每月": (1, "个月"), "月度": (1, "个月"), "季度": (3, "个月"), "每季": (3, "个月"), "每年": (1, "年"),
    "年度": (1, "年"), "双周": (2, "周"), "每周": (1, "周"), "每天": (1, "天"), "每日": (1, "天"),
}
_IMPLICIT_RE = re.compile("|".join(_IMPLICIT))

_UNIT_RE = (
    r"美元|元|%|‰|亩|个月|月(?!份)|年|周|天|日|人|名|个|次|项|家|条|位|场"
    r"|分(?![之别配类级管担割成享钟解析布批期段散流工局会行支红摊拆化离开户公厂队组制])"
)
_ATOM = re.compile(
    rf"(?:(?P<ar>{_AR})(?P<sc>万亿|千万|百万|千亿|百亿|万|亿|千)?|(?P<cn>[{_CN_CHARS}半]+))"
    r"(?:(?P<q>以上|以下|及以上|左右|多|余)(?=(?:万亿|万|亿)?(?:" + _UNIT_RE + r")))?"
    r"(?P<sc2>万亿|万|亿)?"
    rf"(?P<unit>{_UNIT_RE})?"
)
_LINK = re.compile(rf"(?:以上|以下|及以上)?[{_SEP_CHARS}]")
_SENTENCE_END = re.compile(r"[。；;！？!?]")
_MASK = "□"  # replaces consumed text; matched by no pattern and ends no sentence


@dataclass
class _Atom:
    start: int
    end: int
    number: Decimal
    scale: str  # written with the number: 3000万
    unit: str | None
    shared_scale: str  # a scale this atom gives to scale-less numbers before it (万 in 1000～3000万美元)


def _fig(number: Decimal, scale: str, unit: str, text: str) -> Figure:
    u = UNITS[unit]
    return Figure(number * _scale(scale) * u.factor, u.dim, text)


def _masked(s: str, spans: list[tuple[int, int]]) -> str:
    chars = list(s)
    for a, b in spans:
        chars[a:b] = _MASK * (b - a)
    return "".join(chars)


def _atoms(masked: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _ATOM.finditer(masked):
        unit = m.group("unit")
        if m.group("ar"):
            number, scale = Decimal(m.group("ar")), m.group("sc") or ""
        else:
            run = m.group("cn")
            # a trailing 万/亿 is the scale (三至五万元: 五 and 万), unless the run has a larger part (一亿五千万)
            split = re.fullmatch(r"([^万亿]*)(万亿|万|亿)?", run)
            prefix, scale = (split.group(1), split.group(2) or "") if split else (run, "")
            if not prefix and unit not in ("美元", "元"):
                continue  # a bare 万/亿 is a number only as 超亿美元 = 1亿美元
            parsed = _number(prefix) if prefix else Decimal(1)
            if parsed is None or prefix in ("零", "〇"):
                continue  # 十四五 is a name, not a numeral; a lone 零 is never a figure here
            number = parsed
        sc2, qualified = m.group("sc2") or "", bool(m.group("q"))
        if qualified:  # 1亿以上万美元: the scale after 以上 is shared; the number keeps its own
            own, shared = scale or sc2, sc2 or scale
        else:
            own = shared = scale + sc2
        atoms.append(_Atom(m.start(), m.end(), number, own, unit, shared))
    return atoms


def _groups(masked: str, atoms: list[_Atom]) -> list[list[_Atom]]:
    """Atoms joined only by a list or range separator (、 ～ 至 和 ...) form one group."""
    groups: list[list[_Atom]] = []
    for atom in atoms:
        if groups and _LINK.fullmatch(masked[groups[-1][-1].end : atom.start]):
            groups[-1].append(atom)
        else:
            groups.append([atom])
    return groups


def _points_follow(folded: str, end: int, count: int) -> tuple[bool, int]:
    """Whether bare numbers ending at `end` are points: 加分 later in the same sentence (a list), or 的加分 right after."""
    rest = folded[end:]
    stop = _SENTENCE_END.search(rest)
    sentence = rest[: stop.start()] if stop else rest
    at = sentence.find("加分")
    if at >= 0 and (count >= 2 or sentence.startswith("的加分")):
        return True, end + at + 2
    return False, end


def quote_figures(quote: str) -> list[Figure]:
    """Every figure the quote states, in the order written.  Never raises on any text."""
    folded = _fold(quote)
    found: list[tuple[int, Figure]] = []
    spans = [m.span() for m in _NOT_FIGURES.finditer(folded)]
    masked = _masked(folded, spans)

    for m in _RATIO.finditer(masked):
        parts = [_number(p) for p in re.split(r"[:比]", m.group())]
        if all(p is not None for p in parts):
            found += [(m.start(), Figure(p, Dim.SCALAR, m.group())) for p in parts if p is not None]
            spans.append(m.span())
    masked = _masked(folded, spans)

    for m in _FRACTION.finditer(masked):
        den_t, num_t = (m.group("den"), m.group("num")) if m.group("den") else (m.group("b"), m.group("a"))
        den, num = _number(den_t), _number(num_t)
        if den is None or num is None or den == 0:
            continue
        found.append((m.start(), Figure(num / den, Dim.RATIO, m.group())))
        if den_t not in ("百", "千"):  # 百分之/千分之 are percent notation; 1/3 and 三分之一 are two numbers
            found += [(m.start(), Figure(num, Dim.SCALAR, m.group())), (m.start(), Figure(den, Dim.SCALAR, m.group()))]
        spans.append(m.span())
    for m in _HALF.finditer(masked):
        found.append((m.start(), Figure(Decimal("0.5"), Dim.RATIO, m.group())))
        spans.append(m.span())
    masked = _masked(folded, spans)
    for m in _IMPLICIT_RE.finditer(masked):
        n, unit = _IMPLICIT[m.group()]
        found.append((m.start(), _fig(Decimal(n), "", unit, m.group())))

    for group in _groups(masked, _atoms(masked)):
        bare: list[_Atom] = []
        for i, atom in enumerate(group):
            donor = atom if atom.unit else next((a for a in group[i + 1 :] if a.unit), None)
            if donor is None or donor.unit is None:
                bare.append(atom)
                continue
            scale = atom.scale if atom is donor or atom.scale else donor.shared_scale
            found.append((atom.start, _fig(atom.number, scale, donor.unit, folded[atom.start : donor.end])))
        if bare:
            is_points, text_end = _points_follow(folded, bare[-1].end, len(bare))
            for atom in bare:
                unit = "分" if is_points else ""
                text = folded[atom.start : text_end] if is_points else folded[atom.start : atom.end]
                found.append((atom.start, _fig(atom.number, atom.scale, unit, text)))
    found.sort(key=lambda pair: pair[0])
    return [f for _, f in found]


# ---------------------------------------------------------------- matching


def _dims_match(want: Dim, have: Dim, bare_counts: bool) -> bool:
    if want == have:
        return True
    if want == Dim.MONEY:  # a money field in the record's own currency: either currency's figure
        return have.is_money
    if want == Dim.SCALAR and have == Dim.RATIO:  # dimensionless: (3 / 4) is the 3/4 of the text
        return True
    return bare_counts and have == Dim.SCALAR and want in (Dim.COUNT, Dim.POINTS)


def _equal(a: Decimal, b: Decimal) -> bool:
    """Equal as quantities; a relative tolerance only absorbs non-terminating fractions (1/3)."""
    return abs(a - b) <= Decimal("1e-15") * max(abs(a), abs(b), Decimal(1))


def find_figure(value: Decimal, dim: Dim, figures: list[Figure], *, bare_counts: bool = False) -> bool:
    """Whether a figure of this value and dimension is among `figures`.

    A bare number in a quote (Dim.SCALAR) does not confirm a count or points figure unless
    `bare_counts` is set: the bare numbers of these texts are mostly names (世界500强, “465”, “3010”).
    """
    v = Decimal(value)
    return any(_dims_match(dim, f.dim, bare_counts) and _equal(v, f.value) for f in figures)


def nearest_figure(value: Decimal, dim: Dim, figures: list[Figure]) -> Figure | None:
    """For an error hint: the closest figure of a matching dimension, else the closest of any dimension."""
    v = Decimal(value)
    same = [f for f in figures if _dims_match(dim, f.dim, False)]
    pool = same or figures
    return min(pool, key=lambda f: abs(f.value - v), default=None)


def ratio_in_quote(parts: tuple[Decimal, ...], quote: str) -> bool:
    """Whether the quote writes this ratio, part by part: 1.5:1, 1：1, 3:7, 3比7, 三比七."""
    want = [Decimal(p) for p in parts]
    folded = _fold(quote)
    masked = _masked(folded, [m.span() for m in _NOT_FIGURES.finditer(folded)])
    for m in _RATIO.finditer(masked):
        got = [_number(p) for p in re.split(r"[:比]", m.group())]
        if len(got) == len(want) and all(g is not None and _equal(g, w) for g, w in zip(got, want, strict=True)):
            return True
    return False
