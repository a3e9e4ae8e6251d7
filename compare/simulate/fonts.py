"""A font that can draw Chinese for the plots, or English labels when there is none.

`cjk_family()` finds one (cached): a file named by POLICYLAB_CJK_FONT first, then Noto Sans CJK SC
as the `mplfonts` package ships it (a dependency of the extras that draw plots, so a fresh machine
draws Chinese after `pip install` alone, and every machine draws it with the same font), then the
installed families below, then CJK font files on the system that matplotlib's font cache has not
listed yet (installed after the cache was built).  Without one, `label(zh, en)` picks the English text and `safe_text` turns any
other text into something DejaVu Sans can draw, so a plot never shows tofu boxes; a single
CJKFontWarning says how to install a font.  `missing_glyphs` checks a string against the fonts
the plots use, for the tests.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

ENV_VAR = "POLICYLAB_CJK_FONT"
HINT = ("pip install mplfonts (it ships Noto Sans CJK SC; the simulate and site extras include it), "
        "install a CJK font (Debian: apt-get install fonts-noto-cjk) or set POLICYLAB_CJK_FONT")
CANDIDATES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Droid Sans Fallback", "AR PL UMing CN", "SimHei", "Microsoft YaHei", "PingFang SC",
)
LATIN = "DejaVu Sans"  # ships with matplotlib, so it is always there for digits, Latin and symbols
# A family must draw these to count: a "CJK" name on a Latin-only subset would give tofu.
PROBE = "无锡元万亿分奖励上限"


class CJKFontWarning(UserWarning):
    """No font that can draw Chinese was found; plots use English labels."""


def _has_glyphs(family: str, text: str) -> bool:
    return not missing_glyphs(text, [family])


def _add_font_file(path: Path) -> str | None:
    """Register a font file with matplotlib (no cache rebuild needed) and return the family among its
    faces that draws Chinese, or None.  Raises OSError/RuntimeError/ValueError for a file that is no font."""
    from matplotlib import font_manager

    before = len(font_manager.fontManager.ttflist)
    font_manager.fontManager.addfont(str(path))
    # a .ttc adds several faces: prefer a Simplified Chinese one the list names, else any that draws Chinese
    added = [e.name for e in font_manager.fontManager.ttflist[before:]]
    ordered = [n for n in CANDIDATES if n in added] + added
    for name in ordered:
        if _has_glyphs(name, PROBE):
            return name
    return None


def _from_env() -> str | None:
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_file():
        warnings.warn(f"{ENV_VAR}={raw} is not a font file; looking for an installed CJK font instead",
                      CJKFontWarning, stacklevel=3)
        return None
    try:
        found = _add_font_file(path)
    except (OSError, RuntimeError, ValueError) as e:
        warnings.warn(f"{ENV_VAR}={raw} could not be read as a font ({e}); looking for an installed CJK font instead",
                      CJKFontWarning, stacklevel=3)
        return None
    if found is None:
        warnings.warn(f"{ENV_VAR}={raw} has no Chinese glyphs; looking for an installed CJK font instead",
                      CJKFontWarning, stacklevel=3)
    return found


# The face of Noto Sans CJK SC in the `mplfonts` wheel (found without importing the package, which
# would change matplotlib's settings).
BUNDLED_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")


def _bundled() -> str | None:
    import importlib.util

    try:
        spec = importlib.util.find_spec(BUNDLED_FONT[0])
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / BUNDLED_FONT[1]
        if path.is_file():
            try:
                return _add_font_file(path)
            except (OSError, RuntimeError, ValueError):
                return None
    return None


# Where Debian, Fedora, Arch and macOS put CJK fonts; matplotlib's cache (built once, on first use)
# does not see a font installed later, so these are looked at directly.
SYSTEM_FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
                       "/Library/Fonts", "/System/Library/Fonts")
SYSTEM_FONT_FILES = ("*NotoSansCJK*-Regular.tt[cf]", "*NotoSansCJK*-Regular.otf", "*NotoSansSC*-Regular.*",
                     "*SourceHanSans*-Regular.*", "wqy-zenhei.ttc", "wqy-microhei.ttc", "DroidSansFallback*.ttf")


def _system_files() -> str | None:
    for folder in SYSTEM_FONT_FOLDERS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for pattern in SYSTEM_FONT_FILES:
            for path in sorted(root.rglob(pattern)):
                try:
                    found = _add_font_file(path)
                except (OSError, RuntimeError, ValueError):
                    continue
                if found is not None:
                    return found
    return None


def _installed(candidates: Sequence[str]) -> str | None:
    from matplotlib import font_manager

    names = {e.name.casefold(): e.name for e in font_manager.fontManager.ttflist}
    for wanted in candidates:
        name = names.get(wanted.casefold())
        if name is not None and _has_glyphs(name, PROBE):
            return name
    # another region's cut of the same fonts (Noto Sans CJK JP, …) still draws the characters used here
    for name in sorted(set(names.values())):
        if "CJK" in name and "Mono" not in name and _has_glyphs(name, PROBE):
            return name
    return None


def _search() -> str | None:
    return _from_env() or _bundled() or _installed(CANDIDATES) or _system_files()


@functools.cache
def cjk_family() -> str | None:
    """The family name of a font that draws Chinese, or None (after one CJKFontWarning)."""
    found = _search()
    if found is None:
        warnings.warn(f"no font that can draw Chinese was found, so plots are labelled in English: {HINT}",
                      CJKFontWarning, stacklevel=2)
    return found


def reset() -> None:
    """Forget the font found (for tests, or after installing one)."""
    cjk_family.cache_clear()


def font_chain() -> list[str]:
    """The families the plots ask for, in order: matplotlib falls back glyph by glyph along it."""
    family = cjk_family()
    return [family, LATIN] if family else [LATIN]


LANGS = ("zh", "en", "both")
_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("policylab_plot_lang", default="both")


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Draw the figures made inside in `lang`: "zh", "en" or "both" (Chinese, then English)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    token = _LANG.set(lang)
    try:
        yield
    finally:
        _LANG.reset(token)


def current_lang() -> str:
    """The language figures are drawn in now: English wherever no font draws Chinese."""
    return _LANG.get() if cjk_family() else "en"


LONG = 44  # characters: both languages longer than this go on two lines


def label(zh: str, en: str, sep: str | None = None) -> str:
    """`zh`, `en` or both ("合计 total"; `sep` between them, a line break where they are long) by the
    language set (`language`); English without a CJK font."""
    lang = current_lang()
    if lang == "both" and zh and en and zh != en:
        return f"{zh}{sep if sep is not None else chr(10) if len(zh) * 2 + len(en) > LONG else ' '}{en}"
    return (zh or en) if lang != "en" else (en or ascii_text(zh))


# a bilingual label as the records write it: the Chinese, then the English ("企业 firm")
_BILINGUAL = re.compile(r"^(.*[\u3000-\u9fff\uff00-\uffef])\s+([A-Za-z(].*)$")


def split_label(text: str) -> tuple[str, str]:
    """("支付合计", "money paid") from "支付合计 money paid"; (text, "") when it is not zh + en."""
    m = _BILINGUAL.match(text.strip())
    return (m.group(1).strip(), m.group(2).strip()) if m else (text, "")


def line_name(text: str) -> str:
    """A line's label ("无锡 wuxi_2023", "无锡 wuxi_cap_8000"): whole in Chinese (the city alone would not
    tell reforms apart), its id in English."""
    zh, en = split_label(text)
    return safe_text(en) if en and current_lang() == "en" else safe_text(text, en or None)


def figure_text(text: str) -> str:
    """A figure as the texts write it ("5000万元"), or in English magnitudes ("50M CNY") in an English figure."""
    return ascii_text(text) if current_lang() == "en" else safe_text(text)


def chosen(text: str, en: str | None = None) -> str:
    """A record's bilingual label in the language set; `en` (an id, say) where it has no English."""
    zh, eng = split_label(text)
    if not eng:
        return safe_text(text, en) if current_lang() != "en" or not en else safe_text(en)
    return safe_text(label(zh, eng), eng)


@functools.cache
def _font(family: str) -> object:
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    return font_manager.get_font(path)


def missing_glyphs(text: str, families: Sequence[str] | None = None) -> list[str]:
    """The characters of `text` that none of `families` (default: the plots' fonts) can draw."""
    chain = list(families) if families is not None else font_chain()
    fonts = []
    for family in chain:
        try:
            fonts.append(_font(family))
        except ValueError:  # not installed: it draws nothing
            continue
    missing: list[str] = []
    for ch in dict.fromkeys(text):
        if ch.isspace():
            continue
        if not any(f.get_char_index(ord(ch)) != 0 for f in fonts):  # type: ignore[attr-defined]
            missing.append(ch)
    return missing


def can_render(text: str, families: Sequence[str] | None = None) -> bool:
    """Whether every visible character of `text` has a glyph in one of `families` (default: the plots')."""
    return not missing_glyphs(text, families)


# Amounts written the Chinese way, turned into English when Chinese cannot be drawn.
_AMOUNT = re.compile(r"(-?\d[\d,]*(?:\.\d+)?)\s*(亿|万)?\s*(美元|元|分)?")
_WORDS = {"无上限": "unbounded", "没有数据": "no data", "并列": "tie", "约": "about ", "～": "-", "至": "-"}
_MULT = {"亿": 1e8, "万": 1e4, None: 1.0}
_UNIT = {"美元": " USD", "元": " CNY", "分": " pts", None: ""}


def compact(x: float) -> str:
    """12000000 -> "12M": English magnitudes for a number already in base units."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            return f"{x / size:,.3g}{suffix}".replace("e+", "e")
    return f"{x:,.3g}"


def _english_amount(m: re.Match[str]) -> str:
    number, mult, unit = m.group(1), m.group(2), m.group(3)
    if mult is None and unit is None:
        return number
    value = float(number.replace(",", "")) * _MULT[mult]
    return compact(value) + _UNIT[unit]


def ascii_text(text: str) -> str:
    """Best-effort English for `text` that the Latin font can draw: amounts converted, the rest dropped."""
    out = _AMOUNT.sub(_english_amount, text)
    for zh, en in _WORDS.items():
        # bilingual text ("并列 tie") already carries the English: drop the Chinese, do not double it
        out = out.replace(zh, "" if en.strip() and en.strip().casefold() in out.casefold() else en)
    out = "".join(ch for ch in out if ch.isspace() or can_render(ch, [LATIN]))
    return re.sub(r"[ \t]+", " ", out).strip(" ·:：,，") or "?"


def safe_text(text: str, en: str | None = None) -> str:
    """`text` if the plots' fonts can draw it, else its English part, else `en`; `$` escaped (no mathtext).

    Bilingual text keeps its English ("注册资本 registered_capital" → "registered_capital"); Chinese
    alone ("外资到位奖励") gives way to `en` (the concept id, say).
    """
    if can_render(text):
        out = text
    else:
        out = ascii_text(text)
        if en is not None and not re.search(r"[A-Za-z]", out) and can_render(en):
            out = en
    return out.replace("$", r"\$")
